// Loading a Multiboot (version 1) ELF kernel directly, as `qemu -kernel` does (Multiboot
// Specification 0.6.96, "OS image format" and "Machine state").
//
//   the image:  a Multiboot header, 4-byte aligned, in its first 8192 bytes:
//               u32 magic 0x1BADB002, u32 flags, u32 checksum (magic + flags + checksum = 0)
//               flags bit 16 would give load addresses in the header (a.out kludge): ts386
//               loads ELF32 files by their program headers and rejects the a.out kludge.
//   the state:  EAX = 0x2BADB002, EBX = physical address of the Multiboot information structure,
//               32-bit protected mode with flat 4 GiB code and data segments, A20 on, paging off,
//               IF = 0, EIP = the ELF entry point.
//
// Errors are thrown as MultibootError with one line that says what is wrong with the file.

export const MULTIBOOT_MAGIC = 0x1badb002;
export const MULTIBOOT_BOOTLOADER_MAGIC = 0x2badb002;
const MB_INFO_MEMORY = 1 << 0, MB_INFO_CMDLINE = 1 << 2, MB_INFO_MMAP = 1 << 6;

export class MultibootError extends Error {}

export interface LoadedKernel {
  entry: number;
  /** Physical address of the Multiboot information structure. */
  infoAddr: number;
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

/**
 * Loads `image` into physical memory and writes the information structure below 1 MiB.
 * `cmdline` is passed to the kernel (Multiboot info flag 2).
 */
export function loadMultiboot(image: Uint8Array, mem: PhysicalWriter, cmdline = ''): LoadedKernel {
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
  const segments: Array<[number, number]> = [];
  for (let k = 0; k < phnum; k++) {
    const ph = phoff + k * phentsize;
    if (view.getUint32(ph, true) !== 1) continue; // PT_LOAD only
    const offset = view.getUint32(ph + 4, true);
    const paddr = view.getUint32(ph + 12, true);
    const filesz = view.getUint32(ph + 16, true);
    const memsz = view.getUint32(ph + 20, true);
    if (offset + filesz > image.length) throw new MultibootError(`ELF segment ${k} (offset ${offset}, ${filesz} bytes) runs past the end of the file`);
    if (paddr + memsz > mem.ramSize) {
      throw new MultibootError(`ELF segment ${k} at 0x${paddr.toString(16)}-0x${(paddr + memsz).toString(16)} does not fit in ${mem.ramSize >> 20} MiB of RAM`);
    }
    for (let b = 0; b < memsz; b++) mem.write8(paddr + b, b < filesz ? image[offset + b]! : 0);
    segments.push([paddr, paddr + memsz]);
  }
  if (segments.length === 0) throw new MultibootError('the ELF file has no loadable (PT_LOAD) segment');

  // The information structure, the command line and a memory map, at 0x9000 (below 640 KiB, above the BDA).
  const info = 0x9000, mmap = 0x9100, cmd = 0x9400;
  const top = mem.ramSize;
  mem.write32(info + 0, MB_INFO_MEMORY | MB_INFO_CMDLINE | MB_INFO_MMAP);
  mem.write32(info + 4, 639); // mem_lower: KiB below 1 MiB
  mem.write32(info + 8, (top - 0x100000) >> 10); // mem_upper: KiB from 1 MiB
  mem.write32(info + 16, cmd);
  const bytes = new TextEncoder().encode(cmdline.slice(0, 255));
  for (let b = 0; b < bytes.length; b++) mem.write8(cmd + b, bytes[b]!);
  mem.write8(cmd + bytes.length, 0);
  const regions: Array<[number, number, number]> = [[0, 0x9fc00, 1], [0x9fc00, 0x400, 2], [0xf0000, 0x10000, 2], [0x100000, top - 0x100000, 1]];
  let p = mmap;
  for (const [base, length, type] of regions) {
    mem.write32(p, 20); // size of the entry, not counting this field
    mem.write32(p + 4, base);
    mem.write32(p + 8, 0);
    mem.write32(p + 12, length);
    mem.write32(p + 16, 0);
    mem.write32(p + 20, type);
    p += 24;
  }
  mem.write32(info + 44, p - mmap);
  mem.write32(info + 48, mmap);
  return { entry, infoAddr: info, segments };
}
