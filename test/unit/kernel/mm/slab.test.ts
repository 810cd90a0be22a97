import { describe, expect, it } from 'vitest';
import { FakeHostPort } from '../fake-hostport.ts';
import { COST } from '../../../../kernel/cost.ts';
import { Hw, PAGE_SIZE, phys, virt, type PhysAddr, type VirtAddr } from '../../../../kernel/hw.ts';
import { P2V, V2P } from '../../../../kernel/layout.ts';
import { OWNERS, type FrameAllocator, type FrameOwner, type FrameStats } from '../../../../kernel/mm/frames.ts';
import { SLAB_MAGIC, SlabCache } from '../../../../kernel/mm/slab.ts';
import { KernelPanic } from '../../../../kernel/panic.ts';

/**
 * A tiny frame allocator over frames [first, first + count) of the fake memory: enough of the
 * interface for slabs (lowest free frame first, owners in a TS map, panics on a bad free).
 */
class FakeFrames implements FrameAllocator {
  readonly kind = 'bitmap' as const;
  readonly owners = new Map<number, FrameOwner>();
  private readonly first: number;
  private readonly count: number;
  constructor(first: number, count: number) {
    this.first = first;
    this.count = count;
  }
  private managed(f: number): boolean { return f % PAGE_SIZE === 0 && f >= this.first && f < this.first + this.count * PAGE_SIZE; }
  alloc(owner: FrameOwner): PhysAddr | null { return this.allocContiguous(1, owner); }
  allocContiguous(pages: number, owner: FrameOwner): PhysAddr | null {
    for (let i = 0; i + pages <= this.count; i++) {
      const base = this.first + i * PAGE_SIZE;
      let free = true;
      for (let j = 0; j < pages; j++) if (this.owners.has(base + j * PAGE_SIZE)) free = false;
      if (!free) continue;
      for (let j = 0; j < pages; j++) this.owners.set(base + j * PAGE_SIZE, owner);
      return phys(base);
    }
    return null;
  }
  free(frame: PhysAddr): void {
    if (!this.managed(frame) || !this.owners.delete(frame)) throw new KernelPanic(`fake frames: bad free 0x${frame.toString(16)}`);
  }
  freeContiguous(base: PhysAddr, pages: number): void {
    for (let j = 0; j < pages; j++) this.free(phys(base + j * PAGE_SIZE));
  }
  ownerOf(frame: PhysAddr): FrameOwner | null {
    const f = frame - (frame % PAGE_SIZE);
    return this.managed(f) ? this.owners.get(f) ?? 'free' : null;
  }
  setOwner(frame: PhysAddr, owner: FrameOwner): void { this.owners.set(frame, owner); }
  stats(): FrameStats {
    const byOwner = Object.fromEntries(OWNERS.map((o) => [o, 0])) as Record<FrameOwner, number>;
    for (const o of this.owners.values()) byOwner[o]++;
    byOwner.free = this.count - this.owners.size;
    return { total: this.count, free: byOwner.free, used: this.owners.size, byOwner };
  }
  freeLists(): number[] | null { return null; }
  get freeFrames(): number { return this.stats().free; }
}

const FRAMES_AT = 0x10000;

function setup(objectSize = 64, frameCount = 8) {
  const fake = new FakeHostPort(0x40000);
  // Garbage where the frames are: slab must not rely on frames arriving zeroed.
  fake.mem.fill(0xa5, FRAMES_AT, FRAMES_AT + frameCount * PAGE_SIZE);
  const hw = new Hw(fake);
  const frames = new FakeFrames(FRAMES_AT, frameCount);
  const cache = new SlabCache(hw, frames, 'test', objectSize);
  const a = (): VirtAddr => {
    const p = cache.alloc();
    if (p === null) throw new Error('slab alloc failed');
    return p;
  };
  return { fake, hw, frames, cache, a };
}

const panicsWith = (fn: () => void, text: RegExp): void => {
  expect(fn).toThrow(KernelPanic);
  expect(fn).toThrow(text);
};

