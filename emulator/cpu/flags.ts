// The only module that knows how EFLAGS is stored.
//
// Arithmetic instructions do not compute CF, PF, AF, ZF, SF and OF: they record the operation, its
// operands, its result and its size (`setFlags*`), and a flag is computed only when something reads
// it (a Jcc, PUSHF, ADC, ...). Most results are never looked at, so this saves most of the work.
//
//   cpu.lop   which operation produced the flags (LOP_*), or LOP_NONE when cpu.flags holds them
//   cpu.la    first operand, truncated to lsize      cpu.lb   second operand, truncated
//   cpu.lr    result, truncated to lsize (int32 for 32-bit sizes)
//   cpu.laux  LOP_ADC/SBB: the carry in; LOP_INC/DEC: the CF they preserve;
//             LOP_CUSTOM: CF, OF and AF computed by the instruction itself, in their EFLAGS positions
//
// ZF, SF and PF always come from lr and lsize.

import { AC, AF, ARITH_FLAGS, CF, type Cpu, EFLAGS_FIXED, OF, PF, SF, ZF } from './state.ts';
import { updateAccessMasks } from './tlb.ts';
import type { Size } from './registers.ts';

export const LOP_NONE = 0, LOP_ADD = 1, LOP_ADC = 2, LOP_SUB = 3, LOP_SBB = 4, LOP_LOGIC = 5,
  LOP_INC = 6, LOP_DEC = 7, LOP_CUSTOM = 8;

/** PARITY[b] is PF for a result whose low byte is b: set when the number of 1 bits is even. */
const PARITY = new Uint8Array(256);
for (let b = 0; b < 256; b++) {
  let n = 0;
  for (let v = b; v; v >>= 1) n += v & 1;
  PARITY[b] = n & 1 ? 0 : 1;
}

const MIN_INT32 = -0x80000000;

// --- recording -----------------------------------------------------------------------------

export function setFlagsAdd(cpu: Cpu, a: number, b: number, r: number, size: Size): void {
  cpu.lop = LOP_ADD; cpu.la = a; cpu.lb = b; cpu.lr = r; cpu.lsize = size;
}
export function setFlagsAdc(cpu: Cpu, a: number, b: number, r: number, carry: number, size: Size): void {
  cpu.lop = LOP_ADC; cpu.la = a; cpu.lb = b; cpu.lr = r; cpu.laux = carry; cpu.lsize = size;
}
export function setFlagsSub(cpu: Cpu, a: number, b: number, r: number, size: Size): void {
  cpu.lop = LOP_SUB; cpu.la = a; cpu.lb = b; cpu.lr = r; cpu.lsize = size;
}
export function setFlagsSbb(cpu: Cpu, a: number, b: number, r: number, borrow: number, size: Size): void {
  cpu.lop = LOP_SBB; cpu.la = a; cpu.lb = b; cpu.lr = r; cpu.laux = borrow; cpu.lsize = size;
}
/** AND, OR, XOR, TEST: CF = OF = 0, and AF (undefined) reads 0. */
export function setFlagsLogic(cpu: Cpu, r: number, size: Size): void {
  cpu.lop = LOP_LOGIC; cpu.lr = r; cpu.lsize = size;
}
/** INC and DEC leave CF as it was. */
export function setFlagsInc(cpu: Cpu, r: number, size: Size): void {
  const cf = getCF(cpu);
  cpu.lop = LOP_INC; cpu.lr = r; cpu.laux = cf; cpu.lsize = size;
}
export function setFlagsDec(cpu: Cpu, r: number, size: Size): void {
  const cf = getCF(cpu);
  cpu.lop = LOP_DEC; cpu.lr = r; cpu.laux = cf; cpu.lsize = size;
}
/**
 * For instructions with their own CF/OF/AF rules (shifts, multiplies, BCD): the caller passes
 * those three flags as EFLAGS bits; ZF, SF and PF follow the result.
 */
export function setFlagsCustom(cpu: Cpu, r: number, size: Size, cfOfAf: number): void {
  cpu.lop = LOP_CUSTOM; cpu.lr = r; cpu.lsize = size; cpu.laux = cfOfAf;
}

// --- reading ---------------------------------------------------------------------------------
//
// A value of lsize bits shifted left by 32 - lsize has its top bit in bit 31 and nothing below its
// low bit, so one shift replaces masking by the size: `(x << s) === 0` is "zero at this size",
// `(x << s) < 0` "negative at this size" and `(x << s) >>> s` the value truncated and unsigned.
// The getters stay small and branch-free enough for V8 to inline them into every Jcc and ADC.

export function getCF(cpu: Cpu): number {
  const s = 32 - cpu.lsize;
  switch (cpu.lop) {
    case LOP_NONE: return cpu.flags & CF;
    case LOP_ADD: return (cpu.lr << s) >>> s < (cpu.la << s) >>> s ? 1 : 0;
    case LOP_ADC: {
      const r = (cpu.lr << s) >>> s, a = (cpu.la << s) >>> s;
      return cpu.laux ? (r <= a ? 1 : 0) : (r < a ? 1 : 0);
    }
    case LOP_SUB: return (cpu.la << s) >>> s < (cpu.lb << s) >>> s ? 1 : 0;
    case LOP_SBB: {
      const a = (cpu.la << s) >>> s, b = (cpu.lb << s) >>> s;
      return cpu.laux ? (a <= b ? 1 : 0) : (a < b ? 1 : 0);
    }
    case LOP_LOGIC: return 0;
    case LOP_INC: case LOP_DEC: return cpu.laux;
    default: return cpu.laux & CF;
  }
}

