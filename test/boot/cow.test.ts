// Copy-on-write fork (issue 12), booted for real: the exact counts of a fork whose child writes some
// pages (cowcount), what `vm` shows of shared and copy-on-write pages, `--fork eager` beside it, and
// shared pages under memory pressure: taken back from every process that maps them at once and
// mapped again from the frame the first one to need them read them back into (the swap cache).
// cowtest.test.ts checks the semantics (no process sees another's writes) under both modes.

import { describe, expect, it } from 'vitest';
import { bootKernel, STEP_BUDGET, type KernelMachine } from '../harness/kernel.ts';

const NOTHING_LEFT = { frames: 0, byOwner: [], heapBlocks: [], mappings: 0 };

/** `halt`, and the leak check's verdict. */
function halt(m: KernelMachine): string {
  m.type('halt\r');
  expect(m.runToStop(400_000_000).exitStatus).toBe(0);
  return m.transcript.slice(m.transcript.lastIndexOf('leak check:')).trim();
}

/** The `vm PID` line of the page at `va`. */
function vmLine(m: KernelMachine, pid: number, va: number): string {
  const line = m.command(`vm ${pid}`).split('\n').find((l) => l.startsWith(`    0x${va.toString(16).padStart(8, '0')} ->`));
  expect(line, `vm ${pid} maps 0x${va.toString(16)}: ${JSON.stringify(m.command(`vm ${pid}`))}`).toBeDefined();
  return line!;
}

describe('copy-on-write fork', () => {
  it('the child\'s K writes to N shared pages are K faults and K copies; the parent\'s N writes after it exits are N faults and no copy', () => {
    const m = bootKernel();
    expect(m.command('run cowcount 20 5')).toBe('child: 5 pages written, cow faults 5, copies 5\nparent: 20 pages written, cow faults 20, copies 0\n');
    expect(m.command('run cowcount 8 8')).toBe('child: 8 pages written, cow faults 8, copies 8\nparent: 8 pages written, cow faults 8, copies 0\n');
    const s = m.kernel.stats;
    expect(m.command('stats')).toContain(`copy-on-write: forks shared ${s.cowShared} pages; write faults on them ${s.cowFaults} (copied ${s.cowCopies}, taken over ${s.cowReuses}); copies saved ${s.cowShared - s.cowCopies}\n`);
    expect(s.cowFaults).toBe(s.cowCopies + s.cowReuses);
    expect(halt(m)).toBe('leak check: 0 frames, 0 heap blocks, 0 mappings leaked');
  });

  it('--fork eager copies every page at fork: no write faults after it', () => {
    const m = bootKernel({ cmdline: 'fork=eager' });
    expect(m.command('run cowcount 20 5')).toBe('child: 5 pages written, cow faults 0, copies 0\nparent: 20 pages written, cow faults 0, copies 0\n');
    expect(m.kernel.stats.cowShared).toBe(0);
    expect(m.command('stats')).not.toContain('copy-on-write');
  });

  it('vm marks copy-on-write pages and names the processes a frame is shared with', () => {
    const m = bootKernel();
    // The child writes the first of three heap pages, then sleeps: both address spaces can be seen.
    expect(m.command('run cowcount 3 1 2000 &')).toBe('[1] cowcount 3 1 2000\n');
    m.runFor(5_000_000);
    const heap = /heap +0x([0-9a-f]{8})-/.exec(m.command('vm 1'))![1]!;
    const h = parseInt(heap, 16);
    const text = parseInt(/text +0x([0-9a-f]{8})-/.exec(m.command('vm 1'))![1]!, 16);
    // Text is read-only in its region: shared, never copy-on-write.
    expect(vmLine(m, 1, text)).toMatch(/ {2}P - U A - {2}shared with pid 2$/);
    // The page the child wrote: the child has its own copy, writable; the parent's frame is its alone
    // but still read-only (its next write takes it over, with no copy).
    expect(vmLine(m, 2, h)).toMatch(/ {2}P W U A D$/);
    expect(vmLine(m, 1, h)).toMatch(/ {2}P - U A D {2}copy-on-write$/);
    // The pages no one wrote since the fork: one frame each, in both.
    for (const pid of [1, 2]) expect(vmLine(m, pid, h + 4096)).toMatch(new RegExp(`copy-on-write {2}shared with pid ${3 - pid}$`));
    expect(vmLine(m, 1, h + 4096).split('->')[1]!.slice(0, 12)).toBe(vmLine(m, 2, h + 4096).split('->')[1]!.slice(0, 12));
    m.runUntil(/\[1\] done: cowcount, status 0\n/, 3 * STEP_BUDGET);
    expect(halt(m)).toBe('leak check: 0 frames, 0 heap blocks, 0 mappings leaked');
  });

  it('a fork that runs out of frames leaves no child behind: wait() then finds none (ECHILD)', () => {
    const m = bootKernel({ cmdline: 'fork=eager' });
    // cowtest simple fills two thirds of the free frames, which an eager fork cannot copy.
    const out = m.command('run cowtest simple', 10 * STEP_BUDGET);
    expect(out).toMatch(/^cowtest simple: FAILED \(fork failed \(error 12\) in round 1, \d+ pages filled \(2\/3 of \d+ free frames\): expected of an eager fork, which must copy them all\)\n\[\d+\] exit status 1\n$/);
    expect(m.kernel.procs.size).toBe(0);
    expect(m.kernel.leaks()).toEqual(NOTHING_LEFT);
  });
});

