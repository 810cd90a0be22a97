// Helpers for CPU-level tests: put bytes in memory, set up real mode or a flat 32-bit protected
// mode (as ../shared/bench's kernel.bin expects), run until HLT, and read the state back.

import { Machine, type RunResult } from '../../emulator/machine.ts';
import type { MachineConfig } from '../../emulator/config.ts';
import { CS, DS, ES, FS, GS, SS } from '../../emulator/cpu/registers.ts';
import { CR0_PE, SEG_CODE, SEG_DB, SEG_PRESENT, SEG_READABLE, SEG_USABLE, SEG_WRITABLE } from '../../emulator/cpu/state.ts';
import { updateSegmentBounds } from '../../emulator/cpu/segments.ts';
import { updateAccessMasks } from '../../emulator/cpu/tlb.ts';

export interface TestMachine {
  m: Machine;
  debug: number[];
  /** Bytes written to port 0xE9 as text. */
  text(): string;
}

export function newMachine(config: MachineConfig = {}): TestMachine {
  const debug: number[] = [];
  const m = new Machine({ memoryBytes: 16 * 1024 * 1024, ...config, onDebugByte: (b) => debug.push(b) });
  return { m, debug, text: () => String.fromCharCode(...debug) };
}

/** Real mode with CS = DS = ES = SS = `seg`, IP = `ip`, SP = 0xFFFE; `code` loaded at seg:ip. */
export function realMode(code: Uint8Array | number[], opts: { seg?: number; ip?: number; config?: MachineConfig } = {}): TestMachine {
  const t = newMachine(opts.config);
  const seg = opts.seg ?? 0;
  const ip = opts.ip ?? 0x1000;
  const cpu = t.m.cpu;
  t.m.phys.load(seg * 16 + ip, Uint8Array.from(code));
  for (const s of [ES, CS, SS, DS, FS, GS]) {
    cpu.seg[s] = seg;
    cpu.segBase[s] = seg << 4;
  }
  cpu.eip = ip;
  cpu.reg[4] = 0xfffe;
  return t;
}

/**
 * Flat 32-bit protected mode (CPL 0, 4 GiB code and data segments, paging off, IF = 0) with
 * `code` at `addr` and ESP = `stack` — without firmware, as a boot loader would leave it.
 */
export function flat32(code: Uint8Array | number[], opts: { addr?: number; stack?: number; config?: MachineConfig } = {}): TestMachine {
  const t = newMachine(opts.config);
  const addr = opts.addr ?? 0x10000;
  t.m.phys.load(addr, Uint8Array.from(code));
  enterFlat32(t.m, addr, opts.stack ?? 0x90000);
  return t;
}

export function enterFlat32(m: Machine, eip: number, esp: number): void {
  const cpu = m.cpu;
  cpu.cr0 |= CR0_PE;
  for (const s of [ES, CS, SS, DS, FS, GS]) {
    cpu.seg[s] = s === CS ? 0x08 : 0x10;
    cpu.segBase[s] = 0;
    cpu.segLimit[s] = 0xffffffff;
    cpu.segAttr[s] = SEG_PRESENT | SEG_USABLE | SEG_READABLE | SEG_DB | (s === CS ? SEG_CODE : SEG_WRITABLE);
    cpu.segDpl[s] = 0;
    updateSegmentBounds(cpu, s);
  }
  cpu.code32 = true;
  cpu.stack32 = true;
  cpu.cpl = 0;
  cpu.eip = eip;
  cpu.reg[4] = esp;
  updateAccessMasks(cpu);
  cpu.blockExit = true;
}

/** Runs until HLT, the exit port, shutdown, or `maxCycles`. */
export function runToHalt(t: TestMachine, maxCycles = 10_000_000): RunResult {
  return t.m.run(maxCycles);
}
