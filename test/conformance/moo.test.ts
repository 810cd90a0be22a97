// Tests for the MOO reader against the in-repo sample (test/conformance/sample,
// built by make-sample.mjs). Expected values were checked by hand against a
// hex dump of the original files and an independent Python reader.

import { describe, it, expect } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { parseMoo, loadMetadata, flagsMaskFor, opcodeMetaFor, FLAGS_MASK_NO_IOPL_NT } from './moo.ts';
import type { MooTest } from './moo.ts';

const SAMPLE = fileURLToPath(new URL('./sample/', import.meta.url));
const raw = (name: string): Buffer => readFileSync(join(SAMPLE, name));
const load = (name: string) => parseMoo(raw(name));
const byIdx = (tests: MooTest[], idx: number): MooTest => {
  const t = tests.find((x) => x.idx === idx);
  if (!t) throw new Error(`no test with idx ${idx}`);
  return t;
};

describe('parseMoo on sample files', () => {
  it('reads header, META and a plain ALU test (00.MOO.gz, ADD r/m8,r8)', () => {
    const f = load('00.MOO.gz');
    expect(f.cpu).toBe('C286');
    expect(f.opcode).toBe(0x00);
    expect(f.mnemonic).toBe('add');
    expect(f.cpuMode).toBe(0);
    expect(f.tests).toHaveLength(41);
    // Sampled tests keep their original indices: every 125th plus the longest (78).
    expect(f.tests.slice(0, 4).map((t) => t.idx)).toEqual([0, 78, 125, 250]);

    const t = f.tests[0]!;
    expect(t.idx).toBe(0);
    expect(t.name).toBe('add [bx+0Eh],bl');
    // The instruction is 00 5F 0E; the generator's trailing HLT is part of BYTS.
    expect(t.bytes).toEqual([0x00, 0x5f, 0x0e, 0xf4]);
    expect(t.initial.regs).toEqual({
      ax: 0x02cb, bx: 0x6823, cx: 0xc18c, dx: 0xfab5,
      cs: 0xffff, ss: 0xa0d7, ds: 0xffff, es: 0xabdc,
      sp: 0x9b59, bp: 0xffff, si: 0x89be, di: 0x8749,
      ip: 0x94b8, flags: 0x1893,
    });
    // CS=FFFF: code lives above 1 MiB (FFFF0 + 94B8 = 1094A8); no A20 wrap.
    expect(t.initial.ram).toHaveLength(11);
    expect(t.initial.ram.slice(0, 4)).toEqual([
      [0x1094a8, 0x00], [0x1094a9, 0x5f], [0x1094aa, 0x0e], [0x1094ab, 0xf4],
    ]);
    expect(t.initial.queue).toEqual([]);
    // FINA lists only what changed: IP (one past the HLT) and FLAGS, whose
    // bits 12-15 the 286 clears in real mode (0x1893 -> 0x0013).
    expect(t.final.regs).toEqual({ ip: 0x94bc, flags: 0x0013 });
    // DS:BX+0E = FFFF0 + 6831 = 106821, which held DE; DE + BL(23) = 01.
    expect(t.initial.ram[10]).toEqual([0x106821, 0xde]);
    expect(t.final.ram).toEqual([[0x106821, 0x01]]);
    expect(t.final.queue).toEqual([]);
    expect(t.exception).toBeUndefined();
    expect(t.hash).toBe('626be5084b331080eb08256c12a62d24afdf2a03');
  });

  it('reads EXCP for a divide error (F7.6.MOO.gz, DIV r/m16)', () => {
    const f = load('F7.6.MOO.gz');
    expect(f.opcode).toBe(0xf7);
    expect(f.mnemonic).toBe('div');
    expect(f.tests).toHaveLength(43);

    const t = byIdx(f.tests, 1);
    expect(t.name).toBe('div di');
    expect(t.bytes).toEqual([0xf7, 0xf7, 0xf4]);
    expect(t.exception).toEqual({ number: 0, flagAddress: 0x18272 });
    expect(t.final.regs).toEqual({ cs: 0x75d6, sp: 0x24be, ip: 0xf830, flags: 0x0406 });
    // The pushed FLAGS word sits at flagAddress (low byte first); the return
    // IP below it is the faulting instruction (286/386 #DE semantics).
    const ram = new Map(t.final.ram);
    expect(ram.get(0x18272)! | (ram.get(0x18273)! << 8)).toBe(0x0406);
    expect(ram.get(0x1826e)! | (ram.get(0x1826f)! << 8)).toBe(t.initial.regs.ip);
  });

  it('reads the 286 instruction-length-limit #GP (81.0.MOO.gz)', () => {
    const f = load('81.0.MOO.gz');
    const t = byIdx(f.tests, 5);
    expect(t.name).toBe('add word [si+1DDFh],7693h');
    // 5 segment prefixes + 81 84 DF 1D 93 76 = 11 bytes > the 286's 10-byte
    // limit -> exception 13 (a 386 allows 15 and would execute it).
    expect(t.bytes).toEqual([0x2e, 0x36, 0x2e, 0x3e, 0x3e, 0x81, 0x84, 0xdf, 0x1d, 0x93, 0x76, 0xf4]);
    expect(t.exception).toEqual({ number: 13, flagAddress: 0x3fbc4 });
  });

  it('trims the blank mnemonic of the NOP file to ""', () => {
    const f = load('90.MOO.gz');
    expect(f.mnemonic).toBe('');
    expect(f.tests).toHaveLength(40);
    expect(f.tests[0]!.name).toBe('nop');
    expect(f.tests[0]!.final.regs).toEqual({ ip: 0xa52a, flags: 0x08d2 });
  });

  it('parses every sample file, and the invariants the runner relies on hold', () => {
    const files = readdirSync(SAMPLE).filter((n) => n.endsWith('.MOO.gz'));
    expect(files).toHaveLength(62);
    let total = 0;
    for (const name of files) {
      const f = parseMoo(raw(name));
      total += f.tests.length;
      expect(f.cpu, name).toBe('C286');
      for (const t of f.tests) {
        const r = t.initial.regs;
        expect(Object.keys(r), `${name} #${t.idx}`).toHaveLength(14);
        expect(t.bytes.at(-1), `${name} #${t.idx}`).toBe(0xf4);
        expect(t.hash).toMatch(/^[0-9a-f]{40}$/);
        // The instruction bytes are present in INIT RAM at CS:IP.
        const ram = new Map(t.initial.ram);
        const base = r.cs! * 16 + r.ip!;
        expect(t.bytes.map((_, i) => ram.get(base + i)), `${name} #${t.idx}`).toEqual(t.bytes);
      }
    }
    expect(total).toBe(2603);
  });

  it('accepts already-decompressed data', () => {
    const f = parseMoo(gunzipSync(raw('F8.MOO.gz')));
    expect(f.mnemonic).toBe('clc');
    expect(f.tests).toHaveLength(40);
  });

  it('skips unknown chunks by their length', () => {
    const moo = gunzipSync(raw('F8.MOO.gz'));
    // Insert an unknown top-level chunk after 'MOO ' (8+12) and META (8+31).
    const at = 20 + 39;
    const extra = Buffer.from([...Buffer.from('ZZZZ'), 3, 0, 0, 0, 1, 2, 3]);
    const patched = Buffer.concat([moo.subarray(0, at), extra, moo.subarray(at)]);
    expect(parseMoo(patched)).toEqual(parseMoo(moo));
  });
});

