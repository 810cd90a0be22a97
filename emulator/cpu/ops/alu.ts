// ADD OR ADC SBB AND SUB XOR CMP, TEST, INC DEC NEG NOT, and the 486's XADD and CMPXCHG.
//
// The eight two-operand ALU instructions share their encodings: in 00-3F the operation is opcode
// bits 5:3, in group 1 (80-83) it is ModRM.reg, in the order of ALU_* below (i386 PRM Appendix A).
// compute() only computes; flags are recorded after the destination is written, so that a fault
// on the write leaves EFLAGS as it was.

import { getCF, setFlagsAdc, setFlagsAdd, setFlagsDec, setFlagsInc, setFlagsLogic, setFlagsSbb, setFlagsSub } from '../flags.ts';
import type { Insn } from '../insn.ts';
import {
  eaLinForWrite, getReg, readE, readLin, setReg, trunc, writeLin,
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

/** Applies `f` to the E operand in place (read, compute, write), returning [old, new]. */
function modifyE(cpu: Cpu, i: Insn, size: Size, f: (a: number) => number): number {
  if (!i.isMem) {
    const a = getReg(cpu, i.rm, size);
    setReg(cpu, i.rm, size, f(a));
    return a;
  }
  const lin = eaLinForWrite(cpu, i, size);
  const a = readLin(cpu, lin, size);
  writeLin(cpu, lin, size, f(a));
  return a;
}

/** FE /0, FF /0. */
export function incE(cpu: Cpu, i: Insn): void {
  const size = sizeOfByteOp(i);
  const a = modifyE(cpu, i, size, (x) => trunc(x + 1, size));
  setFlagsInc(cpu, trunc(a + 1, size), size);
}
/** FE /1, FF /1. */
export function decE(cpu: Cpu, i: Insn): void {
  const size = sizeOfByteOp(i);
  const a = modifyE(cpu, i, size, (x) => trunc(x - 1, size));
  setFlagsDec(cpu, trunc(a - 1, size), size);
}
/** F6 /2, F7 /2: NOT changes no flags. */
export function notE(cpu: Cpu, i: Insn): void {
  const size = sizeOfByteOp(i);
  modifyE(cpu, i, size, (x) => trunc(~x, size));
}
/** F6 /3, F7 /3: NEG is 0 - x; CF is set unless x was 0. */
export function negE(cpu: Cpu, i: Insn): void {
  const size = sizeOfByteOp(i);
  const a = modifyE(cpu, i, size, (x) => trunc(-x, size));
  setFlagsSub(cpu, 0, a, trunc(-a, size), size);
}

// --- 486: XADD, CMPXCHG -------------------------------------------------------------------------

/** 0F C0 / C1: exchange E and G, then E = sum (i486 PRM, XADD). */
export function xadd(cpu: Cpu, i: Insn): void {
  const size = sizeOfByteOp(i);
  const b = getReg(cpu, i.reg, size);
  const a = modifyE(cpu, i, size, (x) => trunc(x + b, size));
  setReg(cpu, i.reg, size, a);
  setFlagsAdd(cpu, a, b, trunc(a + b, size), size);
}

/**
 * 0F B0 / B1: compare the accumulator with E; if equal, E = G, else the accumulator = E. The
 * destination is written in either case (with its own value when unequal), as the 486 does.
 */
export function cmpxchg(cpu: Cpu, i: Insn): void {
  const size = sizeOfByteOp(i);
  const acc = getReg(cpu, EAX, size);
  const g = getReg(cpu, i.reg, size);
  const a = modifyE(cpu, i, size, (x) => (x === acc ? g : x));
  if (a !== acc) setReg(cpu, EAX, size, a);
  setFlagsSub(cpu, acc, a, trunc(acc - a, size), size);
}
