// ADD OR ADC SBB AND SUB XOR CMP, TEST, INC DEC NEG NOT, and the 486's XADD and CMPXCHG.
//
// The eight two-operand ALU instructions share their encodings: in 00-3F the operation is opcode
// bits 5:3, in group 1 (80-83) it is ModRM.reg, in the order of ALU_* below (i386 PRM Appendix A).
// compute() only computes; flags are recorded after the destination is written, so that a fault
// on the write leaves EFLAGS as it was.

import { getCF, setFlagsAdc, setFlagsAdd, setFlagsDec, setFlagsInc, setFlagsLogic, setFlagsSbb, setFlagsSub } from '../flags.ts';
import { readLin32, readLin8, segWrite, writeLin32, writeLin8 } from '../access.ts';
import type { Handler, Insn } from '../insn.ts';
import {
  ea32, eaLinForWrite, getReg, getReg8, readE, readLin, readMem32, readMem8, setReg, setReg8, trunc, writeLin,
} from '../operands.ts';
import { EAX, type Size } from '../registers.ts';
import type { Cpu } from '../state.ts';

export const ALU_ADD = 0, ALU_OR = 1, ALU_ADC = 2, ALU_SBB = 3, ALU_AND = 4, ALU_SUB = 5, ALU_XOR = 6, ALU_CMP = 7;

/** The result of ALU operation `op` on a and b (CF is read for ADC and SBB). */
function compute(cpu: Cpu, op: number, a: number, b: number, size: Size): number {
  switch (op) {
    case ALU_ADD: return trunc(a + b, size);
    case ALU_OR: return a | b;
    case ALU_ADC: return trunc(a + b + getCF(cpu), size);
    case ALU_SBB: return trunc(a - b - getCF(cpu), size);
    case ALU_AND: return a & b;
    case ALU_XOR: return a ^ b;
    default: return trunc(a - b, size); // SUB, CMP
  }
}

/** Records the flags of operation `op`; `carry` is the CF that ADC/SBB consumed. */
function record(cpu: Cpu, op: number, a: number, b: number, r: number, carry: number, size: Size): void {
  switch (op) {
    case ALU_ADD: setFlagsAdd(cpu, a, b, r, size); break;
    case ALU_ADC: setFlagsAdc(cpu, a, b, r, carry, size); break;
    case ALU_SBB: setFlagsSbb(cpu, a, b, r, carry, size); break;
    case ALU_SUB: case ALU_CMP: setFlagsSub(cpu, a, b, r, size); break;
    default: setFlagsLogic(cpu, r, size); break;
  }
}

/** `E op= b` for a register or memory destination; CMP writes nothing. */
function aluE(cpu: Cpu, i: Insn, op: number, b: number, size: Size): void {
  const carry = op === ALU_ADC || op === ALU_SBB ? getCF(cpu) : 0;
  if (!i.isMem) {
    const a = getReg(cpu, i.rm, size);
    const r = compute(cpu, op, a, b, size);
    if (op !== ALU_CMP) setReg(cpu, i.rm, size, r);
    record(cpu, op, a, b, r, carry, size);
  } else if (op === ALU_CMP) {
    const a = readE(cpu, i, size);
    record(cpu, op, a, b, compute(cpu, op, a, b, size), carry, size);
  } else {
    const lin = eaLinForWrite(cpu, i, size);
    const a = readLin(cpu, lin, size);
    const r = compute(cpu, op, a, b, size);
    writeLin(cpu, lin, size, r);
    record(cpu, op, a, b, r, carry, size);
  }
}

/** `G op= E`. */
function aluG(cpu: Cpu, i: Insn, op: number, size: Size): void {
  const carry = op === ALU_ADC || op === ALU_SBB ? getCF(cpu) : 0;
  const b = readE(cpu, i, size);
  const a = getReg(cpu, i.reg, size);
  const r = compute(cpu, op, a, b, size);
  if (op !== ALU_CMP) setReg(cpu, i.reg, size, r);
  record(cpu, op, a, b, r, carry, size);
}

const opOf = (i: Insn): number => (i.opcode >> 3) & 7;
const vsize = (i: Insn): Size => i.osize as Size;

