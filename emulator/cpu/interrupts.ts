// Interrupt and exception delivery (i386 PRM chapter 9, "Exceptions and Interrupts").
//
// Real mode: the vector indexes the interrupt vector table at IDTR.base (0 after reset), four
// bytes an entry (offset, segment); FLAGS, CS and IP are pushed and IF, TF and AC cleared.
//
// Protected mode: the vector indexes the IDT, eight bytes a gate:
//   high dword: offset 31:16 | P | DPL | 0 | type (5 task, 6/7 286 int/trap, E/F 386 int/trap) | 0
//   low dword:  selector | offset 15:0
// A gate to a more privileged non-conforming code segment switches to the stack for that level,
// from the TSS, and pushes the old SS:ESP first; from virtual-8086 mode it also pushes and clears
// GS, FS, DS and ES. An interrupt gate clears IF; both kinds clear TF, NT, RF and VM.

import { readLin16, readSys16, readSys32, segWrite, writeLin16, writeLin32 } from './access.ts';
import { CONTRIBUTORY, CpuFault, HAS_ERROR_CODE, Vector, VECTOR_NAMES, gp, np, ss, ts } from './faults.ts';
import { getEflags, materializeFlags } from './flags.ts';
import { CS, DS, ES, ESP, FS, GS, SS } from './registers.ts';
import { descriptorAddress, isProtected, loadSegmentReal, parseDescriptor, setSegmentCache, updateSegmentBounds } from './segments.ts';
import { AC, type Cpu, IF, NT, RF, SEG_DB, TF, VM } from './state.ts';
import { updateAccessMasks } from './tlb.ts';

/** Where an interrupt came from: it decides the EXT bit, gate-DPL checks and the pushed EIP. */
export const INT_EXCEPTION = 0, INT_SOFTWARE = 1, INT_EXTERNAL = 2;

/**
 * Delivers interrupt `vector`. For exceptions the caller has set EIP to the faulting instruction
 * (faults) or the next one (traps); for INT n, EIP is already past the instruction.
 */
export function interrupt(cpu: Cpu, vector: number, errorCode: number, source: number): void {
  if (!isProtected(cpu) && (cpu.flags & VM) === 0) {
    interruptReal(cpu, vector);
  } else {
    interruptProtected(cpu, vector, errorCode, source);
  }
  cpu.blockExit = true;
  cpu.halted = false;
}

function interruptReal(cpu: Cpu, vector: number): void {
  const entry = vector * 4;
  if (entry + 3 > cpu.idtrLimit) throw gp(vector * 8 + 2, `vector ${vector} beyond IVT limit 0x${cpu.idtrLimit.toString(16)}`);
  const ip = readLin16(cpu, (cpu.idtrBase + entry) | 0);
  const cs = readLin16(cpu, (cpu.idtrBase + entry + 2) | 0);
  // Push FLAGS, CS, IP, committing SP only when all three writes succeeded.
  let sp = cpu.stack32 ? cpu.reg[ESP]! : cpu.reg16[ESP << 1]!;
  const next = (d: number): number => (cpu.stack32 ? (sp - d) | 0 : (sp - d) & 0xffff);
  const flags = getEflags(cpu);
  sp = next(2); writeLin16(cpu, segWrite(cpu, SS, sp, 2), flags & 0xffff);
  sp = next(2); writeLin16(cpu, segWrite(cpu, SS, sp, 2), cpu.seg[CS]!);
  sp = next(2); writeLin16(cpu, segWrite(cpu, SS, sp, 2), cpu.eip & 0xffff);
  if (cpu.stack32) cpu.reg[ESP] = sp;
  else cpu.reg16[ESP << 1] = sp;
  materializeFlags(cpu);
  cpu.flags &= ~(IF | TF | AC | RF);
  loadSegmentReal(cpu, CS, cs);
  cpu.eip = ip;
}

