// Page directories and page tables in guest RAM: encode and decode their entries, walk them, map,
// unmap and protect one page, and put the #PF error code into words (i386 PRM 5.2, "Page Translation").
//
//   linear address:  31        22 21        12 11           0
//                    ┌───────────┬────────────┬──────────────┐
//                    │ DIR       │ PAGE       │ OFFSET       │
//                    └───────────┴────────────┴──────────────┘
//   CR3 ──► page directory[DIR] ──► page table[PAGE] ──► frame + OFFSET
//
//   PDE / PTE:  31            12 11  9  8  7  6   5   4     3     2     1    0
//               ┌───────────────┬─────┬─────┬───┬───┬─────┬─────┬─────┬─────┬───┐
//               │ frame address │AVAIL│  0  │ D │ A │ PCD │ PWT │ U/S │ R/W │ P │
//               └───────────────┴─────┴─────┴───┴───┴─────┴─────┴─────┴─────┴───┘
//   (PCD and PWT are the 486's; the 386 reserves those bits as 0. D means nothing in a PDE.)
//
// Protection (i386 PRM 6.4, "Page-Level Protection", and 5.2.4): the effective U/S and R/W of a page
// are the AND of its PDE's and its PTE's. Ring 3 may read only U/S=1 pages and write only U/S=1,
// R/W=1 pages; ring 0 may read and write every present page (on a 486 with CR0.WP set it honours R/W).
//
// Page tables are reached through their physical addresses (hw.readPhys32(pt + 4 * index)): the
// kernel never depends on a page table being mapped anywhere.
//
// The TLB (i386 PRM 5.2.5, "Page Translation Cache"): the processor may keep any PRESENT translation
// until it is flushed, and never caches a not-present one. So after changing or removing a present
// entry of the live address space (CR3 = pd) the kernel flushes that page (hw.flushPage: INVLPG on a
// 486, a CR3 reload on a 386); making a not-present entry present needs no flush, and an address
// space that is not loaded in CR3 has nothing in the TLB to flush (loading CR3 flushes everything).

import { COST } from '../cost.ts';
import { phys, virt, PAGE_SIZE, type Hw, type PhysAddr, type VirtAddr } from '../hw.ts';
import { KERNBASE } from '../layout.ts';
import { panic } from '../panic.ts';
import type { FrameAllocator } from './frame-table.ts';
import { hex } from '../format.ts';

export const PTE_P = 0x001, PTE_W = 0x002, PTE_U = 0x004, PTE_PWT = 0x008, PTE_PCD = 0x010, PTE_A = 0x020, PTE_D = 0x040;
/** Bits 9-11: the processor ignores them; the kernel may keep its own marks there. */
export const PTE_AVAIL = 0xe00;
/**
 * A not-present PTE with this mark holds a swapped-out page: bits 12-31 are its swap slot (never 0,
 * so the entry is never 0 and never looks empty). The processor faults on it as on any not-present
 * entry (it ignores the other bits when P = 0: i386 PRM 5.2.4.1).
 */
export const PTE_SWAP = 0x200;
/**
 * A present page whose contents are in its frame only (read back from swap, or a fork's copy of a
 * written page): neither its file nor a zero-fill gives it back, so it is written to swap before it
 * is dropped, dirty or not.
 */
export const PTE_UNBACKED = 0x400;
/** A present page mlock() keeps resident: never a victim. */
export const PTE_LOCKED = 0x800;
/**
 * The swap mark on a present page: a page read back from swap keeps its slot, whose number the
 * reclaimer's reverse map holds (the PTE holds the frame). While the page stays clean (D = 0) the
 * slot still holds it, so it is dropped with no write, its PTE a swap entry for that slot again;
 * once written, it goes back to the same slot (or a new one, when a fork shares the old).
 */
export const PTE_KEPT = PTE_SWAP;

export const swapEntry = (slot: number): number => ((slot << 12) | PTE_SWAP) >>> 0;
export const isSwapEntry = (e: number | null): e is number => e !== null && (e & PTE_P) === 0 && (e & PTE_SWAP) !== 0;
export const swapSlot = (e: number): number => e >>> 12;
export const PTE_FRAME = 0xfffff000;
/** Every bit of an entry that is not the frame address. */
export const PTE_FLAGS = 0x00000fff;

