// The architectural state of one i386, as plain typed data (registers, segment caches, control
// and descriptor-table registers), plus the caches the interpreter keeps beside it (TLB, decoded
// blocks). Behaviour lives in the modules that take a Cpu; this file only holds and resets state.
//
// Conventions: 32-bit quantities are stored as signed int32 (`x | 0`) so that V8 keeps them as
// small integers; compare them unsigned with `>>> 0`. EFLAGS' six arithmetic flags are lazy and
// owned by flags.ts: read them only through its getters.

import type { PhysicalMemory } from '../memory/physical.ts';
import type { IoPorts } from '../memory/ioports.ts';
import { CS, ZERO } from './registers.ts';
import type { BlockCache } from './blocks.ts';
import type { Insn } from './insn.ts';
import type { CpuFault } from './faults.ts';
import { RefRecorder } from './refs.ts';

export type CpuModel = 386 | 486;

/** EFLAGS bits (i386 PRM, "Flags Register"). */
export const CF = 1 << 0, PF = 1 << 2, AF = 1 << 4, ZF = 1 << 6, SF = 1 << 7, TF = 1 << 8,
  IF = 1 << 9, DF = 1 << 10, OF = 1 << 11, IOPL = 3 << 12, NT = 1 << 14, RF = 1 << 16, VM = 1 << 17,
  AC = 1 << 18;
export const ARITH_FLAGS = CF | PF | AF | ZF | SF | OF;
/** Bit 1 of EFLAGS always reads as 1. */
export const EFLAGS_FIXED = 1 << 1;

/** CR0 bits (i386 PRM, "Control Registers"; WP, NE, AM exist from the 486). */
export const CR0_PE = 1 << 0, CR0_MP = 1 << 1, CR0_EM = 1 << 2, CR0_TS = 1 << 3, CR0_ET = 1 << 4,
  CR0_NE = 1 << 5, CR0_WP = 1 << 16, CR0_AM = 1 << 18, CR0_PG = 1 << 31;

/** Descriptor cache attribute bits we keep per segment register (see segments.ts). */
export const SEG_PRESENT = 1 << 0, SEG_WRITABLE = 1 << 1, SEG_READABLE = 1 << 2, SEG_CODE = 1 << 3,
  SEG_DB = 1 << 4, SEG_EXPAND_DOWN = 1 << 5, SEG_CONFORMING = 1 << 6, SEG_USABLE = 1 << 7;

export class Cpu {
  readonly model: CpuModel;
  readonly phys: PhysicalMemory;
  readonly io: IoPorts;
  /** RAM, straight from PhysicalMemory: the fast path reads and writes it directly. */
  readonly mem8: Uint8Array;
  readonly memView: DataView;

  /** General registers EAX..EDI, plus ZERO (index 8), which always reads 0. */
  readonly reg = new Int32Array(9);
  /** The same register file seen as 16-bit halves: reg16[r << 1] is the low word of reg r. */
  readonly reg16 = new Uint16Array(this.reg.buffer);
  /** ... and as bytes: see REG8_BYTE for where AL..BH sit. */
  readonly reg8 = new Uint8Array(this.reg.buffer);

  eip = 0;
  /** EIP of the instruction being executed: where a fault rolls back to. */
  insnStart = 0;
  /** EFLAGS, except that the six arithmetic flags live in the lazy fields while lop !== LOP_NONE. */
  flags = EFLAGS_FIXED;
  // Lazy arithmetic flags (flags.ts): the operation, its operands and result, their size in bits,
  // and an auxiliary word (carry-in, or eagerly computed CF/OF/AF for ops that have their own rules).
  lop = 0;
  la = 0;
  lb = 0;
  lr = 0;
  lsize = 32;
  laux = 0;

  // Segment registers: the visible selector and the hidden descriptor cache.
  readonly seg = new Uint16Array(6);
  readonly segBase = new Int32Array(6);
  readonly segLimit = new Uint32Array(6);
  /** Lowest and highest valid offset (differ from 0..limit for expand-down segments). */
  readonly segMin = new Float64Array(6);
  readonly segMax = new Float64Array(6);
  /** Highest writable offset: -1 for a read-only segment, so every write fails the check. */
  readonly segWMax = new Float64Array(6);
  readonly segAttr = new Int32Array(6);
  /** DPL of each cached descriptor. */
  readonly segDpl = new Uint8Array(6);

