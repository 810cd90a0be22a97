// Taking frames back from processes when none is free (the pager's page replacement), with swap
// space to put their pages in. The policy is FIFO, global: the page loaded longest ago goes first,
// whoever owns it (the textbooks' first policy; the others come with the policy interface).
//
// What it keeps, all in guest RAM (runs of frames taken at boot, only when there is swap):
//   pages  per frame: a sequence number (when it was loaded), a counter word for the process's
//          replacement policy, the swap slot a page read back from swap keeps (0: none; its PTEs
//          have PTE_KEPT), and the tick of its process's virtual time when its A bit was last seen
//          set (working sets, workingset.ts) (16 bytes). Who maps the frame is the reverse map's
//          (rmap.ts): a page belongs to its first mapping's process.
//   queue  a ring of (frame, sequence) in the order the frames were mapped (8 bytes an entry)
//   cache  per swap slot: the frame that keeps it (0: none), so a process whose PTE still names
//          the slot maps that frame instead of reading the slot again: the swap cache, which
//          lets a shared page come back shared (4 bytes a slot)
// An entry is stale once its frame has been mapped again (a newer sequence) or is no longer mapped
// where rmap says; stale entries are skipped when they come up.
//
// A victim is dropped when the file or a zero-fill gives it back as it is: not dirty (D = 0) and
// not a copy only its frame holds (PTE_UNBACKED). A clean page read back from swap is dropped too:
// its slot still holds it, and its PTE names that slot again. Otherwise it gets a slot (the one it
// kept, when no other PTE holds that slot), its PTE becomes a swap entry (pagetable.ts),
// the TLB forgets it, and the drive writes the frame to the slot; the frame is free only once that
// write is done, so the process that needed the frame waits for the write (reap() frees it).
// A shared frame goes from every PTE that maps it at once: each becomes a swap entry for the same
// slot (one count each), so the page comes back shared (the cache above).

import { COST } from '../cost.ts';
import { hex0x } from '../format.ts';
import { panic } from '../panic.ts';
import { phys, virt, PAGE_SIZE, type Hw, type PhysAddr, type VirtAddr } from '../hw.ts';
import type { KernelStats } from '../stats.ts';
import { HeldForIo, type IoWait } from '../wait.ts';
import type { FrameAllocator } from './frame-table.ts';
import { entryFrame, forEachUserPage, isLive, isPresent, PTE_A, PTE_D, PTE_LOCKED, PTE_UNBACKED, swapEntry, UserPageCursor, walk } from './pagetable.ts';
import type { PolicyActions, ReplacementPolicy, ResidentPage } from './policy.ts';
import type { ReverseMap } from './rmap.ts';
import type { SwapSpace } from './swap.ts';
import { TableSnapshot } from './table-snapshot.ts';

/** A resident page with where its PTE is and whose it is (its address space), for the reclaimer's own use. */
interface Page extends ResidentPage { readonly pteAddr: PhysAddr; readonly pd: PhysAddr }

/** The page chosen to go: its frame, where it is mapped, and its PTE (value and address). */
interface Victim { frame: PhysAddr; pd: PhysAddr; va: VirtAddr; pte: number; pteAddr: PhysAddr }

const RMAP_BYTES = 16, QUEUE_BYTES = 8, CACHE_BYTES = 4;
/** The fields of a frame's entry (byte offsets): see the top of this file. */
const RMAP_SEQ = 0, RMAP_COUNTER = 4, RMAP_SLOT = 8, RMAP_SEEN = 12;

/** Where field `field` of frame number `f`'s entry is in the frames' table (`pages`), from its start. */
const entryOffset = (f: number, field: number): number => f * RMAP_BYTES + field;

/** The pages of the frames' entries (`pages`) for frames 0 .. nframes - 1. */
const pagesTablePages = (nframes: number): number => Math.ceil((nframes * RMAP_BYTES) / PAGE_SIZE);

export type EvictResult =
  | { kind: 'freed' }
  | { kind: 'wait'; chan: IoWait }
  | { kind: 'none' }
  | { kind: 'full' };

