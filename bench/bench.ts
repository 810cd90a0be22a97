// `npm run bench`: runs ../shared/bench's guest (kernel.bin) on ts386 and prints its speed next to
// the figures its peers (native, QEMU, v86, Bochs) reach on the same bytes.
//
// Method (the shared README's): each workload runs with N and 4N iterations, and the time per
// iteration is (t(4N) − t(N)) / 3N, medians over --reps runs, so start-up drops out. Only
// machine.run is timed (host clock: this is a benchmark, not the emulator). A run whose BENCH
// line has the wrong checksum is reported loudly and its figures are marked INVALID.
//
// By default each run boots one of ../shared/bench's disk images through ts386's BIOS, exactly as
// a user would (`ts386 --disk bench-cpu-10.img`), with the image's config block (at disk offset
// 520) patched for the workload and N. `--boot=kernel` instead loads kernel.bin at 0x10000 and
// enters it in flat 32-bit protected mode (flat.ts), as the boot sector would.
//
// Three more workloads time the hosted kernel under load through the `ts386` command itself
// (kernel-console.ts): a 1 MiB console write, 8,000 killed children, and paging to swap. They need
// no ../shared.
//
//   node dist/bench.mjs [--workloads=cpu,cpu-nopaging,tlb,pagefault,console-write,kill-flood,demand-zero,swap] [--reps=3]
//                       [--boot=disk|kernel] [--n=workload:N,...] [--save-baseline] [--json=out.json] [--timeout=120]

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { Machine, MemoryDisk } from '../emulator/index.ts';
import { enterFlat32 } from './flat.ts';
import { CONSOLE_WORKLOADS, measureConsole, reportConsole, type ConsoleResult } from './kernel-console.ts';

// bench/bench.ts and dist/bench.mjs both sit one level below the repository root.
const ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const SHARED = path.resolve(ROOT, '../shared/bench');
const BASELINE = path.join(ROOT, 'bench', 'baseline.json');

const LOAD_ADDR = 0x10000;
const STACK_TOP = 0x90000;
const CONFIG_OFFSET = 8;
/** Where the payload (and so its config block) starts in the disk images: sector 1. */
const DISK_PAYLOAD_OFFSET = 512;
const MEMORY_BYTES = 64 * 1024 * 1024;
/** Pages the tlb workload touches per pass (guest/kernel.c TLB_PAGES). */
const TLB_PAGES = 8192;

interface Workload {
  /** Name on the command line and in baseline.json. */
  name: string;
  /** The guest's own name (its BENCH line, expected-checksums.txt, instr-counts.json). */
  guest: 'cpu' | 'tlb' | 'pagefault';
  id: number;
  flags: number;
  note: string;
}

const WORKLOADS: readonly Workload[] = [
  { name: 'cpu-nopaging', guest: 'cpu', id: 0, flags: 1, note: 'cpu workload, paging off' },
  { name: 'cpu', guest: 'cpu', id: 0, flags: 0, note: 'cpu workload, paging on (identity map)' },
  { name: 'tlb', guest: 'tlb', id: 1, flags: 0, note: 'one dword read-modify-write in each of 8192 pages per iteration' },
  { name: 'pagefault', guest: 'pagefault', id: 2, flags: 0, note: 'one demand-zero #PF per iteration' },
];

// --- command line -----------------------------------------------------------------------------

const argv = process.argv.slice(2);
const opt = (k: string): string | undefined => argv.find((a) => a.startsWith(`--${k}=`))?.slice(k.length + 3);
const flag = (k: string): boolean => argv.includes(`--${k}`);
if (flag('help')) {
  console.log('usage: node dist/bench.mjs [--workloads=cpu,cpu-nopaging,tlb,pagefault,console-write,kill-flood,demand-zero,swap] [--reps=3] [--n=workload:N,...] [--save-baseline] [--json=FILE] [--timeout=SECONDS]');
  process.exit(0);
}
const ALL = [...WORKLOADS.map((w) => w.name), ...CONSOLE_WORKLOADS.map((w) => w.name)];
const selected = (opt('workloads') ?? ALL.join(',')).split(',').filter(Boolean);
const reps = Math.max(1, Number(opt('reps') ?? 3));
const boot = opt('boot') ?? 'disk';
if (boot !== 'disk' && boot !== 'kernel') {
  console.error(`--boot=${boot}: expected disk or kernel`);
  process.exit(2);
}
const timeoutS = Number(opt('timeout') ?? 120);
const forcedN = new Map<string, number>();
for (const s of (opt('n') ?? '').split(',').filter(Boolean)) {
  const [w, n] = s.split(':');
  if (w !== undefined && n !== undefined) forcedN.set(w, Number(n));
}
for (const w of selected) {
  if (!ALL.includes(w)) {
    console.error(`unknown workload '${w}' (known: ${ALL.join(', ')})`);
    process.exit(2);
  }
}

