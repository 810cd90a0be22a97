// Bad pointers, booted for real: each bad* program makes one bad access; the kernel kills that
// process only, with one report naming the pid, the program, the address, the error code in
// words, EIP and the page-table walk; everything else goes on.

import { describe, expect, it } from 'vitest';
import { bootKernel, type KernelMachine } from '../harness/kernel.ts';

interface Report { pid: number; prog: string; va: number; words: string; eip: number; walk: string[] }

/** Splits a killed program's output into what it printed first and the kernel's report (checked for form). */
function parseKill(out: string): { said: string[]; report: Report } {
  const lines = out.trimEnd().split('\n');
  const at = lines.findIndex((l) => /^pid \d+ \(\w+\): page fault at /.test(l));
  expect(at, out).toBeGreaterThanOrEqual(0);
  const head = /^pid (\d+) \((\w+)\): page fault at 0x([0-9a-f]{8}): (.+?)(?: \(.*\))?, eip 0x([0-9a-f]{8})$/.exec(lines[at]!);
  expect(head, lines[at]).not.toBeNull();
  expect(lines[lines.length - 1]).toBe('  killed');
  const walk = lines.slice(at + 1, -1).map((l) => l.trim());
  expect(out.match(/page fault at/g)?.length, 'one report').toBe(1);
  return { said: lines.slice(0, at), report: { pid: Number(head![1]), prog: head![2]!, va: parseInt(head![3]!, 16), words: head![4]!, eip: parseInt(head![5]!, 16), walk } };
}

/** Checks the walk lines are a consistent PDE (then PTE, then VA -> PA) walk for `va`; returns the entries. */
function checkWalk(walk: string[], va: number): { pde: number; pte: number | null } {
  const pde = /^PDE\[0x([0-9a-f]{3})\] @0x([0-9a-f]{8}) = 0x([0-9a-f]{8}) {2}(.*)$/.exec(walk[0] ?? '');
  expect(pde, walk[0]).not.toBeNull();
  expect(parseInt(pde![1]!, 16)).toBe(va >>> 22);
  expect(parseInt(pde![2]!, 16) & 0xfff).toBe(4 * (va >>> 22));
  const pdeValue = parseInt(pde![3]!, 16);
  if ((pdeValue & 1) === 0) {
    expect(pde![4]).toBe('not present');
    expect(walk.length).toBe(1);
    return { pde: pdeValue, pte: null };
  }
  const pte = /^PTE\[0x([0-9a-f]{3})\] @0x([0-9a-f]{8}) = 0x([0-9a-f]{8}) {2}(.*)$/.exec(walk[1] ?? '');
  expect(pte, walk[1]).not.toBeNull();
  expect(parseInt(pte![1]!, 16)).toBe((va >>> 12) & 0x3ff);
  expect(parseInt(pte![2]!, 16)).toBe(((pdeValue & ~0xfff) >>> 0) + 4 * ((va >>> 12) & 0x3ff));
  const pteValue = parseInt(pte![3]!, 16);
  if ((pteValue & 1) === 0) {
    expect(pte![4]).toBe('not present');
    expect(walk.length).toBe(2);
  } else {
    const pa = (((pteValue & ~0xfff) >>> 0) + (va & 0xfff)).toString(16).padStart(8, '0');
    expect(walk[2]).toBe(`VA 0x${va.toString(16).padStart(8, '0')} -> PA 0x${pa}`);
    expect(walk.length).toBe(3);
  }
  return { pde: pdeValue, pte: pteValue };
}

/** Runs a bad program in the foreground and checks what is common to every kill. */
function runBad(m: KernelMachine, cmd: string): { said: string[]; report: Report } {
  const kills = m.kernel.stats.kills;
  const r = parseKill(m.command(cmd));
  expect(r.report.prog).toBe(cmd.split(' ')[1]);
  expect(r.report.eip).toBeGreaterThanOrEqual(0x08048000);
  expect(r.report.eip).toBeLessThan(0x08050000);
  expect(r.said.join('\n')).not.toContain('survived');
  expect(m.kernel.stats.kills).toBe(kills + 1);
  expect(m.kernel.procs.has(r.report.pid)).toBe(false);
  expect(m.kernel.leaks(), 'nothing of the killed process stays allocated').toEqual({ frames: 0, byOwner: [], heapBlocks: [], mappings: 0 });
  return r;
}

describe('bad pointers', () => {
  it('badnull: a user read of a not-present page at 0', () => {
    const m = bootKernel();
    const { said, report } = runBad(m, 'run badnull');
    expect(said).toEqual(['badnull: reading *(int *)0']);
    expect(report.pid).toBe(1);
    expect(report.va).toBe(0);
    expect(report.words).toBe('user read of not-present page');
    expect(checkWalk(report.walk, 0)).toEqual({ pde: 0, pte: null });
  });

  it('badkern: a user read of a supervisor page (the kernel half is mapped, but not for ring 3)', () => {
    const m = bootKernel();
    const { said, report } = runBad(m, 'run badkern');
    expect(said).toEqual(['badkern: reading 0xc0001000']);
    expect(report.va).toBe(0xc0001000);
    expect(report.words).toBe('user read of supervisor page');
    const { pde, pte } = checkWalk(report.walk, 0xc0001000);
    expect(pde & 1).toBe(1);
    expect(pte! & 1).toBe(1);
    expect((pde & 4) === 0 || (pte! & 4) === 0, 'U/S clear in the PDE or the PTE').toBe(true);
    expect((pte! & ~0xfff) >>> 0).toBe(0x1000); // the direct map: 0xC0001000 is physical 0x1000
  });

  it('badtext: a user write to a read-only page (its own text)', () => {
    const m = bootKernel();
    const { said, report } = runBad(m, 'run badtext');
    const main = /^badtext: writing to main at 0x([0-9a-f]{8})$/.exec(said[0] ?? '');
    expect(main, said.join('\n')).not.toBeNull();
    expect(report.va).toBe(parseInt(main![1]!, 16));
    expect(report.words).toBe('user write to read-only page');
    const { pte } = checkWalk(report.walk, report.va);
    expect(pte! & 0x7).toBe(0x5); // present, user, not writable
    expect(report.walk[1]).toMatch(/ {2}P - U A -$/);
  });

  it('badwild: a user write where no region is', () => {
    const m = bootKernel();
    const { said, report } = runBad(m, 'run badwild');
    expect(said).toEqual(['badwild: writing to 0x70000000']);
    expect(report.va).toBe(0x70000000);
    expect(report.words).toBe('user write to not-present page');
    checkWalk(report.walk, 0x70000000);
  });

  it('kills only the bad process: a background sleeper lives on and a later program runs', () => {
    const m = bootKernel();
    expect(m.command('run sleeper 300 &')).toBe('[1] sleeper 300\n');
    const from = m.transcript.length;
    for (const bad of ['badnull', 'badkern', 'badtext', 'badwild']) {
      const out = m.command(`run ${bad}`);
      expect(out).toContain(`(${bad}): page fault at 0x`);
      expect(out).not.toContain('(sleeper)');
    }
    expect(m.kernel.procs.get(1)?.state).toMatch(/blocked|runnable|running/);
    m.runUntil(/\[1\] done: sleeper, status 0\n/, undefined, from);
    expect(m.transcript.slice(from)).toMatch(/sleeper: slept 300 ms: uptime \d+ -> \d+ \(\d+ ms\)\n/);
    expect(m.command('run hello')).toBe('hello, world (pid 6)\n');
    expect(m.kernel.stats.kills).toBe(4);
    expect(m.kernel.leaks().frames).toBe(0);
  });
});
