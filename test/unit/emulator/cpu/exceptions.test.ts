// Precise exceptions, one test per way the processor raises each (i386 PRM chapter 9, "Exceptions
// and Interrupts"): the frame a handler receives (CS:EIP of the faulting instruction, prefixes
// included; the error code, with its EXT, IDT and TI bits), and a faulting instruction leaving the
// registers, flags and memory it would have written as they were. Also the double-fault rule and
// the triple fault (emulator/cpu/interrupts.ts, deliverException).
//
// Layout: 32-bit code at 0x10000 (CPL 0, stack 0x90000; or CPL 3 with ESP 0x70000 and the TSS's
// ring-0 stack at 0x80000), pm-fixture.ts's GDT, IDT and TSS. Each vector v's gate leads to a
// one-byte HLT at STUBS + v, so where the run stopped names the vector that was delivered.

import { describe, expect, it } from 'vitest';
import { getEflags } from '../../../../emulator/cpu/flags.ts';
import { DS, EAX, EBX, ECX, EDX, ESP, SS } from '../../../../emulator/cpu/registers.ts';
import { CF, IF, ZF } from '../../../../emulator/cpu/state.ts';
import { flat32, runToHalt, type TestMachine } from '../../../harness/cpu.ts';
import { asm32 } from '../../../harness/gas.ts';
import { CODE0, enablePaging, enterRing3, GDT, IDT, installTables, PT, setGate, TSS } from './pm-fixture.ts';

const CODE = 0x10000, STACK0 = 0x90000, ESP0 = 0x80000, USER_STACK = 0x70000;
const STUBS = 0x3f00;
/** Endless loops (JMP $), two bytes a vector, for handlers in the conforming segment. */
const LOOPS = 0x3e00;
const DE = 0, BR = 5, UD = 6, NM = 7, DF = 8, TS = 10, NP = 11, SSF = 12, GP = 13, PF = 14;

// Descriptors beyond pm-fixture.ts's (selectors from 0x30).
/** Data, DPL 0, base 0x40000, limit 0xFFF (byte granular). */
const SMALL0 = 0x30;
/** The same at DPL 3. */
const SMALL3 = 0x38 | 3;
/** Conforming code, DPL 0, flat: a handler there runs at the interrupted CPL, on its stack. */
const CONFORMING = 0x40;
/** Writable data, DPL 0, not present. */
const ABSENT0 = 0x48;
/** Code, DPL 0, base 0, limit 0xFFF. */
const SMALLCODE = 0x50;
const GDT_LIMIT = 0x57;

const rd = (t: TestMachine, at: number): number => t.m.phys.read32(at) >>> 0;
const r32 = (t: TestMachine, r: number): number => t.m.cpu.reg[r]! >>> 0;

function descriptor(t: TestMachine, sel: number, base: number, limit: number, access: number, flags: number): void {
  const at = GDT + (sel & ~7);
  t.m.phys.write32(at, ((limit & 0xffff) | ((base & 0xffff) << 16)) | 0);
  t.m.phys.write32(at + 4, (((base >>> 16) & 0xff) | (access << 8) | (limit & 0xf0000) | (flags << 20) | (base & 0xff000000)) | 0);
}

/** A 386 gate for `vector` to `sel`:`offset` (`type` 0xE interrupt gate); `present` false leaves P clear. */
function gate(t: TestMachine, vector: number, sel: number, offset: number, opts: { dpl?: number; present?: boolean; type?: number } = {}): void {
  t.m.phys.write32(IDT + vector * 8, ((sel << 16) | (offset & 0xffff)) | 0);
  const p = opts.present === false ? 0 : 0x8000;
  t.m.phys.write32(IDT + vector * 8 + 4, ((offset & 0xffff0000) | p | ((opts.dpl ?? 0) << 13) | ((opts.type ?? 0xe) << 8)) | 0);
}

interface Options {
  /** Run the code at CPL 3 (the flat ring-3 segments, ESP 0x70000). */
  user?: boolean;
  iopl?: number;
  /** Called once the tables are in place, before the run. */
  setup?: (t: TestMachine) => void;
}

const intel = (src: string): string => `.intel_syntax noprefix\n${src}`;

