import { describe, expect, it } from 'vitest';
import { FakeHostPort } from '../fake-hostport.ts';
import { Hw, PAGE_SIZE, phys, type PhysAddr } from '../../../../kernel/hw.ts';
import type { FitPolicy } from '../../../../kernel/mm/heap.ts';
import { PARTITION_HEADER, PARTITION_MAGIC, PARTITION_RECORD, PartitionTable, type PartitionEntry } from '../../../../kernel/mm/partitions.ts';
import { KernelPanic } from '../../../../kernel/panic.ts';

// The table at physical 0x1000; the arena starts at 1 MiB. Sizes and addresses in the tests are in
// pages from the arena's start: at(3) is the arena's fourth page, pages(3) is 12 KiB.
const TABLE = phys(0x1000);
const ARENA = 0x100000;
const at = (p: number): PhysAddr => phys(ARENA + p * PAGE_SIZE);
const pages = (p: number): number => p * PAGE_SIZE;

function setup(arenaPages: number, fit: FitPolicy = 'first', capacity = 16) {
  const fake = new FakeHostPort(0x300000);
  const hw = new Hw(fake);
  const t = new PartitionTable(hw, TABLE, capacity, at(0), pages(arenaPages), fit);
  /** alloc that must succeed. */
  const a = (p: number, owner: number): PhysAddr => {
    const s = t.alloc(pages(p), owner);
    if (s === null) throw new Error(`alloc(${p} pages) failed`);
    return s;
  };
  return { fake, hw, t, a };
}

/** An entry in pages: [start page, size in pages, owner]. */
type E = [number, number, number];
const inPages = (es: PartitionEntry[]): E[] => es.map((e) => [(e.start - ARENA) / PAGE_SIZE, e.size / PAGE_SIZE, e.owner]);

/** The table's invariant: sorted, covering the arena exactly, no two holes side by side. */
function expectWellFormed(t: PartitionTable, arenaPages: number): void {
  const es = inPages(t.entries());
  let next = 0;
  es.forEach(([start, size, owner], i) => {
    expect(start).toBe(next);
    expect(size).toBeGreaterThan(0);
    if (i > 0) expect(owner === 0 && es[i - 1]![2] === 0).toBe(false);
    next = start + size;
  });
  expect(next).toBe(arenaPages);
}

const panicsWith = (fn: () => void, text: RegExp): void => {
  expect(fn).toThrow(KernelPanic);
  expect(fn).toThrow(text);
};

// Silberschatz's example (Operating System Concepts, "Contiguous Memory Allocation"): holes of 100K,
// 500K, 200K, 300K and 600K in that address order, requests of 212K, 417K, 112K and 426K. In pages:
// holes of 25, 125, 50, 75, 150, one-page partitions (pids 91..94) between them, in a 429-page arena:
//
//   page:  0      25  26      151  152    202  203    278  279     429
//          │ h 25 │s91│ h 125 │s92 │ h 50 │s93 │ h 75 │s94 │ h 150  │
//
// then requests of 53, 104, 28 and 107 pages from pids 1, 2, 3, 4.
const HOLES_ARENA = 429;
function silberschatz(fit: FitPolicy) {
  const s = setup(HOLES_ARENA, fit);
  const holes = [25, 125, 50, 75, 150];
  const made: PhysAddr[] = [];
  holes.forEach((h, i) => {
    made.push(s.a(h, 50 + i));
    if (i < holes.length - 1) s.a(1, 91 + i);
  });
  for (const h of made) s.t.free(h);
  expect(inPages(s.t.entries())).toEqual([
    [0, 25, 0], [25, 1, 91], [26, 125, 0], [151, 1, 92], [152, 50, 0],
    [202, 1, 93], [203, 75, 0], [278, 1, 94], [279, 150, 0],
  ]);
  const requests = [53, 104, 28, 107].map((p, i) => {
    const r = s.t.alloc(pages(p), i + 1);
    return r === null ? null : (r - ARENA) / PAGE_SIZE;
  });
  expectWellFormed(s.t, HOLES_ARENA);
  return { ...s, requests };
}

