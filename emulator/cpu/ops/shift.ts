// Shifts and rotates: group 2 (ROL ROR RCL RCR SHL SHR SAL SAR; C0 C1 D0-D3) and the double shifts
// SHLD and SHRD (0F A4 A5 AC AD).
//
// Rules from the i386 PRM (chapter 17, "RCL/RCR/ROL/ROR", "SAL/SAR/SHL/SHR", "SHLD", "SHRD"):
// - The count is masked to 5 bits for every operand size ("the 80386 does not allow rotation counts
//   greater than 31"). A masked count of 0 changes nothing, flags included; a memory operand is still
//   read, so it can still fault, but it is not written.
// - RCL and RCR rotate through CF, so 8- and 16-bit operands rotate through 9 and 17 bits: the masked
//   count is taken modulo 9 or 17, and a result of 0 leaves the operand and the flags alone.
// - ROL and ROR of 8/16-bit operands by a nonzero multiple of the width leave the operand as it was
//   but still set CF (and OF) from it, as rotating one bit at a time would (Bochs does the same).
// - Rotates change only CF and OF. Shifts set SF, ZF and PF from the result, CF to the last bit
//   shifted out (0 once the count exceeds the width), and leave AF undefined: it reads 0 here (the
//   80286 conformance data masks AF for every shift, so nothing contradicts that).
// - OF is defined for a count of 1 only. For other counts ts386 applies the count-1 formula to the
//   final state (what Bochs does too): ROL/RCL OF = MSB(r) ^ CF, ROR/RCR OF = MSB(r) ^ MSB-1(r),
//   SHL OF = MSB(r) ^ CF, SHR OF = MSB(r) ^ MSB-1(r) (the old MSB when the count is 1), SAR OF = 0.
// - The 386's shifts take the same time for every count (3/7, RCL/RCR 9/10), so no clocks are added.
//
// Flags are recorded after the destination is written, so a fault on the write leaves them as they
// were (precise exceptions, ARCHITECTURE.md rule 6).

import { getCF, setEflagsMasked, setFlagsCustom } from '../flags.ts';
import type { Insn } from '../insn.ts';
import { eaLinForWrite, getReg, readE, readLin, setReg, sext, writeLin } from '../operands.ts';
import { ECX, type Size } from '../registers.ts';
import { CF, type Cpu, OF } from '../state.ts';

/**
 * ModRM.reg of group 2. SAL (/6) is an undocumented alias of SHL on the 386; SAR (/7) is the
 * `default` of the switches below.
 */
const ROL = 0, ROR = 1, RCL = 2, RCR = 3, SHL = 4, SHR = 5, SAL = 6;

const mask = (size: Size): number => (size === 32 ? -1 : (1 << size) - 1);
const msb = (v: number, size: Size): number => (v >>> (size - 1)) & 1;

/**
 * The effective rotate count of RCL/RCR: the masked count modulo the width of operand plus CF
 * (9, 17 or 33 bits; 33 never wraps a 5-bit count).
 */
const rcCount = (count: number, size: Size): number => (size === 32 ? count : count % (size + 1));

/** Result of group-2 operation `op` on `a` by a masked `count` (1..31); `cf` is CF before it. */
function compute(op: number, a: number, count: number, size: Size, cf: number): number {
  const m = mask(size);
  switch (op) {
    case ROL: {
      const c = count & (size - 1);
      if (c === 0) return a;
      return ((a << c) | ((a & m) >>> (size - c))) & m;
    }
    case ROR: {
      const c = count & (size - 1);
      if (c === 0) return a;
      return (((a & m) >>> c) | (a << (size - c))) & m;
    }
    case RCL: {
      const c = rcCount(count, size);
      if (c === 0) return a;
      // Bits (size+1-c).. of a wrap round below CF; for c = 1 none do (and >>> 32 would not shift).
      const wrapped = c === 1 ? 0 : (a & m) >>> (size + 1 - c);
      return ((a << c) | (cf << (c - 1)) | wrapped) & m;
    }
    case RCR: {
      const c = rcCount(count, size);
      if (c === 0) return a;
      const wrapped = c === 1 ? 0 : a << (size + 1 - c);
      return (((a & m) >>> c) | (cf << (size - c)) | wrapped) & m;
    }
    case SHL: case SAL:
      return count >= size ? 0 : (a << count) & m;
    case SHR:
      return count >= size ? 0 : (a & m) >>> count;
    default: // SAR: a count beyond the width fills with the sign, as a count of width - 1 does
      return (sext(a, size) >> (count >= size ? size - 1 : count)) & m;
  }
}

