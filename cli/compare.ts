// `ts386 compare`: one program under several page replacement policies and resident limits. Each
// (policy, frames) pair is one deterministic boot of the ts386 kernel (compare-run.ts) in a worker
// thread (compare-worker.ts), all cores at once; the kernel's accounting record of the program
// gives its faults, swap writes and cycles. Out come a table (or JSON lines) and, with --svg, a
// plot (compare-plot.ts). With --sim, one more boot records the program's references
// (compare-record.ts), and the trace simulator (sim/simulate.ts) replays them through each policy
// and frame count: its counts stand beside the real ones.
//
// Bad input is told in one line on stderr with status 2, before anything is written: the options,
// the program's words (the shell splits its line at spaces), the --svg path (looked at, not yet
// created), and what the kernel's shell refuses for every run alike (no such program, a -m it takes
// no such limit from), which the first run to end reports.

import { SingleBar } from 'cli-progress';
import * as fs from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import {
  createTempSwapFile, DEFAULT_SWAP_BYTES, isSwapSize, openDiskFile, OutputFile, readInputFile, SWAP_SIZE_RULE,
} from '../emulator/index.ts';
import { POLICY_NAMES } from '../kernel/index.ts';
import { BadInput } from './bad-input.ts';
import { faultsSvg, type PlotPoint, type PlotSeries } from './compare-plot.ts';
import { type RecordOutcome, recordLine } from './compare-record.ts';
import { type BootJob, type RunJob, type RunOutcome, shellLine } from './compare-run.ts';
import type { JobMessage, ResultMessage, WorkerJob, WorkerOutcome } from './compare-worker.ts';
import { EXIT_BAD_INPUT, EXIT_OUTPUT_ERROR, EXIT_READER_GONE, EXIT_RUN_FAILED } from './exit-status.ts';
import { DEFAULT_TICK_EVERY, isPolicyName, simulateFaults } from './sim/simulate.ts';
import { parseBytes, parseMemSize } from './size.ts';

const DEFAULT_MEM = '4M';
/** A run's cycle budget: about five emulated minutes at 33 MHz. */
const DEFAULT_MAX_CYCLES = 10_000_000_000;

export const COMPARE_HELP = `usage: ts386 compare --policies P,P,... --frames N,N,... [options] -- PROG ARGS...

Runs PROG ARGS (a program on the program disk; usually touch -r STRING, a reference string) under
each replacement policy P with each resident limit of N frames: one boot of the ts386 kernel per
pair, whose shell runs \`run -m N -p P PROG ARGS\` and then halts. The runs go in parallel on
worker threads (--jobs); each is deterministic. Prints one row per run: the program's page faults
(on pages it did not mlock: for touch -r the textbook count), pages written to swap, and emulated
cycles from its start to its end; lru's soft faults when there are any. (opt runs PROG twice, the
first time to record its references: the row is the second run.) A row with more faults than the
one above it (more frames, same policy) is Belady's anomaly, marked *.

With --sim, one more boot runs PROG once without a limit and records the pages it references in
ring 3 (less the pages it locked, a page repeated at once kept once); a trace simulator replays
that string through each policy with each number of frames, open loop (the string does not change
with the policy, and a tick comes every --sim-tick references), and its count stands beside the
real one: a 'sim faults' column, "simFaults" in JSON, a thin dotted line per policy in the plot.

options:
  --policies P,P,...    replacement policies, of ${POLICY_NAMES.join(' ')}
  --frames N,N,...      resident limits (run -m), in frames
  --mem SIZE            each machine's RAM (default ${DEFAULT_MEM})
  --swap-size SIZE      each machine's temporary swap file (default ${DEFAULT_SWAP_BYTES / 1024 ** 2}M; ${SWAP_SIZE_RULE})
  --json                one JSON object per run per line instead of the table:
                        {"policy","frames","faults","swapWrites","cycles","softFaults","belady"},
                        or "error" (and null figures) for a run that failed
  --svg FILE            also plot faults against frames, one line per policy, to FILE (SVG)
  --sim                 also count the faults of PROG's recorded reference string in a trace
                        simulator (above): "simFaults" in JSON, null when the recording failed
  --sim-tick N          with --sim: the simulator's tick (when nru, aging, lfu, mfu and wsclock
                        sample and clear A bits) comes every N references (default ${DEFAULT_TICK_EVERY})
  --jobs N              runs at once (default: the number of cores, ${availableParallelism()} here)
  --max-cycles N        a run still going after N emulated cycles has failed (default ${DEFAULT_MAX_CYCLES})
  -h, --help            this text

exit status: 0 when every run ran PROG to the end with status 0; ${EXIT_RUN_FAILED} when the kernel refused,
  killed or did not finish a run (its row says why); ${EXIT_BAD_INPUT} bad input, nothing written;
  ${EXIT_OUTPUT_ERROR} the --svg file could not be written
`;

