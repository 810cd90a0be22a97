// Address spaces: a page directory per process whose kernel half (PDEs 768-1023) is the kernel's
// own, shared by every process, so a trap never needs to change CR3 to reach the kernel; and the
// operations over a whole user half: tear down, copy (fork), count.

import { COST } from '../cost.ts';
import { phys, PAGE_SIZE, type Hw, type PhysAddr, type VirtAddr } from '../hw.ts';
import type { FrameAllocator } from './frame-table.ts';
import { ENTRIES, entryFrame, forEachUserPage, freeUserPageTables, KERNEL_PDE, mapPage, PTE_A, PTE_D, PTE_FLAGS } from './pagetable.ts';

/** A new page directory: user half empty, kernel half copied from `kernelPd`. Null when out of frames. */
export function createAddressSpace(hw: Hw, frames: FrameAllocator, kernelPd: PhysAddr): PhysAddr | null {
  const pd = frames.alloc('pagedir');
  if (pd === null) return null;
  hw.fillPhys(pd, KERNEL_PDE * 4, 0);
  hw.chargeCycles(5 + COST.zeroPerDword * KERNEL_PDE); // REP STOSD over the user half
  hw.copyPhys(phys(pd + KERNEL_PDE * 4), phys(kernelPd + KERNEL_PDE * 4), (ENTRIES - KERNEL_PDE) * 4);
  return pd;
}

/** Frees every user page, every user page table and the directory itself. */
export function destroyAddressSpace(hw: Hw, frames: FrameAllocator, pd: PhysAddr): void {
  const pages: PhysAddr[] = [];
  forEachUserPage(hw, pd, (_va, pte) => pages.push(entryFrame(pte)));
  for (const f of pages) frames.free(f);
  freeUserPageTables(hw, frames, pd);
  frames.free(pd);
}

/** Every present user page: its address, PTE and the PTE's physical address. */
export function userPages(hw: Hw, pd: PhysAddr): Array<{ va: VirtAddr; pte: number; pteAddr: PhysAddr }> {
  const out: Array<{ va: VirtAddr; pte: number; pteAddr: PhysAddr }> = [];
  forEachUserPage(hw, pd, (va, pte, pteAddr) => out.push({ va, pte, pteAddr }));
  return out;
}

/**
 * Fork's copy, done eagerly: every present user page of `src` gets a new frame with the same
 * contents and flags in `dst` (A and D start clear). Returns false when frames run out (the caller
 * destroys `dst`).
 */
export function copyAddressSpace(hw: Hw, frames: FrameAllocator, src: PhysAddr, dst: PhysAddr): boolean {
  for (const { va, pte } of userPages(hw, src)) {
    const f = frames.alloc('user');
    if (f === null) return false;
    hw.copyPage(f, entryFrame(pte));
    if (!mapPage(hw, frames, dst, va, f, pte & PTE_FLAGS & ~(PTE_A | PTE_D))) {
      frames.free(f);
      return false;
    }
  }
  return true;
}

/** Number of user pages mapped (the process's resident set). */
export function residentPages(hw: Hw, pd: PhysAddr): number {
  let n = 0;
  forEachUserPage(hw, pd, () => { n++; });
  return n;
}

export const pageDown = (a: number): number => Math.floor(a / PAGE_SIZE) * PAGE_SIZE;
export const pageUp = (a: number): number => Math.ceil(a / PAGE_SIZE) * PAGE_SIZE;
