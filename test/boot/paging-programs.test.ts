// The programs bigger than RAM (images/src/bin/page-*.c, huge.c, matmult.c: Pintos's vm/page-linear,
// page-parallel, page-merge and page-shuffle and OS/161's huge and matmult, in spirit), each run on
// the smallest machine the kernel boots on, 4 MiB (about 620 frames left for programs), with a swap
// disk. Each program checks its own result and prints "NAME: ok ..." and exits 0 (the shell adds no
// "exit status" line), its pages went out to swap and came back, and nothing is left behind. The
// sizes are the programs' defaults where those are quick, else smaller ones that still exceed RAM;
// the digests they print depend only on their arguments.

import { describe, expect, it } from 'vitest';
import { bootKernel } from '../harness/kernel.ts';

const MEM = 4 << 20;
const SWAP = 16 << 20;

/**
 * Boots, runs `cmd` within `budget` cycles, and checks what is common to every program here: the
 * pages written to swap and read back (both more than `atLeast`), no slot left in use, and a clean
 * leak check after halt. Returns what the program printed.
 */
function runSwapping(cmd: string, budget: number, atLeast = 100): string {
  const m = bootKernel({ memoryBytes: MEM, swapBytes: SWAP });
  const out = m.command(cmd, budget);
  const [, written, read] = /written to swap (\d+), dropped still in swap \d+\), read back from swap (\d+)/.exec(m.command('stats'))!.map(Number);
  expect(written, 'pages written to swap').toBeGreaterThan(atLeast);
  expect(read, 'pages read back from swap').toBeGreaterThan(atLeast);
  expect(m.command('mem')).toMatch(/^swap: 4095 slots of 4 KiB, 0 in use, 4095 free$/m);
  expect(m.kernel.leaks()).toEqual({ frames: 0, byOwner: [], heapBlocks: [], swapSlots: 0, mappings: 0 });
  m.type('halt\r');
  expect(m.runToStop(400_000_000).exitStatus).toBe(0);
  expect(m.transcript.slice(m.transcript.lastIndexOf('leak check:')).trim()).toBe('leak check: 0 frames, 0 heap blocks, 0 swap slots, 0 mappings leaked');
  return out;
}

describe('programs bigger than RAM, under swap', () => {
  it('page-linear: 3 MiB written in order and read back in order', () => {
    // Every page goes out on the way up and comes back on the way up again: two faults a page.
    const out = runSwapping('run page-linear 3072', 150_000_000, 500);
    expect(out).toMatch(/^page-linear: ok: 3072 KiB written and read back in order \(768 pages, \d+ page faults\)\n$/);
    expect(Number(/(\d+) page faults/.exec(out)![1])).toBeGreaterThan(2 * 700);
  });

  it('page-parallel: 3 children of 1 MiB each, at the same time', () => {
    expect(runSwapping('run page-parallel 3 1024', 150_000_000))
      .toBe('page-parallel: ok: 3 children of 1024 KiB each, written and read back at the same time\n');
  });

  it('page-merge: 4 children sort 2 MiB of random bytes in chunks; the parent merges them', () => {
    expect(runSwapping('run page-merge 4 2048', 450_000_000))
      .toBe('page-merge: ok: 2048 KiB in 4 chunks sorted by 4 children, merged in order, counts 0x19cffc85\n');
  });

  it('page-shuffle: 2.5 MiB shuffled, unshuffled back in order, and shuffled again to the same digest', () => {
    expect(runSwapping('run page-shuffle 2560 1', 550_000_000))
      .toBe('page-shuffle: ok: 2560 KiB, 1 round: counts kept, 655360 words moved, digest 0xd7df9031 twice, unshuffled in order\n');
  });

  it('huge: every other page of an 8 MiB bss written and checked three times, the others read zero', () => {
    expect(runSwapping('run huge', 200_000_000))
      .toMatch(/^huge: ok: 1024 of 2048 pages written, checked 3 times; the 1024 between read 0 \(\d+ page faults\)\n$/);
  });

  it('matmult: three 600x600 matrices (4.1 MiB), every element of the product checked', () => {
    expect(runSwapping('run matmult', 300_000_000))
      .toBe('matmult: ok: 600x600, band 2: C matches P(i) + Q(i) j everywhere; trace 0x007b4a28, sum 0x20f5cdc0\n');
  });

  it('each says how to call it, and exits 2, when an argument is wrong', () => {
    const m = bootKernel({ memoryBytes: MEM, swapBytes: SWAP });
    const bad = ['page-linear 6', 'page-linear 4x', 'page-parallel 0', 'page-parallel 2 1024 9', 'page-merge 17',
      'page-merge 4 -8', 'page-shuffle 12', 'page-shuffle 64 0', 'huge 1', 'matmult 0', 'matmult 10 10', 'matmult 99999999999'];
    let pid = 0;
    for (const cmd of bad) {
      const name = cmd.split(' ')[0]!;
      pid++;
      expect(m.command(`run ${cmd}`), cmd).toMatch(new RegExp(`^usage: ${name} [^\\n]*\\n\\[${pid}\\] exit status 2\\n$`));
    }
    m.type('halt\r');
    expect(m.runToStop().exitStatus).toBe(0);
    expect(m.transcript).toMatch(/leak check: 0 frames, 0 heap blocks, 0 swap slots, 0 mappings leaked\n$/);
  });
});
