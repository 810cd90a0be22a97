// The page-fault handler's decision (Serenity's PageFaultResponse): given a process and a decoded
// fault, either the page is made present now (zero-filled: bss, heap, stack; from a file read that
// has finished; from swap), or the process must wait for the disk (the read of the page's file
// bytes or of its swap slot is started, or still in flight; or a frame is on its way to swap to
// make room), or the access is bad and the process dies.
//
// A wait holds nothing but the request and the frame it fills (the process's `io`): woken, the
// process asks again with the same fault, and this time the bytes are there: the page is mapped.
// The second asking completes the first fault; it is not counted as a new one. When no frame is
// free and there is swap, the reclaimer (reclaim.ts) takes one back from some process.

import { phys, virt, PAGE_SIZE, type Hw, type PhysAddr, type VirtAddr } from '../hw.ts';
import type { KernelStats } from '../stats.ts';
import type { WaitChannel } from '../wait.ts';
import type { BackingStore, PendingRead, Region } from './backing.ts';
import type { PageFault } from './fault.ts';
import type { FrameAllocator } from './frame-table.ts';
import { encodeEntry, entryFrame, isLive, isPresent, isSwapEntry, mapPage, PTE_A, PTE_D, PTE_FLAGS, PTE_KEPT, PTE_P, PTE_U, PTE_UNBACKED, PTE_W, swapSlot, walk, type Walk } from './pagetable.ts';
import type { ReverseMap } from './rmap.ts';
import type { PageCache } from './pagecache.ts';
import type { SharedMemory } from './shm.ts';
import { recordMapping, releaseFrame, type ForkMode } from './vmm.ts';
import { COST } from '../cost.ts';
import type { FrameShares } from './allotment.ts';
import { joinWindow, type LruWindow } from './lru.ts';
import { pffFault, type RssPolicy } from './rss.ts';
import type { ReplacementPolicy } from './policy.ts';
import type { Reclaimer } from './reclaim.ts';

export type PagerResponse =
  | { kind: 'mapped'; how: 'zero' | 'file' | 'present' | 'swap' | 'copied' | 'reused' | 'cached' }
  | { kind: 'wait'; chan: WaitChannel }
  | { kind: 'bad'; reason: string; /** no frame was free (the OOM rule picks who goes, proc/oom.ts) */ oom?: true };

/** The PTE flags a region's pages get. */
export const regionFlags = (r: Region): number => PTE_U | (r.writable ? PTE_W : 0);
/** The flags of a page-cache page in `r`: a MAP_SHARED mapping writes the cached page itself; any other maps it copy-on-write. */
const cachedFlags = (r: Region): number => (r.sharedFile === true ? regionFlags(r) : regionFlags(r) & ~PTE_W);

/** What the pager uses: frames, the page tables (through hw), the store file pages come from, the counters. */
export interface PagerContext {
  hw: Hw;
  frames: FrameAllocator;
  /** Who maps each user frame: a shared frame's count, a copy-on-write page's other mappings. */
  rmap: ReverseMap;
  /** Shared anonymous memory: the segments mmap(MAP_SHARED|MAP_ANONYMOUS) and shmget make. */
  shm: SharedMemory;
  /** The program disk's pages in RAM, shared by every process that maps them (null: none). */
  cache: PageCache | null;
  /** Where file-backed pages are read from (the program disk). */
  backing: BackingStore | null;
  /** Page replacement and swap; null without a swap disk (then no frame means out of memory). */
  reclaim: Reclaimer | null;
  /** Each process's share of the frames under local replacement (--scope local); null: global. */
  shares: FrameShares | null;
  /** How resident sets are sized (--rss): pff acts at each fault (rss.ts). */
  readonly options: { readonly rss: RssPolicy; readonly fork: ForkMode };
  stats: KernelStats;
}

