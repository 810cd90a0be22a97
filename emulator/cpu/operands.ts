// Operand access for handlers: effective addresses (modrm.ts decoded them into base, index, scale
// and disp), registers by operand size, and the E (ModRM r/m) and G (ModRM reg) operands of the
// manual's notation. Handlers say `readEv(cpu, i)`; this file knows where the bytes are.

import { readLin16, readLin32, readLin8, segRead, segWrite, writeLin16, writeLin32, writeLin8 } from './access.ts';
import type { Insn } from './insn.ts';
import { REG8_BYTE, type Size } from './registers.ts';
import type { Cpu } from './state.ts';

/** Offset of the ModRM memory operand (i386 PRM 17.2.1, "ModR/M and SIB Bytes"). */
export function ea(cpu: Cpu, i: Insn): number {
  const reg = cpu.reg;
  if (i.asize === 32) return (reg[i.base]! + (reg[i.index]! << i.scale) + i.disp) | 0;
  // 16-bit forms wrap within the segment: the sum is taken modulo 64 KiB.
  return (reg[i.base]! + reg[i.index]! + i.disp) & 0xffff;
}

/** ea() for a 32-bit address size. */
export function ea32(cpu: Cpu, i: Insn): number {
  const reg = cpu.reg;
  return (reg[i.base]! + (reg[i.index]! << i.scale) + i.disp) | 0;
}

// --- registers by size --------------------------------------------------------------------------

export function getReg8(cpu: Cpu, r: number): number {
  return cpu.reg8[REG8_BYTE[r as 0]]!;
}
export function setReg8(cpu: Cpu, r: number, v: number): void {
  cpu.reg8[REG8_BYTE[r as 0]] = v;
}
export function getReg16(cpu: Cpu, r: number): number {
  return cpu.reg16[r << 1]!;
}
export function setReg16(cpu: Cpu, r: number, v: number): void {
  cpu.reg16[r << 1] = v;
}
export function getReg(cpu: Cpu, r: number, size: Size): number {
  if (size === 32) return cpu.reg[r]!;
  if (size === 16) return cpu.reg16[r << 1]!;
  return cpu.reg8[REG8_BYTE[r as 0]]!;
}
export function setReg(cpu: Cpu, r: number, size: Size, v: number): void {
  if (size === 32) cpu.reg[r] = v;
  else if (size === 16) cpu.reg16[r << 1] = v;
  else cpu.reg8[REG8_BYTE[r as 0]] = v;
}

// --- memory by size, through a segment ------------------------------------------------------------

export function readMem8(cpu: Cpu, seg: number, off: number): number {
  return readLin8(cpu, segRead(cpu, seg, off, 1));
}
export function readMem16(cpu: Cpu, seg: number, off: number): number {
  return readLin16(cpu, segRead(cpu, seg, off, 2));
}
export function readMem32(cpu: Cpu, seg: number, off: number): number {
  return readLin32(cpu, segRead(cpu, seg, off, 4));
}
export function writeMem8(cpu: Cpu, seg: number, off: number, v: number): void {
  writeLin8(cpu, segWrite(cpu, seg, off, 1), v);
}
export function writeMem16(cpu: Cpu, seg: number, off: number, v: number): void {
  writeLin16(cpu, segWrite(cpu, seg, off, 2), v);
}
export function writeMem32(cpu: Cpu, seg: number, off: number, v: number): void {
  writeLin32(cpu, segWrite(cpu, seg, off, 4), v);
}
export function readMem(cpu: Cpu, seg: number, off: number, size: Size): number {
  if (size === 32) return readLin32(cpu, segRead(cpu, seg, off, 4));
  if (size === 16) return readLin16(cpu, segRead(cpu, seg, off, 2));
  return readLin8(cpu, segRead(cpu, seg, off, 1));
}
export function writeMem(cpu: Cpu, seg: number, off: number, size: Size, v: number): void {
  if (size === 32) writeLin32(cpu, segWrite(cpu, seg, off, 4), v);
  else if (size === 16) writeLin16(cpu, segWrite(cpu, seg, off, 2), v);
  else writeLin8(cpu, segWrite(cpu, seg, off, 1), v);
}
export function readLin(cpu: Cpu, lin: number, size: Size): number {
  if (size === 32) return readLin32(cpu, lin);
  if (size === 16) return readLin16(cpu, lin);
  return readLin8(cpu, lin);
}
export function writeLin(cpu: Cpu, lin: number, size: Size, v: number): void {
  if (size === 32) writeLin32(cpu, lin, v);
  else if (size === 16) writeLin16(cpu, lin, v);
  else writeLin8(cpu, lin, v);
}

