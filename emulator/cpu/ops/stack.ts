// PUSH POP (registers, immediates, segment registers, memory), PUSHA POPA, PUSHF POPF, ENTER LEAVE.
//
// The stack is SS:SP or SS:ESP by SS's B bit (cpu.stack32); the operand size decides how much each
// push or pop moves it (i386 PRM, "Stack Implementation"). Instructions that touch several stack
// slots check every slot before they write one or change ESP, so that a fault (#SS, #PF) leaves
// the machine as it was and the instruction can restart.

import { probeRead, probeWrite, segRead, segWrite, writeLin16 } from '../access.ts';
import { gp } from '../faults.ts';
import { getEflags, setEflagsMasked } from '../flags.ts';
import type { Insn } from '../insn.ts';
import { ea, readEv, readLin, readMem, setReg, writeLin } from '../operands.ts';
import { EBP, ESP, type Size, SS } from '../registers.ts';
import { loadDataSegment } from '../segments.ts';
import { getSP, peek, pop, push, setSP, spAdd } from '../stack.ts';
import { type Cpu, IOPL, RF, VM } from '../state.ts';
import { TLB_PAGE_MASK, TLB_VALID } from '../tlb.ts';
import { writableFlags } from './control.ts';

const vsize = (i: Insn): Size => i.osize as Size;

/** Register r at the operand size (16 or 32). */
const regV = (cpu: Cpu, r: number, osize: number): number => (osize === 32 ? cpu.reg[r]! : cpu.reg16[r << 1]!);

/**
 * The segment register a PUSH/POP Sreg opcode names: 06/07 ES, 0E CS, 16/17 SS, 1E/1F DS in
 * bits 4:3 of the one-byte opcodes; 0F A0/A1 FS and 0F A8/A9 GS.
 */
const sregOf = (opcode: number): number => (opcode < 0x100 ? (opcode >> 3) & 3 : (opcode >> 3) & 7);

/** Faults now (#SS, #PF) unless `w` bytes at SS:off can be written; writes nothing. */
function checkStackWrite(cpu: Cpu, off: number, w: number): void {
  const lin = segWrite(cpu, SS, off, w);
  const e = cpu.tlb[lin >>> 12]!;
  if ((e & cpu.writeMask) !== TLB_VALID || (lin & 0xfff) > 0x1000 - w) probeWrite(cpu, lin, w);
}

/** Faults now unless `w` bytes at SS:off can be read. */
function checkStackRead(cpu: Cpu, off: number, w: number): void {
  const lin = segRead(cpu, SS, off, w);
  const e = cpu.tlb[lin >>> 12]!;
  if ((e & cpu.readMask) !== TLB_VALID || (lin & 0xfff) > 0x1000 - w) probeRead(cpu, lin, w);
}

/** Writes a checked stack slot. */
function writeStack(cpu: Cpu, off: number, size: Size, v: number): void {
  writeLin(cpu, segWrite(cpu, SS, off, size >> 3), size, v);
}

// --- PUSH / POP --------------------------------------------------------------------------------

/**
 * 50+r: PUSH r16/r32. PUSH ESP pushes ESP as it was before the instruction (i386 PRM PUSH: "the
 * 80386 pushes the value of SP as it existed before the instruction").
 */
export function pushReg(cpu: Cpu, i: Insn): void {
  push(cpu, regV(cpu, i.opcode & 7, i.osize), i.osize);
}

/**
 * 58+r: POP r16/r32. The stack pointer moves before the register is written, so POP ESP leaves
 * ESP holding the value popped, and POP SP on a 32-bit stack keeps the incremented upper half.
 */
export function popReg(cpu: Cpu, i: Insn): void {
  const v = pop(cpu, i.osize);
  setReg(cpu, i.opcode & 7, vsize(i), v);
}

/** 68 Iv, 6A Ibs: PUSH imm (the byte form sign-extended to the operand size by decode). */
export function pushImm(cpu: Cpu, i: Insn): void {
  push(cpu, i.imm, i.osize);
}

/**
 * 06 0E 16 1E, 0F A0, 0F A8: PUSH Sreg. With a 32-bit operand size the stack pointer moves by 4.
 * The 386 then writes only the selector's word at the new top of stack and leaves the upper half
 * of the slot as it was (Intel SDM PUSH: "the segment selector is written on the stack using a
 * 16-bit move"; the i386 and i486 do this). The 486 model keeps the zero-extended dword of the
 * i386 PRM's pseudo-code ("(SS:ESP) := (SOURCE); dword assignment"), which the SDM also allows.
 */
