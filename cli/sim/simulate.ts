// The trace simulator of `ts386 compare --sim`: a page string (page-string.ts) replayed through a
// replacement policy with a number of frames, counting the faults, the way textbook tools do it:
// open loop, so the string is the same whatever the policy does, and time is counted in
// references. Pure functions over plain data; no machine.
//
// The policies are the kernel's (kernel/mm/policy.ts), with its conventions, over a simulated
// resident set instead of page tables:
// - every reference sets the page's A bit, and D when it writes; a page just loaded has A set (the
//   reference that faulted it in), D as that reference wrote, and its counter 0;
// - ties go to the page loaded first; second-chance (and wsclock's hand) clear A on the pages they
//   pass and send them to the back of the load order;
// - a tick comes after every `tickEvery` references (the process's virtual time, in ticks): nru,
//   aging, lfu, mfu and wsclock sample and clear A then, as the kernel's policies do at each timer
//   interrupt. On the machine a tick comes every 10 ms of emulated time, kernel work and disk
//   waits included, so it falls at other points of the string: that is one of the differences
//   between the simulated and the real counts;
// - a policy chooses over a snapshot of the pages taken before it acts, as the kernel's policies
//   do over the page-table entries they read (what one of them does to a page during a choice,
//   clearing its A bit, say, is not seen by the rest of that choice);
// - random is xorshift32 seeded as the kernel seeds it, with the process's pid;
// - lru is exact recency: the page referenced longest ago goes;
// - opt is Belady's MIN over the string itself: the page whose next reference is furthest ahead
//   goes, pages never referenced again first. (The kernel's opt also counts the page referenced just
//   before the fault as in use, for an instruction with two pageable operands; a reference here is
//   one page, so there is no such case.)

import { POLICY_NAMES, WSCLOCK_TAU } from '../../kernel/index.ts';
import type { PageString } from './page-string.ts';

export type PolicyName = (typeof POLICY_NAMES)[number];


/**
 * The default references between two ticks. The machine's tick is 10 ms of emulated time (330,000
 * cycles at 33 MHz), and under a resident limit most of that time passes in the faults, waiting
 * for the swap disk (about a quarter of a tick each): `touch -x 16 1 200` (215 references) sees a
 * tick every 5 references with 4 frames and every 16 with 12, against one in its whole run without
 * a limit. 8 is between the two: a tick per few faults, as a program under pressure gets.
 */
export const DEFAULT_TICK_EVERY = 8;

/** A resident page as a policy sees it when it chooses: a snapshot. */
export interface SimPage {
  readonly page: number;
  /** Its load sequence number (a second chance gives it a new one): larger is later. */
  readonly loaded: number;
  /** A and D. */
  readonly referenced: boolean;
  readonly dirty: boolean;
  /** The policy's counter: aging's age, lfu/mfu's count, lru's last reference, wsclock's last use. */
  readonly counter: number;
}

/** What a policy may do to a page besides choosing it (on the live page, not the snapshot). */
export interface SimActions {
  secondChance(p: SimPage): void;
  clearReferenced(p: SimPage): void;
  setCounter(p: SimPage, value: number): void;
}

/** The state a policy's choice may look at: the virtual time and, for opt, each page's next use. */
export interface SimClock {
  /** Ticks so far. */
  readonly now: number;
  /** Index of the reference being served. */
  readonly at: number;
  /** For opt: the index of the next reference to `page` after `at`, or Infinity. */
  nextUse(page: number): number;
}

interface SimPolicy {
  readonly ticks: boolean;
  tick(pages: readonly SimPage[], act: SimActions, now: number): void;
  choose(pages: readonly SimPage[], act: SimActions, clock: SimClock): SimPage;
}

/** The page with the least `key`, ties to the one loaded first. */
function least(pages: readonly SimPage[], key: (p: SimPage) => number): SimPage {
  let best = pages[0]!;
  for (const p of pages) {
    const d = key(p) - key(best);
    if (d < 0 || (d === 0 && p.loaded < best.loaded)) best = p;
  }
  return best;
}

