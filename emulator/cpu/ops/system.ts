// PLACEHOLDER: being implemented. Every handler raises #UD until then.
import { ud } from '../faults.ts';
import type { Insn } from '../insn.ts';
import type { Cpu } from '../state.ts';

export function invalid(_cpu: Cpu, i: Insn): void { throw ud(`invalid (opcode ${i.opcode.toString(16)}) not implemented`); }
export function arpl(_cpu: Cpu, i: Insn): void { throw ud(`arpl (opcode ${i.opcode.toString(16)}) not implemented`); }
export function wait(_cpu: Cpu, i: Insn): void { throw ud(`wait (opcode ${i.opcode.toString(16)}) not implemented`); }
export function sahf(_cpu: Cpu, i: Insn): void { throw ud(`sahf (opcode ${i.opcode.toString(16)}) not implemented`); }
export function lahf(_cpu: Cpu, i: Insn): void { throw ud(`lahf (opcode ${i.opcode.toString(16)}) not implemented`); }
export function esc(_cpu: Cpu, i: Insn): void { throw ud(`esc (opcode ${i.opcode.toString(16)}) not implemented`); }
export function hlt(_cpu: Cpu, i: Insn): void { throw ud(`hlt (opcode ${i.opcode.toString(16)}) not implemented`); }
export function cmc(_cpu: Cpu, i: Insn): void { throw ud(`cmc (opcode ${i.opcode.toString(16)}) not implemented`); }
export function clc(_cpu: Cpu, i: Insn): void { throw ud(`clc (opcode ${i.opcode.toString(16)}) not implemented`); }
export function stc(_cpu: Cpu, i: Insn): void { throw ud(`stc (opcode ${i.opcode.toString(16)}) not implemented`); }
export function cli(_cpu: Cpu, i: Insn): void { throw ud(`cli (opcode ${i.opcode.toString(16)}) not implemented`); }
export function sti(_cpu: Cpu, i: Insn): void { throw ud(`sti (opcode ${i.opcode.toString(16)}) not implemented`); }
export function cld(_cpu: Cpu, i: Insn): void { throw ud(`cld (opcode ${i.opcode.toString(16)}) not implemented`); }
export function std(_cpu: Cpu, i: Insn): void { throw ud(`std (opcode ${i.opcode.toString(16)}) not implemented`); }
export function sldt(_cpu: Cpu, i: Insn): void { throw ud(`sldt (opcode ${i.opcode.toString(16)}) not implemented`); }
export function str(_cpu: Cpu, i: Insn): void { throw ud(`str (opcode ${i.opcode.toString(16)}) not implemented`); }
export function lldt(_cpu: Cpu, i: Insn): void { throw ud(`lldt (opcode ${i.opcode.toString(16)}) not implemented`); }
export function ltr(_cpu: Cpu, i: Insn): void { throw ud(`ltr (opcode ${i.opcode.toString(16)}) not implemented`); }
export function verr(_cpu: Cpu, i: Insn): void { throw ud(`verr (opcode ${i.opcode.toString(16)}) not implemented`); }
export function verw(_cpu: Cpu, i: Insn): void { throw ud(`verw (opcode ${i.opcode.toString(16)}) not implemented`); }
export function sgdt(_cpu: Cpu, i: Insn): void { throw ud(`sgdt (opcode ${i.opcode.toString(16)}) not implemented`); }
export function sidt(_cpu: Cpu, i: Insn): void { throw ud(`sidt (opcode ${i.opcode.toString(16)}) not implemented`); }
export function lgdt(_cpu: Cpu, i: Insn): void { throw ud(`lgdt (opcode ${i.opcode.toString(16)}) not implemented`); }
export function lidt(_cpu: Cpu, i: Insn): void { throw ud(`lidt (opcode ${i.opcode.toString(16)}) not implemented`); }
export function smsw(_cpu: Cpu, i: Insn): void { throw ud(`smsw (opcode ${i.opcode.toString(16)}) not implemented`); }
export function lmsw(_cpu: Cpu, i: Insn): void { throw ud(`lmsw (opcode ${i.opcode.toString(16)}) not implemented`); }
export function invlpg(_cpu: Cpu, i: Insn): void { throw ud(`invlpg (opcode ${i.opcode.toString(16)}) not implemented`); }
export function lar(_cpu: Cpu, i: Insn): void { throw ud(`lar (opcode ${i.opcode.toString(16)}) not implemented`); }
export function lsl(_cpu: Cpu, i: Insn): void { throw ud(`lsl (opcode ${i.opcode.toString(16)}) not implemented`); }
export function clts(_cpu: Cpu, i: Insn): void { throw ud(`clts (opcode ${i.opcode.toString(16)}) not implemented`); }
export function invd(_cpu: Cpu, i: Insn): void { throw ud(`invd (opcode ${i.opcode.toString(16)}) not implemented`); }
export function movRdCd(_cpu: Cpu, i: Insn): void { throw ud(`movRdCd (opcode ${i.opcode.toString(16)}) not implemented`); }
export function movRdDd(_cpu: Cpu, i: Insn): void { throw ud(`movRdDd (opcode ${i.opcode.toString(16)}) not implemented`); }
export function movCdRd(_cpu: Cpu, i: Insn): void { throw ud(`movCdRd (opcode ${i.opcode.toString(16)}) not implemented`); }
export function movDdRd(_cpu: Cpu, i: Insn): void { throw ud(`movDdRd (opcode ${i.opcode.toString(16)}) not implemented`); }
export function movRdTd(_cpu: Cpu, i: Insn): void { throw ud(`movRdTd (opcode ${i.opcode.toString(16)}) not implemented`); }
export function movTdRd(_cpu: Cpu, i: Insn): void { throw ud(`movTdRd (opcode ${i.opcode.toString(16)}) not implemented`); }
export function cpuid(_cpu: Cpu, i: Insn): void { throw ud(`cpuid (opcode ${i.opcode.toString(16)}) not implemented`); }
