// Segment registers and descriptors (i386 PRM chapter 5.1 "Segment Translation", 6.3 "Segment-
// Level Protection").
//
//   descriptor, high dword:  31      24 23 22 21 20 19    16 15 14 13 12 11    8 7       0
//                            ┌─────────┬──┬──┬──┬───┬────────┬──┬─────┬──┬──────┬─────────┐
//                            │base31:24│G │D │0 │AVL│lim19:16│P │ DPL │S │ type │base23:16│
//                            └─────────┴──┴──┴──┴───┴────────┴──┴─────┴──┴──────┴─────────┘
//   descriptor, low dword:   base 15:0 (bits 31:16) | limit 15:0 (bits 15:0)
//
// In real mode (and v86 mode) loading a segment register only sets its selector and base
// (selector × 16); the hidden limit and attributes keep what they were, which is why a real-mode
// program that left protected mode with 4 GiB limits keeps them ("unreal mode").

import { readSys32, sysReadMask, writeSys32 } from './access.ts';
import { gp, np, ss } from './faults.ts';
import { CS, SS } from './registers.ts';
import {
  type Cpu, CR0_PE, SEG_CODE, SEG_CONFORMING, SEG_DB, SEG_EXPAND_DOWN, SEG_PRESENT, SEG_READABLE, SEG_USABLE,
  SEG_WRITABLE, VM,
} from './state.ts';
import { TLB_PAGE_MASK, TLB_VALID, updateAccessMasks } from './tlb.ts';

/**
 * A parsed descriptor. parseDescriptor hands out shared, frozen records (see the cache below), so
 * every field is read-only: no caller may change one.
 */
export interface Descriptor {
  readonly base: number;
  /** Limit in bytes (granularity applied). */
  readonly limit: number;
  /** Type field (bits 11:8 of the high dword); with S=0 a system type. */
  readonly type: number;
  /** S bit: 1 for code/data, 0 for system descriptors and gates. */
  readonly s: boolean;
  readonly dpl: number;
  readonly present: boolean;
  readonly db: boolean;
  readonly granularity: boolean;
  /** The raw dwords, for gates. */
  readonly lo: number;
  readonly hi: number;
  /**
   * What setSegmentCache puts in a segment register's hidden part when it loads this descriptor
   * (meaningful for code and data descriptors only): the cpu.segAttr bits and the offset bounds
   * updateSegmentBounds would compute from them and the limit. Computed once per distinct
   * descriptor rather than at every load.
   */
  readonly attr: number;
  readonly min: number;
  readonly max: number;
  readonly wmax: number;
}

export function isProtected(cpu: Cpu): boolean {
  return (cpu.cr0 & CR0_PE) !== 0 && (cpu.flags & VM) === 0;
}

// Parsed descriptors, cached by their raw dwords. A trap stub's round trip loads the same few GDT
// descriptors (kernel code and data, user code and data) a dozen times; parsing each load into a
// new object made the segment loads a measurable share of the host time, garbage collection
// included. A descriptor is a pure function of its two dwords, so a hit returns the record a miss
// built for the same dwords, whatever the table, selector or CPU; the records are frozen. The
// cache is direct-mapped: a collision only replaces the entry.
const CACHE_BITS = 8;
const cacheLo = new Int32Array(1 << CACHE_BITS);
const cacheHi = new Int32Array(1 << CACHE_BITS);
const cacheD: (Descriptor | null)[] = new Array<Descriptor | null>(1 << CACHE_BITS).fill(null);

export function parseDescriptor(lo: number, hi: number): Descriptor {
  lo |= 0;
  hi |= 0;
  const k = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b) >>> (32 - CACHE_BITS);
  const hit = cacheD[k]!;
  if (hit !== null && cacheLo[k] === lo && cacheHi[k] === hi) return hit;
  const d = buildDescriptor(lo, hi);
  cacheLo[k] = lo;
  cacheHi[k] = hi;
  cacheD[k] = d;
  return d;
}

