// Paging under memory pressure, booted for real with a swap disk (the channel's slave): a program
// bigger than RAM runs and finds every page as it left it (touch checks each page's words), others
// run beside a process that holds nearly all the frames, swap space running out kills one process
// with one line, and nothing is left behind: no frame, no heap block, no swap slot.

import { describe, expect, it } from 'vitest';
import { hasAs } from '../harness/gas.ts';
import { bootKernel, type KernelMachine } from '../harness/kernel.ts';
import { elfProgram, programDiskWith } from '../harness/progdisk.ts';

const MEM = 4 << 20;
const SWAP = 16 << 20;

/** halt, then the leak check's verdict. */
function halt(m: KernelMachine): string {
  m.type('halt\r');
  const r = m.runToStop(400_000_000);
  expect(r.exitStatus).toBe(0);
  return m.transcript.slice(m.transcript.lastIndexOf('leak check:')).trim();
}

describe('swap', () => {
  it('runs a program three times bigger than RAM, and every page comes back intact', () => {
    const m = bootKernel({ memoryBytes: MEM, swapBytes: SWAP });
    expect(m.transcript).toMatch(/^swap: 4095 slots of 4 KiB on the second disk \(FIFO replacement\)$/m);
    // touch writes each page, then reads every page back and checks its first and last words:
    // it exits 0 (no "exit status" line) only when all 2,000 came back as written.
    expect(m.command('run touch 2000', 40 * 66_000_000)).toMatch(/^touched 2000 pages, \d+ faults\n$/);
    const stats = m.command('stats');
    const [, taken, written, read] = /pages taken back (\d+) \(written to swap (\d+), dropped still in swap \d+\), read back from swap (\d+)/.exec(stats)!.map(Number);
    expect(written).toBeGreaterThan(1000);
    expect(read).toBeGreaterThan(1000);
    expect(taken).toBeGreaterThanOrEqual(written!);
    expect(m.command('mem')).toMatch(/^swap: 4095 slots of 4 KiB, 0 in use, 4095 free$/m);
    expect(m.kernel.leaks()).toEqual({ frames: 0, byOwner: [], heapBlocks: [], swapSlots: 0, mappings: 0 });
    expect(halt(m)).toBe('leak check: 0 frames, 0 heap blocks, 0 swap slots, 0 mappings leaked');
  });

  it('lets programs run beside a process that goes round more pages than there are frames, and frees its slots when it is killed', () => {
    const m = bootKernel({ memoryBytes: MEM, swapBytes: SWAP });
    const free = Number(/(\d+) free frames/.exec(m.transcript)![1]);
    // A resident limit keeps the big one to its own frames (local replacement), so the others are
    // not starved, as they are under global FIFO with a process that goes round all of memory.
    m.command(`run -m ${free - 80} touch -s ${free} 100000 &`);
    m.runFor(60_000_000);
    expect(m.command('run isolate', 20 * 66_000_000)).toContain('isolated: ok');
    expect(m.command('run mstress 300 3', 20 * 66_000_000)).toContain('mstress ok');
    expect(m.command('run forkdemo', 20 * 66_000_000)).toMatch(/^child says hi\nforkdemo: child \d+ exited with status 0\n$/);
    const vm = m.command('vm 1', 10 * 66_000_000);
    expect(vm).toMatch(/^ {2}\d+ pages in swap: {6}VA {8}slot$/m);
    expect(m.command('mem')).toMatch(/^swap: 4095 slots of 4 KiB, [1-9]\d* in use/m);
    expect(m.command('kill 1')).toContain('pid 1 (touch) killed: killed from the shell');
    m.runFor(10_000_000); // writes still in flight finish
    expect(halt(m)).toBe('leak check: 0 frames, 0 heap blocks, 0 swap slots, 0 mappings leaked');
  });

  it('writes a page once: read back and dropped again before it is written, it keeps its slot and needs no second write', () => {
    const m = bootKernel({ memoryBytes: MEM, swapBytes: SWAP });
    m.command('trace pf on');
    // touch writes 40 pages with 8 frames, then reads every page back to check it: on that pass the
    // pages come back from swap and go again unwritten.
    const out = m.command('run -m 8 touch 40', 20 * 66_000_000);
    m.command('trace pf off');
    expect(out).toMatch(/^touched 40 pages, \d+ faults$/m);
    const written = out.split('\n').filter((l) => / to swap slot \d+:/.test(l)).map((l) => / va (0x[0-9a-f]+) /.exec(l)![1]);
    const kept = out.split('\n').filter((l) => /dropped \(clean, still in swap slot \d+\)/.test(l));
    expect(written.length).toBeGreaterThanOrEqual(40);
    expect(new Set(written).size).toBe(written.length); // no page written twice
    expect(kept.length).toBeGreaterThan(25);
    // A kept slot is the page's: the next read-back finds it there (touch checked every page, exit 0).
    const stats = m.command('stats');
    expect(stats).toContain(`written to swap ${written.length}, dropped still in swap ${kept.length})`);
    // Written again after a read-back, a page goes back to its slot (touch -s rewrites every page each pass).
    expect(m.command('run -m 8 touch -s 40 3', 40 * 66_000_000)).toMatch(/^touched 40 pages in 3 sequential passes, 120 faults\n$/);
    expect(m.command('mem')).toMatch(/^swap: 4095 slots of 4 KiB, 0 in use, 4095 free$/m);
    expect(halt(m)).toBe('leak check: 0 frames, 0 heap blocks, 0 swap slots, 0 mappings leaked');
  });

  it('vm shows the pages mlock keeps, and the pages read back from swap that are still in their slot', () => {
    const m = bootKernel({ memoryBytes: MEM, swapBytes: SWAP });
    m.command('run -m 8 touch -s 40 100000 &');
    m.runFor(200_000_000); // many passes: every page has been out to swap and back
    const vm = m.command('vm 1', 10 * 66_000_000);
    const mapped = vm.split('\n').filter((l) => /^ {4}0x[0-9a-f]{8} -> /.test(l));
    // touch locks its text, data, bss and stack; the pages it goes round are read back with their slots.
    expect(mapped.filter((l) => l.endsWith('  locked')).length).toBeGreaterThanOrEqual(4);
    const kept = mapped.filter((l) => /  also in swap slot \d+$/.test(l));
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThanOrEqual(8);
    const inSwap = new Set([...vm.matchAll(/^ {4}0x[0-9a-f]{8} -> slot (\d+)$/gm)].map((x) => x[1]));
    for (const l of kept) expect(inSwap.has(/slot (\d+)$/.exec(l)![1])).toBe(false); // a slot is one page's
    expect(m.command('kill 1')).toContain('killed from the shell');
    m.runFor(10_000_000);
    expect(halt(m)).toBe('leak check: 0 frames, 0 heap blocks, 0 swap slots, 0 mappings leaked');
  });

  // Grows the heap by 20 pages (at %esi), writes each, reads each back: under a resident limit the
  // reads bring pages back from swap, keeping their slots.
  const GROW_WRITE_READ = `
    movl $46, %eax
    movl $20*4096, %ebx
    int $0x80
    movl %eax, %esi
    movl %esi, %edi
    movl $20, %ecx
  1:movl %ecx, (%edi)
    addl $4096, %edi
    loop 1b
    movl %esi, %edi
    movl $20, %ecx
  2:movl (%edi), %eax
    addl $4096, %edi
    loop 2b
  `;

  // Then lowers the break by the 20 pages, and spins.
  const SHRINK_KEPT = `${GROW_WRITE_READ}
    movl $46, %eax
    movl $-20*4096, %ebx
    int $0x80
  3:jmp 3b
  `;

  it.skipIf(!hasAs)('frees the slots that read-back pages kept when their process lowers its break', () => {
    const m = bootKernel({ memoryBytes: MEM, swapBytes: SWAP, disk: programDiskWith({ shrinkk: elfProgram(SHRINK_KEPT) }) });
    m.command('run -m 6 shrinkk &');
    m.runFor(100_000_000);
    expect(m.kernel.stats.keptDrops).toBeGreaterThan(0); // pages did keep their slots on the read pass
    // What is left in swap is the pages vm lists (its stack, written at exec): no heap page's slot.
    const inSwap = /^ {2}(\d+) pages in swap:/m.exec(m.command('vm 1'));
    const inUse = Number(/^swap: 4095 slots of 4 KiB, (\d+) in use/m.exec(m.command('mem'))![1]);
    expect(inUse).toBe(inSwap === null ? 0 : Number(inSwap[1]));
    expect(m.command('kill 1')).toContain('pid 1 (shrinkk) killed: killed from the shell');
    m.runFor(10_000_000);
    expect(halt(m)).toBe('leak check: 0 frames, 0 heap blocks, 0 swap slots, 0 mappings leaked');
  });

  // Then mlock and munlock the last 4 pages (resident, read back with their slots kept), and exit.
  const LOCK_KEPT = `${GROW_WRITE_READ}
    leal 16*4096(%esi), %ebx
    movl $4*4096, %ecx
    movl $150, %eax
    int $0x80
    leal 16*4096(%esi), %ebx
    movl $4*4096, %ecx
    movl $151, %eax
    int $0x80
    xorl %ebx, %ebx
    movl $1, %eax
    int $0x80
  `;

  it.skipIf(!hasAs)('keeps a read-back page\'s slot through mlock and munlock, and frees it at exit', () => {
    const m = bootKernel({ memoryBytes: MEM, swapBytes: SWAP, disk: programDiskWith({ lockkept: elfProgram(LOCK_KEPT) }) });
    expect(m.command('run -m 6 lockkept', 100_000_000)).toBe('');
    expect(m.kernel.stats.keptDrops).toBeGreaterThan(0);
    expect(m.command('mem')).toMatch(/^swap: 4095 slots of 4 KiB, 0 in use, 4095 free$/m);
    expect(halt(m)).toBe('leak check: 0 frames, 0 heap blocks, 0 swap slots, 0 mappings leaked');
  });

  // Writes 1 into 20 pages (under a resident limit most go to swap), forks: the child sleeps, then
  // checks every page still holds 1 (exit 0, else 1). The parent meanwhile writes 2 into every page,
  // twice round: each page comes back from a slot the child shares, is written, and must go out to
  // a slot of its own; then it exits with the child's status.
  const FORK_KEPT = `
    movl $46, %eax
    movl $20*4096, %ebx
    int $0x80
    movl %eax, %esi
    movl %esi, %edi
    movl $20, %ecx
  1:movl $1, (%edi)
    addl $4096, %edi
    loop 1b
    movl $2, %eax
    int $0x80
    testl %eax, %eax
    jz 6f
    movl $2, %edx
  4:movl %esi, %edi
    movl $20, %ecx
  2:movl $2, (%edi)
    addl $4096, %edi
    loop 2b
    decl %edx
    jnz 4b
    subl $4, %esp
    movl %esp, %ebx
    movl $7, %eax
    int $0x80
    movl (%esp), %ebx
    movl $1, %eax
    int $0x80
  6:movl $162, %eax
    movl $1000, %ebx
    int $0x80
    movl %esi, %edi
    movl $20, %ecx
    xorl %ebx, %ebx
  3:cmpl $1, (%edi)
    je 5f
    movl $1, %ebx
  5:addl $4096, %edi
    loop 3b
    movl $1, %eax
    int $0x80
  `;

  it.skipIf(!hasAs)('writes a read-back page whose slot a fork shares to a new slot, so the child still finds its own contents', () => {
    const m = bootKernel({ memoryBytes: MEM, swapBytes: SWAP, disk: programDiskWith({ forkkept: elfProgram(FORK_KEPT) }) });
    const swapOuts = m.kernel.stats.swapOuts;
    expect(m.command('run -m 6 forkkept', 300_000_000)).toBe(''); // exit status 0: the child found every 1
    expect(m.kernel.stats.swapOuts - swapOuts).toBeGreaterThan(40);
    expect(m.command('mem')).toMatch(/^swap: 4095 slots of 4 KiB, 0 in use, 4095 free$/m);
    expect(halt(m)).toBe('leak check: 0 frames, 0 heap blocks, 0 swap slots, 0 mappings leaked');
  });

  it('frees the slots that read-back pages kept when their process is killed or forks', () => {
    // Local replacement, so that the process going round more pages than there are frames keeps
    // to its share and the others can run beside it (under global FIFO it would take every frame
    // from forkdemo as fast as forkdemo's pages came back from swap).
    const m = bootKernel({ memoryBytes: MEM, swapBytes: SWAP, cmdline: 'scope=local' });
    const free = Number(/(\d+) free frames/.exec(m.transcript)![1]);
    // FIFO over more pages than frames: the check pass reads pages back (keeping their slots).
    m.command(`run touch -s ${free + 200} 100000 &`);
    m.runFor(400_000_000);
    expect(m.kernel.stats.swapIns).toBeGreaterThan(0); // pages read back, each keeping its slot until written again
    expect(m.command('run forkdemo', 40 * 66_000_000)).toMatch(/^child says hi\nforkdemo: child \d+ exited with status 0\n$/);
    expect(m.command('run mstress 300 3', 40 * 66_000_000)).toContain('mstress ok');
    expect(m.command('kill 1')).toContain('pid 1 (touch) killed: killed from the shell');
    m.runFor(10_000_000);
    expect(m.command('mem')).toMatch(/^swap: 4095 slots of 4 KiB, 0 in use, 4095 free$/m);
    expect(halt(m)).toBe('leak check: 0 frames, 0 heap blocks, 0 swap slots, 0 mappings leaked');
  });

  it('kills the process that needs a slot when swap is full, with one line, and goes on', () => {
    const m = bootKernel({ memoryBytes: MEM, swapBytes: 128 * 1024 });
    expect(m.transcript).toMatch(/^swap: 31 slots of 4 KiB/m);
    const out = m.command('run touch 2000', 40 * 66_000_000);
    expect(out).toMatch(/^pid 1 \(touch\): page fault at 0x[0-9a-f]{8}: user write to not-present page \(out of swap space \(no free slot for a page to make room\)\), eip 0x[0-9a-f]{8}\n/);
    expect(out).toMatch(/ {2}killed\n$/);
    expect(m.command('run hello')).toMatch(/^hello, world/);
    expect(halt(m)).toBe('leak check: 0 frames, 0 heap blocks, 0 swap slots, 0 mappings leaked');
  });

  it('gives the same transcript and cycle count twice', () => {
    const run = (): [string, number] => {
      const m = bootKernel({ memoryBytes: MEM, swapBytes: SWAP });
      m.command('run touch 1500', 40 * 66_000_000);
      m.command('stats');
      return [m.transcript, m.machine.cpu.cycles];
    };
    expect(run()).toEqual(run());
  });
});

