// `trace refs on|off` in the shell, and the labels the kernel writes into a reference trace: with
// no file the shell says so in one line; with one (as --trace-refs gives it, here in memory) the
// shell holds one start of the recorder, and exec names each process its CR3's references are from.

import { describe, expect, it } from 'vitest';
import { bootKernel } from '../harness/kernel.ts';

const NO_FILE = 'trace refs: no file to record into (start ts386 with --trace-refs FILE)\n';

describe('trace refs', () => {
  it('says in one line that there is no file to record into, and records nothing', () => {
    const m = bootKernel();
    expect(m.command('trace refs on')).toBe(NO_FILE);
    expect(m.machine.cpu.refs.on).toBe(false);
    expect(m.command('trace refs off')).toBe(NO_FILE);
    expect(m.command('trace refs sideways')).toBe('usage: trace pf|refs on|off\n');
    expect(m.command('trace pf on')).toBe('page-fault trace on\n');
  });

  it('with a file: records from the start, off stops it, on holds one start again, and the references of each program are labelled with it', () => {
    const m = bootKernel();
    const entries = m.recordRefs();
    expect(m.machine.cpu.refs.on).toBe(true); // --trace-refs records from power-on
    expect(m.command('trace refs off')).toBe('reference trace off\n');
    expect(m.machine.cpu.refs.on).toBe(false);
    expect(m.command('trace refs on')).toBe('reference trace on\n');
    expect(m.command('trace refs on')).toBe('reference trace on\n');
    expect(m.machine.cpu.refs.starts).toBe(1);
    expect(m.command('run hello')).toBe('hello, world (pid 1)\n');
    expect(m.command('trace refs off')).toBe('reference trace off\n');
    expect(m.machine.cpu.refs.on).toBe(false);

    const all = entries();
    const labels = all.filter((e) => e.kind === 'label');
    expect(labels.map((l) => [l.pid, l.name])).toEqual([[1, 'hello']]);
    const cr3 = labels[0]!.cr3;
    expect(cr3 % 4096).toBe(0);
    // Every user reference is hello's, under the labelled CR3: it starts at its entry in the text
    // page (an ELF at 0x08048000) and uses its stack (the page below 0xC0000000).
    const user = all.filter((e) => e.kind === 'ref' && e.user);
    expect(user.length).toBeGreaterThan(10);
    expect(user.every((r) => r.cr3 === cr3)).toBe(true);
    expect(user[0]).toMatchObject({ page: 0x08048, access: 'fetch' });
    expect(user.some((r) => r.kind === 'ref' && r.page === 0xbffff && r.access === 'write')).toBe(true);
    expect(all.indexOf(labels[0]!)).toBeLessThan(all.indexOf(user[0]!)); // labelled before it ran
    expect(all.some((e) => e.kind === 'ref' && !e.user)).toBe(true); // the trap stubs, the idle loop at ring 0
  });
});
