// images/programs.img, the program disk the kernel runs user programs from: current with its
// sources, a ustar archive of static i386 ELF executables, and built on a libc whose system-call
// numbers, errors and struct meminfo are the kernel's (kernel/abi.ts).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERRNO, MEMINFO_FIELDS, SYS } from '../../../kernel/abi.ts';
import { staleOutputs } from '../../harness/gas.ts';

const root = new URL('../../..', import.meta.url).pathname;
const images = path.join(root, 'images');
const libc = path.join(images, 'src/libc');

const PROGRAMS = [
  'badkern', 'badnull', 'badtext', 'badwild', 'bigwrite', 'cat', 'cowcount', 'cowswap', 'cowtest', 'echo', 'exitcode', 'forkbench', 'forkdemo',
  'fragment', 'hello', 'huge', 'isolate', 'killkids', 'limits', 'matmult', 'memhog', 'meminfo', 'mmaptest', 'mstress', 'page-linear',
  'page-merge', 'page-parallel', 'page-shuffle', 'shmswap', 'shmtest', 'sleeper', 'spin', 'stack', 'touch', 'wsloop',
];
/** Each program again, linked at 0 for the segmented memory mode (--mm segments). */
const SEG_PROGRAMS = PROGRAMS.map((p) => `seg/${p}`);
/** The plain files beside them (images/src/files). */
const FILES = ['README', 'mmap-data'];

