// The buddy frame allocator (Knuth's, as Linux's page allocator uses it): free memory is kept as
// blocks of 2^order frames, order 0..10 (4 KiB .. 4 MiB), each aligned to its own size, one free
// list per order. An allocation takes a block of the smallest order that fits, splitting a larger
// one in halves as often as needed (the upper halves go on the lists below); a free merges the
// block with its buddy (the other half of the block they were split from, frame number XOR 2^order)
// for as long as that buddy is free too.
//
// State in guest RAM at `base` (after the owner table, see frames.ts):
//   +0    heads[11]   physical address of the first free block of each order, NIL if none
//   +44   counts[11]  number of blocks on each list
//   +88   marks[nframes], one byte per frame: FREE_HEAD | order on the first frame of a free block,
//         0 elsewhere; this is how a free tells whether a buddy is free and of the same order
// The lists are doubly linked through the free blocks themselves: the first 8 bytes of a free block
// (at its physical address) hold the physical addresses of the next and previous block, NIL at the
// ends. Nothing else is kept outside guest RAM; an allocated frame's owner byte (frames.ts) is what
// says it is allocated.
//
// allocContiguous(pages) takes a block of the order pages rounds up to, and gives the pages past
// `pages` back to the free lists at once (as aligned blocks of the largest orders that fit), so a
// run of 5 pages costs 5 frames and not 8. freeContiguous(base, pages) frees exactly those pages
// the same way, and the merges bring the block back whole once all of it is free. Runs longer than
// 2^10 pages cannot be had from this allocator: allocContiguous returns null for them.

import { COST } from '../cost.ts';
import { PAGE_SIZE, phys, type PhysAddr } from '../hw.ts';
import { panic } from '../panic.ts';
import { hex0x } from '../format.ts';
import { FramePolicy } from './frame-policy.ts';
import type { FrameOwner, FrameTable } from './frame-table.ts';

export const MAX_ORDER = 10;
const ORDERS = MAX_ORDER + 1;
const NIL = 0xffffffff;
const FREE_HEAD = 0x80;
const HEADS_OFFSET = 0;
const COUNTS_OFFSET = 4 * ORDERS;
const MARKS_OFFSET = 8 * ORDERS;
/** Offsets of the links inside a free block. */
const NEXT = 0;
const PREV = 4;

/** Bytes of guest RAM the buddy allocator's state takes for nframes frames. */
export function buddyStateBytes(nframes: number): number {
  return MARKS_OFFSET + nframes;
}

/** The smallest order whose block holds `pages` pages. */
export function orderFor(pages: number): number {
  let k = 0;
  while (2 ** k < pages) k++;
  return k;
}


export class BuddyFrameAllocator extends FramePolicy {
  readonly kind = 'buddy' as const;

  /** Empty lists, then every run of free frames of the owner table freed into them. */
  constructor(table: FrameTable, base: PhysAddr) {
    super(table, base);
    for (let k = 0; k < ORDERS; k++) {
      this.writeHead(k, NIL);
      this.writeCount(k, 0);
    }
    this.hw.fillPhys(phys(base + MARKS_OFFSET), table.nframes, 0);
    table.forEachFreeRun((first, end) => this.freeRange(first, end));
  }

  protected takeRun(pages: number, owner: FrameOwner): PhysAddr | null {
    this.table.checkPages(pages, 'allocContiguous');
    this.table.checkOwner(owner);
    this.hw.chargeCycles(COST.frameOp);
    const k = orderFor(pages);
    if (k > MAX_ORDER) return null;
    const f = this.allocBlock(k);
    if (f === null) return null;
    this.table.label(f, pages, owner);
    this.freeRange(f + pages, f + 2 ** k);
    return phys(f * PAGE_SIZE);
  }

  protected release(first: number, pages: number): void {
    this.freeRange(first, first + pages);
  }

