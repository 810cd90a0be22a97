// `halt`, booted for real: every process ends, the leak check runs over the frame owners and the
// heap blocks in guest RAM, and the machine powers off through the exit port with status 0.

import { describe, expect, it } from 'vitest';
import { HALT_EXIT_STATUS } from '../../kernel/index.ts';
import { bootKernel } from '../harness/kernel.ts';

describe('halt', () => {
  it('stops the machine with status 0 right after boot, with nothing leaked', () => {
    const m = bootKernel();
    const from = m.transcript.length;
    m.type('halt\r');
    const r = m.runToStop();
    expect(r.reason).toBe('exit');
    expect(r.exitStatus).toBe(HALT_EXIT_STATUS);
    expect(HALT_EXIT_STATUS).toBe(0);
    expect(m.transcript.slice(from)).toBe('halt\nleak check: 0 frames, 0 heap blocks, 0 mappings leaked\n');
  });

  it('after programs that exited, faulted, were interrupted, forked, and still run: no frame and no heap block leaked', () => {
    const m = bootKernel();
    for (const c of ['run hello', 'run touch 32', 'run forkdemo', 'run isolate', 'run badnull', 'run badtext', 'run stack 300', 'run mstress 100 9', 'run cat README']) {
      m.command(c);
    }
    // A foreground program interrupted with Ctrl-C.
    let from = m.transcript.length;
    m.type('run spin\r');
    m.runFor(2_000_000);
    m.type('\x03');
    m.runUntil(/killed: interrupted \(Ctrl-C\)\n\$ $/, undefined, from);
    // A background job killed from the shell.
    expect(m.command('run spin &')).toBe('[13] spin\n');
    m.runFor(1_000_000);
    expect(m.command('kill 13')).toBe('pid 13 (spin) killed: killed from the shell\n[13] done: spin, killed\n');
    // Jobs still alive when halt comes: one asleep, one computing.
    expect(m.command('run sleeper 5000 &')).toBe('[14] sleeper 5000\n');
    expect(m.command('run spin &')).toBe('[15] spin\n');
    m.runFor(2_000_000);
    expect(m.kernel.procs.size).toBe(2);
    expect(m.kernel.stats.kills).toBe(5);
    expect(m.kernel.leaks().frames).toBeGreaterThan(0); // the two jobs' frames, for now

    from = m.transcript.length;
    m.type('halt\r');
    const r = m.runToStop();
    expect(r.reason).toBe('exit');
    expect(r.exitStatus).toBe(0);
    const tail = m.transcript.slice(from);
    expect(tail.startsWith('halt\n')).toBe(true);
    expect(tail.endsWith('leak check: 0 frames, 0 heap blocks, 0 mappings leaked\n')).toBe(true);
    expect(tail).not.toContain('$ ');
    expect(m.kernel.procs.size).toBe(0);
    expect(m.kernel.leaks()).toEqual({ frames: 0, byOwner: [], heapBlocks: [], mappings: 0 });
    const s = m.kernel.frames.stats();
    expect(s.byOwner.user + s.byOwner.kstack + s.byOwner.pagedir + s.byOwner.pagetable).toBe(0);
  });

  it('names what was not freed (the check is real: a frame and a heap block taken behind its back)', () => {
    const m = bootKernel();
    m.command('run hello');
    const frame = m.kernel.frames.alloc('user');
    const block = m.kernel.heap.kmalloc(100);
    expect(frame).not.toBeNull();
    expect(block).not.toBeNull();
    const from = m.transcript.length;
    m.type('halt\r');
    const r = m.runToStop();
    expect(r.exitStatus).toBe(0);
    const size = m.kernel.heap.blocks().find((b) => b.addr + 8 === block)!.size;
    expect(m.transcript.slice(from)).toBe(
      'halt\n' +
      '  frames not freed: 1 user\n' +
      `  heap block not freed: 0x${block!.toString(16).padStart(8, '0')} (${size} bytes)\n` +
      'leak check: 1 frames, 1 heap blocks, 0 mappings leaked\n');
  });

  it('kills jobs quietly at halt: no done lines, no prompt', () => {
    const m = bootKernel();
    m.command('run sleeper 5000 &');
    const from = m.transcript.length;
    m.type('halt\r');
    expect(m.runToStop().exitStatus).toBe(0);
    expect(m.transcript.slice(from)).toBe('halt\nleak check: 0 frames, 0 heap blocks, 0 mappings leaked\n');
  });
});
