// One run of `ts386 fits`: a fresh machine with the ts386 kernel (the default firmware, the program
// disk as master, a temporary swap file as slave) booted with `mm=segments fit=FIT` on its command
// line, or with nothing there for the paging run, whose shell is typed `run PROG ARGS` and then
// Ctrl-D at its first prompt (the shell halts once PROG has ended, as at the end of a script piped
// to ts386). The figures are deltas of the kernel's counters over the window from just before the
// line was typed to the halt: the segments mode's counters (kernel/proc/segments.ts), or under
// paging the page faults, swap traffic and the frames taken at the peak (sampled between slices).
// Under segments it also gives the window's part of the kernel's per-tick fragmentation samples
// (`fits --svg` plots them): from the first tick after the line was typed to PROG's end.
// How many of PROG's children ended well comes from PROG's own summary line when it prints one
// (`fragment: 24 children, 0 failed`), else from the kernel's accounting records.
//
// Runs in a worker thread (fits-worker.ts); nothing here depends on being in one. The machine is
// deterministic, so the same job gives the same outcome, cycle for cycle.

import type { RunResult } from '../emulator/index.ts';
import type { Kernel, ProcAccount } from '../kernel/index.ts';
import type { BootJob } from './compare-run.ts';
import { withMachine } from './run-machine.ts';

/** A boot of `ts386 fits`: compare's boot (machine, program) with a placement and the clock. */
export interface FitsJob extends BootJob {
  /** The placement (boot options mm=segments fit=FIT), or null for the paging run. */
  fit: string | null;
  clockHz: number;
}

/** What the segments mode did over the window. Fragmentation is a fraction of 1: 1 - largest hole / free. */
export interface SegmentFigures {
  /** Mean of the per-tick samples taken in the window, and the worst since boot. */
  meanFrag: number;
  worstFrag: number;
  holesMax: number;
  placed: number;
  compactions: number;
  compactedBytes: number;
  compactCycles: number;
  /** Partitions moved so a process could grow (brk past its neighbour), and their bytes. */
  moves: number;
  movedBytes: number;
  grownInPlace: number;
  rollOuts: number;
  rollIns: number;
  rolledBytes: number;
  refused: number;
  /** The bytes of partition memory there are. */
  arenaBytes: number;
  /**
   * The fragmentation sampled at each 10 ms tick from the first after the line was typed (PROG
   * starts a few cycles later) to PROG's end, as far as the kernel keeps them (its first 10,000).
   */
  series: number[];
}

/** What paging did over the window. */
export interface PagingFigures {
  faults: number;
  swapIns: number;
  swapOuts: number;
  /** The most frames in use beyond those in use at the prompt, sampled every SLICE cycles. */
  peakFrames: number;
}

export interface FitsFigures {
  childrenOk: number;
  childrenFailed: number;
  /** PROG's emulated cycles, from its start to its end. */
  cycles: number;
  segments: SegmentFigures | null;
  paging: PagingFigures | null;
}

export type FitsOutcome =
  /** PROG ended: the figures, and why the run counts as failed (PROG killed or not status 0), or null. */
  | { kind: 'ended'; figures: FitsFigures; why: string | null }
  /** The run did not end as it should (a panic, the budget spent, PROG could not be started). */
  | { kind: 'failed'; why: string }
  /** Refused the same way in every run (the kernel's word on its boot options, the shell's on the
   * program): `fits` reports it as bad input. */
  | { kind: 'refused'; line: string };

/** The kernel's command line for a job. */
export function bootOptions(fit: string | null): string {
  return fit === null ? '' : `mm=segments fit=${fit}`;
}

/** The line the shell is typed. */
export function shellLine(job: Pick<FitsJob, 'prog' | 'args'>): string {
  return ['run', job.prog, ...job.args].join(' ');
}

/** Emulated cycles per call of machine.run: the budget is looked at, and the frames sampled, between slices. */
export const SLICE = 1_000_000;

