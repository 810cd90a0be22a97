// The frame allocators: one behavioural suite run over both kinds, then what only the buddy does
// (free lists by order, splitting, merging with the buddy) and what only the bitmap does (first fit).

import { describe, expect, it } from 'vitest';
import { Hw, PAGE_SIZE, phys, type PhysAddr } from '../../../../kernel/hw.ts';
import { KernelPanic } from '../../../../kernel/panic.ts';
import { createFrameAllocator, OWNERS, type FrameAllocator, type MemRange } from '../../../../kernel/mm/frames.ts';
import { FakeHostPort } from '../fake-hostport.ts';

const MiB = 0x100000;
const RAM = 8 * MiB;

// A PC-like map: conventional memory up to the EBDA, the VGA/ROM hole, then RAM from 1 MiB.
const PC_USABLE: MemRange[] = [{ base: 0, length: 0x9fc00 }, { base: MiB, length: RAM - MiB }];
// The low 1 MiB and the kernel's static area, plus a reserved stretch in the middle of RAM.
const PC_RESERVED: MemRange[] = [{ base: 0, length: MiB }, { base: MiB, length: 0x8000 }, { base: 0x300000, length: 0x3000 }];
const META_BASE = phys(MiB + 0x8000);
const RESERVED_MIDDLE = [0x300000, 0x301000, 0x302000];

function machine(kind: 'bitmap' | 'buddy', usable = PC_USABLE, reserved = PC_RESERVED, metaBase = META_BASE) {
  const port = new FakeHostPort(RAM);
  const hw = new Hw(port);
  const { allocator, metaEnd } = createFrameAllocator(kind, hw, { metaBase, usable, reserved });
  return { port, hw, frames: allocator, metaEnd };
}

/** Frames the PC map leaves to hand out: [metaEnd, 8 MiB) minus the reserved stretch. */
const expectedFree = (metaEnd: PhysAddr): number => (RAM - metaEnd) / PAGE_SIZE - RESERVED_MIDDLE.length;

function drain(frames: FrameAllocator): PhysAddr[] {
  const got: PhysAddr[] = [];
  for (let f = frames.alloc('user'); f !== null; f = frames.alloc('user')) got.push(f);
  return got;
}

const panics = (fn: () => void, message: RegExp): void => {
  expect(fn).toThrow(KernelPanic);
  expect(fn).toThrow(message);
};

