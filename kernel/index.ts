// The kernel's entry for its one caller, cli/ (and test/harness): make a kernel over a HostPort
// and give its onHostCall to the machine's host-call device.

import type { HostPort } from '../emulator/hostport.ts';
import { Hw } from './hw.ts';
import { Kernel } from './kernel.ts';

export { Kernel, HALT_EXIT_STATUS, PANIC_EXIT_STATUS } from './kernel.ts';
export { parseCmdline, type KernelOptions } from './cmdline.ts';
export { GLOBAL_POLICY_NAMES, POLICY_NAMES, WSCLOCK_TAU } from './mm/policy.ts';
export { ALLOCATIONS, SCOPES } from './mm/allotment.ts';
export { LOAD_CONTROL_MODES } from './proc/loadcontrol.ts';
export { RSS_POLICIES } from './mm/rss.ts';
export { FIT_POLICIES } from './mm/heap.ts';
export { MEMORY_MODES } from './cmdline.ts';
export { FORK_MODES } from './mm/vmm.ts';
export type { KernelStats } from './stats.ts';
export type { ProcAccount } from './proc/accounting.ts';

export function createKernel(port: HostPort, cmdline = ''): Kernel {
  return new Kernel(new Hw(port), cmdline);
}
