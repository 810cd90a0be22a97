// `npm test`'s first step: lint and the type check, side by side (one core each), each with its
// cache under node_modules/.cache/ts386/ (empty on a fresh clone). Each one's output is printed
// whole when it ends, so the two do not interleave; the step fails if either does.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const cache = path.join(root, 'node_modules/.cache/ts386');
const bin = (name) => path.join(root, 'node_modules/.bin', name);

const checks = [
  { name: 'lint', cmd: bin('eslint'), args: ['.', '--cache', '--cache-strategy', 'content', '--cache-location', `${cache}/eslint/`] },
  { name: 'typecheck', cmd: bin('tsc'), args: ['--noEmit', '--incremental', '--tsBuildInfoFile', `${cache}/tsc.tsbuildinfo`] },
];

function run({ name, cmd, args }) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => out.push(d));
    child.on('error', (e) => resolve({ name, status: 1, text: `${e.message}\n` }));
    child.on('close', (status, signal) => resolve({ name, status: status ?? 1, text: Buffer.concat(out).toString() + (signal ? `killed by ${signal}\n` : '') }));
  });
}

const results = await Promise.all(checks.map(run));
let failed = false;
for (const r of results) {
  if (r.text !== '') process.stdout.write(r.text);
  if (r.status !== 0) {
    failed = true;
    console.error(`${r.name} failed (status ${r.status})`);
  }
}
process.exit(failed ? 1 : 0);