  /** Current privilege level (the RPL of CS in protected mode; 0 in real mode, 3 in v86). */
  cpl = 0;
  /** Default operand/address size of the code segment (CS.D) and stack size (SS.B). */
  code32 = false;
  stack32 = false;

  cr0 = 0;
  cr2 = 0;
  cr3 = 0;
  cr4 = 0;
  readonly dr = new Int32Array(8);

  gdtrBase = 0;
  gdtrLimit = 0xffff;
  idtrBase = 0;
  idtrLimit = 0x3ff;
  ldtrSel = 0;
  ldtrBase = 0;
  ldtrLimit = 0;
  trSel = 0;
  trBase = 0;
  trLimit = 0;
  /** Descriptor type of the loaded TSS (9/11: 386 TSS, 1/3: 286 TSS). */
  trType = 0;

  halted = false;
  /** Asks run() to return to the board at the next block boundary (a device needs attention). */
  stopRequested = false;
  /**
   * A task switch entered a TSS with its T bit set: #DB (a trap, DR6.BT) is taken before the new
   * task's first instruction (i386 PRM 12.3.1.5, "Task-Switch Breakpoint").
   */
  taskSwitchTrap = false;
  /** Set by a triple fault: why the processor shut down (the board resets or stops). */
  shutdownReason: string | null = null;
  /** Emulated clock cycles since reset: the machine's only measure of time. */
  cycles = 0;
  /** Instructions retired since reset. */
  instructions = 0;
  /** Set by anything that makes the rest of the current decoded block wrong to run (SMC, mode change). */
  blockExit = false;
  /**
   * Linear address of the REP string instruction that stopped after a chunk of iterations
   * (string.ts) and will resume, or -1: its base clocks were charged already, so the resumed
   * dispatch hands them back.
   */
  repResume = -1;
  /** Interrupt shadow: set by MOV SS / POP SS / STI so that the next instruction runs before interrupts. */
  inhibitIrq = false;
  /** The interrupt controller's request line (set by the board; step() asks `ackIrq` for the vector). */
  irqPending = false;
  ackIrq: () => number = () => -1;
  nmiPending = false;
  /** An NMI handler is running: further NMIs wait in nmiPending until the next IRET. */
  nmiBlocked = false;

  // --- translation state (tlb.ts, paging.ts) ---
  /**
   * One entry per linear page: 0 when nothing is cached, else the physical page base in the high
   * 20 bits and TLB_* permission bits below (tlb.ts). Sized for the whole 4 GiB linear space so a
   * lookup is one index; only touched entries cost memory.
   */
  readonly tlb = new Int32Array(1 << 20);
  /** Linear page numbers of the entries now cached in `tlb`, so a flush clears only those. */
  tlbPages: number[] = [];
  /** Mask an entry must match (== TLB_VALID) for a direct read / write at the current CPL and CR0.WP. */
  readMask = 0;
  writeMask = 0;
  /** The 486's alignment check is active (CR0.AM, EFLAGS.AC, CPL 3): misaligned data accesses raise #AC(0). */
  alignCheck = false;
  /**
   * TLB counters: hits (accesses translated by a cached entry, counted on the fast path — with
   * paging off this is the identity map's cache), misses (page-table walks, paging on), flushes
   * (CR3 writes, CR0.PG changes, INVLPG).
   */
  tlbHits = 0;
  readonly tlbStats = { misses: 0, flushes: 0 };

  /**
   * Debugging hooks (debug/trace.ts). With traceInsn set, the run loop executes one instruction at
   * a time and calls it after each; traceInterrupt sees every interrupt and exception delivered.
   */
  traceInsn: ((cpu: Cpu, i: Insn, eip: number) => void) | null = null;
  traceInterrupt: ((cpu: Cpu, vector: number, errorCode: number, source: number) => void) | null = null;
  /**
   * The monitor's hooks (debug/monitor.ts), null while it has no breakpoint. The run loop never
   * looks at them: the monitor sets traceInsn too, so instructions run one at a time through
   * stepTraced (step.ts), the one place beforeInsn is asked; the others sit on cold paths.
   */
  debug: DebugHooks | null = null;

