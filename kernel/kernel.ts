// The kernel's entry and trap dispatch: entered once per host call. The first call boots (boot.ts);
// every later one handles one trap frame — an exception (a page fault goes to the pager), an IRQ
// (to its driver), a system call — and then lets the scheduler pick the context the trap stub
// returns to. This is the composition point: the one file that holds every part, and hands each
// module only what it uses (kernel/README.md and ARCHITECTURE.md have the whole picture).

import { HAS_ERROR_CODE } from './arch/stubs.ts';
import { bootKernel, type KernelParts } from './boot.ts';
import { COST } from './cost.ts';
import { debugPrint, powerOff } from './dev/exitport.ts';
import { hex } from './format.ts';
import { PAGE_SIZE, phys, virt, type Hw, type VirtAddr } from './hw.ts';
import { IRQ_BASE, KERNEL_PD_PHYS, KSTACK_SIZE, P2V, SYSCALL_VECTOR, V2P } from './layout.ts';
import type { Leaks } from './leaks.ts';
import { decodePageFault, describeFaultCode, type PageFault } from './mm/fault.ts';
import type { FrameAllocator } from './mm/frame-table.ts';
import type { KernelHeap } from './mm/heap.ts';
import { beginFault, endInstruction, revealIfHidden, softFault, type LruContext } from './mm/lru.ts';
import { handlePageFault } from './mm/pager.ts';
import { syncAll } from './proc/mmap.ts';
import type { PageCache } from './mm/pagecache.ts';
import { residentPages } from './mm/vmm.ts';
import { sampleTick, virtualTime } from './mm/workingset.ts';
import { wsTick } from './mm/rss.ts';
import { describeWalk, effectiveFlags, walk } from './mm/pagetable.ts';
import { KernelPanic } from './panic.ts';
import { PANIC_EXIT_STATUS, Power } from './power.ts';
import { kill } from './proc/exit.ts';
import { describeSegmentFault, stackOverflow } from './proc/segment-fault.ts';
import { chooseOomVictim, killForMemory, oomReason } from './proc/oom.ts';
import type { ProcAccount } from './proc/accounting.ts';
import type { Process } from './proc/process.ts';
import type { Segments } from './proc/segments.ts';
import { syscall, syscallEntry } from './proc/syscalls.ts';
import { newStats } from './stats.ts';
import { describeFrame, getTf, setTf, TrapFrame } from './trap.ts';
import { BACKLOG_LIMIT } from './tty.ts';

export { HALT_EXIT_STATUS, PANIC_EXIT_STATUS } from './power.ts';

export const EXCEPTION_NAMES = [
  'divide error (#DE)', 'debug (#DB)', 'NMI', 'breakpoint (#BP)', 'overflow (#OF)', 'bound range (#BR)',
  'invalid opcode (#UD)', 'device not available (#NM)', 'double fault (#DF)', 'coprocessor segment overrun',
  'invalid TSS (#TS)', 'segment not present (#NP)', 'stack fault (#SS)', 'general protection (#GP)',
  'page fault (#PF)', 'reserved 15', 'x87 error (#MF)', 'alignment check (#AC)',
];
const DEBUG = 1, STACK_FAULT = 12, GENERAL_PROTECTION = 13, PAGE_FAULT = 14;
/** EFLAGS.TF: single-step (a #DB after the next instruction; i386 PRM 12.3.1.4). */
const EFLAGS_TF = 1 << 8;
const IRQ_TIMER = 0, IRQ_COM1 = 4, IRQ_ATA = 14;

/** Ticks between periodic syncs: 5 s. */
const SYNC_TICKS = 500;

export class Kernel {
  readonly hw: Hw;
  readonly cmdline: string;
  readonly stats = newStats();
  readonly power = new Power();
  readonly trace = { pf: false };
  private parts: KernelParts | null = null;
  /** When the kernel last returned to a process (TSC), until the next trap: for stats.userCycles. */
  private userSince: number | null = null;
  private userProc: Process | null = null;
  /** The trap being handled, read once from guest RAM. */
  private readonly tf = new TrapFrame();
  panicked = false;
  lastPanic: string | null = null;

