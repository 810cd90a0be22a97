// JMP Jcc CALL RET (near and far), LOOP LOOPE LOOPNE JCXZ, INT n INT3 INTO INT1 IRET, BOUND.
//
// When a handler runs, cpu.eip already points past the instruction (step.ts), so a relative
// branch adds its displacement to cpu.eip. A near target is truncated to the operand size and must
// lie within CS's limit (#GP(0) otherwise, raised by the branch itself).

import { probeWrite, readSys16, readSys32, writeLin16, writeLin32 } from '../access.ts';
import { PRIVILEGE_CHANGE_CLOCKS } from '../cycles.ts';
import { CpuFault, gp, np, ss, ts, Vector } from '../faults.ts';
import { getCF, getOF, getPF, getSF, getZF, setEflagsMasked, testCC } from '../flags.ts';
import type { Handler, Insn } from '../insn.ts';
import { INT_SOFTWARE, interrupt, unblockNmi } from '../interrupts.ts';
import { ea, ea32, readE, readMem, readMem16, readMem32, sext } from '../operands.ts';
import { CS, DS, ECX, ES, ESP, FS, GS, SS } from '../registers.ts';
import { descriptorOrNull, isProtected, loadCodeSegment, loadSegmentReal, readDescriptor, setSegmentCache, updateSegmentBounds, type Descriptor } from '../segments.ts';
import { getSP, peek, peek32, push, push32, setSP, spAdd } from '../stack.ts';
import { AC, type Cpu, IF, IOPL, NT, RF, SEG_CODE, SEG_CONFORMING, VM } from '../state.ts';
import { farTransferToTask, taskSwitch } from '../tasks.ts';
import { updateAccessMasks } from '../tlb.ts';

/**
 * #GP(0) for a near transfer beyond CS's limit. Built out of line, so that the handlers that may
 * raise it stay small enough for V8 to inline.
 */
function beyondLimit(cpu: Cpu, what: string, t: number): CpuFault {
  return gp(0, `${what} to 0x${(t >>> 0).toString(16)} beyond CS limit 0x${cpu.segLimit[CS]!.toString(16)}`);
}

/** Sets EIP to a near target, checking it against CS's limit. */
export function jumpNear(cpu: Cpu, target: number, osize: number): void {
  const t = osize === 32 ? target | 0 : target & 0xffff;
  if (t >>> 0 > cpu.segLimit[CS]!) throw beyondLimit(cpu, 'jump', t);
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
  if (target >>> 0 > cpu.segLimit[CS]!) throw beyondLimit(cpu, 'call', target);
  push(cpu, cpu.eip, i.osize);
  cpu.eip = target;
}

/** FF /2: CALL r/m. */
export function callNearIndirect(cpu: Cpu, i: Insn): void {
  const target = readE(cpu, i, i.osize === 32 ? 32 : 16);
  if (target >>> 0 > cpu.segLimit[CS]!) throw beyondLimit(cpu, 'call', target);
  push(cpu, cpu.eip, i.osize);
  cpu.eip = target;
}

/** C3, C2 Iw: RET, optionally releasing Iw bytes of parameters. */
export function retNear(cpu: Cpu, i: Insn): void {
  const target = peek(cpu, 0, i.osize);
  const t = i.osize === 32 ? target : target & 0xffff;
  if (t >>> 0 > cpu.segLimit[CS]!) throw beyondLimit(cpu, 'return', t);
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
 * Reads the descriptor a far JMP or CALL names and, for a code segment, checks it (i386 PRM
 * 6.3.4.1, "Direct Calls or Jumps to Code Segments"): conforming DPL <= CPL, non-conforming RPL <=
 * CPL and DPL == CPL. A system descriptor is a call gate, a task gate or a TSS: the transfer is
 * carried out through it here, and null is returned.
 */
function farTargetDescriptor(cpu: Cpu, sel: number, call: boolean): Descriptor | null {
  if ((sel & ~3) === 0) throw gp(0, 'far transfer to a null selector');
  const d = readDescriptor(cpu, sel);
  if (!d.s) {
    farThroughSystemDescriptor(cpu, sel, d, call);
    return null;
  }
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
    const d = farTargetDescriptor(cpu, sel, false);
    if (d === null) return;
    if (off >>> 0 > d.limit) throw gp(0, `far jump to offset 0x${(off >>> 0).toString(16)} beyond limit 0x${d.limit.toString(16)}`);
    loadCodeSegment(cpu, sel, d);
  }
  cpu.eip = off;
}

