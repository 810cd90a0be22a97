// Memory before paging (--mm segments): each process in one contiguous partition of physical
// memory, relocated by its segments' base and protected by their limit (arch/ldt.ts), placed among
// the holes by first, best, worst or next fit (mm/partitions.ts), moved when it grows past its
// neighbour, slid together by compaction, and rolled out to swap whole when memory is short, as the
// systems before paging did (Unix V6's swapper, Silberschatz ch. 9 "Contiguous Memory Allocation").
//
// Paging stays on but out of the way: the arena of partitions is identity-mapped, user-accessible,
// in the kernel's one page directory, so the linear address base + offset is the physical address
// and every protection between processes comes from the segment limits.
//
// Getting memory (obtain), in order: a hole that fits; compaction, when the free bytes would do but
// no one hole does (or when a process that wants to grow is the last partition once they are slid
// together); then rolling out another process to swap. The one rolled out is, of those in memory:
// a sleeping one before a runnable one, then the one in memory longest (a process that asks for
// memory, and one waiting for memory, are never chosen). The asker sleeps until the roll-out's
// writes are done and asks again. Without swap, or when nothing could make room, it is refused:
// fork, exec and brk return ENOMEM, `run` says why.
//
// A rolled-out process keeps its place in the scheduler's eyes: its kernel entry becomes "roll me
// in", so when it is runnable (or woken) it first gets a partition, anywhere (a roll-in is a
// relocation: only the base in its LDT changes), reads its pages back and goes on with what it was
// doing (the call it slept in). A roll-in waits while an asker waits, and may itself roll out only
// processes asleep and in memory for ROLL_MIN_TICKS, or runnable and in memory for ROLL_TURN_TICKS,
// so two processes cannot push each other out for ever, and processes that never sleep take turns.
//
// Reads from swap into a partition make it busy: compaction waits for them, and a process killed
// during its roll-in keeps its partition until they are done.

import { copyCost, COST } from '../cost.ts';
import { phys, PAGE_SIZE, type Hw, type PhysAddr } from '../hw.ts';
import { V2P } from '../layout.ts';
import type { KernelHeap } from '../mm/heap.ts';
import type { PartitionTable } from '../mm/partitions.ts';
import type { SwapSpace } from '../mm/swap.ts';
import type { DiskRequest } from '../dev/ata.ts';
import { LDT_BYTES, writeLdt } from '../arch/ldt.ts';
import { panic } from '../panic.ts';
import { channel, type WaitChannel } from '../wait.ts';
import type { Process, SegImage } from './process.ts';
import type { Scheduler } from './sched.ts';

/** The stack every program gets, between its bss and its heap (only the segment's top end can move, so the heap has it). */
export const SEG_STACK_BYTES = 32 * 1024;
/**
 * A roll-in may roll out a sleeping process once it has been in memory this long (ticks of 10 ms),
 * and a runnable one once it has had ROLL_TURN_TICKS: so processes that never sleep take turns in
 * memory instead of keeping a rolled-out one out for ever.
 */
export const ROLL_MIN_TICKS = 10;
export const ROLL_TURN_TICKS = 100;
/** Fragmentation samples kept (a tick each: 100 s of emulated time). */
const SERIES_LIMIT = 10_000;
/** Bytes copied at once while sliding a partition down: no more than the distance, so a piece never overlaps itself. */
const MOVE_CHUNK = 64 * 1024;

export interface SegmentsContext {
  /** One line on the console (a disk error that changes what the kernel does). */
  say: (line: string) => void;
  /** Ends a process with a report (a process whose image could not be read back). */
  kill: (p: Process, report: string) => void;
  hw: Hw;
  heap: KernelHeap;
  partitions: PartitionTable;
  swap: SwapSpace | null;
  sched: Scheduler;
  procs: () => Iterable<Process>;
  ticks: () => number;
}

/** What `obtain` gives: a partition, a channel to sleep on before asking again, or why not. */
export type Obtained = { at: PhysAddr } | { wait: WaitChannel } | { refused: string };

/** What the segments mode has done, for `mem`, the fits comparison and tests. */
export interface SegmentCounters {
  placed: number;
  refused: number;
  grownInPlace: number;
  moves: number;
  movedBytes: number;
  compactions: number;
  compactedBytes: number;
  compactCycles: number;
  rollOuts: number;
  rollIns: number;
  rolledBytes: number;
  /** External fragmentation sampled each tick (1 - largest hole / free), summed, with the count and the worst. */
  fragSum: number;
  fragSamples: number;
  fragMax: number;
  holesMax: number;
}

