// System instructions: the flag instructions (CLC STC CMC CLD STD CLI STI SAHF LAHF), HLT, WAIT
// and the coprocessor escapes, the descriptor-table registers (LGDT LIDT SGDT SIDT LLDT SLDT LTR
// STR), the selector checks (LAR LSL VERR VERW ARPL), the machine status word (LMSW SMSW CLTS),
// MOV to and from the control, debug and test registers, and the 486's INVLPG INVD WBINVD CPUID.
//
// Choices where the hardware leaves room (each is repeated beside its code):
// - No FPU. ts386 behaves as a 386 with no coprocessor and CR0.EM = 1: every ESC opcode (D8-DF)
//   raises #NM whatever CR0 holds, so a guest can emulate the FPU in its #NM handler. WAIT raises
//   #NM only when CR0.MP and CR0.TS are both set (i386 PRM, WAIT). CPUID reports no FPU.
// - SGDT/SIDT store all 32 bits of the base for both operand sizes (i386 PRM, LGDT/LIDT: "With the
//   80386, the upper eight bits are written with the high-order eight address bits, for both a
//   16-bit operand and a 32-bit operand"). A base loaded by a 16-bit LGDT has a zero high byte, so
//   that is also what the SGDT page's compatibility note ("the 80386 stores 0's") describes; the
//   80286's 0xFF is not reproduced.
// - SMSW, SLDT and STR to a 32-bit register write the whole register: all of CR0 for SMSW (as
//   386s do), the selector zero-extended for SLDT and STR. To memory they always write 16 bits.
// - CR0 keeps only the bits the model has (386: PE MP EM TS ET PG; the 486 adds NE WP AM NW CD);
//   ET always reads 1. CR1 and CR4-CR7 are #UD on both models (CR4 arrives with the Pentium).
// - The test registers (TR6/TR7; the 486 adds TR3-TR5) are stored and read back, nothing more:
//   the TLB and cache tests they drive are not modelled. They live in a WeakMap keyed by the Cpu,
//   below, only because state.ts (which owns the processor's state) is not this module's to
//   change; they belong there, beside `dr`.

import { probeWrite, readSys32, segWrite, writeLin16, writeLin32, writeSys32 } from '../access.ts';
import { CpuFault, gp, np, ud, Vector } from '../faults.ts';
import { getCF, getEflags, materializeFlags, setCF, setEflagsMasked } from '../flags.ts';
import type { Insn } from '../insn.ts';
import { clocksFor } from '../optable.ts';
import { ea, getReg8, readEw, readMem16, readMem32, setReg, setReg8, writeE } from '../operands.ts';
import { EAX, EBX, ECX, EDX, type Size } from '../registers.ts';
import { descriptorAddress, descriptorOrNull, type Descriptor, isProtected, parseDescriptor } from '../segments.ts';
import {
  AF, CF, type Cpu, CR0_AM, CR0_EM, CR0_ET, CR0_MP, CR0_NE, CR0_PE, CR0_PG, CR0_TS, CR0_WP, DF, IF,
  IOPL, PF, SF, VM, ZF,
} from '../state.ts';
import { tlbFlush, tlbFlushPage, updateAccessMasks } from '../tlb.ts';

/** AH in the 8-bit register numbering (AL CL DL BL AH CH DH BH). */
const AH = 4;

/** The 486's cache-control bits of CR0 (i486 PRM, "Control Registers"); state.ts names the rest. */
const CR0_NW = 1 << 29, CR0_CD = 1 << 30;
const CR0_BITS_386 = CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_ET | CR0_PG;
const CR0_BITS_486 = CR0_BITS_386 | CR0_NE | CR0_WP | CR0_AM | CR0_NW | CR0_CD;

/** The flags SAHF loads and LAHF stores (i386 PRM, SAHF / LAHF). */
const AH_FLAGS = SF | ZF | AF | PF | CF;

