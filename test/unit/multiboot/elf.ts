// Multiboot kernels for the loader's tests, built here rather than committed: an ELF32 i386
// executable with one PT_LOAD segment, and the Multiboot header in the file's first 8192 bytes
// (Multiboot Specification 0.6.96, "OS image format"), between the ELF headers and the segment,
// so that the segment holds nothing but the code given.

import { MULTIBOOT_MAGIC } from '../../../emulator/multiboot.ts';

const EHDR = 52, PHDR = 32;
/** The segment's bytes start on the file's second page, so its offset and address agree modulo 4 KiB. */
const CODE_OFFSET = 0x1000;
/** Header flags: bit 0 page-aligned modules, bit 1 memory information (as kernel.S asks). */
const FLAGS = 0x3;

/**
 * A kernel whose one segment is `code` at physical address `base`, zeros after it up to `memsz`
 * bytes (default: the code's length), entered at `entry` (default `base`).
 */
export function multibootElf(code: Uint8Array, base: number, opts: { memsz?: number; entry?: number } = {}): Uint8Array {
  const file = new Uint8Array(CODE_OFFSET + code.length);
  const v = new DataView(file.buffer);
  file.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1]); // ELF, 32-bit, little-endian, version 1
  v.setUint16(16, 2, true); // ET_EXEC
  v.setUint16(18, 3, true); // EM_386
  v.setUint32(20, 1, true); // EV_CURRENT
  v.setUint32(24, opts.entry ?? base, true);
  v.setUint32(28, EHDR, true); // e_phoff
  v.setUint16(40, EHDR, true); // e_ehsize
  v.setUint16(42, PHDR, true);
  v.setUint16(44, 1, true);
  v.setUint16(46, 40, true); // e_shentsize (no sections)
  v.setUint32(EHDR + 0, 1, true); // PT_LOAD
  v.setUint32(EHDR + 4, CODE_OFFSET, true);
  v.setUint32(EHDR + 8, base, true);
  v.setUint32(EHDR + 12, base, true);
  v.setUint32(EHDR + 16, code.length, true);
  v.setUint32(EHDR + 20, opts.memsz ?? code.length, true);
  v.setUint32(EHDR + 24, 7, true); // PF_R | PF_W | PF_X
  v.setUint32(EHDR + 28, 0x1000, true);
  const mb = EHDR + PHDR; // 4-byte aligned
  v.setUint32(mb, MULTIBOOT_MAGIC, true);
  v.setUint32(mb + 4, FLAGS, true);
  v.setUint32(mb + 8, -(MULTIBOOT_MAGIC + FLAGS) >>> 0, true);
  file.set(code, CODE_OFFSET);
  return file;
}
