// The memory-manager commands, booted for real: `mem` with the buddy and the bitmap allocator,
// `heap` with first and best fit, `tlb` and `stats`, each checked against the kernel's own
// counters and against the structures in guest RAM.

import { describe, expect, it } from 'vitest';
import { bootKernel, type KernelMachine } from '../harness/kernel.ts';

interface Mem { total: number; used: number; free: number; kind: string; owners: Record<string, number>; orders: number[] | null }

function parseMem(out: string): Mem {
  const lines = out.trimEnd().split('\n');
  const a = /^frames: (\d+) total, (\d+) in use, (\d+) free \((buddy|bitmap), 4 KiB each\)$/.exec(lines[0]!);
  expect(a, lines[0]).not.toBeNull();
  const b = /^in use by owner: (.*)$/.exec(lines[1]!);
  expect(b, lines[1]).not.toBeNull();
  const owners = Object.fromEntries(b![1]! === 'none' ? [] : b![1]!.split(', ').map((p) => p.split(' ')).map(([o, n]) => [o, Number(n)]));
  const c = lines[2] === undefined ? null : /^buddy free blocks by order 0\.\.10: ((?:\d+ ){10}\d+)$/.exec(lines[2]);
  if (lines[2] !== undefined) expect(c, lines[2]).not.toBeNull();
  expect(lines.length).toBeLessThanOrEqual(3);
  return { total: Number(a![1]), used: Number(a![2]), free: Number(a![3]), kind: a![4]!, owners, orders: c ? c[1]!.split(' ').map(Number) : null };
}

/** `mem` against the allocator's own numbers: totals add up, per-owner counts, free lists hold all free frames. */
function checkMem(m: KernelMachine, kind: 'buddy' | 'bitmap'): Mem {
  const mem = parseMem(m.command('mem'));
  const s = m.kernel.frames.stats();
  expect(mem.kind).toBe(kind);
  expect(mem.total).toBe(s.total);
  expect(mem.free).toBe(s.free);
  expect(mem.used + mem.free).toBe(mem.total);
  expect(Object.values(mem.owners).reduce((x, y) => x + y, 0)).toBe(mem.used);
  for (const [o, n] of Object.entries(s.byOwner)) if (o !== 'free') expect(mem.owners[o] ?? 0, o).toBe(n);
  if (kind === 'buddy') {
    expect(mem.orders).toHaveLength(11);
    expect(mem.orders!.reduce((sum, n, k) => sum + n * 2 ** k, 0), 'free blocks cover every free frame').toBe(mem.free);
  } else {
    expect(mem.orders).toBeNull();
  }
  return mem;
}

