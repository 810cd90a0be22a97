// PLACEHOLDER: being implemented. Every handler raises #UD until then.
import { ud } from '../faults.ts';
import type { Insn } from '../insn.ts';
import type { Cpu } from '../state.ts';

export function setcc(_cpu: Cpu, i: Insn): void { throw ud(`setcc (opcode ${i.opcode.toString(16)}) not implemented`); }
export function btG(_cpu: Cpu, i: Insn): void { throw ud(`btG (opcode ${i.opcode.toString(16)}) not implemented`); }
export function btI(_cpu: Cpu, i: Insn): void { throw ud(`btI (opcode ${i.opcode.toString(16)}) not implemented`); }
export function bsf(_cpu: Cpu, i: Insn): void { throw ud(`bsf (opcode ${i.opcode.toString(16)}) not implemented`); }
export function bsr(_cpu: Cpu, i: Insn): void { throw ud(`bsr (opcode ${i.opcode.toString(16)}) not implemented`); }
export function bswap(_cpu: Cpu, i: Insn): void { throw ud(`bswap (opcode ${i.opcode.toString(16)}) not implemented`); }
