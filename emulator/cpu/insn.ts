// One decoded instruction. The decoder fills an Insn once, when it first meets the instruction,
// and the block cache keeps it; executing it is a call to `handler(cpu, insn)`. Every field is a
// number or a reference, so V8 gives all Insns one shape and every handler a monomorphic argument.

import type { Cpu } from './state.ts';
import { DS, ZERO } from './registers.ts';
import type { OpRow } from './optable.ts';

export type Handler = (cpu: Cpu, i: Insn) => void;

/** REP prefixes as they are encoded. */
export const REP_NONE = 0, REPNE = 0xf2, REPE = 0xf3;

export class Insn {
  handler: Handler;
  row: OpRow | null = null;
  /** Opcode: 0x00-0xFF for the one-byte map, 0x100-0x1FF for 0F xx. */
  opcode = 0;
  /** Length in bytes, prefixes included. */
  len = 0;
  /** Operand and address size in bits (16 or 32), after 66/67 prefixes. */
  osize = 32;
  asize = 32;
  /** Segment register of the memory operand (override, or the default for its base register). */
  seg = DS;
  /** Segment override prefix, or -1 (string instructions need to know there was none). */
  segOverride = -1;
  rep = REP_NONE;
  lock = false;
  /** ModRM fields (when the opcode has one). `reg` also selects the member of a group. */
  modrm = 0;
  mod = 0;
  reg = 0;
  rm = 0;
  /** True when the ModRM r/m operand is in memory; then base + (index << scale) + disp is its offset. */
  isMem = false;
  base = ZERO;
  index = ZERO;
  scale = 0;
  disp = 0;
  /** First immediate (sign-extended where the operand notation says so; a branch's displacement). */
  imm = 0;
  /** Second immediate: ENTER's nesting level, the selector of a far pointer. */
  imm2 = 0;
  /** Clock count charged when the instruction starts (register or memory form, from cycles.ts). */
  cycles = 0;
  /** Extra clocks per unit of work the handler charges itself (REP iterations, taken branches, ...). */
  cyclesExtra = 0;
  /** Protected mode's extra clocks, and the instruction's own handler, for rows with a pm count (pm-clocks.ts). */
  cyclesPm = 0;
  inner: Handler;

  constructor(handler: Handler) {
    this.handler = handler;
    this.inner = handler;
  }
}
