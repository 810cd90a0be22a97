// A process's LDT under --mm segments: two descriptors, its code and its data (and stack) segment,
// both with the base of its partition (i386 PRM 5.1 "Segment Translation", 6.3.1 "Type Checking",
// 6.3.1.3 "Limit Checking"). The code segment ends with the program's text, the data segment with
// the partition, so every address the program forms is relocated by the base and checked against
// the limit by the processor itself; a reference past the limit is #GP (or #SS through SS).
//
//   LDT  00 code: DPL 3, execute/read, base = partition, limit = end of text - 1
//        08 data: DPL 3, read/write, expand-up, base = partition, limit = partition size - 1
//
// The GDT has one LDT slot (SEL_LDT): switching to a process rewrites it with that process's LDT
// and reloads LDTR (LLDT), as a kernel with one LDT per task does. Only the table's address moves
// with the process; a process that moves (compaction, growth) has its two descriptors rewritten
// and the processor takes the new base when the trap stub reloads the segment registers.

import { phys, type Hw, type PhysAddr } from '../hw.ts';
import { GDT_PHYS, P2V, SEL_LDT } from '../layout.ts';
import { segment } from './descriptors.ts';

/** Two 8-byte descriptors. */
export const LDT_BYTES = 16;

/**
 * A descriptor's limit field for `bytes` (a whole number of pages): byte-granular (G = 0) up to
 * 1 MiB, page-granular (G = 1) beyond, where the limit counts 4 KiB units (i386 PRM 5.1.1).
 */
function limitFields(bytes: number): { flags: number; limit: number } {
  return bytes <= 0x100000 ? { flags: 0x4, limit: bytes - 1 } : { flags: 0xc, limit: bytes / 4096 - 1 };
}

/** Writes the LDT at `ldt` (physical): code [base, base+codeBytes), data [base, base+dataBytes). */
export function writeLdt(hw: Hw, ldt: PhysAddr, base: number, codeBytes: number, dataBytes: number): void {
  const c = limitFields(codeBytes), d = limitFields(dataBytes);
  segment(hw, ldt, base, 0xfa, c.flags, c.limit); // present, DPL 3, code, readable
  segment(hw, phys(ldt + 8), base, 0xf2, d.flags, d.limit); // present, DPL 3, data, writable
}

/** Points the GDT's LDT slot at the LDT at `ldt` (physical) and loads LDTR from it. */
export function loadLdt(hw: Hw, ldt: PhysAddr): void {
  segment(hw, phys(GDT_PHYS + SEL_LDT), P2V(ldt), 0x82, 0x0, LDT_BYTES - 1); // present, DPL 0, LDT, byte granular
  hw.lldt(SEL_LDT);
}
