// What the bitmap and the buddy allocator share: the FrameAllocator methods that only consult the
// owner table (frames.ts), the one-frame forms of alloc and free, and the checks a free makes on a
// whole run before it changes anything. Each policy says how it knows a frame is allocated and how
// it takes and returns runs.

import { COST } from '../cost.ts';
import { hex0x } from '../format.ts';
import { PAGE_SIZE, phys, type Hw, type PhysAddr } from '../hw.ts';
import { panic } from '../panic.ts';
import type { FrameAllocator, FrameOwner, FrameStats, FrameTable } from './frame-table.ts';

export abstract class FramePolicy implements FrameAllocator {
  abstract readonly kind: 'bitmap' | 'buddy';
  protected readonly hw: Hw;
  protected readonly table: FrameTable;
  protected readonly base: PhysAddr;

  constructor(table: FrameTable, base: PhysAddr) {
    this.hw = table.hw;
    this.table = table;
    this.base = base;
  }

  /** Takes a run of `pages` frames for `owner` from the policy's state (checked by the policy). */
  protected abstract takeRun(pages: number, owner: FrameOwner): PhysAddr | null;
  /** Free frames, counted as they come and go once first asked for (-1: not yet counted). */
  private freeCount = -1;
  abstract freeLists(): number[] | null;
  /** Whether frame number `i` is allocated, as this policy's own state says. */
  protected abstract isAllocated(i: number): boolean;
  /** Returns frames [first, first + pages), already checked and labelled free, to the policy. */
  protected abstract release(first: number, pages: number): void;

  allocContiguous(pages: number, owner: FrameOwner): PhysAddr | null {
    const f = this.takeRun(pages, owner);
    if (f !== null && this.freeCount >= 0) this.freeCount -= pages;
    return f;
  }

  alloc(owner: FrameOwner): PhysAddr | null {
    return this.allocContiguous(1, owner);
  }

  /** How many frames are free now (the owner table's count, kept up to date after the first call). */
  get freeFrames(): number {
    if (this.freeCount < 0) this.freeCount = this.table.stats().free;
    return this.freeCount;
  }

  free(frame: PhysAddr): void {
    this.freeContiguous(frame, 1);
  }

  freeContiguous(base: PhysAddr, pages: number): void {
    const op = pages === 1 ? 'free' : 'freeContiguous';
    this.table.checkPages(pages, op);
    // Check the whole run before changing anything, so a bad call leaves the state as it was.
    const first = this.allocatedFrame(base, op);
    for (let i = 1; i < pages; i++) this.allocatedFrame(phys(base + i * PAGE_SIZE), op);
    this.hw.chargeCycles(COST.frameOp);
    this.table.label(first, pages, 'free');
    this.release(first, pages);
    if (this.freeCount >= 0) this.freeCount += pages;
  }

  ownerOf(frame: PhysAddr): FrameOwner | null {
    return this.table.ownerOf(frame);
  }

  setOwner(frame: PhysAddr, owner: FrameOwner): void {
    this.table.checkOwner(owner);
    this.table.label(this.allocatedFrame(frame, 'setOwner'), 1, owner);
  }

  stats(): FrameStats {
    return this.table.stats();
  }

  /** Frame number of `frame`; panics unless it is allocated. */
  protected allocatedFrame(frame: PhysAddr, op: string): number {
    const i = this.table.checkFrame(frame, op);
    if (!this.isAllocated(i)) panic(`frames: ${op} of ${hex0x(frame)}: not allocated (double free?)`);
    return i;
  }
}
