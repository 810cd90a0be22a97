// `npm run fuzz -- N [SEED]`: the kernel fuzz (test/boot/fuzz.test.ts) with N random programs of
// each kind instead of the small fixed sample `npm test` runs, and no time limit: a long run takes as
// long as it takes. It runs the same test file through vitest, with FUZZ_N (and FUZZ_SEED) set.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const [n, seed] = process.argv.slice(2);
if (n === undefined || !/^[1-9]\d*$/.test(n) || (seed !== undefined && !/^\d+$/.test(seed))) {
  console.error('usage: npm run fuzz -- N [SEED]   (N random programs of each kind, a positive whole number)');
  process.exit(2);
}
const env = { ...process.env, FUZZ_N: n, ...(seed === undefined ? {} : { FUZZ_SEED: seed }) };
const r = spawnSync('npx', ['vitest', 'run', 'test/boot/fuzz.test.ts', '--testTimeout=0'], { cwd: root, env, stdio: 'inherit' });
process.exit(r.status ?? 1);
