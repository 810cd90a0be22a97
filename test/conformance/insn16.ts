// Just enough of a 16-bit real-mode decoder to say, for a test of the 80286 suite, which memory
// accesses its instruction makes and in what order — independently of the emulator, so that
// known-differences.ts can work out what a 386 does where the two processors differ (which
// segment a pseudo-protection fault comes from, how many REP iterations completed before it).
//
// It covers the opcodes of ../shared/conformance/80286 (see SELECTION.md there); for anything
// else `accesses` returns null and the caller must not guess.

import type { MooRegs, MooTest } from './moo.ts';

export type SegName = 'es' | 'cs' | 'ss' | 'ds';

/** One memory access: `len` bytes at `seg`:`off` (off is the 16-bit offset of the first byte). */
export interface Access {
  seg: SegName;
  off: number;
  len: number;
  write: boolean;
}

export interface Decoded {
  /** Segment override prefix, if any (the last one wins). */
  segOverride: SegName | null;
  lock: boolean;
  /** 0xF2 / 0xF3, or 0. */
  rep: number;
  /** Offset of the opcode byte in BYTS. */
  opAt: number;
  opcode: number;
  /** ModRM fields, when the opcode has a ModRM byte (undefined otherwise). */
  mod?: number;
  reg?: number;
  rm?: number;
  /** Instruction length in bytes (without the trailing HLT). */
  length: number;
}

const SEG_PREFIX: Record<number, SegName> = { 0x26: 'es', 0x2e: 'cs', 0x36: 'ss', 0x3e: 'ds' };

/**
 * One-byte opcodes that take a ModRM byte (8086/80286 map, i386 PRM Appendix A), with the number
 * of immediate bytes after it (F6/F7 add one for TEST, below).
 */
const MODRM_IMM: Record<number, number> = {
  0x62: 0, 0x63: 0, 0x69: 2, 0x6b: 1, 0x80: 1, 0x81: 2, 0x82: 1, 0x83: 1,
  0xc0: 1, 0xc1: 1, 0xc4: 0, 0xc5: 0, 0xc6: 1, 0xc7: 2, 0xd0: 0, 0xd1: 0, 0xd2: 0, 0xd3: 0,
  0xf6: 0, 0xf7: 0, 0xfe: 0, 0xff: 0,
};
for (let op = 0; op < 0x40; op++) if ((op & 7) < 4) MODRM_IMM[op] = 0; // ALU Eb,Gb .. Gv,Ev
for (let op = 0x84; op <= 0x8f; op++) MODRM_IMM[op] = 0; // TEST XCHG MOV LEA POP
for (let op = 0xd8; op <= 0xdf; op++) MODRM_IMM[op] = 0; // ESC

/** Length of the immediates of the suite's opcodes without ModRM (`length` is right for those only). */
const PLAIN_IMM: Record<number, number> = { 0xb8: 2, 0xcd: 1, 0xd4: 1, 0x7e: 1, 0xe2: 1, 0xe3: 1, 0xe8: 2 };

export function decode16(bytes: readonly number[]): Decoded {
  let k = 0;
  let segOverride: SegName | null = null;
  let lock = false;
  let rep = 0;
  for (;; k++) {
    const b = bytes[k]!;
    if (SEG_PREFIX[b] !== undefined) segOverride = SEG_PREFIX[b]!;
    else if (b === 0xf0) lock = true;
    else if (b === 0xf2 || b === 0xf3) rep = b;
    else break;
  }
  const opAt = k;
  const opcode = bytes[k++]!;
  const d: Decoded = { segOverride, lock, rep, opAt, opcode, length: 0 };
  if (opcode in MODRM_IMM) {
    const m = bytes[k++]!;
    d.mod = m >> 6;
    d.reg = (m >> 3) & 7;
    d.rm = m & 7;
    if (d.mod === 0 && d.rm === 6) k += 2;
    else if (d.mod === 1) k += 1;
    else if (d.mod === 2) k += 2;
    k += MODRM_IMM[opcode]!;
    if (opcode === 0xf6 && d.reg! < 2) k += 1; // TEST Eb,Ib
    if (opcode === 0xf7 && d.reg! < 2) k += 2; // TEST Ev,Iv
  } else {
    k += PLAIN_IMM[opcode] ?? 0;
  }
  d.length = k;
  return d;
}

const BASE: ReadonlyArray<ReadonlyArray<keyof MooRegs>> = [
  ['bx', 'si'], ['bx', 'di'], ['bp', 'si'], ['bp', 'di'], ['si'], ['di'], ['bp'], ['bx'],
];

