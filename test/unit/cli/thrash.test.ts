// `ts386 thrash` end to end: the thrashing curve of wsloop on a 4 MiB machine as a table, as JSON
// lines and as an SVG plot; a run out of its cycle budget as an error in its row (status 1); bad
// input in one line with status 2 and nothing written.
//
// The sizes: the 4 MiB machine leaves about 620 frames to programs, so one `wsloop 300 4` (300
// pages) fits, and two do, but three (900 pages) do not. Each pass of each copy goes round its
// whole working set, so with three the pages a copy needs next are the ones written out longest
// ago: nearly every page it touches is a fault that waits for the disk, while the others fault
// too. The CPU sits idle waiting for swap, and utilisation falls from about 78 % to about 30 %.
//
// The command runs in this process (test/harness/cli.ts), its worker threads running the bundle's
// dist/thrash-worker.mjs (scripts/build.mjs), kept from one command to the next; the run out of its
// budget runs as a child process, the bundle whole, for its status as a parent sees it.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endWorkers, runTs386, spawnTs386 } from '../../harness/cli.ts';

const WSLOOP = ['wsloop', '300', '4'];
/** Whether the kernel takes loadcontrol=off|ws yet (kernel/cmdline.ts): until it does, a mode is refused at boot. */

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ts386-thrash-test-'));
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await endWorkers();
});

interface Run { status: number | null; stdout: string; stderr: string }

/** `ts386 thrash ARGS` with two worker threads, in this process. */
function thrash(...args: string[]): Promise<Run> {
  return runTs386(['thrash', '--jobs', '2', ...args]);
}

/** `ts386 thrash ARGS` with two worker threads, as a child process; the timeout only keeps a hang from stalling the suite. */
function thrashSpawned(...args: string[]): Run {
  return spawnTs386(['thrash', '--jobs', '2', ...args]);
}

/** The table's rows as words, without the header. */
function rows(table: string): string[][] {
  return table.trimEnd().split('\n').slice(1).map((l) => l.trim().split(/\s+/));
}

