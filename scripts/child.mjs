// A child process for the scripts (check.mjs, test.mjs), run from the project's root with no
// input: its output gathered, to be printed whole when it ends, or passed straight through.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

/** Runs `cmd args`; resolves to its status (1 when it could not start or was killed) and, when gathered, what it printed. */
export function runChild(cmd, args, gather = true) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', gather ? 'pipe' : 'inherit', gather ? 'pipe' : 'inherit'] });
    const out = [];
    if (gather) {
      child.stdout.on('data', (d) => out.push(d));
      child.stderr.on('data', (d) => out.push(d));
    }
    child.on('error', (e) => resolve({ status: 1, text: `${e.message}\n` }));
    child.on('close', (status, signal) => resolve({ status: status ?? 1, text: Buffer.concat(out).toString() + (signal ? `killed by ${signal}\n` : '') }));
  });
}
