// Instruction decoding (i386 PRM chapter 17.2, "Instruction Format"):
//
//   [prefixes]  [0F] opcode  [ModRM]  [SIB]  [displacement]  [immediates]
//    0-14 bytes                                      at most 15 bytes in all
//
// decode() reads one instruction through a CodeFetcher and fills an Insn. Everything the decoder
// can know is settled here (operand and address size, segment, effective-address parts, immediates,
// clock count), so that executing the Insn later does no decoding at all. A fault while fetching
// (#PF, #GP beyond CS's limit) or an encoding that is invalid whatever the state (#UD) is thrown
// from here; the block builder turns that into "end the block before this instruction" unless it
// is the instruction about to execute.

import { gp, ud } from './faults.ts';
import { REP_NONE, type Insn } from './insn.ts';
import { chargeProtectedMode, PM_CLOCKED } from './pm-clocks.ts';
import { F_486, F_INVALID, F_LOCK, F_REG_ONLY, F_MEM_ONLY, IMM_A, IMM_B, IMM_BS, IMM_P, IMM_V, IMM_VS, IMM_W, type OpRow } from './optable.ts';
import { ACCESS_EXEC, translate } from './paging.ts';
import { CS, DS, EBP, EBX, EDI, ESI, ESP, SS, ZERO } from './registers.ts';
import type { Cpu } from './state.ts';
import { TLB_PAGE_MASK, TLB_SLOW } from './tlb.ts';

/** The maximum length of an i386 instruction; a longer one raises #GP(0). */
export const MAX_INSN_LEN = 15;

/** Reads code bytes at CS:EIP+k with CS limit checks, through the TLB; notes which pages it touched. */
export class CodeFetcher {
  cpu: Cpu;
  /** Offset (EIP) of the instruction's first byte. */
  start = 0;
  pos = 0;
  /** Physical page of the first and of the last byte fetched. */
  firstPhysPage = -1;
  lastPhysPage = -1;
  /** For tests and the disassembler: fetch from this array instead of memory. */
  bytes: Uint8Array | null = null;

  constructor(cpu: Cpu) {
    this.cpu = cpu;
  }

  begin(eip: number): void {
    this.start = eip;
    this.pos = 0;
    this.firstPhysPage = -1;
    this.lastPhysPage = -1;
  }

  next(): number {
    if (this.pos >= MAX_INSN_LEN) throw gp(0, 'instruction longer than 15 bytes');
    const k = this.pos++;
    if (this.bytes) return k < this.bytes.length ? this.bytes[k]! : 0;
    const cpu = this.cpu;
    const off = cpu.code32 ? (this.start + k) >>> 0 : (this.start + k) & 0xffff;
    if (off > cpu.segLimit[CS]!) throw gp(0, `code fetch at offset 0x${off.toString(16)} beyond CS limit 0x${cpu.segLimit[CS]!.toString(16)}`);
    const lin = (cpu.segBase[CS]! + off) | 0;
    const e = translate(cpu, lin, ACCESS_EXEC);
    const phys = (e & TLB_PAGE_MASK) | (lin & 0xfff);
    const page = phys >>> 12;
    if (this.firstPhysPage < 0) this.firstPhysPage = page;
    this.lastPhysPage = page;
    return (e & TLB_SLOW) === 0 ? cpu.mem8[phys]! : cpu.phys.read8(phys >>> 0);
  }

  /** Little-endian immediate of `n` bytes. */
  nextN(n: number): number {
    let v = 0;
    for (let s = 0; s < n; s++) v |= this.next() << (8 * s);
    return v;
  }
}

// 16-bit effective addresses (i386 PRM Table 17-2): base and index by r/m.
const BASE16 = [EBX, EBX, EBP, EBP, ESI, EDI, EBP, EBX] as const;
const INDEX16 = [ESI, EDI, ESI, EDI, ZERO, ZERO, ZERO, ZERO] as const;

/**
 * A SIB byte with no index (index field 100b) and a scale other than 1: the manual leaves the
 * address undefined ("When no index register is used, the ss value must be 00 or the effective
 * address is undefined"). The 386 applies the scale to the base register, base * scale + disp;
 * the 486 and later ignore it. The base moves into the index slot, so ea() computes that with no
 * work at run time; the default segment stays the base's (SS for ESP and EBP).
 */
function scaleBase(i: Insn): void {
  i.index = i.base;
  i.base = ZERO;
}

/**
 * Decodes the instruction at the fetcher's position into `i`, using the one-byte and 0F maps.
 * Throws CpuFault for fetch faults, over-long instructions and invalid encodings.
 */
