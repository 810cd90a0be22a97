// Boot: from the boot-info block the firmware wrote to a running kernel. Builds the protected-mode
// world in guest RAM (arch/setup.ts), the frame allocator, the heap and the slab caches, the
// devices (PIC, PIT, COM1 with its tty, the ATA disk and the program disk on it), the process
// table and the scheduler, and the shell task, and returns them as one record: the parts the trap
// dispatch (kernel.ts) hands to each module, every module taking only what it uses.

import { AtaChannel, AtaDisk } from './dev/ata.ts';
import { Pic } from './dev/pic.ts';
import { HZ, startPit, TICK_MS } from './dev/pit.ts';
import { Ring } from './dev/ring.ts';
import { Uart } from './dev/uart.ts';
import { readBootInfo, type BootInfo } from './bootinfo.ts';
import { parseCmdline, type KernelOptions } from './cmdline.ts';
import { ProgramDisk } from './fs/progdisk.ts';
import { phys, PAGE_SIZE, type Hw, type PhysAddr } from './hw.ts';
import { DIRECT_MAP_PT_PHYS, KERNBASE, KERNEL_PD_PHYS, P2V, V2P } from './layout.ts';
import { enterPagedProtectedMode } from './arch/setup.ts';
import { ContextSwitch } from './arch/switch.ts';
import { createFrameAllocator, metadataEnd, type MemRange } from './mm/frames.ts';
import { PartitionTable } from './mm/partitions.ts';
import { PTE_P, PTE_U, PTE_W } from './mm/pagetable.ts';
import type { FrameAllocator } from './mm/frame-table.ts';
import { COST } from './cost.ts';
import { Segments } from './proc/segments.ts';
import { kill as killProcess } from './proc/exit.ts';
import { KernelHeap } from './mm/heap.ts';
import { SlabCache } from './mm/slab.ts';
import { FrameShares } from './mm/allotment.ts';
import { userPageCount } from './mm/vmm.ts';
import { Reclaimer } from './mm/reclaim.ts';
import { ReverseMap } from './mm/rmap.ts';
import { PageCache } from './mm/pagecache.ts';
import { SharedMemory } from './mm/shm.ts';
import { ShrinkingFrames } from './mm/shrinking-frames.ts';
import { SwapSpace } from './mm/swap.ts';
import { makePolicy } from './mm/policy.ts';
import { KernelPanic } from './panic.ts';
import { FILE_RECORD_SIZE } from './proc/files.ts';
import { Scheduler } from './proc/sched.ts';
import type { SyscallContext } from './proc/syscalls.ts';
import { Accounting } from './proc/accounting.ts';
import { LoadControl } from './proc/loadcontrol.ts';
import { virtualTime } from './mm/workingset.ts';
import { PROC_RECORD_SIZE, ProcTable } from './proc/table.ts';
import { Shell, type ShellContext } from './shell.ts';
import type { Power } from './power.ts';
import type { KernelStats } from './stats.ts';
import { Tty } from './tty.ts';
import { hex } from './format.ts';
import { LeakCheck } from './leaks.ts';
import { channel } from './wait.ts';

const HEAP_BYTES = 1 << 20;
/** The kernel's static area ends near 1.1 MiB; with its heap and some frames for programs, 4 MiB is the least that works. */
const MIN_RAM = 4 << 20;
/** The most RAM the direct map (0xC0000000-0xFFFFFFFF) can hold. */
const DIRECT_MAP_LIMIT = 0x100000000 - KERNBASE;

/** Everything the kernel built at boot. */
export interface KernelParts extends SyscallContext, ShellContext {
  boot: BootInfo;
  options: KernelOptions;
  pic: Pic;
  uart: Uart;
  disk: AtaDisk | null;
  shell: Shell;
  cpu: ContextSwitch;
  leakCheck: LeakCheck;
}

/** What the dispatch keeps across boot: the counters, the power state, the trace switch. */
export interface BootState {
  stats: KernelStats;
  power: Power;
  trace: { pf: boolean };
}

/** Records in the partition table: partitions and holes together. */
const PARTITION_RECORDS = 256;
/** Frames kept for the kernel under --mm segments (heap, page tables, kernel stacks, slabs): a quarter, within these bounds. */
const SEG_KERNEL_FRAMES = { min: 160, max: 768 };

/**
 * Under --mm segments, the arena of partitions: the top of the highest usable range, less the
 * frames the kernel keeps for itself (counted from the end of the frame allocator's own state).
 */
