// Virtual-8086 mode (i386 PRM chapter 15): entering it by IRETD at CPL 0 (emulator/cpu/ops/
// control.ts), running real-mode-style code at CPL 3, the IOPL-sensitive instructions, the I/O
// permission bit map, interrupts and exceptions out of v86 mode through the IDT to a ring-0
// monitor (emulator/cpu/interrupts.ts), and IRETD back.
//
// Layout: the ring-0 monitor starts at 0x10000 (flat32, CPL 0) with its stack at 0x70000; it
// builds an IRETD frame and enters v86 mode at 2000:0000 (linear 0x20000) with DS = ES = 3000,
// SS = 4000, SP = FFFE. The TSS's ring-0 stack is 10:80000 (pm-fixture.ts), so a frame pushed from
// v86 mode sits just below 0x80000. Unless a test says otherwise every IDT gate leads to a HLT at
// 0x3F00, and the run ends there.

import { describe, expect, it } from 'vitest';
import { getEflags } from '../../../../emulator/cpu/flags.ts';
import { CS, DS, EAX, ES, ESP, FS, GS, SS } from '../../../../emulator/cpu/registers.ts';
import { run } from '../../../../emulator/cpu/step.ts';
import { IF, IOPL, RF, SEG_DB, TF, VM } from '../../../../emulator/cpu/state.ts';
import { flat32, runToHalt, type TestMachine } from '../../../harness/cpu.ts';
import { asm16, asm32 } from '../../../harness/gas.ts';
import { CODE3, enablePaging, GDT, IDT, installTables, PT, setGate, setPortAllowed } from './pm-fixture.ts';

const MONITOR = 0x10000, MONITOR_STACK = 0x70000, ESP0 = 0x80000, HALT = 0x3f00;
const V86_CS = 0x2000, V86_DS = 0x3000, V86_SS = 0x4000, V86_SP = 0xfffe;
/** Where a test's own ring-0 handlers go. */
const HANDLER = 0x4000;
const UD = 6, GP = 13, PF = 14;

const rd = (t: TestMachine, at: number): number => t.m.phys.read32(at) >>> 0;
const rdw = (t: TestMachine, at: number): number => t.m.phys.read16(at);
const r32 = (t: TestMachine, r: number): number => t.m.cpu.reg[r]! >>> 0;

interface EnterOptions {
  iopl?: number;
  /** Extra EFLAGS bits for the v86 task (IF, TF...). */
  flags?: number;
  /** The frame's EIP, ESP and segment selectors, where a test needs others than the defaults. */
  eip?: number;
  esp?: number;
  cs?: number;
  ss?: number;
  ds?: number;
  es?: number;
  fs?: number;
  gs?: number;
  /** Called after the tables are built, before the run. */
  setup?: (t: TestMachine) => void;
}

/** The monitor: pushes a v86 IRETD frame (GS FS DS ES SS ESP EFLAGS CS EIP) and IRETDs to it. */
function monitorSource(o: EnterOptions): string {
  const eflags = VM | ((o.iopl ?? 0) << 12) | (o.flags ?? 0) | 2;
  return `.intel_syntax noprefix
    push ${o.gs ?? 0}
    push ${o.fs ?? 0}
    push ${o.ds ?? V86_DS}
    push ${o.es ?? V86_DS}
    push ${o.ss ?? V86_SS}
    push ${o.esp ?? V86_SP}
    push ${eflags}
    push ${o.cs ?? V86_CS}
    push ${o.eip ?? 0}
    iretd`;
}

/** The monitor's IRETD, at the end of the nine pushes (each `push imm32`, 5 bytes; 2 for small imm8). */
function iretAddress(o: EnterOptions): number {
  return MONITOR + asm32(monitorSource(o), MONITOR).length - 1;
}