/** A page taken back, for `trace pf`: whose, where it went (a slot, or dropped), and why it was chosen. */
export interface Eviction {
  readonly pd: PhysAddr;
  readonly va: VirtAddr;
  readonly slot: number | null;
  /** Whether the page was written to `slot` (false: it was clean, and the slot it kept still holds it). */
  readonly written: boolean;
  readonly policy: string;
  readonly why: string;
}

/** A frame the drive is still reading into or writing from: free only once the request is done. */
interface Busy { frame: PhysAddr; req: IoWait; slot: number }

export class Reclaimer {
  private readonly hw: Hw;
  private readonly frames: FrameAllocator;
  readonly swap: SwapSpace;
  private readonly stats: KernelStats;
  /** Who maps each frame (rmap.ts). */
  readonly rmap: ReverseMap;
  private readonly pages: PhysAddr;
  private readonly queue: PhysAddr;
  private readonly cache: PhysAddr;
  private readonly capacity: number;
  /** A scan's copy of the frames' entries (`pages`): residentOf's and seenWithin's reads, in bulk. */
  private readonly pagesSnapshot: TableSnapshot;
  /** residentOf's and residentCount's walk over an address space's pages (one at a time: neither runs inside the other). */
  private readonly cursor = new UserPageCursor();
  private head = 0;
  private length = 0;
  private seq = 0;
  /** Frames being written to swap (evictions), and frames a killed swap-in left the drive reading into. */
  private readonly busy = new HeldForIo<Busy>((b) => {
    if (b.req.status === 'error' && b.slot !== 0) this.failed.add(b.slot);
    this.frames.free(b.frame);
  });
  /** Slots whose write failed: their pages are lost (a swap-in of one kills the process). */
  readonly failed = new Set<number>();
  /** Free frames user pages leave to the kernel: 32, or a sixteenth of a small machine's frames. */
  readonly reserve: number;
  /**
   * Global replacement: FIFO goes by the queue; another policy chooses among the resident pages of
   * every address space `spaces` names (the live processes').
   */
  policy: ReplacementPolicy | null = null;
  spaces: () => PhysAddr[] = () => [];
  /**
   * A page of `pd` at `va` is taken back; `seen` is the tick of its process's virtual time when it
   * was last seen referenced (0: never). Working-set estimates still count it while that is recent.
   */
  evicted: (pd: PhysAddr, va: VirtAddr, seen: number) => void = () => {};
  /** The virtual time of the process whose address space is `pd` (workingset.ts's virtualTime), for working sets and wsclock. */
  virtualTime: (pd: PhysAddr) => number = () => 0;
  /** The page cache: drops one idle page (no PTE maps it), if it has one; forgets a frame taken back. */
  dropIdle: () => boolean = () => false;
  uncache: (frame: PhysAddr) => void = () => {};
  /** A cached page written through a MAP_SHARED mapping is going: the cache marks it dirty and writes it back to its file. */
  markDirty: (frame: PhysAddr) => void = () => {};
  /** A page of a shared segment went to `slot`: the segment, not the PTEs, remembers where (shm.ts). */
  segmentOut: (frame: PhysAddr, slot: number, wasIdle: boolean) => boolean = () => false;
  /** A segment's page no PTE maps (a detached segment's), if any: written out before any mapped page. */
  idleSegmentFrame: () => PhysAddr | null = () => null;
  /** The pages taken back since takeEvictions() last ran. */
  private evictions: Eviction[] = [];

  /** The evictions since the last call (the trap dispatch prints them when tracing, and drops them otherwise). */
  takeEvictions(): Eviction[] {
    const e = this.evictions;
    if (e.length > 0) this.evictions = [];
    return e;
  }

  private constructor(hw: Hw, frames: FrameAllocator, swap: SwapSpace, stats: KernelStats, rmap: ReverseMap, tables: { pages: PhysAddr; queue: PhysAddr; cache: PhysAddr }, capacity: number) {
    this.hw = hw;
    this.frames = frames;
    this.swap = swap;
    this.stats = stats;
    this.rmap = rmap;
    this.pages = tables.pages;
    this.queue = tables.queue;
    this.cache = tables.cache;
    this.capacity = capacity;
    this.pagesSnapshot = new TableSnapshot(hw, tables.pages, pagesTablePages(capacity));
    this.reserve = Math.min(32, Math.floor(capacity / 16));
  }

