// The PC board: builds the CPU, physical memory, the I/O bus and the devices, and wires them.
// It is the one module that sees both the CPU and the devices.

import { BlockCache } from './cpu/blocks.ts';
import { ONE_BYTE, TWO_BYTE } from './cpu/opcodes.ts';
import { resetRegisters, Cpu } from './cpu/state.ts';
import { run } from './cpu/step.ts';
import { tlbFlush, updateAccessMasks } from './cpu/tlb.ts';
import { type MachineConfig, resolveConfig, type ResolvedConfig } from './config.ts';
import { DebugConsole } from './devices/debugcon.ts';
import { ExitPort } from './devices/exitport.ts';
import { Uart16550 } from './devices/uart16550.ts';
import { IoPorts, type PortHandler } from './memory/ioports.ts';
import { PhysicalMemory } from './memory/physical.ts';

/** Why run() returned. */
export type StopReason = 'exit' | 'halt' | 'shutdown' | 'cycles';

export interface RunResult {
  reason: StopReason;
  /** The status the guest wrote to the exit port, when reason is 'exit'. */
  exitStatus: number | null;
  cycles: number;
  instructions: number;
}

export class Machine {
  readonly config: ResolvedConfig;
  readonly phys: PhysicalMemory;
  readonly io: IoPorts;
  readonly cpu: Cpu;
  readonly com1: Uart16550;
  exitStatus: number | null = null;

  constructor(config: MachineConfig = {}) {
    this.config = resolveConfig(config);
    this.phys = new PhysicalMemory(this.config.memoryBytes);
    this.io = new IoPorts();
    this.cpu = new Cpu(this.phys, this.io, this.config.cpu);
    this.cpu.blocks = new BlockCache(this.cpu, ONE_BYTE, TWO_BYTE);
    this.phys.onMapChange = () => {
      // A ROM mapped or A20 toggled changes what physical addresses mean: drop what was cached.
      tlbFlush(this.cpu);
      this.cpu.blocks.clear();
    };
    // Writes that bypass the CPU (devices, the kernel) still drop stale decoded code.
    this.phys.onCodeWrite = (page) => this.cpu.blocks.invalidatePage(page);
    if (this.config.rom) this.phys.mapRom(this.config.rom);
    new DebugConsole(this.io, this.config.onDebugByte);
    this.com1 = new Uart16550(this.io, 0x3f8, this.config.onSerialByte);
    new FastA20Gate(this.io, this.phys);
    new ExitPort(this.io, (status) => {
      this.exitStatus = status;
      this.cpu.stopRequested = true;
    });
    this.reset();
  }

  /** The processor's reset: registers as the manual's reset table gives them, caches dropped. */
  reset(): void {
    resetRegisters(this.cpu);
    tlbFlush(this.cpu);
    this.cpu.blocks.clear();
    updateAccessMasks(this.cpu);
    this.cpu.shutdownReason = null;
    this.exitStatus = null;
  }

  /** Runs for at most `maxCycles` more cycles, or until the guest exits, halts for good or shuts down. */
  run(maxCycles: number): RunResult {
    const cpu = this.cpu;
    const until = cpu.cycles + maxCycles;
    let reason: StopReason = 'cycles';
    while (cpu.cycles < until) {
      cpu.stopRequested = false;
      run(cpu, until);
      if (this.exitStatus !== null) { reason = 'exit'; break; }
      if (cpu.shutdownReason !== null) { reason = 'shutdown'; break; }
      // Nothing can wake a halted processor until the board has timers to raise interrupts.
      if (cpu.halted) { reason = 'halt'; break; }
    }
    return { reason, exitStatus: this.exitStatus, cycles: cpu.cycles, instructions: cpu.instructions };
  }
}

export function createMachine(config: MachineConfig = {}): Machine {
  return new Machine(config);
}

/**
 * Port 0x92, "system control port A" (the PS/2 fast A20 gate): bit 1 opens A20. Bit 0 would reset
 * the processor; it is ignored until the board has a reset line.
 */
class FastA20Gate implements PortHandler {
  private readonly phys: PhysicalMemory;
  constructor(io: IoPorts, phys: PhysicalMemory) {
    this.phys = phys;
    io.register(0x92, 1, this);
  }
  read8(): number {
    return this.phys.a20Enabled ? 0x02 : 0x00;
  }
  write8(_port: number, value: number): void {
    this.phys.setA20((value & 2) !== 0);
  }
}
