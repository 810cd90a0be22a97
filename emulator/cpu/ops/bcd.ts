// Decimal adjustment: DAA DAS (packed BCD in AL), AAA AAS AAM AAD (unpacked BCD in AL/AH).
//
// The rules are the "Operation" sections of the i386 PRM pages (chapter 17, "DAA", "DAS", "AAA",
// "AAS", "AAM", "AAD"). The flags the PRM leaves undefined are set as follows; the 80286
// conformance data masks exactly these, so it checks everything else:
// - DAA/DAS: OF as the ADD/SUB of the whole adjustment (0x06, 0x60 or 0x66) to/from AL would set it.
// - AAA/AAS: SF ZF PF from the new AL (after masking to its low nibble), OF = 0.
// - AAM: OF = AF = CF = 0. AAD: OF AF CF as the 8-bit ADD of AL and AH * imm that it performs.
// AAM with an immediate of 0 raises #DE (interrupt 0) before changing anything.

import { de } from '../faults.ts';
import { getAF, getCF, setFlagsAdd, setFlagsCustom } from '../flags.ts';
import type { Insn } from '../insn.ts';
import { AF, CF, type Cpu, OF } from '../state.ts';

// AL and AH are bytes 0 and 1 of the register file; AX is its first halfword.
const AL = 0, AH = 1;

/** 27: decimal adjust AL after an addition of packed BCD. */
export function daa(cpu: Cpu, _i: Insn): void {
  const old = cpu.reg8[AL]!;
  const oldCf = getCF(cpu);
  let al = old, cf = 0, af = 0;
  if ((old & 0x0f) > 9 || getAF(cpu)) {
    al = (al + 6) & 0xff;
    cf = oldCf | (old > 0xf9 ? 1 : 0);
    af = AF;
  }
  if (old > 0x99 || oldCf) {
    al = (al + 0x60) & 0xff;
    cf = 1;
  } else {
    cf = 0;
  }
  cpu.reg8[AL] = al;
  // ADD of a non-negative adjustment: OF when a positive AL became negative.
  const of = ~old & al & 0x80 ? OF : 0;
  setFlagsCustom(cpu, al, 8, (cf ? CF : 0) | af | of);
}

/** 2F: decimal adjust AL after a subtraction of packed BCD. */
export function das(cpu: Cpu, _i: Insn): void {
  const old = cpu.reg8[AL]!;
  const oldCf = getCF(cpu);
  let al = old, cf = 0, af = 0;
  if ((old & 0x0f) > 9 || getAF(cpu)) {
    al = (al - 6) & 0xff;
    cf = oldCf | (old < 6 ? 1 : 0);
    af = AF;
  }
  if (old > 0x99 || oldCf) {
    al = (al - 0x60) & 0xff;
    cf = 1;
  }
  cpu.reg8[AL] = al;
  // SUB of a non-negative adjustment: OF when a negative AL became positive.
  const of = old & ~al & 0x80 ? OF : 0;
  setFlagsCustom(cpu, al, 8, (cf ? CF : 0) | af | of);
}

/** 37: ASCII adjust AL after an addition: a decimal carry goes into AH. */
export function aaa(cpu: Cpu, _i: Insn): void {
  if ((cpu.reg8[AL]! & 0x0f) > 9 || getAF(cpu)) {
    // The 286 and 386 add 6 to all of AX (a carry out of AL reaches AH); the 8086 added it to AL.
    cpu.reg16[0] = cpu.reg16[0]! + 0x106;
    cpu.reg8[AL] = cpu.reg8[AL]! & 0x0f;
    setFlagsCustom(cpu, cpu.reg8[AL]!, 8, AF | CF);
  } else {
    cpu.reg8[AL] = cpu.reg8[AL]! & 0x0f;
    setFlagsCustom(cpu, cpu.reg8[AL]!, 8, 0);
  }
}

/** 3F: ASCII adjust AL after a subtraction: a decimal borrow comes from AH. */
export function aas(cpu: Cpu, _i: Insn): void {
  if ((cpu.reg8[AL]! & 0x0f) > 9 || getAF(cpu)) {
    cpu.reg16[0] = cpu.reg16[0]! - 0x106;
    cpu.reg8[AL] = cpu.reg8[AL]! & 0x0f;
    setFlagsCustom(cpu, cpu.reg8[AL]!, 8, AF | CF);
  } else {
    cpu.reg8[AL] = cpu.reg8[AL]! & 0x0f;
    setFlagsCustom(cpu, cpu.reg8[AL]!, 8, 0);
  }
}

/** D4 ib: AH = AL / imm, AL = AL % imm (imm is 10 in the documented form; any base works). */
export function aam(cpu: Cpu, i: Insn): void {
  const base = i.imm & 0xff;
  if (base === 0) throw de();
  const al = cpu.reg8[AL]!;
  const q = Math.floor(al / base);
  cpu.reg8[AH] = q;
  cpu.reg8[AL] = al - q * base;
  setFlagsCustom(cpu, cpu.reg8[AL]!, 8, 0);
}

/** D5 ib: AL = AL + AH * imm, AH = 0 (imm is 10 in the documented form). */
export function aad(cpu: Cpu, i: Insn): void {
  const base = i.imm & 0xff;
  const al = cpu.reg8[AL]!;
  const product = (cpu.reg8[AH]! * base) & 0xff;
  const r = (al + product) & 0xff;
  cpu.reg16[0] = r;
  setFlagsAdd(cpu, al, product, r, 8);
}