export class Segments {
  private readonly x: SegmentsContext;
  readonly partitions: PartitionTable;
  /** Woken whenever a partition is freed: those waiting for memory ask again. */
  readonly memory: WaitChannel = channel('memory');
  /** The samples themselves, one a tick (the first SERIES_LIMIT): fragmentation over time, for `ts386 fits --svg`. */
  readonly fragSeries: number[] = [];
  readonly counters: SegmentCounters = {
    placed: 0, refused: 0, grownInPlace: 0, moves: 0, movedBytes: 0, compactions: 0, compactedBytes: 0, compactCycles: 0,
    rollOuts: 0, rollIns: 0, rolledBytes: 0, fragSum: 0, fragSamples: 0, fragMax: 0, holesMax: 0,
  };
  /** Processes waiting for memory for exec, fork or brk, and how much: a roll-in waits while there are any. */
  private readonly askers = new Map<Process, number>();
  /** Why rolling out stopped: a write to swap failed, so no process is rolled out again (null: it works). */
  swapBroken: string | null = null;
  /** Partitions of processes killed while their pages were being read back: freed once the reads are done. */
  private readonly busy: Array<{ at: PhysAddr; io: DiskRequest[] }> = [];

  constructor(x: SegmentsContext) {
    this.x = x;
    this.partitions = x.partitions;
  }

  /** The swap space whole processes are rolled out to (null: none). */
  get swap(): SwapSpace | null { return this.x.swap; }

  /** The kernel entry of a rolled-out process (see above). */
  readonly rollInEntry = (p: Process): void => { this.rollIn(p); };

  /**
   * A partition of `size` bytes for `p` (exec, fork, brk's move): a hole, else compaction, else a
   * roll-out to wait for. `p`'s own partition, if any, is never taken from it.
   */
  obtain(p: Process, size: number, rollIn = false): Obtained {
    this.reap();
    const t = this.partitions;
    if (size > t.arenaSize) return this.refuse(p, `${size >> 10} KiB is more than all ${t.arenaSize >> 10} KiB of partition memory`);
    if (rollIn && [...this.askers.keys()].some((q) => q !== p)) return { wait: this.memory };
    const at = t.alloc(size, p.pid);
    if (at !== null) return this.placed(p, at);
    if (t.stats().free >= size) {
      const w = this.compact();
      if (w !== null) return this.asking(p, size, rollIn, { wait: w });
      const again = t.alloc(size, p.pid);
      if (again === null) panic(`segments: ${size} bytes free after compaction, but no hole holds them`);
      return this.placed(p, again);
    }
    // A roll-out under way frees memory when its writes are done: wait for it first.
    const going = this.inMemory().find((q) => q.seg!.where === 'going-out');
    if (going !== undefined) return this.asking(p, size, rollIn, { wait: last(going.seg!.io) });
    const victim = this.chooseVictim(p, size, rollIn);
    if (victim === null || !this.rollOut(victim)) {
      if (rollIn) return { wait: this.memory };
      const st = t.stats();
      const why = this.x.swap === null ? ' and no swap to roll a process out to' : this.swapBroken !== null ? ` and swap is out of use (${this.swapBroken})` : ', and nothing can be rolled out to make room';
      return this.refuse(p, `no partition of ${size >> 10} KiB: ${st.free >> 10} KiB free${why}`);
    }
    return this.asking(p, size, rollIn, { wait: last(victim.seg!.io) });
  }

  /** `p` no longer waits for memory (it got it, gave up, or ended): the roll-ins that waited for it ask again. */
  forget(p: Process): void {
    if (this.askers.delete(p)) this.x.sched.wakeup(this.memory);
  }

  private placed(p: Process, at: PhysAddr): Obtained {
    this.forget(p);
    this.counters.placed++;
    return { at };
  }

  private asking(p: Process, size: number, rollIn: boolean, o: Obtained): Obtained {
    if (!rollIn) this.askers.set(p, size);
    return o;
  }

  private refuse(p: Process, why: string): Obtained {
    this.forget(p);
    this.counters.refused++;
    return { refused: why };
  }

  /** The processes whose image is in a partition now (including those going out). */
  private inMemory(): Process[] {
    const out: Process[] = [];
    for (const q of this.x.procs()) if (q.seg !== null && q.state !== 'zombie' && (q.seg.where === 'in' || q.seg.where === 'going-out')) out.push(q);
    return out;
  }

