// The disassembler, driven by the opcode table: a decoded Insn carries its row (opcodes.ts), and
// the row's operands, written in the i386 PRM's Appendix A notation, say how to print each one.
// Nothing here knows an opcode number (the coprocessor escape, which the table leaves to the 387,
// is printed as the 387 opcode it carries). The output is Intel syntax as `objdump -M intel`
// prints it (test/unit/emulator/cpu/objdump.test.ts holds the two side by side over a large
// corpus), so a trace line can be compared with GNU tools:
//
//   mov    eax,DWORD PTR [ebx+esi*4+0x10]     rep movsd DWORD PTR es:[edi],DWORD PTR ds:[esi]
//   jnz    0x1010                            add    BYTE PTR es:[bx+si-0x2],0x7f
//
// Mnemonics are the table's (JNZ, MOVSD, SETNB, where objdump says jne, movs, setae); the mnemonic
// is padded to seven columns before the operands, as objdump does.

import { IoPorts } from '../memory/ioports.ts';
import { PhysicalMemory } from '../memory/physical.ts';
import { BlockCache } from './blocks.ts';
import { CpuFault } from './faults.ts';
import { REP_NONE, REPE, REPNE, type Insn } from './insn.ts';
import { ONE_BYTE, TWO_BYTE } from './opcodes.ts';
import { F_INVALID, F_STRING } from './optable.ts';
import { REG16_NAMES, REG32_NAMES, REG8_NAMES, SEG_NAMES, ZERO } from './registers.ts';
import { Cpu } from './state.ts';

const PTR: Record<number, string> = { 8: 'BYTE PTR ', 16: 'WORD PTR ', 32: 'DWORD PTR ', 48: 'FWORD PTR ', 64: 'QWORD PTR ' };

const hex = (v: number): string => `0x${(v >>> 0).toString(16)}`;
const signedHex = (v: number): string => (v < 0 ? `-0x${(-v).toString(16)}` : `+0x${v.toString(16)}`);

function regName(r: number, size: number): string {
  return (size === 8 ? REG8_NAMES[r] : size === 16 ? REG16_NAMES[r] : REG32_NAMES[r]) ?? '?';
}

/** Operand size in bits named by an operand's type letter (b, w, d, v); 0 when it names none. */
function sizeOf(type: string, osize: number): number {
  switch (type) {
    case 'b': return 8;
    case 'w': return 16;
    case 'd': return 32;
    case 'v': return osize;
    default: return 0;
  }
}

/** A segment override prefix names the operand's segment; otherwise `def`, printed only when `show`. */
function segPrefix(i: Insn, def: string, show: boolean): string {
  if (i.segOverride >= 0) return `${SEG_NAMES[i.segOverride]!}:`;
  return show ? `${def}:` : '';
}

/**
 * The ModRM memory operand: `[base+index*scale±disp]`, or `ds:0x1234` for a bare displacement,
 * preceded by its size (`size` in bits; 0 for none, as LEA and LGDT have).
 */
function memOperand(i: Insn, size: number): string {
  const ptr = PTR[size] ?? '';
  const a32 = i.asize === 32;
  const names = a32 ? REG32_NAMES : REG16_NAMES;
  const parts: string[] = [];
  if (i.base !== ZERO) parts.push(names[i.base]!);
  if (i.index !== ZERO) parts.push(a32 ? `${names[i.index]!}*${1 << i.scale}` : names[i.index]!);
  if (parts.length === 0) {
    // Displacement only (16-bit mod 0 r/m 6; 32-bit mod 0 r/m 5, or a SIB with neither base nor index).
    return `${ptr}${segPrefix(i, 'ds', true)}${hex(a32 ? i.disp : i.disp & 0xffff)}`;
  }
  // A displacement is printed when the encoding has one (mod 1 or 2, or a SIB without base), even 0.
  const hasDisp = i.mod !== 0 || (a32 && i.base === ZERO);
  const disp = a32 ? i.disp | 0 : (i.disp << 16) >> 16;
  return `${ptr}${segPrefix(i, '', false)}[${parts.join('+')}${hasDisp ? signedHex(disp) : ''}]`;
}

/** The ModRM r/m operand of `size` bits: a register, or memory. */
function rmOperand(i: Insn, size: number): string {
  return i.isMem ? memOperand(i, size) : regName(i.rm, size);
}

/**
 * Renders one operand of the row, in Appendix A notation. `immIndex` says which immediate an I
 * operand is (ENTER Iw,Ib has two: imm, then imm2).
 */
