// THE opcode table: one row per opcode of the i386's one-byte and 0F maps (i386 PRM Appendix A,
// "Opcode Map"), in the manual's operand notation (optable.ts explains it). The decoder, the
// dispatcher, the disassembler and the clock counts (cycles.ts, looked up by mnemonic and
// operands) all read these rows; adding an instruction is one row, one handler and one test.
//
// Mnemonics written 'A|B' are the 16- and 32-bit operand-size spellings (CBW|CWDE).
// Prefix bytes (26 2E 36 3E 64 65 66 67 F0 F2 F3) are not rows: decode.ts consumes them.

import * as alu from './ops/alu.ts';
import * as bcd from './ops/bcd.ts';
import * as bits from './ops/bits.ts';
import * as control from './ops/control.ts';
import * as io from './ops/io.ts';
import * as move from './ops/move.ts';
import * as muldiv from './ops/muldiv.ts';
import * as shift from './ops/shift.ts';
import * as stack from './ops/stack.ts';
import * as str from './ops/string.ts';
import * as system from './ops/system.ts';
import {
  buildMap, F_486, F_ENDS_BLOCK as END, F_INVALID, F_LOCK as LOCK, F_STRING as STRING, group, op, type OpRow,
} from './optable.ts';

const JUMP = END;

/** No instruction: #UD when decoded. */
export const INVALID: OpRow = op('(bad)', '', system.invalid, { flags: F_INVALID, clocks: { r: 0 } });

const CC = ['O', 'NO', 'B', 'NB', 'Z', 'NZ', 'BE', 'NBE', 'S', 'NS', 'P', 'NP', 'L', 'NL', 'LE', 'NLE'] as const;
const ALU = ['ADD', 'OR', 'ADC', 'SBB', 'AND', 'SUB', 'XOR', 'CMP'] as const;
const SHIFTS = ['ROL', 'ROR', 'RCL', 'RCR', 'SHL', 'SHR', 'SAL', 'SAR'] as const;
const R32 = ['eAX', 'eCX', 'eDX', 'eBX', 'eSP', 'eBP', 'eSI', 'eDI'] as const;
const R8 = ['AL', 'CL', 'DL', 'BL', 'AH', 'CH', 'DH', 'BH'] as const;

/** The eight rows of an ALU column (00-05, 08-0D, ...): op is opcode bits 5:3. */
function aluRows(base: number, m: string): Array<[number, OpRow]> {
  // CMP writes nothing, so LOCK is never allowed on it.
  const lock = m === 'CMP' ? 0 : LOCK;
  return [
    [base + 0, op(m, 'Eb,Gb', alu.aluEbGb, { flags: lock })],
    [base + 1, op(m, 'Ev,Gv', alu.aluEvGv, { flags: lock })],
    [base + 2, op(m, 'Gb,Eb', alu.aluGbEb)],
    [base + 3, op(m, 'Gv,Ev', alu.aluGvEv)],
    [base + 4, op(m, 'AL,Ib', alu.aluALIb)],
    [base + 5, op(m, 'eAX,Iv', alu.aluEAXIv)],
  ];
}

/** ModRM.reg → the ALU op of group 1 (80, 81, 82, 83). */
function aluGroup(operands: string, handler: typeof alu.aluEbIb): OpRow {
  return group(ALU.map((m) => op(m, operands, handler, { flags: m === 'CMP' ? 0 : LOCK })));
}

function shiftGroup(operands: string, handler: typeof shift.shiftEb1): OpRow {
  return group(SHIFTS.map((m) => op(m, operands, handler, { clocks: `${m === 'SAL' ? 'SHL' : m} ${operands}` })));
}

const range = (from: number, n: number): number[] => Array.from({ length: n }, (_, k) => from + k);