/** `src` (32-bit, Intel syntax) at 0x10000, with every gate leading to its vector's stub. */
function machine(src: string, o: Options = {}): TestMachine {
  const t = flat32(asm32(intel(src), CODE), { addr: CODE, stack: STACK0 });
  installTables(t.m, { esp0: ESP0 });
  descriptor(t, SMALL0, 0x40000, 0xfff, 0x92, 0x4);
  descriptor(t, SMALL3, 0x40000, 0xfff, 0xf2, 0x4);
  descriptor(t, CONFORMING, 0, 0xfffff, 0x9e, 0xc);
  descriptor(t, ABSENT0, 0, 0xfffff, 0x12, 0xc);
  descriptor(t, SMALLCODE, 0, 0xfff, 0x9a, 0x4);
  t.m.cpu.gdtrLimit = GDT_LIMIT;
  for (let v = 0; v < 0x50; v++) {
    t.m.phys.write8(STUBS + v, 0xf4);
    setGate(t.m, v, STUBS + v);
  }
  if (o.iopl !== undefined) t.m.cpu.flags |= o.iopl << 12;
  if (o.user) enterRing3(t.m, CODE, USER_STACK);
  o.setup?.(t);
  return t;
}

/** Runs to the HLT of a handler stub and returns the vector it belongs to. */
function vectorTaken(t: TestMachine): number {
  const r = runToHalt(t, 1_000_000);
  expect(r.reason, t.m.cpu.shutdownReason ?? '').toBe('halt');
  return t.m.cpu.eip - 1 - STUBS;
}

/** Where the instruction after `label:` in `src` lies. */
function at(src: string, label: string): number {
  return CODE + asm32(intel(src.slice(0, src.indexOf(`${label}:`))), CODE).length;
}

interface Frame { error: number | null; eip: number; cs: number; eflags: number; esp?: number; ss?: number }

/** The handler's frame at ESP: [error code], EIP, CS, EFLAGS, and ESP, SS when it came from CPL 3. */
function frame(t: TestMachine, hasError: boolean, outer = false): Frame {
  let p = r32(t, ESP);
  const error = hasError ? rd(t, p) : null;
  if (hasError) p += 4;
  const f: Frame = { error, eip: rd(t, p), cs: rd(t, p + 4) & 0xffff, eflags: rd(t, p + 8) };
  if (outer) {
    f.esp = rd(t, p + 12);
    f.ss = rd(t, p + 16) & 0xffff;
  }
  return f;
}

// --- faults without an error code ---------------------------------------------------------------------

describe('#DE, #BR, #UD, #NM', () => {
  it('#DE on division by zero: EIP at the DIV (operand-size prefix included), EAX and EDX unchanged', () => {
    const src = 'mov eax, 0x11111111; mov edx, 0x22222222; xor ecx, ecx; here: div cx; hlt';
    const t = machine(src);
    expect(vectorTaken(t)).toBe(DE);
    expect(frame(t, false)).toMatchObject({ eip: at(src, 'here'), cs: CODE0 });
    expect(r32(t, ESP)).toBe(STACK0 - 12);
    expect([r32(t, EAX), r32(t, EDX)]).toEqual([0x11111111, 0x22222222]);
  });

  it('#DE on a quotient too large for EAX changes neither EAX nor EDX', () => {
    const src = 'mov edx, 1; xor eax, eax; mov ecx, 1; here: div ecx; hlt';
    const t = machine(src);
    expect(vectorTaken(t)).toBe(DE);
    expect(frame(t, false).eip).toBe(at(src, 'here'));
    expect([r32(t, EAX), r32(t, EDX)]).toEqual([0, 1]);
  });

  it('#BR when BOUND finds the index outside its bounds: a fault at the BOUND, segment prefix included', () => {
    const src = 'mov eax, 10; here: bound eax, es:[0x6000]; hlt';
    const t = machine(src, { setup: (t) => { t.m.phys.write32(0x6000, 0); t.m.phys.write32(0x6004, 5); } });
    expect(vectorTaken(t)).toBe(BR);
    expect(frame(t, false).eip).toBe(at(src, 'here'));
    expect(t.m.phys.read8(at(src, 'here'))).toBe(0x26);
  });

  it('#UD on an undefined opcode, EIP at its first prefix', () => {
    const src = 'nop; here: .byte 0x66, 0x0f, 0x0b; hlt';
    const t = machine(src);
    expect(vectorTaken(t)).toBe(UD);
    expect(frame(t, false).eip).toBe(at(src, 'here'));
  });

  it('#UD on LOCK with an instruction that cannot be locked; the register is unchanged', () => {
    const src = 'mov eax, 7; here: .byte 0xf0, 0x40; hlt'; // lock inc eax
    const t = machine(src);
    expect(vectorTaken(t)).toBe(UD);
    expect(frame(t, false).eip).toBe(at(src, 'here'));
    expect(r32(t, EAX)).toBe(7);
  });

  it('#NM on a coprocessor instruction (no FPU), EIP at its segment prefix, memory untouched', () => {
    const src = 'nop; here: fs fstp dword ptr [0x6000]; hlt';
    const t = machine(src, { setup: (t) => t.m.phys.write32(0x6000, 0x5a5a5a5a) });
    expect(vectorTaken(t)).toBe(NM);
    expect(frame(t, false).eip).toBe(at(src, 'here'));
    expect(rd(t, 0x6000)).toBe(0x5a5a5a5a);
  });
});

