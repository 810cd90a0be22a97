import { describe, expect, it } from 'vitest';
import { FakeHostPort } from '../fake-hostport.ts';
import { COST } from '../../../../kernel/cost.ts';
import { Hw, virt, type VirtAddr } from '../../../../kernel/hw.ts';
import { P2V, V2P } from '../../../../kernel/layout.ts';
import { HEAP_HEADER, HEAP_MAGIC, KernelHeap, type FitPolicy } from '../../../../kernel/mm/heap.ts';
import { KernelPanic } from '../../../../kernel/panic.ts';

// The arena: 1 KiB at physical 0x1000. Its 16-byte head leaves 1008 bytes of blocks, the first at
// 0xC0001010. A block for kmalloc(n) is max(24, roundup(n + 12, 8)) bytes: kmalloc(8) -> 24,
// kmalloc(20) -> 32, kmalloc(52) -> 64, kmalloc(100) -> 112.
const BASE = P2V(0x1000);
const FIRST = BASE + 16;
const ARENA = 1024;
const BLOCKS = ARENA - 16;

function setup(policy: FitPolicy = 'first', size = ARENA) {
  const fake = new FakeHostPort(0x10000);
  const hw = new Hw(fake);
  const heap = new KernelHeap(hw, BASE, size, policy);
  const m = (n: number): VirtAddr => {
    const p = heap.kmalloc(n);
    if (p === null) throw new Error(`kmalloc(${n}) failed`);
    return p;
  };
  return { fake, hw, heap, m };
}

const block = (addr: number, size: number) => ({ addr: virt(addr), size });
const panicsWith = (fn: () => void, text: RegExp): void => {
  expect(fn).toThrow(KernelPanic);
  expect(fn).toThrow(text);
};

/** a (64), guard (24), b (32), guard (24) allocated, then a and b freed: free blocks of 64 and 32 below the tail. */
function twoHoles(policy: FitPolicy) {
  const s = setup(policy);
  const a = s.m(52), g1 = s.m(8), b = s.m(20), g2 = s.m(8);
  s.heap.kfree(a);
  s.heap.kfree(b);
  return { ...s, a, b, g1, g2 };
}

/** Checks the free list's prev links in guest RAM against its next links, and that it is address ordered. */
function expectConsistentLinks(fake: FakeHostPort, heap: KernelHeap): void {
  const list = heap.freeList();
  let prev = 0;
  for (const f of list) {
    expect(f.addr).toBeGreaterThan(prev);
    expect(fake.view.getUint32(V2P(f.addr) + 12, true)).toBe(prev);
    prev = f.addr;
  }
  const free = heap.blocks().filter((b) => !b.used).map((b) => ({ addr: b.addr, size: b.size }));
  expect(list).toEqual(free);
}

describe('KernelHeap: layout in guest RAM', () => {
  it('starts as one free block after the arena head, whose first word points at it', () => {
    const { fake, heap } = setup();
    expect(heap.freeList()).toEqual([block(FIRST, BLOCKS)]);
    expect(fake.view.getUint32(0x1000, true)).toBe(FIRST);
    expect(fake.view.getUint32(V2P(FIRST) + 4, true)).toBe(HEAP_MAGIC);
  });

  it('hands out 8-byte aligned payloads and splits the block it takes', () => {
    const { heap, m } = setup();
    const p = m(100);
    expect(p).toBe(FIRST + HEAP_HEADER);
    const q = m(1);
    expect(q % 8).toBe(0);
    expect(q).toBe(FIRST + 112 + HEAP_HEADER);
    expect(heap.blocks()).toEqual([
      { addr: virt(FIRST), size: 112, used: true },
      { addr: virt(FIRST + 112), size: 24, used: true },
      { addr: virt(FIRST + 136), size: BLOCKS - 136, used: false },
    ]);
    expect(heap.usableSize(p)).toBe(100);
    expect(heap.usableSize(q)).toBe(12);
  });

  it('keeps a header and footer in guest RAM: size with the used bit, and the magic', () => {
    const { fake, m } = setup();
    const p = m(20);
    const b = V2P(p) - HEAP_HEADER;
    expect(fake.view.getUint32(b, true)).toBe(32 | 1);
    expect(fake.view.getUint32(b + 4, true)).toBe(HEAP_MAGIC);
    expect(fake.view.getUint32(b + 32 - 4, true)).toBe(32 | 1);
  });

  it('panics on kfree when the magic of a block was overwritten in guest RAM', () => {
    const { fake, heap, m } = setup();
    const p = m(20);
    fake.view.setUint32(V2P(p) - 4, 0xdeadbeef, true);
    panicsWith(() => heap.kfree(p), /kfree: 0xc0001018 has no heap block header/);
  });

  it('panics on kfree when the footer no longer matches the header', () => {
    const { fake, heap, m } = setup();
    const p = m(20);
    fake.view.setUint32(V2P(p) - HEAP_HEADER + 28, 0x41, true);
    panicsWith(() => heap.kfree(p), /heap block 0xc0001010 is corrupted/);
  });
});