/** The shell's lines, without the prompt that may stand before one. */
function lines(bytes: readonly number[]): string[] {
  return Buffer.from(bytes).toString('latin1').replace(/\r\n/g, '\n').split('\n').map((l) => l.replace(/^(\$ )+/, ''));
}

/** `text` in a regular expression, as itself. */
function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function runFitsJob(job: FitsJob): FitsOutcome {
  return withMachine({ ...job, cmdline: bootOptions(job.fit) }, (machine, kernel, out) => {
    const stopped = (result: RunResult, when: string): FitsOutcome | null => {
      if (kernel.panicked) return { kind: 'failed', why: `kernel panic (${(kernel.lastPanic ?? '').split('\n')[0]!.replace(/^kernel panic: /, '')})` };
      if (result.reason === 'cycles' && machine.cpu.cycles >= job.maxCycles) return { kind: 'failed', why: `still running after ${job.maxCycles} cycles (--max-cycles) ${when}` };
      if (result.reason !== 'cycles') return { kind: 'failed', why: `the machine stopped (${result.reason}) ${when}` };
      return null;
    };
    // The line is typed at the shell's first prompt: what comes before the kernel has set up COM1
    // would be lost, as keys pressed while a PC boots.
    while (!Buffer.from(out).includes('\n$ ')) {
      const failed = stopped(machine.run(Math.min(SLICE, job.maxCycles - machine.cpu.cycles)), 'before the shell prompted');
      if (failed !== null) return failed;
    }
    // The kernel's word on a boot option it does not take comes before the prompt.
    const refusal = lines(out).find((l) => l.startsWith('ts386 kernel: ') && /\b(mm|fit)=/.test(l));
    if (refusal !== undefined) return { kind: 'refused', line: refusal };
    if (job.fit !== null && kernel.segments === null) return { kind: 'refused', line: `ts386 kernel: booted with ${bootOptions(job.fit)} but not in the segments mode` };

    const seg0 = kernel.segments === null ? null : { ...kernel.segments.counters };
    const stats0 = { faults: kernel.stats.faults, swapIns: kernel.stats.swapIns, swapOuts: kernel.stats.swapOuts };
    const free0 = kernel.frames.freeFrames;
    const window0 = { cycle: machine.cpu.cycles, sample: kernel.segments?.fragSeries.length ?? 0 };
    let peakFrames = 0;
    machine.com1.receive(Buffer.from(`${shellLine(job)}\r\x04`, 'latin1'));
    let result: RunResult;
    do {
      result = machine.run(Math.min(SLICE, job.maxCycles - machine.cpu.cycles));
      if (seg0 === null && !kernel.panicked) peakFrames = Math.max(peakFrames, free0 - kernel.frames.freeFrames);
    } while (result.reason === 'cycles' && machine.cpu.cycles < job.maxCycles);
    if (result.reason !== 'exit' || kernel.stopping === null) return stopped(result, 'before the shell halted') ?? { kind: 'failed', why: `the machine stopped (${result.reason}) before the shell halted` };

    const said = lines(out);
    const runLine = said.find((l) => l.startsWith('run: ') || l.startsWith('line too long'));
    const records = kernel.booted ? kernel.accounting : [];
    const record = lastRecord(records, job.prog);
    if (record === undefined) {
      if (runLine === undefined) return { kind: 'failed', why: `no accounting record of ${job.prog}` };
      const refused = runLine.startsWith('line too long') || runLine === `run: ${job.prog}: no such program`;
      return refused ? { kind: 'refused', line: runLine } : { kind: 'failed', why: runLine };
    }
    const children = countChildren(records, record, said);
    let why: string | null = null;
    if (record.killed) {
      const line = said.find((l) => l.startsWith(`pid ${record.pid} (`)) ?? runLine;
      why = line !== undefined ? `killed: ${line}` : 'killed';
    } else if (record.status !== 0) {
      why = `${record.name} exited with status ${record.status}${children.summary !== undefined ? `: ${children.summary}` : ''}`;
    } else if (children.failed > 0) {
      why = `${children.failed} of ${children.ok + children.failed} children failed`;
    }
    const figures: FitsFigures = {
      childrenOk: children.ok, childrenFailed: children.failed, cycles: record.endCycle - record.startCycle,
      segments: seg0 === null ? null : segmentFigures(kernel, seg0, fragWindow(kernel, window0, record.endCycle, job.clockHz)),
      paging: seg0 !== null ? null : {
        faults: kernel.stats.faults - stats0.faults, swapIns: kernel.stats.swapIns - stats0.swapIns, swapOuts: kernel.stats.swapOuts - stats0.swapOuts, peakFrames,
      },
    };
    return { kind: 'ended', figures, why };
  });
}

