// MOVS CMPS STOS LODS SCAS INS OUTS, alone or with a REP prefix (i386 PRM, the string instruction
// pages and "REP/REPE/REPZ/REPNE/REPNZ").
//
// The source is DS:eSI (another segment with an override prefix), the destination ES:eDI (never
// overridden); the address size picks SI/DI/CX or ESI/EDI/ECX, DF the direction. Even opcodes move
// bytes, odd ones the operand size. REPE (F3) and REPNE (F2) differ only for CMPS and SCAS; on
// the other five either prefix repeats the instruction eCX times.
//
// Restart semantics. A REP instruction is a loop of iterations, each of which commits eSI, eDI and
// eCX before the next begins. An iteration that faults (a #PF when the copy reaches an unmapped
// page, say) leaves the registers as the finished iterations left them, and step() restarts the
// instruction from its first prefix byte: after the handler has paged the memory in, the REP
// carries on where it stopped. The same mechanism bounds the time one instruction may take: after
// MAX_ITERATIONS iterations the handler points EIP back at the instruction and ends the block, so
// interrupts are taken and the clock advances between chunks of a long REP, deterministically.
//
// Speed. REP MOVS and REP STOS with DF = 0 copy or fill a whole page-bounded chunk at once with
// copyWithin/fill, when the TLB entries of source and destination allow direct access to RAM
// (access.ts's fast-path test). A destination page holding decoded code has TLB_SLOW_WRITE set, so
// it fails the test and takes the element-by-element path, which drops the stale code (SMC).

import { probeWrite, segRead, segWrite } from '../access.ts';
import { setFlagsSub } from '../flags.ts';
import { type Insn, REP_NONE, REPE } from '../insn.ts';
import { readLin, readMem, setReg, trunc, writeLin } from '../operands.ts';
import { CS, EAX, ECX, EDI, EDX, ES, ESI, type Size } from '../registers.ts';
import { type Cpu, DF, TF } from '../state.ts';
import { TLB_PAGE_MASK, TLB_VALID } from '../tlb.ts';
import { checkIoPermission, portRead, portWrite, protectedModeClocks } from './io.ts';

/** Iterations one handler call may run before it yields (see "Restart semantics" above). */
export const MAX_ITERATIONS = 4096;

/**
 * How many iterations this call may run. With TF set, a repeated string instruction traps after
 * every iteration (the trap's EIP is the instruction itself while iterations remain), so the
 * single-step loop in step.ts gets one iteration at a time.
 */
const iterationLimit = (cpu: Cpu): number => ((cpu.flags & TF) !== 0 ? 1 : MAX_ITERATIONS);

/** Element size: byte for the even opcodes (A4 A6 AA AC AE 6C 6E), else the operand size. */
const elemSize = (i: Insn): Size => ((i.opcode & 1) === 0 ? 8 : (i.osize as Size));

/** eSI / eDI / eCX by address size. */
const getIdx = (cpu: Cpu, r: number, a32: boolean): number => (a32 ? cpu.reg[r]! : cpu.reg16[r << 1]!);
function setIdx(cpu: Cpu, r: number, a32: boolean, v: number): void {
  if (a32) cpu.reg[r] = v;
  else cpu.reg16[r << 1] = v;
}
/** eCX as an unsigned count. */
const getCount = (cpu: Cpu, a32: boolean): number => (a32 ? cpu.reg[ECX]! >>> 0 : cpu.reg16[ECX << 1]!);

/** Bytes eSI/eDI move by per element: DF = 1 walks down. */
const step = (cpu: Cpu, size: Size): number => ((cpu.flags & DF) !== 0 ? -(size >> 3) : size >> 3);

/**
 * Ends one handler call of a REP instruction that has iterations left: the instruction runs again
 * from its first prefix when the block is next looked up. The run loop charges i.cycles (the REP's
 * base count) and counts an instruction at every dispatch, so both are handed back here: a REP
 * costs repBase + perIter * n and retires once however many chunks it takes.
 */
function yieldRep(cpu: Cpu): void {
  cpu.eip = cpu.insnStart;
  cpu.blockExit = true;
  cpu.repResume = (cpu.segBase[CS]! + cpu.insnStart) | 0;
  cpu.instructions--;
}

/**
 * At the start of a string instruction: true when it is a REP resuming after yieldRep, whose base
 * clocks the dispatch just charged a second time — they are handed back here, before any I/O of
 * this instruction, so time never runs backwards for the devices (the clock may have been brought
 * up to date by an I/O access in an earlier instruction, never past this dispatch's start).
 */