  /** The reclaimer for frames 0 .. rmap.nframes-1, its tables in frames taken now; null when they cannot be had. */
  static create(hw: Hw, frames: FrameAllocator, swap: SwapSpace, stats: KernelStats, rmap: ReverseMap): Reclaimer | null {
    const nframes = rmap.nframes;
    const sizes = [pagesTablePages(nframes), Math.ceil((nframes * QUEUE_BYTES) / PAGE_SIZE), Math.ceil((swap.slots * CACHE_BYTES) / PAGE_SIZE)] as const;
    const got: PhysAddr[] = [];
    for (const n of sizes) {
      const at = frames.allocContiguous(n, 'kernel');
      if (at === null) { got.forEach((g, i) => frames.freeContiguous(g, sizes[i]!)); return null; }
      got.push(at);
    }
    const [pages, queue, cache] = got as [PhysAddr, PhysAddr, PhysAddr];
    hw.fillPhys(pages, sizes[0] * PAGE_SIZE, 0);
    hw.fillPhys(cache, sizes[2] * PAGE_SIZE, 0);
    return new Reclaimer(hw, frames, swap, stats, rmap, { pages, queue, cache }, nframes);
  }

  /**
   * A user page was loaded into `frame` (mapped at `va` in `pd`, which the reverse map records): it
   * joins the end of the queue. Its policy counter starts at 0 and it keeps `slot` (a page read
   * back from swap), unless `requeue` (the same page going to the end again) keeps both as they are.
   */
  noteMapped(frame: PhysAddr, pd: PhysAddr, _va: VirtAddr, requeue = false, slot = 0): void {
    const f = frame / PAGE_SIZE;
    if (f >= this.capacity) return;
    const seq = (this.seq = (this.seq + 1) >>> 0);
    this.hw.writePhys32(this.rmapField(frame, RMAP_SEQ), seq);
    if (!requeue) {
      this.hw.writePhys32(this.rmapField(frame, RMAP_COUNTER), 0);
      this.hw.writePhys32(this.rmapField(frame, RMAP_SLOT), slot);
      if (slot !== 0) this.hw.writePhys32(this.cacheField(slot), frame);
      // Mapped for an access: referenced now, in its process's virtual time.
      this.hw.writePhys32(this.rmapField(frame, RMAP_SEEN), this.virtualTime(pd));
    }
    if (this.length === this.capacity) this.pop(); // full of stale entries: the oldest goes
    const q = phys(this.queue + ((this.head + this.length) % this.capacity) * QUEUE_BYTES);
    this.hw.writePhys32(q, f);
    this.hw.writePhys32(phys(q + 4), seq);
    this.length++;
  }

  /** Where a field of `frame`'s entry is. */
  private rmapField(frame: PhysAddr, field: number): PhysAddr {
    return phys(this.pages + entryOffset(frame / PAGE_SIZE, field));
  }

  /** Where the swap cache's word for `slot` is. */
  private cacheField(slot: number): PhysAddr {
    return phys(this.cache + slot * CACHE_BYTES);
  }

  /** The resident frame that keeps `slot` (a page read back from it and not written since), if any: the swap cache. */
  cachedFrame(slot: number): PhysAddr | null {
    if (slot <= 0 || slot >= this.swap.slots) return null;
    const f = this.hw.readPhys32(this.cacheField(slot));
    return f === 0 ? null : phys(f);
  }

  /** When the page in `frame` was loaded (its sequence number; larger is later). */
  loadedAt(frame: PhysAddr): number {
    return frame / PAGE_SIZE < this.capacity ? this.hw.readPhys32(this.rmapField(frame, RMAP_SEQ)) : 0;
  }

  /** The policy counter of the page in `frame` (lru's stamp, aging's age, ...). */
  counterOf(frame: PhysAddr): number {
    return frame / PAGE_SIZE < this.capacity ? this.hw.readPhys32(this.rmapField(frame, RMAP_COUNTER)) : 0;
  }

