// The protected-mode world the kernel builds at boot, in guest RAM: the trap stubs, the GDT with
// the TSS, the IDT, and the kernel page directory with its direct map of RAM; then CR3, CR0.PG,
// GDTR, IDTR and TR. After this, every trap enters the kernel through a stub in the higher half.

import { COST } from '../cost.ts';
import { phys, PAGE_SIZE, type Hw } from '../hw.ts';
import { DIRECT_MAP_PT_PHYS, GDT_PHYS, IDLE_STACK_PHYS, IDT_PHYS, KERNEL_PD_PHYS, P2V, SEL_TSS, STUBS_PHYS, TSS_PHYS } from '../layout.ts';
import { PTE_P, PTE_W } from '../mm/pagetable.ts';
import { GDT_ENTRIES, writeGdt, writeIdt, writeTss } from './descriptors.ts';
import { buildStubs } from './stubs.ts';

const CR0_PE = 0x00000001, CR0_PG = 0x80000000;

/** Builds it all for a machine with `ramTop` bytes of RAM; returns how many direct-map page tables it used. */
export function enterPagedProtectedMode(hw: Hw, ramTop: number): number {
  // Descriptor tables and the trap stubs, at fixed physical addresses, used through the higher half.
  hw.writePhysBytes(STUBS_PHYS, buildStubs());
  writeTss(hw, TSS_PHYS, P2V(IDLE_STACK_PHYS + PAGE_SIZE));
  writeGdt(hw, GDT_PHYS, P2V(TSS_PHYS));
  writeIdt(hw, IDT_PHYS, P2V(STUBS_PHYS));

  // The kernel page directory: all of RAM at KERNBASE (supervisor only), and the same first 4 MiB
  // at 0 as well (the same page table), so that the firmware's code after its OUT keeps running once paging is on. That
  // identity map exists only in this directory; processes never get it.
  const ramPages = Math.ceil(ramTop / PAGE_SIZE);
  const tables = Math.ceil(ramPages / 1024);
  hw.fillPhys(KERNEL_PD_PHYS, PAGE_SIZE, 0);
  for (let t = 0; t < tables; t++) {
    const pt = phys(DIRECT_MAP_PT_PHYS + t * PAGE_SIZE);
    for (let k = 0; k < 1024; k++) {
      const page = t * 1024 + k;
      hw.writePhys32(phys(pt + 4 * k), page < ramPages ? (page * PAGE_SIZE) | PTE_P | PTE_W : 0);
    }
    hw.writePhys32(phys(KERNEL_PD_PHYS + 4 * (768 + t)), pt | PTE_P | PTE_W);
    hw.chargeCycles(1024 * COST.pteWrite);
  }
  hw.writePhys32(KERNEL_PD_PHYS, DIRECT_MAP_PT_PHYS | PTE_P | PTE_W);
  hw.writeCR3(KERNEL_PD_PHYS);
  hw.writeCR0(hw.readCR0() | CR0_PE | CR0_PG);
  hw.lgdt(P2V(GDT_PHYS), GDT_ENTRIES * 8 - 1);
  hw.lidt(P2V(IDT_PHYS), 256 * 8 - 1);
  hw.ltr(SEL_TSS);

  return tables;
}
