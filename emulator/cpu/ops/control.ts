// JMP Jcc CALL RET (near and far), LOOP LOOPE LOOPNE JCXZ, INT n INT3 INTO INT1 IRET, BOUND.
//
// When a handler runs, cpu.eip already points past the instruction (step.ts), so a relative
// branch adds its displacement to cpu.eip. A near target is truncated to the operand size and must
// lie within CS's limit (#GP(0) otherwise, raised by the branch itself).

import { readSys32 } from '../access.ts';
import { CpuFault, gp, np, ss, Vector } from '../faults.ts';
import { getOF, materializeFlags, testCC } from '../flags.ts';
import type { Insn } from '../insn.ts';
import { INT_SOFTWARE, interrupt } from '../interrupts.ts';
import { ea, readE, readMem, readMem16, sext } from '../operands.ts';
import { CS, DS, ECX, ES, FS, GS, SS } from '../registers.ts';
import { descriptorAddress, isProtected, loadCodeSegment, loadSegmentReal, parseDescriptor, setSegmentCache, updateSegmentBounds, type Descriptor } from '../segments.ts';
import { getSP, peek, push, setSP, spAdd } from '../stack.ts';
import { AC, type Cpu, EFLAGS_FIXED, IF, IOPL, NT, RF, SEG_CODE, SEG_CONFORMING, VM } from '../state.ts';
import { updateAccessMasks } from '../tlb.ts';

/** Sets EIP to a near target, checking it against CS's limit. */
export function jumpNear(cpu: Cpu, target: number, osize: number): void {
  const t = osize === 32 ? target | 0 : target & 0xffff;
  if (t >>> 0 > cpu.segLimit[CS]!) throw gp(0, `jump to 0x${(t >>> 0).toString(16)} beyond CS limit 0x${cpu.segLimit[CS]!.toString(16)}`);
  cpu.eip = t;
}

/** 70-7F, 0F 80-8F: the condition is the low nibble of the opcode. */
export function jcc(cpu: Cpu, i: Insn): void {
  if (testCC(cpu, i.opcode & 0xf)) {
    jumpNear(cpu, cpu.eip + i.imm, i.osize);
    cpu.cycles += i.cyclesExtra;
  }
}

/** E9, EB: JMP rel. */
export function jmpNear(cpu: Cpu, i: Insn): void {
  jumpNear(cpu, cpu.eip + i.imm, i.osize);
}

/** FF /4: JMP r/m. */
export function jmpNearIndirect(cpu: Cpu, i: Insn): void {
  jumpNear(cpu, readE(cpu, i, i.osize === 32 ? 32 : 16), i.osize);
}

/** E8: CALL rel — push the return address, then jump (the push faults first if it must). */
export function callNear(cpu: Cpu, i: Insn): void {
  const target = i.osize === 32 ? (cpu.eip + i.imm) | 0 : (cpu.eip + i.imm) & 0xffff;
  if (target >>> 0 > cpu.segLimit[CS]!) throw gp(0, `call to 0x${(target >>> 0).toString(16)} beyond CS limit`);
  push(cpu, cpu.eip, i.osize);
  cpu.eip = target;
}

/** FF /2: CALL r/m. */
export function callNearIndirect(cpu: Cpu, i: Insn): void {
  const target = readE(cpu, i, i.osize === 32 ? 32 : 16);
  if (target >>> 0 > cpu.segLimit[CS]!) throw gp(0, `call to 0x${(target >>> 0).toString(16)} beyond CS limit`);
  push(cpu, cpu.eip, i.osize);
  cpu.eip = target;
}

/** C3, C2 Iw: RET, optionally releasing Iw bytes of parameters. */
export function retNear(cpu: Cpu, i: Insn): void {
  const target = peek(cpu, 0, i.osize);
  const t = i.osize === 32 ? target : target & 0xffff;
  if (t >>> 0 > cpu.segLimit[CS]!) throw gp(0, `return to 0x${(t >>> 0).toString(16)} beyond CS limit`);
  setSP(cpu, spAdd(cpu, getSP(cpu), (i.osize >> 3) + (i.opcode === 0xc2 ? i.imm & 0xffff : 0)));
  cpu.eip = t;
}

