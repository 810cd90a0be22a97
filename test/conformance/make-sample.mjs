#!/usr/bin/env node
// Build the small in-repo conformance sample from the full SingleStepTests
// 80286 real-mode set in /work/shared (57 MiB, too big to commit).
//
// For every <NAME>.MOO.gz we keep a fixed, deterministic subset of tests and
// write test/conformance/sample/<NAME>.MOO.gz in the same MOO format:
//   - the 'MOO ' header chunk with its test count patched,
//   - every other non-TEST top-level chunk (META, ...) copied as-is,
//   - the selected TEST chunks copied byte-for-byte (so their hashes and
//     original indices survive and can be traced back to the full set).
// metadata.json is copied unchanged.
//
// Selection (depends only on file contents, so reruns give identical output):
//   - every k-th test by position, k = floor(count / TARGET), i.e. ~40 tests;
//   - the first test raising each distinct exception number (up to
//     MAX_EXC_KINDS kinds), so #DE/#UD/#GP/BOUND paths are all represented;
//   - more exception tests, by position, until at least MIN_EXC are present
//     (if the file has that many);
//   - the first test with the longest instruction (prefix-heavy encodings).
//
// Plain Node (no TypeScript) so it runs without a build step:
//   node test/conformance/make-sample.mjs

import { readdirSync, readFileSync, writeFileSync, mkdirSync, copyFileSync, rmSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const SRC_DIR = fileURLToPath(new URL('../../../shared/conformance/80286/v1_real_mode/', import.meta.url));
const OUT_DIR = fileURLToPath(new URL('./sample/', import.meta.url));
const TARGET = 40;
const MAX_EXC_KINDS = 8;
const MIN_EXC = 4;
const SIZE_LIMIT = 3 * 1024 * 1024;

/** Split [start, end) of buf into chunks {tag, start, body, end}. */
function chunks(buf, start, end) {
  const out = [];
  let off = start;
  while (off < end) {
    if (off + 8 > end) throw new Error(`truncated chunk header at ${off}`);
    const tag = buf.toString('latin1', off, off + 4);
    const len = buf.readUInt32LE(off + 4);
    if (off + 8 + len > end) throw new Error(`chunk '${tag}' at ${off} overruns its parent`);
    out.push({ tag, start: off, body: off + 8, end: off + 8 + len });
    off += 8 + len;
  }
  return out;
}

/** What the selection needs to know about one TEST chunk. */
function summarize(buf, c) {
  let exc = null;
  let len = 0;
  for (const s of chunks(buf, c.body + 4, c.end)) {
    if (s.tag === 'EXCP') exc = buf[s.body];
    if (s.tag === 'BYTS') len = buf.readUInt32LE(s.body);
  }
  return { chunk: c, exc, len };
}

function select(tests) {
  const n = tests.length;
  const keep = new Set();
  const k = Math.max(1, Math.floor(n / TARGET));
  for (let i = 0; i < n; i += k) keep.add(i);

  const kinds = new Set();
  for (let i = 0; i < n && kinds.size < MAX_EXC_KINDS; i++) {
    const e = tests[i].exc;
    if (e !== null && !kinds.has(e)) {
      kinds.add(e);
      keep.add(i);
    }
  }
  let excKept = [...keep].filter((i) => tests[i].exc !== null).length;
  for (let i = 0; i < n && excKept < MIN_EXC; i++) {
    if (tests[i].exc !== null && !keep.has(i)) {
      keep.add(i);
      excKept++;
    }
  }

  let longest = 0;
  for (let i = 1; i < n; i++) if (tests[i].len > tests[longest].len) longest = i;
  if (n > 0) keep.add(longest);

  return [...keep].sort((a, b) => a - b);
}

function buildSample(name) {
  const buf = gunzipSync(readFileSync(join(SRC_DIR, name)));
  const top = chunks(buf, 0, buf.length);
  if (top.length === 0 || top[0].tag !== 'MOO ') throw new Error(`${name}: not a MOO file`);

  const tests = top.filter((c) => c.tag === 'TEST').map((c) => summarize(buf, c));
  const picked = select(tests);

  // Header: copy verbatim (keeps version, CPU id and any future fields),
  // then patch the u32 test count at payload offset 4.
  const header = Buffer.from(buf.subarray(top[0].start, top[0].end));
  header.writeUInt32LE(picked.length, 8 + 4);

  const parts = [header];
  // Other top-level chunks (META, optional RMSK, ...) in their original order.
  for (const c of top.slice(1)) if (c.tag !== 'TEST') parts.push(buf.subarray(c.start, c.end));
  for (const i of picked) {
    const c = tests[i].chunk;
    parts.push(buf.subarray(c.start, c.end));
  }
  const out = gzipSync(Buffer.concat(parts), { level: 9 });
  writeFileSync(join(OUT_DIR, name), out);
  return {
    name,
    total: tests.length,
    kept: picked.length,
    exceptions: picked.filter((i) => tests[i].exc !== null).length,
    bytes: out.length,
  };
}

// Start from an empty directory so files dropped from the source don't linger.
rmSync(OUT_DIR, { recursive: true, force: true });
mkdirSync(OUT_DIR, { recursive: true });

const names = readdirSync(SRC_DIR).filter((f) => f.endsWith('.MOO.gz')).sort();
const results = names.map(buildSample);
copyFileSync(join(SRC_DIR, 'metadata.json'), join(OUT_DIR, 'metadata.json'));

const rows = results.map(
  (r) => `| ${r.name} | ${r.kept} of ${r.total} | ${r.exceptions} |`,
);
const totalTests = results.reduce((s, r) => s + r.kept, 0);
const totalExc = results.reduce((s, r) => s + r.exceptions, 0);
writeFileSync(
  join(OUT_DIR, 'README.md'),
  `# Conformance sample (generated — do not edit)

Subset of SingleStepTests/80286 \`v1_real_mode\` (snapshot 1870e4676cd606f9087a4e7d5d85fa3d32131db0,
test-suite 1.0.0, data released into the public domain by Daniel Balsom), regenerated by
\`node test/conformance/make-sample.mjs\` from /work/shared/conformance/80286/v1_real_mode/.
TEST chunks are copied byte-for-byte (original idx and hash preserved); only the header test
count differs from the originals. metadata.json is copied unchanged.

Selection: every k-th test (~${TARGET}/file), the first test of each distinct exception number
(up to ${MAX_EXC_KINDS}), at least ${MIN_EXC} exception tests where available, and the first
longest instruction.

${results.length} files, ${totalTests} tests, ${totalExc} with an exception.

| file | tests kept | with exception |
|---|---|---|
${rows.join('\n')}
`,
);

let size = 0;
for (const f of readdirSync(OUT_DIR)) size += readFileSync(join(OUT_DIR, f)).length;
console.log(`${results.length} files, ${totalTests} tests (${totalExc} with exception), ${size} bytes in ${OUT_DIR}`);
if (size > SIZE_LIMIT) {
  console.error(`sample is ${size} bytes, over the ${SIZE_LIMIT}-byte budget`);
  process.exit(1);
}
