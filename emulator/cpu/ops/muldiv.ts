// MUL IMUL DIV IDIV (group 3, F6/F7 /4-/7) and the two- and three-operand IMUL (0F AF, 69, 6B).
//
// i386 PRM chapter 17, "MUL", "IMUL", "DIV", "IDIV":
// - MUL/IMUL with one operand: AX = AL * Eb, DX:AX = AX * Ew, EDX:EAX = EAX * Ed. CF = OF = 1 when
//   the high half is significant (MUL: not zero; IMUL: not the sign extension of the low half).
//   The two- and three-operand IMUL keep only the low half and set CF = OF when it lost bits.
//   SF ZF AF PF are undefined; ts386 sets SF ZF PF from the low half of the product and AF to 0 (the
//   80286 conformance data masks all four, so nothing contradicts that).
// - DIV/IDIV divide AX, DX:AX or EDX:EAX; the quotient goes to AL/AX/EAX and the remainder to
//   AH/DX/EDX. A zero divisor or a quotient that does not fit raises #DE (interrupt 0) before
//   anything changes; the 386 pushes the address of the DIV itself. IDIV truncates toward zero and
//   the remainder takes the sign of the dividend. A quotient of -128 / -32768 / -2^31 fits and does
//   not fault: the PRM's IDIV raises interrupt 0 only if the quotient is "greater than 7FH or less
//   than 80H" (signed), unlike the 8086, which faulted on it. (The 80286 conformance data has no
//   test at that boundary.) All six arithmetic flags are undefined; ts386 sets SF ZF PF from the
//   quotient and clears CF OF AF (the 286 data masks all six).
//
// 32-bit products and dividends are 64 bits wide. They are computed exactly with 16-bit pieces in
// doubles (every partial result stays below 2^53): BigInt would allocate on the hot path.
//
// Clocks (PRM "MUL"/"IMUL" notes): the 386's multiplier exits early, taking
// max(ceil(log2 |m|), 3) + 6 clocks for a multiplier m != 0 and 9 for m = 0, plus 3 with a memory
// operand. The table (cycles.ts) charges the worst case; mulClocks() gives the difference back. The
// multiplier is the E operand, or the immediate of 69/6B. Divides take a fixed time.

import { CpuFault, Vector } from '../faults.ts';
import { setFlagsCustom } from '../flags.ts';
import type { Insn } from '../insn.ts';
import { getReg, readE, sext, setReg } from '../operands.ts';
import { EAX, EDX, type Size } from '../registers.ts';
import { CF, type Cpu, OF } from '../state.ts';

const sizeOf = (i: Insn): Size => (i.opcode === 0xf6 ? 8 : (i.osize as Size));

/**
 * Makes the clock count of a multiply exact: the decoder charged `i.cycles` (the worst case); the
 * 386 takes max(ceil(log2 |m|), 3) + 6 clocks (9 for m = 0), +3 for a memory operand.
 * `m` is the multiplier's magnitude (0 .. 2^32 - 1, or 2^31 for a negative int32).
 */
function mulClocks(cpu: Cpu, i: Insn, m: number): void {
  const bits = m === 0 ? 3 : 32 - Math.clz32(m - 1); // ceil(log2 m)
  const actual = (bits > 3 ? bits : 3) + 6 + (i.isMem ? 3 : 0);
  cpu.cycles += actual - i.cycles;
}

/** High 32 bits of the unsigned 64-bit product of two uint32 values (as a uint32 number). */
function mulHighU32(a: number, b: number): number {
  const al = a & 0xffff, ah = a >>> 16, bl = b & 0xffff, bh = b >>> 16;
  const lh = al * bh, hl = ah * bl; // each < 2^32
  const mid = ((al * bl) >>> 16) + (lh & 0xffff) + (hl & 0xffff); // < 3 * 2^16
  return (ah * bh + Math.floor(lh / 65536) + Math.floor(hl / 65536) + Math.floor(mid / 65536)) >>> 0;
}

/** High 32 bits of the signed 64-bit product of two int32 values (as an int32). */
function mulHighS32(a: number, b: number): number {
  // (a mod 2^32)(b mod 2^32) = a*b + 2^32 (a<0 ? b : 0) + 2^32 (b<0 ? a : 0)  (mod 2^64)
  let hi = mulHighU32(a >>> 0, b >>> 0);
  if (a < 0) hi -= b;
  if (b < 0) hi -= a;
  return hi | 0;
}

