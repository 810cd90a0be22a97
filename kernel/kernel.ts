// The kernel: one object that owns every kernel structure (no globals), entered once per host call.
// boot() builds the machine's protected-mode world in guest RAM; trap() handles one trap frame and
// then picks the context to return to (kernel/README.md has the whole picture).

import { COST } from './cost.ts';
import { AtaDisk } from './dev/ata.ts';
import { Pic } from './dev/pic.ts';
import { HZ, startPit, TICK_MS } from './dev/pit.ts';
import { Ring } from './dev/ring.ts';
import { Uart } from './dev/uart.ts';
import { readBootInfo, type BootInfo } from './bootinfo.ts';
import { ProgramDisk } from './fs/progdisk.ts';
import { phys, virt, PAGE_SIZE, type Hw, type PhysAddr, type VirtAddr } from './hw.ts';
import {
  DIRECT_MAP_PT_PHYS, IDLE_STACK_PHYS, IRQ_BASE, KERNBASE, KERNEL_PD_PHYS, KSTACK_SIZE, P2V,
  SEL_KCODE, SEL_KDATA, STUBS_PHYS, SYSCALL_VECTOR, TSS_PHYS, V2P,
} from './layout.ts';
import { STUB_IDLE } from './arch/stubs.ts';
import { setTssEsp0 } from './arch/descriptors.ts';
import { createFrameAllocator, type FrameAllocator } from './mm/frames.ts';
import { KernelHeap, type FitPolicy } from './mm/heap.ts';
import { SlabCache } from './mm/slab.ts';
import { describeFaultCode, describeWalk, effectiveFlags, walk } from './mm/pagetable.ts';
import { destroyAddressSpace } from './mm/vmm.ts';
import { pageIn } from './mm/pager.ts';
import { KernelPanic } from './panic.ts';
import { Process } from './proc/process.ts';
import { doSyscall } from './proc/syscalls.ts';
import { Shell } from './shell.ts';
import { describeFrame, EFLAGS_IF, EFLAGS_RESERVED, fromUser, getTf, KERNEL_FRAME_SIZE, setTf, USER_FRAME_SIZE } from './trap.ts';
import { Tty } from './tty.ts';
import { hex } from './format.ts';
import { describeLeaks, findLeaks, takeBaseline, type Baseline, type Leaks } from './leaks.ts';
import { enterPagedProtectedMode } from './arch/setup.ts';
import { UserMemory } from './proc/usermem.ts';
import { closeFile, FILE_RECORD_SIZE } from './proc/files.ts';
import { KILLED_STATUS } from './abi.ts';

/** The exit-port status after `halt`, and after a panic. */
export const HALT_EXIT_STATUS = 0;
export const PANIC_EXIT_STATUS = 7;
const EXIT_PORT = 0xf4;

export interface KernelOptions {
  frames: 'bitmap' | 'buddy';
  heap: FitPolicy;
}

/** Options from the command line (`frames=bitmap heap=best`), as --append or the CLI's --frames/--heap pass them. */
export function parseCmdline(cmdline: string): { options: KernelOptions; errors: string[] } {
  const options: KernelOptions = { frames: 'buddy', heap: 'first' };
  const errors: string[] = [];
  for (const word of cmdline.split(/\s+/).filter(Boolean)) {
    const eq = word.indexOf('=');
    const key = eq < 0 ? word : word.slice(0, eq);
    const value = eq < 0 ? undefined : word.slice(eq + 1);
    if (key === 'frames' && (value === 'bitmap' || value === 'buddy')) options.frames = value;
    else if (key === 'heap' && (value === 'first' || value === 'best')) options.heap = value;
    else errors.push(`unknown boot option '${word}'`);
  }
  return { options, errors };
}

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
}


export const EXCEPTION_NAMES = [
  'divide error (#DE)', 'debug (#DB)', 'NMI', 'breakpoint (#BP)', 'overflow (#OF)', 'bound range (#BR)',
  'invalid opcode (#UD)', 'device not available (#NM)', 'double fault (#DF)', 'coprocessor segment overrun',
  'invalid TSS (#TS)', 'segment not present (#NP)', 'stack fault (#SS)', 'general protection (#GP)',
  'page fault (#PF)', 'reserved 15', 'x87 error (#MF)', 'alignment check (#AC)',
];

