// A process: its address space (a page directory and the regions that say what each user address
// may hold), its kernel stack with the trap frame it resumes from, and its state. The page tables,
// the frames and the kernel stack are in guest RAM; this record is the kernel's bookkeeping.

import type { PhysAddr, VirtAddr } from '../hw.ts';
import type { UstarEntry } from '../fs/ustar.ts';
import type { OpenFile } from './files.ts';

export type ProcState = 'loading' | 'runnable' | 'running' | 'blocked' | 'zombie';

/** Where a region's pages come from on their first touch. */
export interface FileBacking {
  /** The program file on the program disk. */
  file: UstarEntry;
  /** The ELF segment: its file offset, its first address and how many bytes come from the file. */
  offset: number;
  vaddr: number;
  filesz: number;
}

export type RegionKind = 'text' | 'rodata' | 'data' | 'heap' | 'stack';

/** A range of user addresses [start, end) that may be touched; pages appear on first touch. */
export interface Region {
  kind: RegionKind;
  start: number;
  end: number;
  writable: boolean;
  /** Lazily loaded from the program file (text, data); absent: zero-filled on demand. */
  backing?: FileBacking;
}


export type BlockReason =
  | { kind: 'read' }                                  // console input
  | { kind: 'write' }                                 // console output, waiting for room (progress in Kernel.pendingWrite)
  | { kind: 'wait'; statusPtr: number }
  | { kind: 'sleep'; until: number }
  | { kind: 'disk' };                                 // a page-in or a file read in flight

export class Process {
  readonly pid: number;
  name: string;
  argv: string[];
  parent: Process | null;
  state: ProcState = 'loading';
  blocked: BlockReason | null = null;
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
  exitStatus = 0;
  /** Ended by the kernel (a fault, `kill`, Ctrl-C) rather than by exit(). */
  killed = false;
  /** Set when `run` could not load it: the shell already said why. */
  loadFailed = false;
  /** Whether the shell waits for it (run without &). */
  foreground = false;
  /** Its record in the kernel's 'proc' slab cache (guest RAM). */
  record = 0 as VirtAddr;
  /** Ticks of CPU time it has had. */
  ticks = 0;

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
}
