// The serial shell, booted for real: the boot banner, every command of `help`, `ls` against the
// archive itself, running programs in the foreground, and the one-line errors.

import { describe, expect, it } from 'vitest';
import { bootKernel, PROGRAMS_IMG } from '../harness/kernel.ts';

/** name -> contents of every regular file in a ustar archive (what `ls` and `cat` should show). */
function ustarFiles(img: Uint8Array): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  for (let off = 0; off + 512 <= img.length;) {
    const h = img.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    const field = (at: number, len: number): string => Buffer.from(h.subarray(at, at + len)).toString('latin1').replace(/\0.*$/s, '');
    const size = parseInt(field(124, 12).trim(), 8);
    const type = field(156, 1);
    if (type === '0' || type === '') files.set(field(0, 100), img.subarray(off + 512, off + 512 + size));
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

/** Each command's line in help (run has two: its plain form, and with a resident limit and policy). */
const COMMANDS = ['help', 'ls', 'run', 'run', 'ps', 'kill', 'mem', 'compact', 'fit', 'vm', 'ws', 'heap', 'cache', 'sync', 'tlb', 'stats', 'trace', 'halt'];

describe('the shell', () => {
  it('boots to the prompt with the banner, the program disk and nothing else', () => {
    const m = bootKernel();
    const files = ustarFiles(PROGRAMS_IMG).size;
    expect(m.transcript).toMatch(new RegExp(
      `^ts386 kernel: i386, 32768 KiB RAM, \\d+ free frames \\(buddy\\), heap 1024 KiB \\(first-fit\\)\\n` +
      `program disk: ${files} files\\nts386 shell: type help\\n\\$ $`));
    expect(m.kernel.stats.processesStarted).toBe(0);
    expect(m.kernel.leaks()).toEqual({ frames: 0, byOwner: [], heapBlocks: [], mappings: 0 });
  });

  it('says which boot options it did not understand, and boots anyway', () => {
    const m = bootKernel({ cmdline: 'bogus=1', memoryBytes: 8 << 20 });
    expect(m.transcript).toMatch(/^ts386 kernel: i386, 8192 KiB RAM, \d+ free frames \(buddy\), heap \d+ KiB \(first-fit\)\nts386 kernel: unknown boot option 'bogus=1'\nprogram disk: /);
    expect(m.command('run hello')).toBe('hello, world (pid 1)\n');
  });

  it('lists every command of the issue in help, one line each', () => {
    const m = bootKernel();
    const lines = m.command('help').trimEnd().split('\n');
    const keys = lines.pop();
    expect(keys).toMatch(/^keys: Ctrl-C ends the foreground program; .*Ctrl-D at an empty prompt halts$/);
    expect(lines.map((l) => l.trim().split(/\s+/)[0])).toEqual(COMMANDS);
    expect(lines.find((l) => l.trim().startsWith('run'))).toMatch(/run PROG \[ARGS\] \[&\]/);
    expect(lines.find((l) => l.trim().startsWith('trace'))).toMatch(/trace pf\|refs on\|off/);
  });

  it('lists the files of the program disk with their sizes, sorted by name', () => {
    const m = bootKernel();
    const files = ustarFiles(PROGRAMS_IMG);
    // The builds for --mm segments (seg/NAME) are one line at the end: the same programs linked at 0.
    const sorted = [...files].sort(([a], [b]) => (a < b ? -1 : 1));
    const seg = sorted.filter(([name]) => name.startsWith('seg/'));
    const expected = sorted.filter(([name]) => !name.startsWith('seg/')).map(([name, data]) => `  ${String(data.length).padStart(8)}  ${name}\n`).join('');
    expect(seg.length).toBeGreaterThan(30);
    expect(m.command('ls')).toBe(`${expected}  seg/: ${seg.length} of these programs linked at offset 0, which --mm segments runs\n`);
    for (const prog of ['hello', 'echo', 'touch', 'stack', 'badnull', 'badkern', 'badtext', 'badwild', 'forkdemo', 'isolate', 'spin', 'sleeper', 'mstress']) {
      expect(files.has(prog), prog).toBe(true);
    }
  });

  it('runs hello in the foreground and comes back to the prompt', () => {
    const m = bootKernel();
    expect(m.command('run hello')).toBe('hello, world (pid 1)\n');
    expect(m.transcript.endsWith('$ run hello\nhello, world (pid 1)\n$ ')).toBe(true);
    expect(m.command('run hello')).toBe('hello, world (pid 2)\n');
    expect(m.kernel.procs.size).toBe(0);
    expect(m.kernel.leaks().frames).toBe(0);
  });

  it('passes arguments: run echo a b c', () => {
    const m = bootKernel();
    expect(m.command('run echo a b c')).toBe('a b c\n');
    expect(m.command('run echo   spaced    out  ')).toBe('spaced out\n');
    expect(m.command('run echo')).toBe('\n');
  });

  it('cats a file of the program disk byte for byte', () => {
    const m = bootKernel();
    const readme = Buffer.from(ustarFiles(PROGRAMS_IMG).get('README')!).toString('latin1');
    expect(m.command('run cat README')).toBe(readme);
  });

  it('answers a program that does not exist with one line and one prompt', () => {
    const m = bootKernel();
    const before = m.transcript.length;
    expect(m.command('run nope')).toBe('run: nope: no such program\n');
    expect(m.transcript.slice(before)).toBe('run nope\nrun: nope: no such program\n$ ');
    expect(m.kernel.leaks()).toEqual({ frames: 0, byOwner: [], heapBlocks: [], mappings: 0 });
    expect(m.command('run hello')).toMatch(/^hello, world \(pid \d+\)\n$/);
  });

  it('answers an unknown command and a bad usage with one line each', () => {
    const m = bootKernel();
    expect(m.command('frobnicate now')).toBe('frobnicate: unknown command (try help)\n');
    expect(m.command('run')).toBe('usage: run [-m FRAMES [-p POLICY]] PROG [ARGS] [&]\n');
    expect(m.command('trace pf sideways')).toBe('usage: trace pf|refs on|off\n');
    expect(m.command('kill 99')).toBe('kill: no process 99\n');
    expect(m.command('vm 99')).toBe('vm: no process 99\n');
    expect(m.command('kill')).toBe('usage: kill PID\n');
    expect(m.command('vm')).toBe('usage: vm PID\n');
    expect(m.command('')).toBe('');
  });

  it('halts on Ctrl-D at an empty prompt, like logging out; Ctrl-D after typed text does nothing', () => {
    const m = bootKernel();
    m.type('he\x04\x15');
    m.runFor(2_000_000);
    expect(m.kernel.stopping).toBe(null);
    m.type('\x04');
    const r = m.runToStop();
    expect(r.exitStatus).toBe(0);
    expect(m.transcript).toMatch(/\$ he\b\s*\x08 \x08\x08 \x08end of input: halt\nleak check: 0 frames, 0 heap blocks, 0 mappings leaked\n$/);
  });

  it('loses no typed character while programs fault: a line pasted during `run touch 300` arrives whole', () => {
    const m = bootKernel();
    const long = 'run echo ' + 'abcdefghij'.repeat(8);
    m.type(`run touch 300\r${long}\r`);
    m.runUntil('touched 300 pages, 300 faults\n');
    // The typeahead was echoed as it came; the program's output follows the prompt.
    m.runUntil(`\n$ ${'abcdefghij'.repeat(8)}\n$ `);
  });

  it('reports a non-zero exit status of a foreground program', () => {
    const m = bootKernel();
    expect(m.command('run exitcode 3')).toBe('[1] exit status 3\n');
    expect(m.command('run exitcode 0')).toBe('');
    // exit(-1) is an exit, not a kill: the shell tells them apart.
    expect(m.command('run exitcode -1')).toBe('[3] exit status -1\n');
  });

  it('keeps lines typed while a program runs for after it (type-ahead)', () => {
    const m = bootKernel();
    const from = m.transcript.length;
    m.type('run echo first\rrun echo second\r');
    m.runUntil(/second\n\$ $/, undefined, from);
    expect(m.transcript.slice(from)).toContain('first\n');
    expect(m.transcript.slice(from).indexOf('first\n')).toBeLessThan(m.transcript.slice(from).indexOf('second\n'));
  });

  it('edits the line being typed: backspace and Ctrl-U', () => {
    const m = bootKernel();
    expect(m.command('run echo abX\x7fc')).toBe('abc\n');
    expect(m.command('garbage\x15run echo clean')).toBe('clean\n');
  });
});
