// How many of the frames a holder keeps for itself (the page cache, the shared segments) no PTE
// maps now, as far as the kernel has been told: a frame's last mapping going makes one more, a
// first mapping of such a frame one less. It is a hint that spares a look through the holder's
// tables each time the pager or the allocator wants an idle frame when there is none; a look that
// finds none after all sets it back to 0.

export class IdleHint {
  private n = 0;

  /** Whether a look for an idle frame may find one. */
  get any(): boolean {
    return this.n > 0;
  }

  /** A held frame is about to be mapped by one more PTE; `count`: how many map it now. */
  mapping(count: number): void {
    if (count === 0 && this.n > 0) this.n--;
  }

  /** The last PTE that mapped a held frame has gone. */
  unmapped(): void {
    this.n++;
  }

  /** An idle frame was given back or written out. */
  taken(): void {
    if (this.n > 0) this.n--;
  }

  /** A look found no idle frame (or every one is gone). */
  none(): void {
    this.n = 0;
  }
}
