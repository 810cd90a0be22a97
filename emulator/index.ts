// The emulator's public API: everything cli/ and bench/ may use (lint rejects their importing any
// other emulator/ file; tests may reach inside). Build a machine and run it; give it disks, a
// terminal on COM1, a trace, or a Multiboot kernel; and hand the kernel the machine's HostPort.
// The rest is internal.

// The machine, and the HostPort it gives the TypeScript kernel (machine.hostPort).
export { createMachine, Machine, type RunResult, type StopReason } from './machine.ts';
// The monitor (machine.monitor): its commands as text, and the operating system's view cli/ may give it.
export { Monitor, type OsView } from './debug/monitor.ts';
// `--gdb [PORT]`: the GDB remote protocol (debug/gdbstub.ts) on a TCP port of 127.0.0.1 (Node only).
export { GdbStub } from './debug/gdbstub.ts';
export { DEFAULT_GDB_PORT, GdbServer } from './host/gdb-server.ts';
export type { MachineConfig } from './config.ts';
export type { HostPort } from './hostport.ts';
// Disks: images in memory, and (Node only) image files on the host.
export { MemoryDisk, type BlockDevice } from './disk.ts';
export { openDiskFile } from './host/disk-file.ts';
// The swap disk (Node only): a file the guest's pager writes through to, made at a size or a temporary one.
export {
  createTempSwapFile, DEFAULT_SWAP_BYTES, isSwapSize, MAX_SWAP_BYTES, MIN_SWAP_BYTES, openSwapFile, type OtherFile,
  SWAP_SIZE_RULE, type SwapFile,
} from './host/swap-file.ts';
// Other files named on the command line (Node only): firmware and kernels, read whole after a
// look at what they are, and the files COM1, the debug console and the trace are written to.
export { readInputFile } from './host/input-file.ts';
export { OutputFile } from './host/output-file.ts';
// COM1 on the user's terminal, and the modem-status inputs a front end drives (carrier, ready).
export { attachTerminal, EscapeDecoder, escapeHelp } from './host/terminal-serial.ts';
export { MSR_CTS, MSR_DCD, MSR_DSR } from './devices/uart16550.ts';
// `--trace`, and `--kernel`'s report of a file that is not a Multiboot kernel.
export { attachTrace, parseTraceKinds, type TraceKind } from './debug/trace.ts';
// `--trace-refs FILE`: the MMU's page references in a file, and `ts386 refs FILE`'s reader of it.
export { ACCESS_NAMES, attachRefTrace, readRefFile, RefFileError, type RefFileVisitor, type RefFileWriter } from './debug/refs-file.ts';
export { MultibootError } from './multiboot.ts';
// Starting without firmware: the processor put straight into flat 32-bit protected mode (bench --boot=kernel).
export { enterFlatProtectedMode } from './cpu/segments.ts';