export function pushSreg(cpu: Cpu, i: Insn): void {
  const sel = cpu.seg[sregOf(i.opcode)]!;
  if (i.osize === 32 && cpu.model === 386) pushSelectorWord(cpu, sel);
  else push(cpu, sel, i.osize);
}

/** The 386's 32-bit PUSH Sreg: eSP drops by 4, and a 16-bit write stores the selector there. */
function pushSelectorWord(cpu: Cpu, sel: number): void {
  const sp = spAdd(cpu, getSP(cpu), -4);
  writeLin16(cpu, segWrite(cpu, SS, sp, 2), sel);
  setSP(cpu, sp);
}

/**
 * 07 17 1F, 0F A1, 0F A9: POP Sreg. The selector is read, loaded (with the protected-mode checks
 * of loadDataSegment), and only then is the stack pointer moved, by the stack size in force when
 * the instruction began, so a load that faults leaves ESP as it was. POP SS holds off interrupts
 * until the next instruction has run, so that a POP SS / MOV ESP pair is not split.
 */
export function popSreg(cpu: Cpu, i: Insn): void {
  const s = sregOf(i.opcode);
  const stack32 = cpu.stack32;
  const sp = getSP(cpu);
  const sel = peek(cpu, 0, i.osize) & 0xffff;
  loadDataSegment(cpu, s, sel);
  const next = spAdd(cpu, sp, i.osize >> 3);
  if (stack32) cpu.reg[ESP] = next;
  else cpu.reg16[ESP << 1] = next;
  if (s === SS) cpu.inhibitIrq = true;
}

/**
 * FF /6: PUSH r/m. The operand is read first, so an address based on ESP uses ESP as it was
 * before the push.
 */
export function pushEv(cpu: Cpu, i: Insn): void {
  push(cpu, readEv(cpu, i), i.osize);
}

/**
 * 8F /0: POP r/m. i386 PRM POP: "If the destination operand uses ESP as a base register, the
 * processor computes the effective address after ESP has been incremented". The value and the
 * destination are both checked before ESP is committed, so a faulting write leaves ESP as it was.
 */
export function popEv(cpu: Cpu, i: Insn): void {
  const size = vsize(i);
  const sp = getSP(cpu);
  const v = peek(cpu, 0, size);
  const next = spAdd(cpu, sp, size >> 3);
  if (!i.isMem) {
    setSP(cpu, next);
    setReg(cpu, i.rm, size, v);
    return;
  }
  setSP(cpu, next);
  const off = ea(cpu, i);
  setSP(cpu, sp);
  const lin = segWrite(cpu, i.seg, off, size >> 3);
  writeLin(cpu, lin, size, v);
  setSP(cpu, next);
}

// --- PUSHA / POPA ---------------------------------------------------------------------------------

/**
 * 60: PUSHA / PUSHAD pushes eAX, eCX, eDX, eBX, the original eSP, eBP, eSI, eDI. Every slot is
 * checked before the first is written (a 16-bit stack wraps at 64 KiB slot by slot).
 */
export function pusha(cpu: Cpu, i: Insn): void {
  const size = vsize(i);
  if (size === 32 && cpu.stack32 && pushad32Fast(cpu)) return;
  const w = size >> 3;
  const sp = getSP(cpu);
  for (let k = 1; k <= 8; k++) checkStackWrite(cpu, spAdd(cpu, sp, -k * w), w);
  for (let r = 0; r < 8; r++) writeStack(cpu, spAdd(cpu, sp, -(r + 1) * w), size, regV(cpu, r, size));
  setSP(cpu, spAdd(cpu, sp, -8 * w));
}

/**
 * 61: POPA / POPAD pops eDI, eSI, eBP, (a slot it reads and discards), eBX, eDX, eCX, eAX. All
 * eight slots are read before any register changes.
 *
 * The 386's POPAD on a 16-bit stack (SS.B = 0) does not discard the whole ESP image: SP moves by
 * 32 as usual, but the high half of ESP is loaded from the image's high half. This is an
 * undocumented i386 erratum, observed on hardware by iPXE ("when the stack-address size is 16 bits
 * and the operand size is 32 bits, the popal instruction will erroneously load the high 16 bits of
 * %esp from the value stored on the stack": iPXE commit 481e043, "Work around two errata in the
 * 386's popal instruction"). A 16-bit POPA, a 32-bit stack and the 486 model discard the image,
 * as the manual says.
 */
