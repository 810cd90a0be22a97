// Variable partitions (contiguous allocation) for the "segments" memory mode: each process lives in
// one contiguous partition of physical memory, its segment descriptors' base the partition's start and
// their limit its size. This file holds the partition table: the partitions and the holes between
// them over one arena of physical memory, with the placements of Knuth TAOCP vol. 1, 2.5 ("Dynamic
// Storage Allocation"), as kernel/mm/heap.ts has them, and the classic compaction.
//
// Everything the table knows is in guest RAM at `table` (the object keeps only constants):
//
//           +0        +4        +8        +12                    +12+12*i
//           ┌─────────┬─────────┬─────────┬─────────┬─── … ───┬─────────┐
//           │ MAGIC   │ count   │ rover   │ record 0│         │ record i│ … up to `capacity` records
//           └─────────┴─────────┴─────────┴─────────┴─── … ───┴─────────┘
//            count: records in use;  rover: next fit's roving pointer, a physical address
//
//   record:  +0 start (physical, page aligned)   +4 size (bytes, whole pages)   +8 owner pid (0: hole)
//
// The records are sorted by start and cover [arenaStart, arenaStart+arenaSize) exactly, with no two
// holes side by side (a freed partition merges with the holes next to it), so a hole is always as
// large as the free memory around it and the number of records stays small.
//
// A partition takes the LOW end of the hole it is placed in. The placements (`fit`):
//   first  the lowest hole that fits (keeps the top of the arena in one piece);
//   best   the smallest hole that fits, the lowest of equals (leaves the smallest scrap);
//   worst  the largest hole, the lowest of equals (leaves a scrap big enough to use);
//   next   the first hole that fits from the rover on, wrapping round; the rover is then the address
//          just after the partition placed (Knuth's "roving pointer": the small partitions do not all
//          pile up at the low end). The search starts at the record that holds the rover address, so a
//          hole the rover's hole merged into (downwards, by a free) is still looked at first.
// alloc returns null when no hole fits (the caller decides to compact or to wait) or when placing
// would split a hole and the table has no record left for the remainder.

import { COST } from '../cost.ts';
import { phys, PAGE_SIZE, type Hw, type PhysAddr } from '../hw.ts';
import { hex0x } from '../format.ts';
import { panic } from '../panic.ts';
import type { FitPolicy } from './heap.ts';

/** 'PTBL': marks an initialised partition table, so attach() can tell one from stray memory. */
export const PARTITION_MAGIC = 0x5054424c;
/** Bytes before the first record: magic, count, rover. */
export const PARTITION_HEADER = 12;
/** Bytes per record: start, size, owner. */
export const PARTITION_RECORD = 12;

const OFF_MAGIC = 0;
const OFF_COUNT = 4;
const OFF_ROVER = 8;
const REC_START = 0;
const REC_SIZE = 4;
const REC_OWNER = 8;

/** One partition (owner > 0) or hole (owner 0), as entries() lists them in address order. */
export interface PartitionEntry {
  start: PhysAddr;
  size: number;
  owner: number;
}

/** Counted from guest RAM. fragmentation is external: 1 - largestHole / free (0 when nothing is free). */
export interface PartitionStats {
  free: number;
  largestHole: number;
  holes: number;
  used: number;
  partitions: number;
  fragmentation: number;
}

/** What compact() tells its caller to do for one partition: copy `size` bytes down, rebase `owner`. */
export type PartitionMove = (from: PhysAddr, to: PhysAddr, size: number, owner: number) => void;

const isPages = (n: number): boolean => Number.isInteger(n) && n > 0 && n % PAGE_SIZE === 0;

export class PartitionTable {
  /** Placement: may be switched at any time (the `fit` command); it only decides which hole alloc takes. */
  fit: FitPolicy;
  private readonly hw: Hw;
  private readonly table: number;
  private readonly capacity: number;
  readonly arenaStart: number;
  /** One past the arena's last byte (a plain number: it may be 2^32). */
  private readonly arenaEnd: number;
  get arenaSize(): number { return this.arenaEnd - this.arenaStart; }

  /** Guest RAM a table of `capacity` records needs at `table`. */
  static bytesFor(capacity: number): number {
    return PARTITION_HEADER + capacity * PARTITION_RECORD;
  }

  /**
   * A table over a table that is already in guest RAM (written by the constructor, possibly by another
   * object): reads it as it stands, reinitialising nothing. Panics when `table` holds no table.
   */
  static attach(hw: Hw, table: PhysAddr, capacity: number, arenaStart: PhysAddr, arenaSize: number, fit: FitPolicy): PartitionTable {
    return new PartitionTable(hw, table, capacity, arenaStart, arenaSize, fit, false);
  }

