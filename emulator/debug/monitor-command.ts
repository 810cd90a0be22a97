// What a monitor command is, what it is given, and the helpers every group uses to read its
// arguments and the machine's memory without side effects.

import { peekTranslate } from '../cpu/paging.ts';
import { REG32_NAMES } from '../cpu/registers.ts';
import { CR0_PG } from '../cpu/state.ts';
import type { Cpu } from '../cpu/state.ts';
import type { IoPorts } from '../memory/ioports.ts';
import type { PhysicalMemory } from '../memory/physical.ts';
import type { Breakpoints } from './breakpoints.ts';

/** A mistake in what was typed: the monitor prints `CMD: message` and goes on. */
export class MonitorError extends Error {}

/**
 * What the operating system running on the machine knows and the hardware does not: given by
 * the host (cli/ builds it from the ts386 kernel), so the emulator never imports a kernel.
 */
export interface OsView {
  /** The page directory of process `pid` (a CR3 value), or null if there is no such process. */
  cr3Of(pid: number): number | null;
  /** The processes, one line each. */
  processes(): string[];
  /** The physical frame map by owner, as lines. */
  frames(): string[];
}

/** What the commands use of the machine (machine.ts's Machine, which makes the monitor, is one). */
export interface MonitorMachine {
  readonly cpu: Cpu;
  readonly phys: PhysicalMemory;
  readonly io: IoPorts;
  run(maxCycles: number): { reason: string };
}

/** What the commands use of the monitor (monitor.ts's Monitor): the host's view and outputs. */
export interface MonitorHost {
  readonly os: OsView | null;
  readonly openFile: ((path: string) => { line: (text: string) => void; close: () => void }) | null;
  onOutput(text: string): void;
}

export interface MonitorContext {
  machine: MonitorMachine;
  breakpoints: Breakpoints;
  monitor: MonitorHost;
}

export interface MonitorCommand {
  name: string;
  /** The command and its arguments, for help. */
  usage: string;
  /** One line: what it does. */
  help: string;
  run(ctx: MonitorContext, args: string[]): string;
}

export const hex8 = (v: number): string => (v >>> 0).toString(16).padStart(8, '0');
export const hex = (v: number, digits: number): string => (v >>> 0).toString(16).padStart(digits, '0');

/**
 * A number as typed: 0x... hex, plain decimal, or $reg (a 32-bit register, $eip, $cr2 or $cr3), as a uint32.
 * `what` names it in the error.
 */
export function parseNumber(ctx: MonitorContext, text: string | undefined, what: string): number {
  if (text === undefined) throw new MonitorError(`missing ${what}`);
  const cpu = ctx.machine.cpu;
  if (text.startsWith('$')) {
    const r = text.slice(1).toLowerCase();
    if (r === 'eip') return cpu.eip >>> 0;
    if (r === 'cr2') return cpu.cr2 >>> 0;
    if (r === 'cr3') return cpu.cr3 >>> 0;
    const k = (REG32_NAMES as readonly string[]).indexOf(r);
    if (k < 0) throw new MonitorError(`bad ${what} '${text}': no register ${r}`);
    return cpu.reg[k]! >>> 0;
  }
  const v = /^0x[0-9a-f]+$/i.test(text) ? parseInt(text.slice(2), 16) : /^[0-9]+$/.test(text) ? parseInt(text, 10) : NaN;
  if (!Number.isFinite(v) || v > 0xffffffff) throw new MonitorError(`bad ${what} '${text}': expected a number (0x1000, 4096 or $reg) below 2^32`);
  return v;
}

/** Rejects arguments beyond `max`. */
export function noMoreArgs(args: string[], max: number): void {
  if (args.length > max) throw new MonitorError(`unexpected '${args[max]}'`);
}

/**
 * The physical address of linear `lin` through the current CR3 as the page tables say now (no A/D
 * bits set, no TLB filled, no fault), or -1 when it is not mapped.
 */
export function linearToPhysical(ctx: MonitorContext, lin: number): number {
  return peekTranslate(ctx.machine.cpu, lin | 0);
}

/** Reads `n` bytes at linear `lin` (through CR3 when paging is on); throws where a page is not mapped. */
export function readLinear(ctx: MonitorContext, lin: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  const phys = ctx.machine.phys;
  for (let k = 0; k < n; k++) {
    const a = (lin + k) >>> 0;
    const p = linearToPhysical(ctx, a);
    if (p < 0) throw new MonitorError(`0x${hex8(a)} is not mapped (the page walk under CR3=0x${hex8(ctx.machine.cpu.cr3)} faults: try walk 0x${hex8(a)})`);
    out[k] = phys.read8(p);
  }
  return out;
}

/** Reads `n` bytes of physical memory; throws past the end of RAM and ROM. */
export function readPhysical(ctx: MonitorContext, addr: number, n: number): Uint8Array {
  const phys = ctx.machine.phys;
  const out = new Uint8Array(n);
  for (let k = 0; k < n; k++) {
    const a = (addr + k) >>> 0;
    if (a >= phys.ramSize && a < 0xfff00000) throw new MonitorError(`physical 0x${hex8(a)} is beyond RAM (0x${hex8(phys.ramSize)} bytes)`);
    out[k] = phys.read8(a);
  }
  return out;
}

/** Whether paging is on. */
export const pagingOn = (ctx: MonitorContext): boolean => (ctx.machine.cpu.cr0 & CR0_PG) !== 0;