describe('PartitionTable: the textbook placements (holes 25,125,50,75,150; requests 53,104,28,107)', () => {
  it('first fit: 53 -> the 125 hole, 104 -> the 150 hole, 28 -> the 72 left of the 125 hole, 107 waits', () => {
    const { t, requests } = silberschatz('first');
    expect(requests).toEqual([26, 279, 79, null]);
    expect(inPages(t.entries())).toEqual([
      [0, 25, 0], [25, 1, 91], [26, 53, 1], [79, 28, 3], [107, 44, 0], [151, 1, 92], [152, 50, 0],
      [202, 1, 93], [203, 75, 0], [278, 1, 94], [279, 104, 2], [383, 46, 0],
    ]);
  });

  it('best fit: 53 -> the 75 hole, 104 -> the 125 hole, 28 -> the 50 hole, 107 -> the 150 hole: all placed', () => {
    const { t, requests } = silberschatz('best');
    expect(requests).toEqual([203, 26, 152, 279]);
    expect(inPages(t.entries())).toEqual([
      [0, 25, 0], [25, 1, 91], [26, 104, 2], [130, 21, 0], [151, 1, 92], [152, 28, 3], [180, 22, 0],
      [202, 1, 93], [203, 53, 1], [256, 22, 0], [278, 1, 94], [279, 107, 4], [386, 43, 0],
    ]);
  });

  it('worst fit: 53 -> the 150 hole, 104 -> the 125 hole, 28 -> the 97 left of the 150 hole, 107 waits', () => {
    const { t, requests } = silberschatz('worst');
    expect(requests).toEqual([279, 26, 332, null]);
    expect(inPages(t.entries())).toEqual([
      [0, 25, 0], [25, 1, 91], [26, 104, 2], [130, 21, 0], [151, 1, 92], [152, 50, 0],
      [202, 1, 93], [203, 75, 0], [278, 1, 94], [279, 53, 1], [332, 28, 3], [360, 69, 0],
    ]);
  });

  // The setup's last allocation ended at the arena's end, so the rover wraps to the bottom: 53 -> the
  // 125 hole (rover 79), 104 -> from the 72 left there on, the 150 hole (rover 383), 28 -> the 46 left
  // there, not first fit's 72 at page 79 (rover 411), 107 waits; 20 then wraps round to the 25 hole.
  it('next fit: the rover moves on, so 28 lands at page 383 where first fit put it at 79, and 20 wraps round', () => {
    const { t, fake, requests } = silberschatz('next');
    expect(requests).toEqual([26, 279, 383, null]);
    expect(fake.view.getUint32(TABLE + 8, true)).toBe(at(411));
    expect(inPages(t.entries())).toEqual([
      [0, 25, 0], [25, 1, 91], [26, 53, 1], [79, 72, 0], [151, 1, 92], [152, 50, 0],
      [202, 1, 93], [203, 75, 0], [278, 1, 94], [279, 104, 2], [383, 28, 3], [411, 18, 0],
    ]);
    expect(t.alloc(pages(20), 5)).toBe(at(0));
    expect(fake.view.getUint32(TABLE + 8, true)).toBe(at(20));
  });

  it('best fit takes the lower of two equal holes, and an exact fit leaves no scrap', () => {
    // After the best-fit run: holes of 25 @0, 21 @130, 22 @180, 22 @256, 43 @386.
    const { t } = silberschatz('best');
    expect(t.alloc(pages(22), 5)).toBe(at(180));
    expect(inPages(t.entries()).slice(5, 8)).toEqual([[152, 28, 3], [180, 22, 5], [202, 1, 93]]);
    expect(t.alloc(pages(22), 6)).toBe(at(256));
  });

  // Holes of 5 @0 and 5 @6 with partitions above each, a request of 2 that fits neither exactly.
  it.each(['best', 'worst'] as const)('%s fit takes the lower of two equal holes when neither fits exactly', (fit) => {
    const { t, a } = setup(20, fit);
    const x = a(5, 1); a(1, 2); const y = a(5, 3); a(9, 4);
    t.free(x); t.free(y);
    expect(t.alloc(pages(2), 5)).toBe(at(0));
    expect(t.alloc(pages(4), 6)).toBe(at(6)); // best: the 3 left @2 is too small; worst: 5 beats 3
  });

  it('switching fit between allocations takes effect at once', () => {
    const { t } = silberschatz('first');
    // Holes now 25 @0, 44 @107, 50 @152, 75 @203, 46 @383.
    t.fit = 'best';
    expect(t.fit).toBe('best');
    expect(t.alloc(pages(45), 9)).toBe(at(383));
    t.fit = 'worst';
    expect(t.alloc(pages(10), 10)).toBe(at(203));
  });
});

