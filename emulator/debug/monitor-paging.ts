// Paging as the hardware sees it now: `walk` (one address's page walk, level by level), `maps`
// (the mapped ranges of an address space, QEMU's `info mem`), `tlb` (the cached translations) and
// `tlb check` (each cached translation against the page tables now: the stale ones are the
// mappings the CPU still uses although the tables no longer give them, i386 PRM 5.2.5 "Page
// Translation Cache"). All read memory without side effects: no A/D bit is set, nothing cached.

import { PTE_A, PTE_D, PTE_P, PTE_RW, PTE_US } from '../cpu/paging.ts';
import { TLB_DIRTY, TLB_NO_USER, TLB_NO_WRITE_SUP, TLB_PAGE_MASK } from '../cpu/tlb.ts';
import {
  hex8, MonitorError, type MonitorCommand, type MonitorContext, type OsView, pagingOn, parseNumber,
} from './monitor-command.ts';

/** A PDE's or PTE's flags in words. */
export function entryWords(e: number): string {
  if ((e & PTE_P) === 0) return 'not present';
  const w = ['present', (e & PTE_RW) !== 0 ? 'writable' : 'read-only', (e & PTE_US) !== 0 ? 'user' : 'supervisor'];
  if ((e & PTE_A) !== 0) w.push('accessed');
  if ((e & PTE_D) !== 0) w.push('dirty');
  if ((e & 0xe00) !== 0) w.push(`avail=${(e >>> 9) & 7}`);
  return w.join(', ');
}

/** What the operating system says, its failures (not booted yet) as one line of the monitor's. */
function askOs<T>(ctx: MonitorContext, ask: (os: OsView) => T): T {
  const os = ctx.monitor.os;
  if (os === null) throw new MonitorError('needs the operating system\'s view, and this machine has none (the ts386 kernel gives one)');
  try {
    return ask(os);
  } catch (e) {
    throw new MonitorError(e instanceof Error ? e.message : String(e));
  }
}

/** The page directory a command names: `pid N` (through the OS view), a CR3 value, or the current CR3. */
function addressSpace(ctx: MonitorContext, args: string[]): number {
  if (args[0] === 'pid') {
    if (ctx.monitor.os === null) throw new MonitorError('pid N needs the operating system\'s view, and this machine has none (the ts386 kernel gives one)');
    const pid = parseNumber(ctx, args[1], 'pid');
    const cr3 = askOs(ctx, (os) => os.cr3Of(pid));
    if (cr3 === null) throw new MonitorError(`no process ${pid}`);
    if (args.length > 2) throw new MonitorError(`unexpected '${args[2]}'`);
    return cr3;
  }
  if (args.length > 1) throw new MonitorError(`unexpected '${args[1]}'`);
  return args[0] === undefined ? ctx.machine.cpu.cr3 >>> 0 : parseNumber(ctx, args[0], 'CR3');
}

function read32(ctx: MonitorContext, addr: number): number {
  const phys = ctx.machine.phys;
  if (addr >= phys.ramSize) throw new MonitorError(`the walk reads physical 0x${hex8(addr)}, beyond RAM`);
  return phys.read32(addr) >>> 0;
}

function walk(ctx: MonitorContext, args: string[]): string {
  const va = parseNumber(ctx, args[0], 'virtual address');
  const cr3 = addressSpace(ctx, args.slice(1)) & TLB_PAGE_MASK;
  const lines = [`walk 0x${hex8(va)} under CR3=0x${hex8(cr3)}${pagingOn(ctx) ? '' : ' (paging is off now: the CPU uses linear = physical)'}`];
  const dir = va >>> 22, tab = (va >>> 12) & 0x3ff;
  const pdeAddr = (cr3 + dir * 4) >>> 0;
  const pde = read32(ctx, pdeAddr);
  lines.push(`  PDE[${dir}] at 0x${hex8(pdeAddr)} = 0x${hex8(pde)}: ${entryWords(pde)}`);
  if ((pde & PTE_P) === 0) {
    lines.push('  faults: #PF, the page directory entry is not present');
    return lines.join('\n');
  }
  const pteAddr = ((pde & TLB_PAGE_MASK) + tab * 4) >>> 0;
  const pte = read32(ctx, pteAddr);
  lines.push(`  PTE[${tab}] at 0x${hex8(pteAddr)} = 0x${hex8(pte)}: ${entryWords(pte)}`);
  if ((pte & PTE_P) === 0) {
    lines.push('  faults: #PF, the page table entry is not present');
    return lines.join('\n');
  }
  const phys = ((pte & TLB_PAGE_MASK) | (va & 0xfff)) >>> 0;
  const us = pde & pte & PTE_US, rw = pde & pte & PTE_RW;
  lines.push(`  -> physical 0x${hex8(phys)} (${us !== 0 ? 'user' : 'supervisor only'}, ${rw !== 0 ? 'writable' : 'read-only'})`);
  return lines.join('\n');
}

/** Permissions as QEMU's info mem shows them: u/s, r/w (effective: the stricter of PDE and PTE). */
function perms(pde: number, pte: number): string {
  return `${(pde & pte & PTE_US) !== 0 ? 'u' : 's'}r${(pde & pte & PTE_RW) !== 0 ? 'w' : '-'}`;
}