/** E0-E2: LOOPNE, LOOPE, LOOP — decrement CX/ECX (by address size) and branch while non-zero. */
export function loop(cpu: Cpu, i: Insn): void {
  let count: number;
  if (i.asize === 32) count = cpu.reg[ECX] = (cpu.reg[ECX]! - 1) | 0;
  else count = cpu.reg16[ECX << 1] = (cpu.reg16[ECX << 1]! - 1) & 0xffff;
  let take = count !== 0;
  if (i.opcode === 0xe0) take &&= !testCC(cpu, 4); // LOOPNE: while ZF = 0
  else if (i.opcode === 0xe1) take &&= testCC(cpu, 4); // LOOPE: while ZF = 1
  if (take) {
    jumpNear(cpu, cpu.eip + i.imm, i.osize);
    cpu.cycles += i.cyclesExtra;
  }
}

/** E3: JCXZ / JECXZ (the address size picks CX or ECX). */
export function jcxz(cpu: Cpu, i: Insn): void {
  const count = i.asize === 32 ? cpu.reg[ECX]! : cpu.reg16[ECX << 1]!;
  if (count === 0) {
    jumpNear(cpu, cpu.eip + i.imm, i.osize);
    cpu.cycles += i.cyclesExtra;
  }
}

// --- software interrupts ---------------------------------------------------------------------

/** CD ib. In virtual-8086 mode with IOPL < 3, INT n is #GP(0) (i386 PRM 15.2.3). */
export function intIb(cpu: Cpu, i: Insn): void {
  if ((cpu.flags & VM) !== 0 && (cpu.flags & IOPL) !== IOPL) throw gp(0, 'INT n in virtual-8086 mode with IOPL < 3');
  interrupt(cpu, i.imm & 0xff, -1, INT_SOFTWARE);
}
export function int3(cpu: Cpu, _i: Insn): void {
  interrupt(cpu, Vector.BP, -1, INT_SOFTWARE);
}
/** F1: the undocumented single-byte INT 1 (ICEBP); it behaves as an external #DB, without the gate-DPL check. */
export function int1(cpu: Cpu, _i: Insn): void {
  interrupt(cpu, Vector.DB, -1, 2);
}
/** CE: INTO traps to vector 4 when OF is set. */
export function into(cpu: Cpu, i: Insn): void {
  if (getOF(cpu)) {
    cpu.cycles += i.cyclesExtra;
    interrupt(cpu, Vector.OF, -1, INT_SOFTWARE);
  }
}

/** 62: BOUND — #BR (a fault: the pushed EIP is BOUND's) unless lower <= index <= upper, signed. */
export function bound(cpu: Cpu, i: Insn): void {
  const size = i.osize === 32 ? 32 : 16;
  const off = ea(cpu, i);
  const lower = sext(readMem(cpu, i.seg, off, size), size);
  const upper = sext(readMem(cpu, i.seg, i.asize === 32 ? (off + (size >> 3)) | 0 : (off + (size >> 3)) & 0xffff, size), size);
  const index = sext(size === 32 ? cpu.reg[i.reg]! : cpu.reg16[i.reg << 1]!, size);
  if (index < lower || index > upper) throw new CpuFault(Vector.BR);
}

// --- far transfers ---------------------------------------------------------------------------------

/**
 * Reads and checks the code segment descriptor for a far JMP or CALL straight to a code segment
 * (i386 PRM 6.3.4.1, "Direct Calls or Jumps to Code Segments"): conforming DPL <= CPL, non-
 * conforming RPL <= CPL and DPL == CPL. Gates and task switches are not handled here.
 */