// --- #GP -------------------------------------------------------------------------------------------

describe('#GP', () => {
  it('#GP(0) for a store that runs past the segment limit; no byte is written', () => {
    const src = `mov ax, ${SMALL0}; mov ds, ax; here: mov dword ptr [0xffe], 0x11223344; hlt`;
    const t = machine(src, { setup: (t) => t.m.phys.write32(0x40ffe, 0xaaaaaaaa | 0) });
    expect(vectorTaken(t)).toBe(GP);
    expect(frame(t, true)).toMatchObject({ error: 0, eip: at(src, 'here') });
    expect(rd(t, 0x40ffe)).toBe(0xaaaaaaaa);
  });

  it('#GP(0) for a load past the segment limit; the destination register is unchanged', () => {
    const src = `mov ax, ${SMALL0}; mov ds, ax; mov ebx, 0x1234; here: mov ebx, [0x1000]; hlt`;
    const t = machine(src);
    expect(vectorTaken(t)).toBe(GP);
    expect(frame(t, true)).toMatchObject({ error: 0, eip: at(src, 'here') });
    expect(r32(t, EBX)).toBe(0x1234);
  });

  it('#GP(0) for an access through a null segment register', () => {
    const src = 'xor eax, eax; mov es, ax; here: mov es:[0x100], ebx; hlt';
    const t = machine(src, { setup: (t) => t.m.phys.write32(0x100, 0x77) });
    expect(vectorTaken(t)).toBe(GP);
    expect(frame(t, true)).toMatchObject({ error: 0, eip: at(src, 'here') });
    expect(rd(t, 0x100)).toBe(0x77);
  });

  for (const insn of ['lgdt [0x6000]', 'lidt [0x6000]', 'mov cr0, eax', 'mov eax, cr3', 'mov dr7, eax', 'hlt', 'cli', 'sti', 'in al, 0x80', 'out 0x80, al', 'clts', 'lmsw ax']) {
    it(`#GP(0) for ${insn} at CPL 3 (IOPL 0)`, () => {
      const src = `nop; here: ${insn}; hlt`;
      const t = machine(src, { user: true });
      expect(vectorTaken(t)).toBe(GP);
      expect(frame(t, true, true)).toMatchObject({ error: 0, eip: at(src, 'here'), cs: 0x1b, esp: USER_STACK, ss: 0x23 });
      expect(r32(t, ESP)).toBe(ESP0 - 24);
    });
  }

  it('#GP(selector) loading DS with a segment more privileged than CPL; the RPL bits are not in the code', () => {
    const src = 'mov ax, 0x13; here: mov ds, ax; hlt';
    const t = machine(src, { user: true });
    expect(vectorTaken(t)).toBe(GP);
    expect(frame(t, true, true)).toMatchObject({ error: 0x10, eip: at(src, 'here') });
    expect(t.m.cpu.seg[DS]).toBe(0x23);
  });

  it('#GP(selector) with TI set for an LDT selector when no LDT is loaded', () => {
    const src = 'mov ax, 0x0f; here: mov ds, ax; hlt';
    const t = machine(src, { user: true });
    expect(vectorTaken(t)).toBe(GP);
    expect(frame(t, true, true).error).toBe(0x0c);
  });

  it('#GP(selector) for a selector beyond the GDT limit', () => {
    const src = 'mov ax, 0x1f8; here: mov ds, ax; hlt';
    const t = machine(src);
    expect(vectorTaken(t)).toBe(GP);
    expect(frame(t, true).error).toBe(0x1f8);
  });

  it('#GP(0) for a jump beyond the code segment limit, at the JMP', () => {
    const src = 'mov eax, 0x12345678; here: jmp eax; hlt';
    const t = machine(src, { setup: (t) => { t.m.cpu.segLimit[1] = 0xfffff; t.m.cpu.segMax[1] = 0xfffff; } });
    expect(vectorTaken(t)).toBe(GP);
    expect(frame(t, true).eip).toBe(at(src, 'here'));
  });
});

