// mmap of files and anonymous memory, and System V shared memory (issue 12), booted for real, in the
// spirit of Pintos's mmap tests: images/src/bin/mmaptest.c runs one subtest per `run mmaptest NAME`
// and checks its own results against read() of the same file (README, and mmap-data: 8192+100
// bytes, byte i = (i*7+3) & 0xff); images/src/bin/shmtest.c does fork, two unrelated processes on
// one key, and IPC_RMID. Every subtest runs in one boot, in order, and `halt` then finds nothing
// leaked. The two subtests that fault on purpose (a read after munmap, a write to a page made
// read-only) do it in a child; the kernel's one-line report of the kill comes before the ok line.

import { beforeAll, describe, expect, it } from 'vitest';
import { bootKernel, STEP_BUDGET, type KernelMachine } from '../harness/kernel.ts';

/** mmaptest's subtests, in the order `mmaptest all` runs them. */
const SUBTESTS = [
  'read', 'write', 'close', 'unmap', 'twice', 'exit', 'shuffle', 'clean', 'private', 'anon', 'shared-anon', 'inherit',
  'mprotect', 'badfd', 'null', 'zero', 'misalign', 'over-code', 'over-data', 'over-stack', 'overlap', 'rdonly-shared',
] as const;

/** The kernel's report of a child it killed for a fault at 0x50000000 (mmaptest's FREE_VA). */
const KILL_REPORT: Partial<Record<(typeof SUBTESTS)[number], string>> = {
  unmap: String.raw`pid \d+ \(mmaptest\): page fault at 0x50000000: user read of not-present page \(not in any region of the program\), eip 0x[0-9a-f]{8}\n(?:  [^\n]*\n)*  killed\n`,
  mprotect: String.raw`pid \d+ \(mmaptest\): page fault at 0x50000000: user write to read-only page, eip 0x[0-9a-f]{8}\n(?:  [^\n]*\n)*  killed\n`,
};

/** What `run mmaptest NAME` prints when the subtest passes. */
function expected(name: (typeof SUBTESTS)[number]): RegExp {
  return new RegExp(`^${KILL_REPORT[name] ?? ''}mmaptest ${name}: ok\n$`);
}

/** `halt`, and the leak check's verdict. */
function halt(m: KernelMachine): string {
  m.type('halt\r');
  expect(m.runToStop(400_000_000).exitStatus).toBe(0);
  return m.transcript.slice(m.transcript.lastIndexOf('leak check:')).trim();
}

describe('mmap, munmap, mprotect, msync and shared memory (mmaptest, shmtest), in one boot', () => {
  let m: KernelMachine;
  beforeAll(() => {
    m = bootKernel();
  });

  it.each(SUBTESTS)('mmaptest %s', (name) => {
    expect(m.command(`run mmaptest ${name}`)).toMatch(expected(name));
  });

  it('mmaptest all runs every subtest in order, and a name it does not know is exit status 2', () => {
    const all = SUBTESTS.map((name) => `${KILL_REPORT[name] ?? ''}mmaptest ${name}: ok\n`).join('');
    expect(m.command('run mmaptest all', 4 * STEP_BUDGET)).toMatch(new RegExp(`^${all}$`));
    expect(m.command('run mmaptest nope')).toMatch(/^usage: mmaptest NAME\|all .*\n\[\d+\] exit status 2\n$/);
  });

  it('shmtest fork: a child\'s writes to a segment attached before the fork are the parent\'s to read', () => {
    expect(m.command('run shmtest fork')).toBe('shmtest fork: ok\n');
  });

  it('shmtest rmid: IPC_EXCL on a key in use is EEXIST; after IPC_RMID the key is gone (ENOENT), the attachment stays until shmdt', () => {
    expect(m.command('run shmtest rmid')).toBe('shmtest rmid: ok\n');
  });

  it('shmtest writer and reader: two unrelated processes, one in the background, share a segment by its key', () => {
    expect(m.command('run shmtest writer 42 &')).toMatch(/^\[\d+\] shmtest writer 42\n$/);
    const from = m.transcript.length;
    expect(m.command('run shmtest reader 42', 3 * STEP_BUDGET)).toContain('shmtest reader: ok\n');
    m.runUntil(/\[\d+\] done: shmtest, status 0\n/, 3 * STEP_BUDGET, from);
    expect(m.transcript.slice(from)).toContain('shmtest writer: ok\n');
    expect(m.transcript.slice(from)).not.toContain('FAILED');
  });

  it('shmtest all: fork, named (a child execs the writer), rmid', () => {
    expect(m.command('run shmtest all', 3 * STEP_BUDGET)).toBe('shmtest fork: ok\nshmtest writer: ok\nshmtest named: ok\nshmtest rmid: ok\n');
  });

  it('halt finds no frame, heap block or mapping leaked', () => {
    expect(halt(m)).toBe('leak check: 0 frames, 0 heap blocks, 0 mappings leaked');
  });
});
