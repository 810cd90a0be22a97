// What a machine is built from. Every field has a default, so `createMachine({})` is a usable PC.

import type { CpuModel } from './cpu/state.ts';
import type { BlockDevice } from './disk.ts';

export interface MachineConfig {
  /** RAM in bytes (a whole number of 4 KiB pages, at least 1 MiB). Default 32 MiB. */
  memoryBytes?: number;
  /** 386 (default) or 486: the 486 adds INVLPG, CR0.WP, BSWAP, XADD, CMPXCHG, CPUID. */
  cpu?: CpuModel;
  /** Firmware image mapped at the top of the first MiB and below 4 GiB (64 or 128 KiB). */
  rom?: Uint8Array;
  /** Receives each byte the guest writes to the 0xE9 debug console. */
  onDebugByte?: (byte: number) => void;
  /** Receives each byte the guest transmits on COM1. */
  onSerialByte?: (byte: number) => void;
  /** Disks on the primary ATA channel: master, then slave. */
  disks?: BlockDevice[];
  /** ATA latency in cycles: per command and per sector (defaults: 0.1 ms and 0.01 ms). */
  ataRequestCycles?: number;
  ataSectorCycles?: number;
  /** The CPU clock in Hz, which converts device rates (the PIT's 1.193182 MHz) into cycles. Default 33 MHz. */
  clockHz?: number;
}

export const DEFAULT_MEMORY_BYTES = 32 * 1024 * 1024;

export interface ResolvedConfig {
  memoryBytes: number;
  cpu: CpuModel;
  rom: Uint8Array | null;
  onDebugByte: (byte: number) => void;
  onSerialByte: (byte: number) => void;
  clockHz: number;
  disks: BlockDevice[];
  ataRequestCycles: number | undefined;
  ataSectorCycles: number | undefined;
}

export function resolveConfig(c: MachineConfig): ResolvedConfig {
  return {
    memoryBytes: c.memoryBytes ?? DEFAULT_MEMORY_BYTES,
    cpu: c.cpu ?? 386,
    rom: c.rom ?? null,
    onDebugByte: c.onDebugByte ?? (() => {}),
    onSerialByte: c.onSerialByte ?? (() => {}),
    clockHz: c.clockHz ?? 33_000_000,
    disks: c.disks ?? [],
    ataRequestCycles: c.ataRequestCycles,
    ataSectorCycles: c.ataSectorCycles,
  };
}
