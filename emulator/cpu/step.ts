// The run loop: deliver a pending interrupt, find the decoded block at CS:EIP, run its
// instructions, repeat until the cycle budget is spent. This is where faults are caught: a handler
// throws a CpuFault where it detects one, and the loop that ran it (runBlocks, or run() for the
// rest) rolls EIP back to the faulting instruction and delivers the exception. See README.md
// beside this file for the design.

import { CpuFault, Vector } from './faults.ts';
import { chargeDelivery, interrupt, deliverException, INT_EXCEPTION, INT_EXTERNAL } from './interrupts.ts';
import { type Block, DIRECT } from './blocks.ts';
import { compileBlock } from './compile.ts';
import type { Insn } from './insn.ts';
import { ACCESS_EXEC } from './paging.ts';
import { CS } from './registers.ts';
import { type Cpu, CR0_PG, IF, RF, TF } from './state.ts';

/** DR6 bit 15, BT: the debug exception came from a task switch (i386 PRM 12.2.3, "Debug Status Register"). */
const DR6_BT = 1 << 15;

/**
 * Runs until cpu.cycles reaches `until`, the processor halts (HLT, shutdown), or it must return to
 * the board early (cpu.stopRequested). Returns the number of cycles run.
 */
export function run(cpu: Cpu, until: number): number {
  const start = cpu.cycles;
  while (cpu.cycles < until && !cpu.stopRequested) {
    if (cpu.halted) {
      if (!wakeFromHalt(cpu)) break;
    }
    try {
      if (cpu.taskSwitchTrap) {
        // The new task's T bit (tasks.ts): #DB with BT set in DR6, before its first instruction.
        cpu.taskSwitchTrap = false;
        cpu.dr[6] = cpu.dr[6]! | DR6_BT;
        cpu.insnStart = cpu.eip;
        chargeDelivery(cpu);
        interrupt(cpu, Vector.DB, -1, INT_EXCEPTION);
        continue;
      }
      if ((cpu.flags & TF) !== 0 || cpu.traceInsn !== null) stepTraced(cpu);
      else if (cpu.refs.on) runBlocksRecording(cpu, until);
      else runBlocks(cpu, until);
    } catch (e) {
      if (!(e instanceof CpuFault)) throw e;
      cpu.eip = cpu.insnStart;
      deliverException(cpu, e);
    }
  }
  return cpu.cycles - start;
}

/** A halted processor resumes on an interrupt it will take (or NMI). */
function wakeFromHalt(cpu: Cpu): boolean {
  if (cpu.shutdownReason !== null) return false;
  if ((cpu.nmiPending && !cpu.nmiBlocked) || (cpu.irqPending && (cpu.flags & IF) !== 0)) {
    cpu.halted = false;
    return true;
  }
  return false;
}

/** Takes a pending NMI or maskable interrupt at an instruction boundary; true if one was delivered. */
function serviceInterrupts(cpu: Cpu): boolean {
  if (cpu.nmiPending && !cpu.nmiBlocked) {
    // Taking an NMI blocks further NMIs until the next IRET (interrupts.ts, unblockNmi).
    cpu.nmiPending = false;
    cpu.nmiBlocked = true;
    cpu.insnStart = cpu.eip;
    chargeDelivery(cpu);
    interrupt(cpu, Vector.NMI, -1, INT_EXTERNAL);
    return true;
  }
  if (cpu.irqPending && (cpu.flags & IF) !== 0) {
    const vector = cpu.ackIrq();
    if (vector >= 0) {
      cpu.insnStart = cpu.eip;
      chargeDelivery(cpu);
      interrupt(cpu, vector, -1, INT_EXTERNAL);
      return true;
    }
  }
  return false;
}

/** Compiles `block` if it may be: a block the cache keeps (one decoded afresh is never run twice). */
function compile(block: Block): void {
  if (!block.valid || !block.cached) {
    block.runs = -0x7fffffff;
    return;
  }
  block.compiled = compileBlock(block.insns, (block.key & 1) === 1);
}