export const ONE_BYTE: readonly OpRow[] = buildMap('one-byte map', [
  ...ALU.flatMap((m, k) => aluRows(k * 8, m)),
  [0x06, op('PUSH', 'ES', stack.pushSreg)],
  [0x07, op('POP', 'ES', stack.popSreg)],
  [0x0e, op('PUSH', 'CS', stack.pushSreg)],
  [0x16, op('PUSH', 'SS', stack.pushSreg)],
  [0x17, op('POP', 'SS', stack.popSreg, { flags: END })], // holds off interrupts for one instruction
  [0x1e, op('PUSH', 'DS', stack.pushSreg)],
  [0x1f, op('POP', 'DS', stack.popSreg)],
  [0x27, op('DAA', '', bcd.daa)],
  [0x2f, op('DAS', '', bcd.das)],
  [0x37, op('AAA', '', bcd.aaa)],
  [0x3f, op('AAS', '', bcd.aas)],
  ...range(0x40, 8).map((c, r): [number, OpRow] => [c, op('INC', R32[r]!, alu.incReg)]),
  ...range(0x48, 8).map((c, r): [number, OpRow] => [c, op('DEC', R32[r]!, alu.decReg)]),
  ...range(0x50, 8).map((c, r): [number, OpRow] => [c, op('PUSH', R32[r]!, stack.pushReg)]),
  ...range(0x58, 8).map((c, r): [number, OpRow] => [c, op('POP', R32[r]!, stack.popReg)]),
  [0x60, op('PUSHA|PUSHAD', '', stack.pusha, { clocks: 'PUSHA' })],
  [0x61, op('POPA|POPAD', '', stack.popa, { clocks: 'POPA' })],
  [0x62, op('BOUND', 'Gv,Ma', control.bound)],
  [0x63, op('ARPL', 'Ew,Gw', system.arpl)],
  [0x68, op('PUSH', 'Iv', stack.pushImm)],
  [0x69, op('IMUL', 'Gv,Ev,Iv', muldiv.imulGvEvI, { clocks16: 'IMUL Gw,Ew,Iw', clocks32: 'IMUL Gd,Ed,Id' })],
  [0x6a, op('PUSH', 'Ibs', stack.pushImm)],
  [0x6b, op('IMUL', 'Gv,Ev,Ibs', muldiv.imulGvEvI)],
  [0x6c, op('INSB', 'Yb,DX', str.ins, { flags: STRING | END, clocks: 'INS Yb,DX' })],
  [0x6d, op('INSW|INSD', 'Yv,DX', str.ins, { flags: STRING | END, clocks: 'INS Yv,DX' })],
  [0x6e, op('OUTSB', 'DX,Xb', str.outs, { flags: STRING | END, clocks: 'OUTS DX,Xb' })],
  [0x6f, op('OUTSW|OUTSD', 'DX,Xv', str.outs, { flags: STRING | END, clocks: 'OUTS DX,Xv' })],
  ...range(0x70, 16).map((c, k): [number, OpRow] => [c, op(`J${CC[k]!}`, 'Jb', control.jcc, { flags: JUMP })]),
  [0x80, aluGroup('Eb,Ib', alu.aluEbIb)],
  [0x81, aluGroup('Ev,Iv', alu.aluEvIv)],
  [0x82, aluGroup('Eb,Ib', alu.aluEbIb)], // an alias of 80 on the 386
  [0x83, aluGroup('Ev,Ibs', alu.aluEvIv)],
  [0x84, op('TEST', 'Eb,Gb', alu.testEbGb)],
  [0x85, op('TEST', 'Ev,Gv', alu.testEvGv)],
  [0x86, op('XCHG', 'Eb,Gb', move.xchgEbGb, { flags: LOCK })],
  [0x87, op('XCHG', 'Ev,Gv', move.xchgEvGv, { flags: LOCK })],
  [0x88, op('MOV', 'Eb,Gb', move.movEbGb)],
  [0x89, op('MOV', 'Ev,Gv', move.movEvGv)],
  [0x8a, op('MOV', 'Gb,Eb', move.movGbEb)],
  [0x8b, op('MOV', 'Gv,Ev', move.movGvEv)],
  [0x8c, op('MOV', 'Ew,Sw', move.movEwSw)],
  [0x8d, op('LEA', 'Gv,M', move.lea)],
  [0x8e, op('MOV', 'Sw,Ew', move.movSwEw, { flags: END })],
  [0x8f, group([op('POP', 'Ev', stack.popEv), INVALID, INVALID, INVALID, INVALID, INVALID, INVALID, INVALID])],
  [0x90, op('NOP', '', move.nop)],
  ...range(0x91, 7).map((c, r): [number, OpRow] => [c, op('XCHG', `eAX,${R32[r + 1]!}`, move.xchgEAX)]),
  [0x98, op('CBW|CWDE', '', move.cbw, { clocks: 'CBW' })],
  [0x99, op('CWD|CDQ', '', move.cwd, { clocks: 'CWD' })],
  [0x9a, op('CALL', 'Ap', control.callFar, { flags: JUMP })],
  [0x9b, op('WAIT', '', system.wait)],
  [0x9c, op('PUSHF|PUSHFD', '', stack.pushf, { clocks: 'PUSHF Fv' })],
  [0x9d, op('POPF|POPFD', '', stack.popf, { flags: END, clocks: 'POPF Fv' })],
  [0x9e, op('SAHF', '', system.sahf)],
  [0x9f, op('LAHF', '', system.lahf)],
  [0xa0, op('MOV', 'AL,Ob', move.movAccMoffs)],
  [0xa1, op('MOV', 'eAX,Ov', move.movAccMoffs)],
  [0xa2, op('MOV', 'Ob,AL', move.movMoffsAcc)],
  [0xa3, op('MOV', 'Ov,eAX', move.movMoffsAcc)],
  [0xa4, op('MOVSB', 'Yb,Xb', str.movs, { flags: STRING, clocks: 'MOVS Yb,Xb' })],
  [0xa5, op('MOVSW|MOVSD', 'Yv,Xv', str.movs, { flags: STRING, clocks: 'MOVS Yv,Xv' })],
  [0xa6, op('CMPSB', 'Xb,Yb', str.cmps, { flags: STRING, clocks: 'CMPS Xb,Yb' })],
  [0xa7, op('CMPSW|CMPSD', 'Xv,Yv', str.cmps, { flags: STRING, clocks: 'CMPS Xv,Yv' })],
  [0xa8, op('TEST', 'AL,Ib', alu.testAccImm)],
  [0xa9, op('TEST', 'eAX,Iv', alu.testAccImm)],
  [0xaa, op('STOSB', 'Yb,AL', str.stos, { flags: STRING, clocks: 'STOS Yb,AL' })],
  [0xab, op('STOSW|STOSD', 'Yv,eAX', str.stos, { flags: STRING, clocks: 'STOS Yv,eAX' })],
  [0xac, op('LODSB', 'AL,Xb', str.lods, { flags: STRING, clocks: 'LODS AL,Xb' })],
  [0xad, op('LODSW|LODSD', 'eAX,Xv', str.lods, { flags: STRING, clocks: 'LODS eAX,Xv' })],
  [0xae, op('SCASB', 'AL,Yb', str.scas, { flags: STRING, clocks: 'SCAS AL,Yb' })],
  [0xaf, op('SCASW|SCASD', 'eAX,Yv', str.scas, { flags: STRING, clocks: 'SCAS eAX,Yv' })],
  ...range(0xb0, 8).map((c, r): [number, OpRow] => [c, op('MOV', `${R8[r]!},Ib`, move.movRegImm8)]),
  ...range(0xb8, 8).map((c, r): [number, OpRow] => [c, op('MOV', `${R32[r]!},Iv`, move.movRegImm)]),
  [0xc0, shiftGroup('Eb,Ib', shift.shiftEbIb)],
  [0xc1, shiftGroup('Ev,Ib', shift.shiftEvIb)],
  [0xc2, op('RET', 'Iw', control.retNear, { flags: JUMP })],
  [0xc3, op('RET', '', control.retNear, { flags: JUMP })],
  [0xc4, op('LES', 'Gv,Mp', move.loadFarPointer)],
  [0xc5, op('LDS', 'Gv,Mp', move.loadFarPointer)],
  [0xc6, group([op('MOV', 'Eb,Ib', move.movEbIb), INVALID, INVALID, INVALID, INVALID, INVALID, INVALID, INVALID])],
  [0xc7, group([op('MOV', 'Ev,Iv', move.movEvIv), INVALID, INVALID, INVALID, INVALID, INVALID, INVALID, INVALID])],
  [0xc8, op('ENTER', 'Iw,Ib', stack.enter)],
  [0xc9, op('LEAVE', '', stack.leave)],
  [0xca, op('RETF', 'Iw', control.retFar, { flags: JUMP })],
  [0xcb, op('RETF', '', control.retFar, { flags: JUMP })],
  [0xcc, op('INT3', '', control.int3, { flags: JUMP, clocks: 'INT 3' })],
  [0xcd, op('INT', 'Ib', control.intIb, { flags: JUMP })],
  [0xce, op('INTO', '', control.into, { flags: JUMP })],
  [0xcf, op('IRET|IRETD', '', control.iret, { flags: JUMP, clocks: 'IRET' })],
  [0xd0, shiftGroup('Eb,1', shift.shiftEb1)],
  [0xd1, shiftGroup('Ev,1', shift.shiftEv1)],
  [0xd2, shiftGroup('Eb,CL', shift.shiftEbCL)],
  [0xd3, shiftGroup('Ev,CL', shift.shiftEvCL)],
  [0xd4, op('AAM', 'Ib', bcd.aam)],
  [0xd5, op('AAD', 'Ib', bcd.aad)],
  [0xd6, op('SALC', '', move.salc, { clocks: { r: 2 } })], // undocumented: AL = CF ? FF : 00
  [0xd7, op('XLAT', '', move.xlat)],
  ...range(0xd8, 8).map((c): [number, OpRow] => [c, op('ESC', 'Ev', system.esc, { clocks: 'ESC' })]),
  [0xe0, op('LOOPNE', 'Jb', control.loop, { flags: JUMP })],
  [0xe1, op('LOOPE', 'Jb', control.loop, { flags: JUMP })],
  [0xe2, op('LOOP', 'Jb', control.loop, { flags: JUMP })],
  [0xe3, op('JCXZ|JECXZ', 'Jb', control.jcxz, { flags: JUMP, clocks: 'JCXZ Jb' })],
  [0xe4, op('IN', 'AL,Ib', io.inImm, { flags: END })],
  [0xe5, op('IN', 'eAX,Ib', io.inImm, { flags: END })],
  [0xe6, op('OUT', 'Ib,AL', io.outImm, { flags: END })],
  [0xe7, op('OUT', 'Ib,eAX', io.outImm, { flags: END })],
  [0xe8, op('CALL', 'Jv', control.callNear, { flags: JUMP })],
  [0xe9, op('JMP', 'Jv', control.jmpNear, { flags: JUMP })],
  [0xea, op('JMP', 'Ap', control.jmpFar, { flags: JUMP })],
  [0xeb, op('JMP', 'Jb', control.jmpNear, { flags: JUMP })],
  [0xec, op('IN', 'AL,DX', io.inDX, { flags: END })],
  [0xed, op('IN', 'eAX,DX', io.inDX, { flags: END })],
  [0xee, op('OUT', 'DX,AL', io.outDX, { flags: END })],
  [0xef, op('OUT', 'DX,eAX', io.outDX, { flags: END })],
  [0xf1, op('INT1', '', control.int1, { flags: JUMP, clocks: 'INT 3' })], // undocumented ICEBP
  [0xf4, op('HLT', '', system.hlt, { flags: END })],
  [0xf5, op('CMC', '', system.cmc)],
  [0xf6, group([
    op('TEST', 'Eb,Ib', alu.testEImm), op('TEST', 'Eb,Ib', alu.testEImm), op('NOT', 'Eb', alu.notE, { flags: LOCK }),
    op('NEG', 'Eb', alu.negE, { flags: LOCK }), op('MUL', 'Eb', muldiv.mulE), op('IMUL', 'Eb', muldiv.imulE),
    op('DIV', 'Eb', muldiv.divE), op('IDIV', 'Eb', muldiv.idivE),
  ])],
  [0xf7, group([
    op('TEST', 'Ev,Iv', alu.testEImm), op('TEST', 'Ev,Iv', alu.testEImm), op('NOT', 'Ev', alu.notE, { flags: LOCK }),
    op('NEG', 'Ev', alu.negE, { flags: LOCK }),
    op('MUL', 'Ev', muldiv.mulE, { clocks16: 'MUL Ew', clocks32: 'MUL Ed' }),
    op('IMUL', 'Ev', muldiv.imulE, { clocks16: 'IMUL Ew', clocks32: 'IMUL Ed' }),
    op('DIV', 'Ev', muldiv.divE, { clocks16: 'DIV Ew', clocks32: 'DIV Ed' }),
    op('IDIV', 'Ev', muldiv.idivE, { clocks16: 'IDIV Ew', clocks32: 'IDIV Ed' }),
  ])],
  [0xf8, op('CLC', '', system.clc)],
  [0xf9, op('STC', '', system.stc)],
  [0xfa, op('CLI', '', system.cli)],
  [0xfb, op('STI', '', system.sti, { flags: END })], // holds off interrupts for one instruction
  [0xfc, op('CLD', '', system.cld)],
  [0xfd, op('STD', '', system.std)],
  [0xfe, group([
    op('INC', 'Eb', alu.incE, { flags: LOCK }), op('DEC', 'Eb', alu.decE, { flags: LOCK }),
    INVALID, INVALID, INVALID, INVALID, INVALID, INVALID,
  ])],
  [0xff, group([
    op('INC', 'Ev', alu.incE, { flags: LOCK }), op('DEC', 'Ev', alu.decE, { flags: LOCK }),
    op('CALL', 'Ev', control.callNearIndirect, { flags: JUMP }), op('CALL', 'Mp', control.callFarIndirect, { flags: JUMP }),
    op('JMP', 'Ev', control.jmpNearIndirect, { flags: JUMP }), op('JMP', 'Mp', control.jmpFarIndirect, { flags: JUMP }),
    op('PUSH', 'Ev', stack.pushEv), INVALID,
  ])],
], INVALID);