describe.each(['bitmap', 'buddy'] as const)('%s frame allocator', (kind) => {
  it('reports its kind', () => {
    expect(machine(kind).frames.kind).toBe(kind);
  });

  it('places its metadata at metaBase and ends it on a page boundary', () => {
    const { frames, metaEnd } = machine(kind);
    expect(metaEnd % PAGE_SIZE).toBe(0);
    // 2048 owner bytes alone need one page; the policy's state takes it past that.
    expect(metaEnd).toBeGreaterThan(META_BASE);
    expect(frames.ownerOf(META_BASE)).toBe('kernel');
    expect(frames.ownerOf(phys(metaEnd - PAGE_SIZE))).toBe('kernel');
    expect(frames.ownerOf(metaEnd)).toBe('free');
  });

  it('hands out every usable frame once, then returns null', () => {
    const { frames, metaEnd } = machine(kind);
    const got = drain(frames);
    expect(got.length).toBe(expectedFree(metaEnd));
    expect(new Set(got).size).toBe(got.length);
    expect(frames.alloc('user')).toBeNull();
    expect(frames.stats()).toMatchObject({ total: got.length, free: 0, used: got.length });
  });

  it('never hands out reserved frames, metadata frames or frames outside usable RAM', () => {
    const { frames, metaEnd } = machine(kind);
    for (const f of drain(frames)) {
      expect(f % PAGE_SIZE).toBe(0);
      expect(f).toBeGreaterThanOrEqual(metaEnd);
      expect(f).toBeLessThan(RAM);
      expect(RESERVED_MIDDLE).not.toContain(f);
    }
  });

  it('never writes to reserved memory outside its metadata', () => {
    const port = new FakeHostPort(RAM);
    port.mem.fill(0xa5, 0, META_BASE);
    port.mem.fill(0xa5, 0x300000, 0x303000);
    const frames = createFrameAllocator(kind, new Hw(port), { metaBase: META_BASE, usable: PC_USABLE, reserved: PC_RESERVED }).allocator;
    const got = drain(frames);
    for (const f of got.slice(0, 100)) frames.free(f);
    expect(port.mem.subarray(0, META_BASE).every((b) => b === 0xa5)).toBe(true);
    expect(port.mem.subarray(0x300000, 0x303000).every((b) => b === 0xa5)).toBe(true);
  });

  it('hands a freed frame out again', () => {
    const { frames } = machine(kind);
    frames.alloc('user');
    const f = frames.alloc('user')!;
    frames.alloc('user');
    frames.free(f);
    expect(frames.alloc('heap')).toBe(f);
    expect(frames.ownerOf(f)).toBe('heap');
  });

  it('hands a frame freed after exhaustion out again', () => {
    const { frames } = machine(kind);
    const got = drain(frames);
    const f = got[got.length >> 1]!;
    frames.free(f);
    expect(frames.alloc('user')).toBe(f);
    expect(frames.alloc('user')).toBeNull();
  });

  it('panics on a double free', () => {
    const { frames } = machine(kind);
    const f = frames.alloc('user')!;
    frames.free(f);
    panics(() => frames.free(f), /not allocated/);
  });

  it('panics on freeing a frame it never handed out', () => {
    const { frames } = machine(kind);
    const f = frames.alloc('user')!;
    panics(() => frames.free(phys(f + PAGE_SIZE)), /not allocated/);
  });

  it('panics on freeing an unaligned address, a reserved frame or an address outside RAM', () => {
    const { frames, metaEnd } = machine(kind);
    const f = frames.alloc('user')!;
    panics(() => frames.free(phys(f + 4)), /not page aligned/);
    panics(() => frames.free(phys(0x300000)), /reserved/);
    panics(() => frames.free(META_BASE), /reserved/);
    panics(() => frames.free(phys(metaEnd - PAGE_SIZE)), /reserved/);
    panics(() => frames.free(phys(0xa0000)), /outside managed RAM/);
    panics(() => frames.free(phys(RAM)), /outside managed RAM/);
    panics(() => frames.free(phys(0xfffff000)), /outside managed RAM/);
    // None of those changed anything: the good frame still frees once.
    frames.free(f);
    expect(frames.stats().used).toBe(0);
  });

  it('panics when asked to allocate a frame to no owner or zero pages', () => {
    const { frames } = machine(kind);
    panics(() => frames.alloc('free'), /owner 'free'/);
    panics(() => frames.allocContiguous(0, 'user'), /0 pages/);
    panics(() => frames.allocContiguous(1.5, 'user'), /1.5 pages/);
  });

  it('reports owners: reserved frames are the kernel\'s, holes and addresses past RAM are nobody\'s', () => {
    const { frames, metaEnd } = machine(kind);
    expect(frames.ownerOf(phys(0))).toBe('kernel');
    expect(frames.ownerOf(phys(0x9e000))).toBe('kernel');
    expect(frames.ownerOf(phys(0x9f000))).toBeNull(); // the page the EBDA cuts into is not whole RAM
    expect(frames.ownerOf(phys(0xb8000))).toBeNull();
    expect(frames.ownerOf(phys(MiB))).toBe('kernel');
    expect(frames.ownerOf(phys(0x301000))).toBe('kernel');
    expect(frames.ownerOf(phys(RAM))).toBeNull();
    expect(frames.ownerOf(phys(0xfffff000))).toBeNull();
    expect(frames.ownerOf(metaEnd)).toBe('free');
    const f = frames.alloc('pagedir')!;
    expect(frames.ownerOf(f)).toBe('pagedir');
    expect(frames.ownerOf(phys(f + 0x123))).toBe('pagedir');
  });

  it('counts allocated frames per owner, and free ones under free', () => {
    const { frames, metaEnd } = machine(kind);
    const total = expectedFree(metaEnd);
    const users = [frames.alloc('user')!, frames.alloc('user')!, frames.alloc('user')!];
    const pt = frames.alloc('pagetable')!;
    frames.alloc('pagetable');
    frames.allocContiguous(4, 'kstack');
    frames.setOwner(users[0]!, 'buffer');
    frames.free(pt);
    const s = frames.stats();
    expect(s.total).toBe(total);
    expect(s.used).toBe(2 + 1 + 1 + 4);
    expect(s.free).toBe(total - s.used);
    expect(s.byOwner).toEqual({ free: s.free, kernel: 0, pagedir: 0, pagetable: 1, user: 2, kstack: 4, heap: 0, slab: 0, buffer: 1, rmap: 0, cache: 0, shm: 0 });
    expect(Object.keys(s.byOwner)).toEqual([...OWNERS]);
  });

  it('panics on re-labelling a free, reserved or unmanaged frame', () => {
    const { frames } = machine(kind);
    const f = frames.alloc('user')!;
    frames.free(f);
    panics(() => frames.setOwner(f, 'heap'), /not allocated/);
    panics(() => frames.setOwner(phys(0x300000), 'heap'), /reserved/);
    panics(() => frames.setOwner(phys(RAM), 'heap'), /outside managed RAM/);
    const g = frames.alloc('user')!;
    panics(() => frames.setOwner(g, 'free'), /owner 'free'/);
  });

  it('allocates a physically contiguous run labelled with its owner, and frees it cleanly', () => {
    const { frames } = machine(kind);
    frames.alloc('user');
    const before = frames.stats();
    const lists = frames.freeLists();
    const base = frames.allocContiguous(5, 'kstack')!;
    expect(base).not.toBeNull();
    for (let i = 0; i < 5; i++) expect(frames.ownerOf(phys(base + i * PAGE_SIZE))).toBe('kstack');
    expect(frames.stats().byOwner.kstack).toBe(5);
    expect(frames.stats().free).toBe(before.free - 5);
    frames.freeContiguous(base, 5);
    expect(frames.stats()).toEqual(before);
    expect(frames.freeLists()).toEqual(lists);
    // The same request gets the same run back.
    expect(frames.allocContiguous(5, 'kstack')).toBe(base);
  });

  it('never lets a contiguous run overlap frames already handed out', () => {
    const { frames } = machine(kind);
    const singles = new Set<number>();
    for (let i = 0; i < 37; i++) singles.add(frames.alloc('user')!);
    const runs = [frames.allocContiguous(3, 'heap')!, frames.allocContiguous(16, 'heap')!, frames.allocContiguous(2, 'heap')!];
    const sizes = [3, 16, 2];
    const seen = new Set(singles);
    runs.forEach((base, r) => {
      for (let i = 0; i < sizes[r]!; i++) {
        const f = base + i * PAGE_SIZE;
        expect(seen.has(f)).toBe(false);
        seen.add(f);
      }
    });
    expect(frames.stats().used).toBe(37 + 21);
  });

  it('returns null for a run longer than any free stretch, and changes nothing', () => {
    const { frames, metaEnd } = machine(kind);
    const before = frames.stats();
    expect(frames.allocContiguous(expectedFree(metaEnd) + 1, 'user')).toBeNull();
    expect(frames.allocContiguous(2048, 'user')).toBeNull();
    expect(frames.stats()).toEqual(before);
  });

  it('returns null for a run when free frames are only scattered ones', () => {
    const { frames } = machine(kind);
    const got = drain(frames).sort((a, b) => a - b);
    for (let i = 0; i < got.length; i += 2) frames.free(got[i]!);
    expect(frames.alloc('user')).not.toBeNull();
    expect(frames.allocContiguous(2, 'user')).toBeNull();
  });

  it('panics on freeContiguous of a run that was not all allocated, and changes nothing', () => {
    const { frames } = machine(kind);
    const base = frames.allocContiguous(4, 'heap')!;
    frames.free(phys(base + 2 * PAGE_SIZE));
    const before = frames.stats();
    panics(() => frames.freeContiguous(base, 4), /not allocated/);
    expect(frames.stats()).toEqual(before);
    frames.free(base);
    frames.free(phys(base + PAGE_SIZE));
    frames.free(phys(base + 3 * PAGE_SIZE));
    expect(frames.stats().used).toBe(0);
  });

  it('keeps all its state in guest RAM: putting the RAM back puts the allocator back', () => {
    const { frames, port } = machine(kind);
    const snapshot = port.mem.slice();
    const first = [frames.alloc('user'), frames.allocContiguous(3, 'heap'), frames.alloc('pagetable'), frames.allocContiguous(16, 'kstack')];
    const fresh = frames.stats();
    expect(fresh.used).toBe(21);
    port.mem.set(snapshot);
    expect(frames.stats().used).toBe(0);
    const again = [frames.alloc('user'), frames.allocContiguous(3, 'heap'), frames.alloc('pagetable'), frames.allocContiguous(16, 'kstack')];
    expect(again).toEqual(first);
    expect(frames.stats()).toEqual(fresh);
  });

  it('reads owners from the owner bytes in guest RAM', () => {
    const { frames, port } = machine(kind);
    const f = frames.alloc('user')!;
    const i = META_BASE + f / PAGE_SIZE; // the owner table starts at metaBase, one byte per frame
    expect(port.mem[i]).toBe(OWNERS.indexOf('user'));
    port.mem[i] = OWNERS.indexOf('heap');
    expect(frames.ownerOf(f)).toBe('heap');
    port.mem[i] = 0x33;
    panics(() => frames.ownerOf(f), /corrupt/);
  });

  it('charges emulated cycles for each operation', () => {
    const { frames, port, hw } = machine(kind);
    const c0 = (hw.settleCycles(), port.cycles);
    const f = frames.alloc('user')!;
    const c1 = (hw.settleCycles(), port.cycles);
    frames.free(f);
    const c2 = (hw.settleCycles(), port.cycles);
    expect(c1).toBeGreaterThan(c0);
    expect(c2).toBeGreaterThan(c1);
  });

  it('panics if metaBase is not page aligned or the metadata is not in usable RAM', () => {
    const hw = new Hw(new FakeHostPort(RAM));
    panics(() => createFrameAllocator(kind, hw, { metaBase: phys(MiB + 0x10), usable: PC_USABLE, reserved: [] }), /not page aligned/);
    panics(() => createFrameAllocator(kind, hw, { metaBase: phys(0xa0000), usable: PC_USABLE, reserved: [] }), /not all usable RAM/);
  });
});

