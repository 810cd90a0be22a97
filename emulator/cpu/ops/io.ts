// IN and OUT (E4-E7 with an immediate port, EC-EF with the port in DX), and the I/O privilege
// check that they share with INS and OUTS (string.ts).
//
// i386 PRM 8.2 "Protection and I/O": in real mode every port is open. In protected mode an I/O
// instruction runs when CPL <= IOPL; otherwise, and always in virtual-8086 mode, the processor
// consults the I/O permission bit map of the current 386 TSS, and every bit that covers an
// accessed port must be 0. A map that does not reach the port (beyond the TSS limit), or a 286
// TSS, which has no map, gives #GP(0).
//
//   386 TSS:  +0x66  I/O map base (a 16-bit offset from the TSS base)
//             base + port/8: bit port%8 is 1 when the port is closed
//
// The processor reads the map a word at a time (the manual asks for a byte of all ones after the
// map for this reason), so both bytes at base + port/8 must lie within the TSS limit.

import { readSys16 } from '../access.ts';
import { gp } from '../faults.ts';
import type { Insn } from '../insn.ts';
import { setReg } from '../operands.ts';
import { EAX, EDX, type Size } from '../registers.ts';
import { type Cpu, CR0_PE, IOPL, VM } from '../state.ts';

/** Clocks the bit-map check adds to an I/O instruction's protected-mode count (i386 PRM IN, OUT, INS, OUTS: 26 vs 6, ...). */
const BITMAP_CLOCKS = 20;

/**
 * Throws #GP(0) unless the current privilege may access `bytes` consecutive ports from `port`.
 * Returns the clocks the bit-map check adds (0 when it was not needed).
 */
export function checkIoPermission(cpu: Cpu, port: number, bytes: number): number {
  if ((cpu.cr0 & CR0_PE) === 0) return 0;
  if ((cpu.flags & VM) === 0 && cpu.cpl <= (cpu.flags & IOPL) >>> 12) return 0;
  // 9 and 11 are the available and busy 386 TSS types; a 286 TSS has no permission map.
  if ((cpu.trType & 8) === 0 || cpu.trLimit < 0x67) {
    throw gp(0, `I/O to port 0x${port.toString(16)} at CPL ${cpu.cpl} > IOPL without a 386 TSS permission map`);
  }
  const mapBase = readSys16(cpu, (cpu.trBase + 0x66) | 0);
  const off = mapBase + (port >>> 3);
  if (off + 1 > cpu.trLimit) {
    throw gp(0, `I/O to port 0x${port.toString(16)}: permission map byte at TSS+0x${off.toString(16)} beyond the TSS limit`);
  }
  const bits = readSys16(cpu, (cpu.trBase + off) | 0);
  if (((bits >>> (port & 7)) & ((1 << bytes) - 1)) !== 0) {
    throw gp(0, `I/O to port 0x${port.toString(16)} denied by the TSS permission map`);
  }
  return BITMAP_CLOCKS;
}

/**
 * The clocks an I/O instruction costs beyond its real-mode count (which decode charged): the
 * manual gives IN, OUT, INS and OUTS their own, smaller, protected-mode counts ("pm=").
 */
export function protectedModeClocks(cpu: Cpu, i: Insn): number {
  if ((cpu.cr0 & CR0_PE) === 0) return 0;
  const clocks = i.osize === 32 ? i.row!.clocks32 : i.row!.clocks16;
  return clocks.pm !== undefined ? clocks.pm - clocks.r : 0;
}

/** Reads a port of `size` bits. */
export function portRead(cpu: Cpu, port: number, size: Size): number {
  if (size === 8) return cpu.io.read8(port);
  if (size === 16) return cpu.io.read16(port);
  return cpu.io.read32(port);
}

/** Writes a port of `size` bits. */
export function portWrite(cpu: Cpu, port: number, size: Size, v: number): void {
  if (size === 8) cpu.io.write8(port, v & 0xff);
  else if (size === 16) cpu.io.write16(port, v & 0xffff);
  else cpu.io.write32(port, v);
}

/** The operand size of IN/OUT: AL for even opcodes, eAX for odd ones. */
const accSize = (i: Insn): Size => ((i.opcode & 1) === 0 ? 8 : (i.osize as Size));

function doIn(cpu: Cpu, i: Insn, port: number): void {
  const size = accSize(i);
  cpu.cycles += checkIoPermission(cpu, port, size >> 3) + protectedModeClocks(cpu, i);
  setReg(cpu, EAX, size, portRead(cpu, port, size));
}

function doOut(cpu: Cpu, i: Insn, port: number): void {
  const size = accSize(i);
  cpu.cycles += checkIoPermission(cpu, port, size >> 3) + protectedModeClocks(cpu, i);
  portWrite(cpu, port, size, size === 32 ? cpu.reg[EAX]! : size === 16 ? cpu.reg16[0]! : cpu.reg8[0]!);
}

/** E4 / E5: IN AL/eAX, imm8. */
export function inImm(cpu: Cpu, i: Insn): void { doIn(cpu, i, i.imm & 0xff); }
/** E6 / E7: OUT imm8, AL/eAX. */
export function outImm(cpu: Cpu, i: Insn): void { doOut(cpu, i, i.imm & 0xff); }
/** EC / ED: IN AL/eAX, DX. */
export function inDX(cpu: Cpu, i: Insn): void { doIn(cpu, i, cpu.reg16[EDX << 1]!); }
/** EE / EF: OUT DX, AL/eAX. */
export function outDX(cpu: Cpu, i: Insn): void { doOut(cpu, i, cpu.reg16[EDX << 1]!); }