// Clock counts that depend on which register a MOV CRn/DRn names: decode charged the row's default
// (CR0, DR0-3), and the handler corrects it (cycles.ts, "MOV Cd,Rd/CRn").
const CLK_MOV_CR0_W = clocksFor('MOV Cd,Rd/CR0').r;
const CLK_MOV_CR2_W = clocksFor('MOV Cd,Rd/CR2').r;
const CLK_MOV_CR3_W = clocksFor('MOV Cd,Rd/CR3').r;
const CLK_MOV_DR67_R = clocksFor('MOV Rd,Dd/DR6-7').r;
const CLK_MOV_DR67_W = clocksFor('MOV Dd,Rd/DR6-7').r;
/** LSL of a page-granular segment: 25/26 instead of 20/21 (i386 PRM, LSL). */
const CLK_LSL_PAGE_EXTRA = 5;

// --- privilege and mode checks -------------------------------------------------------------------

/**
 * Instructions the manual lists with "#GP(0) if the current privilege level is not 0": allowed in
 * real mode, faulting at CPL > 0 and in virtual-8086 mode (which runs at CPL 3).
 */
function requireCpl0(cpu: Cpu, what: string): void {
  if ((cpu.cr0 & CR0_PE) !== 0 && (cpu.cpl !== 0 || (cpu.flags & VM) !== 0)) {
    throw gp(0, `${what} at CPL ${(cpu.flags & VM) !== 0 ? '3 (virtual-8086 mode)' : cpu.cpl}`);
  }
}

/** LLDT SLDT LTR STR LAR LSL VERR VERW ARPL are "not recognized in Real Address Mode" or v86 mode. */
function requireProtected(cpu: Cpu, what: string): void {
  if (!isProtected(cpu)) throw ud(`${what} is not recognized in real-address or virtual-8086 mode`);
}

function setZF(cpu: Cpu, on: boolean): void {
  materializeFlags(cpu);
  cpu.flags = on ? cpu.flags | ZF : cpu.flags & ~ZF;
}

const iopl = (cpu: Cpu): number => (cpu.flags & IOPL) >>> 12;

// --- flags -------------------------------------------------------------------------------------

export function clc(cpu: Cpu, _i: Insn): void { setCF(cpu, 0); }
export function stc(cpu: Cpu, _i: Insn): void { setCF(cpu, 1); }
export function cmc(cpu: Cpu, _i: Insn): void { setCF(cpu, getCF(cpu) ^ 1); }
export function cld(cpu: Cpu, _i: Insn): void { setEflagsMasked(cpu, 0, DF); }
export function std(cpu: Cpu, _i: Insn): void { setEflagsMasked(cpu, DF, DF); }

/** 9E: SAHF loads SF ZF AF PF CF from AH (bits 7 6 4 2 0). */
export function sahf(cpu: Cpu, _i: Insn): void {
  setEflagsMasked(cpu, getReg8(cpu, AH), AH_FLAGS);
}

/** 9F: LAHF stores SF ZF AF PF CF in AH, with bit 1 set and bits 3 and 5 clear, as EFLAGS has them. */
export function lahf(cpu: Cpu, _i: Insn): void {
  setReg8(cpu, AH, (getEflags(cpu) & AH_FLAGS) | 2);
}

/**
 * The IF check of CLI and STI (i386 PRM, CLI / STI): in protected mode CPL must not exceed IOPL, and
 * in virtual-8086 mode IOPL must be 3; #GP(0) otherwise.
 */
function checkIfChange(cpu: Cpu, what: string): void {
  if ((cpu.flags & VM) !== 0) {
    if (iopl(cpu) < 3) throw gp(0, `${what} in virtual-8086 mode with IOPL ${iopl(cpu)}`);
  } else if ((cpu.cr0 & CR0_PE) !== 0 && cpu.cpl > iopl(cpu)) {
    throw gp(0, `${what} at CPL ${cpu.cpl} > IOPL ${iopl(cpu)}`);
  }
}

export function cli(cpu: Cpu, _i: Insn): void {
  checkIfChange(cpu, 'CLI');
  setEflagsMasked(cpu, 0, IF);
}

