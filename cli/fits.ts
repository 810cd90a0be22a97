// `ts386 fits`: first, best, worst and next fit side by side. One deterministic boot of the ts386
// kernel per placement with `mm=segments fit=FIT` (fits-run.ts), plus one under paging to compare
// with, each in a worker thread (fits-worker.ts), all cores at once, each running a workload that
// fragments memory (by default `fragment 24 1`: children of varied sizes and lifetimes). The
// segments mode's counters give, per placement, the external fragmentation, the holes, what
// compaction and growing moved, the roll-outs to swap and the refusals; paging's row has its page
// faults and the frames it took at the peak instead. Out comes a table, or a JSON array, and with
// --svg a plot of the fragmentation over PROG's time, one line per placement (fits-plot.ts).
//
// Bad input is told in one line on stderr with status 2, before anything is written: the options,
// the program's words, the --svg path (looked at, not yet created), and what the kernel or its shell refuses for every run alike (no such
// program), which the first run to meet it reports.

import { availableParallelism } from 'node:os';
import { DEFAULT_SWAP_BYTES, SWAP_SIZE_RULE } from '../emulator/index.ts';
import { FIT_POLICIES } from '../kernel/index.ts';
import { BadInput } from './bad-input.ts';
import { plotTitle, runPool, startCommand, withProgress, writeOutput, writeStdout } from './boot-pool.ts';
import { type CliIO, processIO } from './cli-io.ts';
import { checkWritable, list, machineSizes, once, parseCommand, positive, programOf } from './command-args.ts';
import { EXIT_BAD_INPUT, EXIT_OUTPUT_ERROR, EXIT_READER_GONE, EXIT_RUN_FAILED } from './exit-status.ts';
import { type FragSeries, fragmentationSvg } from './fits-plot.ts';
import { bootOptions, type FitsFigures, type FitsJob, type FitsOutcome, shellLine } from './fits-run.ts';
import { sizeText } from './size.ts';

const DEFAULT_MEM = '4M';
const DEFAULT_PROGRAM = ['fragment', '24', '1'] as const;
/** The emulated clock: the machine's default, 33 MHz. */
const CLOCK_HZ = 33_000_000;
/** A run's cycle budget: about five emulated minutes at 33 MHz. */
const DEFAULT_MAX_CYCLES = 10_000_000_000;
const EXAMPLE = 'ts386 fits --fits first,worst -- fragment 6 2';