function farTargetDescriptor(cpu: Cpu, sel: number): Descriptor {
  if ((sel & ~3) === 0) throw gp(0, 'far transfer to a null selector');
  const addr = descriptorAddress(cpu, sel);
  const d = parseDescriptor(readSys32(cpu, addr), readSys32(cpu, addr + 4));
  if (!d.s) throw gp(sel & 0xfffc, `far transfer through system descriptor type ${d.type} (gates and task switches are not implemented yet)`);
  if ((d.type & 8) === 0) throw gp(sel & 0xfffc, `far transfer to data segment 0x${sel.toString(16)}`);
  const conforming = (d.type & 4) !== 0;
  if (conforming ? d.dpl > cpu.cpl : (sel & 3) > cpu.cpl || d.dpl !== cpu.cpl) {
    throw gp(sel & 0xfffc, `far transfer to 0x${sel.toString(16)} (DPL ${d.dpl}) from CPL ${cpu.cpl}`);
  }
  if (!d.present) throw np(sel & 0xfffc, `code segment 0x${sel.toString(16)} not present`);
  return d;
}

function farJump(cpu: Cpu, sel: number, offset: number, osize: number): void {
  const off = osize === 32 ? offset | 0 : offset & 0xffff;
  if (!isProtected(cpu)) {
    if (off >>> 0 > cpu.segLimit[CS]!) throw gp(0, 'far jump beyond CS limit');
    loadCodeSegment(cpu, sel, null);
  } else {
    const d = farTargetDescriptor(cpu, sel);
    if (off >>> 0 > d.limit) throw gp(0, `far jump to offset 0x${(off >>> 0).toString(16)} beyond limit 0x${d.limit.toString(16)}`);
    loadCodeSegment(cpu, sel, d);
  }
  cpu.eip = off;
}

function farCall(cpu: Cpu, sel: number, offset: number, osize: number): void {
  const off = osize === 32 ? offset | 0 : offset & 0xffff;
  let d: Descriptor | null = null;
  if (isProtected(cpu)) {
    d = farTargetDescriptor(cpu, sel);
    if (off >>> 0 > d.limit) throw gp(0, 'far call beyond the target segment limit');
  } else if (off >>> 0 > cpu.segLimit[CS]!) {
    throw gp(0, 'far call beyond CS limit');
  }
  // Push CS then EIP, committing ESP only after both writes succeeded.
  const sp = getSP(cpu);
  push(cpu, cpu.seg[CS]!, osize);
  try {
    push(cpu, cpu.eip, osize);
  } catch (e) {
    setSP(cpu, sp);
    throw e;
  }
  loadCodeSegment(cpu, sel, d);
  cpu.eip = off;
}

/** EA: JMP ptr16:16/32. */
export function jmpFar(cpu: Cpu, i: Insn): void { farJump(cpu, i.imm2 & 0xffff, i.imm, i.osize); }
/** 9A: CALL ptr16:16/32. */
export function callFar(cpu: Cpu, i: Insn): void { farCall(cpu, i.imm2 & 0xffff, i.imm, i.osize); }

function readFarPointer(cpu: Cpu, i: Insn): [number, number] {
  const size = i.osize === 32 ? 32 : 16;
  const off = ea(cpu, i);
  const offset = readMem(cpu, i.seg, off, size);
  const sel = readMem16(cpu, i.seg, i.asize === 32 ? (off + (size >> 3)) | 0 : (off + (size >> 3)) & 0xffff);
  return [sel, offset];
}
/** FF /5: JMP m16:16/32. */
export function jmpFarIndirect(cpu: Cpu, i: Insn): void {
  const [sel, offset] = readFarPointer(cpu, i);
  farJump(cpu, sel, offset, i.osize);
}
/** FF /3: CALL m16:16/32. */
export function callFarIndirect(cpu: Cpu, i: Insn): void {
  const [sel, offset] = readFarPointer(cpu, i);
  farCall(cpu, sel, offset, i.osize);
}