/** Records the flags of `op` after `a` became `r` (rotates change only CF and OF). */
function record(cpu: Cpu, op: number, a: number, count: number, r: number, size: Size): void {
  let newCf: number;
  switch (op) {
    case ROL:
      newCf = r & 1;
      setEflagsMasked(cpu, newCf | ((msb(r, size) ^ newCf) ? OF : 0), CF | OF);
      return;
    case ROR:
      setEflagsMasked(cpu, msb(r, size) | ((msb(r, size) ^ ((r >>> (size - 2)) & 1)) ? OF : 0), CF | OF);
      return;
    case RCL: {
      const c = rcCount(count, size);
      if (c === 0) return;
      // The last bit rotated out of the operand into CF: bit size-c of a (bit -1 is the old CF).
      newCf = (a >>> (size - c)) & 1;
      setEflagsMasked(cpu, newCf | ((msb(r, size) ^ newCf) ? OF : 0), CF | OF);
      return;
    }
    case RCR: {
      const c = rcCount(count, size);
      if (c === 0) return;
      // The last bit rotated out of the operand into CF: bit c-1 of a (c <= size after rcCount).
      newCf = ((a & mask(size)) >>> (c - 1)) & 1;
      setEflagsMasked(cpu, newCf | ((msb(r, size) ^ ((r >>> (size - 2)) & 1)) ? OF : 0), CF | OF);
      return;
    }
    case SHL: case SAL:
      newCf = count > size ? 0 : ((a & mask(size)) >>> (size - count)) & 1;
      setFlagsCustom(cpu, r, size, newCf | ((msb(r, size) ^ newCf) ? OF : 0));
      return;
    case SHR:
      newCf = count > size ? 0 : ((a & mask(size)) >>> (count - 1)) & 1;
      setFlagsCustom(cpu, r, size, newCf | ((msb(r, size) ^ ((r >>> (size - 2)) & 1)) ? OF : 0));
      return;
    default: // SAR
      newCf = (sext(a, size) >> (count > size ? size - 1 : count - 1)) & 1;
      setFlagsCustom(cpu, r, size, newCf);
  }
}

/** One group-2 instruction on the E operand of `size` bits, by the unmasked `count`. */
function group2(cpu: Cpu, i: Insn, size: Size, count: number): void {
  const op = i.reg;
  count &= 31;
  if (count === 0) {
    // Nothing changes, but the operand is still fetched (and may fault).
    if (i.isMem) readE(cpu, i, size);
    return;
  }
  const cf = op === RCL || op === RCR ? getCF(cpu) : 0;
  if (!i.isMem) {
    const a = getReg(cpu, i.rm, size);
    const r = compute(op, a, count, size, cf);
    setReg(cpu, i.rm, size, r);
    record(cpu, op, a, count, r, size);
  } else {
    const lin = eaLinForWrite(cpu, i, size);
    const a = readLin(cpu, lin, size);
    const r = compute(op, a, count, size, cf);
    writeLin(cpu, lin, size, r);
    record(cpu, op, a, count, r, size);
  }
}

const vsize = (i: Insn): Size => i.osize as Size;
/** CL: the low byte of ECX (byte 4 of the little-endian register file). */
const cl = (cpu: Cpu): number => cpu.reg8[4 * ECX]!;