const hex3 = (n: number): string => n.toString(16).padStart(3, '0');

/** Entries per page directory or page table. */
export const ENTRIES = 1024;
/** The first page-directory index of the kernel half (768): PDEs below it map user addresses. */
export const KERNEL_PDE = KERNBASE >>> 22;

export const pdIndex = (va: VirtAddr | number): number => va >>> 22;
export const ptIndex = (va: VirtAddr | number): number => (va >>> 12) & 0x3ff;

/** An entry pointing at `frame` with `flags`. */
export const encodeEntry = (frame: PhysAddr, flags: number): number => ((frame & PTE_FRAME) | (flags & PTE_FLAGS)) >>> 0;
/** The frame (page table or page) an entry points at. */
export const entryFrame = (e: number): PhysAddr => phys(e & PTE_FRAME);
export const isPresent = (e: number | null): e is number => e !== null && (e & PTE_P) !== 0;

/** Whether `pd` is the address space the processor is using now, whose translations the TLB may hold. */
export const isLive = (hw: Hw, pd: PhysAddr): boolean => ((hw.readCR3() & PTE_FRAME) >>> 0) === pd;

/** The two entries that translate `va`. `pte`/`pteAddr` are null when the PDE is not present. */
export interface Walk { va: VirtAddr; pdeAddr: PhysAddr; pde: number; pteAddr: PhysAddr | null; pte: number | null }

/** Reads the PDE and, when it is present, the PTE for `va`; charges COST.walkStep per level read. */
export function walk(hw: Hw, pd: PhysAddr, va: VirtAddr): Walk {
  const pdeAddr = phys(pd + 4 * pdIndex(va));
  const pde = hw.readPhys32(pdeAddr);
  hw.chargeCycles(COST.walkStep);
  if (!isPresent(pde)) return { va, pdeAddr, pde, pteAddr: null, pte: null };
  const pteAddr = phys(entryFrame(pde) + 4 * ptIndex(va));
  const pte = hw.readPhys32(pteAddr);
  hw.chargeCycles(COST.walkStep);
  return { va, pdeAddr, pde, pteAddr, pte };
}

/**
 * The P, W and U bits that apply to `va` after combining both levels (i386 PRM 6.4.1.2, "Combining
 * Protection of Both Levels of Page Tables"): 0 when either level is not present.
 */
export function effectiveFlags(w: Walk): number {
  if (!isPresent(w.pde) || !isPresent(w.pte)) return 0;
  return (w.pde & w.pte & (PTE_P | PTE_W | PTE_U)) >>> 0;
}

function writeEntry(hw: Hw, addr: PhysAddr, e: number): void {
  hw.writePhys32(addr, e);
  hw.chargeCycles(COST.pteWrite);
}

/**
 * Maps `va` to `frame` with `flags` (PTE_P is added). When the page table for `va` is missing it
 * allocates one (owner 'pagetable'), zeroes it, and points the PDE at it with P|W|U for a user
 * address (< KERNBASE) or P|W for a kernel one: the PDE grants the most, the PTE decides.
 * Returns false when no frame is left for the page table. Panics if `va` is already mapped (remap),
 * on unaligned addresses, on flags that spill into the frame bits, and on a user page above KERNBASE.
 * Needs no TLB flush: the entry was not present, and not-present entries are never cached.
 * `known` is the walk for `va` in `pd` the caller has just made, with nothing changed since (the
 * pager's): it saves reading the same two entries again.
 */
