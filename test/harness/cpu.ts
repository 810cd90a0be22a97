// Helpers for CPU-level tests: put bytes in memory, set up real mode or a flat 32-bit protected
// mode (as ../shared/bench's kernel.bin expects), run until HLT, and read the state back.

import { Machine, type RunResult } from '../../emulator/machine.ts';
import type { MachineConfig } from '../../emulator/config.ts';
import { CS, DS, ES, FS, GS, SS } from '../../emulator/cpu/registers.ts';
import { enterFlatProtectedMode } from '../../emulator/cpu/segments.ts';

export interface TestMachine {
  m: Machine;
  debug: number[];
  /** Bytes written to port 0xE9 as text. */
  text(): string;
}

/**
 * A machine for a CPU test: 4 MiB of RAM unless `config` says otherwise. Small, since the suite
 * makes hundreds: each one's RAM counts towards the external memory that makes V8 collect
 * garbage (these files took a fifth more CPU time with 16 MiB machines).
 */
export function newMachine(config: MachineConfig = {}): TestMachine {
  const debug: number[] = [];
  const m = new Machine({ ...config, memoryBytes: config.memoryBytes ?? 4 * 1024 * 1024, onDebugByte: (b) => debug.push(b) });
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
  enterFlatProtectedMode(m.cpu, eip, esp);
}

/** Runs until HLT, the exit port, shutdown, or `maxCycles`. */
export function runToHalt(t: TestMachine, maxCycles = 10_000_000): RunResult {
  return t.m.run(maxCycles);
}
