// Address spaces: a page directory per process whose kernel half (PDEs 768-1023) is the kernel's
// own, shared by every process, so a trap never needs to change CR3 to reach the kernel; and the
// operations over a whole user half: tear down, copy (fork), count.

import { COST } from '../cost.ts';
import { phys, PAGE_SIZE, type Hw, type PhysAddr, type VirtAddr } from '../hw.ts';
import type { FrameAllocator } from './frame-table.ts';
import { ENTRIES, entryFrame, forEachUserEntry, forEachUserPage, freeUserPageTables, isPresent, isSwapEntry, KERNEL_PDE, mapPage, PTE_A, PTE_D, PTE_FLAGS, PTE_KEPT, PTE_LOCKED, PTE_UNBACKED, setSwapEntry, swapSlot } from './pagetable.ts';

/** A new page directory: user half empty, kernel half copied from `kernelPd`. Null when out of frames. */
export function createAddressSpace(hw: Hw, frames: FrameAllocator, kernelPd: PhysAddr): PhysAddr | null {
  const pd = frames.alloc('pagedir');
  if (pd === null) return null;
  hw.fillPhys(pd, KERNEL_PDE * 4, 0);
  hw.chargeCycles(5 + COST.zeroPerDword * KERNEL_PDE); // REP STOSD over the user half
  hw.copyPhys(phys(pd + KERNEL_PDE * 4), phys(kernelPd + KERNEL_PDE * 4), (ENTRIES - KERNEL_PDE) * 4);
  return pd;
}

/** What tearing down an address space lets go of in swap: swapped-out pages' slots, and the slots read-back pages kept. */
export interface SwapRelease {
  freeSlot(slot: number): void;
  releaseKept(frame: PhysAddr, pte: number): void;
}

/** Frees every user page (and the swap slot of every swapped-out one, or kept by a read-back one), every user page table and the directory itself. */
export function destroyAddressSpace(hw: Hw, frames: FrameAllocator, pd: PhysAddr, swap?: SwapRelease): void {
  const pages: PhysAddr[] = [];
  const slots: number[] = [];
  forEachUserEntry(hw, pd, (_va, pte) => {
    if (isPresent(pte)) {
      pages.push(entryFrame(pte));
      swap?.releaseKept(entryFrame(pte), pte);
    } else if (isSwapEntry(pte)) slots.push(swapSlot(pte));
  });
  for (const f of pages) frames.free(f);
  for (const s of slots) swap?.freeSlot(s);
  freeUserPageTables(hw, frames, pd);
  frames.free(pd);
}

/** Every present user page: its address, PTE and the PTE's physical address. */
export function userPages(hw: Hw, pd: PhysAddr): Array<{ va: VirtAddr; pte: number; pteAddr: PhysAddr }> {
  const out: Array<{ va: VirtAddr; pte: number; pteAddr: PhysAddr }> = [];
  forEachUserPage(hw, pd, (va, pte, pteAddr) => out.push({ va, pte, pteAddr }));
  return out;
}

/** Swap, as fork sees it: a swapped-out page's slot is shared with the child; copies join the replacement queue. */
export interface ForkSwap {
  swap: { ref(slot: number): boolean };
  noteMapped(frame: PhysAddr, pd: PhysAddr, va: VirtAddr): void;
}

/**
 * Fork's copy, done eagerly: every present user page of `src` gets a new frame with the same
 * contents and flags in `dst` (A and D start clear; a copy of a written or read-back page is marked PTE_UNBACKED,
 * since only its frame holds it), and every swapped-out page's slot is shared (one more count).
 * Returns false when frames (or slot counts) run out (the caller destroys `dst`).
 */
export function copyAddressSpace(hw: Hw, frames: FrameAllocator, src: PhysAddr, dst: PhysAddr, fs?: ForkSwap): boolean {
  const entries: Array<{ va: VirtAddr; pte: number }> = [];
  forEachUserEntry(hw, src, (va, pte) => entries.push({ va, pte }));
  for (const { va, pte } of entries) {
    if (isSwapEntry(pte)) {
      if (fs === undefined || !fs.swap.ref(swapSlot(pte))) return false;
      if (!setSwapEntry(hw, frames, dst, va, pte)) return false;
      continue;
    }
    if (!isPresent(pte)) continue;
    const f = frames.alloc('user');
    if (f === null) return false;
    hw.copyPage(f, entryFrame(pte));
    // Only the frame holds a copy of a written page, or of one read back from swap (whose slot stays the parent's).
    const unbacked = (pte & (PTE_D | PTE_UNBACKED | PTE_KEPT)) !== 0 ? PTE_UNBACKED : 0;
    if (!mapPage(hw, frames, dst, va, f, (pte & PTE_FLAGS & ~(PTE_A | PTE_D | PTE_UNBACKED | PTE_LOCKED | PTE_KEPT)) | unbacked)) {
      frames.free(f);
      return false;
    }
    fs?.noteMapped(f, dst, va);
  }
  return true;
}

/** Every swapped-out user page: its address and slot. */
export function swappedPages(hw: Hw, pd: PhysAddr): Array<{ va: VirtAddr; slot: number }> {
  const out: Array<{ va: VirtAddr; slot: number }> = [];
  forEachUserEntry(hw, pd, (va, pte) => { if (isSwapEntry(pte)) out.push({ va, slot: swapSlot(pte) }); });
  return out;
}

/** Number of user pages the process has: mapped, or in swap (its size, for proportional allocation). */
export function userPageCount(hw: Hw, pd: PhysAddr): number {
  let n = 0;
  forEachUserEntry(hw, pd, (_va, pte) => { if (isPresent(pte) || isSwapEntry(pte)) n++; });
  return n;
}

/** Number of user pages mapped (the process's resident set). */
export function residentPages(hw: Hw, pd: PhysAddr): number {
  let n = 0;
  forEachUserPage(hw, pd, () => { n++; });
  return n;
}

export const pageDown = (a: number): number => Math.floor(a / PAGE_SIZE) * PAGE_SIZE;
export const pageUp = (a: number): number => Math.ceil(a / PAGE_SIZE) * PAGE_SIZE;