describe('mem', () => {
  for (const kind of ['buddy', 'bitmap'] as const) {
    it(`shows frames in use and free per owner (${kind}), and every frame comes back after a process`, () => {
      const m = bootKernel({ frames: kind });
      expect(m.transcript).toContain(`free frames (${kind})`);
      const idle = checkMem(m, kind);
      // The 1 MiB kernel heap arena, and the reverse map (16 bytes a frame and a pool entry of 12 a frame), nothing else yet.
      const nframes = (32 << 20) / 4096;
      expect(idle.owners).toEqual({ heap: 256, rmap: Math.ceil((nframes * 16) / 4096) + Math.ceil((nframes * 12) / 4096) });
      expect(m.command('run sleeper 500 &')).toBe('[1] sleeper 500\n');
      m.runFor(2_000_000);
      const busy = checkMem(m, kind);
      const vm = m.command('vm 1');
      const mapped = Number(/(\d+) pages mapped/.exec(vm)![1]);
      expect((busy.owners.user ?? 0) + (busy.owners.cache ?? 0)).toBe(mapped); // its own pages, and the page cache's it maps
      expect(busy.owners.kstack).toBe(1);
      expect(busy.owners.pagedir).toBe(1);
      expect(busy.owners.pagetable).toBe(2); // one for the text at 0x08048000, one for the stack below 0xC0000000
      expect(busy.owners.slab).toBe(1); // the process records
      expect(busy.free).toBe(idle.free - (busy.used - idle.used));
      const from = m.transcript.length;
      m.runUntil(/\[1\] done: sleeper, status 0\n/, undefined, from);
      m.runUntil(/\n\$ $/, undefined, from);
      // sleeper's text stays in the page cache, idle, until dropped.
      expect(checkMem(m, kind).owners.cache).toBeGreaterThan(0);
      expect(m.command('cache drop')).toMatch(/^cache: [1-9]\d* idle pages dropped\n$/);
      const after = checkMem(m, kind);
      expect(after.free).toBe(idle.free);
      expect(after.owners).toEqual({ heap: 256, rmap: idle.owners.rmap, ...(after.owners.slab ? { slab: after.owners.slab } : {}) });
      if (kind === 'buddy') expect(after.orders).toEqual(idle.orders); // the merges bring every block back whole
    });
  }

  for (const kind of ['buddy', 'bitmap'] as const) {
    it(`kills a process that runs out of frames (${kind}, 4 MiB), takes back all it had, and goes on`, () => {
      const m = bootKernel({ memoryBytes: 4 << 20, frames: kind });
      const idle = checkMem(m, kind);
      expect(idle.total).toBeLessThan(1024);
      const out = m.command('run touch 2000');
      // touch is the largest process (the only one): the OOM rule (kernel/proc/oom.ts) picks it.
      expect(out).toMatch(/^pid 1 \(touch\): page fault at 0x[0-9a-f]{8}: user write to not-present page \(out of memory: it needed a frame and none was free; it had the largest resident set \(\d+ pages\)\), eip 0x[0-9a-f]{8}\n/);
      expect(out).toMatch(/ {2}killed\n$/);
      expect(out).not.toContain('touched');
      m.command('cache drop');
      const after = checkMem(m, kind);
      expect(after.free).toBe(idle.free);
      if (kind === 'buddy') expect(after.orders).toEqual(idle.orders);
      expect(m.kernel.leaks()).toEqual({ frames: 0, byOwner: [], heapBlocks: [], mappings: 0 });
      expect(m.command('run forkdemo')).toBe('child says hi\nforkdemo: child 3 exited with status 0\n');
    });
  }

  it('runs the same programs with the same results on either allocator', () => {
    const outs = (['buddy', 'bitmap'] as const).map((frames) => {
      const m = bootKernel({ frames });
      return ['run touch 16', 'run forkdemo', 'run isolate', 'run mstress 100 3', 'run stack 32'].map((c) => m.command(c));
    });
    expect(outs[1]).toEqual(outs[0]);
    expect(outs[0]![3]).toContain('mstress ok');
  });
});

describe('RAM beyond the direct map', () => {
  it('uses the first GiB of a larger machine (what fits at 0xC0000000) and says so', () => {
    const m = bootKernel({ memoryBytes: 1536 * 1024 * 1024 });
    expect(m.transcript).toContain('ts386 kernel: using the first 1024 MiB of RAM (what the direct map at 0xc0000000 holds)\n');
    const s = m.kernel.frames.stats();
    expect(s.total * 4096).toBeLessThanOrEqual(1 << 30);
    expect(m.command('run touch 50')).toBe('touched 50 pages, 50 faults\n');
  });
});

describe('heap', () => {
  for (const policy of ['first', 'best', 'worst', 'next'] as const) {
    it(`shows the kernel heap (${policy}-fit) as its blocks in guest RAM say, and gets back to it after programs`, () => {
      const m = bootKernel({ heap: policy });
      expect(m.transcript).toContain(`heap 1024 KiB (${policy}-fit)`);
      const check = (): string => {
        const out = m.command('heap');
        const s = m.kernel.heap.stats();
        const lines = out.trimEnd().split('\n');
        expect(lines[0]).toBe(`kernel heap (${policy}-fit): ${s.bytesInUse} bytes in ${s.blocksInUse} blocks in use, ${s.freeBytes} bytes free in ${s.freeBlocks} blocks`);
        expect(lines[1]).toBe(`largest free block ${s.largestFree} bytes, external fragmentation ${(s.fragmentation * 100).toFixed(1)}%`);
        const free = lines.filter((l) => l.startsWith('  free '));
        expect(free.length).toBe(Math.min(16, s.freeBlocks));
        const ram = new DataView(m.machine.phys.ram.buffer, m.machine.phys.ram.byteOffset);
        for (const l of free) {
          const f = /^ {2}free 0x([0-9a-f]{8}) (\d+) bytes$/.exec(l);
          expect(f, l).not.toBeNull();
          const pa = parseInt(f![1]!, 16) - 0xc0000000;
          expect(ram.getUint32(pa, true), 'header: size, used bit clear').toBe(Number(f![2]));
          expect(ram.getUint32(pa + 4, true), "header: magic 'KHBK'").toBe(0x4b48424b);
          expect(ram.getUint32(pa + Number(f![2]) - 4, true), 'footer').toBe(Number(f![2]));
        }
        expect(lines[lines.length - 2]).toMatch(/^slab proc: 64-byte objects, \d+ slabs, 0 in use, \d+ free$/);
        expect(lines[lines.length - 1]).toMatch(/^slab file: 16-byte objects, \d+ slabs, 0 in use, \d+ free$/);
        return lines.slice(0, 2).join('\n');
      };
      const idle = check();
      expect(m.kernel.heap.stats().fragmentation).toBe(0);
      for (const c of ['run touch 8', 'run cat README', 'run forkdemo', 'run badtext', 'run mstress 50 1', 'cache drop']) m.command(c);
      expect(check()).toBe(idle);
      expect(m.kernel.leaks().heapBlocks).toEqual([]);
    });
  }

  it('gives the same program output under every placement', () => {
    const outs = (['first', 'best', 'worst', 'next'] as const).map((heap) => {
      const m = bootKernel({ heap });
      return ['run cat README', 'run forkdemo', 'run isolate'].map((c) => m.command(c));
    });
    for (const o of outs.slice(1)) expect(o).toEqual(outs[0]);
  });
});

