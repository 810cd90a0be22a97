// Task switching (i386 PRM chapter 7, "Multitasking"): JMP or CALL to a TSS descriptor or a task
// gate, an interrupt or exception through a task gate in the IDT, and IRET with NT set.
//
//   386 TSS (limit >= 0x67)                       286 TSS (limit >= 0x2B)
//   00 back link        1C CR3                    00 back link      0E IP      22 ES
//   04 ESP0   08 SS0    20 EIP     24 EFLAGS      02 SP0   04 SS0   10 FLAGS   24 CS
//   0C ESP1   10 SS1    28 EAX ... 44 EDI         06 SP1   08 SS1   12 AX ...  26 SS
//   14 ESP2   18 SS2    48 ES CS SS DS FS GS (5C) 0A SP2   0C SS2   20 DI      28 DS
//   60 LDT    64 T bit  66 I/O map base                                        2A LDT
//
// The switch runs in two halves around a commit point (i386 PRM 7.5, "Task Switching", and Table
// 7-1 "Checks Made during a Task Switch"). Before it, every check on the new TSS is made and every
// memory access that can fault — the old TSS's save area, the new TSS's fields, both descriptors'
// busy bits — is probed before the first write, so a fault there leaves the processor as it was
// and is reported against the instruction that started the switch. After it, the new task's
// registers are loaded and its segment selectors validated; a fault then belongs to the new task:
// it is delivered with TR, EIP and the general registers of the new task (EIP its first
// instruction), as the manual says ("Any errors detected in this step occur in the context of the
// new task").
//
// Effects on the busy bits, NT and the back link (i386 PRM 7.6, "Task Linking", Table 7-2; Bochs's
// tasking.cc notes that 386, 486 and Pentium all behave this way):
//
//                    JMP        CALL / interrupt      IRET
//   new busy bit     set        set                   stays set
//   old busy bit     cleared    stays set             cleared
//   new NT           from TSS   set                   from TSS
//   old NT (saved)   unchanged  unchanged             cleared
//   new back link    unchanged  old TR                unchanged
//   CR0.TS           set        set                   set

import { probeRead, probeWrite, readSys16, readSys32, writeSys16, writeSys32 } from './access.ts';
import { CLOCKS, TASK_SWITCH_CLOCKS } from './cycles.ts';
import { type CpuFault, gp, np, ss, ts } from './faults.ts';
import { getEflags, setEflagsMasked } from './flags.ts';
import { CS, DS, ES, FS, GS, SS } from './registers.ts';
import { type Descriptor, descriptorOrNull, loadSegmentReal, parseDescriptor, setSegmentCache, updateSegmentBounds } from './segments.ts';
import { push } from './stack.ts';
import { AC, type Cpu, CR0_PG, CR0_TS, NT, VM } from './state.ts';
import { tlbFlush, updateAccessMasks } from './tlb.ts';

export type TaskSource = 'jmp' | 'call' | 'int' | 'iret';

/** What each kind of transfer has charged by the time it switches tasks: its protected-mode count (cycles.ts). */
const SWITCH_BASE_CLOCKS: Record<TaskSource, number> = {
  jmp: CLOCKS['JMP Ap']!.pm!,
  call: CLOCKS['CALL Ap']!.pm!,
  int: CLOCKS['INT Ib']!.pm!,
  iret: CLOCKS['IRET']!.pm!,
};

/** The busy bit of a TSS descriptor's type (1 -> 3, 9 -> 11), as it sits in the high dword. */
const BUSY = 0x200;

/** Smallest TSS limits a switch accepts (i386 PRM 7.2, "TSS Descriptor"; 80286 TSS: 44 bytes). */
const MIN_LIMIT_386 = 0x67, MIN_LIMIT_286 = 0x2b;

// 386 TSS fields.
const T32_CR3 = 0x1c, T32_EIP = 0x20, T32_EFLAGS = 0x24, T32_EAX = 0x28, T32_ES = 0x48, T32_LDT = 0x60, T32_TRAP = 0x64;
// 286 TSS fields.
const T16_IP = 0x0e, T16_FLAGS = 0x10, T16_AX = 0x12, T16_ES = 0x22, T16_LDT = 0x2a;