export function mapPage(hw: Hw, frames: FrameAllocator, pd: PhysAddr, va: VirtAddr, frame: PhysAddr, flags: number, known?: Walk): boolean {
  if (va % PAGE_SIZE !== 0 || frame % PAGE_SIZE !== 0) panic(`mapPage: unaligned va 0x${hex(va)} or frame 0x${hex(frame)}`);
  if ((flags & PTE_FRAME) !== 0) panic(`mapPage: flags 0x${hex(flags)} overlap the frame bits`);
  const user = va < KERNBASE;
  if (!user && (flags & PTE_U) !== 0) panic(`mapPage: user-accessible page at kernel address 0x${hex(va)}`);

  const w = known !== undefined && known.va === va ? known : walk(hw, pd, va);
  let pteAddr = w.pteAddr;
  if (pteAddr === null) {
    const pt = frames.alloc('pagetable');
    if (pt === null) return false;
    hw.zeroPage(pt);
    writeEntry(hw, w.pdeAddr, encodeEntry(pt, user ? PTE_P | PTE_W | PTE_U : PTE_P | PTE_W));
    pteAddr = phys(pt + 4 * ptIndex(va));
  } else if (isPresent(w.pte)) {
    panic(`remap: va 0x${hex(va)} already maps frame 0x${hex(entryFrame(w.pte))}`);
  }
  writeEntry(hw, pteAddr, encodeEntry(frame, flags | PTE_P));
  return true;
}

/**
 * Writes a not-present `entry` (a swap entry) for user address `va`, making the page table if it is
 * missing; false when no frame is left for one. Needs no TLB flush (nothing present changes).
 */
export function setSwapEntry(hw: Hw, frames: FrameAllocator, pd: PhysAddr, va: VirtAddr, entry: number): boolean {
  const w = walk(hw, pd, va);
  let pteAddr = w.pteAddr;
  if (pteAddr === null) {
    const pt = frames.alloc('pagetable');
    if (pt === null) return false;
    hw.zeroPage(pt);
    writeEntry(hw, w.pdeAddr, encodeEntry(pt, PTE_P | PTE_W | PTE_U));
    pteAddr = phys(pt + 4 * ptIndex(va));
  } else if (isPresent(w.pte)) {
    panic(`setSwapEntry: va 0x${hex(va)} is present`);
  }
  writeEntry(hw, pteAddr, entry);
  return true;
}

/**
 * Clears the PTE for `va` and returns the frame it mapped, or null when nothing was mapped (a
 * not-present entry is cleared too, without a flush). Flushes the page from the TLB when the entry
 * was present and `pd` is the live address space. The page table itself stays.
 */
export function unmapPage(hw: Hw, pd: PhysAddr, va: VirtAddr): PhysAddr | null {
  const w = walk(hw, pd, va);
  if (w.pteAddr === null || w.pte === null || w.pte === 0) return null;
  writeEntry(hw, w.pteAddr, 0);
  if (!isPresent(w.pte)) return null;
  if (isLive(hw, pd)) hw.invlpg(va);
  return entryFrame(w.pte);
}

/**
 * Rewrites the flags of the present PTE for `va` to `flags` (PTE_P is added), keeping its frame and
 * the old bits named in `keep` (by default A and D, which the processor set and the pager reads;
 * pass 0 to clear them, as a clock replacement policy clears A). Returns false when `va` is not
 * mapped. Flushes the page when the entry changed and `pd` is live: the TLB may hold the old rights.
 */
export function protectPage(hw: Hw, pd: PhysAddr, va: VirtAddr, flags: number, keep: number = PTE_A | PTE_D): boolean {
  if ((flags & PTE_FRAME) !== 0) panic(`protectPage: flags 0x${hex(flags)} overlap the frame bits`);
  if (va >= KERNBASE && (flags & PTE_U) !== 0) panic(`protectPage: user-accessible page at kernel address 0x${hex(va)}`);
  const w = walk(hw, pd, va);
  if (w.pteAddr === null || !isPresent(w.pte)) return false;
  const e = encodeEntry(entryFrame(w.pte), (w.pte & keep & PTE_FLAGS) | flags | PTE_P);
  if (e === w.pte) return true;
  writeEntry(hw, w.pteAddr, e);
  if (isLive(hw, pd)) hw.invlpg(va);
  return true;
}

/**
 * Calls `fn` for every present PTE below KERNBASE (PDEs 0-767), in address order. Charges
 * COST.walkStep per entry read. `fn` may change or clear the entry it is given (unmap or protect
 * its page), and read anything; it must not write any other entry of `pd`'s directory or tables
 * (see forEachUserEntry).
 */
export function forEachUserPage(hw: Hw, pd: PhysAddr, fn: (va: VirtAddr, pte: number, pteAddr: PhysAddr) => void): void {
  scanUserEntries(hw, pd, true, fn);
}

