// A worker thread of `ts386 compare` (compare.ts): takes one RunJob at a time from the main thread
// and answers with its RunOutcome (compare-run.ts), or with the error a bug threw, as text.

import { parentPort } from 'node:worker_threads';
import { type RunJob, type RunOutcome, runJob } from './compare-run.ts';

export interface JobMessage { index: number; job: RunJob }
export type ResultMessage = { index: number; outcome: RunOutcome } | { index: number; error: string };

const port = parentPort;
if (port === null) throw new Error('compare-worker runs as a worker thread of ts386 compare');
port.on('message', ({ index, job }: JobMessage) => {
  let answer: ResultMessage;
  try {
    answer = { index, outcome: runJob(job) };
  } catch (e) {
    answer = { index, error: e instanceof Error ? e.stack ?? e.message : String(e) };
  }
  port.postMessage(answer);
});
