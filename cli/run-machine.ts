// One boot for a command that runs many (`ts386 compare`, `ts386 thrash`), in a worker thread: a
// fresh machine with the built-in BIOS, the program disk (never written) and a temporary swap file,
// the ts386 kernel attached, its console captured; the swap file is gone and the disk closed
// however the run ends.

import { createMachine, createTempSwapFile, type Machine, MSR_CTS, MSR_DSR, openDiskFile } from '../emulator/index.ts';
import type { Kernel } from '../kernel/index.ts';
import { attachKernel } from './attach-kernel.ts';

export interface MachineSpec {
  memoryBytes: number;
  swapBytes: number;
  rom: Uint8Array;
  programDisk: string;
  /** The emulated clock (Hz); the machine's default when left out. */
  clockHz?: number;
  /** The kernel's command line. */
  cmdline: string;
}

/** Boots `spec` and hands `f` the machine, its kernel and the bytes COM1 has sent so far (a live array). */
export function withMachine<T>(spec: MachineSpec, f: (machine: Machine, kernel: Kernel, out: number[]) => T): T {
  const swap = createTempSwapFile(spec.swapBytes);
  let disk;
  try {
    disk = openDiskFile(spec.programDisk, { write: false });
  } catch (e) {
    swap.close();
    throw e;
  }
  try {
    const out: number[] = [];
    const machine = createMachine({
      memoryBytes: spec.memoryBytes, rom: spec.rom, disks: [disk, swap.disk],
      ...(spec.clockHz !== undefined ? { clockHz: spec.clockHz } : {}), onSerialByte: (b) => out.push(b),
    });
    // As for a script piped to ts386: nobody at a terminal (no carrier), ready to receive.
    machine.com1.setModemInputs(MSR_CTS | MSR_DSR);
    return f(machine, attachKernel(machine, spec.cmdline), out);
  } finally {
    disk.close?.();
    swap.close();
  }
}
