// Shared anonymous memory: a segment of pages that every process attaching it maps to the same
// frames, so a write by one is seen by all. It is what mmap(MAP_SHARED|MAP_ANONYMOUS) makes (a
// segment with no name, shared with the children a fork makes), and what System V's shmget names
// by a key for unrelated processes to attach with shmat.
//
// In guest RAM: per segment, a table from the kernel heap with a word per page: 0 (never touched:
// zero-filled on the first fault), the frame that holds it (labelled 'shm' in the frame table:
// the segment holds it whether a process maps it or not), or a swap entry (pagetable.ts's
// swapEntry) when the pager has written it out: the segment, not the PTEs, remembers where its
// page went, so every attacher finds it again. The kernel's index of the segments (id, key,
// attachments) is the struct shmid_ds a Unix kernel keeps.
//
// A segment goes when it has no attachment and is unnamed (mmap's) or removed (shmctl IPC_RMID):
// its frames and swap slots are freed then.

import { COST } from '../cost.ts';
import { phys, PAGE_SIZE, type Hw, type PhysAddr, type VirtAddr } from '../hw.ts';
import { V2P } from '../layout.ts';
import type { FrameAllocator } from './frame-table.ts';
import type { KernelHeap } from './heap.ts';
import { isSwapEntry, swapEntry, swapSlot } from './pagetable.ts';
import type { ReverseMap } from './rmap.ts';
import { IdleHint } from './idle-hint.ts';

/** The key of a segment that has no name (mmap's, or shmget(IPC_PRIVATE)). */
export const NO_KEY = 0;

export interface Segment {
  readonly id: number;
  readonly key: number;
  readonly pages: number;
  readonly table: VirtAddr;
  /** Regions that map it (a fork's copy of a region is one more). */
  attachments: number;
  /** shmctl(IPC_RMID): its key is gone, and it goes with its last attachment. */
  removed: boolean;
  /** System V's (shmget): it stays, attached or not, until IPC_RMID; mmap's goes with its last attachment. */
  readonly persistent: boolean;
}

/** One page of a segment: never touched, in a frame, or in a swap slot. */
export type SegmentPage = { kind: 'none' } | { kind: 'frame'; frame: PhysAddr } | { kind: 'swap'; slot: number };

export class SharedMemory {
  private readonly hw: Hw;
  private readonly heap: KernelHeap;
  private readonly frames: FrameAllocator;
  private readonly rmap: ReverseMap;
  private readonly segments = new Map<number, Segment>();
  private nextId = 1;
  /** Pages in frames no PTE maps (idle-hint.ts): the pager looks for one only when there may be one. */
  readonly idle = new IdleHint();
  /** Frees a swap slot (the pager's); set when there is swap. */
  freeSlot: (slot: number) => void = () => {};

  constructor(hw: Hw, heap: KernelHeap, frames: FrameAllocator, rmap: ReverseMap) {
    this.hw = hw;
    this.heap = heap;
    this.frames = frames;
    this.rmap = rmap;
  }

  /** A new segment of `pages` pages (all untouched), or null when its table cannot be had. */
  create(key: number, pages: number, persistent: boolean): Segment | null {
    const table = this.heap.kmalloc(pages * 4);
    if (table === null) return null;
    this.hw.fillPhys(V2P(table), pages * 4, 0);
    const s: Segment = { id: this.nextId++, key, pages, table, attachments: 0, removed: false, persistent };
    this.segments.set(s.id, s);
    return s;
  }

  byId(id: number): Segment | null {
    return this.segments.get(id) ?? null;
  }

  /** The named segment with `key` that is not removed, if any. */
  byKey(key: number): Segment | null {
    for (const s of this.segments.values()) if (s.key === key && key !== NO_KEY && !s.removed) return s;
    return null;
  }

  /** Every segment (for `mem`, the leak check and halt). */
  all(): Segment[] {
    return [...this.segments.values()];
  }

  private word(s: Segment, index: number): PhysAddr {
    return phys(V2P(s.table) + index * 4);
  }