function interruptProtected(cpu: Cpu, vector: number, errorCode: number, source: number): void {
  const ext = source === INT_SOFTWARE ? 0 : 1;
  const idtCode = vector * 8 + 2 + ext;
  if (vector * 8 + 7 > cpu.idtrLimit) throw gp(idtCode, `vector ${vector} beyond IDT limit 0x${cpu.idtrLimit.toString(16)}`);
  const glo = readSys32(cpu, (cpu.idtrBase + vector * 8) | 0);
  const ghi = readSys32(cpu, (cpu.idtrBase + vector * 8 + 4) | 0);
  const type = (ghi >>> 8) & 0x1f;
  const gateDpl = (ghi >>> 13) & 3;
  if (type !== 0x05 && type !== 0x06 && type !== 0x07 && type !== 0x0e && type !== 0x0f) {
    throw gp(idtCode, `IDT entry ${vector} is not a gate (type 0x${type.toString(16)})`);
  }
  // INT n, INT3 and INTO may use only gates whose DPL is at least CPL.
  if (source === INT_SOFTWARE && gateDpl < cpu.cpl) throw gp(idtCode, `INT ${vector}: gate DPL ${gateDpl} < CPL ${cpu.cpl}`);
  if ((ghi & 0x8000) === 0) throw np(idtCode, `IDT gate ${vector} not present`);
  if (type === 0x05) throw gp(idtCode, `task gate for vector ${vector}: task switches are not implemented yet`);

  const gate32 = (type & 8) !== 0;
  const trapGate = (type & 1) !== 0;
  const sel = glo >>> 16;
  const offset = gate32 ? ((ghi & 0xffff0000) | (glo & 0xffff)) | 0 : glo & 0xffff;
  if ((sel & ~3) === 0) throw gp(ext, `IDT gate ${vector} has a null selector`);
  const daddr = descriptorAddress(cpu, sel);
  const d = parseDescriptor(readSys32(cpu, daddr), readSys32(cpu, daddr + 4));
  if (!d.s || (d.type & 8) === 0 || d.dpl > cpu.cpl) {
    throw gp((sel & 0xfffc) | ext, `IDT gate ${vector}: selector 0x${sel.toString(16)} is not a code segment reachable from CPL ${cpu.cpl}`);
  }
  if (!d.present) throw np((sel & 0xfffc) | ext, `IDT gate ${vector}: code segment 0x${sel.toString(16)} not present`);

  const conforming = (d.type & 4) !== 0;
  const fromV86 = (cpu.flags & VM) !== 0;
  const oldFlags = getEflags(cpu);
  const oldCs = cpu.seg[CS]!;
  const oldEip = cpu.eip;
  const width = gate32 ? 4 : 2;
  const hasError = source === INT_EXCEPTION && HAS_ERROR_CODE.has(vector) && errorCode >= 0;

  if (!conforming && d.dpl < cpu.cpl) {
    // Inter-privilege: the new stack comes from the TSS (i386 PRM 7.1 "Task State Segment").
    if (fromV86 && d.dpl !== 0) throw gp((sel & 0xfffc) | ext, 'interrupt from virtual-8086 mode to a non-zero privilege level');
    const newCpl = d.dpl;
    const tss32 = (cpu.trType & 8) !== 0;
    const spOff = tss32 ? 4 + newCpl * 8 : 2 + newCpl * 4;
    if (spOff + (tss32 ? 5 : 3) > cpu.trLimit) throw ts(cpu.trSel & 0xfffc, `TSS too small for the ring ${newCpl} stack`);
    const newEsp = tss32 ? readSys32(cpu, (cpu.trBase + spOff) | 0) : readSys16(cpu, (cpu.trBase + spOff) | 0);
    const newSs = readSys16(cpu, (cpu.trBase + spOff + (tss32 ? 4 : 2)) | 0);
    if ((newSs & ~3) === 0) throw ts(ext, 'null SS in the TSS');
    const saddr = descriptorAddress(cpu, newSs);
    const sd = parseDescriptor(readSys32(cpu, saddr), readSys32(cpu, saddr + 4));
    if ((newSs & 3) !== newCpl || sd.dpl !== newCpl || !sd.s || (sd.type & 0xa) !== 2) {
      throw ts((newSs & 0xfffc) | ext, `TSS SS 0x${newSs.toString(16)} is not a writable data segment at ring ${newCpl}`);
    }
    if (!sd.present) throw ss((newSs & 0xfffc) | ext, `TSS SS 0x${newSs.toString(16)} not present`);

    const oldSs = cpu.seg[SS]!;
    const oldEsp = cpu.reg[ESP]!;
    // Build the frame on the new stack before committing anything.
    const values: number[] = [];
    if (fromV86) values.push(cpu.seg[GS]!, cpu.seg[FS]!, cpu.seg[DS]!, cpu.seg[ES]!);
    values.push(oldSs, oldEsp, oldFlags, oldCs, oldEip);
    if (hasError) values.push(errorCode);
    const stack32 = sd.db;
    let sp = newEsp;
    const base = sd.base;
    for (const v of values) {
      sp = stack32 ? (sp - width) | 0 : (sp - width) & 0xffff;
      const o = sp >>> 0;
      if (o + width - 1 > sd.limit) throw ss((newSs & 0xfffc) | ext, 'interrupt frame beyond the new stack segment limit');
      const lin = (base + sp) | 0;
      cpu.cpl = 0; updateAccessMasks(cpu); // frame writes are supervisor accesses
      if (width === 4) writeLin32(cpu, lin, v);
      else writeLin16(cpu, lin, v);
    }
    cpu.cpl = newCpl;
    setSegmentCache(cpu, SS, (newSs & ~3) | newCpl, sd);
    cpu.stack32 = stack32;
    if (stack32) cpu.reg[ESP] = sp;
    else cpu.reg16[ESP << 1] = sp;
    if (fromV86) {
      for (const s of [ES, DS, FS, GS]) {
        cpu.seg[s] = 0; cpu.segBase[s] = 0; cpu.segLimit[s] = 0; cpu.segAttr[s] = 0;
        updateSegmentBounds(cpu, s);
      }
    }
  } else {
    if (fromV86) throw gp((sel & 0xfffc) | ext, 'interrupt from virtual-8086 mode to a ring-3 handler');
    let sp = cpu.stack32 ? cpu.reg[ESP]! : cpu.reg16[ESP << 1]!;
    const values = hasError ? [oldFlags, oldCs, oldEip, errorCode] : [oldFlags, oldCs, oldEip];
    const lins: number[] = [];
    for (let k = 0; k < values.length; k++) {
      sp = cpu.stack32 ? (sp - width) | 0 : (sp - width) & 0xffff;
      lins.push(segWrite(cpu, SS, sp, width));
    }
    for (let k = 0; k < values.length; k++) {
      if (width === 4) writeLin32(cpu, lins[k]!, values[k]!);
      else writeLin16(cpu, lins[k]!, values[k]!);
    }
    if (cpu.stack32) cpu.reg[ESP] = sp;
    else cpu.reg16[ESP << 1] = sp;
  }

  const newCpl = conforming ? cpu.cpl : d.dpl;
  cpu.cpl = newCpl;
  setSegmentCache(cpu, CS, (sel & ~3) | newCpl, d);
  cpu.code32 = (cpu.segAttr[CS]! & SEG_DB) !== 0;
  cpu.eip = offset;
  materializeFlags(cpu);
  cpu.flags &= ~(TF | NT | RF | VM | (trapGate ? 0 : IF));
  updateAccessMasks(cpu);
}