describe('shared pages under memory pressure (4 MiB of RAM, 16 MiB of swap)', () => {
  it('go from every mapping at once, come back shared from the swap cache, and stay private to each writer', () => {
    const m = bootKernel({ memoryBytes: 4 << 20, swapBytes: 16 << 20 });
    expect(m.command('run cowswap 300 3', 6 * STEP_BUDGET)).toBe('cowswap: ok: 300 pages, 3 children, 3 rounds each\n');
    const s = m.kernel.stats;
    expect(s.sharedEvictions, 'shared pages taken back from all their mappings').toBeGreaterThan(50);
    expect(s.swapCacheHits, 'swapped pages mapped from a frame another process read them into').toBeGreaterThan(100);
    expect(s.cowCopies).toBeLessThanOrEqual(s.cowShared);
    expect(m.command('stats')).toContain(`shared pages taken back from every mapping at once ${s.sharedEvictions}, mapped again from the swap cache ${s.swapCacheHits}\n`);
    expect(halt(m)).toBe('leak check: 0 frames, 0 heap blocks, 0 swap slots, 0 mappings leaked');
  });

  it('a shared anonymous mapping bigger than RAM: its pages go to swap and come back through the segment, for whichever process touches them', () => {
    const m = bootKernel({ memoryBytes: 4 << 20, swapBytes: 16 << 20 });
    expect(m.command('run shmswap 1200', 40 * STEP_BUDGET)).toBe('shmswap: ok: 1200 shared pages, written by a child, then by the parent, each seen by the other\n');
    expect(m.kernel.stats.swapOuts).toBeGreaterThan(1200);
    expect(m.kernel.stats.swapIns).toBeGreaterThan(1200);
    expect(m.command('mem')).not.toMatch(/shared segment/); // munmap let the segment go
    expect(halt(m)).toBe('leak check: 0 frames, 0 heap blocks, 0 swap slots, 0 mappings leaked');
  });

  it('a named segment no process attaches goes to swap under pressure, and is all there when attached again', () => {
    const m = bootKernel({ memoryBytes: 4 << 20, swapBytes: 16 << 20 });
    expect(m.command('run shmtest keep 77 200')).toBe('shmtest keep: ok\n');
    expect(m.command('mem')).toMatch(/^shared segment \d+ \(key 77\): 200 pages, 200 in RAM, 0 attachments$/m);
    expect(m.command('run touch 1500', 40 * STEP_BUDGET)).toMatch(/^touched 1500 pages, \d+ faults\n$/);
    expect(m.command('mem')).toMatch(/^shared segment \d+ \(key 77\): 200 pages, 0 in RAM, 0 attachments$/m);
    expect(m.command('run shmtest check 77 200', 10 * STEP_BUDGET)).toBe('shmtest check: ok\n');
    expect(m.command('mem')).not.toMatch(/shared segment/); // IPC_RMID, and no attachment left
    expect(halt(m)).toBe('leak check: 0 frames, 0 heap blocks, 0 swap slots, 0 mappings leaked');
  });

  it('everything at once under aging: copy-on-write, shared memory, mmap, the page cache and a program bigger than RAM, all correct and nothing left', () => {
    // Five jobs in 4 MiB: copy-on-write faults wait for frames while their pages go to swap (a
    // fault asked again after such a wait once found its page gone and killed the process).
    const m = bootKernel({ memoryBytes: 4 << 20, swapBytes: 16 << 20, cmdline: 'policy=aging' });
    for (const job of ['cowswap 200 2', 'shmswap 400', 'mmaptest all', 'cowtest three', 'page-linear 2048']) m.command(`run ${job} &`);
    const from = m.transcript.length;
    for (let i = 0; i < 100 && m.kernel.procs.size > 0; i++) m.runFor(10_000_000);
    expect(m.kernel.procs.size, 'every job done').toBe(0);
    const out = m.transcript.slice(from);
    expect(out).not.toMatch(/FAIL|exit status/);
    // mmaptest's unmap and mprotect children are killed on purpose; nothing else is.
    expect(out.match(/^ {2}killed$/gm)).toHaveLength(2);
    expect(out.match(/: ok/g)).toHaveLength(22 + 4);
    expect(m.kernel.stats.swapOuts).toBeGreaterThan(500);
    expect(halt(m)).toBe('leak check: 0 frames, 0 heap blocks, 0 swap slots, 0 mappings leaked');
  });

  it('does the same under --fork eager, whose children share the parent\'s swapped-out pages', () => {
    const m = bootKernel({ memoryBytes: 4 << 20, swapBytes: 16 << 20, cmdline: 'fork=eager' });
    expect(m.command('run cowswap 300 3', 6 * STEP_BUDGET)).toBe('cowswap: ok: 300 pages, 3 children, 3 rounds each\n');
    expect(m.kernel.stats.swapCacheHits).toBeGreaterThan(0);
    expect(halt(m)).toBe('leak check: 0 frames, 0 heap blocks, 0 swap slots, 0 mappings leaked');
  });
});
