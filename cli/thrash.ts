// `ts386 thrash`: the thrashing curve. For each level k = 1..N, one deterministic boot of the ts386
// kernel (thrash-run.ts) in a worker thread (thrash-worker.ts), all cores at once, whose shell
// starts k copies of PROG ARGS in the background; when all k have ended, the kernel's counters give
// the CPU utilisation (cycles in user mode over all cycles), faults per second and swap traffic
// over that window. As processes are added, utilisation rises while their working sets fit in RAM,
// then falls when they do not: each waits for swap while the others fault too. Out come a table
// (or JSON lines) and, with --svg, a plot (thrash-plot.ts), one curve per load-control mode.
//
// Bad input is told in one line on stderr with status 2, before anything is written: the options,
// the program's words, the --svg path (looked at, not yet created), and what the kernel or its
// shell refuses for every run alike (a load-control mode the kernel does not take, no such
// program), which the first run to meet it reports.

import { SingleBar } from 'cli-progress';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import {
  createTempSwapFile, DEFAULT_SWAP_BYTES, isSwapSize, openDiskFile, OutputFile, readInputFile, SWAP_SIZE_RULE,
} from '../emulator/index.ts';
import { BadInput } from './bad-input.ts';
import { checkProgramWords, checkWritable, list, normalizeArgs, once, positive } from './command-args.ts';
import { EXIT_BAD_INPUT, EXIT_OUTPUT_ERROR, EXIT_READER_GONE, EXIT_RUN_FAILED } from './exit-status.ts';
import { parseBytes, parseMemSize, sizeText } from './size.ts';
import { utilisationSvg, type UtilisationSeries } from './thrash-plot.ts';
import { bootOptions, shellLine, type ThrashFigures, type ThrashJob, type ThrashOutcome } from './thrash-run.ts';
import type { ThrashJobMessage, ThrashResultMessage } from './thrash-worker.ts';

const DEFAULT_MEM = '4M';
const DEFAULT_MAX = 8;
/** The most copies at once (--max): past where any machine worth plotting thrashes, and each level is a boot to run. */
const MOST_PROCS = 32;
const DEFAULT_MHZ = 33;
/** A run's cycle budget: about five emulated minutes at 33 MHz. */
const DEFAULT_MAX_CYCLES = 10_000_000_000;

export const THRASH_HELP = `usage: ts386 thrash [options] -- PROG ARGS...

The thrashing curve: for each k from 1 to --max, one boot of the ts386 kernel whose shell starts k
copies of PROG ARGS (a program on the program disk, such as wsloop PAGES PASSES) in the background
with \`run PROG ARGS &\`, and runs until all k have ended. Over the window from just before the first
run to the end of the last, it reads the kernel's counters and prints, per k: the CPU utilisation
(emulated cycles spent in user mode, over all cycles: the rest is the kernel and the idle CPU
waiting for the disk), page faults per second of emulated time, swap traffic (pages read from and
written to swap) and the window's cycles. While the copies' working sets fit in RAM together,
utilisation holds (or rises, for programs that wait for something else); once they do not, every
copy waits for swap in turn and it falls. The runs go in parallel on worker threads (--jobs);
each is deterministic.

options:
  --max N               levels 1 to N processes (default ${DEFAULT_MAX}, at most ${MOST_PROCS})
  --load-control MODE[,MODE...]
                        the kernel's load control, passed as its boot option loadcontrol=MODE
                        (off, ws or pff; a mode the kernel refuses at boot is bad input); with a
                        list, every level runs once per mode and the plot has a curve per mode.
                        Default: no boot option, the kernel's default
  --mem SIZE            each machine's RAM (default ${DEFAULT_MEM})
  --swap-size SIZE      each machine's temporary swap file (default ${DEFAULT_SWAP_BYTES / 1024 ** 2}M; ${SWAP_SIZE_RULE})
  --clock MHZ           the emulated CPU clock, 1.2 to 7500 (default ${DEFAULT_MHZ}): the disk's
                        times are in seconds, so a faster CPU waits more cycles for it
  --json                one JSON object per run per line instead of the table:
                        {"procs","utilisation","faultsPerSec","swapIO","loadControl","cycles",
                        "userCycles","faults","swapIns","swapOuts"}, utilisation a fraction of 1;
                        for a run that failed, null figures and "error"
  --svg FILE            also plot utilisation (%) against processes, one line per mode, to FILE (SVG)
  --jobs N              runs at once (default: the number of cores, ${availableParallelism()} here)
  --max-cycles N        a run still going N emulated cycles after power-on has failed (default ${DEFAULT_MAX_CYCLES})
  -h, --help            this text

exit status: 0 when every copy in every run ran to the end with status 0; ${EXIT_RUN_FAILED} when a copy
  was killed or failed, or a run did not finish (its row says why); ${EXIT_BAD_INPUT} bad input, nothing
  written; ${EXIT_OUTPUT_ERROR} the --svg file could not be written
`;

