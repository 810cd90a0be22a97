// The process table (xv6's ptable): every process by pid, its record in the kernel's 'proc' slab
// cache (guest RAM), and the family questions: whose children, who is in the foreground. Making a
// process takes a kernel stack frame and a slab record; reaping a zombie gives the record back.

import { phys, virt, type Hw } from '../hw.ts';
import { KSTACK_SIZE, P2V, V2P } from '../layout.ts';
import type { FrameAllocator } from '../mm/frame-table.ts';
import type { SlabCache } from '../mm/slab.ts';
import type { KernelStats } from '../stats.ts';
import { USER_FRAME_SIZE } from '../trap.ts';
import { Process, type ProcState } from './process.ts';

const STATE_CODES: readonly ProcState[] = ['loading', 'runnable', 'running', 'blocked', 'zombie'];

/** Bytes of a process's slab record: pid, parent pid, state, page directory, kernel stack, exit status. */
export const PROC_RECORD_SIZE = 64;

export class ProcTable {
  private readonly hw: Hw;
  private readonly frames: FrameAllocator;
  private readonly slab: SlabCache;
  private readonly stats: KernelStats;
  readonly procs = new Map<number, Process>();
  private nextPid = 1;
  /**
   * The process that adopts what has no parent (xv6's initproc): the shell. A job it started, or an
   * orphan, tells it of its end by waking it; it reaps them.
   */
  init: Process | null = null;

  constructor(hw: Hw, frames: FrameAllocator, slab: SlabCache, stats: KernelStats) {
    this.hw = hw;
    this.frames = frames;
    this.slab = slab;
    this.stats = stats;
  }

  /** A new process with a kernel stack and an empty trap frame; the caller gives it an address space. Null when out of memory. */
  create(name: string, argv: string[], parent: Process | null): Process | null {
    const kstack = this.frames.alloc('kstack');
    if (kstack === null) return null;
    const record = this.slab.alloc();
    if (record === null) { this.frames.free(kstack); return null; }
    const p = new Process(this.nextPid++, name, argv, parent);
    p.kstack = kstack;
    p.frame = virt(P2V(kstack) + KSTACK_SIZE - USER_FRAME_SIZE);
    p.record = record;
    p.startCycle = this.hw.readTSC();
    this.hw.fillPhys(kstack, KSTACK_SIZE, 0);
    this.writeRecord(p);
    this.procs.set(p.pid, p);
    this.stats.processesStarted++;
    return p;
  }

  /** The process's record in the 'proc' slab (guest RAM): pid, parent, state, page directory, kernel stack, exit status. */
  writeRecord(p: Process): void {
    if (p.record === 0) return; // a kernel task has none
    const at = V2P(p.record);
    this.hw.writePhys32(at, p.pid);
    this.hw.writePhys32(phys(at + 4), p.parent?.pid ?? 0);
    this.hw.writePhys32(phys(at + 8), STATE_CODES.indexOf(p.state));
    this.hw.writePhys32(phys(at + 12), p.pd);
    this.hw.writePhys32(phys(at + 16), p.kstack);
    this.hw.writePhys32(phys(at + 20), p.exitStatus);
  }

  /** Frees what is left of a zombie (its slab record) and forgets it. */
  reap(p: Process): void {
    this.slab.free(p.record);
    this.procs.delete(p.pid);
  }

  /** The live process whose address space is `pd`, if any. */
  byPd(pd: number): Process | undefined {
    for (const p of this.procs.values()) if (p.pd === pd && p.state !== 'zombie') return p;
    return undefined;
  }

  childrenOf(p: Process): Process[] {
    const out: Process[] = [];
    for (const c of this.procs.values()) if (c.parent === p) out.push(c);
    return out;
  }

  /**
   * Whether `p` belongs to the shell's foreground job: the program `run` started without `&`, or
   * a process it forked. Only those read the console; a background reader waits (as a Unix
   * background job stops on SIGTTIN), so it never takes lines typed to the shell.
   */
  inForeground(p: Process): boolean {
    let q: Process = p;
    while (q.parent !== null) q = q.parent;
    return q.foreground && q.state !== 'zombie';
  }

  /** The processes whose pages replacement may take: alive, with an address space (not still loading). */
  paged(): Process[] {
    const out: Process[] = [];
    for (const p of this.procs.values()) if (p.pd !== 0 && p.state !== 'zombie') out.push(p);
    return out;
  }

  /** The foreground job's first process, if one is alive. */
  foregroundJob(): Process | null {
    for (const p of this.procs.values()) if (p.foreground && p.state !== 'zombie') return p;
    return null;
  }
}