function buildDescriptor(lo: number, hi: number): Descriptor {
  const g = (hi & (1 << 23)) !== 0;
  let limit = (lo & 0xffff) | (hi & 0xf0000);
  if (g) limit = ((limit << 12) | 0xfff) >>> 0;
  const type = (hi >>> 8) & 0xf;
  const present = (hi & (1 << 15)) !== 0;
  const db = (hi & (1 << 22)) !== 0;
  let attr = SEG_USABLE | (present ? SEG_PRESENT : 0) | (db ? SEG_DB : 0);
  if ((type & 8) !== 0) {
    attr |= SEG_CODE | ((type & 2) !== 0 ? SEG_READABLE : 0) | ((type & 4) !== 0 ? SEG_CONFORMING : 0);
  } else {
    attr |= SEG_READABLE | ((type & 2) !== 0 ? SEG_WRITABLE : 0) | ((type & 4) !== 0 ? SEG_EXPAND_DOWN : 0);
  }
  const min = boundsMin(attr, limit);
  const max = boundsMax(attr, limit);
  return Object.freeze({
    base: ((lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000)) | 0,
    limit,
    type,
    s: (hi & (1 << 12)) !== 0,
    dpl: (hi >>> 13) & 3,
    present,
    db,
    granularity: g,
    lo,
    hi,
    attr,
    min,
    max,
    wmax: boundsWMax(attr, max),
  });
}

/** Linear address of the descriptor `sel` names in the GDT or LDT; #GP(sel) beyond the table's limit. */
export function descriptorAddress(cpu: Cpu, sel: number): number {
  const index = sel & ~7;
  const ldt = (sel & 4) !== 0;
  const base = ldt ? cpu.ldtrBase : cpu.gdtrBase;
  const limit = ldt ? cpu.ldtrLimit : cpu.gdtrLimit;
  if (ldt && (cpu.ldtrSel & ~3) === 0) throw gp(sel & 0xfffc, `selector 0x${sel.toString(16)} names the LDT, but none is loaded`);
  if (index + 7 > limit) {
    throw gp(sel & 0xfffc, `selector 0x${sel.toString(16)} beyond ${ldt ? 'LDT' : 'GDT'} limit 0x${limit.toString(16)}`);
  }
  return (base + index) | 0;
}

/** Reads the descriptor a selector names (system reads: no CPL checks on the table itself). */
export function readDescriptor(cpu: Cpu, sel: number): Descriptor {
  const addr = descriptorAddress(cpu, sel);
  // Both dwords in one page the TLB maps for a system read (readSys32's fast-path test): the two
  // reads readSys32 makes, with one look-up and the same two hits counted. Anything else (a miss,
  // a page boundary, TLB_ALWAYS) goes through it.
  const e = cpu.tlb[addr >>> 12]!;
  if ((e & sysReadMask(cpu)) === TLB_VALID && (addr & 0xfff) <= 0xff8) {
    cpu.tlbHits += 2;
    const p = (e & TLB_PAGE_MASK) | (addr & 0xfff);
    return parseDescriptor(cpu.memView.getInt32(p, true), cpu.memView.getInt32(p + 4, true));
  }
  return parseDescriptor(readSys32(cpu, addr), readSys32(cpu, addr + 4));
}

/**
 * The descriptor `sel` names, or null when its index lies beyond its table's limit (or it names the
 * LDT and none is loaded). For the checks that report a bad selector with an exception of their own
 * (#TS, not descriptorAddress's #GP).
 */
export function descriptorOrNull(cpu: Cpu, sel: number): Descriptor | null {
  const ldt = (sel & 4) !== 0;
  if (ldt && (cpu.ldtrSel & ~3) === 0) return null;
  if ((sel & ~7) + 7 > (ldt ? cpu.ldtrLimit : cpu.gdtrLimit)) return null;
  return readDescriptor(cpu, sel); // within the limit now, so descriptorAddress cannot fault
}

/**
 * Fills segment register `s`'s hidden cache from a code or data descriptor, setting the
 * descriptor's accessed bit in memory as every load of a segment register does (MOV, POP, far
 * transfers, gates, interrupts, task switches alike). Callers have made every check first.
 */
