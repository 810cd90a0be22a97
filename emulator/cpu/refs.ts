// The reference recorder: on request, the page references the MMU performs, kept as a processor's
// trace facility keeps them (a performance-monitoring unit's trace buffer, a branch-trace store):
// the kernel turns it on and off and reads what it holds through HostPort (refTrace*), and the
// `--trace-refs FILE` option gives it a sink that writes every record to a file.
//
// A reference is the page directory (CR3 >>> 12), the linear page number (lin >>> 12), the access
// (read, write or fetch), user (CPL 3) or kernel, and the cycle count. Who records what:
//   data reads and writes  translate() (paging.ts), once per page an access touches: while the
//                          recorder is on, TLB_ALWAYS is in the fast path's masks (tlb.ts), so
//                          every data access takes the slow path through translate().
//   instruction fetches    the run loop (step.ts), one per executed instruction, at the page of its
//                          first byte, before it runs: a decoded block runs again without
//                          fetching anything, so translate() sees only the fetches of decoding.
// Only translations that succeed are recorded (a reference that faults is recorded when it runs
// again), and only with paging on: with CR0.PG clear there is no translation to record.
//
// Consecutive references equal in all but the cycle are one record (the first one's cycle): a
// loop within one page is one record, not one per iteration.
//
// Two consumers:
// - the sink (debug/refs-file.ts, the file) sees every record, and the labels the kernel gives
//   page directories (which process a CR3 belongs to);
// - for each page directory, the pages referenced at CPL 3 in order, a page repeated at once kept
//   once whatever the access: the reference string an OPT replacement policy looks ahead in. A
//   take hands it over and forgets it, so it only ever holds what was not yet taken (a label
//   forgets it too: the directory has a new owner).
//
// Plain data: typed arrays that grow by doubling, nothing allocated per reference. Turn it on and
// off through HostPort (machine-host-port.ts), which also re-derives the access masks and sends
// the run loop round to its recording variant.

/** Kind bits of a record: the access (ACCESS_READ/WRITE/EXEC, paging.ts) in bits 0-1, and this. */
export const REF_USER = 1 << 2;

/** Where every record goes when there is a file to record into (debug/refs-file.ts). */
export interface RefSink {
  /** One record: `dir` is CR3 >>> 12, `kind` the access with REF_USER for CPL 3. */
  reference(dir: number, page: number, kind: number, cycle: number): void;
  /** From now on, references under page directory `dir` are process `pid`'s, named `name`. */
  label(dir: number, pid: number, name: string): void;
}

/** A growable string of page numbers. */
class PageString {
  pages = new Uint32Array(256);
  length = 0;

  push(page: number): void {
    if (this.length === this.pages.length) {
      const bigger = new Uint32Array(this.pages.length * 2);
      bigger.set(this.pages);
      this.pages = bigger;
    }
    this.pages[this.length++] = page;
  }
}

export class RefRecorder {
  /** Starts not yet stopped: they nest, and recording is on while there is one. */
  starts = 0;
  /** starts > 0, as the one flag translate() and the run loop test. */
  on = false;
  /** Where every record is written (the --trace-refs file), or null: then only the strings are kept. */
  sink: RefSink | null = null;
  // The last record, which an equal reference adds nothing to.
  private lastDir = -1;
  private lastPage = -1;
  private lastKind = -1;
  /** Page directory (CR3 >>> 12) → the user pages referenced under it and not yet taken. */
  private readonly strings = new Map<number, PageString>();
  /** The string of the page directory referenced last, so a reference seldom looks in the Map. */
  private curDir = -1;
  private cur: PageString | null = null;

  /** One more start; true when recording goes on with it (it was off). */
  start(): boolean {
    if (this.starts++ > 0) return false;
    this.on = true;
    // "Since recording last started": what an earlier recording left is not this one's.
    this.strings.clear();
    this.curDir = -1;
    this.cur = null;
    this.lastDir = this.lastPage = this.lastKind = -1;
    return true;
  }

  /** The stop for one start; true when recording goes off with it. Throws without a start to stop. */
  stop(): boolean {
    if (this.starts === 0) throw new Error('reference trace: stopped more often than started (refTraceStop without a refTraceStart)');
    if (--this.starts > 0) return false;
    this.on = false;
    return true;
  }

  /** Records one reference (see above). `cr3` is CR3 as the processor holds it; its low 12 bits are ignored. */
  record(cr3: number, page: number, access: number, user: boolean, cycle: number): void {
    const dir = cr3 >>> 12;
    // The string first: after a take it is empty, and the page goes in even if the record below
    // adds nothing to the one before it.
    if (user) {
      let s = this.cur;
      if (dir !== this.curDir || s === null) {
        s = this.strings.get(dir) ?? null;
        if (s === null) {
          s = new PageString();
          this.strings.set(dir, s);
        }
        this.cur = s;
        this.curDir = dir;
      }
      if (s.length === 0 || s.pages[s.length - 1] !== page) s.push(page);
    }
    const kind = user ? access | REF_USER : access;
    if (page === this.lastPage && dir === this.lastDir && kind === this.lastKind) return;
    this.lastDir = dir;
    this.lastPage = page;
    this.lastKind = kind;
    this.sink?.reference(dir, page, kind, cycle);
  }

  /**
   * The user pages referenced under page directory `cr3` (low 12 bits ignored) since recording
   * started or since the last take for it, in order; they are forgotten.
   */
  take(cr3: number): Uint32Array {
    const s = this.strings.get(cr3 >>> 12);
    if (s === undefined) return new Uint32Array(0);
    const pages = s.pages.slice(0, s.length);
    s.length = 0;
    return pages;
  }

  /**
   * Tells the sink, if there is one, that page directory `cr3` is process `pid`'s, named `name`,
   * from now on. What its string holds is forgotten: it was referenced under a directory in the
   * same frame that another process (or image) had before, and a take is for the new owner.
   */
  label(cr3: number, pid: number, name: string): void {
    const s = this.strings.get(cr3 >>> 12);
    if (s !== undefined) s.length = 0;
    this.sink?.label(cr3 >>> 12, pid, name);
  }
}
