// Mappings a program asks for: mmap of anonymous memory or of a program-disk file, private
// (copy-on-write) or shared, munmap, mprotect, msync and sync; System V shared memory (shmget,
// shmat, shmdt, shmctl). Each is a region of the process (mm/backing.ts) the pager fills on
// demand: a private file page comes copy-on-write from the page cache, a shared one is the cached
// page itself, written back to the file; shared anonymous memory is a segment (mm/shm.ts).
//
// Where a mapping goes without MAP_FIXED: the highest free range below the stack's region (top
// down, as Linux places them), above the heap. With MAP_FIXED the range must be free: ts386
// refuses (EINVAL) a fixed mapping over code, data, heap, stack or another mapping, where Linux
// would replace what was there (Pintos refuses, as here).
//
// The errors, as the tests check them: length 0, an unaligned or NULL fixed address, an offset
// past the file, neither or both of MAP_SHARED and MAP_PRIVATE, unknown bits: EINVAL; an fd that
// is not an open file of the program disk: EBADF; PROT_WRITE with MAP_SHARED on a file opened
// read-only: EACCES; no room: ENOMEM. munmap, mprotect and msync take only whole pages of
// mappings (EINVAL for other regions, ENOMEM for addresses in none).

import { ERRNO, IPC, MAP, PROT } from '../abi.ts';
import { PAGE_SIZE, virt, type VirtAddr } from '../hw.ts';
import { USER_STACK_LIMIT, USER_STACK_TOP } from '../layout.ts';
import type { Region } from '../mm/backing.ts';
import type { PageCache } from '../mm/pagecache.ts';
import { entryFrame, forEachUserPage, isLive, PTE_D, PTE_U, PTE_W } from '../mm/pagetable.ts';
import { NO_KEY, pagesOf, type Segment, type SharedMemory } from '../mm/shm.ts';
import { pageUp, unmapUserPage, type UserMaps } from '../mm/vmm.ts';
import type { Process } from './process.ts';

/** What the mapping calls use. */
export interface MmapContext extends UserMaps {
  cache: PageCache | null;
  shm: SharedMemory;
}

/** Mappings go below this: the stack's region, less a guard page. */
export const MMAP_TOP = USER_STACK_TOP - USER_STACK_LIMIT - PAGE_SIZE;
/** shmat's flag for a read-only attachment. */
export const SHM_RDONLY = 0o10000;
/** The largest mapping or segment (bytes): RAM is far smaller anyway. */
const MAX_LEN = 0x40000000;

const overlaps = (r: Region, start: number, end: number): boolean => r.start < end && start < r.end;
const isMapping = (r: Region): boolean => r.kind === 'mmap' || r.kind === 'shm';

/** The highest free range of `pages` pages below MMAP_TOP and above every other region (the heap's end), or null. */
function findFree(p: Process, pages: number): number | null {
  const len = pages * PAGE_SIZE;
  const floor = Math.max(...p.regions.filter((r) => !isMapping(r) && r.kind !== 'stack').map((r) => r.end));
  let top = MMAP_TOP;
  for (const r of [...p.regions].filter(isMapping).sort((a, b) => b.start - a.start)) {
    if (r.start >= top) continue;
    if (top - r.end >= len) break;
    top = r.start;
  }
  return top - len >= floor ? top - len : null;
}

/** Whether [start, end) is free of every region (and inside the mapping area). */
function isFree(p: Process, start: number, end: number): boolean {
  return start > 0 && end <= MMAP_TOP && !p.regions.some((r) => overlaps(r, start, end));
}

