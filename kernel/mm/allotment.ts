// Frame allocation among processes, for local replacement (--scope local): how many frames each
// process may hold before a fault of its must replace one of its own pages. The textbooks' two
// rules: equal allocation gives each of n processes m/n frames; proportional gives process i
// m·s_i/S, where s_i is its size (here: its pages, resident or in swap) and S the sum. m is the
// frames user pages may have: those they hold plus the free ones, less the reserve the kernel keeps.
// Both are measured at each timer tick (sizes walk the page tables, too slow for every fault), and
// no process gets fewer than MIN_FRAMES, which is what one i386 instruction can need at once.

import type { PhysAddr } from '../hw.ts';

export const SCOPES = ['global', 'local'] as const;
export type Scope = (typeof SCOPES)[number];
export const ALLOCATIONS = ['equal', 'proportional'] as const;
export type Allocation = (typeof ALLOCATIONS)[number];

/**
 * The fewest frames a process is given: an instruction that spans two pages, with a source and a
 * destination operand (MOVS) that each span two, touches six pages before it can complete.
 */
export const MIN_FRAMES = 6;

/** The frames a process of `size` pages gets of `m`, among processes of `sizes` (its own included). */
export function allot(allocation: Allocation, m: number, size: number, sizes: readonly number[]): number {
  const n = Math.max(1, sizes.length);
  let share: number;
  if (allocation === 'equal') share = m / n;
  else {
    const total = sizes.reduce((a, b) => a + b, 0);
    share = total > 0 ? (m * size) / total : m / n;
  }
  return Math.max(MIN_FRAMES, Math.floor(share));
}

/** What the shares are measured from. */
export interface ShareSource {
  /** The address spaces of the live processes. */
  spaces(): PhysAddr[];
  /** The frames user pages may have (held by user pages or free, less the kernel's reserve). */
  usable(): number;
  /** A process's size in pages: resident or in swap. */
  sizeOf(pd: PhysAddr): number;
}

/** Each process's share of the frames under local replacement, re-measured at each tick. */
export class FrameShares {
  readonly allocation: Allocation;
  private readonly source: ShareSource;
  private m = -1;
  private readonly sizes = new Map<PhysAddr, number>();

  constructor(allocation: Allocation, source: ShareSource) {
    this.allocation = allocation;
    this.source = source;
  }

  /** A timer tick: measure m, and (proportional) each process's size, again. */
  measure(): void {
    this.m = this.source.usable();
    this.sizes.clear();
    if (this.allocation === 'proportional') for (const pd of this.source.spaces()) this.sizes.set(pd, this.source.sizeOf(pd));
  }

  /** The frames the process with address space `pd` may hold now. */
  of(pd: PhysAddr): number {
    if (this.m < 0) this.measure();
    const spaces = this.source.spaces();
    if (this.allocation === 'equal') return allot('equal', this.m, 0, spaces); // only how many there are counts
    // A process started since the last tick is measured now.
    const sizeOf = (q: PhysAddr): number => {
      let s = this.sizes.get(q);
      if (s === undefined) { s = this.source.sizeOf(q); this.sizes.set(q, s); }
      return s;
    };
    return allot('proportional', this.m, sizeOf(pd), spaces.map(sizeOf));
  }
}
