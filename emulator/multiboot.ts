// Loading a Multiboot (version 1) ELF kernel directly, as `qemu -kernel` does (Multiboot
// Specification 0.6.96, "OS image format" and "Machine state").
//
//   the image:  a Multiboot header, 4-byte aligned, in its first 8192 bytes:
//               u32 magic 0x1BADB002, u32 flags, u32 checksum (magic + flags + checksum = 0)
//               flags bit 16 would give load addresses in the header (a.out kludge): ts386
//               loads ELF32 files by their program headers and rejects the a.out kludge.
//   the info:   the information structure, a memory map (the BIOS's E820 ranges) and the command
//               line, in the lowest free page of RAM that no segment touches (bootPage below).
//   the state:  EAX = 0x2BADB002, EBX = physical address of the Multiboot information structure,
//               32-bit protected mode with flat 4 GiB code and data segments, A20 on, paging off,
//               IF = 0, EIP = the ELF entry point (Machine.bootMultiboot). The devices are as the
//               firmware's POST leaves them: the board runs POST to BIOS_POST_DONE first.
//
// Errors are thrown as MultibootError with one line that says what is wrong with the file.

/**
 * The POST code bios.S writes at the end of POST, right before INT 19h would boot a disk: where
 * Machine.bootMultiboot stops the firmware and starts the kernel instead.
 */
export const BIOS_POST_DONE = 0x08;
/** How long POST may take before Machine.bootMultiboot gives up on the firmware. */
export const MULTIBOOT_POST_CYCLES = 20_000_000;

export const MULTIBOOT_MAGIC = 0x1badb002;
export const MULTIBOOT_BOOTLOADER_MAGIC = 0x2badb002;
const MB_INFO_MEMORY = 1 << 0, MB_INFO_CMDLINE = 1 << 2, MB_INFO_MMAP = 1 << 6;

export class MultibootError extends Error {}

export interface LoadedKernel {
  entry: number;
  /** Physical address of the Multiboot information structure. */
  infoAddr: number;
  /**
   * ESP at entry: the top of the page the information structure is in (bootPage). The spec
   * leaves ESP undefined ("Machine state"), but a kernel that pushes before it sets up its own
   * stack then writes nothing of its own.
   */
  stackTop: number;
  /** [start, end) of every segment loaded, for reports. */
  segments: Array<[number, number]>;
}

/** Memory the loader writes to: physical addresses. */
export interface PhysicalWriter {
  readonly ramSize: number;
  write8(addr: number, value: number): void;
  write32(addr: number, value: number): void;
}

interface Header { flags: number; offset: number }

function findHeader(image: Uint8Array): Header {
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const end = Math.min(8192, image.length) - 12;
  for (let off = 0; off <= end; off += 4) {
    if (view.getUint32(off, true) !== MULTIBOOT_MAGIC) continue;
    const flags = view.getUint32(off + 4, true);
    const checksum = view.getUint32(off + 8, true);
    if (((MULTIBOOT_MAGIC + flags + checksum) >>> 0) !== 0) {
      throw new MultibootError(`Multiboot header at offset ${off}: checksum 0x${checksum.toString(16)} does not make magic + flags + checksum zero`);
    }
    return { flags, offset: off };
  }
  throw new MultibootError('no Multiboot header (magic 0x1BADB002) in the first 8192 bytes');
}

/** A PT_LOAD segment: `filesz` bytes from `offset` in the file at `paddr`, zeros up to `memsz`. */
interface Segment { offset: number; paddr: number; filesz: number; memsz: number }

/** A kernel image, checked: where it starts and what it loads where. */
export interface MultibootImage {
  entry: number;
  segments: Segment[];
}

/**
 * Checks that `image` is a Multiboot ELF32 kernel that fits in `ramSize` bytes of RAM and reads
 * its entry point and segments, writing nothing: a file that is not a kernel fails before the
 * machine is touched. Throws MultibootError.
 */
export function readMultiboot(image: Uint8Array, ramSize: number): MultibootImage {
  const header = findHeader(image);
  if ((header.flags & (1 << 16)) !== 0) throw new MultibootError('Multiboot header asks for the a.out kludge (flags bit 16); ts386 loads ELF32 kernels only');
  // Bits 0-15 are requirements the loader must meet: 0 (page-aligned modules: none) and 1
  // (memory information: given) are; 2 (video mode) and others are not offered.
  const unsupported = header.flags & 0xfffc;
  if (unsupported !== 0) throw new MultibootError(`Multiboot header requires features ts386 does not provide (flags 0x${unsupported.toString(16)})`);
  if (image.length < 52 || image[0] !== 0x7f || image[1] !== 0x45 || image[2] !== 0x4c || image[3] !== 0x46) {
    throw new MultibootError('not an ELF file (no \\x7fELF magic)');
  }
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  if (image[4] !== 1 || image[5] !== 1) throw new MultibootError('not a 32-bit little-endian ELF file');
  if (view.getUint16(18, true) !== 3) throw new MultibootError(`ELF machine ${view.getUint16(18, true)} is not i386 (3)`);
  const entry = view.getUint32(24, true);
  const phoff = view.getUint32(28, true);
  const phentsize = view.getUint16(42, true);
  const phnum = view.getUint16(44, true);
  if (phnum === 0 || phoff + phnum * phentsize > image.length || phentsize < 32) {
    throw new MultibootError('ELF program headers are missing or run past the end of the file');
  }
  const segments: Segment[] = [];
  for (let k = 0; k < phnum; k++) {
    const ph = phoff + k * phentsize;
    if (view.getUint32(ph, true) !== 1) continue; // PT_LOAD only
    const offset = view.getUint32(ph + 4, true);
    const paddr = view.getUint32(ph + 12, true);
    const filesz = view.getUint32(ph + 16, true);
    const memsz = view.getUint32(ph + 20, true);
    if (offset + filesz > image.length) throw new MultibootError(`ELF segment ${k} (offset ${offset}, ${filesz} bytes) runs past the end of the file`);
    if (paddr + memsz > ramSize) {
      throw new MultibootError(`ELF segment ${k} at 0x${paddr.toString(16)}-0x${(paddr + memsz).toString(16)} does not fit in ${ramSize >> 20} MiB of RAM`);
    }
    segments.push({ offset, paddr, filesz, memsz });
  }
  if (segments.length === 0) throw new MultibootError('the ELF file has no loadable (PT_LOAD) segment');
  return { entry, segments };
}