/** mmap(addr, len, prot, flags, fd, pgoff): the mapping's address, or a negative errno. */
export function mmap(x: MmapContext, p: Process, a: readonly number[]): number {
  const [addr, len, prot, flags, fd, pgoff] = a as [number, number, number, number, number, number];
  const type = flags & (MAP.SHARED | MAP.PRIVATE);
  if (len === 0 || len > MAX_LEN || (type !== MAP.SHARED && type !== MAP.PRIVATE)) return -ERRNO.EINVAL;
  if ((prot & ~(PROT.READ | PROT.WRITE | PROT.EXEC)) !== 0 || (flags & ~(MAP.SHARED | MAP.PRIVATE | MAP.FIXED | MAP.ANONYMOUS)) !== 0) return -ERRNO.EINVAL;
  const anon = (flags & MAP.ANONYMOUS) !== 0;
  const shared = type === MAP.SHARED;
  const writable = (prot & PROT.WRITE) !== 0;
  const f = anon ? null : p.files.get(fd);
  if (!anon && f === undefined) return -ERRNO.EBADF;
  const offset = pgoff * PAGE_SIZE;
  if (f && offset > f.entry.size) return -ERRNO.EINVAL;
  if (f && shared && writable && !f.writable) return -ERRNO.EACCES;
  const pages = pagesOf(len);
  let start: number;
  if ((flags & MAP.FIXED) !== 0) {
    if (addr === 0 || addr % PAGE_SIZE !== 0) return -ERRNO.EINVAL;
    if (!isFree(p, addr, addr + pages * PAGE_SIZE)) return -ERRNO.EINVAL;
    start = addr;
  } else {
    const hint = addr % PAGE_SIZE === 0 && addr !== 0 && isFree(p, addr, addr + pages * PAGE_SIZE) ? addr : null;
    const found = hint ?? findFree(p, pages);
    if (found === null) return -ERRNO.ENOMEM;
    start = found;
  }
  const r: Region = { kind: 'mmap', start, end: start + pages * PAGE_SIZE, writable: writable };
  if (prot === PROT.NONE) r.readable = false;
  if (f) {
    r.backing = { file: f.entry, offset, vaddr: start, filesz: Math.min(len, f.entry.size - offset) };
    if (shared) { r.sharedFile = true; r.fileWritable = f.writable; }
  } else if (shared) {
    const seg = x.shm.create(NO_KEY, pages, false);
    if (seg === null) return -ERRNO.ENOMEM;
    seg.attachments++;
    r.segment = { seg, first: 0 };
  }
  p.regions.push(r);
  return start;
}

/**
 * Splits the mapping regions of `p` at `lo` and `hi` (page aligned), so that each region is
 * wholly inside [lo, hi) or wholly outside; returns those inside. A segment's piece is one more
 * attachment; a file's keeps the same backing (its offsets are by address).
 */
function splitAt(p: Process, lo: number, hi: number): Region[] {
  const out: Region[] = [];
  const next: Region[] = [];
  for (const r of p.regions) {
    if (!overlaps(r, lo, hi)) { next.push(r); continue; }
    const cuts = [r.start, Math.max(lo, r.start), Math.min(hi, r.end), r.end].filter((v, i, arr) => i === 0 || v !== arr[i - 1]);
    for (let i = 0; i + 1 < cuts.length; i++) {
      const piece: Region = { ...r, start: cuts[i]!, end: cuts[i + 1]! };
      if (r.segment) {
        piece.segment = { seg: r.segment.seg, first: r.segment.first + (piece.start - r.start) / PAGE_SIZE };
        if (i > 0) r.segment.seg.attachments++;
      }
      next.push(piece);
      if (piece.start >= lo && piece.end <= hi) out.push(piece);
    }
  }
  p.regions = next;
  return out;
}

/** The pages of [lo, hi) must all lie in mappings: an errno when not (EINVAL: another region; ENOMEM: none). */
function checkRange(p: Process, lo: number, hi: number): number {
  for (let va = lo; va < hi; va += PAGE_SIZE) {
    const r = p.regionAt(va);
    if (r === null) return ERRNO.ENOMEM;
    if (!isMapping(r)) return ERRNO.EINVAL;
  }
  return 0;
}

/** The writes to a MAP_SHARED file region's pages (D in their PTEs) become the page cache's dirty marks; D is cleared. */
function collectWrites(x: MmapContext, p: Process, r: Region, lo = r.start, hi = r.end): void {
  if (r.sharedFile !== true || x.cache === null) return;
  let changed = false;
  forEachUserPage(x.hw, p.pd, (va, pte, pteAddr) => {
    if (va < lo || va >= hi || (pte & PTE_D) === 0) return;
    x.cache!.markDirty(entryFrame(pte));
    x.hw.writePhys32(pteAddr, (pte & ~PTE_D) >>> 0);
    changed = true;
  });
  // The TLB keeps D with the translation: drop them, so the next write sets D again.
  if (changed && isLive(x.hw, p.pd)) x.hw.writeCR3(p.pd);
}