export function aluEbGb(cpu: Cpu, i: Insn): void { aluE(cpu, i, opOf(i), getReg(cpu, i.reg, 8), 8); }
export function aluEvGv(cpu: Cpu, i: Insn): void { aluE(cpu, i, opOf(i), getReg(cpu, i.reg, vsize(i)), vsize(i)); }
export function aluGbEb(cpu: Cpu, i: Insn): void { aluG(cpu, i, opOf(i), 8); }
export function aluGvEv(cpu: Cpu, i: Insn): void { aluG(cpu, i, opOf(i), vsize(i)); }

/** AL / eAX op= immediate (04, 05, 0C, 0D, ...). */
export function aluALIb(cpu: Cpu, i: Insn): void { accumulator(cpu, opOf(i), i.imm & 0xff, 8); }
export function aluEAXIv(cpu: Cpu, i: Insn): void { accumulator(cpu, opOf(i), trunc(i.imm, vsize(i)), vsize(i)); }

function accumulator(cpu: Cpu, op: number, b: number, size: Size): void {
  const carry = op === ALU_ADC || op === ALU_SBB ? getCF(cpu) : 0;
  const a = getReg(cpu, EAX, size);
  const r = compute(cpu, op, a, b, size);
  if (op !== ALU_CMP) setReg(cpu, EAX, size, r);
  record(cpu, op, a, b, r, carry, size);
}

/** Group 1: 80/82 (Eb,Ib), 81 (Ev,Iv) and 83 (Ev,Ibs: the decoder has sign-extended the byte). */
export function aluEbIb(cpu: Cpu, i: Insn): void { aluE(cpu, i, i.reg, i.imm & 0xff, 8); }
export function aluEvIv(cpu: Cpu, i: Insn): void { aluE(cpu, i, i.reg, trunc(i.imm, vsize(i)), vsize(i)); }

// --- TEST: AND that writes only flags ---------------------------------------------------------

export function testEbGb(cpu: Cpu, i: Insn): void {
  setFlagsLogic(cpu, readE(cpu, i, 8) & getReg(cpu, i.reg, 8), 8);
}
export function testEvGv(cpu: Cpu, i: Insn): void {
  const size = vsize(i);
  setFlagsLogic(cpu, readE(cpu, i, size) & getReg(cpu, i.reg, size), size);
}
/** A8 / A9: TEST AL,Ib / TEST eAX,Iv. */
export function testAccImm(cpu: Cpu, i: Insn): void {
  const size: Size = i.opcode === 0xa8 ? 8 : vsize(i);
  setFlagsLogic(cpu, getReg(cpu, EAX, size) & trunc(i.imm, size), size);
}
/** F6 /0, F7 /0 (and the /1 alias): TEST E,imm. */
export function testEImm(cpu: Cpu, i: Insn): void {
  const size: Size = i.opcode === 0xf6 ? 8 : vsize(i);
  setFlagsLogic(cpu, readE(cpu, i, size) & trunc(i.imm, size), size);
}

// --- INC DEC NEG NOT ----------------------------------------------------------------------------

const sizeOfByteOp = (i: Insn): Size => ((i.opcode & 1) === 0 ? 8 : vsize(i));

/** 40+r / 48+r: INC and DEC of a 16/32-bit register (CF unchanged). */
export function incReg(cpu: Cpu, i: Insn): void {
  const size = vsize(i), r = i.opcode & 7;
  const v = trunc(getReg(cpu, r, size) + 1, size);
  setReg(cpu, r, size, v);
  setFlagsInc(cpu, v, size);
}
export function decReg(cpu: Cpu, i: Insn): void {
  const size = vsize(i), r = i.opcode & 7;
  const v = trunc(getReg(cpu, r, size) - 1, size);
  setReg(cpu, r, size, v);
  setFlagsDec(cpu, v, size);
}

// Read-modify-write of the E operand, in three steps so that no closure is needed: the address
// of a memory operand is checked for writing first (rmwLin), then the old value is read and the
// new one written. A register operand has no address (rmwLin returns 0 and is not used).
function rmwLin(cpu: Cpu, i: Insn, size: Size): number {
  return i.isMem ? eaLinForWrite(cpu, i, size) : 0;
}
function rmwRead(cpu: Cpu, i: Insn, lin: number, size: Size): number {
  return i.isMem ? readLin(cpu, lin, size) : getReg(cpu, i.rm, size);
}
function rmwWrite(cpu: Cpu, i: Insn, lin: number, size: Size, v: number): void {
  if (i.isMem) writeLin(cpu, lin, size, v);
  else setReg(cpu, i.rm, size, v);
}

