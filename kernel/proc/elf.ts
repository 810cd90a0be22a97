// Programs are static ELF32 i386 executables (ld -m elf_i386). This file checks the ELF header and
// program headers and returns what exec needs: the entry point and the PT_LOAD segments, which the
// pager then reads from the file page by page on first touch. Pure: no Hw, no I/O.
//
// Source: System V ABI, "Object Files" (ELF header, program header) and its Intel386 supplement.
//
// ELF header (52 bytes)                     Program header (32 bytes each, e_phnum of them at e_phoff)
//    0  e_ident[16]  7f 'E' 'L' 'F', class,      0  p_type    1 PT_LOAD, 2 PT_DYNAMIC, 3 PT_INTERP ...
//                    data, version, OS ABI       4  p_offset  where the segment's bytes start in the file
//   16  e_type       2 ET_EXEC                   8  p_vaddr   where they go in memory
//   18  e_machine    3 EM_386                   12  p_paddr   (ignored)
//   20  e_version    1                          16  p_filesz  bytes from the file
//   24  e_entry                                 20  p_memsz   bytes in memory (the rest reads zero: bss)
//   28  e_phoff                                 24  p_flags   PF_X 1, PF_W 2, PF_R 4
//   42  e_phentsize  32                         28  p_align
//   44  e_phnum
//
// What we refuse, and why:
// - anything but a static little-endian 32-bit i386 ET_EXEC: there is no dynamic linker and no
//   relocation, so the image must run where ld put it;
// - a segment whose p_vaddr and p_offset differ modulo the page size: the pager fills a page with
//   the file bytes at the same page offset, one page of file per page of memory;
// - a segment outside [0x1000, 0xBFF00000): page 0 stays unmapped (null pointers fault), and the
//   stack region (the 1 MiB below 0xC0000000) and the kernel half are not the program's to fill;
// - segments whose byte ranges overlap: each byte must have one source. Two segments may still
//   share a page at their edges (a page's protection is then the union of theirs: the pager's call);
// - an entry point outside the file bytes of an executable segment.

import { USER_STACK_LIMIT, USER_STACK_TOP } from '../layout.ts';

export interface ElfSegment {
  vaddr: number;
  memsz: number;
  filesz: number;
  offset: number;
  readable: boolean;
  writable: boolean;
  executable: boolean;
}

export interface ElfImage {
  entry: number;
  /** The PT_LOAD segments with a non-zero size, in address order. */
  segments: ElfSegment[];
}

export const EHDR_SIZE = 52;
export const PHDR_SIZE = 32;

const ELFCLASS32 = 1, ELFCLASS64 = 2;
const ELFDATA2LSB = 1;
const EV_CURRENT = 1;
const ET_EXEC = 2;
const EM_386 = 3;

const PT_LOAD = 1, PT_DYNAMIC = 2, PT_INTERP = 3;
const PF_X = 1, PF_W = 2, PF_R = 4;

const PAGE = 4096;
/** Lowest address a segment may use: page 0 is never mapped. */
const SEGMENT_MIN = 0x1000;
/**
 * Where the stack region starts (USER_STACK_TOP - USER_STACK_LIMIT): a segment must end below it,
 * or its pages and the stack's would be the same pages.
 */
const SEGMENT_END = USER_STACK_TOP - USER_STACK_LIMIT;

/** Where a program's segments may lie, and whether each must start at its file offset's place in a page. */
export interface ElfSpace { min: number; end: number; pageCongruent: boolean }
/** Paging: from page 1 to the stack region, each segment mappable page by page from the file. */
export const PAGED_SPACE: ElfSpace = { min: SEGMENT_MIN, end: SEGMENT_END, pageCongruent: true };
/**
 * --mm segments: linked at offset 0 of its own segment (images/build.sh's seg/ programs), copied
 * whole into a partition at exec, so any packing will do; at most 64 MiB.
 */
export const SEGMENT_SPACE: ElfSpace = { min: 0, end: 0x4000000, pageCongruent: false };

const TYPE_NAMES: Record<number, string> = { 0: 'none', 1: 'relocatable object', 3: 'shared object or PIE', 4: 'core dump' };
const MACHINE_NAMES: Record<number, string> = { 8: 'MIPS', 20: 'PowerPC', 40: 'ARM', 62: 'x86-64', 183: 'AArch64', 243: 'RISC-V' };

/**
 * Checks that `header` (the first bytes of a file of `fileSize` bytes: at least the ELF header and
 * the program headers) is a static ELF32 i386 executable we can load, and returns its entry point
 * and loadable segments, or a one-line reason why not.
 */
