// The shape of the opcode table (opcodes.ts) and the builder that turns its rows into what the
// decoder needs. A row names the instruction as the manual does — mnemonic and operands in the
// notation of the i386 PRM's Appendix A opcode map — and its handler. Everything else (does it
// have a ModRM byte, which immediates follow, its clock counts) is derived from that notation,
// so a row is the single place an instruction is described.
//
// Operand notation (i386 PRM Appendix A, "Codes for Addressing Method / Operand Type"):
//   E  ModRM r/m (register or memory)    G  ModRM reg (general register)   M  ModRM memory only
//   R  ModRM r/m, register only          S  ModRM reg as segment register  C/D/T  control/debug/test reg
//   I  immediate    J  relative branch displacement    O  moffs (offset in the address size)
//   A  far pointer (offset:selector)     X/Y  string source DS:eSI / destination ES:eDI
//   b byte  w word  d dword  v word or dword by operand size  p 32- or 48-bit pointer  a BOUND pair
//   s  (ts386) sign-extended: Ibs is a byte immediate sign-extended to the operand size
// Fixed operands are written as registers (AL, eAX, DX, CL, ES) or the constant 1.

import type { Handler } from './insn.ts';
import { CLOCKS, type Clocks } from './cycles.ts';

/** Immediate fields that follow the ModRM/SIB/displacement bytes, in encoding order. */
export const IMM_B = 1, IMM_BS = 2, IMM_W = 3, IMM_V = 4, IMM_VS = 5, IMM_A = 6, IMM_P = 7;

export const F_ENDS_BLOCK = 1 << 0; // transfers control or changes how later code decodes/runs
export const F_LOCK = 1 << 1; // LOCK is allowed (with a memory destination)
export const F_486 = 1 << 2; // exists on the 486 model only (#UD on a 386)
export const F_MEM_ONLY = 1 << 3; // ModRM must name memory (mod = 3 is #UD)
export const F_STRING = 1 << 4; // string instruction: REP prefixes apply
export const F_INVALID = 1 << 5; // no instruction: #UD
export const F_REG_ONLY = 1 << 6; // MOV CRn/DRn/TRn: ModRM.mod is ignored, r/m is always a register

export interface OpRow {
  readonly mnemonic: string;
  readonly operands: string;
  readonly handler: Handler;
  readonly flags: number;
  readonly modrm: boolean;
  readonly imms: readonly number[];
  readonly clocks: Clocks;
  /** Clock counts by operand size, where the 386 tables give them apart (MUL, DIV, IMUL). */
  readonly clocks16: Clocks;
  readonly clocks32: Clocks;
  /** For a group opcode: the eight rows selected by ModRM.reg. */
  readonly group: readonly OpRow[] | null;
}

export interface RowOptions {
  flags?: number;
  /** Key into CLOCKS when it differs from `${mnemonic} ${operands}`, or the counts themselves. */
  clocks?: string | Clocks;
  /** Keys for the 16- and 32-bit operand-size forms when their counts differ. */
  clocks16?: string;
  clocks32?: string;
}

// Operands that live in the ModRM byte; INVLPG's bare M (a memory operand of no size) is one too.
const MODRM_OPERAND = /^(?:[EGMRCDTS][a-z]|M$)/;

function immediatesOf(operands: string): number[] {
  const imms: number[] = [];
  for (const o of operands.split(',')) {
    switch (o) {
      case 'Ib': case 'Jb': imms.push(o === 'Jb' ? IMM_BS : IMM_B); break;
      case 'Ibs': imms.push(IMM_BS); break;
      case 'Iw': imms.push(IMM_W); break;
      case 'Iv': imms.push(IMM_V); break;
      case 'Jv': imms.push(IMM_VS); break;
      case 'Ob': case 'Ov': imms.push(IMM_A); break;
      case 'Ap': imms.push(IMM_P); break;
      default: break;
    }
  }
  return imms;
}

/** Clock counts used when a row names none that cycles.ts knows: flagged by a unit test. */
export const UNKNOWN_CLOCKS: Clocks = { r: 2 };

export function clocksFor(key: string): Clocks {
  return CLOCKS[key] ?? UNKNOWN_CLOCKS;
}

/** One table row. */
export function op(mnemonic: string, operands: string, handler: Handler, opts: RowOptions = {}): OpRow {
  const list = operands === '' ? [] : operands.split(',');
  const flags = (opts.flags ?? 0) | (list.some((o) => o.startsWith('M')) ? F_MEM_ONLY : 0) |
    (list.some((o) => o.startsWith('R')) ? F_REG_ONLY : 0);
  const key = opts.clocks ?? (operands ? `${mnemonic.split('|')[0]} ${operands}` : mnemonic.split('|')[0]!);
  // Rows whose counts differ by operand size name both; their default is the 32-bit form.
  const clocks = typeof key === 'string' ? (CLOCKS[key] ?? (opts.clocks32 ? clocksFor(opts.clocks32) : UNKNOWN_CLOCKS)) : key;
  return {
    mnemonic,
    operands,
    handler,
    flags,
    modrm: list.some((o) => MODRM_OPERAND.test(o)),
    imms: immediatesOf(operands),
    clocks,
    clocks16: opts.clocks16 ? clocksFor(opts.clocks16) : clocks,
    clocks32: opts.clocks32 ? clocksFor(opts.clocks32) : clocks,
    group: null,
  };
}

/** A group opcode: ModRM.reg picks one of eight rows (i386 PRM Appendix A, "Opcode Extensions"). */
export function group(rows: readonly OpRow[]): OpRow {
  if (rows.length !== 8) throw new Error(`a group has 8 members, not ${rows.length}`);
  return {
    mnemonic: '(group)', operands: '', handler: rows[0]!.handler, flags: 0, modrm: true, imms: [],
    clocks: UNKNOWN_CLOCKS, clocks16: UNKNOWN_CLOCKS, clocks32: UNKNOWN_CLOCKS, group: rows,
  };
}

/**
 * Builds a 256-entry map from [opcode, row] pairs; claiming an opcode twice is a mistake in the
 * table, so it throws, naming the opcode.
 */
export function buildMap(name: string, entries: ReadonlyArray<readonly [number, OpRow]>, fallback: OpRow): OpRow[] {
  const map: Array<OpRow | undefined> = new Array<OpRow | undefined>(256).fill(undefined);
  for (const [code, row] of entries) {
    if (map[code]) throw new Error(`${name}: entry for opcode 0x${code.toString(16)} already exists (${map[code]!.mnemonic})`);
    map[code] = row;
  }
  return map.map((r) => r ?? fallback);
}
