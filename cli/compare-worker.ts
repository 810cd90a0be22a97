// A worker thread of `ts386 compare` (compare.ts): takes one job at a time from the main thread, a
// run (compare-run.ts) or --sim's recording run (compare-record.ts), and answers with its outcome,
// or with the error a bug threw, as text.

import { parentPort } from 'node:worker_threads';
import type { PoolJobMessage, PoolResultMessage } from './boot-pool.ts';
import { type RecordOutcome, recordJob } from './compare-record.ts';
import { type BootJob, type RunJob, type RunOutcome, runJob } from './compare-run.ts';

/** A job for a worker: a run under a policy and a limit, or the run that records PROG's references. */
export type WorkerJob = { run: RunJob } | { record: BootJob };
export type WorkerOutcome = RunOutcome | RecordOutcome;


const port = parentPort;
if (port === null) throw new Error('compare-worker runs as a worker thread of ts386 compare');
port.on('message', ({ index, job }: PoolJobMessage<WorkerJob>) => {
  let answer: PoolResultMessage<WorkerOutcome>;
  try {
    answer = { index, outcome: 'run' in job ? runJob(job.run) : recordJob(job.record) };
  } catch (e) {
    answer = { index, error: e instanceof Error ? e.stack ?? e.message : String(e) };
  }
  // A recorded string can be tens of MiB: its buffers (its own, never shared: PageStringBuilder
  // slices them) move to the main thread rather than being copied.
  const moved = 'outcome' in answer && answer.outcome.kind === 'recorded' ? [answer.outcome.string.pages.buffer, answer.outcome.string.writes.buffer] as ArrayBuffer[] : [];
  port.postMessage(answer, moved);
});