describe('global replacement policies', () => {
  it.each(['second-chance', 'nru', 'aging', 'lfu', 'mfu', 'random', 'lru', 'wsclock'])('%s: a program bigger than RAM comes back intact, and nothing leaks', (policy) => {
    const m = bootKernel({ memoryBytes: MEM, swapBytes: SWAP, cmdline: `policy=${policy}` });
    expect(m.transcript).toContain(`swap: 4095 slots of 4 KiB on the second disk (${policy} replacement${policy === 'lru' ? ', exact: a soft fault at each move to another page' : ''})`);
    expect(m.command('run touch 1200', 40 * 66_000_000)).toMatch(/^touched 1200 pages, \d+ faults\n$/);
    expect(m.command('stats')).toMatch(/written to swap [1-9]/);
    expect(halt(m)).toBe('leak check: 0 frames, 0 heap blocks, 0 swap slots, 0 mappings leaked');
  });
});

describe('local replacement (--scope local)', () => {
  /** Each live process's RSS, from ps (its locked pages included). */
  const rss = (m: KernelMachine): Map<number, number> => {
    const out = new Map<number, number>();
    for (const l of m.command('ps').split('\n').slice(1)) {
      const f = l.trim().split(/\s+/);
      if (f.length >= 7) out.set(Number(f[0]), Number(f[5]));
    }
    return out;
  };
  /** Each process's share as mem reports it. */
  const shares = (m: KernelMachine, alloc: string): Map<number, number> => {
    const line = new RegExp(`^local replacement, ${alloc} allocation: (.*)$`, 'm').exec(m.command('mem'))![1]!;
    return new Map([...line.matchAll(/pid (\d+) \(\w+\) (\d+)/g)].map((x) => [Number(x[1]), Number(x[2])]));
  };
  // touch locks its own text, data, bss and stack (about 6 pages): RSS counts them, a share does not.
  const LOCKED_SLACK = 8;

  /**
   * Two touch processes going round `a` and `b` pages under local replacement with `alloc`: each
   * one's share (from mem) and RSS (from ps) once they have run a while; then both are killed and
   * nothing is left behind.
   */
  const goRound = (alloc: string, a: number, b: number): { share: Map<number, number>; rss: Map<number, number> } => {
    const m = bootKernel({ memoryBytes: MEM, swapBytes: SWAP, cmdline: `scope=local alloc=${alloc}` });
    expect(m.transcript).toContain(`(FIFO replacement, local, ${alloc} allocation)`);
    m.command(`run touch -s ${a} 100000 &`);
    m.command(`run touch -s ${b} 100000 &`);
    m.runFor(600_000_000);
    const out = { share: shares(m, alloc), rss: rss(m) };
    m.command('kill 1');
    m.command('kill 2');
    m.runFor(10_000_000);
    expect(halt(m)).toBe('leak check: 0 frames, 0 heap blocks, 0 swap slots, 0 mappings leaked');
    return out;
  };

  it('keeps each of two processes that go round more pages than there are frames within an equal share', () => {
    const { share, rss: r } = goRound('equal', 500, 500);
    expect(share.get(1)).toBe(share.get(2));
    for (const pid of [1, 2]) {
      expect(r.get(pid)).toBeGreaterThan(share.get(pid)! / 2); // both run, neither starved
      expect(r.get(pid)).toBeLessThanOrEqual(share.get(pid)! + LOCKED_SLACK);
    }
  });

  it('gives a bigger process a bigger share under proportional allocation, and holds each to it', () => {
    const { share, rss: r } = goRound('proportional', 600, 200);
    expect(share.get(1)!).toBeGreaterThan(2 * share.get(2)!);
    for (const pid of [1, 2]) expect(r.get(pid)).toBeLessThanOrEqual(share.get(pid)! + LOCKED_SLACK);
  });

  it('runs a program bigger than RAM intact, its pages going to swap', () => {
    const m = bootKernel({ memoryBytes: MEM, swapBytes: SWAP, cmdline: 'scope=local' });
    expect(m.command('run touch 1200', 40 * 66_000_000)).toMatch(/^touched 1200 pages, \d+ faults\n$/);
    expect(Number(/written to swap (\d+)/.exec(m.command('stats'))![1])).toBeGreaterThan(500);
    expect(halt(m)).toBe('leak check: 0 frames, 0 heap blocks, 0 swap slots, 0 mappings leaked');
  });
});