  /**
   * Who goes out to make room for `size` bytes for `p`: a sleeping process before a runnable one,
   * then the one in memory longest; never `p`, nor one that waits for memory itself; for a roll-in,
   * only one in memory ROLL_MIN_TICKS (asleep) or ROLL_TURN_TICKS (runnable). Null when rolling out
   * every candidate would still not make room, or there is no swap (or it failed).
   */
  private chooseVictim(p: Process, size: number, rollIn: boolean): Process | null {
    const swap = this.x.swap;
    if (swap === null || this.swapBroken !== null) return null;
    const now = this.x.ticks();
    const candidates = this.inMemory().filter((q) => q !== p && q.seg!.where === 'in' && !this.askers.has(q)
      && (!rollIn || now - q.seg!.since >= (q.state === 'blocked' ? ROLL_MIN_TICKS : ROLL_TURN_TICKS)));
    const could = candidates.reduce((n, q) => n + q.seg!.size, this.partitions.stats().free);
    if (could < size) return null;
    const freeSlots = swap.total - swap.used;
    candidates.sort((a, b) => Number(a.state !== 'blocked') - Number(b.state !== 'blocked') || a.seg!.since - b.seg!.since || a.pid - b.pid);
    return candidates.find((q) => q.seg!.size / PAGE_SIZE <= freeSlots) ?? null;
  }

  /** Starts writing `v`'s partition to swap, page by page; false (and nothing changed) when swap lacks the slots. */
  private rollOut(v: Process): boolean {
    const swap = this.x.swap!, s = v.seg!;
    const pages = s.size / PAGE_SIZE;
    const slots: number[] = [];
    for (let i = 0; i < pages; i++) {
      const slot = swap.alloc();
      if (slot === null) { for (const n of slots) swap.free(n); return false; }
      slots.push(slot);
    }
    s.slots = slots;
    s.io = slots.map((slot, i) => swap.write(slot, phys(s.base + i * PAGE_SIZE)));
    s.where = 'going-out';
    this.counters.rollOuts++;
    this.counters.rolledBytes += s.size;
    // It may not run until it is back: its next kernel entry brings it back first.
    s.resume = v.kentry;
    v.kentry = this.rollInEntry;
    if (v.state === 'runnable' || v.state === 'running') {
      this.x.sched.remove(v);
      this.x.sched.makeRunnable(v);
    }
    return true;
  }

  /** Finishes roll-outs whose writes are done (frees their partitions) and frees partitions whose reads are done. */
  reap(): void {
    for (const q of this.inMemory()) {
      const s = q.seg!;
      if (s.where === 'going-out' && s.io.every((r) => r.status !== 'queued')) this.finishOut(q);
    }
    for (let i = this.busy.length - 1; i >= 0; i--) {
      const b = this.busy[i]!;
      if (b.io.some((r) => r.status === 'queued')) continue;
      this.busy.splice(i, 1);
      this.partitions.free(b.at);
      this.x.sched.wakeup(this.memory);
    }
  }

  private finishOut(q: Process): void {
    const s = q.seg!, swap = this.x.swap!;
    const failed = s.io.find((r) => r.status === 'error');
    s.io = [];
    if (failed !== undefined) {
      // The image could not be written: it stays in memory, as it was, and nothing is rolled out
      // again (each try would fail the same way, and the asker would wait on it for ever).
      this.swapBroken = `a write to swap failed: ${failed.error ?? 'disk error'}`;
      this.x.say(`segments: ${this.swapBroken}; pid ${q.pid} stays in memory, and no process is rolled out from now on`);
      for (const n of s.slots) swap.free(n);
      s.slots = [];
      s.where = 'in';
      q.kentry = s.resume;
      s.resume = null;
      if (q.state === 'runnable') { this.x.sched.remove(q); this.x.sched.makeRunnable(q); }
      return;
    }
    this.partitions.free(s.base);
    s.base = phys(0);
    s.where = 'out';
    this.x.sched.wakeup(this.memory);
  }