/** The first line of `cmd --version`, or null when it does not run. */
function version(cmd: string): string | null {
  try {
    return execFileSync(cmd, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n')[0] ?? null;
  } catch {
    return null;
  }
}

/** Why the rebuild comparison cannot run here, or null when it can. */
const rebuildSkip = ((): string | null => {
  try {
    execFileSync('gcc', ['-m32', '-march=i386', '-ffreestanding', '-x', 'c', '-c', '-o', '/dev/null', '-'],
      { input: '#include <stdarg.h>\nint x;\n', stdio: ['pipe', 'ignore', 'ignore'] });
  } catch {
    return 'gcc cannot compile for i386 here (gcc -m32; on Debian install gcc-multilib)';
  }
  // Another gcc or ld makes other (equally good) bytes: compare only with the toolchain that built it.
  const recorded = readFileSync(path.join(images, 'programs.toolchain'), 'utf8').trim();
  const local = `${version('gcc')}\n${version('ld')}`;
  return recorded === local ? null : `programs.img was built with ${recorded.replace('\n', ' and ')}; this machine has ${local.replace('\n', ' and ')}`;
})();

interface TarEntry { name: string; type: string; mode: number; data: Buffer }

/** Reads a ustar archive, checking each header's magic and checksum. */
function untar(img: Buffer): TarEntry[] {
  const entries: TarEntry[] = [];
  for (let off = 0; off + 512 <= img.length;) {
    const h = img.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    const text = (at: number, len: number): string => h.subarray(at, at + len).toString('latin1').replace(/\0[^]*$/, '');
    const octal = (at: number, len: number): number => parseInt(text(at, len).trim() || '0', 8);
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!; // the checksum field counts as spaces
    if (text(257, 6) !== 'ustar') throw new Error(`header at ${off}: magic ${JSON.stringify(text(257, 6))}, not ustar`);
    if (octal(148, 8) !== sum) throw new Error(`header at ${off}: checksum ${octal(148, 8)}, computed ${sum}`);
    const size = octal(124, 12);
    const prefix = text(345, 155);
    entries.push({
      name: prefix ? `${prefix}/${text(0, 100)}` : text(0, 100),
      type: text(156, 1) || '0',
      mode: octal(100, 8),
      data: img.subarray(off + 512, off + 512 + size),
    });
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return entries;
}

const PT_LOAD = 1, PT_DYNAMIC = 2, PT_INTERP = 3;
const PF_X = 1, PF_W = 2;

interface Segment { type: number; offset: number; vaddr: number; filesz: number; memsz: number; flags: number }

/** The ELF header fields this test checks, and the program headers. */
function readElf(f: Buffer): { ident: number[]; type: number; machine: number; entry: number; segments: Segment[] } {
  const phoff = f.readUInt32LE(28), phentsize = f.readUInt16LE(42), phnum = f.readUInt16LE(44);
  const segments: Segment[] = [];
  for (let i = 0; i < phnum; i++) {
    const p = phoff + i * phentsize;
    segments.push({
      type: f.readUInt32LE(p), offset: f.readUInt32LE(p + 4), vaddr: f.readUInt32LE(p + 8),
      filesz: f.readUInt32LE(p + 16), memsz: f.readUInt32LE(p + 20), flags: f.readUInt32LE(p + 24),
    });
  }
  return { ident: [...f.subarray(0, 6)], type: f.readUInt16LE(16), machine: f.readUInt16LE(18), entry: f.readUInt32LE(24), segments };
}

/** [name, number] of each `#define` line of a C header that `pattern` matches, in order. */
function defines(file: string, pattern: RegExp): Array<[string, number]> {
  return [...readFileSync(file, 'utf8').matchAll(pattern)].map((m) => [m[1]!, Number(m[2])]);
}

const archive = untar(readFileSync(path.join(images, 'programs.img')));


/** `file` read as an ELF, checked to be a static ELF32 i386 executable (no interpreter, nothing dynamic). */
function staticI386(file: Buffer): ReturnType<typeof readElf> {
  const elf = readElf(file);
  expect(elf.ident).toEqual([0x7f, 0x45, 0x4c, 0x46, 1 /* ELFCLASS32 */, 1 /* little-endian */]);
  expect(elf.type).toBe(2); // ET_EXEC
  expect(elf.machine).toBe(3); // EM_386
  expect(elf.segments.filter((s) => s.type === PT_INTERP || s.type === PT_DYNAMIC)).toEqual([]);
  return elf;
}
describe('images/programs.img', () => {
  it.skipIf(rebuildSkip !== null)(
    `is current with images/src (rebuilt by images/build.sh with gcc -m32 and GNU ld)${rebuildSkip ? ` — skipped: ${rebuildSkip}` : ''}`,
    () => {
      expect(staleOutputs(path.join(images, 'build.sh'), images, ['programs.img', 'programs.toolchain'])).toEqual([]);
    },
  );

  it('is a ustar archive of the programs, README and mmap-data at the top level and the programs again in seg/, all regular files', () => {
    expect(archive.map((e) => e.name).sort()).toEqual([...PROGRAMS, ...FILES, ...SEG_PROGRAMS].sort());
    expect(archive.every((e) => e.type === '0')).toBe(true);
    expect(archive.filter((e) => PROGRAMS.includes(e.name) || SEG_PROGRAMS.includes(e.name)).every((e) => e.mode === 0o755)).toBe(true);
  });

  it('carries images/src/files/README as its README', () => {
    const readme = archive.find((e) => e.name === 'README');
    expect(readme?.data.toString('latin1')).toBe(readFileSync(path.join(images, 'src/files/README'), 'latin1'));
  });

  it('carries mmap-data, mmaptest\'s file: 8192+100 bytes, byte i = (i*7+3) & 0xff', () => {
    const data = archive.find((e) => e.name === 'mmap-data')?.data;
    expect(data?.length).toBe(8192 + 100);
    expect(data?.equals(Buffer.from(Array.from({ length: 8192 + 100 }, (_, i) => (i * 7 + 3) & 0xff)))).toBe(true);
    expect(archive.find((e) => e.name === 'mmap-data')?.mode).toBe(0o644);
  });

  it.each(PROGRAMS)('holds %s as a static ELF32 i386 executable whose entry lies in its text', (name) => {
    const file = archive.find((e) => e.name === name)!.data;
    const elf = staticI386(file);
    const loads = elf.segments.filter((s) => s.type === PT_LOAD);
    const text = loads.filter((s) => s.flags & PF_X);
    expect(text).toHaveLength(1);
    expect(text[0]!.vaddr).toBe(0x08048000); // ld's default i386 base, where the kernel expects text
    expect(text[0]!.flags & PF_W).toBe(0); // text is read-only (badtext relies on it)
    expect(elf.entry).toBeGreaterThanOrEqual(text[0]!.vaddr);
    expect(elf.entry).toBeLessThan(text[0]!.vaddr + text[0]!.filesz);
    for (const s of loads) {
      expect(s.filesz).toBeLessThanOrEqual(s.memsz);
      expect(s.offset + s.filesz).toBeLessThanOrEqual(file.length);
      expect(s.vaddr).toBeGreaterThanOrEqual(0x1000);
      expect(s.vaddr + s.memsz).toBeLessThanOrEqual(0xc0000000);
    }
    // No page holds parts of two segments: each page gets one segment's protection.
    const pages = loads.map((s) => [Math.floor(s.vaddr / 4096), Math.floor((s.vaddr + s.memsz - 1) / 4096)] as const);
    pages.forEach(([, last], i) => pages.slice(i + 1).forEach(([first]) => expect(first).toBeGreaterThan(last)));
  });

  it.each(SEG_PROGRAMS)('holds %s as a static ELF32 i386 executable linked at 0, its data after its text', (name) => {
    const file = archive.find((e) => e.name === name)!.data;
    const elf = staticI386(file);
    const loads = elf.segments.filter((s) => s.type === PT_LOAD).sort((a, b) => a.vaddr - b.vaddr);
    const text = loads[0]!;
    expect(text.vaddr).toBe(0); // an offset in the process's segment
    expect(text.offset).toBe(0);
    expect(text.flags & PF_X).toBe(PF_X);
    expect(elf.entry).toBeLessThan(text.filesz);
    for (const [i, s] of loads.entries()) {
      expect(s.filesz).toBeLessThanOrEqual(s.memsz);
      expect(s.offset + s.filesz).toBeLessThanOrEqual(file.length);
      if (i > 0) {
        const prev = loads[i - 1]!;
        expect(s.vaddr).toBeGreaterThanOrEqual(prev.vaddr + prev.memsz);
        expect(s.vaddr - (prev.vaddr + prev.memsz)).toBeLessThan(64); // packed: no page between them
      }
    }
    // The paging variant is the same program: the same number of loadable bytes per segment.
    const paged = readElf(archive.find((e) => e.name === name.slice(4))!.data).segments.filter((s) => s.type === PT_LOAD);
    expect(loads.map((s) => [s.filesz, s.flags])).toEqual(paged.map((s) => [s.filesz, s.flags]));
  });
});

describe('images/src/libc', () => {
  it('numbers its system calls (syscall.h SYS_*) as kernel/abi.ts SYS does', () => {
    const header = Object.fromEntries(defines(path.join(libc, 'syscall.h'), /^#define\s+SYS_(\w+)\s+(\d+)\s*$/gm));
    expect(header).toEqual(SYS);
  });

  it('numbers its errors (syscall.h E*) as kernel/abi.ts ERRNO does', () => {
    const header = Object.fromEntries(defines(path.join(libc, 'syscall.h'), /^#define\s+(E[A-Z0-9]+)\s+(\d+)\s*$/gm));
    expect(header).toEqual(ERRNO);
  });

  it('lays out struct meminfo (unistd.h) as uint32 fields in the order of kernel/abi.ts MEMINFO_FIELDS', () => {
    const body = /struct meminfo \{([^}]*)\};/.exec(readFileSync(path.join(libc, 'unistd.h'), 'utf8'))?.[1] ?? '';
    const fields = [...body.matchAll(/^\s*([\w ]+?)\s+(\w+);/gm)].map((m) => [m[1], m[2]]);
    expect(fields).toEqual(MEMINFO_FIELDS.map((f) => ['unsigned', f]));
  });
});