export function popa(cpu: Cpu, i: Insn): void {
  const size = vsize(i);
  if (size === 32 && cpu.stack32 && popad32Fast(cpu)) return;
  const w = size >> 3;
  const di = peek(cpu, 0, size);
  const si = peek(cpu, w, size);
  const bp = peek(cpu, 2 * w, size);
  const spImage = peek(cpu, 3 * w, size); // the saved eSP: read (it must be readable); see above
  const bx = peek(cpu, 4 * w, size);
  const dx = peek(cpu, 5 * w, size);
  const cx = peek(cpu, 6 * w, size);
  const ax = peek(cpu, 7 * w, size);
  setSP(cpu, spAdd(cpu, getSP(cpu), 8 * w));
  if (size === 32 && !cpu.stack32 && cpu.model === 386) loadEspHigh(cpu, spImage);
  setReg(cpu, 7, size, di);
  setReg(cpu, 6, size, si);
  setReg(cpu, 5, size, bp);
  setReg(cpu, 3, size, bx);
  setReg(cpu, 2, size, dx);
  setReg(cpu, 1, size, cx);
  setReg(cpu, 0, size, ax);
}

// PUSHAD and POPAD on a 32-bit stack whose 32 bytes lie in one page that the TLB already maps for
// the access, inside SS's limits (a trap stub's every entry and exit): no slot can fault, so the
// eight slots are written or read directly, with what the slot-by-slot path does in every other
// respect (the same bytes, the TLB-hit count, ESP). Otherwise (false) that path runs.

function pushad32Fast(cpu: Cpu): boolean {
  const reg = cpu.reg;
  const top = (reg[ESP]! - 32) | 0;
  const o = top >>> 0;
  if (o < cpu.segMin[SS]! || o + 31 > cpu.segWMax[SS]!) return false;
  const lin = (cpu.segBase[SS]! + top) | 0;
  if ((lin & 0xfff) > 0xfe0) return false;
  const e = cpu.tlb[lin >>> 12]!;
  if ((e & cpu.writeMask) !== TLB_VALID) return false;
  const view = cpu.memView, p = (e & TLB_PAGE_MASK) | (lin & 0xfff);
  // EAX at the highest slot, EDI at the lowest; the ESP slot holds ESP as it was.
  for (let r = 0; r < 8; r++) view.setInt32(p + 28 - 4 * r, reg[r]!, true);
  cpu.tlbHits += 8;
  reg[ESP] = top;
  return true;
}

function popad32Fast(cpu: Cpu): boolean {
  const reg = cpu.reg;
  const sp = reg[ESP]!;
  const o = sp >>> 0;
  if (o < cpu.segMin[SS]! || o + 31 > cpu.segMax[SS]!) return false;
  const lin = (cpu.segBase[SS]! + sp) | 0;
  if ((lin & 0xfff) > 0xfe0) return false;
  const e = cpu.tlb[lin >>> 12]!;
  if ((e & cpu.readMask) !== TLB_VALID) return false;
  const view = cpu.memView, p = (e & TLB_PAGE_MASK) | (lin & 0xfff);
  cpu.tlbHits += 8;
  reg[ESP] = (sp + 32) | 0;
  // EDI from the lowest slot up to EAX; the ESP image (slot 3) is discarded.
  for (let r = 0; r < 8; r++) if (r !== ESP) reg[r] = view.getInt32(p + 28 - 4 * r, true);
  return true;
}

/** The high half of ESP from a POPAD's ESP image, SP kept (the 386 erratum above). */
function loadEspHigh(cpu: Cpu, spImage: number): void {
  cpu.reg[ESP] = (spImage & ~0xffff) | cpu.reg16[ESP << 1]!;
}

// --- PUSHF / POPF ---------------------------------------------------------------------------------

/** In virtual-8086 mode PUSHF and POPF are IOPL-sensitive (i386 PRM 15.2.3, "Sensitive Instructions"). */
function checkV86Iopl(cpu: Cpu, what: string): void {
  if ((cpu.flags & VM) !== 0 && (cpu.flags & IOPL) !== IOPL) throw gp(0, `${what} in virtual-8086 mode with IOPL < 3`);
}

