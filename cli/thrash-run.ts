// One run of `ts386 thrash`: a fresh machine with the ts386 kernel (the default firmware, the
// program disk as master, a temporary swap file as slave, `loadcontrol=MODE` on the kernel's
// command line when a mode is given), whose shell is typed `run PROG ARGS &` k times at its first
// prompt. The run lasts until the kernel's accounting has a record of each of the k jobs (or the
// cycle budget is spent); the figures are deltas of the kernel's counters over the window from
// just before the first line was typed to the end of the last job. A job is known by the pid the
// shell says it started (`[PID] PROG ARGS`), not by its name: a program's forked children have
// its name too, and end before it when it waits for them.
//
// Runs in a worker thread (thrash-worker.ts); nothing here depends on being in one. The machine
// is deterministic, so the same job gives the same outcome, cycle for cycle.

import type { Machine } from '../emulator/index.ts';
import type { Kernel, KernelStats, ProcAccount } from '../kernel/index.ts';
import { withMachine } from './run-machine.ts';

export interface ThrashJob {
  /** k: the copies of PROG started at once. */
  procs: number;
  /** The kernel's load control (boot option loadcontrol=MODE), or null for its default. */
  loadControl: string | null;
  prog: string;
  args: readonly string[];
  memoryBytes: number;
  swapBytes: number;
  clockHz: number;
  /** The run's cycle budget, from power-on: a run still going then has failed. */
  maxCycles: number;
  /** The firmware image (the built-in BIOS). */
  rom: Uint8Array;
  /** The program disk's file, opened read-only. */
  programDisk: string;
}

/** The kernel's counters over the window (deltas), and the window's length in cycles. */
export interface ThrashFigures {
  cycles: number;
  userCycles: number;
  faults: number;
  swapIns: number;
  swapOuts: number;
}

export type ThrashOutcome =
  /** Every copy ran to the end with status 0. */
  | { kind: 'done'; figures: ThrashFigures }
  /** A copy was killed or exited with another status, or the run did not end as it should. */
  | { kind: 'failed'; why: string }
  /** What was asked is refused the same way in every run (the kernel's word on its boot option, the
   * shell's on the program): `thrash` reports it as bad input. */
  | { kind: 'refused'; line: string };

/** The line the shell is typed, k times. */
export function shellLine(job: Pick<ThrashJob, 'prog' | 'args'>): string {
  return ['run', job.prog, ...job.args, '&'].join(' ');
}

/** The kernel's command line for a job. */
export function bootOptions(loadControl: string | null): string {
  return loadControl === null ? '' : `loadcontrol=${loadControl}`;
}

/** Emulated cycles per call of machine.run: the budget and the records are looked at between slices. */
const SLICE = 10_000_000;
/** Until the first prompt: shorter, so that the lines are typed soon after it. */
const BOOT_SLICE = 1_000_000;

export function runThrashJob(job: ThrashJob): ThrashOutcome {
  return withMachine({ ...job, cmdline: bootOptions(job.loadControl) }, (machine, kernel, out) => new Run(job, machine, kernel, out).go());
}

/** The shell's lines, without the prompt that may stand before one. */
function lines(bytes: readonly number[]): string[] {
  return Buffer.from(bytes).toString('latin1').replace(/\r\n/g, '\n').split('\n').map((l) => l.replace(/^(\$ )+/, ''));
}

/** The first match of `pattern` (its first group, or the whole match) in the lines, first line first. */
function found(said: readonly string[], pattern: RegExp): string | undefined {
  for (const l of said) {
    const m = pattern.exec(l);
    if (m) return m[1] ?? m[0];
  }
  return undefined;
}

/** `text` in a regular expression, as itself. */
function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The counters the figures are deltas of. */
function counters(s: KernelStats): Omit<ThrashFigures, 'cycles'> {
  return { userCycles: s.userCycles, faults: s.faults, swapIns: s.swapIns, swapOuts: s.swapOuts };
}

class Run {
  private readonly job: ThrashJob;
  private readonly machine: Machine;
  private readonly kernel: Kernel;
  private readonly out: number[];
  /** What the shell says when it starts a background job: `[PID] PROG ARGS`, at the end of a line. */
  private readonly started: RegExp;

  constructor(job: ThrashJob, machine: Machine, kernel: Kernel, out: number[]) {
    this.job = job;
    this.machine = machine;
    this.kernel = kernel;
    this.out = out;
    this.started = new RegExp(`\\[(\\d+)\\] ${literal([job.prog, ...job.args].join(' '))}$`);
  }

