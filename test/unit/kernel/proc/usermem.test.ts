// The kernel's access to a process's memory (kernel/proc/usermem.ts) over page tables built with
// kernel/mm/pagetable.ts mapPage in a fake HostPort: translation with ring-3 rights, the two kinds
// of refusal (a page to bring in, an address the process may not touch), the A and D bits the MMU
// would set, ranges over page boundaries, and strings.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { Hw, phys, virt, type PhysAddr } from '../../../../kernel/hw.ts';
import { KERNBASE } from '../../../../kernel/layout.ts';
import { createFrameAllocator, type FrameAllocator } from '../../../../kernel/mm/frames.ts';
import { mapPage, PTE_A, PTE_D, PTE_U, PTE_W, walk } from '../../../../kernel/mm/pagetable.ts';
import { Process } from '../../../../kernel/proc/process.ts';
import { BadAddress, PageNeeded, UserMemory } from '../../../../kernel/proc/usermem.ts';
import { FakeHostPort } from '../fake-hostport.ts';

const RAM = 4 << 20;
const TEXT = 0x08048000, DATA = 0x0804a000, HEAP = 0x10000000, STACK_TOP = KERNBASE, STACK_PAGE = 0xbffff000;

let port: FakeHostPort;
let hw: Hw;
let frames: FrameAllocator;
let p: Process;
let um: UserMemory;
/** The frame mapped at each user page, by virtual page address. */
let frameOf: Map<number, PhysAddr>;

function map(va: number, flags: number): PhysAddr {
  const f = frames.alloc('user');
  if (f === null) throw new Error('test RAM exhausted');
  hw.zeroPage(f);
  if (!mapPage(hw, frames, p.pd, virt(va), f, flags)) throw new Error('no frame for a page table');
  frameOf.set(va, f);
  return f;
}
const pte = (va: number): number => walk(hw, p.pd, virt(va)).pte ?? 0;
const physOf = (va: number): number => frameOf.get((va & ~0xfff) >>> 0)! + (va & 0xfff);

/** Expects `fn` to throw a `kind` for address `va`; returns what it threw. */
function expectThrow<K extends typeof PageNeeded | typeof BadAddress>(fn: () => unknown, kind: K, va?: number): InstanceType<K> {
  let caught: unknown = null;
  try { fn(); } catch (e) { caught = e; }
  expect(caught).toBeInstanceOf(kind);
  if (va !== undefined) expect((caught as PageNeeded | BadAddress).va >>> 0).toBe(va);
  return caught as InstanceType<K>;
}

beforeEach(() => {
  port = new FakeHostPort(RAM);
  hw = new Hw(port);
  frames = createFrameAllocator('bitmap', hw, {
    metaBase: phys(0x100000), usable: [{ base: 0, length: RAM }], reserved: [{ base: 0, length: 0x100000 }],
  }).allocator;
  frameOf = new Map();
  p = new Process(1, 'test', ['test'], null);
  p.pd = frames.alloc('pagedir')!;
  hw.zeroPage(p.pd);
  p.regions = [
    { kind: 'text', start: TEXT, end: TEXT + 0x2000, writable: false },
    { kind: 'data', start: DATA, end: DATA + 0x3000, writable: true },
    { kind: 'heap', start: HEAP, end: HEAP + 0x4000, writable: true },
    { kind: 'stack', start: STACK_TOP - 0x100000, end: STACK_TOP, writable: true },
  ];
  map(TEXT, PTE_U); // read-only; TEXT + 0x1000 not present yet
  map(DATA, PTE_U | PTE_W);
  frames.alloc('user'); // so that the two data pages' frames are not adjacent
  map(DATA + 0x1000, PTE_U | PTE_W); // DATA + 0x2000 not present yet
  map(STACK_PAGE, PTE_U | PTE_W);
  um = new UserMemory(hw, p);
});

