// Memory as instructions see it: segment checks on offsets (segRead/segWrite), then reads and
// writes of linear addresses through the TLB. This is the interpreter's hottest code: the fast
// path is one TLB lookup, one compare and one typed-array access, and allocates nothing.
//
// Ordering rule for precise exceptions: an instruction performs every access that can fault before
// it changes any register, so that a fault leaves the machine as it was (step() rolls EIP back).
// An operand that straddles two pages is checked on both pages before any byte is written.

import { CpuFault, gp, ss } from './faults.ts';
import { ACCESS_READ, ACCESS_WRITE, translate, translateTry } from './paging.ts';
import { SS } from './registers.ts';
import type { Cpu } from './state.ts';
import { PageKind } from '../memory/physical.ts';
import { updateAccessMasks, TLB_DIRTY, TLB_NO_USER, TLB_PAGE_MASK, TLB_SLOW, TLB_SLOW_WRITE, TLB_VALID } from './tlb.ts';

// --- segments ---------------------------------------------------------------------------------

function segFault(cpu: Cpu, seg: number, off: number, len: number, write: boolean): never {
  const detail = `${write ? 'write' : 'read'} of ${len} bytes at offset 0x${(off >>> 0).toString(16)} outside segment ${seg} (limit 0x${cpu.segLimit[seg]!.toString(16)})`;
  throw seg === SS ? ss(0, detail) : gp(0, detail);
}

/** Linear address for reading `len` bytes at `off` in segment `seg`; #GP(0)/#SS(0) outside its limits. */
export function segRead(cpu: Cpu, seg: number, off: number, len: number): number {
  const o = off >>> 0;
  if (o < cpu.segMin[seg]! || o + len - 1 > cpu.segMax[seg]!) segFault(cpu, seg, off, len, false);
  return (cpu.segBase[seg]! + off) | 0;
}

/** Linear address for writing `len` bytes at `off` in `seg`; also faults on a read-only segment. */
export function segWrite(cpu: Cpu, seg: number, off: number, len: number): number {
  const o = off >>> 0;
  if (o < cpu.segMin[seg]! || o + len - 1 > cpu.segWMax[seg]!) segFault(cpu, seg, off, len, true);
  return (cpu.segBase[seg]! + off) | 0;
}

/** #AC(0) (vector 17): a misaligned data access at CPL 3 with the 486's alignment check on. */
function alignmentFault(lin: number): CpuFault {
  return new CpuFault(17, 0, `misaligned access at linear 0x${(lin >>> 0).toString(16)}`);
}

// --- physical writes (the slow path's last step) -------------------------------------------------

/**
 * Writes a byte at a physical address, dropping decoded code cached from its page. Only plain RAM
 * is written directly: the ROM window below 1 MiB lies inside the RAM array's range but is
 * read-only, so anything that is not RAM goes through PhysicalMemory.
 */
function physWrite8(cpu: Cpu, phys: number, value: number): void {
  if (cpu.phys.pageKind(phys >>> 0) === PageKind.RAM) {
    if (cpu.codePages[phys >>> 12] === 1) cpu.blocks.dropPage(phys >>> 12);
    cpu.mem8[phys] = value;
  } else {
    cpu.phys.write8(phys, value);
  }
}

function physRead8(cpu: Cpu, phys: number): number {
  return cpu.phys.read8(phys >>> 0);
}

/** A dword at physical `p` (within one page), byte by byte as the slow path reads it. */
function physRead32(cpu: Cpu, p: number): number {
  return physRead8(cpu, p) | (physRead8(cpu, p + 1) << 8) | (physRead8(cpu, p + 2) << 16) | (physRead8(cpu, p + 3) << 24);
}

// --- linear reads ---------------------------------------------------------------------------------

// Each access is a fast path small enough for V8 to inline into the handlers that use it (one TLB
// lookup, one compare, one typed-array access) and a call to a slow path for everything else
// (a TLB miss, a page boundary, ROM or unmapped memory, a page with decoded code, the 486's
// alignment check).

export function readLin8(cpu: Cpu, lin: number): number {
  const e = cpu.tlb[lin >>> 12]!;
  if ((e & cpu.readMask) === TLB_VALID) {
    cpu.tlbHits++;
    return cpu.mem8[(e & TLB_PAGE_MASK) | (lin & 0xfff)]!;
  }
  return readSlow8(cpu, lin);
}

