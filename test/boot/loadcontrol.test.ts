// Load control, booted: three processes each touching 350 pages at random (a seeded string of
// 20,000 references) need 1,050 frames of the 620 or so there are. Without load control they
// thrash: each waits for the disk while the others take its frames. With it, the kernel suspends
// one, rolls its pages out to swap, and brings it back when the others are done; the three finish
// in a fraction of the time, and every page comes back as written (touch checks them).

import { describe, expect, it } from 'vitest';
import { bootKernel, type KernelMachine } from '../harness/kernel.ts';

const RUNS = 3;

/** Boots, starts the three, and runs until they have ended or `budget` cycles have passed: the cycles taken, and whether ps ever showed one suspended. */
function thrash(cmdline: string, budget: number): { m: KernelMachine; cycles: number; done: number; sawSuspended: boolean } {
  const m = bootKernel({ memoryBytes: 4 << 20, swapBytes: 16 << 20, cmdline });
  const start = m.machine.cpu.cycles;
  for (let i = 1; i <= RUNS; i++) m.command(`run touch -x 350 ${i} 20000 &`);
  let sawSuspended = false;
  while (m.kernel.accounting.length < RUNS && m.machine.cpu.cycles - start < budget) {
    m.runFor(10_000_000);
    if (!sawSuspended && / wait:suspended /.test(m.command('ps'))) sawSuspended = true;
  }
  return { m, cycles: m.machine.cpu.cycles - start, done: m.kernel.accounting.length, sawSuspended };
}

describe('load control', () => {
  for (const mode of ['ws', 'pff'] as const) {
    it(`${mode}: suspends a process and rolls it out while memory is overcommitted; all finish intact, far sooner than without`, () => {
      const on = thrash(`loadcontrol=${mode}`, 400_000_000);
      expect(on.done).toBe(RUNS);
      expect(on.m.kernel.accounting.every((a) => a.status === 0 && !a.killed)).toBe(true); // touch checked every page
      expect(on.sawSuspended).toBe(true);
      expect(on.m.command('mem')).toMatch(new RegExp(`^load control \\(${mode}\\): none suspended; rolled out [1-9]\\d* times, back in [1-9]\\d*$`, 'm'));
      expect(on.m.transcript).toContain(`(FIFO replacement, load control by ${mode === 'ws' ? 'working sets' : 'page-fault frequency'})`);
      const utilisation = on.m.kernel.stats.userCycles / on.cycles;
      on.m.type('halt\r');
      expect(on.m.runToStop(400_000_000).exitStatus).toBe(0);
      expect(on.m.transcript).toMatch(/leak check: 0 frames, 0 heap blocks, 0 swap slots, 0 mappings leaked\n$/);
      // Without load control, in twice the time, the three have not finished.
      const off = thrash('', 2 * on.cycles);
      expect(off.done).toBeLessThan(RUNS);
      expect(off.m.kernel.stats.userCycles / off.cycles).toBeLessThan(utilisation / 2);
    });
  }
});