/** EFLAGS bits a task switch loads: all that exist (the 486 adds AC). */
const EFLAGS_386 = 0x00037fd5;

/** Page-directory base bits of CR3 (the 486 adds PWT and PCD), as MOV CR3 keeps them. */
const CR3_BITS_386 = ~0xfff, CR3_BITS_486 = ~0xfff | 0x18;


/** Linear address of a GDT descriptor's high dword, where its type and busy bit live. */
const gdtHigh = (cpu: Cpu, sel: number): number => (cpu.gdtrBase + (sel & ~7) + 4) | 0;

/**
 * A far JMP or CALL whose selector names a TSS descriptor (type 1 or 9; a busy one, 3 or 11, is
 * #GP) or a task gate (type 5) in the GDT or LDT: the data-access rule applies to the descriptor
 * named (DPL >= max(CPL, RPL), else #GP(selector)), then the switch (i386 PRM 7.5; JMP and CALL,
 * "TASK-GATE" and "TASK-STATE-SEGMENT"). The offset of the far pointer is ignored.
 */
export function farTransferToTask(cpu: Cpu, sel: number, d: Descriptor, source: 'jmp' | 'call'): void {
  const rpl = sel & 3;
  if (d.dpl < cpu.cpl || d.dpl < rpl) {
    throw gp(sel & 0xfffc, `${source.toUpperCase()} to task 0x${sel.toString(16)}: DPL ${d.dpl} < CPL ${cpu.cpl} or RPL ${rpl}`);
  }
  if (d.type === 5) {
    if (!d.present) throw np(sel & 0xfffc, `task gate 0x${sel.toString(16)} not present`);
    taskSwitch(cpu, d.lo >>> 16, source);
    return;
  }
  if (d.type !== 1 && d.type !== 9) throw gp(sel & 0xfffc, `${source.toUpperCase()} to busy TSS 0x${sel.toString(16)}`);
  taskSwitch(cpu, sel, source);
}

/**
 * Switches to the task whose TSS descriptor `newSel` names in the GDT. `errorCode` (>= 0) is pushed
 * on the new task's stack after the switch, for an exception delivered through a task gate; `ext`
 * is the EXT bit of the error codes this switch reports (1 for exceptions and external
 * interrupts). EIP must already hold the return address: past the instruction for JMP, CALL and
 * INT n, the faulting instruction for a fault.
 */