function segmentArena(usable: MemRange[], metaEnd: PhysAddr): MemRange {
  const top = usable.reduce((a, b) => (b.base + b.length > a.base + a.length ? b : a));
  const end = Math.floor((top.base + top.length) / PAGE_SIZE) * PAGE_SIZE;
  const frames = Math.floor((end - Math.max(top.base, metaEnd)) / PAGE_SIZE);
  const keep = Math.min(SEG_KERNEL_FRAMES.max, Math.max(SEG_KERNEL_FRAMES.min, Math.floor(frames / 4)));
  if (frames - keep < 64) throw new KernelPanic(`--mm segments: ${frames} frames of RAM leave too little for partitions once the kernel keeps ${keep}`);
  return { base: end - (frames - keep) * PAGE_SIZE, length: (frames - keep) * PAGE_SIZE };
}

/**
 * Maps every page of the arena at its own address, user-accessible, in the kernel's directory
 * (which every process runs in under segments). The first 4 MiB are identity-mapped already,
 * supervisor-only, through the direct map's first page table (for the firmware's return, arch/
 * setup.ts): that directory entry gets a copy of it, so the direct map at KERNBASE keeps its pages
 * supervisor-only while the arena's pages here become the user's.
 */
function identityMapArena(hw: Hw, frames: FrameAllocator, arena: MemRange): boolean {
  for (let a = arena.base; a < arena.base + arena.length; a += PAGE_SIZE) {
    const pdeAt = phys(KERNEL_PD_PHYS + 4 * (a >>> 22));
    let pde = hw.readPhys32(pdeAt);
    if ((pde & PTE_P) === 0 || (pde & ~0xfff) === DIRECT_MAP_PT_PHYS) {
      const pt = frames.alloc('pagetable');
      if (pt === null) return false;
      if ((pde & PTE_P) === 0) hw.zeroPage(pt);
      else hw.copyPhys(pt, DIRECT_MAP_PT_PHYS, PAGE_SIZE);
      pde = pt | PTE_P | PTE_W | PTE_U;
      hw.writePhys32(pdeAt, pde);
    }
    hw.writePhys32(phys((pde & ~0xfff) + 4 * ((a >>> 12) & 0x3ff)), a | PTE_P | PTE_W | PTE_U);
    hw.chargeCycles(COST.pteWrite);
  }
  hw.writeCR3(KERNEL_PD_PHYS);
  return true;
}

