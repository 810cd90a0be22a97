// The reverse map over a FakeHostPort: counts, the first mapping and the chain of the others, the
// pool's entries going back, and the panics when a PTE and the map disagree.

import { beforeEach, describe, expect, it } from 'vitest';
import { Hw, phys, virt, type PhysAddr } from '../../../../kernel/hw.ts';
import { createFrameAllocator, type FrameAllocator } from '../../../../kernel/mm/frames.ts';
import { ReverseMap } from '../../../../kernel/mm/rmap.ts';
import { FakeHostPort } from '../fake-hostport.ts';

const RAM = 4 * 1024 * 1024;
let hw: Hw;
let frames: FrameAllocator;
let rmap: ReverseMap;
const F = phys(0x200000), G = phys(0x201000);
const A = phys(0x300000), B = phys(0x301000), C = phys(0x302000);
const va = (n: number) => virt(0x08048000 + n * 4096);

beforeEach(() => {
  hw = new Hw(new FakeHostPort(RAM));
  frames = createFrameAllocator('buddy', hw, { metaBase: phys(0x100000), usable: [{ base: 0, length: RAM }], reserved: [{ base: 0, length: 0x100000 }] }).allocator;
  rmap = ReverseMap.create(hw, frames, RAM / 4096)!;
});

describe('ReverseMap', () => {
  it('takes 16 bytes a frame and a 12-byte pool entry a frame, in frames of its own', () => {
    expect(frames.stats().byOwner.rmap).toBe(4 + 3);
    expect(rmap.capacity).toBe(1024);
  });

  it('counts the mappings of a frame and lists them, the first one first', () => {
    expect(rmap.count(F)).toBe(0);
    expect(rmap.primary(F)).toBeNull();
    expect(rmap.add(F, A, va(0))).toBe(true);
    expect(rmap.add(F, B, va(0))).toBe(true);
    expect(rmap.add(F, C, va(5))).toBe(true);
    expect(rmap.count(F)).toBe(3);
    expect(rmap.primary(F)).toEqual({ pd: A, va: va(0) });
    expect(rmap.isPrimary(F, A, va(0))).toBe(true);
    expect(rmap.isPrimary(F, B, va(0))).toBe(false);
    expect(rmap.mappings(F)).toEqual([{ pd: A, va: va(0) }, { pd: C, va: va(5) }, { pd: B, va: va(0) }]);
    expect(rmap.mapped).toBe(1);
    expect(rmap.shared).toBe(2);
  });

  it('hands the first mapping\'s role to the next when it goes, and frees pool entries', () => {
    rmap.add(F, A, va(0));
    rmap.add(F, B, va(0));
    rmap.add(F, C, va(1));
    expect(rmap.remove(F, A, va(0))).toBe(2);
    expect(rmap.primary(F)).toEqual({ pd: C, va: va(1) });
    expect(rmap.shared).toBe(1);
    expect(rmap.remove(F, B, va(0))).toBe(1);
    expect(rmap.mappings(F)).toEqual([{ pd: C, va: va(1) }]);
    expect(rmap.remove(F, C, va(1))).toBe(0);
    expect(rmap.mapped).toBe(0);
    expect(rmap.shared).toBe(0);
  });

  it('removes a mapping from the middle of the chain', () => {
    for (const pd of [A, B, C]) rmap.add(G, pd, va(2));
    expect(rmap.remove(G, C, va(2))).toBe(2); // C was the second on the chain (entries go in at its head)
    expect(rmap.mappings(G)).toEqual([{ pd: A, va: va(2) }, { pd: B, va: va(2) }]);
  });

  it('says no to one more sharer when the pool is empty, and changes nothing', () => {
    const small = ReverseMap.create(hw, frames, 2)!; // two frames: two pool entries
    const f0 = phys(0), f1 = phys(0x1000);
    small.add(f0, A, va(0));
    expect(small.add(f0, B, va(0))).toBe(true);
    expect(small.add(f0, C, va(0))).toBe(true);
    expect(small.canShare).toBe(false);
    expect(small.add(f0, C, va(1))).toBe(false);
    expect(small.count(f0)).toBe(3);
    expect(small.add(f1, A, va(1))).toBe(true); // a first mapping needs no pool entry
    small.remove(f0, B, va(0));
    expect(small.canShare).toBe(true);
  });

  it('panics when a mapping it does not hold is removed', () => {
    expect(() => rmap.remove(F as PhysAddr, A, va(0))).toThrow(/mapped nowhere/);
    rmap.add(F, A, va(0));
    rmap.add(F, B, va(0));
    expect(() => rmap.remove(F, C, va(0))).toThrow(/frame 0x200000 is not mapped at 0x8048000 in 0x302000/);
  });
});
