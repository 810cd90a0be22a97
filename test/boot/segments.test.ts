// Memory before paging (issue 16), booted for real with `mm=segments`: each process in one
// contiguous partition, relocated by its segments' base and checked against their limit by the
// processor; the four fits placing the textbook's requests in the textbook's holes; compaction and
// whole-process swapping keeping every byte; and `halt` finding nothing leaked.
//
// The processes are memhog (images/src/bin/memhog.c): `memhog KB MS TAG` grows its heap by KB KiB,
// fills it with a pattern of TAG and each word's offset, sleeps MS ms and checks every word (`ok`).
// Its partition is 40 KiB at exec (8 KiB of image, 32 KiB of stack) and 40 + KB KiB once its
// heap has grown, so `memhog 60 ...` holds a 100 KiB partition.

import { describe, expect, it } from 'vitest';
import type { BlockDevice } from '../../emulator/index.ts';
import { bootKernel, type KernelMachine } from '../harness/kernel.ts';

/** `halt`, and the leak check's verdict. */
function halt(m: KernelMachine): string {
  m.type('halt\r');
  expect(m.runToStop(400_000_000).exitStatus).toBe(0);
  return m.transcript.slice(m.transcript.lastIndexOf('leak check:')).trim();
}

interface Entry { at: number; kib: number; what: string }

/** `mem`'s partitions, as offsets from the arena's start in KiB, each a hole or memhog's TAG (else the program). */
function partitions(m: KernelMachine): Entry[] {
  const out = m.command('mem');
  const start = parseInt(/partitions: \d+ KiB at 0x([0-9a-f]+)/.exec(out)![1]!, 16);
  const entries: Entry[] = [];
  for (const l of out.split('\n')) {
    const e = /^ {2}0x([0-9a-f]{8}) +(\d+) KiB {2}(hole|\S pid \d+ \((.*)\))$/.exec(l);
    if (e === null) continue;
    const argv = e[4]?.split(' ') ?? [];
    entries.push({ at: (parseInt(e[1]!, 16) - start) >> 10, kib: Number(e[2]), what: e[3] === 'hole' ? 'hole' : argv[0] === 'memhog' ? argv[3]! : argv[0]! });
  }
  return entries;
}

/** Starts `memhog KB MS TAG &` and waits until its heap has grown (its first line). */
function hog(m: KernelMachine, kb: number, ms: number, tag: string): void {
  const from = m.transcript.length;
  m.type(`run memhog ${kb} ${ms} ${tag} &\r`);
  // Its line may come before or after the shell's next prompt: wait for both.
  m.runUntil(new RegExp(`memhog ${tag}: (\\d+ KiB at|sbrk)[^\\n]*\\n`), 200_000_000, from);
  m.runUntil(/\n\$ /, 66_000_000, from);
}

/** Kills the process running memhog TAG and waits for the prompt. */
function killHog(m: KernelMachine, tag: string): void {
  const p = [...m.kernel.procs.values()].find((q) => q.argv[3] === tag && q.state !== 'zombie');
  expect(p, `memhog ${tag} is running`).toBeDefined();
  m.command(`kill ${p!.pid}`);
}