  /** The roll-in, one step per kernel entry: wait for a roll-out to end, get a partition, read the pages back, go on. */
  private rollIn(p: Process): void {
    const s = p.seg!, sched = this.x.sched;
    this.reap();
    if (s.where === 'going-out') { sched.sleep(p, last(s.io)); return; }
    if (s.where === 'out') {
      const o = this.obtain(p, s.size, true);
      if ('wait' in o) { sched.sleep(p, o.wait); return; }
      if ('refused' in o) panic(`segments: pid ${p.pid}'s ${s.size} bytes refused on its roll-in: ${o.refused}`);
      s.base = o.at;
      const swap = this.x.swap!;
      s.io = s.slots.map((slot, i) => swap.read(slot, phys(s.base + i * PAGE_SIZE)));
      s.where = 'coming-in';
      sched.sleep(p, last(s.io));
      return;
    }
    if (s.where === 'coming-in') {
      if (s.io.some((r) => r.status === 'queued')) { sched.sleep(p, last(s.io)); return; }
      const failed = s.io.find((r) => r.status === 'error');
      s.io = [];
      if (failed !== undefined) {
        // Its image is lost: the process ends (its partition and slots go with it), and no other
        // process is rolled out to a swap that cannot give it back.
        this.swapBroken = `a read from swap failed: ${failed.error ?? 'disk error'}`;
        s.where = 'in';
        p.kentry = null;
        this.x.kill(p, `its image could not be read back from swap: ${failed.error ?? 'disk error'}`);
        return;
      }
      for (const n of s.slots) this.x.swap!.free(n);
      s.slots = [];
      s.where = 'in';
      s.since = this.x.ticks();
      this.counters.rollIns++;
      writeLdt(this.x.hw, V2P(s.ldt), s.base, s.codeBytes, s.size);
    }
    const next = s.resume;
    s.resume = null;
    p.kentry = next;
    if (next !== null) next(p);
  }

  /**
   * Slides every partition down to the arena's start (changing each moved process's base) and
   * leaves one hole; returns a channel to wait on instead while pages are being read into one.
   */
  compact(): WaitChannel | null {
    this.reap();
    const busy = this.busyIo();
    if (busy !== null) return busy;
    const byBase = new Map<number, Process>();
    for (const q of this.inMemory()) byBase.set(q.seg!.base, q);
    let cycles = 0;
    const r = this.partitions.compact((from, to, size) => {
      const q = byBase.get(from);
      if (q === undefined) panic(`segments: compaction moved the partition at 0x${from.toString(16)}, which no process holds`);
      cycles += this.slide(from, to, size);
      this.rebase(q, to);
    });
    this.counters.compactions++;
    this.counters.compactedBytes += r.bytes;
    this.counters.compactCycles += cycles;
    this.lastCompaction = { moved: r.moved, bytes: r.bytes, cycles };
    return null;
  }

  /** What the last compaction did (for `compact`'s report). */
  lastCompaction: { moved: number; bytes: number; cycles: number } | null = null;

  /** A read from swap still under way into the partition of a process that has ended (halt waits for it before the leak check), or null. */
  inFlight(): WaitChannel | null {
    for (const b of this.busy) if (b.io.some((r) => r.status === 'queued')) return last(b.io);
    return null;
  }

  /** A read under way into some partition (compaction would move memory under it), or null. */
  private busyIo(): WaitChannel | null {
    const ended = this.inFlight();
    if (ended !== null) return ended;
    for (const q of this.x.procs()) {
      const s = q.seg;
      if (s !== null && (s.where === 'coming-in' || s.where === 'going-out') && s.io.some((r) => r.status === 'queued')) return last(s.io);
    }
    return null;
  }

  /** Copies `size` bytes from `from` down to `to` (lower) in pieces no longer than the distance; returns the cycles charged. */
  private slide(from: PhysAddr, to: PhysAddr, size: number): number {
    const step = Math.min(MOVE_CHUNK, from - to);
    for (let done = 0; done < size; done += step) {
      const n = Math.min(step, size - done);
      this.x.hw.copyPhys(phys(to + done), phys(from + done), n);
    }
    const cycles = copyCost(size);
    this.x.hw.chargeCycles(cycles);
    return cycles;
  }

  /** `q` now starts at `at` (its partition's record says so already): its LDT says so (the stub reloads its segment registers from it on the way back). */
  private rebase(q: Process, at: PhysAddr): void {
    const s = q.seg!;
    s.base = at;
    writeLdt(this.x.hw, V2P(s.ldt), at, s.codeBytes, s.size);
  }

  /**
   * A new image for `p` in the partition at `at` (from obtain): its LDT (made on the first), its
   * old partition (an exec's) freed.
   */
  install(p: Process, at: PhysAddr, size: number, codeBytes: number, stackBottom: number): SegImage | null {
    const old = p.seg;
    const ldt = old?.ldt ?? this.x.heap.kmalloc(LDT_BYTES);
    if (ldt === null) { this.partitions.free(at); return null; }
    if (old !== null && old.where === 'in') this.partitions.free(old.base);
    this.partitions.setOwner(at, p.pid);
    const s: SegImage = { base: at, size, codeBytes, stackBottom, ldt, where: 'in', slots: [], io: [], resume: null, since: this.x.ticks() };
    p.seg = s;
    writeLdt(this.x.hw, V2P(ldt), at, codeBytes, size);
    if (old !== null && old.where === 'in') this.x.sched.wakeup(this.memory);
    return s;
  }