  constructor(hw: Hw, cmdline = '') {
    this.hw = hw;
    this.cmdline = cmdline;
  }

  get booted(): boolean { return this.parts !== null; }
  /** The parts built at boot (for tests and the CLI's reports). */
  private get k(): KernelParts {
    if (this.parts === null) throw new KernelPanic('the kernel has not booted');
    return this.parts;
  }
  get procs(): Map<number, Process> { return this.k.table.procs; }
  /** Set by `halt` or a panic: the status the run ends with once the console has drained. */
  get stopping(): number | null { return this.power.stopping; }
  get uptimeMs(): number { return this.k.uptimeMs(); }
  get frames(): FrameAllocator { return this.k.frames; }
  get heap(): KernelHeap { return this.k.heap; }
  /** The program disk's page cache (mm/pagecache.ts). */
  get cache(): PageCache | null { return this.k.cache; }
  /** Under --mm segments: the partitions and what placing, moving, compacting and swapping did; null under paging. */
  get segments(): Segments | null { return this.k.segments; }
  /** One record per process that has ended (the last ACCOUNT_LIMIT): what it cost. */
  get accounting(): readonly ProcAccount[] { return this.k.accounting.records; }
  /** Frames and heap blocks in use now that were not when the shell started (kernel/leaks.ts). */
  leaks(): Leaks { return this.k.leakCheck.leaks(); }

  /** The host-call entry: `arg` is the boot-info block on the first call, then a trap frame's address. */
  onHostCall(arg: number): void {
    // Every way out of ring 3 is a trap, and every trap comes here: the time since the last
    // return to a process was that process's (the entry stub's few instructions included).
    if (this.userSince !== null) {
      const d = this.hw.readTSC() - this.userSince;
      this.stats.userCycles += d;
      if (this.userProc !== null) this.userProc.userCycles += d;
      this.userSince = null;
      this.userProc = null;
    }
    this.stats.hostCalls++;
    this.hw.chargeCycles(COST.hostCall);
    let frame = virt(arg);
    try {
      if (this.parts === null) {
        frame = virt(0);
        this.parts = bootKernel(this.hw, phys(arg), this);
      } else {
        this.trap(frame);
      }
      this.dispatch(frame);
      this.traceEvictions();
    } catch (e) {
      this.panic(e, frame);
    } finally {
      this.hw.settleCycles();
    }
  }