/** Calls `fn` for every user PTE that is not 0 (present pages and swapped-out ones), as forEachUserPage does. */
export function forEachUserEntry(hw: Hw, pd: PhysAddr, fn: (va: VirtAddr, pte: number, pteAddr: PhysAddr) => void): void {
  scanUserEntries(hw, pd, false, fn);
}

/** Whether the host's Uint32Array words are little-endian, as entries are in guest RAM (then a word of a buffer is the entry). */
const HOST_LE = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
/** PTE_P in a word of a buffer: bit 0 of the entry's first byte. */
const WORD_P = HOST_LE ? PTE_P : (PTE_P << 24) >>> 0;

/**
 * A walk over the user half of an address space as a loop its caller writes, with no call of a
 * callback per page (the reclaimer's scans, which look at every resident page of a process at each
 * of its faults; forEachUserPage and forEachUserEntry are this loop around their `fn`):
 *
 *   cursor.start(hw, pd);
 *   while (cursor.next()) use(cursor.va, cursor.pte, cursor.pteAddr);
 *
 * It reads the directory's user half, and each present page table, with one bulk read each (a
 * page-table walk reads the same bytes entry by entry). The entries are little-endian in RAM: on a
 * little-endian host each word of the buffer is the entry; on another, a word is zero when the
 * entry is, P is its bit 24, and the entry is decoded from the bytes. Before next() returns a page,
 * every entry read so far is charged (COST.walkStep each, in one charge), and the rest when it
 * returns false: whatever the loop does with a page (even something that observes emulated time)
 * sees the charges a walk entry by entry would have made by then, and the total is the same. Since
 * a table is read when the walk reaches it, the loop may change the entry it was given (it is not
 * read again), but a change to another entry of the same table, or to the directory, would not be
 * seen: no caller makes one. A cursor holds one scan at a time (its own buffers): its owner does
 * not start it again before the loop is over.
 */
export class UserPageCursor {
  /** The page next() found: its address, its PTE and where that is. */
  va = virt(0);
  pte = 0;
  pteAddr = phys(0);
  private hw: Hw | null = null;
  private readonly dir = new Uint8Array(4 * KERNEL_PDE);
  private readonly dirWords = new Uint32Array(this.dir.buffer);
  private readonly dirView = new DataView(this.dir.buffer);
  private readonly table = new Uint8Array(4 * ENTRIES);
  private readonly tableWords = new Uint32Array(this.table.buffer);
  private readonly tableView = new DataView(this.table.buffer);
  /** Entries skipped in a table: not present (WORD_P), or only those that are 0 (all ones). */
  private skip = WORD_P;
  /** The directory index of the table being read (KERNEL_PDE: done), its frame (-1: none), the index of the last entry looked at. */
  private di = KERNEL_PDE;
  private pt = -1;
  private ti = -1;
  /** Entries read and not charged yet, and the index of the last entry charged in the table. */
  private owed = 0;
  private last = -1;

  /**
   * Starts a scan of `pd`'s user half: reads its directory's user half (one bulk read). The scan
   * gives the present pages, or with `presentOnly` false every entry that is not 0 (swapped-out
   * pages too).
   */
  start(hw: Hw, pd: PhysAddr, presentOnly = true): void {
    this.hw = hw;
    hw.readPhysBytes(pd, this.dir);
    this.skip = presentOnly ? WORD_P : 0xffffffff;
    this.di = -1;
    this.pt = -1;
    this.owed = 0;
  }

