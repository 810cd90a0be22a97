// Lint and the type check, side by side (one core each; `npm test` runs this beside vitest), each
// with its cache under node_modules/.cache/ts386/ (empty on a fresh clone). Each one's output is
// printed whole when it ends, so the two do not interleave; the step fails if either does.
// `node scripts/check.mjs typecheck` (npm run typecheck) or `... lint` runs one of them.
//
// The type check is TypeScript 7's tsc (the package typescript-7, an alias of typescript@7), the
// compiler ported to native code: the same diagnostics as TypeScript 5.9's on this code, in about a
// fifth of the time (1 s against 5.6 s on a fresh clone here, 1.9 s of CPU against 9). TypeScript
// 5.9 stays for ESLint's parser (typescript-eslint does not take 7 yet), and does the type check
// on a platform TypeScript 7 has no binary for.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { root, runChild } from './child.mjs';

const cache = path.join(root, 'node_modules/.cache/ts386');
const bin = (name) => path.join(root, 'node_modules/.bin', name);

// TypeScript 7's tsc runs the executable of its platform's package (@typescript/typescript-OS-CPU).
const native = existsSync(path.join(root, `node_modules/@typescript/typescript-${process.platform}-${process.arch}`));
const typecheck = native
  ? { name: 'typecheck', cmd: process.execPath, args: [path.join(root, 'node_modules/typescript-7/bin/tsc'), '--noEmit', '--incremental', '--tsBuildInfoFile', `${cache}/tsc7.tsbuildinfo`] }
  : { name: 'typecheck', cmd: bin('tsc'), args: ['--noEmit', '--incremental', '--tsBuildInfoFile', `${cache}/tsc.tsbuildinfo`],
      note: `typecheck: TypeScript 7 has no executable for ${process.platform}-${process.arch} here; TypeScript 5.9's tsc checks instead\n` };

const all = [
  { name: 'lint', cmd: bin('eslint'), args: ['.', '--cache', '--cache-strategy', 'content', '--cache-location', `${cache}/eslint/`] },
  typecheck,
];
const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !all.some((c) => c.name === w));
if (unknown.length > 0) {
  console.error(`check: no check named ${unknown.join(', ')} (there are ${all.map((c) => c.name).join(' and ')})`);
  process.exit(2);
}
const checks = wanted.length === 0 ? all : all.filter((c) => wanted.includes(c.name));

const results = await Promise.all(checks.map(async ({ name, cmd, args, note = '' }) => {
  const r = await runChild(cmd, args);
  return { name, status: r.status, text: note + r.text };
}));
let failed = false;
for (const r of results) {
  if (r.text !== '') process.stdout.write(r.text);
  if (r.status !== 0) {
    failed = true;
    console.error(`${r.name} failed (status ${r.status})`);
  }
}
process.exit(failed ? 1 : 0);