/** FE /0, FF /0. */
export function incE(cpu: Cpu, i: Insn): void {
  const size = sizeOfByteOp(i);
  const lin = rmwLin(cpu, i, size);
  const r = trunc(rmwRead(cpu, i, lin, size) + 1, size);
  rmwWrite(cpu, i, lin, size, r);
  setFlagsInc(cpu, r, size);
}
/** FE /1, FF /1. */
export function decE(cpu: Cpu, i: Insn): void {
  const size = sizeOfByteOp(i);
  const lin = rmwLin(cpu, i, size);
  const r = trunc(rmwRead(cpu, i, lin, size) - 1, size);
  rmwWrite(cpu, i, lin, size, r);
  setFlagsDec(cpu, r, size);
}
/** F6 /2, F7 /2: NOT changes no flags. */
export function notE(cpu: Cpu, i: Insn): void {
  const size = sizeOfByteOp(i);
  const lin = rmwLin(cpu, i, size);
  rmwWrite(cpu, i, lin, size, trunc(~rmwRead(cpu, i, lin, size), size));
}
/** F6 /3, F7 /3: NEG is 0 - x; CF is set unless x was 0. */
export function negE(cpu: Cpu, i: Insn): void {
  const size = sizeOfByteOp(i);
  const lin = rmwLin(cpu, i, size);
  const a = rmwRead(cpu, i, lin, size);
  const r = trunc(-a, size);
  rmwWrite(cpu, i, lin, size, r);
  setFlagsSub(cpu, 0, a, r, size);
}

// --- 486: XADD, CMPXCHG -------------------------------------------------------------------------

/** 0F C0 / C1: exchange E and G, then E = sum (i486 PRM, XADD). */
export function xadd(cpu: Cpu, i: Insn): void {
  const size = sizeOfByteOp(i);
  const b = getReg(cpu, i.reg, size);
  const lin = rmwLin(cpu, i, size);
  const a = rmwRead(cpu, i, lin, size);
  const r = trunc(a + b, size);
  if (i.isMem) {
    // Memory first: a faulting write leaves the register as it was.
    rmwWrite(cpu, i, lin, size, r);
    setReg(cpu, i.reg, size, a);
  } else {
    // The manual's order, SRC <- DEST then DEST <- TEMP, so `xadd eax, eax` leaves the sum.
    setReg(cpu, i.reg, size, a);
    rmwWrite(cpu, i, lin, size, r);
  }
  setFlagsAdd(cpu, a, b, r, size);
}

/**
 * 0F B0 / B1: compare the accumulator with E; if equal, E = G, else the accumulator = E. The
 * destination is written in either case (with its own value when unequal), as the 486 does.
 */
export function cmpxchg(cpu: Cpu, i: Insn): void {
  const size = sizeOfByteOp(i);
  const acc = getReg(cpu, EAX, size);
  const g = getReg(cpu, i.reg, size);
  const lin = rmwLin(cpu, i, size);
  const a = rmwRead(cpu, i, lin, size);
  rmwWrite(cpu, i, lin, size, a === acc ? g : a);
  if (a !== acc) setReg(cpu, EAX, size, a);
  setFlagsSub(cpu, acc, a, trunc(acc - a, size), size);
}

// --- fast forms -----------------------------------------------------------------------------------
//
// The handlers above take the operand size and form as data. Most instructions that run are the
// 32-bit forms, so for those the block builder (blocks.ts) installs one of the handlers below
// instead, chosen once per decoded instruction through FAST_FORMS: each does exactly what the
// generic handler does for that size and form, with no size tests left to make at run time.
// test/unit/emulator/cpu/fast-forms.test.ts runs both on the same inputs.

/** `op` on 32-bit a and b with its flags recorded: for register destinations, which cannot fault. */
function alu32(cpu: Cpu, op: number, a: number, b: number): number {
  switch (op) {
    case ALU_ADD: { const r = (a + b) | 0; setFlagsAdd(cpu, a, b, r, 32); return r; }
    case ALU_OR: { const r = a | b; setFlagsLogic(cpu, r, 32); return r; }
    case ALU_ADC: { const c = getCF(cpu); const r = (a + b + c) | 0; setFlagsAdc(cpu, a, b, r, c, 32); return r; }
    case ALU_SBB: { const c = getCF(cpu); const r = (a - b - c) | 0; setFlagsSbb(cpu, a, b, r, c, 32); return r; }
    case ALU_AND: { const r = a & b; setFlagsLogic(cpu, r, 32); return r; }
    case ALU_XOR: { const r = a ^ b; setFlagsLogic(cpu, r, 32); return r; }
    default: { const r = (a - b) | 0; setFlagsSub(cpu, a, b, r, 32); return r; } // SUB, CMP
  }
}