const OPTIONS = {
  max: { type: 'string', multiple: true },
  'load-control': { type: 'string', multiple: true },
  mem: { type: 'string', multiple: true },
  'swap-size': { type: 'string', multiple: true },
  clock: { type: 'string', multiple: true },
  svg: { type: 'string', multiple: true },
  jobs: { type: 'string', multiple: true },
  'max-cycles': { type: 'string', multiple: true },
  json: { type: 'boolean', multiple: true },
  help: { type: 'boolean', short: 'h' },
} as const;

interface ThrashOptions {
  max: number;
  /** The modes in the order given; [null] without --load-control: the kernel's default. */
  modes: (string | null)[];
  memoryBytes: number;
  swapBytes: number;
  mhz: number;
  svg: string | null;
  json: boolean;
  jobs: number;
  maxCycles: number;
  prog: string;
  args: string[];
}

/** One row: a run and what came of it. */
interface Row {
  mode: string | null;
  procs: number;
  outcome: Exclude<ThrashOutcome, { kind: 'refused' }>;
}

/** A run's figures as reported. */
interface Measures {
  /** User-mode cycles over the window's cycles, 0 to 1. */
  utilisation: number;
  faultsPerSec: number;
  swapIO: number;
}

/** firmware/ and images/ sit beside dist/ (the bundle) and beside cli/ (the sources). */
function builtinFile(...parts: string[]): string {
  return path.join(path.dirname(fileURLToPath(import.meta.url)), '..', ...parts);
}

const EXAMPLE = 'ts386 thrash --max 4 -- wsloop 300 4';

