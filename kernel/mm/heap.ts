// The kernel heap: kmalloc/kfree over an arena of kernel virtual memory in the direct map, with every
// block header, footer and free-list link stored in guest RAM (heap VA v is physical v - KERNBASE).
// Knuth's boundary tags (TAOCP vol. 1, 2.5, "Dynamic Storage Allocation") make coalescing O(1): a
// freed block finds its lower neighbour through that neighbour's footer just below its own header.
//
//   arena:  base (rounded up to 8)
//           ┌────────────┬────────────┬────────────┬──────┬───────┬───────┬─── … ───┬───────┐
//           │ free head  │ ARENA_MAGIC│ rover      │ (0)  │ block │ block │         │ block │  end (rounded down to 8)
//           └────────────┴────────────┴────────────┴──────┴───────┴───────┴─── … ───┴───────┘
//            +0: VA of the lowest free block (0: none)
//            +8: next fit's rover: the free block after the last one it took (0: the lowest)
//
//   block (size is the whole block, a multiple of 8, at least MIN_BLOCK):
//           +0       +4       +8                          size-4
//   used:   │size|1  │ MAGIC  │ payload (kmalloc's VA) …   │size|1 │
//   free:   │size|0  │ MAGIC  │ next   │ prev   │ …        │size|0 │
//
// The free list is doubly linked through the free blocks' payloads and kept in address order, so
// first fit takes the lowest block that fits (which keeps the high end of the arena in one piece) and
// `heap` prints it sorted. The textbooks' other three placements (--heap): best fit takes the
// smallest block that fits, worst fit the largest (so that what is left is big enough to use),
// next fit the first that fits from the rover on, wrapping round, the rover being the free block
// after the last one it took (Knuth's "roving pointer": the small blocks do not all pile up at the
// low end). Coalescing is O(1); putting a block that has no free neighbour back into
// the list walks the list to its place, as K&R's free() does.
//
// A freed block keeps its magic with the used bit clear, also when it has been absorbed into a lower
// neighbour: a second kfree of it then says "double free" rather than "wild pointer".

import { COST } from '../cost.ts';
import { virt, type Hw, type VirtAddr } from '../hw.ts';
import { V2P } from '../layout.ts';
import { panic } from '../panic.ts';
import { hex } from '../format.ts';

export const FIT_POLICIES = ['first', 'best', 'worst', 'next'] as const;
export type FitPolicy = (typeof FIT_POLICIES)[number];

/**
 * Sizes are whole blocks (header, payload, padding, footer), so bytesInUse + freeBytes is the arena
 * less its 8-byte head; fragmentation = 1 - largestFree / freeBytes (0 when nothing is free).
 */
export interface HeapStats {
  bytesInUse: number;
  blocksInUse: number;
  freeBlocks: number;
  freeBytes: number;
  largestFree: number;
  fragmentation: number;
}

/** 'KHBK': marks a block header, so kfree can tell one of its blocks from any other address. */
export const HEAP_MAGIC = 0x4b48424b;
/** 'KHEA': marks the arena head. */
const ARENA_MAGIC = 0x4b484541;
/** Bytes before the payload: size|used, magic. */
export const HEAP_HEADER = 8;
/** Bytes after the payload: size|used again (the boundary tag the upper neighbour reads). */
export const HEAP_FOOTER = 4;
/** Payloads (and so blocks) are 8-byte aligned, like malloc's on i386 (a double's alignment). */
export const HEAP_ALIGN = 8;
/** The smallest block: header, the two free-list links, footer, rounded to the alignment. */
export const HEAP_MIN_BLOCK = 24;
/** Arena head: free-list head, arena magic, next fit's rover, and a word to keep blocks 8-aligned. */
const ARENA_HEAD = 16;
const OFF_ROVER = 8;

const USED = 1;
const OFF_MAGIC = 4;
const OFF_NEXT = 8;
const OFF_PREV = 12;

const alignUp = (n: number, a: number): number => Math.ceil(n / a) * a;

export class KernelHeap {
  /** Placement: may be switched at any time; it only decides which free block kmalloc takes. */
  policy: FitPolicy;
  private readonly hw: Hw;
  /** VA of the arena head (the free-list head word). */
  private readonly head: number;
  /** VA of the first block. */
  private readonly first: number;
  /** VA one past the last block. */
  private readonly end: number;