describe('buddy allocator', () => {
  // One 4 MiB aligned stretch of free RAM, [4 MiB, 8 MiB): a single order-10 block. The metadata
  // sits in [1 MiB, 2 MiB), all of which is reserved, so nothing else is free.
  const usable = [{ base: MiB, length: MiB }, { base: 4 * MiB, length: 4 * MiB }];
  const reserved = [{ base: MiB, length: MiB }];
  const buddy = () => machine('buddy', usable, reserved, phys(MiB));
  const orders = (...counts: Array<[order: number, blocks: number]>): number[] => {
    const lists = new Array<number>(11).fill(0);
    for (const [k, n] of counts) lists[k] = n;
    return lists;
  };
  const B = 4 * MiB;

  it('starts with the free RAM as blocks of the largest orders that fit', () => {
    expect(buddy().frames.freeLists()).toEqual(orders([10, 1]));
    // The PC map: [metaEnd, 8 MiB) minus 3 frames at 3 MiB, cut into aligned blocks.
    const { frames, metaEnd } = machine('buddy');
    const lists = frames.freeLists()!;
    expect(lists.reduce((n, c, k) => n + c * 2 ** k, 0)).toBe(expectedFree(metaEnd));
    expect(lists[10]).toBe(1); // [4 MiB, 8 MiB)
  });

  it('splits an order-10 block down to order 0 for one frame, one free half per order', () => {
    const { frames } = buddy();
    expect(frames.alloc('user')).toBe(B);
    expect(frames.freeLists()).toEqual(orders([0, 1], [1, 1], [2, 1], [3, 1], [4, 1], [5, 1], [6, 1], [7, 1], [8, 1], [9, 1]));
    // The next frame is the free order-0 half, the buddy of the first.
    expect(frames.alloc('user')).toBe(B + PAGE_SIZE);
    expect(frames.freeLists()).toEqual(orders([1, 1], [2, 1], [3, 1], [4, 1], [5, 1], [6, 1], [7, 1], [8, 1], [9, 1]));
  });

  it('merges two freed buddies back into the block they were split from', () => {
    const { frames } = buddy();
    const a = frames.alloc('user')!;
    const b = frames.alloc('user')!;
    frames.free(a);
    // a's buddy b is in use: a waits on the order-0 list (order 1 still holds [B+8K, B+16K)).
    expect(frames.freeLists()).toEqual(orders([0, 1], [1, 1], [2, 1], [3, 1], [4, 1], [5, 1], [6, 1], [7, 1], [8, 1], [9, 1]));
    frames.free(b);
    expect(frames.freeLists()).toEqual(orders([10, 1]));
  });

  it('does not merge a block with a free neighbour that is not its buddy', () => {
    const { frames } = buddy();
    const f = [0, 1, 2, 3].map(() => frames.alloc('user')!);
    expect(f).toEqual([B, B + 0x1000, B + 0x2000, B + 0x3000]);
    frames.free(f[1]!);
    frames.free(f[2]!);
    // Frames 1 and 2 touch, but 1's buddy is 0 and 2's is 3: two order-0 blocks.
    expect(frames.freeLists()![0]).toBe(2);
    expect(frames.freeLists()![1]).toBe(0);
    frames.free(f[0]!);
    expect(frames.freeLists()![0]).toBe(1);
    expect(frames.freeLists()![1]).toBe(1);
    frames.free(f[3]!);
    expect(frames.freeLists()).toEqual(orders([10, 1]));
  });

  it('takes a run from the order it rounds up to and gives the pages past it back', () => {
    const { frames } = buddy();
    const base = frames.allocContiguous(3, 'kstack')!;
    expect(base).toBe(B);
    // An order-2 block was split off; its fourth page went back as an order-0 block.
    expect(frames.freeLists()).toEqual(orders([0, 1], [2, 1], [3, 1], [4, 1], [5, 1], [6, 1], [7, 1], [8, 1], [9, 1]));
    expect(frames.stats().used).toBe(3);
    expect(frames.ownerOf(phys(B + 3 * PAGE_SIZE))).toBe('free');
    expect(frames.alloc('user')).toBe(B + 3 * PAGE_SIZE);
    frames.free(phys(B + 3 * PAGE_SIZE));
    frames.freeContiguous(base, 3);
    expect(frames.freeLists()).toEqual(orders([10, 1]));
  });

  it('allocates a whole order-10 block and no more', () => {
    const { frames } = buddy();
    expect(frames.allocContiguous(1025, 'buffer')).toBeNull();
    expect(frames.allocContiguous(1024, 'buffer')).toBe(B);
    expect(frames.freeLists()).toEqual(orders());
    expect(frames.alloc('user')).toBeNull();
    frames.freeContiguous(phys(B), 1024);
    expect(frames.freeLists()).toEqual(orders([10, 1]));
  });

  it('keeps its free lists in guest RAM, threaded through the free blocks', () => {
    const { frames, port } = buddy();
    expect(frames.alloc('user')).toBe(B);
    // Each list now holds one block, the upper half split off: [6 MiB, 8 MiB) for order 9, B+4K for
    // order 0. A free block's first word is its next link, NIL at the end of the list.
    expect(port.view.getUint32(6 * MiB, true)).toBe(0xffffffff);
    expect(port.view.getUint32(B + PAGE_SIZE, true)).toBe(0xffffffff);
    // Make B+4K's next link claim a second order-0 block at B+20K. The allocator follows guest RAM:
    // taking B+4K makes B+20K the head, and taking that finds it is not marked as a free block.
    port.view.setUint32(B + PAGE_SIZE, B + 0x5000, true);
    expect(frames.alloc('user')).toBe(B + PAGE_SIZE);
    panics(() => frames.alloc('user'), /free list 0 corrupt/);
  });
});

