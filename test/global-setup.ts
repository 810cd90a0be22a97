// Builds dist/ (scripts/build.mjs) once before any test file runs: the CLI tests run the bundle as a
// child process. One build for the whole run, not one per file: files run in parallel, and a
// build in one worker would rewrite the bundle under another's running ts386. In watch mode it
// builds again before each rerun (the CLI's sources may have changed).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');

function build(): void {
  const r = spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`scripts/build.mjs failed (status ${r.status}${r.signal ? `, ${r.signal}` : ''})`);
}

// Each project of vitest.config.ts (and the root) runs its global setup, in the one main process.
const BUILT = Symbol.for('ts386.test.dist-built');

export default function setup(project: TestProject): void {
  const g = globalThis as { [BUILT]?: true };
  if (g[BUILT]) return;
  g[BUILT] = true;
  build();
  project.onTestsRerun(() => build());
}
