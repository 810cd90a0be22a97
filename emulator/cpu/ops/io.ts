// PLACEHOLDER: being implemented. Every handler raises #UD until then.
import { ud } from '../faults.ts';
import type { Insn } from '../insn.ts';
import type { Cpu } from '../state.ts';

export function inImm(_cpu: Cpu, i: Insn): void { throw ud(`inImm (opcode ${i.opcode.toString(16)}) not implemented`); }
export function outImm(_cpu: Cpu, i: Insn): void { throw ud(`outImm (opcode ${i.opcode.toString(16)}) not implemented`); }
export function inDX(_cpu: Cpu, i: Insn): void { throw ud(`inDX (opcode ${i.opcode.toString(16)}) not implemented`); }
export function outDX(_cpu: Cpu, i: Insn): void { throw ud(`outDX (opcode ${i.opcode.toString(16)}) not implemented`); }
