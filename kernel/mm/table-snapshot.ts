// A scan's copy of a table of per-frame entries in guest RAM (the reverse map's, the reclaimer's).
// A scan over an address space's pages (the reclaimer counting or listing a process's resident
// pages) reads a few words of such a table for each of hundreds of pages and changes none of them
// while it runs: it reads the table a page at a time, in bulk, as it first needs each page (one
// readPhysBytes of 4 KiB instead of a readPhys32 per word), as pagetable.ts's scanUserEntries reads
// a page table. The words read are the same, so what the scan finds and what it charges are too.
// Nothing outlives the scan: begin() forgets every page read, and the next scan reads guest RAM
// again. A scan must not write the table between begin() and its last read: it would not see it.

import { phys, PAGE_SIZE, type Hw, type PhysAddr } from '../hw.ts';

export class TableSnapshot {
  private readonly hw: Hw;
  private readonly base: PhysAddr;
  private readonly view: DataView;
  /** A view of each page of the copy, made once (word() allocates nothing). */
  private readonly pages: Uint8Array[];
  /** Per page: the scan (gen) that last read it into the copy. */
  private readonly readIn: Uint32Array;
  private gen = 0;

  /** The table of `pages` whole pages at `base`. */
  constructor(hw: Hw, base: PhysAddr, pages: number) {
    this.hw = hw;
    this.base = base;
    const bytes = new Uint8Array(pages * PAGE_SIZE);
    this.view = new DataView(bytes.buffer);
    this.pages = [];
    for (let i = 0; i < pages; i++) this.pages.push(bytes.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE));
    this.readIn = new Uint32Array(pages);
  }

  /** Starts a scan: every page is read again from guest RAM when the scan first needs it. */
  begin(): void {
    if (this.gen === 0xffffffff) { this.readIn.fill(0); this.gen = 0; }
    this.gen++;
  }

  /** The little-endian word at byte `offset` of the table (4-aligned), as guest RAM held it when this scan first read its page. */
  word(offset: number): number {
    return this.load(offset).getUint32(offset, true);
  }

  /**
   * The copy, its page holding byte `offset` read for this scan: the words of that page (an
   * entry that does not cross a page) may be read from it directly, little-endian at their offsets.
   */
  load(offset: number): DataView {
    const page = offset >>> 12;
    if (this.readIn[page] !== this.gen) {
      this.hw.readPhysBytes(phys(this.base + page * PAGE_SIZE), this.pages[page]!);
      this.readIn[page] = this.gen;
    }
    return this.view;
  }
}
