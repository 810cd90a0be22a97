// The `ts386` command as a user meets it: inside a pseudo-terminal (node-pty), booting the demo
// disk, with keys typed at it. Also `--serial pty`, where ts386 makes the pseudo-terminal and the
// test plays the terminal program connected to it.
//
// node-pty is a native addon and a development dependency; where it is not installed these tests
// are skipped, and say so.
import { spawn as spawnChild } from 'node:child_process';
import { openSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ReadStream } from 'node:tty';
import { describe, expect, it } from 'vitest';

/** The part of node-pty's API these tests use (its own typings come with the package). */
interface Pty {
  onData: (listener: (data: string) => void) => void;
  onExit: (listener: (e: { exitCode: number; signal?: number }) => void) => void;
  write: (data: string) => void;
  kill: (signal?: string) => void;
}
interface NodePty {
  spawn: (file: string, args: string[], options: { name?: string; cols?: number; rows?: number; cwd?: string; env?: NodeJS.ProcessEnv }) => Pty;
}

let nodePty: NodePty | null = null;
let missing = '';
try {
  nodePty = createRequire(import.meta.url)('node-pty') as NodePty;
} catch (e) {
  missing = (e as Error).message.split('\n')[0] ?? '';
}
const skipReason = nodePty === null ? ` (skipped: node-pty is not installed: ${missing})` : '';
if (nodePty === null) console.warn(`interactive.test.ts: skipped, node-pty cannot be loaded: ${missing}`);

const root = new URL('../../..', import.meta.url).pathname;
const bin = path.join(root, 'dist/ts386.mjs');
const demo = path.join(root, 'images/demo.img');

/** A process in a pseudo-terminal: what it has printed so far, and ways to wait on it. */
class Session {
  output = '';
  exit: Promise<number>;
  private readonly pty: Pty;
  private waiters: (() => void)[] = [];

  constructor(file: string, args: string[]) {
    this.pty = nodePty!.spawn(file, args, { name: 'xterm', cols: 100, rows: 30, cwd: root, env: process.env });
    this.pty.onData((d) => {
      this.output += d;
      for (const w of this.waiters.splice(0)) w();
    });
    this.exit = new Promise((resolve) => this.pty.onExit((e) => resolve(e.exitCode)));
  }