function resuming(cpu: Cpu, i: Insn): boolean {
  if (cpu.repResume === -1) return false;
  const same = cpu.repResume === ((cpu.segBase[CS]! + cpu.insnStart) | 0);
  cpu.repResume = -1;
  if (same) cpu.cycles -= i.cycles;
  return same;
}

// Each instruction below writes its own REP loop (count, chunk limit, eCX commit, clocks) on
// purpose: one shared driver calling a per-element function was measured 1.4x slower on REPNE
// SCASB / REPE CMPSB / REP MOVSB loops, because that call site sees seven functions and V8 stops
// inlining it. Keep the loops alike when changing one.

// --- MOVS ----------------------------------------------------------------------------------------

/** One MOVS element: read DS:eSI, write ES:eDI, then commit eSI and eDI. */
function movsOne(cpu: Cpu, i: Insn, size: Size, a32: boolean): void {
  const si = getIdx(cpu, ESI, a32), di = getIdx(cpu, EDI, a32);
  const v = readLin(cpu, segRead(cpu, i.seg, si, size >> 3), size);
  writeLin(cpu, segWrite(cpu, ES, di, size >> 3), size, v);
  const d = step(cpu, size);
  setIdx(cpu, ESI, a32, si + d);
  setIdx(cpu, EDI, a32, di + d);
}

/**
 * Up to `max` forward MOVS elements copied at once within one source and one destination page,
 * when both are RAM the TLB lets us touch directly and the whole chunk is inside both segments.
 * Returns how many elements were done (0: take the element-by-element path).
 */
function movsFast(cpu: Cpu, i: Insn, size: Size, a32: boolean, max: number): number {
  const si = getIdx(cpu, ESI, a32), di = getIdx(cpu, EDI, a32);
  const src = i.seg;
  const srcLin = (cpu.segBase[src]! + si) | 0;
  const dstLin = (cpu.segBase[ES]! + di) | 0;
  let room = 0x1000 - (srcLin & 0xfff);
  const dstRoom = 0x1000 - (dstLin & 0xfff);
  if (dstRoom < room) room = dstRoom;
  if (!a32) {
    // 16-bit offsets wrap at 64 KiB: stop the chunk there.
    if (0x10000 - si < room) room = 0x10000 - si;
    if (0x10000 - di < room) room = 0x10000 - di;
  }
  const shift = size >> 4; // 0, 1, 2 for 8, 16, 32
  let n = room >>> shift;
  if (n > max) n = max;
  if (n === 0) return 0;
  let len = n << shift;
  const so = si >>> 0, dO = di >>> 0;
  if (so < cpu.segMin[src]! || so + len - 1 > cpu.segMax[src]!) return 0;
  if (dO < cpu.segMin[ES]! || dO + len - 1 > cpu.segWMax[ES]!) return 0;
  const es = cpu.tlb[srcLin >>> 12]!, ed = cpu.tlb[dstLin >>> 12]!;
  if ((es & cpu.readMask) !== TLB_VALID || (ed & cpu.writeMask) !== TLB_VALID) return 0;
  const sp = (es & TLB_PAGE_MASK) | (srcLin & 0xfff);
  const dp = (ed & TLB_PAGE_MASK) | (dstLin & 0xfff);
  // Element by element, a destination just above the source rereads bytes already copied (the
  // classic pattern-fill idiom); copyWithin would copy as memmove does. Copy only as far as the
  // first byte that would be reread, and let the next chunk go on from there.
  const gap = dp - sp;
  if (gap > 0 && gap < len) {
    n = gap >>> shift;
    if (n === 0) return 0;
    len = n << shift;
  }
  cpu.mem8.copyWithin(dp, sp, sp + len);
  setIdx(cpu, ESI, a32, si + len);
  setIdx(cpu, EDI, a32, di + len);
  return n;
}

/** A4 / A5: MOVSB, MOVSW, MOVSD. */
export function movs(cpu: Cpu, i: Insn): void {
  resuming(cpu, i);
  const size = elemSize(i);
  const a32 = i.asize === 32;
  if (i.rep === REP_NONE) {
    movsOne(cpu, i, size, a32);
    return;
  }
  let count = getCount(cpu, a32);
  let done = 0;
  const limit = iterationLimit(cpu);
  while (count !== 0) {
    if (done >= limit) {
      yieldRep(cpu);
      return;
    }
    const max = limit - done < count ? limit - done : count;
    let k = (cpu.flags & DF) === 0 ? movsFast(cpu, i, size, a32, max) : 0;
    if (k === 0) {
      movsOne(cpu, i, size, a32);
      k = 1;
    }
    count -= k;
    setIdx(cpu, ECX, a32, count);
    done += k;
    cpu.cycles += i.cyclesExtra * k;
  }
}

// --- STOS ----------------------------------------------------------------------------------------

