// Connects the TypeScript kernel to a machine: the kernel gets the machine's HostPort, and the
// host-call device calls the kernel's entry on every host call. The firmware finds the kernel
// attached (port E0h) and boots it when no disk has a boot sector.

import type { Machine } from '../emulator/index.ts';
import { createKernel, type Kernel } from '../kernel/index.ts';

export function attachKernel(machine: Machine, cmdline: string): Kernel {
  const kernel = createKernel(machine.hostPort, cmdline);
  machine.hostcall.attach((arg) => kernel.onHostCall(arg), cmdline);
  return kernel;
}
