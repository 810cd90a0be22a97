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

import { availableParallelism } from 'node:os';
import {
  DEFAULT_SWAP_BYTES, SWAP_SIZE_RULE,
} from '../emulator/index.ts';
import { BadInput } from './bad-input.ts';
import { checkWritable, list, machineSizes, once, parseCommand, positive, programOf } from './command-args.ts';
import { EXIT_BAD_INPUT, EXIT_OUTPUT_ERROR, EXIT_READER_GONE, EXIT_RUN_FAILED } from './exit-status.ts';
import { sizeText } from './size.ts';
import { utilisationSvg, type UtilisationSeries } from './thrash-plot.ts';
import { bootOptions, shellLine, type ThrashFigures, type ThrashJob, type ThrashOutcome } from './thrash-run.ts';
import { plotTitle, runPool, startCommand, withProgress, writeOutput, writeStdout } from './boot-pool.ts';
import { type CliIO, processIO } from './cli-io.ts';

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

const EXAMPLE = 'ts386 thrash --max 4 -- wsloop 300 4';

function parseThrashArgs(argv: string[]): ThrashOptions | 'help' {
  const parsed = parseCommand('thrash', argv, OPTIONS, EXAMPLE);
  if (parsed === 'help') return 'help';
  const { values, after } = parsed;

  const maxText = once(values, 'max');
  const max = maxText === undefined ? DEFAULT_MAX : positive('max', maxText, `a number of processes from 1 to ${MOST_PROCS}`);
  if (max > MOST_PROCS) throw new BadInput(`--max ${maxText}: expected a number of processes from 1 to ${MOST_PROCS}`);

  const modesText = once(values, 'load-control');
  const modes = modesText === undefined ? [null] : list('load-control', modesText).map((m) => {
    // The kernel judges the mode; what reaches its command line must be one word of it.
    if (!/^[A-Za-z0-9_-]+$/.test(m)) throw new BadInput(`--load-control ${m}: expected a mode name such as off, ws or pff`);
    return m;
  });

  const { memoryBytes, swapBytes } = machineSizes(values, DEFAULT_MEM);
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

  const { prog, args } = programOf(after, EXAMPLE, 'wsloop 300 4');

  const svg = once(values, 'svg') ?? null;
  if (svg !== null) checkWritable('svg', svg);
  return { max, modes, memoryBytes, swapBytes, mhz, svg, json: values.json !== undefined, jobs, maxCycles, prog, args };
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

/** `ts386 thrash ARGS`: the exit status. */
export async function thrash(argv: string[], io: CliIO = processIO): Promise<number> {
  const started = startCommand(io, 'thrash', argv, parseThrashArgs, THRASH_HELP);
  if (typeof started === 'number') return started;
  const { opts, machine } = started;
  const jobs: ThrashJob[] = opts.modes.flatMap((loadControl) => Array.from({ length: opts.max }, (_, i) => ({
    procs: i + 1, loadControl, prog: opts.prog, args: opts.args, memoryBytes: opts.memoryBytes, swapBytes: opts.swapBytes,
    clockHz: Math.round(opts.mhz * 1e6), maxCycles: opts.maxCycles, rom: machine.rom, programDisk: machine.programDisk,
  })));

  const result = await withProgress(io, 'thrash', jobs.length, (step) =>
    runPool<ThrashJob, ThrashOutcome>('thrash', io, 'thrash-worker', jobs, opts.jobs, step,
      (job) => `${job.procs} x ${JSON.stringify(shellLine(job))}${job.loadControl !== null ? ` (loadcontrol=${job.loadControl})` : ''}`));
  if (!Array.isArray(result)) {
    const { job, refused } = result;
    const what = refused.startsWith('ts386 kernel: ')
      ? `--load-control ${job.loadControl ?? ''}: the kernel refused its boot option ${bootOptions(job.loadControl)}`
      : `the kernel's shell refused \`${shellLine(job)}\``;
    io.stderr.write(`ts386 thrash: ${what}: ${refused}\n`);
    return EXIT_BAD_INPUT;
  }
  const rows: Row[] = jobs.map((job, i) => ({ mode: job.loadControl, procs: job.procs, outcome: result[i]! }));
  if (!await writeStdout(io, opts.json ? jsonText(rows, opts) : tableText(rows, opts))) return EXIT_READER_GONE;
  if (opts.svg !== null) {
    const failed = writeOutput(io, 'thrash', 'svg', opts.svg, utilisationSvg(plotSeries(rows, opts), plotTitle(`CPU utilisation against processes: ${[opts.prog, ...opts.args].join(' ')}, ${sizeText(opts.memoryBytes)} of RAM`)));
    if (failed !== null) return failed;
  }
  return rows.every((r) => r.outcome.kind === 'done') ? 0 : EXIT_RUN_FAILED;
}
