// The kernel's memory map. Physical memory is mapped at KERNBASE in every address space (the
// kernel half, page directory entries 768-1023, shared by all processes), as xv6 does, so the
// kernel reaches physical address p at linear address KERNBASE + p.
//
//  linear                                      physical
//  FFFFFFFF +--------------------------+
//           | (unused)                  |
//  C0000000 +  + RAM size               |
//           | all of RAM, supervisor    | ---> 00000000 .. RAM size
//  C0000000 +--------------------------+
//           | user stack (grows down)   |  USER_STACK_TOP = C0000000, at most USER_STACK_LIMIT
//           |   ...                     |
//           | heap (brk), bss, data     |
//  08048000 | text (ELF, lazily loaded) |
//  00000000 +--------------------------+  page 0 never mapped: a null pointer faults
//
//  Physical:
//  00000000  IVT, BDA (firmware's)          00100000  GDT          00101000  IDT
//  00008000  boot-info block (firmware)     00101800  TSS          00102000  trap stubs (8 KiB)
//  0009FC00  EBDA, then VGA hole and ROM    00104000  idle stack   00105000  kernel page directory
//  00106000  the direct map's page tables, then the frame allocator's state, then free frames

import { phys, virt, type PhysAddr, type VirtAddr } from './hw.ts';

export const KERNBASE = 0xc0000000;
/** Kernel linear address of a physical address (the direct map). */
export const P2V = (p: PhysAddr | number): VirtAddr => virt(KERNBASE + p);
/** Physical address of a kernel linear address in the direct map. */
export const V2P = (v: VirtAddr | number): PhysAddr => phys(v - KERNBASE);

export const BOOT_INFO = phys(0x8000);
export const GDT_PHYS = phys(0x100000);
export const IDT_PHYS = phys(0x101000);
export const TSS_PHYS = phys(0x101800);
export const STUBS_PHYS = phys(0x102000);
export const STUBS_SIZE = 0x2000;
export const IDLE_STACK_PHYS = phys(0x104000);
export const KERNEL_PD_PHYS = phys(0x105000);
/** First page table of the direct map; the frame allocator's state follows the last one. */
export const DIRECT_MAP_PT_PHYS = phys(0x106000);

/** Selectors (GDT layout in kernel/arch/gdt.ts). */
export const SEL_KCODE = 0x08;
export const SEL_KDATA = 0x10;
export const SEL_UCODE = 0x18 | 3;
export const SEL_UDATA = 0x20 | 3;
export const SEL_TSS = 0x28;
/** The GDT slot of the running process's LDT (--mm segments). */
export const SEL_LDT = 0x30;
/** Under --mm segments: a process's code and data segments, entries 0 and 1 of its LDT (TI = 1, RPL 3). */
export const SEL_SEG_CODE = 0x00 | 4 | 3;
export const SEL_SEG_DATA = 0x08 | 4 | 3;

/** User address space. */
export const USER_BASE = 0x00001000;
export const USER_TOP = KERNBASE;
export const USER_STACK_TOP = KERNBASE;
/** How far the stack may grow down on demand: 1 MiB. */
export const USER_STACK_LIMIT = 0x100000;
/** Kernel stack per process: one page. */
export const KSTACK_SIZE = 4096;

/** Vectors: exceptions 0-31, the PIC's IRQs remapped to 0x20-0x2F, system calls on 0x80. */
export const IRQ_BASE = 0x20;
export const SYSCALL_VECTOR = 0x80;