describe('parseMoo rejects malformed data', () => {
  const moo = gunzipSync(raw('00.MOO.gz'));

  it('rejects a truncated buffer with a clear error', () => {
    expect(() => parseMoo(moo.subarray(0, Math.floor(moo.length / 2)))).toThrow(
      /^MOO: truncated data: chunk 'TEST' at offset \d+ in file declares \d+ payload bytes but only \d+ remain$/,
    );
    expect(() => parseMoo(moo.subarray(0, 30))).toThrow(/MOO: truncated data/);
  });

  it('rejects a truncated gzip stream', () => {
    const gz = raw('00.MOO.gz');
    expect(() => parseMoo(gz.subarray(0, gz.length - 100))).toThrow(/MOO: gzip decompression failed/);
  });

  it('rejects a file whose test count disagrees with the header', () => {
    // Patch the header count (payload offset 4) from 41 to 42.
    const bad = Buffer.from(moo);
    bad.writeUInt32LE(42, 12);
    expect(() => parseMoo(bad)).toThrow('MOO: header says 42 tests but file contains 41');
  });

  it('rejects non-MOO data', () => {
    expect(() => parseMoo(Buffer.from('hello world, not a moo file'))).toThrow(/not a MOO file/);
  });

  it('rejects a sub-chunk that overruns its TEST chunk', () => {
    const bad = Buffer.from(moo);
    // First TEST starts at 20 + 39 = 59; its first sub-chunk (GMET) header is
    // at 59 + 8 + 4. Claim a huge GMET length.
    expect(bad.toString('latin1', 71, 75)).toBe('GMET');
    bad.writeUInt32LE(0xffff, 75);
    expect(() => parseMoo(bad)).toThrow(/MOO: truncated data: chunk 'GMET' .* in TEST #0 \(idx 0\)/);
  });
});

describe('metadata.json', () => {
  const meta = loadMetadata(join(SAMPLE, 'metadata.json'));

  it('has the expected top-level shape', () => {
    expect(meta.version).toBe('1.0.0');
    expect(meta.cpu).toBe('286');
    expect(meta.opcodes['00']).toEqual({ status: 'normal', arch: '86' });
    expect(opcodeMetaFor(meta, 'F7.6.MOO.gz')).toEqual({
      key: 'F7',
      reg: 6,
      entry: { status: 'normal', arch: '86', flags: 'o..szapc', 'flags-mask': 63274 },
    });
  });

  it('gives per-file FLAGS masks', () => {
    expect(flagsMaskFor(meta, '00.MOO.gz')).toBe(0xffff); // no undefined flags
    expect(flagsMaskFor(meta, '31')).toBe(0xffef); // XOR: AF undefined
    expect(flagsMaskFor(meta, '27.MOO.gz')).toBe(0xf7ff); // DAA: OF undefined
    expect(flagsMaskFor(meta, 'F7.4.MOO.gz')).toBe(0xff2b); // MUL: SZAP undefined
    expect(flagsMaskFor(meta, '/some/dir/F7.6.MOO.gz')).toBe(0xf72a); // DIV: all six
    expect(flagsMaskFor(meta, 'D3.4')).toBe(0xf7ee); // SHL CL: O, A, C
    expect(flagsMaskFor(meta, 'd3.0')).toBe(0xf7ff); // ROL CL: O
    // A group opcode without ".reg" ANDs all its reg entries.
    expect(flagsMaskFor(meta, 'D3')).toBe(0xf7ee);
    expect(flagsMaskFor(meta, '8F.MOO.gz')).toBe(0xffff);
    expect(flagsMaskFor(meta, 'F7.6') & FLAGS_MASK_NO_IOPL_NT).toBe(0x072a);
  });

  it('rejects names it cannot map', () => {
    expect(() => flagsMaskFor(meta, 'readme.txt')).toThrow(/cannot parse opcode/);
    expect(() => flagsMaskFor(meta, '00.3')).toThrow(/no reg entry 3/);
  });
});