describe('KernelHeap: placement', () => {
  it('first fit takes the lowest hole that fits, best fit the smallest', () => {
    const first = twoHoles('first');
    expect(first.heap.kmalloc(20)).toBe(first.a);
    // The 64-byte hole was split: its upper 32 bytes stay free.
    expect(first.heap.freeList().slice(0, 2)).toEqual([block(first.a - 8 + 32, 32), block(first.b - 8, 32)]);

    const best = twoHoles('best');
    expect(best.heap.kmalloc(20)).toBe(best.b);
    expect(best.heap.freeList()[0]).toEqual(block(best.a - 8, 64));
  });

  it('worst fit takes the largest hole (the tail here), leaving the small holes alone', () => {
    const worst = twoHoles('worst');
    const p = worst.heap.kmalloc(20)!;
    expect(p).toBeGreaterThan(worst.g2);
    expect(worst.heap.freeList().slice(0, 2)).toEqual([block(worst.a - 8, 64), block(worst.b - 8, 32)]);
  });

  it('next fit goes on from the free block after the last it took, wrapping round', () => {
    // A 256-byte arena: a (64), g1 (24), b (32), g2 (24), then a 96-byte tail; a and b freed.
    const { heap, m } = setup('next', 256);
    const a = m(52), g1 = m(8), b = m(20), g2 = m(8);
    heap.kfree(a);
    heap.kfree(b);
    // The rover is the tail (the free block after g2): 20 bytes come from there, not from a's hole.
    const p = m(20);
    expect(p).toBeGreaterThan(g2);
    // The 64 bytes left of the tail fit 52 exactly: taken whole, the rover runs off the end...
    expect(m(52)).toBe(p + 32);
    // ...and wraps round to the lowest hole.
    expect(m(20)).toBe(a);
    expect([g1, b].every((x) => x > a)).toBe(true);
  });

  it('uses the policy in force at each kmalloc, so it can be switched at any time', () => {
    const { heap, a, b } = twoHoles('first');
    heap.policy = 'best';
    expect(heap.kmalloc(20)).toBe(b);
    heap.policy = 'first';
    expect(heap.kmalloc(20)).toBe(a);
  });

  it('does not split a block when the rest could not hold a minimum block', () => {
    const { heap, a } = twoHoles('first');
    // 40 bytes need a 56-byte block; the 64-byte hole would leave 8 bytes, so it is taken whole.
    expect(heap.kmalloc(40)).toBe(a);
    expect(heap.usableSize(a)).toBe(64 - 12);
    expect(heap.freeList()[0]).toEqual(block(a - 8 + 64 + 24, 32));
  });

  it('charges a fixed cost plus one step per free-list node looked at', () => {
    const { fake, heap, hw } = twoHoles('first');
    const settled = (): number => (hw.settleCycles(), fake.cycles);
    const bestSettled = (): number => (best.hw.settleCycles(), best.fake.cycles);
    let before = settled();
    heap.kmalloc(52); // the 64-byte hole is first in the list
    expect(settled() - before).toBe(COST.heapOp + COST.heapListStep);

    const best = twoHoles('best');
    before = bestSettled();
    best.heap.kmalloc(52); // exact fit in the first node: best fit stops there too
    expect(bestSettled() - before).toBe(COST.heapOp + COST.heapListStep);
    before = bestSettled();
    best.heap.kmalloc(8); // no exact fit: best fit looks at every node (the 32 hole and the tail)
    expect(bestSettled() - before).toBe(COST.heapOp + 2 * COST.heapListStep);
  });

  it('returns null when no free block is big enough, and succeeds again after a kfree', () => {
    const { heap, m } = setup();
    expect(heap.kmalloc(BLOCKS)).toBeNull();
    const all = m(BLOCKS - 12);
    expect(heap.freeList()).toEqual([]);
    expect(heap.kmalloc(0)).toBeNull();
    heap.kfree(all);
    expect(heap.kmalloc(0)).toBe(FIRST + HEAP_HEADER);
  });

  it('returns null once the arena is full of small blocks', () => {
    const { heap } = setup();
    let n = 0;
    while (heap.kmalloc(8) !== null) n++;
    expect(n).toBe(Math.floor(BLOCKS / 24));
    expect(heap.stats().blocksInUse).toBe(n);
  });
});