export function setSegmentCache(cpu: Cpu, s: number, sel: number, d: Descriptor): void {
  markAccessed(cpu, sel, d);
  if (s === CS) cpu.chainGen++;
  cpu.seg[s] = sel;
  cpu.segBase[s] = d.base;
  cpu.segLimit[s] = d.limit;
  cpu.segDpl[s] = d.dpl;
  // The attributes and bounds parseDescriptor derived, as updateSegmentBounds derives them.
  cpu.segAttr[s] = d.attr;
  cpu.segMin[s] = d.min;
  cpu.segMax[s] = d.max;
  cpu.segWMax[s] = d.wmax;
}

/** Recomputes the offset bounds access.ts checks, from the cached limit and attributes. */
export function updateSegmentBounds(cpu: Cpu, s: number): void {
  const attr = cpu.segAttr[s]!;
  const limit = cpu.segLimit[s]!;
  const max = boundsMax(attr, limit);
  cpu.segMin[s] = boundsMin(attr, limit);
  cpu.segMax[s] = max;
  cpu.segWMax[s] = boundsWMax(attr, max);
}

// The bounds, from a segment's attributes and byte limit. A null selector (not SEG_USABLE) and
// execute-only code (data reads through a segment override fault) get the empty range 1..-1, so
// every access faults (#GP(0)). Expand-down: valid offsets are limit+1 .. 0xFFFF (or 0xFFFFFFFF
// when B is set). Only writable data may be written.

function boundsMin(attr: number, limit: number): number {
  if ((attr & SEG_USABLE) === 0 || (attr & SEG_READABLE) === 0) return 1;
  return (attr & SEG_EXPAND_DOWN) !== 0 ? limit + 1 : 0;
}

function boundsMax(attr: number, limit: number): number {
  if ((attr & SEG_USABLE) === 0 || (attr & SEG_READABLE) === 0) return -1;
  if ((attr & SEG_EXPAND_DOWN) !== 0) return (attr & SEG_DB) !== 0 ? 0xffffffff : 0xffff;
  return limit;
}

function boundsWMax(attr: number, max: number): number {
  if ((attr & SEG_USABLE) === 0) return -1;
  return (attr & SEG_WRITABLE) !== 0 && (attr & SEG_CODE) === 0 ? max : -1;
}

/** Real-mode / v86 load: selector and base only. */
export function loadSegmentReal(cpu: Cpu, s: number, sel: number): void {
  cpu.seg[s] = sel & 0xffff;
  cpu.segBase[s] = (sel & 0xffff) << 4;
  // Real and v86 mode have no segment types: any segment, CS included, may be read and written
  // (a real-mode program may store through a CS: override). The limit is kept (unreal mode).
  let attr = (cpu.segAttr[s]! & SEG_DB) | SEG_PRESENT | SEG_USABLE | SEG_READABLE | SEG_WRITABLE;
  if ((cpu.flags & VM) !== 0) {
    // In virtual-8086 mode every segment is a 64 KiB, 16-bit, writable data segment at privilege
    // 3 (i386 PRM 15.1, "Executing 8086 Code"), whatever the protected-mode caches held before:
    // a B bit kept from them would make a later MOV SS switch the stack to ESP.
    cpu.segLimit[s] = 0xffff;
    cpu.segDpl[s] = 3;
    attr &= ~SEG_DB;
  }
  cpu.segAttr[s] = attr;
  updateSegmentBounds(cpu, s);
  if (s === CS) {
    cpu.code32 = false;
    cpu.blockExit = true;
    cpu.chainGen++;
  }
}

/**
 * MOV/POP/LDS...-style load of a data segment register (DS, ES, FS, GS) or SS, with the checks of
 * i386 PRM 6.3.1.1 / the MOV instruction's "Protected Mode Exceptions".
 */
