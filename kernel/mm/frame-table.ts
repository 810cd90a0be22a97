// The frame allocator's interface, and the per-frame owner table ("struct page" array) both
// allocators share (frames.ts lays it out in guest RAM and picks the policy; bitmap.ts and
// buddy.ts are the policies). One byte per frame: its owner (an OWNERS index), RESERVED or NOT_RAM.

import { PAGE_SIZE, phys, type Hw, type PhysAddr } from '../hw.ts';
import { panic } from '../panic.ts';
import { hex0x } from '../format.ts';

export const OWNERS = ['free', 'kernel', 'pagedir', 'pagetable', 'user', 'kstack', 'heap', 'slab', 'buffer', 'rmap', 'cache', 'shm'] as const;
export type FrameOwner = (typeof OWNERS)[number];

/** A range of physical memory in bytes, as an E820 entry gives it. */
export interface MemRange { base: number; length: number }

/**
 * total: frames the allocator can hand out (usable RAM minus reserved ranges minus its metadata);
 * free + used = total; byOwner counts allocated frames per owner, and byOwner.free = free.
 * Reserved frames are not counted anywhere (ownerOf still reports them as 'kernel').
 */
export interface FrameStats { total: number; free: number; used: number; byOwner: Record<FrameOwner, number> }

export interface FrameAllocator {
  readonly kind: 'bitmap' | 'buddy';
  /** One 4 KiB frame, NOT zeroed; null when none is free. */
  alloc(owner: FrameOwner): PhysAddr | null;
  /** `pages` physically contiguous frames (pages >= 1), NOT zeroed; null when no run is free. */
  allocContiguous(pages: number, owner: FrameOwner): PhysAddr | null;
  /** Panics on a double free, an unaligned address, a reserved frame or one outside managed RAM. */
  free(frame: PhysAddr): void;
  /** Frees [base, base + pages*4096); panics unless every frame of it is allocated. */
  freeContiguous(base: PhysAddr, pages: number): void;
  /** Owner of the frame holding `frame`; 'kernel' for reserved frames; null: not RAM the allocator manages. */
  ownerOf(frame: PhysAddr): FrameOwner | null;
  /** Re-labels an allocated frame (panics on a free, reserved or unmanaged one). */
  setOwner(frame: PhysAddr, owner: FrameOwner): void;
  stats(): FrameStats;
  /** How many frames are free now, without a scan (stats().free). */
  readonly freeFrames: number;
  /** buddy only: number of free blocks per order 0..10; bitmap returns null */
  freeLists(): number[] | null;
}

/** Owner-table codes besides the OWNERS indices (0 = 'free'). */
export const RESERVED = 0xfe;
export const NOT_RAM = 0xff;
export const FREE = 0;


/**
 * The owner table in guest RAM (Linux's mem_map of struct page, cut down to one byte), plus the
 * checks every allocator makes before it trusts an address it is given. The policies hold one of
 * these; none of its state is kept outside guest RAM.
 */
export class FrameTable {
  readonly hw: Hw;
  /** Physical address of the byte for frame 0. */
  readonly base: PhysAddr;
  /** Frames 0 .. nframes-1 have a byte; higher addresses are not RAM. */
  readonly nframes: number;
  /** stats()'s buffer for the owner bytes, and its count per code. */
  private codes: Uint8Array | null = null;
  private readonly counts = new Uint32Array(256);

  constructor(hw: Hw, base: PhysAddr, nframes: number) {
    this.hw = hw;
    this.base = base;
    this.nframes = nframes;
  }

  /** The raw code of frame i (an OWNERS index, RESERVED or NOT_RAM). */
  code(i: number): number { return this.hw.readPhys8(phys(this.base + i)); }
  isFree(i: number): boolean { return this.code(i) === FREE; }
  /** Labels frames [i, i + count) with owner (or 'free'), and tells the machine's debugger (a trace point). */
  label(i: number, count: number, owner: FrameOwner): void {
    this.hw.fillPhys(phys(this.base + i), count, ownerCode(owner));
    this.hw.tracePoint(owner === 'free' ? 'frame-free' : 'frame-alloc', phys(i * PAGE_SIZE), count, owner);
  }

  /**
   * Frame number of `frame`, which an allocator is asked to free or re-label; panics (naming `op`)
   * unless it is a page-aligned frame of managed RAM that is not reserved. Whether it is allocated
   * is for the policy to say: its own state is the authority.
   */
  checkFrame(frame: PhysAddr, op: string): number {
    if (frame % PAGE_SIZE !== 0) panic(`frames: ${op} of ${hex0x(frame)}: not page aligned`);
    const i = frame / PAGE_SIZE;
    const c = i < this.nframes ? this.code(i) : NOT_RAM;
    if (c === NOT_RAM) panic(`frames: ${op} of ${hex0x(frame)}: outside managed RAM`);
    if (c === RESERVED) panic(`frames: ${op} of ${hex0x(frame)}: a reserved frame`);
    return i;
  }

  ownerOf(frame: PhysAddr): FrameOwner | null {
    const i = Math.floor(frame / PAGE_SIZE);
    if (i >= this.nframes) return null;
    const c = this.code(i);
    if (c === NOT_RAM) return null;
    if (c === RESERVED) return 'kernel';
    const owner = OWNERS[c];
    if (owner === undefined) panic(`frames: owner byte ${hex0x(c)} of frame ${hex0x(frame)} is corrupt`);
    return owner;
  }

  stats(): FrameStats {
    // One bulk read of the owner bytes into a buffer kept for it (read afresh each time), counted by code.
    const codes = this.hw.readPhysBytes(this.base, (this.codes ??= new Uint8Array(this.nframes)));
    const counts = this.counts;
    counts.fill(0);
    for (let i = 0; i < codes.length; i++) counts[codes[i]!]!++;
    const byOwner = Object.fromEntries(OWNERS.map((o) => [o, 0])) as Record<FrameOwner, number>;
    let total = 0;
    for (let c = 0; c < 256; c++) {
      const n = counts[c]!;
      if (n === 0 || c === RESERVED || c === NOT_RAM) continue;
      const owner = OWNERS[c];
      // The first corrupt byte in frame order, as a scan frame by frame would name it.
      if (owner === undefined) panic(`frames: owner byte ${hex0x(codes.find((b) => b !== RESERVED && b !== NOT_RAM && OWNERS[b] === undefined)!)} is corrupt`);
      byOwner[owner] = n;
      total += n;
    }
    return { total, free: byOwner.free, used: total - byOwner.free, byOwner };
  }

  /** Panics unless `owner` is something a frame can be allocated to (not 'free'). */
  checkOwner(owner: FrameOwner): void {
    if (ownerCode(owner) <= FREE) panic(`frames: cannot allocate a frame to owner '${owner}'`);
  }

  /** Panics unless `pages` is a whole number >= 1 (a caller bug, not an expected failure). */
  checkPages(pages: number, op: string): void {
    if (!Number.isInteger(pages) || pages < 1) panic(`frames: ${op} of ${pages} pages`);
  }

  /** Calls fn(first, end) for every maximal run of free frames, in address order. */
  forEachFreeRun(fn: (first: number, end: number) => void): void {
    const codes = this.hw.readPhysBytes(this.base, new Uint8Array(this.nframes));
    let i = 0;
    while (i < codes.length) {
      if (codes[i] !== FREE) { i++; continue; }
      const first = i;
      while (i < codes.length && codes[i] === FREE) i++;
      fn(first, i);
    }
  }
}

export function ownerCode(owner: FrameOwner): number {
  return OWNERS.indexOf(owner);
}
