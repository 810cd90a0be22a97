// Processes, booted for real: fork/exec/wait, separate address spaces, background jobs and `ps`,
// `kill`, Ctrl-C, preemptive round robin, sleep, and the meminfo system call.

import { describe, expect, it } from 'vitest';
import { bootKernel } from '../harness/kernel.ts';

/** spin.c's hash, to know its checksum without trusting the run. */
function spinChecksum(n: number): string {
  let x = 0x12345678;
  for (let i = 0; i < n; i++) {
    x = (x ^ i) >>> 0;
    x = Math.imul(x, 0x9e3779b1) >>> 0;
    x = (x ^ (x >>> 15)) >>> 0;
  }
  return `0x${x.toString(16).padStart(8, '0')}`;
}

describe('fork, exec, wait', () => {
  it('forkdemo: the child execs echo, the parent waits and gets its status', () => {
    const m = bootKernel();
    expect(m.command('run forkdemo')).toBe('child says hi\nforkdemo: child 2 exited with status 0\n');
    expect(m.kernel.stats.processesStarted).toBe(2);
    expect(m.kernel.procs.size).toBe(0);
    expect(m.kernel.leaks()).toEqual({ frames: 0, byOwner: [], heapBlocks: [], mappings: 0 });
    expect(m.command('run forkdemo')).toBe('child says hi\nforkdemo: child 4 exited with status 0\n');
  });

  it('isolate: parent and child cannot see each other\'s writes (global, stack, heap)', () => {
    const m = bootKernel();
    expect(m.command('run isolate')).toBe(
      'isolate: child 2 wrote global=2 stack=2 heap=2\n' +
      'isolate: parent sees global=1 stack=1 heap=1; child 2 exited with status 0\n' +
      'isolated: ok\n');
    expect(m.kernel.leaks().frames).toBe(0);
  });
});

describe('background jobs', () => {
  it('a background reader of the console never takes the lines typed to the shell', () => {
    const m = bootKernel();
    expect(m.command('run cat &')).toBe('[1] cat\n');
    expect(m.command('run echo typed to the shell')).toBe('typed to the shell\n');
    expect(m.command('ps')).toMatch(/\n {4}1 {5}0 wait:read /);
    expect(m.command('kill 1')).toBe('pid 1 (cat) killed: killed from the shell\n[1] done: cat, killed\n');
    // In the foreground the same program does read the console.
    m.type('run cat\r');
    m.runFor(3_000_000);
    m.type('a line for cat\r\x04');
    m.runUntil(/a line for cat\na line for cat\n\$ $/);
  });

  it('runs a job in the background while another runs; ps shows both; the job ends with a done line', () => {
    const m = bootKernel();
    expect(m.command('run sleeper 200 &')).toBe('[1] sleeper 200\n');
    expect(m.command('run spin &')).toBe('[2] spin\n');
    const ps = m.command('ps').trimEnd().split('\n');
    expect(ps[0]).toBe('  PID  PPID STATE     TICKS FAULTS   RSS    WS  FLT/S  NAME');
    expect(ps.slice(1).map((l) => l.trim().split(/\s+/)).map((w) => [w[0], w[1], w.slice(8).join(' ')])).toEqual([
      ['1', '0', 'sleeper 200'], ['2', '0', 'spin'],
    ]);
    expect(ps[1]).toMatch(/^ {4}1 {5}0 wait:sleep /);
    expect(ps[2]).toMatch(/^ {4}2 {5}0 (running|runnable) /);
    // A foreground program runs meanwhile, sharing the CPU with spin.
    expect(m.command('run hello')).toBe('hello, world (pid 3)\n');
    const from = m.transcript.length;
    m.runUntil(/\[1\] done: sleeper, status 0\n/, undefined, from);
    expect(m.transcript.slice(from)).toMatch(/^sleeper: slept 200 ms: uptime (\d+) -> (\d+) \(2\d\d ms\)\n\[1\] done: sleeper, status 0\n/);
    expect([...m.kernel.procs.keys()]).toEqual([2]);
    m.runUntil(/\n\$ $/, undefined, from);
    expect(m.command('kill 2', 5_000_000)).toBe('pid 2 (spin) killed: killed from the shell\n[2] done: spin, killed\n');
    expect(m.transcript.endsWith('$ kill 2\npid 2 (spin) killed: killed from the shell\n[2] done: spin, killed\n$ ')).toBe(true);
    expect(m.kernel.procs.size).toBe(0);
    expect(m.kernel.leaks()).toEqual({ frames: 0, byOwner: [], heapBlocks: [], mappings: 0 });
  });

  it('shares the CPU round robin between two CPU-bound jobs', () => {
    const m = bootKernel();
    m.command('run spin &');
    m.command('run spin &');
    const p1 = m.kernel.procs.get(1)!, p2 = m.kernel.procs.get(2)!;
    m.runFor(1_000_000);
    const t1 = p1.ticks, t2 = p2.ticks;
    m.runFor(6_000_000); // 18 ticks of 10 ms at 33 MHz
    expect(p1.ticks - t1).toBeGreaterThanOrEqual(8);
    expect(Math.abs((p1.ticks - t1) - (p2.ticks - t2))).toBeLessThanOrEqual(1);
    expect(m.kernel.stats.contextSwitches).toBeGreaterThanOrEqual(16);
    const ps = m.command('ps');
    expect(ps).toMatch(/\n {4}1 {5}0 \w+ +\d+ +\d+ +\d+ +- +[\d-]+ {2}spin\n {4}2 {5}0 \w+ +\d+ +\d+ +\d+ +- +[\d-]+ {2}spin\n/);
    m.command('kill 1', 5_000_000);
    m.command('kill 2', 5_000_000);
    expect(m.kernel.procs.size).toBe(0);
    expect(m.kernel.leaks().frames).toBe(0);
  });

  it('kill at any moment of a load or a file read leaks nothing and panics nothing', () => {
    // Sweeps the moment of the kill over the exec's header read and cat's page-ins and file reads.
    const ends = new Set<string>();
    for (let k = 0; k < 10; k++) {
      const m = bootKernel();
      m.type('run cat README &\r');
      m.runFor(1 + k * 45_000);
      m.type('kill 1\r');
      // Long enough for all of README (2,342 bytes, about 6.7M cycles at 115200 baud) to drain.
      m.runFor(9_000_000);
      expect(m.kernel.panicked).toBe(false);
      expect(m.kernel.procs.size).toBe(0);
      expect(m.kernel.leaks(), `kill after ${k * 45_000} cycles`).toEqual({ frames: 0, byOwner: [], heapBlocks: [], mappings: 0 });
      ends.add(/\[1\] done: cat, (killed|status -?\d+)/.exec(m.transcript)?.[1] ?? 'none');
      expect(m.transcript.endsWith('\n$ ')).toBe(true);
    }
    expect(ends.has('killed')).toBe(true);
  });

  it('kill of a process that does not exist, or is gone, says so', () => {
    const m = bootKernel();
    m.command('run hello');
    expect(m.command('kill 1')).toBe('kill: no process 1\n');
    expect(m.command('kill x')).toBe('kill: no process x\n');
  });
});