/** What the pager needs of the process that faulted (proc/process.ts's Process). */
export interface PagedProcess {
  readonly pd: PhysAddr;
  /** Page faults it took (the pager counts them), and how many on each page (process accounting). */
  faults: number;
  readonly faultsByPage: Map<number, number>;
  /** The read it waits for, if any. */
  io: PendingRead | null;
  /** Its write faults on copy-on-write pages, and the copies they made. */
  cowFaults: number;
  cowCopies: number;
  /** The page whose fault waits for a frame (a write to swap), so asking again is not a new fault. */
  waitingFor: number | null;
  /** A resident limit (run -m) and the policy that picks which of its own pages goes when it is reached. */
  readonly limit: number | null;
  readonly policy: ReplacementPolicy | null;
  /** Under exact LRU, the pages ring 3 may touch now: a page mapped joins them (lru.ts). */
  lru: LruWindow | null;
  /** Its pages taken back while in its working set (workingset.ts): a page mapped again leaves it. */
  readonly wsEvicted: Map<number, number>;
  /** Its CPU time in cycles, and that time at its last fault (--rss pff). */
  readonly userCycles: number;
  lastFaultAt: number | null;
  /** Under a resident limit, the pages mapped for the instruction that faulted, until it completes: never victims. */
  readonly restart: { eip: number; pages: number[] } | null;
  regionAt(va: number): Region | null;
}

const MAPPED_ZERO = { kind: 'mapped', how: 'zero' } as const;
const MAPPED_FILE = { kind: 'mapped', how: 'file' } as const;
const MAPPED_PRESENT = { kind: 'mapped', how: 'present' } as const;
const MAPPED_SWAP = { kind: 'mapped', how: 'swap' } as const;
const MAPPED_COPIED = { kind: 'mapped', how: 'copied' } as const;
const MAPPED_REUSED = { kind: 'mapped', how: 'reused' } as const;
const MAPPED_CACHED = { kind: 'mapped', how: 'cached' } as const;
const OUT_OF_SWAP = { kind: 'bad', reason: 'out of swap space (no free slot for a page to make room)' } as const;
const NO_FRAME = { kind: 'bad', reason: 'out of memory (no free frame)', oom: true } as const;
const NO_TABLE = { kind: 'bad', reason: 'out of memory (no frame for a page table)', oom: true } as const;
const NO_RMAP = { kind: 'bad', reason: 'out of reverse-map entries (too many mappings of shared pages)' } as const;

/** The `io.what` of a page-in of the page at `page`. */
const pageInFor = (page: number): string => `page ${page}`;

/**
 * Makes the page holding `f.va` present in `p`'s address space, if a region allows the access.
 * Counts the fault, unless it completes an earlier one or `counted` says this is the same fault
 * tried again (after the OOM rule freed frames).
 */
