// Page tables in guest RAM (kernel/mm/pagetable.ts) against a fake HostPort: map/walk/unmap/protect,
// page-table allocation, the TLB flushes the i386 PRM requires (and no others), the user-page scan,
// and the fault report's words.
import { beforeEach, describe, expect, it } from 'vitest';
import { FakeHostPort } from '../fake-hostport.ts';
import { COST } from '../../../../kernel/cost.ts';
import { Hw, phys, virt, type PhysAddr } from '../../../../kernel/hw.ts';
import { KernelPanic } from '../../../../kernel/panic.ts';
import type { FrameAllocator, FrameOwner, FrameStats } from '../../../../kernel/mm/frames.ts';
import {
  PTE_A, PTE_D, PTE_FRAME, PTE_P, PTE_U, PTE_W,
  ENTRIES, KERNEL_PDE, PTE_SWAP,
  describeFlags, describeWalk, effectiveFlags, forEachUserEntry, forEachUserPage,
  freeUserPageTables, mapPage, pdIndex, protectPage, ptIndex, unmapPage, walk,
} from '../../../../kernel/mm/pagetable.ts';
import { PF_P, PF_U, PF_W, describeFaultCode, decodeFaultCode } from '../../../../kernel/mm/fault.ts';

/** Hands out the frames of [base, base + pages*4K) lowest first; remembers owners; throws on misuse. */
class FakeFrames implements FrameAllocator {
  readonly kind = 'bitmap' as const;
  readonly owners = new Map<number, FrameOwner>();
  private readonly base: number;
  private readonly pages: number;
  constructor(base: number, pages: number) {
    this.base = base;
    this.pages = pages;
  }
  alloc(owner: FrameOwner): PhysAddr | null {
    for (let i = 0; i < this.pages; i++) {
      const f = this.base + i * 4096;
      if (!this.owners.has(f)) {
        this.owners.set(f, owner);
        return phys(f);
      }
    }
    return null;
  }
  allocContiguous(): PhysAddr | null { throw new Error('not used by page tables'); }
  free(frame: PhysAddr): void {
    if (!this.owners.delete(frame)) throw new Error(`fake frames: free of unallocated 0x${frame.toString(16)}`);
  }
  freeContiguous(): void { throw new Error('not used by page tables'); }
  ownerOf(frame: PhysAddr): FrameOwner | null {
    if (frame < this.base || frame >= this.base + this.pages * 4096) return null;
    return this.owners.get(frame) ?? 'free';
  }
  setOwner(frame: PhysAddr, owner: FrameOwner): void { this.owners.set(frame, owner); }
  stats(): FrameStats {
    const byOwner = { free: 0, kernel: 0, pagedir: 0, pagetable: 0, user: 0, kstack: 0, heap: 0, slab: 0, buffer: 0, rmap: 0, cache: 0, shm: 0 };
    for (const o of this.owners.values()) byOwner[o]++;
    byOwner.free = this.pages - this.owners.size;
    return { total: this.pages, free: byOwner.free, used: this.owners.size, byOwner };
  }
  freeLists(): null { return null; }
  get freeFrames(): number { return this.stats().free; }
  count(owner: FrameOwner): number { return this.stats().byOwner[owner]; }
}

const PD = phys(0x10000);
const OTHER_PD = phys(0x11000);
const POOL = 0x200000; // the fake allocator's frames: 0x200000-0x3FFFFF
const TEXT = virt(0x08048000);
const KVA = virt(0xc0400000);

let port: FakeHostPort;
let hw: Hw;
let frames: FakeFrames;

beforeEach(() => {
  port = new FakeHostPort(4 << 20);
  hw = new Hw(port);
  hw.family = 486;
  frames = new FakeFrames(POOL, 512);
});

/** Makes `pd` the live address space without recording a CR3 write. */
function goLive(pd: PhysAddr): void {
  port.cr3 = pd;
}