function maps(ctx: MonitorContext, args: string[]): string {
  const cr3 = addressSpace(ctx, args) & TLB_PAGE_MASK;
  const lines: string[] = [];
  let start = -1, end = 0, cur = '';
  const flush = (): void => {
    if (start >= 0) lines.push(`${hex8(start)}-${hex8(end)} ${hex8(end - start)} ${cur}`);
    start = -1;
  };
  for (let d = 0; d < 1024; d++) {
    const pde = read32(ctx, cr3 + d * 4);
    if ((pde & PTE_P) === 0) { flush(); continue; }
    for (let t = 0; t < 1024; t++) {
      const pte = read32(ctx, ((pde & TLB_PAGE_MASK) + t * 4) >>> 0);
      const va = (d * 1024 + t) * 4096;
      if ((pte & PTE_P) === 0) { flush(); continue; }
      const p = perms(pde, pte);
      if (start >= 0 && p === cur && va === end) { end = va + 4096; continue; }
      flush();
      start = va; end = va + 4096; cur = p;
    }
  }
  flush();
  if (lines.length === 0) return `nothing is mapped under CR3=0x${hex8(cr3)}`;
  return [`mapped under CR3=0x${hex8(cr3)} (start-end size perms):`, ...lines].join('\n');
}

/** A TLB entry's permissions, in the same letters as maps (the entry keeps R/W as NO_WRITE_SUP, tlb.ts). */
function tlbPerms(e: number): string {
  return `${(e & TLB_NO_USER) !== 0 ? 's' : 'u'}r${(e & TLB_NO_WRITE_SUP) !== 0 ? '-' : 'w'}`;
}

function tlbList(ctx: MonitorContext): string {
  const cpu = ctx.machine.cpu;
  const pages = [...cpu.tlbPages].sort((a, b) => a - b);
  if (pages.length === 0) return 'the TLB is empty';
  const lines = [`${pages.length} entries (linear -> physical, perms):`];
  for (const p of pages) {
    const e = cpu.tlb[p]!;
    lines.push(`${hex8(p * 4096)} -> ${hex8(e & TLB_PAGE_MASK)} ${tlbPerms(e)}${(e & TLB_DIRTY) !== 0 ? ' dirty' : ''}`);
  }
  return lines.join('\n');
}

/** Each TLB entry against a walk of the tables now: the stale ones, one line each. */
export function tlbStale(ctx: MonitorContext): string[] {
  const cpu = ctx.machine.cpu;
  if (!pagingOn(ctx)) return [];
  const cr3 = cpu.cr3 & TLB_PAGE_MASK;
  const stale: string[] = [];
  for (const p of [...cpu.tlbPages].sort((a, b) => a - b)) {
    const e = cpu.tlb[p]!;
    const pde = read32(ctx, (cr3 + (p >>> 10) * 4) >>> 0);
    const pte = (pde & PTE_P) === 0 ? 0 : read32(ctx, ((pde & TLB_PAGE_MASK) + (p & 0x3ff) * 4) >>> 0);
    const cached = `${hex8(p * 4096)} -> ${hex8(e & TLB_PAGE_MASK)} ${tlbPerms(e)}`;
    let why = '';
    if ((pde & PTE_P) === 0) why = 'the page directory entry is not present';
    else if ((pte & PTE_P) === 0) why = 'the page table entry is not present';
    else if (((pte & TLB_PAGE_MASK) >>> 0) !== ((e & TLB_PAGE_MASK) >>> 0)) why = `the tables map it to ${hex8(pte & TLB_PAGE_MASK)}`;
    else if ((pde & pte & PTE_US) === 0 && (e & TLB_NO_USER) === 0) why = 'the tables make it supervisor only';
    else if ((pde & pte & PTE_RW) === 0 && (e & TLB_NO_WRITE_SUP) === 0) why = 'the tables make it read-only';
    if (why !== '') stale.push(`stale: ${cached}, but ${why}`);
  }
  return stale;
}

function tlb(ctx: MonitorContext, args: string[]): string {
  if (args.length === 0) return tlbList(ctx);
  if (args[0] !== 'check' || args.length > 1) throw new MonitorError(`expected 'tlb' or 'tlb check', not 'tlb ${args.join(' ')}'`);
  if (!pagingOn(ctx)) return 'paging is off: the TLB caches the identity map, which cannot go stale';
  const stale = tlbStale(ctx);
  const n = ctx.machine.cpu.tlbPages.length;
  if (stale.length === 0) return `${n} entries, none stale: each gives what the page tables give now`;
  return [`${stale.length} of ${n} entries stale (the CPU uses them until INVLPG or a CR3 load):`, ...stale].join('\n');
}

export const PAGING_COMMANDS: MonitorCommand[] = [
  {
    name: 'walk', usage: 'walk VA [CR3 | pid N]', help: 'the page walk for VA: each level\'s entry and flags, then the physical address or the fault',
    run: walk,
  },
  {
    name: 'maps', usage: 'maps [CR3 | pid N]', help: 'the mapped ranges of an address space with their permissions (u/s, r/w)',
    run: maps,
  },
  {
    name: 'tlb', usage: 'tlb [check]', help: 'the TLB\'s entries; check: the entries the page tables no longer give (stale)',
    run: tlb,
  },
  {
    name: 'frames', usage: 'frames', help: 'the physical frame map by owner (needs the operating system\'s view)',
    run: (ctx, args) => {
      if (args.length > 0) throw new MonitorError(`unexpected '${args[0]}'`);
      return askOs(ctx, (os) => os.frames()).join('\n');
    },
  },
  {
    name: 'ps', usage: 'ps', help: 'the processes and their page directories (needs the operating system\'s view)',
    run: (ctx, args) => {
      if (args.length > 0) throw new MonitorError(`unexpected '${args[0]}'`);
      return askOs(ctx, (os) => os.processes()).join('\n');
    },
  },
];