const HEAP_BYTES = 1 << 20;
/** The kernel's static area ends near 1.1 MiB; with its heap and some frames for programs, 4 MiB is the least that works. */
const MIN_RAM = 4 << 20;
/** The most RAM the direct map (0xC0000000-0xFFFFFFFF) can hold. */
const DIRECT_MAP_LIMIT = 0x100000000 - KERNBASE;
const QUANTUM_TICKS = 1;

export class Kernel {
  readonly hw: Hw;
  readonly cmdline: string;
  booted = false;
  boot!: BootInfo;
  options: KernelOptions = { frames: 'buddy', heap: 'first' };
  frames!: FrameAllocator;
  heap!: KernelHeap;
  procSlab!: SlabCache;
  fileSlab!: SlabCache;
  pic!: Pic;
  uart!: Uart;
  tty!: Tty;
  disk: AtaDisk | null = null;
  progdisk: ProgramDisk | null = null;
  shell!: Shell;
  readonly procs = new Map<number, Process>();
  runq: Process[] = [];
  current: Process | null = null;
  private nextPid = 1;
  private sliceTicks = 0;
  needResched = false;
  /** Bytes of a console write already sent, for processes waiting for room to send the rest. */
  readonly pendingWrite = new Map<number, number>();
  tracePf = false;
  /** Set by `halt` or a panic: the status to write to the exit port once the console has drained. */
  stopping: number | null = null;
  panicked = false;
  private baseline: Baseline | null = null;
  private heapPages = 0;
  readonly stats: KernelStats = {
    ticks: 0, hostCalls: 0, syscalls: 0, interrupts: 0, contextSwitches: 0, faults: 0, zeroFills: 0, pageIns: 0, kills: 0, processesStarted: 0,
  };

  constructor(hw: Hw, cmdline = '') {
    this.hw = hw;
    this.cmdline = cmdline;
  }

  /** The host-call entry: `arg` is the boot-info block on the first call, then a trap frame's address. */
  onHostCall(arg: number): void {
    this.stats.hostCalls++;
    this.hw.charge(COST.hostCall);
    let frame = virt(arg);
    try {
      if (!this.booted) {
        frame = virt(0);
        this.bootKernel(phys(arg));
        return;
      }
      this.trap(frame);
    } catch (e) {
      this.panic(e, frame);
    }
  }

  get uptimeMs(): number {
    return this.stats.ticks * TICK_MS;
  }

  // --- boot ---------------------------------------------------------------------------------------------

