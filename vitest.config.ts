import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';

// isolate: false: a worker runs file after file with the modules it has loaded, so the emulator and
// the kernel are evaluated (and JIT-compiled) once per worker, not once per file: a fifth less CPU
// time for test/boot, half for its short files. A file must then leave nothing behind for the next:
// the files that mock modules, spy on them, stub globals, fake timers, set environment variables
// or change directory (found by reading them) get fresh modules and mocks each, as with
// isolate: true, in workers of their own.
const ISOLATING = /\bvi\.(mock|doMock|spyOn|stubEnv|stubGlobal|useFakeTimers)\(|\bprocess\.env\.\w+ *=[^=]|\bprocess\.chdir\(/;
const root = path.dirname(fileURLToPath(import.meta.url));
const ISOLATED = readdirSync(path.join(root, 'test'), { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.test.ts'))
  .map((f) => path.join('test', f))
  .filter((f) => ISOLATING.test(readFileSync(path.join(root, f), 'utf8')))
  .sort();

// The workers build thousands of machines, each with its RAM in one zeroed allocation (16 MiB for
// the CPU tests). glibc serves a block that size from mmap, as fresh zero pages, until the first
// one is freed; then it raises its mmap threshold past that size and serves the next from the
// heap, which calloc must clear first: 1.6 ms a machine against 0.25 here. A fixed threshold (the
// variable is glibc's, read when a worker starts; other C libraries ignore it) keeps every such
// block on mmap.
process.env.MALLOC_MMAP_THRESHOLD_ ??= String(1 << 20);

export default defineConfig({
  test: {
    // Boot and conformance tests are CPU-bound: one worker per core (vitest's default is one fewer).
    pool: 'forks',
    maxWorkers: availableParallelism(),
    // As many kept as started: with fewer (vitest's default here is one fewer than the CPUs), tinypool
    // ends the spare workers once idle, and that can race with the end of the run into an
    // "Unhandled Rejection: Terminating worker thread" that fails a run whose tests all passed
    // (vitest-dev/vitest#8564).
    minWorkers: availableParallelism(),
    poolOptions: { forks: { isolate: false } },
    testTimeout: 60_000,
    // dist/ (the bundle the CLI tests run), built once for the whole run.
    globalSetup: ['test/global-setup.ts'],
    projects: [
      { extends: true, test: { name: 'shared', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, ...ISOLATED] } },
      { extends: true, test: { name: 'isolated', include: ISOLATED, poolOptions: { forks: { isolate: true } } } },
    ],
  },
});
