// A worker thread of `ts386 fits` (fits.ts): takes one FitsJob at a time from the main thread and
// answers with its FitsOutcome (fits-run.ts), or with the error a bug threw, as text.

import { serveJobs } from './boot-pool.ts';
import { runFitsJob } from './fits-run.ts';

serveJobs('fits-worker', 'ts386 fits', runFitsJob);