/** A machine that enters v86 mode through the monitor's IRETD and runs `code` (16-bit, Intel syntax) at 2000:0000. */
function v86(code: string, o: EnterOptions = {}): TestMachine {
  const t = flat32(asm32(monitorSource(o), MONITOR), { addr: MONITOR, stack: MONITOR_STACK });
  installTables(t.m, { esp0: ESP0 });
  t.m.phys.load(HALT, Uint8Array.from([0xf4]));
  for (let v = 0; v < 0x30; v++) setGate(t.m, v, HALT);
  t.m.phys.load(V86_CS << 4, asm16(`.intel_syntax noprefix\n${code}`, 0));
  o.setup?.(t);
  return t;
}

/** Ring-0 handler code (32-bit, Intel syntax) at `at`, behind gate `vector` of DPL `dpl`. */
function handler(t: TestMachine, vector: number, at: number, src: string, dpl = 0): void {
  t.m.phys.load(at, asm32(`.intel_syntax noprefix\n${src}`, at));
  setGate(t.m, vector, at, dpl);
}

function runHalted(t: TestMachine): void {
  const r = runToHalt(t, 1_000_000);
  expect(r.reason, t.m.cpu.shutdownReason ?? '').toBe('halt');
}

interface V86Frame { error: number | null; eip: number; cs: number; eflags: number; esp: number; ss: number; es: number; ds: number; fs: number; gs: number }

/** The frame an interrupt from v86 mode left on the ring-0 stack (ESP points at it). */
function v86Frame(t: TestMachine, hasError: boolean): V86Frame {
  let at = r32(t, ESP);
  const error = hasError ? rd(t, at) : null;
  if (hasError) at += 4;
  const w = (k: number): number => rd(t, at + 4 * k);
  return { error, eip: w(0), cs: w(1), eflags: w(2), esp: w(3), ss: w(4), es: w(5), ds: w(6), fs: w(7), gs: w(8) };
}

/** Where the instruction after `label:` in the v86 code `code` was assembled (no forward references before it). */
function offsetOf(code: string, label: string): number {
  return asm16(`.intel_syntax noprefix\n${code.slice(0, code.indexOf(`${label}:`))}`, 0).length;
}

/** The offset of the last byte of the v86 code `code` (its final HLT). */
const lastByte = (code: string): number => asm16(`.intel_syntax noprefix\n${code}`, 0).length - 1;

// --- entering v86 mode ----------------------------------------------------------------------------

