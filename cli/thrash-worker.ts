// A worker thread of `ts386 thrash` (thrash.ts): takes one ThrashJob at a time from the main
// thread and answers with its ThrashOutcome (thrash-run.ts), or with the error a bug threw, as text.

import { serveJobs } from './boot-pool.ts';
import { runThrashJob } from './thrash-run.ts';

serveJobs('thrash-worker', 'ts386 thrash', runThrashJob);
