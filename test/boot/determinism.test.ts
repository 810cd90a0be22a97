// Determinism: the emulated machine and the kernel have no source of chance (no wall clock, no
// host randomness), so the same boot options and the same typed input give the same transcript and
// the same cycle counts, run after run. The other boot tests' exact counts rest on this.

import { expect, it } from 'vitest';
import { bootKernel, type BootOptions, type KernelMachine } from '../harness/kernel.ts';

interface Trace { transcript: string; cycles: number[]; stats: unknown; tlb: unknown; frames: unknown; heap: unknown }

/** A busy session: foreground and background jobs, forks, faults, a kill by Ctrl-C, scheduler preemption. */
function record(opts: BootOptions): Trace {
  const m: KernelMachine = bootKernel(opts);
  const cycles = [m.machine.cpu.cycles];
  const step = (f: () => void): void => { f(); cycles.push(m.machine.cpu.cycles); };
  for (const c of ['run sleeper 100 &', 'run spin 30000 &', 'run touch -x 32 5', 'run forkdemo', 'run badwild', 'ps', 'run isolate', 'stats']) {
    step(() => m.command(c));
  }
  step(() => { m.type('run spin\r'); m.runFor(1_500_000); m.type('\x03'); m.runUntil(/Ctrl-C\)\n\$ $/); });
  step(() => m.runUntil('[2] done: spin, status 0'));
  step(() => m.command('tlb'));
  step(() => { m.type('halt\r'); m.runToStop(); });
  return {
    transcript: m.transcript, cycles, stats: { ...m.kernel.stats }, tlb: m.kernel.hw.readTlbCounters(),
    frames: m.kernel.frames.stats(), heap: m.kernel.heap.stats(),
  };
}

it('gives identical transcripts and cycle counts for the same input, twice', () => {
  const a = record({});
  const b = record({});
  expect(b.transcript).toBe(a.transcript);
  expect(b.cycles).toEqual(a.cycles);
  expect(b.stats).toEqual(a.stats);
  expect(b.tlb).toEqual(a.tlb);
  expect(b.frames).toEqual(a.frames);
  expect(b.heap).toEqual(a.heap);
  // The session did what it says (a trace of nothing would be trivially equal).
  expect(a.transcript).toContain('[1] done: sleeper, status 0');
  expect(a.transcript).toContain('killed: interrupted (Ctrl-C)');
  expect(a.transcript).toContain('isolated: ok');
  expect(a.transcript).toMatch(/leak check: 0 frames, 0 heap blocks, 0 mappings leaked\n$/);
});

it('gives identical runs with the bitmap allocator and best fit on a 486 too', () => {
  const opts: BootOptions = { frames: 'bitmap', heap: 'best', cpu: 486 };
  const a = record(opts), b = record(opts);
  expect(b.transcript).toBe(a.transcript);
  expect(b.cycles).toEqual(a.cycles);
  expect(b.stats).toEqual(a.stats);
});
