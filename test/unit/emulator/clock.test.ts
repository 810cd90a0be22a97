import { describe, expect, it } from 'vitest';
import { Clock, DEFAULT_CYCLES_PER_SECOND } from '../../../emulator/clock.ts';

const PIT_HZ = 1_193_182;

/** A clock and a log of which task ran at what `now`. */
function setup(cyclesPerSecond?: number) {
  const clock = new Clock(cyclesPerSecond);
  const ran: Array<[string, number]> = [];
  const task = (name: string) => clock.newTask(() => ran.push([name, clock.now]));
  return { clock, ran, task };
}

describe('Clock: the event queue', () => {
  it('runs due tasks in time order, whatever order they were scheduled in', () => {
    const { clock, ran, task } = setup();
    clock.schedule(task('c'), 300);
    clock.schedule(task('a'), 100);
    clock.schedule(task('b'), 200);
    clock.advanceTo(1000);
    expect(clock.runDue()).toBe(3);
    expect(ran.map(([n]) => n)).toEqual(['a', 'b', 'c']);
  });

  it('runs tasks due at the same cycle in the order they were scheduled', () => {
    const { clock, ran, task } = setup();
    const names = ['e', 'b', 'd', 'a', 'c', 'f', 'h', 'g'];
    for (const n of names) clock.schedule(task(n), 50);
    clock.advanceTo(50);
    clock.runDue();
    expect(ran.map(([n]) => n)).toEqual(names);
  });

  it('runs a task whose time equals now, and leaves one a cycle later for the next call', () => {
    const { clock, ran, task } = setup();
    clock.schedule(task('now'), 10);
    clock.schedule(task('later'), 11);
    clock.advanceTo(10);
    expect(clock.runDue()).toBe(1);
    expect(ran).toEqual([['now', 10]]);
    expect(clock.nextEventTime()).toBe(11);
  });

  it('reports the earliest scheduled time, and Infinity when nothing is scheduled', () => {
    const { clock, task } = setup();
    expect(clock.nextEventTime()).toBe(Infinity);
    const a = task('a');
    clock.schedule(a, 500);
    clock.schedule(task('b'), 70);
    expect(clock.nextEventTime()).toBe(70);
    clock.advanceTo(70);
    clock.runDue();
    expect(clock.nextEventTime()).toBe(500);
    clock.cancel(a);
    expect(clock.nextEventTime()).toBe(Infinity);
  });

  it('moves a task that is scheduled again instead of queueing it twice', () => {
    const { clock, ran, task } = setup();
    const t = task('t');
    clock.schedule(t, 100);
    clock.schedule(t, 40);
    expect(clock.nextEventTime()).toBe(40);
    clock.schedule(t, 900);
    expect(clock.nextEventTime()).toBe(900);
    clock.advanceTo(1000);
    expect(clock.runDue()).toBe(1);
    expect(ran).toEqual([['t', 900]]);
    expect(t.scheduled).toBe(false);
  });

  it('cancels a scheduled task, and ignores cancelling one that is not scheduled', () => {
    const { clock, ran, task } = setup();
    const a = task('a');
    const b = task('b');
    clock.schedule(a, 10);
    clock.schedule(b, 20);
    clock.cancel(a);
    clock.cancel(a);
    clock.advanceTo(100);
    clock.runDue();
    expect(ran.map(([n]) => n)).toEqual(['b']);
  });

  it('gives each callback its own due time as now, and restores the advanced time afterwards', () => {
    const { clock, ran, task } = setup();
    clock.schedule(task('a'), 120);
    clock.schedule(task('b'), 130);
    clock.advanceTo(150); // the CPU overshot both events
    clock.runDue();
    expect(ran).toEqual([['a', 120], ['b', 130]]);
    expect(clock.now).toBe(150);
  });

  it('keeps a self-rescheduling task on an exact period however far the board overshoots', () => {
    const clock = new Clock();
    const times: number[] = [];
    const tick = clock.newTask(() => {
      times.push(clock.now);
      clock.schedule(tick, 100);
    });
    clock.schedule(tick, 100);
    for (let t = 0; t <= 1000; t += 333) {
      clock.advanceTo(t);
      clock.runDue();
    }
    expect(times).toEqual([100, 200, 300, 400, 500, 600, 700, 800, 900]);
  });

  it('runs, in the same call, a task that a callback schedules for a time already reached', () => {
    const { clock, ran, task } = setup();
    const follow = task('follow');
    const first = clock.newTask(() => {
      ran.push(['first', clock.now]);
      clock.schedule(follow, 5);
    });
    clock.schedule(first, 10);
    clock.schedule(task('last'), 40);
    clock.advanceTo(50);
    expect(clock.runDue()).toBe(3);
    expect(ran).toEqual([['first', 10], ['follow', 15], ['last', 40]]);
  });

  it('treats a time already past as now, so time never goes backwards for a task', () => {
    const { clock, ran, task } = setup();
    clock.advanceTo(100);
    clock.scheduleAt(task('past'), 60);
    expect(clock.nextEventTime()).toBe(100);
    clock.runDue();
    expect(ran).toEqual([['past', 100]]);
    const late = task('late');
    const early = clock.newTask(() => {
      ran.push(['early', clock.now]);
      clock.scheduleAt(late, 10); // before the event that is running
    });
    clock.schedule(early, 20);
    clock.advanceTo(200);
    ran.length = 0;
    clock.runDue();
    expect(ran).toEqual([['early', 120], ['late', 120]]);
  });

  it('does not go backwards', () => {
    const clock = new Clock();
    clock.advanceTo(10);
    expect(() => clock.advanceTo(9)).toThrow();
    expect(clock.now).toBe(10);
  });

  it('tells the board when a schedule makes the next event earlier, and only then', () => {
    const clock = new Clock();
    const reports: number[] = [];
    clock.onEarlierEvent = (t) => reports.push(t);
    const a = clock.newTask(() => {});
    const b = clock.newTask(() => {});
    clock.schedule(a, 1000);
    clock.schedule(b, 2000); // later than the next event: nothing to report
    clock.schedule(b, 400);
    clock.schedule(a, 1500);
    expect(reports).toEqual([1000, 400]);
  });

  it('refuses a task made by another clock', () => {
    const a = new Clock();
    const b = new Clock();
    expect(() => b.schedule(a.newTask(() => {}), 1)).toThrow();
  });

  it('keeps its order under any mix of schedule, move and cancel (against a sorted reference)', () => {
    const clock = new Clock();
    const ran: number[] = [];
    const tasks = Array.from({ length: 40 }, (_, i) => clock.newTask(() => ran.push(i)));
    const ref = new Map<number, { time: number; seq: number }>();
    let seed = 12345;
    const rand = (n: number) => {
      // xorshift32: every bit of the state is usable, unlike a power-of-two LCG's low bits.
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    let seq = 0;
    for (let step = 0; step < 2000; step++) {
      const i = rand(40);
      if (rand(4) === 0) {
        clock.cancel(tasks[i]!);
        ref.delete(i);
      } else {
        const time = clock.now + rand(50);
        clock.scheduleAt(tasks[i]!, time);
        ref.set(i, { time, seq: seq++ });
      }
      if (rand(10) === 0) {
        clock.advanceTo(clock.now + rand(30));
        const due = [...ref.entries()].filter(([, v]) => v.time <= clock.now).sort((x, y) => x[1].time - y[1].time || x[1].seq - y[1].seq);
        ran.length = 0;
        clock.runDue();
        expect(ran).toEqual(due.map(([k]) => k));
        for (const [k] of due) ref.delete(k);
      }
      const min = Math.min(...[...ref.values()].map((v) => v.time));
      expect(clock.nextEventTime()).toBe(min);
    }
  });
});

describe('Clock: rates in cycles', () => {
  it('runs at 33 MHz unless told otherwise, and accepts only whole cycles per second', () => {
    expect(new Clock().cyclesPerSecond).toBe(DEFAULT_CYCLES_PER_SECOND);
    expect(DEFAULT_CYCLES_PER_SECOND).toBe(33_000_000);
    expect(new Clock(25_000_000).cyclesPerSecond).toBe(25_000_000);
    expect(() => new Clock(1.5e6 + 0.5)).toThrow();
    expect(() => new Clock(0)).toThrow();
  });

  it('counts PIT ticks as floor(cycles * 1193182 / 33000000), exactly, even after years of emulated time', () => {
    const clock = new Clock();
    const exact = (t: bigint) => Number((t * 1_193_182n) / 33_000_000n);
    // The last three are where floor(t * hz / cps) in floating point is off by one.
    for (const t of [0, 1, 27, 28, 33_000_000, 33_000_001, 123_456_789_012, 2 ** 52, 3_413_628_172_700_225, 3_445_123_672_766_793, 3_974_589_977_013_980]) {
      expect(clock.ticksAt(t, PIT_HZ)).toBe(exact(BigInt(t)));
    }
  });

  it('places PIT tick k at cycle ceil(k * 33000000 / 1193182), exactly, with no drift', () => {
    const clock = new Clock();
    const exact = (k: bigint) => Number((k * 33_000_000n + 1_193_181n) / 1_193_182n);
    // The last three are where ceil(k * cps / hz) in floating point is off by one.
    for (const k of [0, 1, 2, 11_932, 1_193_182, 1_193_183, 119_318_200_000, 2 ** 48 + 7, 185_564_369_623_375, 56_187_197_922_482, 193_470_186_952_113]) {
      expect(clock.tickTime(k, PIT_HZ)).toBe(exact(BigInt(k)));
    }
  });

  it('puts each tick at the first cycle that counts it', () => {
    const clock = new Clock();
    for (const k of [1, 5, 11_932, 1_000_003, 987_654_321_012]) {
      const t = clock.tickTime(k, PIT_HZ);
      expect(clock.ticksAt(t, PIT_HZ)).toBe(k);
      expect(clock.ticksAt(t - 1, PIT_HZ)).toBe(k - 1);
    }
  });

  it('refuses a rate it cannot derive exactly', () => {
    const clock = new Clock();
    expect(() => clock.ticksAt(0, 66_000_000)).toThrow(); // faster than the cycle clock
    expect(() => clock.tickTime(0, 0)).toThrow();
  });
});