// --- MUL / IMUL with one operand ----------------------------------------------------------------

/** F6 /4, F7 /4: unsigned multiply of the accumulator by E. */
export function mulE(cpu: Cpu, i: Insn): void {
  const size = sizeOf(i);
  const b = readE(cpu, i, size);
  if (size === 8) {
    const p = cpu.reg8[0]! * b;
    cpu.reg16[0] = p;
    setFlagsCustom(cpu, p & 0xff, 8, p > 0xff ? CF | OF : 0);
  } else if (size === 16) {
    const p = cpu.reg16[0]! * b;
    cpu.reg16[0] = p;
    cpu.reg16[EDX << 1] = p >>> 16;
    setFlagsCustom(cpu, p & 0xffff, 16, p > 0xffff ? CF | OF : 0);
  } else {
    const a = cpu.reg[EAX]!;
    const hi = mulHighU32(a >>> 0, b >>> 0);
    const lo = Math.imul(a, b);
    cpu.reg[EAX] = lo;
    cpu.reg[EDX] = hi;
    setFlagsCustom(cpu, lo, 32, hi !== 0 ? CF | OF : 0);
  }
  mulClocks(cpu, i, size === 32 ? b >>> 0 : b);
}

/** F6 /5, F7 /5: signed multiply of the accumulator by E. */
export function imulE(cpu: Cpu, i: Insn): void {
  const size = sizeOf(i);
  const b = sext(readE(cpu, i, size), size);
  if (size === 8) {
    const p = sext(cpu.reg8[0]!, 8) * b;
    cpu.reg16[0] = p;
    setFlagsCustom(cpu, p & 0xff, 8, p !== sext(p, 8) ? CF | OF : 0);
  } else if (size === 16) {
    const p = sext(cpu.reg16[0]!, 16) * b;
    cpu.reg16[0] = p;
    cpu.reg16[EDX << 1] = p >>> 16;
    setFlagsCustom(cpu, p & 0xffff, 16, p !== sext(p, 16) ? CF | OF : 0);
  } else {
    const a = cpu.reg[EAX]!;
    const hi = mulHighS32(a, b);
    const lo = Math.imul(a, b);
    cpu.reg[EAX] = lo;
    cpu.reg[EDX] = hi;
    setFlagsCustom(cpu, lo, 32, hi !== lo >> 31 ? CF | OF : 0);
  }
  mulClocks(cpu, i, Math.abs(b));
}

// --- IMUL with two and three operands ---------------------------------------------------------

/** G = a * b truncated to the operand size; CF = OF = the signed product did not fit. */
function imulTruncating(cpu: Cpu, i: Insn, a: number, b: number): void {
  const size = i.osize as Size;
  // a and b are sign-extended; their exact product has at most 62 significant bits. Below 2^53 the
  // double is exact; above, it is certainly out of range, and rounding cannot bring it back in.
  const p = a * b;
  const r = size === 32 ? Math.imul(a, b) : p & 0xffff;
  setReg(cpu, i.reg, size, r);
  const fits = size === 32 ? p >= -0x80000000 && p <= 0x7fffffff : p >= -0x8000 && p <= 0x7fff;
  setFlagsCustom(cpu, r, size, fits ? 0 : CF | OF);
}

/** 0F AF: IMUL Gv,Ev. */
export function imulGvEv(cpu: Cpu, i: Insn): void {
  const size = i.osize as Size;
  const b = sext(readE(cpu, i, size), size);
  imulTruncating(cpu, i, sext(getReg(cpu, i.reg, size), size), b);
  mulClocks(cpu, i, Math.abs(b));
}

/** 69: IMUL Gv,Ev,Iv and 6B: IMUL Gv,Ev,Ibs (the decoder has sign-extended the byte). */
export function imulGvEvI(cpu: Cpu, i: Insn): void {
  const size = i.osize as Size;
  const b = sext(i.imm, size);
  imulTruncating(cpu, i, sext(readE(cpu, i, size), size), b);
  mulClocks(cpu, i, Math.abs(b));
}

// --- DIV / IDIV -----------------------------------------------------------------------------------

const divideError = (what: string): CpuFault => new CpuFault(Vector.DE, -1, what);