  private trap(frame: VirtAddr): void {
    const k = this.k, tf = this.tf;
    tf.load(this.hw, frame);
    const vector = tf.get('VECTOR');
    const p = tf.fromUser ? k.sched.current : null;
    if (tf.fromUser && (p === null || p.frame !== frame)) throw new KernelPanic(`trap from ring 3 on an unexpected stack (frame 0x${frame.toString(16)})`);
    // --mm segments: a stack grown below its bottom (into the bss, where no limit catches it) ends the process at the next trap.
    const overflow = p !== null && p.seg !== null ? stackOverflow(p, tf.get('ESP')) : null;
    if (overflow !== null) {
      if (this.consoleBehind(p!, (q) => { q.kentry = null; kill(k, q, overflow, true); })) return;
      kill(k, p!, overflow, true);
    } else if (vector < 32) {
      const name = EXCEPTION_NAMES[vector] ?? `exception ${vector}`;
      if (p === null) throw new KernelPanic(`${name} in the kernel at eip 0x${tf.get('EIP').toString(16)}`);
      if (p.seg !== null && (vector === GENERAL_PROTECTION || vector === STACK_FAULT)) {
        // A reference past a segment's limit: the report names the selector, the offset and the limit.
        const report = describeSegmentFault(this.hw, p, tf, name);
        if (this.consoleBehind(p, (q) => { q.kentry = null; kill(k, q, report, true); })) return;
        kill(k, p, report, true);
      } else if (vector === PAGE_FAULT) {
        const f = decodePageFault(this.hw.readCR2(), tf.get('ERR'), tf.get('EIP'));
        if (this.consoleBehind(p, (q) => this.pageFault(q, f))) return;
        this.pageFault(p, f);
      } else if (vector === DEBUG && (p.restart !== null || p.lru !== null)) {
        // The single step the kernel asked for: the instruction that faulted is done. Its pages
        // may go again; under LRU its window closes (mm/lru.ts).
        setTf(this.hw, p.frame, 'EFLAGS', tf.get('EFLAGS') & ~EFLAGS_TF);
        p.restart = null;
        if (p.lru !== null && k.reclaim !== null) endInstruction({ hw: this.hw, reclaim: k.reclaim }, p, tf.get('EIP'));
      } else {
        const report = `${name}${HAS_ERROR_CODE.has(vector) ? ` (error code 0x${tf.get('ERR').toString(16)})` : ''}, eip 0x${hex(tf.get('EIP'))}`;
        if (this.consoleBehind(p, (q) => { q.kentry = null; kill(k, q, report); })) return;
        kill(k, p, report);
      }
    } else if (vector >= IRQ_BASE && vector < IRQ_BASE + 16) {
      this.irq(vector - IRQ_BASE);
    } else if (vector === SYSCALL_VECTOR && p !== null) {
      this.stats.syscalls++;
      if (this.consoleBehind(p, syscallEntry(k))) return;
      syscall(k, p, tf);
    } else {
      throw new KernelPanic(`unexpected vector 0x${vector.toString(16)}`);
    }
    // The kernel learns that a faulting instruction completed by the #DB a single step gives
    // after it (i386 PRM 12.3.1.4): exact LRU closes its window then, and a limited process's
    // pages for it may go again.
    if (p !== null && p.state !== 'zombie' && (p.restart !== null || p.lru?.stepping === true)) setTf(this.hw, p.frame, 'EFLAGS', getTf(this.hw, p.frame, 'EFLAGS') | EFLAGS_TF);
  }

  /**
   * While kernel output waits for the console beyond BACKLOG_LIMIT, a process that enters the
   * kernel (a system call, a fault) waits for it to drain before the kernel acts for it, with that
   * work as its kernel entry: so the console's queue stays bounded however fast processes make the
   * kernel print (a flood of kill reports), and the writer waits instead of the queue growing.
   */
  private consoleBehind(p: Process, entry: (q: Process) => void): boolean {
    const k = this.k;
    if (k.tty.backlog <= BACKLOG_LIMIT) return false;
    p.kentry = entry;
    k.sched.sleep(p, k.tty.writable);
    return true;
  }

  /**
   * A #PF from ring 3: the pager decides; a bad access gets one report and the process dies; a
   * wait sleeps on the disk with the fault as its kernel entry, so that once woken the pager is
   * asked again and maps the page before the faulting instruction runs again.
   */
  private pageFault(p: Process, f: PageFault, again = false): void {
    const k = this.k;
    const lru = this.lruFor(p);
    if (lru !== null && !again) beginFault(lru, p, f.eip);
    // Under a resident limit: a fault in the instruction that faulted last, before a single step
    // said it completed, is that instruction started again; another starts a new record.
    if (!again && (p.limit !== null || k.shares !== null) && p.restart?.eip !== f.eip) p.restart = { eip: f.eip, pages: [] };
    if (f.present && f.mode === 'user' && p.readableAt(f.va) && revealIfHidden(this.hw, p.pd, f.va)) {
      // A resident page LRU hid to see its next reference: a soft fault, not counted as a fault.
      softFault({ hw: this.hw, reclaim: k.reclaim, stats: this.stats }, p, virt(f.va & ~(PAGE_SIZE - 1)));
      return;
    }
    // A write to a present page its region allows but its PTE does not is copy-on-write: the
    // pager's. So is such a fault asked again after a wait: the page may have gone to swap since.
    if (f.present && !(f.access === 'write' && p.regionAt(f.va)?.writable === true)) {
      p.faults++;
      this.stats.faults++;
      const words = this.faultWords(p, f);
      if (this.trace.pf) this.tracePageFault(p, f, words, 'bad (protection)');
      this.killForFault(p, f, words, '');
      return;
    }
    let r = handlePageFault(k, p, f);
    // No frame: the OOM rule ends the process with the largest resident set; unless that was this
    // one, its fault is tried again with the frames that freed.
    while (r.kind === 'bad' && r.oom === true && killForMemory(k, p)) r = handlePageFault(k, p, f, true);
    if (r.kind === 'bad' && r.oom === true) {
      const { pages } = chooseOomVictim(k, p);
      r = { kind: 'bad', reason: oomReason(p, pages, p) };
    }
    if (this.trace.pf && !again) this.tracePageFault(p, f, this.faultWords(p, f), r.kind === 'mapped' ? 'zero-filled' : r.kind === 'wait' ? 'reading from disk' : `bad (${r.reason})`);
    p.kentry = null;
    if (r.kind === 'bad') this.killForFault(p, f, this.faultWords(p, f), r.reason);
    else if (r.kind === 'wait') {
      p.kentry = (q) => this.pageFault(q, f, true);
      k.sched.sleep(p, r.chan);
    }
  }