  /**
   * brk under segments: the heap is the partition's top, so the partition grows (in place when the
   * hole above allows, else the process moves to a bigger partition: bytes copied, base changed) or
   * shrinks (the tail becomes a hole). 'wait' when a roll-out must make room first.
   */
  resize(p: Process, size: number): true | { wait: WaitChannel } | { refused: string } {
    const s = p.seg!, t = this.partitions;
    if (size === s.size) return true;
    if (size < s.size) {
      // The tail becomes a hole (a full table cannot split one off: the partition keeps it then).
      if (t.growInPlace(s.base, size)) { this.setSize(p, size); this.x.sched.wakeup(this.memory); }
      return true;
    }
    if (t.growInPlace(s.base, size)) { this.grownInPlace(p, size); return true; }
    // Slid together, the process may be the last partition, with all the free memory above it.
    const st = t.stats();
    if (st.free >= size - s.size && st.largestHole < size) {
      const w = this.compact();
      if (w !== null) return { wait: w };
      if (t.growInPlace(s.base, size)) { this.grownInPlace(p, size); return true; }
    }
    const o = this.obtain(p, size);
    if ('wait' in o || 'refused' in o) return o;
    const from = s.base;
    this.x.hw.copyPhys(o.at, from, s.size);
    this.x.hw.fillPhys(phys(o.at + s.size), size - s.size, 0);
    this.x.hw.chargeCycles(copyCost(s.size) + COST.zeroPerDword * ((size - s.size) >>> 2));
    this.counters.moves++;
    this.counters.movedBytes += s.size;
    this.partitions.free(from);
    s.size = size;
    this.partitions.setOwner(o.at, p.pid);
    this.rebase(p, o.at);
    this.x.sched.wakeup(this.memory);
    return true;
  }

  /** The partition took the hole above it: the new bytes are the heap's, zeroed as fresh memory must be. */
  private grownInPlace(p: Process, size: number): void {
    const s = p.seg!;
    this.x.hw.fillPhys(phys(s.base + s.size), size - s.size, 0);
    this.x.hw.chargeCycles(COST.zeroPerDword * ((size - s.size) >>> 2));
    this.counters.grownInPlace++;
    this.setSize(p, size);
  }

  private setSize(p: Process, size: number): void {
    const s = p.seg!;
    s.size = size;
    writeLdt(this.x.hw, V2P(s.ldt), s.base, s.codeBytes, size);
  }

  /** A copy of `parent`'s image for `child` in the partition at `at` (fork). */
  copyFor(parent: Process, child: Process, at: PhysAddr): boolean {
    const ps = parent.seg!;
    this.x.hw.copyPhys(at, ps.base, ps.size);
    this.x.hw.chargeCycles(copyCost(ps.size));
    return this.install(child, at, ps.size, ps.codeBytes, ps.stackBottom) !== null;
  }

  /** Everything `p` holds (exit): its partition (or, during a roll-in, once the reads are done), its slots, its LDT. */
  release(p: Process): void {
    const s = p.seg;
    this.forget(p);
    if (s === null) return;
    if (s.where === 'in' || s.where === 'going-out') this.partitions.free(s.base);
    else if (s.where === 'coming-in') this.busy.push({ at: s.base, io: s.io });
    for (const n of s.slots) this.x.swap!.free(n);
    this.x.heap.kfree(s.ldt);
    p.seg = null;
    this.x.sched.wakeup(this.memory);
  }

  /** The timer: finished roll-outs and reads are reaped, and the holes are sampled for the fragmentation figures. */
  tick(): void {
    this.reap();
    const st = this.partitions.stats();
    const c = this.counters;
    c.fragSum += st.fragmentation;
    c.fragSamples++;
    c.fragMax = Math.max(c.fragMax, st.fragmentation);
    c.holesMax = Math.max(c.holesMax, st.holes);
    if (this.fragSeries.length < SERIES_LIMIT) this.fragSeries.push(st.fragmentation);
  }
}

const last = <T>(xs: readonly T[]): T => {
  const v = xs[xs.length - 1];
  if (v === undefined) panic('segments: waiting on no request');
  return v;
};