describe('KernelHeap: kfree and coalescing', () => {
  it('coalesces a freed middle block with both free neighbours into one block', () => {
    const { fake, heap, m } = setup();
    const a = m(20), b = m(20), c = m(20);
    m(8); // guard: keeps c from reaching the tail
    heap.kfree(a);
    heap.kfree(c);
    expect(heap.freeList().slice(0, 2)).toEqual([block(a - 8, 32), block(c - 8, 32)]);
    heap.kfree(b);
    expect(heap.freeList()).toEqual([block(a - 8, 96), block(FIRST + 96 + 24, BLOCKS - 120)]);
    expectConsistentLinks(fake, heap);
  });

  it('coalesces with the upper neighbour, then with the lower one', () => {
    const { fake, heap, m } = setup();
    const a = m(20), b = m(20), c = m(20);
    m(8);
    heap.kfree(b);
    heap.kfree(a); // upper neighbour b is free
    expect(heap.freeList()[0]).toEqual(block(a - 8, 64));
    heap.kfree(c); // lower neighbour a+b is free
    expect(heap.freeList()[0]).toEqual(block(a - 8, 96));
    expect(heap.blocks().length).toBe(3);
    expectConsistentLinks(fake, heap);
  });

  it('ends with one block covering the arena when everything is freed', () => {
    const { heap, m } = setup();
    const ps = [m(20), m(52), m(8), m(100), m(3)];
    for (const p of [ps[3]!, ps[0]!, ps[4]!, ps[1]!, ps[2]!]) heap.kfree(p);
    expect(heap.blocks()).toEqual([{ addr: virt(FIRST), size: BLOCKS, used: false }]);
    expect(heap.freeList()).toEqual([block(FIRST, BLOCKS)]);
  });

  it('keeps the free list in address order when a freed block has no free neighbour', () => {
    const { fake, heap, m } = setup();
    const a = m(8); m(8);
    const b = m(8); m(8);
    const c = m(8); m(8);
    heap.kfree(c);
    heap.kfree(a);
    heap.kfree(b);
    expect(heap.freeList().slice(0, 3).map((f) => f.addr)).toEqual([a - 8, b - 8, c - 8]);
    expectConsistentLinks(fake, heap);
  });
});

describe('KernelHeap: bad pointers', () => {
  it('panics on a double free, naming the address', () => {
    const { heap, m } = setup();
    const p = m(20);
    m(8);
    heap.kfree(p);
    panicsWith(() => heap.kfree(p), /kfree: double free of 0xc0001018/);
  });

  it('panics on a double free of a block that was merged into its lower neighbour', () => {
    const { heap, m } = setup();
    const a = m(20), b = m(20);
    m(8);
    heap.kfree(a);
    heap.kfree(b);
    panicsWith(() => heap.kfree(b), new RegExp(`double free of 0x${b.toString(16)}`));
  });

  it('panics on pointers it never handed out', () => {
    const { heap, m } = setup();
    const p = m(40);
    panicsWith(() => heap.kfree(virt(p + 4)), /kfree: 0xc000101c is not a heap pointer/);
    panicsWith(() => heap.kfree(virt(p + 16)), /kfree: 0xc0001028 has no heap block header/);
    panicsWith(() => heap.kfree(virt(BASE - 8)), /kfree: 0xc0000ff8 is not a heap pointer/);
    panicsWith(() => heap.kfree(virt(BASE + ARENA)), /kfree: 0xc0001400 is not a heap pointer/);
    panicsWith(() => heap.usableSize(virt(p + 16)), /usableSize: 0xc0001028/);
    // None of that changed the heap.
    expect(heap.usableSize(p)).toBe(44);
    heap.kfree(p);
    expect(heap.freeList()).toEqual([block(FIRST, BLOCKS)]);
  });

  it('panics on a negative or fractional size', () => {
    const { heap } = setup();
    panicsWith(() => heap.kmalloc(-1), /kmalloc: bad size -1/);
    panicsWith(() => heap.kmalloc(1.5), /kmalloc: bad size 1.5/);
  });
});

