// The monitor on the console of the `ts386` command: Ctrl-A C opens it (the machine stops), its
// commands answer at the (ts386) prompt, `c` gives the console back to the guest, which goes on;
// with piped input (scripted, deterministic; in this process, test/harness/cli.ts) and in a
// pseudo-terminal (node-pty, where installed; the bundle as a child process).
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTs386 } from '../../harness/cli.ts';

interface Pty {
  onData: (listener: (data: string) => void) => void;
  write: (data: string) => void;
  kill: (signal?: string) => void;
}
interface NodePty {
  spawn: (file: string, args: string[], options: { name?: string; cols?: number; rows?: number; cwd?: string; env?: NodeJS.ProcessEnv }) => Pty;
}
let nodePty: NodePty | null = null;
try {
  nodePty = createRequire(import.meta.url)('node-pty') as NodePty;
} catch {
  console.warn('monitor.test.ts: the terminal test is skipped, node-pty cannot be loaded');
}

const root = new URL('../../..', import.meta.url).pathname;
const bin = path.join(root, 'dist/ts386.mjs');

describe('ts386 --monitor', () => {
  it('with piped input: Ctrl-A C opens the monitor, r answers, c resumes; a page-fault breakpoint stops the program', async () => {
    // Piped input arrives at once: what follows the `c` is the guest's, so the script ends at the
    // breakpoint's stop, with nobody left to type (status 6, as a quit).
    const input = 'run hello\n\x01cr\nbreak pf 0x08048000 0x0804ffff\nc\n';
    const r = await runTs386([], input);
    expect(r.stdout).toContain('ts386 monitor: the machine is stopped; help lists the commands, c continues\r\n(ts386) r\r\neax=');
    expect(r.stdout).toMatch(/\(ts386\) break pf 0x08048000 0x0804ffff\r\nbreakpoint 1: page fault with CR2 in 08048000-0804ffff\r\n\(ts386\) c\r\ncontinuing/);
    expect(r.stdout).toMatch(/stopped: breakpoint 1: #PF cr2=0804\w{4} err=4 \(user read, not present\) at 001b:0804\w{4}; stopped at the handler's first instruction\r\n0x\w{8}: .*push\s+0xe\r\n\(ts386\) /);
    expect(r.stderr).toMatch(/ts386: end of input with the machine stopped in the monitor after \d+ cycles/);
    expect(r.status).toBe(6);
  });

  it('with piped input and no breakpoint: c gives the console back and the guest runs the script to its end', async () => {
    const r = await runTs386([], '\x01cbl\nc\nrun hello\nhalt\n');
    expect(r.stdout).toContain('(ts386) bl\r\nno breakpoints\r\n(ts386) c\r\ncontinuing');
    expect(r.stdout).toContain('hello, world');
    expect(r.stdout).toContain('leak check: 0 frames, 0 heap blocks, 0 mappings leaked');
    expect(r.status).toBe(0);
  });

  it('--monitor none: Ctrl-A bytes go to the guest as before, and a bad mode is refused', async () => {
    const r = await runTs386(['--monitor', 'none'], '\x01crun hello\nhalt\n');
    expect(r.stdout).not.toContain('(ts386)');
    const bad = await runTs386(['--monitor', 'tcp']);
    expect(bad.stderr).toBe('ts386: --monitor tcp: expected stdio or none\n');
    const file = await runTs386(['--monitor', 'stdio', '--serial', 'none']);
    expect(file.stderr).toMatch(/^ts386: --monitor stdio: needs the serial console on stdio/);
  });

  it.skipIf(nodePty === null || process.platform === 'win32')('in a terminal: Ctrl-A H lists Ctrl-A C; Ctrl-A C stops the machine at a (ts386) prompt; c resumes the guest', async () => {
    const pty = nodePty!.spawn(process.execPath, [bin], { name: 'xterm', cols: 120, rows: 30, cwd: root, env: process.env });
    let out = '';
    pty.onData((d) => { out += d; });
    const waitFor = async (text: string, from = 0): Promise<void> => {
      const deadline = Date.now() + 30_000;
      while (!out.slice(from).includes(text)) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${text}; the terminal shows:\n${out}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    const type = async (keys: string): Promise<void> => {
      for (const k of keys) {
        pty.write(k);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    };
    try {
      await waitFor('$ ');
      await type('\x01h');
      await waitFor('Ctrl-A C the monitor (and back)');
      await type('\x01c');
      await waitFor('(ts386) ');
      await type('where\r');
      await waitFor('stopped: Ctrl-A C');
      // Stopped: what is typed now is the monitor's, and the guest sees none of it.
      let mark = out.length;
      await type('c\r');
      await waitFor('continuing', mark);
      mark = out.length;
      await type('run hello\r');
      await waitFor('hello, world', mark);
      await type('halt\r');
      await waitFor('leak check');
    } finally {
      pty.kill();
    }
  });
});