/** FB: STI. When it sets IF, interrupts stay held off until the next instruction has run. */
export function sti(cpu: Cpu, _i: Insn): void {
  checkIfChange(cpu, 'STI');
  if ((cpu.flags & IF) === 0) cpu.inhibitIrq = true;
  setEflagsMasked(cpu, IF, IF);
}

// --- processor control ----------------------------------------------------------------------------

/** The #UD row of the opcode maps; decode already raises #UD for it, so this runs only if called directly. */
export function invalid(_cpu: Cpu, i: Insn): void {
  throw ud(`undefined opcode ${i.opcode > 0xff ? '0F ' : ''}${(i.opcode & 0xff).toString(16).padStart(2, '0')}`);
}

/** F4: HLT stops instruction execution until an interrupt; privileged in protected mode. */
export function hlt(cpu: Cpu, _i: Insn): void {
  requireCpl0(cpu, 'HLT');
  cpu.halted = true;
  cpu.blockExit = true;
}

/** 9B: WAIT. With no coprocessor it only checks CR0: #NM when both MP and TS are set. */
export function wait(cpu: Cpu, _i: Insn): void {
  if ((cpu.cr0 & (CR0_MP | CR0_TS)) === (CR0_MP | CR0_TS)) {
    throw new CpuFault(Vector.NM, -1, 'WAIT with CR0.MP and CR0.TS set');
  }
}

/**
 * D8-DF: coprocessor escape. ts386 has no FPU and behaves as a 386 with CR0.EM = 1: every ESC
 * raises #NM (i386 PRM 11.2, "Emulation"), before touching its memory operand.
 */
export function esc(_cpu: Cpu, i: Insn): void {
  throw new CpuFault(Vector.NM, -1, `coprocessor instruction ${i.opcode.toString(16)} /${i.reg}: no FPU`);
}

// --- descriptor-table registers ----------------------------------------------------------------

/** Offset `k` bytes past the memory operand, wrapping as the address size does. */
function eaPlus(cpu: Cpu, i: Insn, k: number): number {
  const off = ea(cpu, i) + k;
  return i.asize === 32 ? off | 0 : off & 0xffff;
}

/**
 * The six-byte operand of LGDT/LIDT: a 16-bit limit, then the base. With a 16-bit operand size only
 * 24 bits of base are loaded (i386 PRM, LGDT/LIDT). Both reads happen before anything changes.
 */
function readTablePointer(cpu: Cpu, i: Insn): [limit: number, base: number] {
  const limit = readMem16(cpu, i.seg, ea(cpu, i));
  const base = readMem32(cpu, i.seg, eaPlus(cpu, i, 2));
  return [limit, i.osize === 32 ? base : base & 0x00ffffff];
}

/** SGDT/SIDT: every byte is checked for a write before the first is written. */
function storeTablePointer(cpu: Cpu, i: Insn, limit: number, base: number): void {
  const linLimit = segWrite(cpu, i.seg, ea(cpu, i), 2);
  const linBase = segWrite(cpu, i.seg, eaPlus(cpu, i, 2), 4);
  probeWrite(cpu, linLimit, 2);
  probeWrite(cpu, linBase, 4);
  writeLin16(cpu, linLimit, limit);
  // All 32 bits for both operand sizes: see the note at the top of this file.
  writeLin32(cpu, linBase, base);
}

/** 0F 01 /2: LGDT m16&32. */
export function lgdt(cpu: Cpu, i: Insn): void {
  requireCpl0(cpu, 'LGDT');
  const [limit, base] = readTablePointer(cpu, i);
  cpu.gdtrLimit = limit;
  cpu.gdtrBase = base;
}

/** 0F 01 /3: LIDT m16&32. */
export function lidt(cpu: Cpu, i: Insn): void {
  requireCpl0(cpu, 'LIDT');
  const [limit, base] = readTablePointer(cpu, i);
  cpu.idtrLimit = limit;
  cpu.idtrBase = base;
}