function stosOne(cpu: Cpu, size: Size, a32: boolean, v: number): void {
  const di = getIdx(cpu, EDI, a32);
  writeLin(cpu, segWrite(cpu, ES, di, size >> 3), size, v);
  setIdx(cpu, EDI, a32, di + step(cpu, size));
}

/** Up to `max` forward STOS elements stored at once within one page (as movsFast). */
function stosFast(cpu: Cpu, size: Size, a32: boolean, max: number, v: number): number {
  const di = getIdx(cpu, EDI, a32);
  const lin = (cpu.segBase[ES]! + di) | 0;
  let room = 0x1000 - (lin & 0xfff);
  if (!a32 && 0x10000 - di < room) room = 0x10000 - di;
  const shift = size >> 4;
  let n = room >>> shift;
  if (n > max) n = max;
  if (n === 0) return 0;
  const len = n << shift;
  const o = di >>> 0;
  if (o < cpu.segMin[ES]! || o + len - 1 > cpu.segWMax[ES]!) return 0;
  const e = cpu.tlb[lin >>> 12]!;
  if ((e & cpu.writeMask) !== TLB_VALID) return 0;
  const p = (e & TLB_PAGE_MASK) | (lin & 0xfff);
  const b = v & 0xff;
  if (size === 8 || (size === 16 && (v & 0xffff) === b * 0x101) || (size === 32 && v === ((b * 0x01010101) | 0))) {
    cpu.mem8.fill(b, p, p + len);
  } else if (size === 16) {
    const view = cpu.memView;
    for (let a = p; a < p + len; a += 2) view.setUint16(a, v, true);
  } else {
    const view = cpu.memView;
    for (let a = p; a < p + len; a += 4) view.setInt32(a, v, true);
  }
  setIdx(cpu, EDI, a32, di + len);
  return n;
}

/** AA / AB: STOSB, STOSW, STOSD. */
export function stos(cpu: Cpu, i: Insn): void {
  resuming(cpu, i);
  const size = elemSize(i);
  const a32 = i.asize === 32;
  const v = size === 32 ? cpu.reg[EAX]! : size === 16 ? cpu.reg16[0]! : cpu.reg8[0]!;
  if (i.rep === REP_NONE) {
    stosOne(cpu, size, a32, v);
    return;
  }
  let count = getCount(cpu, a32);
  let done = 0;
  const limit = iterationLimit(cpu);
  while (count !== 0) {
    if (done >= limit) {
      yieldRep(cpu);
      return;
    }
    const max = limit - done < count ? limit - done : count;
    let k = (cpu.flags & DF) === 0 ? stosFast(cpu, size, a32, max, v) : 0;
    if (k === 0) {
      stosOne(cpu, size, a32, v);
      k = 1;
    }
    count -= k;
    setIdx(cpu, ECX, a32, count);
    done += k;
    cpu.cycles += i.cyclesExtra * k;
  }
}

// --- LODS ----------------------------------------------------------------------------------------

/** AC / AD: LODSB, LODSW, LODSD (REP LODS is legal, if useless: it leaves the last element). */
export function lods(cpu: Cpu, i: Insn): void {
  resuming(cpu, i);
  const size = elemSize(i);
  const a32 = i.asize === 32;
  const rep = i.rep !== REP_NONE;
  let count = rep ? getCount(cpu, a32) : 1;
  let done = 0;
  const limit = iterationLimit(cpu);
  while (count !== 0) {
    if (done >= limit) {
      yieldRep(cpu);
      return;
    }
    const si = getIdx(cpu, ESI, a32);
    setReg(cpu, EAX, size, readMem(cpu, i.seg, si, size));
    setIdx(cpu, ESI, a32, si + step(cpu, size));
    if (!rep) return;
    count--;
    setIdx(cpu, ECX, a32, count);
    done++;
    cpu.cycles += i.cyclesExtra;
  }
}

// --- CMPS / SCAS -----------------------------------------------------------------------------------

/**
 * A6 / A7: CMPSB, CMPSW, CMPSD compare DS:eSI with ES:eDI (flags of [eSI] - [eDI]). REPE repeats
 * while equal, REPNE while different, and both stop when eCX reaches 0.
 */