export function taskSwitch(cpu: Cpu, newSel: number, source: TaskSource, errorCode = -1, ext = 0): void {
  // --- checks on the new TSS (Table 7-1, steps 1-3): nothing has changed yet -------------------
  const code = (newSel & 0xfffc) | ext;
  // IRET reports problems with the back link as #TS; the others as #GP.
  const bad = (why: string): CpuFault => (source === 'iret' ? ts(code, why) : gp(code, why));
  if ((newSel & 4) !== 0 || (newSel & ~7) + 7 > cpu.gdtrLimit) {
    throw bad(`task switch to 0x${newSel.toString(16)}: a TSS selector must name the GDT, within its limit`);
  }
  const hiAddr = gdtHigh(cpu, newSel);
  const d = parseDescriptor(readSys32(cpu, hiAddr - 4), readSys32(cpu, hiAddr));
  const busy = (d.type & 2) !== 0;
  if (d.s || (d.type & 5) !== 1 || busy !== (source === 'iret')) {
    throw bad(`task switch to 0x${newSel.toString(16)}: not ${source === 'iret' ? 'a busy' : 'an available'} TSS (type ${d.type})`);
  }
  if (!d.present) throw np(code, `TSS 0x${newSel.toString(16)} not present`);
  const new32 = (d.type & 8) !== 0;
  if (d.limit < (new32 ? MIN_LIMIT_386 : MIN_LIMIT_286)) {
    throw ts(code, `TSS 0x${newSel.toString(16)} limit 0x${d.limit.toString(16)} is too small for a ${new32 ? 386 : 286} TSS`);
  }
  const old32 = (cpu.trType & 8) !== 0;
  if (cpu.trLimit < (old32 ? T32_LDT - 1 : T16_LDT - 1)) {
    throw ts((cpu.trSel & 0xfffc) | ext, 'the current TSS is too small to save the task state in');
  }

  // --- save the old task, mark the descriptors, link (steps 3-4), all accesses probed first ------
  const oldCpl = cpu.cpl;
  // The processor's own accesses to TSSs and descriptors are supervisor accesses.
  cpu.cpl = 0;
  updateAccessMasks(cpu);
  try {
    const ob = cpu.trBase;
    const nb = d.base;
    probeRead(cpu, nb, (new32 ? MIN_LIMIT_386 : MIN_LIMIT_286) + 1);
    if (old32) probeWrite(cpu, (ob + T32_EIP) | 0, T32_LDT - T32_EIP);
    else probeWrite(cpu, (ob + T16_IP) | 0, T16_LDT - T16_IP);
    const oldHiAddr = gdtHigh(cpu, cpu.trSel);
    if (source === 'jmp' || source === 'iret') probeWrite(cpu, oldHiAddr, 4);
    if (source !== 'iret') probeWrite(cpu, hiAddr, 4);
    if (source === 'call' || source === 'int') probeWrite(cpu, nb, 2);

    if (source === 'jmp' || source === 'iret') writeSys32(cpu, oldHiAddr, readSys32(cpu, oldHiAddr) & ~BUSY);
    let flags = getEflags(cpu);
    if (source === 'iret') flags &= ~NT;
    if (old32) {
      writeSys32(cpu, (ob + T32_EIP) | 0, cpu.eip);
      writeSys32(cpu, (ob + T32_EFLAGS) | 0, flags);
      for (let r = 0; r < 8; r++) writeSys32(cpu, (ob + T32_EAX + 4 * r) | 0, cpu.reg[r]!);
      for (let s = 0; s < 6; s++) writeSys16(cpu, (ob + T32_ES + 4 * s) | 0, cpu.seg[s]!);
    } else {
      // A 286 TSS holds the 16-bit state only: IP, FLAGS, AX..DI, ES CS SS DS.
      writeSys16(cpu, (ob + T16_IP) | 0, cpu.eip & 0xffff);
      writeSys16(cpu, (ob + T16_FLAGS) | 0, flags & 0xffff);
      for (let r = 0; r < 8; r++) writeSys16(cpu, (ob + T16_AX + 2 * r) | 0, cpu.reg16[r << 1]!);
      for (let s = 0; s < 4; s++) writeSys16(cpu, (ob + T16_ES + 2 * s) | 0, cpu.seg[s]!);
    }
    if (source === 'call' || source === 'int') writeSys16(cpu, nb, cpu.trSel);
    if (source !== 'iret') writeSys32(cpu, hiAddr, readSys32(cpu, hiAddr) | BUSY);
  } catch (e) {
    cpu.cpl = oldCpl;
    updateAccessMasks(cpu);
    throw e;
  }

  // --- commit: from here on the processor runs the new task (step 5) ------------------------------
  const nb = d.base;
  // Read after the saves, so a back link or a TSS that overlaps the old one reads what was written.
  let eip: number, flags: number, ldt: number;
  const regs = new Int32Array(8);
  const sels = new Uint16Array(6);
  let cr3 = cpu.cr3;
  if (new32) {
    cr3 = readSys32(cpu, (nb + T32_CR3) | 0);
    eip = readSys32(cpu, (nb + T32_EIP) | 0);
    flags = readSys32(cpu, (nb + T32_EFLAGS) | 0);
    for (let r = 0; r < 8; r++) regs[r] = readSys32(cpu, (nb + T32_EAX + 4 * r) | 0);
    for (let s = 0; s < 6; s++) sels[s] = readSys16(cpu, (nb + T32_ES + 4 * s) | 0);
    ldt = readSys16(cpu, (nb + T32_LDT) | 0);
  } else {
    eip = readSys16(cpu, (nb + T16_IP) | 0);
    flags = readSys16(cpu, (nb + T16_FLAGS) | 0);
    // A 286 TSS has no upper halves: real 386s set them to FFFF (as Bochs observed), and no FS or
    // GS, which are loaded null.
    for (let r = 0; r < 8; r++) regs[r] = 0xffff0000 | readSys16(cpu, (nb + T16_AX + 2 * r) | 0);
    for (let s = 0; s < 4; s++) sels[s] = readSys16(cpu, (nb + T16_ES + 2 * s) | 0);
    ldt = readSys16(cpu, (nb + T16_LDT) | 0);
  }

  // The switch takes "ts" clocks in place of the instruction's own count (cycles.ts): what the
  // instruction (or the interrupt delivery) already charged comes off.
  const oldKind = old32 ? ((getEflags(cpu) & VM) !== 0 ? 1 : 0) : 2;
  const newKind = new32 ? ((flags & VM) !== 0 ? 1 : 0) : 2;
  cpu.cycles += TASK_SWITCH_CLOCKS[oldKind]![newKind]! - SWITCH_BASE_CLOCKS[source];

  cpu.trSel = newSel;
  cpu.trBase = d.base;
  cpu.trLimit = d.limit;
  cpu.trType = d.type | 2;
  cpu.cr0 |= CR0_TS;
  // i386 PRM 12.2.2, "Debug Control Register (DR7)": the local enables L0-L3 and LE are cleared
  // on every task switch (they belong to the task that set them).
  cpu.dr[7] = cpu.dr[7]! & ~0x155;
  if (new32 && (cpu.cr0 & CR0_PG) !== 0) {
    // i386 PRM 5.2.5, "Page Translation Cache": loading CR3 flushes the TLB. With paging off the
    // field is not loaded (as Bochs and QEMU do): the page directory is meaningless then.
    cpu.cr3 = cr3 & (cpu.model === 486 ? CR3_BITS_486 : CR3_BITS_386);
    tlbFlush(cpu);
    cpu.debug?.cr3Loaded(cpu);
  }
  cpu.eip = eip;
  cpu.reg.set(regs);
  if (source === 'call' || source === 'int') flags |= NT;
  setEflagsMasked(cpu, flags, cpu.model === 486 ? EFLAGS_386 | AC : EFLAGS_386);
  // Faults from here on are the new task's: step() restarts at insnStart, its first instruction.
  cpu.insnStart = eip;
  cpu.blockExit = true;

  // Selectors first, with unusable caches: a fault while validating leaves them loaded but not
  // usable, as the manual warns (i386 PRM 7.5, the note on exceptions in the incoming task).
  cpu.ldtrSel = ldt;
  cpu.ldtrBase = 0;
  cpu.ldtrLimit = 0;
  for (let s = 0; s < 6; s++) {
    cpu.seg[s] = sels[s]!;
    cpu.segAttr[s] = 0;
    updateSegmentBounds(cpu, s);
  }
  if ((flags & VM) !== 0) {
    // A virtual-8086 task: segments are paragraph numbers, CPL is 3.
    cpu.cpl = 3;
    for (let s = 0; s < 6; s++) loadSegmentReal(cpu, s, sels[s]!);
    cpu.code32 = false;
    cpu.stack32 = false;
    loadTaskLdt(cpu, ldt, ext);
  } else {
    loadTaskSegments(cpu, sels, ldt, ext);
  }
  updateAccessMasks(cpu);

  if (errorCode >= 0) push(cpu, errorCode, new32 ? 32 : 16);
  if ((cpu.eip >>> 0) > cpu.segLimit[CS]!) throw gp(0, `new task's EIP 0x${(cpu.eip >>> 0).toString(16)} beyond its CS limit`);
  // The switch is complete; the T bit asks for a debug trap before the task's first instruction.
  if (new32 && (readSys16(cpu, (nb + T32_TRAP) | 0) & 1) !== 0) {
    cpu.taskSwitchTrap = true;
    cpu.stopRequested = true;
  }
}