  private bootKernel(bootInfo: PhysAddr): void {
    const hw = this.hw;
    const info = readBootInfo(hw, bootInfo);
    if (typeof info === 'string') throw new KernelPanic(info);
    this.boot = info;
    hw.family = info.cpu;
    if (info.ramTop < MIN_RAM) throw new KernelPanic(`the ts386 kernel needs at least ${MIN_RAM >> 20} MiB of RAM; this machine has ${Math.floor(info.ramTop / 1024)} KiB`);
    const parsed = parseCmdline(info.cmdline);
    this.options = parsed.options;

    // The direct map at KERNBASE has room for 1 GiB: RAM above that is left unused (Linux's
    // "highmem" problem, solved here by not using it).
    const ramTop = Math.min(info.ramTop, DIRECT_MAP_LIMIT);
    const tables = enterPagedProtectedMode(hw, ramTop);

    // Frames: RAM the E820 map calls usable, less the first MiB and the kernel's static area.
    const metaBase = phys(DIRECT_MAP_PT_PHYS + tables * PAGE_SIZE);
    const usable = info.e820.filter((e) => e.type === 1 && e.base < ramTop).map((e) => ({ base: e.base, length: Math.min(e.length, ramTop - e.base) }));
    const { allocator } = createFrameAllocator(this.options.frames, hw, {
      metaBase, usable, reserved: [{ base: 0, length: 0x100000 }, { base: 0x100000, length: metaBase - 0x100000 }],
    });
    this.frames = allocator;
    this.heapPages = Math.min(HEAP_BYTES, Math.floor(allocator.stats().free / 8) * PAGE_SIZE) / PAGE_SIZE;
    const arena = allocator.allocContiguous(this.heapPages, 'heap');
    if (arena === null) throw new KernelPanic(`no ${this.heapPages} contiguous frames for the kernel heap`);
    this.heap = new KernelHeap(hw, P2V(arena), this.heapPages * PAGE_SIZE, this.options.heap);
    this.procSlab = new SlabCache(hw, allocator, 'proc', 64);
    this.fileSlab = new SlabCache(hw, allocator, 'file', FILE_RECORD_SIZE);

    // Devices.
    const ring = (n: number): Ring => {
      const at = this.heap.kmalloc(n);
      if (at === null) throw new KernelPanic(`kernel heap: no ${n} bytes for a console buffer`);
      return new Ring(hw, at, n);
    };
    this.pic = new Pic(hw);
    this.pic.init();
    this.uart = new Uart(hw, ring(16384));
    this.uart.init();
    this.tty = new Tty(this.uart, ring(256), ring(1024));
    this.tty.onLine = () => this.lineReady();
    this.tty.onInterrupt = () => this.interruptForeground();
    this.tty.onOutputSpace = () => this.outputSpace();
    startPit(hw, HZ);
    this.pic.enable(0);
    this.pic.enable(4);
    this.shell = new Shell(this);

    const f = allocator.stats();
    this.print(`ts386 kernel: ${info.cpu === 486 ? 'i486' : 'i386'}, ${Math.round(info.ramTop / 1024)} KiB RAM, ${f.free} free frames (${allocator.kind}), heap ${this.heapPages * 4} KiB (${this.options.heap}-fit)\n`);
    if (ramTop < info.ramTop) this.print(`ts386 kernel: using the first ${ramTop >> 20} MiB of RAM (what the direct map at 0x${hex(KERNBASE)} holds)\n`);
    for (const e of parsed.errors) this.print(`ts386 kernel: ${e}\n`);

    const d = info.disks[0];
    if (d) {
      this.pic.enable(14);
      this.disk = new AtaDisk(hw, d.unit, d.sectors);
      this.progdisk = new ProgramDisk(hw, this.disk, d.sectors);
      const buf = this.heap.kmalloc(512);
      if (buf === null) throw new KernelPanic('kernel heap: no sector buffer');
      this.progdisk.loadIndex(V2P(buf), () => {
        this.heap.kfree(buf);
        const pd = this.progdisk!;
        this.print(pd.error ? `program disk: ${pd.error}\n` : `program disk: ${pd.files.size} files\n`);
        this.startShell();
      });
    } else {
      this.print('no program disk: `run` has nothing to run\n');
      this.startShell();
    }
    this.booted = true;
    this.returnToIdle();
  }

  private startShell(): void {
    this.baseline = takeBaseline(this.frames, this.heap);
    this.shell.start();
  }

  // --- traps -----------------------------------------------------------------------------------------------

  private trap(frame: VirtAddr): void {
    const hw = this.hw;
    const vector = getTf(hw, frame, 'VECTOR');
    const user = fromUser(hw, frame);
    const p = user ? this.current : null;
    if (user && (p === null || p.frame !== frame)) throw new KernelPanic(`trap from ring 3 on an unexpected stack (frame 0x${frame.toString(16)})`);
    if (vector < 32) {
      if (p === null) throw new KernelPanic(`${EXCEPTION_NAMES[vector] ?? `exception ${vector}`} in the kernel at eip 0x${getTf(hw, frame, 'EIP').toString(16)}`);
      if (vector === 14) this.pageFault(p);
      else this.kill(p, `${EXCEPTION_NAMES[vector] ?? `exception ${vector}`}${[8, 10, 11, 12, 13, 14, 17].includes(vector) ? ` (error code 0x${getTf(hw, frame, 'ERR').toString(16)})` : ''}, eip 0x${hex(getTf(hw, frame, 'EIP'))}`);
    } else if (vector >= IRQ_BASE && vector < IRQ_BASE + 16) {
      this.irq(vector - IRQ_BASE);
    } else if (vector === SYSCALL_VECTOR && p !== null) {
      this.stats.syscalls++;
      doSyscall(this, p);
    } else {
      throw new KernelPanic(`unexpected vector 0x${vector.toString(16)}`);
    }
    this.schedule();
  }

  private irq(n: number): void {
    this.stats.interrupts++;
    if (this.pic.isSpurious(n)) return;
    if (n === 0) this.tick();
    else if (n === 4) this.uart.onIrq();
    else if (n === 14 && this.disk) this.disk.onIrq();
    this.pic.eoi(n);
  }