/** Unmaps the pages of the mapping regions in [lo, hi) (split first) and lets the regions go. */
function unmapRange(x: MmapContext, p: Process, lo: number, hi: number): void {
  const gone = splitAt(p, lo, hi);
  for (const r of gone) {
    collectWrites(x, p, r);
    for (let va = r.start; va < r.end; va += PAGE_SIZE) unmapUserPage(x, p.pd, virt(va));
  }
  p.regions = p.regions.filter((r) => !gone.includes(r));
  for (const r of gone) {
    if (r.segment) x.shm.detach(r.segment.seg);
    if (r.sharedFile === true) x.cache?.writeBack(r.backing!.file);
  }
}

export function munmap(x: MmapContext, p: Process, a: readonly number[]): number {
  const [addr, len] = a as [number, number];
  if (addr % PAGE_SIZE !== 0 || len === 0 || len > MAX_LEN || addr + len > USER_STACK_TOP) return -ERRNO.EINVAL;
  const hi = pageUp(addr + len);
  // Unmapping what is not mapped is no error (POSIX); a region that is not a mapping is.
  for (const r of p.regions) if (overlaps(r, addr, hi) && !isMapping(r)) return -ERRNO.EINVAL;
  unmapRange(x, p, addr, hi);
  return 0;
}

export function mprotect(x: MmapContext, p: Process, a: readonly number[]): number {
  const [addr, len, prot] = a as [number, number, number];
  if (addr % PAGE_SIZE !== 0 || (prot & ~(PROT.READ | PROT.WRITE | PROT.EXEC)) !== 0 || len > MAX_LEN) return -ERRNO.EINVAL;
  if (len === 0) return 0;
  const hi = pageUp(addr + len);
  const bad = checkRange(p, addr, hi);
  if (bad !== 0) return -bad;
  const writable = (prot & PROT.WRITE) !== 0;
  if (writable && p.regions.some((r) => overlaps(r, addr, hi) && r.sharedFile === true && r.fileWritable !== true)) return -ERRNO.EACCES;
  for (const r of splitAt(p, addr, hi)) {
    r.writable = writable;
    if (prot === PROT.NONE) r.readable = false;
    else delete r.readable;
  }
  // Present pages lose what the new protection takes away (W; U for PROT_NONE, the kernel's
  // "no access": the page stays present, frame and all). What it gives back comes on the next
  // fault: a write to a page without W is copy-on-write's (or shared memory's) to answer, a
  // touch of a page without U is given U back when its region is readable again.
  let changed = false;
  forEachUserPage(x.hw, p.pd, (va, pte, pteAddr) => {
    if (va < addr || va >= hi) return;
    const e = (pte & ~(writable ? 0 : PTE_W) & ~(prot === PROT.NONE ? PTE_U : 0)) >>> 0;
    if (e === pte) return;
    x.hw.writePhys32(pteAddr, e);
    changed = true;
  });
  if (changed && isLive(x.hw, p.pd)) x.hw.writeCR3(p.pd);
  return 0;
}

export function msync(x: MmapContext, p: Process, a: readonly number[]): number {
  const [addr, len] = a as [number, number, number];
  if (addr % PAGE_SIZE !== 0 || len > MAX_LEN) return -ERRNO.EINVAL;
  const hi = pageUp(addr + len);
  const bad = checkRange(p, addr, hi);
  if (bad !== 0) return -bad;
  for (const r of p.regions) {
    if (!overlaps(r, addr, hi) || r.sharedFile !== true) continue;
    collectWrites(x, p, r, Math.max(addr, r.start), Math.min(hi, r.end));
    x.cache?.writeBack(r.backing!.file);
  }
  return 0;
}

