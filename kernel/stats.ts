// The kernel's event counters (`stats` prints them): one plain record, shared by whoever counts.

export interface KernelStats {
  ticks: number;
  hostCalls: number;
  syscalls: number;
  interrupts: number;
  contextSwitches: number;
  faults: number;
  zeroFills: number;
  pageIns: number;
  kills: number;
  processesStarted: number;
  /** Pages taken back from processes (dropped or written to swap), written to swap, read back. */
  evictions: number;
  swapOuts: number;
  swapIns: number;
  /** Pages read back from swap and dropped again unwritten: their slot still held them, so no write. */
  keptDrops: number;
  /** Shared pages taken back from every process that mapped them at once (counted in evictions too). */
  sharedEvictions: number;
  /** Swapped-out pages mapped from the frame another process had read them back into (the swap cache): no read. */
  swapCacheHits: number;
  /** Copy-on-write: pages a fork shared instead of copying; write faults on them; of those, copies made, and pages taken over by their last mapping. */
  cowShared: number;
  cowFaults: number;
  cowCopies: number;
  cowReuses: number;
  /** The page cache (mm/pagecache.ts): file pages found cached, not found (read from the disk), idle ones dropped for a frame. */
  cacheHits: number;
  cacheMisses: number;
  cacheDrops: number;
  /** Cached pages the pager took back from the processes that mapped them (replacement, like any page). */
  cacheEvictions: number;
  /** Dirty pages of files mapped MAP_SHARED written back to the disk. */
  cacheWritebacks: number;
  /** Exact LRU's faults on resident pages it hid to see their next reference (mm/lru.ts). */
  softFaults: number;
  /** Emulated cycles spent in ring 3: from each return to a process to the trap that ends it. */
  userCycles: number;
}

export function newStats(): KernelStats {
  return { ticks: 0, hostCalls: 0, syscalls: 0, interrupts: 0, contextSwitches: 0, faults: 0, zeroFills: 0, pageIns: 0, kills: 0, processesStarted: 0, evictions: 0, swapOuts: 0, swapIns: 0, keptDrops: 0, sharedEvictions: 0, swapCacheHits: 0, cowShared: 0, cowFaults: 0, cowCopies: 0, cowReuses: 0, cacheHits: 0, cacheMisses: 0, cacheDrops: 0, cacheEvictions: 0, cacheWritebacks: 0, softFaults: 0, userCycles: 0 };
}
