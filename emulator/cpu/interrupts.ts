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
//
// Error codes (i386 PRM 9.7, "Error Code"): a selector error code is the selector's index and TI
// bit, with bit 1 (IDT) set when the index names an IDT gate and bit 0 (EXT) set when "an event
// external to the program caused the exception": here, when the fault arose while delivering an
// exception or an external interrupt (NMI, INTR), as opposed to INT n, INT3 or INTO. interrupt()
// adds EXT to every #TS, #NP, #SS and #GP raised under it, whichever helper raised it; #PF has an
// error code of its own format and #DF's is always 0.
//
// NMI (i386 PRM 9.2.1, "NMI Masks Further NMIs"): while an NMI handler runs, further NMIs are held
// until the next IRET; one is remembered and taken after it (Intel386 DX data sheet, "Interrupt
// Processing": "Only one NMI can be saved").

import { probeWrite, readLin16, readSys16, readSys32, segWrite, writeLin16, writeLin32 } from './access.ts';
import { CONTRIBUTORY, CpuFault, HAS_ERROR_CODE, Vector, VECTOR_NAMES, gp, np, ss, ts } from './faults.ts';
import { CLOCKS, PRIVILEGE_CHANGE_CLOCKS } from './cycles.ts';
import { getEflags, materializeFlags } from './flags.ts';
import { CS, DS, ES, ESP, FS, GS, SS } from './registers.ts';
import { descriptorOrNull, isProtected, loadSegmentReal, readDescriptor, setSegmentCache, updateSegmentBounds } from './segments.ts';
import { AC, type Cpu, CR0_PG, IF, NT, RF, SEG_DB, TF, VM } from './state.ts';
import { taskSwitch } from './tasks.ts';
import { TLB_DIRTY, TLB_VALID, updateAccessMasks } from './tlb.ts';

/** Where an interrupt came from: it decides the EXT bit, gate-DPL checks and the pushed EIP. */
export const INT_EXCEPTION = 0, INT_SOFTWARE = 1, INT_EXTERNAL = 2;

/**
 * Delivers interrupt `vector`. For exceptions the caller has set EIP to the faulting instruction
 * (faults) or the next one (traps); for INT n, EIP is already past the instruction.
 */
export function interrupt(cpu: Cpu, vector: number, errorCode: number, source: number): void {
  cpu.traceInterrupt?.(cpu, vector, errorCode, source);
  cpu.debug?.interrupt(cpu, vector, errorCode, source);
  try {
    if (!isProtected(cpu) && (cpu.flags & VM) === 0) {
      interruptReal(cpu, vector);
    } else {
      interruptProtected(cpu, vector, errorCode, source);
    }
  } catch (e) {
    throw source === INT_SOFTWARE ? e : withExt(e);
  }
  cpu.blockExit = true;
  cpu.halted = false;
}

/** Exceptions whose error code is a selector error code, with an EXT bit. */
const SELECTOR_ERROR_CODE: ReadonlySet<number> = new Set([Vector.TS, Vector.NP, Vector.SS, Vector.GP]);

/** The fault `e` with EXT (bit 0) set in its error code, when it has a selector error code. */
function withExt(e: unknown): unknown {
  if (!(e instanceof CpuFault) || !SELECTOR_ERROR_CODE.has(e.vector) || e.errorCode < 0 || (e.errorCode & 1) !== 0) return e;
  return new CpuFault(e.vector, e.errorCode | 1, e.detail);
}

// --- NMI masking -------------------------------------------------------------------------------------

/**
 * IRET ends the blocking of NMIs that taking an NMI starts (i386 PRM 9.2.1, "NMI Masks Further
 * NMIs"), whatever the IRET then does: even one that faults (in virtual-8086 mode with IOPL < 3,
 * "the NMI is unmasked before the general-protection exception handler is invoked", Intel SDM
 * vol. 3, "Handling Multiple NMIs"). An NMI that arrived meanwhile stayed pending in
 * cpu.nmiPending (one is remembered) and is taken at the next instruction boundary (step.ts).
 */