function operand(i: Insn, o: string, eip: number, immIndex: number): string {
  // Fixed operands are upper case (AL, DX, ES, EAX) or e + upper case (eAX: AX or EAX by operand
  // size); an addressing method is one capital and its lower-case type (Ev, Ib), or LEA's bare M.
  if (!/^[A-Z](?:[a-z]|$)/.test(o)) return fixedOperand(o, i.osize);
  const kind = o[0]!;
  const type = o.slice(1);
  const osize = i.osize;
  switch (kind) {
    case 'E': return rmOperand(i, sizeOf(type, osize));
    case 'G': return regName(i.reg, sizeOf(type, osize));
    case 'R': return regName(i.rm, 32);
    case 'M':
      // Ma: BOUND's pair of bounds; Mp: a far pointer (offset and selector); M and Ms: no size.
      if (type === 'a') return memOperand(i, osize * 2);
      if (type === 'p') return memOperand(i, osize + 16);
      return memOperand(i, 0);
    case 'S': return SEG_NAMES[i.reg] ?? '?';
    case 'C': return `cr${i.reg}`;
    case 'D': return `dr${i.reg}`;
    case 'T': return `tr${i.reg}`;
    case 'I': {
      const v = immIndex === 0 ? i.imm : i.imm2;
      const size = type === 'bs' ? osize : sizeOf(type, osize);
      return hex(size === 32 ? v : v & ((1 << size) - 1));
    }
    case 'J': {
      // A 16-bit operand size wraps the new EIP to 16 bits (PRM "JMP", "Jcc").
      const target = eip + i.len + i.imm;
      return hex(osize === 32 ? target : target & 0xffff);
    }
    case 'O': return `${segPrefix(i, 'ds', true)}${hex(i.asize === 32 ? i.imm : i.imm & 0xffff)}`;
    case 'A': return `${hex(i.imm2)}:${hex(osize === 32 ? i.imm : i.imm & 0xffff)}`;
    case 'X': case 'Y': {
      // String operands: DS:eSI (which a segment override replaces) and ES:eDI (which it cannot).
      const ptr = PTR[sizeOf(type, osize)]!;
      const a = i.asize === 32 ? REG32_NAMES : REG16_NAMES;
      return kind === 'X' ? `${ptr}${segPrefix(i, 'ds', true)}[${a[6]!}]` : `${ptr}es:[${a[7]!}]`;
    }
    default: return '?';
  }
}

/** A fixed operand: eAX..eDI follow the operand size; AL, DX, CL, ES, EAX and 1 are themselves. */
function fixedOperand(o: string, osize: number): string {
  if (o.length === 3 && o[0] === 'e') return regName(REG32_NAMES.indexOf(o.toLowerCase() as 'eax'), osize);
  return o.toLowerCase();
}

/** The coprocessor escape D8-DF: the 387's opcode (low 3 opcode bits, ModRM.reg) and its operand. */
function esc(i: Insn): string {
  const n = ((i.opcode & 7) << 3) | i.reg;
  return `${hex(n)},${i.isMem ? memOperand(i, 0) : `st(${i.rm})`}`;
}

/** Whether the row has an operand that the segment override applies to. */
function usesSegment(operands: readonly string[], i: Insn): boolean {
  return operands.some((o) => o[0] === 'X' || o[0] === 'O' || (i.isMem && (o[0] === 'E' || o[0] === 'M')));
}

/**
 * Intel-syntax text of a decoded instruction at offset `eip` (branch targets are absolute).
 * Prefixes the instruction uses are part of its operands; LOCK, REP and a segment override that
 * nothing uses are printed before the mnemonic, as objdump does.
 */
export function disassemble(i: Insn, eip: number): string {
  const row = i.row;
  if (row === null || (row.flags & F_INVALID) !== 0) return '(bad)';
  const operands = row.operands === '' ? [] : row.operands.split(',');
  const names = row.mnemonic.split('|');
  // 'A|B' spells the 16- and 32-bit forms; JCXZ|JECXZ is chosen by the address size (it tests CX or ECX).
  const wide = operands[0]?.[0] === 'J' ? i.asize === 32 : i.osize === 32;
  let text = (names.length > 1 && wide ? names[1]! : names[0]!).toLowerCase();

  let prefix = '';
  if (i.lock) prefix += 'lock ';
  if (i.rep !== REP_NONE) {
    // objdump's names: F2 is repnz; F3 is rep on MOVS/STOS/LODS/INS/OUTS and repz where it tests ZF.
    const compares = (row.flags & F_STRING) !== 0 && (text.startsWith('cmps') || text.startsWith('scas'));
    prefix += i.rep === REPNE ? 'repnz ' : i.rep === REPE && (compares || (row.flags & F_STRING) === 0) ? 'repz ' : 'rep ';
  }
  if (i.segOverride >= 0 && !usesSegment(operands, i)) prefix += `${SEG_NAMES[i.segOverride]!} `;

  let args: string;
  if (text === 'esc') {
    args = esc(i);
  } else {
    let imms = 0;
    args = operands.map((o) => operand(i, o, eip, o[0] === 'I' ? imms++ : 0)).join(',');
  }
  text = prefix + text;
  return args === '' ? text : `${text.padEnd(6)} ${args}`;
}

/** A decoder over the opcode table with a CPU of its own, made on first use (486 model: every row decodes). */
const decoder: { cache: BlockCache | null } = { cache: null };

function blockCache(): BlockCache {
  if (decoder.cache === null) {
    const cpu = new Cpu(new PhysicalMemory(1 << 20), new IoPorts(), 486);
    decoder.cache = new BlockCache(cpu, ONE_BYTE, TWO_BYTE);
  }
  return decoder.cache;
}

/**
 * Disassembles the instruction at the start of `bytes` (16- or 32-bit code, at offset `eip`).
 * An invalid encoding, or one that runs past the end of `bytes`, is `(bad)` of length 1.
 */
export function disassembleBytes(bytes: Uint8Array, code32: boolean, eip = 0): { text: string; len: number } {
  let i: Insn;
  try {
    i = blockCache().decodeBytes(bytes, code32);
  } catch (e) {
    if (e instanceof CpuFault) return { text: '(bad)', len: 1 };
    throw e;
  }
  if (i.len > bytes.length) return { text: '(bad)', len: 1 };
  return { text: disassemble(i, eip), len: i.len };
}