/**
 * Quotient (uint32) of the unsigned 64-bit hi:lo by d, for hi < d (so that it fits 32 bits): long
 * division in two 16-bit steps. Each partial dividend is below 2^48, so it is exact in a double,
 * and floor(x / d) cannot round up to the next integer (x / d is at least 1/d below it, more than
 * 2^5 times the rounding error of a double at that magnitude). The caller gets the remainder as
 * lo - q * d modulo 2^32, which is all of it since it is below d.
 */
function divU64By32(hi: number, lo: number, d: number): number {
  let r = hi;
  let x = r * 65536 + (lo >>> 16);
  const q1 = Math.floor(x / d);
  r = x - q1 * d;
  x = r * 65536 + (lo & 0xffff);
  const q0 = Math.floor(x / d);
  return q1 * 65536 + q0;
}

/** F6 /6, F7 /6: unsigned divide. */
export function divE(cpu: Cpu, i: Insn): void {
  const size = sizeOf(i);
  const d = readE(cpu, i, size) >>> 0;
  if (d === 0) throw divideError('DIV by zero');
  if (size === 8) {
    const n = cpu.reg16[0]!;
    const q = Math.floor(n / d);
    if (q > 0xff) throw divideError('DIV quotient overflow');
    cpu.reg8[0] = q;
    cpu.reg8[1] = n - q * d;
    setFlagsCustom(cpu, q, 8, 0);
  } else if (size === 16) {
    const n = cpu.reg16[EDX << 1]! * 65536 + cpu.reg16[0]!;
    const q = Math.floor(n / d);
    if (q > 0xffff) throw divideError('DIV quotient overflow');
    cpu.reg16[0] = q;
    cpu.reg16[EDX << 1] = n - q * d;
    setFlagsCustom(cpu, q, 16, 0);
  } else {
    const hi = cpu.reg[EDX]! >>> 0, lo = cpu.reg[EAX]! >>> 0;
    if (hi >= d) throw divideError('DIV quotient overflow');
    const q = divU64By32(hi, lo, d);
    cpu.reg[EAX] = q;
    cpu.reg[EDX] = (lo - Math.imul(q, d)) | 0;
    setFlagsCustom(cpu, q | 0, 32, 0);
  }
}

/** F6 /7, F7 /7: signed divide, truncating toward zero. */
export function idivE(cpu: Cpu, i: Insn): void {
  const size = sizeOf(i);
  const d = sext(readE(cpu, i, size), size);
  if (d === 0) throw divideError('IDIV by zero');
  if (size === 8) {
    const n = sext(cpu.reg16[0]!, 16);
    const q = Math.trunc(n / d);
    if (q < -0x80 || q > 0x7f) throw divideError('IDIV quotient overflow');
    cpu.reg8[0] = q;
    cpu.reg8[1] = n - q * d;
    setFlagsCustom(cpu, q & 0xff, 8, 0);
  } else if (size === 16) {
    const n = (cpu.reg16[EDX << 1]! << 16) | cpu.reg16[0]!;
    const q = Math.trunc(n / d);
    if (q < -0x8000 || q > 0x7fff) throw divideError('IDIV quotient overflow');
    cpu.reg16[0] = q;
    cpu.reg16[EDX << 1] = n - q * d;
    setFlagsCustom(cpu, q & 0xffff, 16, 0);
  } else {
    // Divide the magnitudes, then apply the signs.
    let hi = cpu.reg[EDX]!, lo = cpu.reg[EAX]!;
    const negative = hi < 0;
    if (negative) {
      hi = ~hi + (lo === 0 ? 1 : 0); // 64-bit two's complement negation
      lo = -lo;
    }
    const dm = Math.abs(d);
    // |quotient| >= 2^32 certainly overflows (and would break divU64By32's precondition).
    if (hi >>> 0 >= dm) throw divideError('IDIV quotient overflow');
    const qm = divU64By32(hi >>> 0, lo >>> 0, dm);
    const rm = (lo - Math.imul(qm, dm)) >>> 0; // |remainder| < dm: its low 32 bits are all of it
    const qNegative = negative !== d < 0;
    if (qm > (qNegative ? 0x80000000 : 0x7fffffff)) throw divideError('IDIV quotient overflow');
    const q = qNegative ? -qm : qm;
    cpu.reg[EAX] = q;
    cpu.reg[EDX] = negative ? -rm : rm;
    setFlagsCustom(cpu, q | 0, 32, 0);
  }
}
