// Loading a program: read the ELF header from the program disk, build a fresh address space whose
// regions say where each segment's pages come from (nothing is read yet: text and data pages are
// read on their first touch, bss, heap and stack are zero-filled on theirs), put argv on the first
// stack page, and point the trap frame at the entry. The old image is dropped only on success.
//
// Reading the header means waiting for the disk, so loading is a step that is run again: the first
// call starts the read and says what to sleep on; the call after the wakeup finds the bytes there
// and goes on. exec() from a program runs it from its INT 80h (again after each wakeup); a program
// the shell starts runs it as its kernel entry until it has an image to return to.

import { ERRNO } from '../abi.ts';
import { copyCost, COST } from '../cost.ts';
import type { ProgramDisk } from '../fs/progdisk.ts';
import type { UstarEntry } from '../fs/ustar.ts';
import { phys, virt, PAGE_SIZE, type Hw, type PhysAddr } from '../hw.ts';
import { SEL_SEG_CODE, SEL_SEG_DATA, SEL_UCODE, SEL_UDATA, USER_STACK_LIMIT, USER_STACK_TOP, V2P, KERNEL_PD_PHYS } from '../layout.ts';
import type { FrameAllocator } from '../mm/frame-table.ts';
import { mapPage, PTE_D, PTE_U, PTE_W } from '../mm/pagetable.ts';
import { releasePending } from '../mm/pager.ts';
import { createAddressSpace, destroyAddressSpace, pageDown, pageUp, recordMapping } from '../mm/vmm.ts';
import { EFLAGS_IF, EFLAGS_RESERVED, setTf, USER_FRAME_SIZE } from '../trap.ts';
import type { WaitChannel } from '../wait.ts';
import { parseElf, SEGMENT_SPACE } from './elf.ts';
import { SEG_STACK_BYTES, type Segments } from './segments.ts';
import type { BackingStore, Region } from '../mm/backing.ts';
import type { Reclaimer } from '../mm/reclaim.ts';
import type { ReverseMap } from '../mm/rmap.ts';
import type { PageCache } from '../mm/pagecache.ts';
import type { SharedMemory } from '../mm/shm.ts';
import { releaseMappings } from './mmap.ts';
import type { Process } from './process.ts';
import type { ProcTable } from './table.ts';

const HEADER_BYTES = 4096;

export interface ExecContext {
  hw: Hw;
  frames: FrameAllocator;
  progdisk: ProgramDisk | null;
  /** The same disk as the store the read a process waited for goes back to. */
  backing: BackingStore | null;
  /** Where a swap-in's frame goes when the process that waited for it moves on (pager.ts). */
  reclaim: Reclaimer | null;
  /** Who maps each user frame: the old image's pages let go of theirs. */
  rmap: ReverseMap;
  /** The program disk's cached pages: the ELF header comes from there when it can. */
  cache: PageCache | null;
  /** The shared segments the old image attached (detached). */
  shm: SharedMemory;
  table: ProcTable;
  /** Under --mm segments: the partitions, and the program is loaded whole into one (segments.ts). */
  segments: Segments | null;
}

export type ExecResult =
  | { kind: 'done' }
  | { kind: 'wait'; chan: WaitChannel }
  | { kind: 'error'; errno: number; message: string };

const fail = (errno: number, message: string): ExecResult => ({ kind: 'error', errno: -errno, message });

