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

import { availableParallelism } from 'node:os';
import {
  DEFAULT_SWAP_BYTES, SWAP_SIZE_RULE,
} from '../emulator/index.ts';
import { POLICY_NAMES } from '../kernel/index.ts';
import { BadInput } from './bad-input.ts';
import { faultsSvg, type PlotPoint, type PlotSeries } from './compare-plot.ts';
import { type RecordOutcome, recordLine } from './compare-record.ts';
import { type BootJob, type RunJob, type RunOutcome, shellLine } from './compare-run.ts';
import type { WorkerJob, WorkerOutcome } from './compare-worker.ts';
import { plotTitle, runPool, startCommand, withProgress, writeOutput, writeStdout } from './boot-pool.ts';
import { type CliIO, processIO } from './cli-io.ts';
import { checkWritable, list, machineSizes, once, parseCommand, positive, programOf } from './command-args.ts';
import { EXIT_BAD_INPUT, EXIT_OUTPUT_ERROR, EXIT_READER_GONE, EXIT_RUN_FAILED } from './exit-status.ts';
import { DEFAULT_TICK_EVERY, isPolicyName, simulateFaults } from './sim/simulate.ts';

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

function parseCompareArgs(argv: string[]): CompareOptions | 'help' {
  const parsed = parseCommand('compare', argv, OPTIONS, 'ts386 compare --policies fifo --frames 3,4 -- touch -r 1,2,3,1');
  if (parsed === 'help') return 'help';
  const { values, after } = parsed;

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

  const { memoryBytes, swapBytes } = machineSizes(values, DEFAULT_MEM);
  const jobsText = once(values, 'jobs');
  const jobs = jobsText === undefined ? availableParallelism() : positive('jobs', jobsText, 'a number of runs at once, 1 or more');
  const maxText = once(values, 'max-cycles');
  const maxCycles = maxText === undefined ? DEFAULT_MAX_CYCLES : positive('max-cycles', maxText, 'a positive whole number of cycles');
  const sim = values.sim !== undefined;
  const tickText = once(values, 'sim-tick');
  if (tickText !== undefined && !sim) throw new BadInput('--sim-tick: it is the simulator\'s, and goes with --sim');
  const simTick = !sim ? null : tickText === undefined ? DEFAULT_TICK_EVERY : positive('sim-tick', tickText, 'a number of references between ticks, 1 or more');

  const { prog, args } = programOf(after, 'ts386 compare --policies fifo --frames 3,4 -- touch -r 1,2,3,1', 'touch -r 1,2,3,1');

  const svg = once(values, 'svg') ?? null;
  if (svg !== null) checkWritable('svg', svg);
  return { policies, frames, memoryBytes, swapBytes, svg, json: values.json !== undefined, jobs, maxCycles, simTick, prog, args };
}

/** The shell line a job types. */
const jobLine = (job: WorkerJob): string => ('run' in job ? shellLine(job.run) : recordLine(job.record));

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
        ? simulateFaults(recorded.string, job.frames, job.policy, { tickEvery: simTick, seed: recorded.pid, resident: recorded.start })
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

/** `ts386 compare ARGS`: the exit status. */
export async function compare(argv: string[], io: CliIO = processIO): Promise<number> {
  const started = startCommand(io, 'compare', argv, parseCompareArgs, COMPARE_HELP);
  if (typeof started === 'number') return started;
  const { opts, machine } = started;
  const boot: BootJob = {
    prog: opts.prog, args: opts.args, memoryBytes: opts.memoryBytes, swapBytes: opts.swapBytes,
    maxCycles: opts.maxCycles, rom: machine.rom, programDisk: machine.programDisk,
  };
  const jobs: RunJob[] = opts.policies.flatMap((policy) => opts.frames.map((frames) => ({ ...boot, policy, frames })));
  // --sim's recording run first: it starts with the first runs, not after them.
  const work: WorkerJob[] = [...(opts.simTick !== null ? [{ record: boot }] : []), ...jobs.map((run) => ({ run }))];

  const result = await withProgress(io, 'compare', work.length, (step) =>
    runPool<WorkerJob, WorkerOutcome>('compare', io, 'compare-worker', work, opts.jobs, step, (job) => `run ${JSON.stringify(jobLine(job))}`));
  if (!Array.isArray(result)) {
    io.stderr.write(`ts386 compare: the kernel's shell refused \`${jobLine(result.job)}\`: ${result.refused}\n`);
    return EXIT_BAD_INPUT;
  }
  const recorded = opts.simTick !== null ? result.shift() as RecordOutcome : null;
  if (recorded !== null && recorded.kind === 'failed') {
    io.stderr.write(`ts386 compare: --sim: the run that records ${opts.prog}'s references, \`${recordLine(boot)}\`, failed: ${recorded.why}\n`);
  }
  const rows = toRows(jobs, result as RunOutcome[], recorded, opts.simTick);
  if (!await writeStdout(io, opts.json ? jsonText(rows) : tableText(rows))) return EXIT_READER_GONE;
  if (opts.svg !== null) {
    const failed = writeOutput(io, 'compare', 'svg', opts.svg, faultsSvg(plotSeries(rows), plotTitle(`Page faults against frames: ${[opts.prog, ...opts.args].join(' ')}`)));
    if (failed !== null) return failed;
  }
  const allDone = rows.every((r) => r.outcome.kind === 'done') && (recorded === null || recorded.kind === 'recorded');
  return allDone ? 0 : EXIT_RUN_FAILED;
}