// runBlocks does not look at the reference recorder (refs.ts): whatever turns it on or off
// (HostPort, machine-host-port.ts) sets stopRequested, so the loop returns at the next block
// boundary and run() picks runBlocksRecording or runBlocks afresh.
function runBlocks(cpu: Cpu, until: number): void {
  const blocks = cpu.blocks;
  const D = DIRECT;
  let prev: Block | null = null;
  while (cpu.cycles < until) {
    // Interrupts are taken between blocks; the instruction after STI, MOV SS or POP SS runs first.
    let limit = 0x7fffffff;
    if (cpu.inhibitIrq) {
      cpu.inhibitIrq = false;
      limit = 1;
    } else if ((cpu.irqPending || cpu.nmiPending) && serviceInterrupts(cpu)) {
      prev = null;
      continue;
    }
    if (cpu.halted || cpu.stopRequested || (cpu.flags & TF) !== 0 || cpu.traceInsn !== null) return;

    // A fault while fetching or decoding the block's first instruction belongs to that instruction.
    cpu.insnStart = cpu.eip;
    let block: Block | null = prev !== null ? prev.follow(cpu.eip, cpu.chainGen) : null;
    if (block === null) {
      block = blocks.lookup(cpu);
      if (prev !== null) prev.link(cpu.eip, block, cpu.chainGen);
    }
    // A cached block was decoded under the CS limit of its time; if today's limit ends inside it,
    // decode afresh so the instruction past the limit faults (i386 PRM 6.3.1.2, "Limit Checking").
    if ((cpu.eip >>> 0) + block.span - 1 > (cpu.segLimit[CS]! >>> 0)) block = blocks.uncached(cpu);
    prev = block;
    const insns = block.insns, ops = block.ops;
    const ipMask = cpu.code32 ? -1 : 0xffff;
    const n = insns.length < limit ? insns.length : limit;
    cpu.blockExit = false;
    // A block that has run often enough runs compiled (compile.ts), unless only its first
    // instruction may run now (after STI or MOV SS).
    if (block.compiled === null && ++block.runs >= cpu.compileAfter) compile(block);
    if (block.compiled !== null && n === insns.length) {
      const r = block.compiled(cpu, cpu.eip, until);
      if (r >= 0) {
        cpu.instructions += r;
      } else {
        cpu.instructions += ~r;
        cpu.eip = cpu.insnStart;
        deliverException(cpu, cpu.blockFault!);
        cpu.blockFault = null;
        prev = null;
      }
      continue;
    }
    // A handler that changes EIP either ends its block or sets blockExit, so the EIP of the next
    // instruction can be kept in a local. Retired instructions are counted here too, and added to
    // cpu.instructions once per block (also when an instruction faults: it did not retire).
    let eip = cpu.eip;
    let retired = 0;
    try {
      for (let k = 0; k < n; k++) {
        const i: Insn = insns[k]!;
        cpu.insnStart = eip;
        cpu.eip = eip = (eip + i.len) & ipMask;
        cpu.cycles += i.cycles;
        // Case n calls DIRECT[n - 1] (blocks.ts): each call site sees one function.
        switch (ops[k]) {
          case 0: i.handler(cpu, i); break;
          case 1: D[0]!(cpu, i); break;
          case 2: D[1]!(cpu, i); break;
          case 3: D[2]!(cpu, i); break;
          case 4: D[3]!(cpu, i); break;
          case 5: D[4]!(cpu, i); break;
          case 6: D[5]!(cpu, i); break;
          case 7: D[6]!(cpu, i); break;
          case 8: D[7]!(cpu, i); break;
          case 9: D[8]!(cpu, i); break;
          case 10: D[9]!(cpu, i); break;
          case 11: D[10]!(cpu, i); break;
          case 12: D[11]!(cpu, i); break;
          case 13: D[12]!(cpu, i); break;
          case 14: D[13]!(cpu, i); break;
          case 15: D[14]!(cpu, i); break;
          case 16: D[15]!(cpu, i); break;
          case 17: D[16]!(cpu, i); break;
          case 18: D[17]!(cpu, i); break;
          case 19: D[18]!(cpu, i); break;
          case 20: D[19]!(cpu, i); break;
          case 21: D[20]!(cpu, i); break;
          case 22: D[21]!(cpu, i); break;
          case 23: D[22]!(cpu, i); break;
          case 24: D[23]!(cpu, i); break;
          case 25: D[24]!(cpu, i); break;
          case 26: D[25]!(cpu, i); break;
          case 27: D[26]!(cpu, i); break;
          case 28: D[27]!(cpu, i); break;
          case 29: D[28]!(cpu, i); break;
          case 30: D[29]!(cpu, i); break;
          case 31: D[30]!(cpu, i); break;
          case 32: D[31]!(cpu, i); break;
          case 33: D[32]!(cpu, i); break;
          case 34: D[33]!(cpu, i); break;
          case 35: D[34]!(cpu, i); break;
          case 36: D[35]!(cpu, i); break;
          case 37: D[36]!(cpu, i); break;
          case 38: D[37]!(cpu, i); break;
        }
        retired = k + 1;
        if (cpu.blockExit) break;
      }
    } catch (e) {
      cpu.instructions += retired;
      if (!(e instanceof CpuFault)) throw e;
      // A fault is delivered here, as run() would, rather than rethrown to it: V8's rethrow would
      // double what throwing a fault costs, and a guest under demand paging faults on every page.
      cpu.eip = cpu.insnStart;
      deliverException(cpu, e);
      prev = null;
      continue;
    }
    cpu.instructions += retired;
  }
}

