// parseElf against real static i386 executables built the way images/ builds its programs (gcc -m32,
// ld -m elf_i386), checked against `readelf -lW`, and against hand-made headers for each refusal.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseElf, type ElfImage, type ElfSegment } from '../../../../kernel/proc/elf.ts';

// ---- real executables ----

const PROGRAM = `
int counter = 42;                 /* .data */
char buffer[10000];               /* .bss: memsz > filesz */
const char message[] = "hello";   /* .rodata */
void _start(void) {
  buffer[counter] = message[1];
  for (;;) ;
}
`;

interface Built { bytes: Uint8Array; readelf: string }

/** Builds PROGRAM with each set of extra ld flags; null and a reason if this host cannot build -m32. */
function build(linkFlags: string[][]): { programs: Built[]; reason: string | null } {
  const dir = mkdtempSync(join(tmpdir(), 'ts386-elf-'));
  try {
    writeFileSync(join(dir, 'prog.c'), PROGRAM);
    execFileSync('gcc', ['-m32', '-march=i386', '-ffreestanding', '-nostdlib', '-fno-pic', '-static', '-O1',
      '-c', join(dir, 'prog.c'), '-o', join(dir, 'prog.o')], { stdio: 'pipe' });
    const programs = linkFlags.map((flags, i) => {
      const out = join(dir, `prog${i}`);
      execFileSync('ld', ['-m', 'elf_i386', ...flags, join(dir, 'prog.o'), '-o', out], { stdio: 'pipe' });
      return { bytes: new Uint8Array(readFileSync(out)), readelf: execFileSync('readelf', ['-lW', out], { encoding: 'utf8' }) };
    });
    return { programs, reason: null };
  } catch (e) {
    const message = e instanceof Error ? e.message.split('\n')[0]! : String(e);
    return { programs: [], reason: `gcc -m32 / ld -m elf_i386 / readelf unavailable: ${message}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Entry point and LOAD segments as readelf -lW prints them. */
function fromReadelf(text: string): ElfImage {
  const entry = /Entry point (0x[0-9a-f]+)/.exec(text);
  if (!entry) throw new Error(`no entry point in readelf output:\n${text}`);
  const segments: ElfSegment[] = [];
  const load = /^\s*LOAD\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+0x[0-9a-f]+\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+([RWE ]+?)\s+0x[0-9a-f]+\s*$/gm;
  for (const m of text.matchAll(load)) {
    segments.push({
      offset: Number(m[1]), vaddr: Number(m[2]), filesz: Number(m[3]), memsz: Number(m[4]),
      readable: m[5]!.includes('R'), writable: m[5]!.includes('W'), executable: m[5]!.includes('E'),
    });
  }
  return { entry: Number(entry[1]), segments: segments.filter((s) => s.memsz > 0).sort((a, b) => a.vaddr - b.vaddr) };
}

// Built once, while the file is collected, so a host without a 32-bit toolchain skips with the reason.
const real = build([[], ['-z', 'noseparate-code']]);

describe.skipIf(real.reason !== null)(`parseElf on programs built by gcc -m32 and ld -m elf_i386${real.reason ? ` (skipped: ${real.reason})` : ''}`, () => {
  it('finds the entry point and LOAD segments readelf -lW reports (separate code pages, ld default)', () => {
    const p = real.programs[0]!;
    const want = fromReadelf(p.readelf);
    expect(want.segments.length).toBeGreaterThanOrEqual(3); // headers/rodata, text, data+bss
    expect(parseElf(p.bytes, p.bytes.length)).toEqual(want);
  });

  it('finds the same with text and headers sharing a segment (-z noseparate-code)', () => {
    const p = real.programs[1]!;
    const want = fromReadelf(p.readelf);
    expect(parseElf(p.bytes, p.bytes.length)).toEqual(want);
  });

  it('reports bss as memory size beyond the file size of the writable segment', () => {
    const p = real.programs[0]!;
    const image = parseElf(p.bytes, p.bytes.length);
    if (typeof image === 'string') throw new Error(image);
    const data = image.segments.find((s) => s.writable);
    expect(data).toBeDefined();
    expect(data!.memsz - data!.filesz).toBeGreaterThanOrEqual(10000);
    expect(data!.executable).toBe(false);
    expect(image.entry).toBeGreaterThanOrEqual(0x08048000);
  });

  it('needs only the first page of the file, as exec reads it', () => {
    const p = real.programs[0]!;
    expect(parseElf(p.bytes.subarray(0, 4096), p.bytes.length)).toEqual(parseElf(p.bytes, p.bytes.length));
  });
});

// ---- hand-made headers ----

interface Phdr { type: number; offset: number; vaddr: number; filesz: number; memsz: number; flags: number }
const PT_LOAD = 1, PT_DYNAMIC = 2, PT_INTERP = 3, PT_NOTE = 4, PT_GNU_STACK = 0x6474e551;
const R = 4, W = 2, X = 1;
const TEXT: Phdr = { type: PT_LOAD, offset: 0, vaddr: 0x08048000, filesz: 0x200, memsz: 0x200, flags: R | X };
const DATA: Phdr = { type: PT_LOAD, offset: 0x200, vaddr: 0x08049200, filesz: 0x100, memsz: 0x3000, flags: R | W };
const FILE_SIZE = 0x300;

/** An ELF header (fields overridable by offset) followed by program headers, padded to FILE_SIZE. */
function elf(phdrs: Phdr[], patch: (v: DataView, b: Uint8Array) => void = () => {}): Uint8Array {
  const b = new Uint8Array(FILE_SIZE);
  const v = new DataView(b.buffer);
  b.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1, 0]);
  v.setUint16(16, 2, true); // ET_EXEC
  v.setUint16(18, 3, true); // EM_386
  v.setUint32(20, 1, true);
  v.setUint32(24, 0x08048080, true); // entry
  v.setUint32(28, 52, true); // phoff
  v.setUint16(40, 52, true);
  v.setUint16(42, 32, true);
  v.setUint16(44, phdrs.length, true);
  phdrs.forEach((p, i) => {
    const at = 52 + 32 * i;
    v.setUint32(at, p.type, true);
    v.setUint32(at + 4, p.offset, true);
    v.setUint32(at + 8, p.vaddr, true);
    v.setUint32(at + 12, p.vaddr, true);
    v.setUint32(at + 16, p.filesz, true);
    v.setUint32(at + 20, p.memsz, true);
    v.setUint32(at + 24, p.flags, true);
    v.setUint32(at + 28, 0x1000, true);
  });
  patch(v, b);
  return b;
}

const parse = (b: Uint8Array, fileSize = FILE_SIZE) => parseElf(b, fileSize);
const seg = (p: Phdr): ElfSegment => ({
  vaddr: p.vaddr, memsz: p.memsz, filesz: p.filesz, offset: p.offset,
  readable: (p.flags & R) !== 0, writable: (p.flags & W) !== 0, executable: (p.flags & X) !== 0,
});

describe('parseElf accepts', () => {
  it('a text and a data segment, reported in address order with their permissions', () => {
    expect(parse(elf([DATA, TEXT]))).toEqual({ entry: 0x08048080, segments: [seg(TEXT), seg(DATA)] });
  });

  it('ignoring PT_NOTE, PT_GNU_STACK and empty PT_LOAD segments', () => {
    const note: Phdr = { type: PT_NOTE, offset: 0x100, vaddr: 0x08048100, filesz: 0x20, memsz: 0x20, flags: R };
    const stack: Phdr = { type: PT_GNU_STACK, offset: 0, vaddr: 0, filesz: 0, memsz: 0, flags: R | W };
    const empty: Phdr = { type: PT_LOAD, offset: 0, vaddr: 0, filesz: 0, memsz: 0, flags: R };
    expect(parse(elf([TEXT, note, stack, empty]))).toEqual({ entry: 0x08048080, segments: [seg(TEXT)] });
  });

  it('two segments that share a page without sharing a byte', () => {
    const data = { ...DATA, vaddr: 0x08048200 }; // the page of the text's last bytes
    expect(parse(elf([TEXT, data]))).toMatchObject({ segments: [seg(TEXT), seg(data)] });
  });

  it('a segment that ends exactly where the stack region starts', () => {
    const top = { ...DATA, vaddr: 0xbfeff200, memsz: 0xe00 };
    expect(parse(elf([TEXT, top]))).toMatchObject({ segments: [seg(TEXT), seg(top)] });
  });
});

describe('parseElf refuses, with a one-line reason', () => {
  const cases: Array<[string, Uint8Array, RegExp | string, number?]> = [
    ['a file without the ELF magic', elf([TEXT], (_, b) => { b[3] = 0; }), 'not an ELF file (bad magic 7f 45 4c 00)'],
    ['a file too short for the magic', new Uint8Array([0x7f, 0x45]), 'not an ELF file (bad magic 7f 45)'],
    ['a file shorter than the ELF header', elf([TEXT]).subarray(0, 40), /^ELF: 40 bytes, shorter than the 52-byte ELF header$/, 40],
    ['a 64-bit file', elf([TEXT], (_, b) => { b[4] = 2; }), 'ELF: 64-bit (class 2), want 32-bit i386'],
    ['an invalid class', elf([TEXT], (_, b) => { b[4] = 0; }), /^ELF: invalid class 0/],
    ['a big-endian file', elf([TEXT], (_, b) => { b[5] = 2; }), 'ELF: big-endian (data 2), want little-endian'],
    ['a relocatable object', elf([TEXT], (v) => v.setUint16(16, 1, true)), 'ELF: type 1 (relocatable object), want an executable (ET_EXEC, 2)'],
    ['a PIE', elf([TEXT], (v) => v.setUint16(16, 3, true)), /^ELF: type 3 \(shared object or PIE\)/],
    ['an x86-64 machine', elf([TEXT], (v) => v.setUint16(18, 62, true)), 'ELF: machine 62 (x86-64), want i386 (3)'],
    ['an unknown version', elf([TEXT], (v) => v.setUint32(20, 2, true)), /^ELF: version 2, want 1/],
    ['program headers of another size', elf([TEXT], (v) => v.setUint16(42, 56, true)), /^ELF: program header size 56, want 32/],
    ['no program headers', elf([]), 'ELF: no program headers'],
    ['program headers beyond the bytes read', elf([TEXT, DATA]).subarray(0, 100), /^ELF: program headers at 0x00000034\.\.0x00000074 lie beyond the 100 bytes read$/],
    ['a PT_INTERP', elf([TEXT, { ...TEXT, type: PT_INTERP, memsz: 0x13, filesz: 0x13 }]), 'ELF: dynamically linked (PT_INTERP), want a static executable'],
    ['a PT_DYNAMIC', elf([TEXT, { ...DATA, type: PT_DYNAMIC }]), 'ELF: dynamically linked (PT_DYNAMIC), want a static executable'],
    ['file size over memory size', elf([{ ...TEXT, filesz: 0x201 }]), /^ELF: segment 0 \(0x08048000, 512 bytes\): file size 513 exceeds memory size 512$/],
    ['file bytes past the end of the file', elf([TEXT, { ...DATA, filesz: 0x101, memsz: 0x101 }]), /^ELF: segment 1 .*: file bytes 0x00000200\.\.0x00000301 lie beyond the 768-byte file$/],
    ['an address and offset that differ within the page', elf([TEXT, { ...DATA, vaddr: 0x08049000 }]), /^ELF: segment 1 .*differ modulo the 4096-byte page$/],
    ['a segment in page 0', elf([{ ...TEXT, vaddr: 0 }], (v) => v.setUint32(24, 0x80, true)), /^ELF: segment 0 \(0x00000000, 512 bytes\): outside the program's space \[0x00001000, 0xbff00000\) \(the stack region and the kernel lie above it\)$/],
    ['a segment reaching into the stack region', elf([TEXT, { ...DATA, vaddr: 0xbfeff200 }]), /^ELF: segment 1 .*outside the program's space/],
    ['a segment wholly in the stack region', elf([TEXT, { ...DATA, vaddr: 0xbff80200 }]), /^ELF: segment 1 .*outside the program's space/],
    ['a segment reaching into the kernel half', elf([TEXT, { ...DATA, vaddr: 0xbffff200 }]), /^ELF: segment 1 .*outside the program's space/],
    ['a segment wholly in the kernel half', elf([{ ...TEXT, vaddr: 0xc0000000 }], (v) => v.setUint32(24, 0xc0000080, true)), /outside the program's space/],
    ['overlapping segments', elf([TEXT, { ...DATA, vaddr: 0x08048100, offset: 0x100, filesz: 0x100 }]), 'ELF: segments overlap (0x08048000..0x08048200 and 0x08048100..0x0804b100)'],
    ['an entry point in a data segment', elf([TEXT, DATA], (v) => v.setUint32(24, 0x08049200, true)), 'ELF: entry point 0x08049200 is not in the file bytes of an executable segment'],
    ['an entry point in the zero-filled tail of a segment', elf([{ ...TEXT, memsz: 0x1000 }], (v) => v.setUint32(24, 0x08048800, true)), /^ELF: entry point 0x08048800 is not in/],
    ['no PT_LOAD at all', elf([{ ...TEXT, type: PT_NOTE }]), 'ELF: no loadable segments'],
  ];
  for (const [what, bytes, reason, fileSize] of cases) {
    it(what, () => {
      const got = parse(bytes, fileSize ?? FILE_SIZE);
      expect(typeof got).toBe('string');
      if (typeof reason === 'string') expect(got).toBe(reason);
      else expect(got).toMatch(reason);
      expect(got).not.toContain('\n');
    });
  }
});
