// PLACEHOLDER: being implemented. Every handler raises #UD until then.
import { ud } from '../faults.ts';
import type { Insn } from '../insn.ts';
import type { Cpu } from '../state.ts';

export function mulE(_cpu: Cpu, i: Insn): void { throw ud(`mulE (opcode ${i.opcode.toString(16)}) not implemented`); }
export function imulE(_cpu: Cpu, i: Insn): void { throw ud(`imulE (opcode ${i.opcode.toString(16)}) not implemented`); }
export function divE(_cpu: Cpu, i: Insn): void { throw ud(`divE (opcode ${i.opcode.toString(16)}) not implemented`); }
export function idivE(_cpu: Cpu, i: Insn): void { throw ud(`idivE (opcode ${i.opcode.toString(16)}) not implemented`); }
export function imulGvEv(_cpu: Cpu, i: Insn): void { throw ud(`imulGvEv (opcode ${i.opcode.toString(16)}) not implemented`); }
export function imulGvEvI(_cpu: Cpu, i: Insn): void { throw ud(`imulGvEvI (opcode ${i.opcode.toString(16)}) not implemented`); }