// --- #SS, #NP --------------------------------------------------------------------------------------

describe('#SS and #NP', () => {
  it('#SS(0) for a push below the stack segment; ESP and memory unchanged', () => {
    const src = `mov ax, ${SMALL3}; mov ss, ax; mov esp, 0x1002; mov eax, 0x55; here: push eax; hlt`;
    const t = machine(src, { user: true, setup: (t) => t.m.phys.write32(0x40ffe, 0x12345678) });
    expect(vectorTaken(t)).toBe(SSF);
    expect(frame(t, true, true)).toMatchObject({ error: 0, eip: at(src, 'here'), esp: 0x1002, ss: SMALL3 });
    expect(rd(t, 0x40ffe)).toBe(0x12345678);
  });

  it('#SS(0) for an EBP-based load past the stack segment limit', () => {
    const src = `mov ax, ${SMALL3}; mov ss, ax; mov esp, 0x800; mov ebp, 0xffe; mov ecx, 9; here: mov ecx, [ebp]; hlt`;
    const t = machine(src, { user: true });
    expect(vectorTaken(t)).toBe(SSF);
    expect(frame(t, true, true)).toMatchObject({ error: 0, eip: at(src, 'here') });
    expect(r32(t, ECX)).toBe(9);
  });

  it('#SS(selector) for MOV SS with a segment that is not present; SS unchanged', () => {
    const src = `mov ax, ${ABSENT0}; here: mov ss, ax; hlt`;
    const t = machine(src);
    expect(vectorTaken(t)).toBe(SSF);
    expect(frame(t, true).error).toBe(ABSENT0);
    expect(t.m.cpu.seg[SS]).toBe(0x10);
  });

  it('#NP(selector) for MOV DS with a segment that is not present; DS unchanged', () => {
    const src = `mov ax, ${ABSENT0}; here: mov ds, ax; hlt`;
    const t = machine(src);
    expect(vectorTaken(t)).toBe(NP);
    expect(frame(t, true)).toMatchObject({ error: ABSENT0, eip: at(src, 'here') });
    expect(t.m.cpu.seg[DS]).toBe(0x10);
  });
});

// --- #PF -------------------------------------------------------------------------------------------