// --- the hosted kernel's console (no ../shared needed) --------------------------------------------

const consoleResults: Array<ConsoleResult | { workload: string; failed: string }> = [];
for (const w of CONSOLE_WORKLOADS.filter((x) => selected.includes(x.name))) {
  process.stderr.write(`${w.name}: running ts386...\n`);
  const r = measureConsole(ROOT, w, reps, timeoutS);
  if (typeof r === 'string') {
    consoleResults.push({ workload: w.name, failed: r });
    console.log(`\n${w.name} — ${w.note}\n  !! cannot run: ${r}`);
  } else {
    consoleResults.push(r);
    reportConsole(w, r);
  }
}
if (!selected.some((w) => WORKLOADS.some((x) => x.name === w))) process.exit(0);

// --- shared data --------------------------------------------------------------------------------

if (!existsSync(path.join(SHARED, 'kernel.bin'))) {
  console.log(`bench: ${SHARED} is absent (it holds the guest and the peers' figures); nothing to measure.`);
  process.exit(0);
}
const kernel = new Uint8Array(readFileSync(path.join(SHARED, 'kernel.bin')));
// Any of the disk images will do: they differ only in the config block, which is patched per run.
const diskImage = new Uint8Array(readFileSync(path.join(SHARED, 'images', 'bench-cpu-10.img')));
const bios = new Uint8Array(readFileSync(path.join(ROOT, 'firmware', 'bios.bin')));
if (String.fromCharCode(...diskImage.subarray(DISK_PAYLOAD_OFFSET + CONFIG_OFFSET, DISK_PAYLOAD_OFFSET + CONFIG_OFFSET + 4)) !== 'BNCH') {
  console.error('bench: bench-cpu-10.img has no BNCH config block at offset 520');
  process.exit(1);
}
if (String.fromCharCode(...kernel.subarray(CONFIG_OFFSET, CONFIG_OFFSET + 4)) !== 'BNCH') {
  console.error('bench: kernel.bin has no BNCH config block at offset 8');
  process.exit(1);
}

/** expected-checksums.txt: `workload N checksum` lines. */
const expected = new Map<string, string>();
for (const line of readFileSync(path.join(SHARED, 'expected-checksums.txt'), 'utf8').split('\n')) {
  const m = /^(\w+) (\d+) ([0-9a-f]{8})/.exec(line);
  if (m) expected.set(`${m[1]}:${m[2]}`, m[3]!);
}
const listedN = (guest: string): number[] =>
  [...expected.keys()].filter((k) => k.startsWith(`${guest}:`)).map((k) => Number(k.split(':')[1])).sort((a, b) => a - b);

const instrCounts = JSON.parse(readFileSync(path.join(SHARED, 'instr-counts.json'), 'utf8')) as Record<string, { guest: number }>;

/** The README's table of peer figures: row label → peer name → cell text. */
interface PeerTable { peers: string[]; rows: Map<string, string[]> }
function readPeerTable(): PeerTable | null {
  try {
    const lines = readFileSync(path.join(SHARED, 'README.md'), 'utf8').split('\n');
    const h = lines.findIndex((l) => /^\|\s*workload\s*\|/.test(l));
    if (h < 0) return null;
    const cells = (l: string): string[] => l.split('|').slice(1, -1).map((c) => c.trim());
    const peers = cells(lines[h]!).slice(1);
    const rows = new Map<string, string[]>();
    for (let k = h + 2; k < lines.length && lines[k]!.startsWith('|'); k++) {
      const c = cells(lines[k]!);
      rows.set(c[0]!, c.slice(1));
    }
    return { peers, rows };
  } catch {
    return null;
  }
}
const peerTable = readPeerTable();

