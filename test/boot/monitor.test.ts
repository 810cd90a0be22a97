// The monitor over the booted ts386 kernel: page walks, address spaces, the TLB and its stale
// entries, the tables, the kernel's view (processes, frames), and each memory-management
// breakpoint stopping where it should while a program runs. Cycle budgets, no wall clock.
import { describe, expect, it } from 'vitest';
import { kernelOsView } from '../../cli/os-view.ts';
import { invlpg, writeCr3 } from '../../emulator/cpu/ops/system.ts';
import { bootKernel, KernelMachine } from '../harness/kernel.ts';

const BUDGET = 200_000_000;
const hex8 = (v: number): string => (v >>> 0).toString(16).padStart(8, '0');

function boot(cpu: 386 | 486 = 386, swapBytes?: number): KernelMachine {
  const k = bootKernel({ cpu, swapBytes });
  k.machine.monitor.os = kernelOsView(k.machine, k.kernel);
  return k;
}

/** Types a command and runs until the monitor stops the machine; fails if it does not within the budget. */
function runToStop(k: KernelMachine, line: string): string {
  k.type(`${line}\r`);
  const r = k.machine.run(BUDGET);
  expect(r.reason, `the machine did not stop: ${k.transcript.slice(-300)}`).toBe('debug');
  return k.machine.monitor.breakpoints.reason;
}