  private tick(): void {
    this.stats.ticks++;
    const now = this.uptimeMs;
    for (const p of this.procs.values()) {
      if (p.state === 'blocked' && p.blocked?.kind === 'sleep' && p.blocked.until <= now) this.wake(p, 0);
    }
    if (this.current) {
      this.current.ticks++;
      if (++this.sliceTicks >= QUANTUM_TICKS) this.needResched = true;
    }
    this.disk?.poll();
    if (this.stopping !== null && this.tty.outputIdle && (this.hw.inb(0x3fd) & 0x40) !== 0) this.hw.outb(EXIT_PORT, this.stopping);
  }

  private pageFault(p: Process): void {
    const hw = this.hw;
    const va = hw.rcr2() >>> 0;
    const err = getTf(hw, p.frame, 'ERR');
    const eip = getTf(hw, p.frame, 'EIP');
    p.faults++;
    this.stats.faults++;
    // Only a protection fault needs the walk to find its words (read-only or supervisor page); the
    // common not-present fault does not, and pageIn walks the tables itself.
    const words = (err & 1) !== 0 ? describeFaultCode(err, effectiveFlags(walk(hw, p.pd, virt(va)))) : describeFaultCode(err);
    if ((err & 1) !== 0) {
      if (this.tracePf) this.print(`pf: pid ${p.pid} ${p.name} va 0x${hex(va)} eip 0x${hex(eip)} ${words}: bad (protection)\n`);
      this.killForFault(p, va, words, eip, '');
      return;
    }
    const r = pageIn(this, p, va, (err & 2) !== 0, (e) => {
      if (e !== null) this.killForFault(p, va, words, eip, e);
      else this.wake(p, null);
    });
    if (this.tracePf) this.print(`pf: pid ${p.pid} ${p.name} va 0x${hex(va)} eip 0x${hex(eip)} ${words}: ${r.kind === 'mapped' ? 'zero-filled' : r.kind === 'pending' ? 'reading from disk' : `bad (${r.reason})`}\n`);
    if (r.kind === 'bad') this.killForFault(p, va, words, eip, r.reason);
    else if (r.kind === 'pending') this.block(p, { kind: 'disk' });
  }

  /** The one report a bad access gets: who, where, what, and the page-table walk. */
  private killForFault(p: Process, va: number, words: string, eip: number, why: string): void {
    const lines = [`pid ${p.pid} (${p.name}): page fault at 0x${hex(va)}: ${words}${why ? ` (${why})` : ''}, eip 0x${hex(eip)}`];
    for (const l of describeWalk(this.hw, p.pd, virt(va))) lines.push(`  ${l}`);
    this.kill(p, lines.join('\n'), true);
  }

  // --- processes -------------------------------------------------------------------------------------------

  /** A new process with a kernel stack and an empty trap frame; the caller gives it an address space. */
  newProcess(name: string, argv: string[], parent: Process | null): Process | null {
    const kstack = this.frames.alloc('kstack');
    if (kstack === null) return null;
    const record = this.procSlab.alloc();
    if (record === null) { this.frames.free(kstack); return null; }
    const p = new Process(this.nextPid++, name, argv, parent);
    p.kstack = kstack;
    p.frame = virt(P2V(kstack) + KSTACK_SIZE - USER_FRAME_SIZE);
    p.record = record;
    this.hw.fill(kstack, KSTACK_SIZE, 0);
    this.writeRecord(p);
    this.procs.set(p.pid, p);
    this.stats.processesStarted++;
    return p;
  }

  /** The process's record in the 'proc' slab (guest RAM): pid, parent, state, page directory, kernel stack. */
  writeRecord(p: Process): void {
    const at = V2P(p.record);
    const states = ['loading', 'runnable', 'running', 'blocked', 'zombie'];
    this.hw.writePhys32(at, p.pid);
    this.hw.writePhys32(phys(at + 4), p.parent?.pid ?? 0);
    this.hw.writePhys32(phys(at + 8), states.indexOf(p.state));
    this.hw.writePhys32(phys(at + 12), p.pd);
    this.hw.writePhys32(phys(at + 16), p.kstack);
    this.hw.writePhys32(phys(at + 20), p.exitStatus);
  }

  makeRunnable(p: Process): void {
    p.state = 'runnable';
    p.blocked = null;
    if (!this.runq.includes(p)) this.runq.push(p);
    this.writeRecord(p);
  }