function mapUser(va: number, flags = PTE_W | PTE_U): PhysAddr {
  const f = frames.alloc('user')!;
  expect(mapPage(hw, frames, PD, virt(va), f, flags)).toBe(true);
  return f;
}

describe('walk and mapPage', () => {
  it('maps a user page: the walk finds the frame with the given flags plus P', () => {
    const frame = phys(0x3ff000);
    expect(mapPage(hw, frames, PD, TEXT, frame, PTE_U)).toBe(true);
    const w = walk(hw, PD, TEXT);
    expect(w.pdeAddr).toBe(PD + 4 * 0x20);
    expect(w.pde & 0xfff).toBe(PTE_P | PTE_W | PTE_U);
    expect(w.pteAddr).toBe((w.pde & PTE_FRAME) + 4 * 0x48);
    expect(w.pte).toBe(0x3ff000 | PTE_P | PTE_U);
    expect(effectiveFlags(w)).toBe(PTE_P | PTE_U);
  });

  it('splits a linear address into directory and table indices', () => {
    expect(pdIndex(virt(0xc0048123))).toBe(0x300);
    expect(ptIndex(virt(0xc0048123))).toBe(0x048);
    expect(pdIndex(virt(0xbffff000))).toBe(0x2ff);
    expect(ptIndex(virt(0xbffff000))).toBe(0x3ff);
  });

  it('stops the walk at a not-present PDE, charging one step', () => {
    const before = (hw.settleCycles(), port.cycles);
    const w = walk(hw, PD, TEXT);
    expect(w).toEqual({ va: TEXT, pdeAddr: PD + 0x80, pde: 0, pteAddr: null, pte: null });
    expect((hw.settleCycles(), port.cycles) - before).toBe(COST.walkStep);
  });

  it('allocates one page table for two pages in the same 4 MiB, and another for the next 4 MiB', () => {
    mapUser(0x08048000);
    mapUser(0x08049000);
    expect(frames.count('pagetable')).toBe(1);
    expect(walk(hw, PD, virt(0x08048000)).pde).toBe(walk(hw, PD, virt(0x08049000)).pde);
    mapUser(0x08400000);
    expect(frames.count('pagetable')).toBe(2);
  });

  it('zeroes the new page table and labels it pagetable', () => {
    port.mem.fill(0xa5, POOL, POOL + 4096); // the first frame the fake hands out holds garbage
    expect(mapPage(hw, frames, PD, TEXT, phys(0x3ff000), PTE_U)).toBe(true);
    const pt = walk(hw, PD, TEXT).pde & PTE_FRAME;
    expect(pt).toBe(POOL);
    expect(frames.ownerOf(phys(pt))).toBe('pagetable');
    for (let i = 0; i < 1024; i++) if (i !== 0x48) expect(port.view.getUint32(pt + 4 * i, true)).toBe(0);
  });

  it('charges a zeroed page, two entry writes and one walk step for a page that needs a new table', () => {
    const before = (hw.settleCycles(), port.cycles);
    mapPage(hw, frames, PD, TEXT, phys(0x3ff000), PTE_U);
    expect((hw.settleCycles(), port.cycles) - before).toBe(COST.walkStep + COST.zeroPage + 2 * COST.pteWrite);
    const again = (hw.settleCycles(), port.cycles);
    mapPage(hw, frames, PD, virt(TEXT + 0x1000), phys(0x3fe000), PTE_U);
    expect((hw.settleCycles(), port.cycles) - again).toBe(2 * COST.walkStep + COST.pteWrite);
  });

  it('gives a kernel page table a supervisor PDE (P|W) and a user one P|W|U', () => {
    expect(mapPage(hw, frames, PD, KVA, phys(0x3ff000), PTE_W)).toBe(true);
    expect(walk(hw, PD, KVA).pde & 0xfff).toBe(PTE_P | PTE_W);
    mapUser(0xbffff000);
    expect(walk(hw, PD, virt(0xbffff000)).pde & 0xfff).toBe(PTE_P | PTE_W | PTE_U);
  });

  it('panics on a remap of a present page and leaves the old mapping', () => {
    mapUser(0x08048000);
    const pte = walk(hw, PD, TEXT).pte;
    expect(() => mapPage(hw, frames, PD, TEXT, phys(0x3ff000), PTE_U)).toThrow(KernelPanic);
    expect(() => mapPage(hw, frames, PD, TEXT, phys(0x3ff000), PTE_U)).toThrow(/remap/);
    expect(walk(hw, PD, TEXT).pte).toBe(pte);
  });

  it('panics on an unaligned address and on a user page above KERNBASE', () => {
    expect(() => mapPage(hw, frames, PD, virt(0x08048004), phys(0x3ff000), PTE_U)).toThrow(KernelPanic);
    expect(() => mapPage(hw, frames, PD, TEXT, phys(0x3ff800), PTE_U)).toThrow(KernelPanic);
    expect(() => mapPage(hw, frames, PD, KVA, phys(0x3ff000), PTE_U)).toThrow(KernelPanic);
  });

  it('returns false and leaves the PDE empty when no frame is left for a page table', () => {
    const empty = new FakeFrames(POOL, 0);
    expect(mapPage(hw, empty, PD, TEXT, phys(0x3ff000), PTE_U)).toBe(false);
    expect(walk(hw, PD, TEXT).pde).toBe(0);
  });

  it('issues no TLB flush when mapping a fresh page in the live address space', () => {
    goLive(PD);
    mapUser(0x08048000); // new page table
    mapUser(0x08049000); // existing page table
    expect(port.invlpgs).toEqual([]);
    expect(port.cr3Writes).toEqual([]);
  });
});