/** E op= b, 32-bit, E in memory (32-bit address): write first, then flags. */
function aluMem32(cpu: Cpu, i: Insn, op: number, b: number): void {
  if (op === ALU_CMP) {
    const a = readMem32(cpu, i.seg, ea32(cpu, i));
    const r = (a - b) | 0;
    setFlagsSub(cpu, a, b, r, 32);
    return;
  }
  const carry = op === ALU_ADC || op === ALU_SBB ? getCF(cpu) : 0;
  const lin = segWrite(cpu, i.seg, ea32(cpu, i), 4);
  const a = readLin32(cpu, lin);
  const r = compute(cpu, op, a, b, 32);
  writeLin32(cpu, lin, r);
  record(cpu, op, a, b, r, carry, 32);
}

export function aluEvGvR32(cpu: Cpu, i: Insn): void {
  const reg = cpu.reg, op = (i.opcode >> 3) & 7;
  const r = alu32(cpu, op, reg[i.rm]!, reg[i.reg]!);
  if (op !== ALU_CMP) reg[i.rm] = r;
}
export function aluEvGvM32(cpu: Cpu, i: Insn): void { aluMem32(cpu, i, (i.opcode >> 3) & 7, cpu.reg[i.reg]!); }
export function aluGvEvR32(cpu: Cpu, i: Insn): void {
  const reg = cpu.reg, op = (i.opcode >> 3) & 7;
  const r = alu32(cpu, op, reg[i.reg]!, reg[i.rm]!);
  if (op !== ALU_CMP) reg[i.reg] = r;
}
export function aluGvEvM32(cpu: Cpu, i: Insn): void {
  const b = readMem32(cpu, i.seg, ea32(cpu, i));
  const reg = cpu.reg, op = (i.opcode >> 3) & 7;
  const r = alu32(cpu, op, reg[i.reg]!, b);
  if (op !== ALU_CMP) reg[i.reg] = r;
}
export function aluEvIvR32(cpu: Cpu, i: Insn): void {
  const reg = cpu.reg, op = i.reg;
  const r = alu32(cpu, op, reg[i.rm]!, i.imm);
  if (op !== ALU_CMP) reg[i.rm] = r;
}
export function aluEvIvM32(cpu: Cpu, i: Insn): void { aluMem32(cpu, i, i.reg, i.imm); }
export function aluEAXIv32(cpu: Cpu, i: Insn): void {
  const reg = cpu.reg, op = (i.opcode >> 3) & 7;
  const r = alu32(cpu, op, reg[EAX]!, i.imm);
  if (op !== ALU_CMP) reg[EAX] = r;
}
export function incReg32(cpu: Cpu, i: Insn): void {
  const r = i.opcode & 7;
  const v = (cpu.reg[r]! + 1) | 0;
  cpu.reg[r] = v;
  setFlagsInc(cpu, v, 32);
}
export function decReg32(cpu: Cpu, i: Insn): void {
  const r = i.opcode & 7;
  const v = (cpu.reg[r]! - 1) | 0;
  cpu.reg[r] = v;
  setFlagsDec(cpu, v, 32);
}

/** `op` on bytes a and b with its flags recorded (register destinations). */
function alu8(cpu: Cpu, op: number, a: number, b: number): number {
  const carry = op === ALU_ADC || op === ALU_SBB ? getCF(cpu) : 0;
  const r = compute(cpu, op, a, b, 8);
  record(cpu, op, a, b, r, carry, 8);
  return r;
}

/** E op= b for a byte in memory (32-bit address): write first, then flags. */
function aluMem8(cpu: Cpu, i: Insn, op: number, b: number): void {
  if (op === ALU_CMP) {
    const a = readMem8(cpu, i.seg, ea32(cpu, i));
    setFlagsSub(cpu, a, b, (a - b) & 0xff, 8);
    return;
  }
  const carry = op === ALU_ADC || op === ALU_SBB ? getCF(cpu) : 0;
  const lin = segWrite(cpu, i.seg, ea32(cpu, i), 1);
  const a = readLin8(cpu, lin);
  const r = compute(cpu, op, a, b, 8);
  writeLin8(cpu, lin, r);
  record(cpu, op, a, b, r, carry, 8);
}

