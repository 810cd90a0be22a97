// Task switches (emulator/cpu/tasks.ts; i386 PRM chapter 7, "Multitasking"): JMP and CALL to a
// TSS or a task gate, interrupts through a task gate, IRET with NT set, in 386 and 286 formats.
//
// Task A is the fixture's: TSS at 0x2000, selector 0x28 (busy), running the test's code at
// 0x10000 at ring 0. Task B's TSS is at 0x4000, selector 0x30, its code at 0x3000 and its stack
// top at 0x60000.
import { describe, expect, it } from 'vitest';
import { CS, EAX, EBX, ESP } from '../../../../emulator/cpu/registers.ts';
import { CR0_TS, NT, VM } from '../../../../emulator/cpu/state.ts';
import { flat32, runToHalt, type TestMachine } from '../../../harness/cpu.ts';
import { asm16, asm32 } from '../../../harness/gas.ts';
import { enablePaging, installTables, PD, PT, setGate, TSS, TSS_SEL } from './pm-fixture.ts';
import { idtTaskGate, segment, taskGate, tss16, tss32, tssType } from './task-fixture.ts';

const TSS_B = 0x4000, B = 0x30, B_CODE = 0x3000, B_STACK = 0x60000;

const r32 = (t: TestMachine, r: number): number => t.m.cpu.reg[r]! >>> 0;
const rd = (t: TestMachine, at: number): number => t.m.phys.read32(at) >>> 0;
const rdw = (t: TestMachine, at: number): number => t.m.phys.read16(at);

/** Task A runs `a`; task B's code is `b`. Exceptions 10-13 go to ring-0 interrupt gates that halt. */
function tasks(a: string, b: string): TestMachine {
  const t = flat32(asm32(a));
  installTables(t.m);
  t.m.phys.load(B_CODE, asm32(b, B_CODE));
  t.m.phys.load(0x3f00, Uint8Array.from([0xf4]));
  for (const v of [10, 11, 12, 13]) setGate(t.m, v, 0x3f00);
  tss32(t.m, B, TSS_B, { eip: B_CODE, esp: B_STACK });
  return t;
}

/** The error code and EIP of the frame a halting exception handler sits on (same privilege). */
function faultFrame(t: TestMachine): { error: number; eip: number } {
  const esp = r32(t, ESP);
  return { error: rd(t, esp), eip: rd(t, esp + 4) };
}

describe('CALL to a TSS, and IRET back', () => {
  const a = `
    mov $0x12345678, %eax
    lcall $${B}, $0
  back:
    mov %eax, 0x5010
    movl $back, 0x5014
    hlt`;
  const b = `
    pushf
    pop %eax
    mov %eax, 0x5000
    str %eax
    mov %eax, 0x5004
    mov 0x52c, %eax
    mov %eax, 0x5008
    mov 0x534, %eax
    mov %eax, 0x500c
    mov $0x99, %eax
    iret`;

  function run(): TestMachine {
    const t = tasks(a, b);
    expect(runToHalt(t).reason).toBe('halt');
    return t;
  }

  it('runs the new task with NT set, TR loaded, both TSSs busy, and the back link naming the caller', () => {
    const t = run();
    expect(rd(t, 0x5000) & NT).toBe(NT);
    expect(rd(t, 0x5004) & 0xffff).toBe(B);
    expect((rd(t, 0x5008) >>> 8) & 0xf).toBe(0xb); // A still busy while B runs
    expect((rd(t, 0x500c) >>> 8) & 0xf).toBe(0xb); // B busy
    expect(rdw(t, TSS_B)).toBe(TSS_SEL);
  });

  it('saves the caller in its TSS with EIP after the CALL, and sets CR0.TS', () => {
    const t = run();
    expect(rd(t, TSS + 0x20)).toBe(rd(t, 0x5014));
    expect(rd(t, TSS + 0x28)).toBe(0x12345678);
    expect(t.m.cpu.cr0 & CR0_TS).toBe(CR0_TS);
  });

  it('IRET with NT returns to the back-linked task: registers restored, the old task saved not busy with NT clear', () => {
    const t = run();
    expect(rd(t, 0x5010)).toBe(0x12345678);
    expect(t.m.cpu.trSel).toBe(TSS_SEL);
    expect(tssType(t.m, TSS_SEL)).toBe(0xb);
    expect(tssType(t.m, B)).toBe(0x9);
    expect(t.m.cpu.flags & NT).toBe(0);
    // B was saved at its IRET: EIP after it, EAX, and EFLAGS with NT cleared.
    expect(rd(t, TSS_B + 0x20)).toBe(B_CODE + asm32(b, B_CODE).length);
    expect(rd(t, TSS_B + 0x28)).toBe(0x99);
    expect(rd(t, TSS_B + 0x24) & NT).toBe(0);
  });

  it('a CALL to a busy TSS raises #GP(selector)', () => {
    const t = tasks(`at: lcall $${TSS_SEL}, $0\nhlt`, 'hlt');
    expect(runToHalt(t).reason).toBe('halt');
    expect(t.m.cpu.eip).toBe(0x3f01);
    expect(faultFrame(t)).toEqual({ error: TSS_SEL, eip: 0x10000 });
  });

  it('IRET with NT whose back link names a TSS that is not busy raises #TS(back link)', () => {
    const setNt = 'pushf\norl $0x4000, (%esp)\npopf';
    const t = tasks(`${setNt}\niret`, 'hlt');
    t.m.phys.write16(TSS, B);
    expect(runToHalt(t).reason).toBe('halt');
    expect(t.m.cpu.trSel).toBe(TSS_SEL);
    expect(faultFrame(t)).toEqual({ error: B, eip: 0x10000 + asm32(setNt).length });
  });
});