describe('unmapPage', () => {
  it('clears the PTE, returns the frame, and issues exactly one INVLPG on a 486 when the pd is live', () => {
    const f = mapUser(0x08048000);
    goLive(PD);
    expect(unmapPage(hw, PD, TEXT)).toBe(f);
    expect(walk(hw, PD, TEXT).pte).toBe(0);
    expect(port.invlpgs).toEqual([0x08048000]);
    expect(port.cr3Writes).toEqual([]);
  });

  it('reloads CR3 exactly once on a 386, which has no INVLPG', () => {
    hw.family = 386;
    port.hasInvlpg = false;
    mapUser(0x08048000);
    goLive(PD);
    unmapPage(hw, PD, TEXT);
    expect(port.cr3Writes).toEqual([PD]);
    expect(port.invlpgs).toEqual([]);
  });

  it('issues no flush when the pd is not the live one', () => {
    const f = mapUser(0x08048000);
    goLive(OTHER_PD);
    expect(unmapPage(hw, PD, TEXT)).toBe(f);
    expect(port.invlpgs).toEqual([]);
    expect(port.cr3Writes).toEqual([]);
  });

  it('returns null without a flush for an address that was not mapped', () => {
    goLive(PD);
    expect(unmapPage(hw, PD, TEXT)).toBeNull(); // no page table
    mapUser(0x08048000);
    expect(unmapPage(hw, PD, virt(0x08049000))).toBeNull(); // page table, no page
    expect(port.invlpgs).toEqual([]);
  });

  it('keeps the page table, so the next map in that 4 MiB allocates none', () => {
    mapUser(0x08048000);
    unmapPage(hw, PD, TEXT);
    mapUser(0x08048000);
    expect(frames.count('pagetable')).toBe(1);
  });
});