export function decode(cpu: Cpu, f: CodeFetcher, i: Insn, oneByte: readonly OpRow[], twoByte: readonly OpRow[]): void {
  const code32 = cpu.code32;
  let osize = code32 ? 32 : 16;
  let asize = osize;
  let segOverride = -1;
  let rep = REP_NONE;
  let lock = false;
  let b: number;

  prefixes: for (;;) {
    b = f.next();
    switch (b) {
      case 0x26: segOverride = 0; break; // ES
      case 0x2e: segOverride = 1; break; // CS
      case 0x36: segOverride = 2; break; // SS
      case 0x3e: segOverride = 3; break; // DS
      case 0x64: segOverride = 4; break; // FS
      case 0x65: segOverride = 5; break; // GS
      case 0x66: osize = code32 ? 16 : 32; break;
      case 0x67: asize = code32 ? 16 : 32; break;
      case 0xf0: lock = true; break;
      case 0xf2: case 0xf3: rep = b; break;
      default: break prefixes;
    }
  }

  let opcode = b;
  let row = oneByte[b]!;
  if (b === 0x0f) {
    const b2 = f.next();
    opcode = 0x100 | b2;
    row = twoByte[b2]!;
  }

  i.opcode = opcode;
  i.osize = osize;
  i.asize = asize;
  i.segOverride = segOverride;
  i.rep = rep;
  i.lock = lock;
  i.isMem = false;
  i.base = ZERO;
  i.index = ZERO;
  i.scale = 0;
  i.disp = 0;
  i.imm = 0;
  i.imm2 = 0;
  i.modrm = i.mod = i.reg = i.rm = 0;
  let seg = DS;

  if (row.modrm) {
    const m = f.next();
    i.modrm = m;
    const mod = m >> 6;
    i.mod = mod;
    i.reg = (m >> 3) & 7;
    i.rm = m & 7;
    if (row.group) row = row.group[i.reg]!;
    if (mod !== 3 && (row.flags & F_REG_ONLY) === 0) {
      i.isMem = true;
      const rm = m & 7;
      if (asize === 16) {
        if (mod === 0 && rm === 6) {
          i.disp = f.nextN(2);
        } else {
          i.base = BASE16[rm]!;
          i.index = INDEX16[rm]!;
          if (rm === 2 || rm === 3 || rm === 6) seg = SS;
          if (mod === 1) i.disp = (f.next() << 24) >> 24;
          else if (mod === 2) i.disp = f.nextN(2);
        }
      } else {
        let base = rm;
        if (rm === 4) {
          const sib = f.next();
          i.scale = sib >> 6;
          const index = (sib >> 3) & 7;
          i.index = index === 4 ? ZERO : index;
          base = sib & 7;
        }
        if (mod === 0 && base === 5) {
          i.base = ZERO;
          i.disp = f.nextN(4) | 0;
        } else {
          i.base = base;
          if (base === ESP || base === EBP) seg = SS;
          if (mod === 1) i.disp = (f.next() << 24) >> 24;
          else if (mod === 2) i.disp = f.nextN(4) | 0;
          if (rm === 4 && i.index === ZERO && i.scale !== 0 && cpu.model === 386) scaleBase(i);
        }
      }
    }
  }
  i.seg = segOverride >= 0 ? segOverride : seg;

  const imms = row.imms;
  for (let k = 0; k < imms.length; k++) {
    let v: number;
    switch (imms[k]) {
      case IMM_B: v = f.next(); break;
      case IMM_BS: v = (f.next() << 24) >> 24; break;
      case IMM_W: v = f.nextN(2); break;
      case IMM_V: v = osize === 32 ? f.nextN(4) | 0 : f.nextN(2); break;
      case IMM_VS: v = osize === 32 ? f.nextN(4) | 0 : (f.nextN(2) << 16) >> 16; break;
      case IMM_A: v = asize === 32 ? f.nextN(4) | 0 : f.nextN(2); break;
      case IMM_P: // far pointer: offset then selector
        v = osize === 32 ? f.nextN(4) | 0 : f.nextN(2);
        i.imm2 = f.nextN(2);
        break;
      default: v = 0;
    }
    if (k === 0) i.imm = v;
    else i.imm2 = v;
  }

  i.len = f.pos;
  i.row = row;
  i.handler = row.handler;
  const clocks = osize === 32 ? row.clocks32 : row.clocks16;
  i.cycles = i.isMem && clocks.m !== undefined ? clocks.m : clocks.r;
  // What the handler adds when the work varies: a taken branch, each REP iteration.
  i.cyclesExtra = clocks.taken !== undefined ? clocks.taken - clocks.r : 0;
  if (clocks.perIter !== undefined && rep !== REP_NONE) {
    i.cycles = clocks.repBase ?? clocks.r;
    i.cyclesExtra = clocks.perIter;
  }
  if (PM_CLOCKED.has(clocks)) {
    i.cyclesPm = clocks.pm! - i.cycles;
    i.inner = i.handler;
    i.handler = chargeProtectedMode;
  }

  // Encodings that are invalid in every state raise #UD (i386 PRM, "Invalid Opcode").
  const flags = row.flags;
  if ((flags & F_INVALID) !== 0) throw ud(`undefined opcode ${opcode > 0xff ? '0F ' : ''}${(opcode & 0xff).toString(16).padStart(2, '0')}${row.modrm ? ` /${i.reg}` : ''}`);
  if ((flags & F_486) !== 0 && cpu.model === 386) throw ud(`${row.mnemonic} is a 486 instruction`);
  if ((flags & F_MEM_ONLY) !== 0 && !i.isMem) throw ud(`${row.mnemonic} needs a memory operand`);
  // LOCK is allowed only on the read-modify-write instructions, with a memory destination.
  if (lock && ((flags & F_LOCK) === 0 || !i.isMem)) throw ud(`LOCK prefix on ${row.mnemonic}`);
}

