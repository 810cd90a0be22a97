// Address spaces over a FakeHostPort: the kernel half shared, fork's eager and copy-on-write
// copies, teardown that returns every frame (a shared one with its last mapping).

import { beforeEach, describe, expect, it } from 'vitest';
import { Hw, phys, virt, type PhysAddr } from '../../../../kernel/hw.ts';
import { createFrameAllocator, type FrameAllocator } from '../../../../kernel/mm/frames.ts';
import { KERNEL_PDE, mapPage, PTE_A, PTE_D, PTE_KEPT, PTE_LOCKED, PTE_P, PTE_U, PTE_UNBACKED, PTE_W, setSwapEntry, swapEntry, walk } from '../../../../kernel/mm/pagetable.ts';
import { copyAddressSpace, createAddressSpace, destroyAddressSpace, recordMapping, residentPages, swappedPages, userPages, type UserMaps } from '../../../../kernel/mm/vmm.ts';
import { ReverseMap } from '../../../../kernel/mm/rmap.ts';
import { FakeHostPort } from '../fake-hostport.ts';

const RAM = 8 * 1024 * 1024;
let port: FakeHostPort;
let hw: Hw;
let frames: FrameAllocator;
let kernelPd: PhysAddr;
let rmap: ReverseMap;
/** The address-space operations' view, without swap unless a test gives it one. */
let x: UserMaps;

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
  rmap = ReverseMap.create(hw, frames, RAM / 4096)!;
  x = { hw, frames, rmap, reclaim: null };
});

/** A user page mapped as the pager maps one: the PTE, and the reverse map's record. */
function mapUser(pd: PhysAddr, va: number, frame: PhysAddr, flags: number): void {
  expect(mapPage(hw, frames, pd, virt(va), frame, flags)).toBe(true);
  recordMapping(x, frame, pd, virt(va));
}

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
    mapUser(parent, 0x08048000, f1, PTE_U | PTE_A);
    mapUser(parent, 0xbffff000, f2, PTE_U | PTE_W | PTE_A | PTE_D);
    const child = createAddressSpace(hw, frames, kernelPd)!;
    expect(copyAddressSpace(x, parent, child, 'eager')).toEqual({ shared: 0, copied: 2 });
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
    for (let k = 0; k < 3; k++) mapUser(parent, 0x10000000 + k * 4096, frames.alloc('user')!, PTE_U | PTE_W);
    const child = createAddressSpace(hw, frames, kernelPd)!;
    const before = (hw.settleCycles(), port.cycles);
    copyAddressSpace(x, parent, child, 'eager');
    expect((hw.settleCycles(), port.cycles) - before).toBeGreaterThanOrEqual(3 * (8 + 4 * 1024));
  });
});

describe('destroyAddressSpace', () => {
  it('returns every user frame, every page table and the directory', () => {
    const base = used();
    const pd = createAddressSpace(hw, frames, kernelPd)!;
    for (const va of [0x08048000, 0x08049000, 0x20000000, 0xbffff000]) mapUser(pd, va, frames.alloc('user')!, PTE_U | PTE_W);
    expect(used()).toBe(base + 1 + 4 + 3); // directory, four pages, three page tables
    destroyAddressSpace(x, pd);
    expect(used()).toBe(base);
  });

  it('leaves the kernel half and its page tables alone', () => {
    const pd = createAddressSpace(hw, frames, kernelPd)!;
    const before = Array.from({ length: 1024 - KERNEL_PDE }, (_, i) => hw.readPhys32(phys(kernelPd + 4 * (KERNEL_PDE + i))));
    destroyAddressSpace(x, pd);
    expect(Array.from({ length: 1024 - KERNEL_PDE }, (_, i) => hw.readPhys32(phys(kernelPd + 4 * (KERNEL_PDE + i))))).toEqual(before);
  });
});