describe('tlb and stats', () => {
  it('tlb shows the processor\'s hit, miss and flush counters, which grow as programs run', () => {
    const m = bootKernel();
    const parse = (out: string): { hits: number; misses: number; flushes: number; pct: string } => {
      const t = /^TLB: (\d+) hits, (\d+) misses \((\d+\.\d\d)% hits\), (\d+) flushes\n$/.exec(out);
      expect(t, out).not.toBeNull();
      const hits = Number(t![1]), misses = Number(t![2]);
      expect(t![3]).toBe(((hits / (hits + misses)) * 100).toFixed(2));
      return { hits, misses, flushes: Number(t![4]), pct: t![3]! };
    };
    const a = parse(m.command('tlb'));
    const now = m.kernel.hw.readTlbCounters();
    expect(a.hits).toBeLessThanOrEqual(now.hits);
    expect(a.misses).toBeLessThanOrEqual(now.misses);
    expect(a.flushes).toBeLessThanOrEqual(now.flushes);
    m.command('run touch 16');
    const b = parse(m.command('tlb'));
    expect(b.misses - a.misses).toBeGreaterThanOrEqual(16); // every fresh page is walked at least once
    expect(b.hits).toBeGreaterThan(a.hits);
    expect(b.flushes).toBeGreaterThan(a.flushes); // CR3 reloads: switching to the process and back
  });

  it('stats shows the kernel counters exactly', () => {
    const m = bootKernel();
    for (const c of ['run hello', 'run touch 8', 'run badnull', 'run forkdemo']) m.command(c);
    const out = m.command('stats');
    const s = m.kernel.stats;
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    const up = /^uptime (\d+\.\d\d) s \((\d+) ticks\), (\d+) cycles$/.exec(lines[0]!);
    expect(up, lines[0]).not.toBeNull();
    expect(Number(up![1])).toBeCloseTo(Number(up![2]) / 100, 5);
    expect(Number(up![2])).toBeLessThanOrEqual(s.ticks);
    expect(Number(up![3])).toBeLessThanOrEqual(m.machine.cpu.cycles);
    expect(lines[1]).toBe(`page faults ${s.faults} (zero-filled ${s.zeroFills}, read from disk ${s.pageIns}), processes started 5, killed 1`);
    expect(s.processesStarted).toBe(5);
    expect(s.kills).toBe(1);
    expect(lines[2]).toMatch(/^system calls \d+, interrupts \d+, context switches \d+, host calls \d+$/);
    expect(Number(/system calls (\d+)/.exec(lines[2]!)![1])).toBe(s.syscalls);
    // forkdemo's fork shared its pages; its child wrote to some (copied) before exec let go of the rest.
    expect(lines[3]).toBe(`page cache: ${m.kernel.cache!.size} pages of program files, hits ${s.cacheHits}, misses ${s.cacheMisses}, idle pages dropped for a frame ${s.cacheDrops}`);
    expect(lines[4]).toBe(`copy-on-write: forks shared ${s.cowShared} pages; write faults on them ${s.cowFaults} (copied ${s.cowCopies}, taken over ${s.cowReuses}); copies saved ${s.cowShared - s.cowCopies}`);
    expect(s.cowShared).toBeGreaterThan(0);
    expect(s.cowCopies).toBeLessThan(s.cowShared);
  });
});