  /** Exact LRU's clock (lru.ts): one tick per page leaving a window, shared by every process. */
  private lruClock = 0;

  /** The page in `frame` was last referenced now: its policy counter takes the next tick of the LRU clock. */
  stampReference(frame: PhysAddr): void {
    if (frame / PAGE_SIZE >= this.capacity) return;
    this.lruClock = (this.lruClock + 1) >>> 0;
    this.hw.writePhys32(this.rmapField(frame, RMAP_COUNTER), this.lruClock);
    this.hw.chargeCycles(COST.pteWrite);
  }

  /** The swap slot the page in `frame` kept when it was read back (0: none). */
  keptSlot(frame: PhysAddr): number {
    return frame / PAGE_SIZE < this.capacity ? this.hw.readPhys32(this.rmapField(frame, RMAP_SLOT)) : 0;
  }

  /** The page in `frame` no longer holds the slot it kept (the caller frees the slot, or gives it to the PTE). */
  private forgetKeptSlot(frame: PhysAddr): void {
    const slot = this.keptSlot(frame);
    if (slot === 0) return;
    this.hw.writePhys32(this.rmapField(frame, RMAP_SLOT), 0);
    if (this.cachedFrame(slot) === frame) this.hw.writePhys32(this.cacheField(slot), 0);
  }

  /**
   * The page in `frame` lets go of the slot it kept (its last mapping is going away: exit, exec, a
   * lowered break; or it is about to differ from the slot: a copy-on-write page taken over).
   */
  releaseKept(frame: PhysAddr): void {
    const slot = this.keptSlot(frame);
    if (slot === 0) return;
    this.forgetKeptSlot(frame);
    this.swap.free(slot);
  }

  /** A swapped-out page is going away: its PTE's hold on `slot` ends. */
  freeSlot(slot: number): void {
    this.swap.free(slot);
  }

  private pop(): { f: number; seq: number } {
    const q = phys(this.queue + this.head * QUEUE_BYTES);
    const e = { f: this.hw.readPhys32(q), seq: this.hw.readPhys32(phys(q + 4)) };
    this.head = (this.head + 1) % this.capacity;
    this.length--;
    return e;
  }

  /** The oldest mapped user page that is still mapped where rmap says: FIFO's victim. */
  private nextVictim(): Victim | null {
    while (this.length > 0) {
      const { f, seq } = this.pop();
      this.hw.chargeCycles(COST.walkStep);
      const frame = phys(f * PAGE_SIZE);
      if (this.hw.readPhys32(this.rmapField(frame, RMAP_SEQ)) !== seq) continue; // mapped again since: a newer entry stands for it
      const m = this.rmap.primary(frame);
      const owner = this.frames.ownerOf(frame);
      if (m === null || (owner !== 'user' && owner !== 'cache' && owner !== 'shm') || this.frames.ownerOf(m.pd) !== 'pagedir') continue;
      const w = walk(this.hw, m.pd, m.va);
      if (w.pteAddr === null || !isPresent(w.pte) || entryFrame(w.pte) !== frame) continue;
      if ((w.pte & PTE_LOCKED) !== 0 || this.lockedElsewhere(frame)) continue; // mlock()ed: munlock() puts it back in the queue
      return { frame, pd: m.pd, va: m.va, pte: w.pte, pteAddr: w.pteAddr };
    }
    return null;
  }

  /** Frees the frames whose writes (or abandoned reads) the drive has finished. */
  reap(): void {
    this.busy.reap();
  }

  /** The write of `slot` still in flight, if any (a swap-in of that slot waits for it). */
  writing(slot: number): IoWait | null {
    return this.busy.inFlight((b) => b.slot === slot);
  }

  /** A request still in flight that frees a frame when done, if any. */
  inFlight(): IoWait | null {
    return this.busy.inFlight();
  }

  /** A swap-in whose process went away: the frame is free once the drive is done reading into it. */
  abandon(frame: PhysAddr, req: IoWait): void {
    this.busy.hold({ frame, req, slot: 0 });
  }