  /** What exact LRU needs, when `p`'s pages are replaced by it (its own policy, or the global one). */
  private lruFor(p: Process): LruContext | null {
    const reclaim = this.k.reclaim;
    if (reclaim === null || (p.policy ?? reclaim.policy)?.name !== 'lru') return null;
    return { hw: this.hw, reclaim };
  }

  /** The fault in words; only a protection fault needs the walk to find them (read-only or supervisor page). */
  private faultWords(p: Process, f: PageFault): string {
    return f.present ? describeFaultCode(f.code, effectiveFlags(walk(this.hw, p.pd, f.va))) : describeFaultCode(f.code);
  }

  /** `trace pf on`: one line per page fault, when it comes (not again when a page-in completes it). */
  private tracePageFault(p: Process, f: PageFault, words: string, what: string): void {
    this.k.tty.print(`pf: pid ${p.pid} ${p.name} va 0x${hex(f.va)} eip 0x${hex(f.eip)} ${words}: ${what}\n`);
  }

  /** `trace pf on`: one line per page taken back in this host call: whose, where it went, and why. */
  private traceEvictions(): void {
    const k = this.parts;
    const evictions = k?.reclaim?.takeEvictions();
    if (k === null || evictions === undefined || evictions.length === 0) return;
    for (const e of evictions) {
      const p = k.table.byPd(e.pd);
      if (p !== undefined && e.written) {
        p.swapWrites++;
        p.swapWritesByPage.set(e.va, (p.swapWritesByPage.get(e.va) ?? 0) + 1);
      }
      if (!this.trace.pf) continue;
      const who = e.pd === 0 ? 'no process (a detached shared segment)' : p === undefined ? 'a process that has ended' : `pid ${p.pid} ${p.name}`;
      k.tty.print(`evict: ${who} va 0x${hex(e.va)} ${e.slot === null ? 'dropped (clean)' : e.written ? `to swap slot ${e.slot}` : `dropped (clean, still in swap slot ${e.slot})`}: ${e.policy}, ${e.why}\n`);
    }
  }

  /** The one report a bad access gets: who, where, what, and the page-table walk. */
  private killForFault(p: Process, f: PageFault, words: string, why: string): void {
    const lines = [`pid ${p.pid} (${p.name}): page fault at 0x${hex(f.va)}: ${words}${why ? ` (${why})` : ''}, eip 0x${hex(f.eip)}`];
    for (const l of describeWalk(this.hw, p.pd, f.va)) lines.push(`  ${l}`);
    kill(this.k, p, lines.join('\n'), true);
  }

  private irq(n: number): void {
    const k = this.k;
    this.stats.interrupts++;
    if (k.pic.isSpurious(n)) return;
    if (n === IRQ_TIMER) this.tick();
    else if (n === IRQ_COM1) {
      k.tty.onIrq();
      if (k.tty.takeInterrupt()) k.shell.interrupt();
    } else if (n === IRQ_ATA && k.disk) k.disk.onIrq();
    k.pic.eoi(n);
  }