function farCall(cpu: Cpu, sel: number, offset: number, osize: number): void {
  const off = osize === 32 ? offset | 0 : offset & 0xffff;
  let d: Descriptor | null = null;
  if (isProtected(cpu)) {
    d = farTargetDescriptor(cpu, sel, true);
    if (d === null) return;
    if (off >>> 0 > d.limit) throw gp(0, 'far call beyond the target segment limit');
  } else if (off >>> 0 > cpu.segLimit[CS]!) {
    throw gp(0, 'far call beyond CS limit');
  }
  pushReturnAddress(cpu, osize);
  loadCodeSegment(cpu, sel, d);
  cpu.eip = off;
}

/** Pushes CS then EIP, committing ESP only after both writes succeeded. */
function pushReturnAddress(cpu: Cpu, osize: number): void {
  const sp = getSP(cpu);
  push(cpu, cpu.seg[CS]!, osize);
  try {
    push(cpu, cpu.eip, osize);
  } catch (e) {
    setSP(cpu, sp);
    throw e;
  }
}

// --- call gates ----------------------------------------------------------------------------------

// Clocks a transfer through a call gate costs beyond the direct far form decode charged (i386 PRM,
// CALL: ptr16:32 34+m, through a gate to the same level 52+m, to a more privileged level 86+m, or
// 94+4x+m with x parameters; the m16:32 forms are 4 more in each case. JMP: ptr16:32 27+m, through
// a gate 45+m).
const CLK_GATE_SAME = 18, CLK_GATE_INNER = 52, CLK_GATE_INNER_PARAMS = 60, CLK_GATE_PER_PARAM = 4;

/** Far JMP or CALL through a call gate (286: type 4, 386: type C), a task gate (5) or a TSS (1, 9; busy 3, B). */
function farThroughSystemDescriptor(cpu: Cpu, sel: number, d: Descriptor, call: boolean): void {
  switch (d.type) {
    case 0x4: case 0xc:
      callGate(cpu, sel, d, call);
      return;
    case 0x1: case 0x3: case 0x5: case 0x9: case 0xb:
      farTransferToTask(cpu, sel, d, call ? 'call' : 'jmp');
      return;
    default:
      throw gp(sel & 0xfffc, `far ${call ? 'call' : 'jump'} to system descriptor 0x${sel.toString(16)} of type ${d.type}`);
  }
}

/**
 * A far JMP or CALL through a call gate (i386 PRM 6.3.4.2, "Gate Descriptors Guard Procedure Entry
 * Points", and CALL / JMP "CALL-GATE"). The gate must be visible: DPL >= max(CPL, RPL), else
 * #GP(gate); present, else #NP(gate). It names a code segment with DPL <= CPL and the offset (the
 * far pointer's offset is ignored). JMP may only reach the same level (or a conforming segment);
 * CALL to a more privileged non-conforming segment switches stacks. The gate's size, not the
 * instruction's, sets the size of everything pushed.
 */
function callGate(cpu: Cpu, gateSel: number, g: Descriptor, call: boolean): void {
  const rpl = gateSel & 3;
  if (g.dpl < cpu.cpl || g.dpl < rpl) {
    throw gp(gateSel & 0xfffc, `call gate 0x${gateSel.toString(16)}: DPL ${g.dpl} < CPL ${cpu.cpl} or RPL ${rpl}`);
  }
  if (!g.present) throw np(gateSel & 0xfffc, `call gate 0x${gateSel.toString(16)} not present`);
  const sel = g.lo >>> 16;
  if ((sel & ~3) === 0) throw gp(0, `call gate 0x${gateSel.toString(16)} names a null selector`);
  const d = readDescriptor(cpu, sel);
  const conforming = (d.type & 4) !== 0;
  if (!d.s || (d.type & 8) === 0 || d.dpl > cpu.cpl || (!call && !conforming && d.dpl !== cpu.cpl)) {
    throw gp(sel & 0xfffc, `call gate 0x${gateSel.toString(16)}: 0x${sel.toString(16)} is not a code segment ${call ? 'CALL' : 'JMP'} may reach from CPL ${cpu.cpl}`);
  }
  if (!d.present) throw np(sel & 0xfffc, `code segment 0x${sel.toString(16)} not present`);
  const gate32 = (g.type & 8) !== 0;
  const offset = gate32 ? ((g.hi & 0xffff0000) | (g.lo & 0xffff)) | 0 : g.lo & 0xffff;
  if (offset >>> 0 > d.limit) throw gp(0, `call gate target 0x${(offset >>> 0).toString(16)} beyond limit 0x${d.limit.toString(16)}`);
  if (call && !conforming && d.dpl < cpu.cpl) {
    callToInnerLevel(cpu, g, sel, d, offset);
    return;
  }
  if (call) pushReturnAddress(cpu, gate32 ? 32 : 16);
  cpu.cycles += CLK_GATE_SAME;
  loadCodeSegment(cpu, sel, d);
  cpu.eip = offset;
}

