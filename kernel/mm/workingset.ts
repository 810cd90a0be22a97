// Working sets (Denning): W(t, Δ), the distinct pages a process referenced in the last Δ ticks of
// its virtual time (its own ring-3 time, virtualTime below), measured two ways for a process being
// watched (`ws PID`):
//
// - exactly, from the MMU's reference record (HostPort.refTrace*): at each timer tick while the
//   process runs the kernel takes the pages it referenced in ring 3 since the last one, and W is
//   the union of the sets taken in the last Δ ticks of its virtual time;
// - as a kernel without that record estimates it: at each tick it samples the A bits of the
//   resident pages (and clears them), keeping each page's last tick seen referenced in the
//   reclaimer's reverse map (a page mapped for a fault counts as seen in the tick it came in);
//   the estimate is the resident pages seen in the last Δ ticks, and the
//   pages taken back whose last tick seen was in them (the reclaimer tells the process as it
//   takes each one: Process.wsEvicted).
//
// The estimate misses what sampling cannot see: a page referenced, then taken back, in the same
// tick (its A bit went with its PTE before a sample read it), and references between two samples
// count at the later one. The difference is printed beside both, so the error is there to see.

import type { Hw, PhysAddr } from '../hw.ts';
import type { Reclaimer } from './reclaim.ts';

/** One tick of a watched process. */
export interface WorkingSetSample {
  /** Its virtual time: the CPU ticks it has had. */
  readonly vt: number;
  readonly exact: number;
  readonly estimate: number;
  /** Its pages present in RAM. */
  readonly resident: number;
  /** Its page faults so far. */
  readonly faults: number;
}

export interface WorkingSetWatch {
  readonly pd: PhysAddr;
  /** Δ, in ticks of the process's virtual time. */
  readonly delta: number;
  /** The pages it referenced in each of its last Δ ticks (page numbers), oldest first. */
  readonly window: Set<number>[];
  /** Each page of the window: in how many of its ticks' sets it is (the union is the keys). */
  readonly counts: Map<number, number>;
  /** The last SAMPLES_KEPT ticks. */
  readonly samples: WorkingSetSample[];
}

export const SAMPLES_KEPT = 64;

/**
 * A process's virtual time, in ticks of its own ring-3 execution: VT_CYCLES emulated cycles each
 * (10 ms at the default 33 MHz). Not its timer ticks: the kernel's work in a process's time slice
 * (a page zeroed, another process's disk transfer) would count as its own, and a thrashing process,
 * whose slices are mostly kernel work, would seem to reference few pages per tick. Counted from 1,
 * so that 0 can mean "never".
 */
export const VT_CYCLES = 330_000;
export const virtualTime = (p: { readonly userCycles: number }): number => Math.floor(p.userCycles / VT_CYCLES) + 1;
/** Δ when `ws` is not given one: 4 ticks (40 ms) of virtual time, wsclock's τ too. */
export const DEFAULT_DELTA = 4;

export interface WorkingSetContext {
  hw: Hw;
  reclaim: Reclaimer;
}

/** Starts watching the address space `pd`: the MMU records its references from now. */
export function watch(hw: Hw, pd: PhysAddr, delta: number): WorkingSetWatch {
  hw.refTraceStart();
  hw.refTraceTake(pd); // from now on: what came before is not this window's
  return { pd, delta, window: [], counts: new Map(), samples: [] };
}

/** Stops watching: the MMU's recording for it ends. */
export function unwatch(hw: Hw): void {
  hw.refTraceStop();
}

/**
 * W(t, Δ) as the kernel estimates it at tick `vt` of the process with address space `pd`: its
 * resident pages seen referenced in the last Δ ticks, and its pages taken back whose last tick
 * seen was in them (`evicted`; older entries are dropped from it here).
 */
export function estimate(reclaim: Reclaimer, pd: PhysAddr, evicted: Map<number, number>, vt: number, delta: number): number {
  let gone = 0;
  for (const [va, seen] of evicted) {
    if (seen > vt - delta) gone++;
    else evicted.delete(va);
  }
  return reclaim.seenWithin(pd, vt, delta) + gone;
}

/**
 * One more tick of the watched process, in which it referenced `pages` (page numbers, in any
 * order, repeats allowed): the window keeps the last Δ ticks' sets. Returns W(t, Δ) exactly: the
 * distinct pages of the window.
 */
export function recordTick(w: WorkingSetWatch, pages: ArrayLike<number>): number {
  // The union is kept as counts, updated by the tick coming in and the one going out, rather than
  // rebuilt from Δ sets each tick: a tick's string can hold tens of thousands of references.
  const tick = new Set<number>();
  for (let k = 0; k < pages.length; k++) tick.add(pages[k]!);
  for (const v of tick) w.counts.set(v, (w.counts.get(v) ?? 0) + 1);
  w.window.push(tick);
  if (w.window.length > w.delta) {
    for (const v of w.window.shift()!) {
      const n = w.counts.get(v)! - 1;
      if (n === 0) w.counts.delete(v);
      else w.counts.set(v, n);
    }
  }
  return w.counts.size;
}

/**
 * The process's tick `vt` (the one being counted now): the exact set of its pages referenced
 * since the last one, then its A bits sampled (kept set when `keepA`: its replacement policy
 * samples them after this and clears them itself).
 */
export function sampleTick(x: WorkingSetContext, w: WorkingSetWatch, evicted: Map<number, number>, vt: number, resident: number, faults: number, keepA: boolean): WorkingSetSample {
  const exact = recordTick(w, x.hw.refTraceTake(w.pd));
  x.reclaim.sampleReferences(w.pd, vt, keepA);
  const sample = { vt, exact, estimate: estimate(x.reclaim, w.pd, evicted, vt, w.delta), resident, faults };
  w.samples.push(sample);
  if (w.samples.length > SAMPLES_KEPT) w.samples.shift();
  return sample;
}
