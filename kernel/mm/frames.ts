// The physical frame allocator, made: the factory that lays out the owner table (frame-table.ts,
// which also holds the FrameAllocator interface the rest of the kernel uses) and the policy's state
// in guest RAM. The two policies live in bitmap.ts and buddy.ts; `--frames bitmap|buddy` picks one.
//
// State in guest RAM, starting at metaBase (page aligned), all of it reserved by the allocator:
//
//   metaBase  owner table: one byte per frame 0 .. nframes-1 (OWNERS index, RESERVED or NOT_RAM)
//   align 4   the policy's own state (bitmap.ts or buddy.ts says what)
//   metaEnd   first page after it
//
// nframes covers physical memory up to the end of the highest usable range, so a frame number is
// just its physical address / 4096 and a buddy is found with one XOR. Frames in the holes between
// usable ranges (and partial pages at their edges) are NOT_RAM: never handed out, ownerOf() null.
// Frames of `reserved` ranges and of the metadata are RESERVED: never handed out, ownerOf() 'kernel'.

import { COST } from '../cost.ts';
import { PAGE_SIZE, phys, type Hw, type PhysAddr } from '../hw.ts';
import { panic } from '../panic.ts';
import { BitmapFrameAllocator, bitmapStateBytes } from './bitmap.ts';
import { BuddyFrameAllocator, buddyStateBytes } from './buddy.ts';
import { hex0x } from '../format.ts';
import { FREE, FrameTable, NOT_RAM, RESERVED, type FrameAllocator, type MemRange } from './frame-table.ts';

export { OWNERS, type FrameAllocator, type FrameOwner, type FrameStats, type MemRange } from './frame-table.ts';

const pageDown = (n: number): number => Math.floor(n / PAGE_SIZE);
const pageUp = (n: number): number => Math.ceil(n / PAGE_SIZE);

/** Where the allocator's state built at `metaBase` will end (page aligned): what createFrameAllocator returns as metaEnd. */
export function metadataEnd(kind: 'bitmap' | 'buddy', metaBase: PhysAddr, usable: MemRange[]): PhysAddr {
  const nframes = usable.reduce((n, r) => Math.max(n, pageDown(r.base + r.length)), 0);
  const stateBase = Math.ceil((metaBase + nframes) / 4) * 4;
  return phys(pageUp(stateBase + (kind === 'bitmap' ? bitmapStateBytes(nframes) : buddyStateBytes(nframes))) * PAGE_SIZE);
}

/**
 * Builds the allocator's state in guest RAM from the E820 usable ranges and the reserved ones, and
 * returns it with metaEnd, the first byte after that state (page aligned). Panics if metaBase is not
 * page aligned or the metadata would not lie in usable RAM.
 */
export function createFrameAllocator(kind: 'bitmap' | 'buddy', hw: Hw, opts: {
  metaBase: PhysAddr;
  usable: MemRange[];
  reserved: MemRange[];
}): { allocator: FrameAllocator; metaEnd: PhysAddr } {
  const { metaBase, usable, reserved } = opts;
  if (metaBase % PAGE_SIZE !== 0) panic(`frames: metadata base ${hex0x(metaBase)} not page aligned`);
  // Only whole pages of a usable range are RAM; a reserved range takes every page it touches.
  const ram = usable.map((r) => [pageUp(r.base), pageDown(r.base + r.length)] as const).filter(([a, b]) => a < b);
  const nframes = ram.reduce((n, [, end]) => Math.max(n, end), 0);
  if (nframes === 0) panic('frames: no usable RAM');

  const stateBase = Math.ceil((metaBase + nframes) / 4) * 4;
  const stateBytes = kind === 'bitmap' ? bitmapStateBytes(nframes) : buddyStateBytes(nframes);
  const metaFirst = pageDown(metaBase);
  const metaEndFrame = pageUp(stateBase + stateBytes);
  const inRam = (i: number): boolean => ram.some(([a, b]) => a <= i && i < b);
  for (let i = metaFirst; i < metaEndFrame; i++) {
    if (!inRam(i)) panic(`frames: metadata [${hex0x(metaBase)}, ${hex0x(metaEndFrame * PAGE_SIZE)}) is not all usable RAM`);
  }

  // The owner table: NOT_RAM everywhere, then FREE over RAM, then RESERVED over the reserved
  // ranges (and the metadata) where they overlap RAM: a reserved hole stays "not RAM".
  const table = new FrameTable(hw, metaBase, nframes);
  hw.fillPhys(metaBase, nframes, NOT_RAM);
  for (const [a, b] of ram) hw.fillPhys(phys(metaBase + a), b - a, FREE);
  const taken = [...reserved.map((r) => [pageDown(r.base), pageUp(r.base + r.length)] as const), [metaFirst, metaEndFrame] as const];
  for (const [ra, rb] of taken) {
    for (const [a, b] of ram) {
      const lo = Math.max(ra, a), hi = Math.min(rb, b, nframes);
      if (lo < hi) hw.fillPhys(phys(metaBase + lo), hi - lo, RESERVED);
    }
  }

  hw.chargeCycles(COST.frameInit * nframes);
  const allocator = kind === 'bitmap'
    ? new BitmapFrameAllocator(table, phys(stateBase))
    : new BuddyFrameAllocator(table, phys(stateBase));
  return { allocator, metaEnd: phys(metaEndFrame * PAGE_SIZE) };
}