describe('#PF', () => {
  // Paging maps 0-4 MiB one to one (user, writable) except: 0x200000 absent, 0x201000 read-only
  // for users, 0x202000 supervisor-only.
  function paged(src: string, o: Options = {}): TestMachine {
    return machine(src, {
      ...o,
      setup: (t) => {
        enablePaging(t.m, [0x200000]);
        t.m.phys.write32(PT + 0x201 * 4, 0x201000 | 5);
        t.m.phys.write32(PT + 0x202 * 4, 0x202000 | 3);
        o.setup?.(t);
      },
    });
  }
  const cases: Array<[string, string, boolean, number, number]> = [
    ['a supervisor read of a page that is not present', 'mov ebx, [0x200010]', false, 0b000, 0x200010],
    ['a supervisor write to a page that is not present', 'mov [0x200010], ebx', false, 0b010, 0x200010],
    ['a user read of a page that is not present', 'mov ebx, [0x200010]', true, 0b100, 0x200010],
    ['a user write to a page that is not present', 'mov [0x200010], ebx', true, 0b110, 0x200010],
    ['a user write to a read-only page', 'mov [0x201010], ebx', true, 0b111, 0x201010],
    ['a user read of a supervisor page', 'mov ebx, [0x202010]', true, 0b101, 0x202010],
  ];
  for (const [what, insn, user, error, cr2] of cases) {
    it(`#PF(${error.toString(2).padStart(3, '0')}) for ${what}, CR2 = the address; EBX unchanged`, () => {
      const src = `mov ebx, 0x600d; here: ${insn}; hlt`;
      const t = paged(src, { user });
      expect(vectorTaken(t)).toBe(PF);
      expect(frame(t, true, user)).toMatchObject({ error, eip: at(src, 'here') });
      expect(t.m.cpu.cr2 >>> 0).toBe(cr2);
      expect(r32(t, EBX)).toBe(0x600d);
    });
  }

  it('a faulting read-modify-write changes neither the register nor the flags', () => {
    const src = 'mov eax, 5; cmp eax, 5; stc; here: add dword ptr [0x200000], eax; hlt';
    const t = paged(src);
    expect(vectorTaken(t)).toBe(PF);
    const f = frame(t, true);
    expect(f.eflags & (CF | ZF)).toBe(CF | ZF);
    expect(f.eip).toBe(at(src, 'here'));
    expect(r32(t, EAX)).toBe(5);
  });

  it('a dword store straddling into a missing page writes neither page; CR2 is the second page', () => {
    const src = 'here: mov dword ptr [0x1ffffe], 0x11223344; hlt';
    const t = paged(src, { setup: (t) => t.m.phys.write32(0x1ffffc, 0x5a5a5a5a) });
    expect(vectorTaken(t)).toBe(PF);
    expect(frame(t, true).error).toBe(0b010);
    expect(t.m.cpu.cr2 >>> 0).toBe(0x200000);
    expect(rd(t, 0x1ffffc)).toBe(0x5a5a5a5a);
  });

  it('a user PUSH onto a missing page leaves ESP as it was', () => {
    const src = 'mov esp, 0x200004; here: push eax; hlt';
    const t = paged(src, { user: true });
    expect(vectorTaken(t)).toBe(PF);
    expect(frame(t, true, true)).toMatchObject({ error: 0b110, eip: at(src, 'here'), esp: 0x200004 });
  });
});

// --- faults while delivering an interrupt: #TS, #SS, #NP, #GP with EXT -------------------------------

