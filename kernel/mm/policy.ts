// Page replacement policies for a process with a resident limit (the shell's run -m FRAMES -p
// POLICY): when it faults with its limit reached, its policy picks which of its own pages goes
// (local replacement). Each is a small function over the process's resident pages, as the pager
// sees them: when each was loaded, its A and D bits (which the MMU sets), and one counter word the
// policy keeps per page (in the reclaimer's reverse map, guest RAM). The timer's tick lets a
// policy sample and clear the A bits.
//
// Conventions (the textbooks differ on them, so they are stated):
// - a page just loaded has A set: the access that faulted it in is its first reference;
// - ties (same class, count or age) go to the page loaded first;
// - second-chance clears A on the pages it passes over and moves them to the back (the clock's
//   hand over a circle in load order);
// - nru ranks by (A, D): not referenced and clean first; A is cleared each tick;
// - aging shifts each page's 8-bit counter right each tick, with A in the top bit, then clears A
//   (Tanenbaum's NFU with ageing); the lowest counter goes;
// - lfu / mfu count the ticks a page was referenced in (A seen set, then cleared); the least / most
//   counted goes;
// - random picks with a seeded generator (the same run, the same choices);
// - lru goes by the stamp each page got when it last left the window of pages ring 3 may touch
//   (lru.ts): the smallest stamp is the least recently used. A page in the window (U/S = 1, being
//   used by the instruction now) goes only when no other can, loaded first first. References count
//   at the granularity of an instruction: the pages one instruction uses are stamped in the order
//   it faulted on them;
// - wsclock (Carr and Hennessy) keeps each page's last use in its process's virtual time (ticks of
//   its ring-3 time): each tick, and as the hand passes, a referenced page has A cleared, its last use set to
//   now and goes to the back of the circle; the first page not referenced for more than τ ticks
//   (WSCLOCK_TAU) and clean goes; failing that the first such dirty page (the paper would schedule
//   its write and go on; here the write is the eviction's); failing that (every page is in the
//   working set) the one used longest ago, loaded first on a tie.

import { PTE_A, PTE_D, PTE_U } from './pagetable.ts';

/** A resident page of the process, as a policy sees it. */
export interface ResidentPage {
  readonly frame: number;
  readonly va: number;
  /** When it was loaded (or given its second chance): a sequence number, larger is later. */
  readonly loaded: number;
  /** The PTE now: its A and D bits. */
  readonly pte: number;
  /** The policy's counter for it (aging's age, lfu/mfu's count, lru's stamp, wsclock's last use). */
  readonly counter: number;
  /** Its process's virtual time now (workingset.ts's virtualTime: ticks of its ring-3 time). */
  readonly now: number;
}

/** What a policy may do to a page besides choosing it. */
export interface PolicyActions {
  /** Clears A (and the TLB's copy of the translation) and sends the page to the back of the load order. */
  secondChance(page: ResidentPage): void;
  /** Clears A (and the TLB's copy), leaving the page where it is. */
  clearReferenced(page: ResidentPage): void;
  setCounter(page: ResidentPage, value: number): void;
}

export interface ReplacementPolicy {
  readonly name: PolicyName;
  /** Whether it samples A at each timer tick. */
  readonly ticks: boolean;
  /** A timer tick: the process's resident pages, to sample. */
  tick(pages: readonly ResidentPage[], act: PolicyActions): void;
  /** The victim among `pages` (never empty). */
  choose(pages: readonly ResidentPage[], act: PolicyActions): ResidentPage;
  /** Why it chose `page` (for `trace pf`), in a few words. */
  why(page: ResidentPage): string;
  /** A fault of its process on the page at `va` (from ring 3, or the kernel's on its behalf): opt follows the run by them. */
  fault?(va: number, user: boolean): void;
}

export const POLICY_NAMES = ['fifo', 'second-chance', 'nru', 'aging', 'lfu', 'mfu', 'random', 'lru', 'wsclock', 'opt'] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];
/**
 * The policies that can replace pages globally (--policy): all but opt, which knows the future of
 * one program's run (opt.ts) and is only given with `run -m N -p opt`.
 */
export const GLOBAL_POLICY_NAMES = POLICY_NAMES.filter((n): n is Exclude<PolicyName, 'opt'> => n !== 'opt');
export type GlobalPolicyName = Exclude<PolicyName, 'opt'>;
/** wsclock's τ: a page not referenced for more ticks of its process's virtual time is outside its working set. */
export const WSCLOCK_TAU = 4;

const referenced = (p: ResidentPage): boolean => (p.pte & PTE_A) !== 0;
const dirty = (p: ResidentPage): boolean => (p.pte & PTE_D) !== 0;

/** The page with the least `key`, ties to the one loaded first. */
function least(pages: readonly ResidentPage[], key: (p: ResidentPage) => number): ResidentPage {
  let best = pages[0]!;
  for (const p of pages) {
    const d = key(p) - key(best);
    if (d < 0 || (d === 0 && p.loaded < best.loaded)) best = p;
  }
  return best;
}

const oldest = (pages: readonly ResidentPage[]): ResidentPage => least(pages, () => 0);

const noTick = (): void => {};

function fifo(): ReplacementPolicy {
  return { name: 'fifo', ticks: false, tick: noTick, choose: oldest, why: () => 'loaded first' };
}

