// `ts386 fits` end to end: a small fragmenting workload (`fragment 6 2`: six memhog children) under
// first and worst fit and under paging, as a table and as JSON; the default workload; a run that
// cannot boot as an error in its row (status 1); --svg's plot of fragmentation over time; bad input
// in one line with status 2 and nothing written. The command runs in this process
// (test/harness/cli.ts), its worker threads running the bundle's dist/fits-worker.mjs
// (scripts/build.mjs), kept from one command to the next; the machine that cannot boot runs as a
// child process, the bundle whole, for its status as a parent sees it.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endWorkers, runTs386, spawnTs386 } from '../../harness/cli.ts';

const SMALL = ['--', 'fragment', '6', '2'];

let dir = '';

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ts386-fits-test-'));
});

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await endWorkers();
});

interface Run { status: number | null; stdout: string; stderr: string }

/** `ts386 fits ARGS` with two worker threads, in this process. */
function fits(...args: string[]): Promise<Run> {
  return runTs386(['fits', '--jobs', '2', ...args]);
}

/** The table's lines split into cells (two spaces or more between them). */
function cells(line: string): string[] {
  return line.trim().split(/\s{2,}/);
}

const HEAD = ['placement', 'children ok/failed', 'mean frag %', 'worst %', 'most holes', 'compactions', 'compacted KiB', 'compact cycles',
  'grow moves', 'grow KiB', 'roll-outs', 'refused', 'page faults', 'peak frames', 'emulated ms'];

/** The JSON fields that are the segments mode's alone, and paging's alone. */
const SEGMENT_FIELDS = ['mostHoles', 'placed', 'compactions', 'compactedKiB', 'compactCycles', 'growMoves', 'growKiB', 'rollOuts', 'rollIns', 'rolledKiB', 'refused', 'arenaKiB'];
const PAGING_FIELDS = ['pageFaults', 'swapIns', 'swapOuts', 'peakFrames'];