  private tick(): void {
    const k = this.k;
    this.stats.ticks++;
    k.sched.wakeExpired(k.clock, k.uptimeMs());
    const global = k.reclaim?.policy ?? null;
    // The tick is the running process's: a watched working set is sampled first, before a
    // policy's own sampling clears the A bits.
    // A policy that samples A itself, and pff (A since the last fault), leave A to be cleared by it.
    const cur = k.sched.current;
    const rss = k.options.rss;
    const keepA = (cur?.policy ?? global)?.ticks === true || rss === 'pff';
    if (cur !== null && cur.pd !== 0 && k.reclaim !== null) {
      const vt = virtualTime(cur);
      if (cur.ws !== null && cur.ws.pd === cur.pd) sampleTick({ hw: this.hw, reclaim: k.reclaim }, cur.ws, cur.wsEvicted, vt, residentPages(this.hw, cur.pd), cur.faults, keepA);
      else if (k.loadControl !== null || rss === 'ws') k.reclaim.sampleReferences(cur.pd, vt, keepA);
      if (rss === 'ws') wsTick(k.reclaim, cur.pd, vt);
    }
    k.loadControl?.tick();
    k.segments?.tick();
    // The periodic sync (as Unix's update daemon): writes to MAP_SHARED files reach the disk within SYNC_TICKS.
    if (this.stats.ticks % SYNC_TICKS === 0) syncAll(k, k.table.procs.values());
    if (k.reclaim !== null) for (const p of k.table.paged()) {
      const policy = p.policy ?? global;
      if (policy !== null) k.reclaim.tickProcess(p.pd, policy);
    }
    k.shares?.measure();
    k.sched.tick();
    k.disk?.poll();
    k.progdisk?.reap();
    k.reclaim?.reap();
    if (this.power.stopping !== null && this.power.settled && k.tty.drained) powerOff(this.hw, this.power.stopping);
  }

  /** Runs the kernel work that is due, then returns to the context the scheduler picks (or idles); `from` is the trap's frame. */
  private dispatch(from: VirtAddr): void {
    const k = this.k;
    const next = k.sched.pick();
    if (next !== null) {
      // A process in a partition runs in the kernel's own directory, through its LDT.
      const seg = next.seg;
      k.cpu.switchTo(seg === null ? next.pd : KERNEL_PD_PHYS, virt(P2V(next.kstack) + KSTACK_SIZE), next.frame, from, seg === null ? null : V2P(seg.ldt));
      this.userSince = this.hw.readTSC();
      this.userProc = next;
    } else k.cpu.switchToIdle();
  }

  /** A broken invariant: the reason, the trap frame and the TypeScript stack, then the machine stops. */
  private panic(e: unknown, frame: VirtAddr): void {
    const hw = this.hw;
    const err = e instanceof Error ? e : new Error(String(e));
    const lines = [`kernel panic: ${err.message}`];
    if (frame !== 0) { lines.push('trap frame:'); lines.push(...describeFrame(hw, frame)); }
    lines.push('stack:');
    for (const l of (err.stack ?? '').split('\n').slice(1, 12)) lines.push(`  ${l.trim()}`);
    const text = `${lines.join('\n')}\n`;
    this.panicked = true;
    this.lastPanic = text;
    // The debug console shows it at once, whatever state the UART is in.
    debugPrint(hw, text);
    const k = this.parts;
    if (k === null) { powerOff(hw, PANIC_EXIT_STATUS); return; }
    k.tty.print(text);
    this.power.stopping = PANIC_EXIT_STATUS;
    // The panic may have cut an interrupt handler short: end every interrupt in service, and keep
    // only the timer (which checks the console has drained) and COM1 (which drains it).
    k.pic.quiesce([IRQ_TIMER, IRQ_COM1]);
    // Nothing runs again: every process is frozen, the idle loop waits for the console to drain.
    k.sched.freeze();
    for (const p of k.table.procs.values()) if (p.state !== 'zombie') p.state = 'blocked';
    try { k.cpu.switchToIdle(); } catch { powerOff(hw, PANIC_EXIT_STATUS); }
  }
}
