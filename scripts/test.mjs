// `npm test`: lint and the type check (scripts/check.mjs) side by side with every test (vitest run,
// given this script's arguments: `npm test -- test/boot` runs that folder's tests). The checks take
// a few seconds of one core while vitest is starting, when its workers wait for their first modules
// and leave a core idle: 2-3 s less wall time than the checks first on a 2-core machine. vitest's
// output comes as it runs; the checks' at the end, so the two do not interleave. Fails if either
// does.
import path from 'node:path';
import { root, runChild } from './child.mjs';

const checks = runChild(process.execPath, [path.join(root, 'scripts/check.mjs')]);
const tests = runChild(process.execPath, [path.join(root, 'node_modules/vitest/vitest.mjs'), 'run', ...process.argv.slice(2)], false);
const [c, t] = await Promise.all([checks, tests]);
process.stdout.write(c.text);
console.log(c.status === 0 ? 'lint and typecheck: passed' : `lint and typecheck: failed (status ${c.status})`);
process.exit(t.status !== 0 ? t.status : c.status);