describe('SlabCache', () => {
  it('hands out distinct, 8-byte aligned, zeroed objects from one slab page', () => {
    const { fake, frames, cache, a } = setup(40);
    const objs = [a(), a(), a(), a()];
    expect(new Set(objs).size).toBe(4);
    for (const o of objs) {
      expect(o % 8).toBe(0);
      expect(o - (o % PAGE_SIZE)).toBe(P2V(FRAMES_AT));
      expect([...fake.mem.subarray(V2P(o), V2P(o) + 40)].every((b) => b === 0)).toBe(true);
    }
    // Objects do not overlap: 40 bytes apart at least.
    const sorted = [...objs].sort((x, y) => x - y);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i]! - sorted[i - 1]!).toBeGreaterThanOrEqual(40);
    expect(frames.stats().byOwner.slab).toBe(1);
    expect(cache.stats()).toEqual({ name: 'test', objectSize: 40, slabs: 1, inUse: 4, free: cache.objectsPerSlab - 4 });
  });

  it('zeroes an object again when it is handed out a second time', () => {
    const { fake, cache, a } = setup(64);
    const o = a();
    a(); // keeps the slab from being emptied
    fake.mem.fill(0x77, V2P(o), V2P(o) + 64);
    cache.free(o);
    expect(a()).toBe(o);
    expect([...fake.mem.subarray(V2P(o), V2P(o) + 64)].every((b) => b === 0)).toBe(true);
  });

  it('keeps its header in the slab page in guest RAM: magic, in-use count, free list', () => {
    const { fake, cache, a } = setup(64);
    const o = a();
    const page = FRAMES_AT;
    expect(fake.view.getUint32(page, true)).toBe(SLAB_MAGIC);
    expect(fake.view.getUint32(page + 8, true)).toBe(1);
    // The free list head is the object right after the one handed out.
    expect(fake.view.getUint32(page + 12, true)).toBe(o + 64);
    cache.free(a());
    expect(fake.view.getUint32(page + 8, true)).toBe(1);
  });

  it('takes a second page when the first slab is full', () => {
    const { frames, cache, a } = setup(256);
    const per = cache.objectsPerSlab;
    expect(per).toBe(15); // (4096 - 32-byte header) / 256
    const objs = Array.from({ length: per }, a);
    expect(frames.stats().byOwner.slab).toBe(1);
    const next = a();
    expect(frames.stats().byOwner.slab).toBe(2);
    expect(next - (next % PAGE_SIZE)).toBe(P2V(FRAMES_AT + PAGE_SIZE));
    expect(new Set([...objs, next]).size).toBe(per + 1);
    expect(cache.stats()).toMatchObject({ slabs: 2, inUse: per + 1, free: per - 1 });
  });

  it('returns every page to the frame allocator when all objects are freed', () => {
    const { frames, cache, a } = setup(128);
    const before = frames.stats().free;
    const objs = Array.from({ length: 3 * cache.objectsPerSlab + 1 }, a);
    expect(frames.stats().byOwner.slab).toBe(4);
    // Free in an interleaved order, so slabs go full -> partial -> empty in turn.
    for (let i = 0; i < 2; i++) for (let j = i; j < objs.length; j += 2) cache.free(objs[j]!);
    expect(frames.stats().free).toBe(before);
    expect(frames.stats().byOwner.slab).toBe(0);
    expect(cache.stats()).toEqual({ name: 'test', objectSize: 128, slabs: 0, inUse: 0, free: 0 });
  });

  it('reuses a partial slab before taking a new page', () => {
    const { frames, cache, a } = setup(512);
    const objs = Array.from({ length: cache.objectsPerSlab }, a);
    a();
    cache.free(objs[3]!);
    a();
    expect(frames.stats().byOwner.slab).toBe(2);
  });

  it('returns null when the frame allocator has no page left', () => {
    const { cache, a } = setup(2048, 2);
    expect(cache.objectsPerSlab).toBe(1);
    a();
    a();
    expect(cache.alloc()).toBeNull();
  });

  it('panics on a double free, naming the address', () => {
    const { cache, a } = setup(64);
    const o = a();
    a();
    cache.free(o);
    panicsWith(() => cache.free(o), new RegExp(`slab test: double free of 0x${o.toString(16)}`));
  });

  it('panics on a pointer that is not one of its objects', () => {
    const { fake, hw, frames, cache, a } = setup(64);
    const o = a();
    panicsWith(() => cache.free(virt(o + 8)), /not the start of an object/);
    panicsWith(() => cache.free(virt(0x1000)), /not a kernel address/);
    panicsWith(() => cache.free(P2V(0x2000)), /not in a slab page/);
    // The same size in another cache: its header looks right, but the page is not on our lists.
    const other = new SlabCache(hw, frames, 'other', 64);
    const p = other.alloc()!;
    panicsWith(() => cache.free(p), /belongs to another cache/);
    // A corrupted header in guest RAM.
    fake.view.setUint32(FRAMES_AT, 0, true);
    panicsWith(() => cache.free(o), /no slab header/);
  });

  it('panics on a pointer into a slab page it already gave back', () => {
    const { cache, a } = setup(64);
    const o = a();
    cache.free(o);
    panicsWith(() => cache.free(o), /not in a slab page/);
  });

  it('panics on an object too big for a page', () => {
    const { hw, frames } = setup();
    expect(() => new SlabCache(hw, frames, 'huge', 4096)).toThrow(/do not fit in a page/);
  });

  it('charges cycles for carving a slab and zeroing each object', () => {
    const { fake, hw, cache, a } = setup(64);
    const before = (hw.settleCycles(), fake.cycles);
    a();
    expect((hw.settleCycles(), fake.cycles) - before).toBe(COST.slabInitPerObject * cache.objectsPerSlab + COST.slabOp + COST.zeroPerDword * 16);
  });
});
