// Linear to physical translation (i386 PRM, chapter 5.2 "Page Translation").
//
//   linear address:  31        22 21        12 11           0
//                    ┌───────────┬────────────┬──────────────┐
//                    │ DIR       │ PAGE       │ OFFSET       │
//                    └───────────┴────────────┴──────────────┘
//   CR3 ──► page directory[DIR] ──► page table[PAGE] ──► frame + OFFSET
//
//   PDE / PTE:  31            12 11  9  8  7  6   5   4  3   2    1    0
//               ┌───────────────┬─────┬─────┬───┬───┬─────┬─────┬─────┬───┐
//               │ frame address │AVAIL│  0  │ D │ A │  0  │ U/S │ R/W │ P │
//               └───────────────┴─────┴─────┴───┴───┴─────┴─────┴─────┴───┘
//
// Protection (i386 PRM 5.2.4, "Page Level Protection" and "Combining Protection of Both Levels"):
// the effective U/S and R/W are the stricter of the PDE's and the PTE's. User code may read only
// U/S=1 pages and write only U/S=1, R/W=1 pages; supervisor code may read and write every present
// page on a 386 (the 486's CR0.WP makes it honour R/W).
//
// Accessed and dirty bits: the processor sets A in the PDE and the PTE when it loads a
// translation, and D in the PTE on the first write through it; it never clears either.

import { CpuFault, Vector } from './faults.ts';
import { type Cpu, CR0_PG, CR0_WP } from './state.ts';
import {
  TLB_DIRTY, TLB_NO_USER, TLB_NO_WRITE_SUP, TLB_NO_WRITE_USER, TLB_PAGE_MASK, TLB_SLOW, TLB_SLOW_WRITE, TLB_VALID,
  tlbFill,
} from './tlb.ts';
import { PageKind } from '../memory/physical.ts';

export const PTE_P = 1 << 0, PTE_RW = 1 << 1, PTE_US = 1 << 2, PTE_A = 1 << 5, PTE_D = 1 << 6;
/** #PF error code bits (i386 PRM 9.8.14, "Page Fault"). */
export const PF_P = 1 << 0, PF_W = 1 << 1, PF_U = 1 << 2;

export const ACCESS_READ = 0, ACCESS_WRITE = 1, ACCESS_EXEC = 2;

function pageFault(cpu: Cpu, lin: number, code: number): CpuFault {
  cpu.cr2 = lin | 0;
  return new CpuFault(Vector.PF, code, '', lin >>> 0);
}

/**
 * A page fault found: kept in cpu.blockFault for the caller (translate throws it, translateTry
 * leaves it there), and 0 returned in place of a TLB entry (a valid entry always has TLB_VALID).
 */
function faulted(cpu: Cpu, f: CpuFault): number {
  cpu.blockFault = f;
  return 0;
}

/** TLB entry bits for a physical page: RAM pages are fast, others always take the slow path. */
function kindBits(cpu: Cpu, physPage: number): number {
  const kind = cpu.phys.pageKind(physPage * 4096);
  let bits = kind === PageKind.RAM ? 0 : TLB_SLOW;
  if (kind === PageKind.RAM && cpu.codePages[physPage] === 1) bits |= TLB_SLOW_WRITE;
  return bits;
}

/**
 * Translates `lin` for an access of the given kind at the current CPL, through the TLB, walking
 * the page tables on a miss and setting A/D bits; throws #PF (with CR2 set) on a violation.
 * Returns the TLB entry, which the caller combines with the page offset.
 */
export function translate(cpu: Cpu, lin: number, access: number): number {
  const e = translateTry(cpu, lin, access);
  if (e === 0) {
    const f = cpu.blockFault!;
    cpu.blockFault = null;
    throw f;
  }
  return e;
}

/**
 * translate without the throw, for compiled blocks (compile.ts): on a page fault it returns 0 and
 * leaves the fault in cpu.blockFault, where the run loop delivers it. A throw through the frames
 * of a memory access costs more than the rest of a demand-zero fault's delivery.
 */
export function translateTry(cpu: Cpu, lin: number, access: number): number {
  const e = translateEntry(cpu, lin, access);
  if (e === 0) return 0;
  // While the recorder is on every data access comes through here (TLB_ALWAYS, tlb.ts). Fetches
  // are recorded by the run loop, one per instruction run; here they are decoding's (refs.ts).
  if (cpu.refs.on && access !== ACCESS_EXEC && (cpu.cr0 & CR0_PG) !== 0) cpu.refs.record(cpu.cr3, lin >>> 12, access, cpu.cpl === 3, cpu.cycles);
  if (cpu.readWatch && access === ACCESS_READ) cpu.debug?.read(cpu, lin, ((e & TLB_PAGE_MASK) | (lin & 0xfff)) >>> 0);
  return e;
}

