// `ts386 compare --sim`'s one extra boot: PROG run once without a limit (`run PROG ARGS`, as opt's
// first run), with the MMU's reference recorder on from the shell's prompt, as `ts386 --trace-refs`
// records (emulator/debug/refs-file.ts: the records go through the file format, into memory). Out
// comes the page string the trace simulator replays (sim/page-string.ts): the references made in
// ring 3 under a page directory the kernel labelled as PROG's process (its pid and name, from its
// accounting record), without the pages it had locked when it ended.
//
// Runs in a worker thread beside the runs (compare-worker.ts).

import { ACCESS_NAMES, attachRefTrace, readRefFile, type RefFileWriter } from '../emulator/index.ts';
import { type BootJob, bootAndType, judge, type RunOutcome } from './compare-run.ts';
import { type PageString, PageStringBuilder } from './sim/page-string.ts';

/** A write's access number in the reference trace. */
const ACCESS_WRITE = ACCESS_NAMES.indexOf('write');

export type RecordOutcome =
  /**
   * PROG ran to the end with status 0: its page string; its pid (random's seed in the kernel); the
   * pages it had locked, left out of the string; the pages resident before it ran (exec's).
   */
  | { kind: 'recorded'; string: PageString; pid: number; locked: readonly number[]; start: readonly number[] }
  | Exclude<RunOutcome, { kind: 'done' }>;

/** The line the recording run's shell is typed: the program with no limit. */
export function recordLine(job: Pick<BootJob, 'prog' | 'args'>): string {
  return ['run', job.prog, ...job.args].join(' ');
}

/** The recording run for `job`: PROG's page string, or why there is none. */
export function recordJob(job: BootJob): RecordOutcome {
  const chunks: Uint8Array[] = [];
  let writer: RefFileWriter | null = null;
  const end = bootAndType(job, recordLine(job), (machine) => {
    // Recording starts here, not at power-on: the boot's references are none of PROG's, and
    // recording sends every data access down the MMU's slow path. The writer reuses its buffer,
    // so each chunk is copied.
    writer = attachRefTrace(machine.cpu, (bytes) => chunks.push(bytes.slice()));
    machine.hostPort.refTraceStart();
  });
  const judged = judge(job, end);
  if (judged.kind !== 'ended') return judged;
  (writer as RefFileWriter | null)?.flush();
  const { pid, name, lockedPages, startPages } = judged.record;
  // The pages resident before its first instruction (exec's argv page), unless it locked them.
  const start = startPages.filter((page) => !lockedPages.includes(page));
  return { kind: 'recorded', string: programString(concat(chunks), { pid, name }, lockedPages), pid, locked: lockedPages, start };
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return all;
}

/**
 * The page string of process `pid` in a reference trace (the bytes of a --trace-refs file): its
 * ring-3 references, in order, under the page directories labelled with its pid and name, without
 * the pages in `locked`.
 */
export function programString(trace: Uint8Array, proc: { pid: number; name: string }, locked: readonly number[]): PageString {
  // Which page directories are the process's now: a label holds from where it stands in the
  // trace until the next label of the same directory (a directory freed and used again).
  const mine = new Map<number, boolean>();
  const out = new PageStringBuilder(locked);
  readRefFile(trace, {
    label: (cr3, pid, name) => { mine.set(cr3, pid === proc.pid && name === proc.name); },
    reference: (_cycle, cr3, page, access, user) => {
      if (user && mine.get(cr3) === true) out.push(page, access === ACCESS_WRITE);
    },
  });
  return out.build();
}
