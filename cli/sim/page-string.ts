// The reference string a replacement policy sees, as `ts386 compare --sim` feeds it to the trace
// simulator (simulate.ts): the pages one process referenced in ring 3, in order, without the pages
// it locked (mlock: no policy may take them, so they never fault under a resident limit and are
// not the policy's to answer for, as the kernel's accounting leaves out their faults) and with a
// page referenced again at once kept once (the second reference finds it resident whatever the
// policy: it cannot fault). Each reference keeps whether it wrote: a write sets D, which nru and
// wsclock look at.
//
// So `touch -r 1,2,3,1` gives the four pages of its string and nothing else, though each of its
// references is three accesses (it reads the page's first and last words, then writes the first),
// with fetches from its text and reads of its array of references between them: those pages are
// locked, and without them the three accesses stand next to each other and are one reference.
//
// The page numbers are linear page numbers (va >>> 12), as the MMU's recorder gives them.

export interface PageString {
  /** The pages, in reference order; never the same page twice in a row. */
  readonly pages: Uint32Array;
  /** 1 where that reference wrote (one of the accesses it stands for was a write), else 0. */
  readonly writes: Uint8Array;
}

/** Builds a PageString a reference at a time, without a copy per reference. */
export class PageStringBuilder {
  private readonly locked: ReadonlySet<number>;
  private pages = new Uint32Array(256);
  private writes = new Uint8Array(256);
  private length = 0;

  /** `locked`: the pages to leave out, as page numbers. */
  constructor(locked: Iterable<number> = []) {
    this.locked = new Set(locked);
  }

  /** One reference to `page`. Dropped when the page is locked; merged into the last when it is to the same page. */
  push(page: number, write: boolean): void {
    if (this.locked.has(page)) return;
    const n = this.length;
    if (n > 0 && this.pages[n - 1] === page) {
      if (write) this.writes[n - 1] = 1;
      return;
    }
    if (n === this.pages.length) {
      const pages = new Uint32Array(n * 2);
      pages.set(this.pages);
      this.pages = pages;
      const writes = new Uint8Array(n * 2);
      writes.set(this.writes);
      this.writes = writes;
    }
    this.pages[n] = page;
    this.writes[n] = write ? 1 : 0;
    this.length = n + 1;
  }

  /** The string so far. */
  build(): PageString {
    return { pages: this.pages.slice(0, this.length), writes: this.writes.slice(0, this.length) };
  }
}

/**
 * A textbook reference string as a PageString: every reference a write (as touch makes them), a
 * page repeated at once kept once.
 */
export function writeString(pages: readonly number[]): PageString {
  const b = new PageStringBuilder();
  for (const p of pages) b.push(p, true);
  return b.build();
}
