// Bundles the TypeScript entry points into dist/ with esbuild, so that `ts386`, the benchmark and
// the conformance runner start in milliseconds on Node 20 (which cannot run .ts files itself).
import { build } from 'esbuild';
import { chmodSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const entries = [
  { in: 'cli/main.ts', out: 'ts386', bin: true },
  { in: 'bench/bench.ts', out: 'bench' },
  { in: 'test/conformance/run.ts', out: 'conformance' },
];

for (const e of entries) {
  const src = path.join(root, e.in);
  if (!existsSync(src)) continue;
  const outfile = path.join(root, 'dist', `${e.out}.mjs`);
  await build({
    entryPoints: [src],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'linked',
    banner: { js: e.bin ? '#!/usr/bin/env node' : '' },
    logLevel: 'warning',
  });
  if (e.bin) chmodSync(outfile, 0o755);
}