/**
 * CB, CA Iw: RETF. In protected mode a return to an outer privilege level also pops SS:ESP and
 * nulls the data segment registers the outer level may not use (i386 PRM 6.3.4.3, "Returning
 * from a Procedure").
 */
export function retFar(cpu: Cpu, i: Insn): void {
  const osize = i.osize;
  const w = osize >> 3;
  const release = i.opcode === 0xca ? i.imm & 0xffff : 0;
  const offset = peek(cpu, 0, osize);
  const sel = peek(cpu, w, osize) & 0xffff;
  const off = osize === 32 ? offset : offset & 0xffff;
  if (!isProtected(cpu)) {
    if (off >>> 0 > cpu.segLimit[CS]!) throw gp(0, 'far return beyond CS limit');
    setSP(cpu, spAdd(cpu, getSP(cpu), 2 * w + release));
    loadCodeSegment(cpu, sel, null);
    cpu.eip = off;
    return;
  }
  const rpl = sel & 3;
  if (rpl < cpu.cpl) throw gp(sel & 0xfffc, `far return to RPL ${rpl} from CPL ${cpu.cpl}`);
  const d = returnCodeDescriptor(cpu, sel);
  if (off >>> 0 > d.limit) throw gp(0, 'far return beyond the target segment limit');
  if (rpl === cpu.cpl) {
    setSP(cpu, spAdd(cpu, getSP(cpu), 2 * w + release));
    loadCodeSegment(cpu, sel, d);
    cpu.eip = off;
    return;
  }
  // Outer level: SS:ESP follow the parameters.
  const newSp = peek(cpu, 2 * w + release, osize);
  const newSs = peek(cpu, 3 * w + release, osize) & 0xffff;
  returnToOuterLevel(cpu, sel, d, off, newSs, newSp, release);
}

function returnCodeDescriptor(cpu: Cpu, sel: number): Descriptor {
  if ((sel & ~3) === 0) throw gp(0, 'return to a null selector');
  const addr = descriptorAddress(cpu, sel);
  const d = parseDescriptor(readSys32(cpu, addr), readSys32(cpu, addr + 4));
  if (!d.s || (d.type & 8) === 0) throw gp(sel & 0xfffc, `return to 0x${sel.toString(16)}, which is not a code segment`);
  const conforming = (d.type & 4) !== 0;
  if (conforming ? d.dpl > (sel & 3) : d.dpl !== (sel & 3)) {
    throw gp(sel & 0xfffc, `return to 0x${sel.toString(16)}: DPL ${d.dpl} does not match RPL ${sel & 3}`);
  }
  if (!d.present) throw np(sel & 0xfffc, `code segment 0x${sel.toString(16)} not present`);
  return d;
}

function returnToOuterLevel(cpu: Cpu, sel: number, d: Descriptor, off: number, newSs: number, newSp: number, release: number): void {
  const rpl = sel & 3;
  if ((newSs & ~3) === 0) throw gp(0, 'return to an outer level with a null SS');
  const saddr = descriptorAddress(cpu, newSs);
  const sd = parseDescriptor(readSys32(cpu, saddr), readSys32(cpu, saddr + 4));
  if ((newSs & 3) !== rpl || sd.dpl !== rpl || !sd.s || (sd.type & 0xa) !== 2) {
    throw gp(newSs & 0xfffc, `return SS 0x${newSs.toString(16)} is not a writable data segment at ring ${rpl}`);
  }
  if (!sd.present) throw ss(newSs & 0xfffc, `return SS 0x${newSs.toString(16)} not present`);
  cpu.cpl = rpl;
  loadCodeSegment(cpu, sel, d);
  cpu.eip = off;
  setSegmentCache(cpu, SS, newSs, sd);
  cpu.stack32 = sd.db;
  setSP(cpu, sd.db ? (newSp + release) | 0 : (newSp + release) & 0xffff);
  nullOuterSegments(cpu);
  updateAccessMasks(cpu);
}