/**
 * Delivers a fault or trap detected while executing, applying the double-fault rule (i386 PRM
 * 9.8.8, "Double Fault"): a contributory exception while delivering a contributory one, or a
 * contributory one or a page fault while delivering a page fault, becomes #DF; a fault while
 * delivering #DF shuts the processor down (triple fault).
 */
export function deliverException(cpu: Cpu, fault: CpuFault): void {
  let vector = fault.vector;
  let code = fault.errorCode;
  for (let attempt = 0; ; attempt++) {
    try {
      interrupt(cpu, vector, code, INT_EXCEPTION);
      return;
    } catch (e) {
      if (!(e instanceof CpuFault)) throw e;
      if (vector === Vector.DF || attempt >= 2) {
        shutdown(cpu, `triple fault: ${e.message} while delivering ${VECTOR_NAMES[vector] ?? vector}`);
        return;
      }
      const first = vector;
      const second = e.vector;
      const double = (CONTRIBUTORY.has(first) && CONTRIBUTORY.has(second)) ||
        (first === Vector.PF && (second === Vector.PF || CONTRIBUTORY.has(second)));
      if (double) {
        vector = Vector.DF;
        code = 0;
      } else {
        vector = second;
        code = e.errorCode;
      }
    }
  }
}

/** Stops the processor after a triple fault; the board decides whether to reset. */
export function shutdown(cpu: Cpu, reason: string): void {
  cpu.shutdownReason = `${reason} at ${cpu.seg[CS]!.toString(16).padStart(4, '0')}:${(cpu.eip >>> 0).toString(16).padStart(8, '0')}, CR2 ${(cpu.cr2 >>> 0).toString(16)}`;
  cpu.halted = true;
  cpu.blockExit = true;
}