/** 0F 01 /0: SGDT m. Allowed at any privilege level on the 386. */
export function sgdt(cpu: Cpu, i: Insn): void {
  storeTablePointer(cpu, i, cpu.gdtrLimit, cpu.gdtrBase);
}

/** 0F 01 /1: SIDT m. */
export function sidt(cpu: Cpu, i: Insn): void {
  storeTablePointer(cpu, i, cpu.idtrLimit, cpu.idtrBase);
}

/** Stores a 16-bit value to Ew: 16 bits to memory, zero-extended to a 32-bit register. */
function storeSelector(cpu: Cpu, i: Insn, v: number): void {
  if (i.isMem) writeE(cpu, i, 16, v);
  else setReg(cpu, i.rm, i.osize as Size, v);
}

/** 0F 00 /0: SLDT Ew. */
export function sldt(cpu: Cpu, i: Insn): void {
  requireProtected(cpu, 'SLDT');
  storeSelector(cpu, i, cpu.ldtrSel);
}

/** 0F 00 /1: STR Ew. */
export function str(cpu: Cpu, i: Insn): void {
  requireProtected(cpu, 'STR');
  storeSelector(cpu, i, cpu.trSel);
}

/**
 * The GDT descriptor LLDT or LTR names: #GP(selector) when the selector points into the LDT or
 * beyond the GDT's limit (i386 PRM, LLDT / LTR "Protected Mode Exceptions").
 */
function gdtSystemDescriptor(cpu: Cpu, sel: number, what: string): [addr: number, d: Descriptor] {
  if ((sel & 4) !== 0) throw gp(sel & 0xfffc, `${what}: selector 0x${sel.toString(16)} names the LDT`);
  const addr = descriptorAddress(cpu, sel);
  return [addr, parseDescriptor(readSys32(cpu, addr), readSys32(cpu, addr + 4))];
}

/**
 * 0F 00 /2: LLDT Ew. A null selector leaves no usable LDT (a later reference through one is
 * #GP); otherwise the selector must name a present LDT descriptor (type 2) in the GDT.
 */
export function lldt(cpu: Cpu, i: Insn): void {
  requireProtected(cpu, 'LLDT');
  requireCpl0(cpu, 'LLDT');
  loadLdtr(cpu, readEw(cpu, i));
}

/** What LLDT does with its selector (also the machine's HostPort.lldt). */
export function loadLdtr(cpu: Cpu, sel: number): void {
  if ((sel & ~3) === 0) {
    cpu.ldtrSel = sel;
    cpu.ldtrBase = 0;
    cpu.ldtrLimit = 0;
    return;
  }
  const [, d] = gdtSystemDescriptor(cpu, sel, 'LLDT');
  if (d.s || d.type !== 2) throw gp(sel & 0xfffc, `LLDT: selector 0x${sel.toString(16)} is not an LDT descriptor (type ${d.type})`);
  if (!d.present) throw np(sel & 0xfffc, `LLDT: LDT 0x${sel.toString(16)} not present`);
  cpu.ldtrSel = sel;
  cpu.ldtrBase = d.base;
  cpu.ldtrLimit = d.limit;
}

/**
 * 0F 00 /3: LTR Ew. The selector must name a present, available TSS (type 1, 286, or 9, 386) in the
 * GDT; LTR marks it busy in the GDT (type |= 2) before loading TR, so a fault on that write
 * changes nothing.
 */
export function ltr(cpu: Cpu, i: Insn): void {
  requireProtected(cpu, 'LTR');
  requireCpl0(cpu, 'LTR');
  loadTr(cpu, readEw(cpu, i));
}