interface Baseline { mips: number; usPerIter: number; date: string; node: string }
const baseline: Record<string, Baseline> = existsSync(BASELINE)
  ? (JSON.parse(readFileSync(BASELINE, 'utf8')) as Record<string, Baseline>)
  : {};

// --- one run ------------------------------------------------------------------------------------

interface Run {
  seconds: number;
  instructions: number;
  cycles: number;
  text: string;
  reason: string;
  checksum: string | null;
  error: string | null;
}

function runOnce(w: Workload, n: number): Run {
  let text = '';
  const onDebugByte = (b: number): void => { text += String.fromCharCode(b); };
  const configured = (bytes: Uint8Array, at: number): Uint8Array => {
    const copy = bytes.slice();
    const view = new DataView(copy.buffer);
    view.setUint32(at + 4, w.id, true);
    view.setUint32(at + 8, n, true);
    view.setUint32(at + 12, w.flags, true);
    return copy;
  };
  let m: Machine;
  if (boot === 'disk') {
    const disk = new MemoryDisk(configured(diskImage, DISK_PAYLOAD_OFFSET + CONFIG_OFFSET));
    m = new Machine({ memoryBytes: MEMORY_BYTES, rom: bios, disks: [disk], onDebugByte });
  } else {
    m = new Machine({ memoryBytes: MEMORY_BYTES, onDebugByte });
    m.phys.load(LOAD_ADDR, configured(kernel, CONFIG_OFFSET));
    enterFlat32(m, LOAD_ADDR, STACK_TOP);
  }

  const i0 = m.cpu.instructions, c0 = m.cpu.cycles;
  let reason = 'cycles';
  let error: string | null = null;
  let seconds = 0;
  // Run in slices so that a guest that never finishes cannot hang the benchmark.
  while (reason === 'cycles') {
    const t0 = performance.now();
    try {
      reason = m.run(200_000_000).reason;
    } catch (e) {
      reason = 'error';
      error = e instanceof Error ? e.message : String(e);
    }
    seconds += (performance.now() - t0) / 1000;
    if (reason === 'cycles' && seconds > timeoutS) {
      reason = 'timeout';
      error = `no exit after ${timeoutS} s`;
    }
  }
  const bench = /^BENCH (\S+) N=(\d+) checksum=([0-9a-f]+)/m.exec(text);
  if (!bench && error === null) {
    const why = reason === 'shutdown' ? `shutdown: ${m.cpu.shutdownReason}` : reason;
    error = `no BENCH line (stopped: ${why}, at EIP 0x${(m.cpu.eip >>> 0).toString(16)})`;
  }
  return {
    seconds,
    instructions: m.cpu.instructions - i0,
    cycles: m.cpu.cycles - c0,
    text,
    reason,
    checksum: bench ? bench[3]! : null,
    error,
  };
}

// --- measuring a workload -----------------------------------------------------------------------

interface Result {
  workload: string;
  n: number;
  valid: boolean;
  problems: string[];
  tN: number;
  t4N: number;
  usPerIter: number;
  mips: number;
  /** ts386's own retired-instruction count per iteration. */
  ownInstr: number;
  cyclesPerIter: number;
}

const median = (a: number[]): number => {
  const s = [...a].sort((x, y) => x - y);
  const k = s.length >> 1;
  return s.length % 2 === 1 ? s[k]! : (s[k - 1]! + s[k]!) / 2;
};

function check(w: Workload, n: number, r: Run, problems: string[]): void {
  if (r.error !== null) {
    problems.push(`N=${n}: ${r.error}; guest said: ${JSON.stringify(r.text.slice(-300))}`);
    return;
  }
  const want = expected.get(`${w.guest}:${n}`);
  if (want === undefined) problems.push(`N=${n}: no expected checksum (got ${r.checksum})`);
  else if (want !== r.checksum) problems.push(`N=${n}: CHECKSUM MISMATCH: got ${r.checksum}, expected ${want}`);
}

