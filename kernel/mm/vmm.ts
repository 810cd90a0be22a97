// Address spaces: a page directory per process whose kernel half (PDEs 768-1023) is the kernel's
// own, shared by every process, so a trap never needs to change CR3 to reach the kernel; and the
// operations over a whole user half: tear down, copy (fork), count.

import { COST } from '../cost.ts';
import { phys, PAGE_SIZE, type Hw, type PhysAddr, type VirtAddr } from '../hw.ts';
import type { FrameAllocator } from './frame-table.ts';
import { ENTRIES, entryFrame, forEachUserEntry, forEachUserPage, freeUserPageTables, isLive, isPresent, isSwapEntry, KERNEL_PDE, mapPage, PTE_A, PTE_D, PTE_FLAGS, PTE_KEPT, PTE_LOCKED, PTE_UNBACKED, PTE_W, setSwapEntry, swapSlot, unmapPage, walk } from './pagetable.ts';
import type { Reclaimer } from './reclaim.ts';
import type { ReverseMap } from './rmap.ts';
import type { IdleHint } from './idle-hint.ts';

/** A new page directory: user half empty, kernel half copied from `kernelPd`. Null when out of frames. */
export function createAddressSpace(hw: Hw, frames: FrameAllocator, kernelPd: PhysAddr): PhysAddr | null {
  const pd = frames.alloc('pagedir');
  if (pd === null) return null;
  hw.fillPhys(pd, KERNEL_PDE * 4, 0);
  hw.chargeCycles(5 + COST.zeroPerDword * KERNEL_PDE); // REP STOSD over the user half
  hw.copyPhys(phys(pd + KERNEL_PDE * 4), phys(kernelPd + KERNEL_PDE * 4), (ENTRIES - KERNEL_PDE) * 4);
  return pd;
}

/** What a user page's mapping touches: the reverse map, and with swap the reclaimer's queue, kept slots and slot counts. */
export interface UserMaps {
  hw: Hw;
  frames: FrameAllocator;
  rmap: ReverseMap;
  reclaim: Pick<Reclaimer, 'noteMapped' | 'releaseKept' | 'freeSlot' | 'swap'> | null;
  /** The page cache and the shared segments, told when their frames go idle (optional: address spaces without them never map one). */
  cache?: { readonly idle: IdleHint } | null;
  shm?: { readonly idle: IdleHint };
}

/**
 * A page was loaded into `frame` and mapped at `va` in `pd` (its first mapping): the reverse map
 * records it, and it joins the replacement queue (keeping `slot`, when read back from swap).
 */
export function recordMapping(x: UserMaps, frame: PhysAddr, pd: PhysAddr, va: VirtAddr, slot = 0): void {
  x.rmap.add(frame, pd, va);
  x.reclaim?.noteMapped(frame, pd, va, false, slot);
}

/** The PTE for `va` in `pd` no longer maps `frame` (the caller has cleared it): the last mapping to go frees the frame (and the slot it kept), unless the page cache holds it. */
export function releaseFrame(x: UserMaps, frame: PhysAddr, pd: PhysAddr, va: VirtAddr): void {
  if (x.rmap.remove(frame, pd, va) > 0) return;
  const owner = x.frames.ownerOf(frame);
  // The page cache, or a shared segment, keeps it, idle.
  if (owner === 'cache') { x.cache?.idle.unmapped(); return; }
  if (owner === 'shm') { x.shm?.idle.unmapped(); return; }
  x.reclaim?.releaseKept(frame);
  x.frames.free(frame);
}

/** Unmaps user page `va` of `pd` (exit, a lowered break): a present page's frame is released, a swapped-out page's slot freed. */
export function unmapUserPage(x: UserMaps, pd: PhysAddr, va: VirtAddr): void {
  const w = walk(x.hw, pd, va);
  if (w.pteAddr === null || w.pte === null || w.pte === 0) return;
  if (isSwapEntry(w.pte)) x.reclaim?.freeSlot(swapSlot(w.pte));
  const frame = unmapPage(x.hw, pd, va);
  if (frame !== null) releaseFrame(x, frame, pd, va);
}

/** Releases every user page (a swapped-out one's slot), every user page table and the directory itself. */
export function destroyAddressSpace(x: UserMaps, pd: PhysAddr): void {
  const pages: Array<{ va: VirtAddr; frame: PhysAddr }> = [];
  const slots: number[] = [];
  forEachUserEntry(x.hw, pd, (va, pte) => {
    if (isPresent(pte)) pages.push({ va, frame: entryFrame(pte) });
    else if (isSwapEntry(pte)) slots.push(swapSlot(pte));
  });
  for (const { va, frame } of pages) releaseFrame(x, frame, pd, va);
  for (const s of slots) x.reclaim?.freeSlot(s);
  freeUserPageTables(x.hw, x.frames, pd);
  x.frames.free(pd);
}

