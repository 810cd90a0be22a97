// PLACEHOLDER: being implemented. Every handler raises #UD until then.
import { ud } from '../faults.ts';
import type { Insn } from '../insn.ts';
import type { Cpu } from '../state.ts';

export function ins(_cpu: Cpu, i: Insn): void { throw ud(`ins (opcode ${i.opcode.toString(16)}) not implemented`); }
export function outs(_cpu: Cpu, i: Insn): void { throw ud(`outs (opcode ${i.opcode.toString(16)}) not implemented`); }
export function movs(_cpu: Cpu, i: Insn): void { throw ud(`movs (opcode ${i.opcode.toString(16)}) not implemented`); }
export function cmps(_cpu: Cpu, i: Insn): void { throw ud(`cmps (opcode ${i.opcode.toString(16)}) not implemented`); }
export function stos(_cpu: Cpu, i: Insn): void { throw ud(`stos (opcode ${i.opcode.toString(16)}) not implemented`); }
export function lods(_cpu: Cpu, i: Insn): void { throw ud(`lods (opcode ${i.opcode.toString(16)}) not implemented`); }
export function scas(_cpu: Cpu, i: Insn): void { throw ud(`scas (opcode ${i.opcode.toString(16)}) not implemented`); }