  /** arena = [base, base+size) in the direct map; the whole arena starts as one free block. */
  constructor(hw: Hw, base: VirtAddr, size: number, policy: FitPolicy) {
    this.hw = hw;
    this.policy = policy;
    this.head = alignUp(base, HEAP_ALIGN);
    this.first = this.head + ARENA_HEAD;
    this.end = Math.floor((base + size) / HEAP_ALIGN) * HEAP_ALIGN;
    const blockBytes = this.end - this.first;
    if (blockBytes < HEAP_MIN_BLOCK) panic(`heap: arena 0x${hex(base)} (+${size}) too small for one block`);
    this.wr(this.head + OFF_MAGIC, ARENA_MAGIC);
    this.wr(this.head, 0);
    this.wr(this.head + OFF_ROVER, 0);
    this.wr(this.head + OFF_ROVER + 4, 0);
    this.setTags(this.first, blockBytes, false);
    this.insertOrdered(this.first);
    hw.chargeCycles(COST.heapOp);
  }

  /**
   * A block of at least `size` bytes, its payload 8-byte aligned, or null when no free block is big
   * enough. The block taken is split when what is left can still be a block of its own.
   */
  kmalloc(size: number): VirtAddr | null {
    if (!Number.isInteger(size) || size < 0) panic(`kmalloc: bad size ${size}`);
    const need = Math.max(HEAP_MIN_BLOCK, alignUp(size + HEAP_HEADER + HEAP_FOOTER, HEAP_ALIGN));
    const found = this.find(need);
    this.hw.chargeCycles(COST.heapOp + found.steps * COST.heapListStep);
    const b = found.block;
    if (b === 0) return null;
    const have = this.sizeOf(b);
    if (have - need >= HEAP_MIN_BLOCK) {
      // Take the low end and leave the rest where the whole block was in the list (same order).
      const rest = b + need;
      this.setTags(rest, have - need, false);
      this.replace(b, rest);
      this.setTags(b, need, true);
      this.setRover(rest);
    } else {
      this.setRover(this.rd(b + OFF_NEXT));
      this.unlink(b);
      this.setTags(b, have, true);
    }
    return virt(b + HEAP_HEADER);
  }

  /** Frees a block kmalloc handed out; panics (naming the address) on anything else or a second free. */
  kfree(va: VirtAddr): void {
    const b = this.checkedBlock(va, 'kfree');
    let size = this.sizeOf(b);
    let steps = 0;
    const lower = b > this.first ? this.rd(b - HEAP_FOOTER) : USED;
    const upper = b + size;
    const upperFree = upper < this.end && (this.rd(upper) & USED) === 0;
    if (upperFree) this.checkTags(upper, 'kfree (upper neighbour)');

    if ((lower & USED) === 0) {
      // Absorbed into the lower neighbour, which is already in the list at the right place.
      const low = b - (lower & ~USED);
      if (low < this.first) panic(`kfree: footer below heap block 0x${hex(b)} is corrupted (0x${hex(lower)})`);
      this.checkTags(low, 'kfree (lower neighbour)');
      this.wr(b, size); // stale header, used bit clear: a later kfree of va reports a double free
      let merged = this.sizeOf(low) + size;
      if (upperFree) {
        merged += this.sizeOf(upper);
        this.unlink(upper);
      }
      this.setTags(low, merged, false);
    } else if (upperFree) {
      // Takes the upper neighbour's place in the list: nothing free lies between them.
      size += this.sizeOf(upper);
      this.replace(upper, b);
      this.setTags(b, size, false);
    } else {
      this.setTags(b, size, false);
      steps = this.insertOrdered(b);
    }
    this.hw.chargeCycles(COST.heapOp + steps * COST.heapListStep);
  }

  /** Bytes the caller may use at `va` (at least what it asked kmalloc for). */
  usableSize(va: VirtAddr): number {
    return this.sizeOf(this.checkedBlock(va, 'usableSize')) - HEAP_HEADER - HEAP_FOOTER;
  }