describe('swapped-out pages', () => {
  /** Swap as fork and teardown use it: slot counts, and the slot each read-back frame kept (by frame). */
  const fakeReclaim = (kept = new Map<number, number>()) => {
    const refs = new Map<number, number>();
    const free = (slot: number): void => { refs.set(slot, (refs.get(slot) ?? 1) - 1); };
    return {
      refs,
      reclaim: {
        swap: { ref: (slot: number): boolean => { refs.set(slot, (refs.get(slot) ?? 1) + 1); return true; } },
        freeSlot: free,
        releaseKept: (frame: PhysAddr): void => { if (kept.has(frame)) free(kept.get(frame)!); },
        noteMapped: (): void => {},
      } as unknown as UserMaps['reclaim'],
    };
  };

  it('fork shares a swapped page\'s slot (one more count) and gives the child the same swap entry', () => {
    const parent = createAddressSpace(hw, frames, kernelPd)!;
    mapUser(parent, 0x08048000, frames.alloc('user')!, PTE_U);
    setSwapEntry(hw, frames, parent, virt(0x0804c000), swapEntry(17));
    const child = createAddressSpace(hw, frames, kernelPd)!;
    const s = fakeReclaim();
    expect(copyAddressSpace({ ...x, reclaim: s.reclaim }, parent, child, 'eager')).not.toBeNull();
    expect(walk(hw, child, virt(0x0804c000)).pte).toBe(swapEntry(17));
    expect(s.refs.get(17)).toBe(2);
    expect(swappedPages(hw, child)).toEqual([{ va: 0x0804c000, slot: 17 }]);
    // Without swap to share it with, the copy fails (the caller ends the child: ENOMEM).
    const orphan = createAddressSpace(hw, frames, kernelPd)!;
    expect(copyAddressSpace(x, parent, orphan, 'eager')).toBeNull();
  });

  it('teardown frees the slots of swapped pages, the slots read-back pages kept, and the frames of present ones', () => {
    const pd = createAddressSpace(hw, frames, kernelPd)!;
    const before = used();
    mapUser(pd, 0x08048000, frames.alloc('user')!, PTE_U);
    const readBack = frames.alloc('user')!;
    mapUser(pd, 0x0804a000, readBack, PTE_U | PTE_KEPT);
    setSwapEntry(hw, frames, pd, virt(0x08049000), swapEntry(5));
    setSwapEntry(hw, frames, pd, virt(0xbffff000), swapEntry(6));
    const s = fakeReclaim(new Map([[readBack, 9]]));
    destroyAddressSpace({ ...x, reclaim: s.reclaim }, pd);
    expect(s.refs.get(5)).toBe(0);
    expect(s.refs.get(6)).toBe(0);
    expect(s.refs.get(9)).toBe(0);
    expect(used()).toBe(before - 1); // the directory too
    expect(rmap.mapped).toBe(0);
  });

  it('fork\'s eager copy of a page read back from swap is marked PTE_UNBACKED, and the slot stays the parent\'s', () => {
    const parent = createAddressSpace(hw, frames, kernelPd)!;
    mapUser(parent, 0x0804a000, frames.alloc('user')!, PTE_U | PTE_W | PTE_KEPT);
    const child = createAddressSpace(hw, frames, kernelPd)!;
    const s = fakeReclaim();
    expect(copyAddressSpace({ ...x, reclaim: s.reclaim }, parent, child, 'eager')).not.toBeNull();
    expect(walk(hw, child, virt(0x0804a000)).pte! & 0xfff).toBe(PTE_P | PTE_U | PTE_W | PTE_UNBACKED);
    expect(s.refs.size).toBe(0);
  });
});

describe('copyAddressSpace (fork, copy-on-write)', () => {
  it('shares every frame read-only in both, keeps D, and counts two mappings per frame', () => {
    const parent = createAddressSpace(hw, frames, kernelPd)!;
    const text = frames.alloc('user')!, data = frames.alloc('user')!;
    mapUser(parent, 0x08048000, text, PTE_U | PTE_A);
    mapUser(parent, 0x0804a000, data, PTE_U | PTE_W | PTE_A | PTE_D);
    const before = used();
    const child = createAddressSpace(hw, frames, kernelPd)!;
    expect(copyAddressSpace(x, parent, child, 'cow')).toEqual({ shared: 2, copied: 0 });
    expect(used()).toBe(before + 1 + 1); // the directory and a page table: no page copied
    for (const pd of [parent, child]) {
      expect(walk(hw, pd, virt(0x08048000)).pte! & ~0xfff).toBe(text);
      expect(walk(hw, pd, virt(0x0804a000)).pte! & ~0xfff).toBe(data);
      expect(walk(hw, pd, virt(0x0804a000)).pte! & PTE_W).toBe(0);
      expect(walk(hw, pd, virt(0x0804a000)).pte! & PTE_D).toBe(PTE_D);
    }
    expect(rmap.count(data)).toBe(2);
    expect(rmap.mappings(data)).toEqual([{ pd: parent, va: 0x0804a000 }, { pd: child, va: 0x0804a000 }]);
    // Each teardown lets go of one mapping; the last frees the frames.
    destroyAddressSpace(x, parent);
    expect(rmap.count(data)).toBe(1);
    expect(frames.ownerOf(data)).toBe('user');
    expect(rmap.primary(data)).toEqual({ pd: child, va: 0x0804a000 });
    destroyAddressSpace(x, child);
    expect(frames.ownerOf(data)).toBe('free');
    expect(frames.ownerOf(text)).toBe('free');
    expect(rmap.mapped).toBe(0);
    expect(rmap.shared).toBe(0);
  });

  it('copies a page mlock() keeps instead of sharing it', () => {
    const parent = createAddressSpace(hw, frames, kernelPd)!;
    mapUser(parent, 0x0804a000, frames.alloc('user')!, PTE_U | PTE_W | PTE_LOCKED);
    const child = createAddressSpace(hw, frames, kernelPd)!;
    expect(copyAddressSpace(x, parent, child, 'cow')).toEqual({ shared: 0, copied: 1 });
    expect(walk(hw, parent, virt(0x0804a000)).pte! & PTE_W).toBe(PTE_W);
  });
});
