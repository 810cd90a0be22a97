// Runs a few instructions, assembled by GNU as (Intel syntax), from a given register and flag
// state, for the shift, multiply/divide, BCD and bit-instruction tests. 32-bit code runs in flat
// protected mode; 16-bit code in real mode with an IVT whose vectors 0-31 each point at a HLT of
// their own, so that which exception was raised, and its stack frame, can be read back.

import { getEflags } from '../../../../emulator/cpu/flags.ts';
import type { Cpu, CpuModel } from '../../../../emulator/cpu/state.ts';
import { flat32, realMode, runToHalt, type TestMachine } from '../../../harness/cpu.ts';
import { asmIntel } from '../../../harness/gas.ts';

/** Assembles Intel-syntax `src` as 16- or 32-bit code. */
export const asm = asmIntel;

/** General registers by name (32-bit values), and EFLAGS. */
export interface Regs {
  eax?: number; ecx?: number; edx?: number; ebx?: number;
  esp?: number; ebp?: number; esi?: number; edi?: number;
  flags?: number;
}
const NAMES = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'] as const;

export interface Run {
  t: TestMachine;
  cpu: Cpu;
  /** Register value as an unsigned 32-bit number. */
  r(name: (typeof NAMES)[number]): number;
  /** EFLAGS after the run. */
  flags: number;
  /** Clocks spent, including the final HLT. */
  cycles: number;
  /** Where the code starts (EIP), for rerun(). */
  start: number;
}

/** Flat-mode address of the data area that tests use for memory operands. */
export const DATA = 0x20000;
/** Real-mode address (segment 0) of the HLT that IVT vector 0 points to; vector v's is at HANDLER + v. */
export const HANDLER = 0x0800;

/** Loads `init`; general registers it does not name (ESP excepted) are zeroed. */
function setState(cpu: Cpu, init: Regs): void {
  NAMES.forEach((n, k) => {
    const v = init[n];
    if (v !== undefined) cpu.reg[k] = v;
    else if (n !== 'esp') cpu.reg[k] = 0;
  });
  cpu.lop = 0;
  cpu.flags = ((init.flags ?? 0) & 0x3f7fd7) | 2;
}

function finish(t: TestMachine, start: number): Run {
  const cpu = t.m.cpu;
  const before = cpu.cycles;
  const res = runToHalt(t, 100_000);
  if (res.reason !== 'halt') throw new Error(`run ended with ${res.reason}: ${cpu.shutdownReason ?? ''}`);
  return { t, cpu, r: (n) => cpu.reg[NAMES.indexOf(n)]! >>> 0, flags: getEflags(cpu), cycles: res.cycles - before, start };
}

/** Runs the same code again on the same machine (no new assembly or machine) from state `init`. */
export function rerun(prev: Run, init: Regs): Run {
  const cpu = prev.cpu;
  cpu.eip = prev.start;
  cpu.halted = false;
  setState(cpu, init);
  return finish(prev.t, prev.start);
}

/**
 * Runs `src` (then HLT) in flat 32-bit protected mode from the state `init`; `mem` bytes are written
 * first (e.g. [[DATA, [1, 2, 3]]]).
 */
export function run32(src: string, init: Regs = {}, opts: { mem?: Array<[number, number[]]>; cpu?: CpuModel } = {}): Run {
  const t = flat32([...asm(src, 32), 0xf4], { config: { cpu: opts.cpu ?? 386 } });
  for (const [addr, bytes] of opts.mem ?? []) t.m.phys.load(addr, Uint8Array.from(bytes));
  setState(t.m.cpu, init);
  return finish(t, t.m.cpu.eip);
}

/**
 * Runs `src` (then HLT) in real mode at 0000:1000 with SP = FFFE. IVT vector v (0-31) points at a
 * HLT at 0000:0800+v, so after an exception the run stops there with the frame on the stack.
 */
export function run16(src: string, init: Regs = {}, opts: { mem?: Array<[number, number[]]>; cpu?: CpuModel } = {}): Run {
  const t = realMode([...asm(src, 16), 0xf4], { config: { cpu: opts.cpu ?? 386 } });
  for (let v = 0; v < 32; v++) {
    t.m.phys.write16(v * 4, HANDLER + v);
    t.m.phys.write16(v * 4 + 2, 0);
    t.m.phys.write8(HANDLER + v, 0xf4);
  }
  for (const [addr, bytes] of opts.mem ?? []) t.m.phys.load(addr, Uint8Array.from(bytes));
  setState(t.m.cpu, { esp: 0xfffe, ...init });
  return finish(t, t.m.cpu.eip);
}

/** The real-mode exception frame at SS:SP after delivery: IP, CS, FLAGS. */
export function frame16(run: Run): { ip: number; cs: number; flags: number } {
  const sp = run.r('esp') & 0xffff;
  const p = run.t.m.phys;
  return { ip: p.read16(sp), cs: p.read16(sp + 2), flags: p.read16(sp + 4) };
}

/** The vector delivered by a run16(), or -1 when the code ran to its own HLT. */
export function vectorTaken(run: Run): number {
  const v = run.cpu.eip - 1 - HANDLER;
  return run.cpu.seg[1] === 0 && v >= 0 && v < 32 ? v : -1;
}