export function bootKernel(hw: Hw, bootInfo: PhysAddr, state: BootState): KernelParts {
  const info = readBootInfo(hw, bootInfo);
  if (typeof info === 'string') throw new KernelPanic(info);
  hw.family = info.cpu;
  if (info.ramTop < MIN_RAM) throw new KernelPanic(`the ts386 kernel needs at least ${MIN_RAM >> 20} MiB of RAM; this machine has ${Math.floor(info.ramTop / 1024)} KiB`);
  const { options, errors } = parseCmdline(info.cmdline);

  // The direct map at KERNBASE has room for 1 GiB: RAM above that is left unused (Linux's
  // "highmem" problem, solved here by not using it).
  const ramTop = Math.min(info.ramTop, DIRECT_MAP_LIMIT);
  const tables = enterPagedProtectedMode(hw, ramTop);

  // Frames: RAM the E820 map calls usable, less the first MiB and the kernel's static area.
  const metaBase = phys(DIRECT_MAP_PT_PHYS + tables * PAGE_SIZE);
  const usable = info.e820.filter((e) => e.type === 1 && e.base < ramTop).map((e) => ({ base: e.base, length: Math.min(e.length, ramTop - e.base) }));
  // --mm segments: the top of RAM is the arena of partitions, which the frame allocator never sees.
  const partitionArena = options.mm === 'segments' ? segmentArena(usable, metadataEnd(options.frames, metaBase, usable)) : null;
  const { allocator } = createFrameAllocator(options.frames, hw, {
    metaBase, usable, reserved: [{ base: 0, length: 0x100000 }, { base: 0x100000, length: metaBase - 0x100000 }, ...(partitionArena === null ? [] : [partitionArena])],
  });
  // Out of frames, the allocator first drops an idle page of the page cache (made below).
  const frames = new ShrinkingFrames(allocator);
  const heapPages = Math.min(HEAP_BYTES, Math.floor(frames.stats().free / 8) * PAGE_SIZE) / PAGE_SIZE;
  const arena = frames.allocContiguous(heapPages, 'heap');
  if (arena === null) throw new KernelPanic(`no ${heapPages} contiguous frames for the kernel heap`);
  const heap = new KernelHeap(hw, P2V(arena), heapPages * PAGE_SIZE, options.heap);
  // Who maps each user frame (shared pages, copy-on-write): a table and a pool in frames of their own.
  // (Under --mm segments no user frame is ever mapped by a PTE: it covers the kernel's frames only.)
  const rmap = ReverseMap.create(hw, frames, Math.ceil((partitionArena?.base ?? ramTop) / PAGE_SIZE));
  if (rmap === null) throw new KernelPanic('no frames for the reverse map');
  const cache = new PageCache(hw, heap, frames, rmap, state.stats);
  frames.shrink = () => cache.dropIdle();
  const shm = new SharedMemory(hw, heap, frames, rmap);

  // The arena identity-mapped and user-accessible: segment base + offset is the physical address.
  if (partitionArena !== null && !identityMapArena(hw, frames, partitionArena)) throw new KernelPanic('no frames for the page tables of the partitions\' identity map');
  const partitionTable = partitionArena === null ? null : heap.kmalloc(PartitionTable.bytesFor(PARTITION_RECORDS));
  if (partitionArena !== null && partitionTable === null) throw new KernelPanic('kernel heap: no room for the partition table');

  const procSlab = new SlabCache(hw, frames, 'proc', PROC_RECORD_SIZE);
  const fileSlab = new SlabCache(hw, frames, 'file', FILE_RECORD_SIZE);
  const table = new ProcTable(hw, frames, procSlab, state.stats);
  const sched = new Scheduler(table, state.stats);

  // Devices.
  const ring = (n: number): Ring => {
    const at = heap.kmalloc(n);
    if (at === null) throw new KernelPanic(`kernel heap: no ${n} bytes for a console buffer`);
    return new Ring(hw, at, n);
  };
  const pic = new Pic(hw);
  pic.init();
  const uart = new Uart(hw, ring(16384));
  uart.init();
  const tty = new Tty(uart, ring(256), ring(1024), sched.wakeup);
  startPit(hw, HZ);
  pic.enable(0);
  pic.enable(4);

  const f = frames.stats();
  tty.print(`ts386 kernel: ${info.cpu === 486 ? 'i486' : 'i386'}, ${Math.round(info.ramTop / 1024)} KiB RAM, ${f.free} free frames (${frames.kind}), heap ${heapPages * 4} KiB (${options.heap}-fit)\n`);
  if (ramTop < info.ramTop) tty.print(`ts386 kernel: using the first ${ramTop >> 20} MiB of RAM (what the direct map at 0x${hex(KERNBASE)} holds)\n`);
  for (const e of errors) tty.print(`ts386 kernel: ${e}\n`);

  // The primary channel's master is the program disk; its slave, if any, is swap space.
  const ata = info.disks.length > 0 ? new AtaChannel(hw, sched.wakeup) : null;
  const d = info.disks.find((x) => x.unit === 0);
  let disk: AtaDisk | null = null;
  let progdisk: ProgramDisk | null = null;
  if (d && ata) {
    pic.enable(14);
    disk = new AtaDisk(d.unit, d.sectors, ata);
    progdisk = new ProgramDisk(hw, heap, disk, d.sectors);
    cache.store = progdisk;
  } else {
    tty.print('no program disk: `run` has nothing to run\n');
  }
  let reclaim: Reclaimer | null = null;
  let shares: FrameShares | null = null;
  let loadControl: LoadControl | null = null;
  const s = info.disks.find((x) => x.unit === 1);
  let segments: Segments | null = null;
  if (partitionArena !== null) {
    const swap = s && ata ? SwapSpace.create(hw, heap, new AtaDisk(1, s.sectors, ata), s.sectors) : null;
    if (swap !== null) pic.enable(14);
    const partitions = new PartitionTable(hw, V2P(partitionTable!), PARTITION_RECORDS, phys(partitionArena.base), partitionArena.length, options.fit);
    segments = new Segments({
      hw, heap, partitions, swap, sched, procs: () => table.procs.values(), ticks: () => state.stats.ticks,
      say: (line) => tty.print(`${line}\n`),
      // (parts is made below: a roll-in only fails once the machine runs.)
      kill: (p, report) => killProcess(parts, p, report),
    });
    tty.print(`segments: ${partitionArena.length >> 10} KiB of partitions at 0x${hex(partitionArena.base)} (${options.fit} fit), each process in one; paging only identity-maps them\n`);
    tty.print(swap === null ? 'segments: no swap: a process that does not fit is refused\n' : `swap: ${swap.total} slots of 4 KiB on the second disk (whole processes rolled out)\n`);
  } else if (s && ata) {
    pic.enable(14);
    const swap = SwapSpace.create(hw, heap, new AtaDisk(1, s.sectors, ata), s.sectors);
    reclaim = swap === null ? null : Reclaimer.create(hw, frames, swap, state.stats, rmap);
    if (reclaim !== null) {
      reclaim.policy = makePolicy(options.policy);
      reclaim.dropIdle = () => cache.dropIdle();
      reclaim.uncache = (f) => cache.remove(f);
      reclaim.markDirty = (f) => { cache.markDirty(f); cache.writeBack(); };
      reclaim.segmentOut = (f, slot, wasIdle) => shm.swappedOut(f, slot, wasIdle);
      reclaim.idleSegmentFrame = () => shm.idleFrame();
      const r = reclaim;
      shm.freeSlot = (slot) => r.freeSlot(slot);
      reclaim.spaces = () => table.paged().map((p) => p.pd);
      reclaim.virtualTime = (pd) => { const p = table.byPd(pd); return p === undefined ? 0 : virtualTime(p); };
      // A page taken back while in its process's working set stays in the estimate (workingset.ts).
      reclaim.evicted = (pd, va, seen) => {
        const p = table.byPd(pd);
        if (p !== undefined && seen !== 0 && (p.ws !== null || loadControl !== null)) p.wsEvicted.set(va, seen);
      };
      if (options.loadControl !== 'off') {
        const r = reclaim;
        loadControl = new LoadControl(options.loadControl, {
          reclaim: r, sched, stats: state.stats, paged: () => table.paged(),
          usable: () => { const st = frames.stats(); return Math.max(0, st.byOwner.user + st.free - r.reserve); },
        });
      }
      if (options.scope === 'local') {
        const r = reclaim;
        shares = new FrameShares(options.alloc, {
          spaces: r.spaces,
          usable: () => { const st = frames.stats(); return Math.max(0, st.byOwner.user + st.free - r.reserve); },
          sizeOf: (pd) => userPageCount(hw, pd),
        });
      }
    }
    // Exact LRU's price is worth saying up front: a soft fault (and a single step) whenever a
    // program moves to a page other than those its last instruction used (mm/lru.ts).
    const lruCost = options.policy === 'lru' ? ', exact: a soft fault at each move to another page' : '';
    const lc = (options.rss === 'fixed' ? '' : `, resident sets by ${options.rss === 'ws' ? 'working set' : 'page-fault frequency'}`)
      + (options.loadControl === 'off' ? '' : `, load control by ${options.loadControl === 'ws' ? 'working sets' : 'page-fault frequency'}`);
    const how = `${options.policy === 'fifo' ? 'FIFO' : options.policy} replacement${lruCost}${options.scope === 'local' ? `, local, ${options.alloc} allocation` : ''}${lc}`;
    tty.print(reclaim === null
      ? `swap: the second disk (${s.sectors} sectors) cannot be used\n`
      : `swap: ${reclaim.swap.total} slots of 4 KiB on the second disk (${how})\n`);
  }

  const leakCheck = new LeakCheck(frames, heap, reclaim?.swap ?? segments?.swap ?? null, rmap, cache, shm, segments);
  const parts = {
    hw, boot: info, options, frames, rmap, cache, shm, heap, procSlab, fileSlab, pic, uart, tty, disk, progdisk, table, sched,
    cpu: new ContextSwitch(hw), leakCheck, accounting: new Accounting(), stats: state.stats, power: state.power, trace: state.trace,
    backing: progdisk,
    reclaim,
    shares,
    loadControl,
    segments,
    clock: channel('sleep'),
    reapReads: () => { progdisk?.reap(); reclaim?.reap(); segments?.reap(); },
    readInFlight: () => progdisk?.inFlight() ?? reclaim?.inFlight() ?? segments?.inFlight() ?? null,
    dropCaches: () => { cache.writeBack(); cache.dropAllIdle(); shm.destroyDetached(); },
    uptimeMs: () => state.stats.ticks * TICK_MS,
    leakReport: () => leakCheck.report(),
    takeLeakBaseline: () => leakCheck.takeBaseline(),
  } satisfies Omit<KernelParts, 'shell'>;
  // The shell adopts every process without a parent, and starts by reading the program disk's index.
  const shell = new Shell(parts);
  table.init = shell.task;
  sched.makeRunnable(shell.task);
  return { ...parts, shell };
}
