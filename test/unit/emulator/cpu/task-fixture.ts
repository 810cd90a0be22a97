// Descriptors beyond pm-fixture.ts's GDT for the call-gate and task-switch tests: more segments,
// call gates, task gates (in the GDT or the IDT) and TSSs in both formats, written straight into
// guest memory. Selectors from 0x30 up are free; each helper raises the GDT limit to cover them.

import type { Machine } from '../../../../emulator/machine.ts';
import { GDT, IDT } from './pm-fixture.ts';

/** Raises GDTR.limit so that selector `sel` lies inside the GDT. */
function coverSelector(m: Machine, sel: number): void {
  const last = (sel & ~7) + 7;
  if (m.cpu.gdtrLimit < last) m.cpu.gdtrLimit = last;
}

/**
 * A code, data or system descriptor at `sel`: `access` is the byte P|DPL|S|type (0x9a ring-0
 * code, 0x92 ring-0 data, 0x89 available 386 TSS...), `flags` the nibble G|D|0|AVL.
 */
export function segment(m: Machine, sel: number, base: number, limit: number, access: number, flags = 0xc): void {
  const at = GDT + (sel & ~7);
  m.phys.write32(at, ((limit & 0xffff) | ((base & 0xffff) << 16)) | 0);
  m.phys.write32(at + 4, (((base >>> 16) & 0xff) | (access << 8) | (limit & 0xf0000) | (flags << 20) | (base & 0xff000000)) | 0);
  coverSelector(m, sel);
}

/** The raw dwords of a gate: `type` 4 (286 call gate), 5 (task gate), C (386 call gate)... */
function gateWords(sel: number, offset: number, type: number, dpl: number, params: number, present: boolean): [number, number] {
  const lo = ((sel << 16) | (offset & 0xffff)) | 0;
  const hi = ((offset & 0xffff0000) | (present ? 0x8000 : 0) | (dpl << 13) | (type << 8) | (params & 0x1f)) | 0;
  return [lo, hi];
}

export interface GateOptions {
  dpl?: number;
  /** Parameters to copy (dwords for a 386 gate, words for a 286 one). */
  params?: number;
  /** 0xC: 386 call gate (default); 4: 286 call gate. */
  type?: number;
  present?: boolean;
}

/** A call gate at GDT selector `sel` to `target`:`offset`. */
export function callGate(m: Machine, sel: number, target: number, offset: number, opts: GateOptions = {}): void {
  const [lo, hi] = gateWords(target, opts.type === 4 ? offset & 0xffff : offset, opts.type ?? 0xc, opts.dpl ?? 3, opts.params ?? 0, opts.present ?? true);
  m.phys.write32(GDT + (sel & ~7), lo);
  m.phys.write32(GDT + (sel & ~7) + 4, hi);
  coverSelector(m, sel);
}

/** A task gate at GDT selector `sel` naming the TSS `tssSel`. */
export function taskGate(m: Machine, sel: number, tssSel: number, dpl = 0): void {
  const [lo, hi] = gateWords(tssSel, 0, 5, dpl, 0, true);
  m.phys.write32(GDT + (sel & ~7), lo);
  m.phys.write32(GDT + (sel & ~7) + 4, hi);
  coverSelector(m, sel);
}

/** A task gate in the IDT for `vector`, naming the TSS `tssSel`. */
export function idtTaskGate(m: Machine, vector: number, tssSel: number, dpl = 0): void {
  const [lo, hi] = gateWords(tssSel, 0, 5, dpl, 0, true);
  m.phys.write32(IDT + vector * 8, lo);
  m.phys.write32(IDT + vector * 8 + 4, hi);
}

/** Type and busy bit of the TSS descriptor `sel`, read from the GDT (9 available, 0xB busy; 1 / 3 for 286). */
export function tssType(m: Machine, sel: number): number {
  return (m.phys.read32(GDT + (sel & ~7) + 4) >>> 8) & 0xf;
}

export interface Tss32 {
  eip: number;
  esp: number;
  eflags?: number;
  cs?: number;
  /** SS, DS, ES, FS and GS unless given one by one. */
  data?: number;
  ss?: number;
  ds?: number;
  cr3?: number;
  ldt?: number;
  link?: number;
  regs?: number[];
}

/** Fills a 386 TSS at `base` and describes it at `sel` (available, limit `limit`, DPL `dpl`). */
export function tss32(m: Machine, sel: number, base: number, t: Tss32, opts: { limit?: number; dpl?: number } = {}): void {
  for (let k = 0; k < 0x68; k += 4) m.phys.write32(base + k, 0);
  const data = t.data ?? 0x10;
  m.phys.write16(base + 0x00, t.link ?? 0);
  m.phys.write32(base + 0x1c, t.cr3 ?? 0);
  m.phys.write32(base + 0x20, t.eip);
  m.phys.write32(base + 0x24, t.eflags ?? 2);
  (t.regs ?? []).forEach((v, r) => m.phys.write32(base + 0x28 + 4 * r, v));
  m.phys.write32(base + 0x38, t.esp);
  const sels = [data, t.cs ?? 0x08, t.ss ?? data, t.ds ?? data, data, data];
  sels.forEach((s, k) => m.phys.write16(base + 0x48 + 4 * k, s));
  m.phys.write16(base + 0x60, t.ldt ?? 0);
  m.phys.write16(base + 0x66, 0x68);
  segment(m, sel, base, opts.limit ?? 0x67, 0x89 | ((opts.dpl ?? 0) << 5), 0);
}

export interface Tss16 {
  ip: number;
  sp: number;
  flags?: number;
  cs?: number;
  ss?: number;
  data?: number;
  link?: number;
}

/** Fills a 286 TSS at `base` and describes it at `sel` (type 1, limit 0x2B). */
export function tss16(m: Machine, sel: number, base: number, t: Tss16): void {
  for (let k = 0; k < 0x2c; k += 2) m.phys.write16(base + k, 0);
  const data = t.data ?? 0x10;
  m.phys.write16(base + 0x00, t.link ?? 0);
  m.phys.write16(base + 0x0e, t.ip);
  m.phys.write16(base + 0x10, t.flags ?? 2);
  m.phys.write16(base + 0x1a, t.sp);
  m.phys.write16(base + 0x22, data);
  m.phys.write16(base + 0x24, t.cs ?? 0x08);
  m.phys.write16(base + 0x26, t.ss ?? data);
  m.phys.write16(base + 0x28, data);
  segment(m, sel, base, 0x2b, 0x81, 0);
}
