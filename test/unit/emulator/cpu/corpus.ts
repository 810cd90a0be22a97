// A corpus of instruction encodings generated from the opcode table, and a runner that has GNU
// objdump disassemble it, for objdump.test.ts. Generation is deterministic (a seeded xorshift
// generator), so a failure names an encoding that reproduces on every machine.
//
// For every row of ONE_BYTE and TWO_BYTE that is not INVALID (and every member of a group, by
// ModRM.reg), in 16- and 32-bit code, the generator makes VARIANTS encodings: ModRM walks all 32
// mod/rm pairs in turn, a SIB byte is random (so every base, index and scale turns up), prefixes are
// random (66, 67, a segment override, REP on string instructions, LOCK where the row allows it),
// and displacement and immediate bytes are random. Our decoder gives each encoding its length;
// objdump checks it independently.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IoPorts } from '../../../../emulator/memory/ioports.ts';
import { PhysicalMemory } from '../../../../emulator/memory/physical.ts';
import { BlockCache } from '../../../../emulator/cpu/blocks.ts';
import { CpuFault } from '../../../../emulator/cpu/faults.ts';
import type { Insn } from '../../../../emulator/cpu/insn.ts';
import { ONE_BYTE, TWO_BYTE } from '../../../../emulator/cpu/opcodes.ts';
import { F_INVALID, F_LOCK, F_MEM_ONLY, F_STRING, type OpRow } from '../../../../emulator/cpu/optable.ts';
import { Cpu } from '../../../../emulator/cpu/state.ts';

/** xorshift32: small, fast and the same everywhere. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed | 0 || 1;
  }
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x;
    return x >>> 0;
  }
  /** An integer in [0, n). */
  below(n: number): number {
    return this.next() % n;
  }
  chance(p: number): boolean {
    return this.next() / 0x100000000 < p;
  }
}

/** One row of the table, or one member of a group: its opcode bytes and the ModRM.reg it needs. */
export interface TableEntry {
  /** 0x00-0xFF, or 0x100 | b for 0F b. */
  opcode: number;
  /** ModRM.reg for a group member, else -1. */
  reg: number;
  row: OpRow;
}

/** Every valid row and group member of both opcode maps, in opcode order. */
export function tableEntries(): TableEntry[] {
  const out: TableEntry[] = [];
  const walk = (map: readonly OpRow[], high: number): void => {
    map.forEach((row, b) => {
      if (row.group) {
        row.group.forEach((m, reg) => {
          if ((m.flags & F_INVALID) === 0) out.push({ opcode: high | b, reg, row: m });
        });
      } else if ((row.flags & F_INVALID) === 0) {
        out.push({ opcode: high | b, reg: -1, row });
      }
    });
  };
  walk(ONE_BYTE, 0);
  walk(TWO_BYTE, 0x100);
  return out;
}

export interface CorpusItem {
  bytes: Uint8Array;
  entry: TableEntry;
  insn: Insn;
  /** Offset of the instruction in the flat binary given to objdump. */
  offset: number;
}

export interface Corpus {
  code32: boolean;
  items: CorpusItem[];
  /** Concatenated instructions, each followed by NOP_GAP NOPs so objdump resynchronises after a disagreement. */
  image: Uint8Array;
  /** Generated encodings that our decoder rejects (#UD or #GP): left out. */
  rejected: number;
}

export const VARIANTS = 128;
export const NOP_GAP = 4;
const SEGMENT_PREFIXES = [0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65];

/** A decoder over the opcode table (486 model, so the 486 rows decode too). */
export function makeDecoder(model: 386 | 486 = 486): BlockCache {
  const cpu = new Cpu(new PhysicalMemory(1 << 20), new IoPorts(), model);
  return new BlockCache(cpu, ONE_BYTE, TWO_BYTE);
}

export function generateCorpus(code32: boolean, seed: number, variants = VARIANTS): Corpus {
  const rng = new Rng(seed);
  const decoder = makeDecoder(486);
  const items: CorpusItem[] = [];
  const chunks: number[] = [];
  let rejected = 0;
  for (const entry of tableEntries()) {
    const { row } = entry;
    for (let k = 0; k < variants; k++) {
      const bytes: number[] = [];
      // Prefixes: at most one of each kind, in random order.
      const prefixes: number[] = [];
      if (rng.chance(0.25)) prefixes.push(0x66);
      if (rng.chance(0.25)) prefixes.push(0x67);
      if (rng.chance(0.25)) prefixes.push(SEGMENT_PREFIXES[rng.below(6)]!);
      if ((row.flags & F_STRING) !== 0 && rng.chance(0.5)) prefixes.push(rng.chance(0.5) ? 0xf3 : 0xf2);
      // ModRM: mod and r/m walk all 32 pairs, memory forms only where the row needs memory.
      let mod = k & 3;
      const rm = (k >> 2) & 7;
      if (mod === 3 && (row.flags & F_MEM_ONLY) !== 0) mod = k % 3;
      if ((row.flags & F_LOCK) !== 0 && mod !== 3 && rng.chance(0.3)) prefixes.push(0xf0);
      for (let p = prefixes.length - 1; p > 0; p--) {
        const q = rng.below(p + 1);
        [prefixes[p], prefixes[q]] = [prefixes[q]!, prefixes[p]!];
      }
      bytes.push(...prefixes);
      if (entry.opcode > 0xff) bytes.push(0x0f);
      bytes.push(entry.opcode & 0xff);
      if (row.modrm || entry.reg >= 0) {
        const reg = entry.reg >= 0 ? entry.reg : rng.below(8);
        bytes.push((mod << 6) | (reg << 3) | rm);
      }
      // SIB, displacement and immediates: random bytes; the decoder takes as many as it needs.
      for (let n = 0; n < 12; n++) bytes.push(rng.below(256));
      const raw = Uint8Array.from(bytes);
      let insn: Insn;
      try {
        insn = decoder.decodeBytes(raw, code32);
      } catch (e) {
        if (!(e instanceof CpuFault)) throw e;
        rejected++;
        continue;
      }
      const enc = raw.slice(0, insn.len);
      items.push({ bytes: enc, entry, insn, offset: chunks.length });
      for (const b of enc) chunks.push(b);
      for (let n = 0; n < NOP_GAP; n++) chunks.push(0x90);
    }
  }
  return { code32, items, image: Uint8Array.from(chunks), rejected };
}