/** N with 4N also listed in expected-checksums.txt, and a run of 4N taking about 1–3 s. */
function chooseN(w: Workload): { n: number; probe: Run } | null {
  const listed = listedN(w.guest);
  const pairs = listed.filter((n) => listed.includes(4 * n));
  if (pairs.length === 0) return null;
  // Probe with growing listed N until a run takes long enough to estimate the speed from.
  let probe: Run | null = null;
  let probeN = 0;
  for (const n of listed) {
    probe = runOnce(w, n);
    probeN = n;
    if (probe.error !== null || probe.seconds >= 0.25) break;
  }
  if (probe === null) return null;
  const forced = forcedN.get(w.name);
  if (forced !== undefined) return { n: forced, probe };
  const perIter = probe.seconds / probeN;
  let n = pairs[0]!;
  for (const p of pairs) if (4 * p * perIter <= 3) n = p;
  return { n, probe };
}

function measure(w: Workload): Result | { workload: string; failed: string } {
  const chosen = chooseN(w);
  if (chosen === null) return { workload: w.name, failed: 'no N with 4N in expected-checksums.txt' };
  if (chosen.probe.error !== null) {
    return { workload: w.name, failed: `${chosen.probe.error}; guest said: ${JSON.stringify(chosen.probe.text.slice(-300))}` };
  }
  const n = chosen.n;
  const problems: string[] = [];
  const tN: number[] = [], t4N: number[] = [];
  let first: [Run, Run] | null = null;
  for (let k = 0; k < reps; k++) {
    const a = runOnce(w, n);
    const b = runOnce(w, 4 * n);
    if (k === 0) {
      check(w, n, a, problems);
      check(w, 4 * n, b, problems);
      first = [a, b];
    }
    if (a.error !== null || b.error !== null) break;
    tN.push(a.seconds);
    t4N.push(b.seconds);
    process.stderr.write(`  ${w.name} rep ${k + 1}/${reps}: t(${n}) = ${a.seconds.toFixed(3)} s, t(${4 * n}) = ${b.seconds.toFixed(3)} s\n`);
  }
  if (tN.length === 0) return { workload: w.name, failed: problems.join('; ') };
  const [a, b] = first!;
  const iters = 3 * n;
  const usPerIter = ((median(t4N) - median(tN)) / iters) * 1e6;
  const guestInstr = instrCounts[w.guest]?.guest ?? NaN;
  return {
    workload: w.name,
    n,
    valid: problems.length === 0,
    problems,
    tN: median(tN),
    t4N: median(t4N),
    usPerIter,
    mips: guestInstr / usPerIter,
    ownInstr: (b.instructions - a.instructions) / iters,
    cyclesPerIter: (b.cycles - a.cycles) / iters,
  };
}

// --- report -------------------------------------------------------------------------------------

const fmt = (x: number, digits = 3): string => (Number.isFinite(x) ? Number(x.toPrecision(digits)).toString() : '-');

/** The README rows that belong to a workload, with ts386's figure for each. */
function peerRows(r: Result, w: Workload): Array<{ label: string; ours: number; higherIsBetter: boolean }> {
  switch (w.guest) {
    case 'cpu': return [
      { label: 'cpu: µs per iteration', ours: r.usPerIter, higherIsBetter: false },
      { label: 'cpu: MIPS', ours: r.mips, higherIsBetter: true },
    ];
    case 'tlb': return [
      { label: 'tlb: ns per page touched', ours: (r.usPerIter * 1000) / TLB_PAGES, higherIsBetter: false },
      { label: 'tlb: MIPS', ours: r.mips, higherIsBetter: true },
    ];
    default: return [{ label: 'pagefault: µs per fault', ours: r.usPerIter, higherIsBetter: false }];
  }
}