/** sync(), and the periodic sync: every process's writes to MAP_SHARED files go back to the disk. Returns the pages written. */
export function syncAll(x: MmapContext, procs: Iterable<Process>): number {
  for (const p of procs) if (p.pd !== 0) for (const r of p.regions) collectWrites(x, p, r);
  return x.cache?.writeBack() ?? 0;
}

/**
 * Before an address space goes (exit, exec): the writes to its MAP_SHARED files are noted.
 * Returns what to do once it has gone: the segments it attached are detached, the noted writes
 * written back.
 */
export function releaseMappings(x: MmapContext, p: Process): () => void {
  const regions = p.regions.filter(isMapping);
  for (const r of regions) collectWrites(x, p, r);
  return () => {
    for (const r of regions) if (r.segment) x.shm.detach(r.segment.seg);
    if (regions.some((r) => r.sharedFile === true)) x.cache?.writeBack();
  };
}

/** fork: the child's copies of shared-segment regions are attachments too. */
export function inheritMappings(regions: readonly Region[]): void {
  for (const r of regions) if (r.segment) r.segment.seg.attachments++;
}

/** Whether `va` is in a region whose pages every process that maps it shares (fork shares them, in either mode, never copy-on-write). */
export const sharedAt = (p: Process) => (va: VirtAddr): boolean => {
  const r = p.regionAt(va);
  return r !== null && (r.sharedFile === true || r.segment !== undefined);
};

/** shmget(key, size, flags): the id of the segment named `key` (made with IPC_CREAT), or of a new unnamed one (IPC_PRIVATE). */
export function shmget(x: MmapContext, a: readonly number[]): number {
  const [key, size, flags] = a as [number, number, number];
  if (size === 0 || size > MAX_LEN) return -ERRNO.EINVAL;
  if (key !== IPC.PRIVATE) {
    const s = x.shm.byKey(key);
    if (s !== null) {
      if ((flags & IPC.CREAT) !== 0 && (flags & IPC.EXCL) !== 0) return -ERRNO.EEXIST;
      return size > s.pages * PAGE_SIZE ? -ERRNO.EINVAL : s.id;
    }
    if ((flags & IPC.CREAT) === 0) return -ERRNO.ENOENT;
  }
  // A System V segment, named or not, stays until IPC_RMID: only mmap's go with their last attachment.
  const s = x.shm.create(key === IPC.PRIVATE ? NO_KEY : key, pagesOf(size), true);
  if (s === null) return -ERRNO.ENOMEM;
  return s.id;
}

/** shmat(id, addr, flags): attaches the segment; its address, or a negative errno. */
export function shmat(x: MmapContext, p: Process, a: readonly number[]): number {
  const [id, addr, flags] = a as [number, number, number];
  const s: Segment | null = x.shm.byId(id);
  if (s === null || s.removed) return -ERRNO.EINVAL;
  const len = s.pages * PAGE_SIZE;
  let start: number;
  if (addr !== 0) {
    if (addr % PAGE_SIZE !== 0 || !isFree(p, addr, addr + len)) return -ERRNO.EINVAL;
    start = addr;
  } else {
    const found = findFree(p, s.pages);
    if (found === null) return -ERRNO.ENOMEM;
    start = found;
  }
  s.attachments++;
  p.regions.push({ kind: 'shm', start, end: start + len, writable: (flags & SHM_RDONLY) === 0, segment: { seg: s, first: 0 } });
  return start;
}

/** shmdt(addr): detaches the segment attached at `addr`. */
export function shmdt(x: MmapContext, p: Process, a: readonly number[]): number {
  const r = p.regions.find((q) => q.kind === 'shm' && q.start === a[0]);
  if (r === undefined) return -ERRNO.EINVAL;
  unmapRange(x, p, r.start, r.end);
  return 0;
}

/** shmctl(id, IPC_RMID, 0): the segment's key goes now, the segment with its last attachment. */
export function shmctl(x: MmapContext, a: readonly number[]): number {
  const [id, cmd] = a as [number, number];
  const s = x.shm.byId(id);
  if (s === null || s.removed || cmd !== IPC.RMID) return -ERRNO.EINVAL;
  x.shm.remove(s);
  return 0;
}