describe('IRETD to virtual-8086 mode', () => {
  const o: EnterOptions = { gs: 0x5555, fs: 0x6666, ds: 0x3000, es: 0x7777, ss: 0x4000, esp: 0x1234fffe, eip: 0x0010, iopl: 3, flags: IF };

  /** Runs the monitor's one block (its pushes and the IRETD) and stops before the v86 code. */
  function enterOnly(opts: EnterOptions): TestMachine {
    const t = v86('hlt', opts);
    t.m.cpu.stopRequested = false; // as Machine.run does before it runs the processor
    run(t.m.cpu, t.m.cpu.cycles + 1);
    return t;
  }

  it('loads the segment registers as paragraph numbers: base selector x 16, limit FFFF, DPL 3', () => {
    const cpu = enterOnly(o).m.cpu;
    const expected: Array<[number, number]> = [[CS, 0x2000], [SS, 0x4000], [DS, 0x3000], [ES, 0x7777], [FS, 0x6666], [GS, 0x5555]];
    for (const [s, sel] of expected) {
      expect(cpu.seg[s], `segment ${s}`).toBe(sel);
      expect(cpu.segBase[s]! >>> 0).toBe(sel << 4);
      expect(cpu.segLimit[s]).toBe(0xffff);
      expect(cpu.segDpl[s]).toBe(3);
      // The flat ring-0 segments the monitor ran on were 32-bit: none of that survives.
      expect(cpu.segAttr[s]! & SEG_DB).toBe(0);
    }
  });

  it('runs at CPL 3 with 16-bit code and stack, EIP and all of ESP from the frame', () => {
    const cpu = enterOnly(o).m.cpu;
    expect(cpu.cpl).toBe(3);
    expect(cpu.code32).toBe(false);
    expect(cpu.stack32).toBe(false);
    expect(cpu.eip).toBe(0x10);
    expect(cpu.reg[ESP]! >>> 0).toBe(0x1234fffe);
  });

  it('loads the whole EFLAGS image at CPL 0: VM, IOPL and IF', () => {
    const cpu = enterOnly(o).m.cpu;
    expect(getEflags(cpu) & (VM | IOPL | IF)).toBe(VM | IOPL | IF);
    const cpu0 = enterOnly({ ...o, iopl: 0, flags: 0 }).m.cpu;
    expect(getEflags(cpu0) & (VM | IOPL | IF)).toBe(VM);
  });

  it('raises #GP(0) at the IRETD, changing nothing, when the new EIP lies beyond FFFF', () => {
    const opts = { eip: 0x10000 };
    const t = v86('hlt', opts);
    runHalted(t);
    const cpu = t.m.cpu;
    expect(cpu.eip).toBe(HALT + 1);
    expect(getEflags(cpu) & VM).toBe(0);
    // Same privilege: error code, EIP, CS, EFLAGS on the monitor's stack, below its intact frame.
    const esp = r32(t, ESP);
    expect(esp).toBe(MONITOR_STACK - 36 - 16);
    expect(rd(t, esp)).toBe(0);
    expect(rd(t, esp + 4)).toBe(iretAddress(opts));
    expect(rd(t, esp + 8)).toBe(0x08);
    expect(rd(t, esp + 16)).toBe(0x10000); // the frame's EIP is still there
  });

  it('runs the v86 code with real-mode addressing: DS:offset = DS x 16 + offset', () => {
    const t = v86('mov ax, 0x1234; mov [0x10], ax; mov bx, 0x5000; mov es, bx; mov byte ptr es:[0x20], 0x77; hlt');
    runHalted(t);
    expect(rdw(t, 0x30010)).toBe(0x1234);
    expect(t.m.phys.read8(0x50020)).toBe(0x77);
  });

  it('a MOV SS in v86 mode gives a 16-bit stack (SP), whatever the upper half of ESP holds', () => {
    const t = v86('mov ax, 0x5000; mov ss, ax; mov sp, 0x100; push 0x55aa; hlt', { esp: 0x00120000 });
    runHalted(t);
    expect(rdw(t, 0x500fe)).toBe(0x55aa);
    const f = v86Frame(t, true);
    expect(f.esp).toBe(0x001200fe);
    expect(f.ss).toBe(0x5000);
  });
});

// --- interrupts and exceptions out of v86 mode -------------------------------------------------------

