// OPT (Belady's MIN): the page whose next use lies furthest in the future goes. No kernel can know
// the future; this one is told it. `run -m N -p opt PROG ARGS` runs the program twice: first
// without a limit, with the MMU's reference recorder on (HostPort.refTraceStart), which gives the
// pages the program referenced in ring 3, in order, repeats of the same page collapsed; then with
// the limit, this policy knowing that string. A deterministic program references the same pages
// in the same order however its pages are replaced (evictions change when its faults come, not
// what it touches), so the first run's string is the second run's future.
//
// Where the run is in the string: a fault on page v is the first reference to v at or after the
// previous fault's position (between two faults no page left: every reference between them was
// to a resident page, so an earlier reference to v would have found it resident). A fault the
// string cannot explain (v not found ahead) means the run left the recorded string (a program
// that depends on time or its pid): the policy says so and goes on as FIFO.
//
// The choice: each resident page's next use at or after the position, found by binary search in
// the positions of that page; the furthest goes, pages never used again first (loaded first on a
// tie). The page referenced just before the position counts as in use: an instruction that
// references two pageable pages faults on the second with the first one's reference just behind.
// Kernel references (a system call reading user memory) are not in ring 3's string and do not move
// the position.

import type { PolicyActions, ReplacementPolicy, ResidentPage } from './policy.ts';

const PAGE_SHIFT = 12;

/** The recorded future: each page's positions in the string, ascending. */
export interface Future {
  readonly length: number;
  readonly pages: number;
  positions(page: number): Int32Array | undefined;
}

/** Indexes a recorded string of page numbers (lin >>> 12) by page. */
export function indexFuture(refs: Uint32Array): Future {
  const counts = new Map<number, number>();
  for (const v of refs) counts.set(v, (counts.get(v) ?? 0) + 1);
  const lists = new Map<number, Int32Array>();
  const fill = new Map<number, number>();
  for (const [v, n] of counts) { lists.set(v, new Int32Array(n)); fill.set(v, 0); }
  refs.forEach((v, i) => {
    const k = fill.get(v)!;
    lists.get(v)![k] = i;
    fill.set(v, k + 1);
  });
  return { length: refs.length, pages: lists.size, positions: (v) => lists.get(v) };
}

/** The first element of `a` that is >= `at`, or Infinity. */
function nextAt(a: Int32Array | undefined, at: number): number {
  if (a === undefined) return Infinity;
  let lo = 0, hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < at) lo = mid + 1; else hi = mid;
  }
  return lo < a.length ? a[lo]! : Infinity;
}

export interface OptPolicy extends ReplacementPolicy {
  /** The position in the string at which the run left it (a fault it could not explain); null while it follows it. */
  readonly leftAt: number | null;
}

export function makeOpt(refs: Uint32Array): OptPolicy {
  const future = indexFuture(refs);
  let at = 0;
  let leftAt: number | null = null;
  let lastWhy = '';
  const nextUse = (p: ResidentPage): number => nextAt(future.positions(p.va >>> PAGE_SHIFT), at);
  const policy: OptPolicy = {
    name: 'opt', ticks: false,
    get leftAt() { return leftAt; },
    tick: () => {},
    fault(va: number, user: boolean): void {
      if (!user || leftAt !== null) return;
      const k = nextAt(future.positions(va >>> PAGE_SHIFT), at);
      if (k === Infinity) { leftAt = at; return; }
      at = k;
    },
    choose(pages: readonly ResidentPage[], _act: PolicyActions): ResidentPage {
      if (leftAt !== null) {
        let first = pages[0]!;
        for (const p of pages) if (p.loaded < first.loaded) first = p;
        lastWhy = `loaded first (the run left its recorded string at reference ${leftAt})`;
        return first;
      }
      const justBefore = at > 0 ? refs[at - 1]! : -1;
      let best = pages[0]!, bestNext = -1;
      for (const p of pages) {
        const n = (p.va >>> PAGE_SHIFT) === justBefore ? at - 1 : nextUse(p);
        if (n > bestNext || (n === bestNext && p.loaded < best.loaded)) { best = p; bestNext = n; }
      }
      lastWhy = bestNext === Infinity ? `never used again (reference ${at} of ${future.length})` : `used again furthest ahead, at reference ${bestNext} (now at ${at} of ${future.length})`;
      return best;
    },
    why: () => lastWhy,
  };
  return policy;
}
