// The reverse map: for each user frame, how many PTEs map it and which (page directory, address)
// they are. A frame mapped once (the usual case) holds its one mapping in its own entry; a shared
// frame (a copy-on-write fork's, a swapped-in page another process maps from the swap cache) keeps
// the others on a chain of entries from a pool, as BSD's pmap keeps pv entries. The pager needs the
// whole list to take a shared page back (every PTE that maps it must change before the frame goes),
// and `vm`/`mem` use it to say who shares what.
//
// All of it is in guest RAM, in two runs of frames taken at boot:
//   frames  per frame: COUNT (PTEs that map it), PD and VA (its first mapping: the page's owner for
//           local replacement and the resident-set policies), NEXT (pool index + 1 of the next mapping)  16 bytes
//   pool    entries of PD, VA, NEXT (12 bytes), one per frame; free ones chained through NEXT
// A frame whose first mapping goes hands that role to the next on its chain.

import { COST } from '../cost.ts';
import { phys, virt, PAGE_SIZE, type Hw, type PhysAddr, type VirtAddr } from '../hw.ts';
import { panic } from '../panic.ts';
import { hex0x } from '../format.ts';
import type { FrameAllocator } from './frame-table.ts';
import { TableSnapshot } from './table-snapshot.ts';

const FRAME_BYTES = 16, POOL_BYTES = 12;
const F_COUNT = 0, F_PD = 4, F_VA = 8, F_NEXT = 12;
const E_PD = 0, E_VA = 4, E_NEXT = 8;

/** The pages of the frames' entries for frames 0 .. nframes - 1. */
const tablePagesFor = (nframes: number): number => Math.ceil((nframes * FRAME_BYTES) / PAGE_SIZE);

/** One mapping of a frame. */
export interface Mapping { readonly pd: PhysAddr; readonly va: VirtAddr }

export class ReverseMap {
  private readonly hw: Hw;
  private readonly table: PhysAddr;
  private readonly pool: PhysAddr;
  /** Frames 0 .. nframes - 1 have an entry. */
  readonly nframes: number;
  /** Pool entries: one per frame. */
  readonly capacity: number;
  /** Pool index + 1 of the first free entry (0: none). */
  private free = 0;
  private inUse = 0;
  /** Frames with a count above 0 (the leak check's figure: 0 once every process is gone). */
  private mappedFrames = 0;
  /** A scan's copy of the frames' entries (beginScan, scanPrimaryCount). */
  private readonly snapshot: TableSnapshot;

  private constructor(hw: Hw, table: PhysAddr, pool: PhysAddr, nframes: number) {
    this.hw = hw;
    this.table = table;
    this.pool = pool;
    this.nframes = nframes;
    this.capacity = nframes;
    this.snapshot = new TableSnapshot(hw, table, tablePagesFor(nframes));
    // Chain every pool entry on the free list.
    for (let i = 0; i < this.capacity; i++) hw.writePhys32(this.entry(i, E_NEXT), i + 2 <= this.capacity ? i + 2 : 0);
    this.free = this.capacity > 0 ? 1 : 0;
  }

  /** The reverse map for frames 0 .. nframes - 1, in frames taken now; null when they cannot be had. */
  static create(hw: Hw, frames: FrameAllocator, nframes: number): ReverseMap | null {
    const tablePages = tablePagesFor(nframes);
    const poolPages = Math.ceil((nframes * POOL_BYTES) / PAGE_SIZE);
    const table = frames.allocContiguous(tablePages, 'rmap');
    if (table === null) return null;
    const pool = frames.allocContiguous(poolPages, 'rmap');
    if (pool === null) { frames.freeContiguous(table, tablePages); return null; }
    hw.fillPhys(table, tablePages * PAGE_SIZE, 0);
    return new ReverseMap(hw, table, pool, nframes);
  }

  private field(frame: PhysAddr, f: number): PhysAddr {
    return phys(this.table + (frame / PAGE_SIZE) * FRAME_BYTES + f);
  }

  private entry(i: number, f: number): PhysAddr {
    return phys(this.pool + i * POOL_BYTES + f);
  }

  private tracked(frame: PhysAddr): boolean {
    return frame / PAGE_SIZE < this.nframes;
  }

  /** How many PTEs map `frame`. */
  count(frame: PhysAddr): number {
    return this.tracked(frame) ? this.hw.readPhys32(this.field(frame, F_COUNT)) : 0;
  }

  /** Whether one more mapping can be recorded for a frame already mapped (a pool entry is free). */
  get canShare(): boolean {
    return this.free !== 0;
  }

  /** Pool entries in use (mappings beyond each frame's first). */
  get shared(): number {
    return this.inUse;
  }

  /** Frames mapped at least once. */
  get mapped(): number {
    return this.mappedFrames;
  }

  /** The first mapping of `frame` (null: not mapped). */
  primary(frame: PhysAddr): Mapping | null {
    if (this.count(frame) === 0) return null;
    return { pd: phys(this.hw.readPhys32(this.field(frame, F_PD))), va: virt(this.hw.readPhys32(this.field(frame, F_VA))) };
  }

  /** Whether `frame`'s first mapping is `va` in `pd` (cheap: what the reclaimer checks to know a page is the process's own). */
  isPrimary(frame: PhysAddr, pd: PhysAddr, va: VirtAddr): boolean {
    return this.count(frame) > 0 && this.hw.readPhys32(this.field(frame, F_PD)) === pd && this.hw.readPhys32(this.field(frame, F_VA)) === va;
  }