describe('UserMemory.translate', () => {
  it('gives the physical address of a mapped user page, offset included', () => {
    expect(um.translate(DATA + 0x123, false)).toBe(frameOf.get(DATA)! + 0x123);
    expect(um.translate(TEXT + 0xffc, false)).toBe(frameOf.get(TEXT)! + 0xffc);
  });

  it('asks for a page that a region allows but is not present yet (page table there)', () => {
    expect(expectThrow(() => um.translate(TEXT + 0x1010, false), PageNeeded, TEXT + 0x1010).write).toBe(false);
    expect(expectThrow(() => um.translate(DATA + 0x2004, true), PageNeeded, DATA + 0x2004).write).toBe(true);
  });

  it('asks for a page that a region allows whose page table does not exist yet', () => {
    const va = HEAP + 0x1000; // PDE 64: no page table yet
    expect(walk(hw, p.pd, virt(va)).pte).toBeNull();
    expectThrow(() => um.translate(va + 8, true), PageNeeded, va + 8);
  });

  it('refuses an address outside every region', () => {
    expectThrow(() => um.translate(0, false), BadAddress, 0);
    expectThrow(() => um.translate(0x1000, false), BadAddress, 0x1000);
    expectThrow(() => um.translate(DATA + 0x3000, false), BadAddress, DATA + 0x3000);
    expectThrow(() => um.translate(0x40000000, true), BadAddress);
  });

  it('refuses a write to a present read-only page', () => {
    expectThrow(() => um.translate(TEXT + 4, true), BadAddress, TEXT + 4);
  });

  it('refuses a write to a not-present page of a read-only region instead of bringing it in', () => {
    expectThrow(() => um.translate(TEXT + 0x1004, true), BadAddress, TEXT + 0x1004);
  });

  it('refuses kernel addresses, even mapped ones', () => {
    const f = frames.alloc('kernel')!;
    expect(mapPage(hw, frames, p.pd, virt(KERNBASE + 0x1000), f, PTE_W)).toBe(true);
    expectThrow(() => um.translate(KERNBASE, false), BadAddress, KERNBASE);
    expectThrow(() => um.translate(KERNBASE + 0x1000, false), BadAddress);
    expectThrow(() => um.translate(0xffffffff, false), BadAddress);
  });

  it('refuses a supervisor page below KERNBASE that no region holds (U/S clear in the PTE)', () => {
    const f = frames.alloc('user')!;
    mapPage(hw, frames, p.pd, virt(HEAP + 0x10000), f, PTE_W);
    expectThrow(() => um.translate(HEAP + 0x10000, false), BadAddress);
  });

  it('gives back a page of a region that exact LRU hid (U/S clear): a soft fault, said to the caller', () => {
    const f = frames.alloc('user')!;
    mapPage(hw, frames, p.pd, virt(DATA + 0x2000), f, PTE_W);
    const revealed: number[] = [];
    const m = new UserMemory(hw, p, (page) => revealed.push(page));
    expect(m.translate(DATA + 0x2004, true)).toBe(f + 4);
    expect(revealed).toEqual([DATA + 0x2000]);
    expect(walk(hw, p.pd, virt(DATA + 0x2000)).pte! & PTE_U).toBe(PTE_U);
    m.translate(DATA + 0x2008, false);
    expect(revealed).toHaveLength(1); // reachable now: no second soft fault
  });

  it('combines both levels: U/S or R/W clear in the PDE refuses the access', () => {
    const pdeAddr = walk(hw, p.pd, virt(DATA)).pdeAddr;
    const pde = hw.readPhys32(pdeAddr);
    hw.writePhys32(pdeAddr, pde & ~PTE_W);
    expect(um.translate(DATA, false)).toBe(frameOf.get(DATA));
    expectThrow(() => um.translate(DATA, true), BadAddress);
    hw.writePhys32(pdeAddr, pde & ~PTE_U);
    expectThrow(() => um.translate(DATA, false), BadAddress);
  });

  it('sets A on a read and A and D on a write, as the MMU would', () => {
    expect(pte(DATA) & (PTE_A | PTE_D)).toBe(0);
    um.translate(DATA + 8, false);
    expect(pte(DATA) & (PTE_A | PTE_D)).toBe(PTE_A);
    um.translate(DATA + 8, true);
    expect(pte(DATA) & (PTE_A | PTE_D)).toBe(PTE_A | PTE_D);
    expect(pte(DATA + 0x1000) & (PTE_A | PTE_D)).toBe(0);
  });

  it('leaves A and D clear when it refuses the access', () => {
    expectThrow(() => um.translate(TEXT, true), BadAddress);
    expect(pte(TEXT) & PTE_D).toBe(0);
  });
});