const byLoad = (pages: readonly SimPage[]): SimPage[] => [...pages].sort((a, b) => a.loaded - b.loaded);
const noTick = (): void => {};

function policyOf(name: PolicyName, seed: number): SimPolicy {
  switch (name) {
    case 'fifo': return { ticks: false, tick: noTick, choose: (pages) => least(pages, () => 0) };
    case 'second-chance': return {
      ticks: false, tick: noTick,
      choose(pages, act) {
        const order = byLoad(pages);
        for (const p of order) {
          if (!p.referenced) return p;
          act.secondChance(p);
        }
        return order[0]!;
      },
    };
    case 'nru': return {
      ticks: true,
      tick(pages, act) { for (const p of pages) if (p.referenced) act.clearReferenced(p); },
      choose: (pages) => least(pages, (p) => (p.referenced ? 2 : 0) + (p.dirty ? 1 : 0)),
    };
    case 'aging': {
      const age = (p: SimPage): number => (p.counter >>> 1) | (p.referenced ? 0x80 : 0);
      return {
        ticks: true,
        tick(pages, act) {
          for (const p of pages) {
            act.setCounter(p, age(p));
            if (p.referenced) act.clearReferenced(p);
          }
        },
        // A page referenced since the last tick counts as if the tick had come.
        choose: (pages) => least(pages, age),
      };
    }
    case 'lfu':
    case 'mfu': {
      const sign = name === 'lfu' ? 1 : -1;
      return {
        ticks: true,
        tick(pages, act) {
          for (const p of pages) {
            if (!p.referenced) continue;
            act.setCounter(p, p.counter + 1);
            act.clearReferenced(p);
          }
        },
        choose: (pages) => least(pages, (p) => sign * (p.counter + (p.referenced ? 1 : 0))),
      };
    }
    case 'random': {
      let x = seed >>> 0 || 1;
      return {
        ticks: false, tick: noTick,
        choose(pages) {
          // xorshift32 (Marsaglia), step for step as the kernel's.
          x ^= x << 13; x >>>= 0;
          x ^= x >>> 17;
          x ^= x << 5; x >>>= 0;
          const order = byLoad(pages);
          return order[x % order.length]!;
        },
      };
    }
    case 'lru': return { ticks: false, tick: noTick, choose: (pages) => least(pages, (p) => p.counter) };
    case 'wsclock': return {
      ticks: true,
      tick(pages, act, now) { for (const p of pages) if (p.referenced) { act.setCounter(p, now); act.clearReferenced(p); } },
      choose(pages, act, { now }) {
        const age = (p: SimPage): number => now - p.counter;
        let dirtyOld: SimPage | null = null;
        for (const p of byLoad(pages)) {
          if (p.referenced) { act.setCounter(p, now); act.secondChance(p); continue; }
          if (age(p) <= WSCLOCK_TAU) continue;
          if (!p.dirty) return p;
          dirtyOld ??= p;
        }
        return dirtyOld ?? least(pages, (p) => (p.referenced ? now : p.counter));
      },
    };
    case 'opt': return {
      ticks: false, tick: noTick,
      choose(pages, _act, clock) {
        let best = pages[0]!, bestNext = -1;
        for (const p of pages) {
          const n = clock.nextUse(p.page);
          if (n > bestNext || (n === bestNext && p.loaded < best.loaded)) { best = p; bestNext = n; }
        }
        return best;
      },
    };
  }
}

/** For each reference, the index of the next reference to the same page, or Infinity (opt's future). */
export function nextUses(pages: Uint32Array): Float64Array {
  const next = new Float64Array(pages.length);
  const seen = new Map<number, number>();
  for (let i = pages.length - 1; i >= 0; i--) {
    next[i] = seen.get(pages[i]!) ?? Infinity;
    seen.set(pages[i]!, i);
  }
  return next;
}

