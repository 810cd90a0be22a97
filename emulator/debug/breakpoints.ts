// The monitor's breakpoints, and the stop they cause: code breakpoints (a linear EIP), write
// watchpoints, and the memory-management ones: a page fault (any, in a range of CR2, or with an
// error code), a CR3 load, INVLPG, a write to a page-table page, an exception vector, and a frame
// handed out or freed (the kernel's trace point: HostPort.tracePoint).
//
// With none set, cpu.debug is null and nothing here runs. Code breakpoints and `s` need to look at
// every instruction before it runs, so while one is set cpu.traceInsn is set too (to NO_TRACE, or
// the trace's own), and the run loop steps one instruction at a time through stepTraced, which
// asks beforeInsn (step.ts); the blocks' fast loop is never touched. Interrupts, CR3 loads and
// INVLPG reach the hooks from their cold paths. Writes to watched pages are caught the way writes
// to decoded code are (blocks.ts): the page is marked in codePages, so every write to it, by the
// CPU or through PhysicalMemory (the kernel, devices), calls blocks.dropPage, which this wraps;
// after the run slice the page is compared with its copy, so the processor's own A/D updates
// (which change nothing else) do not stop the machine.

import { VECTOR_NAMES } from '../cpu/faults.ts';
import { INT_EXCEPTION } from '../cpu/interrupts.ts';
import { peekTranslate, PTE_A, PTE_D, PTE_P } from '../cpu/paging.ts';
import { CS } from '../cpu/registers.ts';
import { type Cpu, CR0_PG, type DebugHooks } from '../cpu/state.ts';
import { TLB_PAGE_MASK, tlbProtectCode, updateAccessMasks } from '../cpu/tlb.ts';
import { describePageFault } from './trace.ts';

export type Breakpoint =
  | { id: number; kind: 'exec'; addr: number }
  /**
   * Stops after anything writes (unless writes is false) or the CPU reads (when reads is true) a
   * byte of [addr, addr+len); phys: each byte's physical address.
   */
  | { id: number; kind: 'watch'; addr: number; len: number; phys: number[]; reads?: boolean; writes?: boolean }
  | { id: number; kind: 'pf'; lo: number; hi: number; code: number }
  | { id: number; kind: 'cr3' }
  | { id: number; kind: 'invlpg' }
  | { id: number; kind: 'ptwrite' }
  | { id: number; kind: 'vector'; vector: number }
  /** Frames handed out or freed by the kernel (its trace point, HostPort.tracePoint); op 'any' for both. */
  | { id: number; kind: 'frame'; op: 'alloc' | 'free' | 'any' };

/** Distributes Omit over the union, so a new breakpoint is given without its id. */
export type NewBreakpoint = Breakpoint extends infer B ? (B extends Breakpoint ? Omit<B, 'id'> : never) : never;

/** Set as cpu.traceInsn while the monitor needs single steps and no trace is on. */
const NO_TRACE = (): void => {};

const hex8 = (v: number): string => (v >>> 0).toString(16).padStart(8, '0');

export class Breakpoints implements DebugHooks {
  readonly cpu: Cpu;
  readonly list: Breakpoint[] = [];
  /** Whether a breakpoint (or the monitor) has stopped the machine, and why. */
  stopped = false;
  reason = '';
  /** Instructions left to run before stopping (`s N`), or -1. */
  stepsLeft = -1;
  private nextId = 1;
  /** The linear EIP the machine resumes at: its code breakpoint is passed over once. */
  private skipLin = -1;
  /** Watched physical pages and their contents when last compared. */
  private readonly watched = new Map<number, Uint8Array>();
  private ptPages = new Set<number>();
  private written = new Set<number>();
  private dropPageWrapped: ((page: number) => void) | null = null;

  constructor(cpu: Cpu) {
    this.cpu = cpu;
  }

  add(b: NewBreakpoint): Breakpoint {
    const full = { ...b, id: this.nextId++ } as Breakpoint;
    this.list.push(full);
    this.sync();
    return full;
  }

  remove(id: number): boolean {
    const k = this.list.findIndex((b) => b.id === id);
    if (k < 0) return false;
    this.list.splice(k, 1);
    this.sync();
    return true;
  }

  stop(why: string): void {
    if (!this.stopped) {
      this.stopped = true;
      this.reason = why;
    }
    this.cpu.stopRequested = true;
  }

  /** Lets the machine run again; the code breakpoint at the current EIP, if any, is passed once. */
  resume(): void {
    this.stopped = false;
    this.reason = '';
    this.skipLin = (this.cpu.segBase[CS]! + this.cpu.eip) >>> 0;
    this.sync();
  }