  /** Resolves once the output (from `from` on) contains `text`; fails after `ms`. */
  async waitFor(text: string | RegExp, ms = 30_000, from = 0): Promise<void> {
    const found = (): boolean => {
      const s = this.output.slice(from);
      return typeof text === 'string' ? s.includes(text) : text.test(s);
    };
    const deadline = Date.now() + ms;
    while (!found()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${String(text)}; the terminal shows:\n${this.output}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  }

  /** Types `keys` one at a time, as a person would (each its own read on the other side). */
  async type(keys: string): Promise<void> {
    for (const k of keys) {
      this.pty.write(k);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  kill(): void {
    this.pty.kill();
  }
}

/**
 * ts386 in a pseudo-terminal, run from a shell that reports the terminal's mode after it exits.
 * The shell then stays until the test kills it: node-pty may drop the last bytes a process writes
 * just before it exits (microsoft/node-pty#72): a run of the whole suite here once timed out waiting
 * for the STATUS line that the terminal never showed.
 */
function ts386InTerminal(...args: string[]): Session {
  const command = `"${process.execPath}" "${bin}" ${args.map((a) => `'${a}'`).join(' ')}; status=$?; echo; stty -a; echo "STATUS=$status"; exec sleep 600`;
  return new Session('/bin/sh', ['-c', command]);
}

describe.skipIf(nodePty === null || process.platform === 'win32')(`ts386 in a terminal${skipReason}`, () => {
  it('boots the demo disk through the BIOS, echoes typed keys (Ctrl-C included) and prints the line reversed', async () => {
    const s = ts386InTerminal('--disk', demo);
    try {
      await s.waitFor('type a line and press Enter (Ctrl-A X quits): ');
      expect(s.output).toContain('ts386 demo disk: hello from the boot sector (booted from drive 80h)');
      expect(s.output).toContain('ts386 demo disk: primes below 10000: 1229');
      const mark = s.output.length;
      await s.type('hello');
      await s.waitFor('hello', 10_000, mark); // the guest's echo: the terminal itself is raw and echoes nothing
      await s.type('\x03'); // Ctrl-C goes to the guest, which shows it as ^C; ts386 keeps running
      await s.waitFor('hello^C', 10_000, mark);
      await s.type('\r');
      await s.waitFor('reversed: "^Colleh"');
      await s.waitFor(/STATUS=\d+/);
      expect(s.output).toContain('ts386 demo disk: done');
      expect(s.output).toMatch(/ts386: guest exited with status 0 after/);
      expect(s.output).toContain('STATUS=0');
    } finally {
      s.kill();
    }
  });

  it('lets the guest erase typed characters with Backspace (DEL)', async () => {
    const s = ts386InTerminal('--disk', demo);
    try {
      await s.waitFor('(Ctrl-A X quits): ');
      await s.type('abX\x7fc\r');
      await s.waitFor('reversed: "cba"');
      await s.waitFor('STATUS=0');
    } finally {
      s.kill();
    }
  });

  it('lists the keys on Ctrl-A H; Ctrl-A X quits with status 6 and leaves the terminal in cooked mode', async () => {
    const s = ts386InTerminal('--disk', demo);
    try {
      await s.waitFor('(Ctrl-A X quits): ');
      await s.type('\x01h');
      await s.waitFor('ts386 keys: Ctrl-A X quit, Ctrl-A H this help, Ctrl-A A send Ctrl-A to the guest');
      await s.type('\x01x');
      await s.waitFor(/STATUS=\d+/);
      expect(s.output).toMatch(/ts386: quit \(Ctrl-A X\) after \d+ cycles/);
      expect(s.output).toContain('STATUS=6');
      // `stty -a` after ts386 exited: line editing, echo and signals are back on.
      const modes = s.output.slice(s.output.lastIndexOf('speed')).split(/[\s;]+/);
      for (const flag of ['icanon', 'echo', 'isig', 'icrnl']) expect(modes, flag).toContain(flag);
    } finally {
      s.kill();
    }
  });

  it('with no disk boots the ts386 kernel, whose shell takes typed commands; halt ends the run: "kernel halted", status 0', async () => {
    const s = ts386InTerminal();
    try {
      await s.waitFor('$ ');
      expect(s.output).toMatch(/ts386 kernel: i386, 32768 KiB RAM/);
      await s.type('halt\r');
      await s.waitFor(/STATUS=\d+/);
      expect(s.output).toMatch(/ts386: kernel halted after \d+ cycles/);
      expect(s.output).toContain('STATUS=0');
    } finally {
      s.kill();
    }
  });

  it('lets idle time pass at the pace of the wall clock in a terminal: sleeper 300 takes at least 300 ms', async () => {
    const s = ts386InTerminal();
    try {
      await s.waitFor('$ ');
      const t0 = performance.now();
      await s.type('run sleeper 300\r');
      await s.waitFor(/slept 300 ms[^\n]*\n[\s\S]*\$ /);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
      await s.type('halt\r');
      await s.waitFor('STATUS=0');
    } finally {
      s.kill();
    }
  });

  it('ends the wait for input after 60 emulated seconds without a key', async () => {
    // At a 2 MHz emulated clock a minute passes in a few seconds of real time.
    const s = ts386InTerminal('--disk', demo, '--clock', '2');
    try {
      await s.waitFor('(no input)', 50_000);
      await s.waitFor('STATUS=0');
      expect(s.output).toMatch(/guest exited with status 0 after \d+ cycles, \d+ instructions, 6\d\.\d\d s emulated/);
    } finally {
      s.kill();
    }
  });
});

describe.skipIf(nodePty === null || process.platform === 'win32')(`ts386 --serial pty${skipReason}`, () => {
  it('puts COM1 on a pseudo-terminal that a terminal program can open, type to and read', async () => {
    const child = spawnChild(process.execPath, [bin, '--disk', demo, '--serial', 'pty'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const device = await new Promise<string>((resolve, reject) => {
        child.stderr.on('data', (d: Buffer) => {
          stderr += d.toString();
          const m = /COM1 is on (\S+)/.exec(stderr);
          if (m) resolve(m[1]!);
        });
        child.on('exit', () => reject(new Error(`ts386 exited first: ${stderr}`)));
      });
      expect(device).toMatch(/^\/dev\/(pts\/\d+|tty\w+)$/);
      // What a terminal program does: open the device, read what the guest prints, type.
      const fd = openSync(device, 'r+');
      const reader = new ReadStream(fd);
      let seen = '';
      const waitSeen = (text: string): Promise<void> => new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${text}; read so far:\n${seen}\nstderr:\n${stderr}`)), 30_000);
        const check = (): void => {
          if (seen.includes(text)) {
            clearTimeout(timer);
            resolve();
          } else setTimeout(check, 50);
        };
        check();
      });
      reader.on('data', (d: Buffer) => { seen += d.toString('latin1'); });
      reader.on('error', () => {});
      await waitSeen('(Ctrl-A X quits): ');
      expect(seen).toContain('primes below 10000: 1229');
      writeSync(fd, 'pty\r');
      await waitSeen('reversed: "ytp"');
      await waitSeen('ts386 demo disk: done');
      expect(await exit).toBe(0);
      expect(stderr).toMatch(/guest exited with status 0/);
      reader.destroy();
    } finally {
      child.kill();
    }
  });

  it('quits with status 6 on Ctrl-C (SIGINT) to ts386 itself, with the summary line', async () => {
    const child = spawnChild(process.execPath, [bin, '--disk', demo, '--serial', 'pty'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let sent = false;
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (!sent && stderr.includes('COM1 is on')) {
        sent = true; // once: after the run a second Ctrl-C ends ts386 the default way
        child.kill('SIGINT');
      }
    });
    expect(await exit).toBe(6);
    expect(stderr).toMatch(/ts386: interrupted \(SIGINT\) after \d+ cycles/);
  });
});
