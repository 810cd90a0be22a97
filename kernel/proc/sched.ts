// The scheduler: who runs next, and sleep/wakeup (xv6's proc.c). Round robin with a one-tick
// quantum over the processes that return to user mode; kernel work (the shell task, a program
// being loaded) runs first, at the end of the trap that made it runnable, as a bottom half would.
//
// sleep(p, chan) takes a process off the CPU until some wakeup(chan): a device's interrupt handler,
// the tty, exit or the timer call wakeup and nothing else. A woken process is only made runnable:
// when it runs it re-does what made it wait (its system call, its faulting instruction, its
// kentry), so nothing waits inside the kernel and nothing is called back.

import { panic } from '../panic.ts';
import type { KernelStats } from '../stats.ts';
import type { WaitChannel } from '../wait.ts';
import type { Process } from './process.ts';
import type { ProcTable } from './table.ts';

const QUANTUM_TICKS = 1;

export class Scheduler {
  private readonly table: ProcTable;
  private readonly stats: KernelStats;
  /** The process whose user context the machine is in (or returns to); null in the idle loop. */
  current: Process | null = null;
  /** Set by the timer (quantum spent) or yield(): the next trap picks afresh. */
  needResched = false;
  private sliceTicks = 0;
  private runq: Process[] = [];
  private kernelq: Process[] = [];
  private readonly sleeping = new Set<Process>();

  constructor(table: ProcTable, stats: KernelStats) {
    this.table = table;
    this.stats = stats;
  }

  /** Puts `p` on the queue it runs from: kernel work first, user contexts in turn. */
  makeRunnable(p: Process): void {
    p.state = 'runnable';
    p.chan = null;
    this.sleeping.delete(p);
    const q = p.kentry !== null ? this.kernelq : this.runq;
    if (!q.includes(p)) q.push(p);
    this.table.writeRecord(p);
  }

  /** `p` waits for `chan`: off the CPU and off the queues until wakeup(chan). */
  sleep(p: Process, chan: WaitChannel): void {
    p.state = 'blocked';
    p.chan = chan;
    this.dequeue(p);
    this.sleeping.add(p);
    this.table.writeRecord(p);
  }

  /** Every process asleep on `chan` becomes runnable, in the order they went to sleep. */
  readonly wakeup = (chan: WaitChannel): void => {
    for (const p of this.sleeping) if (p.chan === chan) this.makeRunnable(p);
  };

  /** Wakes `p` from whatever it sleeps on (its call re-runs and re-checks): the news of a child's end for the shell. */
  wakeProcess(p: Process): void {
    if (p.state === 'blocked') this.makeRunnable(p);
  }

  /** The timer: wakes the processes asleep on `clock` whose sleep has ended (progress holds when). */
  wakeExpired(clock: WaitChannel, now: number): void {
    for (const p of this.sleeping) if (p.chan === clock && (p.progress ?? 0) <= now) this.makeRunnable(p);
  }

  /** Takes a process that is ending off every queue and off the CPU. */
  remove(p: Process): void {
    this.dequeue(p);
    this.sleeping.delete(p);
    p.chan = null;
  }

  /** A timer tick: the running process has used a tick of its quantum. */
  tick(): void {
    if (this.current === null) return;
    this.current.ticks++;
    if (++this.sliceTicks >= QUANTUM_TICKS) this.needResched = true;
  }

  /**
   * Runs the kernel work that is runnable, then picks the user context to return to: the current
   * process unless its quantum is spent (or it stopped running), else the next in turn; null for
   * the idle loop.
   */
  pick(): Process | null {
    for (let t = this.kernelq.shift(); t !== undefined; t = this.kernelq.shift()) {
      const entry = t.kentry;
      if (entry === null) { this.makeRunnable(t); continue; }
      t.state = 'running';
      entry(t);
      if (t.state !== 'running') continue; // it slept or exited
      if (t.kentry !== null) panic(`kernel task ${t.pid} (${t.name}) returned without sleeping`);
      this.makeRunnable(t); // a loaded program: from now on it runs in user mode
    }
    const cur = this.current;
    if (cur !== null && cur.state === 'running' && !this.needResched) return cur;
    this.needResched = false;
    if (cur !== null && cur.state === 'running') { cur.state = 'runnable'; this.runq.push(cur); }
    const next = this.runq.shift() ?? null;
    if (next !== null) {
      if (next !== cur) this.stats.contextSwitches++;
      this.sliceTicks = 0;
      next.state = 'running';
    }
    this.current = next;
    return next;
  }

  /** Forgets every queued and sleeping process: after a panic nothing runs again, whatever wakes. */
  freeze(): void {
    this.runq = [];
    this.kernelq = [];
    this.sleeping.clear();
    this.current = null;
  }

  private dequeue(p: Process): void {
    const i = this.runq.indexOf(p);
    if (i >= 0) this.runq.splice(i, 1);
    const j = this.kernelq.indexOf(p);
    if (j >= 0) this.kernelq.splice(j, 1);
    if (this.current === p) this.current = null;
  }
}
