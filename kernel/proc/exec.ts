// Loading a program: read the ELF header from the program disk, build a fresh address space whose
// regions say where each segment's pages come from (nothing is read yet: text and data pages are
// read on their first touch, bss, heap and stack are zero-filled on theirs), put argv on the first
// stack page, and point the trap frame at the entry. The old image is dropped only on success.

import { ERRNO } from '../abi.ts';
import { phys, virt, PAGE_SIZE } from '../hw.ts';
import type { Kernel } from '../kernel.ts';
import { SEL_UCODE, SEL_UDATA, USER_STACK_LIMIT, USER_STACK_TOP, V2P, KERNEL_PD_PHYS } from '../layout.ts';
import { mapPage, PTE_U, PTE_W } from '../mm/pagetable.ts';
import { createAddressSpace, destroyAddressSpace, pageDown, pageUp } from '../mm/vmm.ts';
import { EFLAGS_IF, EFLAGS_RESERVED, setTf, USER_FRAME_SIZE } from '../trap.ts';
import { parseElf } from './elf.ts';
import type { Process, Region } from './process.ts';

const HEADER_BYTES = 4096;

/** Loads `path` into `p`; `done` gets null on success, else a negative errno and a message. */
export function exec(k: Kernel, p: Process, path: string, argv: string[], done: (err: number | null, message?: string) => void): void {
  const entry = k.progdisk?.lookup(path) ?? null;
  if (entry === null) { done(-ERRNO.ENOENT, `${path}: no such program`); return; }
  const argBytes = argv.reduce((n, a) => n + a.length + 1 + 4, 16);
  if (argBytes > PAGE_SIZE / 2) { done(-ERRNO.E2BIG, `${path}: argument list too long`); return; }
  const size = Math.min(entry.size, HEADER_BYTES);
  const bounce = k.heap.kmalloc(size + 1024);
  if (bounce === null) { done(-ERRNO.ENOMEM, `${path}: out of kernel heap`); return; }
  k.progdisk!.readFileBytes(entry, 0, size, V2P(bounce), (err, header) => {
    k.heap.kfree(bounce);
    if (p.state === 'zombie') return;
    if (err !== null) { done(-ERRNO.EIO, `${path}: ${err}`); return; }
    const img = parseElf(header, entry.size);
    if (typeof img === 'string') { done(-ERRNO.ENOEXEC, `${path}: ${img}`); return; }

    const hw = k.hw;
    const pd = createAddressSpace(hw, k.frames, KERNEL_PD_PHYS);
    if (pd === null) { done(-ERRNO.ENOMEM, `${path}: out of memory`); return; }
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

    // argv on the top stack page: the strings, then argc, argv[], NULL, envp NULL (SysV i386).
    const stackPage = k.frames.alloc('user');
    if (stackPage === null || !mapPage(hw, k.frames, pd, virt(USER_STACK_TOP - PAGE_SIZE), stackPage, PTE_U | PTE_W)) {
      if (stackPage !== null) k.frames.free(stackPage);
      destroyAddressSpace(hw, k.frames, pd);
      done(-ERRNO.ENOMEM, `${path}: out of memory`);
      return;
    }
    hw.zeroPage(stackPage);
    let sp = USER_STACK_TOP;
    const ptrs: number[] = [];
    for (const a of argv) {
      const bytes = new TextEncoder().encode(`${a}\0`);
      sp -= bytes.length;
      hw.writeBytes(phys(stackPage + (sp - (USER_STACK_TOP - PAGE_SIZE))), bytes);
      ptrs.push(sp);
    }
    sp &= ~3;
    const words = [argv.length, ...ptrs, 0, 0];
    sp -= words.length * 4;
    words.forEach((w, i) => hw.writePhys32(phys(stackPage + (sp + 4 * i - (USER_STACK_TOP - PAGE_SIZE))), w));

    // Commit: the old image goes, the new one takes its place.
    if (p.pd !== 0) {
      if ((hw.rcr3() & ~0xfff) === p.pd) hw.lcr3(KERNEL_PD_PHYS);
      destroyAddressSpace(hw, k.frames, p.pd);
    }
    p.pd = pd;
    p.regions = regions;
    p.heapStart = top;
    p.brk = top;
    p.name = path.replace(/^.*\//, '');
    p.argv = argv;
    hw.fill(V2P(p.frame), USER_FRAME_SIZE, 0);
    for (const s of ['DS', 'ES', 'FS', 'GS', 'SS'] as const) setTf(hw, p.frame, s, SEL_UDATA);
    setTf(hw, p.frame, 'CS', SEL_UCODE);
    setTf(hw, p.frame, 'EIP', img.entry);
    setTf(hw, p.frame, 'ESP', sp);
    setTf(hw, p.frame, 'EFLAGS', EFLAGS_IF | EFLAGS_RESERVED);
    k.writeRecord(p);
    done(null);
  });
}
