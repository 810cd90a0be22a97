// Waiting, booted for real (kernel/wait.ts): a process that waits for the disk sleeps on the
// request and holds nothing but the read's buffer, which the program disk keeps until the drive is
// done with it, so a process killed while it waits leaves nothing behind; a woken process re-runs
// what it slept in and goes on as if it had never stopped.

import { describe, expect, it } from 'vitest';
import { bootKernel, KernelMachine } from '../harness/kernel.ts';

/**
 * A drive that takes 8M cycles (a quarter of a second) to seek: long enough to type a few commands
 * (the harness runs a million cycles at a time) while a read is in flight.
 */
const SLOW = 8_000_000;
/** Boots with the slow drive: the program disk's index is read a header at a time (72 files: every program twice, for paging and in seg/). */
const bootSlow = (): KernelMachine => new KernelMachine({ ataRequestCycles: SLOW }).boot(80 * SLOW);

describe('waiting for the disk', () => {
  it('a program killed while it is being loaded leaves nothing once the drive is done', () => {
    const m = bootSlow();
    expect(m.command('run hello &')).toBe('[1] hello\n');
    expect(m.command('ps')).toMatch(/\n {4}1 {5}0 loading /);
    expect(m.command('kill 1')).toBe('pid 1 (hello) killed: killed from the shell\n[1] done: hello, killed\n');
    // The drive is still reading the ELF header into the program disk's buffer: it stays allocated.
    expect(m.kernel.leaks().heapBlocks).toHaveLength(1);
    m.runFor(2 * SLOW);
    expect(m.kernel.leaks()).toEqual({ frames: 0, byOwner: [], heapBlocks: [], mappings: 0 });
  });

  it('a process killed while it sleeps on a page-in leaves nothing once the drive is done', () => {
    const m = bootSlow();
    m.command('run hello &');
    m.runFor(SLOW + SLOW / 2); // the header is in; the first instruction fetch faults and waits for its page
    expect(m.command('ps')).toMatch(/\n {4}1 {5}0 wait:disk +\d+ +1 +1 +- +[\d-]+  hello\n/);
    expect(m.command('kill 1')).toBe('pid 1 (hello) killed: killed from the shell\n[1] done: hello, killed\n');
    expect(m.kernel.leaks().frames).toBe(0);
    expect(m.kernel.leaks().heapBlocks).toHaveLength(1);
    m.runFor(2 * SLOW);
    expect(m.kernel.leaks()).toEqual({ frames: 0, byOwner: [], heapBlocks: [], mappings: 0 });
  });

  it('a page-in completes the fault it started: one fault per page, however long the disk takes', () => {
    const slow = bootSlow();
    const fast = bootKernel();
    for (const m of [slow, fast]) {
      m.command('trace pf on');
      expect(m.command('run hello', 20 * SLOW)).toMatch(/hello, world \(pid 1\)/);
    }
    expect(slow.kernel.stats.faults).toBe(fast.kernel.stats.faults);
    expect(slow.kernel.stats.pageIns).toBe(fast.kernel.stats.pageIns);
    const traced = (t: string): string[] => t.split('\n').filter((l) => l.startsWith('pf: '));
    expect(traced(slow.transcript)).toEqual(traced(fast.transcript));
  });
});

describe('waiting for the console', () => {
  it('a reader woken by a line re-runs its read and gets the line; the shell gets the next one', () => {
    const m = bootKernel();
    m.type('run cat\r');
    m.runUntil('run cat\n');
    m.type('one line\r');
    m.runUntil('one line\none line\n');
    m.type('\x04'); // Ctrl-D: end of file for cat, which exits
    m.runUntil(/\n\$ $/);
    expect(m.command('run echo after')).toBe('after\n');
    expect(m.kernel.leaks()).toEqual({ frames: 0, byOwner: [], heapBlocks: [], mappings: 0 });
  });
});

describe('typing ahead while the disk works', () => {
  it('loses no typed character while programs are read from the disk sector by sector', () => {
    // The whole session typed at once: each program's pages come from the disk while the rest of
    // the input arrives at 115200 baud. The disk's IRQ 14 comes once per sector; COM1's receiver
    // holds only 16 characters, so COM1 must not wait behind a whole read (dev/pic.ts).
    const m = bootKernel();
    m.type('run hello\rrun sleeper 100 &\rps\rrun touch 10\rrun cat README\rstats\r');
    m.runUntil(/\nsystem calls \d+, interrupts \d+, context switches \d+, host calls \d+\n/, 4 * 66_000_000);
    expect(m.transcript).toContain('touched 10 pages, 10 faults');
  });
});

describe('a piped script into a busy guest', () => {
  it('runs every one of 1,000 commands: the terminal is held back, nothing is dropped', () => {
    const m = bootKernel();
    // A CPU-bound job keeps the guest busy while the whole script arrives at once.
    m.command('run spin &');
    const script = Array.from({ length: 1000 }, (_, i) => (i % 2 === 0 ? 'run hello' : `run echo line ${i}`)).join('\r');
    m.type(`${script}\rstats\r`);
    m.runUntil(/\nsystem calls \d+, interrupts \d+, context switches \d+, host calls \d+\n/, 400 * 66_000_000);
    const t = m.transcript;
    // Output and the echo of lines still arriving interleave; echo's output is the line not after
    // "echo ", or, when an output line landed right after the "echo " of a line being echoed, a
    // second "line N" beside the one the typed line's echo ends with.
    expect(t.match(/hello, world \(pid \d+\)\n/g)).toHaveLength(500);
    for (let i = 1; i < 1000; i += 2) {
      const twice = (t.match(new RegExp(`line ${i}\n`, 'g')) ?? []).length >= 2;
      expect(twice || new RegExp(`(?<!echo )line ${i}\n`).test(t), `echo's output "line ${i}"`).toBe(true);
    }
    expect(t).not.toMatch(/unknown command|no such program/);
  });
});