describe('monitor on the ts386 kernel: paging', () => {
  it('walk shows each level\'s entry in words and the physical address, or where the walk faults', () => {
    const k = boot();
    const m = k.machine.monitor;
    const w = m.execute('walk $eip');
    expect(w).toMatch(/^walk 0xc0\w{6} under CR3=0x\w{8}\n {2}PDE\[768\] at 0x\w{8} = 0x\w{8}: present, writable, supervisor/);
    expect(w).toMatch(/-> physical 0x\w{8} \(supervisor only, writable\)$/);
    expect(m.execute('walk 0x40000000')).toMatch(/PDE\[256\] at 0x\w{8} = 0x00000000: not present\n {2}faults: #PF, the page directory entry is not present$/);
  });

  it('maps lists the kernel\'s mapped ranges with permissions; pid N walks a process\'s space', () => {
    const k = boot();
    const m = k.machine.monitor;
    expect(m.execute('maps')).toMatch(/^mapped under CR3=0x\w{8} \(start-end size perms\):\n00000000-00400000 00400000 srw\nc0000000-/);
    // A process stopped at its first fault: its space has its user pages.
    m.execute('break pf 0x08048000 0x0804ffff');
    runToStop(k, 'run hello');
    const ps = m.execute('ps');
    const pid = /pid (\d+) hello cr3=(\w+)/.exec(ps);
    expect(pid, ps).not.toBeNull();
    expect(m.execute(`maps pid ${pid![1]}`)).toMatch(/^mapped under CR3=0x/);
    expect(m.execute(`walk 0x08048000 pid ${pid![1]}`)).toContain(`under CR3=0x${pid![2]}`);
    expect(m.execute('walk 0 pid 999')).toBe('walk: no process 999');
  });

  it('tlb lists the cached translations; tlb check names a stale one until INVLPG or a CR3 load', () => {
    for (const flush of ['invlpg', 'cr3'] as const) {
      const k = boot(486);
      const m = k.machine.monitor, cpu = k.machine.cpu, phys = k.machine.phys;
      // A translation the TLB holds: the kernel's code page at EIP.
      const lin = (cpu.eip >>> 0) & ~0xfff;
      expect(m.execute('tlb')).toContain(`${hex8(lin)} -> `);
      expect(m.execute('tlb check')).toMatch(/none stale/);
      // Change its PTE in guest memory, as a kernel that forgets to flush would.
      const pde = phys.read32(((cpu.cr3 & ~0xfff) + (lin >>> 22) * 4) >>> 0);
      const pteAddr = ((pde & ~0xfff) + ((lin >>> 12) & 0x3ff) * 4) >>> 0;
      const pte = phys.read32(pteAddr) >>> 0;
      phys.write32(pteAddr, (pte + 0x1000) >>> 0);
      const check = m.execute('tlb check');
      expect(check).toMatch(/^1 of \d+ entries stale/);
      expect(check).toContain(`stale: ${hex8(lin)} -> ${hex8(pte & ~0xfff)} srw, but the tables map it to ${hex8((pte & ~0xfff) + 0x1000)}`);
      if (flush === 'invlpg') invlpg(cpu, lin);
      else writeCr3(cpu, cpu.cr3);
      expect(m.execute('tlb check')).toMatch(/none stale/);
      expect(m.execute('tlb')).not.toContain(`${hex8(lin)} -> `);
    }
  });

  it('gdt, idt and tss decode the kernel\'s tables', () => {
    const k = boot();
    const m = k.machine.monitor;
    expect(m.execute('gdt')).toMatch(/0008 base=00000000 limit=ffffffff code readable 32-bit.*dpl=0\n0010 .*data writable.*\n0018 .*dpl=3\n0020 .*dpl=3\n0028 base=\w{8} limit=00000067 32-bit TSS \(busy\) dpl=0/);
    expect(m.execute('idt')).toMatch(/\n0eh 32-bit interrupt gate -> 0008:c0\w{6} dpl=0\n/);
    expect(m.execute('tss')).toMatch(/^TR=0028 base=\w{8} limit=0067 link=0000\nesp0=\w{8} ss0=0010/);
  });

  it('frames, ps and pid N before the kernel has booted: one line each', () => {
    const k = new KernelMachine();
    k.machine.monitor.os = kernelOsView(k.machine, k.kernel);
    expect(k.machine.monitor.execute('frames')).toBe('frames: the ts386 kernel has not booted yet');
    expect(k.machine.monitor.execute('ps')).toBe('ps: the ts386 kernel has not booted yet');
    expect(k.machine.monitor.execute('maps pid 1')).toBe('maps: the ts386 kernel has not booted yet');
  });

  it('frames shows the frame map by owner, with the user frames by pid', () => {
    const k = boot();
    const m = k.machine.monitor;
    m.execute('break pf 0x08048000 0x0804ffff code 4');
    runToStop(k, 'run hello');
    const f = m.execute('frames');
    expect(f).toMatch(/^physical range {6}frames owner\n/);
    expect(f).toMatch(/ pagedir\n/);
    expect(f).toMatch(/ user pid \d+\n/);
    expect(f).toMatch(/\d+ of \d+ frames free$/);
  });
});

describe('monitor on the ts386 kernel: --mm segments', () => {
  it('ps gives each process\'s partition, ldt its descriptors, frames the arena by partition and hole', () => {
    const k = bootKernel({ cmdline: 'mm=segments', memoryBytes: 4 << 20 });
    k.machine.monitor.os = kernelOsView(k.machine, k.kernel);
    const m = k.machine.monitor;
    k.command('run memhog 60 60000 a &');
    k.runUntil('memhog a: 60 KiB at');
    const s = [...k.kernel.procs.values()][0]!.seg!;
    expect(m.execute('ps')).toBe(`pid 1 memhog partition base=${hex8(s.base)} limit=00018fff code limit=${hex8(s.codeBytes - 1)}`);
    expect(m.execute('frames')).toMatch(new RegExp(`${hex8(s.base)}-${hex8(s.base + 100 * 1024 - 1)} +25 partition pid 1\n${hex8(s.base + 100 * 1024)}-003fffff +\\d+ partitions: hole\n`));
    // The machine is in the idle loop: the LDT loaded is the last process's.
    expect(m.execute('ldt')).toMatch(new RegExp(`\\n0004 base=${hex8(s.base)} limit=${hex8(s.codeBytes - 1)} code readable 32-bit accessed dpl=3\\n000c base=${hex8(s.base)} limit=00018fff data writable 32-bit accessed dpl=3$`));
  });
});

describe('monitor on the ts386 kernel: memory-management breakpoints', () => {
  it('break pf stops at the first page fault of a program, with CR2 in the range given', () => {
    const k = boot();
    const m = k.machine.monitor;
    expect(m.execute('break pf 0x08048000 0x0804ffff')).toBe('breakpoint 1: page fault with CR2 in 08048000-0804ffff');
    const why = runToStop(k, 'run touch 4');
    expect(why).toMatch(/^breakpoint 1: #PF cr2=0804\w{4} err=4 \(user read, not present\) at 001b:0804\w{4}/);
    const cr2 = k.machine.cpu.cr2 >>> 0;
    expect(cr2 >>> 12).toBe(0x08048);
    expect(m.execute(`walk ${cr2}`)).toMatch(/not present$/);
    expect(m.execute('walk $cr2')).toBe(m.execute(`walk ${cr2}`));
    // c and the breakpoint deleted: the program runs to the end.
    m.execute('bd 1');
    m.execute('c');
    expect(k.runUntil('touched 4 pages', BUDGET)).toContain('touched 4 pages, 4 faults');
  });

  it('break pf code N stops only at a fault with that error code (6: a user write to a page not present)', () => {
    const k = boot();
    const m = k.machine.monitor;
    m.execute('break pf code 6');
    expect(runToStop(k, 'run touch 4')).toMatch(/err=6 \(user write, not present\)/);
  });

  it('break vector N stops at that exception', () => {
    const k = boot();
    const m = k.machine.monitor;
    expect(m.execute('break vector 14')).toBe('breakpoint 1: exception vector 14');
    expect(runToStop(k, 'run touch 1')).toMatch(/^breakpoint 1: exception 14 #PF err=4 at 001b:/);
  });

  it('break cr3 stops at a CR3 load, with CR3 the new page directory', () => {
    const k = boot();
    const m = k.machine.monitor;
    const before = k.machine.cpu.cr3 >>> 0;
    m.execute('break cr3');
    const why = runToStop(k, 'run hello');
    expect(why).toMatch(/^breakpoint 1: CR3 loaded with \w{8}/);
    expect(k.machine.cpu.cr3 >>> 0).not.toBe(before);
  });

  it('break frame alloc|free stops where the kernel hands out or frees a frame (its trace point)', () => {
    const k = boot();
    const m = k.machine.monitor;
    expect(m.execute('break frame alloc')).toBe("breakpoint 1: a frame handed out (the kernel's trace point)");
    const why = runToStop(k, 'run hello');
    const got = /^breakpoint 1: frame (\w{8}) handed out to (\w+) \(eip \w{8}\)$/.exec(why);
    expect(got, why).not.toBeNull();
    expect(k.kernel.frames.ownerOf(Number.parseInt(got![1]!, 16) as never)).toBe(got![2]);
    m.execute('bd 1');
    expect(m.execute('break frame free')).toBe("breakpoint 2: a frame freed (the kernel's trace point)");
    m.execute('c');
    expect(k.machine.run(BUDGET).reason).toBe('debug');
    expect(m.breakpoints.reason).toMatch(/^breakpoint 2: (frame|\d+ frames at) \w{8} freed \(eip \w{8}\)$/);
    expect(m.execute('break frame sideways')).toBe("break: expected frame [alloc|free], not 'frame sideways'");
  });

  it('break invlpg stops at an INVLPG (a 486: exact LRU hides pages from ring 3 and flushes each)', () => {
    const k = boot(486, 1 << 20);
    const m = k.machine.monitor;
    m.execute('break invlpg');
    expect(runToStop(k, 'run -m 6 -p lru touch 2')).toMatch(/^breakpoint 1: INVLPG \w{8}/);
  });

  it('break ptwrite stops after a write to a page table of the current address space', () => {
    const k = boot();
    const m = k.machine.monitor;
    m.execute('break pf 0x08048000 0x0804ffff');
    runToStop(k, 'run touch 2');
    // In the program's address space now: the pager's mapping of the page writes its PTE.
    m.execute('bd 1');
    expect(m.execute('break ptwrite')).toBe('breakpoint 2: write to a page-table page of the current address space');
    m.execute('c');
    expect(k.machine.run(BUDGET).reason).toBe('debug');
    expect(m.breakpoints.reason).toMatch(/^breakpoint 2: page-table page \w{8} entry \d+ written: \w{8} -> \w{8}/);
  });

  it('b stops at the page-fault handler\'s first instruction; s steps from there', () => {
    const k = boot();
    const m = k.machine.monitor;
    const gate = /\n0eh 32-bit interrupt gate -> 0008:(\w{8})/.exec(m.execute('idt'))!;
    const handler = parseInt(gate[1]!, 16);
    m.execute(`b 0x${gate[1]}`);
    runToStop(k, 'run touch 1');
    expect(k.machine.cpu.eip >>> 0).toBe(handler);
    const n = k.machine.cpu.instructions;
    m.execute('s 2');
    expect(k.machine.cpu.instructions).toBe(n + 2);
  });
});