describe('JMP to a task gate', () => {
  it('switches without nesting: the old task is no longer busy, NT and the back link are left alone', () => {
    const t = tasks('ljmp $0x3b, $0', 'hlt');
    taskGate(t.m, 0x38, B, 3);
    t.m.phys.write16(TSS_B, 0x7777);
    t.m.cpu.dr[7] = 0x3ff;
    expect(runToHalt(t).reason).toBe('halt');
    expect(t.m.cpu.dr[7]).toBe(0x2aa); // the local breakpoint enables belong to the old task
    expect(t.m.cpu.trSel).toBe(B);
    expect(t.m.cpu.eip).toBe(B_CODE + 1);
    expect(tssType(t.m, TSS_SEL)).toBe(0x9);
    expect(tssType(t.m, B)).toBe(0xb);
    expect(rdw(t, TSS_B)).toBe(0x7777);
    expect(t.m.cpu.flags & NT).toBe(0);
    expect(rd(t, TSS + 0x20)).toBe(0x10007);
  });

  it('a task gate whose DPL is below the selector RPL raises #GP(gate selector)', () => {
    const t = tasks(`ljmp $0x3b, $0`, 'hlt');
    taskGate(t.m, 0x38, B, 0);
    expect(runToHalt(t).reason).toBe('halt');
    expect(faultFrame(t).error).toBe(0x38);
    expect(t.m.cpu.trSel).toBe(TSS_SEL);
  });
});

describe('interrupts through a task gate', () => {
  it('an exception switches tasks and pushes its error code on the new task\'s stack', () => {
    // Loading a TSS selector into DS is #GP(0x28); vector 13 is a task gate to B.
    const t = tasks(`mov $${TSS_SEL}, %ax\nmov %ax, %ds\nhlt`, 'pop %eax\nmov %eax, 0x5000\nmov %esp, 0x5004\nhlt');
    idtTaskGate(t.m, 13, B);
    expect(runToHalt(t).reason).toBe('halt');
    expect(t.m.cpu.trSel).toBe(B);
    expect(rd(t, 0x5000)).toBe(TSS_SEL);
    expect(rd(t, 0x5004)).toBe(B_STACK);
    // The interrupted task resumes at the faulting instruction; the switch nests.
    expect(rd(t, TSS + 0x20)).toBe(0x10004);
    expect(rdw(t, TSS_B)).toBe(TSS_SEL);
    expect(t.m.cpu.flags & NT).toBe(NT);
    expect(tssType(t.m, TSS_SEL)).toBe(0xb);
  });

  it('INT n through a task gate pushes nothing and saves EIP after the INT', () => {
    const t = tasks('int $0x41\nhlt', 'mov %esp, 0x5004\nhlt');
    idtTaskGate(t.m, 0x41, B);
    expect(runToHalt(t).reason).toBe('halt');
    expect(rd(t, 0x5004)).toBe(B_STACK);
    expect(rd(t, TSS + 0x20)).toBe(0x10002);
  });
});