  block(p: Process, reason: Process['blocked']): void {
    p.state = 'blocked';
    p.blocked = reason;
    this.runq = this.runq.filter((q) => q !== p);
    if (this.current === p) this.current = null;
    this.writeRecord(p);
  }

  /** Ends a blocked process's wait; `eax`, when not null, is its system call's result. */
  wake(p: Process, eax: number | null): void {
    if (p.state === 'zombie') return;
    if (eax !== null) setTf(this.hw, p.frame, 'EAX', eax);
    this.makeRunnable(p);
  }

  /** Kills a process; `report` goes to the console as one message. */
  kill(p: Process, report: string, isFault = false): void {
    this.stats.kills++;
    p.killed = true;
    this.print(isFault ? `${report}\n  killed\n` : `pid ${p.pid} (${p.name}) killed: ${report}\n`);
    this.exit(p, KILLED_STATUS);
  }

  exit(p: Process, status: number): void {
    if (p.state === 'zombie') return;
    const hw = this.hw;
    p.exitStatus = status;
    for (const f of p.files.values()) closeFile(this, f);
    p.files.clear();
    this.pendingWrite.delete(p.pid);
    if (p.pd !== 0) {
      // Leave the address space before freeing it: CR3 must never name a freed directory.
      if ((hw.rcr3() & ~0xfff) === p.pd) hw.lcr3(KERNEL_PD_PHYS);
      destroyAddressSpace(hw, this.frames, p.pd);
      p.pd = 0 as PhysAddr;
    }
    this.frames.free(p.kstack);
    p.kstack = 0 as PhysAddr;
    p.state = 'zombie';
    p.blocked = null;
    this.runq = this.runq.filter((q) => q !== p);
    if (this.current === p) this.current = null;
    this.writeRecord(p);
    // Orphans go to the shell, which reaps them.
    for (const c of this.procs.values()) if (c.parent === p) { c.parent = null; if (c.state === 'zombie') this.reap(c); }
    const parent = p.parent;
    if (parent === null) {
      this.reap(p);
      this.shell.childExited(p);
    } else if (parent.state === 'blocked' && parent.blocked?.kind === 'wait') {
      this.finishWait(parent, p);
    }
  }

  /** Frees what is left of a zombie (its slab record) and forgets it. */
  reap(p: Process): void {
    this.procSlab.free(p.record);
    this.procs.delete(p.pid);
  }

  /** Completes a wait(): writes the child's status where the parent asked, returns its pid. */
  finishWait(parent: Process, child: Process): void {
    const ptr = parent.blocked?.kind === 'wait' ? parent.blocked.statusPtr : 0;
    if (ptr !== 0) {
      // wait() checked the pages of *status were present and writable before it blocked; nothing
      // of the parent's memory changes while it waits. Through its page tables, a page at a time.
      try { new UserMemory(this.hw, parent).writeU32(ptr, child.exitStatus); } catch { /* it went away: nothing to write */ }
    }
    this.reap(child);
    this.wake(parent, child.pid);
  }

  // --- scheduling ----------------------------------------------------------------------------------------

  /** Picks the context the trap stub resumes: the current process, the next runnable one, or idle. */
  private schedule(): void {
    const cur = this.current;
    if (cur && cur.state === 'running' && !this.needResched) { this.resume(cur); return; }
    this.needResched = false;
    if (cur && cur.state === 'running') { cur.state = 'runnable'; this.runq.push(cur); }
    const next = this.runq.shift();
    if (next) {
      if (next !== cur) this.stats.contextSwitches++;
      this.sliceTicks = 0;
      this.resume(next);
    } else {
      this.current = null;
      this.returnToIdle();
    }
  }

  /** Returns to `p`: its address space in CR3, its kernel stack in TSS.ESP0, its trap frame popped. */
  private resume(p: Process): void {
    const hw = this.hw;
    p.state = 'running';
    this.current = p;
    if ((hw.rcr3() & ~0xfff) !== p.pd) hw.lcr3(p.pd);
    setTssEsp0(hw, TSS_PHYS, virt(P2V(p.kstack) + KSTACK_SIZE));
    hw.setESP(p.frame);
  }