function report(w: Workload, r: Result): void {
  const tag = r.valid ? '' : '   *** INVALID: wrong result ***';
  console.log(`\n${w.name} — ${w.note}${tag}`);
  for (const p of r.problems) console.log(`  !! ${p}`);
  const unit = w.guest === 'tlb'
    ? `${fmt((r.usPerIter * 1000) / TLB_PAGES)} ns per page (${fmt(r.usPerIter)} µs per pass)`
    : w.guest === 'pagefault' ? `${fmt(r.usPerIter)} µs per fault` : `${fmt(r.usPerIter)} µs per iteration`;
  console.log(`  N = ${r.n} / ${4 * r.n}: median t(N) = ${r.tN.toFixed(3)} s, t(4N) = ${r.t4N.toFixed(3)} s`);
  console.log(`  ${unit}, ${fmt(r.mips)} MIPS`);
  const guestInstr = instrCounts[w.guest]?.guest ?? NaN;
  const agree = ((r.ownInstr - guestInstr) / guestInstr) * 100;
  console.log(`  instructions per iteration: ${fmt(guestInstr, 6)} (instr-counts.json), ${fmt(r.ownInstr, 6)} retired by ts386 (${agree >= 0 ? '+' : ''}${agree.toFixed(1)}%)`);
  const mhz = r.cyclesPerIter / r.usPerIter;
  console.log(`  emulated: ${fmt(r.cyclesPerIter, 6)} cycles per iteration, ${fmt(r.cyclesPerIter / r.ownInstr)} per instruction; runs like a ${fmt(mhz)} MHz 386`);
  const b = baseline[w.name];
  if (b) console.log(`  vs baseline (${b.date}, node ${b.node}): ${fmt(r.mips / b.mips)}× the MIPS (was ${fmt(b.mips)})`);
  if (peerTable) {
    for (const row of peerRows(r, w)) {
      const cells = peerTable.rows.get(row.label);
      if (!cells) continue;
      const parts = peerTable.peers.map((p, k) => {
        const text = cells[k] ?? '-';
        const v = Number(text);
        if (!Number.isFinite(v) || v === 0) return `${p} ${text}`;
        const speed = row.higherIsBetter ? row.ours / v : v / row.ours;
        return `${p} ${text} (ts386 ${fmt(speed, 2)}×)`;
      });
      console.log(`  ${row.label}: ts386 ${fmt(row.ours)} | ${parts.join(' | ')}`);
    }
  }
}

console.log(`ts386 bench: node ${process.version}, guest ${boot === 'disk' ? 'the disk images, booted through firmware/bios.bin' : path.join(SHARED, 'kernel.bin') + ' entered directly'}, ${reps} rep(s), t(4N) − t(N) over 3N`);
const results: Array<Result | { workload: string; failed: string }> = [];
for (const name of selected) {
  const w = WORKLOADS.find((x) => x.name === name);
  if (w === undefined) continue; // a console workload, measured above
  process.stderr.write(`${w.name}: choosing N...\n`);
  const r = measure(w);
  results.push(r);
  if ('failed' in r) {
    console.log(`\n${w.name} — ${w.note}\n  !! cannot run: ${r.failed}`);
  } else {
    report(w, r);
  }
}

// Summary line per workload, and the ratios the project tracks.
console.log('\nsummary (speed ratio = how many times faster than the peer):');
const col = (name: string): number => peerTable?.peers.findIndex((p) => p.toLowerCase().includes(name)) ?? -1;
const v86i = col('interpreter'), bochs = col('bochs');
for (const r of results) {
  if ('failed' in r) { console.log(`  ${r.workload.padEnd(13)} cannot run`); continue; }
  const w = WORKLOADS.find((x) => x.name === r.workload)!;
  const main = peerRows(r, w)[0]!;
  const cells = peerTable?.rows.get(main.label);
  const ratio = (k: number): string => {
    const v = Number(cells?.[k]);
    return k >= 0 && Number.isFinite(v) ? `${fmt(v / main.ours, 2)}×` : '-';
  };
  console.log(`  ${r.workload.padEnd(13)} ${fmt(r.mips).padStart(6)} MIPS  ${fmt(r.usPerIter).padStart(7)} µs/iter   vs v86 interpreter ${ratio(v86i)}, vs Bochs ${ratio(bochs)}${r.valid ? '' : '   INVALID'}`);
}

const jsonOut = opt('json');
if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ date: new Date().toISOString(), node: process.version, results, console: consoleResults }, null, 1));

if (flag('save-baseline')) {
  const date = new Date().toISOString().slice(0, 10);
  let saved = 0;
  for (const r of results) {
    if ('failed' in r || !r.valid) continue;
    baseline[r.workload] = { mips: Number(r.mips.toFixed(2)), usPerIter: Number(r.usPerIter.toPrecision(4)), date, node: process.version };
    saved++;
  }
  writeFileSync(BASELINE, `${JSON.stringify(baseline, null, 2)}\n`);
  console.log(`\nbaseline: ${saved} valid workload(s) written to ${path.relative(ROOT, BASELINE)}`);
}
