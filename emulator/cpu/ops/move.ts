// MOV (all forms), MOVZX MOVSX, XCHG, LEA, XLAT, CBW CWDE CWD CDQ, MOV to and from segment
// registers, LDS LES LSS LFS LGS, NOP and the undocumented SALC.

import { ud } from '../faults.ts';
import { getCF } from '../flags.ts';
import type { Handler, Insn } from '../insn.ts';
import {
  ea, ea32, eaLinForWrite, getReg, getReg8, readEb, readEv, readEw, readLin, readMem, readMem16, readMem32, readMem8,
  setReg, setReg8, sext, trunc, writeE, writeEb, writeEv, writeLin, writeMem, writeMem32, writeMem8,
} from '../operands.ts';
import { form32, form8 } from './alu.ts';
import { CS, DS, EAX, EBX, EDX, ES, FS, GS, type Size, SS } from '../registers.ts';
import { loadDataSegment } from '../segments.ts';
import type { Cpu } from '../state.ts';

const vsize = (i: Insn): Size => i.osize as Size;

export function nop(_cpu: Cpu, _i: Insn): void {}

export function movEbGb(cpu: Cpu, i: Insn): void { writeEb(cpu, i, getReg8(cpu, i.reg)); }
export function movEvGv(cpu: Cpu, i: Insn): void { writeEv(cpu, i, getReg(cpu, i.reg, vsize(i))); }
export function movGbEb(cpu: Cpu, i: Insn): void { setReg8(cpu, i.reg, readEb(cpu, i)); }
export function movGvEv(cpu: Cpu, i: Insn): void { setReg(cpu, i.reg, vsize(i), readEv(cpu, i)); }
export function movEbIb(cpu: Cpu, i: Insn): void { writeEb(cpu, i, i.imm & 0xff); }
export function movEvIv(cpu: Cpu, i: Insn): void { writeEv(cpu, i, trunc(i.imm, vsize(i))); }
/** B0+r: MOV r8, imm8. */
export function movRegImm8(cpu: Cpu, i: Insn): void { setReg8(cpu, i.opcode & 7, i.imm & 0xff); }
/** B8+r: MOV r16/r32, imm. */
export function movRegImm(cpu: Cpu, i: Insn): void { setReg(cpu, i.opcode & 7, vsize(i), i.imm); }

/** A0 / A1: MOV AL/eAX, [moffs] — the offset is an immediate in the address size. */
export function movAccMoffs(cpu: Cpu, i: Insn): void {
  const size: Size = i.opcode === 0xa0 ? 8 : vsize(i);
  setReg(cpu, EAX, size, readMem(cpu, i.seg, i.imm, size));
}
/** A2 / A3: MOV [moffs], AL/eAX. */
export function movMoffsAcc(cpu: Cpu, i: Insn): void {
  const size: Size = i.opcode === 0xa2 ? 8 : vsize(i);
  writeMem(cpu, i.seg, i.imm, size, getReg(cpu, EAX, size));
}

/**
 * 8C: MOV Ew, Sreg. To memory it writes 16 bits whatever the operand size; to a 32-bit register the
 * 386 zero-extends the selector.
 */
export function movEwSw(cpu: Cpu, i: Insn): void {
  if (i.reg > 5) throw ud(`MOV from segment register ${i.reg}`);
  const sel = cpu.seg[i.reg]!;
  if (i.isMem) writeE(cpu, i, 16, sel);
  else setReg(cpu, i.rm, vsize(i), sel);
}

/** 8E: MOV Sreg, Ew. Loading CS this way is #UD; loading SS holds off interrupts for one instruction. */
export function movSwEw(cpu: Cpu, i: Insn): void {
  if (i.reg === CS || i.reg > 5) throw ud(`MOV to segment register ${i.reg}`);
  const sel = readEw(cpu, i);
  loadDataSegment(cpu, i.reg, sel);
  if (i.reg === SS) cpu.inhibitIrq = true;
}

/** 8D: LEA stores the offset, truncated to the operand size, without touching memory. */
export function lea(cpu: Cpu, i: Insn): void {
  setReg(cpu, i.reg, vsize(i), trunc(ea(cpu, i), vsize(i)));
}