describe('interrupts and exceptions from virtual-8086 mode', () => {
  it('HLT is #GP(0): the monitor gets GS FS DS ES SS ESP EFLAGS CS EIP and the error code on its ring-0 stack', () => {
    const code = 'mov ax, 1; here: hlt';
    const t = v86(code, { fs: 0x1111, gs: 0x2222 });
    runHalted(t);
    const cpu = t.m.cpu;
    expect(r32(t, ESP)).toBe(ESP0 - 40);
    expect(v86Frame(t, true)).toEqual({
      error: 0, eip: offsetOf(code, 'here'), cs: V86_CS, eflags: VM | 2, esp: V86_SP, ss: V86_SS,
      es: V86_DS, ds: V86_DS, fs: 0x1111, gs: 0x2222,
    });
    // The handler runs in protected mode at CPL 0 on the TSS's stack, with the data segments null.
    expect(getEflags(cpu) & VM).toBe(0);
    expect(cpu.cpl).toBe(0);
    expect(cpu.seg[SS]).toBe(0x10);
    expect(cpu.seg[CS]).toBe(0x08);
    for (const s of [DS, ES, FS, GS]) expect(cpu.seg[s], `segment ${s}`).toBe(0);
  });

  it('the handler cannot use the nulled data segments: a DS access is #GP(0)', () => {
    const t = v86('int 0x21', { iopl: 3 });
    handler(t, 0x21, HANDLER, 'mov eax, [0x1000]; hlt', 3);
    runHalted(t);
    expect(t.m.cpu.eip).toBe(HALT + 1); // the #GP handler, not the MOV's HLT
    expect(rd(t, r32(t, ESP))).toBe(0);
    expect(rd(t, r32(t, ESP) + 4)).toBe(HANDLER);
  });

  it('an invalid opcode is #UD with the frame pointing at it', () => {
    const code = 'nop; here: .byte 0x0f, 0xff; hlt';
    const t = v86(code);
    handler(t, UD, HANDLER, 'hlt');
    runHalted(t);
    expect(t.m.cpu.eip).toBe(HANDLER + 1);
    expect(v86Frame(t, false).eip).toBe(offsetOf(code, 'here'));
  });

  it('a gate to a code segment of DPL 3 is #GP(its selector): v86 interrupts go to ring 0 only', () => {
    const t = v86('int 0x21', { iopl: 3 });
    t.m.phys.write32(IDT + 0x21 * 8, (CODE3 << 16) | HANDLER);
    t.m.phys.write32(IDT + 0x21 * 8 + 4, 0xee00);
    runHalted(t);
    expect(v86Frame(t, true).error).toBe(CODE3 & 0xfffc);
    expect(v86Frame(t, true).eip).toBe(0); // the INT
  });

  it('a gate to a conforming ring-0 code segment is #GP(its selector) too', () => {
    const t = v86('int 0x21', { iopl: 3 });
    // 0x30: conforming, DPL 0, flat.
    t.m.phys.write32(GDT + 0x30, 0x0000ffff);
    t.m.phys.write32(GDT + 0x34, 0x00cf9e00);
    t.m.cpu.gdtrLimit = 0x37;
    t.m.phys.write32(IDT + 0x21 * 8, (0x30 << 16) | HANDLER);
    t.m.phys.write32(IDT + 0x21 * 8 + 4, 0xee00);
    runHalted(t);
    expect(v86Frame(t, true).error).toBe(0x30);
  });

  it('an external interrupt is taken from v86 mode when IF is set, through a gate of any DPL', () => {
    const t = v86('nop; nop; jmp .', { flags: IF });
    handler(t, 0x20, HANDLER, 'hlt', 0);
    const cpu = t.m.cpu;
    let acks = 0;
    cpu.irqPending = true;
    cpu.ackIrq = () => {
      acks++;
      cpu.irqPending = false;
      return 0x20;
    };
    runHalted(t);
    expect(acks).toBe(1);
    expect(cpu.eip).toBe(HANDLER + 1);
    const f = v86Frame(t, false);
    expect(f.cs).toBe(V86_CS);
    expect(f.eflags & (VM | IF)).toBe(VM | IF);
    expect(getEflags(cpu) & IF).toBe(0); // an interrupt gate
  });

  it('an external interrupt is not taken from v86 mode while IF is clear', () => {
    const t = v86('nop; hlt');
    const cpu = t.m.cpu;
    cpu.irqPending = true;
    cpu.ackIrq = () => 0x20;
    runHalted(t);
    expect(cpu.eip).toBe(HALT + 1);
    expect(v86Frame(t, true).eip).toBe(1); // the HLT's #GP came first
  });

  it('an external interrupt through a gate to a DPL-3 segment is #GP(selector + EXT)', () => {
    const t = v86('nop; jmp .', { flags: IF });
    t.m.phys.write32(IDT + 0x20 * 8, (CODE3 << 16) | HANDLER);
    t.m.phys.write32(IDT + 0x20 * 8 + 4, 0x8e00);
    const cpu = t.m.cpu;
    cpu.irqPending = true;
    cpu.ackIrq = () => {
      cpu.irqPending = false;
      return 0x20;
    };
    runHalted(t);
    expect(v86Frame(t, true).error).toBe((CODE3 & 0xfffc) | 1);
  });

  it('paging checks v86 accesses with user permissions: a supervisor page is #PF(U=1)', () => {
    // DS:1000 = linear 0x31000, made supervisor-only.
    const read = v86('mov ax, [0x1000]; hlt', { setup: (t) => { enablePaging(t.m); t.m.phys.write32(PT + 0x31 * 4, 0x31000 | 3); } });
    handler(read, PF, HANDLER, 'hlt');
    runHalted(read);
    expect(v86Frame(read, true).error).toBe(0b101); // present, read, user
    expect(read.m.cpu.cr2 >>> 0).toBe(0x31000);
    const write = v86('mov word ptr [0x1000], 1; hlt', { setup: (t) => { enablePaging(t.m); t.m.phys.write32(PT + 0x31 * 4, 0x31000 | 5); } });
    handler(write, PF, HANDLER, 'hlt');
    runHalted(write);
    expect(v86Frame(write, true).error).toBe(0b111); // present, write, user (a read-only page)
    expect(rdw(write, 0x31000)).toBe(0);
  });
});

