// PLACEHOLDER: being implemented. Every handler raises #UD until then.
import { ud } from '../faults.ts';
import type { Insn } from '../insn.ts';
import type { Cpu } from '../state.ts';

export function shiftEb1(_cpu: Cpu, i: Insn): void { throw ud(`shiftEb1 (opcode ${i.opcode.toString(16)}) not implemented`); }
export function shiftEv1(_cpu: Cpu, i: Insn): void { throw ud(`shiftEv1 (opcode ${i.opcode.toString(16)}) not implemented`); }
export function shiftEbCL(_cpu: Cpu, i: Insn): void { throw ud(`shiftEbCL (opcode ${i.opcode.toString(16)}) not implemented`); }
export function shiftEvCL(_cpu: Cpu, i: Insn): void { throw ud(`shiftEvCL (opcode ${i.opcode.toString(16)}) not implemented`); }
export function shiftEbIb(_cpu: Cpu, i: Insn): void { throw ud(`shiftEbIb (opcode ${i.opcode.toString(16)}) not implemented`); }
export function shiftEvIb(_cpu: Cpu, i: Insn): void { throw ud(`shiftEvIb (opcode ${i.opcode.toString(16)}) not implemented`); }
export function shld(_cpu: Cpu, i: Insn): void { throw ud(`shld (opcode ${i.opcode.toString(16)}) not implemented`); }
export function shrd(_cpu: Cpu, i: Insn): void { throw ud(`shrd (opcode ${i.opcode.toString(16)}) not implemented`); }