/** Parameters read from the caller's stack, before any is written (at most 31 of them). */
const gateParams = new Int32Array(32);

/**
 * CALL through a gate to a more privileged level (i386 PRM 6.3.4.2 and Figure 6-8, "Stack
 * Contents on Initial Entry"): the new stack is the TSS's SSn:ESPn for the new CPL (in the current
 * TSS's format); on it go the caller's SS and ESP, the gate's count of parameters (dwords for a
 * 386 gate, words for a 286 gate) copied from the caller's stack, then CS and EIP. Every check
 * and every read and write happens before CPL, SS, ESP, CS or EIP change, so a #TS, #SS or #PF
 * leaves the caller's state as it was.
 */
function callToInnerLevel(cpu: Cpu, g: Descriptor, sel: number, d: Descriptor, offset: number): void {
  const newCpl = d.dpl;
  const tss32 = (cpu.trType & 8) !== 0;
  const spOff = tss32 ? 4 + newCpl * 8 : 2 + newCpl * 4;
  if (spOff + (tss32 ? 5 : 3) > cpu.trLimit) throw ts(cpu.trSel & 0xfffc, `TSS too small for the ring ${newCpl} stack`);
  const newEsp = tss32 ? readSys32(cpu, (cpu.trBase + spOff) | 0) : readSys16(cpu, (cpu.trBase + spOff) | 0);
  const newSs = readSys16(cpu, (cpu.trBase + spOff + (tss32 ? 4 : 2)) | 0);
  if ((newSs & ~3) === 0) throw ts(0, `null SS for ring ${newCpl} in the TSS`);
  const sd = descriptorOrNull(cpu, newSs);
  if (sd === null || (newSs & 3) !== newCpl || sd.dpl !== newCpl || !sd.s || (sd.type & 0xa) !== 2) {
    throw ts(newSs & 0xfffc, `TSS SS 0x${newSs.toString(16)} is not a writable data segment at ring ${newCpl}`);
  }
  if (!sd.present) throw ss(newSs & 0xfffc, `TSS SS 0x${newSs.toString(16)} not present`);

  const gate32 = (g.type & 8) !== 0;
  const size = gate32 ? 32 : 16;
  const w = size >> 3;
  const count = g.hi & 0x1f;
  for (let k = 0; k < count; k++) gateParams[k] = peek(cpu, k * w, size);
  const oldCpl = cpu.cpl;
  const oldSs = cpu.seg[SS]!;
  const oldEsp = cpu.reg[ESP]!;
  const oldCs = cpu.seg[CS]!;
  const oldEip = cpu.eip;

  // The frame's slots on the new stack, checked against its limits (expand-down too), then
  // probed for writing at the new privilege level, before the first is written.
  const slots = 4 + count;
  const expandDown = (sd.type & 4) !== 0;
  const lowest = expandDown ? sd.limit + 1 : 0;
  const highest = expandDown ? (sd.db ? 0xffffffff : 0xffff) : sd.limit;
  const top = sd.db ? newEsp : newEsp & 0xffff;
  for (let k = 1; k <= slots; k++) {
    const o = (sd.db ? (top - k * w) | 0 : (top - k * w) & 0xffff) >>> 0;
    if (o < lowest || o + w - 1 > highest) throw ss(newSs & 0xfffc, 'call gate frame beyond the new stack segment limit');
  }
  cpu.cpl = newCpl;
  updateAccessMasks(cpu);
  try {
    for (let k = 1; k <= slots; k++) probeWrite(cpu, (sd.base + (sd.db ? (top - k * w) | 0 : (top - k * w) & 0xffff)) | 0, w);
  } catch (e) {
    cpu.cpl = oldCpl;
    updateAccessMasks(cpu);
    throw e;
  }
  let sp = top;
  const put = (v: number): void => {
    sp = sd.db ? (sp - w) | 0 : (sp - w) & 0xffff;
    if (w === 4) writeLin32(cpu, (sd.base + sp) | 0, v);
    else writeLin16(cpu, (sd.base + sp) | 0, v & 0xffff);
  };
  put(oldSs);
  put(oldEsp);
  // The parameter at the highest address first, so they keep their order on the new stack.
  for (let k = count - 1; k >= 0; k--) put(gateParams[k]!);
  put(oldCs);
  put(oldEip);

  setSegmentCache(cpu, SS, newSs, sd);
  cpu.stack32 = sd.db;
  cpu.reg[ESP] = sd.db ? sp : (newEsp & ~0xffff) | sp;
  loadCodeSegment(cpu, sel, d);
  cpu.eip = offset;
  cpu.cycles += count === 0 ? CLK_GATE_INNER : CLK_GATE_INNER_PARAMS + CLK_GATE_PER_PARAM * count;
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
  cpu.cycles += PRIVILEGE_CHANGE_CLOCKS.retfToOuter;
}