  /** The idle context: a ring-0 frame that IRETs to `sti; hlt; jmp` on the idle stack, in the kernel's own directory. */
  private returnToIdle(): void {
    const hw = this.hw;
    if ((hw.rcr3() & ~0xfff) !== KERNEL_PD_PHYS) hw.lcr3(KERNEL_PD_PHYS);
    const frame = virt(P2V(IDLE_STACK_PHYS) + PAGE_SIZE - KERNEL_FRAME_SIZE);
    hw.fill(V2P(frame), KERNEL_FRAME_SIZE, 0);
    for (const s of ['DS', 'ES', 'FS', 'GS'] as const) setTf(hw, frame, s, SEL_KDATA);
    setTf(hw, frame, 'EIP', P2V(STUBS_PHYS) + STUB_IDLE);
    setTf(hw, frame, 'CS', SEL_KCODE);
    setTf(hw, frame, 'EFLAGS', EFLAGS_IF | EFLAGS_RESERVED);
    setTssEsp0(hw, TSS_PHYS, virt(P2V(IDLE_STACK_PHYS) + PAGE_SIZE));
    hw.setESP(frame);
  }

  // --- console -------------------------------------------------------------------------------------------

  print(s: string): void {
    this.tty.print(s);
  }

  /** A line was typed: a process blocked reading the console gets it, else the shell (when no foreground job runs). */
  private lineReady(): void {
    for (const p of this.procs.values()) {
      if (p.state === 'blocked' && p.blocked?.kind === 'read' && this.inForeground(p)) { this.wake(p, null); doSyscall(this, p, true); return; }
    }
    if (!this.shell.busy) this.shell.onLine();
  }

  /**
   * Whether `p` belongs to the shell's foreground job: the program `run` started without `&`, or
   * a process it forked. Only those read the console; a background reader waits (as a Unix
   * background job stops on SIGTTIN), so it never takes lines typed to the shell.
   */
  inForeground(p: Process): boolean {
    let q: Process | null = p;
    while (q.parent !== null) q = q.parent;
    return q.foreground && q.state !== 'zombie';
  }

  private interruptForeground(): void {
    const fg = [...this.procs.values()].find((p) => p.foreground && p.state !== 'zombie');
    if (fg) this.kill(fg, 'interrupted (Ctrl-C)');
    else this.shell.prompt();
  }

  /** Room in the console's output ring: processes waiting to write go on. */
  private outputSpace(): void {
    for (const p of this.procs.values()) {
      if (p.state === 'blocked' && p.blocked?.kind === 'write') { this.wake(p, null); doSyscall(this, p, true); }
    }
  }

  // --- shutdown and panic --------------------------------------------------------------------------------

  /** `halt`: every process ends, the leak check runs, and the machine stops once the console has drained. */
  halt(): void {
    this.stopping = HALT_EXIT_STATUS;
    for (const p of [...this.procs.values()]) if (p.state !== 'zombie') this.exit(p, KILLED_STATUS);
    for (const p of [...this.procs.values()]) this.reap(p);
    this.print(`${this.leakReport()}\n`);
  }

  /** Frames and heap blocks in use now that were not when the shell started (kernel/leaks.ts). */
  leaks(): Leaks {
    return findLeaks(this.frames, this.heap, this.baseline);
  }

  leakReport(): string {
    return describeLeaks(this.leaks());
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
    for (let k = 0; k < text.length; k++) hw.outb(0xe9, text.charCodeAt(k) & 0x7f);
    if (!this.booted || !this.tty) { hw.outb(EXIT_PORT, PANIC_EXIT_STATUS); return; }
    this.print(text);
    this.stopping = PANIC_EXIT_STATUS;
    // The panic may have cut an interrupt handler short: end every interrupt in service, and keep
    // only the timer (which checks the console has drained) and COM1 (which drains it).
    hw.outb(0xa0, 0x20);
    hw.outb(0x20, 0x20);
    hw.outb(0x21, 0xff & ~((1 << 0) | (1 << 4)));
    hw.outb(0xa1, 0xff);
    // Nothing runs again: every process is frozen, the idle loop waits for the console to drain.
    this.runq = [];
    this.current = null;
    for (const p of this.procs.values()) if (p.state !== 'zombie') p.state = 'blocked';
    try { this.returnToIdle(); } catch { hw.outb(EXIT_PORT, PANIC_EXIT_STATUS); }
  }

  lastPanic: string | null = null;
}