  /**
   * Writes a table at `table` (bytesFor(capacity) bytes, outside the arena) whose one record is a hole
   * covering the whole arena; `initialise` false (attach) leaves guest RAM as it is and checks it.
   */
  constructor(hw: Hw, table: PhysAddr, capacity: number, arenaStart: PhysAddr, arenaSize: number, fit: FitPolicy, initialise = true) {
    this.hw = hw;
    this.fit = fit;
    this.table = table;
    this.capacity = capacity;
    this.arenaStart = arenaStart;
    this.arenaEnd = arenaStart + arenaSize;
    this.checkGeometry(arenaSize);
    if (initialise) {
      this.wr(this.table + OFF_MAGIC, PARTITION_MAGIC);
      this.setCount(0);
      this.insert(0, arenaStart, arenaSize, 0);
      this.setRover(arenaStart);
    } else {
      this.count(); // panics unless a table is there
    }
  }

  /**
   * The start of a new partition of `size` bytes (whole pages) owned by pid `owner`, placed by `fit`
   * at the low end of a hole; null when no hole fits or the hole would need splitting in a full table.
   */
  alloc(size: number, owner: number): PhysAddr | null {
    if (!isPages(size)) panic(`partitions: alloc of ${size} bytes (not whole pages)`);
    this.checkOwner(owner, 'alloc');
    const i = this.find(size);
    if (i < 0) return null;
    const start = this.startAt(i), have = this.sizeAt(i);
    if (have > size) {
      if (this.count() === this.capacity) return null; // no record for the remainder
      this.insert(i + 1, start + size, have - size, 0);
      this.wr(this.rec(i) + REC_SIZE, size);
    }
    this.wr(this.rec(i) + REC_OWNER, owner);
    // Kept for every fit, so switching to next fit continues from the last placement.
    this.setRover(start + size);
    return phys(start);
  }

  /** The partition at `start` becomes a hole, merged with the holes either side. Panics on any other address. */
  free(start: PhysAddr): void {
    let i = this.partitionIndex(start, 'free');
    this.wr(this.rec(i) + REC_OWNER, 0);
    if (i + 1 < this.count() && this.isHole(i + 1)) this.absorbNext(i);
    if (i > 0 && this.isHole(i - 1)) {
      i--;
      this.absorbNext(i);
    }
  }

  /**
   * Resizes the partition at `start` without moving it: growing takes the low end of the hole right
   * after it (false when that is a partition, the arena's end, or too small); shrinking turns the
   * tail into a hole, merged with the one after (false only when that needs a record and the table is
   * full). The caller moves the process when this says false.
   */
  growInPlace(start: PhysAddr, newSize: number): boolean {
    if (!isPages(newSize)) panic(`partitions: resize to ${newSize} bytes (not whole pages)`);
    const i = this.partitionIndex(start, 'growInPlace');
    const size = this.sizeAt(i);
    if (newSize > size) return this.grow(i, newSize - size);
    if (newSize < size) return this.shrink(i, size - newSize);
    return true;
  }

  /** Bytes in the partition at `start`. */
  sizeOf(start: PhysAddr): number {
    return this.sizeAt(this.partitionIndex(start, 'sizeOf'));
  }

  /** The pid owning the partition at `start`. */
  ownerOf(start: PhysAddr): number {
    return this.rd(this.rec(this.partitionIndex(start, 'ownerOf')) + REC_OWNER);
  }

  /** Gives the partition at `start` to `pid` (fork handing a child its copy, say); pid 0 is free()'s job. */
  setOwner(start: PhysAddr, pid: number): void {
    this.checkOwner(pid, 'setOwner');
    this.wr(this.rec(this.partitionIndex(start, 'setOwner')) + REC_OWNER, pid);
  }

  /** Every partition and hole in address order, as guest RAM holds them. */
  entries(): PartitionEntry[] {
    const out: PartitionEntry[] = [];
    const n = this.count();
    for (let i = 0; i < n; i++) out.push({ start: phys(this.startAt(i)), size: this.sizeAt(i), owner: this.ownerAt(i) });
    return out;
  }

  stats(): PartitionStats {
    let free = 0, largestHole = 0, holes = 0, used = 0, partitions = 0;
    const n = this.count();
    for (let i = 0; i < n; i++) {
      const s = this.sizeAt(i);
      if (this.isHole(i)) {
        free += s;
        holes++;
        largestHole = Math.max(largestHole, s);
      } else {
        used += s;
        partitions++;
      }
    }
    const fragmentation = free === 0 ? 0 : 1 - largestHole / free;
    return { free, largestHole, holes, used, partitions, fragmentation };
  }