export function aluEbGbR(cpu: Cpu, i: Insn): void {
  const op = (i.opcode >> 3) & 7;
  const r = alu8(cpu, op, getReg8(cpu, i.rm), getReg8(cpu, i.reg));
  if (op !== ALU_CMP) setReg8(cpu, i.rm, r);
}
export function aluEbGbM(cpu: Cpu, i: Insn): void { aluMem8(cpu, i, (i.opcode >> 3) & 7, getReg8(cpu, i.reg)); }
export function aluGbEbR(cpu: Cpu, i: Insn): void {
  const op = (i.opcode >> 3) & 7;
  const r = alu8(cpu, op, getReg8(cpu, i.reg), getReg8(cpu, i.rm));
  if (op !== ALU_CMP) setReg8(cpu, i.reg, r);
}
export function aluGbEbM(cpu: Cpu, i: Insn): void {
  const b = readMem8(cpu, i.seg, ea32(cpu, i));
  const op = (i.opcode >> 3) & 7;
  const r = alu8(cpu, op, getReg8(cpu, i.reg), b);
  if (op !== ALU_CMP) setReg8(cpu, i.reg, r);
}
export function aluEbIbR(cpu: Cpu, i: Insn): void {
  const op = i.reg;
  const r = alu8(cpu, op, getReg8(cpu, i.rm), i.imm & 0xff);
  if (op !== ALU_CMP) setReg8(cpu, i.rm, r);
}
export function aluEbIbM(cpu: Cpu, i: Insn): void { aluMem8(cpu, i, i.reg, i.imm & 0xff); }

export function testEvGvR32(cpu: Cpu, i: Insn): void { setFlagsLogic(cpu, cpu.reg[i.rm]! & cpu.reg[i.reg]!, 32); }
export function testEbGbR(cpu: Cpu, i: Insn): void { setFlagsLogic(cpu, getReg8(cpu, i.rm) & getReg8(cpu, i.reg), 8); }

/** INC / DEC of a 32-bit memory operand (32-bit address). */
export function incEM32(cpu: Cpu, i: Insn): void {
  const lin = segWrite(cpu, i.seg, ea32(cpu, i), 4);
  const r = (readLin32(cpu, lin) + 1) | 0;
  writeLin32(cpu, lin, r);
  setFlagsInc(cpu, r, 32);
}
export function decEM32(cpu: Cpu, i: Insn): void {
  const lin = segWrite(cpu, i.seg, ea32(cpu, i), 4);
  const r = (readLin32(cpu, lin) - 1) | 0;
  writeLin32(cpu, lin, r);
  setFlagsDec(cpu, r, 32);
}

// The commonest operation and form pairs of all (ADD, SUB, CMP, AND, OR, XOR on 32-bit registers)
// also get a handler each, small enough that V8 inlines it into the run loop's dispatch.
export function addEvGvR32(cpu: Cpu, i: Insn): void {
  const reg = cpu.reg, a = reg[i.rm]!, b = reg[i.reg]!, r = (a + b) | 0;
  reg[i.rm] = r;
  setFlagsAdd(cpu, a, b, r, 32);
}
export function subEvGvR32(cpu: Cpu, i: Insn): void {
  const reg = cpu.reg, a = reg[i.rm]!, b = reg[i.reg]!, r = (a - b) | 0;
  reg[i.rm] = r;
  setFlagsSub(cpu, a, b, r, 32);
}
export function cmpEvGvR32(cpu: Cpu, i: Insn): void {
  const reg = cpu.reg, a = reg[i.rm]!, b = reg[i.reg]!;
  setFlagsSub(cpu, a, b, (a - b) | 0, 32);
}
export function xorEvGvR32(cpu: Cpu, i: Insn): void {
  const reg = cpu.reg, r = reg[i.rm]! ^ reg[i.reg]!;
  reg[i.rm] = r;
  setFlagsLogic(cpu, r, 32);
}
export function addEvIvR32(cpu: Cpu, i: Insn): void {
  const reg = cpu.reg, a = reg[i.rm]!, b = i.imm, r = (a + b) | 0;
  reg[i.rm] = r;
  setFlagsAdd(cpu, a, b, r, 32);
}
export function subEvIvR32(cpu: Cpu, i: Insn): void {
  const reg = cpu.reg, a = reg[i.rm]!, b = i.imm, r = (a - b) | 0;
  reg[i.rm] = r;
  setFlagsSub(cpu, a, b, r, 32);
}
export function cmpEvIvR32(cpu: Cpu, i: Insn): void {
  const a = cpu.reg[i.rm]!, b = i.imm;
  setFlagsSub(cpu, a, b, (a - b) | 0, 32);
}
export function andEvIvR32(cpu: Cpu, i: Insn): void {
  const reg = cpu.reg, r = reg[i.rm]! & i.imm;
  reg[i.rm] = r;
  setFlagsLogic(cpu, r, 32);
}
export function orEvIvR32(cpu: Cpu, i: Insn): void {
  const reg = cpu.reg, r = reg[i.rm]! | i.imm;
  reg[i.rm] = r;
  setFlagsLogic(cpu, r, 32);
}
export function cmpEAXIv32(cpu: Cpu, i: Insn): void {
  const a = cpu.reg[EAX]!, b = i.imm;
  setFlagsSub(cpu, a, b, (a - b) | 0, 32);
}