/** Prefix bytes: not rows of the table (decode.ts consumes them), so never holes in it. */
const PREFIX_BYTES = new Set([0x0f, 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3]);

/** The holes of the table: INVALID rows, and INVALID members of groups (ModRM.reg in `reg`). */
export function invalidEntries(): TableEntry[] {
  const out: TableEntry[] = [];
  const walk = (map: readonly OpRow[], high: number): void => {
    map.forEach((row, b) => {
      if (row.group) {
        row.group.forEach((m, reg) => {
          if ((m.flags & F_INVALID) !== 0) out.push({ opcode: high | b, reg, row: m });
        });
      } else if ((row.flags & F_INVALID) !== 0 && (high !== 0 || !PREFIX_BYTES.has(b))) {
        out.push({ opcode: high | b, reg: -1, row });
      }
    });
  };
  walk(ONE_BYTE, 0);
  walk(TWO_BYTE, 0x100);
  return out;
}

export interface HoleItem {
  bytes: Uint8Array;
  entry: TableEntry;
  offset: number;
  /** The fault our decoder raised, or null if it decoded the bytes. */
  fault: CpuFault | null;
}

/**
 * Encodings of the table's holes, without prefixes (which objdump would read as SSE's): the opcode,
 * a ModRM byte (mod 3 and memory forms in turn) and four random bytes, then 12 NOPs, so whatever
 * length objdump gives the instruction, it is back in step before the next one.
 */
export function generateHoles(code32: boolean, seed: number, variants = 8): { items: HoleItem[]; image: Uint8Array } {
  const rng = new Rng(seed);
  const decoder = makeDecoder(486);
  const items: HoleItem[] = [];
  const chunks: number[] = [];
  for (const entry of invalidEntries()) {
    for (let k = 0; k < variants; k++) {
      const bytes: number[] = [];
      if (entry.opcode > 0xff) bytes.push(0x0f);
      bytes.push(entry.opcode & 0xff);
      const reg = entry.reg >= 0 ? entry.reg : rng.below(8);
      bytes.push(((k & 1 ? 3 : rng.below(3)) << 6) | (reg << 3) | rng.below(8));
      for (let n = 0; n < 4; n++) bytes.push(rng.below(256));
      const raw = Uint8Array.from(bytes);
      let fault: CpuFault | null = null;
      try {
        decoder.decodeBytes(raw, code32);
      } catch (e) {
        if (!(e instanceof CpuFault)) throw e;
        fault = e;
      }
      items.push({ bytes: raw, entry, offset: chunks.length, fault });
      for (const b of raw) chunks.push(b);
      for (let n = 0; n < 12; n++) chunks.push(0x90);
    }
  }
  return { items, image: Uint8Array.from(chunks) };
}

export interface ObjdumpLine {
  /** Number of bytes objdump decoded at this address. */
  len: number;
  /** Its text after the bytes: `mov    eax,DWORD PTR [ebx]`. */
  text: string;
}

/** objdump -D of a flat binary (Intel syntax), as address → line. */
export function objdump(image: Uint8Array, code32: boolean): Map<number, ObjdumpLine> {
  const dir = mkdtempSync(join(tmpdir(), 'ts386-objdump-'));
  try {
    const file = join(dir, 'corpus.bin');
    writeFileSync(file, image);
    const out = execFileSync('objdump', [
      '-D', '-b', 'binary', '-m', code32 ? 'i386' : 'i8086', '-M', 'intel', '--insn-width=16', file,
    ], { encoding: 'utf8', maxBuffer: 1 << 30 });
    const lines = new Map<number, ObjdumpLine>();
    for (const line of out.split('\n')) {
      const m = /^\s*([0-9a-f]+):\t([0-9a-f ]+?)\s*\t(.*)$/.exec(line);
      if (!m) continue;
      lines.set(parseInt(m[1]!, 16), { len: m[2]!.split(' ').length, text: m[3]!.trim() });
    }
    return lines;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