/** What LTR does with its selector (also the machine's HostPort.ltr). */
export function loadTr(cpu: Cpu, sel: number): void {
  if ((sel & ~3) === 0) throw gp(0, 'LTR with a null selector');
  const [addr, d] = gdtSystemDescriptor(cpu, sel, 'LTR');
  if (d.s || (d.type !== 1 && d.type !== 9)) {
    throw gp(sel & 0xfffc, `LTR: selector 0x${sel.toString(16)} is not an available TSS (type ${d.type})`);
  }
  if (!d.present) throw np(sel & 0xfffc, `LTR: TSS 0x${sel.toString(16)} not present`);
  writeSys32(cpu, addr + 4, d.hi | (2 << 8));
  cpu.trSel = sel;
  cpu.trBase = d.base;
  cpu.trLimit = d.limit;
  cpu.trType = d.type | 2;
}

// --- selector checks: LAR LSL VERR VERW ARPL ---------------------------------------------------------

/**
 * The descriptor a selector names, or null when it names none: a null selector, the LDT when
 * none is loaded, or beyond its table's limit. These instructions report such a selector in ZF
 * rather than faulting (i386 PRM, LAR / LSL / VERR: the selector must lie within its table).
 */
function lookupDescriptor(cpu: Cpu, sel: number): Descriptor | null {
  return (sel & ~3) === 0 ? null : descriptorOrNull(cpu, sel);
}

const isConformingCode = (d: Descriptor): boolean => d.s && (d.type & 0xc) === 0xc;

/** Visible from CPL with this RPL: DPL >= max(CPL, RPL), except for conforming code segments. */
function visible(cpu: Cpu, sel: number, d: Descriptor): boolean {
  return isConformingCode(d) || (d.dpl >= cpu.cpl && d.dpl >= (sel & 3));
}

// System descriptor types LAR and LSL accept, as bit masks over the type (i386 PRM, LAR / LSL):
// LAR: 286 TSS (1, 3), LDT (2), 286 call gate (4), task gate (5), 386 TSS (9, B), 386 call gate (C).
// LSL: the ones that have a limit: the TSSs and the LDT.
const LAR_SYSTEM_TYPES = (1 << 1) | (1 << 2) | (1 << 3) | (1 << 4) | (1 << 5) | (1 << 9) | (1 << 0xb) | (1 << 0xc);
const LSL_SYSTEM_TYPES = (1 << 1) | (1 << 2) | (1 << 3) | (1 << 9) | (1 << 0xb);

/**
 * 0F 02: LAR Gv,Ew. Loads the descriptor's access rights — its high dword masked with 00FFFF00
 * (32-bit) or FF00 (16-bit) — and sets ZF; clears ZF and leaves Gv alone when the selector is
 * invalid, of the wrong type or not visible.
 */
export function lar(cpu: Cpu, i: Insn): void {
  requireProtected(cpu, 'LAR');
  const sel = readEw(cpu, i);
  const d = lookupDescriptor(cpu, sel);
  if (d === null || (!d.s && (LAR_SYSTEM_TYPES & (1 << d.type)) === 0) || !visible(cpu, sel, d)) {
    setZF(cpu, false);
    return;
  }
  // i386 PRM writes the 32-bit mask as 00FxFF00 (the limit 19:16 nibble undefined); 386s load it.
  setReg(cpu, i.reg, i.osize as Size, i.osize === 32 ? d.hi & 0x00ffff00 : d.hi & 0xff00);
  setZF(cpu, true);
}

/** 0F 03: LSL Gv,Ew. Loads the byte-granular segment limit (G applied), as LAR decides validity. */
export function lsl(cpu: Cpu, i: Insn): void {
  requireProtected(cpu, 'LSL');
  const sel = readEw(cpu, i);
  const d = lookupDescriptor(cpu, sel);
  if (d === null || (!d.s && (LSL_SYSTEM_TYPES & (1 << d.type)) === 0) || !visible(cpu, sel, d)) {
    setZF(cpu, false);
    return;
  }
  if (d.granularity) cpu.cycles += CLK_LSL_PAGE_EXTRA;
  setReg(cpu, i.reg, i.osize as Size, i.osize === 32 ? d.limit | 0 : d.limit & 0xffff);
  setZF(cpu, true);
}