/**
 * 9C: PUSHF / PUSHFD. The pushed image has VM and RF clear (i386 PRM PUSHF: "the VM and RF flags
 * are not copied"); PUSHF pushes the low 16 bits.
 */
export function pushf(cpu: Cpu, i: Insn): void {
  checkV86Iopl(cpu, 'PUSHF');
  push(cpu, getEflags(cpu) & ~(VM | RF), i.osize);
}

/**
 * 9D: POPF / POPFD. Which bits change depends on CPL and IOPL (writableFlags); VM and RF never do.
 * IF or TF may change, so the block ends here and the run loop looks at them again.
 */
export function popf(cpu: Cpu, i: Insn): void {
  checkV86Iopl(cpu, 'POPF');
  const v = pop(cpu, i.osize);
  setEflagsMasked(cpu, v, writableFlags(cpu, i.osize));
  cpu.blockExit = true;
}

// --- ENTER / LEAVE -----------------------------------------------------------------------------

/**
 * C8 Iw, Ib: ENTER size, level (i386 PRM ENTER). Pushes eBP; for a nesting level L > 0 copies L-1
 * frame pointers from the enclosing frame (read through eBP, SS:BP or SS:EBP by the stack size)
 * and pushes the new frame pointer; then eBP = the frame pointer and eSP drops by `size`.
 * Mixed operand and stack sizes follow Bochs: the frame pointer is SP (16-bit operands) or ESP.
 *
 * Every slot written and every frame pointer read is checked before anything is written or any
 * register changes, and so is a write of the operand size at the final eSP: it must lie within SS
 * ("#SS(0) if SP or ESP would exceed the stack limit at any point") and be writable through the
 * page tables (Intel SDM ENTER, protected-mode exceptions: "#PF(fault-code) ... if a write using
 * the final value of the stack pointer (within the current stack segment) would cause a page
 * fault"), so the #PF carries that write's error code and CR2, and the instruction restarts.
 */
export function enter(cpu: Cpu, i: Insn): void {
  const size = vsize(i);
  const w = size >> 3;
  const level = i.imm2 & 31;
  const alloc = i.imm & 0xffff;
  const sp0 = getSP(cpu);
  const bp0 = cpu.stack32 ? cpu.reg[EBP]! : cpu.reg16[EBP << 1]!;
  const pushes = level === 0 ? 1 : level + 1;

  for (let k = 1; k <= pushes; k++) checkStackWrite(cpu, spAdd(cpu, sp0, -k * w), w);
  for (let k = 1; k < level; k++) checkStackRead(cpu, spAdd(cpu, bp0, -k * w), w);
  const spEnd = spAdd(cpu, sp0, -pushes * w - alloc);
  checkStackWrite(cpu, spEnd, w);

  // Nothing below can fault: perform the accesses in the manual's order (the copies may overlap
  // the slots just written when the frames are adjacent).
  let sp = spAdd(cpu, sp0, -w);
  writeStack(cpu, sp, size, regV(cpu, EBP, size));
  const frame = size === 16 ? sp & 0xffff : cpu.stack32 ? sp : (cpu.reg[ESP]! & ~0xffff) | sp;
  if (level > 0) {
    for (let k = 1; k < level; k++) {
      const v = readLin(cpu, segRead(cpu, SS, spAdd(cpu, bp0, -k * w), w), size);
      sp = spAdd(cpu, sp, -w);
      writeStack(cpu, sp, size, v);
    }
    sp = spAdd(cpu, sp, -w);
    writeStack(cpu, sp, size, frame);
    // i386 PRM ENTER clocks: 10 for level 0, 12 for level 1, 15 + 4(L-1) for L > 1.
    cpu.cycles += level === 1 ? 2 : 5 + 4 * (level - 1);
  }
  setReg(cpu, EBP, size, frame);
  setSP(cpu, spEnd);
}

/**
 * C9: LEAVE. eSP = eBP (SP = BP on a 16-bit stack), then pop eBP; the pop is read before either
 * register changes.
 */
export function leave(cpu: Cpu, i: Insn): void {
  const size = vsize(i);
  const sp = cpu.stack32 ? cpu.reg[EBP]! : cpu.reg16[EBP << 1]!;
  const v = readMem(cpu, SS, sp, size);
  setSP(cpu, spAdd(cpu, sp, size >> 3));
  setReg(cpu, EBP, size, v);
}