  /**
   * Takes a frame back: 'freed' (one is free now), 'wait' (a write is under way; the frame is free
   * when it is done), 'none' (no page can go), 'full' (swap is full).
   */
  evict(): EvictResult {
    this.reap();
    // A cached file page no process maps goes first: clean, and nobody's. Then a page of shared
    // memory no process maps now (it stays until its segment is removed): nobody's either.
    if (this.dropIdle()) return { kind: 'freed' };
    const idle = this.idleSegmentFrame();
    if (idle !== null) return this.evictSegmentPage({ frame: idle, pd: phys(0), va: virt(0), pte: 0, pteAddr: phys(0) }, [], 'idle', 'a page of a shared segment no process maps');
    if (this.policy !== null && this.policy.name !== 'fifo') return this.evictGlobal(this.policy);
    const v = this.nextVictim();
    if (v === null) {
      const req = this.inFlight();
      return req !== null ? { kind: 'wait', chan: req } : { kind: 'none' };
    }
    return this.evictPage(v, 'fifo', 'loaded first');
  }

  /** The pages of `pd` its policy may choose from: present, not locked, mapped where the reverse map says (added to `out`). */
  private residentOf(pd: PhysAddr, out: Page[] = []): Page[] {
    const now = this.virtualTime(pd);
    // The scan changes nothing: the reverse map's entries and the frames' are read in bulk.
    this.rmap.beginScan();
    const snap = this.pagesSnapshot;
    snap.begin();
    const c = this.cursor;
    c.start(this.hw, pd);
    while (c.next()) {
      const va = c.va, pte = c.pte;
      if (!this.isResident(pd, va, pte)) continue;
      const f = pte >>> 12; // the frame's number: entryFrame(pte) / PAGE_SIZE
      const v = snap.load(entryOffset(f, 0)); // an entry is 16 bytes, 16-aligned: never across a page
      out.push({ frame: entryFrame(pte), va, pte, pteAddr: c.pteAddr, pd, loaded: v.getUint32(entryOffset(f, RMAP_SEQ), true), counter: v.getUint32(entryOffset(f, RMAP_COUNTER), true), now });
    }
    return out;
  }

  /**
   * Whether the present page at `va` in `pd`, whose PTE is `pte`, is one of residentOf's: not
   * locked, a frame the reclaimer keeps entries for, `pd`'s own (its first mapping), and not locked
   * through another mapping. Only within a scan of the reverse map (rmap.beginScan).
   */
  private isResident(pd: PhysAddr, va: VirtAddr, pte: number): boolean {
    if ((pte & PTE_LOCKED) !== 0) return false;
    const f = pte >>> 12; // the frame's number: entryFrame(pte) / PAGE_SIZE
    if (f >= this.capacity) return false;
    const maps = this.rmap.scanPrimaryCount(f, pd, va);
    return maps !== 0 && (maps === 1 || !this.lockedByAnother(entryFrame(pte)));
  }

  /**
   * How many pages of `pd` count against a resident limit (present and not locked): residentOf's,
   * counted without reading what only a policy needs of each.
   */
  residentCount(pd: PhysAddr): number {
    let n = 0;
    this.rmap.beginScan(); // the scan changes nothing: the reverse map's entries are read in bulk
    const c = this.cursor;
    c.start(this.hw, pd);
    while (c.next()) if (this.isResident(pd, c.va, c.pte)) n++;
    return n;
  }

  /** A's clearing for a policy: the page's PTE loses A, and the TLB its copy. */
  private clearA(page: Page): void {
    const pte = this.hw.readPhys32(page.pteAddr);
    if ((pte & PTE_A) === 0) return;
    this.hw.writePhys32(page.pteAddr, (pte & ~PTE_A) >>> 0);
    this.hw.chargeCycles(COST.pteWrite);
    // The TLB keeps the translation with A set: drop it, so the next reference sets A again.
    if (isLive(this.hw, page.pd)) this.hw.invlpg(virt(page.va));
  }

