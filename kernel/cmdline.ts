// The kernel's boot options, from its command line (`frames=bitmap heap=best`), as --append or the
// CLI's --frames/--heap pass them through the boot-info block.

import { FIT_POLICIES, type FitPolicy } from './mm/heap.ts';
import { ALLOCATIONS, SCOPES, type Allocation, type Scope } from './mm/allotment.ts';
import { GLOBAL_POLICY_NAMES, type GlobalPolicyName } from './mm/policy.ts';
import { LOAD_CONTROL_MODES, type LoadControlMode } from './proc/loadcontrol.ts';
import { RSS_POLICIES, type RssPolicy } from './mm/rss.ts';
import { FORK_MODES, type ForkMode } from './mm/vmm.ts';

export interface KernelOptions {
  frames: 'bitmap' | 'buddy';
  heap: FitPolicy;
  /** Global page replacement, when there is swap (a run's -p picks a process's own). */
  policy: GlobalPolicyName;
  /** Replacement among every process's pages (global), or within each process's share of the frames (local). */
  scope: Scope;
  /** How the frames are shared out under local replacement. */
  alloc: Allocation;
  /** Load control, the medium-term scheduler (proc/loadcontrol.ts). */
  loadControl: LoadControlMode;
  /** How a process's resident set is sized (mm/rss.ts): fixed (by replacement), pff or ws. */
  rss: RssPolicy;
  /** How fork copies an address space: copy-on-write (the default) or eagerly, every page at once. */
  fork: ForkMode;
  /** How processes get memory: pages (paging, the default) or one contiguous partition each (segments, proc/segments.ts). */
  mm: MemoryMode;
  /** Under mm=segments: where a partition goes among the holes. */
  fit: FitPolicy;
}

export const MEMORY_MODES = ['paging', 'segments'] as const;
export type MemoryMode = (typeof MEMORY_MODES)[number];

export function parseCmdline(cmdline: string): { options: KernelOptions; errors: string[] } {
  const options: KernelOptions = { frames: 'buddy', heap: 'first', policy: 'fifo', scope: 'global', alloc: 'equal', loadControl: 'off', rss: 'fixed', fork: 'cow', mm: 'paging', fit: 'first' };
  const errors: string[] = [];
  for (const word of cmdline.split(/\s+/).filter(Boolean)) {
    const eq = word.indexOf('=');
    const key = eq < 0 ? word : word.slice(0, eq);
    const value = eq < 0 ? undefined : word.slice(eq + 1);
    if (key === 'frames' && (value === 'bitmap' || value === 'buddy')) options.frames = value;
    else if (key === 'heap' && (FIT_POLICIES as readonly string[]).includes(value ?? '')) options.heap = value as FitPolicy;
    else if (key === 'policy' && (GLOBAL_POLICY_NAMES as readonly string[]).includes(value ?? '')) options.policy = value as GlobalPolicyName;
    else if (key === 'scope' && (SCOPES as readonly string[]).includes(value ?? '')) options.scope = value as Scope;
    else if (key === 'alloc' && (ALLOCATIONS as readonly string[]).includes(value ?? '')) options.alloc = value as Allocation;
    else if (key === 'rss' && (RSS_POLICIES as readonly string[]).includes(value ?? '')) options.rss = value as RssPolicy;
    else if (key === 'fork' && (FORK_MODES as readonly string[]).includes(value ?? '')) options.fork = value as ForkMode;
    else if (key === 'mm' && (MEMORY_MODES as readonly string[]).includes(value ?? '')) options.mm = value as MemoryMode;
    else if (key === 'fit' && (FIT_POLICIES as readonly string[]).includes(value ?? '')) options.fit = value as FitPolicy;
    else if (key === 'loadcontrol' && (LOAD_CONTROL_MODES as readonly string[]).includes(value ?? '')) options.loadControl = value as LoadControlMode;
    else errors.push(`unknown boot option '${word}'`);
  }
  return { options, errors };
}