describe('--mm segments', () => {
  it('relocates: the same program at two bases prints the same result', () => {
    const m = bootKernel({ cmdline: 'mm=segments', memoryBytes: 4 << 20 });
    const alone = m.command('run matmult 200');
    expect(alone).toMatch(/^matmult: ok: 200x200/);
    // Another process holds the bottom of the arena: the same program now starts higher.
    hog(m, 200, 60_000, 'low');
    const from = m.transcript.length;
    m.command('run matmult 200 &');
    const at = partitions(m);
    expect(at[0]).toMatchObject({ at: 0, kib: 240, what: 'low' });
    expect(at.find((e) => e.what === 'matmult')!.at).toBe(240);
    m.runUntil(/matmult: ok: [^\n]*\n/, 400_000_000, from);
    expect(/matmult: ok: [^\n]*/.exec(m.transcript.slice(from))![0]).toBe(alone.trim());
  });

  it('a read of the last byte of the data segment is allowed; one byte past it is #GP, reported with selector, offset and limit', () => {
    const m = bootKernel({ cmdline: 'mm=segments', memoryBytes: 4 << 20 });
    expect(m.command('run limits 0x9fff')).toBe('limits: cs limit 0x00001fff, ds limit 0x00009fff\nlimits: byte at 0x9fff is 0x00\n');
    expect(m.command('run limits 0xa000')).toBe('limits: cs limit 0x00001fff, ds limit 0x00009fff\nlimits: read past limit\n'
      + 'pid 2 (limits): general protection (#GP) (error code 0x0) at 0007:000001e4: read of 1 byte at ds:0x0000a000 past the limit 0x00009fff of selector 0x0f\n  killed\n');
    expect(m.command('run limits')).toMatch(/limits: read at limit ok\nlimits: read past limit\npid 3 \(limits\): general protection \(#GP\) \(error code 0x0\) at 0007:[0-9a-f]{8}: read of 1 byte at ds:0x0000a000 past the limit 0x00009fff of selector 0x0f\n {2}killed\n$/);
    // Under paging the same program finds flat segments and probes nothing.
    expect(bootKernel({ memoryBytes: 4 << 20 }).command('run limits')).toBe('limits: cs limit 0xffffffff, ds limit 0xffffffff\nlimits: flat segments (paging mode)\n');
    expect(halt(m)).toBe('leak check: 0 frames, 0 heap blocks, 0 partitions, 0 mappings leaked');
  });

  it('fit shows and changes the placement; compact and fit say how to use them, and only under segments', () => {
    const m = bootKernel({ cmdline: 'mm=segments fit=best', memoryBytes: 4 << 20 });
    expect(m.command('fit')).toBe('fit: best fit\n');
    expect(m.command('fit next')).toBe('fit: next fit\n');
    expect(m.kernel.segments!.partitions.fit).toBe('next');
    expect(m.command('fit tight')).toBe('fit: tight: expected first, best, worst or next\n');
    expect(m.command('fit best worst')).toBe('usage: fit [first|best|worst|next]\n');
    expect(m.command('compact now')).toBe('usage: compact   (slides every partition down; no arguments)\n');
    expect(m.kernel.segments!.partitions.fit).toBe('next');
    const paging = bootKernel({ memoryBytes: 4 << 20 });
    expect(paging.command('compact')).toBe('compact: only under --mm segments (paging has no partitions to slide)\n');
    expect(paging.command('fit')).toBe('fit: only under --mm segments (the kernel heap\'s fit is --heap)\n');
  });

  it('a reference through the stack segment past its limit is #SS, and a kernel pointer is past every limit', () => {
    const m = bootKernel({ cmdline: 'mm=segments', memoryBytes: 4 << 20 });
    // 16 pages of recursion from a 32 KiB stack run down through the program and wrap below 0.
    expect(m.command('run stack 16')).toMatch(/pid 1 \(stack\): stack fault \(#SS\) \(error code 0x0\) at 0007:[0-9a-f]{8}: write of \d bytes? at ss:0xffff[0-9a-f]{4} past the limit 0x[0-9a-f]{8} of selector 0x0f\n {2}killed\n$/);
    expect(m.command('run badkern')).toMatch(/pid 2 \(badkern\): general protection \(#GP\) \(error code 0x0\) at 0007:[0-9a-f]{8}: read of 4 bytes at ds:0xc0001000 past the limit 0x[0-9a-f]{8} of selector 0x0f\n {2}killed\n$/);
    expect(halt(m)).toBe('leak check: 0 frames, 0 heap blocks, 0 partitions, 0 mappings leaked');
  });
});

// The textbook's example (Silberschatz, "Operating System Concepts", 9.2 "Contiguous Memory
// Allocation"): holes of 100, 500, 200, 300 and 600 KiB, in that order, and requests of 212, 417,
// 112 and 426 KiB (here 212, 420, 112 and 428: whole pages). The holes are made by starting
// processes of those sizes between 44 KiB ones (memhog 4) and a filler for the rest of the 2,280
// KiB arena of a 4 MiB machine, then killing the five. Offsets below are KiB from the arena's start:
//
//   holes:  100 @ 0, 500 @ 144, 200 @ 688, 300 @ 932, 600 @ 1276
//
// A request is exec's 40 KiB partition (placed by the fit) grown by sbrk: grown in place when the
// hole it landed in is big enough, otherwise moved to a partition of the full size placed by the
// fit again. For first, best and worst fit that lands where the textbook's one request does; next
// fit's rover moves on with each of the two placements.
const HOLES = [['h1', 60], ['s1', 4], ['h2', 460], ['s2', 4], ['h3', 160], ['s3', 4], ['h4', 260], ['s4', 4], ['h5', 560], ['s5', 4], ['fill', 320]] as const;
const REQUESTS = [['r212', 172], ['r420', 380], ['r112', 72], ['r428', 388]] as const;

/** Boots with `fit`, makes the five holes, places the four requests; returns each request's place (null: not placed), the compactions, and the final map. */
function textbook(fit: string): { placed: Record<string, number | null>; compactions: number; final: Entry[]; m: KernelMachine } {
  const m = bootKernel({ cmdline: `mm=segments fit=${fit}`, memoryBytes: 4 << 20 });
  for (const [tag, kb] of HOLES) hog(m, kb, 4_000, tag);
  expect(partitions(m).map((e) => `${e.what} ${e.kib}@${e.at}`)).toEqual([
    'h1 100@0', 's1 44@100', 'h2 500@144', 's2 44@644', 'h3 200@688', 's3 44@888', 'h4 300@932', 's4 44@1232', 'h5 600@1276', 's5 44@1876', 'fill 360@1920',
  ]);
  for (const tag of ['h1', 'h2', 'h3', 'h4', 'h5']) killHog(m, tag);
  expect(partitions(m).filter((e) => e.what === 'hole').map((e) => `${e.kib}@${e.at}`)).toEqual(['100@0', '500@144', '200@688', '300@932', '600@1276']);
  const placed: Record<string, number | null> = {};
  const c0 = m.kernel.segments!.counters.compactions;
  let compactions = 0;
  for (const [tag, kb] of REQUESTS) {
    const before = m.kernel.segments!.counters.compactions;
    hog(m, kb, 3_000, tag);
    // Where it went, before any later compaction moves it.
    placed[tag] = m.kernel.segments!.counters.compactions > before ? null : partitions(m).find((e) => e.what === tag)?.at ?? null;
  }
  compactions = m.kernel.segments!.counters.compactions - c0;
  return { placed, compactions, final: partitions(m), m };
}

describe('--mm segments: the four fits on the textbook\'s holes', () => {
  it('first fit: 212 in the 500 hole, 420 in the 600, 112 in what is left of the 500; 428 fits no hole and is placed after a compaction', () => {
    const r = textbook('first');
    expect(r.placed).toEqual({ r212: 144, r420: 1276, r112: 356, r428: null });
    expect(r.compactions).toBe(1);
    // Every process compaction moved still holds its bytes: each checks every word when it wakes.
    for (const tag of ['s1', 's2', 's3', 's4', 's5', 'fill', 'r212', 'r420', 'r112', 'r428']) r.m.runUntil(`memhog ${tag}: ok\n`, 400_000_000);
    expect(r.m.transcript).not.toMatch(/words wrong/);
    expect(halt(r.m)).toBe('leak check: 0 frames, 0 heap blocks, 0 partitions, 0 mappings leaked');
  });

  it('best fit: 212 in the 300 hole, 420 in the 500, 112 in the 200, 428 in the 600: all placed, no compaction', () => {
    const r = textbook('best');
    expect(r.placed).toEqual({ r212: 932, r420: 144, r112: 688, r428: 1276 });
    expect(r.compactions).toBe(0);
  });

  it('worst fit: 212 in the 600 hole, 420 in the 500, 112 in what is left of the 600; 428 fits no hole: a compaction', () => {
    const r = textbook('worst');
    expect(r.placed).toEqual({ r212: 1276, r420: 144, r112: 1488, r428: null });
    expect(r.compactions).toBe(1);
  });

  it('next fit: the search goes on from the last placement; 428 then fits no hole: a compaction', () => {
    const r = textbook('next');
    expect(r.placed).toEqual({ r212: 144, r420: 1276, r112: 1696, r428: null });
    expect(r.compactions).toBe(1);
  });

  it('compaction keeps every process\'s bytes and leaves one hole; `compact` says what it moved and cost', () => {
    const m = bootKernel({ cmdline: 'mm=segments', memoryBytes: 4 << 20 });
    for (const [tag, kb] of HOLES.slice(0, 6)) hog(m, kb, 2_000, tag);
    for (const tag of ['h1', 'h2', 'h3']) killHog(m, tag);
    expect(partitions(m).filter((e) => e.what === 'hole').length).toBe(4);
    const out = m.command('compact');
    expect(out).toMatch(/^compact: moved 3 partitions, 132 KiB, [\d,]+ cycles; now 1 hole of 2148 KiB\n$/);
    expect(partitions(m).map((e) => `${e.what} ${e.kib}@${e.at}`)).toEqual(['s1 44@0', 's2 44@44', 's3 44@88', 'hole 2148@132']);
    const c = m.kernel.segments!.counters;
    expect(c).toMatchObject({ compactions: 1, compactedBytes: 132 << 10 });
    // REP MOVSD for each of the three: 8 + 4 clocks a dword (kernel/cost.ts).
    expect(c.compactCycles).toBe(3 * 8 + 4 * ((132 << 10) >>> 2));
    for (const tag of ['s1', 's2', 's3']) m.runUntil(`memhog ${tag}: ok\n`, 400_000_000);
    expect(halt(m)).toBe('leak check: 0 frames, 0 heap blocks, 0 partitions, 0 mappings leaked');
  });
});

describe('--mm segments: whole processes rolled out to swap and back', () => {
  it('a process that does not fit rolls a sleeping one out; it comes back elsewhere with every byte; ps shows it swapped', () => {
    const m = bootKernel({ cmdline: 'mm=segments', memoryBytes: 4 << 20, swapBytes: 8 << 20 });
    hog(m, 1000, 1_500, 'a');
    hog(m, 1000, 4_000, 'b');
    hog(m, 1000, 200, 'c');
    const ps = m.command('ps');
    expect(ps).toMatch(/ 1 +0 swapped .*memhog 1000 1500 a\n/);
    const c = m.kernel.segments!.counters;
    expect(c.rollOuts).toBe(1);
    expect(c.rolledBytes).toBe(1040 << 10);
    for (const tag of ['a', 'b', 'c']) m.runUntil(`memhog ${tag}: ok\n`, 800_000_000);
    // Every process rolled out came back (a may have pushed b out in turn to come back).
    expect(c.rollIns).toBe(c.rollOuts);
    expect(m.transcript).not.toMatch(/words wrong/);
    expect(halt(m)).toBe('leak check: 0 frames, 0 heap blocks, 0 swap slots, 0 partitions, 0 mappings leaked');
  });

  it('the one rolled out is a sleeping process before a runnable one, even a younger one', () => {
    const m = bootKernel({ cmdline: 'mm=segments', memoryBytes: 4 << 20, swapBytes: 8 << 20 });
    // The oldest: runnable all along (250 pages gone over again and again).
    const from = m.transcript.length;
    m.type('run wsloop 250 400 &\r');
    m.runUntil(/\n\$ /, 66_000_000, from);
    m.runFor(5_000_000);
    hog(m, 900, 3_000, 'a'); // younger, asleep
    hog(m, 900, 100, 'b'); // does not fit: one of the two must go
    const ps = m.command('ps');
    expect(ps).toMatch(/ 2 +0 swapped .*memhog 900 3000 a\n/);
    expect(ps).toMatch(/ 1 +0 (running|runnable) .*wsloop 250 400\n/);
    expect(m.kernel.segments!.counters.rollOuts).toBe(1);
    m.runUntil('memhog a: ok\n', 800_000_000);
  });

  it('halt while a process\'s pages are being read back waits for the reads: the leak check is exact', () => {
    // A drive slow enough that the roll-in's 260 reads are still going when halt comes.
    const m = bootKernel({ cmdline: 'mm=segments', memoryBytes: 4 << 20, swapBytes: 8 << 20, ataRequestCycles: 200_000 });
    hog(m, 1000, 3_000, 'a');
    hog(m, 1000, 60_000, 'b');
    hog(m, 1000, 10, 'c'); // rolls a out (asleep, in memory longest); a comes back when it wakes
    const a = [...m.kernel.procs.values()].find((p) => p.argv[3] === 'a')!;
    for (let k = 0; k < 400 && a.seg?.where !== 'coming-in'; k++) m.runFor(1_000_000);
    expect(a.seg?.where).toBe('coming-in');
    expect(halt(m)).toBe('leak check: 0 frames, 0 heap blocks, 0 swap slots, 0 partitions, 0 mappings leaked');
  });

  it('without swap, a process that cannot be placed is refused in one line and nothing is lost', () => {
    const m = bootKernel({ cmdline: 'mm=segments', memoryBytes: 4 << 20 });
    hog(m, 1500, 2_000, 'a');
    expect(m.command('run memhog 1000 100 b')).toBe('memhog b: sbrk of 1000 KiB refused\n[2] exit status 1\n');
    expect(m.command('run memhog 4000 100 c')).toBe('memhog c: sbrk of 4000 KiB refused\n[3] exit status 1\n');
    m.runUntil('memhog a: ok\n', 400_000_000);
    expect(m.kernel.segments!.counters.refused).toBe(2);
    expect(halt(m)).toBe('leak check: 0 frames, 0 heap blocks, 0 partitions, 0 mappings leaked');
  });

  it('a swap that fails: a roll-out that cannot be written leaves its process in memory and stops rolling out; one that cannot be read back ends its process', () => {
    const SECTORS = (8 << 20) / 512;
    const failing = (what: 'write' | 'read'): BlockDevice => {
      const bytes = new Uint8Array(SECTORS * 512);
      return {
        sectorCount: SECTORS, name: `swap whose ${what}s fail`,
        read(lba, count, into, offset) { if (what === 'read') throw new Error('EIO'); into.set(bytes.subarray(lba * 512, (lba + count) * 512), offset); },
        write(lba, count, from, offset) { if (what === 'write') throw new Error('EIO'); bytes.set(from.subarray(offset, offset + count * 512), lba * 512); },
      };
    };
    const w = bootKernel({ cmdline: 'mm=segments', memoryBytes: 4 << 20, swapDisk: failing('write') });
    hog(w, 1000, 1_500, 'a');
    hog(w, 1000, 1_500, 'b');
    hog(w, 1000, 100, 'c');
    expect(w.transcript).toMatch(/segments: a write to swap failed: [^\n]*; pid 1 stays in memory, and no process is rolled out from now on\nmemhog c: sbrk of 1000 KiB refused\n/);
    // Refused at once from now on, with nothing rolled out.
    w.type('run memhog 1500 10 d\r');
    w.runUntil('memhog d: sbrk of 1500 KiB refused\n', 66_000_000);
    expect(w.kernel.segments!.counters.rollOuts).toBe(1);
    for (const tag of ['a', 'b']) w.runUntil(`memhog ${tag}: ok\n`, 400_000_000);
    expect(halt(w)).toBe('leak check: 0 frames, 0 heap blocks, 0 swap slots, 0 partitions, 0 mappings leaked');

    const r = bootKernel({ cmdline: 'mm=segments', memoryBytes: 4 << 20, swapDisk: failing('read') });
    hog(r, 1000, 1_500, 'a');
    hog(r, 1000, 4_000, 'b');
    hog(r, 1000, 100, 'c');
    r.runUntil(/pid 1 \(memhog\) killed: its image could not be read back from swap: [^\n]*\n/, 400_000_000);
    // a came back while c still ran, so b (asleep) went out for it before the read failed: b cannot
    // come back either. Nothing more is rolled out; c, which was never out, ends well.
    const rolled = r.kernel.segments!.counters.rollOuts;
    r.runUntil('memhog c: ok\n', 400_000_000);
    r.runUntil(/pid 2 \(memhog\) killed: its image could not be read back from swap: [^\n]*\n/, 400_000_000);
    expect(r.kernel.segments!.counters.rollOuts).toBe(rolled);
    expect(r.kernel.panicked).toBe(false);
    expect(halt(r)).toBe('leak check: 0 frames, 0 heap blocks, 0 swap slots, 0 partitions, 0 mappings leaked');
  });

  it('the fragmentation workload runs to the end under every fit with swap, every child\'s bytes checked', () => {
    let compactions = 0, rollOuts = 0, moves = 0;
    for (const fit of ['first', 'best', 'worst', 'next']) {
      const m = bootKernel({ cmdline: `mm=segments fit=${fit}`, memoryBytes: 4 << 20, swapBytes: 8 << 20 });
      expect(m.command('run fragment 12 3', 2_000_000_000).split('\n').filter((l) => l.startsWith('fragment:'))).toEqual(['fragment: 12 children, 0 failed']);
      expect(m.transcript).not.toMatch(/words wrong|killed/);
      const c = m.kernel.segments!.counters;
      compactions += c.compactions;
      rollOuts += c.rollOuts;
      moves += c.moves;
      expect(c.rollIns).toBe(c.rollOuts);
      expect(halt(m)).toBe('leak check: 0 frames, 0 heap blocks, 0 swap slots, 0 partitions, 0 mappings leaked');
    }
    // The workload did make the kernel compact, move growing processes and roll processes out.
    expect(compactions).toBeGreaterThan(0);
    expect(moves).toBeGreaterThan(0);
    expect(rollOuts).toBeGreaterThan(0);
  });
});