// --- IOPL-sensitive instructions ---------------------------------------------------------------------

describe('INT n in virtual-8086 mode', () => {
  it('with IOPL < 3 raises #GP(0) at the INT, for the monitor to emulate; the v86 stack is untouched', () => {
    const code = 'mov ax, 0x4c00; here: int 0x21; hlt';
    const t = v86(code, { setup: (t) => t.m.phys.write32(0x4fff8, 0x5a5a5a5a) });
    handler(t, 0x21, HANDLER, 'hlt', 3);
    runHalted(t);
    expect(t.m.cpu.eip).toBe(HALT + 1);
    const f = v86Frame(t, true);
    expect(f.error).toBe(0);
    expect(f.eip).toBe(offsetOf(code, 'here'));
    expect(f.esp).toBe(V86_SP);
    expect(rd(t, 0x4fff8)).toBe(0x5a5a5a5a);
  });

  it('with IOPL 3 goes through the IDT (gate DPL 3) with the v86 frame and no error code', () => {
    const code = 'mov ax, 0x4c00; int 0x21; after: hlt';
    const t = v86(code, { iopl: 3, flags: IF });
    handler(t, 0x21, HANDLER, 'hlt', 3);
    runHalted(t);
    expect(t.m.cpu.eip).toBe(HANDLER + 1);
    expect(r32(t, ESP)).toBe(ESP0 - 36);
    expect(v86Frame(t, false)).toEqual({
      error: null, eip: offsetOf(code, 'after'), cs: V86_CS, eflags: VM | IOPL | IF | 2, esp: V86_SP, ss: V86_SS,
      es: V86_DS, ds: V86_DS, fs: 0, gs: 0,
    });
  });

  it('with IOPL 3 through a gate of DPL 0 is #GP(vector x 8 + 2), EXT clear (a software interrupt)', () => {
    const t = v86('int 0x21', { iopl: 3 });
    handler(t, 0x21, HANDLER, 'hlt', 0);
    runHalted(t);
    expect(v86Frame(t, true).error).toBe(0x21 * 8 + 2);
  });

  it('INT3 is not IOPL-sensitive: with IOPL 0 it goes through its DPL-3 gate', () => {
    const t = v86('nop; int3; hlt');
    handler(t, 3, HANDLER, 'hlt', 3);
    runHalted(t);
    expect(t.m.cpu.eip).toBe(HANDLER + 1);
    expect(v86Frame(t, false).eip).toBe(2);
  });

  it('IRETD from the handler returns to v86 mode after the INT with every segment register restored', () => {
    const code = 'int 0x21; mov [0x20], ax; mov byte ptr fs:[0], 0x66; hlt';
    const t = v86(code, { iopl: 3, fs: 0x6000 });
    // The handler changes AX (in EAX) and returns.
    handler(t, 0x21, HANDLER, 'mov eax, 0x4321; iretd', 3);
    runHalted(t);
    expect(rdw(t, 0x30020)).toBe(0x4321);
    expect(t.m.phys.read8(0x60000)).toBe(0x66);
    const f = v86Frame(t, true); // the final HLT's #GP
    expect(f.eip).toBe(lastByte(code));
    expect(f.fs).toBe(0x6000);
    expect(f.ds).toBe(V86_DS);
  });

  it('a #GP monitor can emulate INT n and IRETD past it', () => {
    const code = 'int 0x21; mov byte ptr [0x30], 1; hlt';
    const t = v86(code);
    // Skip the error code, step the return EIP over the two-byte INT, note the vector, resume.
    handler(t, GP, HANDLER, `
      cmp dword ptr [esp], 0
      jne stop
      add esp, 4
      cmp dword ptr [esp], 0
      jne stop
      add dword ptr [esp], 2
      mov dword ptr ss:[0x5000], 0x21
      iretd
    stop: hlt`);
    runHalted(t);
    expect(rd(t, 0x5000)).toBe(0x21);
    expect(t.m.phys.read8(0x30030)).toBe(1);
  });
});