const OPTIONS = {
  policies: { type: 'string', multiple: true },
  frames: { type: 'string', multiple: true },
  mem: { type: 'string', multiple: true },
  'swap-size': { type: 'string', multiple: true },
  svg: { type: 'string', multiple: true },
  jobs: { type: 'string', multiple: true },
  'max-cycles': { type: 'string', multiple: true },
  json: { type: 'boolean', multiple: true },
  sim: { type: 'boolean', multiple: true },
  'sim-tick': { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
} as const;

interface CompareOptions {
  policies: string[];
  /** Ascending. */
  frames: number[];
  memoryBytes: number;
  swapBytes: number;
  svg: string | null;
  json: boolean;
  jobs: number;
  maxCycles: number;
  /** --sim: references between the simulator's ticks; null without --sim. */
  simTick: number | null;
  prog: string;
  args: string[];
}

/** One row: a run and how it went. */
interface Row {
  policy: string;
  frames: number;
  outcome: Exclude<RunOutcome, { kind: 'refused' }>;
  /** More faults than the row before it (same policy, fewer frames). */
  belady: boolean;
  /** --sim's count for the same policy and frames (faults null when the recording failed); null without --sim. */
  sim: { faults: number | null; belady: boolean } | null;
}

/** firmware/ and images/ sit beside dist/ (the bundle) and beside cli/ (the sources). */
function builtinFile(...parts: string[]): string {
  return path.join(path.dirname(fileURLToPath(import.meta.url)), '..', ...parts);
}

/** The value of a string option given at most once, or undefined. */
function once(values: Record<string, unknown>, name: string): string | undefined {
  const v = values[name] as string[] | boolean[] | undefined;
  if (v === undefined) return undefined;
  if (v.length > 1) throw new BadInput(`--${name} given ${v.length === 2 ? 'twice' : `${v.length} times`}: give it once`);
  return v[0] === undefined ? undefined : String(v[0]);
}

/** A comma-separated list's items; BadInput for an empty item or an item given twice. */
function list(option: string, text: string): string[] {
  const items = text.split(',');
  if (items.some((i) => i === '')) throw new BadInput(`--${option} ${text}: expected a list separated by commas, with nothing empty in it`);
  const twice = items.find((item, i) => items.indexOf(item) !== i);
  if (twice !== undefined) throw new BadInput(`--${option} ${text}: ${twice} is given twice`);
  return items;
}

function positive(option: string, text: string, what: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1) throw new BadInput(`--${option} ${text}: expected ${what}`);
  return n;
}

/**
 * The arguments as parseArgs should see them: a value that starts with '-' after a space (`--frames
 * -1`) is the option's, as in main.ts, unless it is one of compare's options.
 */
