// A process: its address space (a page directory and the regions that say what each user address
// may hold), its kernel stack with the trap frame it resumes from, and its state. The page tables,
// the frames and the kernel stack are in guest RAM; this record is the kernel's bookkeeping.
//
// A process that must wait sleeps on a channel (`chan`, wait.ts) and holds nothing else across the
// sleep but the one disk read it waits for (`io`) and, for a call that had made progress, how far
// it got (`progress`). Its `kentry` says what to do when it is woken: run the system call or the
// page fault again, which now finds what it waited for. The scheduler runs a process's kentry in
// the kernel before it lets it return to user mode; a kernel task (the shell) and a process still
// loading its program are all kentry.

import type { PhysAddr, VirtAddr } from '../hw.ts';
import type { DiskRequest } from '../dev/ata.ts';
import type { PendingRead, Region } from '../mm/backing.ts';
import type { LruWindow } from '../mm/lru.ts';
import type { ReplacementPolicy } from '../mm/policy.ts';
import type { WorkingSetWatch } from '../mm/workingset.ts';
import { channel, type WaitChannel } from '../wait.ts';
import type { OpenFile } from './files.ts';

/**
 * Under --mm segments (proc/segments.ts): the process's partition of physical memory, which its
 * LDT's code and data segments start at, and where it is: in memory, or rolled out to swap whole.
 * Segment offsets: [0, codeBytes) text and rodata, then data and bss, [stackBottom, heapStart) the
 * stack, [heapStart, size) the heap up to the break (Process.heapStart and brk).
 */
export interface SegImage {
  /** The partition's first byte (physical = linear: the arena is identity-mapped); 0 while out. */
  base: PhysAddr;
  /** Bytes: the data segment's limit + 1. */
  size: number;
  codeBytes: number;
  stackBottom: number;
  /** Its LDT: 16 bytes of the kernel heap. */
  ldt: VirtAddr;
  where: 'in' | 'going-out' | 'out' | 'coming-in';
  /** The swap slots its pages are in while out (one per 4 KiB, in order). */
  slots: number[];
  /** The disk requests of a roll-out or roll-in under way. */
  io: DiskRequest[];
  /** Its kernel entry when it was rolled out (the call it sleeps in), run once it is back. */
  resume: ((self: Process) => void) | null;
  /** The tick it came into memory (loaded or rolled in). */
  since: number;
}

/** 'blocked': asleep on `chan`. 'loading': made, not yet given to the scheduler. */
export type ProcState = 'loading' | 'runnable' | 'running' | 'blocked' | 'zombie';


export class Process {
  readonly pid: number;
  name: string;
  argv: string[];
  parent: Process | null;
  state: ProcState = 'loading';
  /** What it sleeps on, while 'blocked'. */
  chan: WaitChannel | null = null;
  /** The channel its children's exit wakes (wait() sleeps on it). */
  readonly childExit: WaitChannel = channel('wait');
  /** The disk read it waits for, if any (owned by the program disk; released on completion or exit). */
  io: PendingRead | null = null;
  /** A resident limit for its evictable pages (the shell's run -m) and the policy that keeps to it. */
  limit: number | null = null;
  policy: ReplacementPolicy | null = null;
  /** Its console output is dropped (the run `-p opt` makes first, to record the program's references). */
  quiet = false;
  /** Set while the MMU records its references: given them when it ends (mm/opt.ts). */
  recording: ((refs: Uint32Array) => void) | null = null;
  /**
   * Under a resident limit: the instruction its last fault was in and the pages mapped for it,
   * until a single step (#DB) says the instruction completed. The pager never takes one of them to
   * make room for another (mm/pager.ts), so an instruction that needs more pages than the limit
   * goes over it rather than faulting for ever.
   */
  restart: { eip: number; pages: number[] } | null = null;
  /**
   * Its pages taken back while still in its working set: page address to the tick of its virtual
   * time when each was last seen referenced (mm/workingset.ts). A page mapped again leaves it.
   */
  readonly wsEvicted = new Map<number, number>();
  /** Its working set, measured each tick while `ws PID` watches it (mm/workingset.ts). */
  ws: WorkingSetWatch | null = null;
  /** Under exact LRU: the pages ring 3 may touch now (mm/lru.ts). */
  lru: LruWindow | null = null;
  /** The page whose fault waits for a frame to be written to swap (mm/pager.ts). */
  waitingFor: number | null = null;
  /** How far a system call that slept had got (bytes written, the time a sleep ends); null when none. */
  progress: number | null = null;
  /** Kernel code to run before it may return to user mode: the call or fault it slept in, a kernel task's body, a program still loading. */
  kentry: ((self: Process) => void) | null = null;
  /** Under --mm segments: its partition (pd stays 0: every process runs in the kernel's directory). */
  seg: SegImage | null = null;
  /** Page directory (owner 'pagedir'); 0 before exec built one. */
  pd = 0 as PhysAddr;
  /** Kernel stack frame (owner 'kstack') and the trap frame at its top. */
  kstack = 0 as PhysAddr;
  frame = 0 as VirtAddr;
  regions: Region[] = [];
  /** The program break: the heap region is [heapStart, brk) rounded up to pages. */
  heapStart = 0;
  brk = 0;
  files = new Map<number, OpenFile>();
  /** Page faults this process took (hardware #PF and kernel page-ins on its behalf). */
  faults = 0;
  /** Its faults by page (accounting.ts), until the page is locked; and those of pages it locked. */
  readonly faultsByPage = new Map<number, number>();
  lockedFaults = 0;
  /** Exact LRU's reference-tracking faults (mm/lru.ts), not counted in `faults`. */
  softFaults = 0;
  /** Its write faults on copy-on-write pages (counted in `faults` too), and the copies they made. */
  cowFaults = 0;
  cowCopies = 0;
  /** Its pages written to swap; by page, until the page is locked; and those of pages it locked. */
  swapWrites = 0;
  readonly swapWritesByPage = new Map<number, number>();
  lockedSwapWrites = 0;
  /** The pages exec mapped before its first instruction (its argv stack page), as page numbers. */
  startPages: number[] = [];
  /** The pages it has locked (mlock) now, as page numbers (va >>> 12). */
  readonly lockedPages = new Set<number>();
  /** Emulated cycles when it was made. */
  startCycle = 0;
  exitStatus = 0;
  /** Ended by the kernel (a fault, `kill`, Ctrl-C) rather than by exit(). */
  killed = false;
  /** Set when `run` could not load it: the shell already said why. */
  loadFailed = false;
  /** Whether the shell waits for it (run without &). */
  foreground = false;
  /** Its record in the kernel's 'proc' slab cache (guest RAM). */
  record = 0 as VirtAddr;
  /** Ticks of CPU time it has had, and its emulated cycles in ring 3 (its virtual time, finer). */
  ticks = 0;
  userCycles = 0;
  /** Its userCycles at its last page fault (--rss pff: the time between faults). */
  lastFaultAt: number | null = null;

  constructor(pid: number, name: string, argv: string[], parent: Process | null) {
    this.pid = pid;
    this.name = name;
    this.argv = argv;
    this.parent = parent;
  }

  regionAt(va: number): Region | null {
    for (const r of this.regions) if (va >= r.start && va < r.end) return r;
    return null;
  }

  /** Whether a region holds `va` and lets it be touched at all (not PROT_NONE). */
  readableAt(va: number): boolean {
    const r = this.regionAt(va);
    return r !== null && r.readable !== false;
  }
}
