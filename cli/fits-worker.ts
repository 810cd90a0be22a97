// A worker thread of `ts386 fits` (fits.ts): takes one FitsJob at a time from the main thread and
// answers with its FitsOutcome (fits-run.ts), or with the error a bug threw, as text.

import { parentPort } from 'node:worker_threads';
import type { PoolJobMessage, PoolResultMessage } from './boot-pool.ts';
import { type FitsJob, type FitsOutcome, runFitsJob } from './fits-run.ts';

const port = parentPort;
if (port === null) throw new Error('fits-worker runs as a worker thread of ts386 fits');
port.on('message', ({ index, job }: PoolJobMessage<FitsJob>) => {
  let answer: PoolResultMessage<FitsOutcome>;
  try {
    answer = { index, outcome: runFitsJob(job) };
  } catch (e) {
    answer = { index, error: e instanceof Error ? e.stack ?? e.message : String(e) };
  }
  port.postMessage(answer);
});
