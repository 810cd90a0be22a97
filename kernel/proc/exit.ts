// How a process ends: exit() gives back everything it holds at once (open files, the disk read it
// waited for, its address space, its kernel stack) and leaves a zombie for its parent to reap; kill()
// is exit with one report on the console. The parent hears of it by a wakeup: a process in wait()
// on its `childExit` channel, the shell (which adopts jobs and orphans) whatever it is doing.

import { KILLED_STATUS } from '../abi.ts';
import type { Hw, PhysAddr } from '../hw.ts';
import type { BackingStore } from '../mm/backing.ts';
import type { Reclaimer } from '../mm/reclaim.ts';
import type { ReverseMap } from '../mm/rmap.ts';
import type { PageCache } from '../mm/pagecache.ts';
import type { SharedMemory } from '../mm/shm.ts';
import { releaseMappings } from './mmap.ts';
import { KERNEL_PD_PHYS } from '../layout.ts';
import type { FrameAllocator } from '../mm/frame-table.ts';
import { releasePending } from '../mm/pager.ts';
import { destroyAddressSpace } from '../mm/vmm.ts';
import { unwatch } from '../mm/workingset.ts';
import type { KernelStats } from '../stats.ts';
import type { Tty } from '../tty.ts';
import type { Accounting } from './accounting.ts';
import { closeFile, type FileTable } from './files.ts';
import type { Process } from './process.ts';
import type { Scheduler } from './sched.ts';
import type { Segments } from './segments.ts';
import type { ProcTable } from './table.ts';

/** What ending a process touches. */
export interface ExitContext extends FileTable {
  hw: Hw;
  frames: FrameAllocator;
  table: ProcTable;
  sched: Scheduler;
  /** Where the read a process waits for is released. */
  backing: BackingStore | null;
  /** Swap: the slots of its swapped-out pages are freed, a swap-in's frame waits for the drive. */
  reclaim: Reclaimer | null;
  /** Who maps each user frame: a shared frame is freed with its last mapping. */
  rmap: ReverseMap;
  /** The page cache (MAP_SHARED files' writes go back at exit) and the shared segments (detached). */
  cache: PageCache | null;
  shm: SharedMemory;
  /** Under --mm segments: the partitions (its own is freed, or its swap slots). */
  segments: Segments | null;
  tty: Tty;
  stats: KernelStats;
  accounting: Accounting;
}

export function exit(x: ExitContext, p: Process, status: number): void {
  if (p.state === 'zombie') return;
  const hw = x.hw;
  p.exitStatus = status;
  for (const f of p.files.values()) closeFile(x, f);
  p.files.clear();
  releasePending(x, p);
  // The references the MMU recorded under its address space go with it (a page directory used
  // again must start a clean string); a recording run is given them, taken while its page
  // directory still names them.
  const refs = p.pd !== 0 ? hw.refTraceTake(p.pd) : new Uint32Array(0);
  if (p.ws !== null) { unwatch(hw); p.ws = null; }
  if (p.recording !== null) {
    p.recording(refs);
    hw.refTraceStop();
    p.recording = null;
  }
  if (p.pd !== 0) {
    // Leave the address space before freeing it: CR3 must never name a freed directory.
    if (hw.readCR3() === p.pd) hw.writeCR3(KERNEL_PD_PHYS);
    const afterwards = releaseMappings(x, p);
    destroyAddressSpace(x, p.pd);
    afterwards();
    p.pd = 0 as PhysAddr;
  }
  if (p.seg !== null) x.segments?.release(p);
  x.segments?.forget(p);
  if (p.kstack !== 0) x.frames.free(p.kstack);
  p.kstack = 0 as PhysAddr;
  x.sched.remove(p);
  p.state = 'zombie';
  p.kentry = null;
  p.progress = null;
  x.table.writeRecord(p);
  x.accounting.record(p, hw.readTSC());
  // Orphans go to the shell; those already dead are reaped now, as nobody will wait for them.
  for (const c of x.table.childrenOf(p)) {
    c.parent = null;
    if (c.state === 'zombie') x.table.reap(c);
  }
  if (p.parent !== null) x.sched.wakeup(p.parent.childExit);
  else if (x.table.init !== null) x.sched.wakeProcess(x.table.init);
}

/** Ends a process the kernel judged (a fault, `kill`, Ctrl-C); `report` goes to the console as one message. */
export function kill(x: ExitContext, p: Process, report: string, isFault = false): void {
  x.stats.kills++;
  p.killed = true;
  x.tty.print(isFault ? `${report}\n  killed\n` : `pid ${p.pid} (${p.name}) killed: ${report}\n`);
  exit(x, p, KILLED_STATUS);
}
