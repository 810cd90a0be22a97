// PLACEHOLDER: being implemented. Every handler raises #UD until then.
import { ud } from '../faults.ts';
import type { Insn } from '../insn.ts';
import type { Cpu } from '../state.ts';

export function pushSreg(_cpu: Cpu, i: Insn): void { throw ud(`pushSreg (opcode ${i.opcode.toString(16)}) not implemented`); }
export function popSreg(_cpu: Cpu, i: Insn): void { throw ud(`popSreg (opcode ${i.opcode.toString(16)}) not implemented`); }
export function pushReg(_cpu: Cpu, i: Insn): void { throw ud(`pushReg (opcode ${i.opcode.toString(16)}) not implemented`); }
export function popReg(_cpu: Cpu, i: Insn): void { throw ud(`popReg (opcode ${i.opcode.toString(16)}) not implemented`); }
export function pusha(_cpu: Cpu, i: Insn): void { throw ud(`pusha (opcode ${i.opcode.toString(16)}) not implemented`); }
export function popa(_cpu: Cpu, i: Insn): void { throw ud(`popa (opcode ${i.opcode.toString(16)}) not implemented`); }
export function pushImm(_cpu: Cpu, i: Insn): void { throw ud(`pushImm (opcode ${i.opcode.toString(16)}) not implemented`); }
export function popEv(_cpu: Cpu, i: Insn): void { throw ud(`popEv (opcode ${i.opcode.toString(16)}) not implemented`); }
export function pushf(_cpu: Cpu, i: Insn): void { throw ud(`pushf (opcode ${i.opcode.toString(16)}) not implemented`); }
export function popf(_cpu: Cpu, i: Insn): void { throw ud(`popf (opcode ${i.opcode.toString(16)}) not implemented`); }
export function enter(_cpu: Cpu, i: Insn): void { throw ud(`enter (opcode ${i.opcode.toString(16)}) not implemented`); }
export function leave(_cpu: Cpu, i: Insn): void { throw ud(`leave (opcode ${i.opcode.toString(16)}) not implemented`); }
export function pushEv(_cpu: Cpu, i: Insn): void { throw ud(`pushEv (opcode ${i.opcode.toString(16)}) not implemented`); }