export function handlePageFault(x: PagerContext, p: PagedProcess, f: PageFault, counted = false): PagerResponse {
  const page = virt(f.va & ~(PAGE_SIZE - 1));
  const pending = p.io !== null && (p.io.what === pageInFor(page) || p.io.what === swapInFor(page)) ? p.io : null;
  // A fault asked again after waiting for a frame (a write to swap) is the same fault.
  const again = counted || pending !== null || p.waitingFor === page;
  p.waitingFor = null;
  if (!again) {
    p.faults++;
    x.stats.faults++;
    p.faultsByPage.set(page, (p.faultsByPage.get(page) ?? 0) + 1);
    p.policy?.fault?.(page, f.mode === 'user' && f.inSyscall !== true);
    if (x.options.rss === 'pff' && x.reclaim !== null) pffFault(x.reclaim, p, p.userCycles);
  }
  const r = p.regionAt(f.va);
  if (r === null) return { kind: 'bad', reason: 'not in any region of the program' };
  if (r.readable === false) return { kind: 'bad', reason: `${r.kind} is PROT_NONE (no access)` };
  if (f.access === 'write' && !r.writable) return { kind: 'bad', reason: `${r.kind} is read-only` };
  const hw = x.hw;
  if (pending !== null) return pending.read !== undefined ? finishPageIn(x, p, pending, r, page) : finishSwapIn(x, p, pending, r, page);
  const w = walk(hw, p.pd, page);
  if (isPresent(w.pte)) {
    // A write to a present page the region allows but its PTE does not: copy-on-write.
    if (f.access === 'write' && (w.pte & PTE_W) === 0) return r.sharedFile === true || r.segment !== undefined ? grantWrite(x, p, w) : copyOnWrite(x, p, f, w, again);
    // Another path brought it in, or made it writable: a protection fault came from a translation
    // the TLB kept from before, which must go before the instruction runs again.
    if (f.present && isLive(hw, p.pd)) hw.invlpg(page);
    return MAPPED_PRESENT;
  }
  const room = makeLocalRoom(x, p, page);
  if (room !== null) return room;
  if (isSwapEntry(w.pte)) return startSwapIn(x, p, r, swapSlot(w.pte), page);
  if (r.segment !== undefined) return segmentPage(x, p, r, page, w);
  const fromCache = cachedPage(x, p, r, page, w);
  if (fromCache !== null) return fromCache;
  if (r.sharedFile === true) return { kind: 'bad', reason: 'beyond the end of its file (a MAP_SHARED mapping)' };
  const frame = takeFrames(x, p, page, w.pteAddr === null);
  if (typeof frame !== 'number') return frame;
  hw.zeroPage(frame);
  // The part of the page the file covers, if any: a page of a segment's bss has none, and is a zero-fill.
  const b = r.backing;
  const fileStart = b ? Math.max(page, b.vaddr) : 0;
  const fileEnd = b ? Math.min(page + PAGE_SIZE, b.vaddr + b.filesz) : 0;
  if (b === undefined || fileEnd <= fileStart) {
    // The walk is stale if taking the frame evicted a page of this same page table: walk again then.
    if (!mapPage(hw, x.frames, p.pd, page, frame, regionFlags(r), x.reclaim === null ? w : undefined)) { x.frames.free(frame); return NO_TABLE; }
    recordMapping(x, frame, p.pd, page);
    x.stats.zeroFills++;
    return mapped(x, p, page, MAPPED_ZERO);
  }
  // Lazily loaded: start reading the part of the page the file covers into the store's buffer. The
  // process waits for it holding the zeroed frame; the bytes go in when it asks again.
  if (p.io !== null) releasePending(x, p);
  const read = x.backing!.read(b.file, b.offset + (fileStart - b.vaddr), fileEnd - fileStart);
  if (typeof read === 'string') { x.frames.free(frame); return { kind: 'bad', reason: read }; }
  if (read.req.status === 'error') { x.backing!.release(read); x.frames.free(frame); return { kind: 'bad', reason: read.req.error ?? 'disk error' }; }
  p.io = { what: pageInFor(page), req: read.req, read, frame, offset: fileStart - page };
  return { kind: 'wait', chan: read.req };
}

/**
 * The page of the program file that holds `page`, when the page cache is the place for it: the
 * file page's bytes are the page's own (the segment's file offset and address agree modulo a page),
 * and either the file fills the whole page or the region may not be written (then the bytes of
 * that file page around the segment's show too, as a real loader maps a file). Null otherwise.
 */
function cacheIndex(x: PagerContext, r: Region, page: VirtAddr): number | null {
  const b = r.backing;
  if (x.cache === null || b === undefined || (b.offset - b.vaddr) % PAGE_SIZE !== 0) return null;
  const start = Math.max(page, b.vaddr), end = Math.min(page + PAGE_SIZE, b.vaddr + b.filesz);
  if (end <= start) return null; // bss: a zero-fill
  if (r.writable && r.sharedFile !== true && (start !== page || end !== page + PAGE_SIZE)) return null; // part file, part bss: its own
  const off = b.offset + (page - b.vaddr);
  return off >= 0 && off < b.file.size ? off / PAGE_SIZE : null;
}

/**
 * A page the page cache holds (or will): mapped read-only from the cached frame, shared with
 * every process that maps it (copy-on-write in a writable region); or, not cached yet, the whole
 * file page is read into a frame of its own that joins the cache when the read is done (the
 * process waits). Null when the page is not the cache's (cacheIndex), or when the reverse map has
 * no entry for one more mapping of a cached frame (the page is then read as a private copy).
 */
