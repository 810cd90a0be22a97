// Random machine states for the tests that run one instruction two ways and compare (the fast
// forms against the generic handlers, compiled templates against the handlers): a reproducible
// generator, operand values biased to the edges where flags change, and the flat 32-bit machine
// they run on, and the registers, flags and DS limit both machines start from.
import { setFlagsAdd, setFlagsInc, setFlagsLogic, setFlagsSub } from '../../emulator/cpu/flags.ts';
import { DS } from '../../emulator/cpu/registers.ts';
import { updateSegmentBounds } from '../../emulator/cpu/segments.ts';
import type { Cpu } from '../../emulator/cpu/state.ts';
import { flat32, type TestMachine } from './cpu.ts';

/** Where each instruction under test is put (physical = linear: flat segments, paging off). */
export const CODE = 0x1000;

/** A small deterministic generator (xorshift32), so a failure names a reproducible case. */
export function rng(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

export const EDGES = [0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];

/** An operand value: an edge one time in four, else any 32-bit value (as an int32). */
export function randomValue(next: () => number): number {
  return (next() % 4 === 0 ? EDGES[next() % EDGES.length]! : next()) | 0;
}

/** A 1 MiB machine in flat 32-bit protected mode, a HLT at CODE and the stack at 0x80000. */
export function flatMachine(): TestMachine {
  return flat32([0xf4], { addr: CODE, stack: 0x80000, config: { memoryBytes: 1 << 20 } });
}

/**
 * Gives every CPU of `cpus` the general registers `regs` and one random state drawn here: EFLAGS
 * plain, or lazy from an 8-, 16- or 32-bit ADD, SUB, logic or INC; and now and then a DS limit
 * that some operands cross (both ways of running an instruction must raise the same #GP).
 */
export function randomizeCpus(cpus: readonly Cpu[], regs: readonly number[], next: () => number): void {
  const flagOp = next() % 5;
  const a = randomValue(next), b = randomValue(next);
  const plainFlags = next() & 0x8d5;
  const limitDs = next() % 8 === 0;
  for (const cpu of cpus) {
    for (let r = 0; r < 8; r++) cpu.reg[r] = regs[r]!;
    cpu.lop = 0;
    cpu.flags = (cpu.flags & ~0x8d5) | plainFlags;
    if (flagOp === 1) setFlagsAdd(cpu, a, b, (a + b) | 0, 32);
    else if (flagOp === 2) setFlagsSub(cpu, a & 0xff, b & 0xff, (a - b) & 0xff, 8);
    else if (flagOp === 3) setFlagsLogic(cpu, a, 32);
    else if (flagOp === 4) setFlagsInc(cpu, (a + 1) & 0xffff, 16);
    cpu.segLimit[DS] = limitDs ? 0x30000 : 0xffffffff;
    updateSegmentBounds(cpu, DS);
  }
}