  /** Counted from guest RAM: the blocks for what is in use, the free list for what is free. */
  stats(): HeapStats {
    let bytesInUse = 0, blocksInUse = 0;
    for (const b of this.blocks()) {
      if (b.used) { bytesInUse += b.size; blocksInUse++; }
    }
    let freeBlocks = 0, freeBytes = 0, largestFree = 0;
    for (const f of this.freeList()) {
      freeBlocks++;
      freeBytes += f.size;
      largestFree = Math.max(largestFree, f.size);
    }
    const fragmentation = freeBytes === 0 ? 0 : 1 - largestFree / freeBytes;
    return { bytesInUse, blocksInUse, freeBlocks, freeBytes, largestFree, fragmentation };
  }

  /** The free list as it is linked in guest RAM: block VAs (header, not payload) and whole sizes. */
  freeList(): Array<{ addr: VirtAddr; size: number }> {
    const out: Array<{ addr: VirtAddr; size: number }> = [];
    if (this.rd(this.head + OFF_MAGIC) !== ARENA_MAGIC) panic(`heap: arena head 0x${hex(this.head)} is corrupted`);
    const limit = (this.end - this.first) / HEAP_MIN_BLOCK;
    for (let b = this.rd(this.head); b !== 0; b = this.rd(b + OFF_NEXT)) {
      this.checkTags(b, 'freeList');
      if (out.length > limit) panic('heap: free list has a cycle');
      out.push({ addr: virt(b), size: this.sizeOf(b) });
    }
    return out;
  }

  /** Every block from the arena's start to its end: block VAs (kmalloc's VA less HEAP_HEADER), whole sizes. */
  blocks(): Array<{ addr: VirtAddr; size: number; used: boolean }> {
    const out: Array<{ addr: VirtAddr; size: number; used: boolean }> = [];
    for (let b = this.first; b < this.end; b += this.sizeOf(b)) {
      this.checkTags(b, 'blocks');
      out.push({ addr: virt(b), size: this.sizeOf(b), used: (this.rd(b) & USED) !== 0 });
    }
    return out;
  }

  // --- placement -----------------------------------------------------------------------------

  /** The lowest free block of at least `need` bytes. */
  private findFirst(need: number): { block: number; steps: number } {
    let steps = 0;
    for (let b = this.rd(this.head); b !== 0; b = this.rd(b + OFF_NEXT)) {
      steps++;
      this.checkTags(b, 'kmalloc'); // a corrupt free list is a panic, not "out of memory"
      if (this.sizeOf(b) >= need) return { block: b, steps };
    }
    return { block: 0, steps };
  }

  /** The free block the placement policy takes for `need` bytes (0: none), and the list nodes it looked at. */
  private find(need: number): { block: number; steps: number } {
    switch (this.policy) {
      case 'first': return this.findFirst(need);
      case 'best': return this.findBest(need);
      case 'worst': return this.findWorst(need);
      case 'next': return this.findNext(need);
    }
  }

  /** The largest free block, when it holds `need` bytes (the lowest of equals). */
  private findWorst(need: number): { block: number; steps: number } {
    let steps = 0, worst = 0, worstSize = 0;
    for (let b = this.rd(this.head); b !== 0; b = this.rd(b + OFF_NEXT)) {
      steps++;
      this.checkTags(b, 'kmalloc');
      const s = this.sizeOf(b);
      if (s > worstSize) { worst = b; worstSize = s; }
    }
    return { block: worstSize >= need ? worst : 0, steps };
  }

  /** The first free block of at least `need` bytes from the rover on, wrapping round to it. */
  private findNext(need: number): { block: number; steps: number } {
    const head = this.rd(this.head);
    const start = this.rover() || head;
    let steps = 0;
    for (let b = start; b !== 0; b = this.rd(b + OFF_NEXT)) {
      steps++;
      this.checkTags(b, 'kmalloc');
      if (this.sizeOf(b) >= need) return { block: b, steps };
    }
    for (let b = head; b !== start && b !== 0; b = this.rd(b + OFF_NEXT)) {
      steps++;
      this.checkTags(b, 'kmalloc');
      if (this.sizeOf(b) >= need) return { block: b, steps };
    }
    return { block: 0, steps };
  }

  private rover(): number { return this.rd(this.head + OFF_ROVER); }
  private setRover(b: number): void { this.wr(this.head + OFF_ROVER, b); }