/**
 * 0F 00 /4: VERR Ew. ZF = 1 when the selector names a readable code or data segment visible at
 * CPL and RPL (a readable conforming code segment at any DPL). Presence is not checked.
 */
export function verr(cpu: Cpu, i: Insn): void {
  requireProtected(cpu, 'VERR');
  const sel = readEw(cpu, i);
  const d = lookupDescriptor(cpu, sel);
  const readable = d !== null && d.s && ((d.type & 8) === 0 || (d.type & 2) !== 0);
  setZF(cpu, readable && visible(cpu, sel, d));
}

/** 0F 00 /5: VERW Ew. ZF = 1 for a writable data segment visible at CPL and RPL; never for code. */
export function verw(cpu: Cpu, i: Insn): void {
  requireProtected(cpu, 'VERW');
  const sel = readEw(cpu, i);
  const d = lookupDescriptor(cpu, sel);
  const writable = d !== null && d.s && (d.type & 0xa) === 2;
  setZF(cpu, writable && visible(cpu, sel, d));
}

/**
 * 63: ARPL Ew,Gw. Raises the RPL of the selector in Ew to Gw's RPL when it is lower (ZF = 1), else
 * leaves it (ZF = 0). A memory destination is read, and checked for writing only when the RPL
 * changes: the chip writes nothing otherwise, so an ARPL that changes nothing raises no fault on a
 * read-only data segment (i386 PRM ARPL: "IF RPL bits(0,1) of DEST < RPL bits(0,1) of SRC THEN
 * ... RPL bits(0,1) of DEST := RPL bits(0,1) of SRC"; the write is inside the IF).
 */
export function arpl(cpu: Cpu, i: Insn): void {
  requireProtected(cpu, 'ARPL');
  const src = cpu.reg16[i.reg << 1]! & 3;
  if (i.isMem) {
    const off = ea(cpu, i);
    const dest = readMem16(cpu, i.seg, off);
    const raise = (dest & 3) < src;
    if (raise) writeLin16(cpu, segWrite(cpu, i.seg, off, 2), (dest & ~3) | src);
    setZF(cpu, raise);
    return;
  }
  const dest = cpu.reg16[i.rm << 1]!;
  if ((dest & 3) < src) {
    cpu.reg16[i.rm << 1] = (dest & ~3) | src;
    setZF(cpu, true);
  } else {
    setZF(cpu, false);
  }
}

// --- machine status word and CR0 ---------------------------------------------------------------

/**
 * Writes CR0 with the model's bits (ET stays 1). PG without PE, and (486) NW without CD, are
 * #GP(0). Changing PG flushes the TLB; WP and PE change what memory accesses may do, so the
 * access masks are recomputed and the block ends.
 */
export function writeCr0(cpu: Cpu, value: number): void {
  const v = (value & (cpu.model === 486 ? CR0_BITS_486 : CR0_BITS_386)) | CR0_ET;
  if ((v & CR0_PG) !== 0 && (v & CR0_PE) === 0) throw gp(0, 'CR0: PG set with PE clear');
  if ((v & CR0_NW) !== 0 && (v & CR0_CD) === 0) throw gp(0, 'CR0: NW set with CD clear');
  const old = cpu.cr0;
  cpu.cr0 = v;
  // i386 PRM 5.2.5, "Page Translation Cache": the TLB holds translations of the paging mode that
  // made them; turning paging on or off invalidates every entry.
  if (((old ^ v) & CR0_PG) !== 0) tlbFlush(cpu);
  updateAccessMasks(cpu);
  cpu.blockExit = true;
}

/** 0F 01 /4: SMSW Ew. Any CPL. 16 bits to memory; to a 32-bit register, all of CR0 (as 386s do). */
export function smsw(cpu: Cpu, i: Insn): void {
  // "2/3, pm=2/2": the memory form is a clock faster in protected mode.
  if (i.isMem && (cpu.cr0 & CR0_PE) !== 0) cpu.cycles -= 1;
  if (i.isMem) writeE(cpu, i, 16, cpu.cr0 & 0xffff);
  else setReg(cpu, i.rm, i.osize as Size, i.osize === 32 ? cpu.cr0 : cpu.cr0 & 0xffff);
}