  page(s: Segment, index: number): SegmentPage {
    const w = this.hw.readPhys32(this.word(s, index));
    this.hw.chargeCycles(COST.walkStep);
    if (w === 0) return { kind: 'none' };
    if (isSwapEntry(w)) return { kind: 'swap', slot: swapSlot(w) };
    return { kind: 'frame', frame: phys(w) };
  }

  /** Page `index` of `s` is now in `frame` (a fresh zero-fill, or read back from swap), labelled 'shm'. */
  setFrame(s: Segment, index: number, frame: PhysAddr): void {
    this.hw.writePhys32(this.word(s, index), frame);
    this.frames.setOwner(frame, 'shm');
  }

  /** The page in `frame` went to swap slot `slot` (the pager's eviction; `wasIdle`: no PTE mapped it): the segment remembers the slot. */
  swappedOut(frame: PhysAddr, slot: number, wasIdle: boolean): boolean {
    const at = this.find(frame);
    if (at === null) return false;
    if (wasIdle) this.idle.taken();
    this.hw.writePhys32(this.word(at.s, at.index), swapEntry(slot));
    return true;
  }

  /** A page of some segment in a frame no PTE maps (its segment attached by no one now, or never touched since): the pager may write it out. */
  idleFrame(): PhysAddr | null {
    if (!this.idle.any) return null;
    for (const s of this.segments.values()) {
      for (let i = 0; i < s.pages; i++) {
        const pg = this.page(s, i);
        if (pg.kind === 'frame' && this.rmap.count(pg.frame) === 0) return pg.frame;
      }
    }
    this.idle.none();
    return null;
  }

  /** Which segment and page hold `frame`. */
  private find(frame: PhysAddr): { s: Segment; index: number } | null {
    for (const s of this.segments.values()) {
      for (let i = 0; i < s.pages; i++) {
        this.hw.chargeCycles(COST.walkStep);
        if (this.hw.readPhys32(this.word(s, i)) === frame) return { s, index: i };
      }
    }
    return null;
  }

  /** A region attaching `s` went away: the last one of an unnamed or removed segment frees it. */
  detach(s: Segment): void {
    s.attachments--;
    this.collect(s);
  }

  /** shmctl(IPC_RMID): the key goes now, the segment with its last attachment. */
  remove(s: Segment): void {
    s.removed = true;
    this.collect(s);
  }

  private collect(s: Segment): void {
    if (s.attachments > 0 || (s.persistent && !s.removed)) return;
    this.destroy(s);
  }

  /** Frees every page (no PTE may map them any more), every slot, and the table. */
  private destroy(s: Segment): void {
    for (let i = 0; i < s.pages; i++) {
      const pg = this.page(s, i);
      if (pg.kind === 'frame') {
        if (this.rmap.count(pg.frame) !== 0) continue; // still mapped: cannot happen once no region attaches it
        this.frames.free(pg.frame);
        this.idle.taken();
      } else if (pg.kind === 'swap') this.freeSlot(pg.slot);
    }
    this.heap.kfree(s.table);
    this.segments.delete(s.id);
  }

  /** halt: every segment no process attaches goes, named or not (the machine is going off). */
  destroyDetached(): void {
    for (const s of [...this.segments.values()]) if (s.attachments === 0) this.destroy(s);
  }

  /** The kernel-heap blocks of the tables (held, not leaked), and the frames the segments hold. */
  tableBlocks(): number[] {
    return [...this.segments.values()].map((s) => s.table as number);
  }

  /** How many of `s`'s pages are in frames now. */
  resident(s: Segment): number {
    let n = 0;
    for (let i = 0; i < s.pages; i++) if (this.page(s, i).kind === 'frame') n++;
    return n;
  }

  framesHeld(): number {
    let n = 0;
    for (const s of this.segments.values()) n += this.resident(s);
    return n;
  }
}

/** Pages in `bytes`, rounded up. */
export const pagesOf = (bytes: number): number => Math.ceil(bytes / PAGE_SIZE);