function returnCodeDescriptor(cpu: Cpu, sel: number): Descriptor {
  if ((sel & ~3) === 0) throw gp(0, 'return to a null selector');
  const d = readDescriptor(cpu, sel);
  if (!d.s || (d.type & 8) === 0) throw gp(sel & 0xfffc, `return to 0x${sel.toString(16)}, which is not a code segment`);
  const conforming = (d.type & 4) !== 0;
  if (conforming ? d.dpl > (sel & 3) : d.dpl !== (sel & 3)) {
    throw gp(sel & 0xfffc, `return to 0x${sel.toString(16)}: DPL ${d.dpl} does not match RPL ${sel & 3}`);
  }
  if (!d.present) throw np(sel & 0xfffc, `code segment 0x${sel.toString(16)} not present`);
  return d;
}

/**
 * The return to an outer level RETF and IRET share, after their checks of the new CS. For IRET
 * (`iretFlags`), EFLAGS takes `flags` under `mask` once the new SS has passed its checks, before
 * anything else changes; the flags travel as numbers rather than in a closure, so that IRET
 * allocates nothing.
 */
function returnToOuterLevel(
  cpu: Cpu, sel: number, d: Descriptor, off: number, newSs: number, newSp: number, release: number,
  iretFlags = false, flags = 0, mask = 0,
): void {
  const rpl = sel & 3;
  if ((newSs & ~3) === 0) throw gp(0, 'return to an outer level with a null SS');
  const sd = readDescriptor(cpu, newSs);
  if ((newSs & 3) !== rpl || sd.dpl !== rpl || !sd.s || (sd.type & 0xa) !== 2) {
    throw gp(newSs & 0xfffc, `return SS 0x${newSs.toString(16)} is not a writable data segment at ring ${rpl}`);
  }
  if (!sd.present) throw ss(newSs & 0xfffc, `return SS 0x${newSs.toString(16)} not present`);
  if (iretFlags) setFlags(cpu, flags, mask);
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
  // ES, DS, FS and GS: every register but CS and SS (a loop over constants, so that the IRET and
  // RETF paths allocate nothing).
  for (let s = ES; s <= GS; s++) {
    if (s === CS || s === SS) continue;
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
  // Any IRET, even one that faults, ends the blocking of NMIs an NMI handler runs under.
  unblockNmi(cpu);
  if ((cpu.flags & VM) !== 0 && (cpu.flags & IOPL) !== IOPL) throw gp(0, 'IRET in virtual-8086 mode with IOPL < 3');
  // With NT set, IRET returns to the task named by the current TSS's back link (i386 PRM 7.6,
  // "Task Linking"). It pops nothing, so this comes before the stack is read.
  if (isProtected(cpu) && (cpu.flags & NT) !== 0) {
    taskSwitch(cpu, readSys16(cpu, cpu.trBase), 'iret');
    return;
  }
  const offset = peek(cpu, 0, osize);
  const sel = peek(cpu, w, osize) & 0xffff;
  const flags = peek(cpu, 2 * w, osize);
  const off = osize === 32 ? offset : offset & 0xffff;

  if (!isProtected(cpu)) {
    if (off >>> 0 > cpu.segLimit[CS]!) throw gp(0, 'IRET beyond CS limit');
    setSP(cpu, spAdd(cpu, getSP(cpu), 3 * w));
    loadSegmentReal(cpu, CS, sel);
    cpu.eip = off;
    setFlags(cpu, flags, writableFlags(cpu, osize) | (osize === 32 ? RF : 0));
    return;
  }
  if (osize === 32 && (flags & VM) !== 0 && cpu.cpl === 0) {
    iretToV86(cpu, off, sel, flags);
    return;
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
  // The mask was computed at the old CPL; EFLAGS changes only once the new SS has passed its checks.
  returnToOuterLevel(cpu, sel, d, off, newSs, newSp, 0, true, flags, mask);
  cpu.cycles += PRIVILEGE_CHANGE_CLOCKS.iretToOuter;
}

/**
 * IRETD at CPL 0 whose EFLAGS image has VM set returns to virtual-8086 mode (i386 PRM 15.3.2,
 * "Transitions Through Trap Gates and Interrupt Gates", and IRET, STACK-RETURN-TO-V86). The frame
 * is nine dwords: EIP, CS, EFLAGS, ESP, SS, ES, DS, FS, GS, each selector in a low word. All nine
 * are read, and EIP is checked against the 64 KiB limit of a v86 code segment (#GP(0)), before
 * anything changes. EFLAGS is loaded whole (at CPL 0 IOPL and IF may change, and VM is what is
 * being set); CPL becomes 3 and every segment register is loaded as in real mode.
 */
function iretToV86(cpu: Cpu, eip: number, cs: number, flags: number): void {
  const esp = peek(cpu, 12, 32);
  const ss = peek(cpu, 16, 32) & 0xffff;
  const es = peek(cpu, 20, 32) & 0xffff;
  const ds = peek(cpu, 24, 32) & 0xffff;
  const fs = peek(cpu, 28, 32) & 0xffff;
  const gs = peek(cpu, 32, 32) & 0xffff;
  if (eip >>> 0 > 0xffff) throw gp(0, `IRET to virtual-8086 mode at EIP 0x${(eip >>> 0).toString(16)}, beyond the 64 KiB code segment`);
  // VM first: loadSegmentReal gives v86 segments their 64 KiB limit and DPL 3 when it is set.
  setFlags(cpu, flags, writableFlags(cpu, 32) | RF | VM);
  cpu.cpl = 3;
  loadSegmentReal(cpu, CS, cs);
  loadSegmentReal(cpu, SS, ss);
  loadSegmentReal(cpu, ES, es);
  loadSegmentReal(cpu, DS, ds);
  loadSegmentReal(cpu, FS, fs);
  loadSegmentReal(cpu, GS, gs);
  cpu.code32 = false;
  cpu.stack32 = false;
  cpu.reg[ESP] = esp;
  cpu.eip = eip;
  updateAccessMasks(cpu);
}

function setFlags(cpu: Cpu, value: number, mask: number): void {
  setEflagsMasked(cpu, value, mask);
  cpu.blockExit = true;
}

// --- fast forms ---------------------------------------------------------------------------------
//
// Chosen per decoded instruction by the block builder (blocks.ts) through FAST_FORMS, as in
// alu.ts: the same behaviour as the generic handlers above, with the condition and the operand
// size fixed when the instruction is decoded instead of tested each time it runs.

/** A taken near branch with a 32-bit operand size (rel8 or rel32). */
function branch32(cpu: Cpu, i: Insn): void {
  const t = (cpu.eip + i.imm) | 0;
  if (t >>> 0 > cpu.segLimit[CS]!) throw beyondLimit(cpu, 'jump', t);
  cpu.eip = t;
  cpu.cycles += i.cyclesExtra;
}

// Jcc by condition (i386 PRM Appendix D, "Condition Codes"), in opcode order.
export function jo32(cpu: Cpu, i: Insn): void { if (getOF(cpu)) branch32(cpu, i); }
export function jno32(cpu: Cpu, i: Insn): void { if (!getOF(cpu)) branch32(cpu, i); }
export function jb32(cpu: Cpu, i: Insn): void { if (getCF(cpu) !== 0) branch32(cpu, i); }
export function jnb32(cpu: Cpu, i: Insn): void { if (getCF(cpu) === 0) branch32(cpu, i); }
export function jz32(cpu: Cpu, i: Insn): void { if (getZF(cpu)) branch32(cpu, i); }
export function jnz32(cpu: Cpu, i: Insn): void { if (!getZF(cpu)) branch32(cpu, i); }
export function jbe32(cpu: Cpu, i: Insn): void { if (getCF(cpu) !== 0 || getZF(cpu)) branch32(cpu, i); }
export function jnbe32(cpu: Cpu, i: Insn): void { if (getCF(cpu) === 0 && !getZF(cpu)) branch32(cpu, i); }
export function js32(cpu: Cpu, i: Insn): void { if (getSF(cpu)) branch32(cpu, i); }
export function jns32(cpu: Cpu, i: Insn): void { if (!getSF(cpu)) branch32(cpu, i); }
export function jp32(cpu: Cpu, i: Insn): void { if (getPF(cpu)) branch32(cpu, i); }
export function jnp32(cpu: Cpu, i: Insn): void { if (!getPF(cpu)) branch32(cpu, i); }
export function jl32(cpu: Cpu, i: Insn): void { if (getSF(cpu) !== getOF(cpu)) branch32(cpu, i); }
export function jnl32(cpu: Cpu, i: Insn): void { if (getSF(cpu) === getOF(cpu)) branch32(cpu, i); }
export function jle32(cpu: Cpu, i: Insn): void { if (getZF(cpu) || getSF(cpu) !== getOF(cpu)) branch32(cpu, i); }
export function jnle32(cpu: Cpu, i: Insn): void { if (!getZF(cpu) && getSF(cpu) === getOF(cpu)) branch32(cpu, i); }
const JCC32: readonly Handler[] = [jo32, jno32, jb32, jnb32, jz32, jnz32, jbe32, jnbe32, js32, jns32, jp32, jnp32, jl32, jnl32, jle32, jnle32];

export function jmpNear32(cpu: Cpu, i: Insn): void {
  const t = (cpu.eip + i.imm) | 0;
  if (t >>> 0 > cpu.segLimit[CS]!) throw beyondLimit(cpu, 'jump', t);
  cpu.eip = t;
}

export function callNear32(cpu: Cpu, i: Insn): void {
  const target = (cpu.eip + i.imm) | 0;
  if (target >>> 0 > cpu.segLimit[CS]!) throw beyondLimit(cpu, 'call', target);
  push32(cpu, cpu.eip);
  cpu.eip = target;
}

/** C3 with a 32-bit operand size (C2 Iw keeps the generic handler). */
export function retNear32(cpu: Cpu, _i: Insn): void {
  const t = peek32(cpu, 0);
  if (t >>> 0 > cpu.segLimit[CS]!) throw beyondLimit(cpu, 'return', t);
  setSP(cpu, spAdd(cpu, getSP(cpu), 4));
  cpu.eip = t;
}

/** FF /4 and FF /2 with a 32-bit operand in memory (32-bit address): JMP and CALL through a pointer. */
export function jmpNearIndirectM32(cpu: Cpu, i: Insn): void {
  const t = readMem32(cpu, i.seg, ea32(cpu, i));
  if (t >>> 0 > cpu.segLimit[CS]!) throw beyondLimit(cpu, 'jump', t);
  cpu.eip = t;
}
export function callNearIndirectM32(cpu: Cpu, i: Insn): void {
  const t = readMem32(cpu, i.seg, ea32(cpu, i));
  if (t >>> 0 > cpu.segLimit[CS]!) throw beyondLimit(cpu, 'call', t);
  push32(cpu, cpu.eip);
  cpu.eip = t;
}

export const FAST_FORMS: ReadonlyArray<readonly [Handler, (i: Insn) => Handler | null]> = [
  [jcc, (i) => (i.osize === 32 ? JCC32[i.opcode & 0xf]! : null)],
  [jmpNear, (i) => (i.osize === 32 ? jmpNear32 : null)],
  [callNear, (i) => (i.osize === 32 ? callNear32 : null)],
  [retNear, (i) => (i.osize === 32 && i.opcode === 0xc3 ? retNear32 : null)],
  [jmpNearIndirect, (i) => (i.osize === 32 && i.isMem && i.asize === 32 ? jmpNearIndirectM32 : null)],
  [callNearIndirect, (i) => (i.osize === 32 && i.isMem && i.asize === 32 ? callNearIndirectM32 : null)],
];