describe('task switch checks', () => {
  it('a TSS whose limit is below 0x67 raises #TS(selector) before anything changes', () => {
    const t = tasks(`lcall $${B}, $0`, 'hlt');
    tss32(t.m, B, TSS_B, { eip: B_CODE, esp: B_STACK }, { limit: 0x60 });
    expect(runToHalt(t).reason).toBe('halt');
    expect(faultFrame(t)).toEqual({ error: B, eip: 0x10000 });
    expect(t.m.cpu.trSel).toBe(TSS_SEL);
    expect(tssType(t.m, B)).toBe(0x9);
    expect(rd(t, TSS + 0x20)).toBe(0); // nothing saved
  });

  it('a fault after the commit point is delivered in the new task', () => {
    // B's DS names a data segment that is not present: #NP(0x48), raised with B's state loaded.
    const t = tasks(`lcall $${B}, $0`, 'hlt');
    segment(t.m, 0x48, 0, 0xfffff, 0x12);
    tss32(t.m, B, TSS_B, { eip: B_CODE, esp: B_STACK, ds: 0x48 });
    expect(runToHalt(t).reason).toBe('halt');
    expect(t.m.cpu.trSel).toBe(B);
    expect(r32(t, ESP)).toBe(B_STACK - 16);
    expect(faultFrame(t)).toEqual({ error: 0x48, eip: B_CODE });
    expect(rd(t, TSS + 0x20)).toBe(0x10007);
  });
});

describe('CR3 from the new TSS', () => {
  it('loads the new task\'s page directory and flushes the TLB', () => {
    // B's address space maps linear 0x5000 to physical 0x9000; A's maps it to itself.
    const PD_B = 0x102000, PT_B = 0x103000;
    const t = tasks(`mov 0x5000, %eax\nljmp $${B}, $0`, 'mov 0x5000, %ebx\nhlt');
    enablePaging(t.m);
    for (let k = 0; k < 1024; k++) t.m.phys.write32(PT_B + 4 * k, t.m.phys.read32(PT + 4 * k));
    t.m.phys.write32(PT_B + 5 * 4, 0x9000 | 7);
    t.m.phys.write32(PD_B, PT_B | 7);
    t.m.phys.write32(0x5000, 0xaaaaaaaa | 0);
    t.m.phys.write32(0x9000, 0xbbbbbbbb | 0);
    tss32(t.m, B, TSS_B, { eip: B_CODE, esp: B_STACK, cr3: PD_B });
    expect(runToHalt(t).reason).toBe('halt');
    expect(r32(t, EAX)).toBe(0); // B's own EAX
    expect(r32(t, EBX)).toBe(0xbbbbbbbb);
    expect(t.m.cpu.cr3).toBe(PD_B);
    expect(PD).not.toBe(PD_B);
  });
});

describe('286 TSSs', () => {
  it('CALL to a 286 TSS loads the 16-bit state; its IRET saves the 16-bit state and returns to the 386 task', () => {
    const a = `
      mov $0x12345678, %eax
      lcall $${B}, $0
      mov %eax, 0x5010
      hlt`;
    const b = `
      pushfw
      pop %ax
      mov %ax, 0x5000
      mov %fs, 0x5004
      mov %sp, 0x5008
      mov $0x4321, %ax
      iret`;
    const t = tasks(a, b);
    segment(t.m, 0x40, 0, 0xffff, 0x92, 0); // a 16-bit stack segment
    tss16(t.m, B, TSS_B, { ip: B_CODE, sp: 0xf000, ss: 0x40 });
    t.m.phys.write16(0x5004, 0xffff);
    expect(runToHalt(t).reason).toBe('halt');
    expect(rdw(t, 0x5000) & NT).toBe(NT);
    expect(rdw(t, 0x5004)).toBe(0); // a 286 TSS has no FS: it is loaded null
    expect(rdw(t, 0x5008)).toBe(0xf000);
    expect(rdw(t, TSS_B)).toBe(TSS_SEL);
    // Back in A, with its 32-bit state; B saved in the 286 layout.
    expect(rd(t, 0x5010)).toBe(0x12345678);
    expect(t.m.cpu.seg[CS]).toBe(0x08);
    expect(tssType(t.m, B)).toBe(0x1);
    expect(rdw(t, TSS_B + 0x12)).toBe(0x4321); // AX
    expect(rdw(t, TSS_B + 0x0e)).toBe(B_CODE + asm32(b, B_CODE).length); // IP after the IRET
    expect(rdw(t, TSS_B + 0x10) & NT).toBe(0);
  });
});