/**
 * After a return to an outer level, ES, DS, FS and GS are nulled if they hold segments the new
 * CPL may not use (data or non-conforming code with DPL < CPL).
 */
function nullOuterSegments(cpu: Cpu): void {
  for (const s of [ES, DS, FS, GS]) {
    const attr = cpu.segAttr[s]!;
    const conformingCode = (attr & SEG_CODE) !== 0 && (attr & SEG_CONFORMING) !== 0;
    if (!conformingCode && cpu.segDpl[s]! < cpu.cpl) {
      cpu.seg[s] = 0;
      cpu.segAttr[s] = 0;
      updateSegmentBounds(cpu, s);
    }
  }
}

// --- IRET -----------------------------------------------------------------------------------------

/**
 * The EFLAGS bits POPF and IRET may change (i386 PRM, POPF and IRET): IOPL only at CPL 0, IF only
 * when CPL <= IOPL; VM and RF never through POPF; AC exists on the 486 only.
 */
export function writableFlags(cpu: Cpu, osize: number): number {
  let mask = 0x0dd5 | NT | (osize === 32 && cpu.model === 486 ? AC : 0); // CF PF AF ZF SF TF DF OF, NT
  if (cpu.cpl === 0) mask |= IOPL;
  if (cpu.cpl <= (cpu.flags & IOPL) >> 12) mask |= IF;
  return osize === 32 ? mask : mask & 0xffff;
}

/** CF: IRET / IRETD. */
export function iret(cpu: Cpu, i: Insn): void {
  const osize = i.osize;
  const w = osize >> 3;
  if ((cpu.flags & VM) !== 0 && (cpu.flags & IOPL) !== IOPL) throw gp(0, 'IRET in virtual-8086 mode with IOPL < 3');
  const offset = peek(cpu, 0, osize);
  const sel = peek(cpu, w, osize) & 0xffff;
  const flags = peek(cpu, 2 * w, osize);
  const off = osize === 32 ? offset : offset & 0xffff;

  if (!isProtected(cpu)) {
    if (off >>> 0 > cpu.segLimit[CS]!) throw gp(0, 'IRET beyond CS limit');
    setSP(cpu, spAdd(cpu, getSP(cpu), 3 * w));
    loadSegmentReal(cpu, CS, sel);
    cpu.eip = off;
    setFlags(cpu, flags, writableFlags(cpu, osize));
    return;
  }
  if ((cpu.flags & NT) !== 0) throw gp(cpu.trSel & 0xfffc, 'IRET with NT set: task return is not implemented yet');
  if (osize === 32 && (flags & VM) !== 0 && cpu.cpl === 0) {
    throw gp(0, 'IRET to virtual-8086 mode is not implemented yet');
  }
  const rpl = sel & 3;
  if (rpl < cpu.cpl) throw gp(sel & 0xfffc, `IRET to RPL ${rpl} from CPL ${cpu.cpl}`);
  const d = returnCodeDescriptor(cpu, sel);
  if (off >>> 0 > d.limit) throw gp(0, 'IRET beyond the target segment limit');
  const mask = writableFlags(cpu, osize) | (osize === 32 && cpu.cpl === 0 ? RF : 0);
  if (rpl === cpu.cpl) {
    setSP(cpu, spAdd(cpu, getSP(cpu), 3 * w));
    loadCodeSegment(cpu, sel, d);
    cpu.eip = off;
    setFlags(cpu, flags, mask);
    return;
  }
  const newSp = peek(cpu, 3 * w, osize);
  const newSs = peek(cpu, 4 * w, osize) & 0xffff;
  setFlags(cpu, flags, mask);
  returnToOuterLevel(cpu, sel, d, off, newSs, newSp, 0);
}

function setFlags(cpu: Cpu, value: number, mask: number): void {
  materializeFlags(cpu);
  cpu.flags = ((cpu.flags & ~mask) | (value & mask)) | EFLAGS_FIXED;
  cpu.blockExit = true;
}
