// The leak check: when the shell starts, the kernel notes which frames (per owner) and heap blocks
// are in use; at `halt`, after every process has ended, anything in use beyond that was not freed
// by whoever allocated it, and the report names it.

import { hex } from './format.ts';
import { OWNERS, type FrameAllocator, type FrameOwner } from './mm/frame-table.ts';
import { HEAP_HEADER, type KernelHeap } from './mm/heap.ts';

export interface Baseline { byOwner: Record<FrameOwner, number>; heapBlocks: Set<number> }
export interface Leaks {
  frames: number;
  byOwner: Array<[FrameOwner, number]>;
  heapBlocks: Array<{ addr: number; size: number }>;
  /** Swap slots still held (only when there is swap: every slot is free when no process is left). */
  swapSlots?: number;
  /** Frames the reverse map still counts mappings of (every count is 0 when no process is left). */
  mappings: number;
  /** Under --mm segments: partitions still held (none when no process is left). */
  partitions?: number;
}

export function takeBaseline(frames: FrameAllocator, heap: KernelHeap): Baseline {
  return { byOwner: { ...frames.stats().byOwner }, heapBlocks: new Set(heap.blocks().filter((b) => b.used).map((b) => b.addr)) };
}

/** What is in use now and was not at the baseline: frames by owner, heap blocks by the address kmalloc returned. */
export function findLeaks(frames: FrameAllocator, heap: KernelHeap, base: Baseline | null, held: Partial<Record<FrameOwner, number>> = {}, heldBlocks: ReadonlySet<number> = new Set()): Leaks {
  const now = frames.stats().byOwner;
  const byOwner: Array<[FrameOwner, number]> = [];
  let count = 0;
  for (const o of OWNERS) {
    if (o === 'free') continue;
    // The page cache's frames are held, not leaked: only those it does not know of count.
    const d = now[o] - (base?.byOwner[o] ?? 0) - (held[o] ?? 0);
    if (d > 0) { byOwner.push([o, d]); count += d; }
  }
  const heapBlocks = heap.blocks().filter((b) => b.used && !base?.heapBlocks.has(b.addr) && !heldBlocks.has(b.addr + HEAP_HEADER)).map((b) => ({ addr: b.addr + HEAP_HEADER, size: b.size }));
  return { frames: count, byOwner, heapBlocks, mappings: 0 };
}

/** The report `halt` prints; its last line is the verdict. */
export function describeLeaks(l: Leaks): string {
  const lines: string[] = [];
  if (l.frames > 0) lines.push(`  frames not freed: ${l.byOwner.map(([o, n]) => `${n} ${o}`).join(', ')}`);
  for (const b of l.heapBlocks) lines.push(`  heap block not freed: 0x${hex(b.addr)} (${b.size} bytes)`);
  if ((l.swapSlots ?? 0) > 0) lines.push(`  swap slots not freed: ${l.swapSlots}`);
  if (l.mappings > 0) lines.push(`  frames whose reference count is not 0: ${l.mappings}`);
  if ((l.partitions ?? 0) > 0) lines.push(`  partitions not freed: ${l.partitions}`);
  const slots = l.swapSlots === undefined ? '' : `, ${l.swapSlots} swap slots`;
  const parts = l.partitions === undefined ? '' : `, ${l.partitions} partitions`;
  lines.push(`leak check: ${l.frames} frames, ${l.heapBlocks.length} heap blocks${slots}${parts}, ${l.mappings} mappings leaked`);
  return lines.join('\n');
}

/** The baseline taken when the shell starts, and the report `halt` prints against it. */
export class LeakCheck {
  private readonly frames: FrameAllocator;
  private readonly heap: KernelHeap;
  private readonly swap: { readonly used: number } | null;
  private readonly rmap: { readonly mapped: number } | null;
  private readonly cache: { readonly size: number; tableBlocks(): ReadonlySet<number> } | null;
  private readonly shm: { framesHeld(): number; tableBlocks(): number[] } | null;
  private readonly segments: { readonly partitions: { stats(): { partitions: number } } } | null;
  private baseline: Baseline | null = null;

  constructor(frames: FrameAllocator, heap: KernelHeap, swap: { readonly used: number } | null = null, rmap: { readonly mapped: number } | null = null,
    cache: { readonly size: number; tableBlocks(): ReadonlySet<number> } | null = null, shm: { framesHeld(): number; tableBlocks(): number[] } | null = null,
    segments: { readonly partitions: { stats(): { partitions: number } } } | null = null) {
    this.frames = frames;
    this.heap = heap;
    this.swap = swap;
    this.rmap = rmap;
    this.cache = cache;
    this.shm = shm;
    this.segments = segments;
  }

  takeBaseline(): void {
    this.baseline = takeBaseline(this.frames, this.heap);
  }

  leaks(): Leaks {
    // What the page cache and shared segments hold is theirs, not leaked (halt frees it first).
    const held = new Set([...(this.cache?.tableBlocks() ?? []), ...(this.shm?.tableBlocks() ?? [])]);
    const l = { ...findLeaks(this.frames, this.heap, this.baseline, { cache: this.cache?.size ?? 0, shm: this.shm?.framesHeld() ?? 0 }, held), mappings: this.rmap?.mapped ?? 0 };
    const withSwap = this.swap === null ? l : { ...l, swapSlots: this.swap.used };
    return this.segments === null ? withSwap : { ...withSwap, partitions: this.segments.partitions.stats().partitions };
  }

  report(): string {
    return describeLeaks(this.leaks());
  }
}
