// Frame allocation among processes for local replacement (kernel/mm/allotment.ts): the textbooks'
// equal and proportional rules, never below the six frames one i386 instruction can need.
import { describe, expect, it } from 'vitest';
import { allot, FrameShares, MIN_FRAMES } from '../../../../kernel/mm/allotment.ts';
import { phys, type PhysAddr } from '../../../../kernel/hw.ts';

describe('allot', () => {
  it('gives each of n processes m/n frames under equal allocation, whatever their sizes', () => {
    expect(allot('equal', 600, 10, [10, 500, 90])).toBe(200);
    expect(allot('equal', 601, 500, [10, 500, 90])).toBe(200); // rounded down: the shares never add up to more than m
  });

  it('gives process i m·s_i/S frames under proportional allocation (the textbook example: 62 frames, sizes 10 and 127)', () => {
    expect(allot('proportional', 62, 10, [10, 127])).toBe(MIN_FRAMES); // 4.5: raised to the minimum
    expect(allot('proportional', 62, 127, [10, 127])).toBe(57);
    expect(allot('proportional', 1000, 300, [100, 300, 600])).toBe(300);
  });

  it('never gives fewer than MIN_FRAMES (6), and copes with no processes or no size yet', () => {
    expect(MIN_FRAMES).toBe(6);
    expect(allot('equal', 20, 1, [1, 1, 1, 1, 1])).toBe(6);
    expect(allot('equal', 100, 0, [])).toBe(100);
    expect(allot('proportional', 100, 0, [0, 0])).toBe(50);
  });
});

describe('FrameShares', () => {
  it('measures m and the sizes at a tick, and measures a process started since then when asked', () => {
    const sizes = new Map<PhysAddr, number>([[phys(0x1000), 100], [phys(0x2000), 300]]);
    let usable = 400;
    let walks = 0;
    const shares = new FrameShares('proportional', {
      spaces: () => [...sizes.keys()],
      usable: () => usable,
      sizeOf: (pd) => { walks++; return sizes.get(pd)!; },
    });
    expect(shares.of(phys(0x2000))).toBe(300);
    expect(walks).toBe(2);
    expect(shares.of(phys(0x1000))).toBe(100);
    expect(walks).toBe(2); // not again until the next tick
    sizes.set(phys(0x3000), 400);
    expect(shares.of(phys(0x3000))).toBe(200); // 400 · 400 / 800, measured now
    usable = 800;
    shares.measure();
    expect(shares.of(phys(0x3000))).toBe(400);
  });

  it('shares equally by the number of live processes', () => {
    const spaces = [phys(0x1000), phys(0x2000)];
    const shares = new FrameShares('equal', { spaces: () => spaces, usable: () => 300, sizeOf: () => { throw new Error('equal allocation needs no sizes'); } });
    expect(shares.of(phys(0x1000))).toBe(150);
    spaces.push(phys(0x3000));
    expect(shares.of(phys(0x1000))).toBe(100);
  });
});