/** 0F 01 /6: LMSW Ew loads PE MP EM TS; it can set PE but not clear it (i386 PRM, LMSW). */
export function lmsw(cpu: Cpu, i: Insn): void {
  requireCpl0(cpu, 'LMSW');
  const msw = readEw(cpu, i);
  writeCr0(cpu, (cpu.cr0 & ~0xf) | (msw & 0xf) | (cpu.cr0 & CR0_PE));
}

/** 0F 06: CLTS clears CR0.TS. */
export function clts(cpu: Cpu, _i: Insn): void {
  requireCpl0(cpu, 'CLTS');
  cpu.cr0 &= ~CR0_TS;
}

// --- MOV to and from CRn, DRn, TRn ------------------------------------------------------------------
// ModRM.reg names the special register and ModRM.rm the general register, whatever mod says
// (decode treats these rows as register-only). All need CPL 0 in protected mode and are #GP(0) in
// virtual-8086 mode; in real mode they are allowed.

/** CR0, CR2 and CR3 exist; the rest are #UD (checked before the privilege level). */
function checkCr(cpu: Cpu, n: number): void {
  if (n !== 0 && n !== 2 && n !== 3) throw ud(`CR${n} does not exist on the ${cpu.model}`);
  requireCpl0(cpu, `MOV CR${n}`);
}

/** 0F 20: MOV r32, CRn. */
export function movRdCd(cpu: Cpu, i: Insn): void {
  checkCr(cpu, i.reg);
  cpu.reg[i.rm] = i.reg === 0 ? cpu.cr0 : i.reg === 2 ? cpu.cr2 : cpu.cr3;
}

/** Bits of CR3 that exist: the page directory base, and on the 486 PWT and PCD. */
const CR3_BITS_386 = ~0xfff, CR3_BITS_486 = ~0xfff | 0x18;

/** 0F 22: MOV CRn, r32. */
export function movCdRd(cpu: Cpu, i: Insn): void {
  checkCr(cpu, i.reg);
  const v = cpu.reg[i.rm]!;
  if (i.reg === 0) {
    cpu.cycles += CLK_MOV_CR0_W - i.cycles;
    writeCr0(cpu, v);
  } else if (i.reg === 2) {
    cpu.cycles += CLK_MOV_CR2_W - i.cycles;
    cpu.cr2 = v;
  } else {
    cpu.cycles += CLK_MOV_CR3_W - i.cycles;
    writeCr3(cpu, v);
  }
}

/** What MOV CR3 does with its value (also the machine's HostPort.writeCR3). */
export function writeCr3(cpu: Cpu, v: number): void {
  cpu.cr3 = v & (cpu.model === 486 ? CR3_BITS_486 : CR3_BITS_386);
  // i386 PRM 5.2.5, "Page Translation Cache": loading CR3 is how the operating system
  // invalidates the TLB (even with the same value). Nothing else flushes it except PG changing
  // and, on the 486, INVLPG: a kernel that edits a page table and forgets this sees stale
  // translations.
  tlbFlush(cpu);
  cpu.blockExit = true;
  cpu.debug?.cr3Loaded(cpu);
}

/** DR4 and DR5 are DR6 and DR7 under other names (i386 PRM 12.2, "Debug Registers"). */
const drIndex = (n: number): number => (n === 4 || n === 5 ? n + 2 : n);

/** 0F 21: MOV r32, DRn. */
export function movRdDd(cpu: Cpu, i: Insn): void {
  requireCpl0(cpu, `MOV DR${i.reg}`);
  const n = drIndex(i.reg);
  if (n >= 6) cpu.cycles += CLK_MOV_DR67_R - i.cycles;
  cpu.reg[i.rm] = cpu.dr[n]!;
}