/** One step of loading `path` into `p` (see above): done, wait on a channel and call again, or an error. */
export function execStep(x: ExecContext, p: Process, path: string, argv: string[]): ExecResult {
  // Under segments a program is its build linked at offset 0 (images/build.sh puts it in seg/).
  const segs = x.segments;
  const name = segs === null || path.replace(/^\/+/, '').startsWith('seg/') ? path : `seg/${path.replace(/^\/+/, '')}`;
  const entry = x.progdisk?.lookup(name) ?? null;
  if (entry === null) return fail(ERRNO.ENOENT, segs !== null && x.progdisk?.lookup(path) ? `${path}: no build for segments (${name})` : `${path}: no such program`);
  const argBytes = argv.reduce((n, a) => n + a.length + 1 + 4, 16);
  if (argBytes > PAGE_SIZE / 2) return fail(ERRNO.E2BIG, `${path}: argument list too long`);
  const disk = x.progdisk!;
  const what = `exec ${path}`;
  let read = p.io !== null && p.io.what === what ? p.io.read ?? null : null;
  // The header is in the file's first page: from the page cache when a run before left it there.
  const cachedHeader = read === null && segs === null ? cachedBytes(x, entry, Math.min(entry.size, HEADER_BYTES)) : null;
  if (cachedHeader !== null) return load(x, p, path, argv, entry, cachedHeader);
  if (read === null) {
    releasePending(x, p);
    // Paging reads the header and pages the rest in on demand; a partition is loaded whole.
    const r = disk.read(entry, 0, segs === null ? Math.min(entry.size, HEADER_BYTES) : entry.size);
    if (typeof r === 'string') return fail(ERRNO.ENOMEM, `${path}: ${r}`);
    p.io = { what, req: r.req, read: r };
    read = r;
  }
  if (read.req.status === 'queued') return { kind: 'wait', chan: read.req };
  p.io = null;
  const header = read.req.status === 'done' ? disk.bytes(read) : null;
  disk.release(read);
  if (header === null) return fail(ERRNO.EIO, `${path}: ${read.req.error ?? 'disk error'}`);
  return segs === null ? load(x, p, path, argv, entry, header) : loadPartition(x, segs, p, path, argv, header);
}

/**
 * exec under segments: the whole file read, the image placed in a new partition (text and data
 * copied, bss and stack zeroed, argv at the stack's top), the LDT pointed at it, the old partition
 * freed. 'wait' when memory must be made first: the file is read again after the wait.
 */
