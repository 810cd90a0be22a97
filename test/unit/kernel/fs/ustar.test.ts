// The ustar header parser against archives made by the system's GNU tar (the program disk is made
// the same way), plus hand-altered headers for each error.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextHeaderOffset, parseUstarHeader, type UstarEntry } from '../../../../kernel/fs/ustar.ts';

let dir = '';

/** Distinct bytes for each file, so a wrong data offset cannot read as the right contents. */
function content(length: number, seed: number): Uint8Array {
  const b = new Uint8Array(length);
  for (let i = 0; i < length; i++) b[i] = (i * 7 + seed * 13 + (i >> 8)) & 0xff;
  return b;
}

const LONG_DIR = 'a-directory-name-long-enough/that-the-path-needs/the-ustar-prefix-field/because-it-is-over';
const FILES: Record<string, Uint8Array> = {
  hello: new TextEncoder().encode('hello, world\n'),
  empty: new Uint8Array(0),
  'exact-block': content(512, 1),
  'bin/ls': content(1000, 2),
  'bin/big': content(5 * 512 + 3, 3),
  [`${LONG_DIR}/a-hundred-characters.txt`]: content(77, 4),
};

/** Makes an archive of FILES with `tar` run in the temp dir; returns its bytes. */
function makeArchive(format: 'ustar' | 'gnu', members: string[], name: string): Uint8Array {
  const path = join(dir, name);
  execFileSync('tar', [`--format=${format}`, '-cf', path, '-C', join(dir, 'src'), ...members]);
  return new Uint8Array(readFileSync(path));
}

/** Walks an archive with the parser until the end block; returns entries, or the first error. */
function walk(archive: Uint8Array): UstarEntry[] | string {
  const out: UstarEntry[] = [];
  let off = 0;
  for (;;) {
    const e = parseUstarHeader(archive.subarray(off, off + 512), off);
    if (e === null) return out;
    if (typeof e === 'string') return e;
    out.push(e);
    off = nextHeaderOffset(e);
  }
}

function header(archive: Uint8Array, at = 0): Uint8Array {
  return archive.slice(at, at + 512);
}

/** Rewrites a header's checksum field the way tar does: six octal digits, NUL, space. */
function setChecksum(h: Uint8Array, sum: number): void {
  const text = sum.toString(8).padStart(6, '0');
  for (let i = 0; i < 6; i++) h[148 + i] = text.charCodeAt(i);
  h[154] = 0;
  h[155] = 0x20;
}