export function loadDataSegment(cpu: Cpu, s: number, sel: number): void {
  sel &= 0xffff;
  if (!isProtected(cpu)) {
    loadSegmentReal(cpu, s, sel);
    if (s === SS) cpu.stack32 = (cpu.segAttr[SS]! & SEG_DB) !== 0;
    return;
  }
  const rpl = sel & 3;
  if ((sel & ~3) === 0) {
    if (s === SS) throw gp(0, 'null selector loaded into SS');
    cpu.seg[s] = sel;
    cpu.segBase[s] = 0;
    cpu.segLimit[s] = 0;
    cpu.segAttr[s] = 0;
    updateSegmentBounds(cpu, s);
    return;
  }
  const d = readDescriptor(cpu, sel);
  const code = (d.type & 8) !== 0;
  const writable = !code && (d.type & 2) !== 0;
  const readable = !code || (d.type & 2) !== 0;
  if (s === SS) {
    if (rpl !== cpu.cpl || d.dpl !== cpu.cpl || !d.s || !writable) {
      throw gp(sel & 0xfffc, `SS load: selector 0x${sel.toString(16)} is not a writable data segment at CPL ${cpu.cpl}`);
    }
    if (!d.present) throw ss(sel & 0xfffc, `SS load: segment 0x${sel.toString(16)} not present`);
  } else {
    if (!d.s || !readable) throw gp(sel & 0xfffc, `selector 0x${sel.toString(16)} is not a readable segment`);
    // Data and non-conforming code: the more privileged of CPL and RPL must reach DPL.
    const conforming = code && (d.type & 4) !== 0;
    if (!conforming && (rpl > d.dpl || cpu.cpl > d.dpl)) {
      throw gp(sel & 0xfffc, `selector 0x${sel.toString(16)}: RPL ${rpl} / CPL ${cpu.cpl} above DPL ${d.dpl}`);
    }
    if (!d.present) throw np(sel & 0xfffc, `segment 0x${sel.toString(16)} not present`);
  }
  setSegmentCache(cpu, s, sel, d);
  if (s === SS) cpu.stack32 = d.db;
}

/** Sets the descriptor's accessed bit in memory, as the processor does when it loads it. */
function markAccessed(cpu: Cpu, sel: number, d: Descriptor): void {
  if ((d.hi & (1 << 8)) !== 0) return;
  const addr = descriptorAddress(cpu, sel);
  writeSys32(cpu, addr + 4, d.hi | (1 << 8));
}

/** Loads CS for a far transfer to a code segment at the same privilege (or real mode). */
export function loadCodeSegment(cpu: Cpu, sel: number, d: Descriptor | null): void {
  if (d === null) {
    loadSegmentReal(cpu, CS, sel);
  } else {
    setSegmentCache(cpu, CS, sel, d);
    cpu.seg[CS] = (sel & ~3) | cpu.cpl;
    cpu.code32 = d.db;
  }
  if (d === null && (cpu.flags & VM) !== 0) cpu.cpl = 3;
  cpu.blockExit = true;
  updateAccessMasks(cpu);
}

/**
 * Puts the processor in 32-bit protected mode with flat 4 GiB code (selector 0x08) and data
 * (0x10) segments at CPL 0, paging off — the state a Multiboot loader or a boot sector's
 * protected-mode switch leaves. Only the hidden caches are set: GDTR is not, so the guest must load
 * its own GDT before it reloads a segment register (as the Multiboot specification requires).
 */
export function enterFlatProtectedMode(cpu: Cpu, eip: number, esp: number): void {
  cpu.cr0 |= CR0_PE;
  for (let s = 0; s < 6; s++) {
    cpu.seg[s] = s === CS ? 0x08 : 0x10;
    cpu.segBase[s] = 0;
    cpu.segLimit[s] = 0xffffffff;
    cpu.segAttr[s] = SEG_PRESENT | SEG_USABLE | SEG_READABLE | SEG_DB | (s === CS ? SEG_CODE : SEG_WRITABLE);
    cpu.segDpl[s] = 0;
    updateSegmentBounds(cpu, s);
  }
  cpu.code32 = true;
  cpu.stack32 = true;
  cpu.cpl = 0;
  cpu.eip = eip;
  cpu.reg[4] = esp;
  updateAccessMasks(cpu);
  cpu.blockExit = true;
}