function loadPartition(x: ExecContext, segs: Segments, p: Process, path: string, argv: string[], file: Uint8Array): ExecResult {
  const img = parseElf(file, file.length, SEGMENT_SPACE);
  if (typeof img === 'string') return fail(ERRNO.ENOEXEC, `${path}: ${img}${img.includes('outside the program') ? ' (not linked at 0 for segments)' : ''}`);
  const hw = x.hw;
  const imageEnd = pageUp(Math.max(...img.segments.map((s) => s.vaddr + s.memsz)));
  const codeBytes = pageUp(Math.max(...img.segments.filter((s) => s.executable).map((s) => s.vaddr + s.memsz)));
  const size = imageEnd + SEG_STACK_BYTES;
  const o = segs.obtain(p, size);
  if ('wait' in o) return { kind: 'wait', chan: o.wait };
  if ('refused' in o) return fail(ERRNO.ENOMEM, `${path}: ${o.refused}`);
  const base = o.at;
  hw.fillPhys(base, size, 0);
  let copied = 0;
  for (const s of img.segments) {
    hw.writePhysBytes(phys(base + s.vaddr), file.subarray(s.offset, s.offset + s.filesz));
    copied += s.filesz;
  }
  // argv at the top of the stack, as offsets in the segment: the strings, then argc, argv[], NULL, envp NULL.
  const { sp, bytes } = pushArgv(hw, argv, size, (offset) => phys(base + offset));
  copied += bytes;
  hw.chargeCycles(copyCost(copied) + COST.zeroPerDword * (size >>> 2));
  // Commit: the process's old image (a paged one never exists here) gives way to the new one.
  if (segs.install(p, base, size, codeBytes, imageEnd) === null) return fail(ERRNO.ENOMEM, `${path}: out of kernel memory`);
  p.heapStart = size;
  p.brk = size;
  p.name = path.replace(/^.*\//, '');
  p.argv = argv;
  startFrame(x, p, SEL_SEG_CODE, SEL_SEG_DATA, img.entry, sp);
  return { kind: 'done' };
}

/** The first `length` bytes of `file` from the page cache, or null when its first page is not cached. */
function cachedBytes(x: ExecContext, file: UstarEntry, length: number): Uint8Array | null {
  if (x.cache === null) return null;
  const f = x.cache.lookup(file, 0);
  return f === null ? null : x.hw.readPhysBytes(f, new Uint8Array(length));
}

/** The rest of exec, with the ELF header read: the new address space, argv, and the switch to it. */
function load(x: ExecContext, p: Process, path: string, argv: string[], entry: UstarEntry, header: Uint8Array): ExecResult {
  const img = parseElf(header, entry.size);
  if (typeof img === 'string') return fail(ERRNO.ENOEXEC, `${path}: ${img}`);

  const hw = x.hw;
  const pd = createAddressSpace(hw, x.frames, KERNEL_PD_PHYS);
  if (pd === null) return fail(ERRNO.ENOMEM, `${path}: out of memory`);
  const regions: Region[] = [];
  let top = 0;
  for (const s of img.segments) {
    const start = pageDown(s.vaddr), end = pageUp(s.vaddr + s.memsz);
    regions.push({
      kind: s.executable ? 'text' : s.writable ? 'data' : 'rodata',
      start, end, writable: s.writable,
      backing: s.filesz > 0 ? { file: entry, offset: s.offset, vaddr: s.vaddr, filesz: s.filesz } : undefined,
    });
    top = Math.max(top, end);
  }
  regions.push({ kind: 'heap', start: top, end: top, writable: true });
  regions.push({ kind: 'stack', start: USER_STACK_TOP - USER_STACK_LIMIT, end: USER_STACK_TOP, writable: true });

  // argv on the top stack page: the strings, then argc, argv[], NULL, envp NULL (SysV i386). The
  // kernel writes them straight into the frame, past the MMU, so it sets D itself: a page taken
  // back before the program first writes it must go to swap, not be dropped as a zero-fill.
  const stackPage = x.frames.alloc('user');
  if (stackPage === null || !mapPage(hw, x.frames, pd, virt(USER_STACK_TOP - PAGE_SIZE), stackPage, PTE_U | PTE_W | PTE_D)) {
    if (stackPage !== null) x.frames.free(stackPage);
    destroyAddressSpace(x, pd);
    return fail(ERRNO.ENOMEM, `${path}: out of memory`);
  }
  hw.zeroPage(stackPage);
  recordMapping(x, stackPage, pd, virt(USER_STACK_TOP - PAGE_SIZE));
  const sp = pushArgv(hw, argv, USER_STACK_TOP, (va) => phys(stackPage + (va - (USER_STACK_TOP - PAGE_SIZE)))).sp;

  // Commit: the old image goes, the new one takes its place.
  if (p.pd !== 0) {
    if (hw.readCR3() === p.pd) hw.writeCR3(KERNEL_PD_PHYS);
    hw.refTraceTake(p.pd); // the MMU's record of the old image's references goes with it
    const afterwards = releaseMappings(x, p);
    destroyAddressSpace(x, p.pd);
    afterwards();
  }
  p.pd = pd;
  p.lockedPages.clear(); // the old image's mlock()s went with it
  p.startPages = [(USER_STACK_TOP - PAGE_SIZE) >>> 12];
  p.regions = regions;
  p.heapStart = top;
  p.brk = top;
  p.name = path.replace(/^.*\//, '');
  p.argv = argv;
  // A --trace-refs file names the process its references under this directory are from.
  if (hw.refTraceHasFile()) hw.refTraceLabel(pd, p.pid, p.name);
  startFrame(x, p, SEL_UCODE, SEL_UDATA, img.entry, sp);
  return { kind: 'done' };
}

/**
 * argv at the top of the stack, below `top` (a user address; `at` gives its physical place): the
 * strings, then argc, argv[], NULL, envp NULL (SysV i386). Returns the stack pointer and the bytes written.
 */
function pushArgv(hw: Hw, argv: string[], top: number, at: (va: number) => PhysAddr): { sp: number; bytes: number } {
  let sp = top;
  const ptrs: number[] = [];
  for (const a of argv) {
    const bytes = new TextEncoder().encode(`${a}\0`);
    sp -= bytes.length;
    hw.writePhysBytes(at(sp), bytes);
    ptrs.push(sp);
  }
  sp &= ~3;
  const words = [argv.length, ...ptrs, 0, 0];
  sp -= words.length * 4;
  words.forEach((w, i) => hw.writePhys32(at(sp + 4 * i), w));
  return { sp, bytes: top - sp };
}

/** The trap frame a new image starts from: its selectors, entry point and stack, interrupts on. */
function startFrame(x: ExecContext, p: Process, code: number, data: number, entry: number, sp: number): void {
  const hw = x.hw;
  hw.fillPhys(V2P(p.frame), USER_FRAME_SIZE, 0);
  for (const s of ['DS', 'ES', 'FS', 'GS', 'SS'] as const) setTf(hw, p.frame, s, data);
  setTf(hw, p.frame, 'CS', code);
  setTf(hw, p.frame, 'EIP', entry);
  setTf(hw, p.frame, 'ESP', sp);
  setTf(hw, p.frame, 'EFLAGS', EFLAGS_IF | EFLAGS_RESERVED);
  x.table.writeRecord(p);
}
