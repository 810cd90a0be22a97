// PLACEHOLDER: being implemented. Every handler raises #UD until then.
import { ud } from '../faults.ts';
import type { Insn } from '../insn.ts';
import type { Cpu } from '../state.ts';

export function daa(_cpu: Cpu, i: Insn): void { throw ud(`daa (opcode ${i.opcode.toString(16)}) not implemented`); }
export function das(_cpu: Cpu, i: Insn): void { throw ud(`das (opcode ${i.opcode.toString(16)}) not implemented`); }
export function aaa(_cpu: Cpu, i: Insn): void { throw ud(`aaa (opcode ${i.opcode.toString(16)}) not implemented`); }
export function aas(_cpu: Cpu, i: Insn): void { throw ud(`aas (opcode ${i.opcode.toString(16)}) not implemented`); }
export function aam(_cpu: Cpu, i: Insn): void { throw ud(`aam (opcode ${i.opcode.toString(16)}) not implemented`); }
export function aad(_cpu: Cpu, i: Insn): void { throw ud(`aad (opcode ${i.opcode.toString(16)}) not implemented`); }
