// The emulator's public API: build a machine, run it. Everything else is internal.
export { createMachine, Machine, type RunResult, type StopReason } from './machine.ts';
export type { MachineConfig } from './config.ts';