describe('protectPage', () => {
  it('rewrites the flags, keeps the frame and A/D, and flushes the live page', () => {
    const f = mapUser(0x08048000, PTE_W | PTE_U);
    const pteAddr = walk(hw, PD, TEXT).pteAddr!;
    port.view.setUint32(pteAddr, f | PTE_P | PTE_W | PTE_U | PTE_A | PTE_D, true); // as the CPU would
    goLive(PD);
    expect(protectPage(hw, PD, TEXT, PTE_U)).toBe(true);
    expect(walk(hw, PD, TEXT).pte).toBe(f | PTE_P | PTE_U | PTE_A | PTE_D);
    expect(port.invlpgs).toEqual([0x08048000]);
  });

  it('clears A when told to keep nothing', () => {
    const f = mapUser(0x08048000, PTE_U);
    const pteAddr = walk(hw, PD, TEXT).pteAddr!;
    port.view.setUint32(pteAddr, f | PTE_P | PTE_U | PTE_A, true);
    expect(protectPage(hw, PD, TEXT, PTE_U, 0)).toBe(true);
    expect(walk(hw, PD, TEXT).pte).toBe(f | PTE_P | PTE_U);
  });

  it('flushes nothing when the entry does not change or the pd is not live', () => {
    mapUser(0x08048000, PTE_U);
    goLive(PD);
    expect(protectPage(hw, PD, TEXT, PTE_U)).toBe(true);
    goLive(OTHER_PD);
    expect(protectPage(hw, PD, TEXT, PTE_W | PTE_U)).toBe(true);
    expect(walk(hw, PD, TEXT).pte! & 0xfff).toBe(PTE_P | PTE_W | PTE_U);
    expect(port.invlpgs).toEqual([]);
  });

  it('returns false for an address that is not mapped', () => {
    expect(protectPage(hw, PD, TEXT, PTE_U)).toBe(false);
    mapUser(0x08048000);
    expect(protectPage(hw, PD, virt(0x08049000), PTE_U)).toBe(false);
  });
});

describe('forEachUserPage and freeUserPageTables', () => {
  const USER_VAS = [0xbffff000, 0x08049000, 0x00001000, 0x08048000, 0xbfffe000, 0x08400000];

  function mapMixed(): void {
    for (const va of USER_VAS) mapUser(va);
    expect(mapPage(hw, frames, PD, KVA, frames.alloc('kernel')!, PTE_W)).toBe(true);
    expect(mapPage(hw, frames, PD, virt(0xc0000000), frames.alloc('kernel')!, PTE_W)).toBe(true);
  }

  it('visits every present user page in address order and no kernel page', () => {
    mapMixed();
    unmapPage(hw, PD, virt(0x08049000));
    const seen: Array<[number, number, number]> = [];
    forEachUserPage(hw, PD, (va, pte, pteAddr) => seen.push([va, pte, pteAddr]));
    expect(seen.map(([va]) => va)).toEqual([0x00001000, 0x08048000, 0x08400000, 0xbfffe000, 0xbffff000]);
    for (const [va, pte, pteAddr] of seen) {
      const w = walk(hw, PD, virt(va));
      expect(pte).toBe(w.pte);
      expect(pteAddr).toBe(w.pteAddr);
    }
  });

  it('returns every user page table to the allocator and keeps the kernel ones', () => {
    mapMixed();
    expect(frames.count('pagetable')).toBe(6); // user PDEs 0x000, 0x020, 0x021, 0x2ff; kernel 0x300, 0x301
    forEachUserPage(hw, PD, (_va, pte) => frames.free(phys(pte & PTE_FRAME)));
    freeUserPageTables(hw, frames, PD);
    expect(frames.count('pagetable')).toBe(2);
    expect(frames.count('user')).toBe(0);
    for (const va of USER_VAS) expect(walk(hw, PD, virt(va)).pde).toBe(0);
    expect(walk(hw, PD, KVA).pte! & PTE_P).toBe(PTE_P);
  });

  it('reloads CR3 once after freeing the page tables of the live pd, and not for another pd', () => {
    mapMixed();
    goLive(OTHER_PD);
    freeUserPageTables(hw, frames, PD);
    expect(port.cr3Writes).toEqual([]);
    mapUser(0x08048000);
    goLive(PD);
    freeUserPageTables(hw, frames, PD);
    expect(port.cr3Writes).toEqual([PD]);
    expect(port.invlpgs).toEqual([]);
  });
});