  /** Runs `n` instructions from now (then stops): set before running the machine. */
  step(n: number): void {
    this.resume();
    this.stepsLeft = n;
    this.sync();
  }

  /** Puts the hooks in place for what is set, and only for that. */
  sync(): void {
    const cpu = this.cpu;
    const needStep = this.stepsLeft >= 0 || this.list.some((b) => b.kind === 'exec');
    cpu.debug = this.list.length > 0 || this.stepsLeft >= 0 ? this : null;
    const readWatch = this.list.some((b) => b.kind === 'watch' && b.reads === true);
    if (readWatch !== cpu.readWatch) {
      // Every data read must come to translate() while one is set: the TLB's fast path is closed.
      cpu.readWatch = readWatch;
      updateAccessMasks(cpu);
    }
    if (needStep && cpu.traceInsn === null) cpu.traceInsn = NO_TRACE;
    else if (!needStep && cpu.traceInsn === NO_TRACE) cpu.traceInsn = null;
    this.watchPages();
    // The fast loop checks traceInsn only between blocks: leave it now.
    cpu.stopRequested = true;
  }

  // --- the hooks (DebugHooks) ----------------------------------------------------------------------

  beforeInsn(cpu: Cpu): boolean {
    const lin = (cpu.segBase[CS]! + cpu.eip) >>> 0;
    const skip = this.skipLin;
    this.skipLin = -1;
    if (this.stepsLeft === 0) {
      this.stepsLeft = -1;
      this.stop('stepped');
      this.sync();
      return true;
    }
    for (const b of this.list) {
      if (b.kind === 'exec' && b.addr === lin && lin !== skip) {
        this.stop(`breakpoint ${b.id} at ${hex8(lin)}`);
        return true;
      }
    }
    if (this.stepsLeft > 0) this.stepsLeft--;
    return false;
  }

  interrupt(cpu: Cpu, vector: number, errorCode: number, source: number): void {
    if (source !== INT_EXCEPTION) return;
    const at = `${(cpu.seg[CS]! >>> 0).toString(16).padStart(4, '0')}:${hex8(cpu.eip)}`;
    for (const b of this.list) {
      if (b.kind === 'pf' && vector === 14) {
        const cr2 = cpu.cr2 >>> 0;
        if (cr2 < b.lo || cr2 > b.hi || (b.code >= 0 && errorCode !== b.code)) continue;
        this.stop(`breakpoint ${b.id}: #PF cr2=${hex8(cr2)} err=${errorCode.toString(16)} (${describePageFault(errorCode)}) at ${at}; stopped at the handler's first instruction`);
        return;
      }
      if (b.kind === 'vector' && b.vector === vector) {
        this.stop(`breakpoint ${b.id}: exception ${vector}${VECTOR_NAMES[vector] ? ` ${VECTOR_NAMES[vector]}` : ''}${errorCode >= 0 ? ` err=${errorCode.toString(16)}` : ''} at ${at}; stopped at the handler's first instruction`);
        return;
      }
    }
  }

  cr3Loaded(cpu: Cpu): void {
    for (const b of this.list) {
      if (b.kind === 'cr3') this.stop(`breakpoint ${b.id}: CR3 loaded with ${hex8(cpu.cr3)} (eip ${hex8(cpu.eip)})`);
    }
    if (this.list.some((b) => b.kind === 'ptwrite')) this.written.add(-1);
  }

  read(cpu: Cpu, lin: number, phys: number): void {
    // The access may be up to 4 bytes (a longer one comes here once per page it touches).
    for (const b of this.list) {
      if (b.kind !== 'watch' || b.reads !== true) continue;
      const k = b.phys.findIndex((p) => p >= phys && p < phys + 4);
      if (k >= 0) this.stop(`watchpoint ${b.id}: ${hex8(b.addr + k)} (physical ${hex8(b.phys[k]!)}) read at linear ${hex8(lin)}, eip ${hex8(cpu.eip)}`);
    }
  }

  tracePoint(cpu: Cpu, event: 'frame-alloc' | 'frame-free', addr: number, frames: number, owner: string): void {
    for (const b of this.list) {
      if (b.kind !== 'frame' || (b.op !== 'any' && `frame-${b.op}` !== event)) continue;
      const what = `${frames === 1 ? 'frame' : `${frames} frames at`} ${hex8(addr)}`;
      this.stop(`breakpoint ${b.id}: ${what} ${event === 'frame-alloc' ? `handed out to ${owner}` : 'freed'} (eip ${hex8(cpu.eip)})`);
    }
  }

