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
import type { ProgramDisk } from '../fs/progdisk.ts';
import type { UstarEntry } from '../fs/ustar.ts';
import { phys, virt, PAGE_SIZE, type Hw } from '../hw.ts';
import { SEL_UCODE, SEL_UDATA, USER_STACK_LIMIT, USER_STACK_TOP, V2P, KERNEL_PD_PHYS } from '../layout.ts';
import type { FrameAllocator } from '../mm/frame-table.ts';
import { mapPage, PTE_D, PTE_U, PTE_W } from '../mm/pagetable.ts';
import { releasePending } from '../mm/pager.ts';
import { createAddressSpace, destroyAddressSpace, pageDown, pageUp, recordMapping } from '../mm/vmm.ts';
import { EFLAGS_IF, EFLAGS_RESERVED, setTf, USER_FRAME_SIZE } from '../trap.ts';
import type { WaitChannel } from '../wait.ts';
import { parseElf } from './elf.ts';
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
}

export type ExecResult =
  | { kind: 'done' }
  | { kind: 'wait'; chan: WaitChannel }
  | { kind: 'error'; errno: number; message: string };

const fail = (errno: number, message: string): ExecResult => ({ kind: 'error', errno: -errno, message });

/** One step of loading `path` into `p` (see above): done, wait on a channel and call again, or an error. */
export function execStep(x: ExecContext, p: Process, path: string, argv: string[]): ExecResult {
  const entry = x.progdisk?.lookup(path) ?? null;
  if (entry === null) return fail(ERRNO.ENOENT, `${path}: no such program`);
  const argBytes = argv.reduce((n, a) => n + a.length + 1 + 4, 16);
  if (argBytes > PAGE_SIZE / 2) return fail(ERRNO.E2BIG, `${path}: argument list too long`);
  const disk = x.progdisk!;
  const what = `exec ${path}`;
  let read = p.io !== null && p.io.what === what ? p.io.read ?? null : null;
  // The header is in the file's first page: from the page cache when a run before left it there.
  const cachedHeader = read === null ? cachedBytes(x, entry, Math.min(entry.size, HEADER_BYTES)) : null;
  if (cachedHeader !== null) return load(x, p, path, argv, entry, cachedHeader);
  if (read === null) {
    releasePending(x, p);
    const r = disk.read(entry, 0, Math.min(entry.size, HEADER_BYTES));
    if (typeof r === 'string') return fail(ERRNO.ENOMEM, `${path}: ${r}`);
    p.io = { what, req: r.req, read: r };
    read = r;
  }
  if (read.req.status === 'queued') return { kind: 'wait', chan: read.req };
  p.io = null;
  const header = read.req.status === 'done' ? disk.bytes(read) : null;
  disk.release(read);
  if (header === null) return fail(ERRNO.EIO, `${path}: ${read.req.error ?? 'disk error'}`);
  return load(x, p, path, argv, entry, header);
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
  let sp = USER_STACK_TOP;
  const ptrs: number[] = [];
  for (const a of argv) {
    const bytes = new TextEncoder().encode(`${a}\0`);
    sp -= bytes.length;
    hw.writePhysBytes(phys(stackPage + (sp - (USER_STACK_TOP - PAGE_SIZE))), bytes);
    ptrs.push(sp);
  }
  sp &= ~3;
  const words = [argv.length, ...ptrs, 0, 0];
  sp -= words.length * 4;
  words.forEach((w, i) => hw.writePhys32(phys(stackPage + (sp + 4 * i - (USER_STACK_TOP - PAGE_SIZE))), w));

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
  hw.fillPhys(V2P(p.frame), USER_FRAME_SIZE, 0);
  for (const s of ['DS', 'ES', 'FS', 'GS', 'SS'] as const) setTf(hw, p.frame, s, SEL_UDATA);
  setTf(hw, p.frame, 'CS', SEL_UCODE);
  setTf(hw, p.frame, 'EIP', img.entry);
  setTf(hw, p.frame, 'ESP', sp);
  setTf(hw, p.frame, 'EFLAGS', EFLAGS_IF | EFLAGS_RESERVED);
  x.table.writeRecord(p);
  return { kind: 'done' };
}