export function readLin16(cpu: Cpu, lin: number): number {
  const e = cpu.tlb[lin >>> 12]!;
  if ((e & cpu.readMask) === TLB_VALID && (lin & 0xfff) !== 0xfff) {
    cpu.tlbHits++;
    return cpu.memView.getUint16((e & TLB_PAGE_MASK) | (lin & 0xfff), true);
  }
  return readSlow16(cpu, lin);
}

export function readLin32(cpu: Cpu, lin: number): number {
  const e = cpu.tlb[lin >>> 12]!;
  if ((e & cpu.readMask) === TLB_VALID && (lin & 0xfff) <= 0xffc) {
    cpu.tlbHits++;
    return cpu.memView.getInt32((e & TLB_PAGE_MASK) | (lin & 0xfff), true);
  }
  return readSlow32(cpu, lin);
}

function readSlow8(cpu: Cpu, lin: number): number {
  lin |= 0;
  const e = translate(cpu, lin, ACCESS_READ);
  const p = (e & TLB_PAGE_MASK) | (lin & 0xfff);
  return (e & TLB_SLOW) === 0 ? cpu.mem8[p]! : cpu.phys.read8(p >>> 0);
}

function readSlow16(cpu: Cpu, lin: number): number {
  if (cpu.alignCheck && (lin & 1) !== 0) throw alignmentFault(lin);
  return readSlow8(cpu, lin) | (readSlow8(cpu, lin + 1) << 8);
}

function readSlow32(cpu: Cpu, lin: number): number {
  if (cpu.alignCheck && (lin & 3) !== 0) throw alignmentFault(lin);
  if ((lin & 0xfff) <= 0xffc) {
    const p = (translate(cpu, lin, ACCESS_READ) & TLB_PAGE_MASK) | (lin & 0xfff);
    return cpu.phys.pageKind(p >>> 0) === PageKind.RAM ? cpu.memView.getInt32(p, true) : physRead32(cpu, p);
  }
  return (readSlow8(cpu, lin) | (readSlow8(cpu, lin + 1) << 8) | (readSlow8(cpu, lin + 2) << 16) | (readSlow8(cpu, lin + 3) << 24));
}

// --- linear writes -------------------------------------------------------------------------------

export function writeLin8(cpu: Cpu, lin: number, value: number): void {
  const e = cpu.tlb[lin >>> 12]!;
  if ((e & cpu.writeMask) === TLB_VALID) {
    cpu.tlbHits++;
    cpu.mem8[(e & TLB_PAGE_MASK) | (lin & 0xfff)] = value;
  } else {
    writeSlow8(cpu, lin, value);
  }
}

export function writeLin16(cpu: Cpu, lin: number, value: number): void {
  const e = cpu.tlb[lin >>> 12]!;
  if ((e & cpu.writeMask) === TLB_VALID && (lin & 0xfff) !== 0xfff) {
    cpu.tlbHits++;
    cpu.memView.setUint16((e & TLB_PAGE_MASK) | (lin & 0xfff), value, true);
  } else {
    writeSlow16(cpu, lin, value);
  }
}

export function writeLin32(cpu: Cpu, lin: number, value: number): void {
  const e = cpu.tlb[lin >>> 12]!;
  if ((e & cpu.writeMask) === TLB_VALID && (lin & 0xfff) <= 0xffc) {
    cpu.tlbHits++;
    cpu.memView.setInt32((e & TLB_PAGE_MASK) | (lin & 0xfff), value, true);
  } else {
    writeSlow32(cpu, lin, value);
  }
}

function writeSlow8(cpu: Cpu, lin: number, value: number): void {
  physWrite8(cpu, writeSlowAddr(cpu, lin), value);
}

function writeSlow16(cpu: Cpu, lin: number, value: number): void {
  if (cpu.alignCheck && (lin & 1) !== 0) throw alignmentFault(lin);
  const p0 = writeSlowAddr(cpu, lin);
  const p1 = writeSlowAddr(cpu, lin + 1);
  physWrite8(cpu, p0, value & 0xff);
  physWrite8(cpu, p1, (value >>> 8) & 0xff);
}