describe('PartitionTable: free', () => {
  // Arena of 10 pages: A(2) @0, B(3) @2, C(1) @5, a hole of 4 @6.
  function abc() {
    const s = setup(10);
    const A = s.a(2, 1), B = s.a(3, 2), C = s.a(1, 3);
    return { ...s, A, B, C };
  }

  it('starts as one hole over the whole arena', () => {
    const { t } = setup(10);
    expect(inPages(t.entries())).toEqual([[0, 10, 0]]);
  });

  it('merges a freed partition with the holes on both sides into one', () => {
    const { t, A, B, C } = abc();
    t.free(A);
    t.free(C);
    expect(inPages(t.entries())).toEqual([[0, 2, 0], [2, 3, 2], [5, 5, 0]]);
    t.free(B);
    expect(inPages(t.entries())).toEqual([[0, 10, 0]]);
  });

  it('merges with the hole below only, and with the hole above only', () => {
    const { t, A, B } = abc();
    t.free(A);
    t.free(B);
    expect(inPages(t.entries())).toEqual([[0, 5, 0], [5, 1, 3], [6, 4, 0]]);
    const s2 = abc();
    s2.t.free(s2.C);
    expect(inPages(s2.t.entries())).toEqual([[0, 2, 1], [2, 3, 2], [5, 5, 0]]);
  });

  it('a freed partition between two partitions becomes a hole of its own', () => {
    const { t, B } = abc();
    t.free(B);
    expect(inPages(t.entries())).toEqual([[0, 2, 1], [2, 3, 0], [5, 1, 3], [6, 4, 0]]);
    expectWellFormed(t, 10);
  });

  it('panics on an address that is not a partition start: inside one, a hole, a second free', () => {
    const { t, B } = abc();
    panicsWith(() => t.free(at(3)), /free: 0x103000 is not the start of a partition/);
    panicsWith(() => t.free(at(6)), /free: 0x106000 is a hole/);
    t.free(B);
    panicsWith(() => t.free(B), /is a hole, not a partition \(double free\?\)/);
  });

  it('sizeOf, ownerOf and setOwner read and write the partition at a start', () => {
    const { t, B } = abc();
    expect(t.sizeOf(B)).toBe(pages(3));
    expect(t.ownerOf(B)).toBe(2);
    t.setOwner(B, 7);
    expect(t.ownerOf(B)).toBe(7);
    panicsWith(() => t.setOwner(B, 0), /setOwner: owner pid 0/);
    panicsWith(() => t.sizeOf(at(6)), /sizeOf: 0x106000 is a hole/);
  });

  it('panics on sizes that are not whole pages', () => {
    const { t, B } = abc();
    panicsWith(() => t.alloc(100, 1), /alloc of 100 bytes/);
    panicsWith(() => t.alloc(0, 1), /alloc of 0 bytes/);
    panicsWith(() => t.alloc(PAGE_SIZE, 0), /alloc: owner pid 0/);
    panicsWith(() => t.growInPlace(B, PAGE_SIZE + 1), /not whole pages/);
  });

  it('returns null when no hole is big enough', () => {
    const { t } = abc();
    expect(t.alloc(pages(5), 4)).toBeNull();
    expect(t.alloc(pages(4), 4)).toBe(at(6));
    expect(t.alloc(pages(1), 5)).toBeNull();
  });
});