/**
 * The memory map the kernel is given: the same ranges as the BIOS's INT 15h E820h (bios.S,
 * e820_table): [base, length, type], type 1 usable and 2 reserved.
 */
function memoryMap(ramSize: number): Array<[number, number, number]> {
  return [[0, 0x9fc00, 1], [0x9fc00, 0x400, 2], [0xf0000, 0x10000, 2], [0x100000, ramSize - 0x100000, 1]];
}

const PAGE = 0x1000;
/** The information structure's size: through vbe_interface_len (Multiboot 0.6.96, "Boot information format"). */
const INFO_SIZE = 88;
const MMAP_ENTRY = 24;
const CMDLINE_MAX = 255;

/**
 * The boot page: one 4 KiB page of usable RAM that no segment touches, for the information
 * structure, the memory map and the command line at its start and the stack the kernel is
 * entered with at its top. The spec lets the loader put the structure "anywhere in memory ...
 * with the exception of the memory reserved for the kernel" ("Boot information format"), so a
 * kernel may be loaded anywhere, low memory included; a fixed address would be inside some
 * kernel. The lowest page wins, so the choice depends on nothing but the segments and the RAM
 * size: candidates are the bottom of each usable range (conventional memory from 0x1000, above
 * the IVT and the BIOS data area; extended memory from 1 MiB) and the page after each segment.
 */
function bootPage(segments: readonly Segment[], ramSize: number): number {
  const usable = memoryMap(ramSize)
    .filter(([, length, type]) => type === 1 && length > 0)
    .map(([base, length]): [number, number] => [Math.max(base, PAGE), base + length]);
  const roundUp = (a: number): number => Math.ceil(a / PAGE) * PAGE;
  const candidates = [...usable.map(([lo]) => lo), ...segments.map((s) => roundUp(s.paddr + s.memsz))].sort((a, b) => a - b);
  for (const p of candidates) {
    const inRam = usable.some(([lo, hi]) => p >= lo && p + PAGE <= hi);
    const clear = segments.every((s) => s.memsz === 0 || p + PAGE <= s.paddr || p >= s.paddr + s.memsz);
    if (inRam && clear) return p;
  }
  throw new MultibootError(`no free 4 KiB page of RAM outside the kernel's segments for the Multiboot information (${ramSize >> 20} MiB of RAM)`);
}

/**
 * Loads `image` into physical memory and writes the information structure, the memory map and
 * `cmdline` (Multiboot info flag 2; at most 255 bytes of UTF-8) in a page of RAM clear of the
 * kernel.
 */
export function loadMultiboot(image: Uint8Array, mem: PhysicalWriter, cmdline = ''): LoadedKernel {
  const kernel = readMultiboot(image, mem.ramSize);
  const top = mem.ramSize;
  const info = bootPage(kernel.segments, top);
  for (const s of kernel.segments) {
    for (let b = 0; b < s.memsz; b++) mem.write8(s.paddr + b, b < s.filesz ? image[s.offset + b]! : 0);
  }
  const regions = memoryMap(top);
  const mmap = info + INFO_SIZE, cmd = mmap + regions.length * MMAP_ENTRY;
  for (let b = 0; b < INFO_SIZE; b += 4) mem.write32(info + b, 0); // the fields the flags leave out
  mem.write32(info + 0, MB_INFO_MEMORY | MB_INFO_CMDLINE | MB_INFO_MMAP);
  mem.write32(info + 4, 639); // mem_lower: KiB below 1 MiB
  mem.write32(info + 8, (top - 0x100000) >> 10); // mem_upper: KiB from 1 MiB
  mem.write32(info + 16, cmd);
  // At most CMDLINE_MAX bytes (the page holds the structure, the map, these and the stack), cut
  // before a UTF-8 character rather than inside it.
  const bytes = new TextEncoder().encode(cmdline);
  let cmdLength = Math.min(bytes.length, CMDLINE_MAX);
  while (cmdLength < bytes.length && (bytes[cmdLength]! & 0xc0) === 0x80) cmdLength--;
  for (let b = 0; b < cmdLength; b++) mem.write8(cmd + b, bytes[b]!);
  mem.write8(cmd + cmdLength, 0);
  let p = mmap;
  for (const [base, length, type] of regions) {
    mem.write32(p, 20); // size of the entry, not counting this field
    mem.write32(p + 4, base);
    mem.write32(p + 8, 0);
    mem.write32(p + 12, length);
    mem.write32(p + 16, 0);
    mem.write32(p + 20, type);
    p += MMAP_ENTRY;
  }
  mem.write32(info + 44, p - mmap);
  mem.write32(info + 48, mmap);
  return { entry: kernel.entry, infoAddr: info, stackTop: info + PAGE, segments: kernel.segments.map((s) => [s.paddr, s.paddr + s.memsz]) };
}
