// Load control, the medium-term scheduler: when the processes together need more frames than there
// are, none of them gets enough and all of them wait for the disk (thrashing); suspending one,
// its pages rolled out whole to swap (swapping in its original sense), lets the others fit. It
// comes back, its pages by demand, when memory allows. Two ways to tell (--load-control):
//
// - ws (Denning): the sum of the working sets. Each tick the kernel samples the running process's A bits
//   (the reclaimer keeps each page's last tick seen referenced, in its process's virtual time);
//   a working set is the pages seen in the last TAU ticks of its own time, those taken back since
//   included (mm/workingset.ts's estimate). While the sum exceeds
//   the frames user pages may have, one process is suspended; the first suspended comes back
//   when the others' sum plus the working set it had leaves room for it.
// - pff: the system's page-fault frequency, as faults per tick of ring-3 time (VT_CYCLES cycles of
//   user execution, over the last WINDOW timer ticks): a system that thrashes takes many faults
//   for little work. Above HIGH_FAULTS one process is suspended; below LOW_FAULTS one comes back.
//   (Faults per tick of wall time would not do: thrashing is bound by the disk, whose rate it
//   cannot pass, while the work done per fault collapses.)
//
// The victim is the process started last: it has had the least of the machine, and suspending it
// loses the least work (the textbooks' "lowest priority", with arrival order as the priority). At most one process is
// suspended or resumed every SETTLE ticks, so the system settles between decisions, and one
// suspended stays out at least MIN_OUT ticks. A process is
// never suspended alone: one process that does not fit thrashes alone, and suspending it helps
// nothing.
//
// Sampling clears the A bits each tick (a policy that samples them itself sees them first): under
// load control second-chance's A means "referenced since the last tick".

import type { Reclaimer } from '../mm/reclaim.ts';
import { estimate, virtualTime, VT_CYCLES } from '../mm/workingset.ts';
import type { KernelStats } from '../stats.ts';
import { channel, type WaitChannel } from '../wait.ts';
import type { Process } from './process.ts';
import type { Scheduler } from './sched.ts';

export const LOAD_CONTROL_MODES = ['off', 'ws', 'pff'] as const;
export type LoadControlMode = (typeof LOAD_CONTROL_MODES)[number];

/** The working-set window: 4 ticks (40 ms) of a process's virtual time. */
export const TAU = 4;
/** Ticks between two looks at the rule. */
export const SETTLE = 10;
/** The fewest ticks a process stays suspended (half a second). */
export const MIN_OUT = 50;
/**
 * pff: the fault rates (faults a tick of ring-3 time, over WINDOW timer ticks) that suspend and
 * resume. wsloop going round 100 pages that fit takes about 3 a tick; thrashing, 30 and more.
 */
export const HIGH_FAULTS = 12, LOW_FAULTS = 5, WINDOW = 10;

export interface LoadControlContext {
  reclaim: Reclaimer;
  sched: Scheduler;
  stats: KernelStats;
  /** The processes with an address space, alive. */
  paged(): Process[];
  /** The frames user pages may have: those they hold plus the free ones, less the kernel's reserve. */
  usable(): number;
}

interface Suspended { p: Process; ws: number; since: number }

export class LoadControl {
  readonly mode: Exclude<LoadControlMode, 'off'>;
  private readonly x: LoadControlContext;
  /** Where a suspended process sleeps: it is woken alone, by wakeProcess. */
  readonly chan: WaitChannel = channel('suspended');
  private readonly suspended: Suspended[] = [];
  private sinceDecision = 0;
  /** Timer ticks since boot, for how long a process has been out. */
  private ticks = 0;
  /** At each of the last WINDOW + 1 timer ticks: the faults so far, and the ring-3 cycles so far. */
  private readonly faultsAt: Array<[number, number]> = [];
  /** How many times a process was rolled out, and its pages written doing so. */
  rollOuts = 0;
  rollIns = 0;

  constructor(mode: Exclude<LoadControlMode, 'off'>, x: LoadControlContext) {
    this.mode = mode;
    this.x = x;
  }

  /** The processes suspended now, first suspended first, with the working set each had. */
  get out(): readonly { p: Process; ws: number }[] { return this.suspended; }

  isSuspended(p: Process): boolean {
    return this.suspended.some((s) => s.p === p);
  }

  /** A process's working set now, as the kernel estimates it (mm/workingset.ts), over its last TAU ticks. */
  workingSet(p: Process): number {
    return estimate(this.x.reclaim, p.pd, p.wsEvicted, virtualTime(p), TAU);
  }

  /**
   * A timer tick (the kernel has sampled the running process's references for it): suspend or
   * resume one process when the rule says so.
   */
  tick(): void {
    const x = this.x;
    this.ticks++;
    this.faultsAt.push([x.stats.faults, x.stats.userCycles]);
    if (this.faultsAt.length > WINDOW + 1) this.faultsAt.shift();
    // A suspended process that has ended is forgotten.
    for (let i = this.suspended.length - 1; i >= 0; i--) if (this.suspended[i]!.p.state === 'zombie') this.suspended.splice(i, 1);
    // The rule is looked at every SETTLE ticks (it walks every process's pages), not every tick.
    if (++this.sinceDecision < SETTLE) return;
    this.sinceDecision = 0;
    const active = x.paged().filter((p) => !this.isSuspended(p));
    if (this.tooMuch(active)) this.suspendOne(active);
    else if (this.room(active)) this.resumeOne();
  }

  /** Faults per tick of ring-3 time over the last WINDOW timer ticks (no ring-3 time at all: as many as there were). */
  private faultRate(): number {
    const f = this.faultsAt;
    if (f.length < 2) return 0;
    const [faults0, user0] = f[0]!, [faults1, user1] = f[f.length - 1]!;
    return (faults1 - faults0) / Math.max(1, (user1 - user0) / VT_CYCLES);
  }

  private tooMuch(active: Process[]): boolean {
    if (active.length < 2) return false;
    if (this.mode === 'pff') return this.faultRate() > HIGH_FAULTS;
    return active.reduce((sum, p) => sum + this.workingSet(p), 0) > this.x.usable();
  }

  private room(active: Process[]): boolean {
    const first = this.suspended[0];
    if (first === undefined) return false;
    if (active.length === 0) return true;
    // Out for at least MIN_OUT ticks: a process brought back at once would only be rolled out again.
    if (this.ticks - first.since < MIN_OUT) return false;
    if (this.mode === 'pff') return this.faultRate() < LOW_FAULTS;
    return active.reduce((sum, p) => sum + this.workingSet(p), 0) + first.ws <= this.x.usable();
  }

  /**
   * Suspends the process started last and rolls its pages out. It may be asleep already (most of a
   * thrashing system waits for the disk): it sleeps on the load-control channel instead, and its
   * kernel entry (the fault or call it slept in) runs when it is resumed and finds what it waited
   * for done, or waits again, as any woken process does (wait.ts).
   */
  private suspendOne(active: Process[]): void {
    const x = this.x;
    let victim: Process | null = null;
    for (const p of active) if (victim === null || p.pid > victim.pid) victim = p;
    if (victim === null) return;
    this.suspended.push({ p: victim, ws: this.workingSet(victim), since: this.ticks });
    x.sched.sleep(victim, this.chan);
    x.reclaim.rollOut(victim.pd);
    this.rollOuts++;
  }

  /** The first process suspended comes back; its pages follow by demand. */
  private resumeOne(): void {
    const s = this.suspended.shift()!;
    this.x.sched.wakeProcess(s.p);
    this.rollIns++;
  }
}
