// Process accounting (Unix's acct(2)): when a process ends, the kernel keeps one record of what it
// cost, so that a program run for a measurement (`ts386 compare`, a test) can be read afterwards
// without keeping the process. The records are the kernel's bookkeeping, kept for the last
// ACCOUNT_LIMIT processes.
//
// Faults and swap writes are split the way the replacement policies are judged: a fault on a page
// the process later locked (mlock), or a write of one to swap, is not one its policy could have
// avoided (it came while the program was starting, before it locked the page), so
// `evictableFaults` and `swapWrites` leave those out (touch locks its text, data and stack before
// it runs a reference string: what is left is the textbook count).

import type { Process } from './process.ts';

export interface ProcAccount {
  readonly pid: number;
  readonly name: string;
  readonly argv: readonly string[];
  readonly status: number;
  readonly killed: boolean;
  /** Every page fault it took. */
  readonly faults: number;
  /** Faults on pages it never locked: the ones its replacement policy answers for. */
  readonly evictableFaults: number;
  /** Exact LRU's reference-tracking faults (not counted in `faults`). */
  readonly softFaults: number;
  /** Its pages written to swap, but for pages it locked later; and all of them. */
  readonly swapWrites: number;
  readonly allSwapWrites: number;
  /** The pages exec mapped before its first instruction (the argv stack page), as page numbers. */
  readonly startPages: readonly number[];
  /** The pages it had locked (mlock) when it ended, as page numbers (va >>> 12), ascending. */
  readonly lockedPages: readonly number[];
  /** Emulated cycles (TSC) when it was made and when it ended. */
  readonly startCycle: number;
  readonly endCycle: number;
}

export const ACCOUNT_LIMIT = 256;

export class Accounting {
  private readonly kept: ProcAccount[] = [];

  get records(): readonly ProcAccount[] { return this.kept; }

  /** `p` has ended at cycle `now`. */
  record(p: Process, now: number): void {
    this.kept.push({
      pid: p.pid, name: p.name, argv: [...p.argv], status: p.exitStatus, killed: p.killed,
      faults: p.faults, evictableFaults: p.faults - p.lockedFaults, softFaults: p.softFaults,
      swapWrites: p.swapWrites - p.lockedSwapWrites, allSwapWrites: p.swapWrites, startPages: [...p.startPages], lockedPages: [...p.lockedPages].sort((a, b) => a - b), startCycle: p.startCycle, endCycle: now,
    });
    if (this.kept.length > ACCOUNT_LIMIT) this.kept.shift();
  }
}

/** The page at `page` was locked: its faults and swap writes so far leave the policy's counts. */
export function noteLocked(p: Pick<Process, 'faultsByPage' | 'lockedFaults' | 'swapWritesByPage' | 'lockedSwapWrites' | 'lockedPages'>, page: number): void {
  p.lockedPages.add(page >>> 12);
  p.lockedFaults += p.faultsByPage.get(page) ?? 0;
  p.faultsByPage.delete(page);
  p.lockedSwapWrites += p.swapWritesByPage.get(page) ?? 0;
  p.swapWritesByPage.delete(page);
}