function cachedPage(x: PagerContext, p: PagedProcess, r: Region, page: VirtAddr, w: Walk): PagerResponse | null {
  const index = cacheIndex(x, r, page);
  if (index === null) return null;
  const b = r.backing!;
  const hit = x.cache!.lookup(b.file, index);
  const flags = cachedFlags(r);
  if (hit !== null) {
    if (x.rmap.count(hit) > 0 && !x.rmap.canShare) return r.sharedFile === true ? NO_RMAP : null;
    if (!mapPage(x.hw, x.frames, p.pd, page, hit, flags, w)) return NO_TABLE;
    x.cache!.idle.mapping(x.rmap.count(hit));
    x.rmap.add(hit, p.pd, page);
    // Back to the end of the replacement queue: used again (it may have left it while idle).
    x.reclaim?.noteMapped(hit, p.pd, page, true);
    return mapped(x, p, page, MAPPED_CACHED);
  }
  const frame = takeFrames(x, p, page, w.pteAddr === null);
  if (typeof frame !== 'number') return frame;
  x.hw.zeroPage(frame);
  if (p.io !== null) releasePending(x, p);
  const from = index * PAGE_SIZE;
  const read = x.backing!.read(b.file, from, Math.min(PAGE_SIZE, b.file.size - from));
  if (typeof read === 'string') { x.frames.free(frame); return { kind: 'bad', reason: read }; }
  if (read.req.status === 'error') { x.backing!.release(read); x.frames.free(frame); return { kind: 'bad', reason: read.req.error ?? 'disk error' }; }
  p.io = { what: pageInFor(page), req: read.req, read, frame, offset: 0, cacheIndex: index };
  return { kind: 'wait', chan: read.req };
}

/**
 * Local replacement: a process with a resident limit (its own, from run -m, or its share of the
 * frames under --scope local) that has reached it gives up one of its own pages, the one its
 * policy picks (its own, or the global one), before it takes a frame for another (null: go on).
 */
function makeLocalRoom(x: PagerContext, p: PagedProcess, page: VirtAddr): PagerResponse | null {
  if (x.reclaim === null) return null;
  const limit = p.limit ?? x.shares?.of(p.pd) ?? null;
  const policy = p.policy ?? x.reclaim.policy;
  if (limit === null || policy === null) return null;
  if (x.reclaim.residentCount(p.pd) < limit) return null;
  // Not a page this same instruction needs: with none other to take, it goes over its limit.
  const e = x.reclaim.evictLocal(p.pd, policy, p.restart?.pages);
  if (e.kind === 'wait') { p.waitingFor = page; return { kind: 'wait', chan: e.chan }; }
  if (e.kind === 'full') return OUT_OF_SWAP;
  return null;
}

/**
 * The frame for the page at `page`, and when `needTable`, room for the page table mapPage will
 * take too: with swap, making room may mean waiting, so it is made here, before anything is
 * changed (the table's frame is freed again just before use: mapPage takes it straight back).
 */
function takeFrames(x: PagerContext, p: PagedProcess, page: VirtAddr, needTable: boolean): PhysAddr | PagerResponse {
  let table: PhysAddr | null = null;
  if (needTable && x.reclaim !== null) {
    const t = takeFrame(x);
    if (typeof t !== 'number') { if (t.kind === 'wait') p.waitingFor = page; return t; }
    table = t;
  }
  const frame = takeFrame(x);
  if (table !== null) x.frames.free(table);
  if (typeof frame !== 'number' && frame.kind === 'wait') p.waitingFor = page;
  return frame;
}

/**
 * A free frame for a user page: from the allocator, else taken back by the reclaimer (which may
 * have to wait for a write to swap first), else out of memory (the OOM rule) or out of swap.
 */
