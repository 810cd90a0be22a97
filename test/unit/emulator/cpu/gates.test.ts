// Far CALL and JMP through call gates (emulator/cpu/ops/control.ts; i386 PRM 6.3.4.2, "Gate
// Descriptors Guard Procedure Entry Points"), and RETF back to the caller's level.
import { describe, expect, it } from 'vitest';
import { ESP } from '../../../../emulator/cpu/registers.ts';
import { flat32, runToHalt, type TestMachine } from '../../../harness/cpu.ts';
import { asm32 } from '../../../harness/gas.ts';
import { CODE0, enablePaging, enterRing3, installTables, setGate, TSS } from './pm-fixture.ts';
import { callGate, segment } from './task-fixture.ts';

const r32 = (t: TestMachine, r: number): number => t.m.cpu.reg[r]! >>> 0;
const rd = (t: TestMachine, at: number): number => t.m.phys.read32(at) >>> 0;
const rdw = (t: TestMachine, at: number): number => t.m.phys.read16(at);

/** Ring-0 code at `at`. */
function load(t: TestMachine, at: number, src: string): void {
  t.m.phys.load(at, asm32(src, at));
}

/**
 * A machine running `user` at ring 3 (from 0x10000 unless `addr` says otherwise, ESP `esp`), with
 * the fixture's tables, INT 0x40 open to ring 3 as the way to stop (its ring-0 handler halts), and
 * #GP, #NP and #PF handlers that halt with their frame on the ring-0 stack (top 0x80000).
 */
function ring3(user: string, opts: { addr?: number; esp?: number } = {}): TestMachine {
  const addr = opts.addr ?? 0x10000;
  const t = flat32(asm32(user, addr), { addr });
  installTables(t.m);
  load(t, 0x3f00, 'hlt');
  for (const v of [11, 13, 14]) setGate(t.m, v, 0x3f00);
  setGate(t.m, 0x40, 0x3f00, 3);
  enterRing3(t.m, addr, opts.esp ?? 0x70000);
  return t;
}

/** The error code and return CS:EIP of the exception frame the halting handler sits on. */
function faultFrame(t: TestMachine): { error: number; eip: number; cs: number; esp: number } {
  const esp = r32(t, ESP);
  return { error: rd(t, esp), eip: rd(t, esp + 4), cs: rd(t, esp + 8) & 0xffff, esp: rd(t, esp + 16) };
}

describe('CALL through a 386 call gate to a more privileged level', () => {
  // Gate 0x30 (DPL 3) -> CODE0:0x3000, copying 2 dwords.
  const user = `
    movl $back, 0x5008
    push $0x11111111
    push $0x22222222
    lcall $0x33, $0
  back:
    mov %esp, 0x5000
    mov %cs, %eax
    mov %eax, 0x5004
    int $0x40`;
  // The handler copies its frame to 0x5200: the INT 0x40 that ends the test reuses the stack.
  const handler = `
    mov %esp, 0x5100
    mov %esp, %esi
    mov $0x5200, %edi
    mov $6, %ecx
    rep movsl
    mov %ss, %eax
    mov %eax, 0x5104
    mov %cs, %eax
    mov %eax, 0x5108
    lret $8`;

  function run(): TestMachine {
    const t = ring3(user);
    callGate(t.m, 0x30, CODE0, 0x3000, { params: 2 });
    load(t, 0x3000, handler);
    expect(runToHalt(t).reason).toBe('halt');
    return t;
  }

  it('switches to the ring-0 stack from the TSS and builds SS, ESP, the parameters, CS, EIP on it', () => {
    const t = run();
    expect(rd(t, 0x5100)).toBe(0x80000 - 24);
    expect(rd(t, 0x5104) & 0xffff).toBe(0x10);
    expect(rd(t, 0x5108) & 0xffff).toBe(0x08);
    expect([0, 4, 8, 12, 16, 20].map((k) => rd(t, 0x5200 + k))).toEqual([
      rd(t, 0x5008), 0x1b, 0x22222222, 0x11111111, 0x70000 - 8, 0x23,
    ]);
  });

  it('RETF 8 releases the parameters on both stacks and returns to ring 3', () => {
    const t = run();
    expect(rd(t, 0x5000)).toBe(0x70000);
    expect(rd(t, 0x5004) & 0xffff).toBe(0x1b);
  });

  it('charges the inner-level gate clocks: 94+4x+m instead of 34+m', () => {
    const cost = (params: number): number => {
      const t = ring3(user);
      callGate(t.m, 0x30, CODE0, 0x3000, { params });
      load(t, 0x3000, handler.replace('lret $8', `lret $${4 * params}`));
      runToHalt(t);
      return t.m.cpu.cycles;
    };
    // Two parameters cost 60 + 8 more than a direct far call; the RETF pops the same either way.
    expect(cost(2) - cost(0)).toBe(60 + 8 - 52);
  });
});

