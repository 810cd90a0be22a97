// The run loop: deliver a pending interrupt, find the decoded block at CS:EIP, run its
// instructions, repeat until the cycle budget is spent. This is the one place where faults are
// caught: a handler throws a CpuFault where it detects one, and run() rolls EIP back to the
// faulting instruction and delivers the exception. See README.md beside this file for the design.

import { CpuFault, Vector } from './faults.ts';
import { interrupt, deliverException, INT_EXCEPTION, INT_EXTERNAL } from './interrupts.ts';
import type { Block } from './blocks.ts';
import type { Insn } from './insn.ts';
import { type Cpu, IF, RF, TF } from './state.ts';

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
      if ((cpu.flags & TF) !== 0 || cpu.traceInsn !== null) stepTraced(cpu);
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
    interrupt(cpu, Vector.NMI, -1, INT_EXTERNAL);
    return true;
  }
  if (cpu.irqPending && (cpu.flags & IF) !== 0) {
    const vector = cpu.ackIrq();
    if (vector >= 0) {
      cpu.insnStart = cpu.eip;
      interrupt(cpu, vector, -1, INT_EXTERNAL);
      return true;
    }
  }
  return false;
}

function runBlocks(cpu: Cpu, until: number): void {
  const blocks = cpu.blocks;
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
    prev = block;
    const insns = block.insns;
    const ipMask = cpu.code32 ? -1 : 0xffff;
    const n = insns.length < limit ? insns.length : limit;
    cpu.blockExit = false;
    for (let k = 0; k < n; k++) {
      const i: Insn = insns[k]!;
      cpu.insnStart = cpu.eip;
      cpu.eip = (cpu.eip + i.len) & ipMask;
      cpu.cycles += i.cycles;
      i.handler(cpu, i);
      cpu.instructions++;
      if (cpu.blockExit) break;
    }
  }
}

/**
 * One instruction at a time: for single-step mode (TF set when an instruction starts: after the
 * instruction, a #DB trap with BS set in DR6, i386 PRM 12.3.1.4 "Single-Step Trap") and for the
 * instruction trace (cpu.traceInsn).
 */
function stepTraced(cpu: Cpu): void {
  if ((cpu.irqPending || cpu.nmiPending) && !cpu.inhibitIrq && serviceInterrupts(cpu)) return;
  cpu.inhibitIrq = false;
  cpu.insnStart = cpu.eip;
  const i = cpu.blocks.lookup(cpu).insns[0]!;
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
    interrupt(cpu, Vector.DB, -1, INT_EXCEPTION);
  }
}