export function unblockNmi(cpu: Cpu): void {
  cpu.nmiBlocked = false;
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
  if (type === 0x05) {
    // A task gate: the handler is a task of its own (i386 PRM 9.6.2, "Interrupt Tasks"). The
    // switch nests (NT, back link) and an exception's error code goes on the new task's stack.
    const code = source === INT_EXCEPTION && HAS_ERROR_CODE.has(vector) ? errorCode : -1;
    taskSwitch(cpu, glo >>> 16, 'int', code, ext);
    return;
  }

  const gate32 = (type & 8) !== 0;
  const trapGate = (type & 1) !== 0;
  const sel = glo >>> 16;
  const offset = gate32 ? ((ghi & 0xffff0000) | (glo & 0xffff)) | 0 : glo & 0xffff;
  if ((sel & ~3) === 0) throw gp(ext, `IDT gate ${vector} has a null selector`);
  const d = readDescriptor(cpu, sel);
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
    // A selector beyond its table is reported as #TS(SS selector) as well, not as #GP.
    const sd = descriptorOrNull(cpu, newSs);
    if (sd === null || (newSs & 3) !== newCpl || sd.dpl !== newCpl || !sd.s || (sd.type & 0xa) !== 2) {
      throw ts((newSs & 0xfffc) | ext, `TSS SS 0x${newSs.toString(16)} is not a writable data segment at ring ${newCpl}`);
    }
    if (!sd.present) throw ss((newSs & 0xfffc) | ext, `TSS SS 0x${newSs.toString(16)} not present`);

    // i386 PRM INT, INTERRUPT-TO-INNER-PRIVILEGE: "New stack must have room for 20 bytes else
    // #SS(0)" (10 through a 286 gate; from virtual-8086 mode four more slots, for GS FS DS ES; one
    // more with an error code); then "Instruction pointer must be within CS segment boundaries
    // else #GP(0)".
    const slots = (fromV86 ? 9 : 5) + (hasError ? 1 : 0);
    const stack32 = sd.db;
    const top = stack32 ? newEsp : newEsp & 0xffff;
    const expandDown = (sd.type & 4) !== 0;
    const lowest = expandDown ? sd.limit + 1 : 0;
    const highest = expandDown ? (stack32 ? 0xffffffff : 0xffff) : sd.limit;
    for (let k = 1; k <= slots; k++) {
      const o = (stack32 ? (top - k * width) | 0 : (top - k * width) & 0xffff) >>> 0;
      if (o < lowest || o + width - 1 > highest) throw ss(0, 'interrupt frame beyond the new stack segment limit');
    }
    if (offset >>> 0 > d.limit) throw gp(0, `IDT gate ${vector}: entry point 0x${(offset >>> 0).toString(16)} beyond CS limit 0x${d.limit.toString(16)}`);
    // Every slot is probed for writing, as a supervisor access (the new CPL's), before the first
    // is written: a #PF on the new stack leaves the interrupted context as it was.
    const oldCpl = cpu.cpl;
    cpu.cpl = newCpl;
    updateAccessMasks(cpu);
    try {
      for (let k = 1; k <= slots; k++) probeSlot(cpu, (sd.base + (stack32 ? (top - k * width) | 0 : (top - k * width) & 0xffff)) | 0, width);
    } catch (e) {
      cpu.cpl = oldCpl;
      updateAccessMasks(cpu);
      throw e;
    }

    // Nothing below can fault.
    cpu.cycles += fromV86 ? PRIVILEGE_CHANGE_CLOCKS.interruptFromV86 : PRIVILEGE_CHANGE_CLOCKS.interruptToInner;
    const oldSs = cpu.seg[SS]!;
    const oldEsp = cpu.reg[ESP]!;
    let sp = top;
    if (fromV86) {
      sp = putBelow(cpu, sd.base, stack32, sp, width, cpu.seg[GS]!);
      sp = putBelow(cpu, sd.base, stack32, sp, width, cpu.seg[FS]!);
      sp = putBelow(cpu, sd.base, stack32, sp, width, cpu.seg[DS]!);
      sp = putBelow(cpu, sd.base, stack32, sp, width, cpu.seg[ES]!);
    }
    sp = putBelow(cpu, sd.base, stack32, sp, width, oldSs);
    sp = putBelow(cpu, sd.base, stack32, sp, width, oldEsp);
    sp = putBelow(cpu, sd.base, stack32, sp, width, oldFlags);
    sp = putBelow(cpu, sd.base, stack32, sp, width, oldCs);
    sp = putBelow(cpu, sd.base, stack32, sp, width, oldEip);
    if (hasError) sp = putBelow(cpu, sd.base, stack32, sp, width, errorCode);
    setSegmentCache(cpu, SS, (newSs & ~3) | newCpl, sd);
    cpu.stack32 = stack32;
    if (stack32) cpu.reg[ESP] = sp;
    else cpu.reg16[ESP << 1] = sp;
    if (fromV86) {
      // i386 PRM 15.3.2: the handler runs with GS, FS, DS and ES null, "invalid for use in
      // protected mode"; IRET back to virtual-8086 mode reloads them from the frame.
      for (let s = ES; s <= GS; s++) {
        if (s === CS || s === SS) continue;
        cpu.seg[s] = 0; cpu.segBase[s] = 0; cpu.segLimit[s] = 0; cpu.segAttr[s] = 0;
        updateSegmentBounds(cpu, s);
      }
    }
  } else {
    // i386 PRM 15.3.2: an interrupt from virtual-8086 mode must go to a privilege-0 handler.
    if (fromV86) throw gp((sel & 0xfffc) | ext, 'interrupt from virtual-8086 mode to a handler that is not at privilege level 0');
    // "Current stack limits must allow pushing 6|8 bytes, else #SS(0)" (i386 PRM INT,
    // INTERRUPT-TO-SAME-PRIVILEGE-LEVEL; 12|16 bytes through a 386 gate), then the entry point.
    const slots = hasError ? 4 : 3;
    const sp0 = cpu.stack32 ? cpu.reg[ESP]! : cpu.reg16[ESP << 1]!;
    for (let k = 1; k <= slots; k++) segWrite(cpu, SS, cpu.stack32 ? (sp0 - k * width) | 0 : (sp0 - k * width) & 0xffff, width);
    if (offset >>> 0 > d.limit) throw gp(0, `IDT gate ${vector}: entry point 0x${(offset >>> 0).toString(16)} beyond CS limit 0x${d.limit.toString(16)}`);
    for (let k = 1; k <= slots; k++) {
      probeSlot(cpu, (cpu.segBase[SS]! + (cpu.stack32 ? (sp0 - k * width) | 0 : (sp0 - k * width) & 0xffff)) | 0, width);
    }
    const base = cpu.segBase[SS]!;
    let sp = sp0;
    sp = putBelow(cpu, base, cpu.stack32, sp, width, oldFlags);
    sp = putBelow(cpu, base, cpu.stack32, sp, width, oldCs);
    sp = putBelow(cpu, base, cpu.stack32, sp, width, oldEip);
    if (hasError) sp = putBelow(cpu, base, cpu.stack32, sp, width, errorCode);
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
 * probeWrite for one slot of an interrupt frame, with its common case inline. A slot within one
 * page whose TLB entry allows the write at the current CPL (the fast-path mask: no slow or
 * first-write work, TLB_ALWAYS not in force) and is already dirty: probeWrite's translate() would
 * count a hit (with paging on; it counts none with paging off) and change nothing else, so only
 * the count is kept. Anything else goes through probeWrite.
 */
function probeSlot(cpu: Cpu, lin: number, width: number): void {
  const e = cpu.tlb[lin >>> 12]!;
  if ((e & cpu.writeMask) === TLB_VALID && (e & TLB_DIRTY) !== 0 && (lin & 0xfff) <= 0x1000 - width) {
    if ((cpu.cr0 & CR0_PG) !== 0) cpu.tlbHits++;
    return;
  }
  probeWrite(cpu, lin, width);
}

/** Writes `v` in the slot below `sp` on a stack at linear `base`; returns the new stack pointer. */
function putBelow(cpu: Cpu, base: number, stack32: boolean, sp: number, width: number, v: number): number {
  const next = stack32 ? (sp - width) | 0 : (sp - width) & 0xffff;
  if (width === 4) writeLin32(cpu, (base + next) | 0, v);
  else writeLin16(cpu, (base + next) | 0, v & 0xffff);
  return next;
}

/** Clocks to deliver an exception: those of INT n (real mode in r, through a gate in pm). */
const DELIVERY_CLOCKS = CLOCKS['INT Ib']!;

/**
 * Delivers a fault or trap detected while executing, applying the double-fault rule (i386 PRM
 * 9.8.8, "Double Fault"): a contributory exception while delivering a contributory one,
 * or a contributory one or a page fault while delivering a page fault, becomes #DF (error code 0);
 * any other fault raised while delivering is delivered in its turn, and becomes the "first"
 * exception for the next step. A fault while delivering #DF shuts the processor down (triple
 * fault). The longest chain is benign -> contributory -> #PF -> #DF: every fault that delivery
 * raises is contributory or a page fault. Faults raised while delivering carry EXT (interrupt()).
 */
/**
 * What taking an exception or a hardware interrupt costs before the handler's first instruction:
 * as long as INT n (i386 PRM, INT: 37 clocks in real mode, 59 through a gate in protected mode;
 * a privilege change adds its part in interrupt()).
 */
export function chargeDelivery(cpu: Cpu): void {
  cpu.cycles += isProtected(cpu) || (cpu.flags & VM) !== 0 ? DELIVERY_CLOCKS.pm! : DELIVERY_CLOCKS.r;
}

export function deliverException(cpu: Cpu, fault: CpuFault): void {
  let vector = fault.vector;
  let code = fault.errorCode;
  // Delivery takes as long as INT n does (i386 PRM, INT: 37 clocks in real mode, 59 through a
  // gate). Charging it also keeps the clock moving when a guest is stuck in a fault loop (a
  // handler that faults again, taking no instruction's clocks): without it run() never reached
  // its cycle limit and never returned to the board. (Conformance runner, SingleStepTests
  // F7.6 #2129: LOCK DIV -> #UD whose IVT entry points at an invalid opcode.)
  chargeDelivery(cpu);
  for (let attempt = 0; ; attempt++) {
    try {
      interrupt(cpu, vector, code, INT_EXCEPTION);
      return;
    } catch (e) {
      if (!(e instanceof CpuFault)) throw e;
      // The attempt bound only guards against a chain the table says cannot happen.
      if (vector === Vector.DF || attempt >= 8) {
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