/** CMP of a byte in memory (32-bit address) with an immediate or a byte register. */
export function cmpEbIbM(cpu: Cpu, i: Insn): void {
  const a = readMem8(cpu, i.seg, ea32(cpu, i)), b = i.imm & 0xff;
  setFlagsSub(cpu, a, b, (a - b) & 0xff, 8);
}
export function cmpEbGbM(cpu: Cpu, i: Insn): void {
  const a = readMem8(cpu, i.seg, ea32(cpu, i)), b = getReg8(cpu, i.reg);
  setFlagsSub(cpu, a, b, (a - b) & 0xff, 8);
}

/** By ALU_* operation: its own handler for a 32-bit register destination, where it has one. */
const EVGV_R32: ReadonlyArray<Handler | null> = [addEvGvR32, null, null, null, null, subEvGvR32, xorEvGvR32, cmpEvGvR32];
const EVIV_R32: ReadonlyArray<Handler | null> = [addEvIvR32, orEvIvR32, null, null, andEvIvR32, subEvIvR32, null, cmpEvIvR32];

/**
 * Choosers for FAST_FORMS. Fast forms exist for 32-bit operands (and bytes), with E a register or
 * a memory operand addressed with 32 bits; other instructions keep the generic handler (null).
 */
export const form32 = (reg: Handler | null, mem: Handler | null) => (i: Insn): Handler | null =>
  i.osize !== 32 ? null : !i.isMem ? reg : i.asize === 32 ? mem : null;
export const form8 = (reg: Handler | null, mem: Handler | null) => (i: Insn): Handler | null =>
  !i.isMem ? reg : i.asize === 32 ? mem : null;

export const FAST_FORMS: ReadonlyArray<readonly [Handler, (i: Insn) => Handler | null]> = [
  [aluEvGv, (i) => form32(EVGV_R32[(i.opcode >> 3) & 7] ?? aluEvGvR32, aluEvGvM32)(i)],
  [aluGvEv, form32(aluGvEvR32, aluGvEvM32)],
  [aluEvIv, (i) => form32(EVIV_R32[i.reg] ?? aluEvIvR32, aluEvIvM32)(i)],
  [aluEAXIv, (i) => (i.osize !== 32 ? null : i.opcode === 0x3d ? cmpEAXIv32 : aluEAXIv32)],
  [incReg, (i) => (i.osize === 32 ? incReg32 : null)],
  [decReg, (i) => (i.osize === 32 ? decReg32 : null)],
  [aluEbGb, (i) => form8(aluEbGbR, i.opcode === 0x38 ? cmpEbGbM : aluEbGbM)(i)],
  [aluGbEb, form8(aluGbEbR, aluGbEbM)],
  [aluEbIb, (i) => form8(aluEbIbR, i.reg === ALU_CMP ? cmpEbIbM : aluEbIbM)(i)],
  [testEvGv, form32(testEvGvR32, null)],
  [testEbGb, form8(testEbGbR, null)],
  [incE, (i) => (i.opcode === 0xff ? form32(null, incEM32)(i) : null)],
  [decE, (i) => (i.opcode === 0xff ? form32(null, decEM32)(i) : null)],
];