describe('CALL through a 286 call gate', () => {
  it('pushes words, copies word parameters, and RETF 4 (16-bit) returns', () => {
    // The caller runs below 64 KiB: a 286 gate pushes only IP.
    const t = ring3(`
      movw $back, 0x5008
      pushw $0x1111
      pushw $0x2222
      lcall $0x3b, $0
    back:
      mov %esp, 0x5000
      int $0x40`, { addr: 0x6000, esp: 0xf000 });
    callGate(t.m, 0x38, CODE0, 0x3200, { type: 4, params: 2 });
    load(t, 0x3200, 'mov %esp, 0x5100; mov %esp, %esi; mov $0x5200, %edi; mov $3, %ecx; rep movsl; lretw $4');
    expect(runToHalt(t).reason).toBe('halt');
    expect(rd(t, 0x5100)).toBe(0x80000 - 12);
    expect([0, 2, 4, 6, 8, 10].map((k) => rdw(t, 0x5200 + k))).toEqual([rdw(t, 0x5008), 0x1b, 0x2222, 0x1111, 0xf000 - 4, 0x23]);
    expect(rd(t, 0x5000)).toBe(0xf000);
  });
});

describe('call gate checks', () => {
  const callAt = (sel: number): string => `movl $at, 0x5008\nat: lcall $${sel}, $0\nint $0x40`;

  it('a gate whose DPL is below CPL raises #GP(gate selector), and nothing is pushed', () => {
    const t = ring3(callAt(0x43));
    callGate(t.m, 0x40, CODE0, 0x3000, { dpl: 0 });
    expect(runToHalt(t).reason).toBe('halt');
    const f = faultFrame(t);
    expect(t.m.cpu.eip).toBe(0x3f01); // in the #GP handler
    expect(f.error).toBe(0x40);
    expect(f.eip).toBe(rd(t, 0x5008));
    expect(f.esp).toBe(0x70000);
  });

  it('a gate whose DPL is below the selector RPL raises #GP(gate selector) even at CPL 0', () => {
    for (const rpl of [0, 3]) {
      const t = flat32(asm32(`movl $at, 0x5008\nat: lcall $${0x40 | rpl}, $0\nhlt`));
      installTables(t.m);
      load(t, 0x3f00, 'hlt');
      setGate(t.m, 13, 0x3f00);
      callGate(t.m, 0x40, CODE0, 0x3000, { dpl: 2 });
      load(t, 0x3000, 'movl $1, 0x5100; hlt');
      expect(runToHalt(t).reason).toBe('halt');
      if (rpl === 0) {
        expect(rd(t, 0x5100)).toBe(1);
      } else {
        expect(rd(t, r32(t, ESP))).toBe(0x40);
        expect(rd(t, 0x5100)).toBe(0);
      }
    }
  });

  it('a gate that is not present raises #NP(gate selector)', () => {
    const t = ring3(callAt(0x43));
    callGate(t.m, 0x40, CODE0, 0x3000, { present: false });
    setGate(t.m, 11, 0x3f10);
    load(t, 0x3f10, 'hlt');
    expect(runToHalt(t).reason).toBe('halt');
    expect(t.m.cpu.eip).toBe(0x3f11);
    expect(faultFrame(t).error).toBe(0x40);
    expect(faultFrame(t).eip).toBe(rd(t, 0x5008));
  });

  it('JMP through a gate to a more privileged non-conforming segment raises #GP(code selector)', () => {
    const t = ring3(`movl $at, 0x5008\nat: ljmp $0x43, $0\nint $0x40`);
    callGate(t.m, 0x40, CODE0, 0x3000);
    expect(runToHalt(t).reason).toBe('halt');
    expect(faultFrame(t).error).toBe(CODE0);
    expect(faultFrame(t).eip).toBe(rd(t, 0x5008));
  });

  it('a #PF while building the frame on the new stack leaves the caller as it was', () => {
    // Gate 0x60 -> a ring-1 code segment whose stack (from TSS ESP1/SS1) is on an absent page.
    const t = ring3(`
      movl $at, 0x5008
      push $1
      push $2
    at:
      lcall $0x63, $0
      int $0x40`);
    segment(t.m, 0x50, 0, 0xfffff, 0xba); // ring-1 code
    segment(t.m, 0x58, 0, 0xfffff, 0xb2); // ring-1 data
    t.m.phys.write32(TSS + 0x0c, 0x201000);
    t.m.phys.write32(TSS + 0x10, 0x59);
    callGate(t.m, 0x60, 0x51, 0x3000, { params: 2 });
    enablePaging(t.m, [0x200000]);
    expect(runToHalt(t).reason).toBe('halt');
    expect(t.m.cpu.cr2 >>> 0).toBe(0x200ffc);
    const f = faultFrame(t);
    expect(f.error).toBe(2); // supervisor write to a not-present page
    expect(f.eip).toBe(rd(t, 0x5008));
    expect(f.cs).toBe(0x1b);
    expect(f.esp).toBe(0x70000 - 8);
  });
});