function takeFrame(x: PagerContext): PhysAddr | PagerResponse {
  // With swap, user pages leave the last RESERVE free frames to the kernel, which cannot wait for
  // a write to swap where it needs a frame (a kernel stack, a page directory, a fork's copies).
  for (let tries = 0; tries < 4; tries++) {
    if (x.reclaim === null || x.frames.freeFrames > x.reclaim.reserve) {
      const frame = x.frames.alloc('user');
      if (frame !== null) return frame;
      if (x.reclaim === null) return NO_FRAME;
    }
    const e = x.reclaim.evict();
    if (e.kind === 'wait') return { kind: 'wait', chan: e.chan };
    if (e.kind === 'full') return OUT_OF_SWAP;
    if (e.kind === 'none') {
      // Nothing can go: take from the reserve before calling it out of memory.
      return x.frames.alloc('user') ?? NO_FRAME;
    }
  }
  return NO_FRAME;
}

/** The page at `page` was mapped: it is one the faulting instruction needs; under exact LRU it joins the pages ring 3 may touch now. */
function mapped<R extends PagerResponse>(x: PagerContext, p: PagedProcess, page: VirtAddr, r: R): R {
  p.restart?.pages.push(page);
  p.wsEvicted.delete(page);
  if (p.lru !== null && x.reclaim !== null) joinWindow({ hw: x.hw, reclaim: x.reclaim }, p, page);
  return r;
}

/** `io.what` of a swap-in of the page at `page`. */
const swapInFor = (page: number): string => `swap ${page}`;

/**
 * The page is in swap slot `slot`: mapped from the frame another process read it back into (the
 * swap cache), or read back into a frame (the process waits).
 */
function startSwapIn(x: PagerContext, p: PagedProcess, r: Region, slot: number, page: VirtAddr): PagerResponse {
  const reclaim = x.reclaim;
  if (reclaim === null) return { kind: 'bad', reason: `a swapped-out page (slot ${slot}) and no swap` };
  if (reclaim.failed.has(slot)) return { kind: 'bad', reason: `its page was lost: the write to swap slot ${slot} failed` };
  const writing = reclaim.writing(slot);
  if (writing !== null) { p.waitingFor = page; return { kind: 'wait', chan: writing }; } // it is still on its way out
  const cached = reclaim.cachedFrame(slot);
  if (cached !== null) {
    const m = mapCached(x, p, r, page, slot, cached);
    if (m !== null) return m;
  }
  const frame = takeFrames(x, p, page, walk(x.hw, p.pd, page).pteAddr === null);
  if (typeof frame !== 'number') return frame;
  if (p.io !== null) releasePending(x, p);
  const req = reclaim.swap.read(slot, frame);
  p.io = { what: swapInFor(page), req, frame };
  if (req.status === 'error') { releasePending(x, p); return { kind: 'bad', reason: req.error ?? 'swap read error' }; }
  return { kind: 'wait', chan: req };
}

/** The process asks again for a page it was reading back from swap. */
function finishSwapIn(x: PagerContext, p: PagedProcess, pending: PendingRead, r: Region, page: VirtAddr): PagerResponse {
  if (pending.req.status === 'queued') return { kind: 'wait', chan: pending.req };
  const frame = pending.frame!;
  p.io = null;
  if (pending.req.status === 'error') { x.frames.free(frame); return { kind: 'bad', reason: pending.req.error ?? 'swap read error' }; }
  const w = walk(x.hw, p.pd, page);
  if (!isSwapEntry(w.pte)) { x.frames.free(frame); return w.pte !== null && isPresent(w.pte) ? MAPPED_PRESENT : { kind: 'bad', reason: 'its swap entry went away' }; }
  const slot = swapSlot(w.pte);
  const reclaim = x.reclaim!;
  // Another process read the same slot back while this one waited: map its frame, and this one goes.
  const cached = reclaim.cachedFrame(slot);
  const shareIt = cached === null ? null : mapCached(x, p, r, page, slot, cached);
  if (shareIt !== null) { x.frames.free(frame); return shareIt; }
  // The page keeps its slot (PTE_KEPT, the slot in the reclaimer's table): dropped again before it
  // is written, it needs no second write. While other PTEs still name the slot it is mapped
  // read-only, so they find the same page in it or in this frame (the swap cache): the first write
  // copies it (or takes it over, the last mapping). When another frame keeps the slot already (its
  // mappings fill the reverse map), this copy is the process's own, held by its frame alone.
  const keep = cached === null;
  const flags = keep ? regionFlags(r) & ~(reclaim.swap.shared(slot) ? PTE_W : 0) | PTE_KEPT : regionFlags(r) | PTE_UNBACKED;
  x.hw.writePhys32(w.pteAddr!, 0);
  if (!mapPage(x.hw, x.frames, p.pd, page, frame, flags)) { x.hw.writePhys32(w.pteAddr!, w.pte); x.frames.free(frame); return NO_TABLE; }
  if (!keep) reclaim.freeSlot(slot);
  recordMapping(x, frame, p.pd, page, keep ? slot : 0);
  x.stats.swapIns++;
  return mapped(x, p, page, MAPPED_SWAP);
}