describe('ts386 fits', () => {
  it('tabulates one row per placement and one for paging, whose segment columns are - and whose fragmentation is footnoted', async () => {
    const r = await fits('--fits', 'first,worst', ...SMALL);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(cells(lines[0]!)).toEqual(HEAD);
    const rows = lines.slice(1, 4).map(cells);
    expect(rows.map((row) => row[0])).toEqual(['first', 'worst', 'paging']);
    for (const row of rows) {
      expect(row).toHaveLength(HEAD.length);
      expect(row[1]).toBe('6/0');
      expect(row[14]).toMatch(/^\d+\.\d$/);
    }
    // The segments rows: figures where paging's are '-'; paging's the other way round.
    for (const row of rows.slice(0, 2)) {
      expect(row.slice(2, 12).every((c) => /^\d+(\.\d)?$/.test(c))).toBe(true);
      expect(row.slice(12, 14)).toEqual(['-', '-']);
    }
    const paging = rows[2]!;
    expect(paging.slice(2, 4)).toEqual(['0 *', '0 *']);
    expect(paging.slice(4, 12).every((c) => c === '-')).toBe(true);
    expect(paging.slice(12, 14).every((c) => /^[1-9]\d*$/.test(c))).toBe(true);
    // Worst fit leaves the largest holes broken up: more external fragmentation than first fit.
    expect(Number(rows[1]![2])).toBeGreaterThan(Number(rows[0]![2]));
    expect(lines.slice(4).some((l) => l.startsWith('* paging has no external fragmentation'))).toBe(true);
  });

  it('--json: an array of rows whose numbers agree, null where a figure does not apply; the same bytes every time', async () => {
    const r = await fits('--json', '--fits', 'first,worst', ...SMALL);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const rows = JSON.parse(r.stdout) as Record<string, number | string | null>[];
    expect(rows.map((x) => [x.placement, x.mm])).toEqual([['first', 'segments'], ['worst', 'segments'], ['paging', 'paging']]);
    for (const row of rows) {
      expect(row.childrenOk).toBe(6);
      expect(row.childrenFailed).toBe(0);
      expect(row.error).toBeNull();
      expect(row.emulatedMs).toBeCloseTo((row.cycles as number) / 33_000, 2);
    }
    for (const row of rows.slice(0, 2)) {
      for (const f of SEGMENT_FIELDS) expect(typeof row[f], f).toBe('number');
      for (const f of PAGING_FIELDS) expect(row[f], f).toBeNull();
      expect(row.meanFragPct as number).toBeGreaterThan(0);
      expect(row.meanFragPct as number).toBeLessThanOrEqual(row.worstFragPct as number);
      expect(row.worstFragPct as number).toBeLessThan(100);
      // fragment's parent and its six children, each exec'd, got partitions.
      expect(row.placed as number).toBeGreaterThanOrEqual(7);
      expect(row.mostHoles as number).toBeGreaterThanOrEqual(1);
    }
    const paging = rows[2]!;
    for (const f of SEGMENT_FIELDS) expect(paging[f], f).toBeNull();
    expect([paging.meanFragPct, paging.worstFragPct]).toEqual([0, 0]);
    expect(paging.pageFaults as number).toBeGreaterThan(0);
    expect(paging.peakFrames as number).toBeGreaterThan(0);
    // Deterministic: one thread or two, the same output.
    const again = await runTs386(['fits', '--jobs', '1', '--json', '--fits', 'first,worst', ...SMALL]);
    expect(again.stdout).toBe(r.stdout);
  });

  it('runs fragment 24 1 when no program is given, and --no-paging leaves the paging row out', async () => {
    const r = await fits('--fits', 'best', '--no-paging');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(cells(lines[1]!).slice(0, 2)).toEqual(['best', '24/0']);
    expect(lines.some((l) => l.startsWith('paging') || l.startsWith('* paging'))).toBe(false);
  });

  it('a machine the kernel cannot boot on: every row failed with the kernel\'s reason, status 1', () => {
    // As a child process: the status as its parent sees it, from the bundle and its worker file.
    const r = spawnTs386(['fits', '--jobs', '2', '--mem', '2M', '--fits', 'next', ...SMALL]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(1);
    const rows = r.stdout.split('\n').slice(1, 3);
    expect(rows[0]).toMatch(/^next\s+error: kernel panic \(.*4 MiB/);
    expect(rows[1]).toMatch(/^paging\s+error: kernel panic/);
  });

  it('a run whose program fails shows its figures and why, status 1', async () => {
    const r = await fits('--json', '--fits', 'first', '--no-paging', '--', 'memhog', '4000', '10', 'x');
    expect(r.status).toBe(1);
    const [row] = JSON.parse(r.stdout) as Record<string, number | string | null>[];
    expect(row!.error).toMatch(/^memhog exited with status [1-9]/);
    expect(row!.refused as number).toBeGreaterThan(0);
  });

  it('--svg: a line per placement over PROG\'s time and paging\'s flat at 0, each in the legend; the same bytes every time', async () => {
    const svg = path.join(dir, 'frag.svg');
    const r = await fits('--fits', 'first,worst', '--svg', svg, ...SMALL);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(cells(r.stdout.split('\n')[0]!)).toEqual(HEAD);
    const text = readFileSync(svg, 'utf8');
    expect(text).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(text.trimEnd().endsWith('</svg>')).toBe(true);
    expect(text).toContain('>external fragmentation over time: fragment 6 2, 4 MiB of RAM</text>');
    // One line each, in the order run: its points' y in pixels (0 % at the bottom, 100 % at the top).
    const lines = [...text.matchAll(/<path class="fit-line" data-fit="(\w+)" d="([^"]*)"/g)].map(([, fit, d]) => ({
      fit, ys: [...d!.matchAll(/[ML][-\d.]+,([-\d.]+)/g)].map((m) => Number(m[1])),
    }));
    expect(lines.map((l) => l.fit)).toEqual(['first', 'worst', 'paging']);
    const yOf = (pct: number): number => {
      const tick = new RegExp(`<line x1="0" x2="[\\d.]+" y1="([\\d.]+)" y2="\\1" stroke="#e5e5e5"/>\n<text x="-8" y="\\1" dy="0.32em" text-anchor="end">${pct}</text>`).exec(text);
      return Number(tick![1]);
    };
    const [zero, hundred] = [yOf(0), yOf(100)];
    const pct = (y: number): number => (zero - y) / (zero - hundred) * 100;
    // About 70 samples, 10 ms apart, over PROG's ~700 ms; worst fit climbs higher than first fit.
    for (const l of lines.slice(0, 2)) {
      expect(l.ys.length, l.fit).toBeGreaterThan(50);
      expect(l.ys.every((y) => pct(y) >= 0 && pct(y) < 100), l.fit).toBe(true);
      expect(new Set(l.ys).size, l.fit).toBeGreaterThan(1);
    }
    expect(Math.max(...lines[1]!.ys.map(pct))).toBeGreaterThan(Math.max(...lines[0]!.ys.map(pct)));
    expect(lines[2]!.ys.map(pct)).toEqual([0, 0]);
    // The legend names each, paging with why it is flat (one label, broken onto two lines).
    const legend = [...text.matchAll(/<g class="legend-entry" data-fit="(\w+)"[^>]*>.*?<text[^>]*>(.*?)<\/text><\/g>/g)]
      .map(([, fit, label]) => [fit, label!.replace(/<[^>]+>/g, '')]);
    expect(legend).toEqual([['first', 'first fit'], ['worst', 'worst fit'], ['paging', 'paging (no external fragmentation)']]);
    // Deterministic: one thread or two, the same bytes.
    const again = path.join(dir, 'frag-again.svg');
    expect((await runTs386(['fits', '--jobs', '1', '--fits', 'first,worst', '--svg', again, ...SMALL])).status).toBe(0);
    expect(readFileSync(again).equals(readFileSync(svg))).toBe(true);
  });

  it('--svg FILE where it cannot be written: one line, status 2, before any run', async () => {
    for (const [args, said] of [
      [['--svg', '/nonexistent-dir/x.svg'], /^ts386 fits: --svg \/nonexistent-dir\/x\.svg: no such directory as \/nonexistent-dir\n$/],
      [['--svg', tmpdir()], /^ts386 fits: --svg .*: is a directory\n$/],
    ] as const) {
      const r = await fits('--fits', 'first', ...args, ...SMALL);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(said);
    }
    // A program the shell refuses is found by the runs: no file is left behind.
    const svg = path.join(dir, 'refused.svg');
    const r = await fits('--fits', 'first', '--svg', svg, '--', 'nosuch', '1');
    expect(r.status).toBe(2);
    expect(existsSync(svg)).toBe(false);
  });

  it('bad input: one line naming it, status 2, nothing on stdout', async () => {
    // The last is refused by the runs (the kernel's shell); the rest before them.
    for (const [args, said] of [
      [['--fits', 'first,tight'], /^ts386 fits: --fits tight: no such placement \(there are first, best, worst, next\)\n$/],
      [['--fits', 'first,first'], /^ts386 fits: --fits first,first: first is given twice\n$/],
      [['--mem', '3X'], /^ts386 fits: --mem 3X: /],
      [['--fits', 'first', '--', 'nosuch', '1'], /^ts386 fits: the kernel's shell refused `run nosuch 1`: run: nosuch: no such program\n$/],
    ] as const) {
      const r = await fits(...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(said);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    }
  });
});
