// Exact LRU by soft faults, the way VAX/VMS learned about references without a reference bit: the
// kernel keeps only the pages the current instruction uses accessible to ring 3 (the window) and
// takes a fault on every other reference, so it sees every reference at the granularity of an
// instruction. The other resident pages stay present, frame and all, but with U/S = 0: a ring-3
// access to one is a page-level protection fault (error code P = 1, U = 1; i386 PRM 5.2.4.1, 9.8.14)
// whose answer is to give U/S back, not to read anything. Keeping P = 1 keeps every walker of the
// page tables (teardown, fork's copy, the reclaimer, `vm`) seeing an ordinary resident page.
//
// The order: when a page leaves the window it is stamped with the next tick of the reclaimer's LRU
// clock (its policy counter), so a smaller stamp means an older last reference, across processes.
// The window is closed (its pages stamped in the order the instruction faulted them in, and given
// U/S = 0) when the instruction is done: after each fault that opened or grew it, the kernel sets
// EFLAGS.TF in the process's trap frame, and the single-step #DB that follows the instruction
// (i386 PRM 12.3.1.4) closes the window, keeping only the page EIP is in now. A fault at a new
// instruction before that (an interrupt came first) closes it too. The page at EIP is always
// in use by the current instruction (it is being fetched), so it stays.
//
// Soft faults are counted apart from real faults (KernelStats.softFaults, Process.softFaults).
// The victim is the page with the smallest stamp among those outside the window.

import { PAGE_SIZE, virt, type Hw, type PhysAddr, type VirtAddr } from '../hw.ts';
import { KERNBASE } from '../layout.ts';
import { entryFrame, forEachUserPage, isLive, isPresent, PTE_LOCKED, PTE_U, walk } from './pagetable.ts';
import type { Reclaimer } from './reclaim.ts';

/** A process's window: the pages ring 3 may touch now without a fault, in the order they came in. */
export interface LruWindow {
  /** The address space it is for (exec makes a new one: the window starts again). */
  readonly pd: PhysAddr;
  readonly pages: VirtAddr[];
  /** The instruction the window was opened for (-1: none open). */
  eip: number;
  /** Whether a #DB should close it after the instruction (EFLAGS.TF set in the trap frame). */
  stepping: boolean;
}

export interface LruContext {
  hw: Hw;
  reclaim: Reclaimer;
}

/** What LRU needs of the process. */
export interface LruProcess {
  readonly pd: PhysAddr;
  lru: LruWindow | null;
}

const pageOf = (va: number): VirtAddr => virt(va & ~(PAGE_SIZE - 1));

/**
 * The process's window, made at its first fault under LRU: every resident page it has then (the
 * stack exec made, a fork's copies) leaves ring 3's reach, stamped in load order.
 */
export function windowOf(x: LruContext, p: LruProcess): LruWindow {
  if (p.lru !== null && p.lru.pd === p.pd) return p.lru;
  const w: LruWindow = { pd: p.pd, pages: [], eip: -1, stepping: false };
  p.lru = w;
  const pages: Array<{ va: VirtAddr; frame: PhysAddr; loaded: number }> = [];
  forEachUserPage(x.hw, p.pd, (va, pte) => {
    if ((pte & PTE_LOCKED) === 0 && (pte & PTE_U) !== 0) pages.push({ va, frame: entryFrame(pte), loaded: x.reclaim.loadedAt(entryFrame(pte)) });
  });
  pages.sort((a, b) => a.loaded - b.loaded);
  for (const pg of pages) hide(x, p.pd, pg.va);
  return w;
}

/** Takes the page at `va` out of ring 3's reach (U/S = 0, the TLB's copy dropped) and stamps it. */
function hide(x: LruContext, pd: PhysAddr, va: VirtAddr): void {
  const w = walk(x.hw, pd, va);
  if (w.pteAddr === null || !isPresent(w.pte) || (w.pte & PTE_LOCKED) !== 0 || (w.pte & PTE_U) === 0) return;
  x.hw.writePhys32(w.pteAddr, (w.pte & ~PTE_U) >>> 0);
  if (isLive(x.hw, pd)) x.hw.invlpg(va);
  x.reclaim.stampReference(entryFrame(w.pte));
}

/** Closes the window: each page but the one at `keep` is stamped, oldest first, and hidden. */
function close(x: LruContext, w: LruWindow, keep: VirtAddr | null): void {
  let kept = false;
  for (const va of w.pages) {
    if (va === keep) { kept = true; continue; }
    hide(x, w.pd, va);
  }
  w.pages.length = 0;
  if (kept) w.pages.push(keep!);
  w.eip = -1;
}

/**
 * A fault from ring 3 at `eip` in a process under LRU, before anything else is done for it: a new
 * instruction closes the last one's window (one the same instruction faulted again in keeps
 * growing: it needs all of its pages at once).
 */
export function beginFault(x: LruContext, p: LruProcess, eip: number): void {
  const w = windowOf(x, p);
  if (w.eip !== eip) close(x, w, pageOf(eip));
  w.eip = eip;
}

/** The page at `page` is in ring 3's reach again (a soft fault answered, or the pager mapped it): it joins the window. */
export function joinWindow(x: LruContext, p: LruProcess, page: VirtAddr): void {
  const w = windowOf(x, p);
  if (!w.pages.includes(page)) w.pages.push(page);
  w.stepping = true;
}

/**
 * A page LRU had hidden was given back to `p` (a soft fault, by ring 3's own access or the
 * kernel's on its behalf): counted apart from page faults, and under LRU it joins the window.
 */
export function softFault(x: { hw: Hw; reclaim: Reclaimer | null; stats: { softFaults: number } }, p: LruProcess & { softFaults: number }, page: VirtAddr): void {
  p.softFaults++;
  x.stats.softFaults++;
  if (p.lru !== null && x.reclaim !== null) joinWindow({ hw: x.hw, reclaim: x.reclaim }, p, page);
}

/** The single-step #DB after the instruction: its window closes, but for the page EIP is in now. */
export function endInstruction(x: LruContext, p: LruProcess, eip: number): void {
  const w = windowOf(x, p);
  w.stepping = false;
  close(x, w, pageOf(eip));
}

/**
 * Whether `va` is a resident page hidden from ring 3 by LRU (present, a user address, U/S = 0):
 * if so, it is given back (U/S = 1, the TLB's copy of the old entry dropped) and true returned.
 * Any process may find one (a fork copies the entries as they are).
 */
export function revealIfHidden(hw: Hw, pd: PhysAddr, va: number): boolean {
  if (va >= KERNBASE) return false;
  const page = pageOf(va);
  const w = walk(hw, pd, page);
  if (w.pteAddr === null || !isPresent(w.pte) || (w.pte & PTE_U) !== 0 || (w.pde & PTE_U) === 0) return false;
  hw.writePhys32(w.pteAddr, (w.pte | PTE_U) >>> 0);
  if (isLive(hw, pd)) hw.invlpg(page);
  return true;
}