function secondChance(): ReplacementPolicy {
  return {
    name: 'second-chance', ticks: false, tick: noTick,
    choose(pages, act) {
      // In load order: a referenced page loses its A bit and goes to the back; the first one found
      // not referenced goes. If all were referenced, the first is not referenced any more now.
      const order = [...pages].sort((a, b) => a.loaded - b.loaded);
      for (const p of order) {
        if (!referenced(p)) return p;
        act.secondChance(p);
      }
      return order[0]!;
    },
    why: () => 'the first in load order not referenced since its last chance',
  };
}

function nru(): ReplacementPolicy {
  return {
    name: 'nru', ticks: true,
    tick(pages, act) { for (const p of pages) if (referenced(p)) act.clearReferenced(p); },
    choose: (pages) => least(pages, (p) => (referenced(p) ? 2 : 0) + (dirty(p) ? 1 : 0)),
    why: (p) => `the lowest class, ${(referenced(p) ? 2 : 0) + (dirty(p) ? 1 : 0)} (${referenced(p) ? '' : 'not '}referenced, ${dirty(p) ? 'dirty' : 'clean'})`,
  };
}

function aging(): ReplacementPolicy {
  return {
    name: 'aging', ticks: true,
    tick(pages, act) {
      for (const p of pages) {
        act.setCounter(p, (p.counter >>> 1) | (referenced(p) ? 0x80 : 0));
        if (referenced(p)) act.clearReferenced(p);
      }
    },
    // A page referenced since the last tick counts as if the tick had come.
    choose: (pages) => least(pages, (p) => (p.counter >>> 1) | (referenced(p) ? 0x80 : 0)),
    why: (p) => `the lowest age, 0x${((p.counter >>> 1) | (referenced(p) ? 0x80 : 0)).toString(16).padStart(2, '0')}`,
  };
}

function counting(name: 'lfu' | 'mfu'): ReplacementPolicy {
  const sign = name === 'lfu' ? 1 : -1;
  return {
    name, ticks: true,
    tick(pages, act) {
      for (const p of pages) {
        if (!referenced(p)) continue;
        act.setCounter(p, p.counter + 1);
        act.clearReferenced(p);
      }
    },
    choose: (pages) => least(pages, (p) => sign * (p.counter + (referenced(p) ? 1 : 0))),
    why: (p) => `the ${name === 'lfu' ? 'fewest' : 'most'} references, ${p.counter + (referenced(p) ? 1 : 0)} ticks`,
  };
}

function random(seed: number): ReplacementPolicy {
  let x = seed >>> 0 || 1;
  return {
    name: 'random', ticks: false, tick: noTick,
    choose(pages) {
      // xorshift32 (Marsaglia): deterministic for a seed, so a run repeats exactly.
      x ^= x << 13; x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5; x >>>= 0;
      const order = [...pages].sort((a, b) => a.loaded - b.loaded);
      return order[x % order.length]!;
    },
    why: () => 'drawn at random',
  };
}

function lru(): ReplacementPolicy {
  // Outside the window first (its stamp), then the window's pages (after every stamp, in load order).
  const inWindow = (p: ResidentPage): boolean => (p.pte & PTE_U) !== 0;
  return {
    name: 'lru', ticks: false, tick: noTick,
    choose: (pages) => least(pages, (p) => (inWindow(p) ? 2 ** 32 + p.loaded : p.counter)),
    why: (p) => (inWindow(p) ? 'every other page is in use by this instruction' : `the least recently used (last used at LRU clock ${p.counter})`),
  };
}

function wsclock(): ReplacementPolicy {
  const age = (p: ResidentPage): number => p.now - p.counter;
  return {
    name: 'wsclock', ticks: true,
    tick(pages, act) {
      for (const p of pages) if (referenced(p)) { act.setCounter(p, p.now); act.clearReferenced(p); }
    },
    choose(pages, act) {
      const order = [...pages].sort((a, b) => a.loaded - b.loaded);
      let dirtyOld: ResidentPage | null = null;
      for (const p of order) {
        if (referenced(p)) { act.setCounter(p, p.now); act.secondChance(p); continue; }
        if (age(p) <= WSCLOCK_TAU) continue;
        if (!dirty(p)) return p;
        dirtyOld ??= p;
      }
      return dirtyOld ?? least(pages, (p) => (referenced(p) ? p.now : p.counter));
    },
    why: (p) => (age(p) > WSCLOCK_TAU ? `not used for ${age(p)} ticks of its virtual time (tau = ${WSCLOCK_TAU}), ${dirty(p) ? 'dirty' : 'clean'}` : `every page is in the working set; used longest ago (${age(p)} ticks)`),
  };
}

/** A fresh policy of that name (random takes the seed; 1 by default). */
export function makePolicy(name: GlobalPolicyName, seed = 1): ReplacementPolicy {
  switch (name) {
    case 'fifo': return fifo();
    case 'second-chance': return secondChance();
    case 'nru': return nru();
    case 'aging': return aging();
    case 'lfu': return counting('lfu');
    case 'mfu': return counting('mfu');
    case 'random': return random(seed);
    case 'lru': return lru();
    case 'wsclock': return wsclock();
  }
}