/**
 * The page at `page`, whose PTE names swap slot `slot`, maps `frame`: the frame another process read
 * the slot back into, which keeps it (the swap cache). It is mapped read-only (copy-on-write: the
 * first write copies it), and this PTE's hold on the slot ends. Null when the reverse map has no
 * entry left for one more mapping (the caller reads the slot into a frame of its own).
 */
function mapCached(x: PagerContext, p: PagedProcess, r: Region, page: VirtAddr, slot: number, frame: PhysAddr): PagerResponse | null {
  if (!x.rmap.canShare) return null;
  const w = walk(x.hw, p.pd, page);
  if (w.pteAddr === null || !isSwapEntry(w.pte) || swapSlot(w.pte) !== slot) return null;
  x.hw.writePhys32(w.pteAddr, encodeEntry(frame, (regionFlags(r) & ~PTE_W) | PTE_KEPT | PTE_P));
  x.hw.chargeCycles(COST.pteWrite);
  x.rmap.add(frame, p.pd, page);
  x.reclaim!.freeSlot(slot);
  x.stats.swapCacheHits++;
  return mapped(x, p, page, MAPPED_CACHED);
}

/**
 * A write to a page of shared memory or of a MAP_SHARED file whose PTE lacks W (mapped before
 * mprotect allowed writes): every mapper writes the same frame, so W is simply given.
 */
function grantWrite(x: PagerContext, p: PagedProcess, w: Walk): PagerResponse {
  x.hw.writePhys32(w.pteAddr!, (w.pte! | PTE_W) >>> 0);
  x.hw.chargeCycles(COST.pteWrite);
  if (isLive(x.hw, p.pd)) x.hw.invlpg(w.va);
  return mapped(x, p, w.va, MAPPED_PRESENT);
}

/** `io.what` of a swap-in of a shared segment's page mapped at `page`. */
const segmentInFor = (page: number): string => `segment ${page}`;

/**
 * A page of shared anonymous memory: the segment's frame, mapped as the region allows (every
 * attacher writes the same frame); a page never touched is a zero-fill that joins the segment; a
 * page the pager wrote out is read back from its slot into a frame that joins the segment (the
 * process waits, and asks again).
 */
