// One run of `ts386 compare`: a fresh machine with the ts386 kernel (the default firmware, the
// program disk as master, a temporary swap file as slave), whose shell is typed
// `run -m FRAMES -p POLICY PROG ARGS` and then Ctrl-D at the prompt (`end of input: halt`, as at the
// end of a script piped to ts386; a program that reads its terminal gets end of file, not the
// word halt). The figures come from the kernel's accounting record of PROG (kernel/proc/accounting.ts).
// The boot and its judgement (bootAndType, judge) serve --sim's recording run too (compare-record.ts).
//
// Runs in a worker thread (compare-worker.ts); nothing here depends on being in one. The machine
// is deterministic, so the same job gives the same outcome, cycle for cycle.

import type { Machine, RunResult } from '../emulator/index.ts';
import type { Kernel, ProcAccount } from '../kernel/index.ts';
import { withMachine } from './run-machine.ts';

/** What one of compare's boots is: the machine, and the program its shell is to run. */
export interface BootJob {
  prog: string;
  args: readonly string[];
  memoryBytes: number;
  swapBytes: number;
  /** The run's cycle budget: a run still going then has failed. */
  maxCycles: number;
  /** The firmware image (the built-in BIOS). */
  rom: Uint8Array;
  /** The program disk's file, opened read-only. */
  programDisk: string;
}

/** A run of PROG under a policy and a resident limit: `run -m FRAMES -p POLICY PROG ARGS`. */
export interface RunJob extends BootJob {
  policy: string;
  frames: number;
}

export type RunOutcome =
  /** PROG ran to the end with status 0: its accounting record's figures. */
  | { kind: 'done'; faults: number; swapWrites: number; cycles: number; softFaults: number }
  /** It was killed, exited with another status, or the run did not end as it should. */
  | { kind: 'failed'; why: string }
  /** The shell refused the command for what was typed (no such program, a -m the kernel takes no
   * such limit from, a line too long): the same for every run, so `compare` reports it as bad input. */
  | { kind: 'refused'; line: string };

/** The line the shell is typed. */
export function shellLine(job: Pick<RunJob, 'policy' | 'frames' | 'prog' | 'args'>): string {
  return ['run', '-m', String(job.frames), '-p', job.policy, job.prog, ...job.args].join(' ');
}

/** Emulated cycles per call of machine.run: the budget is looked at between slices. */
const SLICE = 50_000_000;
/** Until the first prompt: shorter, so that the line is typed soon after it. */
const BOOT_SLICE = 1_000_000;

/** How a boot ended: the machine's last word, the kernel (its accounting records), COM1's output. */
export interface BootEnd {
  result: RunResult;
  kernel: Kernel;
  transcript: string;
}

/**
 * Boots a fresh machine for `job`, types `line` at the shell's first prompt (then Ctrl-D) and runs
 * it until it stops or its budget is spent. `atPrompt` is called with the machine just before the
 * line is typed: the recording run (compare-record.ts) turns the reference recorder on there.
 */
export function bootAndType(job: BootJob, line: string, atPrompt: (machine: Machine) => void = () => {}): BootEnd {
  return withMachine({ ...job, cmdline: '' }, (machine, kernel, out) => {
    // The line is typed at the shell's first prompt: what comes before the kernel has set up COM1
    // would be lost, as keys pressed while a PC boots.
    const prompted = (): boolean => Buffer.from(out).includes('\n$ ');
    let typed = false;
    let result: RunResult;
    do {
      result = machine.run(Math.min(typed ? SLICE : BOOT_SLICE, job.maxCycles - machine.cpu.cycles));
      if (!typed && prompted()) {
        atPrompt(machine);
        machine.com1.receive(Buffer.from(`${line}\r\x04`, 'latin1'));
        typed = true;
      }
    } while (result.reason === 'cycles' && machine.cpu.cycles < job.maxCycles);
    return { result, kernel, transcript: Buffer.from(out).toString('latin1').replace(/\r\n/g, '\n') };
  });
}

export function runJob(job: RunJob): RunOutcome {
  const end = bootAndType(job, shellLine(job));
  const judged = judge(job, end);
  if (judged.kind !== 'ended') return judged;
  const record = judged.record;
  return {
    kind: 'done', faults: record.evictableFaults, swapWrites: record.swapWrites,
    cycles: record.endCycle - record.startCycle, softFaults: record.softFaults,
  };
}

/** The shell's lines, without the prompt that may stand before one. */
function lines(transcript: string): string[] {
  return transcript.split('\n').map((l) => l.replace(/^(\$ )+/, ''));
}

/** The last accounting record of PROG, when it ran to the end with status 0; else why not. */
export type Judged =
  | { kind: 'ended'; record: ProcAccount }
  | Exclude<RunOutcome, { kind: 'done' }>;

export function judge(job: BootJob, { result, kernel, transcript }: BootEnd): Judged {
  if (kernel.panicked) return { kind: 'failed', why: `kernel panic (${(kernel.lastPanic ?? '').split('\n')[0]!.replace(/^kernel panic: /, '')})` };
  if (result.reason === 'cycles') return { kind: 'failed', why: `still running after ${job.maxCycles} cycles (--max-cycles)` };
  if (result.reason !== 'exit' || kernel.stopping === null) return { kind: 'failed', why: `the machine stopped (${result.reason}) before the shell halted` };
  const said = lines(transcript);
  // The shell's word on the command: a refusal, or why a program could not be loaded.
  const runLine = said.find((l) => l.startsWith('run: ') || l.startsWith('line too long'));
  // The last record of PROG: `-p opt` runs it twice (first to record its references), and a
  // program's forked children, which end before it when it waits for them, have its name too.
  const record = kernel.booted ? lastRecord(kernel.accounting, job.prog) : undefined;
  if (record === undefined) {
    if (runLine === undefined) return { kind: 'failed', why: `no accounting record of ${job.prog}` };
    const refused = runLine.startsWith('line too long') || runLine === `run: ${job.prog}: no such program` || /^run: -m \S+: /.test(runLine)
      || /^run: -p \S+: (no such policy|not in this kernel)/.test(runLine);
    return refused ? { kind: 'refused', line: runLine } : { kind: 'failed', why: runLine };
  }
  if (record.killed) {
    const why = said.find((l) => l.startsWith(`pid ${record.pid} (`)) ?? runLine;
    return { kind: 'failed', why: why !== undefined ? `killed: ${why}` : 'killed' };
  }
  if (record.status !== 0) return { kind: 'failed', why: runLine ?? `exit status ${record.status}` };
  return { kind: 'ended', record };
}

function lastRecord(records: readonly ProcAccount[], prog: string): ProcAccount | undefined {
  // A process is named after its program's file, without the directories (kernel/proc/exec.ts).
  const name = prog.replace(/^.*\//, '');
  for (let i = records.length - 1; i >= 0; i--) if (records[i]!.name === name) return records[i];
  return undefined;
}