function parseThrashArgs(argv: string[]): ThrashOptions | 'help' {
  const dashes = argv.indexOf('--');
  const before = dashes >= 0 ? argv.slice(0, dashes) : argv;
  const program = dashes >= 0 ? argv.slice(dashes + 1) : [];
  let values, positionals;
  try {
    ({ values, positionals } = parseArgs({ args: normalizeArgs(before, OPTIONS), options: OPTIONS, strict: true, allowPositionals: true }));
  } catch (e) {
    if (e instanceof BadInput) throw e;
    const message = (e as Error).message.split('\n')[0]!;
    // parseArgs's word on an unknown option goes on about positionals, which thrash takes after -- only.
    const unknown = /^Unknown option '([^']+)'/.exec(message);
    throw new BadInput(unknown ? `${unknown[1]}: no such option (ts386 thrash --help lists them)` : message);
  }
  if (values.help) return 'help';
  if (positionals.length > 0) throw new BadInput(`${positionals[0]}: the program goes after --, as in ${EXAMPLE}`);
  for (const name of Object.keys(OPTIONS)) once(values, name);

  const maxText = once(values, 'max');
  const max = maxText === undefined ? DEFAULT_MAX : positive('max', maxText, `a number of processes from 1 to ${MOST_PROCS}`);
  if (max > MOST_PROCS) throw new BadInput(`--max ${maxText}: expected a number of processes from 1 to ${MOST_PROCS}`);

  const modesText = once(values, 'load-control');
  const modes = modesText === undefined ? [null] : list('load-control', modesText).map((m) => {
    // The kernel judges the mode; what reaches its command line must be one word of it.
    if (!/^[A-Za-z0-9_-]+$/.test(m)) throw new BadInput(`--load-control ${m}: expected a mode name such as off, ws or pff`);
    return m;
  });

  const memoryBytes = parseMemSize(once(values, 'mem') ?? DEFAULT_MEM);
  const swapText = once(values, 'swap-size');
  let swapBytes = DEFAULT_SWAP_BYTES;
  if (swapText !== undefined) {
    const bytes = parseBytes(swapText);
    if (bytes === null || !isSwapSize(bytes)) throw new BadInput(`--swap-size ${swapText}: expected a size such as 16M; a swap file must be ${SWAP_SIZE_RULE}`);
    swapBytes = bytes;
  }
  const clockText = once(values, 'clock');
  const mhz = clockText === undefined ? DEFAULT_MHZ : Number(clockText);
  // main.ts's rule: the devices' clocks are derived from the CPU's with exact integer arithmetic.
  if (!(mhz >= 1.2 && mhz <= 7500) || !Number.isInteger(mhz * 1e6) || (clockText !== undefined && clockText.trim() === '')) {
    throw new BadInput(`--clock ${clockText}: expected a clock in MHz from 1.2 to 7500, such as 33`);
  }
  const jobsText = once(values, 'jobs');
  const jobs = jobsText === undefined ? availableParallelism() : positive('jobs', jobsText, 'a number of runs at once, 1 or more');
  const cyclesText = once(values, 'max-cycles');
  const maxCycles = cyclesText === undefined ? DEFAULT_MAX_CYCLES : positive('max-cycles', cyclesText, 'a positive whole number of cycles');

  if (dashes < 0) throw new BadInput(`no program: give it after --, as in ${EXAMPLE}`);
  const [prog, ...args] = program;
  if (prog === undefined) throw new BadInput('no program after --: give a program on the program disk and its arguments, as wsloop 300 4');
  checkProgramWords(program);

  const svg = once(values, 'svg') ?? null;
  if (svg !== null) checkWritable('svg', svg);
  return { max, modes, memoryBytes, swapBytes, mhz, svg, json: values.json !== undefined, jobs, maxCycles, prog, args };
}

