// `ts386 --trace-refs FILE` and `ts386 refs FILE`, as a child process (the bundle scripts/build.mjs
// makes): a session recorded from power-on, printed back one line per record and filtered by
// process and ring; the file complete however the run ends; one line and status 2 for a path that
// cannot be written, and for a file that is not a reference trace or is cut short. The runs are
// in this process (test/harness/cli.ts) but for one recording and its listing, as a child process.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTs386, spawnTs386 } from '../../harness/cli.ts';

let dir = '';

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ts386-refs-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Runs ts386 in this process, with `input` piped to it; the runs end on a cycle budget or at the end of their input. */
const ts386 = (args: string[], input = '') => runTs386(args, input);

const LINE = /^\d+ (\d+|-) (\S+) cr3=0x[0-9a-f]{8} page=0x[0-9a-f]{5} (read|write|fetch) (user|kernel)$/;

describe('ts386 --trace-refs FILE and ts386 refs FILE', () => {
  it('records a session from power-on and prints it one line per record, by process and ring', async () => {
    const file = path.join(dir, 'session.refs');
    const run = await ts386(['--trace-refs', file], 'run hello\nhalt\n');
    expect(run.stdout).toContain('hello, world (pid 1)');
    expect(run.status).toBe(0);
    expect(readFileSync(file).subarray(0, 9).toString('latin1')).toBe('TS386REF\x01');

    const all = await ts386(['refs', file]);
    expect(all.status).toBe(0);
    expect(all.stderr).toBe('');
    const lines = all.stdout.trimEnd().split('\n');
    for (const l of lines) expect(l).toMatch(LINE);
    const cycles = lines.map((l) => Number(l.split(' ')[0]));
    expect(cycles.every((c, k) => k === 0 || c >= cycles[k - 1]!)).toBe(true);
    expect(lines.some((l) => / - - .* kernel$/.test(l))).toBe(true); // the kernel's own directory: no process

    const mine = await ts386(['refs', file, '--pid', '1', '--user']);
    expect(mine.status).toBe(0);
    const hello = mine.stdout.trimEnd().split('\n');
    expect(hello.length).toBeGreaterThan(10);
    expect(hello.every((l) => / 1 hello cr3=\S+ page=\S+ \S+ user$/.test(l))).toBe(true);
    expect(hello[0]).toMatch(/ page=0x08048 fetch user$/); // its entry, in the text page
    expect(hello.length).toBeLessThan(lines.length);
    expect((await ts386(['refs', file, '--pid', '2'])).stdout).toBe(''); // no process 2 ran
  });

  it('leaves a whole file when the run ends at --max-cycles', () => {
    const file = path.join(dir, 'budget.refs');
    const run = spawnTs386(['--trace-refs', file, '--serial', 'none', '--max-cycles', '30000000']);
    expect(run.status).toBe(4);
    const r = spawnTs386(['refs', file]);
    expect(r.status).toBe(0);
    expect(r.stdout.length).toBeGreaterThan(0);
    for (const l of r.stdout.trimEnd().split('\n')) expect(l).toMatch(LINE);
  });

  it('refuses a path it cannot write with one line and status 2', async () => {
    const r = await ts386(['--trace-refs', path.join(dir, 'missing', 'r.refs'), '--max-cycles', '1000']);
    expect(r.stderr).toBe(`ts386: --trace-refs: cannot open ${path.join(dir, 'missing', 'r.refs')} for writing (ENOENT)\n`);
    expect(r.status).toBe(2);
    const d = await ts386(['--trace-refs', dir, '--max-cycles', '1000']);
    expect(d.stderr).toMatch(/^ts386: --trace-refs: cannot write to .*: it is a directory; .*\n$/);
    expect(d.status).toBe(2);
  });

  it('names what is wrong with a file that is not a trace, or is cut short, in one line with status 2', async () => {
    const good = path.join(dir, 'good.refs');
    expect((await ts386(['--trace-refs', good, '--serial', 'none', '--max-cycles', '30000000'])).status).toBe(4);
    const bytes = readFileSync(good);
    const cut = path.join(dir, 'cut.refs');
    writeFileSync(cut, bytes.subarray(0, bytes.length - 1));
    const text = path.join(dir, 'text.refs');
    writeFileSync(text, 'hello, world\n');
    for (const [file, why] of [
      [text, /not a ts386 reference trace \(it does not start with TS386REF\)/],
      [cut, /the file ends inside an entry \(its cycle\) at byte \d+/],
      [path.join(dir, 'nope.refs'), /no such file/],
    ] as const) {
      const r = await ts386(['refs', file]);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(new RegExp(`^ts386: refs: ${file.replace(/[.]/g, '\\.')}: ${why.source}\\n$`));
      expect(r.status).toBe(2);
    }
  });

  it('says how to use it when the arguments are wrong', async () => {
    for (const args of [['refs'], ['refs', 'a', 'b'], ['refs', 'x', '--pid', 'one'], ['refs', 'x', '--bogus']]) {
      const r = await ts386(args);
      expect(r.stderr.split('\n').length).toBe(2); // one line
      expect(r.stderr).toMatch(/^ts386: refs: /);
      expect(r.status).toBe(2);
    }
    expect((await ts386(['--help'])).stdout).toContain('ts386 refs FILE [--pid N] [--user]');
  });
});