/** LDTR from the new TSS: a present LDT descriptor in the GDT, or null (#TS(LDT selector) otherwise). */
function loadTaskLdt(cpu: Cpu, ldt: number, ext: number): void {
  if ((ldt & ~3) === 0) return;
  const code = (ldt & 0xfffc) | ext;
  if ((ldt & 4) !== 0) throw ts(code, `task LDT selector 0x${ldt.toString(16)} names the LDT`);
  const d = descriptorOrNull(cpu, ldt);
  if (d === null || d.s || d.type !== 2) throw ts(code, `task LDT selector 0x${ldt.toString(16)} is not an LDT descriptor`);
  if (!d.present) throw ts(code, `task LDT 0x${ldt.toString(16)} not present`);
  cpu.ldtrBase = d.base;
  cpu.ldtrLimit = d.limit;
}

/**
 * Validates and loads the new task's LDTR, SS, data segments and CS (i386 PRM Table 7-1, steps
 * 5-17; the order is Bochs's). CPL stays 3 until SS is loaded, so that an exception raised before
 * then finds a stack through the TSS's ring-0 fields rather than the unusable SS.
 */
function loadTaskSegments(cpu: Cpu, sels: Uint16Array, ldt: number, ext: number): void {
  const csSel = sels[CS]!;
  const cpl = csSel & 3;
  cpu.cpl = 3;
  updateAccessMasks(cpu);
  loadTaskLdt(cpu, ldt, ext);

  const ssSel = sels[SS]!;
  const ssCode = (ssSel & 0xfffc) | ext;
  if ((ssSel & ~3) === 0) throw ts(ssCode, 'new task has a null SS');
  const sd = descriptorOrNull(cpu, ssSel);
  if (sd === null || !sd.s || (sd.type & 0xa) !== 2 || sd.dpl !== cpl || (ssSel & 3) !== cpl) {
    throw ts(ssCode, `new task's SS 0x${ssSel.toString(16)} is not a writable data segment at ring ${cpl}`);
  }
  if (!sd.present) throw ss(ssCode, `new task's SS 0x${ssSel.toString(16)} not present`);
  setSegmentCache(cpu, SS, ssSel, sd);
  cpu.stack32 = sd.db;
  cpu.cpl = cpl;
  updateAccessMasks(cpu);

  for (const s of [DS, ES, FS, GS]) {
    const sel = sels[s]!;
    if ((sel & ~3) === 0) continue;
    const code = (sel & 0xfffc) | ext;
    const d = descriptorOrNull(cpu, sel);
    const isCode = d !== null && (d.type & 8) !== 0;
    if (d === null || !d.s || (isCode && (d.type & 2) === 0)) {
      throw ts(code, `new task's segment 0x${sel.toString(16)} is not a readable segment`);
    }
    const conforming = isCode && (d.type & 4) !== 0;
    if (!conforming && (d.dpl < cpl || d.dpl < (sel & 3))) {
      throw ts(code, `new task's segment 0x${sel.toString(16)}: DPL ${d.dpl} < CPL ${cpl} or RPL ${sel & 3}`);
    }
    if (!d.present) throw np(code, `new task's segment 0x${sel.toString(16)} not present`);
    setSegmentCache(cpu, s, sel, d);
  }

  const csCode = (csSel & 0xfffc) | ext;
  if ((csSel & ~3) === 0) throw ts(csCode, 'new task has a null CS');
  const cd = descriptorOrNull(cpu, csSel);
  if (cd === null || !cd.s || (cd.type & 8) === 0) throw ts(csCode, `new task's CS 0x${csSel.toString(16)} is not a code segment`);
  const conforming = (cd.type & 4) !== 0;
  if (conforming ? cd.dpl > cpl : cd.dpl !== cpl) {
    throw ts(csCode, `new task's CS 0x${csSel.toString(16)}: DPL ${cd.dpl} does not suit RPL ${cpl}`);
  }
  if (!cd.present) throw np(csCode, `new task's CS 0x${csSel.toString(16)} not present`);
  setSegmentCache(cpu, CS, csSel, cd);
  cpu.code32 = cd.db;
}


