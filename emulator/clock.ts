// The machine's only source of time: the emulated cycle count and a queue of device events.
//
// Time is counted in CPU clock cycles (`now`). Nothing here reads the host's clock, so the same
// guest and inputs give the same events at the same cycles on every run.
//
// The clock does not advance by itself. The board (machine.ts) drives it:
//
//   while (budget left) {
//     const until = Math.min(clock.nextEventTime(), end);
//     run(cpu, until);              // the CPU may overshoot `until` by its last instruction
//     clock.advanceTo(cpu.cycles);
//     clock.runDue();               // every task whose time <= now, in time order
//   }
//
// Two more duties fall to the board:
// - Devices compute their state from `clock.now` when a port is accessed (the PIT's count, for
//   one), so `now` must equal cpu.cycles whenever a device is reached in the middle of a run: the
//   board sets it in its port-access path before the device handler runs.
// - A port write can schedule an event earlier than the `until` the CPU is running to (a timer
//   count written). `onEarlierEvent` reports that, and the board then ends the CPU's run early
//   (cpu.stopRequested), so the event is not late by the rest of the budget.
//
// While a task's callback runs, `now` is the task's own due time, not the later time the board
// advanced to: a device sees the instant its event happened, and a task that reschedules itself
// relative to `now` keeps an exact period however far the CPU overshot (the PIT's one-clock OUT
// pulses depend on this). After runDue() returns, `now` is back at the time the board set.
//
// Tasks are created once by their owner (`newTask`) and rescheduled as often as needed, as in
// jsbeeb's Scheduler; the queue is a binary min-heap of those Task objects ordered by (time,
// scheduling order), so scheduling allocates nothing once the heap has grown to the number of tasks.

export const DEFAULT_CYCLES_PER_SECOND = 33_000_000;

export type TaskCallback = () => void;

/** A reusable event: created by `Clock.newTask`, then scheduled, moved and cancelled any number of times. */
export class Task {
  readonly callback: TaskCallback;
  readonly clock: Clock;
  /** When the task is due, in cycles (meaningful while it is scheduled). */
  time = 0;
  /** Order of the last schedule() call: ties in `time` run in the order they were scheduled. */
  seq = 0;
  /** Position in the clock's heap; -1 while not scheduled. */
  index = -1;

  constructor(clock: Clock, callback: TaskCallback) {
    this.clock = clock;
    this.callback = callback;
  }

  get scheduled(): boolean {
    return this.index >= 0;
  }
}

export class Clock {
  /** The current time in cycles (a non-negative integer). */
  now = 0;
  /** Cycles per emulated second: converts real-world rates (the PIT's 1.193182 MHz) into cycles. */
  readonly cyclesPerSecond: number;
  /** Called with the new earliest time when schedule() moves the next event earlier (see the top). */
  onEarlierEvent: ((time: number) => void) | null = null;

  private readonly heap: Task[] = [];
  private size = 0;
  private seq = 0;

  constructor(cyclesPerSecond = DEFAULT_CYCLES_PER_SECOND) {
    if (!Number.isSafeInteger(cyclesPerSecond) || cyclesPerSecond <= 0) {
      throw new Error(`cyclesPerSecond must be a positive integer, not ${cyclesPerSecond}`);
    }
    this.cyclesPerSecond = cyclesPerSecond;
  }

  /** A task that runs `callback` each time it comes due; its owner keeps it and reschedules it. */
  newTask(callback: TaskCallback): Task {
    return new Task(this, callback);
  }

  /** Schedules (or moves) `task` to run `delayCycles` after now. */
  schedule(task: Task, delayCycles: number): void {
    this.scheduleAt(task, this.now + delayCycles);
  }

  /**
   * Schedules (or moves) `task` to run at cycle `time`. A time already past means now: it runs at
   * the next runDue(), and time as the task sees it never goes backwards.
   */
  scheduleAt(task: Task, time: number): void {
    if (task.clock !== this) throw new Error('task belongs to another clock');
    if (time < this.now) time = this.now;
    const before = this.size > 0 ? this.heap[0]!.time : Infinity;
    task.time = time;
    task.seq = this.seq++;
    if (task.index < 0) {
      task.index = this.size;
      this.heap[this.size++] = task;
      this.siftUp(task.index);
    } else {
      // Moving a task: it may have to go either way from where it sits.
      this.siftUp(task.index);
      this.siftDown(task.index);
    }
    if (time < before && this.onEarlierEvent !== null) this.onEarlierEvent(time);
  }

