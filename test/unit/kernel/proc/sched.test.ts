// sleep/wakeup and the scheduler's order (kernel/proc/sched.ts): a sleeper runs again only after a
// wakeup of its own channel; kernel work (a kentry) runs before any user context is picked; the
// timer wakes the sleeps that have ended.
import { beforeEach, describe, expect, it } from 'vitest';
import { Process } from '../../../../kernel/proc/process.ts';
import { Scheduler } from '../../../../kernel/proc/sched.ts';
import type { ProcTable } from '../../../../kernel/proc/table.ts';
import { newStats } from '../../../../kernel/stats.ts';
import { channel } from '../../../../kernel/wait.ts';

/** The process table as the scheduler uses it: it only writes records (guest RAM, not looked at here). */
const fakeTable = (): ProcTable => ({ writeRecord: () => {} }) as unknown as ProcTable;

let sched: Scheduler;
let stats: ReturnType<typeof newStats>;
const proc = (pid: number): Process => new Process(pid, `p${pid}`, [`p${pid}`], null);

beforeEach(() => {
  stats = newStats();
  sched = new Scheduler(fakeTable(), stats);
});

describe('sleep and wakeup', () => {
  it('takes a sleeper off the queues until its own channel is woken', () => {
    const a = proc(1), b = proc(2);
    const disk = channel('disk'), tty = channel('read');
    sched.makeRunnable(a);
    sched.makeRunnable(b);
    sched.sleep(a, disk);
    expect(a.state).toBe('blocked');
    expect(a.chan).toBe(disk);
    expect(sched.pick()).toBe(b);
    sched.wakeup(tty); // not a's channel
    expect(a.state).toBe('blocked');
    sched.wakeup(disk);
    expect(a.state).toBe('runnable');
    expect(a.chan).toBe(null);
    sched.needResched = true;
    expect(sched.pick()).toBe(a);
  });

  it('wakes every sleeper of a channel, in the order they went to sleep', () => {
    const ps = [proc(1), proc(2), proc(3)];
    const chan = channel('read');
    for (const p of [ps[2]!, ps[0]!, ps[1]!]) sched.sleep(p, chan);
    sched.wakeup(chan);
    const order = [sched.pick(), (sched.needResched = true, sched.pick()), (sched.needResched = true, sched.pick())];
    expect(order.map((p) => p?.pid)).toEqual([3, 1, 2]);
  });

  it('makes a wakeup with nobody asleep harmless, and a second wakeup a no-op', () => {
    const a = proc(1);
    const chan = channel('disk');
    sched.wakeup(chan);
    sched.sleep(a, chan);
    sched.wakeup(chan);
    sched.wakeup(chan);
    expect(sched.pick()).toBe(a);
    expect(sched.pick()).toBe(a);
  });

  it('wakes a process from whatever it sleeps on with wakeProcess, and leaves a running one alone', () => {
    const a = proc(1);
    sched.sleep(a, channel('read'));
    sched.wakeProcess(a);
    expect(a.state).toBe('runnable');
    expect(sched.pick()).toBe(a);
    sched.wakeProcess(a);
    expect(a.state).toBe('running');
  });

  it('wakes the timer sleepers whose time has come, and only those', () => {
    const clock = channel('sleep');
    const early = proc(1), late = proc(2);
    early.progress = 100;
    late.progress = 300;
    sched.sleep(early, clock);
    sched.sleep(late, clock);
    sched.wakeExpired(clock, 100);
    expect(early.state).toBe('runnable');
    expect(late.state).toBe('blocked');
    sched.wakeExpired(clock, 299);
    expect(late.state).toBe('blocked');
    sched.wakeExpired(clock, 300);
    expect(late.state).toBe('runnable');
  });

  it('forgets a process that ends, wherever it was', () => {
    const a = proc(1), b = proc(2);
    const chan = channel('disk');
    sched.sleep(a, chan);
    sched.remove(a);
    sched.wakeup(chan);
    expect(a.state).toBe('blocked'); // not woken: it is gone
    sched.makeRunnable(b);
    expect(sched.pick()).toBe(b);
    sched.remove(b);
    expect(sched.current).toBe(null);
    expect(sched.pick()).toBe(null);
  });
});

describe('picking the next context', () => {
  it('runs kernel work before any user context, and a loaded program joins the user queue after', () => {
    const user = proc(1), loader = proc(2);
    const log: string[] = [];
    sched.makeRunnable(user);
    loader.kentry = (p) => { log.push(`kentry ${p.pid}`); p.kentry = null; };
    sched.makeRunnable(loader);
    expect(sched.pick()).toBe(user);
    expect(log).toEqual(['kentry 2']);
    sched.needResched = true;
    expect(sched.pick()).toBe(loader); // now a user context, in turn
  });

  it('runs a woken process\'s kernel entry again, and it may sleep again', () => {
    const p = proc(1);
    const chan = channel('disk');
    let runs = 0;
    p.kentry = (q) => { runs++; if (runs < 3) sched.sleep(q, chan); else q.kentry = null; };
    sched.makeRunnable(p);
    expect(sched.pick()).toBe(null);
    expect(p.state).toBe('blocked');
    sched.wakeup(chan);
    expect(sched.pick()).toBe(null);
    sched.wakeup(chan);
    expect(sched.pick()).toBe(p);
    expect(runs).toBe(3);
  });

  it('keeps the current process until its quantum is spent, then goes round', () => {
    const a = proc(1), b = proc(2);
    sched.makeRunnable(a);
    sched.makeRunnable(b);
    expect(sched.pick()).toBe(a);
    expect(sched.pick()).toBe(a);
    sched.tick();
    expect(a.ticks).toBe(1);
    expect(sched.pick()).toBe(b);
    expect(stats.contextSwitches).toBe(2);
  });

  it('refuses a kernel task that returns without sleeping', () => {
    const t = proc(0);
    t.kentry = () => {};
    sched.makeRunnable(t);
    expect(() => sched.pick()).toThrow(/returned without sleeping/);
  });

  it('freezes everything after a panic: a later wakeup runs nothing', () => {
    const a = proc(1);
    const chan = channel('read');
    sched.sleep(a, chan);
    sched.freeze();
    sched.wakeup(chan);
    expect(sched.pick()).toBe(null);
  });
});