export function movzxb(cpu: Cpu, i: Insn): void { setReg(cpu, i.reg, vsize(i), readEb(cpu, i)); }
export function movzxw(cpu: Cpu, i: Insn): void { setReg(cpu, i.reg, vsize(i), trunc(readEw(cpu, i), vsize(i))); }
export function movsxb(cpu: Cpu, i: Insn): void { setReg(cpu, i.reg, vsize(i), trunc(sext(readEb(cpu, i), 8), vsize(i))); }
export function movsxw(cpu: Cpu, i: Insn): void { setReg(cpu, i.reg, vsize(i), trunc(sext(readEw(cpu, i), 16), vsize(i))); }

/** 86 / 87: XCHG with memory is locked on the bus whether or not LOCK is given. */
export function xchgEbGb(cpu: Cpu, i: Insn): void { xchg(cpu, i, 8); }
export function xchgEvGv(cpu: Cpu, i: Insn): void { xchg(cpu, i, vsize(i)); }
function xchg(cpu: Cpu, i: Insn, size: Size): void {
  const g = getReg(cpu, i.reg, size);
  if (i.isMem) {
    const lin = eaLinForWrite(cpu, i, size);
    const e = readLin(cpu, lin, size);
    writeLin(cpu, lin, size, g);
    setReg(cpu, i.reg, size, e);
  } else {
    setReg(cpu, i.reg, size, getReg(cpu, i.rm, size));
    setReg(cpu, i.rm, size, g);
  }
}
/** 91-97: XCHG eAX, r. */
export function xchgEAX(cpu: Cpu, i: Insn): void {
  const size = vsize(i), r = i.opcode & 7;
  const t = getReg(cpu, r, size);
  setReg(cpu, r, size, getReg(cpu, EAX, size));
  setReg(cpu, EAX, size, t);
}

/** D7: AL = [seg:eBX + AL]. */
export function xlat(cpu: Cpu, i: Insn): void {
  const off = i.asize === 32 ? (cpu.reg[EBX]! + getReg8(cpu, 0)) | 0 : (cpu.reg16[EBX << 1]! + getReg8(cpu, 0)) & 0xffff;
  setReg8(cpu, 0, readMem8(cpu, i.seg, off));
}

/** 98: CBW (AX = sign-extended AL) or CWDE (EAX = sign-extended AX). */
export function cbw(cpu: Cpu, i: Insn): void {
  if (i.osize === 32) cpu.reg[EAX] = sext(cpu.reg16[0]!, 16);
  else cpu.reg16[0] = sext(cpu.reg8[0]!, 8);
}
/** 99: CWD (DX:AX = sign-extended AX) or CDQ (EDX:EAX = sign-extended EAX). */
export function cwd(cpu: Cpu, i: Insn): void {
  if (i.osize === 32) cpu.reg[EDX] = cpu.reg[EAX]! >> 31;
  else cpu.reg16[EDX << 1] = (sext(cpu.reg16[0]!, 16) >> 16) & 0xffff;
}

/** D6 (undocumented, present on the 386): AL = CF ? 0xFF : 0. */
export function salc(cpu: Cpu, _i: Insn): void {
  setReg8(cpu, 0, getCF(cpu) ? 0xff : 0);
}

/** Segment register each far-pointer load fills, by opcode. */
const FAR_SEG: Record<number, number> = { 0xc4: ES, 0xc5: DS, 0x1b2: SS, 0x1b4: FS, 0x1b5: GS };

/** C4 C5 0F B2 0F B4 0F B5: load a far pointer (offset, then selector) into a register and a segment register. */
export function loadFarPointer(cpu: Cpu, i: Insn): void {
  const size = vsize(i);
  const off = ea(cpu, i);
  const offset = readMem(cpu, i.seg, off, size);
  const sel = readMem16(cpu, i.seg, i.asize === 32 ? (off + (size >> 3)) | 0 : (off + (size >> 3)) & 0xffff);
  const s = FAR_SEG[i.opcode]!;
  loadDataSegment(cpu, s, sel);
  setReg(cpu, i.reg, size, offset);
}


