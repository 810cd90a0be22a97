// `ts386 --gdb PORT --gdb-wait` with the system's gdb in batch mode (skipped when gdb is not
// installed): break at main of a program on the disk with its symbols (images/build/, kept by
// images/build.sh), continue, read its arguments and a register, step, kill. Waits only on the
// two processes' output, with generous timeouts. The options' refusals run in this process
// (test/harness/cli.ts).
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTs386 } from '../../harness/cli.ts';

const root = new URL('../../..', import.meta.url).pathname;
const bin = path.join(root, 'dist/ts386.mjs');

const hasGdb = ((): boolean => {
  try {
    execFileSync('which', ['gdb'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** echo's unstripped ELF: images/build/echo, or built into a temporary folder; null when it cannot be. */
function echoSymbols(): string | null {
  const kept = path.join(root, 'images/build/echo');
  if (existsSync(kept)) return kept;
  const out = mkdtempSync(path.join(tmpdir(), 'ts386-gdb-'));
  spawnSync('bash', [path.join(root, 'images/build.sh'), out], { stdio: 'ignore' });
  const built = path.join(out, 'build/echo');
  return existsSync(built) ? built : null;
}

/** A port free now on 127.0.0.1 (the system's choice). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** Collects a child's output; resolves `waitFor(re)` when it appears, and `exited` with everything. */
function watch(child: ChildProcess): { out: () => string; waitFor: (re: RegExp) => Promise<void>; exited: Promise<number | null> } {
  let text = '';
  const waiters: Array<{ re: RegExp; resolve: () => void }> = [];
  const add = (chunk: Buffer): void => {
    text += chunk.toString('latin1');
    for (const w of waiters.splice(0)) {
      if (w.re.test(text)) w.resolve();
      else waiters.push(w);
    }
  };
  child.stdout?.on('data', add);
  child.stderr?.on('data', add);
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    out: () => text,
    waitFor: (re) => new Promise((resolve, reject) => {
      if (re.test(text)) { resolve(); return; }
      const t = setTimeout(() => reject(new Error(`timed out waiting for ${re}; output so far:\n${text}`)), 60_000);
      waiters.push({ re, resolve: () => { clearTimeout(t); resolve(); } });
    }),
    exited,
  };
}

describe('ts386 --gdb options', () => {
  const ts386 = (...args: string[]) => runTs386(args);
  it('refuses a bad port and --gdb-wait without --gdb, in one line each', async () => {
    expect((await ts386('--gdb=abc')).stderr).toBe('ts386: --gdb abc: expected a port number, 1 to 65535\n');
    expect((await ts386('--gdb', '70000')).stderr).toBe('ts386: --gdb 70000: expected a port number, 1 to 65535\n');
    const r = await ts386('--gdb-wait');
    expect(r.stderr).toBe('ts386: --gdb-wait needs --gdb\n');
    expect(r.status).toBe(2);
  }, 60_000);

  it('says so in one line when the port is taken', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const a = taken.address();
    const port = typeof a === 'object' && a !== null ? a.port : 0;
    try {
      const r = await ts386('--gdb', String(port), '--max-cycles', '1000');
      expect(r.stderr).toBe(`ts386: --gdb ${port}: cannot listen on 127.0.0.1:${port}: EADDRINUSE\n`);
      expect(r.status).toBe(2);
    } finally {
      taken.close();
    }
  }, 60_000);
});

describe.skipIf(!hasGdb)('ts386 --gdb with gdb -batch', () => {
  it('breaks at main of a program, reads its arguments and EIP, steps an instruction, and kills the run', async () => {
    const symbols = echoSymbols();
    if (symbols === null) return; // no i386 gcc to build the symbols: nothing to debug with
    const port = await freePort();
    const ts = spawn(process.execPath, [bin, '--gdb', String(port), '--gdb-wait'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const tsOut = watch(ts);
    try {
      await tsOut.waitFor(/waiting for gdb to attach/);
      const gdb = spawn('gdb', ['-batch', '-nx', symbols, '-ex', `target remote :${port}`, '-ex', 'break main', '-ex', 'continue',
        '-ex', 'print argc', '-ex', 'print argv[1]', '-ex', 'info registers eip', '-ex', 'monitor walk $eip', '-ex', 'stepi', '-ex', 'kill'],
      { stdio: ['ignore', 'pipe', 'pipe'] });
      const gdbOut = watch(gdb);
      // The machine boots once gdb has attached and continued; at the shell's prompt, run the program.
      await tsOut.waitFor(/\$ $/);
      ts.stdin.write('run echo hi there\n');
      const gdbStatus = await gdbOut.exited;
      const out = gdbOut.out();
      expect(out).toMatch(/Breakpoint 1, main \(argc=3, argv=0x[0-9a-f]+\) at .*echo\.c:\d+/);
      expect(out).toContain('$1 = 3');
      expect(out).toMatch(/\$2 = 0x[0-9a-f]+ "hi"/);
      expect(out).toMatch(/eip\s+0x[0-9a-f]+\s+0x[0-9a-f]+ <main>/);
      expect(out).toMatch(/walk 0x0804[0-9a-f]{4} under CR3=.*\n(.*\n)*.*-> physical 0x[0-9a-f]{8} \(user, read-only\)/);
      expect(out).toContain('[Inferior 1 (Remote target) killed]');
      expect(gdbStatus).toBe(0);
      ts.stdin.end();
      await tsOut.exited;
      expect(tsOut.out()).toMatch(/ts386: killed by gdb after/);
    } finally {
      ts.kill();
    }
  }, 120_000);
});