export function parseElf(header: Uint8Array, fileSize: number, space: ElfSpace = PAGED_SPACE): ElfImage | string {
  const have = Math.min(header.length, fileSize);
  if (have < 4 || header[0] !== 0x7f || header[1] !== 0x45 || header[2] !== 0x4c || header[3] !== 0x46) {
    return `not an ELF file (bad magic ${hexBytes(header.subarray(0, Math.min(4, have)))})`;
  }
  if (have < EHDR_SIZE) return `ELF: ${have} bytes, shorter than the ${EHDR_SIZE}-byte ELF header`;
  const v = new DataView(header.buffer, header.byteOffset, have);

  const cls = header[4]!;
  if (cls === ELFCLASS64) return `ELF: 64-bit (class ${cls}), want 32-bit i386`;
  if (cls !== ELFCLASS32) return `ELF: invalid class ${cls}, want 1 (32-bit)`;
  const data = header[5]!;
  if (data !== ELFDATA2LSB) return `ELF: ${data === 2 ? 'big-endian' : 'invalid byte order'} (data ${data}), want little-endian`;
  if (header[6] !== EV_CURRENT) return `ELF: ident version ${header[6]}, want ${EV_CURRENT}`;

  const type = v.getUint16(16, true);
  if (type !== ET_EXEC) return `ELF: type ${type} (${TYPE_NAMES[type] ?? 'unknown'}), want an executable (ET_EXEC, 2)`;
  const machine = v.getUint16(18, true);
  if (machine !== EM_386) return `ELF: machine ${machine} (${MACHINE_NAMES[machine] ?? 'unknown'}), want i386 (3)`;
  const version = v.getUint32(20, true);
  if (version !== EV_CURRENT) return `ELF: version ${version}, want ${EV_CURRENT}`;

  const entry = v.getUint32(24, true);
  const phoff = v.getUint32(28, true);
  const phentsize = v.getUint16(42, true);
  const phnum = v.getUint16(44, true);
  if (phentsize !== PHDR_SIZE) return `ELF: program header size ${phentsize}, want ${PHDR_SIZE}`;
  if (phnum === 0) return 'ELF: no program headers';
  const phend = phoff + phnum * PHDR_SIZE;
  if (phend > have) {
    return `ELF: program headers at ${hex(phoff)}..${hex(phend)} lie beyond the ${have} bytes ${have < fileSize ? 'read' : 'of the file'}`;
  }

  const segments: ElfSegment[] = [];
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * PHDR_SIZE;
    const ptype = v.getUint32(at, true);
    if (ptype === PT_INTERP || ptype === PT_DYNAMIC) {
      return `ELF: dynamically linked (${ptype === PT_INTERP ? 'PT_INTERP' : 'PT_DYNAMIC'}), want a static executable`;
    }
    // PT_NOTE, PT_GNU_STACK, PT_GNU_PROPERTY, PT_TLS (its bytes lie inside a PT_LOAD) ... need nothing from us.
    if (ptype !== PT_LOAD) continue;
    const offset = v.getUint32(at + 4, true);
    const vaddr = v.getUint32(at + 8, true);
    const filesz = v.getUint32(at + 16, true);
    const memsz = v.getUint32(at + 20, true);
    const flags = v.getUint32(at + 24, true);
    const name = `ELF: segment ${i} (${hex(vaddr)}, ${memsz} bytes)`;
    if (filesz > memsz) return `${name}: file size ${filesz} exceeds memory size ${memsz}`;
    if (memsz === 0) continue; // occupies nothing
    if (offset + filesz > fileSize) return `${name}: file bytes ${hex(offset)}..${hex(offset + filesz)} lie beyond the ${fileSize}-byte file`;
    if (space.pageCongruent && vaddr % PAGE !== offset % PAGE) {
      return `${name}: address and file offset ${hex(offset)} differ modulo the ${PAGE}-byte page`;
    }
    if (vaddr < space.min || vaddr + memsz > space.end) {
      return `${name}: outside the program's space [${hex(space.min)}, ${hex(space.end)})${space === PAGED_SPACE ? ' (the stack region and the kernel lie above it)' : ''}`;
    }
    segments.push({
      vaddr, memsz, filesz, offset,
      readable: (flags & PF_R) !== 0,
      writable: (flags & PF_W) !== 0,
      executable: (flags & PF_X) !== 0,
    });
  }
  if (segments.length === 0) return 'ELF: no loadable segments';

  segments.sort((a, b) => a.vaddr - b.vaddr);
  for (let i = 1; i < segments.length; i++) {
    const a = segments[i - 1]!;
    const b = segments[i]!;
    if (a.vaddr + a.memsz > b.vaddr) {
      return `ELF: segments overlap (${hex(a.vaddr)}..${hex(a.vaddr + a.memsz)} and ${hex(b.vaddr)}..${hex(b.vaddr + b.memsz)})`;
    }
  }
  if (!segments.some((s) => s.executable && entry >= s.vaddr && entry < s.vaddr + s.filesz)) {
    return `ELF: entry point ${hex(entry)} is not in the file bytes of an executable segment`;
  }
  return { entry, segments };
}

const hex = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`;
const hexBytes = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