describe('PUSHF, POPF, CLI, STI and IRET in virtual-8086 mode', () => {
  for (const [insn, src] of [['PUSHF', 'pushf'], ['POPF', 'popf'], ['CLI', 'cli'], ['STI', 'sti'], ['IRET', 'iret'], ['PUSHFD', 'pushfd'], ['POPFD', 'popfd']] as const) {
    it(`${insn} with IOPL < 3 is #GP(0) and changes nothing`, () => {
      const t = v86(`nop; ${src}; hlt`, { iopl: 2, flags: IF });
      runHalted(t);
      const f = v86Frame(t, true);
      expect(f.error).toBe(0);
      expect(f.eip).toBe(1);
      expect(f.esp).toBe(V86_SP);
      expect(f.eflags).toBe(VM | (2 << 12) | IF | 2);
    });
  }

  it('PUSHF with IOPL 3 pushes the low 16 bits of EFLAGS, IOPL included', () => {
    const t = v86('stc; pushf; pop ax; mov [0], ax; hlt', { iopl: 3 });
    runHalted(t);
    expect(rdw(t, 0x30000)).toBe(IOPL | 2 | 1);
  });

  it('PUSHFD with IOPL 3 pushes EFLAGS with VM and RF clear', () => {
    const t = v86('pushfd; pop eax; mov [0], eax; hlt', { iopl: 3 });
    runHalted(t);
    expect(rd(t, 0x30000) & (VM | RF | IOPL)).toBe(IOPL);
  });

  it('POPF with IOPL 3 changes IF and the arithmetic flags but not IOPL', () => {
    const t = v86('push 0x0201; popf; hlt', { iopl: 3 });
    runHalted(t);
    expect(v86Frame(t, true).eflags).toBe(VM | IOPL | IF | 2 | 1);
  });

  it('POPFD with IOPL 3 neither clears VM nor sets RF', () => {
    const t = v86('push 0; push 0x0000; popfd; hlt', { iopl: 3 });
    runHalted(t);
    expect(v86Frame(t, true).eflags & (VM | RF | IOPL)).toBe(VM | IOPL);
    const set = v86('push 1; push 0x0001; popfd; hlt', { iopl: 3 }); // image 0x00010001: RF and CF
    runHalted(set);
    expect(v86Frame(set, true).eflags & (VM | RF | 1)).toBe(VM | 1);
  });

  it('CLI and STI with IOPL 3 change IF', () => {
    const cli = v86('cli; hlt', { iopl: 3, flags: IF });
    runHalted(cli);
    expect(v86Frame(cli, true).eflags & IF).toBe(0);
    const sti = v86('sti; hlt', { iopl: 3 });
    runHalted(sti);
    expect(v86Frame(sti, true).eflags & IF).toBe(IF);
  });

  it('IRET with IOPL 3 is a real-mode IRET: pops IP, CS and FLAGS, keeps VM and IOPL', () => {
    // Push FLAGS = 0 (IOPL 0 in the image), CS = 2000, IP = there; IRET to it.
    const code = 'push 0; push 0x2000; push offset there; iret; hlt; there: mov byte ptr [0x40], 1; hlt';
    const t = v86(code, { iopl: 3, flags: IF });
    runHalted(t);
    expect(t.m.phys.read8(0x30040)).toBe(1);
    const f = v86Frame(t, true);
    expect(f.eflags & (VM | IOPL | IF)).toBe(VM | IOPL);
    expect(f.esp).toBe(V86_SP);
  });

  it('TF in the IRETD image single-steps the v86 code after the first instruction', () => {
    const t = v86('nop; nop; hlt', { flags: TF });
    handler(t, 1, HANDLER, 'hlt');
    runHalted(t);
    expect(t.m.cpu.eip).toBe(HANDLER + 1);
    expect(v86Frame(t, false).eip).toBe(1);
  });
});