describe('bitmap allocator', () => {
  it('has no free lists', () => {
    expect(machine('bitmap').frames.freeLists()).toBeNull();
  });

  it('is first fit: hands out the lowest free frame', () => {
    const { frames } = machine('bitmap');
    const got = [0, 1, 2, 3, 4, 5].map(() => frames.alloc('user')!);
    for (let i = 1; i < got.length; i++) expect(got[i]).toBe(got[0]! + i * PAGE_SIZE);
    frames.free(got[4]!);
    frames.free(got[1]!);
    expect(frames.alloc('user')).toBe(got[1]);
    expect(frames.alloc('user')).toBe(got[4]);
  });

  it('is first fit for runs: skips a hole too small for the run and fills it later', () => {
    const { frames } = machine('bitmap');
    const got = [0, 1, 2, 3, 4, 5].map(() => frames.alloc('user')!);
    frames.free(got[1]!);
    frames.free(got[2]!);
    const run = frames.allocContiguous(3, 'heap')!;
    expect(run).toBe(got[5]! + PAGE_SIZE);
    expect(frames.allocContiguous(2, 'heap')).toBe(got[1]);
  });

  it('runs a contiguous allocation around the reserved frames in the middle of RAM', () => {
    const { frames, metaEnd } = machine('bitmap');
    const below = (0x300000 - metaEnd) / PAGE_SIZE;
    while (frames.stats().used < below - 2) frames.alloc('user');
    // Two frames left below the reserved stretch: a run of 4 must start after it.
    expect(frames.allocContiguous(4, 'kstack')).toBe(0x303000);
    expect(frames.allocContiguous(2, 'kstack')).toBe(0x300000 - 2 * PAGE_SIZE);
  });
});

describe.each(['bitmap', 'buddy'] as const)('%s frame allocator: the trace point', (kind) => {
  it('tells the machine of each frame handed out (with its owner) and freed, and of nothing else', () => {
    const { port, frames } = machine(kind);
    port.tracePoints.length = 0;
    const a = frames.alloc('user')!;
    const run = frames.allocContiguous(4, 'kernel')!;
    frames.free(a);
    frames.freeContiguous(run, 4);
    frames.ownerOf(run);
    expect(port.tracePoints).toEqual([
      ['frame-alloc', a, 1, 'user'], ['frame-alloc', run, 4, 'kernel'], ['frame-free', a, 1, 'free'], ['frame-free', run, 4, 'free'],
    ]);
  });
});