describe('faults raised while delivering an interrupt', () => {
  /**
   * CPL 3 code whose exceptions switch to a ring-0 stack through the TSS. #TS, #NP, #SS and #GP
   * go instead to a conforming segment: that handler runs at CPL 3 on the user stack, so it needs
   * no TSS (the run ends in its endless loop; `frame` reads what it was given).
   */
  function user(src: string, setup: (t: TestMachine) => void): TestMachine {
    const t = machine(src, { user: true, setup });
    for (const v of [TS, NP, SSF, GP]) {
      t.m.phys.load(LOOPS + 2 * v, Uint8Array.from([0xeb, 0xfe])); // jmp $
      gate(t, v, CONFORMING, LOOPS + 2 * v, { dpl: 0 });
    }
    return t;
  }
  /** Runs into a conforming handler's endless loop; returns the vector it belongs to. */
  function loop(t: TestMachine): number {
    const r = runToHalt(t, 20_000);
    expect(r.reason, t.m.cpu.shutdownReason ?? '').toBe('cycles');
    expect(t.m.cpu.cpl).toBe(3);
    return (t.m.cpu.eip - LOOPS) / 2;
  }
  const ss0 = (t: TestMachine, sel: number): void => t.m.phys.write32(TSS + 8, sel);

  it('INT n through a DPL-3 gate with an invalid ring-0 SS in the TSS: #TS(SS selector), EXT clear, at the INT', () => {
    // A fault while INT n delivers its interrupt belongs to the INT: the pushed EIP is the INT's.
    const src = 'nop; here: int 0x41; hlt';
    const t = user(src, (t) => {
      gate(t, 0x41, CODE0, STUBS + 0x41, { dpl: 3 });
      ss0(t, 0x23); // a DPL-3 segment cannot be the ring-0 stack
    });
    expect(loop(t)).toBe(TS);
    expect(frame(t, true)).toMatchObject({ error: 0x20, eip: at(src, 'here'), cs: 0x1b });
  });

  it('an exception with an invalid ring-0 SS: #TS(SS selector + EXT), EIP at the faulting instruction', () => {
    const src = 'nop; here: .byte 0x0f, 0xff; hlt';
    const t = user(src, (t) => ss0(t, 0x23));
    expect(loop(t)).toBe(TS);
    expect(frame(t, true)).toMatchObject({ error: 0x21, eip: at(src, 'here') });
  });

  it('a ring-0 SS selector beyond the GDT is #TS(selector + EXT), not #GP', () => {
    const t = user('.byte 0x0f, 0xff', (t) => ss0(t, 0x3f8));
    expect(loop(t)).toBe(TS);
    expect(frame(t, true).error).toBe(0x3f9);
  });

  it('a null ring-0 SS is #TS(EXT): 0 for INT n, 1 for an exception', () => {
    const sw = user('int 0x41', (t) => { gate(t, 0x41, CODE0, STUBS + 0x41, { dpl: 3 }); ss0(t, 0); });
    expect(loop(sw)).toBe(TS);
    expect(frame(sw, true).error).toBe(0);
    const ex = user('.byte 0x0f, 0xff', (t) => ss0(t, 0));
    expect(loop(ex)).toBe(TS);
    expect(frame(ex, true).error).toBe(1);
  });

  it('a ring-0 SS that is not present is #SS(selector + EXT)', () => {
    const t = user('.byte 0x0f, 0xff', (t) => ss0(t, ABSENT0));
    expect(loop(t)).toBe(SSF);
    expect(frame(t, true).error).toBe(ABSENT0 | 1);
  });

  it('a TSS too small to hold the ring-0 stack pointer is #TS(TSS selector + EXT)', () => {
    const t = user('.byte 0x0f, 0xff', (t) => { t.m.cpu.trLimit = 8; });
    expect(loop(t)).toBe(TS);
    expect(frame(t, true).error).toBe(0x28 | 1);
  });

  it('a ring-0 stack without room for the frame is #SS(0) (+ EXT), and nothing is written on it', () => {
    const sw = user('int 0x41', (t) => {
      gate(t, 0x41, CODE0, STUBS + 0x41, { dpl: 3 });
      ss0(t, SMALL0);
      t.m.phys.write32(TSS + 4, 0x10); // ESP0: room for four dwords of the five
      t.m.phys.write32(0x40000, 0x5a5a5a5a);
    });
    expect(loop(sw)).toBe(SSF);
    expect(frame(sw, true).error).toBe(0);
    expect(rd(sw, 0x40000)).toBe(0x5a5a5a5a);
    const ex = user('.byte 0x0f, 0xff', (t) => { ss0(t, SMALL0); t.m.phys.write32(TSS + 4, 0x10); });
    expect(loop(ex)).toBe(SSF);
    expect(frame(ex, true).error).toBe(1);
  });

  it('a gate whose entry point lies beyond its code segment limit is #GP(0) (+ EXT)', () => {
    const sw = machine('int 0x41; hlt', { setup: (t) => gate(t, 0x41, SMALLCODE, 0x2000) });
    expect(vectorTaken(sw)).toBe(GP);
    expect(frame(sw, true).error).toBe(0);
    const ex = machine('.byte 0x0f, 0xff', { setup: (t) => gate(t, UD, SMALLCODE, 0x2000) });
    expect(vectorTaken(ex)).toBe(GP);
    expect(frame(ex, true).error).toBe(1);
  });

  it('a gate that is not present is #NP(vector x 8 + 2 + EXT): 0x20A for INT 0x41, 0x33 while delivering #UD', () => {
    const sw = machine('int 0x41; hlt', { setup: (t) => gate(t, 0x41, CODE0, STUBS + 0x41, { present: false }) });
    expect(vectorTaken(sw)).toBe(NP);
    expect(frame(sw, true).error).toBe(0x20a);
    const src = 'nop; here: .byte 0x0f, 0xff';
    const ex = machine(src, { setup: (t) => gate(t, UD, CODE0, STUBS + UD, { present: false }) });
    expect(vectorTaken(ex)).toBe(NP); // #UD is benign: no double fault
    expect(frame(ex, true)).toMatchObject({ error: 0x33, eip: at(src, 'here') });
  });

  it('an IDT entry that is not a gate is #GP(vector x 8 + 2 + EXT)', () => {
    const t = machine('int 0x41; hlt', { setup: (t) => gate(t, 0x41, CODE0, STUBS, { type: 0x9 }) });
    expect(vectorTaken(t)).toBe(GP);
    expect(frame(t, true).error).toBe(0x20a);
  });

  it('a vector beyond the IDT limit is #GP(vector x 8 + 2 + EXT)', () => {
    const t = machine('int 0x41; hlt', { setup: (t) => { t.m.cpu.idtrLimit = 0x41 * 8 - 1; } });
    expect(vectorTaken(t)).toBe(GP);
    expect(frame(t, true).error).toBe(0x20a);
  });

  it('a gate selector beyond the GDT is #GP(selector + EXT); one naming an absent LDT keeps TI', () => {
    const sw = machine('int 0x41; hlt', { setup: (t) => gate(t, 0x41, 0x3f8, 0) });
    expect(vectorTaken(sw)).toBe(GP);
    expect(frame(sw, true).error).toBe(0x3f8);
    const ex = machine('.byte 0x0f, 0xff', { setup: (t) => gate(t, UD, 0x3f8, 0) });
    expect(vectorTaken(ex)).toBe(GP);
    expect(frame(ex, true).error).toBe(0x3f9);
    const ldt = machine('.byte 0x0f, 0xff', { setup: (t) => gate(t, UD, 0x0c, 0) });
    expect(vectorTaken(ldt)).toBe(GP);
    expect(frame(ldt, true).error).toBe(0x0d);
  });

  it('a gate to a data segment is #GP(selector + EXT)', () => {
    const t = machine('.byte 0x0f, 0xff', { setup: (t) => gate(t, UD, 0x10, 0) });
    expect(vectorTaken(t)).toBe(GP);
    expect(frame(t, true).error).toBe(0x11);
  });

  it('an external interrupt through a gate that is not present is #NP with EXT set', () => {
    const t = machine('sti; nop; jmp .', { setup: (t) => gate(t, 0x41, CODE0, STUBS + 0x41, { present: false }) });
    const cpu = t.m.cpu;
    cpu.irqPending = true;
    cpu.ackIrq = () => {
      cpu.irqPending = false;
      return 0x41;
    };
    expect(vectorTaken(t)).toBe(NP);
    expect(frame(t, true).error).toBe(0x20b);
    expect(frame(t, true).eflags & IF).toBe(IF);
  });

  it('an NMI through a gate that is not present is #NP(0x13)', () => {
    const t = machine('nop; jmp .', { setup: (t) => gate(t, 2, CODE0, STUBS + 2, { present: false }) });
    t.m.cpu.nmiPending = true;
    expect(vectorTaken(t)).toBe(NP);
    expect(frame(t, true).error).toBe(0x13);
  });
});

