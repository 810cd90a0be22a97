// The GDT, the TSS and the IDT, written by the kernel into guest RAM (i386 PRM 5.1.3 "Descriptors",
// 7.2 "TSS Descriptor", 9.5 "IDT Descriptors").
//
//   GDT  00 null   08 kernel code (DPL 0)   10 kernel data (DPL 0)
//        18 user code (DPL 3)   20 user data (DPL 3)   28 the TSS (32-bit, available)
//        30 the running process's LDT under --mm segments (arch/ldt.ts; null until then)
//   These segments are flat (base 0, limit 4 GiB): under paging, protection is the page tables'
//   job; under --mm segments each process's own code and data segments are in its LDT.
//   IDT  every vector an interrupt gate (IF cleared on entry, so the kernel is never re-entered) to
//        its stub; DPL 0 except the system-call vector, DPL 3 so that INT 80h works from ring 3.

import { phys, type Hw, type PhysAddr, type VirtAddr } from '../hw.ts';
import { SEL_KCODE, SEL_KDATA, SYSCALL_VECTOR } from '../layout.ts';
import { STUB_STRIDE, STUB_VECTORS } from './stubs.ts';

/** A segment descriptor: base, 20-bit limit with G=1, access byte, D=1. */
export function segment(hw: Hw, at: PhysAddr, base: number, access: number, flags = 0xc, limit = 0xfffff): void {
  hw.writePhys32(at, ((base & 0xffff) << 16) | (limit & 0xffff));
  hw.writePhys32(phys(at + 4), (base & 0xff000000) | (flags << 20) | (limit & 0xf0000) | (access << 8) | ((base >>> 16) & 0xff));
}

export const GDT_ENTRIES = 7;
/** TSS size: the 104-byte 386 TSS; no I/O permission bitmap (the offset points past the limit). */
export const TSS_SIZE = 104;
export const TSS_ESP0 = 4;
export const TSS_SS0 = 8;
export const TSS_IOMAP = 0x66;

/** Writes the GDT at `gdt` (physical) with the TSS at linear address `tssLinear`. */
export function writeGdt(hw: Hw, gdt: PhysAddr, tssLinear: VirtAddr): void {
  hw.writePhys32(gdt, 0);
  hw.writePhys32(phys(gdt + 4), 0);
  segment(hw, phys(gdt + 0x08), 0, 0x9a); // present, DPL 0, code, readable
  segment(hw, phys(gdt + 0x10), 0, 0x92); // present, DPL 0, data, writable
  segment(hw, phys(gdt + 0x18), 0, 0xfa); // present, DPL 3, code, readable
  segment(hw, phys(gdt + 0x20), 0, 0xf2); // present, DPL 3, data, writable
  segment(hw, phys(gdt + 0x28), tssLinear, 0x89, 0x0, TSS_SIZE - 1); // present, DPL 0, 386 TSS (available), byte granular
  hw.writePhys32(phys(gdt + 0x30), 0); // the LDT slot: written when a process with an LDT first runs
  hw.writePhys32(phys(gdt + 0x34), 0);
}

/** Writes a zeroed TSS whose ring-0 stack is SS0 = kernel data, ESP0 = `esp0`. */
export function writeTss(hw: Hw, tss: PhysAddr, esp0: VirtAddr): void {
  hw.fillPhys(tss, TSS_SIZE, 0);
  hw.writePhys32(phys(tss + TSS_SS0), SEL_KDATA);
  hw.writePhys32(phys(tss + TSS_ESP0), esp0);
  hw.writePhys16(phys(tss + TSS_IOMAP), TSS_SIZE);
}

/** The ring-0 stack the processor switches to on a trap from ring 3: the current process's kernel stack. */
export function setTssEsp0(hw: Hw, tss: PhysAddr, esp0: VirtAddr): void {
  hw.writePhys32(phys(tss + TSS_ESP0), esp0);
}

/** Writes all 256 gates, each to its stub at `stubsLinear`. */
export function writeIdt(hw: Hw, idt: PhysAddr, stubsLinear: VirtAddr): void {
  for (let v = 0; v < 256; v++) {
    const target = stubsLinear + STUB_VECTORS + v * STUB_STRIDE;
    const dpl = v === SYSCALL_VECTOR ? 3 : 0;
    const at = phys(idt + v * 8);
    hw.writePhys32(at, (SEL_KCODE << 16) | (target & 0xffff));
    hw.writePhys32(phys(at + 4), (target & 0xffff0000) | 0x8000 | (dpl << 13) | (0xe << 8)); // P, DPL, 386 interrupt gate
  }
}
