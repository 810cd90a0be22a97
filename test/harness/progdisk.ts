// Program disks for boot tests that need a program images/ does not have: a minimal static ELF32
// i386 executable around a few bytes of code (assembled with test/harness/gas.ts), and a ustar
// archive with extra files appended to images/programs.img, as `tar` would write them.

import { asm32 } from './gas.ts';
import { PROGRAMS_IMG } from './kernel.ts';

/** Where ld puts an i386 program's text by default, and so where the kernel expects programs. */
export const TEXT_BASE = 0x08048000;
const EHDR = 52, PHDR = 32;

/** A writable segment: `bytes` from the file at `vaddr` (page aligned), then zeros up to `memsz`. */
export interface DataSegment { vaddr: number; bytes: Uint8Array; memsz: number }

/**
 * A static ELF32 i386 executable with one R X PT_LOAD segment (the headers and the code) at
 * `textBase` (TEXT_BASE; 0 for --mm segments, as images/build.sh links seg/ programs), and
 * optionally a R W one (`data`); `src` (AT&T syntax) starts right after the headers, which is the
 * entry point.
 */
export function elfProgram(src: string, data?: DataSegment, textBase = TEXT_BASE): Uint8Array {
  const phnum = data ? 2 : 1;
  const entry = textBase + EHDR + phnum * PHDR;
  const code = asm32(src, entry);
  const textSize = EHDR + phnum * PHDR + code.length;
  // The data's file offset must equal its address modulo the page size: put it on its own file page.
  const dataOffset = data ? Math.ceil(textSize / 0x1000) * 0x1000 + (data.vaddr % 0x1000) : textSize;
  const file = new Uint8Array(data ? dataOffset + data.bytes.length : textSize);
  const v = new DataView(file.buffer);
  file.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1]); // ELF, 32-bit, little-endian, version 1
  v.setUint16(16, 2, true); // ET_EXEC
  v.setUint16(18, 3, true); // EM_386
  v.setUint32(20, 1, true); // EV_CURRENT
  v.setUint32(24, entry, true);
  v.setUint32(28, EHDR, true); // e_phoff
  v.setUint16(40, EHDR, true); // e_ehsize
  v.setUint16(42, PHDR, true);
  v.setUint16(44, phnum, true);
  v.setUint16(46, 40, true); // e_shentsize (no sections)
  const phdr = (at: number, offset: number, vaddr: number, filesz: number, memsz: number, flags: number): void => {
    v.setUint32(at + 0, 1, true); // PT_LOAD
    v.setUint32(at + 4, offset, true);
    v.setUint32(at + 8, vaddr, true);
    v.setUint32(at + 12, vaddr, true);
    v.setUint32(at + 16, filesz, true);
    v.setUint32(at + 20, memsz, true);
    v.setUint32(at + 24, flags, true);
    v.setUint32(at + 28, 0x1000, true);
  };
  phdr(EHDR, 0, textBase, textSize, textSize, 5); // PF_R | PF_X
  if (data) {
    phdr(EHDR + PHDR, dataOffset, data.vaddr, data.bytes.length, data.memsz, 6); // PF_R | PF_W
    file.set(data.bytes, dataOffset);
  }
  file.set(code, EHDR + phnum * PHDR);
  return file;
}

/** One ustar header block for a regular file (owner 0, mtime 0, mode 0755), checksum included. */
function ustarHeader(name: string, size: number): Uint8Array {
  const h = new Uint8Array(512);
  const put = (at: number, s: string): void => { for (let i = 0; i < s.length; i++) h[at + i] = s.charCodeAt(i); };
  const octal = (n: number, width: number): string => `${n.toString(8).padStart(width - 1, '0')}\0`;
  if (name.length > 99) throw new Error(`ustar: name too long: ${name}`);
  put(0, name);
  put(100, octal(0o755, 8));
  put(108, octal(0, 8));
  put(116, octal(0, 8));
  put(124, octal(size, 12));
  put(136, octal(0, 12));
  put(148, '        ');
  put(156, '0');
  put(257, 'ustar\0');
  put(263, '00');
  const sum = h.reduce((a, b) => a + b, 0);
  put(148, `${sum.toString(8).padStart(6, '0')}\0 `);
  return h;
}

/** images/programs.img (or `base`) with `extra` files appended before the end-of-archive blocks. */
export function programDiskWith(extra: Record<string, Uint8Array>, base: Uint8Array = PROGRAMS_IMG): Uint8Array {
  let end = 0;
  while (end + 512 <= base.length && !base.subarray(end, end + 512).every((b) => b === 0)) {
    const size = parseInt(Buffer.from(base.subarray(end + 124, end + 136)).toString('latin1').replace(/\0.*$/s, '').trim(), 8);
    end += 512 + Math.ceil(size / 512) * 512;
  }
  const parts: Uint8Array[] = [base.subarray(0, end)];
  for (const [name, data] of Object.entries(extra)) {
    parts.push(ustarHeader(name, data.length));
    const padded = new Uint8Array(Math.ceil(data.length / 512) * 512);
    padded.set(data);
    parts.push(padded);
  }
  const body = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(Math.ceil((body + 1024) / 10240) * 10240); // two zero blocks, then tar's 10 KiB records
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

/**
 * Assembly for a test program: sbrk(`bytes`) (an expression such as `6*4096`) and the first page
 * boundary at or above the old break, in %eax (the break need not be page aligned, so `bytes`
 * holds one page more than the program uses).
 */
export const sbrkAligned = (bytes: string): string => `
    movl $46, %eax
    movl $${bytes}, %ebx
    int $0x80
    addl $4095, %eax
    andl $~4095, %eax`;