  /**
   * The classic compaction: slides every partition down toward arenaStart, in address order, leaving
   * one hole at the top. `move` is called for each partition whose start changes, lowest first; each
   * destination is below its source, so everything it lands on is free or its own old bytes (the caller
   * copies with an overlap-safe copy and rebases the process). `move` must not call back into the
   * table, which is half rewritten while it runs. The rover goes to the one hole.
   */
  compact(move: PartitionMove): { moved: number; bytes: number } {
    const n = this.count();
    let to = this.arenaStart, w = 0, moved = 0, bytes = 0;
    // w <= r throughout: record r is read before record w is written.
    for (let r = 0; r < n; r++) {
      if (this.isHole(r)) continue;
      const from = this.startAt(r), size = this.sizeAt(r), owner = this.ownerAt(r);
      if (from !== to) {
        move(phys(from), phys(to), size, owner);
        moved++;
        bytes += size;
      }
      this.setRecord(w++, to, size, owner);
      to += size;
    }
    if (to < this.arenaEnd) this.setRecord(w++, to, this.arenaEnd - to, 0);
    this.setCount(w);
    this.setRover(to);
    return { moved, bytes };
  }

  // --- placement -----------------------------------------------------------------------------

  /** Index of the hole the fit takes for `size` bytes, or -1. */
  private find(size: number): number {
    switch (this.fit) {
      case 'first': return this.findFirst(size, 0, this.count());
      case 'best': return this.findBest(size);
      case 'worst': return this.findWorst(size);
      case 'next': return this.findNext(size);
    }
  }

  /** The lowest hole of at least `size` bytes among records [from, to). */
  private findFirst(size: number, from: number, to: number): number {
    for (let i = from; i < to; i++) {
      if (this.isHole(i) && this.sizeAt(i) >= size) return i;
    }
    return -1;
  }

  /** The smallest hole of at least `size` bytes; strict < keeps the lowest of equals; an exact fit ends it. */
  private findBest(size: number): number {
    const n = this.count();
    let best = -1, bestSize = Infinity;
    for (let i = 0; i < n; i++) {
      const s = this.sizeAt(i);
      if (!this.isHole(i) || s < size || s >= bestSize) continue;
      best = i;
      bestSize = s;
      if (s === size) break;
    }
    return best;
  }

  /** The largest hole (strict > keeps the lowest of equals), when it holds `size` bytes. */
  private findWorst(size: number): number {
    const n = this.count();
    let worst = -1, worstSize = 0;
    for (let i = 0; i < n; i++) {
      if (this.isHole(i) && this.sizeAt(i) > worstSize) {
        worst = i;
        worstSize = this.sizeAt(i);
      }
    }
    return worstSize >= size ? worst : -1;
  }

  /** First fit from the record holding the rover to the end, then from the bottom up to that record. */
  private findNext(size: number): number {
    const n = this.count();
    const from = this.indexHolding(this.rover());
    const i = this.findFirst(size, from, n);
    return i >= 0 ? i : this.findFirst(size, 0, from);
  }

  /** The record whose range holds `addr`; 0 when it lies at the arena's end or outside (wrap round). */
  private indexHolding(addr: number): number {
    const n = this.count();
    for (let i = 0; i < n; i++) {
      if (addr >= this.startAt(i) && addr < this.startAt(i) + this.sizeAt(i)) return i;
    }
    return 0;
  }

  // --- resizing in place ------------------------------------------------------------------------

  private grow(i: number, extra: number): boolean {
    const next = i + 1;
    if (next >= this.count() || !this.isHole(next) || this.sizeAt(next) < extra) return false;
    if (this.sizeAt(next) === extra) {
      this.remove(next);
    } else {
      this.setRecord(next, this.startAt(next) + extra, this.sizeAt(next) - extra, 0);
    }
    this.wr(this.rec(i) + REC_SIZE, this.sizeAt(i) + extra);
    return true;
  }

  private shrink(i: number, tail: number): boolean {
    const next = i + 1;
    const newEnd = this.startAt(i) + this.sizeAt(i) - tail;
    if (next < this.count() && this.isHole(next)) {
      this.setRecord(next, newEnd, this.sizeAt(next) + tail, 0);
    } else {
      if (this.count() === this.capacity) return false; // no record for the new hole
      this.insert(next, newEnd, tail, 0);
    }
    this.wr(this.rec(i) + REC_SIZE, this.sizeAt(i) - tail);
    return true;
  }

  // --- the records in guest RAM -------------------------------------------------------------------