// --- E and G operands -----------------------------------------------------------------------------

export function readEb(cpu: Cpu, i: Insn): number {
  return i.isMem ? readMem8(cpu, i.seg, ea(cpu, i)) : getReg8(cpu, i.rm);
}
export function readEw(cpu: Cpu, i: Insn): number {
  return i.isMem ? readMem16(cpu, i.seg, ea(cpu, i)) : cpu.reg16[i.rm << 1]!;
}
export function readEd(cpu: Cpu, i: Insn): number {
  return i.isMem ? readMem32(cpu, i.seg, ea(cpu, i)) : cpu.reg[i.rm]!;
}
/** E operand of the instruction's operand size (16 or 32). */
export function readEv(cpu: Cpu, i: Insn): number {
  if (i.osize === 32) return i.isMem ? readMem32(cpu, i.seg, ea(cpu, i)) : cpu.reg[i.rm]!;
  return i.isMem ? readMem16(cpu, i.seg, ea(cpu, i)) : cpu.reg16[i.rm << 1]!;
}
export function readE(cpu: Cpu, i: Insn, size: Size): number {
  return i.isMem ? readMem(cpu, i.seg, ea(cpu, i), size) : getReg(cpu, i.rm, size);
}

export function writeEb(cpu: Cpu, i: Insn, v: number): void {
  if (i.isMem) writeMem8(cpu, i.seg, ea(cpu, i), v);
  else setReg8(cpu, i.rm, v);
}
export function writeEw(cpu: Cpu, i: Insn, v: number): void {
  if (i.isMem) writeMem16(cpu, i.seg, ea(cpu, i), v);
  else cpu.reg16[i.rm << 1] = v;
}
export function writeEv(cpu: Cpu, i: Insn, v: number): void {
  if (i.osize === 32) {
    if (i.isMem) writeMem32(cpu, i.seg, ea(cpu, i), v);
    else cpu.reg[i.rm] = v;
  } else if (i.isMem) writeMem16(cpu, i.seg, ea(cpu, i), v);
  else cpu.reg16[i.rm << 1] = v;
}
export function writeE(cpu: Cpu, i: Insn, size: Size, v: number): void {
  if (i.isMem) writeMem(cpu, i.seg, ea(cpu, i), size, v);
  else setReg(cpu, i.rm, size, v);
}

export function readGv(cpu: Cpu, i: Insn): number {
  return i.osize === 32 ? cpu.reg[i.reg]! : cpu.reg16[i.reg << 1]!;
}
export function writeGv(cpu: Cpu, i: Insn, v: number): void {
  if (i.osize === 32) cpu.reg[i.reg] = v;
  else cpu.reg16[i.reg << 1] = v;
}

/**
 * For read-modify-write instructions: the linear address of the E operand, checked for a write of
 * `size` bits. The handler reads with readLin, computes, writes with writeLin, and only then records
 * flags, so a fault on the write leaves every register as it was.
 */
export function eaLinForWrite(cpu: Cpu, i: Insn, size: Size): number {
  return segWrite(cpu, i.seg, ea(cpu, i), size >> 3);
}

/** Truncates a value to an operand size, keeping 32-bit values as int32. */
export function trunc(v: number, size: Size): number {
  return size === 32 ? v | 0 : v & ((1 << size) - 1);
}

/** Sign-extends the low `size` bits of v to an int32. */
export function sext(v: number, size: Size): number {
  return size === 32 ? v | 0 : size === 16 ? (v << 16) >> 16 : (v << 24) >> 24;
}