// --- I/O -------------------------------------------------------------------------------------------

describe('I/O in virtual-8086 mode consults the permission bit map whatever IOPL is', () => {
  for (const iopl of [0, 3]) {
    it(`OUT to a port the map opens runs (IOPL ${iopl})`, () => {
      const t = v86("mov al, 0x76; out 0xe9, al; hlt", { iopl, setup: (t) => setPortAllowed(t.m, 0xe9, true) });
      runHalted(t);
      expect(t.text()).toBe('v');
      expect(v86Frame(t, true).eip).toBe(4); // the HLT
    });

    it(`OUT to a port the map closes is #GP(0) and writes nothing (IOPL ${iopl})`, () => {
      const t = v86("mov al, 0x76; out 0xe9, al; hlt", { iopl });
      runHalted(t);
      expect(t.text()).toBe('');
      const f = v86Frame(t, true);
      expect(f.error).toBe(0);
      expect(f.eip).toBe(2); // the OUT
    });
  }

  it('a word OUT needs both ports open', () => {
    const t = v86('mov dx, 0xe8; out dx, ax; hlt', { setup: (t) => setPortAllowed(t.m, 0xe8, true) });
    runHalted(t);
    expect(v86Frame(t, true).eip).toBe(3);
    const both = v86('mov dx, 0xe8; out dx, ax; hlt', { setup: (t) => { setPortAllowed(t.m, 0xe8, true); setPortAllowed(t.m, 0xe9, true); } });
    runHalted(both);
    expect(v86Frame(both, true).eip).toBe(4);
  });

  it('OUTSB checks the map too', () => {
    const t = v86('mov si, 0x50; mov dx, 0xe9; outsb; hlt', { setup: (t) => t.m.phys.write8(0x30050, 0x41) });
    runHalted(t);
    expect(t.text()).toBe('');
    expect(v86Frame(t, true).eip).toBe(6);
  });
});

// --- privileged and protected-mode-only instructions ------------------------------------------------

describe('instructions virtual-8086 mode does not allow', () => {
  for (const src of ['lgdt [0x100]', 'lidt [0x100]', 'mov eax, cr0', 'mov cr3, eax', 'lmsw ax', 'clts', 'mov eax, dr7', 'hlt']) {
    it(`${src} is #GP(0) (CPL 3)`, () => {
      const t = v86(`nop; ${src}; hlt`);
      runHalted(t);
      const f = v86Frame(t, true);
      expect(f.error).toBe(0);
      expect(f.eip).toBe(1);
    });
  }

  for (const src of ['lldt ax', 'ltr ax', 'sldt ax', 'str ax', 'lar ax, bx', 'lsl ax, bx', 'verr ax', 'verw ax', 'arpl ax, bx']) {
    it(`${src} is #UD (not recognized outside protected mode)`, () => {
      const t = v86(`nop; ${src}; hlt`);
      handler(t, UD, HANDLER, 'hlt');
      runHalted(t);
      expect(t.m.cpu.eip).toBe(HANDLER + 1);
      expect(v86Frame(t, false).eip).toBe(1);
    });
  }

  it('SMSW is allowed (not privileged)', () => {
    const t = v86('smsw ax; mov [0], ax; hlt');
    runHalted(t);
    expect(rdw(t, 0x30000) & 1).toBe(1);
    expect(r32(t, EAX) & 1).toBe(1);
  });
});