  /** Index of the partition starting at `start`; a panic naming the caller for a hole or any other address. */
  private partitionIndex(start: PhysAddr, who: string): number {
    // Records are sorted by start: binary search.
    let lo = 0, hi = this.count() - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = this.startAt(mid);
      if (s === start) {
        if (this.isHole(mid)) panic(`${who}: ${hex0x(start)} is a hole, not a partition (double free?)`);
        return mid;
      }
      if (s < start) lo = mid + 1; else hi = mid - 1;
    }
    return panic(`${who}: ${hex0x(start)} is not the start of a partition`);
  }

  /** Folds record i+1 into record i (its size added) and closes the gap. */
  private absorbNext(i: number): void {
    this.wr(this.rec(i) + REC_SIZE, this.sizeAt(i) + this.sizeAt(i + 1));
    this.remove(i + 1);
  }

  /** Opens a record at index i, shifting the ones above up by one (the top first, so none is overwritten). */
  private insert(i: number, start: number, size: number, owner: number): void {
    const n = this.count();
    if (n >= this.capacity) panic(`partitions: table at ${hex0x(this.table)} is full (${this.capacity} records)`);
    for (let j = n; j > i; j--) this.copyRecord(j, j - 1);
    this.setRecord(i, start, size, owner);
    this.setCount(n + 1);
  }

  /** Closes record i, shifting the ones above down by one (the lowest first). */
  private remove(i: number): void {
    const n = this.count();
    for (let j = i; j < n - 1; j++) this.copyRecord(j, j + 1);
    this.setCount(n - 1);
  }

  private copyRecord(dst: number, src: number): void {
    this.setRecord(dst, this.startAt(src), this.sizeAt(src), this.ownerAt(src));
  }

  private setRecord(i: number, start: number, size: number, owner: number): void {
    const r = this.rec(i);
    this.wr(r + REC_START, start);
    this.wr(r + REC_SIZE, size);
    this.wr(r + REC_OWNER, owner);
  }

  private rec(i: number): number { return this.table + PARTITION_HEADER + i * PARTITION_RECORD; }
  private startAt(i: number): number { return this.rd(this.rec(i) + REC_START); }
  private sizeAt(i: number): number { return this.rd(this.rec(i) + REC_SIZE); }
  private ownerAt(i: number): number { return this.rd(this.rec(i) + REC_OWNER); }
  private isHole(i: number): boolean { return this.ownerAt(i) === 0; }

  /** Records in use; a corrupt header is a panic here, not a wrong answer later. */
  private count(): number {
    if (this.rd(this.table + OFF_MAGIC) !== PARTITION_MAGIC) panic(`partitions: no table at ${hex0x(this.table)} (bad magic)`);
    const n = this.rd(this.table + OFF_COUNT);
    if (n > this.capacity) panic(`partitions: table at ${hex0x(this.table)} claims ${n} records (capacity ${this.capacity})`);
    return n;
  }
  private setCount(n: number): void { this.wr(this.table + OFF_COUNT, n); }
  private rover(): number { return this.rd(this.table + OFF_ROVER); }
  private setRover(addr: number): void { this.wr(this.table + OFF_ROVER, addr); }

  // --- checks ------------------------------------------------------------------------------------

  private checkGeometry(arenaSize: number): void {
    if (!Number.isInteger(this.capacity) || this.capacity < 1) panic(`partitions: capacity ${this.capacity}`);
    if (this.arenaStart % PAGE_SIZE !== 0 || !isPages(arenaSize) || this.arenaEnd > 2 ** 32) {
      panic(`partitions: arena ${hex0x(this.arenaStart)} (+${arenaSize}) is not whole pages below 4 GiB`);
    }
    const tableEnd = this.table + PartitionTable.bytesFor(this.capacity);
    if (this.table % 4 !== 0 || (this.table < this.arenaEnd && tableEnd > this.arenaStart)) {
      panic(`partitions: table ${hex0x(this.table)} (+${tableEnd - this.table}) is unaligned or inside the arena`);
    }
  }

  private checkOwner(pid: number, who: string): void {
    if (!Number.isInteger(pid) || pid <= 0) panic(`${who}: owner pid ${pid} (a partition's owner is a pid > 0)`);
  }

  // Each word of the table read or written is charged as the kernel's loop over it would cost.
  private rd(a: number): number { this.hw.chargeCycles(COST.partitionWord); return this.hw.readPhys32(phys(a)); }
  private wr(a: number, v: number): void { this.hw.chargeCycles(COST.partitionWord); this.hw.writePhys32(phys(a), v); }
}