export function getZF(cpu: Cpu): boolean {
  if (cpu.lop === LOP_NONE) return (cpu.flags & ZF) !== 0;
  return cpu.lr << (32 - cpu.lsize) === 0;
}

export function getSF(cpu: Cpu): boolean {
  if (cpu.lop === LOP_NONE) return (cpu.flags & SF) !== 0;
  return cpu.lr << (32 - cpu.lsize) < 0;
}

export function getPF(cpu: Cpu): boolean {
  if (cpu.lop === LOP_NONE) return (cpu.flags & PF) !== 0;
  return PARITY[cpu.lr & 0xff] === 1;
}

export function getOF(cpu: Cpu): boolean {
  const s = 32 - cpu.lsize;
  switch (cpu.lop) {
    case LOP_NONE: return (cpu.flags & OF) !== 0;
    case LOP_ADD: case LOP_ADC: return ((cpu.la ^ cpu.lr) & (cpu.lb ^ cpu.lr)) << s < 0;
    case LOP_SUB: case LOP_SBB: return ((cpu.la ^ cpu.lb) & (cpu.la ^ cpu.lr)) << s < 0;
    case LOP_LOGIC: return false;
    case LOP_INC: return cpu.lr << s === MIN_INT32; // the result is the smallest negative number
    case LOP_DEC: return (cpu.lr + 1) << s === MIN_INT32; // the largest positive one
    default: return (cpu.laux & OF) !== 0;
  }
}

export function getAF(cpu: Cpu): boolean {
  switch (cpu.lop) {
    case LOP_NONE: return (cpu.flags & AF) !== 0;
    case LOP_ADD: case LOP_ADC: case LOP_SUB: case LOP_SBB: return ((cpu.la ^ cpu.lb ^ cpu.lr) & 0x10) !== 0;
    case LOP_LOGIC: return false;
    case LOP_INC: return (cpu.lr & 0xf) === 0;
    case LOP_DEC: return (cpu.lr & 0xf) === 0xf;
    default: return (cpu.laux & AF) !== 0;
  }
}

/** The whole EFLAGS register, arithmetic flags computed. */
export function getEflags(cpu: Cpu): number {
  if (cpu.lop === LOP_NONE) return cpu.flags | EFLAGS_FIXED;
  return (cpu.flags & ~ARITH_FLAGS) | EFLAGS_FIXED |
    getCF(cpu) |
    (getPF(cpu) ? PF : 0) |
    (getAF(cpu) ? AF : 0) |
    (getZF(cpu) ? ZF : 0) |
    (getSF(cpu) ? SF : 0) |
    (getOF(cpu) ? OF : 0);
}

/**
 * Computes the lazy flags into cpu.flags, so that an instruction may then change single bits
 * (CLC, SAHF, rotates, POPF...).
 */
export function materializeFlags(cpu: Cpu): void {
  if (cpu.lop !== LOP_NONE) {
    cpu.flags = getEflags(cpu);
    cpu.lop = LOP_NONE;
  }
}

/**
 * Writes the bits of EFLAGS selected by `mask` (the caller decides which bits the instruction and
 * privilege level may change); bit 1 stays set and the reserved bits stay clear.
 */
export function setEflagsMasked(cpu: Cpu, value: number, mask: number): void {
  materializeFlags(cpu);
  const old = cpu.flags;
  cpu.flags = ((cpu.flags & ~mask) | (value & mask)) | EFLAGS_FIXED;
  if (((old ^ cpu.flags) & AC) !== 0) updateAccessMasks(cpu); // the 486 alignment check follows AC
}

/** Sets or clears CF alone (CLC, STC, CMC, BT...). */
export function setCF(cpu: Cpu, cf: number | boolean): void {
  materializeFlags(cpu);
  cpu.flags = cf ? cpu.flags | CF : cpu.flags & ~CF;
}

/**
 * The sixteen conditions of Jcc, SETcc and (on later CPUs) CMOVcc, numbered as the low nibble of
 * their opcodes (i386 PRM, Appendix D "Condition Codes").
 */
export function testCC(cpu: Cpu, cc: number): boolean {
  let r: boolean;
  switch (cc >> 1) {
    case 0: r = getOF(cpu); break; // O
    case 1: r = getCF(cpu) !== 0; break; // B / C / NAE
    case 2: r = getZF(cpu); break; // E / Z
    case 3: r = getCF(cpu) !== 0 || getZF(cpu); break; // BE / NA
    case 4: r = getSF(cpu); break; // S
    case 5: r = getPF(cpu); break; // P / PE
    case 6: r = getSF(cpu) !== getOF(cpu); break; // L / NGE
    default: r = getZF(cpu) || getSF(cpu) !== getOF(cpu); break; // LE / NG
  }
  return (cc & 1) === 0 ? r : !r;
}