function unsignedSum(h: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < 512; i++) s += i >= 148 && i < 156 ? 0x20 : h[i]!;
  return s;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ts386-ustar-'));
  for (const [name, bytes] of Object.entries(FILES)) {
    const path = join(dir, 'src', name);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, bytes);
  }
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('parseUstarHeader on archives made by tar --format=ustar', () => {
  it('finds every file with its name, size and the offset of its contents', () => {
    const names = Object.keys(FILES);
    const archive = makeArchive('ustar', names, 'files.tar');
    const entries = walk(archive);
    if (typeof entries === 'string') throw new Error(entries);
    expect(entries.map((e) => e.name)).toEqual(names);
    for (const e of entries) {
      const want = FILES[e.name]!;
      expect(e.type).toBe('file');
      expect(e.size).toBe(want.length);
      expect(e.dataOffset % 512).toBe(0);
      expect(archive.subarray(e.dataOffset, e.dataOffset + e.size)).toEqual(want);
    }
  });

  it('joins the prefix field and the name field of a path over 100 characters', () => {
    const long = `${LONG_DIR}/a-hundred-characters.txt`;
    expect(long.length).toBeGreaterThan(100);
    const archive = makeArchive('ustar', [long], 'long.tar');
    // tar really split it: the name field alone is not the whole path.
    expect(new TextDecoder().decode(archive.subarray(0, 100)).replace(/\0.*$/s, '')).not.toBe(long);
    const e = parseUstarHeader(header(archive), 0);
    expect(e).toMatchObject({ name: long, size: 77, type: 'file', dataOffset: 512 });
  });

  it('strips the leading ./ and reports directories without their trailing slash', () => {
    const archive = makeArchive('ustar', ['./bin'], 'dot.tar');
    const entries = walk(archive);
    if (typeof entries === 'string') throw new Error(entries);
    const byName = new Map(entries.map((e) => [e.name, e]));
    expect(byName.get('bin')).toMatchObject({ type: 'dir', size: 0, typeflag: '5' });
    expect(byName.get('bin/ls')).toMatchObject({ type: 'file', size: 1000 });
    expect(entries.some((e) => e.name.startsWith('.'))).toBe(false);
  });

  it('reads the GNU magic "ustar  \\0" and reports a GNU long-name record as other', () => {
    const long = `${LONG_DIR}/a-hundred-characters.txt`;
    const archive = makeArchive('gnu', ['hello', long], 'gnu.tar');
    const entries = walk(archive);
    if (typeof entries === 'string') throw new Error(entries);
    // hello, then the ././@LongLink record ('L') holding the long name, then the file itself.
    expect(entries[0]).toMatchObject({ name: 'hello', type: 'file', size: 13 });
    expect(entries[1]).toMatchObject({ type: 'other', typeflag: 'L', size: long.length + 1 });
    expect(entries[2]).toMatchObject({ type: 'file', size: 77 });
    const data = entries[2]!;
    expect(archive.subarray(data.dataOffset, data.dataOffset + data.size)).toEqual(FILES[long]);
  });

  it('returns null at the end-of-archive zero block', () => {
    const archive = makeArchive('ustar', ['hello'], 'end.tar');
    const first = parseUstarHeader(header(archive), 0);
    if (first === null || typeof first === 'string') throw new Error(String(first));
    const end = nextHeaderOffset(first);
    expect(end).toBe(1024);
    expect(parseUstarHeader(header(archive, end), end)).toBeNull();
  });

  it('rounds the next header up to a whole block, and not past one for an exact block', () => {
    const entry = (size: number): UstarEntry => ({ name: 'x', size, type: 'file', dataOffset: 512, typeflag: '0' });
    expect(nextHeaderOffset(entry(0))).toBe(512);
    expect(nextHeaderOffset(entry(1))).toBe(1024);
    expect(nextHeaderOffset(entry(512))).toBe(1024);
    expect(nextHeaderOffset(entry(513))).toBe(1536);
  });
});

describe('parseUstarHeader errors', () => {
  it('rejects a header whose checksum does not match, naming the offset', () => {
    const archive = makeArchive('ustar', ['hello'], 'sum.tar');
    const h = header(archive);
    h[0] = h[0]! ^ 1; // 'hello' -> 'iello': one bit changes the sum
    const err = parseUstarHeader(h, 4096);
    expect(typeof err).toBe('string');
    expect(err).toMatch(/^ustar: header at offset 4096: bad checksum/);
    expect(err).not.toContain('\n');
  });

  it('accepts a checksum summed over signed chars, as old tars wrote it', () => {
    const archive = makeArchive('ustar', ['hello'], 'signed.tar');
    const h = header(archive);
    h[0] = 0xc3; // a UTF-8 'é' ...
    h[1] = 0xa9; // ... in place of 'he'
    const signed = unsignedSum(h) - 2 * 0x100;
    setChecksum(h, signed);
    expect(parseUstarHeader(h, 0)).toMatchObject({ name: 'éllo', size: 13 });
    setChecksum(h, signed + 1);
    expect(parseUstarHeader(h, 0)).toMatch(/bad checksum/);
  });

  it('rejects a block without the ustar magic', () => {
    const archive = makeArchive('ustar', ['hello'], 'magic.tar');
    const h = header(archive);
    h.set([0x75, 0x73, 0x74, 0x61, 0x72, 0x00, 0x30, 0x31], 257); // ustar\0 version 01
    setChecksum(h, unsignedSum(h));
    expect(parseUstarHeader(h, 512)).toMatch(/^ustar: header at offset 512: bad magic 75 73 74 61 72 00 30 31/);
  });

  it('rejects a size field that is not octal', () => {
    const archive = makeArchive('ustar', ['hello'], 'size.tar');
    const h = header(archive);
    h[124 + 9] = 0x39; // a '9' among the octal digits
    setChecksum(h, unsignedSum(h));
    expect(parseUstarHeader(h, 0)).toMatch(/size field is not an octal number/);
  });

  it('rejects a block shorter than 512 bytes', () => {
    expect(parseUstarHeader(new Uint8Array(100), 1536)).toMatch(/^ustar: header at offset 1536: only 100 bytes/);
  });
});