export function cmps(cpu: Cpu, i: Insn): void {
  resuming(cpu, i);
  const size = elemSize(i);
  const a32 = i.asize === 32;
  const rep = i.rep;
  let count = rep !== REP_NONE ? getCount(cpu, a32) : 1;
  let done = 0;
  const limit = iterationLimit(cpu);
  while (count !== 0) {
    if (done >= limit) {
      yieldRep(cpu);
      return;
    }
    const si = getIdx(cpu, ESI, a32), di = getIdx(cpu, EDI, a32);
    const a = readMem(cpu, i.seg, si, size);
    const b = readMem(cpu, ES, di, size);
    const r = trunc(a - b, size);
    const d = step(cpu, size);
    setIdx(cpu, ESI, a32, si + d);
    setIdx(cpu, EDI, a32, di + d);
    setFlagsSub(cpu, a, b, r, size);
    if (rep === REP_NONE) return;
    count--;
    setIdx(cpu, ECX, a32, count);
    done++;
    cpu.cycles += i.cyclesExtra;
    if ((r === 0) !== (rep === REPE)) return;
  }
}

/** AE / AF: SCASB, SCASW, SCASD compare AL/AX/EAX with ES:eDI; REPE / REPNE as CMPS. */
export function scas(cpu: Cpu, i: Insn): void {
  resuming(cpu, i);
  const size = elemSize(i);
  const a32 = i.asize === 32;
  const rep = i.rep;
  const a = size === 32 ? cpu.reg[EAX]! : size === 16 ? cpu.reg16[0]! : cpu.reg8[0]!;
  let count = rep !== REP_NONE ? getCount(cpu, a32) : 1;
  let done = 0;
  const limit = iterationLimit(cpu);
  while (count !== 0) {
    if (done >= limit) {
      yieldRep(cpu);
      return;
    }
    const di = getIdx(cpu, EDI, a32);
    const b = readMem(cpu, ES, di, size);
    const r = trunc(a - b, size);
    setIdx(cpu, EDI, a32, di + step(cpu, size));
    setFlagsSub(cpu, a, b, r, size);
    if (rep === REP_NONE) return;
    count--;
    setIdx(cpu, ECX, a32, count);
    done++;
    cpu.cycles += i.cyclesExtra;
    if ((r === 0) !== (rep === REPE)) return;
  }
}

// --- INS / OUTS ----------------------------------------------------------------------------------

/**
 * 6C / 6D: INSB, INSW, INSD read port DX into ES:eDI. The destination is checked before the port
 * is read, so a fault does not swallow the device's data. The I/O permission check is made once,
 * before the first iteration (DX does not change); with REP and eCX = 0 nothing happens.
 */
export function ins(cpu: Cpu, i: Insn): void {
  const resumed = resuming(cpu, i);
  const size = elemSize(i);
  const w = size >> 3;
  const a32 = i.asize === 32;
  const rep = i.rep !== REP_NONE;
  let count = rep ? getCount(cpu, a32) : 1;
  if (count === 0) return;
  const port = cpu.reg16[EDX << 1]!;
  const ioClocks = checkIoPermission(cpu, port, w) + protectedModeClocks(cpu, i);
  if (!resumed) cpu.cycles += ioClocks;
  let done = 0;
  const limit = iterationLimit(cpu);
  while (count !== 0) {
    if (done >= limit) {
      yieldRep(cpu);
      return;
    }
    const di = getIdx(cpu, EDI, a32);
    const lin = segWrite(cpu, ES, di, w);
    const e = cpu.tlb[lin >>> 12]!;
    if ((e & cpu.writeMask) !== TLB_VALID || (lin & 0xfff) > 0x1000 - w) probeWrite(cpu, lin, w);
    writeLin(cpu, lin, size, portRead(cpu, port, size));
    setIdx(cpu, EDI, a32, di + step(cpu, size));
    if (!rep) return;
    count--;
    setIdx(cpu, ECX, a32, count);
    done++;
    cpu.cycles += i.cyclesExtra;
  }
}

/** 6E / 6F: OUTSB, OUTSW, OUTSD write DS:eSI (segment overridable) to port DX. */
export function outs(cpu: Cpu, i: Insn): void {
  const resumed = resuming(cpu, i);
  const size = elemSize(i);
  const a32 = i.asize === 32;
  const rep = i.rep !== REP_NONE;
  let count = rep ? getCount(cpu, a32) : 1;
  if (count === 0) return;
  const port = cpu.reg16[EDX << 1]!;
  const ioClocks = checkIoPermission(cpu, port, size >> 3) + protectedModeClocks(cpu, i);
  if (!resumed) cpu.cycles += ioClocks;
  let done = 0;
  const limit = iterationLimit(cpu);
  while (count !== 0) {
    if (done >= limit) {
      yieldRep(cpu);
      return;
    }
    const si = getIdx(cpu, ESI, a32);
    portWrite(cpu, port, size, readMem(cpu, i.seg, si, size));
    setIdx(cpu, ESI, a32, si + step(cpu, size));
    if (!rep) return;
    count--;
    setIdx(cpu, ECX, a32, count);
    done++;
    cpu.cycles += i.cyclesExtra;
  }
}
