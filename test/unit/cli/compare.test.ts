// `ts386 compare` end to end: Belady's string under FIFO with 3 and 4 frames (9 and 10 faults, the
// second row marked), as a table, as JSON lines and as an SVG plot; the same numbers on every run; a
// run the kernel kills as an error row (status 1); bad input in one line with status 2 and nothing
// written. The command runs in this process (test/harness/cli.ts), its worker threads running the
// bundle's dist/compare-worker.mjs (scripts/build.mjs), kept from one command to the next; the run
// the kernel kills runs as a child process, the bundle whole, for its status as a parent sees it.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endWorkers, runTs386, spawnTs386 } from '../../harness/cli.ts';

const BELADY = ['touch', '-r', '1,2,3,4,1,2,5,1,2,3,4,5'];

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ts386-compare-test-'));
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await endWorkers();
});

interface Run { status: number | null; stdout: string; stderr: string }

/** `ts386 compare ARGS` with two worker threads, in this process. */
function compare(...args: string[]): Promise<Run> {
  return runTs386(['compare', '--jobs', '2', ...args]);
}

/** `ts386 compare ARGS` with two worker threads, as a child process; the timeout only keeps a hang from stalling the suite. */
function compareSpawned(...args: string[]): Run {
  return spawnTs386(['compare', '--jobs', '2', ...args]);
}

/** The table's rows as words, without the header and the footnote. */
function rows(table: string): string[][] {
  return table.trimEnd().split('\n').slice(1).filter((l) => !l.startsWith('*')).map((l) => l.trim().split(/\s+/));
}

