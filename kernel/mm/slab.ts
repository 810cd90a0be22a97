// Slab caches (Bonwick, "The Slab Allocator", USENIX 1994): fixed-size kernel objects carved out of
// whole 4 KiB frames taken from the frame allocator (owner 'slab'). Each slab page keeps its own
// bookkeeping at its start, in guest RAM, so a pointer finds its slab by rounding down to the page:
//
//   slab page (VA in the direct map)
//   +0   SLAB_MAGIC
//   +4   stride            object size rounded up to 8
//   +8   in use            objects handed out
//   +12  free head         VA of the first free object (0: none); each free object's first word
//                          holds the VA of the next one
//   +16  next slab         VA of the next page on the same list (0: end)
//   +20  prev slab
//   +24  in-use bitmap     one bit per object (catches a double free exactly), ceil(capacity/32) words
//   …    objects           from the first multiple of 8 after the bitmap, `capacity` of them
//
// The cache keeps two list heads (like the `kmem_cache` a C kernel would have): slabs with a free
// object ("partial") and full slabs. A slab whose last object is freed goes straight back to the
// frame allocator: no empty slab is cached, so the frame count is exact after every free and the
// leak check at shutdown sees no page a cache is merely holding on to. The price is one frame
// allocation and one carve when a cache oscillates around a page boundary.

import { COST } from '../cost.ts';
import { virt, PAGE_SIZE, type Hw, type VirtAddr } from '../hw.ts';
import { KERNBASE, P2V, V2P } from '../layout.ts';
import { panic } from '../panic.ts';
import type { FrameAllocator } from './frame-table.ts';
import { hex } from '../format.ts';

/** 'SLAB': marks a page as a slab. */
export const SLAB_MAGIC = 0x534c4142;
/** Objects are 8-byte aligned, as kmalloc's payloads are. */
export const SLAB_ALIGN = 8;

const OFF_MAGIC = 0;
const OFF_STRIDE = 4;
const OFF_INUSE = 8;
const OFF_FREE = 12;
const OFF_NEXT = 16;
const OFF_PREV = 20;
const OFF_BITMAP = 24;
/** Frames in 4 GiB: no list can be longer, so a longer walk has found a cycle. */
const MAX_FRAMES = 1 << 20;

const alignUp = (n: number, a: number): number => Math.ceil(n / a) * a;

type SlabList = 'partial' | 'full';

export class SlabCache {
  readonly name: string;
  readonly objectSize: number;
  private readonly hw: Hw;
  private readonly frames: FrameAllocator;
  /** Bytes from one object to the next. */
  private readonly stride: number;
  /** Objects per slab page. */
  private readonly capacity: number;
  /** Offset of the first object in the page (after the header and bitmap). */
  private readonly firstObject: number;
  /** List heads: VAs of slab pages, 0 for an empty list. */
  private partial = 0;
  private full = 0;

  constructor(hw: Hw, frames: FrameAllocator, name: string, objectSize: number) {
    this.hw = hw;
    this.frames = frames;
    this.name = name;
    this.objectSize = objectSize;
    if (!Number.isInteger(objectSize) || objectSize <= 0) panic(`slab ${name}: bad object size ${objectSize}`);
    // At least 8: a free object holds the link to the next one.
    this.stride = Math.max(SLAB_ALIGN, alignUp(objectSize, SLAB_ALIGN));
    let cap = Math.floor((PAGE_SIZE - OFF_BITMAP) / this.stride);
    while (cap > 0 && headerBytes(cap) + cap * this.stride > PAGE_SIZE) cap--;
    if (cap === 0) panic(`slab ${name}: objects of ${objectSize} bytes do not fit in a page`);
    this.capacity = cap;
    this.firstObject = headerBytes(cap);
  }

  /** A zeroed object, or null when the frame allocator has no page for a new slab. */
  alloc(): VirtAddr | null {
    if (this.partial === 0 && !this.grow()) return null;
    const s = this.partial;
    const obj = this.rd(s + OFF_FREE);
    if (obj === 0) panic(`slab ${this.name}: partial slab 0x${hex(s)} has no free object`);
    this.wr(s + OFF_FREE, this.rd(obj));
    const inUse = this.rd(s + OFF_INUSE) + 1;
    this.wr(s + OFF_INUSE, inUse);
    this.setBit(s, this.indexOf(s, obj), true);
    if (inUse === this.capacity) {
      this.unlink('partial', s);
      this.push('full', s);
    }
    this.hw.fillPhys(V2P(obj), this.stride, 0);
    this.hw.chargeCycles(COST.slabOp + COST.zeroPerDword * (this.stride / 4));
    return virt(obj);
  }

  /** Returns an object; panics if it is not one of this cache's objects in use. */
  free(va: VirtAddr): void {
    const s = this.slabOf(va);
    const i = this.indexOf(s, va);
    if (!this.bit(s, i)) panic(`slab ${this.name}: double free of 0x${hex(va)}`);
    this.setBit(s, i, false);
    this.wr(va, this.rd(s + OFF_FREE));
    this.wr(s + OFF_FREE, va);
    const inUse = this.rd(s + OFF_INUSE) - 1;
    this.wr(s + OFF_INUSE, inUse);
    if (inUse === this.capacity - 1) {
      this.unlink('full', s);
      this.push('partial', s);
    }
    if (inUse === 0) {
      this.unlink('partial', s);
      // Scrub the magic so a stale pointer into the page is not taken for a slab object later.
      this.wr(s + OFF_MAGIC, 0);
      this.frames.free(V2P(s));
    }
    this.hw.chargeCycles(COST.slabOp);
  }

