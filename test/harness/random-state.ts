// Random machine states for the tests that run one instruction two ways and compare (the fast
// forms against the generic handlers, compiled templates against the handlers): a reproducible
// generator, operand values biased to the edges where flags change, and the flat 32-bit machine
// they run on.
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
