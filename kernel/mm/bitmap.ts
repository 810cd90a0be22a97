// The bitmap frame allocator: one bit per 4 KiB frame, kept in guest RAM. A set bit means the
// frame cannot be handed out (allocated, reserved, or not RAM: the bits past the last frame are
// set too), a clear bit means it is free.
//
// State in guest RAM at `base` (after the owner table, see frames.ts):
//   +0  hint: index of the first bitmap word that may hold a clear bit (every word below it is all ones)
//   +4  the bitmap: frame i is bit (i & 31) of 32-bit word (i >> 5)
//
// Search policy: first fit, lowest address first. It keeps the frames in use packed at the bottom
// of memory and leaves the top in long free runs for allocContiguous, and it makes the choice
// predictable: a freed frame is the next one handed out if it is the lowest free one, so test
// transcripts and page-table dumps do not drift. The cost of first fit, rescanning the full words
// at the bottom on every call, is taken away by the hint (Linux's bootmem kept the same kind of
// "last success" hint): an allocation starts at the hint and moves it to the first word it saw with
// a clear bit, and a free lowers it. So the answer is exactly first fit's, at next fit's cost.

import { COST } from '../cost.ts';
import { PAGE_SIZE, phys, type PhysAddr } from '../hw.ts';
import { FramePolicy } from './frame-policy.ts';
import type { FrameOwner, FrameTable } from './frame-table.ts';

const FULL = 0xffffffff;
const BITMAP_OFFSET = 4;

/** Bytes of guest RAM the bitmap allocator's state takes for nframes frames. */
export function bitmapStateBytes(nframes: number): number {
  return BITMAP_OFFSET + 4 * Math.ceil(nframes / 32);
}


/** `base` is the physical address of the hint word; the bitmap follows it. */
export class BitmapFrameAllocator extends FramePolicy {
  readonly kind = 'bitmap' as const;
  private readonly nwords: number;

  /** Builds the bitmap from the owner table: a bit is clear exactly where the frame is free. */
  constructor(table: FrameTable, base: PhysAddr) {
    super(table, base);
    this.nwords = Math.ceil(table.nframes / 32);
    const words = new Uint32Array(this.nwords).fill(FULL);
    table.forEachFreeRun((first, end) => {
      for (let i = first; i < end; i++) words[i >>> 5]! &= ~(1 << (i & 31));
    });
    words.forEach((w, i) => this.writeWord(i, w));
    this.writeHint(0);
  }

  /** First fit: the lowest run of `pages` clear bits at or above the hint. */
  protected takeRun(pages: number, owner: FrameOwner): PhysAddr | null {
    this.table.checkPages(pages, 'allocContiguous');
    this.table.checkOwner(owner);
    this.hw.chargeCycles(COST.frameOp);
    let firstFreeWord = -1;
    let runStart = 0;
    let runLength = 0;
    let found = -1;
    for (let w = this.readHint(); w < this.nwords && found < 0; w++) {
      const word = this.readWord(w);
      this.hw.chargeCycles(COST.bitmapWord);
      if (word === FULL) { runLength = 0; continue; }
      if (firstFreeWord < 0) firstFreeWord = w;
      if (word === 0) {
        if (runLength === 0) runStart = w * 32;
        runLength += 32;
        if (runLength >= pages) found = runStart;
        continue;
      }
      for (let b = 0; b < 32; b++) {
        if ((word >>> b) & 1) { runLength = 0; continue; }
        if (runLength === 0) runStart = w * 32 + b;
        if (++runLength === pages) { found = runStart; break; }
      }
    }
    // Every word before firstFreeWord was full, and allocating only sets bits: still a lower bound.
    this.writeHint(firstFreeWord < 0 ? this.nwords : firstFreeWord);
    if (found < 0) return null;
    this.setBits(found, pages, true);
    this.table.label(found, pages, owner);
    return phys(found * PAGE_SIZE);
  }

  protected release(first: number, pages: number): void {
    this.setBits(first, pages, false);
    const w = first >>> 5;
    if (w < this.readHint()) this.writeHint(w);
  }

  freeLists(): null {
    return null;
  }

  protected isAllocated(i: number): boolean {
    return ((this.readWord(i >>> 5) >>> (i & 31)) & 1) !== 0;
  }

  /** Sets or clears the bits of frames [first, first + count), one read-modify-write per word. */
  private setBits(first: number, count: number, value: boolean): void {
    const end = first + count;
    for (let i = first; i < end;) {
      const w = i >>> 5;
      const hi = Math.min(end, (w + 1) * 32);
      const n = hi - i;
      const mask = (n === 32 ? FULL : ((1 << n) - 1) << (i & 31)) >>> 0;
      const word = this.readWord(w);
      this.writeWord(w, value ? word | mask : word & ~mask);
      i = hi;
    }
  }

  private readWord(w: number): number { return this.hw.readPhys32(phys(this.base + BITMAP_OFFSET + 4 * w)); }
  private writeWord(w: number, v: number): void { this.hw.writePhys32(phys(this.base + BITMAP_OFFSET + 4 * w), v >>> 0); }
  private readHint(): number { return this.hw.readPhys32(this.base); }
  private writeHint(w: number): void { this.hw.writePhys32(this.base, w); }
}