export const FITS_HELP = `usage: ts386 fits [options] [-- PROG ARGS...]

Compares where the ts386 kernel places processes under --mm segments, each in one contiguous
partition: one boot per placement (first, best, worst, next fit; the kernel's boot options
mm=segments fit=FIT), plus one under paging, each running PROG ARGS (default: ${DEFAULT_PROGRAM.join(' ')},
children of varied sizes and lifetimes, at most 6 alive) with \`run PROG ARGS\`. The runs go in
parallel on worker threads (--jobs); each is deterministic. Prints one row per run:

  placement             first, best, worst or next; paging
  children ok/failed    PROG's children that exited 0, and the others (its summary line when it
                        prints one, as fragment does; else the kernel's accounting records)
  mean frag %, worst %  external fragmentation, 1 - largest hole / free memory, sampled every
                        10 ms tick: the mean while PROG ran, the worst since boot. Paging has none
  most holes            the most holes there were at once
  compactions, compacted KiB, compact cycles
                        compaction (a request that fits no hole though enough is free): how often,
                        the bytes it slid and the emulated cycles the copying cost
  grow moves, grow KiB  partitions moved so a process could grow past its neighbour, and their bytes
  roll-outs             whole processes written to swap to make room
  refused               requests for memory refused (fork, exec or brk got ENOMEM)
  page faults, peak frames
                        paging only: every page fault, and the most frames in use beyond those in
                        use at the prompt (sampled every million cycles)
  emulated ms           PROG's emulated time, from its start to its end (at 33 MHz)

A figure that does not apply is '-'.

options:
  --fits F,F,...        the placements, of ${FIT_POLICIES.join(', ')} (default all four, in that order)
  --no-paging           leave out the paging run
  --mem SIZE            each machine's RAM (default ${DEFAULT_MEM})
  --swap-size SIZE      each machine's temporary swap file (default ${DEFAULT_SWAP_BYTES / 1024 ** 2}M; ${SWAP_SIZE_RULE})
  --json                a JSON array instead of the table, one object per run: {"placement","mm",
                        "childrenOk","childrenFailed","meanFragPct","worstFragPct","mostHoles",
                        "placed","compactions","compactedKiB","compactCycles","growMoves","growKiB",
                        "rollOuts","rollIns","rolledKiB","refused","arenaKiB","pageFaults","swapIns",
                        "swapOuts","peakFrames","emulatedMs","cycles","error"}: numbers, null where a figure
                        does not apply (the segments' under paging, paging's under segments) or the
                        run failed; "error" null, or why the run failed
  --svg FILE            also plot the external fragmentation (%) sampled each 10 ms tick against
                        the emulated ms since PROG started, one line per placement (paging's flat
                        at 0), to FILE (SVG)
  --jobs N              runs at once (default: the number of cores, ${availableParallelism()} here)
  --max-cycles N        a run still going N emulated cycles after power-on has failed (default ${DEFAULT_MAX_CYCLES})
  -h, --help            this text

exit status: 0 when every run ran PROG to the end with status 0 and no child failed; ${EXIT_RUN_FAILED} when a
  run failed (a child failed or was killed, the kernel panicked, the budget was spent: its row
  says why); ${EXIT_BAD_INPUT} bad input, nothing written; ${EXIT_OUTPUT_ERROR} the --svg file could not be written
`;