function writeSlow32(cpu: Cpu, lin: number, value: number): void {
  if (cpu.alignCheck && (lin & 3) !== 0) throw alignmentFault(lin);
  // Translate (and fault) on both pages before writing anything.
  const p0 = writeSlowAddr(cpu, lin);
  // The second page is checked at its first byte: that is the address a fault there reports in CR2.
  const p3 = (lin & 0xfff) <= 0xffc ? p0 + 3 : writeSlowAddr(cpu, ((lin | 0xfff) + 1) | 0);
  // Within one page of plain RAM holding no decoded code (the usual case here: a write through an
  // entry that wanted its D bit set, or every write while references are recorded): the four byte
  // writes below in one.
  if (p3 === p0 + 3 && cpu.phys.pageKind(p0 >>> 0) === PageKind.RAM && cpu.codePages[p0 >>> 12] === 0) {
    cpu.memView.setInt32(p0, value, true);
    return;
  }
  for (let k = 0; k < 4; k++) {
    const p = (lin & 0xfff) + k <= 0xfff ? p0 + k : (p3 & TLB_PAGE_MASK) | ((lin + k) & 0xfff);
    physWrite8(cpu, p, (value >>> (8 * k)) & 0xff);
  }
}

/** Physical address for a write to `lin` by the slow path (permission checks, D bit, SMC). */
function writeSlowAddr(cpu: Cpu, lin: number): number {
  lin |= 0;
  return writeAddrFrom(cpu, lin, translate(cpu, lin, ACCESS_WRITE));
}

/** The physical address of a write to `lin` through TLB entry `e` (translated for writing). */
function writeAddrFrom(cpu: Cpu, lin: number, e: number): number {
  const p = (e & TLB_PAGE_MASK) | (lin & 0xfff);
  // A page whose decoded code has been dropped can go back to fast writes.
  if ((e & TLB_SLOW_WRITE) !== 0 && (e & TLB_SLOW) === 0 && (e & TLB_DIRTY) !== 0 && cpu.codePages[p >>> 12] === 0) {
    cpu.tlb[lin >>> 12] = e & ~TLB_SLOW_WRITE;
  }
  return p;
}

/**
 * Checks that `len` bytes at `lin` can be written, faulting now if not (used by instructions that
 * must fault before they write anything, such as PUSHA, ENTER and far calls).
 */
export function probeWrite(cpu: Cpu, lin: number, len: number): void {
  writeSlowAddr(cpu, lin);
  if (((lin & 0xfff) + len - 1) > 0xfff) writeSlowAddr(cpu, ((lin | 0xfff) + 1) | 0);
}

/** Checks that `len` bytes at `lin` can be read, faulting now if not. */
export function probeRead(cpu: Cpu, lin: number, len: number): void {
  translate(cpu, lin | 0, ACCESS_READ);
  if (((lin & 0xfff) + len - 1) > 0xfff) translate(cpu, ((lin | 0xfff) + 1) | 0, ACCESS_READ);
}

// --- system accesses ----------------------------------------------------------------------------

/**
 * Reads and writes the processor makes for itself (descriptor tables, the TSS, gates) are
 * supervisor accesses whatever the CPL (i386 PRM 5.2.4, "Page Level Protection").
 */

/**
 * The mask a system read tests a TLB entry with: the read fast path's, without the user-only bit
 * at CPL 3 (a fault or INT from user code reading the IDT, GDT and TSS; IRET back to it). A hit is
 * then the supervisor's fast path; anything else takes the slow path, at CPL 3 as the supervisor.
 */
export function sysReadMask(cpu: Cpu): number {
  return cpu.cpl === 3 ? cpu.readMask & ~TLB_NO_USER : cpu.readMask;
}