  /**
   * Starts a scan that asks scanPrimaryCount of many frames (the reclaimer's pass over an address
   * space's pages): the frames' entries are read in bulk as the scan reaches them. Nothing may be
   * added or removed until the scan's last scanPrimaryCount (table-snapshot.ts).
   */
  beginScan(): void {
    this.snapshot.begin();
  }

  /**
   * How many PTEs map frame number `f` (the frame at f * PAGE_SIZE) when its first mapping is `va`
   * in `pd`, else 0: isPrimary and count in one, reading the words they read from the scan's copy
   * of the table (beginScan).
   */
  scanPrimaryCount(f: number, pd: PhysAddr, va: VirtAddr): number {
    if (f >= this.nframes) return 0; // not tracked
    const at = f * FRAME_BYTES; // where field(frame, 0) is, less the table's base
    const v = this.snapshot.load(at); // an entry is 16 bytes, 16-aligned: never across a page
    const n = v.getUint32(at + F_COUNT, true);
    if (n === 0 || v.getUint32(at + F_PD, true) !== pd || v.getUint32(at + F_VA, true) !== va) return 0;
    return n;
  }

  /**
   * `va` in `pd` now maps `frame`: one more count. False (nothing changed) when the frame is mapped
   * already and the pool has no entry left (the caller copies the page instead of sharing it).
   */
  add(frame: PhysAddr, pd: PhysAddr, va: VirtAddr): boolean {
    if (!this.tracked(frame)) return true;
    const n = this.count(frame);
    if (n === 0) {
      // NEXT is 0 already: a frame's chain empties before its count reaches 0.
      this.hw.writePhys32(this.field(frame, F_PD), pd);
      this.hw.writePhys32(this.field(frame, F_VA), va);
      this.mappedFrames++;
    } else {
      if (this.free === 0) return false;
      const i = this.free - 1;
      this.free = this.hw.readPhys32(this.entry(i, E_NEXT));
      this.hw.writePhys32(this.entry(i, E_PD), pd);
      this.hw.writePhys32(this.entry(i, E_VA), va);
      this.hw.writePhys32(this.entry(i, E_NEXT), this.hw.readPhys32(this.field(frame, F_NEXT)));
      this.hw.writePhys32(this.field(frame, F_NEXT), i + 1);
      this.inUse++;
    }
    this.hw.writePhys32(this.field(frame, F_COUNT), n + 1);
    this.hw.chargeCycles(COST.pteWrite);
    return true;
  }

  /**
   * `va` in `pd` no longer maps `frame`: one count less. Returns the count left (0: no PTE maps
   * it, and the caller frees it). Panics when that mapping is not recorded: a PTE and the map disagree.
   */
  remove(frame: PhysAddr, pd: PhysAddr, va: VirtAddr): number {
    if (!this.tracked(frame)) return 0;
    const n = this.count(frame);
    if (n === 0) panic(`rmap: frame ${hex0x(frame)} unmapped at ${hex0x(va)} in ${hex0x(pd)} but mapped nowhere`);
    const primary = this.hw.readPhys32(this.field(frame, F_PD)) === pd && this.hw.readPhys32(this.field(frame, F_VA)) === va;
    const first = n === 1 && primary ? 0 : this.hw.readPhys32(this.field(frame, F_NEXT));
    if (primary) {
      if (first !== 0) {
        // The next mapping on the chain becomes the first.
        const i = first - 1;
        this.hw.writePhys32(this.field(frame, F_PD), this.hw.readPhys32(this.entry(i, E_PD)));
        this.hw.writePhys32(this.field(frame, F_VA), this.hw.readPhys32(this.entry(i, E_VA)));
        this.hw.writePhys32(this.field(frame, F_NEXT), this.hw.readPhys32(this.entry(i, E_NEXT)));
        this.release(i);
      }
    } else {
      let prev = this.field(frame, F_NEXT);
      let cur = first;
      while (cur !== 0 && !(this.hw.readPhys32(this.entry(cur - 1, E_PD)) === pd && this.hw.readPhys32(this.entry(cur - 1, E_VA)) === va)) {
        prev = this.entry(cur - 1, E_NEXT);
        cur = this.hw.readPhys32(prev);
      }
      if (cur === 0) panic(`rmap: frame ${hex0x(frame)} is not mapped at ${hex0x(va)} in ${hex0x(pd)}`);
      this.hw.writePhys32(prev, this.hw.readPhys32(this.entry(cur - 1, E_NEXT)));
      this.release(cur - 1);
    }
    this.hw.writePhys32(this.field(frame, F_COUNT), n - 1);
    if (n === 1) this.mappedFrames--;
    this.hw.chargeCycles(COST.pteWrite);
    return n - 1;
  }

  private release(i: number): void {
    this.hw.writePhys32(this.entry(i, E_NEXT), this.free);
    this.free = i + 1;
    this.inUse--;
  }

  /** Every mapping of `frame`, its first one first. */
  mappings(frame: PhysAddr): Mapping[] {
    const out: Mapping[] = [];
    if (this.count(frame) === 0) return out;
    out.push(this.primary(frame)!);
    for (let cur = this.hw.readPhys32(this.field(frame, F_NEXT)); cur !== 0; cur = this.hw.readPhys32(this.entry(cur - 1, E_NEXT))) {
      out.push({ pd: phys(this.hw.readPhys32(this.entry(cur - 1, E_PD))), va: virt(this.hw.readPhys32(this.entry(cur - 1, E_VA))) });
    }
    return out;
  }
}
