// Address spaces over a FakeHostPort: the kernel half shared, fork's eager copy, teardown that
// returns every frame.

import { beforeEach, describe, expect, it } from 'vitest';
import { Hw, phys, virt, type PhysAddr } from '../../../../kernel/hw.ts';
import { createFrameAllocator, type FrameAllocator } from '../../../../kernel/mm/frames.ts';
import { KERNEL_PDE, mapPage, PTE_A, PTE_D, PTE_KEPT, PTE_P, PTE_U, PTE_UNBACKED, PTE_W, setSwapEntry, swapEntry, walk } from '../../../../kernel/mm/pagetable.ts';
import { copyAddressSpace, createAddressSpace, destroyAddressSpace, residentPages, swappedPages, userPages } from '../../../../kernel/mm/vmm.ts';
import { FakeHostPort } from '../fake-hostport.ts';

const RAM = 8 * 1024 * 1024;
let port: FakeHostPort;
let hw: Hw;
let frames: FrameAllocator;
let kernelPd: PhysAddr;

beforeEach(() => {
  port = new FakeHostPort(RAM);
  hw = new Hw(port);
  frames = createFrameAllocator('buddy', hw, {
    metaBase: phys(0x100000), usable: [{ base: 0, length: RAM }], reserved: [{ base: 0, length: 0x100000 }],
  }).allocator;
  // A kernel directory whose kernel half has a few distinctive entries.
  kernelPd = frames.alloc('kernel')!;
  hw.fillPhys(kernelPd, 4096, 0);
  for (let i = KERNEL_PDE; i < 1024; i++) hw.writePhys32(phys(kernelPd + 4 * i), ((i << 12) | PTE_P | PTE_W) >>> 0);
});

const used = (): number => frames.stats().used;

describe('createAddressSpace', () => {
  it('starts with an empty user half and the kernel half of the kernel directory', () => {
    const pd = createAddressSpace(hw, frames, kernelPd)!;
    expect(frames.ownerOf(pd)).toBe('pagedir');
    for (let i = 0; i < KERNEL_PDE; i++) expect(hw.readPhys32(phys(pd + 4 * i))).toBe(0);
    for (let i = KERNEL_PDE; i < 1024; i++) expect(hw.readPhys32(phys(pd + 4 * i))).toBe(hw.readPhys32(phys(kernelPd + 4 * i)));
    expect(residentPages(hw, pd)).toBe(0);
  });
});

describe('copyAddressSpace (fork, eager)', () => {
  it('gives the child its own frames with the same bytes and flags, A and D cleared (a copy of a written page marked unbacked)', () => {
    const parent = createAddressSpace(hw, frames, kernelPd)!;
    const f1 = frames.alloc('user')!, f2 = frames.alloc('user')!;
    hw.fillPhys(f1, 4096, 0x11);
    hw.fillPhys(f2, 4096, 0x22);
    mapPage(hw, frames, parent, virt(0x08048000), f1, PTE_U | PTE_A);
    mapPage(hw, frames, parent, virt(0xbffff000), f2, PTE_U | PTE_W | PTE_A | PTE_D);
    const child = createAddressSpace(hw, frames, kernelPd)!;
    expect(copyAddressSpace(hw, frames, parent, child)).toBe(true);
    const pages = userPages(hw, child);
    expect(pages.map((p) => p.va)).toEqual([0x08048000, 0xbffff000]);
    const c1 = walk(hw, child, virt(0x08048000)).pte!, c2 = walk(hw, child, virt(0xbffff000)).pte!;
    expect(c1 & 0xfff).toBe(PTE_P | PTE_U);
    // The dirty page's copy is in its frame only: it must go to swap, not be dropped, if evicted.
    expect(c2 & 0xfff).toBe(PTE_P | PTE_U | PTE_W | PTE_UNBACKED);
    expect(c1 & ~0xfff).not.toBe(f1);
    expect(c2 & ~0xfff).not.toBe(f2);
    expect(hw.readPhys8(phys((c1 & ~0xfff) + 100))).toBe(0x11);
    expect(hw.readPhys8(phys((c2 & ~0xfff) + 4095))).toBe(0x22);
    // Writing the child's copy leaves the parent's page alone.
    hw.writePhys8(phys(c2 & ~0xfff), 0x99);
    expect(hw.readPhys8(f2)).toBe(0x22);
  });

  it('charges a page copy per page', () => {
    const parent = createAddressSpace(hw, frames, kernelPd)!;
    for (let k = 0; k < 3; k++) mapPage(hw, frames, parent, virt(0x10000000 + k * 4096), frames.alloc('user')!, PTE_U | PTE_W);
    const child = createAddressSpace(hw, frames, kernelPd)!;
    const before = (hw.settleCycles(), port.cycles);
    copyAddressSpace(hw, frames, parent, child);
    expect((hw.settleCycles(), port.cycles) - before).toBeGreaterThanOrEqual(3 * (8 + 4 * 1024));
  });
});

