// The ts386 kernel's view of the machine, for the monitor (emulator/debug/monitor.ts): processes
// and their page directories (under --mm segments, their partitions: base and limit), and the frame
// map by owner (the partitions' arena by partition and hole). The emulator never imports the kernel;
// cli/, the one place that sees both, builds this and hands it to machine.monitor.os.

import type { Machine, OsView } from '../emulator/index.ts';
import type { Kernel } from '../kernel/index.ts';

const PTE_P = 1, PTE_US = 4;
const hex8 = (v: number): string => (v >>> 0).toString(16).padStart(8, '0');

export function kernelOsView(machine: Machine, kernel: Kernel): OsView {
  const booted = (): void => {
    if (!kernel.booted) throw new Error('the ts386 kernel has not booted yet');
  };
  /** Which pid maps each user frame: its page tables' user entries, walked. */
  const userOwners = (): Map<number, number> => {
    const owner = new Map<number, number>();
    const phys = machine.phys;
    for (const p of kernel.procs.values()) {
      const pd = p.pd >>> 0;
      if (pd === 0) continue;
      for (let d = 0; d < 768; d++) {
        const pde = phys.read32(pd + d * 4) >>> 0;
        if ((pde & PTE_P) === 0 || (pde & PTE_US) === 0) continue;
        for (let t = 0; t < 1024; t++) {
          const pte = phys.read32(((pde & ~0xfff) + t * 4) >>> 0) >>> 0;
          if ((pte & PTE_P) !== 0) owner.set(pte >>> 12, p.pid);
        }
      }
    }
    return owner;
  };
  return {
    cr3Of(pid) {
      booted();
      const p = kernel.procs.get(pid);
      return p === undefined || p.pd === 0 ? null : p.pd >>> 0;
    },
    processes() {
      booted();
      const rows = [...kernel.procs.values()].map((p) => {
        const s = p.seg;
        if (s === null) return `pid ${p.pid} ${p.name} cr3=${hex8(p.pd)}`;
        // Under segments: the partition its LDT's segments start at (LDT: the monitor's `ldt`, while it runs).
        return s.where === 'in' ? `pid ${p.pid} ${p.name} partition base=${hex8(s.base)} limit=${hex8(s.size - 1)} code limit=${hex8(s.codeBytes - 1)}`
          : `pid ${p.pid} ${p.name} partition of ${s.size >> 10} KiB, ${s.where === 'out' ? 'rolled out to swap' : s.where}`;
      });
      return rows.length === 0 ? ['no processes'] : rows;
    },
    frames() {
      booted();
      const frames = kernel.frames;
      const users = userOwners();
      // Under segments the arena is reserved from the frame allocator ('kernel' to it): by partition.
      const part = new Map<number, string>();
      for (const e of kernel.segments?.partitions.entries() ?? []) {
        for (let f = e.start / 4096; f < (e.start + e.size) / 4096; f++) part.set(f, e.owner === 0 ? 'partitions: hole' : `partition pid ${e.owner}`);
      }
      const n = machine.phys.ramSize / 4096;
      const lines = ['physical range      frames owner'];
      let start = 0, cur = '';
      const flush = (end: number): void => {
        if (cur !== '') lines.push(`${hex8(start * 4096)}-${hex8(end * 4096 - 1)} ${String(end - start).padStart(6)} ${cur}`);
      };
      for (let f = 0; f < n; f++) {
        const o = frames.ownerOf((f * 4096) as Parameters<typeof frames.ownerOf>[0]);
        let what: string = part.get(f) ?? o ?? 'not RAM';
        if (o === 'user') what = users.has(f) ? `user pid ${users.get(f)}` : 'user (unmapped)';
        if (what !== cur) {
          flush(f);
          start = f;
          cur = what;
        }
      }
      flush(n);
      const s = frames.stats();
      lines.push(`${s.free} of ${s.total} frames free`);
      return lines;
    },
  };
}