describe('PartitionTable: growInPlace', () => {
  // Arena of 10 pages: A(2) @0, B(2) @2, a hole of 6 @4.
  function ab() {
    const s = setup(10);
    const A = s.a(2, 1), B = s.a(2, 2);
    return { ...s, A, B };
  }

  it('grows into the hole after it, shrinking the hole, then taking all of it', () => {
    const { t, B } = ab();
    expect(t.growInPlace(B, pages(5))).toBe(true);
    expect(inPages(t.entries())).toEqual([[0, 2, 1], [2, 5, 2], [7, 3, 0]]);
    expect(t.growInPlace(B, pages(8))).toBe(true);
    expect(inPages(t.entries())).toEqual([[0, 2, 1], [2, 8, 2]]);
    expect(t.sizeOf(B)).toBe(pages(8));
  });

  it('refuses when the next is a partition, when the hole is too small, and at the arena end', () => {
    const { t, A, B } = ab();
    expect(t.growInPlace(A, pages(3))).toBe(false);
    expect(t.growInPlace(B, pages(9))).toBe(false); // needs 7 more, the hole has 6
    expect(inPages(t.entries())).toEqual([[0, 2, 1], [2, 2, 2], [4, 6, 0]]);
    expect(t.growInPlace(B, pages(8))).toBe(true);
    expect(t.growInPlace(B, pages(9))).toBe(false);
  });

  it('shrinking gives the tail to the hole after it, or makes a new hole before a partition', () => {
    const { t, A, B } = ab();
    expect(t.growInPlace(B, pages(1))).toBe(true);
    expect(inPages(t.entries())).toEqual([[0, 2, 1], [2, 1, 2], [3, 7, 0]]);
    expect(t.growInPlace(A, pages(1))).toBe(true);
    expect(inPages(t.entries())).toEqual([[0, 1, 1], [1, 1, 0], [2, 1, 2], [3, 7, 0]]);
    expect(t.growInPlace(A, pages(1))).toBe(true); // same size: nothing to do
    expectWellFormed(t, 10);
  });
});

describe('PartitionTable: compact', () => {
  // Arena of 16 pages: A(2) @0, hole 3 @2, B(1) @5, hole 2 @6, C(4) @8, hole 4 @12.
  function spread() {
    const s = setup(16);
    const A = s.a(2, 1), y = s.a(3, 9), B = s.a(1, 2), z = s.a(2, 9), C = s.a(4, 3);
    s.t.free(y);
    s.t.free(z);
    return { ...s, A, B, C };
  }

  it('slides the partitions down in address order, moving only those whose start changes, leaving one hole', () => {
    const { t, A, B, C } = spread();
    expect(t.stats()).toEqual({ free: pages(9), largestHole: pages(4), holes: 3, used: pages(7), partitions: 3, fragmentation: 1 - 4 / 9 });
    const moves: Array<[number, number, number, number]> = [];
    const r = t.compact((from, to, size, owner) => moves.push([from, to, size, owner]));
    expect(moves).toEqual([[B, at(2), pages(1), 2], [C, at(3), pages(4), 3]]);
    expect(r).toEqual({ moved: 2, bytes: pages(5) });
    expect(inPages(t.entries())).toEqual([[0, 2, 1], [2, 1, 2], [3, 4, 3], [7, 9, 0]]);
    expect(t.stats()).toEqual({ free: pages(9), largestHole: pages(9), holes: 1, used: pages(7), partitions: 3, fragmentation: 0 });
    expect(t.sizeOf(A)).toBe(pages(2));
    // Now the 9 pages no single hole held before fit in one partition.
    expect(t.alloc(pages(9), 4)).toBe(at(7));
  });

  it('a move callback that copies with copyPhys carries each partition\'s bytes to its new start', () => {
    const { t, fake, hw, A, B, C } = spread();
    for (const [p, mark] of [[A, 0xaaaa], [B, 0xbbbb], [C, 0xcccc]] as const) {
      fake.view.setUint32(p, mark, true);
      fake.view.setUint32(p + t.sizeOf(p) - 4, mark + 1, true);
    }
    t.compact((from, to, size) => hw.copyPhys(to, from, size));
    const got = t.entries().filter((e) => e.owner !== 0)
      .map((e) => [fake.view.getUint32(e.start, true), fake.view.getUint32(e.start + e.size - 4, true)]);
    expect(got).toEqual([[0xaaaa, 0xaaab], [0xbbbb, 0xbbbc], [0xcccc, 0xcccd]]);
  });

  it('an arena already compact moves nothing; a full arena leaves no hole', () => {
    const s = setup(6);
    s.a(2, 1); s.a(4, 2);
    const moves: unknown[] = [];
    expect(s.t.compact((...m) => moves.push(m))).toEqual({ moved: 0, bytes: 0 });
    expect(moves).toEqual([]);
    expect(inPages(s.t.entries())).toEqual([[0, 2, 1], [2, 4, 2]]);
    expect(s.t.stats()).toEqual({ free: 0, largestHole: 0, holes: 0, used: pages(6), partitions: 2, fragmentation: 0 });
  });
});

