// The leak check: when the shell starts, the kernel notes which frames (per owner) and heap blocks
// are in use; at `halt`, after every process has ended, anything in use beyond that was not freed
// by whoever allocated it, and the report names it.

import { hex } from './format.ts';
import { OWNERS, type FrameAllocator, type FrameOwner } from './mm/frame-table.ts';
import { HEAP_HEADER, type KernelHeap } from './mm/heap.ts';

export interface Baseline { byOwner: Record<FrameOwner, number>; heapBlocks: Set<number> }
export interface Leaks { frames: number; byOwner: Array<[FrameOwner, number]>; heapBlocks: Array<{ addr: number; size: number }> }

export function takeBaseline(frames: FrameAllocator, heap: KernelHeap): Baseline {
  return { byOwner: { ...frames.stats().byOwner }, heapBlocks: new Set(heap.blocks().filter((b) => b.used).map((b) => b.addr)) };
}

/** What is in use now and was not at the baseline: frames by owner, heap blocks by the address kmalloc returned. */
export function findLeaks(frames: FrameAllocator, heap: KernelHeap, base: Baseline | null): Leaks {
  const now = frames.stats().byOwner;
  const byOwner: Array<[FrameOwner, number]> = [];
  let count = 0;
  for (const o of OWNERS) {
    if (o === 'free') continue;
    const d = now[o] - (base?.byOwner[o] ?? 0);
    if (d > 0) { byOwner.push([o, d]); count += d; }
  }
  const heapBlocks = heap.blocks().filter((b) => b.used && !base?.heapBlocks.has(b.addr)).map((b) => ({ addr: b.addr + HEAP_HEADER, size: b.size }));
  return { frames: count, byOwner, heapBlocks };
}

/** The report `halt` prints; its last line is the verdict. */
export function describeLeaks(l: Leaks): string {
  const lines: string[] = [];
  if (l.frames > 0) lines.push(`  frames not freed: ${l.byOwner.map(([o, n]) => `${n} ${o}`).join(', ')}`);
  for (const b of l.heapBlocks) lines.push(`  heap block not freed: 0x${hex(b.addr)} (${b.size} bytes)`);
  lines.push(`leak check: ${l.frames} frames, ${l.heapBlocks.length} heap blocks leaked`);
  return lines.join('\n');
}

/** The baseline taken when the shell starts, and the report `halt` prints against it. */
export class LeakCheck {
  private readonly frames: FrameAllocator;
  private readonly heap: KernelHeap;
  private baseline: Baseline | null = null;

  constructor(frames: FrameAllocator, heap: KernelHeap) {
    this.frames = frames;
    this.heap = heap;
  }

  takeBaseline(): void {
    this.baseline = takeBaseline(this.frames, this.heap);
  }

  leaks(): Leaks {
    return findLeaks(this.frames, this.heap, this.baseline);
  }

  report(): string {
    return describeLeaks(this.leaks());
  }
}
