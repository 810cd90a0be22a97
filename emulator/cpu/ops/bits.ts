// Bit instructions: SETcc (0F 90-9F), BT BTS BTR BTC (0F A3 AB B3 BB with a register bit offset,
// 0F BA /4-/7 with an immediate one), BSF BSR (0F BC BD) and the 486's BSWAP (0F C8+r).
//
// i386 PRM chapter 17, "BT", "BTS", "BTR", "BTC", "BSF", "BSR", "SETcc":
// - BT* copy the selected bit to CF and (BTS/BTR/BTC) then set, clear or complement it. "Flags
//   affected: CF"; the others are left as they were.
// - With a register operand the bit offset is taken modulo the operand size. With a memory operand
//   and a register offset, the offset is a SIGNED 16/32-bit number: it selects the word or dword
//   at ea + (offset >> 4) * 2 or ea + (offset >> 5) * 4 (an arithmetic shift, so negative offsets
//   reach below ea), and the bit (offset & 15 or 31) in it. An immediate offset is always taken
//   modulo the operand size.
// - BSF/BSR: a zero source sets ZF and leaves the destination unchanged (the PRM says "undefined";
//   386s leave it); otherwise ZF = 0 and the destination gets the index of the lowest / highest set
//   bit. "Flags affected: ZF": the other flags are left as they were. They take 10 + 3n clocks, n
//   the number of zero bits scanned before the set one (all of them for a zero source).

import { setCF, setEflagsMasked, testCC } from '../flags.ts';
import type { Insn } from '../insn.ts';
import { segWrite } from '../access.ts';
import { ea, getReg, readE, readLin, readMem, setReg, trunc, writeEb, writeLin } from '../operands.ts';
import type { Size } from '../registers.ts';
import { type Cpu, ZF } from '../state.ts';

/** 0F 90-9F: Eb = 1 if condition (the opcode's low nibble) holds, else 0. */
export function setcc(cpu: Cpu, i: Insn): void {
  writeEb(cpu, i, testCC(cpu, i.opcode & 0xf) ? 1 : 0);
}

// --- BT BTS BTR BTC -----------------------------------------------------------------------------

const BT = 0, BTS = 1, BTR = 2, BTC = 3;

/** The word with bit `bit` set, cleared or complemented by `op` (BT leaves it). */
function modify(op: number, v: number, bit: number, size: Size): number {
  const m = 1 << bit;
  switch (op) {
    case BTS: return trunc(v | m, size);
    case BTR: return trunc(v & ~m, size);
    case BTC: return trunc(v ^ m, size);
    default: return v;
  }
}

/**
 * BT/BTS/BTR/BTC on the operand at offset `off` in the instruction's segment (memory form), or
 * on register rm; `bit` is already reduced to 0..size-1.
 */
function bitOp(cpu: Cpu, i: Insn, op: number, size: Size, off: number, bit: number): void {
  let v: number;
  if (!i.isMem) {
    v = getReg(cpu, i.rm, size);
    if (op !== BT) setReg(cpu, i.rm, size, modify(op, v, bit, size));
  } else if (op === BT) {
    v = readMem(cpu, i.seg, off, size);
  } else {
    const lin = segWrite(cpu, i.seg, off, size >> 3);
    v = readLin(cpu, lin, size);
    writeLin(cpu, lin, size, modify(op, v, bit, size));
  }
  setCF(cpu, (v >>> bit) & 1);
}

/** 0F A3 BT, AB BTS, B3 BTR, BB BTC: Ev,Gv. The operation is opcode bits 4:3. */
export function btG(cpu: Cpu, i: Insn): void {
  const size = i.osize as Size;
  const op = (i.opcode >> 3) & 3;
  const offset = getReg(cpu, i.reg, size);
  if (!i.isMem) {
    bitOp(cpu, i, op, size, 0, offset & (size - 1));
    return;
  }
  // The signed bit offset picks a word/dword relative to ea; the sum wraps like any offset of the
  // instruction's address size.
  const signed = size === 32 ? offset : (offset << 16) >> 16;
  const shift = size === 32 ? 5 : 4;
  let off = ea(cpu, i) + (signed >> shift) * (size >> 3);
  off = i.asize === 32 ? off | 0 : off & 0xffff;
  bitOp(cpu, i, op, size, off, signed & (size - 1));
}

/** 0F BA /4 BT, /5 BTS, /6 BTR, /7 BTC: Ev,Ib. */
export function btI(cpu: Cpu, i: Insn): void {
  const size = i.osize as Size;
  bitOp(cpu, i, i.reg & 3, size, i.isMem ? ea(cpu, i) : 0, i.imm & (size - 1));
}

// --- BSF BSR --------------------------------------------------------------------------------------

/** Sets ZF alone, leaving the other flags as they were. */
function setZF(cpu: Cpu, zf: boolean): void {
  setEflagsMasked(cpu, zf ? ZF : 0, ZF);
}

/** 0F BC: G = index of the lowest set bit of E. */
export function bsf(cpu: Cpu, i: Insn): void {
  const size = i.osize as Size;
  const v = readE(cpu, i, size);
  if (v === 0) {
    setZF(cpu, true);
    cpu.cycles += 3 * size;
    return;
  }
  const index = 31 - Math.clz32(v & -v); // v & -v isolates the lowest set bit
  setReg(cpu, i.reg, size, index);
  setZF(cpu, false);
  cpu.cycles += 3 * index;
}

/** 0F BD: G = index of the highest set bit of E. */
export function bsr(cpu: Cpu, i: Insn): void {
  const size = i.osize as Size;
  const v = readE(cpu, i, size);
  if (v === 0) {
    setZF(cpu, true);
    cpu.cycles += 3 * size;
    return;
  }
  const index = 31 - Math.clz32(v);
  setReg(cpu, i.reg, size, index);
  setZF(cpu, false);
  cpu.cycles += 3 * (size - 1 - index);
}

// --- BSWAP (486) ------------------------------------------------------------------------------------

/**
 * 0F C8+r: reverse the bytes of a 32-bit register. With a 16-bit operand size the result is
 * undefined (i486 PRM, "BSWAP"). Real 486s write 0 to the low word and keep the high word (as if
 * they swapped the zero-extended word and kept the low half of that), and so does ts386 (Bochs
 * does the same).
 */
export function bswap(cpu: Cpu, i: Insn): void {
  const r = i.opcode & 7;
  if (i.osize === 16) {
    cpu.reg16[r << 1] = 0;
    return;
  }
  const v = cpu.reg[r]!;
  cpu.reg[r] = (v << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24);
}