describe('UserMemory.read / write', () => {
  it('writes and reads back bytes within a page, in the page\'s frame', () => {
    um.write(DATA + 0x10, Uint8Array.of(1, 2, 3, 4));
    expect([...port.mem.subarray(physOf(DATA + 0x10), physOf(DATA + 0x10) + 4)]).toEqual([1, 2, 3, 4]);
    expect([...um.read(DATA + 0x10, 4)]).toEqual([1, 2, 3, 4]);
  });

  it('splits a range that crosses two pages between their (non-adjacent) frames', () => {
    expect(frameOf.get(DATA + 0x1000)).not.toBe(frameOf.get(DATA)! + 0x1000);
    const bytes = Uint8Array.from({ length: 12 }, (_, i) => 0x40 + i);
    um.write(DATA + 0xffa, bytes);
    expect([...port.mem.subarray(physOf(DATA + 0xffa), physOf(DATA + 0xffa) + 6)]).toEqual([...bytes.subarray(0, 6)]);
    expect([...port.mem.subarray(physOf(DATA + 0x1000), physOf(DATA + 0x1000) + 6)]).toEqual([...bytes.subarray(6)]);
    expect([...um.read(DATA + 0xffa, 12)]).toEqual([...bytes]);
    expect(pte(DATA) & PTE_D).toBe(PTE_D);
    expect(pte(DATA + 0x1000) & PTE_D).toBe(PTE_D);
  });

  it('checks the whole range before writing anything: a missing second page leaves the first untouched', () => {
    const before = port.mem.slice(physOf(DATA + 0x1ff0), physOf(DATA + 0x1ff0) + 16);
    expectThrow(() => um.write(DATA + 0x1ff0, new Uint8Array(32).fill(0xee)), PageNeeded, DATA + 0x2000);
    expect(port.mem.slice(physOf(DATA + 0x1ff0), physOf(DATA + 0x1ff0) + 16)).toEqual(before);
  });

  it('refuses a range that runs from user space into the kernel', () => {
    expectThrow(() => um.read(STACK_TOP - 4, 8), BadAddress);
    expectThrow(() => um.write(STACK_TOP - 2, new Uint8Array(4)), BadAddress);
  });

  it('reads and writes a word at a high stack address such as 0xBFFFFF8C', () => {
    const spy = vi.spyOn(um, 'translate');
    um.writeU32(0xbfffff8c, 0xdeadbeef);
    expect(port.view.getUint32(physOf(0xbfffff8c), true)).toBe(0xdeadbeef);
    expect(um.readU32(0xbfffff8c)).toBe(0xdeadbeef);
    // One page each time: the page loop must start at the page, not at a negative number far below it.
    expect(spy.mock.calls.length).toBeGreaterThanOrEqual(2);
    expect(spy.mock.calls.length).toBeLessThanOrEqual(4);
  });

  it('reads the last bytes below KERNBASE', () => {
    um.write(STACK_TOP - 4, Uint8Array.of(9, 8, 7, 6));
    expect([...um.read(STACK_TOP - 4, 4)]).toEqual([9, 8, 7, 6]);
  });

  it('asks for the stack page below when a range crosses into it', () => {
    expectThrow(() => um.read(STACK_PAGE - 8, 16), PageNeeded, STACK_PAGE - 8);
  });

  it('does nothing for an empty range', () => {
    expect(um.read(0, 0).length).toBe(0);
    um.write(0, new Uint8Array(0));
  });
});

describe('UserMemory.readString', () => {
  const put = (va: number, s: string): void => um.write(va, new TextEncoder().encode(s));

  it('stops at the NUL', () => {
    put(DATA + 0x100, 'hello\0world\0');
    expect(um.readString(DATA + 0x100, 64)).toBe('hello');
  });

  it('reads an empty string', () => {
    expect(um.readString(DATA + 0x200, 64)).toBe('');
  });

  it('reads a string across a page boundary', () => {
    put(DATA + 0xffd, '/bin/sh\0');
    expect(um.readString(DATA + 0xffd, 64)).toBe('/bin/sh');
  });

  it('returns null when no NUL comes within max bytes, and takes a string whose NUL is the max-th byte', () => {
    put(DATA + 0x300, 'abcd\0');
    expect(um.readString(DATA + 0x300, 5)).toBe('abcd');
    expect(um.readString(DATA + 0x300, 4)).toBeNull();
    put(DATA + 0x400, 'x'.repeat(300));
    expect(um.readString(DATA + 0x400, 256)).toBeNull();
  });

  it('asks for the next page when a string runs into a page not present yet', () => {
    put(DATA + 0x1ffe, 'ab');
    expectThrow(() => um.readString(DATA + 0x1ffe, 64), PageNeeded, DATA + 0x2000);
  });

  it('refuses a string that runs into the kernel', () => {
    put(STACK_TOP - 2, 'ab');
    expectThrow(() => um.readString(STACK_TOP - 2, 64), BadAddress, KERNBASE);
  });
});