// --- double and triple faults ---------------------------------------------------------------------------

describe('double fault and shutdown', () => {
  it('#GP while delivering #NP (a bad gate) is #DF(0), with the faulting instruction as its EIP', () => {
    const src = `mov ax, ${ABSENT0}; here: mov ds, ax; hlt`;
    const t = machine(src, { setup: (t) => gate(t, NP, CODE0, STUBS + NP, { type: 0 }) });
    expect(vectorTaken(t)).toBe(DF);
    expect(frame(t, true)).toMatchObject({ error: 0, eip: at(src, 'here'), cs: CODE0 });
    expect(t.m.cpu.seg[DS]).toBe(0x10);
  });

  it('#NP while delivering #PF is #DF; CR2 still holds the page fault address', () => {
    const src = 'here: mov eax, [0x200000]; hlt';
    const t = machine(src, { setup: (t) => { enablePaging(t.m, [0x200000]); gate(t, PF, CODE0, STUBS + PF, { present: false }); } });
    expect(vectorTaken(t)).toBe(DF);
    expect(frame(t, true)).toMatchObject({ error: 0, eip: at(src, 'here') });
    expect(t.m.cpu.cr2 >>> 0).toBe(0x200000);
  });

  it('#PF while delivering #GP is delivered as a #PF (contributory then page fault is not a double fault)', () => {
    // At CPL 3, HLT is #GP; its gate leads to ring 0 whose stack page is missing; #PF's gate goes
    // to the conforming segment, on the user stack.
    const src = 'nop; here: hlt';
    const t = machine(src, { user: true, setup: (t) => { enablePaging(t.m, [ESP0 - 0x1000]); } });
    t.m.phys.load(LOOPS, Uint8Array.from([0xeb, 0xfe]));
    gate(t, PF, CONFORMING, LOOPS);
    expect(runToHalt(t, 20_000).reason).toBe('cycles');
    expect(t.m.cpu.eip).toBe(LOOPS);
    // A supervisor write to a missing page: the frame's first slot below ESP0.
    expect(frame(t, true)).toMatchObject({ error: 0b010, eip: at(src, 'here'), cs: 0x1b });
    expect(t.m.cpu.cr2 >>> 0).toBe(ESP0 - 4);
  });

  it('benign, contributory, page fault, page fault: the chain ends in #DF, not a shutdown', () => {
    // #UD's gate is not present (#NP, with EXT); #NP's handler is at ring 0 whose stack page is
    // missing (#PF, delivered as such after a contributory fault); #PF's handler is there too
    // (#PF while delivering #PF: #DF); #DF's gate leads to the conforming segment.
    const src = 'nop; here: .byte 0x0f, 0xff';
    const t = machine(src, {
      user: true,
      setup: (t) => {
        enablePaging(t.m, [ESP0 - 0x1000]);
        gate(t, UD, CODE0, STUBS + UD, { present: false });
      },
    });
    t.m.phys.load(LOOPS, Uint8Array.from([0xeb, 0xfe]));
    gate(t, DF, CONFORMING, LOOPS);
    const r = runToHalt(t, 20_000);
    expect(r.reason, t.m.cpu.shutdownReason ?? '').toBe('cycles');
    expect(t.m.cpu.eip).toBe(LOOPS);
    expect(frame(t, true)).toMatchObject({ error: 0, eip: at(src, 'here'), cs: 0x1b });
  });

  it('a fault while delivering #DF shuts the processor down (triple fault)', () => {
    const t = machine(`mov ax, ${ABSENT0}; mov ds, ax; hlt`, {
      setup: (t) => { gate(t, NP, CODE0, 0, { present: false }); gate(t, DF, CODE0, 0, { present: false }); },
    });
    const r = runToHalt(t, 1_000_000);
    expect(r.reason).toBe('shutdown');
    expect(t.m.cpu.shutdownReason).toMatch(/^triple fault: #NP\(0x43\).* while delivering #DF/);
  });

  it('an empty IDT turns any exception into a triple fault', () => {
    const t = machine('nop; .byte 0x0f, 0xff', { setup: (t) => { t.m.cpu.idtrLimit = 0; } });
    const r = runToHalt(t, 1_000_000);
    expect(r.reason).toBe('shutdown');
    expect(t.m.cpu.shutdownReason).toMatch(/^triple fault: #GP\(0x43\)/);
    expect(t.m.cpu.halted).toBe(true);
  });

  it('the processor stays shut down: running it again does nothing', () => {
    const t = machine('.byte 0x0f, 0xff', { setup: (t) => { t.m.cpu.idtrLimit = 0; } });
    runToHalt(t, 1_000_000);
    const before = t.m.cpu.instructions;
    expect(runToHalt(t, 1_000_000).reason).toBe('shutdown');
    expect(t.m.cpu.instructions).toBe(before);
  });
});

describe('exceptions leave EFLAGS as they were', () => {
  it('the EFLAGS pushed for a fault is the faulting instruction\'s (IF, CF), and IF is clear in the handler', () => {
    const src = 'sti; stc; here: mov eax, [0x200000]';
    const t = machine(src, { setup: (t) => enablePaging(t.m, [0x200000]) });
    expect(vectorTaken(t)).toBe(PF);
    expect(frame(t, true).eflags & (IF | CF)).toBe(IF | CF);
    expect(getEflags(t.m.cpu) & IF).toBe(0);
  });
});
