// The translation lookaside buffer, modelled the way a kernel sees it: an entry is cached when a
// linear page is first used, and it is used from then on, whatever the page tables say, until CR3
// is written, paging is switched off or on, or (486) INVLPG names its page (i386 PRM, "Translation
// Lookaside Buffer"). It has no capacity limit, so a kernel that forgets to flush sees the stale
// mapping every time, deterministically.
//
// The same array doubles as the interpreter's fast path: an entry holds the physical page and the
// permission bits below, so a memory access is one lookup and one compare (access.ts). With paging
// off it caches the identity map the same way.
//
//   31                    12 11        7    6      5       4     3         2         1     0
//   ┌───────────────────────┬──────────┬──────┬──────┬──────┬────────┬─────────┬───────┬───────┐
//   │ physical page base    │ (unused) │DIRTY │ SLOW │ SLOW │NO_WRITE│NO_WRITE │NO_USER│ VALID │
//   │                       │          │      │ WRITE│      │  _SUP  │  _USER  │       │       │
//   └───────────────────────┴──────────┴──────┴──────┴──────┴────────┴─────────┴───────┴───────┘
//   SLOW:       not RAM (ROM or unmapped): every access goes through PhysicalMemory.
//   SLOW_WRITE: a write needs work first: set the PTE's D bit, or drop decoded code on the page.

import { AC, type Cpu, CR0_AM, CR0_WP } from './state.ts';

export const TLB_VALID = 1 << 0;
export const TLB_NO_USER = 1 << 1;
export const TLB_NO_WRITE_USER = 1 << 2;
export const TLB_NO_WRITE_SUP = 1 << 3;
export const TLB_SLOW = 1 << 4;
export const TLB_SLOW_WRITE = 1 << 5;
export const TLB_DIRTY = 1 << 6;
/**
 * Set in every entry, and added to the fast-path masks only while the 486's alignment check is
 * active, the reference recorder is on (refs.ts) or a read watchpoint is set: then no entry
 * matches, every access takes the slow path, where the slow path checks alignment (access.ts) and
 * translate() records the reference or shows the read to the watchpoint (paging.ts). Otherwise
 * the bit is outside the masks and costs nothing.
 */
export const TLB_ALWAYS = 1 << 7;
export const TLB_PAGE_MASK = ~0xfff;

/** Caches `entry` for the linear page `page` (a page number, lin >>> 12). */
export function tlbFill(cpu: Cpu, page: number, entry: number): void {
  if (cpu.tlb[page] === 0) cpu.tlbPages.push(page);
  cpu.tlb[page] = entry | TLB_ALWAYS;
}

/** Drops every entry (a CR3 write, or CR0.PG changing). */
export function tlbFlush(cpu: Cpu): void {
  const pages = cpu.tlbPages;
  const tlb = cpu.tlb;
  for (let k = 0; k < pages.length; k++) tlb[pages[k]!] = 0;
  pages.length = 0;
  cpu.tlbStats.flushes++;
  cpu.chainGen++;
}

/** Drops one page's entry (INVLPG). */
export function tlbFlushPage(cpu: Cpu, page: number): void {
  cpu.chainGen++;
  cpu.tlbStats.flushes++;
  if (cpu.tlb[page] !== 0) {
    cpu.tlb[page] = 0;
    const k = cpu.tlbPages.indexOf(page);
    if (k >= 0) {
      cpu.tlbPages[k] = cpu.tlbPages[cpu.tlbPages.length - 1]!;
      cpu.tlbPages.pop();
    }
  }
}

/**
 * Makes every cached entry for physical page `physPage` take the slow write path, so that a write
 * there drops the decoded code cached from it (self-modifying code).
 */
export function tlbProtectCode(cpu: Cpu, physPage: number): void {
  const pages = cpu.tlbPages;
  const tlb = cpu.tlb;
  for (let k = 0; k < pages.length; k++) {
    const e = tlb[pages[k]!]!;
    if (e >>> 12 === physPage) tlb[pages[k]!] = e | TLB_SLOW_WRITE;
  }
}

/**
 * Recomputes the masks the fast path compares entries with, from CPL and CR0.WP. Called whenever
 * either changes.
 */
export function updateAccessMasks(cpu: Cpu): void {
  cpu.chainGen++; // CPL or CS may have changed: code fetches must be checked again
  if (cpu.cpl === 3) {
    cpu.readMask = TLB_VALID | TLB_SLOW | TLB_NO_USER;
    cpu.writeMask = TLB_VALID | TLB_SLOW | TLB_SLOW_WRITE | TLB_NO_USER | TLB_NO_WRITE_USER;
  } else {
    cpu.readMask = TLB_VALID | TLB_SLOW;
    // The 386 lets supervisor code write read-only pages; the 486 faults when CR0.WP is set.
    const wp = cpu.model === 486 && (cpu.cr0 & CR0_WP) !== 0;
    cpu.writeMask = TLB_VALID | TLB_SLOW | TLB_SLOW_WRITE | (wp ? TLB_NO_WRITE_SUP : 0);
  }
  // 486 alignment check (i486 PRM, "Alignment Check Exception"): CR0.AM, EFLAGS.AC and CPL 3.
  cpu.alignCheck = cpu.model === 486 && cpu.cpl === 3 && (cpu.cr0 & CR0_AM) !== 0 && (cpu.flags & AC) !== 0;
  if (cpu.alignCheck || cpu.refs.on || cpu.readWatch) {
    cpu.readMask |= TLB_ALWAYS;
    cpu.writeMask |= TLB_ALWAYS;
  }
}