  invlpg(cpu: Cpu, lin: number): void {
    for (const b of this.list) {
      if (b.kind === 'invlpg') this.stop(`breakpoint ${b.id}: INVLPG ${hex8(lin)} (eip ${hex8(cpu.eip)})`);
    }
  }

  /**
   * After a run slice (Machine.run): compares the watched pages written since with their copies;
   * a change stops the machine. A CR3 load re-reads which pages hold page tables.
   */
  afterRun(): void {
    if (this.written.size === 0) return;
    const cpu = this.cpu;
    const mem = cpu.phys.ram;
    for (const page of this.written) {
      if (page < 0) continue;
      const old = this.watched.get(page);
      if (old === undefined) continue;
      const now = mem.subarray(page * 4096, page * 4096 + 4096);
      for (const b of this.list) {
        if (b.kind === 'watch' && b.writes !== false) {
          for (let k = 0; k < b.len; k++) {
            const p = b.phys[k]!;
            if (p >>> 12 !== page) continue;
            if (old[p & 0xfff] !== now[p & 0xfff]) {
              this.stop(`watchpoint ${b.id}: ${hex8(b.addr + k)} (physical ${hex8(p)}) written: ${old[p & 0xfff]!.toString(16)} -> ${now[p & 0xfff]!.toString(16)}, eip now ${hex8(cpu.eip)}`);
              break;
            }
          }
        } else if (b.kind === 'ptwrite' && this.ptPages.has(page)) {
          for (let k = 0; k < 4096; k += 4) {
            const a = (old[k]! | (old[k + 1]! << 8) | (old[k + 2]! << 16) | (old[k + 3]! << 24)) >>> 0;
            const c = (now[k]! | (now[k + 1]! << 8) | (now[k + 2]! << 16) | (now[k + 3]! << 24)) >>> 0;
            // The processor's own accessed and dirty updates are not what this looks for.
            if (((a ^ c) & ~(PTE_A | PTE_D)) === 0) continue;
            this.stop(`breakpoint ${b.id}: page-table page ${hex8(page * 4096)} entry ${k / 4} written: ${hex8(a)} -> ${hex8(c)}, eip now ${hex8(cpu.eip)}`);
            break;
          }
        }
      }
    }
    this.written.clear();
    this.watchPages();
  }

  /** The physical pages to watch now, marked so writes to them call dropPage; and their copies. */
  private watchPages(): void {
    const cpu = this.cpu;
    const pages = new Set<number>();
    for (const b of this.list) if (b.kind === 'watch' && b.writes !== false) for (const p of b.phys) pages.add(p >>> 12);
    this.ptPages = new Set();
    if (this.list.some((b) => b.kind === 'ptwrite') && (cpu.cr0 & CR0_PG) !== 0) {
      const pd = (cpu.cr3 & TLB_PAGE_MASK) >>> 12;
      this.ptPages.add(pd);
      for (let d = 0; d < 1024; d++) {
        const pde = cpu.phys.read32(pd * 4096 + d * 4);
        if ((pde & PTE_P) !== 0) this.ptPages.add((pde & TLB_PAGE_MASK) >>> 12);
      }
      for (const p of this.ptPages) pages.add(p);
    }
    const ramPages = cpu.phys.ramSize / 4096;
    this.watched.clear();
    for (const p of pages) {
      if (p >= ramPages) continue;
      this.watched.set(p, cpu.phys.ram.slice(p * 4096, p * 4096 + 4096));
      if (cpu.codePages[p] === 0) {
        cpu.codePages[p] = 1;
        tlbProtectCode(cpu, p);
      }
    }
    const blocks = cpu.blocks;
    if (this.watched.size > 0 && this.dropPageWrapped === null) {
      const drop = blocks.dropPage.bind(blocks);
      this.dropPageWrapped = drop;
      blocks.dropPage = (page: number): void => {
        drop(page);
        if (this.watched.has(page)) {
          // Still watched: the next write must come here too.
          cpu.codePages[page] = 1;
          this.written.add(page);
          cpu.stopRequested = true;
        }
      };
    } else if (this.watched.size === 0 && this.dropPageWrapped !== null) {
      Reflect.deleteProperty(blocks, 'dropPage');
      this.dropPageWrapped = null;
    }
  }

  /** The physical addresses of `len` bytes at linear `addr`, or the first that is not mapped. */
  static translate(cpu: Cpu, addr: number, len: number): number[] | { unmapped: number } {
    const out: number[] = [];
    for (let k = 0; k < len; k++) {
      const a = (addr + k) >>> 0;
      const p = peekTranslate(cpu, a);
      if (p < 0) return { unmapped: a };
      out.push(p);
    }
    return out;
  }
}
