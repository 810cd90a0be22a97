// The hosted kernel under load, timed the way a user meets it: `ts386` (dist/ts386.mjs) given a
// script on its standard input, as a whole process. Two console workloads that once grew
// quadratically with their size: one 1 MiB console write (`bigwrite`), and a flood of kill reports
// (`killkids`: 8,000 children the kernel kills one after another); demand paging: `touch N` on
// 128 MiB, a demand-zero fault per page; and paging to swap: `touch N` on 4 MiB of RAM, each page
// past RAM written to swap and read back (one swap-out and one swap-in per page, roughly). Each runs at N and 4N; a linear cost gives t(4N) − t(N) over 3N as the cost
// per unit, and t(4N) / t(N) below 4.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

export interface ConsoleWorkload {
  name: string;
  note: string;
  /** The shell command for size n. */
  command: (n: number) => string;
  /** The size N (the run at 4N follows), and what one unit is. */
  n: number;
  unit: string;
  /** A line the run must print, so a broken run is not timed as a fast one. */
  expect: (n: number) => RegExp;
  /** ts386's options for the run. */
  args?: string[];
}

export const CONSOLE_WORKLOADS: readonly ConsoleWorkload[] = [
  {
    name: 'console-write', note: 'one write() of N bytes to the console (bigwrite)', command: (n) => `run bigwrite ${n}`,
    n: 256 * 1024, unit: 'KiB', expect: () => /leak check: 0 frames/,
  },
  {
    name: 'kill-flood', note: 'N children killed one after another, each with its report (killkids)', command: (n) => `run killkids ${n}`,
    n: 2000, unit: 'kill', expect: (n) => new RegExp(`killkids: ${n} children killed`),
  },
  {
    // Issue 13's hosted fault: a demand-zero page per touch, its teardown at exit included.
    name: 'demand-zero', note: 'touch N fresh pages on 128 MiB of RAM: a demand-zero fault each (and the page freed at exit)', command: (n) => `run touch ${n}`,
    n: 4000, unit: 'page', expect: (n) => new RegExp(`touched ${n} pages, ${n} faults[^]*leak check: 0 frames, 0 heap blocks, 0 mappings leaked`),
    args: ['--mem', '128M'],
  },
  {
    name: 'swap', note: 'touch N pages on 4 MiB of RAM with swap: a swap-out and a swap-in per page past RAM', command: (n) => `run touch ${n}`,
    n: 2000, unit: 'page', expect: (n) => new RegExp(`touched ${n} pages, \\d+ faults[^]*leak check: 0 frames, 0 heap blocks, 0 swap slots, 0 mappings leaked`),
    args: ['--mem', '4M', '--swap-size', '64M'],
  },
];

export interface ConsoleResult {
  workload: string;
  n: number;
  /** Median wall seconds of the whole process at N and 4N. */
  tN: number;
  t4N: number;
  /** Microseconds per unit: (t(4N) − t(N)) / 3N, per KiB for the write. */
  usPerUnit: number;
  unit: string;
}

/** Runs `ts386` with `command` typed on COM1 (then end of input: halt); its wall time, or an error. */
function runOnce(root: string, command: string, expect: RegExp, timeoutS: number, args: string[] = []): number | string {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [path.join(root, 'dist', 'ts386.mjs'), ...args], {
    input: `${command}\n`, encoding: 'latin1', maxBuffer: 64 << 20, timeout: timeoutS * 1000,
  });
  const t = (performance.now() - t0) / 1000;
  if (r.error) return `${command}: ${r.error.message}`;
  if (r.status !== 0) return `${command}: exit status ${r.status}: ${(r.stderr ?? '').trim().split('\n').pop()}`;
  if (!expect.test(r.stdout)) return `${command}: no ${String(expect)} in its output`;
  return t;
}

const median = (a: number[]): number => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;

export function measureConsole(root: string, w: ConsoleWorkload, reps: number, timeoutS: number): ConsoleResult | string {
  if (!existsSync(path.join(root, 'dist', 'ts386.mjs'))) return 'dist/ts386.mjs is missing (npm run build)';
  // N and 4N alternately, as the guest workloads run: a machine that slows down or speeds up
  // during the measurement moves both medians alike instead of only the later one.
  const small: number[] = [], large: number[] = [];
  for (let k = 0; k < reps; k++) {
    const a = runOnce(root, w.command(w.n), w.expect(w.n), timeoutS, w.args);
    if (typeof a === 'string') return a;
    const b = runOnce(root, w.command(4 * w.n), w.expect(4 * w.n), timeoutS, w.args);
    if (typeof b === 'string') return b;
    small.push(a);
    large.push(b);
    process.stderr.write(`  ${w.name} rep ${k + 1}/${reps}: t(${w.n}) = ${a.toFixed(3)} s, t(${4 * w.n}) = ${b.toFixed(3)} s\n`);
  }
  const tN = median(small), t4N = median(large);
  const units = w.unit === 'KiB' ? w.n / 1024 : w.n;
  return { workload: w.name, n: w.n, tN, t4N, usPerUnit: ((t4N - tN) / (3 * units)) * 1e6, unit: w.unit };
}

export function reportConsole(w: ConsoleWorkload, r: ConsoleResult): void {
  const size = (n: number): string => (w.unit === 'KiB' ? `${n / 1024} KiB` : `${n}`);
  console.log(`\n${w.name} — ${w.note}`);
  console.log(`  N = ${size(r.n)} / ${size(4 * r.n)}: median wall t(N) = ${r.tN.toFixed(3)} s, t(4N) = ${r.t4N.toFixed(3)} s (whole ts386 process)`);
  console.log(`  ${r.usPerUnit.toPrecision(3)} µs per ${r.unit}; t(4N)/t(N) = ${(r.t4N / r.tN).toFixed(2)} (linear: below 4)`);
}