export function readSys32(cpu: Cpu, lin: number): number {
  const e = cpu.tlb[lin >>> 12]!;
  if ((e & sysReadMask(cpu)) === TLB_VALID && (lin & 0xfff) <= 0xffc) {
    cpu.tlbHits++;
    return cpu.memView.getInt32((e & TLB_PAGE_MASK) | (lin & 0xfff), true);
  }
  return cpu.cpl !== 3 ? readSlow32(cpu, lin) : asSupervisor(cpu, () => readLin32(cpu, lin));
}
export function writeSys32(cpu: Cpu, lin: number, value: number): void {
  if (cpu.cpl !== 3) writeLin32(cpu, lin, value);
  else asSupervisor(cpu, () => writeLin32(cpu, lin, value));
}
export function readSys16(cpu: Cpu, lin: number): number {
  const e = cpu.tlb[lin >>> 12]!;
  if ((e & sysReadMask(cpu)) === TLB_VALID && (lin & 0xfff) !== 0xfff) {
    cpu.tlbHits++;
    return cpu.memView.getUint16((e & TLB_PAGE_MASK) | (lin & 0xfff), true);
  }
  return cpu.cpl !== 3 ? readSlow16(cpu, lin) : asSupervisor(cpu, () => readLin16(cpu, lin));
}
export function writeSys16(cpu: Cpu, lin: number, value: number): void {
  if (cpu.cpl !== 3) writeLin16(cpu, lin, value);
  else asSupervisor(cpu, () => writeLin16(cpu, lin, value));
}

function asSupervisor<T>(cpu: Cpu, f: () => T): T {
  const cpl = cpu.cpl;
  cpu.cpl = 0;
  updateAccessMasks(cpu);
  try {
    return f();
  } finally {
    cpu.cpl = cpl;
    updateAccessMasks(cpu);
  }
}

// --- accesses that return a page fault instead of throwing it (compiled blocks) ------------------
//
// readMem32 and writeMem32 as a compiled block's templates use them (compile.ts): the same checks,
// translations, counts and writes in the same order, but a page fault comes back (the Try
// functions' result) with the fault in cpu.blockFault, for the run loop to deliver, instead of
// being thrown through the frames between here and the block: under demand paging that throw was
// a sixth of a fault's cost. Other faults (#GP, #SS, #AC) are still thrown.

/** readMem32, or 0 with cpu.blockFault set when the read page-faults. */
export function readMem32Try(cpu: Cpu, seg: number, off: number): number {
  const lin = segRead(cpu, seg, off, 4);
  const e = cpu.tlb[lin >>> 12]!;
  if ((e & cpu.readMask) === TLB_VALID && (lin & 0xfff) <= 0xffc) {
    cpu.tlbHits++;
    return cpu.memView.getInt32((e & TLB_PAGE_MASK) | (lin & 0xfff), true);
  }
  return readSlow32Try(cpu, lin);
}

/** writeMem32; true (nothing written, cpu.blockFault set) when the write page-faults. */
export function writeMem32Try(cpu: Cpu, seg: number, off: number, value: number): boolean {
  const lin = segWrite(cpu, seg, off, 4);
  const e = cpu.tlb[lin >>> 12]!;
  if ((e & cpu.writeMask) === TLB_VALID && (lin & 0xfff) <= 0xffc) {
    cpu.tlbHits++;
    cpu.memView.setInt32((e & TLB_PAGE_MASK) | (lin & 0xfff), value, true);
    return false;
  }
  return writeSlow32Try(cpu, lin, value);
}

// The slow paths apart from the fast ones above, as for readLin32 and writeLin32, so that V8
// inlines the fast path into a compiled block and calls these.

function readSlow32Try(cpu: Cpu, lin: number): number {
  if ((lin & 0xfff) > 0xffc || (cpu.alignCheck && (lin & 3) !== 0)) return readSlow32(cpu, lin);
  const t = translateTry(cpu, lin, ACCESS_READ);
  if (t === 0) return 0;
  const p = (t & TLB_PAGE_MASK) | (lin & 0xfff);
  return physRead32(cpu, p);
}

function writeSlow32Try(cpu: Cpu, lin: number, value: number): boolean {
  if ((lin & 0xfff) > 0xffc || (cpu.alignCheck && (lin & 3) !== 0)) {
    writeSlow32(cpu, lin, value);
    return false;
  }
  const t = translateTry(cpu, lin, ACCESS_WRITE);
  if (t === 0) return true;
  const p = writeAddrFrom(cpu, lin, t);
  for (let k = 0; k < 4; k++) physWrite8(cpu, p + k, (value >>> (8 * k)) & 0xff);
  return false;
}