  /** The smallest free block of at least `need` bytes (the lowest of equals); stops at an exact fit. */
  private findBest(need: number): { block: number; steps: number } {
    let steps = 0, best = 0, bestSize = Infinity;
    for (let b = this.rd(this.head); b !== 0; b = this.rd(b + OFF_NEXT)) {
      steps++;
      this.checkTags(b, 'kmalloc');
      const s = this.sizeOf(b);
      if (s >= need && s < bestSize) {
        best = b;
        bestSize = s;
        if (s === need) break;
      }
    }
    return { block: best, steps };
  }

  // --- the free list in guest RAM ---------------------------------------------------------------

  /** Links a free block in at its address-ordered place; returns how many nodes it walked past. */
  private insertOrdered(b: number): number {
    let prev = 0, steps = 0;
    let next = this.rd(this.head);
    while (next !== 0 && next < b) {
      prev = next;
      next = this.rd(next + OFF_NEXT);
      steps++;
    }
    this.wr(b + OFF_NEXT, next);
    this.wr(b + OFF_PREV, prev);
    if (prev === 0) this.wr(this.head, b); else this.wr(prev + OFF_NEXT, b);
    if (next !== 0) this.wr(next + OFF_PREV, b);
    return steps;
  }

  private unlink(b: number): void {
    const next = this.rd(b + OFF_NEXT), prev = this.rd(b + OFF_PREV);
    if (this.rover() === b) this.setRover(next); // next fit's rover moves on with the list
    if (prev === 0) this.wr(this.head, next); else this.wr(prev + OFF_NEXT, next);
    if (next !== 0) this.wr(next + OFF_PREV, prev);
  }

  /** Puts block `nb` in `old`'s place in the list (callers guarantee the address order holds). */
  private replace(old: number, nb: number): void {
    const next = this.rd(old + OFF_NEXT), prev = this.rd(old + OFF_PREV);
    if (this.rover() === old) this.setRover(nb);
    this.wr(nb + OFF_NEXT, next);
    this.wr(nb + OFF_PREV, prev);
    if (prev === 0) this.wr(this.head, nb); else this.wr(prev + OFF_NEXT, nb);
    if (next !== 0) this.wr(next + OFF_PREV, nb);
  }

  // --- boundary tags ---------------------------------------------------------------------------

  private setTags(b: number, size: number, used: boolean): void {
    const tag = size | (used ? USED : 0);
    this.wr(b, tag);
    this.wr(b + OFF_MAGIC, HEAP_MAGIC);
    this.wr(b + size - HEAP_FOOTER, tag);
  }

  private sizeOf(b: number): number {
    return this.rd(b) & ~USED;
  }

  /** Panics unless b holds a well-formed block: magic, a sane size, and a footer equal to the header. */
  private checkTags(b: number, who: string): void {
    const tag = this.rd(b), size = tag & ~USED;
    if (this.rd(b + OFF_MAGIC) !== HEAP_MAGIC) panic(`${who}: heap block 0x${hex(b)} has a bad magic`);
    if (size < HEAP_MIN_BLOCK || size % HEAP_ALIGN !== 0 || b + size > this.end || this.rd(b + size - HEAP_FOOTER) !== tag) {
      panic(`${who}: heap block 0x${hex(b)} is corrupted (header 0x${hex(tag)})`);
    }
  }

  /** The block of a payload VA kmalloc handed out and that is still in use, or a panic saying why not. */
  private checkedBlock(va: VirtAddr, who: string): number {
    if (va % HEAP_ALIGN !== 0 || va < this.first + HEAP_HEADER || va >= this.end) {
      panic(`${who}: 0x${hex(va)} is not a heap pointer`);
    }
    const b = va - HEAP_HEADER;
    if (this.rd(b + OFF_MAGIC) !== HEAP_MAGIC) panic(`${who}: 0x${hex(va)} has no heap block header (wild pointer or corrupted header)`);
    if ((this.rd(b) & USED) === 0) panic(`${who}: double free of 0x${hex(va)}`);
    this.checkTags(b, who);
    return b;
  }

  private rd(va: number): number { return this.hw.readPhys32(V2P(va)); }
  private wr(va: number, v: number): void { this.hw.writePhys32(V2P(va), v); }
}
