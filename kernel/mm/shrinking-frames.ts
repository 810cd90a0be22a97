// The frame allocator the kernel uses: the allocator (bitmap or buddy) with one more rule, that
// when it has no frame to give it first asks for clean memory nobody is using to be given back
// (the page cache's idle pages, mm/pagecache.ts) and tries again. So a cache never makes an
// allocation fail that would have succeeded without it (Linux's direct reclaim of clean pages).

import type { PhysAddr } from '../hw.ts';
import type { FrameAllocator, FrameOwner, FrameStats } from './frame-table.ts';

export class ShrinkingFrames implements FrameAllocator {
  /** The allocator itself (bitmap or buddy). */
  readonly inner: FrameAllocator;
  /** Gives back one frame nobody needs, if it can (true); set once the cache exists. */
  shrink: () => boolean = () => false;

  constructor(inner: FrameAllocator) {
    this.inner = inner;
  }

  get kind(): 'bitmap' | 'buddy' { return this.inner.kind; }
  get freeFrames(): number { return this.inner.freeFrames; }

  alloc(owner: FrameOwner): PhysAddr | null {
    for (;;) {
      const f = this.inner.alloc(owner);
      if (f !== null || !this.shrink()) return f;
    }
  }

  allocContiguous(pages: number, owner: FrameOwner): PhysAddr | null {
    for (;;) {
      const f = this.inner.allocContiguous(pages, owner);
      if (f !== null || !this.shrink()) return f;
    }
  }

  free(frame: PhysAddr): void { this.inner.free(frame); }
  freeContiguous(base: PhysAddr, pages: number): void { this.inner.freeContiguous(base, pages); }
  ownerOf(frame: PhysAddr): FrameOwner | null { return this.inner.ownerOf(frame); }
  setOwner(frame: PhysAddr, owner: FrameOwner): void { this.inner.setOwner(frame, owner); }
  stats(): FrameStats { return this.inner.stats(); }
  freeLists(): number[] | null { return this.inner.freeLists(); }
}
