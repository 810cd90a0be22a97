// Protected-mode scaffolding for CPU tests that need more than flat32(): a GDT with ring-0 and
// ring-3 flat segments and a TSS, IDT gates, an identity-mapped page table with holes, and entry
// to ring 3 or virtual-8086 mode by setting the processor state directly (as an IRET would).
//
//   0x0500  GDT: 00 null, 08 code0, 10 data0, 1B code3, 23 data3, 28 TSS
//   0x0800  IDT (256 gates)
//   0x2000  TSS (0x68 bytes, then the I/O permission map)
//   0x100000 page directory, 0x101000 page table for 0-4 MiB

import type { Machine } from '../../../../emulator/machine.ts';
import { CS, DS, ES, FS, GS, SS } from '../../../../emulator/cpu/registers.ts';
import { loadSegmentReal, updateSegmentBounds } from '../../../../emulator/cpu/segments.ts';
import {
  CR0_PG, SEG_CODE, SEG_DB, SEG_PRESENT, SEG_READABLE, SEG_USABLE, SEG_WRITABLE, VM,
} from '../../../../emulator/cpu/state.ts';
import { tlbFlush, updateAccessMasks } from '../../../../emulator/cpu/tlb.ts';

export const GDT = 0x500, IDT = 0x800, TSS = 0x2000, PD = 0x100000, PT = 0x101000;
export const CODE0 = 0x08, DATA0 = 0x10, CODE3 = 0x1b, DATA3 = 0x23, TSS_SEL = 0x28;
/** Where the TSS's I/O permission map starts (its offset is stored at TSS+0x66). */
export const IOMAP = TSS + 0x68;

function descriptor(m: Machine, at: number, base: number, limit: number, access: number, flags: number): void {
  m.phys.write32(at, ((limit & 0xffff) | ((base & 0xffff) << 16)) | 0);
  m.phys.write32(at + 4, (((base >>> 16) & 0xff) | (access << 8) | (limit & 0xf0000) | (flags << 20) | (base & 0xff000000)) | 0);
}

/**
 * Writes the GDT and an empty IDT and loads GDTR, IDTR and TR (a 386 TSS whose ring-0 stack is
 * DATA0:`esp0`, with an I/O map of `ioMapBytes` bytes, all ports closed, plus the trailing 0xFF).
 */
export function installTables(m: Machine, opts: { esp0?: number; ioMapBytes?: number } = {}): void {
  const cpu = m.cpu;
  const mapBytes = opts.ioMapBytes ?? 32;
  descriptor(m, GDT + 0x00, 0, 0, 0, 0);
  descriptor(m, GDT + 0x08, 0, 0xfffff, 0x9a, 0xc);
  descriptor(m, GDT + 0x10, 0, 0xfffff, 0x92, 0xc);
  descriptor(m, GDT + 0x18, 0, 0xfffff, 0xfa, 0xc);
  descriptor(m, GDT + 0x20, 0, 0xfffff, 0xf2, 0xc);
  const tssLimit = 0x68 + mapBytes; // the map and its closing 0xFF byte
  descriptor(m, GDT + 0x28, TSS, tssLimit, 0x8b, 0); // busy 386 TSS, as after LTR
  cpu.gdtrBase = GDT;
  cpu.gdtrLimit = 0x2f;
  cpu.idtrBase = IDT;
  cpu.idtrLimit = 256 * 8 - 1;
  m.phys.write32(TSS + 4, opts.esp0 ?? 0x80000);
  m.phys.write32(TSS + 8, DATA0);
  m.phys.write16(TSS + 0x66, 0x68);
  for (let k = 0; k <= mapBytes; k++) m.phys.write8(IOMAP + k, 0xff);
  cpu.trSel = TSS_SEL;
  cpu.trBase = TSS;
  cpu.trLimit = tssLimit;
  cpu.trType = 0xb;
}

/** A 386 interrupt gate for `vector` to CODE0:`handler`. */
export function setGate(m: Machine, vector: number, handler: number, dpl = 0): void {
  m.phys.write32(IDT + vector * 8, ((CODE0 << 16) | (handler & 0xffff)) | 0);
  m.phys.write32(IDT + vector * 8 + 4, ((handler & 0xffff0000) | 0x8e00 | (dpl << 13)) | 0);
}

/** Opens (allowed = true) or closes one port in the TSS's I/O permission map. */
export function setPortAllowed(m: Machine, port: number, allowed: boolean): void {
  const at = IOMAP + (port >>> 3);
  const b = m.phys.read8(at);
  m.phys.write8(at, allowed ? b & ~(1 << (port & 7)) : b | (1 << (port & 7)));
}

/** Identity-maps 0-4 MiB (user, writable), except the pages in `absent`; turns paging on. */
export function enablePaging(m: Machine, absent: number[] = []): void {
  m.phys.write32(PD, PT | 7);
  for (let k = 0; k < 1024; k++) m.phys.write32(PT + k * 4, (k << 12) | 7);
  for (const lin of absent) m.phys.write32(PT + ((lin >>> 12) & 0x3ff) * 4, 0);
  m.cpu.cr3 = PD;
  m.cpu.cr0 |= CR0_PG;
  tlbFlush(m.cpu);
  updateAccessMasks(m.cpu);
}

/** Makes the page holding `lin` present again (as a pager would, before flushing). */
export function mapPage(m: Machine, lin: number): void {
  m.phys.write32(PT + ((lin >>> 12) & 0x3ff) * 4, (lin & ~0xfff) | 7);
}

/** Switches a flat32 machine to ring 3 (CS = 1B, data segments 23) at `eip` with ESP `esp`. */
export function enterRing3(m: Machine, eip: number, esp: number): void {
  const cpu = m.cpu;
  for (const s of [ES, CS, SS, DS, FS, GS]) {
    cpu.seg[s] = s === CS ? CODE3 : DATA3;
    cpu.segBase[s] = 0;
    cpu.segLimit[s] = 0xffffffff;
    cpu.segAttr[s] = SEG_PRESENT | SEG_USABLE | SEG_READABLE | SEG_DB | (s === CS ? SEG_CODE : SEG_WRITABLE);
    cpu.segDpl[s] = 3;
    updateSegmentBounds(cpu, s);
  }
  cpu.cpl = 3;
  cpu.eip = eip;
  cpu.reg[4] = esp;
  updateAccessMasks(cpu);
  cpu.blockExit = true;
}

/** Switches a protected-mode machine to virtual-8086 mode with every segment = `seg`, at seg:ip. */
export function enterV86(m: Machine, seg: number, ip: number, sp: number): void {
  const cpu = m.cpu;
  cpu.flags |= VM;
  cpu.cpl = 3;
  for (const s of [ES, CS, SS, DS, FS, GS]) loadSegmentReal(cpu, s, seg);
  cpu.code32 = false;
  cpu.stack32 = false;
  cpu.eip = ip;
  cpu.reg[4] = sp;
  updateAccessMasks(cpu);
  cpu.blockExit = true;
}