describe('virtual-8086 tasks', () => {
  it('a TSS whose EFLAGS has VM set starts a virtual-8086 task with paragraph segments at CPL 3', () => {
    const t = tasks(`ljmp $${B}, $0`, 'hlt');
    // B runs at 0300:0000 (linear 0x3000); DS = 0300 too. Its HLT is #GP(0) at CPL 3, handled at
    // ring 0 on the stack from B's TSS.
    t.m.phys.load(B_CODE, asm16('movw $0x4242, 0x2000\nhlt', 0));
    tss32(t.m, B, TSS_B, { eip: 0, esp: 0x1000, eflags: VM | 2, cs: 0x300, data: 0x300 });
    t.m.phys.write32(TSS_B + 4, 0x70000);
    t.m.phys.write16(TSS_B + 8, 0x10);
    expect(runToHalt(t).reason).toBe('halt');
    expect(rdw(t, 0x5000)).toBe(0x4242);
    expect(t.m.cpu.eip).toBe(0x3f01);
    const esp = r32(t, ESP);
    expect(esp).toBe(0x70000 - 40); // error code, EIP, CS, EFLAGS, ESP, SS, ES, DS, FS, GS
    expect(rd(t, esp + 8)).toBe(0x300);
    expect(rd(t, esp + 12) & VM).toBe(VM);
  });
});

describe('the TSS T bit (i386 PRM 12.3.1.5, "Task-Switch Breakpoint")', () => {
  it('traps to #DB with DR6.BT set after the switch, before the new task runs its first instruction', () => {
    const t = tasks(`ljmp $${B}, $0`, 'mov $0x77, %eax\nhlt');
    t.m.phys.write16(TSS_B + 0x64, 1); // T
    setGate(t.m, 1, 0x3f00);
    expect(runToHalt(t).reason).toBe('halt');
    expect(t.m.cpu.eip >>> 0).toBe(0x3f01); // halted in the #DB handler
    expect(t.m.cpu.dr[6]! & (1 << 15)).not.toBe(0);
    expect(t.m.cpu.trSel).toBe(B); // already in task B
    expect(r32(t, EAX)).not.toBe(0x77); // whose first instruction has not run
    const esp = r32(t, ESP);
    expect(rd(t, esp)).toBe(B_CODE); // the trap's return address: task B's first instruction
    expect(rd(t, esp + 4) & 0xffff).toBe(0x08);
  });

  it('does not trap when the T bit is clear', () => {
    const t = tasks(`ljmp $${B}, $0`, 'mov $0x77, %eax\nhlt');
    setGate(t.m, 1, 0x3f00);
    expect(runToHalt(t).reason).toBe('halt');
    expect(r32(t, EAX)).toBe(0x77);
    expect(t.m.cpu.dr[6]! & (1 << 15)).toBe(0);
  });
});

describe('task switch clocks (i386 PRM, INT: "Task Switch Times")', () => {
  it('a JMP from a 386 task to a 386 task takes 309 clocks, in place of the far JMP\'s own count', () => {
    const cycles = (a: string): number => {
      const t = tasks(a, 'hlt');
      expect(runToHalt(t).reason).toBe('halt');
      return t.m.cpu.cycles;
    };
    expect(cycles(`ljmp $${B}, $0`) - cycles('hlt')).toBe(309);
  });

  it('a CALL to a 286 task from a 386 task takes 282', () => {
    const cycles = (a: string, b286: boolean): number => {
      const t = tasks(a, 'hlt');
      if (b286) {
        t.m.phys.load(B_CODE, asm16('hlt', B_CODE));
        tss16(t.m, B, TSS_B, { ip: B_CODE, sp: 0xf000 });
      }
      expect(runToHalt(t).reason).toBe('halt');
      return t.m.cpu.cycles;
    };
    expect(cycles(`lcall $${B}, $0`, true) - cycles('hlt', false)).toBe(282);
  });
});