  go(): ThrashOutcome {
    const { job, machine, kernel } = this;
    // The lines are typed at the shell's first prompt: what comes before the kernel has set up
    // COM1 would be lost, as keys pressed while a PC boots.
    while (!Buffer.from(this.out).includes('\n$ ')) {
      const failed = this.stopped(machine.run(Math.min(BOOT_SLICE, job.maxCycles - machine.cpu.cycles)).reason, 'before the shell prompted');
      if (failed !== null) return failed;
    }
    // The kernel's word on a boot option it does not take comes before the prompt.
    const refusal = lines(this.out).find((l) => l.startsWith('ts386 kernel: ') && l.includes('loadcontrol='));
    if (refusal !== undefined) return { kind: 'refused', line: refusal };

    const from = { cycles: machine.cpu.cycles, ...counters(kernel.stats) };
    machine.com1.receive(Buffer.from(`${shellLine(job)}\r`.repeat(job.procs), 'latin1'));
    for (;;) {
      // The k lines are typed at once, so the echo of the next may stand before what the shell
      // said about one (`run [3] wsloop 60 4`): its words are looked for at the ends of lines.
      const said = lines(this.out);
      const shellRefused = found(said, /(run: \S+: no such program|line too long.*)$/);
      if (shellRefused !== undefined) return { kind: 'refused', line: shellRefused };
      // Any other word of the shell's on a run: a job it could not start or load.
      const runLine = found(said, /run: .*$/);
      if (runLine !== undefined) return { kind: 'failed', why: runLine };
      const pids = said.flatMap((l) => { const m = this.started.exec(l); return m ? [Number(m[1])] : []; });
      const records = kernel.booted ? this.records(pids) : [];
      if (pids.length === job.procs && records.length === job.procs) return this.judge(from, records, said);
      const failed = this.stopped(machine.run(Math.min(SLICE, job.maxCycles - machine.cpu.cycles)).reason, `with ${records.length} of ${job.procs} copies ended`);
      if (failed !== null) return failed;
    }
  }

  /** Why the run cannot go on after a slice that ended for `reason`, or null when it can. */
  private stopped(reason: string, when: string): ThrashOutcome | null {
    const { kernel, machine, job } = this;
    if (kernel.panicked) return { kind: 'failed', why: `kernel panic (${(kernel.lastPanic ?? '').split('\n')[0]!.replace(/^kernel panic: /, '')})` };
    if (reason !== 'cycles') return { kind: 'failed', why: `the machine stopped (${reason}) ${when}` };
    if (machine.cpu.cycles >= job.maxCycles) return { kind: 'failed', why: `still running after ${job.maxCycles} cycles (--max-cycles) ${when}` };
    return null;
  }

  /** The accounting records of the jobs started as `pids`. */
  private records(pids: readonly number[]): ProcAccount[] {
    return this.kernel.accounting.filter((r) => pids.includes(r.pid));
  }

  private judge(from: { cycles: number } & Omit<ThrashFigures, 'cycles'>, records: readonly ProcAccount[], said: readonly string[]): ThrashOutcome {
    for (const r of records) {
      if (r.killed) {
        const why = found(said, new RegExp(`pid ${r.pid} \\(.*$`));
        return { kind: 'failed', why: why !== undefined ? `killed: ${why}` : `pid ${r.pid} killed` };
      }
      if (r.status !== 0) {
        // A program that checks its own result says what went wrong, as `NAME: FAIL ...`.
        const fail = found(said, new RegExp(`${literal(r.name)}: FAIL.*$`));
        return { kind: 'failed', why: `pid ${r.pid} exited with status ${r.status}${fail !== undefined ? `: ${fail}` : ''}` };
      }
    }
    // Nothing is left to run after the last job's end but the shell, which only prints and idles:
    // the counters read now are those at that end. (Unless PROG leaves children running after it
    // ends: their work after the window would count in it. wsloop does not fork.)
    const end = Math.max(...records.map((r) => r.endCycle));
    const now = counters(this.kernel.stats);
    return {
      kind: 'done',
      figures: {
        cycles: end - from.cycles, userCycles: now.userCycles - from.userCycles, faults: now.faults - from.faults,
        swapIns: now.swapIns - from.swapIns, swapOuts: now.swapOuts - from.swapOuts,
      },
    };
  }
}
