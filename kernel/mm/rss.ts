// Resident-set policies (--rss): how many frames a process holds is decided by its own behaviour
// rather than a fixed limit or share, the two textbook ways:
//
// - pff, page-fault frequency (Chu and Opderbeck, 1972): at each fault, if the time since the
//   process's last fault (in its own CPU time) is under PFF_INTERVAL it is faulting too often, and
//   its resident set just grows (the page comes in, nothing of its own goes); otherwise every
//   resident page it has not referenced since that last fault (A = 0) is released. Either way A is
//   cleared on the pages that stay, for the next interval.
// - ws, working set (Denning, 1968): at each tick of its virtual time, the pages not seen
//   referenced in its last TAU ticks (the A bits sampled each tick, workingset.ts) are released:
//   the resident set is W(t, τ).
//
// Released pages go as any victim does (written to swap when dirty, dropped when clean); the
// process does not wait for the writes. Locked pages stay. A page released by pff keeps its A bit
// semantics only if nothing else clears A between faults: with --rss pff the tick's sampling
// (ws, load control) reads A and leaves it.

export const RSS_POLICIES = ['fixed', 'pff', 'ws'] as const;
export type RssPolicy = (typeof RSS_POLICIES)[number];

/** pff's threshold: 1 ms of the process's own CPU time at 33 MHz. */
export const PFF_INTERVAL = 33_000;
/** ws's τ: 4 ticks (40 ms) of the process's virtual time. */
export const WS_TAU = 4;

/** What the policies do to a process's pages (the reclaimer's). */
export interface ResidentSetPages {
  /** Clears A on every page of `pd`, first releasing (when `release`) those with A clear; returns how many went. */
  releaseUnreferenced(pd: number, release: boolean): number;
  /** Releases every page of `pd` not seen referenced after tick `since` of its virtual time; returns how many went. */
  releaseNotSeenSince(pd: number, since: number): number;
}

/**
 * pff at a fault of the process whose CPU time is `now` (cycles): after a long interval, the pages
 * not referenced since the last fault go; either way A is cleared on those that stay, so that at
 * the next fault A means "referenced since this one". Returns the pages released.
 */
export function pffFault(pages: ResidentSetPages, p: { pd: number; lastFaultAt: number | null }, now: number): number {
  const last = p.lastFaultAt;
  p.lastFaultAt = now;
  return pages.releaseUnreferenced(p.pd, last !== null && now - last >= PFF_INTERVAL);
}

/** ws at tick `vt` of the process (its A bits just sampled); returns the pages released. */
export function wsTick(pages: ResidentSetPages, pd: number, vt: number): number {
  return pages.releaseNotSeenSince(pd, vt - WS_TAU);
}