/**
 * runBlocks while the reference recorder is on: the same blocks, with interrupts taken at the same
 * boundaries, so the machine runs exactly as it does unrecorded; and before each instruction
 * runs, its fetch reference. Apart from runBlocks so that runBlocks pays nothing for it.
 */
function runBlocksRecording(cpu: Cpu, until: number): void {
  const blocks = cpu.blocks;
  let prev: Block | null = null;
  while (cpu.cycles < until) {
    let limit = 0x7fffffff;
    if (cpu.inhibitIrq) {
      cpu.inhibitIrq = false;
      limit = 1;
    } else if ((cpu.irqPending || cpu.nmiPending) && serviceInterrupts(cpu)) {
      prev = null;
      continue;
    }
    if (cpu.halted || cpu.stopRequested || (cpu.flags & TF) !== 0 || cpu.traceInsn !== null || !cpu.refs.on) return;
    // Finding the block, as runBlocks does.
    cpu.insnStart = cpu.eip;
    let block: Block | null = prev !== null ? prev.follow(cpu.eip, cpu.chainGen) : null;
    if (block === null) {
      block = blocks.lookup(cpu);
      if (prev !== null) prev.link(cpu.eip, block, cpu.chainGen);
    }
    if ((cpu.eip >>> 0) + block.span - 1 > (cpu.segLimit[CS]! >>> 0)) block = blocks.uncached(cpu);
    prev = block;
    const insns = block.insns;
    const ipMask = cpu.code32 ? -1 : 0xffff;
    const n = insns.length < limit ? insns.length : limit;
    cpu.blockExit = false;
    let eip = cpu.eip;
    let retired = 0;
    try {
      for (let k = 0; k < n; k++) {
        const i: Insn = insns[k]!;
        cpu.insnStart = eip;
        recordFetch(cpu, eip);
        cpu.eip = eip = (eip + i.len) & ipMask;
        cpu.cycles += i.cycles;
        i.handler(cpu, i);
        retired = k + 1;
        if (cpu.blockExit) break;
      }
    } finally {
      cpu.instructions += retired;
    }
  }
}

/**
 * The fetch reference of the instruction at CS:`eip`, about to run: the page of its first byte.
 * A REP instruction going on after a chunk of iterations (string.ts, yieldRep) is the same
 * instruction, fetched once, as it is counted once.
 */
function recordFetch(cpu: Cpu, eip: number): void {
  if ((cpu.cr0 & CR0_PG) === 0) return;
  const lin = (cpu.segBase[CS]! + eip) | 0;
  if (cpu.repResume === lin) return;
  cpu.refs.record(cpu.cr3, lin >>> 12, ACCESS_EXEC, cpu.cpl === 3, cpu.cycles);
}

/**
 * One instruction at a time: for single-step mode (TF set when an instruction starts: after the
 * instruction, a #DB trap with BS set in DR6, i386 PRM 12.3.1.4 "Single-Step Trap") and for the
 * instruction trace (cpu.traceInsn).
 */
function stepTraced(cpu: Cpu): void {
  if ((cpu.irqPending || cpu.nmiPending) && !cpu.inhibitIrq && serviceInterrupts(cpu)) return;
  // The monitor's breakpoints stop here, before the instruction, with nothing of it done.
  if (cpu.debug !== null && cpu.debug.beforeInsn(cpu)) {
    cpu.stopRequested = true;
    return;
  }
  cpu.inhibitIrq = false;
  cpu.insnStart = cpu.eip;
  const i = cpu.blocks.lookup(cpu).insns[0]!;
  if (cpu.refs.on) recordFetch(cpu, cpu.insnStart);
  const tfBefore = (cpu.flags & TF) !== 0 && (cpu.flags & RF) === 0;
  cpu.eip = (cpu.eip + i.len) & (cpu.code32 ? -1 : 0xffff);
  cpu.cycles += i.cycles;
  i.handler(cpu, i);
  cpu.instructions++;
  cpu.traceInsn?.(cpu, i, cpu.insnStart);
  cpu.flags &= ~RF;
  // INT n, INT3, INTO and INT1 that deliver their interrupt clear TF on the way in: the handler is
  // not single-stepped, and no trap follows the INT itself (it comes after the handler's IRET).
  const deliveredInt = (i.opcode === 0xcc || i.opcode === 0xcd || i.opcode === 0xce || i.opcode === 0xf1) && (cpu.flags & TF) === 0;
  if (tfBefore && !cpu.halted && !deliveredInt) {
    cpu.dr[6] = cpu.dr[6]! | (1 << 14);
    cpu.insnStart = cpu.eip;
    chargeDelivery(cpu);
    interrupt(cpu, Vector.DB, -1, INT_EXCEPTION);
  }
}
