// Random-code fuzzing with fixed seeds: a page of random bytes (or of random instructions built
// from the opcode table) runs in real mode, in flat 32-bit protected mode at CPL 0, and at CPL 3
// with paging on (some pages absent, some read-only). Every interrupt vector points at a handler
// that counts the exception and returns to somewhere else in the random page. Whatever the bytes
// do, the emulator must only ever raise architected exceptions — a JavaScript exception escaping
// machine.run is an emulator bug — and the same seed must give the same run, to the cycle, the
// register and the byte of RAM.

import { describe, expect, it } from 'vitest';
import { getEflags } from '../../../../emulator/cpu/flags.ts';
import type { CpuModel } from '../../../../emulator/cpu/state.ts';
import { COUNTER, CYCLES, fuzzMachine, type Gen, hashRam, type Mode, modelFor } from '../../../harness/fuzz-machine.ts';

// The machines (the random page, the handlers, the three modes) are built by
// test/harness/fuzz-machine.ts, which the compiler cross-check shares.

interface Outcome {
  reason: string;
  cycles: number;
  instructions: number;
  regs: number[];
  eip: number;
  eflags: number;
  segs: number[];
  cr0: number;
  cpl: number;
  exceptions: number;
  memHash: number;
}

function runSeed(seed: number, mode: Mode, gen: Gen, model: CpuModel): Outcome {
  const m = fuzzMachine(seed, mode, gen, model);
  const cpu = m.cpu;
  const res = m.run(CYCLES);
  return {
    reason: res.reason,
    cycles: res.cycles,
    instructions: res.instructions,
    regs: Array.from(cpu.reg.subarray(0, 8)),
    eip: cpu.eip,
    eflags: getEflags(cpu),
    segs: Array.from(cpu.seg),
    cr0: cpu.cr0,
    cpl: cpu.cpl,
    exceptions: m.phys.read32(COUNTER),
    memHash: hashRam(m),
  };
}

/** Runs one seed, turning an escaped JavaScript exception into a readable failure. */
function runChecked(seed: number, mode: Mode, gen: Gen, model: CpuModel): Outcome {
  try {
    return runSeed(seed, mode, gen, model);
  } catch (e) {
    const what = e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e);
    throw new Error(`seed ${seed} (${mode}, ${gen}, ${model}): JavaScript exception escaped machine.run: ${what}`);
  }
}

const SEEDS = 20;
const seeds = Array.from({ length: SEEDS }, (_, k) => k + 1);

describe('random code', () => {
  for (const mode of ['real', 'pm32', 'user'] as const) {
    for (const gen of ['bytes', 'insns'] as const) {
      it(`raises only architected exceptions and runs deterministically (${mode}, random ${gen}, seeds 1..${SEEDS})`, () => {
        let instructions = 0;
        for (const seed of seeds) {
          const model = modelFor(seed);
          const a = runChecked(seed, mode, gen, model);
          const b = runChecked(seed, mode, gen, model);
          expect(b, `seed ${seed} ran differently the second time`).toEqual(a);
          instructions += a.instructions;
        }
        // The harness itself must work: some instructions ran.
        expect(instructions).toBeGreaterThan(SEEDS);
      });
    }
  }
});
