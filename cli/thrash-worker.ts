// A worker thread of `ts386 thrash` (thrash.ts): takes one ThrashJob at a time from the main
// thread and answers with its ThrashOutcome (thrash-run.ts), or with the error a bug threw, as text.

import { parentPort } from 'node:worker_threads';
import type { PoolJobMessage, PoolResultMessage } from './boot-pool.ts';
import { type ThrashJob, type ThrashOutcome, runThrashJob } from './thrash-run.ts';

const port = parentPort;
if (port === null) throw new Error('thrash-worker runs as a worker thread of ts386 thrash');
port.on('message', ({ index, job }: PoolJobMessage<ThrashJob>) => {
  let answer: PoolResultMessage<ThrashOutcome>;
  try {
    answer = { index, outcome: runThrashJob(job) };
  } catch (e) {
    answer = { index, error: e instanceof Error ? e.stack ?? e.message : String(e) };
  }
  port.postMessage(answer);
});
