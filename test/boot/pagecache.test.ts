// The page cache of the program disk (issue 12), booted for real: two processes running the same
// program share the frames of its text (the tenth `spin &` costs its own stack and data pages, not
// a copy of the program), the pages stay cached after the last process exits and the next run
// reads nothing, `cache` lists them, and idle pages are given back when frames run short, with
// swap or without.

import { describe, expect, it } from 'vitest';
import { bootKernel, countingProgramDisk, STEP_BUDGET, type KernelMachine } from '../harness/kernel.ts';

/** `mem`'s owner counts. */
function owners(m: KernelMachine): Record<string, number> {
  const line = /^in use by owner: (.*)$/m.exec(m.command('mem'))![1]!;
  return Object.fromEntries(line.split(', ').map((kv) => { const [k, v] = kv.split(' '); return [k!, Number(v)]; }));
}

describe('the page cache', () => {
  it('shares a program\'s text among the processes running it: each more copy costs only its own pages', () => {
    const m = bootKernel();
    const costs: number[] = [];
    let before = owners(m);
    for (let k = 1; k <= 4; k++) {
      expect(m.command('run spin 2000000000 &')).toBe(`[${k}] spin 2000000000\n`);
      m.runFor(3_000_000);
      const now = owners(m);
      costs.push((now.user ?? 0) - (before.user ?? 0));
      if (k > 1) expect(now.cache, 'no new cached page for the same program').toBe(before.cache);
      before = now;
    }
    // The first spin brings its text into the cache; each later one maps it and has only its
    // private pages (the stack, and the page that is part data, part bss): the same small number.
    expect(costs[1]).toBe(costs[2]);
    expect(costs[2]).toBe(costs[3]);
    expect(costs[3]).toBeLessThanOrEqual(2);
    const vm = m.command('vm 4');
    const text = /^ {4}0x08048000 -> 0x([0-9a-f]{8}) {2}P - U A - {2}shared with pid (\d+), pid (\d+), pid (\d+)$/m.exec(vm);
    expect(text, vm).not.toBeNull();
    expect([text![2], text![3], text![4]].sort()).toEqual(['1', '2', '3']);
    expect(m.command('cache')).toMatch(/^ {2}spin +\d+ of \d+ pages cached, [1-9]\d* mapped, 0 idle$/m);
    for (let k = 1; k <= 4; k++) m.command(`kill ${k}`);
  });

  it('keeps a program\'s pages after it exits: running it again reads nothing from the disk, and `cache drop` frees them', () => {
    const m = bootKernel();
    m.command('run hello');
    const s = m.kernel.stats;
    const [pageIns, misses, hits] = [s.pageIns, s.cacheMisses, s.cacheHits];
    expect(m.command('cache')).toMatch(/^ {2}hello +1 of 1 pages cached, 0 mapped, 1 idle$/m);
    expect(m.command('run hello')).toBe('hello, world (pid 2)\n');
    expect(s.pageIns - pageIns, 'pages read from the disk').toBe(0);
    expect(s.cacheMisses - misses).toBe(0);
    expect(s.cacheHits - hits, 'the ELF header and the text page').toBe(2);
    expect(m.command('cache drop')).toBe('cache: 1 idle pages dropped\n');
    expect(m.command('cache')).toBe('page cache: 0 pages of 0 files\n');
    expect(owners(m).cache).toBeUndefined();
  });

  it('gives idle pages back when frames run short, without swap (not an out-of-memory kill)', () => {
    const m = bootKernel({ memoryBytes: 4 << 20 });
    for (const p of ['hello', 'echo x', 'cat README', 'forkdemo', 'meminfo']) m.command(`run ${p}`);
    const cached = m.kernel.cache!.size;
    expect(cached).toBeGreaterThan(4);
    const free = m.kernel.frames.stats().free;
    // touch (its pages and 11 frames of its own: text from the cache, data, stack, page tables, its
    // kernel stack and page directory) needs every free frame and every cached one: the idle
    // cache pages go, and it fits; one page more and nothing is left to give (an OOM kill).
    const pages = free + cached - 11;
    expect(m.command(`run touch ${pages}`)).toMatch(new RegExp(`^touched ${pages} pages, \\d+ faults\\n$`));
    expect(m.kernel.stats.cacheDrops).toBe(cached);
    expect(m.kernel.stats.kills).toBe(0);
  });

  it('writes a MAP_SHARED file\'s pages back to the disk\'s blocks, and never a clean page', () => {
    const { disk, sectors } = countingProgramDisk();
    const m = bootKernel({ disk });
    for (const t of ['read', 'clean', 'private', 'shuffle']) expect(m.command(`run mmaptest ${t}`)).toBe(`mmaptest ${t}: ok\n`);
    expect(sectors.written, 'mappings that were only read, or written privately').toBe(0);
    expect(m.command('run mmaptest write')).toBe('mmaptest write: ok\n');
    m.runFor(2_000_000); // the last write-back's sectors reach the drive
    expect(sectors.written).toBeGreaterThan(0);
    expect(m.kernel.stats.cacheWritebacks).toBeGreaterThan(0);
    expect(m.command('stats')).toMatch(/, written back to files [1-9]\d*$/m);
    expect(m.command('sync')).toBe('sync: 0 dirty pages written back\n'); // munmap wrote them already
    expect(m.command('run mmaptest mark ABC')).toBe('mmaptest mark: 3 bytes written to mmap-data\n');
    expect(m.command('sync')).toBe('sync: 0 dirty pages written back\n');
  });

  it('writes a mapping\'s dirty page back on `sync`, and within 5 s by itself, while the mapping stays', () => {
    const m = bootKernel();
    // The job writes mmap-data through MAP_SHARED, then sleeps 8 s before munmap.
    expect(m.command('run mmaptest mark XYZ 8000 &')).toBe('[1] mmaptest mark XYZ 8000\n');
    m.runFor(3_000_000);
    expect(m.command('sync')).toBe('sync: 1 dirty pages written back\n');
    expect(m.command('sync')).toBe('sync: 0 dirty pages written back\n');
    expect(m.command('run mmaptest mark ABCD 8000 &')).toBe('[2] mmaptest mark ABCD 8000\n');
    const written = m.kernel.stats.cacheWritebacks;
    // The periodic sync (every 500 ticks) writes it while both jobs still sleep.
    while (m.kernel.stats.ticks < 510) m.runFor(10_000_000);
    expect(m.kernel.procs.size).toBe(2);
    expect(m.kernel.stats.cacheWritebacks - written).toBe(1);
  });

  it('has its pages taken back like any other under swap, and reads them again when needed', () => {
    const m = bootKernel({ memoryBytes: 4 << 20, swapBytes: 16 << 20 });
    m.command('run spin 4000000000 &');
    m.runFor(3_000_000);
    // A program bigger than RAM beside it: spin's text is a mapped cache page like any other.
    expect(m.command('run touch 1200', 20 * STEP_BUDGET)).toMatch(/^touched 1200 pages, \d+ faults\n$/);
    expect(m.kernel.stats.evictions).toBeGreaterThan(500);
    expect(m.kernel.stats.cacheEvictions, 'cached pages spin and touch mapped, taken back').toBeGreaterThan(0);
    expect(m.command('stats')).toMatch(/^page cache: .*, mapped pages taken back [1-9]\d*$/m);
    m.command('kill 1');
    expect(m.command('run hello')).toBe('hello, world (pid 3)\n');
    m.type('halt\r');
    expect(m.runToStop(400_000_000).exitStatus).toBe(0);
    expect(m.transcript.trimEnd().split('\n').at(-1)).toBe('leak check: 0 frames, 0 heap blocks, 0 swap slots, 0 mappings leaked');
  });
});