describe('call gates to the same level', () => {
  it('CALL pushes CS:EIP with the gate size, whatever the operand size of the CALL', () => {
    // A 16-bit CALL (66 9A) through a 386 gate at CPL 0 still pushes two dwords.
    const t = flat32(asm32('lcallw $0x30, $0\nhlt'));
    installTables(t.m);
    callGate(t.m, 0x30, CODE0, 0x3000, { dpl: 0 });
    load(t, 0x3000, 'mov %esp, 0x5100; hlt');
    expect(runToHalt(t).reason).toBe('halt');
    expect(rd(t, 0x5100)).toBe(0x90000 - 8);
    expect(rd(t, 0x90000 - 4)).toBe(CODE0);
    expect(rd(t, 0x90000 - 8)).toBe(0x10006);
  });

  it('JMP through a gate loads the gate offset and pushes nothing', () => {
    const t = flat32(asm32('ljmp $0x30, $0x1234\nhlt'));
    installTables(t.m);
    callGate(t.m, 0x30, CODE0, 0x3000, { dpl: 0 });
    load(t, 0x3000, 'mov %esp, 0x5100; hlt');
    expect(runToHalt(t).reason).toBe('halt');
    expect(rd(t, 0x5100)).toBe(0x90000);
    expect(t.m.cpu.eip).toBe(0x3000 + 7);
  });
});

describe('clocks of privilege changes through interrupt gates (i386 PRM INT, IRET)', () => {
  // The same code (two INT 0x41 / IRET round trips, then INT 0x40 to a halting handler) run once
  // from ring 3 and once from ring 0: INT to an inner level is 99 clocks against 59, IRET to an
  // outer level 82 against 38, and everything else is the same instructions.
  const trip = `
    int $0x41
    int $0x41
    int $0x40`;
  it('charges 40 more clocks for INT to an inner level and 44 more for IRET to an outer one', () => {
    const t = ring3(trip);
    load(t, 0x3e00, 'iret');
    setGate(t.m, 0x41, 0x3e00, 3);
    const r = runToHalt(t);
    expect(r.reason).toBe('halt');
    // Two round trips from ring 3, then the INT 0x40 to the halting handler (also inner).
    const viaGates = t.m.cpu.cycles;
    // The ring-0 comparison: a kernel that makes the same calls pays the same-level counts.
    const t0 = flat32(asm32(trip, 0x10000), { addr: 0x10000 });
    installTables(t0.m);
    load(t0, 0x3f00, 'hlt');
    load(t0, 0x3e00, 'iret');
    setGate(t0.m, 0x41, 0x3e00, 3);
    setGate(t0.m, 0x40, 0x3f00, 3);
    runToHalt(t0);
    // Ring 3 paid 3 x 40 (three INTs to ring 0) + 2 x 44 (two IRETs to ring 3) more, less the
    // cost of entering ring 3 in the first place, which the fixture does outside run().
    expect(viaGates - t0.m.cpu.cycles).toBe(3 * 40 + 2 * 44);
  });
});
