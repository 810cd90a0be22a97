// W(t, Δ) from the pages referenced in each tick, against values worked out by hand.

import { describe, expect, it } from 'vitest';
import { phys } from '../../../../kernel/hw.ts';
import { recordTick, type WorkingSetWatch } from '../../../../kernel/mm/workingset.ts';

const watchOf = (delta: number): WorkingSetWatch => ({ pd: phys(0x1000), delta, window: [], counts: new Map(), samples: [] });

describe('W(t, Δ) exactly', () => {
  it('is the distinct pages of the last Δ ticks', () => {
    // Ticks reference {1,2}, {2,3}, {4}, {1}, {1}, {5,6,7}: with Δ = 2 the windows are
    // {1,2} {1,2,3} {2,3,4} {4,1} {1} {1,5,6,7}.
    const w = watchOf(2);
    const ticks = [[1, 2], [2, 3, 2], [4], [1], [1, 1], [5, 6, 7]];
    expect(ticks.map((t) => recordTick(w, t))).toEqual([2, 3, 3, 2, 1, 4]);
  });

  it('with Δ = 1 is each tick alone, and with Δ past the run the pages of the whole run', () => {
    const ticks = [[1, 2], [2, 3], [4], [1]];
    const one = watchOf(1);
    expect(ticks.map((t) => recordTick(one, t))).toEqual([2, 2, 1, 1]);
    const all = watchOf(100);
    expect(ticks.map((t) => recordTick(all, t))).toEqual([2, 3, 4, 4]);
  });

  it('counts a tick with no references as an empty set in the window', () => {
    const w = watchOf(2);
    expect([[1], [], [], [2]].map((t) => recordTick(w, t))).toEqual([1, 1, 0, 1]);
  });
});