function translateEntry(cpu: Cpu, lin: number, access: number): number {
  const page = lin >>> 12;
  const user = cpu.cpl === 3;
  const write = access === ACCESS_WRITE;
  let e = cpu.tlb[page]!;

  if ((cpu.cr0 & CR0_PG) === 0) {
    if (e === 0) {
      const physPage = ((page << 12) & cpu.phys.a20Mask) >>> 12;
      e = (physPage << 12) | TLB_VALID | TLB_DIRTY | kindBits(cpu, physPage);
      tlbFill(cpu, page, e);
    }
    return e;
  }

  if (e !== 0) {
    // A cached translation: check the access against its permissions, as the hardware does.
    cpu.tlbHits++;
    if (user && (e & TLB_NO_USER) !== 0) return faulted(cpu, pageFault(cpu, lin, PF_P | (write ? PF_W : 0) | PF_U));
    if (write) {
      const wp = cpu.model === 486 && (cpu.cr0 & CR0_WP) !== 0;
      if ((user && (e & TLB_NO_WRITE_USER) !== 0) || (!user && wp && (e & TLB_NO_WRITE_SUP) !== 0)) {
        return faulted(cpu, pageFault(cpu, lin, PF_P | PF_W | (user ? PF_U : 0)));
      }
      if ((e & TLB_DIRTY) === 0) return markDirty(cpu, lin, e);
    }
    return e;
  }
  cpu.tlbStats.misses++;
  return walk(cpu, lin, access, user);
}

/**
 * The first write through a TLB entry whose PTE had D clear: the processor goes back to the page
 * table in memory and sets D (and A), but the write still uses the frame the TLB cached — so a
 * kernel that changed the PTE without flushing keeps seeing the stale mapping, for writes too.
 */
function markDirty(cpu: Cpu, lin: number, e: number): number {
  const phys = cpu.phys;
  const pdeAddr = ((cpu.cr3 & ~0xfff) + ((lin >>> 22) << 2)) & phys.a20Mask;
  const pde = phys.read32(pdeAddr);
  if ((pde & PTE_P) !== 0) {
    const pteAddr = ((pde & ~0xfff) + (((lin >>> 12) & 0x3ff) << 2)) & phys.a20Mask;
    const pte = phys.read32(pteAddr);
    if ((pte & PTE_P) !== 0 && (pte & (PTE_A | PTE_D)) !== (PTE_A | PTE_D)) phys.write32(pteAddr, pte | PTE_A | PTE_D);
  }
  let dirty = (e | TLB_DIRTY) & ~TLB_SLOW_WRITE;
  if ((e & TLB_SLOW) === 0 && cpu.codePages[e >>> 12] === 1) dirty |= TLB_SLOW_WRITE;
  tlbFill(cpu, lin >>> 12, dirty);
  return dirty;
}

function walk(cpu: Cpu, lin: number, access: number, user: boolean): number {
  const write = access === ACCESS_WRITE;
  const phys = cpu.phys;
  const err = (write ? PF_W : 0) | (user ? PF_U : 0);
  const pdeAddr = ((cpu.cr3 & ~0xfff) + ((lin >>> 22) << 2)) & phys.a20Mask;
  const pde = phys.read32(pdeAddr);
  if ((pde & PTE_P) === 0) return faulted(cpu, pageFault(cpu, lin, err));
  const pteAddr = ((pde & ~0xfff) + (((lin >>> 12) & 0x3ff) << 2)) & phys.a20Mask;
  const pte = phys.read32(pteAddr);
  if ((pte & PTE_P) === 0) return faulted(cpu, pageFault(cpu, lin, err));

  const us = pde & pte & PTE_US;
  const rw = pde & pte & PTE_RW;
  if (user) {
    if (us === 0 || (write && rw === 0)) return faulted(cpu, pageFault(cpu, lin, err | PF_P));
  } else if (write && rw === 0 && cpu.model === 486 && (cpu.cr0 & CR0_WP) !== 0) {
    return faulted(cpu, pageFault(cpu, lin, err | PF_P));
  }

  if ((pde & PTE_A) === 0) phys.write32(pdeAddr, pde | PTE_A);
  const newPte = pte | PTE_A | (write ? PTE_D : 0);
  if (newPte !== pte) phys.write32(pteAddr, newPte);

  const physPage = ((pte & ~0xfff) & phys.a20Mask) >>> 12;
  let e = (physPage << 12) | TLB_VALID | kindBits(cpu, physPage);
  if (us === 0) e |= TLB_NO_USER | TLB_NO_WRITE_USER;
  if (rw === 0) e |= TLB_NO_WRITE_USER | TLB_NO_WRITE_SUP;
  if ((newPte & PTE_D) !== 0) e |= TLB_DIRTY;
  else e |= TLB_SLOW_WRITE;
  tlbFill(cpu, lin >>> 12, e);
  return e;
}

/** Physical address for `lin` without side effects or faults (debugger, disassembler): -1 if unmapped. */
export function peekTranslate(cpu: Cpu, lin: number): number {
  if ((cpu.cr0 & CR0_PG) === 0) return (lin & cpu.phys.a20Mask) >>> 0;
  const phys = cpu.phys;
  const pde = phys.read32(((cpu.cr3 & ~0xfff) + ((lin >>> 22) << 2)) >>> 0);
  if ((pde & PTE_P) === 0) return -1;
  const pte = phys.read32(((pde & ~0xfff) + (((lin >>> 12) & 0x3ff) << 2)) >>> 0);
  if ((pte & PTE_P) === 0) return -1;
  return ((pte & ~0xfff) | (lin & 0xfff)) >>> 0;
}