/** The ModRM memory operand's segment and offset (16-bit addressing, i386 PRM Table 17-2). */
export function modrmOperand(d: Decoded, bytes: readonly number[], r: MooRegs): { seg: SegName; off: number } | null {
  if (d.mod === undefined || d.mod === 3) return null;
  const at = d.opAt + 2; // displacement
  let off: number;
  let seg: SegName = 'ds';
  if (d.mod === 0 && d.rm === 6) {
    off = bytes[at]! | (bytes[at + 1]! << 8);
  } else {
    off = 0;
    for (const reg of BASE[d.rm!]!) off += r[reg]!;
    if (d.rm === 2 || d.rm === 3 || d.rm === 6) seg = 'ss';
    if (d.mod === 1) off += (bytes[at]! << 24) >> 24;
    else if (d.mod === 2) off += bytes[at]! | (bytes[at + 1]! << 8);
  }
  return { seg: d.segOverride ?? seg, off: off & 0xffff };
}

/** Does the access reach past offset 0xFFFF (a pseudo-protection fault in real mode)? */
export const crosses = (a: Access): boolean => a.off + a.len - 1 > 0xffff;

/** DF of the initial FLAGS: string instructions step by -size when it is set. */
const step = (r: MooRegs, size: number): number => ((r.flags! & 0x400) !== 0 ? -size : size);

/**
 * The memory accesses the instruction makes, in the order a 386 makes them (i386 PRM, each
 * instruction's "Operation"), or null for an instruction this helper does not know.
 * REP string instructions list every iteration (at most `maxIterations`).
 */
export function accesses(t: MooTest, maxIterations = 0x10000): Access[] | null {
  const d = decode16(t.bytes);
  const r = t.initial.regs;
  const sp = r.sp!;
  const stack = (delta: number, len: number, write: boolean): Access => ({ seg: 'ss', off: (sp + delta) & 0xffff, len, write });
  const mem = modrmOperand(d, t.bytes, r);
  const operand = (len: number, write: boolean): Access[] => (mem ? [{ ...mem, len, write }] : []);
  const pair = (): Access[] => (mem ? [{ ...mem, len: 2, write: false }, { ...mem, off: (mem.off + 2) & 0xffff, len: 2, write: false }] : []);
  switch (d.opcode) {
    // ModRM word operand, read (and for the ALU ops written back to the same place).
    case 0x01: case 0x11: case 0x31: case 0x81: case 0x83: case 0xc1: case 0xd1: case 0xd3:
      return operand(2, false);
    case 0x03: case 0x8b: case 0x8e: case 0xf7:
      return operand(2, false);
    case 0x00: case 0xd0:
      return operand(1, false);
    case 0x8d:
      return [];
    // A pair of words (offset and segment, or BOUND's bounds), the second at offset + 2 modulo
    // 64 KiB: so the 286 reads them, and so does ts386 (see README, "Open questions").
    case 0x62: case 0xc4:
      return pair();
    case 0xff: // /3 CALL FAR m16:16: read the pointer, then push CS and IP.
      if (d.reg !== 3) return null;
      return [...pair(), stack(-2, 2, true), stack(-4, 2, true)];
    case 0x8f: // POP m16: read the stack, then write the operand.
      return [stack(0, 2, false), ...operand(2, true)];
    case 0x1f: case 0x5c: case 0x9d: case 0xc3: // POP DS, POP SP, POPF, RET
      return [stack(0, 2, false)];
    case 0xcf: // IRET: IP, CS, FLAGS
      return [stack(0, 2, false), stack(2, 2, false), stack(4, 2, false)];
    case 0x61: { // POPA: eight words
      const a: Access[] = [];
      for (let k = 0; k < 8; k++) a.push(stack(2 * k, 2, false));
      return a;
    }
    case 0x60: { // PUSHA: eight words below SP
      const a: Access[] = [];
      for (let k = 1; k <= 8; k++) a.push(stack(-2 * k, 2, true));
      return a;
    }
    case 0x54: case 0x9c: case 0xe8: // PUSH SP, PUSHF, CALL rel16
      return [stack(-2, 2, true)];
    case 0xa5: case 0xa6: case 0xaa: { // MOVSW, CMPSB, STOSB
      const size = d.opcode === 0xa5 ? 2 : 1;
      const n = d.rep !== 0 ? Math.min(r.cx!, maxIterations) : 1;
      const a: Access[] = [];
      let si = r.si!, di = r.di!;
      for (let k = 0; k < n; k++) {
        if (d.opcode !== 0xaa) a.push({ seg: d.segOverride ?? 'ds', off: si, len: size, write: false });
        a.push({ seg: 'es', off: di, len: size, write: d.opcode !== 0xa6 });
        si = (si + step(r, size)) & 0xffff;
        di = (di + step(r, size)) & 0xffff;
        // CMPS under REPE/REPNE may stop early; callers only use the first crossing access.
      }
      return a;
    }
    default:
      return null;
  }
}

/** The first access that reaches past offset 0xFFFF, with the number of accesses before it. */
export function firstCrossing(t: MooTest): { access: Access; index: number } | null {
  const a = accesses(t);
  if (!a) return null;
  const index = a.findIndex(crosses);
  return index < 0 ? null : { access: a[index]!, index };
}
