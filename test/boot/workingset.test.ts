// Working sets, booted: `ws PID [D]` watches a process's W(t, D) each tick of its virtual time,
// exactly (the MMU's record of its references) and as the A bits estimate it; ps and vm show the
// estimate and the fault rate.

import { describe, expect, it } from 'vitest';
import { bootKernel } from '../harness/kernel.ts';

/** The rows of `ws PID`'s table: [t, exact, estimate, error, resident, faults]. */
function rows(out: string): number[][] {
  return out.split('\n').filter((l) => /^ +\d+ +\d+ +\d+ +-?\d+ +\d+ +\d+$/.test(l)).map((l) => l.trim().split(/ +/).map(Number));
}

describe('ws', () => {
  it('shows W(t, D) exact and estimated each tick; with the working set in RAM the estimate is within 1 page of exact', () => {
    const m = bootKernel({ memoryBytes: 4 << 20, swapBytes: 16 << 20 });
    m.command('run touch -s 200 100000 &');
    m.runFor(2_000_000);
    expect(m.command('ws 1')).toBe('ws: watching pid 1 (touch), D = 4 ticks of its virtual time (40 ms); `ws 1` shows it\n');
    m.runFor(100_000_000);
    const out = m.command('ws 1');
    expect(out).toMatch(/^pid 1 \(touch\): W\(t, 4\) over its last \d+ ticks of virtual time\n {6}t {2}exact {2}estimate {2}error {2}resident {2}faults\n/);
    const r = rows(out);
    expect(r.length).toBeGreaterThan(20);
    // Once it is going round its 200 pages: each tick touches all of them (and its text and stack).
    const late = r.slice(-10);
    for (const [, exact, estimate] of late) {
      expect(exact).toBeGreaterThanOrEqual(200);
      expect(Math.abs(estimate! - exact!)).toBeLessThanOrEqual(1);
    }
    expect(out).toMatch(/\nmean \|estimate - exact\|: \d+\.\d\d pages\n$/);
    // ps: the estimate and the fault rate; vm: both in words.
    const ps = m.command('ps').split('\n');
    expect(ps[0]).toBe('  PID  PPID STATE     TICKS FAULTS   RSS    WS  FLT/S  NAME');
    const f = ps[1]!.trim().split(/ +/);
    expect(Number(f[6])).toBeGreaterThanOrEqual(200);
    expect(Number(f[7])).toBeGreaterThan(0);
    expect(m.command('vm 1').trimEnd().split('\n').at(-1)).toMatch(/^ {2}faults \d+ in \d+ ticks \(\d+ a second of its virtual time\); working set W\(t, 4\) ~ \d+ pages \(A bits\), \d+ exact$/);
  });

  it('a smaller window holds fewer pages: W(t, 1) of a process going round more pages than RAM is what one tick touches', () => {
    const m = bootKernel({ memoryBytes: 4 << 20, swapBytes: 16 << 20 });
    m.command('run touch -s 900 100000 &');
    m.runFor(2_000_000);
    m.command('ws 1 1');
    m.runFor(60_000_000);
    const one = rows(m.command('ws 1'));
    m.command('ws 1 8');
    m.runFor(60_000_000);
    const eight = rows(m.command('ws 1'));
    const mean = (r: number[][]): number => r.slice(-8).reduce((a, x) => a + x[1]!, 0) / 8;
    expect(mean(eight)).toBeGreaterThan(mean(one));
  });

  it('one line for what cannot be, and it stops with its process (leaving nothing)', () => {
    const noSwap = bootKernel();
    noSwap.command('run touch -s 50 100000 &');
    expect(noSwap.command('ws 1')).toBe("ws: needs swap (the estimate keeps each page's last reference in the reclaimer's reverse map)\n");
    const m = bootKernel({ memoryBytes: 4 << 20, swapBytes: 16 << 20 });
    expect(m.command('ws')).toBe('usage: ws PID [D]   (D: ticks of its virtual time, 1 to 1000; default 4)\n');
    expect(m.command('ws 7')).toBe('ws: no process 7\n');
    m.command('run touch -s 50 100000 &');
    m.runFor(2_000_000);
    expect(m.command('ws 1 0')).toBe('ws: 0: D is a number of ticks, 1 to 1000\n');
    m.command('ws 1');
    expect(m.machine.cpu.refs.on).toBe(true);
    m.command('kill 1');
    m.runFor(2_000_000);
    expect(m.machine.cpu.refs.on).toBe(false);
    expect(m.kernel.leaks()).toEqual({ frames: 0, byOwner: [], heapBlocks: [], swapSlots: 0, mappings: 0 });
  });
});