type Counters = NonNullable<Kernel['segments']>['counters'];

/** The timer's rate: the kernel ticks at 100 Hz, 10 ms apart (kernel/abi.ts's uptime). */
const TICKS_PER_SECOND = 100;

/**
 * The fragmentation samples from `from` (the cycle the line was typed, and how many samples there
 * were then) to cycle `end` (PROG's end): as many as ticks fit between the two, and no more than
 * the kernel has. The shell halts soon after PROG ends; the ticks between are left out.
 */
function fragWindow(kernel: Kernel, from: { cycle: number; sample: number }, end: number, clockHz: number): number[] {
  const ticks = Math.floor((end - from.cycle) * TICKS_PER_SECOND / clockHz);
  return kernel.segments!.fragSeries.slice(from.sample, from.sample + Math.max(0, ticks));
}

function segmentFigures(kernel: Kernel, from: Counters, series: number[]): SegmentFigures {
  const c = kernel.segments!.counters;
  const samples = c.fragSamples - from.fragSamples;
  return {
    meanFrag: samples > 0 ? (c.fragSum - from.fragSum) / samples : 0, worstFrag: c.fragMax, holesMax: c.holesMax,
    placed: c.placed - from.placed, compactions: c.compactions - from.compactions, compactedBytes: c.compactedBytes - from.compactedBytes,
    compactCycles: c.compactCycles - from.compactCycles, moves: c.moves - from.moves, movedBytes: c.movedBytes - from.movedBytes,
    grownInPlace: c.grownInPlace - from.grownInPlace, rollOuts: c.rollOuts - from.rollOuts, rollIns: c.rollIns - from.rollIns,
    rolledBytes: c.rolledBytes - from.rolledBytes, refused: c.refused - from.refused, arenaBytes: kernel.segments!.partitions.arenaSize, series,
  };
}

/**
 * PROG's children that ended well and not: its own summary line (`NAME: R children, F failed`, as
 * fragment prints) when it has one, else the accounting records of the processes that ended while
 * it ran (the shell runs nothing else).
 */
function countChildren(records: readonly ProcAccount[], prog: ProcAccount, said: readonly string[]): { ok: number; failed: number; summary?: string } {
  const pattern = new RegExp(`^${literal(prog.name)}: (\\d+) children, (\\d+) failed$`);
  for (const l of said) {
    const m = pattern.exec(l);
    if (m) return { ok: Number(m[1]) - Number(m[2]), failed: Number(m[2]), summary: l };
  }
  const children = records.filter((r) => r !== prog && r.startCycle >= prog.startCycle && r.endCycle <= prog.endCycle);
  const ok = children.filter((r) => !r.killed && r.status === 0).length;
  return { ok, failed: children.length - ok };
}

function lastRecord(records: readonly ProcAccount[], prog: string): ProcAccount | undefined {
  // A process is named after its program's file, without the directories (kernel/proc/exec.ts).
  const name = prog.replace(/^.*\//, '');
  for (let i = records.length - 1; i >= 0; i--) if (records[i]!.name === name) return records[i];
  return undefined;
}
