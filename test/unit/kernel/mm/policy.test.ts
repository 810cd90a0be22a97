// The replacement policies' choices on resident pages made up here: each convention the policy
// file states, checked where a boot would need a long program to show it.

import { describe, expect, it } from 'vitest';
import { PTE_A, PTE_D, PTE_P, PTE_U } from '../../../../kernel/mm/pagetable.ts';
import { makePolicy, WSCLOCK_TAU, type PolicyActions, type ResidentPage } from '../../../../kernel/mm/policy.ts';

interface Page extends ResidentPage { pte: number; counter: number; loaded: number }

const page = (va: number, loaded: number, bits: number, counter: number, now: number): Page =>
  ({ frame: 0x100000 + va, va, loaded, pte: PTE_P | PTE_U | bits, counter, now });

/** Actions that change the made-up pages as the reclaimer would change the real ones. */
function actions(seq = { n: 100 }): PolicyActions {
  return {
    clearReferenced: (p) => { (p as Page).pte &= ~PTE_A; },
    secondChance: (p) => { (p as Page).pte &= ~PTE_A; (p as Page).loaded = ++seq.n; },
    setCounter: (p, v) => { (p as Page).counter = v; },
  };
}

describe('wsclock', () => {
  const now = 20;
  it('takes the first page outside the working set (older than τ) that is clean', () => {
    const pages = [
      page(0x1000, 1, PTE_D, now - WSCLOCK_TAU - 5, now), // old but dirty
      page(0x2000, 2, 0, now - 1, now), // in the working set
      page(0x3000, 3, 0, now - WSCLOCK_TAU - 1, now), // old and clean
    ];
    expect(makePolicy('wsclock').choose(pages, actions()).va).toBe(0x3000);
  });

  it('takes an old dirty page when no old page is clean, and spares a referenced one (its last use becomes now)', () => {
    const pages = [
      page(0x1000, 1, PTE_A, 0, now),
      page(0x2000, 2, PTE_D, now - WSCLOCK_TAU - 1, now),
    ];
    expect(makePolicy('wsclock').choose(pages, actions()).va).toBe(0x2000);
    expect(pages[0]!.counter).toBe(now);
    expect(pages[0]!.pte & PTE_A).toBe(0);
  });

  it('takes the page used longest ago when every page is in the working set', () => {
    const pages = [page(0x1000, 1, 0, now - 1, now), page(0x2000, 2, 0, now - 3, now), page(0x3000, 3, 0, now, now)];
    expect(makePolicy('wsclock').choose(pages, actions()).va).toBe(0x2000);
  });

  it('sets a referenced page\'s last use at each tick and clears A', () => {
    const pages = [page(0x1000, 1, PTE_A, 2, now), page(0x2000, 2, 0, 3, now)];
    makePolicy('wsclock').tick(pages, actions());
    expect(pages.map((p) => p.counter)).toEqual([now, 3]);
    expect(pages[0]!.pte & PTE_A).toBe(0);
  });
});

describe('lru', () => {
  it('takes the smallest stamp among the pages outside the window, never a page in it while another can go', () => {
    const hidden = (va: number, loaded: number, stamp: number): Page => ({ ...page(va, loaded, 0, stamp, 0), pte: PTE_P });
    const pages = [page(0x1000, 1, PTE_A, 0, 0), hidden(0x2000, 2, 9), hidden(0x3000, 3, 4), hidden(0x4000, 4, 7)];
    expect(makePolicy('lru').choose(pages, actions()).va).toBe(0x3000);
    expect(makePolicy('lru').choose([page(0x1000, 5, 0, 0, 0), page(0x2000, 2, 0, 0, 0)], actions()).va).toBe(0x2000);
  });
});