/** D0 / D1: shift or rotate by 1. */
export function shiftEb1(cpu: Cpu, i: Insn): void { group2(cpu, i, 8, 1); }
export function shiftEv1(cpu: Cpu, i: Insn): void { group2(cpu, i, vsize(i), 1); }
/** D2 / D3: by CL. */
export function shiftEbCL(cpu: Cpu, i: Insn): void { group2(cpu, i, 8, cl(cpu)); }
export function shiftEvCL(cpu: Cpu, i: Insn): void { group2(cpu, i, vsize(i), cl(cpu)); }
/** C0 / C1: by an immediate byte. */
export function shiftEbIb(cpu: Cpu, i: Insn): void { group2(cpu, i, 8, i.imm); }
export function shiftEvIb(cpu: Cpu, i: Insn): void { group2(cpu, i, vsize(i), i.imm); }

// --- SHLD / SHRD ---------------------------------------------------------------------------------
//
// SHLD shifts E left, filling from the top of G; SHRD shifts E right, filling from the bottom of G.
// CF is the last bit shifted out of E; OF uses the count-1 formula of SHL/SHR on the result, SF ZF
// PF follow the result, AF reads 0.
//
// A 16-bit operand with a count of 17..31 has an undefined result (PRM: "the result is
// undefined"). ts386 treats the pair as one 32-bit value and shifts it with zeros coming in (E:G << n
// for SHLD, G:E >> n for SHRD, keeping the E half), which is what the 386's 32-bit barrel shifter
// does; later CPUs differ (Pentium and P6 shift in bits of E or G a second time, as Bochs models).

/** The count of 0F A4/AC (imm8) or 0F A5/AD (CL), masked to 5 bits for both operand sizes. */
const doubleCount = (cpu: Cpu, i: Insn): number => ((i.opcode & 1) === 0 ? i.imm : cl(cpu)) & 31;

function shiftDouble(cpu: Cpu, i: Insn, left: boolean): void {
  const size = vsize(i);
  const count = doubleCount(cpu, i);
  if (count === 0) {
    if (i.isMem) readE(cpu, i, size);
    return;
  }
  const b = getReg(cpu, i.reg, size);
  let lin = 0;
  let a: number;
  if (i.isMem) {
    lin = eaLinForWrite(cpu, i, size);
    a = readLin(cpu, lin, size);
  } else {
    a = getReg(cpu, i.rm, size);
  }
  let r: number, cf: number, of: number;
  if (size === 32) {
    if (left) {
      r = (a << count) | (b >>> (32 - count));
      cf = (a >>> (32 - count)) & 1;
    } else {
      r = (a >>> count) | (b << (32 - count));
      cf = (a >>> (count - 1)) & 1;
    }
  } else if (left) {
    const pair = (a << 16) | b; // E:G
    r = ((pair << count) >>> 16) & 0xffff;
    cf = (pair >>> (32 - count)) & 1;
  } else {
    const pair = (b << 16) | a; // G:E
    r = (pair >>> count) & 0xffff;
    cf = (pair >>> (count - 1)) & 1;
  }
  if (left) of = msb(r, size) ^ cf;
  else of = msb(r, size) ^ ((r >>> (size - 2)) & 1);
  if (i.isMem) writeLin(cpu, lin, size, r);
  else setReg(cpu, i.rm, size, r);
  setFlagsCustom(cpu, r, size, cf | (of ? OF : 0));
}

/** 0F A4 / A5: SHLD Ev,Gv,Ib / CL. */
export function shld(cpu: Cpu, i: Insn): void { shiftDouble(cpu, i, true); }
/** 0F AC / AD: SHRD Ev,Gv,Ib / CL. */
export function shrd(cpu: Cpu, i: Insn): void { shiftDouble(cpu, i, false); }
