// Types only: the narrow waist between the machine and the TypeScript kernel. The kernel sees the
// machine through this interface and nothing else (lint: kernel/ may `import type` this file
// only). The board implements it (MachineHostPort in machine-host-port.ts, reached as
// `machine.hostPort`); test/unit/kernel fakes it over a Uint8Array.
//
// Every member stands for something a ring-0 x86 program can do: a memory access, IN/OUT, MOV to
// and from a control register, INVLPG, LGDT/LIDT/LTR, reading a performance counter, or driving
// a trace buffer such as a performance-monitoring unit keeps (the MMU's page references). The bulk
// memory operations are REP MOVS/STOS over physical memory, provided whole so that zeroing a page is
// one call; their emulated cost is charged by the kernel (kernel/cost.ts).

/** The processor's own event counters, as a model-specific performance counter would expose them. */
export interface TlbCounters {
  hits: number;
  misses: number;
  flushes: number;
}

/** The kernel's trace points (HostPort.tracePoint). */
export type TraceEvent = 'frame-alloc' | 'frame-free';

export interface HostPort {
  /** Physical memory, little-endian; addresses are physical (not linear). */
  readPhys8(addr: number): number;
  readPhys16(addr: number): number;
  readPhys32(addr: number): number;
  writePhys8(addr: number, value: number): void;
  writePhys16(addr: number, value: number): void;
  writePhys32(addr: number, value: number): void;
  /** Copies `dst.length` bytes of physical memory starting at `addr` into `dst`. */
  readPhysBytes(addr: number, dst: Uint8Array): void;
  /** Writes `src` to physical memory starting at `addr`. */
  writePhysBytes(addr: number, src: Uint8Array): void;
  /** Fills `length` bytes of physical memory at `addr` with the byte `value` (REP STOSB). */
  fillPhys(addr: number, length: number, value: number): void;
  /** Copies `length` bytes of physical memory from `src` to `dst` (REP MOVSB; no overlap). */
  copyPhys(dst: number, src: number, length: number): void;
  /** I/O ports. */
  inb(port: number): number;
  outb(port: number, value: number): void;
  inw(port: number): number;
  outw(port: number, value: number): void;
  inl(port: number): number;
  outl(port: number, value: number): void;
  /**
   * REP INSW: reads `count` words from `port` into physical memory at `addr` upwards, one bus
   * access per word as the instruction makes (a device sees `count` INs, at the same emulated time).
   * Charges no cycles (nor do inw and writePhys16: the kernel charges its own cost).
   */
  insw(port: number, addr: number, count: number): void;
  /** REP OUTSW: writes `count` words from physical memory at `addr` upwards to `port`, as insw. */
  outsw(port: number, addr: number, count: number): void;
  /** Control registers: writing CR3 flushes the TLB, as MOV CR3 does. */
  readCR0(): number;
  writeCR0(value: number): void;
  readCR2(): number;
  readCR3(): number;
  writeCR3(value: number): void;
  /** INVLPG (486 model only: on a 386 it raises #UD, as the instruction does, and the kernel must reload CR3). */
  invlpg(linear: number): void;
  /** Descriptor-table registers: `base` is a linear address, as LGDT/LIDT take it. */
  lgdt(base: number, limit: number): void;
  lidt(base: number, limit: number): void;
  /** LTR: loads TR from a GDT selector and marks that TSS busy. */
  ltr(selector: number): void;
  /** LLDT: loads LDTR from a GDT selector (an LDT descriptor; a null selector leaves no LDT). */
  lldt(selector: number): void;
  /**
   * The stack pointer the guest goes on with when the host call returns: the trap entry stub pops
   * a trap frame from there and IRETs, so the kernel switches to another context by naming its frame.
   */
  setESP(value: number): void;
  /** Charges emulated cycles for work the kernel did, so emulated time reflects it. */
  chargeCycles(cycles: number): void;
  /** RDTSC: emulated cycles since power-on. */
  readTSC(): number;
  /** The TLB's event counters (hits, misses, flushes since power-on). */
  readTlbCounters(): TlbCounters;
  /**
   * A trace point: the kernel tells the machine's debugger of an event of its own, as a kernel
   * writes to a debug port (Bochs's, QEMU's debug exit): nothing else sees it, and it costs nothing
   * unless a monitor breakpoint waits for it. `frames` frames from physical address `addr` were
   * handed out to `owner` ('frame-alloc') or freed ('frame-free').
   */
  tracePoint(event: TraceEvent, addr: number, frames: number, owner: string): void;
  /**
   * The MMU's reference trace, as a performance-monitoring unit's trace buffer records events:
   * while it is on, every page reference that translates (data reads and writes, one fetch per
   * instruction run) is recorded with CR3, the linear page, the access, CPL 3 or not, and the
   * cycle. Starts nest: recording is on from the first start to the stop that matches it (the
   * `--trace-refs` option holds one start of its own from power-on). Recording slows the
   * machine down, never changes what it does.
   */
  refTraceStart(): void;
  /** Ends one start (throws when none is left to end: a kernel bug). */
  refTraceStop(): void;
  /**
   * The linear page numbers referenced at CPL 3 while CR3 (its page-directory base; the low 12
   * bits are ignored) equalled `cr3`, in order, since recording last went on or since the last
   * take for that `cr3`, a page repeated at once kept once whatever the access; the trace forgets
   * them. Empty when there are none. (A label for `cr3` forgets them too: see refTraceLabel.)
   */
  refTraceTake(cr3: number): Uint32Array;
  /**
   * Marks the trace: from now on, references under `cr3` belong to process `pid`, named `name`.
   * Written into the file when there is one (refTraceHasFile). The user pages kept for a take
   * under `cr3` are forgotten: they were another owner's (a page directory's frame is reused).
   */
  refTraceLabel(cr3: number, pid: number, name: string): void;
  /** Whether the machine was given a file to record the trace into (`--trace-refs FILE`). */
  refTraceHasFile(): boolean;
}