function segmentPage(x: PagerContext, p: PagedProcess, r: Region, page: VirtAddr, w: Walk): PagerResponse {
  const { seg, first } = r.segment!;
  const index = first + (page - r.start) / PAGE_SIZE;
  const io = p.io !== null && p.io.what === segmentInFor(page) ? p.io : null;
  if (io !== null) {
    if (io.req.status === 'queued') { p.waitingFor = page; return { kind: 'wait', chan: io.req }; }
    p.io = null;
    const frame = io.frame!;
    if (io.req.status === 'error') { x.frames.free(frame); return { kind: 'bad', reason: io.req.error ?? 'swap read error' }; }
    const now = x.shm.page(seg, index);
    if (now.kind === 'swap') {
      x.shm.setFrame(seg, index, frame);
      x.reclaim?.freeSlot(now.slot);
      x.stats.swapIns++;
      if (!mapPage(x.hw, x.frames, p.pd, page, frame, regionFlags(r), w)) { x.shm.idle.unmapped(); return NO_TABLE; } // the segment keeps it, idle
      recordMapping(x, frame, p.pd, page);
      return mapped(x, p, page, MAPPED_SWAP);
    }
    x.frames.free(frame); // another attacher brought it back first
  }
  const pg = x.shm.page(seg, index);
  if (pg.kind === 'frame') {
    if (x.rmap.count(pg.frame) > 0 && !x.rmap.canShare) return NO_RMAP;
    if (!mapPage(x.hw, x.frames, p.pd, page, pg.frame, regionFlags(r), w)) return NO_TABLE;
    x.shm.idle.mapping(x.rmap.count(pg.frame));
    x.rmap.add(pg.frame, p.pd, page);
    x.reclaim?.noteMapped(pg.frame, p.pd, page, true);
    return mapped(x, p, page, MAPPED_CACHED);
  }
  if (pg.kind === 'swap') {
    const reclaim = x.reclaim;
    if (reclaim === null) return { kind: 'bad', reason: `a swapped-out page (slot ${pg.slot}) and no swap` };
    const writing = reclaim.writing(pg.slot);
    if (writing !== null) { p.waitingFor = page; return { kind: 'wait', chan: writing }; }
    const frame = takeFrames(x, p, page, w.pteAddr === null);
    if (typeof frame !== 'number') return frame;
    if (p.io !== null) releasePending(x, p);
    const req = reclaim.swap.read(pg.slot, frame);
    p.io = { what: segmentInFor(page), req, frame, segmentIndex: index };
    p.waitingFor = page;
    return { kind: 'wait', chan: req };
  }
  const frame = takeFrames(x, p, page, w.pteAddr === null);
  if (typeof frame !== 'number') return frame;
  x.hw.zeroPage(frame);
  // Taking the frame may have brought the page in through another attacher: look again.
  if (x.shm.page(seg, index).kind !== 'none') { x.frames.free(frame); return segmentPage(x, p, r, page, walk(x.hw, p.pd, page)); }
  x.shm.setFrame(seg, index, frame);
  if (!mapPage(x.hw, x.frames, p.pd, page, frame, regionFlags(r))) { x.shm.idle.unmapped(); return NO_TABLE; } // the segment keeps it, idle
  recordMapping(x, frame, p.pd, page);
  x.stats.zeroFills++;
  return mapped(x, p, page, MAPPED_ZERO);
}

/**
 * A write to a present page whose PTE lacks W in a region that allows writes: a copy-on-write page
 * (a fork's, or one read back from a slot other PTEs still name). The last mapping of its frame
 * takes it over (W back, no copy: it lets go of a slot others still hold); otherwise the page is
 * copied to a frame of its own, mapped writable, and the shared frame has one mapping less.
 */
function copyOnWrite(x: PagerContext, p: PagedProcess, f: PageFault, w: Walk, again: boolean): PagerResponse {
  const page = w.va;
  const pte = w.pte!;
  const frame = entryFrame(pte);
  if (!again) { x.stats.cowFaults++; p.cowFaults++; }
  const live = isLive(x.hw, p.pd);
  // A page of the page cache is never taken over: the cache holds it for the next process.
  const cached = x.frames.ownerOf(frame) === 'cache';
  if (x.rmap.count(frame) <= 1 && !cached) {
    let e = (pte | PTE_W) >>> 0;
    const kept = x.reclaim?.keptSlot(frame) ?? 0;
    if (kept !== 0 && x.reclaim!.swap.shared(kept)) {
      // Other PTEs still name the slot it was read back from, and need the page as it is there.
      x.reclaim!.releaseKept(frame);
      e = ((e & ~PTE_KEPT) | PTE_UNBACKED) >>> 0;
    }
    x.hw.writePhys32(w.pteAddr!, e);
    x.hw.chargeCycles(COST.pteWrite);
    if (live) x.hw.invlpg(page);
    x.stats.cowReuses++;
    return mapped(x, p, page, MAPPED_REUSED);
  }
  const copy = takeFrames(x, p, page, false);
  if (typeof copy !== 'number') return copy;
  // Making room may have taken this very page back, or its other mappings: look again.
  const now = walk(x.hw, p.pd, page);
  if (!isPresent(now.pte) || entryFrame(now.pte) !== frame || (now.pte & PTE_W) !== 0 || (x.rmap.count(frame) <= 1 && !cached)) {
    x.frames.free(copy);
    return handlePageFault(x, p, f, true);
  }
  x.hw.copyPage(copy, frame);
  // Only its frame holds the copy: written to swap before it is dropped, dirty or not.
  x.hw.writePhys32(now.pteAddr!, encodeEntry(copy, (now.pte & PTE_FLAGS & ~(PTE_A | PTE_D | PTE_KEPT)) | PTE_W | PTE_UNBACKED));
  x.hw.chargeCycles(COST.pteWrite);
  if (live) x.hw.invlpg(page);
  releaseFrame(x, frame, p.pd, page);
  recordMapping(x, copy, p.pd, page);
  x.stats.cowCopies++;
  p.cowCopies++;
  return mapped(x, p, page, MAPPED_COPIED);
}