export interface SimOptions {
  /** References between two ticks (DEFAULT_TICK_EVERY). */
  tickEvery?: number;
  /** random's seed: the pid of the process the string was recorded from (1 by default). */
  seed?: number;
  /**
   * Pages resident before the first reference, loaded in this order, not yet referenced and
   * dirty: what the kernel's exec maps before the program runs (its argv stack page).
   */
  resident?: readonly number[];
}

/** A resident page as the simulator keeps it (mutable; a policy sees a snapshot). */
interface Frame {
  page: number;
  loaded: number;
  referenced: boolean;
  dirty: boolean;
  counter: number;
  /** opt: the index of this page's next reference. */
  next: number;
}

/** The faults `policy` takes on `string` with `frames` frames. */
export function simulateFaults(string: PageString, frames: number, policy: PolicyName, opts: SimOptions = {}): number {
  if (!Number.isInteger(frames) || frames < 1) throw new RangeError(`frames must be a whole number, 1 or more, not ${frames}`);
  const tickEvery = opts.tickEvery ?? DEFAULT_TICK_EVERY;
  if (!Number.isInteger(tickEvery) || tickEvery < 1) throw new RangeError(`tickEvery must be a whole number, 1 or more, not ${tickEvery}`);
  const p = policyOf(policy, opts.seed ?? 1);
  const { pages, writes } = string;
  const next = policy === 'opt' ? nextUses(pages) : null;
  const resident = new Map<number, Frame>();
  let seq = 0;
  let now = 0;
  let at = 0;
  let faults = 0;
  // The snapshot a policy sees, and the live frame each snapshot page stands for.
  const live = new Map<SimPage, Frame>();
  const snapshot = (): SimPage[] => {
    live.clear();
    const out: SimPage[] = [];
    for (const f of resident.values()) {
      const s: SimPage = { page: f.page, loaded: f.loaded, referenced: f.referenced, dirty: f.dirty, counter: f.counter };
      live.set(s, f);
      out.push(s);
    }
    return out;
  };
  const act: SimActions = {
    clearReferenced: (s) => { live.get(s)!.referenced = false; },
    secondChance: (s) => { const f = live.get(s)!; f.referenced = false; f.loaded = ++seq; },
    setCounter: (s, v) => { live.get(s)!.counter = v >>> 0; },
  };
  const clock: SimClock = {
    get now() { return now; },
    get at() { return at; },
    nextUse: (page) => resident.get(page)?.next ?? Infinity,
  };

  for (const page of (opts.resident ?? []).slice(0, frames)) {
    const first = pages.indexOf(page);
    // lru's counter is the last reference: before the first one.
    resident.set(page, { page, loaded: ++seq, referenced: false, dirty: true, counter: policy === 'lru' ? -1 : 0, next: first < 0 ? Infinity : first });
  }

  for (at = 0; at < pages.length; at++) {
    if (at > 0 && at % tickEvery === 0) {
      if (p.ticks && resident.size > 0) p.tick(snapshot(), act, now);
      now++;
    }
    const page = pages[at]!;
    const write = writes[at] === 1;
    let f = resident.get(page);
    if (f === undefined) {
      faults++;
      if (resident.size >= frames) {
        const victim = p.choose(snapshot(), act, clock);
        resident.delete(victim.page);
      }
      f = { page, loaded: ++seq, referenced: true, dirty: false, counter: 0, next: Infinity };
      resident.set(page, f);
    }
    f.referenced = true;
    if (write) f.dirty = true;
    if (policy === 'lru') f.counter = at;
    if (next !== null) f.next = next[at]!;
  }
  return faults;
}

/** Whether `name` is one of the kernel's policy names. */
export function isPolicyName(name: string): name is PolicyName {
  return (POLICY_NAMES as readonly string[]).includes(name);
}