  /** What a policy may do to the pages residentOf gave it (each knows its address space): one object for every call. */
  private readonly act: PolicyActions = {
    clearReferenced: (p) => this.clearA(p as Page),
    secondChance: (p) => { const page = p as Page; this.clearA(page); this.noteMapped(phys(page.frame), page.pd, virt(page.va), true); },
    setCounter: (p, v) => { this.hw.writePhys32(this.rmapField(phys(p.frame), RMAP_COUNTER), v >>> 0); },
  };

  /** Global replacement by a policy other than FIFO: it picks among every process's resident pages. */
  private evictGlobal(policy: ReplacementPolicy): EvictResult {
    const pages: Page[] = [];
    for (const pd of this.spaces()) this.residentOf(pd, pages);
    if (pages.length === 0) {
      const req = this.inFlight();
      return req !== null ? { kind: 'wait', chan: req } : { kind: 'none' };
    }
    const v = policy.choose(pages, this.act) as Page;
    return this.evictResident(v, v.pd, policy.name, policy.why(v));
  }

  /**
   * A tick of `pd`'s virtual time (`vt`, workingset.ts's virtualTime): every resident page whose A bit is set was
   * referenced in it, and its last-seen tick becomes `vt`. A is then cleared (and the TLB's copy of
   * the translation dropped, so the next reference sets it again), unless `keepA` (a policy that
   * samples A at the tick itself clears it after this). Returns the pages seen referenced.
   */
  sampleReferences(pd: PhysAddr, vt: number, keepA: boolean): number {
    let seen = 0;
    const live = isLive(this.hw, pd);
    // A 386 has no INVLPG: one CR3 reload after the whole sweep, not one per page (hw.invlpg).
    const perPage = live && this.hw.family === 486;
    forEachUserPage(this.hw, pd, (va, pte, pteAddr) => {
      if ((pte & PTE_A) === 0) return;
      seen++;
      const frame = entryFrame(pte);
      if (frame / PAGE_SIZE < this.capacity) this.hw.writePhys32(this.rmapField(frame, RMAP_SEEN), vt);
      if (keepA) return;
      this.hw.writePhys32(pteAddr, (pte & ~PTE_A) >>> 0);
      this.hw.chargeCycles(COST.pteWrite);
      if (perPage) this.hw.invlpg(va);
    });
    if (live && !perPage && !keepA && seen > 0) this.hw.writeCR3(this.hw.readCR3());
    return seen;
  }

  /** How many of `pd`'s resident pages were seen referenced in the last `delta` ticks of its virtual time, `vt` the last. */
  seenWithin(pd: PhysAddr, vt: number, delta: number): number {
    let n = 0;
    const snap = this.pagesSnapshot;
    snap.begin(); // the scan changes nothing: the frames' entries are read in bulk
    forEachUserPage(this.hw, pd, (_va, pte) => {
      const frame = entryFrame(pte);
      if (frame / PAGE_SIZE >= this.capacity) return;
      const seen = snap.word(entryOffset(frame / PAGE_SIZE, RMAP_SEEN));
      if (seen !== 0 && seen > vt - delta) n++;
    });
    return n;
  }

  /** A timer tick for a process with a policy that samples A bits. */
  tickProcess(pd: PhysAddr, policy: ReplacementPolicy): void {
    if (!policy.ticks) return;
    const pages = this.residentOf(pd);
    if (pages.length > 0) policy.tick(pages, this.act);
  }

  /** Local replacement: `policy` picks one of `pd`'s own pages to go, but none at an address in `spare`. */
  evictLocal(pd: PhysAddr, policy: ReplacementPolicy, spare: readonly number[] = []): EvictResult {
    this.reap();
    const pages = spare.length === 0 ? this.residentOf(pd) : this.residentOf(pd).filter((p) => !spare.includes(p.va));
    if (pages.length === 0) return { kind: 'none' };
    const v = policy.choose(pages, this.act) as Page;
    return this.evictResident(v, pd, policy.name, policy.why(v));
  }

  /**
   * Rolls out every page of `pd` that may go (present, not locked): written to swap or dropped as
   * any victim is, without waiting for the writes (their frames come free as each one is done).
   * Returns how many went; it stops early if swap is full.
   */
  rollOut(pd: PhysAddr): number {
    let n = 0;
    for (const p of this.residentOf(pd)) {
      if (this.evictResident(p, pd, 'load control', 'its process was suspended and rolled out whole').kind === 'full') break;
      n++;
    }
    return n;
  }

