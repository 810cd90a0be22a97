// A worker thread of `ts386 compare` (compare.ts): takes one job at a time from the main thread, a
// run (compare-run.ts) or --sim's recording run (compare-record.ts), and answers with its outcome,
// or with the error a bug threw, as text.

import { serveJobs } from './boot-pool.ts';
import { type RecordOutcome, recordJob } from './compare-record.ts';
import { type BootJob, type RunJob, type RunOutcome, runJob } from './compare-run.ts';

/** A job for a worker: a run under a policy and a limit, or the run that records PROG's references. */
export type WorkerJob = { run: RunJob } | { record: BootJob };
export type WorkerOutcome = RunOutcome | RecordOutcome;

serveJobs<WorkerJob, WorkerOutcome>('compare-worker', 'ts386 compare', (job) => ('run' in job ? runJob(job.run) : recordJob(job.record)),
  // A recorded string can be tens of MiB: its buffers (its own, never shared: PageStringBuilder
  // slices them) move to the main thread rather than being copied.
  (outcome) => (outcome.kind === 'recorded' ? [outcome.string.pages.buffer, outcome.string.writes.buffer] as ArrayBuffer[] : []));