/** The process asks again for a page whose read it waited for: still waiting, a disk error, or the page mapped. */
function finishPageIn(x: PagerContext, p: PagedProcess, pending: PendingRead, r: Region, page: VirtAddr): PagerResponse {
  const read = pending.read!;
  if (read.req.status === 'queued') return { kind: 'wait', chan: read.req };
  const frame = pending.frame!;
  p.io = null;
  if (read.req.status === 'error') {
    x.backing!.release(read);
    x.frames.free(frame);
    return { kind: 'bad', reason: read.req.error ?? 'disk error' };
  }
  // The rest of the page (before the segment starts, or past its file bytes) stays zero.
  x.backing!.copyTo(read, phys(frame + (pending.offset ?? 0)));
  x.backing!.release(read);
  if (pending.cacheIndex !== undefined && x.cache !== null) {
    const file = r.backing!.file;
    if (x.cache.insert(file, pending.cacheIndex, frame)) {
      // Shared from now on: a writable private region's page is copy-on-write.
      if (!mapPage(x.hw, x.frames, p.pd, page, frame, cachedFlags(r))) { x.cache.idle.unmapped(); return NO_TABLE; } // the cache keeps it, idle
      recordMapping(x, frame, p.pd, page);
      x.stats.pageIns++;
      return mapped(x, p, page, MAPPED_FILE);
    }
    // Another process cached the page while this one waited (or no table could be had for the
    // file): the cached frame, if any, is mapped instead, else this frame is the process's own.
    const other = x.cache.lookup(file, pending.cacheIndex);
    if (other !== null && (x.rmap.count(other) === 0 || x.rmap.canShare) && mapPage(x.hw, x.frames, p.pd, page, other, cachedFlags(r))) {
      x.frames.free(frame);
      x.cache.idle.mapping(x.rmap.count(other));
      x.rmap.add(other, p.pd, page);
      return mapped(x, p, page, MAPPED_CACHED);
    }
  }
  if (!mapPage(x.hw, x.frames, p.pd, page, frame, regionFlags(r))) { x.frames.free(frame); return NO_TABLE; }
  recordMapping(x, frame, p.pd, page);
  x.stats.pageIns++;
  return mapped(x, p, page, MAPPED_FILE);
}

/** Gives back what a process held for a read it no longer waits for: the store's buffer, and the frame. */
export function releasePending(x: Pick<PagerContext, 'backing' | 'frames' | 'reclaim'>, p: { io: PendingRead | null }): void {
  const io = p.io;
  if (io === null) return;
  p.io = null;
  if (io.read !== undefined) x.backing?.release(io.read);
  if (io.frame === undefined) return;
  // A swap-in reads straight into its frame: the frame is free only once the drive is done with it.
  if (io.read === undefined && io.req.status === 'queued' && x.reclaim !== null) x.reclaim.abandon(io.frame, io.req);
  else x.frames.free(io.frame);
}