function normalizeArgs(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = argv[i + 1];
    const name = arg.startsWith('--') ? arg.slice(2) : '';
    if (OPTIONS[name as keyof typeof OPTIONS]?.type === 'string' && next !== undefined && next.length > 1 && next.startsWith('-')) {
      const nextName = /^--([^=]+)/.exec(next)?.[1];
      if (next === '-h' || (nextName !== undefined && Object.hasOwn(OPTIONS, nextName))) throw new BadInput(`${arg} needs a value, not the option ${next} (write ${arg}=VALUE)`);
      out.push(`${arg}=${next}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

function parseCompareArgs(argv: string[]): CompareOptions | 'help' {
  const dashes = argv.indexOf('--');
  const before = dashes >= 0 ? argv.slice(0, dashes) : argv;
  const program = dashes >= 0 ? argv.slice(dashes + 1) : [];
  let values, positionals;
  try {
    ({ values, positionals } = parseArgs({ args: normalizeArgs(before), options: OPTIONS, strict: true, allowPositionals: true }));
  } catch (e) {
    if (e instanceof BadInput) throw e;
    const message = (e as Error).message.split('\n')[0]!;
    // parseArgs's word on an unknown option goes on about positionals, which compare takes after -- only.
    const unknown = /^Unknown option '([^']+)'/.exec(message);
    throw new BadInput(unknown ? `${unknown[1]}: no such option (ts386 compare --help lists them)` : message);
  }
  if (values.help) return 'help';
  if (positionals.length > 0) throw new BadInput(`${positionals[0]}: the program goes after --, as in ts386 compare --policies fifo --frames 3,4 -- touch -r 1,2,3,1`);
  for (const name of Object.keys(OPTIONS)) once(values, name);

  const policiesText = once(values, 'policies');
  if (policiesText === undefined) throw new BadInput(`--policies is needed: one or more of ${POLICY_NAMES.join(', ')}, separated by commas`);
  const policies = list('policies', policiesText);
  for (const p of policies) {
    if ((POLICY_NAMES as readonly string[]).includes(p)) continue;
    const known = `there are ${POLICY_NAMES.join(', ')}`;
    throw new BadInput(`--policies ${p}: no such policy (${known})`);
  }

  const framesText = once(values, 'frames');
  if (framesText === undefined) throw new BadInput('--frames is needed: resident limits in frames, separated by commas, as 3,4');
  const frames = list('frames', framesText).map((f) => {
    // The shell's own rule and words for run -m (kernel/shell.ts).
    if (/^0+$/.test(f)) throw new BadInput(`--frames ${f}: a number of frames, 1 or more (as run -m takes)`);
    return positive('frames', f, 'whole numbers of frames, 1 or more, as 3,4');
  }).sort((a, b) => a - b);

  const memoryBytes = parseMemSize(once(values, 'mem') ?? DEFAULT_MEM);
  const swapText = once(values, 'swap-size');
  let swapBytes = DEFAULT_SWAP_BYTES;
  if (swapText !== undefined) {
    const bytes = parseBytes(swapText);
    if (bytes === null || !isSwapSize(bytes)) throw new BadInput(`--swap-size ${swapText}: expected a size such as 16M; a swap file must be ${SWAP_SIZE_RULE}`);
    swapBytes = bytes;
  }
  const jobsText = once(values, 'jobs');
  const jobs = jobsText === undefined ? availableParallelism() : positive('jobs', jobsText, 'a number of runs at once, 1 or more');
  const maxText = once(values, 'max-cycles');
  const maxCycles = maxText === undefined ? DEFAULT_MAX_CYCLES : positive('max-cycles', maxText, 'a positive whole number of cycles');
  const sim = values.sim !== undefined;
  const tickText = once(values, 'sim-tick');
  if (tickText !== undefined && !sim) throw new BadInput('--sim-tick: it is the simulator\'s, and goes with --sim');
  const simTick = !sim ? null : tickText === undefined ? DEFAULT_TICK_EVERY : positive('sim-tick', tickText, 'a number of references between ticks, 1 or more');

  if (dashes < 0) throw new BadInput('no program: give it after --, as in ts386 compare --policies fifo --frames 3,4 -- touch -r 1,2,3,1');
  const [prog, ...args] = program;
  if (prog === undefined) throw new BadInput('no program after --: give a program on the program disk and its arguments, as touch -r 1,2,3,1');
  for (const word of program) {
    // The shell reads a line of printable characters and splits it at spaces; `&` at the end runs
    // a job in the background (kernel/shell.ts, kernel/tty.ts).
    if (word === '' || /\s/.test(word)) throw new BadInput(`'${word}': the shell splits its command line at spaces, so PROG and ARGS cannot be empty or contain spaces`);
    if (!/^[\x21-\x7e]+$/.test(word)) throw new BadInput(`${JSON.stringify(word)}: the shell's line takes printable ASCII characters only`);
    if (word.endsWith('&')) throw new BadInput(`${word}: a word ending in & would run the program in the background`);
  }

  const svg = once(values, 'svg') ?? null;
  if (svg !== null) checkWritable(svg);
  return { policies, frames, memoryBytes, swapBytes, svg, json: values.json !== undefined, jobs, maxCycles, simTick, prog, args };
}

/**
 * --svg FILE can be written: looked at now, created only once every run is done, so that a run
 * refused as bad input leaves no file behind. An output may be a regular file or a character
 * device (as OutputFile takes, emulator/host/output-file.ts).
 */
function checkWritable(file: string): void {
  const fail = (why: string): never => { throw new BadInput(`--svg ${file === '' ? "''" : file}: ${why}`); };
  if (file === '') fail('no file name given');
  let st: fs.Stats | null = null;
  try {
    st = fs.statSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') fail(`cannot write to it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (st !== null) {
    if (st.isDirectory()) fail('is a directory');
    if (!st.isFile() && !st.isCharacterDevice()) fail('is not a regular file or a character device');
    try {
      fs.accessSync(file, fs.constants.W_OK);
    } catch {
      fail('cannot write to it (permission denied)');
    }
    return;
  }
  const dir = path.dirname(file);
  let dst: fs.Stats;
  try {
    dst = fs.statSync(dir);
  } catch {
    return fail(`no such directory as ${dir}`);
  }
  if (!dst.isDirectory()) fail(`${dir} is not a directory`);
  try {
    fs.accessSync(dir, fs.constants.W_OK);
  } catch {
    fail(`cannot create it in ${dir} (permission denied)`);
  }
}

/** The files every run needs, and a swap file made and removed, so that a missing one is one line now rather than an error in every row. */
function checkMachine(o: CompareOptions): { rom: Uint8Array; programDisk: string } {
  let rom: Uint8Array;
  const biosFile = builtinFile('firmware', 'bios.bin');
  try {
    rom = readInputFile(biosFile, 'a ROM image', { bytes: 0x20000, tooLarge: (size) => `${size} bytes; a ROM image must be 64 or 128 KiB` });
  } catch (e) {
    throw new BadInput(`the built-in BIOS: ${(e as Error).message}`);
  }
  const programDisk = builtinFile('images', 'programs.img');
  try {
    openDiskFile(programDisk, { write: false }).close?.();
  } catch (e) {
    throw new BadInput(`the program disk: ${(e as Error).message}`);
  }
  try {
    createTempSwapFile(o.swapBytes).close();
  } catch (e) {
    throw new BadInput((e as Error).message);
  }
  return { rom, programDisk };
}

/** The worker thread's module: the bundle's dist/compare-worker.mjs, or the source beside this file. */
function workerUrl(): URL {
  return new URL(import.meta.url.endsWith('.ts') ? './compare-worker.ts' : './compare-worker.mjs', import.meta.url);
}

/** The shell line a job types. */
const jobLine = (job: WorkerJob): string => ('run' in job ? shellLine(job.run) : recordLine(job.record));

/**
 * Runs the jobs on up to `threads` worker threads; `onDone` after each. Resolves with the
 * outcomes in the jobs' order, or with the first refusal (every run would be refused alike: the
 * rest are not waited for). A worker that fails is a bug: the promise rejects.
 */
async function runAll(jobs: WorkerJob[], threads: number, onDone: () => void): Promise<WorkerOutcome[] | { refused: string; job: WorkerJob }> {
  const outcomes: (WorkerOutcome | undefined)[] = new Array<WorkerOutcome | undefined>(jobs.length);
  const workers: Worker[] = [];
  let next = 0;
  try {
    return await new Promise((resolve, reject) => {
      let left = jobs.length;
      const give = (w: Worker): void => {
        if (next < jobs.length) {
          const message: JobMessage = { index: next, job: jobs[next]! };
          next++;
          w.postMessage(message);
        }
      };
      for (let i = 0; i < Math.min(threads, jobs.length); i++) {
        const w = new Worker(workerUrl());
        workers.push(w);
        w.on('message', (m: ResultMessage) => {
          if ('error' in m) {
            reject(new Error(`run ${JSON.stringify(jobLine(jobs[m.index]!))}: ${m.error}`));
            return;
          }
          if (m.outcome.kind === 'refused') {
            resolve({ refused: m.outcome.line, job: jobs[m.index]! });
            return;
          }
          outcomes[m.index] = m.outcome;
          onDone();
          if (--left === 0) resolve(outcomes as WorkerOutcome[]);
          else give(w);
        });
        w.on('error', reject);
        w.on('exit', (code) => {
          if (left > 0) reject(new Error(`a worker thread of ts386 compare ended (exit code ${code}) with ${left} runs left`));
        });
        give(w);
      }
    });
  } finally {
    await Promise.all(workers.map((w) => { w.removeAllListeners('exit'); return w.terminate(); }));
  }
}

/**
 * The rows in the table's order, with Belady's anomaly marked against the row before in the same
 * policy; with --sim (`recorded`, and the simulator's tick), each with the simulator's count.
 */
function toRows(jobs: RunJob[], outcomes: RunOutcome[], recorded: RecordOutcome | null, simTick: number | null): Row[] {
  const rows: Row[] = [];
  for (let i = 0; i < jobs.length; i++) {
    const outcome = outcomes[i]!;
    const job = jobs[i]!;
    if (outcome.kind === 'refused') throw new Error('a refused run among the rows');
    const before = rows[rows.length - 1];
    const same = before !== undefined && before.policy === job.policy;
    const belady = outcome.kind === 'done' && same && before.outcome.kind === 'done' && outcome.faults > before.outcome.faults;
    let sim: Row['sim'] = null;
    if (recorded !== null && simTick !== null) {
      // The kernel seeds random with the process's pid: each run is a fresh boot whose first
      // process is PROG, as in the recording run.
      const faults = recorded.kind === 'recorded' && isPolicyName(job.policy)
        ? simulateFaults(recorded.string, job.frames, job.policy, { tickEvery: simTick, seed: recorded.pid })
        : null;
      const was = same ? before.sim?.faults ?? null : null;
      sim = { faults, belady: faults !== null && was !== null && faults > was };
    }
    rows.push({ policy: job.policy, frames: job.frames, outcome, belady, sim });
  }
  return rows;
}

/** A count with the anomaly's mark (or room for it, so that the counts line up). */
const marked = (n: number, belady: boolean): string => `${n}${belady ? ' *' : '  '}`;

function tableText(rows: readonly Row[]): string {
  const soft = rows.some((r) => r.outcome.kind === 'done' && r.outcome.softFaults > 0);
  const sim = rows.some((r) => r.sim !== null);
  const head = ['policy', 'frames', 'faults', ...(sim ? ['sim faults'] : []), 'swap writes', 'cycles', ...(soft ? ['soft faults'] : [])];
  // The columns whose counts may carry the anomaly's mark.
  const markedColumns = sim ? [2, 3] : [2];
  // A row of figures, or a failed run's policy, frames and why (the rest of its line).
  const cells = rows.map((r) => {
    const o = r.outcome;
    if (o.kind !== 'done') return { row: [r.policy, String(r.frames)], why: `error: ${o.why}` };
    const simCell = r.sim === null ? [] : [r.sim.faults === null ? '-  ' : marked(r.sim.faults, r.sim.belady)];
    return {
      row: [r.policy, String(r.frames), marked(o.faults, r.belady), ...simCell, String(o.swapWrites), String(o.cycles), ...(soft ? [o.softFaults > 0 ? String(o.softFaults) : ''] : [])],
      why: null,
    };
  });
  const width = head.map((h, c) => Math.max(h.length + (markedColumns.includes(c) ? 2 : 0), ...cells.map(({ row }) => row[c]?.length ?? 0)));
  const line = (row: string[], why: string | null = null): string => [
    ...row.map((cell, c) => (c === 0 ? cell.padEnd(width[c]!) : cell.padStart(width[c]!))), ...(why !== null ? [why] : []),
  ].join('  ').trimEnd();
  const out = [line(head.map((h, c) => (markedColumns.includes(c) ? `${h}  ` : h))), ...cells.map(({ row, why }) => line(row, why))];
  if (rows.some((r) => r.belady || (r.sim?.belady ?? false))) out.push("* Belady's anomaly: more faults than with the fewer frames in the row above");
  return `${out.join('\n')}\n`;
}

function jsonText(rows: readonly Row[]): string {
  return rows.map((r) => {
    const o = r.outcome;
    const sim = r.sim === null ? {} : { simFaults: r.sim.faults };
    return JSON.stringify(o.kind === 'done'
      ? { policy: r.policy, frames: r.frames, faults: o.faults, swapWrites: o.swapWrites, cycles: o.cycles, softFaults: o.softFaults, belady: r.belady, ...sim }
      : { policy: r.policy, frames: r.frames, faults: null, swapWrites: null, cycles: null, error: o.why, ...sim });
  }).map((l) => `${l}\n`).join('');
}

function plotSeries(rows: readonly Row[]): PlotSeries[] {
  const series = new Map<string, { policy: string; points: PlotPoint[]; simulated: PlotPoint[] | undefined }>();
  for (const r of rows) {
    let s = series.get(r.policy);
    if (s === undefined) series.set(r.policy, s = { policy: r.policy, points: [], simulated: r.sim === null ? undefined : [] });
    s.points.push({ frames: r.frames, faults: r.outcome.kind === 'done' ? r.outcome.faults : null, belady: r.belady });
    if (r.sim !== null) s.simulated?.push({ frames: r.frames, faults: r.sim.faults, belady: false });
  }
  return [...series.values()];
}

/** Writes `text` to stdout; false when its reader went away (`ts386 compare ... | head`). */
function writeStdout(text: string): Promise<boolean> {
  return new Promise((resolve) => {
    process.stdout.once('error', () => resolve(false));
    process.stdout.write(text, (e) => resolve(e === null || e === undefined));
  });
}

/** `ts386 compare ARGS`: the exit status. */
export async function compare(argv: string[]): Promise<number> {
  process.stderr.on('error', () => {});
  let o: CompareOptions | 'help';
  let machine: { rom: Uint8Array; programDisk: string };
  try {
    o = parseCompareArgs(argv);
    if (o === 'help') {
      process.stdout.write(COMPARE_HELP);
      return 0;
    }
    machine = checkMachine(o);
  } catch (e) {
    if (e instanceof BadInput) {
      process.stderr.write(`ts386 compare: ${e.message}\n`);
      return EXIT_BAD_INPUT;
    }
    throw e;
  }
  const opts = o;
  const boot: BootJob = {
    prog: opts.prog, args: opts.args, memoryBytes: opts.memoryBytes, swapBytes: opts.swapBytes,
    maxCycles: opts.maxCycles, rom: machine.rom, programDisk: machine.programDisk,
  };
  const jobs: RunJob[] = opts.policies.flatMap((policy) => opts.frames.map((frames) => ({ ...boot, policy, frames })));
  // --sim's recording run first: it starts with the first runs, not after them.
  const work: WorkerJob[] = [...(opts.simTick !== null ? [{ record: boot }] : []), ...jobs.map((run) => ({ run }))];

  const bar = process.stderr.isTTY
    ? new SingleBar({ format: 'ts386 compare |{bar}| {value}/{total} runs, {duration_formatted}', clearOnComplete: true, hideCursor: true, stream: process.stderr })
    : null;
  bar?.start(work.length, 0);
  let result;
  try {
    result = await runAll(work, opts.jobs, () => bar?.increment());
  } finally {
    bar?.stop();
  }
  if (!Array.isArray(result)) {
    process.stderr.write(`ts386 compare: the kernel's shell refused \`${jobLine(result.job)}\`: ${result.refused}\n`);
    return EXIT_BAD_INPUT;
  }
  const recorded = opts.simTick !== null ? result.shift() as RecordOutcome : null;
  if (recorded !== null && recorded.kind === 'failed') {
    process.stderr.write(`ts386 compare: --sim: the run that records ${opts.prog}'s references, \`${recordLine(boot)}\`, failed: ${recorded.why}\n`);
  }
  const rows = toRows(jobs, result as RunOutcome[], recorded, opts.simTick);
  if (!await writeStdout(opts.json ? jsonText(rows) : tableText(rows))) return EXIT_READER_GONE;
  if (opts.svg !== null) {
    const title = `Page faults against frames: ${[opts.prog, ...opts.args].join(' ')}`;
    try {
      const file = OutputFile.open(opts.svg);
      try {
        file.write(faultsSvg(plotSeries(rows), title.length > 90 ? `${title.slice(0, 89)}…` : title));
      } finally {
        file.close();
      }
    } catch (e) {
      process.stderr.write(`ts386 compare: --svg ${opts.svg}: ${(e as Error).message.split('\n')[0]}\n`);
      return EXIT_OUTPUT_ERROR;
    }
  }
  const allDone = rows.every((r) => r.outcome.kind === 'done') && (recorded === null || recorded.kind === 'recorded');
  return allDone ? 0 : EXIT_RUN_FAILED;
}