describe('ts386 compare', () => {
  it("tabulates Belady's string under FIFO: 9 faults with 3 frames, 10 with 4, the second marked as the anomaly", async () => {
    const r = await compare('--policies', 'fifo', '--frames', '4,3', '--', ...BELADY);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]!.trim().split(/\s{2,}/)).toEqual(['policy', 'frames', 'faults', 'swap writes', 'cycles']);
    // Frames ascending whatever the order given; the 4-frame row has more faults than the 3-frame row.
    const [three, four] = rows(r.stdout);
    expect(three!.slice(0, 3)).toEqual(['fifo', '3', '9']);
    expect(three!.slice(3).every((n) => /^\d+$/.test(n))).toBe(true);
    expect(three).toHaveLength(5);
    expect(four!.slice(0, 4)).toEqual(['fifo', '4', '10', '*']);
    expect(four).toHaveLength(6);
    expect(Number(four![5])).toBeGreaterThan(0);
    expect(lines[lines.length - 1]).toMatch(/^\* Belady's anomaly/);
    expect(lines).toHaveLength(4);
  });

  it('--json: one object per run per line, in the same order, with the same counts and the anomaly flagged', async () => {
    const r = await compare('--json', '--policies', 'fifo', '--frames', '3,4', '--', ...BELADY);
    expect(r.status).toBe(0);
    const runs = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(runs).toHaveLength(2);
    for (const run of runs) expect(Object.keys(run).slice(0, 5)).toEqual(['policy', 'frames', 'faults', 'swapWrites', 'cycles']);
    expect(runs.map((x) => [x.policy, x.frames, x.faults, x.belady])).toEqual([['fifo', 3, 9, false], ['fifo', 4, 10, true]]);
    for (const run of runs) {
      expect(Number.isInteger(run.swapWrites)).toBe(true);
      expect(run.cycles as number).toBeGreaterThan(0);
    }
  });

  it('gives the same figures, cycles included, on every run (each is a deterministic boot)', async () => {
    const args = ['--json', '--policies', 'fifo,lru', '--frames', '3,4', '--', ...BELADY];
    const a = await compare(...args), b = await compare(...args);
    expect(a.status).toBe(0);
    const runs = a.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
    expect(runs).toHaveLength(4);
    // Exact LRU's reference tracking shows as soft faults, apart from the faults.
    expect(runs.map((x) => x.softFaults! > 0)).toEqual([false, false, true, true]);
    expect(b.stdout).toBe(a.stdout);
  });

  it('--svg: a line per policy, OPT dashed as the floor, and a marker at the anomaly', async () => {
    const svg = path.join(dir, 'faults.svg');
    const r = await compare('--svg', svg, '--policies', 'fifo,opt', '--frames', '3,4', '--', ...BELADY);
    expect(r.status).toBe(0);
    expect(rows(r.stdout).map((row) => row.slice(0, 3))).toEqual([['fifo', '3', '9'], ['fifo', '4', '10'], ['opt', '3', '7'], ['opt', '4', '6']]);
    const text = readFileSync(svg, 'utf8');
    expect(text).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    const paths = [...text.matchAll(/<path class="policy-line" data-policy="([^"]+)" d="(M[^"]+)"[^>]*>/g)];
    expect(paths.map((m) => m[1]).sort()).toEqual(['fifo', 'opt']);
    expect(paths.find((m) => m[1] === 'opt')![0]).toContain('stroke-dasharray');
    expect(paths.find((m) => m[1] === 'fifo')![0]).not.toContain('stroke-dasharray');
    expect(text).toContain('OPT (floor)');
    // One anomaly: FIFO at 4 frames.
    const markers = [...text.matchAll(/<circle class="belady" data-policy="([^"]+)"/g)];
    expect(markers.map((m) => m[1])).toEqual(['fifo']);
    expect(text).toContain("Belady's anomaly: fifo, 4 frames: 10 faults (3 frames: 9)");
    expect(text).toContain('page faults');
    expect(text).toMatch(/frames \(resident limit/);
  });

  describe('--sim: a trace simulator beside the real runs', () => {
    // On Belady's string touch -r is a bare reference string (its own pages locked, each reference
    // one page), and FIFO, LRU and OPT take no timing into account: the open-loop simulation of
    // the recorded string must give what the machine gave, run for run.
    const svg = (): string => path.join(dir, 'sim.svg');
    let json: Run;
    beforeAll(async () => {
      json = await compare('--sim', '--json', '--svg', svg(), '--policies', 'fifo,lru,opt', '--frames', '3,4', '--', ...BELADY);
    });

    it('--json: "simFaults" on every row, equal to the real faults for fifo, lru and opt', () => {
      expect(json.stderr).toBe('');
      expect(json.status).toBe(0);
      const runs = json.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(runs.map((x) => [x.policy, x.frames, x.faults, x.simFaults])).toEqual([
        ['fifo', 3, 9, 9], ['fifo', 4, 10, 10], ['lru', 3, 10, 10], ['lru', 4, 8, 8], ['opt', 3, 7, 7], ['opt', 4, 6, 6],
      ]);
    });

    it('a program that locks nothing: the simulation starts with the page exec mapped (its argv page), as the machine does', async () => {
      // wsloop's text, data and stack are all pageable; the simulator's count equals the machine's
      // only if it begins, as the kernel does, with the stack page already resident.
      const r = await compare('--sim', '--json', '--policies', 'fifo,opt', '--frames', '8', '--', 'wsloop', '12', '4');
      expect(r.status).toBe(0);
      const runs = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      for (const x of runs) expect(x.simFaults).toBe(x.faults);
    });

    it('--svg: for each policy a thin dotted simulated line in its colour, labelled "(simulated)"', () => {
      const text = readFileSync(svg(), 'utf8');
      const attrs = (tag: string): Record<string, string> => Object.fromEntries([...tag.matchAll(/([\w-]+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
      // Each line's attributes, by its policy.
      const lines = (cls: string): Map<string, Record<string, string>> => new Map(
        [...text.matchAll(new RegExp(`<path class="${cls}"[^>]*>`, 'g'))].map((m) => attrs(m[0])).map((a) => [a['data-policy']!, a]),
      );
      const real = lines('policy-line');
      const sim = lines('sim-line');
      expect([...sim.keys()].sort()).toEqual(['fifo', 'lru', 'opt']);
      for (const [policy, a] of sim) {
        const r = real.get(policy)!;
        expect(a.stroke).toBe(r.stroke);
        expect(a['stroke-dasharray']).toBeDefined();
        expect(Number(a['stroke-width'])).toBeLessThan(Number(r['stroke-width']));
        // The counts are equal, so the simulated line runs along the real one.
        expect(a.d).toBe(r.d);
      }
      for (const label of ['fifo (simulated)', 'lru (simulated)', 'OPT (simulated)']) expect(text).toContain(`>${label}</text>`);
    });

    it("the table: a 'sim faults' column beside 'faults', the anomaly marked in both", async () => {
      const r = await compare('--sim', '--policies', 'fifo', '--frames', '3,4', '--', ...BELADY);
      expect(r.status).toBe(0);
      const lines = r.stdout.trimEnd().split('\n');
      expect(lines[0]!.trim().split(/\s{2,}/)).toEqual(['policy', 'frames', 'faults', 'sim faults', 'swap writes', 'cycles']);
      const [three, four] = rows(r.stdout);
      expect(three!.slice(0, 4)).toEqual(['fifo', '3', '9', '9']);
      expect(three).toHaveLength(6);
      expect(four!.slice(0, 6)).toEqual(['fifo', '4', '10', '*', '10', '*']);
      expect(four).toHaveLength(8);
    });
  });

  it('reports a run the kernel kills as an error in its row, with status 1', () => {
    // As a child process: the status as its parent sees it, from the bundle and its worker file.
    const r = compareSpawned('--policies', 'fifo', '--frames', '3', '--', 'badnull');
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/\nfifo\s+3\s+error: killed: pid \d+ \(badnull\): page fault at 0x00000000/);
  });

  describe('bad input: one line on stderr, status 2, nothing written', () => {
    // A program not on the disk is refused by the runs (the kernel's shell); the rest before them.
    const cases: Array<[string, string[], RegExp]> = [
      ['an unknown policy, listing the known ones', ['--policies', 'fifo,belady', '--frames', '3', '--', 'touch', '3'], /^ts386 compare: --policies belady: no such policy \(there are fifo, second-chance, .*lru.*\)$/],
      ['frames fewer than run -m takes', ['--policies', 'fifo', '--frames', '0,3', '--', 'touch', '3'], /^ts386 compare: --frames 0: a number of frames, 1 or more/],
      ['frames that are not whole numbers', ['--policies', 'fifo', '--frames', '3,2.5', '--', 'touch', '3'], /^ts386 compare: --frames 2\.5: expected whole numbers of frames/],
      ['no program after --', ['--policies', 'fifo', '--frames', '3', '--'], /^ts386 compare: no program after --/],
      ['no -- at all', ['--policies', 'fifo', '--frames', '3', 'touch', '3'], /^ts386 compare: touch: the program goes after --/],
      ['a program not on the program disk', ['--policies', 'fifo', '--frames', '3,4', '--', 'nosuch'], /^ts386 compare: the kernel's shell refused `run -m \d -p fifo nosuch`: run: nosuch: no such program$/],
      ['an argument the shell would split', ['--policies', 'fifo', '--frames', '3', '--', 'touch', '-r', '1 2'], /^ts386 compare: '1 2': the shell splits its command line at spaces/],
      ['--svg given twice', ['--svg', 'a.svg', '--svg', 'b.svg', '--policies', 'fifo', '--frames', '3', '--', 'touch', '3'], /^ts386 compare: --svg given twice/],
      ['an --svg path in no directory', ['--svg', '/nonexistent-dir/x.svg', '--policies', 'fifo', '--frames', '3', '--', 'touch', '3'], /^ts386 compare: --svg \/nonexistent-dir\/x\.svg: no such directory as \/nonexistent-dir$/],
      ['--sim-tick without --sim', ['--sim-tick', '4', '--policies', 'fifo', '--frames', '3', '--', 'touch', '3'], /^ts386 compare: --sim-tick: it is the simulator's, and goes with --sim$/],
      ['a --sim-tick of 0', ['--sim', '--sim-tick', '0', '--policies', 'fifo', '--frames', '3', '--', 'touch', '3'], /^ts386 compare: --sim-tick 0: expected a number of references between ticks, 1 or more$/],
      ['an --svg path that is a directory', ['--svg', tmpdir(), '--policies', 'fifo', '--frames', '3', '--', 'touch', '3'], /^ts386 compare: --svg .*: is a directory$/],
    ];
    for (const [what, args, message] of cases) {
      it(what, async () => {
        const r = await compare(...args);
        expect(r.stderr.split('\n')).toHaveLength(2);
        expect(r.stderr.trimEnd()).toMatch(message);
        expect(r.stdout).toBe('');
        expect(r.status).toBe(2);
      });
    }

    it('a refused program leaves no --svg file behind', async () => {
      const svg = path.join(dir, 'refused.svg');
      const r = await compare('--svg', svg, '--policies', 'fifo', '--frames', '3', '--', 'nosuch');
      expect(r.status).toBe(2);
      expect(existsSync(svg)).toBe(false);
    });
  });

  it('is in ts386 --help, and has a --help of its own', async () => {
    const top = await runTs386(['--help']);
    expect(top.stdout).toMatch(/^ {7}ts386 compare --policies P,P,\.\.\. --frames N,N,\.\.\. \[options\] -- PROG ARGS\.\.\.$/m);
    const own = await compare('--help');
    expect(own.status).toBe(0);
    expect(own.stdout).toMatch(/^usage: ts386 compare /);
    for (const option of ['--policies', '--frames', '--mem', '--swap-size', '--svg', '--json', '--jobs', '--sim', '--sim-tick']) expect(own.stdout).toContain(`  ${option} `);
  });
});