  /** Counted from the slab headers in guest RAM. */
  stats(): { name: string; objectSize: number; slabs: number; inUse: number; free: number } {
    let slabs = 0, inUse = 0;
    for (const s of [...this.pages('partial'), ...this.pages('full')]) {
      slabs++;
      inUse += this.rd(s + OFF_INUSE);
    }
    return { name: this.name, objectSize: this.objectSize, slabs, inUse, free: slabs * this.capacity - inUse };
  }

  /** Objects one slab page holds (for `mem` and tests). */
  get objectsPerSlab(): number { return this.capacity; }

  // --- slabs ---------------------------------------------------------------------------------

  /** Takes a frame and carves it into a slab whose free list runs through its objects in address order. */
  private grow(): boolean {
    const frame = this.frames.alloc('slab');
    if (frame === null) return false;
    const s = P2V(frame);
    this.hw.fillPhys(frame, this.firstObject, 0); // header and bitmap: nothing in use
    this.wr(s + OFF_MAGIC, SLAB_MAGIC);
    this.wr(s + OFF_STRIDE, this.stride);
    const first = s + this.firstObject;
    for (let i = 0; i < this.capacity; i++) {
      const obj = first + i * this.stride;
      this.wr(obj, i + 1 < this.capacity ? obj + this.stride : 0);
    }
    this.wr(s + OFF_FREE, first);
    this.push('partial', s);
    this.hw.chargeCycles(COST.slabInitPerObject * this.capacity);
    return true;
  }

  /** The slab page of one of this cache's objects, or a panic naming the address. */
  private slabOf(va: VirtAddr): number {
    const notOurs = (why: string): never => panic(`slab ${this.name}: free of 0x${hex(va)}: ${why}`);
    if (va < KERNBASE) notOurs('not a kernel address');
    const s = va - (va % PAGE_SIZE);
    if (this.frames.ownerOf(V2P(s)) !== 'slab') notOurs('not in a slab page');
    if (this.rd(s + OFF_MAGIC) !== SLAB_MAGIC || this.rd(s + OFF_STRIDE) !== this.stride) notOurs('no slab header for this cache');
    // Another cache's slab of the same size would pass the header check: look for the page on our lists.
    let steps = 0, found = false;
    for (const p of [...this.pages('partial'), ...this.pages('full')]) {
      steps++;
      if (p === s) { found = true; break; }
    }
    this.hw.chargeCycles(steps * COST.slabListStep);
    if (!found) notOurs('the slab belongs to another cache');
    const off = va - s - this.firstObject;
    if (off < 0 || off % this.stride !== 0 || off / this.stride >= this.capacity) notOurs('not the start of an object');
    return s;
  }

  private indexOf(s: number, obj: number): number {
    return (obj - s - this.firstObject) / this.stride;
  }

  private bit(s: number, i: number): boolean {
    return ((this.rd(s + OFF_BITMAP + 4 * (i >>> 5)) >>> (i & 31)) & 1) !== 0;
  }

  private setBit(s: number, i: number, on: boolean): void {
    const a = s + OFF_BITMAP + 4 * (i >>> 5);
    const m = 1 << (i & 31);
    this.wr(a, on ? this.rd(a) | m : this.rd(a) & ~m);
  }

  // --- the slab lists (links in the page headers) -------------------------------------------

  private pages(list: SlabList): number[] {
    const out: number[] = [];
    for (let s = this.headOf(list); s !== 0; s = this.rd(s + OFF_NEXT)) {
      if (out.length >= MAX_FRAMES) panic(`slab ${this.name}: ${list} list has a cycle`);
      out.push(s);
    }
    return out;
  }

  private headOf(list: SlabList): number { return list === 'partial' ? this.partial : this.full; }
  private setHead(list: SlabList, s: number): void { if (list === 'partial') this.partial = s; else this.full = s; }

  private push(list: SlabList, s: number): void {
    const head = this.headOf(list);
    this.wr(s + OFF_NEXT, head);
    this.wr(s + OFF_PREV, 0);
    if (head !== 0) this.wr(head + OFF_PREV, s);
    this.setHead(list, s);
  }

  private unlink(list: SlabList, s: number): void {
    const next = this.rd(s + OFF_NEXT), prev = this.rd(s + OFF_PREV);
    if (prev === 0) this.setHead(list, next); else this.wr(prev + OFF_NEXT, next);
    if (next !== 0) this.wr(next + OFF_PREV, prev);
  }

  private rd(va: number): number { return this.hw.readPhys32(V2P(va)); }
  private wr(va: number, v: number): void { this.hw.writePhys32(V2P(va), v); }
}

/** Bytes of header and bitmap before the first object of a slab holding `cap` objects. */
function headerBytes(cap: number): number {
  return alignUp(OFF_BITMAP + 4 * Math.ceil(cap / 32), SLAB_ALIGN);
}