const OPTIONS = {
  fits: { type: 'string', multiple: true },
  'no-paging': { type: 'boolean', multiple: true },
  mem: { type: 'string', multiple: true },
  'swap-size': { type: 'string', multiple: true },
  jobs: { type: 'string', multiple: true },
  'max-cycles': { type: 'string', multiple: true },
  json: { type: 'boolean', multiple: true },
  svg: { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
} as const;

interface FitsOptions {
  /** The placements in the order given. */
  fits: string[];
  paging: boolean;
  memoryBytes: number;
  swapBytes: number;
  json: boolean;
  /** The --svg file, or null. */
  svg: string | null;
  jobs: number;
  maxCycles: number;
  prog: string;
  args: string[];
}

/** One row: a run (a placement, or null for paging) and what came of it. */
interface Row {
  fit: string | null;
  outcome: Exclude<FitsOutcome, { kind: 'refused' }>;
}

function parseFitsArgs(argv: string[]): FitsOptions | 'help' {
  const parsed = parseCommand('fits', argv, OPTIONS, EXAMPLE);
  if (parsed === 'help') return 'help';
  const { values, after } = parsed;

  const fitsText = once(values, 'fits');
  const fits = fitsText === undefined ? [...FIT_POLICIES] : list('fits', fitsText);
  for (const f of fits) {
    if (!(FIT_POLICIES as readonly string[]).includes(f)) throw new BadInput(`--fits ${f}: no such placement (there are ${FIT_POLICIES.join(', ')})`);
  }
  const { memoryBytes, swapBytes } = machineSizes(values, DEFAULT_MEM);
  const jobsText = once(values, 'jobs');
  const jobs = jobsText === undefined ? availableParallelism() : positive('jobs', jobsText, 'a number of runs at once, 1 or more');
  const cyclesText = once(values, 'max-cycles');
  const maxCycles = cyclesText === undefined ? DEFAULT_MAX_CYCLES : positive('max-cycles', cyclesText, 'a positive whole number of cycles');
  const { prog, args } = after === null ? { prog: DEFAULT_PROGRAM[0], args: DEFAULT_PROGRAM.slice(1) } : programOf(after, EXAMPLE, 'fragment 6 2');
  const svg = once(values, 'svg') ?? null;
  if (svg !== null) checkWritable('svg', svg);
  return { fits, paging: values['no-paging'] === undefined, memoryBytes, swapBytes, json: values.json !== undefined, svg, jobs, maxCycles, prog, args };
}

/** Rounded so that the same run prints the same bytes, and no more digits than mean anything. */
const round = (v: number, places: number): number => Math.round(v * 10 ** places) / 10 ** places;
const kib = (bytes: number): number => round(bytes / 1024, 1);
const ms = (cycles: number): number => round(cycles / CLOCK_HZ * 1000, 3);

/** A row's figures under the JSON names, null where they do not apply (or the run failed). */
function rowObject(r: Row): Record<string, string | number | null> {
  const f: FitsFigures | null = r.outcome.kind === 'ended' ? r.outcome.figures : null;
  const s = f?.segments ?? null;
  const p = f?.paging ?? null;
  // Paging has no external fragmentation by construction: any free frame holds any page.
  const frag = (v: number | undefined): number | null => (v !== undefined ? round(v * 100, 2) : p !== null ? 0 : null);
  return {
    placement: r.fit ?? 'paging', mm: r.fit === null ? 'paging' : 'segments',
    childrenOk: f?.childrenOk ?? null, childrenFailed: f?.childrenFailed ?? null,
    meanFragPct: frag(s?.meanFrag), worstFragPct: frag(s?.worstFrag), mostHoles: s?.holesMax ?? null,
    placed: s?.placed ?? null, compactions: s?.compactions ?? null, compactedKiB: s !== null ? kib(s.compactedBytes) : null,
    compactCycles: s?.compactCycles ?? null, growMoves: s?.moves ?? null, growKiB: s !== null ? kib(s.movedBytes) : null,
    rollOuts: s?.rollOuts ?? null, rollIns: s?.rollIns ?? null, rolledKiB: s !== null ? kib(s.rolledBytes) : null, refused: s?.refused ?? null,
    arenaKiB: s !== null ? kib(s.arenaBytes) : null,
    pageFaults: p?.faults ?? null, swapIns: p?.swapIns ?? null, swapOuts: p?.swapOuts ?? null, peakFrames: p?.peakFrames ?? null,
    emulatedMs: f !== null ? ms(f.cycles) : null, cycles: f?.cycles ?? null,
    error: r.outcome.why,
  };
}

function jsonText(rows: readonly Row[]): string {
  return `[\n${rows.map((r) => `  ${JSON.stringify(rowObject(r))}`).join(',\n')}\n]\n`;
}

const HEAD = ['placement', 'children ok/failed', 'mean frag %', 'worst %', 'most holes', 'compactions', 'compacted KiB', 'compact cycles',
  'grow moves', 'grow KiB', 'roll-outs', 'refused', 'page faults', 'peak frames', 'emulated ms'];

function tableText(rows: readonly Row[]): string {
  const dash = (v: number | null, text: (n: number) => string = String): string => (v === null ? '-' : text(v));
  const cells = rows.map((r) => {
    const o = rowObject(r);
    const n = (k: string): number | null => o[k] as number | null;
    const why = r.outcome.why === null ? null : `error: ${r.outcome.why}`;
    if (r.outcome.kind === 'failed') return { row: [String(o.placement)], why };
    const frag = (k: string): string => (r.fit === null ? '0 *' : dash(n(k), (v) => v.toFixed(1)));
    return {
      row: [String(o.placement), `${n('childrenOk')}/${n('childrenFailed')}`, frag('meanFragPct'), frag('worstFragPct'), dash(n('mostHoles')),
        dash(n('compactions')), dash(n('compactedKiB'), (v) => v.toFixed(0)), dash(n('compactCycles')), dash(n('growMoves')),
        dash(n('growKiB'), (v) => v.toFixed(0)), dash(n('rollOuts')), dash(n('refused')), dash(n('pageFaults')), dash(n('peakFrames')),
        dash(n('emulatedMs'), (v) => v.toFixed(1))],
      why,
    };
  });
  const width = HEAD.map((h, c) => Math.max(h.length, ...cells.map(({ row }) => row[c]?.length ?? 0)));
  const line = (row: string[], why: string | null = null): string => [
    ...row.map((cell, c) => (c === 0 ? cell.padEnd(width[c]!) : cell.padStart(width[c]!))), ...(why !== null ? [why] : []),
  ].join('  ').trimEnd();
  const out = [line(HEAD), ...cells.map(({ row, why }) => line(row, why))];
  const arenas = [...new Set(rows.flatMap((r) => (r.outcome.kind === 'ended' && r.outcome.figures.segments !== null ? [r.outcome.figures.segments.arenaBytes] : [])))];
  if (arenas.length > 0) out.push(`segments: ${arenas.map((b) => `${kib(b)} KiB`).join(' or ')} of partition memory for processes`);
  out.push('frag: external fragmentation, 1 - largest hole / free memory, sampled each 10 ms tick (mean while PROG ran, worst since boot)');
  if (rows.some((r) => r.fit === null)) {
    out.push('* paging has no external fragmentation (any free frame holds any page), only internal: the unused end of the last page of each region');
  }
  return `${out.join('\n')}\n`;
}

/** The plot's lines: each row's samples (none under paging), or nothing for a run that failed. */
function plotSeries(rows: readonly Row[]): FragSeries[] {
  return rows.map((r) => {
    const f = r.outcome.kind === 'ended' ? r.outcome.figures : null;
    return { fit: r.fit, samples: f?.segments?.series ?? null, emulatedMs: f !== null ? ms(f.cycles) : null };
  });
}

/** `ts386 fits ARGS`: the exit status. */
export async function fits(argv: string[], io: CliIO = processIO): Promise<number> {
  const started = startCommand(io, 'fits', argv, parseFitsArgs, FITS_HELP);
  if (typeof started === 'number') return started;
  const { opts, machine } = started;
  const placements: (string | null)[] = [...opts.fits, ...(opts.paging ? [null] : [])];
  const jobs: FitsJob[] = placements.map((fit) => ({
    fit, prog: opts.prog, args: opts.args, memoryBytes: opts.memoryBytes, swapBytes: opts.swapBytes, clockHz: CLOCK_HZ,
    maxCycles: opts.maxCycles, rom: machine.rom, programDisk: machine.programDisk,
  }));
  const result = await withProgress(io, 'fits', jobs.length, (step) =>
    runPool<FitsJob, FitsOutcome>('fits', io, 'fits-worker', jobs, opts.jobs, step,
      (job) => `${JSON.stringify(shellLine(job))} (${job.fit === null ? 'paging' : bootOptions(job.fit)})`));
  if (!Array.isArray(result)) {
    const { job, refused } = result;
    const what = refused.startsWith('ts386 kernel: ')
      ? `the kernel refused its boot options ${bootOptions(job.fit)}`
      : `the kernel's shell refused \`${shellLine(job)}\``;
    io.stderr.write(`ts386 fits: ${what}: ${refused}\n`);
    return EXIT_BAD_INPUT;
  }
  const rows: Row[] = jobs.map((job, i) => ({ fit: job.fit, outcome: result[i]! }));
  if (!await writeStdout(io, opts.json ? jsonText(rows) : tableText(rows))) return EXIT_READER_GONE;
  if (opts.svg !== null) {
    const title = plotTitle(`external fragmentation over time: ${[opts.prog, ...opts.args].join(' ')}, ${sizeText(opts.memoryBytes)} of RAM`);
    const failed = writeOutput(io, 'fits', 'svg', opts.svg, fragmentationSvg(plotSeries(rows), title));
    if (failed !== null) return failed;
  }
  return rows.every((r) => r.outcome.kind === 'ended' && r.outcome.why === null) ? 0 : EXIT_RUN_FAILED;
}