  /** Moves to the next page (true), or charges what is left and ends the scan (false). */
  next(): boolean {
    const hw = this.hw!;
    for (;;) {
      if (this.pt >= 0) {
        const words = this.tableWords;
        for (let ti = this.ti + 1; ti < ENTRIES; ti++) {
          const word = words[ti]!;
          if ((word & this.skip) === 0) continue;
          hw.chargeCycles(COST.walkStep * (this.owed + ti - this.last));
          this.owed = 0;
          this.last = ti;
          this.ti = ti;
          this.pte = HOST_LE ? word : this.tableView.getUint32(4 * ti, true);
          this.va = virt((this.di << 22) | (ti << 12));
          this.pteAddr = phys(this.pt + 4 * ti);
          return true;
        }
        this.owed += ENTRIES - 1 - this.last;
        this.pt = -1;
      }
      let di = this.di + 1;
      for (; di < KERNEL_PDE; di++) {
        this.owed++;
        if ((this.dirWords[di]! & WORD_P) !== 0) break;
      }
      this.di = di;
      if (di >= KERNEL_PDE) {
        hw.chargeCycles(COST.walkStep * this.owed);
        this.owed = 0;
        return false;
      }
      const pde = HOST_LE ? this.dirWords[di]! : this.dirView.getUint32(4 * di, true);
      this.pt = entryFrame(pde);
      hw.readPhysBytes(phys(this.pt), this.table);
      this.ti = -1;
      this.last = -1;
    }
  }
}

/** The cursors of forEachUserPage and forEachUserEntry, one per nesting depth (`fn` may scan too). */
const scanCursors: UserPageCursor[] = [];
let scanDepth = 0;

function scanUserEntries(hw: Hw, pd: PhysAddr, presentOnly: boolean, fn: (va: VirtAddr, pte: number, pteAddr: PhysAddr) => void): void {
  const c = (scanCursors[scanDepth] ??= new UserPageCursor());
  scanDepth++;
  try {
    c.start(hw, pd, presentOnly);
    while (c.next()) fn(c.va, c.pte, c.pteAddr);
  } finally {
    scanDepth--;
  }
}

/**
 * Returns every user page table of `pd` (PDEs 0-767) to `frames` and clears their PDEs. It does not
 * free the frames those tables map: the caller frees them first (forEachUserPage). If `pd` is live,
 * the TLB may still hold translations through the removed tables, so one CR3 reload drops them all
 * (cheaper than a flush per page, and the only way on a 386).
 */
export function freeUserPageTables(hw: Hw, frames: FrameAllocator, pd: PhysAddr): void {
  let removed = 0;
  for (let di = 0; di < KERNEL_PDE; di++) {
    const pdeAddr = phys(pd + 4 * di);
    const pde = hw.readPhys32(pdeAddr);
    hw.chargeCycles(COST.walkStep);
    if (!isPresent(pde)) continue;
    writeEntry(hw, pdeAddr, 0);
    frames.free(entryFrame(pde));
    removed++;
  }
  if (removed > 0 && isLive(hw, pd)) hw.writeCR3(pd);
}

const FLAG_COLUMNS: ReadonlyArray<readonly [number, string]> = [[PTE_P, 'P'], [PTE_W, 'W'], [PTE_U, 'U'], [PTE_A, 'A'], [PTE_D, 'D']];

/** The P, W, U, A and D bits of an entry in fixed columns, '-' where clear: 'P W U - -'. */
export function describeFlags(e: number): string {
  return FLAG_COLUMNS.map(([bit, name]) => ((e & bit) !== 0 ? name : '-')).join(' ');
}

function describeEntry(level: 'PDE' | 'PTE', index: number, addr: PhysAddr, e: number): string {
  const flags = isPresent(e) ? describeFlags(e) : 'not present';
  return `${level}[0x${hex3(index)}] @0x${hex(addr)} = 0x${hex(e)}  ${flags}`;
}

/**
 * The walk for `va` as console lines: the PDE, then (if the PDE is present) the PTE, then (if the
 * PTE is present) the physical address `va` translates to.
 *   PDE[0x300] @0x00105c00 = 0x00106007  P W U - -
 *   PTE[0x048] @0x00106120 = 0x00000000  not present
 */
export function describeWalk(hw: Hw, pd: PhysAddr, va: VirtAddr): string[] {
  const w = walk(hw, pd, va);
  const lines = [describeEntry('PDE', pdIndex(va), w.pdeAddr, w.pde)];
  if (w.pteAddr === null || w.pte === null) return lines;
  lines.push(describeEntry('PTE', ptIndex(va), w.pteAddr, w.pte));
  if (isPresent(w.pte)) lines.push(`VA 0x${hex(va)} -> PA 0x${hex(entryFrame(w.pte) + (va & 0xfff))}`);
  return lines;
}