/** The files every run needs, and a swap file made and removed, so that a missing one is one line now rather than an error in every row. */
function checkMachine(o: ThrashOptions): { rom: Uint8Array; programDisk: string } {
  let rom: Uint8Array;
  try {
    rom = readInputFile(builtinFile('firmware', 'bios.bin'), 'a ROM image', { bytes: 0x20000, tooLarge: (size) => `${size} bytes; a ROM image must be 64 or 128 KiB` });
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

/** The worker thread's module: the bundle's dist/thrash-worker.mjs, or the source beside this file. */
function workerUrl(): URL {
  return new URL(import.meta.url.endsWith('.ts') ? './thrash-worker.ts' : './thrash-worker.mjs', import.meta.url);
}

/**
 * Runs the jobs on up to `threads` worker threads; `onDone` after each. Resolves with the outcomes
 * in the jobs' order, or with the first refusal (every run would be refused alike: the rest are
 * not waited for). A worker that fails is a bug: the promise rejects.
 */
async function runAll(jobs: ThrashJob[], threads: number, onDone: () => void): Promise<ThrashOutcome[] | { refused: string; job: ThrashJob }> {
  const outcomes = new Array<ThrashOutcome | undefined>(jobs.length);
  const workers: Worker[] = [];
  let next = 0;
  try {
    return await new Promise((resolve, reject) => {
      let left = jobs.length;
      const give = (w: Worker): void => {
        if (next >= jobs.length) return;
        const message: ThrashJobMessage = { index: next, job: jobs[next]! };
        next++;
        w.postMessage(message);
      };
      for (let i = 0; i < Math.min(threads, jobs.length); i++) {
        const w = new Worker(workerUrl());
        workers.push(w);
        w.on('message', (m: ThrashResultMessage) => {
          const job = jobs[m.index]!;
          if ('error' in m) {
            reject(new Error(`${job.procs} x ${JSON.stringify(shellLine(job))}${job.loadControl !== null ? ` (loadcontrol=${job.loadControl})` : ''}: ${m.error}`));
            return;
          }
          if (m.outcome.kind === 'refused') {
            resolve({ refused: m.outcome.line, job });
            return;
          }
          outcomes[m.index] = m.outcome;
          onDone();
          if (--left === 0) resolve(outcomes as ThrashOutcome[]);
          else give(w);
        });
        w.on('error', reject);
        w.on('exit', (code) => {
          if (left > 0) reject(new Error(`a worker thread of ts386 thrash ended (exit code ${code}) with ${left} runs left`));
        });
        give(w);
      }
    });
  } finally {
    await Promise.all(workers.map((w) => { w.removeAllListeners('exit'); return w.terminate(); }));
  }
}

function measures(f: ThrashFigures, clockHz: number): Measures {
  const seconds = f.cycles / clockHz;
  return { utilisation: f.cycles > 0 ? f.userCycles / f.cycles : 0, faultsPerSec: seconds > 0 ? f.faults / seconds : 0, swapIO: f.swapIns + f.swapOuts };
}

function tableText(rows: readonly Row[], o: ThrashOptions): string {
  const clockHz = Math.round(o.mhz * 1e6);
  const modes = o.modes[0] !== null;
  const head = [...(modes ? ['load control'] : []), 'procs', 'utilisation', 'faults/s', 'swap I/O', 'cycles'];
  const cells = rows.map((r) => {
    const first = [...(modes ? [r.mode ?? ''] : []), String(r.procs)];
    if (r.outcome.kind !== 'done') return { row: first, why: `error: ${r.outcome.why}` };
    const m = measures(r.outcome.figures, clockHz);
    return { row: [...first, `${(m.utilisation * 100).toFixed(1)} %`, m.faultsPerSec.toFixed(0), String(m.swapIO), String(r.outcome.figures.cycles)], why: null };
  });
  const width = head.map((h, c) => Math.max(h.length, ...cells.map(({ row }) => row[c]?.length ?? 0)));
  const line = (row: string[], why: string | null = null): string => [
    ...row.map((cell, c) => (modes && c === 0 ? cell.padEnd(width[c]!) : cell.padStart(width[c]!))), ...(why !== null ? [why] : []),
  ].join('  ').trimEnd();
  return `${[line(head), ...cells.map(({ row, why }) => line(row, why))].join('\n')}\n`;
}

/** Rounded so that the same run prints the same bytes, and no more digits than mean anything. */
const round = (v: number, places: number): number => Math.round(v * 10 ** places) / 10 ** places;

function jsonText(rows: readonly Row[], o: ThrashOptions): string {
  const clockHz = Math.round(o.mhz * 1e6);
  return rows.map((r) => {
    const run = r.outcome;
    if (run.kind !== 'done') return JSON.stringify({ procs: r.procs, utilisation: null, faultsPerSec: null, swapIO: null, loadControl: r.mode, error: run.why });
    const m = measures(run.figures, clockHz);
    return JSON.stringify({
      procs: r.procs, utilisation: round(m.utilisation, 4), faultsPerSec: round(m.faultsPerSec, 1), swapIO: m.swapIO, loadControl: r.mode, ...run.figures,
    });
  }).map((l) => `${l}\n`).join('');
}

function plotSeries(rows: readonly Row[], o: ThrashOptions): UtilisationSeries[] {
  const clockHz = Math.round(o.mhz * 1e6);
  return o.modes.map((mode) => ({
    mode,
    points: rows.filter((r) => r.mode === mode).map((r) => ({
      procs: r.procs, utilisation: r.outcome.kind === 'done' ? measures(r.outcome.figures, clockHz).utilisation * 100 : null,
    })),
  }));
}

/** Writes `text` to stdout; false when its reader went away (`ts386 thrash ... | head`). */
function writeStdout(text: string): Promise<boolean> {
  return new Promise((resolve) => {
    process.stdout.once('error', () => resolve(false));
    process.stdout.write(text, (e) => resolve(e === null || e === undefined));
  });
}

/** `ts386 thrash ARGS`: the exit status. */
export async function thrash(argv: string[]): Promise<number> {
  process.stderr.on('error', () => {});
  let o: ThrashOptions | 'help';
  let machine: { rom: Uint8Array; programDisk: string };
  try {
    o = parseThrashArgs(argv);
    if (o === 'help') {
      process.stdout.write(THRASH_HELP);
      return 0;
    }
    machine = checkMachine(o);
  } catch (e) {
    if (e instanceof BadInput) {
      process.stderr.write(`ts386 thrash: ${e.message}\n`);
      return EXIT_BAD_INPUT;
    }
    throw e;
  }
  const opts = o;
  const jobs: ThrashJob[] = opts.modes.flatMap((loadControl) => Array.from({ length: opts.max }, (_, i) => ({
    procs: i + 1, loadControl, prog: opts.prog, args: opts.args, memoryBytes: opts.memoryBytes, swapBytes: opts.swapBytes,
    clockHz: Math.round(opts.mhz * 1e6), maxCycles: opts.maxCycles, rom: machine.rom, programDisk: machine.programDisk,
  })));

  const bar = process.stderr.isTTY
    ? new SingleBar({ format: 'ts386 thrash |{bar}| {value}/{total} runs, {duration_formatted}', clearOnComplete: true, hideCursor: true, stream: process.stderr })
    : null;
  bar?.start(jobs.length, 0);
  let result;
  try {
    result = await runAll(jobs, opts.jobs, () => bar?.increment());
  } finally {
    bar?.stop();
  }
  if (!Array.isArray(result)) {
    const { job, refused } = result;
    const what = refused.startsWith('ts386 kernel: ')
      ? `--load-control ${job.loadControl ?? ''}: the kernel refused its boot option ${bootOptions(job.loadControl)}`
      : `the kernel's shell refused \`${shellLine(job)}\``;
    process.stderr.write(`ts386 thrash: ${what}: ${refused}\n`);
    return EXIT_BAD_INPUT;
  }
  const rows: Row[] = jobs.map((job, i) => {
    const outcome = result[i]!;
    if (outcome.kind === 'refused') throw new Error('a refused run among the rows');
    return { mode: job.loadControl, procs: job.procs, outcome };
  });
  if (!await writeStdout(opts.json ? jsonText(rows, opts) : tableText(rows, opts))) return EXIT_READER_GONE;
  if (opts.svg !== null) {
    const title = `CPU utilisation against processes: ${[opts.prog, ...opts.args].join(' ')}, ${sizeText(opts.memoryBytes)} of RAM`;
    try {
      const file = OutputFile.open(opts.svg);
      try {
        file.write(utilisationSvg(plotSeries(rows, opts), title.length > 90 ? `${title.slice(0, 89)}…` : title));
      } finally {
        file.close();
      }
    } catch (e) {
      process.stderr.write(`ts386 thrash: --svg ${opts.svg}: ${(e as Error).message.split('\n')[0]}\n`);
      return EXIT_OUTPUT_ERROR;
    }
  }
  return rows.every((r) => r.outcome.kind === 'done') ? 0 : EXIT_RUN_FAILED;
}