describe('PartitionTable: state in guest RAM', () => {
  it('writes the header and the records at `table`, in the documented layout', () => {
    const { fake, a } = setup(10);
    const w = (off: number): number => fake.view.getUint32(TABLE + off, true);
    expect(w(0)).toBe(PARTITION_MAGIC);
    expect(w(4)).toBe(1);
    expect([w(12), w(16), w(20)]).toEqual([at(0), pages(10), 0]);
    a(3, 42);
    expect(w(4)).toBe(2);
    expect(w(8)).toBe(at(3)); // the rover: just after the partition placed
    const rec1 = PARTITION_HEADER + PARTITION_RECORD;
    expect([w(12), w(16), w(20)]).toEqual([at(0), pages(3), 42]);
    expect([w(rec1), w(rec1 + 4), w(rec1 + 8)]).toEqual([at(3), pages(7), 0]);
    expect(PartitionTable.bytesFor(16)).toBe(12 + 16 * 12);
  });

  it('a second table attached to the same RAM sees and changes the same partitions', () => {
    const { hw, t, a } = setup(10);
    const A = a(2, 1);
    a(3, 2);
    const other = PartitionTable.attach(hw, TABLE, 16, at(0), pages(10), 'first');
    expect(other.entries()).toEqual(t.entries());
    other.free(A);
    expect(inPages(t.entries())).toEqual([[0, 2, 0], [2, 3, 2], [5, 5, 0]]);
    expect(t.alloc(pages(5), 3)).toBe(at(5));
    expect(other.ownerOf(at(5))).toBe(3);
  });

  it('reads back whatever guest RAM holds: a record changed behind its back shows in entries()', () => {
    const { fake, t, a } = setup(10);
    a(3, 42);
    fake.view.setUint32(TABLE + PARTITION_HEADER + 8, 77, true);
    expect(t.ownerOf(at(0))).toBe(77);
  });

  it('attach panics on memory that holds no table, and on a count beyond the capacity', () => {
    const { hw, fake } = setup(10);
    panicsWith(() => PartitionTable.attach(hw, phys(0x8000), 16, at(0), pages(10), 'first'), /no table at 0x8000/);
    fake.view.setUint32(TABLE + 4, 17, true);
    panicsWith(() => PartitionTable.attach(hw, TABLE, 16, at(0), pages(10), 'first'), /claims 17 records/);
  });

  it('panics on an arena that is not whole pages, and on a table inside the arena', () => {
    const hw = new Hw(new FakeHostPort(0x300000));
    panicsWith(() => new PartitionTable(hw, TABLE, 4, phys(ARENA + 1), pages(4), 'first'), /not whole pages/);
    panicsWith(() => new PartitionTable(hw, TABLE, 4, at(0), 100, 'first'), /not whole pages/);
    panicsWith(() => new PartitionTable(hw, at(1), 4, at(0), pages(4), 'first'), /inside the arena/);
    panicsWith(() => new PartitionTable(hw, TABLE, 0, at(0), pages(4), 'first'), /capacity 0/);
  });
});

describe('PartitionTable: a full table', () => {
  it('alloc returns null when the hole would need splitting, but an exact fit still goes in', () => {
    const { t, a } = setup(10, 'first', 3);
    a(1, 1); a(1, 2); // records: P, P, hole of 8
    expect(t.alloc(pages(1), 3)).toBeNull();
    expect(inPages(t.entries())).toEqual([[0, 1, 1], [1, 1, 2], [2, 8, 0]]);
    expect(t.alloc(pages(8), 3)).toBe(at(2));
    expect(t.stats().free).toBe(0);
  });

  it('shrinking before a partition needs a record for the new hole: false when full', () => {
    const { t, a } = setup(4, 'first', 3);
    const A = a(2, 1); a(1, 2); a(1, 3); // records: P, P, P (no hole)
    expect(t.growInPlace(A, pages(1))).toBe(false);
    expect(t.sizeOf(A)).toBe(pages(2));
  });
});