  /** --rss pff (rss.ts): clears A on every page of `pd`, first releasing (when `release`) those not referenced since A was last cleared. */
  releaseUnreferenced(pd: PhysAddr, release: boolean): number {
    let n = 0;
    const act = this.act;
    for (const p of this.residentOf(pd)) {
      if ((p.pte & PTE_A) !== 0 || !release) { act.clearReferenced(p); continue; }
      if (this.evictResident(p, pd, 'pff', 'not referenced since its last fault, which was long enough ago').kind === 'full') break;
      n++;
    }
    return n;
  }

  /** --rss ws (rss.ts): releases every page of `pd` last seen referenced at or before tick `since` of its virtual time. */
  releaseNotSeenSince(pd: PhysAddr, since: number): number {
    let n = 0;
    for (const p of this.residentOf(pd)) {
      if ((p.pte & PTE_A) !== 0 || this.hw.readPhys32(this.rmapField(phys(p.frame), RMAP_SEEN)) > since) continue;
      if (this.evictResident(p, pd, 'ws', 'out of its working set (not referenced in its last tau ticks)').kind === 'full') break;
      n++;
    }
    return n;
  }

  /**
   * Takes the resident page `p` of `pd` back (chosen by `policy`, for `why`: a replacement policy,
   * a resident-set policy, load control), its PTE read again: choosing may have cleared A bits.
   */
  private evictResident(p: Page, pd: PhysAddr, policy: string, why: string): EvictResult {
    return this.evictPage({ frame: phys(p.frame), pd, va: virt(p.va), pte: this.hw.readPhys32(p.pteAddr), pteAddr: p.pteAddr }, policy, why);
  }

  /** Whether a shared frame is locked (mlock) by one of its other mappings: then it is never a victim. */
  private lockedElsewhere(frame: PhysAddr): boolean {
    if (this.rmap.count(frame) <= 1) return false;
    return this.lockedByAnother(frame);
  }

  /** lockedElsewhere for a frame known to have more than one mapping. */
  private lockedByAnother(frame: PhysAddr): boolean {
    return this.mapsOf(frame).some((m) => (m.pte & PTE_LOCKED) !== 0);
  }

  /** Every PTE that maps `frame`, as the reverse map lists them (each one's PTE read now). */
  private mapsOf(frame: PhysAddr): Victim[] {
    return this.rmap.mappings(frame).map(({ pd, va }) => {
      const w = walk(this.hw, pd, va);
      if (w.pteAddr === null || !isPresent(w.pte) || entryFrame(w.pte) !== frame) panic(`reclaim: the reverse map says ${hex0x(va)} in ${hex0x(pd)} maps frame ${hex0x(frame)}, but its PTE is ${hex0x(w.pte ?? 0)}`);
      return { frame, pd, va, pte: w.pte, pteAddr: w.pteAddr };
    });
  }

  /** Each PTE in `maps` becomes `entry` (0, or a swap entry), the TLB forgets it, and the reverse map lets it go. */
  private unmapVictim(maps: readonly Victim[], entry: number): void {
    for (const v of maps) {
      this.evicted(v.pd, v.va, this.hw.readPhys32(this.rmapField(v.frame, RMAP_SEEN)));
      this.hw.writePhys32(v.pteAddr, entry);
      this.hw.chargeCycles(COST.pteWrite);
      if (isLive(this.hw, v.pd)) this.hw.invlpg(v.va);
      this.rmap.remove(v.frame, v.pd, v.va);
    }
    this.stats.evictions++;
    if (maps.length > 1) this.stats.sharedEvictions++;
  }