  /** Removes `task` from the queue; a task that is not scheduled is left alone. */
  cancel(task: Task): void {
    const i = task.index;
    if (i < 0) return;
    if (task.clock !== this) throw new Error('task belongs to another clock');
    task.index = -1;
    const last = this.heap[--this.size]!;
    this.heap[this.size] = undefined as unknown as Task; // drop the reference; the slot is reused
    if (last === task) return;
    this.heap[i] = last;
    last.index = i;
    this.siftUp(i);
    this.siftDown(last.index);
  }

  /** The time of the earliest scheduled task, or Infinity when none is. */
  nextEventTime(): number {
    return this.size > 0 ? this.heap[0]!.time : Infinity;
  }

  /** Moves time forward to `time` (the board calls it with cpu.cycles); time never runs backwards. */
  advanceTo(time: number): void {
    if (time < this.now) throw new Error(`the clock cannot go back from ${this.now} to ${time}`);
    this.now = time;
  }

  /**
   * Runs every task due at or before `now`, earliest first (ties in scheduling order), including
   * tasks that those callbacks schedule for times <= now. Returns how many ran.
   */
  runDue(): number {
    const target = this.now;
    let ran = 0;
    while (this.size > 0 && this.heap[0]!.time <= target) {
      const task = this.heap[0]!;
      this.cancel(task);
      // Never earlier than a task that already ran: scheduleAt() does not accept times before now.
      this.now = task.time;
      task.callback();
      ran++;
    }
    this.now = target;
    return ran;
  }

  /**
   * How many ticks of a `hz` clock have happened by cycle `time`: floor(time * hz / cyclesPerSecond),
   * computed exactly. The tick clock starts with the cycle clock (tick 0 at cycle 0), so tick k
   * happens at cycle tickTime(k, hz) and a counter driven by it never drifts, however long it runs.
   */
  ticksAt(time: number, hz: number): number {
    const cps = this.cyclesPerSecond;
    checkRate(cps, hz);
    // Split time = q * cps + r so the products stay below 2^53 (r * hz < cps * hz).
    const q = Math.floor(time / cps);
    const r = time - q * cps;
    return q * hz + floorDiv(r * hz, cps);
  }

  /** The first cycle at which tick `tick` of a `hz` clock has happened: ceil(tick * cyclesPerSecond / hz), exactly. */
  tickTime(tick: number, hz: number): number {
    const cps = this.cyclesPerSecond;
    checkRate(cps, hz);
    const q = Math.floor(tick / hz);
    const r = tick - q * hz;
    return q * cps - floorDiv(-r * cps, hz);
  }

  private siftUp(i: number): void {
    const heap = this.heap;
    const task = heap[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = heap[p]!;
      if (!before(task, parent)) break;
      heap[i] = parent;
      parent.index = i;
      i = p;
    }
    heap[i] = task;
    task.index = i;
  }

  private siftDown(i: number): void {
    const heap = this.heap;
    const n = this.size;
    const task = heap[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && before(heap[r]!, heap[l]!) ? r : l;
      const child = heap[c]!;
      if (!before(child, task)) break;
      heap[i] = child;
      child.index = i;
      i = c;
    }
    heap[i] = task;
    task.index = i;
  }
}

function before(a: Task, b: Task): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}

/** floor(a / b) for integers |a| < 2^53, b > 0, corrected for the rounding of the float division. */
function floorDiv(a: number, b: number): number {
  let f = Math.floor(a / b);
  if (f * b > a) f--;
  else if ((f + 1) * b <= a) f++;
  return f;
}

function checkRate(cps: number, hz: number): void {
  if (!(hz > 0 && hz <= cps && Number.isSafeInteger(hz * cps))) {
    throw new Error(`a ${hz} Hz clock cannot be derived exactly from ${cps} cycles per second`);
  }
}