describe('describeFlags and describeWalk', () => {
  it('shows P W U A D in fixed columns', () => {
    expect(describeFlags(0x00106007)).toBe('P W U - -');
    expect(describeFlags(PTE_P | PTE_A | PTE_D)).toBe('P - - A D');
    expect(describeFlags(0)).toBe('- - - - -');
  });

  it('describes a mapped address down to its physical address', () => {
    mapPage(hw, frames, PD, TEXT, phys(0x3ff000), PTE_U);
    expect(describeWalk(hw, PD, virt(0x08048123))).toEqual([
      'PDE[0x020] @0x00010080 = 0x00200007  P W U - -',
      'PTE[0x048] @0x00200120 = 0x003ff005  P - U - -',
      'VA 0x08048123 -> PA 0x003ff123',
    ]);
  });

  it('stops at a missing PDE', () => {
    expect(describeWalk(hw, PD, virt(0xc0048000))).toEqual(['PDE[0x300] @0x00010c00 = 0x00000000  not present']);
  });

  it('stops at a missing PTE', () => {
    mapPage(hw, frames, PD, virt(0xc0047000), phys(0x3ff000), PTE_W);
    expect(describeWalk(hw, PD, virt(0xc0048000))).toEqual([
      'PDE[0x300] @0x00010c00 = 0x00200003  P W - - -',
      'PTE[0x048] @0x00200120 = 0x00000000  not present',
    ]);
  });
});

describe('page-fault error codes', () => {
  it('decodes the P, W/R and U/S bits', () => {
    expect(decodeFaultCode(0)).toEqual({ present: false, write: false, user: false });
    expect(decodeFaultCode(PF_P | PF_W | PF_U)).toEqual({ present: true, write: true, user: true });
    expect(decodeFaultCode(PF_W)).toEqual({ present: false, write: true, user: false });
  });

  it('puts all eight error codes into words from the code alone', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((e) => describeFaultCode(e))).toEqual([
      'kernel read of not-present page',
      'kernel read protection violation',
      'kernel write to not-present page',
      'kernel write to read-only page',
      'user read of not-present page',
      'user read of supervisor page',
      'user write to not-present page',
      'user write protection violation',
    ]);
  });

  it('uses the walk to tell a user write to a read-only page from one to a supervisor page', () => {
    const code = PF_P | PF_W | PF_U;
    expect(describeFaultCode(code, PTE_P | PTE_U)).toBe('user write to read-only page');
    expect(describeFaultCode(code, PTE_P | PTE_W)).toBe('user write to supervisor page');
    expect(describeFaultCode(code, PTE_P)).toBe('user write to supervisor page');
    expect(describeFaultCode(PF_P | PF_U, PTE_P | PTE_W)).toBe('user read of supervisor page');
  });

  it('takes the effective rights as the AND of PDE and PTE', () => {
    // A user PTE under a supervisor PDE (a kernel page table) is still a supervisor page.
    mapPage(hw, frames, PD, KVA, phys(0x3ff000), PTE_W);
    const pteAddr = walk(hw, PD, KVA).pteAddr!;
    port.view.setUint32(pteAddr, 0x3ff000 | PTE_P | PTE_W | PTE_U, true);
    const eff = effectiveFlags(walk(hw, PD, KVA));
    expect(eff).toBe(PTE_P | PTE_W);
    expect(describeFaultCode(PF_P | PF_W | PF_U, eff)).toBe('user write to supervisor page');
    // A writable PTE under a read-only PDE is read-only.
    mapPage(hw, frames, PD, TEXT, phys(0x3fe000), PTE_W | PTE_U);
    const w = walk(hw, PD, TEXT);
    port.view.setUint32(w.pdeAddr, (w.pde & ~PTE_W) >>> 0, true);
    const eff2 = effectiveFlags(walk(hw, PD, TEXT));
    expect(eff2).toBe(PTE_P | PTE_U);
    expect(describeFaultCode(PF_P | PF_W | PF_U, eff2)).toBe('user write to read-only page');
  });

  it('falls back to the code alone when the walk finds nothing present', () => {
    expect(describeFaultCode(PF_P | PF_U, 0)).toBe('user read of supervisor page');
    expect(describeFaultCode(PF_P | PF_W | PF_U, 0)).toBe('user write protection violation');
  });
});