  /**
   * Takes `v`'s frame, from every PTE that maps it: dropped when clean (to its slot, when it kept
   * one), else written to its kept slot or a new one (the caller waits for the write).
   */
  private evictPage(v: Victim, policy: string, why: string): EvictResult {
    const maps = this.rmap.count(v.frame) > 1 ? this.mapsOf(v.frame) : [v];
    // The page's state is every mapping's: written through any one, or only in its frame.
    let bits = 0;
    for (const m of maps) bits |= m.pte;
    const owner = this.frames.ownerOf(v.frame);
    if (owner === 'cache') return this.evictCached(v, maps, bits, policy, why);
    if (owner === 'shm') return this.evictSegmentPage(v, maps, policy, why);
    const kept = this.keptSlot(v.frame);
    const keptClean = kept !== 0 && (bits & PTE_D) === 0;
    const extra = maps.length - 1;
    if (keptClean || (kept === 0 && (bits & (PTE_D | PTE_UNBACKED)) === 0)) {
      // Clean: its file or a zero-fill gives it back as it is; or, read back from swap and not
      // written since, the slot it kept still holds it (no write needed): the first PTE takes the
      // frame's hold on the slot, each other PTE one more.
      if (keptClean && !this.swap.refs(kept, extra)) return this.keep(v);
      if (keptClean) { this.forgetKeptSlot(v.frame); this.stats.keptDrops++; }
      this.unmapVictim(maps, keptClean ? swapEntry(kept) : 0);
      this.frames.free(v.frame);
      this.evictions.push({ pd: v.pd, va: v.va, slot: keptClean ? kept : null, written: false, policy, why });
      return { kind: 'freed' };
    }
    // Otherwise it is written out: to the slot it kept, unless another PTE still holds that slot
    // (a fork's, which needs the old contents), when it lets go of it for a new one; else to a new slot.
    const slot = kept !== 0 && !this.swap.shared(kept) ? kept : this.swap.alloc();
    if (slot === null) return this.keep(v);
    if (!this.swap.refs(slot, extra)) { if (slot !== kept) this.swap.free(slot); return this.keep(v); }
    if (kept !== 0) {
      this.forgetKeptSlot(v.frame);
      if (slot !== kept) this.swap.free(kept);
    }
    this.unmapVictim(maps, swapEntry(slot));
    return this.writeOut(v, slot, policy, why);
  }

  /** `v`'s frame, unmapped everywhere, goes to `slot`: free once the drive has written it (the caller waits). */
  private writeOut(v: Victim, slot: number, policy: string, why: string): EvictResult {
    this.failed.delete(slot);
    const req = this.swap.write(slot, v.frame);
    this.busy.hold({ frame: v.frame, req, slot }); // a write that failed at once frees the frame now
    this.stats.swapOuts++;
    this.evictions.push({ pd: v.pd, va: v.va, slot, written: true, policy, why });
    return req.status !== 'queued' ? { kind: 'freed' } : { kind: 'wait', chan: req };
  }

  /**
   * A page of the page cache: every PTE goes (the page comes back from the cache, or the file),
   * a page written through a MAP_SHARED mapping is written back to its file first (from a copy,
   * so the frame is free at once), and the frame leaves the cache.
   */
  private evictCached(v: Victim, maps: readonly Victim[], bits: number, policy: string, why: string): EvictResult {
    this.unmapVictim(maps, 0);
    if ((bits & PTE_D) !== 0) this.markDirty(v.frame);
    this.uncache(v.frame);
    this.stats.cacheEvictions++;
    this.frames.free(v.frame);
    this.evictions.push({ pd: v.pd, va: v.va, slot: null, written: false, policy, why });
    return { kind: 'freed' };
  }

  /**
   * A page of a shared segment: written to a new slot that the segment remembers (every PTE goes;
   * each attacher finds the page through the segment again). Shared memory has no file behind it:
   * it is written even when clean.
   */
  private evictSegmentPage(v: Victim, maps: readonly Victim[], policy: string, why: string): EvictResult {
    const slot = this.swap.alloc();
    if (slot === null) return this.keep(v);
    this.unmapVictim(maps, 0);
    this.segmentOut(v.frame, slot, maps.length === 0);
    return this.writeOut(v, slot, policy, why);
  }

  /** The victim stays: back to the end of the queue (keeping its slot), and the caller says swap is full. */
  private keep(v: Victim): EvictResult {
    this.noteMapped(v.frame, v.pd, v.va, true);
    return { kind: 'full' };
  }
}