// --- fast forms -----------------------------------------------------------------------------------
//
// As in alu.ts: the block builder (blocks.ts) installs these through FAST_FORMS for 32-bit operands
// (or bytes) with E a register (…R) or memory addressed with 32 bits (…M); each does what the
// generic handler above does for that form.

export function movEvGvR32(cpu: Cpu, i: Insn): void { cpu.reg[i.rm] = cpu.reg[i.reg]!; }
export function movEvGvM32(cpu: Cpu, i: Insn): void { writeMem32(cpu, i.seg, ea32(cpu, i), cpu.reg[i.reg]!); }
export function movGvEvR32(cpu: Cpu, i: Insn): void { cpu.reg[i.reg] = cpu.reg[i.rm]!; }
export function movGvEvM32(cpu: Cpu, i: Insn): void { cpu.reg[i.reg] = readMem32(cpu, i.seg, ea32(cpu, i)); }
export function movEbGbR(cpu: Cpu, i: Insn): void { setReg8(cpu, i.rm, getReg8(cpu, i.reg)); }
export function movEbGbM(cpu: Cpu, i: Insn): void { writeMem8(cpu, i.seg, ea32(cpu, i), getReg8(cpu, i.reg)); }
export function movGbEbR(cpu: Cpu, i: Insn): void { setReg8(cpu, i.reg, getReg8(cpu, i.rm)); }
export function movGbEbM(cpu: Cpu, i: Insn): void { setReg8(cpu, i.reg, readMem8(cpu, i.seg, ea32(cpu, i))); }
export function movEbIbM(cpu: Cpu, i: Insn): void { writeMem8(cpu, i.seg, ea32(cpu, i), i.imm & 0xff); }
export function movEvIvR32(cpu: Cpu, i: Insn): void { cpu.reg[i.rm] = i.imm; }
export function movEvIvM32(cpu: Cpu, i: Insn): void { writeMem32(cpu, i.seg, ea32(cpu, i), i.imm); }
export function movRegImm32(cpu: Cpu, i: Insn): void { cpu.reg[i.opcode & 7] = i.imm; }
export function movzxbR32(cpu: Cpu, i: Insn): void { cpu.reg[i.reg] = getReg8(cpu, i.rm); }
export function movzxbM32(cpu: Cpu, i: Insn): void { cpu.reg[i.reg] = readMem8(cpu, i.seg, ea32(cpu, i)); }
export function movzxwR32(cpu: Cpu, i: Insn): void { cpu.reg[i.reg] = cpu.reg16[i.rm << 1]!; }
export function movzxwM32(cpu: Cpu, i: Insn): void { cpu.reg[i.reg] = readMem16(cpu, i.seg, ea32(cpu, i)); }
export function movsxbR32(cpu: Cpu, i: Insn): void { cpu.reg[i.reg] = (getReg8(cpu, i.rm) << 24) >> 24; }
export function movsxbM32(cpu: Cpu, i: Insn): void { cpu.reg[i.reg] = (readMem8(cpu, i.seg, ea32(cpu, i)) << 24) >> 24; }
/** LEA with 32-bit operand and address sizes. */
export function lea32(cpu: Cpu, i: Insn): void { cpu.reg[i.reg] = ea32(cpu, i); }

export const FAST_FORMS: ReadonlyArray<readonly [Handler, (i: Insn) => Handler | null]> = [
  [movEvGv, form32(movEvGvR32, movEvGvM32)],
  [movGvEv, form32(movGvEvR32, movGvEvM32)],
  [movEbGb, form8(movEbGbR, movEbGbM)],
  [movGbEb, form8(movGbEbR, movGbEbM)],
  [movEbIb, form8(null, movEbIbM)],
  [movEvIv, form32(movEvIvR32, movEvIvM32)],
  [movRegImm, (i) => (i.osize === 32 ? movRegImm32 : null)],
  [movzxb, form32(movzxbR32, movzxbM32)],
  [movzxw, form32(movzxwR32, movzxwM32)],
  [movsxb, form32(movsxbR32, movsxbM32)],
  [lea, (i) => (i.osize === 32 && i.asize === 32 ? lea32 : null)],
];