/** 0F 23: MOV DRn, r32. Breakpoints are stored, not yet acted on. */
export function movDdRd(cpu: Cpu, i: Insn): void {
  requireCpl0(cpu, `MOV DR${i.reg}`);
  const n = drIndex(i.reg);
  if (n >= 6) cpu.cycles += CLK_MOV_DR67_W - i.cycles;
  cpu.dr[n] = cpu.reg[i.rm]!;
}

/** The test registers, per Cpu (see the note at the top: they belong in state.ts). */
const testRegisters = new WeakMap<Cpu, Int32Array>();

function testRegs(cpu: Cpu): Int32Array {
  let t = testRegisters.get(cpu);
  if (t === undefined) {
    t = new Int32Array(8);
    testRegisters.set(cpu, t);
  }
  return t;
}

/** The 386 has TR6 and TR7 (TLB test); the 486 adds TR3-TR5 (cache test). Others are #UD. */
function checkTr(cpu: Cpu, n: number): void {
  if (n < (cpu.model === 486 ? 3 : 6)) throw ud(`TR${n} does not exist on the ${cpu.model}`);
  requireCpl0(cpu, `MOV TR${n}`);
}

/** 0F 24: MOV r32, TRn. */
export function movRdTd(cpu: Cpu, i: Insn): void {
  checkTr(cpu, i.reg);
  cpu.reg[i.rm] = testRegs(cpu)[i.reg]!;
}

/** 0F 26: MOV TRn, r32. */
export function movTdRd(cpu: Cpu, i: Insn): void {
  checkTr(cpu, i.reg);
  testRegs(cpu)[i.reg] = cpu.reg[i.rm]!;
}

// --- 486 -----------------------------------------------------------------------------------------------

/**
 * 0F 01 /7: INVLPG m (486). Drops the TLB entry for the page holding the operand's linear address
 * (segment base + offset; no limit check and no memory access). Decode #UDs it on the 386.
 */
export function invlpgM(cpu: Cpu, i: Insn): void {
  requireCpl0(cpu, 'INVLPG');
  invlpg(cpu, (cpu.segBase[i.seg]! + ea(cpu, i)) | 0);
}

/** What INVLPG does with its linear address (also the machine's HostPort.invlpg, machine-host-port.ts). */
export function invlpg(cpu: Cpu, lin: number): void {
  tlbFlushPage(cpu, lin >>> 12);
  cpu.blockExit = true;
  cpu.debug?.invlpg(cpu, lin);
}

/** 0F 08 INVD, 0F 09 WBINVD (486): no cache is modelled, so only the privilege check remains. */
export function invd(cpu: Cpu, _i: Insn): void {
  requireCpl0(cpu, 'INVD/WBINVD');
}

/** "GenuineIntel" as CPUID leaf 0 returns it, in EBX, EDX, ECX. */
const VENDOR_EBX = 0x756e6547, VENDOR_EDX = 0x49656e69, VENDOR_ECX = 0x6c65746e;
/**
 * Family 4, model 0, stepping 2: the same signature resetRegisters leaves in EDX for the 486
 * model. The feature flags (EDX) are all 0: bit 0 (FPU) is clear because ESC raises #NM.
 */
const CPUID_SIGNATURE = 0x0402;

/**
 * 0F A2: CPUID (486 model; decode #UDs it on the 386). Leaf 0: highest leaf 1 and the vendor;
 * leaf 1: signature and (no) features. Higher leaves return leaf 1's data, as the SDM says
 * processors do for a leaf beyond the highest.
 */
export function cpuid(cpu: Cpu, _i: Insn): void {
  const reg = cpu.reg;
  if (reg[EAX] === 0) {
    reg[EAX] = 1;
    reg[EBX] = VENDOR_EBX;
    reg[EDX] = VENDOR_EDX;
    reg[ECX] = VENDOR_ECX;
  } else {
    reg[EAX] = CPUID_SIGNATURE;
    reg[EBX] = 0;
    reg[ECX] = 0;
    reg[EDX] = 0;
  }
}