/** Every present user page: its address, PTE and the PTE's physical address. */
export function userPages(hw: Hw, pd: PhysAddr): Array<{ va: VirtAddr; pte: number; pteAddr: PhysAddr }> {
  const out: Array<{ va: VirtAddr; pte: number; pteAddr: PhysAddr }> = [];
  forEachUserPage(hw, pd, (va, pte, pteAddr) => out.push({ va, pte, pteAddr }));
  return out;
}

/** How fork copies an address space: eagerly (a frame per present page), or copy-on-write (frames shared, read-only, until written). */
export type ForkMode = 'cow' | 'eager';
export const FORK_MODES: readonly ForkMode[] = ['cow', 'eager'];

/** What fork's copy did: pages shared (present ones copy-on-write, and swapped-out ones' slots, in either mode) and pages copied. */
export interface ForkCopy { shared: number; copied: number }

/**
 * Fork's copy of `src`'s user half into `dst`. Every swapped-out page's slot is shared (one more
 * count). A present page is copied to a new frame (eager, or a page mlock() keeps, or when the
 * reverse map has no entry left), with the same flags but A and D clear, and marked PTE_UNBACKED
 * when only its frame holds it (written, or read back from swap); or, copy-on-write, its frame is
 * shared: both PTEs lose W (the first write faults, and the pager copies the page or, for its last
 * mapping, gives W back) and the frame's count goes up.
 * Returns null when frames (or slot counts) run out (the caller destroys `dst`).
 */
export function copyAddressSpace(x: UserMaps, src: PhysAddr, dst: PhysAddr, mode: ForkMode, sharedAt: (va: VirtAddr) => boolean = () => false): ForkCopy | null {
  const { hw, frames } = x;
  const entries: Array<{ va: VirtAddr; pte: number; pteAddr: PhysAddr }> = [];
  forEachUserEntry(hw, src, (va, pte, pteAddr) => entries.push({ va, pte, pteAddr }));
  const done: ForkCopy = { shared: 0, copied: 0 };
  let writable = 0;
  for (const { va, pte, pteAddr } of entries) {
    if (isSwapEntry(pte)) {
      if (x.reclaim === null || !x.reclaim.swap.ref(swapSlot(pte))) return null;
      if (!setSwapEntry(hw, frames, dst, va, pte)) { x.reclaim.freeSlot(swapSlot(pte)); return null; }
      done.shared++;
      continue;
    }
    if (!isPresent(pte)) continue;
    const frame = entryFrame(pte);
    if (sharedAt(va)) {
      // Shared memory or a MAP_SHARED file: the child maps the same frame, as the parent does.
      if (!x.rmap.canShare || !mapPage(hw, frames, dst, va, frame, pte & PTE_FLAGS & ~(PTE_A | PTE_D | PTE_LOCKED))) return null;
      x.rmap.add(frame, dst, va);
      continue;
    }
    if (mode === 'cow' && (pte & PTE_LOCKED) === 0 && x.rmap.canShare) {
      // Both PTEs keep what the parent's says of the page (D, PTE_UNBACKED, PTE_KEPT): the
      // reclaimer reads a shared page's state from all of them.
      const shared = (pte & ~PTE_W) >>> 0;
      if (!mapPage(hw, frames, dst, va, frame, shared & PTE_FLAGS & ~PTE_A)) return null;
      x.rmap.add(frame, dst, va);
      if (shared !== pte) {
        hw.writePhys32(pteAddr, shared);
        hw.chargeCycles(COST.pteWrite);
        writable++;
      }
      done.shared++;
      continue;
    }
    const unbacked = (pte & (PTE_D | PTE_UNBACKED | PTE_KEPT)) !== 0 ? PTE_UNBACKED : 0;
    const f = frames.alloc('user');
    if (f === null) return null;
    hw.copyPage(f, frame);
    // Only the frame holds a copy of a written page, or of one read back from swap (whose slot stays the parent's).
    const copyFlags = (pte & PTE_FLAGS & ~(PTE_A | PTE_D | PTE_UNBACKED | PTE_LOCKED | PTE_KEPT)) | unbacked;
    if (!mapPage(hw, frames, dst, va, f, copyFlags)) {
      frames.free(f);
      return null;
    }
    recordMapping(x, f, dst, va);
    done.copied++;
  }
  // The parent's pages that lost W: the TLB may still hold them writable. One CR3 reload drops
  // them all (the only way on a 386, and cheaper than a flush per page on a 486).
  if (writable > 0 && isLive(hw, src)) hw.writeCR3(src);
  return done;
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
