// The page-fault handler's decision (Serenity's PageFaultResponse): given a process and a decoded
// fault, either the page is made present now (zero-filled: bss, heap, stack; or from a file read
// that has finished), or the process must wait for the disk (the read of the page's file bytes is
// started, or still in flight), or the access is bad and the process dies.
//
// A wait holds nothing but the read (the process's `io`): woken, the process asks again with the
// same fault, and this time the bytes are there: it takes a frame, copies them in and maps it. The
// second asking completes the first fault; it is not counted as a new one.

import { phys, virt, PAGE_SIZE, type Hw, type PhysAddr, type VirtAddr } from '../hw.ts';
import type { KernelStats } from '../stats.ts';
import type { WaitChannel } from '../wait.ts';
import type { BackingStore, PendingRead, Region } from './backing.ts';
import type { PageFault } from './fault.ts';
import type { FrameAllocator } from './frame-table.ts';
import { isPresent, mapPage, PTE_U, PTE_W, walk } from './pagetable.ts';

export type PagerResponse =
  | { kind: 'mapped'; how: 'zero' | 'file' | 'present' }
  | { kind: 'wait'; chan: WaitChannel }
  | { kind: 'bad'; reason: string; /** no frame was free (the OOM rule picks who goes, proc/oom.ts) */ oom?: true };

/** The PTE flags a region's pages get. */
export const regionFlags = (r: Region): number => PTE_U | (r.writable ? PTE_W : 0);

/** What the pager uses: frames, the page tables (through hw), the store file pages come from, the counters. */
export interface PagerContext {
  hw: Hw;
  frames: FrameAllocator;
  /** Where file-backed pages are read from (the program disk). */
  backing: BackingStore | null;
  stats: KernelStats;
}

/** What the pager needs of the process that faulted (proc/process.ts's Process). */
export interface PagedProcess {
  readonly pd: PhysAddr;
  /** Page faults it took (the pager counts them). */
  faults: number;
  /** The read it waits for, if any. */
  io: PendingRead | null;
  regionAt(va: number): Region | null;
}

const MAPPED_ZERO = { kind: 'mapped', how: 'zero' } as const;
const MAPPED_FILE = { kind: 'mapped', how: 'file' } as const;
const MAPPED_PRESENT = { kind: 'mapped', how: 'present' } as const;
const NO_FRAME = { kind: 'bad', reason: 'out of memory (no free frame)', oom: true } as const;
const NO_TABLE = { kind: 'bad', reason: 'out of memory (no frame for a page table)', oom: true } as const;

/** The `io.what` of a page-in of the page at `page`. */
const pageInFor = (page: number): string => `page ${page}`;

/**
 * Makes the page holding `f.va` present in `p`'s address space, if a region allows the access.
 * Counts the fault, unless it completes an earlier one or `counted` says this is the same fault
 * tried again (after the OOM rule freed frames).
 */
export function handlePageFault(x: PagerContext, p: PagedProcess, f: PageFault, counted = false): PagerResponse {
  const page = virt(f.va & ~(PAGE_SIZE - 1));
  const pending = p.io !== null && p.io.what === pageInFor(page) ? p.io : null;
  if (pending === null && !counted) { p.faults++; x.stats.faults++; }
  const r = p.regionAt(f.va);
  if (r === null) return { kind: 'bad', reason: 'not in any region of the program' };
  if (f.access === 'write' && !r.writable) return { kind: 'bad', reason: `${r.kind} is read-only` };
  const hw = x.hw;
  if (pending !== null) return finishPageIn(x, p, pending, r, page);
  const w = walk(hw, p.pd, page);
  if (isPresent(w.pte)) return MAPPED_PRESENT; // another path brought it in
  const frame = x.frames.alloc('user');
  if (frame === null) return NO_FRAME;
  hw.zeroPage(frame);
  // The part of the page the file covers, if any: a page of a segment's bss has none, and is a zero-fill.
  const b = r.backing;
  const fileStart = b ? Math.max(page, b.vaddr) : 0;
  const fileEnd = b ? Math.min(page + PAGE_SIZE, b.vaddr + b.filesz) : 0;
  if (b === undefined || fileEnd <= fileStart) {
    if (!mapPage(hw, x.frames, p.pd, page, frame, regionFlags(r), w)) { x.frames.free(frame); return NO_TABLE; }
    x.stats.zeroFills++;
    return MAPPED_ZERO;
  }
  // Lazily loaded: start reading the part of the page the file covers into the store's buffer. The
  // process waits for it holding the zeroed frame; the bytes go in when it asks again.
  if (p.io !== null) releasePending(x, p);
  const read = x.backing!.read(b.file, b.offset + (fileStart - b.vaddr), fileEnd - fileStart);
  if (typeof read === 'string') { x.frames.free(frame); return { kind: 'bad', reason: read }; }
  if (read.req.status === 'error') { x.backing!.release(read); x.frames.free(frame); return { kind: 'bad', reason: read.req.error ?? 'disk error' }; }
  p.io = { what: pageInFor(page), read, frame, offset: fileStart - page };
  return { kind: 'wait', chan: read.req };
}

/** The process asks again for a page whose read it waited for: still waiting, a disk error, or the page mapped. */
function finishPageIn(x: PagerContext, p: PagedProcess, pending: PendingRead, r: Region, page: VirtAddr): PagerResponse {
  const read = pending.read;
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
  if (!mapPage(x.hw, x.frames, p.pd, page, frame, regionFlags(r))) { x.frames.free(frame); return NO_TABLE; }
  x.stats.pageIns++;
  return MAPPED_FILE;
}

/** Gives back what a process held for a read it no longer waits for: the store's buffer, and the frame. */
export function releasePending(x: Pick<PagerContext, 'backing' | 'frames'>, p: { io: PendingRead | null }): void {
  const io = p.io;
  if (io === null) return;
  x.backing?.release(io.read);
  if (io.frame !== undefined) x.frames.free(io.frame);
  p.io = null;
}