  /**
   * Bumped whenever what a linear EIP means for code may have changed (TLB flush, CPL, CS load,
   * cache clear): links between decoded blocks (blocks.ts) made under an older value are ignored.
   */
  chainGen = 0;
  /** Decoded-instruction cache, keyed by physical address; invalidated by writes to its pages. */
  blocks!: BlockCache;
  /**
   * The block compiler (compile.ts): a block is compiled to one JavaScript function when it has run
   * this many times. Infinity turns the compiler off (the interpreter runs everything); 1 compiles
   * every block the first time it runs (the cross-check against the interpreter uses both).
   */
  compileAfter = 1000;
  /**
   * A fault found and not thrown: the one a compiled block returned (compile.ts), for the run loop
   * to deliver, and a page fault translateTry found (paging.ts: translate throws it from here).
   */
  blockFault: CpuFault | null = null;
  /** Per physical page: 1 when decoded code is cached from it (writes there take the slow path); shared with PhysicalMemory. */
  readonly codePages: Uint8Array;
  /** The page references the MMU performs, recorded while a trace is on (refs.ts). */
  readonly refs = new RefRecorder();
  /** A read watchpoint is set (debug/breakpoints.ts): every data read takes the slow path (tlb.ts) and is shown to debug.read. */
  readWatch = false;

  constructor(phys: PhysicalMemory, io: IoPorts, model: CpuModel = 386) {
    this.phys = phys;
    this.io = io;
    this.model = model;
    this.mem8 = phys.ram;
    this.memView = phys.ramView;
    this.codePages = phys.codePages;
  }
}

/** What the monitor watches (debug/breakpoints.ts). Each may set cpu.stopRequested to stop the run. */
export interface DebugHooks {
  /** Before the instruction at CS:EIP runs (single-stepped): true stops the run before it. */
  beforeInsn(cpu: Cpu): boolean;
  /** An interrupt or exception is being delivered (after CR2 is set for a #PF). */
  interrupt(cpu: Cpu, vector: number, errorCode: number, source: number): void;
  /** CR3 was loaded (MOV CR3, HostPort.writeCR3, a task switch). */
  cr3Loaded(cpu: Cpu): void;
  /** INVLPG dropped the page of `lin`. */
  invlpg(cpu: Cpu, lin: number): void;
  /** A data read of linear `lin` at physical `phys` (only while readWatch is set). */
  read(cpu: Cpu, lin: number, phys: number): void;
  /** The kernel's trace point (HostPort.tracePoint): frames handed out or freed. */
  tracePoint(cpu: Cpu, event: 'frame-alloc' | 'frame-free', addr: number, frames: number, owner: string): void;
}

/** The reset state (i386 PRM, "Processor State After Reset"), less the caches' contents. */
export function resetRegisters(cpu: Cpu): void {
  cpu.reg.fill(0);
  cpu.reg[ZERO] = 0;
  // EDX holds the component and revision id after reset: 3 for a 386, 4 for a 486.
  cpu.reg[2] = cpu.model === 386 ? 0x0308 : 0x0402;
  cpu.eip = 0xfff0;
  cpu.flags = EFLAGS_FIXED;
  cpu.lop = 0;
  // ET reads as 1: the 386 reports a 387-style coprocessor interface.
  cpu.cr0 = CR0_ET;
  cpu.cr2 = 0;
  cpu.cr3 = 0;
  cpu.cr4 = 0;
  cpu.dr.fill(0);
  cpu.gdtrBase = 0;
  cpu.gdtrLimit = 0xffff;
  cpu.idtrBase = 0;
  cpu.idtrLimit = 0x3ff;
  cpu.ldtrSel = cpu.ldtrBase = cpu.ldtrLimit = 0;
  cpu.trSel = cpu.trBase = cpu.trLimit = cpu.trType = 0;
  for (let s = 0; s < 6; s++) {
    cpu.seg[s] = 0;
    cpu.segBase[s] = 0;
    cpu.segLimit[s] = 0xffff;
    cpu.segMin[s] = 0;
    cpu.segMax[s] = 0xffff;
    cpu.segWMax[s] = 0xffff;
    cpu.segAttr[s] = SEG_PRESENT | SEG_WRITABLE | SEG_READABLE | SEG_USABLE;
    cpu.segDpl[s] = 0;
  }
  // CS = F000 with base FFFF0000: the first fetch is from FFFFFFF0, the ROM's reset vector.
  cpu.seg[CS] = 0xf000;
  cpu.segBase[CS] = 0xffff0000 | 0;
  cpu.cpl = 0;
  cpu.code32 = false;
  cpu.stack32 = false;
  cpu.halted = false;
  cpu.inhibitIrq = false;
  cpu.nmiPending = false;
  cpu.nmiBlocked = false;
  cpu.repResume = -1;
  cpu.blockExit = true;
}