export const TWO_BYTE: readonly OpRow[] = buildMap('0F map', [
  [0x00, group([
    op('SLDT', 'Ew', system.sldt), op('STR', 'Ew', system.str), op('LLDT', 'Ew', system.lldt), op('LTR', 'Ew', system.ltr),
    op('VERR', 'Ew', system.verr), op('VERW', 'Ew', system.verw), INVALID, INVALID,
  ])],
  [0x01, group([
    op('SGDT', 'Ms', system.sgdt), op('SIDT', 'Ms', system.sidt), op('LGDT', 'Ms', system.lgdt), op('LIDT', 'Ms', system.lidt),
    op('SMSW', 'Ew', system.smsw), INVALID, op('LMSW', 'Ew', system.lmsw, { flags: END }),
    op('INVLPG', 'M', system.invlpgM, { flags: F_486 | END, clocks: { r: 12 } }),
  ])],
  [0x02, op('LAR', 'Gv,Ew', system.lar)],
  [0x03, op('LSL', 'Gv,Ew', system.lsl)],
  [0x06, op('CLTS', '', system.clts)],
  [0x08, op('INVD', '', system.invd, { flags: F_486, clocks: { r: 4 } })],
  [0x09, op('WBINVD', '', system.invd, { flags: F_486, clocks: { r: 5 } })],
  [0x20, op('MOV', 'Rd,Cd', system.movRdCd)],
  [0x21, op('MOV', 'Rd,Dd', system.movRdDd)],
  [0x22, op('MOV', 'Cd,Rd', system.movCdRd, { flags: END })],
  [0x23, op('MOV', 'Dd,Rd', system.movDdRd)],
  [0x24, op('MOV', 'Rd,Td', system.movRdTd)],
  [0x26, op('MOV', 'Td,Rd', system.movTdRd)],
  ...range(0x80, 16).map((c, k): [number, OpRow] => [c, op(`J${CC[k]!}`, 'Jv', control.jcc, { flags: JUMP })]),
  ...range(0x90, 16).map((c, k): [number, OpRow] => [c, op(`SET${CC[k]!}`, 'Eb', bits.setcc)]),
  [0xa0, op('PUSH', 'FS', stack.pushSreg)],
  [0xa1, op('POP', 'FS', stack.popSreg)],
  [0xa2, op('CPUID', '', system.cpuid, { flags: F_486, clocks: { r: 14 } })],
  [0xa3, op('BT', 'Ev,Gv', bits.btG)],
  [0xa4, op('SHLD', 'Ev,Gv,Ib', shift.shld)],
  [0xa5, op('SHLD', 'Ev,Gv,CL', shift.shld)],
  [0xa8, op('PUSH', 'GS', stack.pushSreg)],
  [0xa9, op('POP', 'GS', stack.popSreg)],
  [0xab, op('BTS', 'Ev,Gv', bits.btG, { flags: LOCK })],
  [0xac, op('SHRD', 'Ev,Gv,Ib', shift.shrd)],
  [0xad, op('SHRD', 'Ev,Gv,CL', shift.shrd)],
  [0xaf, op('IMUL', 'Gv,Ev', muldiv.imulGvEv, { clocks16: 'IMUL Gw,Ew', clocks32: 'IMUL Gd,Ed' })],
  [0xb0, op('CMPXCHG', 'Eb,Gb', alu.cmpxchg, { flags: F_486 | LOCK, clocks: { r: 6, m: 8 } })],
  [0xb1, op('CMPXCHG', 'Ev,Gv', alu.cmpxchg, { flags: F_486 | LOCK, clocks: { r: 6, m: 8 } })],
  [0xb2, op('LSS', 'Gv,Mp', move.loadFarPointer, { flags: END })],
  [0xb3, op('BTR', 'Ev,Gv', bits.btG, { flags: LOCK })],
  [0xb4, op('LFS', 'Gv,Mp', move.loadFarPointer)],
  [0xb5, op('LGS', 'Gv,Mp', move.loadFarPointer)],
  [0xb6, op('MOVZX', 'Gv,Eb', move.movzxb)],
  [0xb7, op('MOVZX', 'Gv,Ew', move.movzxw)],
  [0xba, group([
    INVALID, INVALID, INVALID, INVALID,
    op('BT', 'Ev,Ib', bits.btI), op('BTS', 'Ev,Ib', bits.btI, { flags: LOCK }),
    op('BTR', 'Ev,Ib', bits.btI, { flags: LOCK }), op('BTC', 'Ev,Ib', bits.btI, { flags: LOCK }),
  ])],
  [0xbb, op('BTC', 'Ev,Gv', bits.btG, { flags: LOCK })],
  [0xbc, op('BSF', 'Gv,Ev', bits.bsf)],
  [0xbd, op('BSR', 'Gv,Ev', bits.bsr)],
  [0xbe, op('MOVSX', 'Gv,Eb', move.movsxb)],
  [0xbf, op('MOVSX', 'Gv,Ew', move.movsxw)],
  [0xc0, op('XADD', 'Eb,Gb', alu.xadd, { flags: F_486 | LOCK, clocks: { r: 3, m: 4 } })],
  [0xc1, op('XADD', 'Ev,Gv', alu.xadd, { flags: F_486 | LOCK, clocks: { r: 3, m: 4 } })],
  ...range(0xc8, 8).map((c, r): [number, OpRow] => [c, op('BSWAP', R32[r]!, bits.bswap, { flags: F_486, clocks: { r: 1 } })]),
], INVALID);