describe('destroyAddressSpace', () => {
  it('returns every user frame, every page table and the directory', () => {
    const base = used();
    const pd = createAddressSpace(hw, frames, kernelPd)!;
    for (const va of [0x08048000, 0x08049000, 0x20000000, 0xbffff000]) mapPage(hw, frames, pd, virt(va), frames.alloc('user')!, PTE_U | PTE_W);
    expect(used()).toBe(base + 1 + 4 + 3); // directory, four pages, three page tables
    destroyAddressSpace(hw, frames, pd);
    expect(used()).toBe(base);
  });

  it('leaves the kernel half and its page tables alone', () => {
    const pd = createAddressSpace(hw, frames, kernelPd)!;
    const before = Array.from({ length: 1024 - KERNEL_PDE }, (_, i) => hw.readPhys32(phys(kernelPd + 4 * (KERNEL_PDE + i))));
    destroyAddressSpace(hw, frames, pd);
    expect(Array.from({ length: 1024 - KERNEL_PDE }, (_, i) => hw.readPhys32(phys(kernelPd + 4 * (KERNEL_PDE + i))))).toEqual(before);
  });
});

describe('swapped-out pages', () => {
  /** A swap space that only counts references, as fork and teardown use it. */
  const fakeSwap = () => {
    const refs = new Map<number, number>();
    return {
      refs,
      swap: { ref: (slot: number): boolean => { refs.set(slot, (refs.get(slot) ?? 1) + 1); return true; }, free: (slot: number): void => { refs.set(slot, (refs.get(slot) ?? 1) - 1); } },
      noteMapped: (): void => {},
    };
  };
  /** Teardown's view of swap: slots freed, and the kept slot of each read-back frame (by frame). */
  const fakeRelease = (kept: Map<number, number>) => {
    const s = fakeSwap();
    return {
      refs: s.refs,
      release: {
        freeSlot: s.swap.free,
        releaseKept: (frame: number, pte: number): void => { if ((pte & PTE_KEPT) !== 0 && kept.has(frame)) s.swap.free(kept.get(frame)!); },
      },
    };
  };

  it('fork shares a swapped page\'s slot (one more count) and gives the child the same swap entry', () => {
    const parent = createAddressSpace(hw, frames, kernelPd)!;
    mapPage(hw, frames, parent, virt(0x08048000), frames.alloc('user')!, PTE_U);
    setSwapEntry(hw, frames, parent, virt(0x0804c000), swapEntry(17));
    const child = createAddressSpace(hw, frames, kernelPd)!;
    const s = fakeSwap();
    expect(copyAddressSpace(hw, frames, parent, child, s)).toBe(true);
    expect(walk(hw, child, virt(0x0804c000)).pte).toBe(swapEntry(17));
    expect(s.refs.get(17)).toBe(2);
    expect(swappedPages(hw, child)).toEqual([{ va: 0x0804c000, slot: 17 }]);
    // Without swap to share it with, the copy fails (the caller ends the child: ENOMEM).
    const orphan = createAddressSpace(hw, frames, kernelPd)!;
    expect(copyAddressSpace(hw, frames, parent, orphan)).toBe(false);
  });

  it('teardown frees the slots of swapped pages, the slots read-back pages kept, and the frames of present ones', () => {
    const pd = createAddressSpace(hw, frames, kernelPd)!;
    const before = used();
    mapPage(hw, frames, pd, virt(0x08048000), frames.alloc('user')!, PTE_U);
    const readBack = frames.alloc('user')!;
    mapPage(hw, frames, pd, virt(0x0804a000), readBack, PTE_U | PTE_KEPT);
    setSwapEntry(hw, frames, pd, virt(0x08049000), swapEntry(5));
    setSwapEntry(hw, frames, pd, virt(0xbffff000), swapEntry(6));
    const s = fakeRelease(new Map([[readBack, 9]]));
    destroyAddressSpace(hw, frames, pd, s.release);
    expect(s.refs.get(5)).toBe(0);
    expect(s.refs.get(6)).toBe(0);
    expect(s.refs.get(9)).toBe(0);
    expect(used()).toBe(before - 1); // the directory too
  });

  it('fork\'s copy of a page read back from swap is marked PTE_UNBACKED, and the slot stays the parent\'s', () => {
    const parent = createAddressSpace(hw, frames, kernelPd)!;
    mapPage(hw, frames, parent, virt(0x0804a000), frames.alloc('user')!, PTE_U | PTE_W | PTE_KEPT);
    const child = createAddressSpace(hw, frames, kernelPd)!;
    const s = fakeSwap();
    expect(copyAddressSpace(hw, frames, parent, child, s)).toBe(true);
    expect(walk(hw, child, virt(0x0804a000)).pte! & 0xfff).toBe(PTE_P | PTE_U | PTE_W | PTE_UNBACKED);
    expect(s.refs.size).toBe(0);
  });
});
