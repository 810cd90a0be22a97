// `npm run conformance`: runs the SingleStepTests 80286 real-mode set in
// ../shared/conformance/80286/v1_real_mode (beside the repository; too big to commit) and prints
// one line per file and an overall pass rate. Bundled to dist/conformance.mjs by scripts/build.mjs.
//
//   node dist/conformance.mjs [--file 00,01,F7.6] [--verbose] [--dir <path>] [--compile-after N]
//
// --compile-after sets cpu.compileAfter (the block compiler's threshold, emulator/cpu/compile.ts):
// 1 runs every test's blocks compiled, Infinity ("inf") the interpreter only.
//
// Tests that a known 286-vs-386 difference covers (known-differences.ts) are checked against the
// 386's outcome where it can be derived, and otherwise skipped and left out of the percentages.

import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMetadata } from './moo.ts';
import { resolveKnown } from './known-differences.ts';
import { createConformanceMachine, fileKey, formatFailure, runMooFile, type KnownCount } from './runner.ts';

const FAILURES_SHOWN = 5;

interface Options {
  files: string[] | null;
  verbose: boolean;
  dir: string | null;
  compileAfter: number | undefined;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { files: null, verbose: false, dir: null, compileAfter: undefined };
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k]!;
    if (a === '--verbose' || a === '-v') o.verbose = true;
    else if (a === '--file' || a === '--files') o.files = (argv[++k] ?? '').split(',').filter(Boolean).map((s) => fileKey(s).toUpperCase());
    else if (a.startsWith('--file=')) o.files = a.slice(7).split(',').filter(Boolean).map((s) => fileKey(s).toUpperCase());
    else if (a === '--dir') o.dir = argv[++k] ?? null;
    else if (a === '--compile-after') {
      const v = argv[++k] ?? '';
      o.compileAfter = v === 'inf' || v === 'Infinity' ? Infinity : Number(v);
      if (!(o.compileAfter >= 1)) {
        console.error(`conformance: --compile-after wants a count of at least 1 or "inf", not "${v}"`);
        process.exit(2);
      }
    } else if (a === '--help' || a === '-h') {
      console.log('usage: conformance [--file 00,01,F7.6] [--verbose] [--dir <v1_real_mode directory>] [--compile-after N|inf]');
      process.exit(0);
    } else {
      console.error(`conformance: unknown option ${a}`);
      process.exit(2);
    }
  }
  return o;
}

/** The repository root: the nearest directory above this script (or the cwd) with package.json. */
function repoRoot(): string {
  for (const start of [dirname(fileURLToPath(import.meta.url)), process.cwd()]) {
    let d = start;
    for (;;) {
      if (existsSync(join(d, 'package.json')) && existsSync(join(d, 'emulator'))) return d;
      const up = dirname(d);
      if (up === d) break;
      d = up;
    }
  }
  return process.cwd();
}

/** Percentage to one decimal, rounded down: a file with one failure never shows 100.0%. */
const pct = (passed: number, total: number): string => (total === 0 ? 100 : Math.floor((1000 * passed) / total) / 10).toFixed(1);

function main(): void {
  const opts = parseArgs(process.argv.slice(2));
  const dir = opts.dir ? resolve(opts.dir) : join(repoRoot(), '..', 'shared', 'conformance', '80286', 'v1_real_mode');
  if (!existsSync(dir)) {
    console.log(`conformance: test data is absent (${dir}); nothing to run`);
    return;
  }
  const metadata = loadMetadata(join(dir, 'metadata.json'));
  let files = readdirSync(dir).filter((f) => /\.MOO(\.gz)?$/i.test(f)).sort();
  if (opts.files) {
    const want = new Set(opts.files);
    const unknown = [...want].filter((w) => !files.some((f) => fileKey(f).toUpperCase() === w));
    if (unknown.length > 0) {
      console.error(`conformance: no such file(s): ${unknown.join(', ')}`);
      process.exit(2);
    }
    files = files.filter((f) => want.has(fileKey(f).toUpperCase()));
  }

  const machine = createConformanceMachine({ compileAfter: opts.compileAfter });
  const started = performance.now();
  let passed = 0, total = 0, skipped = 0;
  const known = new Map<string, KnownCount>();
  for (const f of files) {
    const r = runMooFile(join(dir, f), f, { metadata, machine, known: resolveKnown, maxFailures: FAILURES_SHOWN });
    passed += r.passed;
    total += r.total;
    skipped += r.skipped;
    for (const [id, c] of r.known) {
      const k = known.get(id) ?? { reason: c.reason, adapted: 0, skipped: 0 };
      k.adapted += c.adapted;
      k.skipped += c.skipped;
      known.set(id, k);
    }
    const skip = r.skipped > 0 ? ` [${r.skipped} skipped: see below]` : '';
    console.log(`${r.file} ${r.mnemonic || '-'} ${pct(r.passed, r.total)}% (${r.passed}/${r.total})${skip}`);
    if (opts.verbose && r.failed > 0) {
      for (const fail of r.failures) for (const line of formatFailure(fail)) console.log(line);
      if (r.failed > r.failures.length) console.log(`  ... and ${r.failed - r.failures.length} more`);
    }
  }
  if (known.size > 0) {
    console.log('known 286-vs-386 differences (known-differences.ts):');
    for (const [id, k] of known) {
      const what = [k.adapted > 0 ? `${k.adapted} checked against the 386 outcome` : '', k.skipped > 0 ? `${k.skipped} skipped` : '']
        .filter(Boolean).join(', ');
      console.log(`  ${id}: ${what} — ${k.reason}`);
    }
  }
  console.log(`time ${((performance.now() - started) / 1000).toFixed(1)} s`);
  console.log(`overall ${pct(passed, total)}% (${passed}/${total})`);
}

main();