  freeLists(): number[] {
    return Array.from({ length: ORDERS }, (_, k) => this.readCount(k));
  }

  /** The owner byte says whether a frame is allocated. */
  protected isAllocated(i: number): boolean {
    return !this.table.isFree(i);
  }

  /** Takes a block of order k off the lists, splitting the smallest larger block if none is free. */
  private allocBlock(k: number): number | null {
    let j = k;
    while (j <= MAX_ORDER && this.readHead(j) === NIL) j++;
    if (j > MAX_ORDER) return null;
    const f = this.readHead(j) / PAGE_SIZE;
    if (this.readMark(f) !== (FREE_HEAD | j)) panic(`buddy: free list ${j} corrupt: head ${hex0x(f * PAGE_SIZE)} is not a free block of that order`);
    this.unlink(f, j);
    // Keep the lower half, give the upper half to the list one order down.
    while (j > k) {
      j--;
      this.push(f + 2 ** j, j);
    }
    return f;
  }

  /** Frees block f of order k, merging it with its buddy for as long as the buddy is free and whole. */
  private freeBlock(f: number, k: number): void {
    while (k < MAX_ORDER) {
      const b = f ^ (1 << k);
      if (b >= this.table.nframes || this.readMark(b) !== (FREE_HEAD | k)) break;
      this.unlink(b, k);
      f = Math.min(f, b);
      k++;
    }
    this.push(f, k);
  }

  /** Frees frames [first, end) as aligned blocks of the largest orders that fit. */
  private freeRange(first: number, end: number): void {
    let f = first;
    while (f < end) {
      let k = 0;
      while (k < MAX_ORDER && f % 2 ** (k + 1) === 0 && f + 2 ** (k + 1) <= end) k++;
      this.freeBlock(f, k);
      f += 2 ** k;
    }
  }

  /** Puts block f at the head of list k (LIFO: the block freed last is the one reused first). */
  private push(f: number, k: number): void {
    const addr = f * PAGE_SIZE;
    const head = this.readHead(k);
    this.writeLink(addr + NEXT, head);
    this.writeLink(addr + PREV, NIL);
    if (head !== NIL) this.writeLink(head + PREV, addr);
    this.writeHead(k, addr);
    this.writeMark(f, FREE_HEAD | k);
    this.writeCount(k, this.readCount(k) + 1);
    this.hw.chargeCycles(COST.buddyStep);
  }

  /** Takes block f off list k, wherever it is on it. */
  private unlink(f: number, k: number): void {
    const addr = f * PAGE_SIZE;
    const next = this.readLink(addr + NEXT);
    const prev = this.readLink(addr + PREV);
    if (prev === NIL) this.writeHead(k, next);
    else this.writeLink(prev + NEXT, next);
    if (next !== NIL) this.writeLink(next + PREV, prev);
    this.writeMark(f, 0);
    this.writeCount(k, this.readCount(k) - 1);
    this.hw.chargeCycles(COST.buddyStep);
  }

  private readHead(k: number): number { return this.hw.readPhys32(phys(this.base + HEADS_OFFSET + 4 * k)); }
  private writeHead(k: number, addr: number): void { this.hw.writePhys32(phys(this.base + HEADS_OFFSET + 4 * k), addr); }
  private readCount(k: number): number { return this.hw.readPhys32(phys(this.base + COUNTS_OFFSET + 4 * k)); }
  private writeCount(k: number, n: number): void { this.hw.writePhys32(phys(this.base + COUNTS_OFFSET + 4 * k), n); }
  private readMark(f: number): number { return this.hw.readPhys8(phys(this.base + MARKS_OFFSET + f)); }
  private writeMark(f: number, v: number): void { this.hw.writePhys8(phys(this.base + MARKS_OFFSET + f), v); }
  private readLink(addr: number): number { return this.hw.readPhys32(phys(addr)); }
  private writeLink(addr: number, v: number): void { this.hw.writePhys32(phys(addr), v); }
}