describe('KernelHeap: statistics', () => {
  it('counts whole blocks in use and free after a known sequence', () => {
    const { heap, m } = setup();
    expect(heap.stats()).toEqual({ bytesInUse: 0, blocksInUse: 0, freeBlocks: 1, freeBytes: BLOCKS, largestFree: BLOCKS, fragmentation: 0 });
    m(52); // 64
    const b = m(20); // 32
    m(100); // 112
    heap.kfree(b);
    expect(heap.stats()).toEqual({
      bytesInUse: 64 + 112,
      blocksInUse: 2,
      freeBlocks: 2,
      freeBytes: 32 + (BLOCKS - 208),
      largestFree: BLOCKS - 208,
      fragmentation: 1 - (BLOCKS - 208) / (BLOCKS - 176),
    });
  });

  it('reports fragmentation 1 - largest/free for holes of 32, 32 and 64 bytes', () => {
    const { heap, m } = setup();
    const a = m(20); m(8);
    const b = m(20); m(8);
    const c = m(52);
    m(BLOCKS - 176 - 12); // the rest of the arena: no tail block
    heap.kfree(a);
    heap.kfree(b);
    heap.kfree(c);
    const s = heap.stats();
    expect([s.freeBlocks, s.freeBytes, s.largestFree]).toEqual([3, 128, 64]);
    expect(s.fragmentation).toBe(0.5);
  });

  it('reports fragmentation 0 when nothing is free', () => {
    const { heap, m } = setup();
    m(BLOCKS - 12);
    expect(heap.stats()).toMatchObject({ freeBytes: 0, largestFree: 0, fragmentation: 0, bytesInUse: BLOCKS });
  });
});

describe('KernelHeap: invariants under a random workload', () => {
  for (const policy of ['first', 'best', 'worst', 'next'] as const) {
    it(`keeps blocks tiling the arena, no two free blocks adjacent and payloads intact (${policy} fit)`, () => {
      const { fake, heap } = setup(policy, 0x8000);
      let seed = 12345;
      const rand = (n: number): number => {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        return (seed >>> 8) % n;
      };
      const live: Array<{ p: VirtAddr; n: number; fill: number }> = [];
      let nulls = 0;
      for (let step = 0; step < 2000; step++) {
        if (live.length > 0 && rand(100) < 45) {
          const [x] = live.splice(rand(live.length), 1);
          const bytes = fake.mem.subarray(V2P(x!.p), V2P(x!.p) + x!.n);
          if (!bytes.every((v) => v === x!.fill)) throw new Error(`payload at 0x${x!.p.toString(16)} was overwritten`);
          heap.kfree(x!.p);
        } else {
          const n = rand(400);
          const p = heap.kmalloc(n);
          if (p === null) { nulls++; continue; }
          expect(p % 8).toBe(0);
          expect(heap.usableSize(p)).toBeGreaterThanOrEqual(n);
          const fill = step & 0xff;
          fake.mem.fill(fill, V2P(p), V2P(p) + n);
          live.push({ p, n, fill });
        }
        if (step % 50 === 0) {
          const blocks = heap.blocks();
          expect(blocks.reduce((t, b) => t + b.size, 0)).toBe(0x8000 - 16);
          for (let i = 1; i < blocks.length; i++) expect(blocks[i - 1]!.used || blocks[i]!.used).toBe(true);
          expectConsistentLinks(fake, heap);
          expect(heap.stats().blocksInUse).toBe(live.length);
        }
      }
      expect(nulls).toBeGreaterThan(0); // the workload did reach exhaustion
      for (const x of live) heap.kfree(x.p);
      expect(heap.freeList()).toEqual([block(FIRST, 0x8000 - 16)]);
    });
  }
});