describe('the user-page scan reads whole tables but charges as a walk entry by entry', () => {
  /** Each entry's position in a walk of PDEs 0-767, reading all 1024 PTEs of each present table: how many entries are read up to and including it. */
  function entriesReadThrough(va: number, tables: readonly number[]): number {
    const di = pdIndex(va), ti = ptIndex(va);
    return di + 1 + tables.filter((t) => t < di).length * ENTRIES + ti + 1;
  }

  it('has charged every entry read so far at each call, and every entry read at the end', () => {
    const vas = [0x00001000, 0x08048000, 0x08049000, 0x08400000, 0xbffff000];
    for (const va of vas) mapUser(va);
    const tables = [0x000, 0x020, 0x021, 0x2ff];
    expect(mapPage(hw, frames, PD, KVA, frames.alloc('kernel')!, PTE_W)).toBe(true);
    hw.settleCycles();
    const start = port.cycles;
    const charged: number[] = [];
    forEachUserPage(hw, PD, () => { hw.settleCycles(); charged.push(port.cycles - start); });
    hw.settleCycles();
    expect(charged).toEqual(vas.map((va) => COST.walkStep * entriesReadThrough(va, tables)));
    expect(port.cycles - start).toBe(COST.walkStep * (KERNEL_PDE + tables.length * ENTRIES));
  });

  it('gives swapped-out entries to forEachUserEntry only, each with the value and address a walk finds', () => {
    mapUser(0x08048000);
    const f = mapUser(0x08049000);
    unmapPage(hw, PD, virt(0x08049000));
    frames.free(f);
    const swapped = (7 << 12) | PTE_SWAP;
    hw.writePhys32(walk(hw, PD, virt(0x08049000)).pteAddr!, swapped);
    const all: Array<[number, number, number]> = [];
    forEachUserEntry(hw, PD, (va, pte, pteAddr) => all.push([va, pte, pteAddr]));
    expect(all.map(([va, pte]) => [va, pte])).toEqual([[0x08048000, walk(hw, PD, TEXT).pte], [0x08049000, swapped]]);
    for (const [va, , pteAddr] of all) expect(pteAddr).toBe(walk(hw, PD, virt(va)).pteAddr);
    const present: number[] = [];
    forEachUserPage(hw, PD, (va) => present.push(va));
    expect(present).toEqual([0x08048000]);
  });

  it('lets the callback clear the entry it is given, and scan again inside it', () => {
    for (const va of [0x08048000, 0x08049000, 0x0804a000]) mapUser(va);
    const inner: number[][] = [];
    forEachUserPage(hw, PD, (va, _pte, pteAddr) => {
      const seen: number[] = [];
      forEachUserPage(hw, PD, (v) => seen.push(v));
      inner.push(seen);
      if (va === 0x08049000) hw.writePhys32(pteAddr, 0);
    });
    expect(inner).toEqual([[0x08048000, 0x08049000, 0x0804a000], [0x08048000, 0x08049000, 0x0804a000], [0x08048000, 0x0804a000]]);
    const after: number[] = [];
    forEachUserPage(hw, PD, (va) => after.push(va));
    expect(after).toEqual([0x08048000, 0x0804a000]);
  });
});