describe('Ctrl-C', () => {
  it('kills the foreground spin and gives the prompt back', () => {
    const m = bootKernel();
    const from = m.transcript.length;
    m.type('run spin\r');
    m.runFor(3_000_000);
    expect(m.kernel.procs.get(1)?.name).toBe('spin');
    m.type('\x03');
    m.runUntil(/\n\$ $/, undefined, from);
    expect(m.transcript.slice(from)).toMatch(/^run spin\n\.*\^C\npid 1 \(spin\) killed: interrupted \(Ctrl-C\)\n\$ $/);
    expect(m.kernel.procs.size).toBe(0);
    expect(m.kernel.leaks().frames).toBe(0);
    expect(m.command('run hello')).toBe('hello, world (pid 2)\n');
  });

  it('at the prompt only gives a fresh prompt', () => {
    const m = bootKernel();
    const from = m.transcript.length;
    m.type('run ech\x03');
    m.runUntil(/\n\$ $/, undefined, from);
    expect(m.transcript.slice(from)).toBe('run ech^C\n$ ');
    expect(m.command('run echo ok')).toBe('ok\n');
  });

  it('leaves a background job alone', () => {
    const m = bootKernel();
    m.command('run spin 100000 &');
    const from = m.transcript.length;
    m.type('\x03');
    m.runUntil(/\n\$ $/, undefined, from);
    expect(m.transcript.slice(from)).toBe('^C\n$ ');
    expect(m.kernel.procs.get(1)?.state).not.toBe('zombie');
    m.runUntil(/\[1\] done: spin, status 0\n/, undefined, from);
    expect(m.transcript.slice(from)).toContain(`spin: 100000 iterations, checksum ${spinChecksum(100000)}\n`);
  });
});

describe('time and counters', () => {
  it('spin N computes its checksum under preemption', () => {
    const m = bootKernel();
    expect(m.command('run spin 100000')).toBe(`spin: 100000 iterations, checksum ${spinChecksum(100000)}\n`);
  });

  it('sleeper sleeps at least what it asked, in emulated time', () => {
    const m = bootKernel();
    const t0 = m.kernel.uptimeMs;
    const out = m.command('run sleeper 150');
    const r = /^sleeper: slept 150 ms: uptime (\d+) -> (\d+) \((\d+) ms\)\n$/.exec(out);
    expect(r, out).not.toBeNull();
    expect(Number(r![2]) - Number(r![1])).toBe(Number(r![3]));
    expect(Number(r![3])).toBeGreaterThanOrEqual(140);
    expect(Number(r![3])).toBeLessThanOrEqual(170);
    expect(m.kernel.uptimeMs - t0).toBeGreaterThanOrEqual(150);
  });

  it('meminfo reports the frames and the process\'s own faults', () => {
    const m = bootKernel();
    const total = m.kernel.frames.stats().total;
    const free = m.kernel.frames.stats().free;
    const out = m.command('run meminfo');
    const f = Object.fromEntries(out.trimEnd().split('\n').map((l) => l.split(/\s+/)).map(([k, v]) => [k, Number(v)]));
    expect(Object.keys(f)).toEqual(['frames_total', 'frames_free', 'resident', 'faults', 'faults_total', 'swap_total', 'swap_used', 'page_size', 'cow_faults', 'cow_copies']);
    expect(f.frames_total).toBe(total);
    expect(f.frames_free).toBeLessThan(free);
    expect(f.resident).toBeGreaterThanOrEqual(f.faults!);
    expect(f.faults_total).toBeLessThanOrEqual(m.kernel.stats.faults);
    expect(f.page_size).toBe(4096);
    expect([f.cow_faults, f.cow_copies]).toEqual([0, 0]); // it never forked
    // Every frame is back but for meminfo's pages the page cache keeps.
    expect(m.kernel.frames.stats().free + m.kernel.cache!.size).toBe(free);
  });
});