describe('ts386 thrash', () => {
  it('tabulates utilisation against processes: higher with one copy of wsloop that fits than with three that do not', async () => {
    const r = await thrash('--max', '3', '--', ...WSLOOP);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n')[0]!.trim().split(/\s{2,}/)).toEqual(['procs', 'utilisation', 'faults/s', 'swap I/O', 'cycles']);
    const table = rows(r.stdout);
    expect(table.map((row) => row[0])).toEqual(['1', '2', '3']);
    for (const row of table) {
      expect(row).toHaveLength(6);
      expect(row[2]).toBe('%');
      expect(row.filter((_, i) => i !== 2).every((n) => /^\d+(\.\d)?$/.test(n))).toBe(true);
    }
    const utilisation = table.map((row) => Number(row[1]));
    const swapIO = table.map((row) => Number(row[4]));
    // Two copies fit as one does: no swap. Three thrash: they swap, and the CPU waits for it.
    expect(swapIO.slice(0, 2)).toEqual([0, 0]);
    expect(swapIO[2]).toBeGreaterThan(900);
    expect(utilisation[0]).toBeGreaterThan(60);
    expect(utilisation[2]).toBeLessThan(utilisation[0]! / 2);
  });

  it('--json and --svg: one object per run per line, and a curve per load-control mode; with ws the curve stays up', async () => {
    const svg = path.join(dir, 'curve.svg');
    const modes = ['off', 'ws'];
    const r = await thrash('--json', '--max', '3', '--svg', svg, '--load-control', modes.join(','), '--', ...WSLOOP);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const runs = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(runs.map((x) => [x.loadControl, x.procs])).toEqual(modes.flatMap((m) => [[m, 1], [m, 2], [m, 3]]));
    for (const run of runs) {
      expect(Object.keys(run).slice(0, 4)).toEqual(['procs', 'utilisation', 'faultsPerSec', 'swapIO']);
      expect(run.utilisation as number).toBeGreaterThan(0);
      expect(run.utilisation as number).toBeLessThanOrEqual(1);
      // The figures behind them: the window's cycles, the user-mode cycles, the swap counts.
      expect(run.utilisation).toBeCloseTo((run.userCycles as number) / (run.cycles as number), 4);
      expect(run.swapIO).toBe((run.swapIns as number) + (run.swapOuts as number));
      expect(run.faultsPerSec).toBeCloseTo((run.faults as number) / ((run.cycles as number) / 33e6), 1);
    }
    // Without load control three copies thrash; with it (working sets) one waits, rolled out, and
    // the curve stays within 0.6 of its peak.
    const util = (mode: string): number[] => runs.filter((x) => x.loadControl === mode).map((x) => x.utilisation as number);
    expect(util('off')[2]).toBeLessThan(util('off')[0]! / 2);
    expect(util('ws')[2]).toBeGreaterThan(0.6 * Math.max(...util('ws')));
    const text = readFileSync(svg, 'utf8');
    expect(text).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    const lines = [...text.matchAll(/<path class="mode-line" data-mode="([^"]+)" d="M[^"]+"/g)].map((m) => m[1]);
    expect(lines).toEqual(modes);
    // A dot per run, the axes' labels and a legend entry per curve.
    expect(text.match(/<circle /g)).toHaveLength(runs.length);
    expect(text).toContain('processes (copies of the program at once)');
    expect(text).toContain('CPU utilisation (% of cycles in user mode)');
    const legend = text.slice(text.indexOf('<g class="legend"'));
    for (const label of modes.map((m) => `load control ${m}`)) expect(legend).toContain(`>${label}<`);
  });

  it('reports a run out of its cycle budget in its row, with status 1', () => {
    // As a child process: the status as its parent sees it, from the bundle and its worker file.
    // The boot takes about 9 million cycles and wsloop 100 20 about 11 million a copy: one copy
    // ends within 25 million from power-on, two do not.
    const r = thrashSpawned('--max', '2', '--max-cycles', '25000000', '--', 'wsloop', '100', '20');
    expect(r.status).toBe(1);
    const [one, two] = r.stdout.trimEnd().split('\n').slice(1);
    expect(one).toMatch(/^ {4}1 +\d+\.\d % +\d+ +0 +\d+$/);
    expect(two).toMatch(/^ {4}2 +error: still running after 25000000 cycles \(--max-cycles\) with 0 of 2 copies ended$/);
  });

  describe('bad input: one line on stderr, status 2, nothing written', () => {
    const svg = (): string => path.join(dir, 'not-written.svg');
    // A program not on the disk and a mode the kernel does not take are refused by the runs (the kernel); the rest before them.
    const cases: Array<[string, () => string[], RegExp]> = [
      ['no program', () => ['--max', '2'], /^ts386 thrash: no program: give it after --/],
      ['a program not on the disk (the shell refuses it)', () => ['--max', '1', '--svg', svg(), '--', 'nope'], /^ts386 thrash: the kernel's shell refused `run nope &`: run: nope: no such program$/],
      ['a load-control mode the kernel does not take (its word at boot)', () => ['--max', '1', '--svg', svg(), '--load-control', 'bogus', '--', 'wsloop', '1', '1'],
        /^ts386 thrash: --load-control bogus: the kernel refused its boot option loadcontrol=bogus: ts386 kernel: unknown boot option 'loadcontrol=bogus'$/],
      ['--max 0', () => ['--max', '0', '--', ...WSLOOP], /^ts386 thrash: --max 0: expected a number of processes from 1 to 32$/],
      ['--max 33', () => ['--max', '33', '--', ...WSLOOP], /^ts386 thrash: --max 33: expected a number of processes from 1 to 32$/],
      ['--max 2.5', () => ['--max', '2.5', '--', ...WSLOOP], /^ts386 thrash: --max 2\.5: expected a number of processes from 1 to 32$/],
      ['an --svg in no directory', () => ['--svg', '/nonexistent-dir/x.svg', '--', ...WSLOOP], /^ts386 thrash: --svg \/nonexistent-dir\/x\.svg: no such directory as \/nonexistent-dir$/],
      ['an --svg that is a directory', () => ['--svg', dir, '--', ...WSLOOP], /^ts386 thrash: --svg .*: is a directory$/],
      ['a mode that is not one word', () => ['--load-control', 'off,w s', '--', ...WSLOOP], /^ts386 thrash: --load-control w s: expected a mode name such as off, ws or pff$/],
      ['an unknown option', () => ['--frames', '3', '--', ...WSLOOP], /^ts386 thrash: --frames: no such option \(ts386 thrash --help lists them\)$/],
    ];
    for (const [what, args, message] of cases) {
      it(what, async () => {
        const r = await thrash(...args());
        expect(r.stderr.trimEnd()).toMatch(message);
        expect(r.stderr.split('\n')).toHaveLength(2);
        expect(r.stdout).toBe('');
        expect(r.status).toBe(2);
        expect(existsSync(svg())).toBe(false);
      });
    }
  });

  it('is in ts386 --help, and has a --help of its own', async () => {
    const main = await runTs386(['--help']);
    expect(main.stdout).toMatch(/ts386 thrash \[--load-control MODE,\.\.\.\] \[--max N\] \[options\] -- PROG ARGS/);
    const own = await thrash('--help');
    expect(own.status).toBe(0);
    expect(own.stdout).toMatch(/^usage: ts386 thrash \[options\] -- PROG ARGS/);
    for (const option of ['--max N', '--load-control MODE', '--mem SIZE', '--swap-size SIZE', '--svg FILE', '--json', '--jobs N', '--max-cycles N']) expect(own.stdout).toContain(option);
  });
});
