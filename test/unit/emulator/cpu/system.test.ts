// System instructions (emulator/cpu/ops/system.ts), run as encoded instructions through the
// machine. Code is assembled with GNU as (Intel syntax). Exceptions are observed through real
// handlers: in real mode an IVT, in protected mode a GDT, IDT and TSS built in guest memory, whose
// handler for vector v stores v at MARK and halts.

import { describe, expect, it } from 'vitest';
import { getCF, getEflags } from '../../../../emulator/cpu/flags.ts';
import { CS, DS, EAX, EBX, ECX, EDX, ES, ESP, FS, GS, SS } from '../../../../emulator/cpu/registers.ts';
import { loadSegmentReal } from '../../../../emulator/cpu/segments.ts';
import {
  AF, CF, type Cpu, CR0_EM, CR0_ET, CR0_MP, CR0_PE, CR0_PG, CR0_TS, CR0_WP, DF, IF, OF, PF, SF, VM, ZF,
} from '../../../../emulator/cpu/state.ts';
import { updateAccessMasks } from '../../../../emulator/cpu/tlb.ts';
import type { CpuModel } from '../../../../emulator/cpu/state.ts';
import { flat32, realMode, runToHalt, type TestMachine } from '../../../harness/cpu.ts';
import { asmIntel } from '../../../harness/gas.ts';

// --- assembling -------------------------------------------------------------------------------

const asm = asmIntel;

// --- guest memory layout -------------------------------------------------------------------------

const GDT = 0x1000, IDT = 0x2000, STUBS = 0x3000, MARK = 0x4000, TSS = 0x4800;
/** MARK before any handler ran. */
const NONE = 0xff;
const CODE32 = 0x10000;

const KCODE = 0x08, KDATA = 0x10, UCODE = 0x1b, UDATA = 0x23, FAULT_TSS = 0x28;
// Test descriptors (GDT slots from 0x30).
const LDT_SEL = 0x30, TSS_SEL = 0x38, DATA_DPL2 = 0x40, CODE_PAGES = 0x48, CODE_XONLY = 0x50,
  CODE_CONFORMING = 0x58, INT_GATE = 0x60, CALL_GATE = 0x68, DATA_NP = 0x70, LDT_NP = 0x78, DATA_RO = 0x80,
  BUSY_TSS = 0x88;
const GDT_LIMIT = 0xff;
const LDT_BASE = 0x7800, TEST_TSS_BASE = 0x7000;

function rd8(t: TestMachine, a: number): number { return t.m.phys.read8(a); }
function rd16(t: TestMachine, a: number): number { return t.m.phys.read8(a) | (t.m.phys.read8(a + 1) << 8); }
function rd32(t: TestMachine, a: number): number { return t.m.phys.read32(a) >>> 0; }
function wr32(t: TestMachine, a: number, v: number): void { t.m.phys.write32(a, v | 0); }
function wr16(t: TestMachine, a: number, v: number): void { t.m.phys.write8(a, v & 0xff); t.m.phys.write8(a + 1, (v >>> 8) & 0xff); }

/** A segment descriptor: `access` is P|DPL|S|type, `flags` is G|D|0|AVL. */
function descriptor(t: TestMachine, sel: number, base: number, limit: number, access: number, flags: number): void {
  const a = GDT + (sel & ~7);
  wr32(t, a, (limit & 0xffff) | ((base & 0xffff) << 16));
  wr32(t, a + 4, ((base >>> 16) & 0xff) | (access << 8) | (((limit >>> 16) & 0xf) << 16) | (flags << 20) | (base & 0xff000000));
}
const descHi = (t: TestMachine, sel: number): number => rd32(t, GDT + (sel & ~7) + 4);

/** Real mode, with an IVT whose handler for vector v stores v at MARK and halts. */
function real(src: string, model: CpuModel = 386): TestMachine {
  const t = realMode(asm(src, 16), { config: { cpu: model } });
  for (let v = 0; v < 0x30; v++) {
    wr16(t, v * 4, STUBS + v * 8);
    wr16(t, v * 4 + 2, 0);
    t.m.phys.load(STUBS + v * 8, Uint8Array.from([0xc6, 0x06, MARK & 0xff, MARK >> 8, v, 0xf4])); // mov byte [MARK], v; hlt
  }
  t.m.phys.write8(MARK, NONE);
  return t;
}

/**
 * Flat 32-bit protected mode at CPL 0 with a GDT (flat ring-0 and ring-3 segments, the test
 * descriptors), an IDT of 386 interrupt gates to stubs that store the vector at MARK, and a TSS
 * whose ring-0 stack receives faults raised at CPL 3.
 */
function prot(src: string, model: CpuModel = 386, memoryBytes?: number): TestMachine {
  const t = flat32(asm(src), { addr: CODE32, config: { cpu: model, memoryBytes } });
  const cpu = t.m.cpu;
  descriptor(t, KCODE, 0, 0xfffff, 0x9a, 0xc);
  descriptor(t, KDATA, 0, 0xfffff, 0x92, 0xc);
  descriptor(t, UCODE, 0, 0xfffff, 0xfa, 0xc);
  descriptor(t, UDATA, 0, 0xfffff, 0xf2, 0xc);
  descriptor(t, FAULT_TSS, TSS, 0x67, 0x8b, 0x0);
  descriptor(t, LDT_SEL, LDT_BASE, 0x3f, 0x82, 0x0);
  descriptor(t, TSS_SEL, TEST_TSS_BASE, 0x67, 0x89, 0x0);
  descriptor(t, DATA_DPL2, 0x123456, 0xfff, 0xd2, 0x4);
  descriptor(t, CODE_PAGES, 0, 0xfffff, 0x9a, 0xc);
  descriptor(t, CODE_XONLY, 0, 0xffff, 0x98, 0x4);
  descriptor(t, CODE_CONFORMING, 0, 0xffff, 0x9e, 0x4);
  descriptor(t, INT_GATE, 0, 0, 0x8e, 0);
  descriptor(t, CALL_GATE, 0, 0, 0x8c, 0);
  descriptor(t, DATA_NP, 0, 0xffff, 0x12, 0x4);
  descriptor(t, LDT_NP, LDT_BASE, 0x3f, 0x02, 0x0);
  descriptor(t, DATA_RO, 0, 0xffff, 0x90, 0x4);
  descriptor(t, BUSY_TSS, TEST_TSS_BASE, 0x67, 0x8b, 0x0);
  cpu.gdtrBase = GDT;
  cpu.gdtrLimit = GDT_LIMIT;
  for (let v = 0; v < 0x30; v++) {
    const handler = STUBS + v * 16;
    wr32(t, IDT + v * 8, (KCODE << 16) | (handler & 0xffff));
    // INT3 (vector 3) may be used from ring 3: its gate has DPL 3.
    wr32(t, IDT + v * 8 + 4, (handler & 0xffff0000) | (v === 3 ? 0xee00 : 0x8e00));
    // mov byte ss:[MARK], v; hlt — through SS, which is always the flat ring-0 stack here (an
    // interrupt from virtual-8086 mode leaves DS null).
    t.m.phys.load(handler, Uint8Array.from([0x36, 0xc6, 0x05, MARK & 0xff, MARK >> 8, 0, 0, v, 0xf4]));
  }
  cpu.idtrBase = IDT;
  cpu.idtrLimit = 0x30 * 8 - 1;
  wr32(t, TSS + 4, 0x80000); // ESP0
  wr32(t, TSS + 8, KDATA); // SS0
  cpu.trSel = FAULT_TSS;
  cpu.trBase = TSS;
  cpu.trLimit = 0x67;
  cpu.trType = 0xb;
  t.m.phys.write8(MARK, NONE);
  return t;
}

/** Drops the running code to CPL 3 (flat ring-3 segments), as an IRET to user mode would leave it. */
function ring3(t: TestMachine, iopl = 0): TestMachine {
  const cpu = t.m.cpu;
  cpu.cpl = 3;
  cpu.seg[CS] = UCODE;
  cpu.segDpl[CS] = 3;
  for (const s of [SS, DS, ES, FS, GS]) {
    cpu.seg[s] = UDATA;
    cpu.segDpl[s] = 3;
  }
  cpu.flags = (cpu.flags & ~(3 << 12)) | (iopl << 12);
  updateAccessMasks(cpu);
  return t;
}

/** Virtual-8086 mode running `src` (16-bit code) at 1000:0000, with the protected-mode handlers. */
function v86(src: string, iopl = 0): TestMachine {
  const t = prot('hlt');
  const cpu = t.m.cpu;
  t.m.phys.load(0x10000, Uint8Array.from(asm(src, 16)));
  cpu.flags = (cpu.flags & ~(3 << 12)) | VM | (iopl << 12);
  cpu.cpl = 3;
  for (const s of [ES, CS, SS, DS, FS, GS]) loadSegmentReal(cpu, s, s === CS ? 0x1000 : s === SS ? 0x8000 : 0);
  cpu.code32 = false;
  cpu.stack32 = false;
  cpu.eip = 0;
  cpu.reg[ESP] = 0xfffe;
  updateAccessMasks(cpu);
  cpu.blockExit = true;
  return t;
}

function run(t: TestMachine): Cpu {
  const r = runToHalt(t, 1_000_000);
  expect(r.reason, t.m.cpu.shutdownReason ?? '').toBe('halt');
  return t.m.cpu;
}

/** The vector the run ended in, or NONE. */
const raised = (t: TestMachine): number => rd8(t, MARK);
/** Protected mode, after a fault with an error code: [error code, EIP]. */
const pmFrame = (t: TestMachine): [number, number] => {
  const sp = t.m.cpu.reg[ESP]! >>> 0;
  return [rd32(t, sp), rd32(t, sp + 4)];
};

const UD = 6, NM = 7, NP = 11, GP = 13;

// --- flags -------------------------------------------------------------------------------------

describe('flag instructions', () => {
  it('CLC clears CF and STC sets it', () => {
    let cpu = run(real('stc; clc; hlt'));
    expect(getCF(cpu)).toBe(0);
    cpu = run(real('clc; stc; hlt'));
    expect(getCF(cpu)).toBe(1);
  });

  it('CMC complements the CF an addition left', () => {
    // 0xFF + 1 carries; CMC clears it; a second CMC sets it again.
    let cpu = run(real('mov al, 0xff; add al, 1; cmc; hlt'));
    expect(getCF(cpu)).toBe(0);
    cpu = run(real('mov al, 0xff; add al, 1; cmc; cmc; hlt'));
    expect(getCF(cpu)).toBe(1);
  });

  it('CMC leaves the other flags the addition produced', () => {
    const cpu = run(real('mov al, 0xff; add al, 1; cmc; hlt'));
    expect(getEflags(cpu) & (ZF | AF | PF | SF | OF)).toBe(ZF | AF | PF);
  });

  it('STD sets DF and CLD clears it', () => {
    let cpu = run(real('std; hlt'));
    expect(cpu.flags & DF).toBe(DF);
    cpu = run(real('std; cld; hlt'));
    expect(cpu.flags & DF).toBe(0);
  });

  it('SAHF loads SF ZF AF PF CF from AH and leaves OF', () => {
    // 0x7F + 1 overflows (OF = 1); AH = D5 = SF ZF AF PF CF.
    const cpu = run(real('mov al, 0x7f; add al, 1; mov ah, 0xd5; sahf; hlt'));
    expect(getEflags(cpu) & (SF | ZF | AF | PF | CF | OF)).toBe(SF | ZF | AF | PF | CF | OF);
  });

  it('SAHF clears the flags whose AH bits are 0', () => {
    const cpu = run(real('stc; mov ah, 0; sahf; hlt'));
    expect(getEflags(cpu) & (SF | ZF | AF | PF | CF)).toBe(0);
  });

  it('LAHF stores the flags in AH with bit 1 set and bits 3 and 5 clear', () => {
    const cpu = run(real('mov ah, 0xff; sahf; mov ah, 0; lahf; hlt'));
    expect(cpu.reg8[1]).toBe(0xd7);
  });

  it('LAHF after SAHF gives back the flag bits (round trip)', () => {
    for (const ah of [0x00, 0x01, 0x04, 0x10, 0x40, 0x80, 0x55, 0xc5]) {
      const cpu = run(real(`mov ah, ${ah}; sahf; mov ah, 0xaa; lahf; hlt`));
      expect(cpu.reg8[1]).toBe((ah & 0xd5) | 2);
    }
  });

  it('LAHF reads lazily computed flags (ZF and PF of a zero result)', () => {
    const cpu = run(real('xor bx, bx; lahf; hlt'));
    expect(cpu.reg8[1]).toBe(ZF | PF | 2);
  });

  it('CLI clears IF and STI sets it in real mode', () => {
    const t = real('sti; hlt');
    let cpu = run(t);
    expect(cpu.flags & IF).toBe(IF);
    cpu = run(real('sti; cli; hlt'));
    expect(cpu.flags & IF).toBe(0);
  });

  it('STI holds off a pending interrupt until the next instruction has run', () => {
    // A request is pending from the start; after STI, the MOV still runs before vector 0x20.
    const t = real('sti; mov byte ptr [0x5000], 1; mov byte ptr [0x5001], 2; hlt');
    const cpu = t.m.cpu;
    let delivered = false;
    cpu.irqPending = true;
    cpu.ackIrq = () => {
      if (delivered) return -1;
      delivered = true;
      cpu.irqPending = false;
      return 0x20;
    };
    run(t);
    expect(raised(t)).toBe(0x20);
    expect(rd8(t, 0x5000)).toBe(1);
    expect(rd8(t, 0x5001)).toBe(0);
  });

  it('CLI at CPL 3 with IOPL 0 raises #GP(0) and leaves IF set', () => {
    const t = ring3(prot('cli; hlt'));
    t.m.cpu.flags |= IF;
    run(t);
    expect(raised(t)).toBe(GP);
    expect(pmFrame(t)).toEqual([0, CODE32]);
  });

  it('STI at CPL 3 is allowed when IOPL is 3', () => {
    const t = ring3(prot('sti; mov byte ptr [0x5000], 1; int3'), 3);
    run(t);
    expect(rd8(t, 0x5000)).toBe(1);
    expect(t.m.cpu.flags & IF).toBe(0); // the interrupt gate of INT3 cleared it again
    expect(raised(t)).toBe(3);
  });

  it('STI in virtual-8086 mode with IOPL below 3 raises #GP(0)', () => {
    const t = v86('sti; mov byte ptr [0x5000], 1; hlt', 2);
    run(t);
    expect(raised(t)).toBe(GP);
    expect(pmFrame(t)).toEqual([0, 0]); // error code 0, at the STI
    expect(rd8(t, 0x5000)).toBe(0);
  });

  it('CLI in virtual-8086 mode with IOPL 3 clears IF', () => {
    const t = v86('cli; int3', 3);
    t.m.cpu.flags |= IF;
    run(t);
    expect(raised(t)).toBe(3);
    // The v86 EFLAGS pushed by INT3 (EIP, CS, EFLAGS, ...) has IF clear.
    const sp = t.m.cpu.reg[ESP]! >>> 0;
    expect(rd32(t, sp + 8) & IF).toBe(0);
  });
});

// --- HLT, WAIT, ESC -----------------------------------------------------------------------------------

describe('HLT, WAIT and ESC', () => {
  it('HLT stops the run with reason "halt", EIP past the HLT', () => {
    const t = real('nop; hlt; nop');
    const r = runToHalt(t, 1_000_000);
    expect(r.reason).toBe('halt');
    expect(t.m.cpu.halted).toBe(true);
    expect(t.m.cpu.eip).toBe(0x1002);
  });

  it('HLT at CPL 3 raises #GP(0)', () => {
    const t = ring3(prot('hlt'));
    run(t);
    expect(raised(t)).toBe(GP);
    expect(pmFrame(t)).toEqual([0, CODE32]);
  });

  it('ESC raises #NM (no FPU), with the pushed IP at the ESC instruction', () => {
    const t = real('nop; fadd dword ptr [0x5000]; hlt');
    const cpu = run(t);
    expect(raised(t)).toBe(NM);
    // The real-mode frame: IP, CS, FLAGS.
    expect(rd16(t, cpu.reg16[ESP << 1]!)).toBe(0x1001);
  });

  it('ESC raises #NM even with CR0.EM and CR0.TS clear', () => {
    const t = prot('fninit; hlt');
    expect(t.m.cpu.cr0 & (CR0_EM | CR0_TS)).toBe(0);
    run(t);
    expect(raised(t)).toBe(NM);
  });

  it('WAIT does nothing while CR0.MP and CR0.TS are not both set', () => {
    const t = real('wait; mov byte ptr [0x5000], 1; hlt');
    t.m.cpu.cr0 |= CR0_TS;
    run(t);
    expect(raised(t)).toBe(NONE);
    expect(rd8(t, 0x5000)).toBe(1);
  });

  it('WAIT raises #NM when CR0.MP and CR0.TS are both set', () => {
    const t = real('wait; hlt');
    t.m.cpu.cr0 |= CR0_MP | CR0_TS;
    run(t);
    expect(raised(t)).toBe(NM);
  });
});

// --- descriptor-table registers --------------------------------------------------------------------

describe('LGDT LIDT SGDT SIDT', () => {
  it('LGDT with a 32-bit operand loads the 16-bit limit and the 32-bit base', () => {
    const t = prot('lgdt [0x5000]; hlt');
    wr16(t, 0x5000, 0x1234);
    wr32(t, 0x5002, 0x89abcdef);
    const cpu = run(t);
    expect(cpu.gdtrLimit).toBe(0x1234);
    expect(cpu.gdtrBase >>> 0).toBe(0x89abcdef);
  });

  it('LGDT with a 16-bit operand loads only 24 bits of base', () => {
    const t = real('lgdt [0x5000]; hlt');
    wr16(t, 0x5000, 0x00ff);
    wr32(t, 0x5002, 0x89abcdef);
    const cpu = run(t);
    expect(cpu.gdtrLimit).toBe(0xff);
    expect(cpu.gdtrBase >>> 0).toBe(0xabcdef);
  });

  it('LIDT loads the IDTR in both operand sizes', () => {
    let t = real('lidt [0x5000]; hlt');
    wr16(t, 0x5000, 0x7ff);
    wr32(t, 0x5002, 0x12345678);
    let cpu = run(t);
    expect([cpu.idtrLimit, cpu.idtrBase >>> 0]).toEqual([0x7ff, 0x345678]);
    t = real('data32 lidt [0x5000]; hlt');
    wr16(t, 0x5000, 0x7ff);
    wr32(t, 0x5002, 0x12345678);
    cpu = run(t);
    expect([cpu.idtrLimit, cpu.idtrBase >>> 0]).toEqual([0x7ff, 0x12345678]);
  });

  it('SGDT with a 32-bit operand stores the limit and the 32-bit base', () => {
    const t = prot('sgdt [0x5000]; hlt');
    t.m.cpu.gdtrBase = 0xfedc1000 | 0;
    run(t);
    expect(rd16(t, 0x5000)).toBe(GDT_LIMIT);
    expect(rd32(t, 0x5002)).toBe(0xfedc1000);
  });

  it('SGDT with a 16-bit operand stores all 32 bits of the base (the 386, not the 286\'s 0xFF)', () => {
    const t = real('sgdt [0x5000]; hlt');
    t.m.cpu.gdtrBase = 0x12345678;
    t.m.cpu.gdtrLimit = 0x27;
    wr32(t, 0x5002, 0xffffffff);
    run(t);
    expect(rd16(t, 0x5000)).toBe(0x27);
    expect(rd32(t, 0x5002)).toBe(0x12345678);
  });

  it('SGDT after a 16-bit LGDT stores a zero high byte', () => {
    const t = real('lgdt [0x5000]; sgdt [0x5010]; hlt');
    wr16(t, 0x5000, 0x17);
    wr32(t, 0x5002, 0xff0a0b0c);
    wr32(t, 0x5012, 0xffffffff);
    run(t);
    expect(rd16(t, 0x5010)).toBe(0x17);
    expect(rd32(t, 0x5012)).toBe(0x000a0b0c);
  });

  it('SIDT stores the IDTR', () => {
    const t = prot('sidt [0x5000]; hlt');
    run(t);
    expect(rd16(t, 0x5000)).toBe(0x30 * 8 - 1);
    expect(rd32(t, 0x5002)).toBe(IDT);
  });

  it('SGDT is allowed at CPL 3', () => {
    const t = ring3(prot('sgdt [0x5000]; int3'));
    run(t);
    expect(raised(t)).toBe(3);
    expect(rd32(t, 0x5002)).toBe(GDT);
  });

  it('LGDT at CPL 3 raises #GP(0) and leaves GDTR', () => {
    const t = ring3(prot('lgdt [0x5000]; hlt'));
    run(t);
    expect(raised(t)).toBe(GP);
    expect(pmFrame(t)).toEqual([0, CODE32]);
    expect(t.m.cpu.gdtrBase).toBe(GDT);
  });

  it('SGDT writes nothing when the base would cross the segment limit (#GP)', () => {
    // Offset FFFC: the limit fits, the base (FFFE..10001) does not.
    const t = real('sgdt [0xfffc]; hlt');
    t.m.cpu.reg[ESP] = 0x8000; // keep the fault's frame away from the operand
    wr16(t, 0xfffc, 0xbeef);
    run(t);
    expect(raised(t)).toBe(GP);
    expect(rd16(t, 0xfffc)).toBe(0xbeef);
  });
});

describe('LLDT SLDT LTR STR', () => {
  it('LLDT loads the LDTR from an LDT descriptor in the GDT, and SLDT reads it back', () => {
    const t = prot(`mov ax, ${LDT_SEL}; lldt ax; sldt word ptr [0x5000]; sldt ebx; hlt`);
    t.m.cpu.reg[EBX] = -1;
    const cpu = run(t);
    expect(raised(t)).toBe(NONE);
    expect([cpu.ldtrSel, cpu.ldtrBase, cpu.ldtrLimit]).toEqual([LDT_SEL, LDT_BASE, 0x3f]);
    expect(rd16(t, 0x5000)).toBe(LDT_SEL);
    expect(cpu.reg[EBX]).toBe(LDT_SEL); // zero-extended into the 32-bit register
  });

  it('LLDT with a null selector leaves no usable LDT', () => {
    const t = prot(`mov ax, ${LDT_SEL}; lldt ax; xor ax, ax; lldt ax; mov bx, 0x0c; lar ecx, bx; hlt`);
    wr32(t, LDT_BASE + 8, 0x0000ffff);
    wr32(t, LDT_BASE + 12, 0x00cf9200);
    const cpu = run(t);
    expect(raised(t)).toBe(NONE);
    expect(cpu.ldtrSel).toBe(0);
    expect(getEflags(cpu) & ZF).toBe(0); // LAR of an LDT selector finds no LDT
  });

  it('LLDT of a descriptor that is not an LDT raises #GP(selector)', () => {
    const t = prot(`mov ax, ${TSS_SEL}; lldt ax; hlt`);
    run(t);
    expect(raised(t)).toBe(GP);
    expect(pmFrame(t)).toEqual([TSS_SEL, CODE32 + 4]);
    expect(t.m.cpu.ldtrSel).toBe(0);
  });

  it('LLDT of a selector in the LDT raises #GP(selector)', () => {
    const t = prot(`mov ax, ${LDT_SEL | 4}; lldt ax; hlt`);
    run(t);
    expect(raised(t)).toBe(GP);
    expect(pmFrame(t)[0]).toBe(LDT_SEL | 4);
  });

  it('LLDT beyond the GDT limit raises #GP(selector)', () => {
    const t = prot('mov ax, 0x100; lldt ax; hlt');
    run(t);
    expect(raised(t)).toBe(GP);
    expect(pmFrame(t)[0]).toBe(0x100);
  });

  it('LLDT of a not-present LDT raises #NP(selector)', () => {
    const t = prot(`mov ax, ${LDT_NP}; lldt ax; hlt`);
    run(t);
    expect(raised(t)).toBe(NP);
    expect(pmFrame(t)[0]).toBe(LDT_NP);
  });

  it('LLDT is #UD in real mode', () => {
    const t = real('xor ax, ax; lldt ax; hlt');
    const cpu = run(t);
    expect(raised(t)).toBe(UD);
    expect(rd16(t, cpu.reg16[ESP << 1]!)).toBe(0x1002);
  });

  it('SLDT, STR, LTR, VERR, LAR, LSL and ARPL are #UD in real mode', () => {
    for (const src of ['sldt ax', 'str ax', 'ltr ax', 'verr ax', 'verw ax', 'lar ax, bx', 'lsl ax, bx', 'arpl bx, ax']) {
      const t = real(`${src}; hlt`);
      run(t);
      expect(raised(t), src).toBe(UD);
    }
  });

  it('LLDT is #UD in virtual-8086 mode', () => {
    const t = v86('lldt ax; hlt');
    run(t);
    expect(raised(t)).toBe(UD);
  });

  it('LLDT at CPL 3 raises #GP(0)', () => {
    const t = ring3(prot(`mov ax, ${LDT_SEL}; lldt ax; hlt`));
    run(t);
    expect(raised(t)).toBe(GP);
    expect(pmFrame(t)[0]).toBe(0);
  });

  it('LTR loads TR from an available 386 TSS and marks it busy in the GDT', () => {
    const t = prot(`mov ax, ${TSS_SEL}; ltr ax; str word ptr [0x5000]; hlt`);
    expect((descHi(t, TSS_SEL) >>> 8) & 0xf).toBe(9);
    const cpu = run(t);
    expect(raised(t)).toBe(NONE);
    expect([cpu.trSel, cpu.trBase, cpu.trLimit, cpu.trType]).toEqual([TSS_SEL, TEST_TSS_BASE, 0x67, 0xb]);
    expect((descHi(t, TSS_SEL) >>> 8) & 0xf).toBe(0xb);
    expect(rd16(t, 0x5000)).toBe(TSS_SEL);
  });

  it('LTR accepts an available 286 TSS (type 1) and makes it type 3', () => {
    const t = prot(`mov ax, ${TSS_SEL}; ltr ax; hlt`);
    descriptor(t, TSS_SEL, TEST_TSS_BASE, 0x2b, 0x81, 0);
    const cpu = run(t);
    expect(cpu.trType).toBe(3);
    expect((descHi(t, TSS_SEL) >>> 8) & 0xf).toBe(3);
  });

  it('LTR of a busy TSS raises #GP(selector) and leaves TR', () => {
    const t = prot(`mov ax, ${BUSY_TSS}; ltr ax; hlt`);
    const cpu = run(t);
    expect(raised(t)).toBe(GP);
    expect(pmFrame(t)[0]).toBe(BUSY_TSS);
    expect(cpu.trSel).toBe(FAULT_TSS);
  });

  it('LTR with a null selector raises #GP(0)', () => {
    const t = prot('xor ax, ax; ltr ax; hlt');
    run(t);
    expect(raised(t)).toBe(GP);
    expect(pmFrame(t)[0]).toBe(0);
  });

  it('LTR of a not-present TSS raises #NP(selector) and does not mark it busy', () => {
    const t = prot(`mov ax, ${TSS_SEL}; ltr ax; hlt`);
    descriptor(t, TSS_SEL, TEST_TSS_BASE, 0x67, 0x09, 0);
    run(t);
    expect(raised(t)).toBe(NP);
    expect((descHi(t, TSS_SEL) >>> 8) & 0xf).toBe(9);
  });
});

// --- LAR LSL VERR VERW ARPL -----------------------------------------------------------------------

/** Runs `insn` in protected mode with BX = selector, ECX = 0xCCCCCCCC; returns ZF and ECX. */
function check(insn: string, sel: number, opts: { cpl3?: boolean } = {}): { zf: boolean; ecx: number; t: TestMachine } {
  let t = prot(`mov bx, ${sel}; mov ecx, 0xcccccccc; ${insn}; ${opts.cpl3 ? 'int3' : 'hlt'}`);
  if (opts.cpl3) t = ring3(t);
  const cpu = run(t);
  expect(raised(t)).toBe(opts.cpl3 ? 3 : NONE);
  return { zf: (getEflags(cpu) & ZF) !== 0, ecx: cpu.reg[ECX]! >>> 0, t };
}

describe('LAR and LSL', () => {
  it('LAR loads the access rights masked with 00FFFF00 and sets ZF', () => {
    const r = check('lar ecx, bx', DATA_DPL2);
    expect(r.zf).toBe(true);
    expect(r.ecx).toBe(descHi(r.t, DATA_DPL2) & 0x00ffff00);
    expect(r.ecx).toBe(0x0040d200);
  });

  it('LAR with a 16-bit operand loads only the access byte (FF00)', () => {
    const r = check('lar cx, bx', CODE_PAGES);
    expect(r.zf).toBe(true);
    expect(r.ecx).toBe(0xcccc9a00);
  });

  it('LAR clears ZF and leaves the destination when RPL is above DPL', () => {
    const r = check('lar ecx, bx', DATA_DPL2 | 3);
    expect(r.zf).toBe(false);
    expect(r.ecx).toBe(0xcccccccc);
  });

  it('LAR at CPL 3 cannot see a DPL 0 segment, but can see a conforming one', () => {
    expect(check('lar ecx, bx', KDATA | 3, { cpl3: true }).zf).toBe(false);
    expect(check('lar ecx, bx', CODE_CONFORMING | 3, { cpl3: true }).zf).toBe(true);
  });

  it('LAR accepts call gates, TSSs and LDTs but not interrupt gates', () => {
    expect(check('lar ecx, bx', CALL_GATE).zf).toBe(true);
    expect(check('lar ecx, bx', TSS_SEL).zf).toBe(true);
    expect(check('lar ecx, bx', LDT_SEL).zf).toBe(true);
    const r = check('lar ecx, bx', INT_GATE);
    expect(r.zf).toBe(false);
    expect(r.ecx).toBe(0xcccccccc);
  });

  it('LAR clears ZF without faulting for a null selector or one beyond the GDT limit', () => {
    expect(check('lar ecx, bx', 0).zf).toBe(false);
    expect(check('lar ecx, bx', 0x100).zf).toBe(false);
  });

  it('LAR reports a not-present segment (the P bit is in the result)', () => {
    const r = check('lar ecx, bx', DATA_NP);
    expect(r.zf).toBe(true);
    expect(r.ecx & 0x8000).toBe(0);
  });

  it('LSL loads the byte-granular limit of a page-granular segment', () => {
    const r = check('lsl ecx, bx', CODE_PAGES);
    expect(r.zf).toBe(true);
    expect(r.ecx).toBe(0xffffffff);
  });

  it('LSL loads a byte-granular limit, and a 16-bit one into CX', () => {
    expect(check('lsl ecx, bx', DATA_DPL2).ecx).toBe(0xfff);
    expect(check('lsl cx, bx', CODE_PAGES).ecx).toBe(0xccccffff);
  });

  it('LSL accepts TSSs and LDTs but not gates', () => {
    expect(check('lsl ecx, bx', TSS_SEL).ecx).toBe(0x67);
    expect(check('lsl ecx, bx', LDT_SEL).ecx).toBe(0x3f);
    const r = check('lsl ecx, bx', CALL_GATE);
    expect(r.zf).toBe(false);
    expect(r.ecx).toBe(0xcccccccc);
  });

  it('LSL sets ZF and leaves other flags alone', () => {
    const t = prot(`stc; mov bx, ${DATA_DPL2}; lsl ecx, bx; hlt`);
    const cpu = run(t);
    expect(getEflags(cpu) & (ZF | CF)).toBe(ZF | CF);
  });
});

describe('VERR and VERW', () => {
  it('VERR sets ZF for data and readable code, clears it for execute-only code', () => {
    expect(check('verr bx', KDATA).zf).toBe(true);
    expect(check('verr bx', CODE_PAGES).zf).toBe(true);
    expect(check('verr bx', CODE_XONLY).zf).toBe(false);
  });

  it('VERR clears ZF for system descriptors and null selectors', () => {
    expect(check('verr bx', LDT_SEL).zf).toBe(false);
    expect(check('verr bx', CALL_GATE).zf).toBe(false);
    expect(check('verr bx', 0).zf).toBe(false);
    expect(check('verr bx', 0x100).zf).toBe(false);
  });

  it('VERR does not check presence', () => {
    expect(check('verr bx', DATA_NP).zf).toBe(true);
  });

  it('VERR at CPL 3: a DPL 0 data segment is not readable, a conforming code segment is', () => {
    expect(check('verr bx', KDATA | 3, { cpl3: true }).zf).toBe(false);
    expect(check('verr bx', CODE_CONFORMING | 3, { cpl3: true }).zf).toBe(true);
    expect(check('verr bx', UDATA, { cpl3: true }).zf).toBe(true);
  });

  it('VERW sets ZF only for writable data segments visible at CPL and RPL', () => {
    expect(check('verw bx', KDATA).zf).toBe(true);
    expect(check('verw bx', DATA_RO).zf).toBe(false);
    expect(check('verw bx', CODE_PAGES).zf).toBe(false);
    expect(check('verw bx', DATA_DPL2 | 2).zf).toBe(true);
    expect(check('verw bx', DATA_DPL2 | 3).zf).toBe(false);
  });

  it('VERW reads its selector from memory', () => {
    const t = prot('verw word ptr [0x5000]; hlt');
    wr16(t, 0x5000, KDATA);
    expect(getEflags(run(t)) & ZF).toBe(ZF);
  });
});

describe('ARPL', () => {
  it('raises the destination RPL to the source RPL and sets ZF', () => {
    const cpu = run(prot('mov bx, 0x11; mov ax, 0x23; arpl bx, ax; hlt'));
    expect(cpu.reg16[EBX << 1]).toBe(0x13);
    expect(getEflags(cpu) & ZF).toBe(ZF);
  });

  it('leaves a destination RPL that is not lower and clears ZF', () => {
    const cpu = run(prot('mov bx, 0x13; mov ax, 0x21; cmp ax, ax; arpl bx, ax; hlt'));
    expect(cpu.reg16[EBX << 1]).toBe(0x13);
    expect(getEflags(cpu) & ZF).toBe(0);
  });

  it('adjusts a selector in memory', () => {
    const t = prot('mov ax, 2; arpl word ptr [0x5000], ax; hlt');
    wr16(t, 0x5000, 0x4c);
    wr16(t, 0x5002, 0xbeef);
    const cpu = run(t);
    expect(rd16(t, 0x5000)).toBe(0x4e);
    expect(rd16(t, 0x5002)).toBe(0xbeef);
    expect(getEflags(cpu) & ZF).toBe(ZF);
  });
});

// --- MSW and CR0 -----------------------------------------------------------------------------------------

describe('SMSW LMSW CLTS', () => {
  it('SMSW to memory stores the low 16 bits of CR0 and nothing more', () => {
    const t = prot('smsw word ptr [0x5000]; hlt', 486);
    t.m.cpu.cr0 |= CR0_WP;
    wr16(t, 0x5002, 0xbeef);
    run(t);
    expect(rd16(t, 0x5000)).toBe(CR0_PE | CR0_ET);
    expect(rd16(t, 0x5002)).toBe(0xbeef);
  });

  it('SMSW to a 32-bit register stores all of CR0; to a 16-bit one the low half', () => {
    const t = prot('mov eax, cr0; or eax, 0x10000; mov cr0, eax; mov ebx, -1; mov ecx, -1; smsw ebx; smsw cx; hlt', 486);
    const cpu = run(t);
    expect(cpu.reg[EBX]! >>> 0).toBe(CR0_WP | CR0_PE | CR0_ET);
    expect(cpu.reg[ECX]! >>> 0).toBe(0xffff0011);
  });

  it('SMSW is allowed at CPL 3', () => {
    const t = ring3(prot('smsw ax; int3'));
    const cpu = run(t);
    expect(raised(t)).toBe(3);
    expect(cpu.reg16[0]).toBe(CR0_PE | CR0_ET);
  });

  it('LMSW loads MP EM TS and cannot clear PE', () => {
    const cpu = run(prot('mov ax, 0x000e; lmsw ax; hlt'));
    expect(cpu.cr0 & 0xf).toBe(CR0_PE | CR0_MP | CR0_EM | CR0_TS);
    const cpu2 = run(prot('mov ax, 0xffe0; lmsw ax; hlt'));
    expect(cpu2.cr0 >>> 0).toBe(CR0_PE | CR0_ET);
  });

  it('LMSW in real mode can set PE', () => {
    const cpu = run(real('mov ax, 1; lmsw ax; hlt'));
    expect(cpu.cr0 & CR0_PE).toBe(CR0_PE);
  });

  it('LMSW at CPL 3 raises #GP(0)', () => {
    const t = ring3(prot('mov ax, 0xe; lmsw ax; hlt'));
    const cpu = run(t);
    expect(raised(t)).toBe(GP);
    expect(cpu.cr0 & CR0_TS).toBe(0);
  });

  it('CLTS clears CR0.TS', () => {
    const t = prot('clts; hlt');
    t.m.cpu.cr0 |= CR0_TS | CR0_MP;
    const cpu = run(t);
    expect(cpu.cr0 & (CR0_TS | CR0_MP)).toBe(CR0_MP);
  });

  it('CLTS at CPL 3 raises #GP(0)', () => {
    const t = ring3(prot('clts; hlt'));
    t.m.cpu.cr0 |= CR0_TS;
    const cpu = run(t);
    expect(raised(t)).toBe(GP);
    expect(cpu.cr0 & CR0_TS).toBe(CR0_TS);
  });
});

// --- MOV CRn / DRn / TRn ------------------------------------------------------------------------------

describe('MOV to and from control registers', () => {
  it('MOV CR0 at CPL 3 raises #GP(0) and changes nothing', () => {
    const t = ring3(prot('mov eax, 0x1f; mov cr0, eax; hlt'));
    const cpu = run(t);
    expect(raised(t)).toBe(GP);
    expect(pmFrame(t)).toEqual([0, CODE32 + 5]);
    expect(cpu.cr0 >>> 0).toBe(CR0_PE | CR0_ET);
  });

  it('MOV from CR0 at CPL 3 raises #GP(0) and leaves the register', () => {
    const t = ring3(prot('mov eax, 0x1234; mov eax, cr0; hlt'));
    const cpu = run(t);
    expect(raised(t)).toBe(GP);
    expect(cpu.reg[EAX]).toBe(0x1234);
  });

  it('MOV CR0 in virtual-8086 mode raises #GP(0)', () => {
    const t = v86('mov eax, cr0; hlt');
    run(t);
    expect(raised(t)).toBe(GP);
  });

  it('MOV CR0 is allowed in real mode and enters protected mode', () => {
    const cpu = run(real('mov eax, cr0; or al, 1; mov cr0, eax; hlt'));
    expect(cpu.cr0 >>> 0).toBe(CR0_PE | CR0_ET);
  });

  it('MOV CR0 with PG set and PE clear raises #GP(0)', () => {
    const t = real('mov eax, 0x80000000; mov cr0, eax; hlt');
    const cpu = run(t);
    expect(raised(t)).toBe(GP);
    expect(cpu.cr0 & CR0_PG).toBe(0);
  });

  it('CR0 keeps only the bits the 386 has, with ET always 1', () => {
    const cpu = run(real('mov eax, 0x7fffffe0; mov cr0, eax; mov ebx, cr0; hlt'));
    expect(cpu.reg[EBX]! >>> 0).toBe(CR0_ET);
    const cpu2 = run(real('mov eax, 0x7fffffff; mov cr0, eax; mov ebx, cr0; hlt'));
    expect(cpu2.reg[EBX]! >>> 0).toBe(0x1f);
  });

  it('CR0 on the 486 also keeps NE, WP, AM, NW and CD', () => {
    const cpu = run(real('mov eax, 0x7fffffff; mov cr0, eax; mov ebx, cr0; hlt', 486));
    expect(cpu.reg[EBX]! >>> 0).toBe(0x6005003f);
  });

  it('CR0 on the 486: NW without CD raises #GP(0)', () => {
    const t = real('mov eax, 0x20000000; mov cr0, eax; hlt', 486);
    run(t);
    expect(raised(t)).toBe(GP);
  });

  it('CR1 and CR4 are #UD', () => {
    // 0F 22 C8: mov cr1, eax; 0F 20 E0: mov eax, cr4.
    for (const bytes of [[0x0f, 0x22, 0xc8], [0x0f, 0x20, 0xe0]]) {
      const t = real(`.byte ${bytes.join(',')}; hlt`, 486);
      run(t);
      expect(raised(t)).toBe(UD);
    }
  });

  it('MOV CR2 and CR3 store the values MOV from them reads back', () => {
    const cpu = run(prot('mov eax, 0x12345678; mov cr2, eax; mov eax, 0x00abc000; mov cr3, eax; mov ebx, cr2; mov ecx, cr3; hlt'));
    expect(cpu.reg[EBX]).toBe(0x12345678);
    expect(cpu.reg[ECX]).toBe(0x00abc000);
  });

  it('charges each control-register write its own clock count (CR0 10, CR2 4, CR3 5)', () => {
    const cycles = (src: string): number => {
      const t = prot(`${src}; hlt`);
      const before = t.m.cpu.cycles;
      run(t);
      return t.m.cpu.cycles - before;
    };
    const hlt = cycles('nop') - 3; // NOP is 3 clocks
    expect(cycles('mov cr0, eax') - hlt).toBe(10);
    expect(cycles('mov cr2, eax') - hlt).toBe(4);
    expect(cycles('mov cr3, eax') - hlt).toBe(5);
  });
});

describe('paging control and the TLB', () => {
  // Page directory at 0x20000: PDE 0 identity-maps the first 4 MiB (table at 0x21000); PDE 1 maps
  // 0x400000.. through the table at 0x22000, whose entry 0 points at frame A and entry 1 at frame C.
  const PD = 0x20000, PT0 = 0x21000, PT1 = 0x22000;
  const FRAME_A = 0x100000, FRAME_B = 0x101000, FRAME_C = 0x102000, FRAME_D = 0x103000;

  function paged(body: string, model: CpuModel = 386): TestMachine {
    // 8 MiB of RAM: with paging off, the tests reach 0x400000 itself.
    const t = prot(`mov eax, ${PD}; mov cr3, eax; mov eax, cr0; or eax, 0x80000000; mov cr0, eax; ${body}; hlt`, model, 8 << 20);
    wr32(t, PD, PT0 | 3);
    wr32(t, PD + 4, PT1 | 3);
    for (let k = 0; k < 1024; k++) wr32(t, PT0 + k * 4, (k << 12) | 3);
    wr32(t, PT1, FRAME_A | 3);
    wr32(t, PT1 + 4, FRAME_C | 3);
    wr32(t, FRAME_A, 0xaaaaaaaa);
    wr32(t, FRAME_B, 0xbbbbbbbb);
    wr32(t, FRAME_C, 0xcccccccc);
    wr32(t, FRAME_D, 0xdddddddd);
    return t;
  }

  it('a PTE changed without reloading CR3 is not seen (stale TLB); after MOV CR3 it is', () => {
    const t = paged(`
      mov ebx, [0x400000]
      mov dword ptr [${PT1}], ${FRAME_B | 3}
      mov ecx, [0x400000]
      mov eax, ${PD}
      mov cr3, eax
      mov edx, [0x400000]`);
    const cpu = run(t);
    expect(raised(t)).toBe(NONE);
    expect(cpu.reg[EBX]! >>> 0).toBe(0xaaaaaaaa);
    expect(cpu.reg[ECX]! >>> 0).toBe(0xaaaaaaaa); // the old frame, through the cached translation
    expect(cpu.reg[EDX]! >>> 0).toBe(0xbbbbbbbb); // the new frame after the flush
  });

  it('a write through the stale translation lands in the old frame', () => {
    // The first write caches a dirty translation; the second uses it after the PTE has changed.
    const t = paged(`
      mov dword ptr [0x400008], 0x22222222
      mov dword ptr [${PT1}], ${FRAME_B | 3}
      mov dword ptr [0x400004], 0x11111111`);
    run(t);
    expect(rd32(t, FRAME_A + 4)).toBe(0x11111111);
    expect(rd32(t, FRAME_B + 4)).toBe(0);
  });

  it('turning paging on flushes the translations cached with paging off', () => {
    // With paging off, linear 0x400000 is physical 0x400000 (holding 0x44444444). CR3 is loaded
    // first, so that only the PG change can flush the identity translation.
    const t = prot(`mov eax, ${PD}; mov cr3, eax; mov ebx, [0x400000]; mov eax, cr0; or eax, 0x80000000; mov cr0, eax; mov ecx, [0x400000]; hlt`, 386, 8 << 20);
    wr32(t, PD, PT0 | 3);
    wr32(t, PD + 4, PT1 | 3);
    for (let k = 0; k < 1024; k++) wr32(t, PT0 + k * 4, (k << 12) | 3);
    wr32(t, PT1, FRAME_A | 3);
    wr32(t, FRAME_A, 0xaaaaaaaa);
    wr32(t, 0x400000, 0x44444444);
    const cpu = run(t);
    expect(cpu.reg[EBX]! >>> 0).toBe(0x44444444);
    expect(cpu.reg[ECX]! >>> 0).toBe(0xaaaaaaaa);
  });

  it('turning paging off flushes the paged translations', () => {
    const t = paged('mov ebx, [0x400000]; mov eax, cr0; and eax, 0x7fffffff; mov cr0, eax; mov ecx, [0x400000]');
    wr32(t, 0x400000, 0x44444444);
    const cpu = run(t);
    expect(cpu.cr0 & CR0_PG).toBe(0);
    expect(cpu.reg[EBX]! >>> 0).toBe(0xaaaaaaaa);
    expect(cpu.reg[ECX]! >>> 0).toBe(0x44444444);
  });

  it('SGDT writes nothing when the base part page-faults', () => {
    // The limit lands at the end of the page at 0x400000, the base crosses into a not-present page.
    const t = paged('sgdt [0x400ffc]');
    wr32(t, PT1 + 4, 0);
    wr32(t, FRAME_A + 0xffc, 0x12345678);
    run(t);
    expect(raised(t)).toBe(14);
    expect(t.m.cpu.cr2 >>> 12).toBe(0x401);
    expect(rd32(t, FRAME_A + 0xffc)).toBe(0x12345678);
  });

  it('INVLPG flushes only the page it names (486)', () => {
    const t = paged(`
      mov ebx, [0x400000]
      mov ebx, [0x401000]
      mov dword ptr [${PT1}], ${FRAME_B | 3}
      mov dword ptr [${PT1 + 4}], ${FRAME_D | 3}
      invlpg [0x400123]
      mov ecx, [0x400000]
      mov edx, [0x401000]`, 486);
    const cpu = run(t);
    expect(raised(t)).toBe(NONE);
    expect(cpu.reg[ECX]! >>> 0).toBe(0xbbbbbbbb); // flushed: the new mapping
    expect(cpu.reg[EDX]! >>> 0).toBe(0xcccccccc); // not flushed: still the old one
  });

  it('INVLPG adds the segment base to the offset', () => {
    const t = paged(`
      mov ebx, [0x400000]
      mov dword ptr [${PT1}], ${FRAME_B | 3}
      invlpg fs:[0x100]
      mov ecx, [0x400000]`, 486);
    const cpu = t.m.cpu;
    cpu.segBase[FS] = 0x3fff00;
    run(t);
    expect(cpu.reg[ECX]! >>> 0).toBe(0xbbbbbbbb);
  });

  it('INVLPG is #UD on the 386 and #GP(0) at CPL 3 on the 486', () => {
    let t = prot('invlpg [0x400000]; hlt');
    run(t);
    expect(raised(t)).toBe(UD);
    t = ring3(prot('invlpg [0x400000]; hlt', 486));
    run(t);
    expect(raised(t)).toBe(GP);
  });

  it('CR0.WP on the 486 makes supervisor writes to read-only pages fault', () => {
    const t = paged(`
      mov eax, cr0
      or eax, 0x10000
      mov cr0, eax
      mov dword ptr [0x400000], 1`, 486);
    wr32(t, PT1, FRAME_A | 1); // present, read-only
    run(t);
    expect(raised(t)).toBe(14);
    expect(rd32(t, FRAME_A)).toBe(0xaaaaaaaa);
  });
});

describe('MOV to and from debug and test registers', () => {
  it('stores DR0-DR7, with DR4 and DR5 naming DR6 and DR7', () => {
    const cpu = run(prot('mov eax, 0x1000; mov dr0, eax; mov eax, 0x400; mov dr7, eax; mov ebx, dr5; mov ecx, dr0; hlt'));
    expect(cpu.dr[0]).toBe(0x1000);
    expect(cpu.dr[7]).toBe(0x400);
    expect(cpu.reg[EBX]).toBe(0x400);
    expect(cpu.reg[ECX]).toBe(0x1000);
  });

  it('MOV DRn at CPL 3 raises #GP(0)', () => {
    const t = ring3(prot('mov eax, 1; mov dr0, eax; hlt'));
    const cpu = run(t);
    expect(raised(t)).toBe(GP);
    expect(cpu.dr[0]).toBe(0);
  });

  it('stores TR6 and TR7 and reads them back', () => {
    const cpu = run(prot('mov eax, 0x12345000; mov tr6, eax; mov eax, 0x777; mov tr7, eax; mov ebx, tr6; mov ecx, tr7; hlt'));
    expect(cpu.reg[EBX]).toBe(0x12345000);
    expect(cpu.reg[ECX]).toBe(0x777);
  });

  it('TR3-TR5 are #UD on the 386 and exist on the 486', () => {
    let t = prot('mov eax, 5; mov tr5, eax; hlt');
    run(t);
    expect(raised(t)).toBe(UD);
    t = prot('mov eax, 5; mov tr5, eax; mov ebx, tr5; hlt', 486);
    const cpu = run(t);
    expect(raised(t)).toBe(NONE);
    expect(cpu.reg[EBX]).toBe(5);
  });

  it('keeps separate test registers for separate machines', () => {
    const a = run(prot('mov eax, 1; mov tr6, eax; mov ebx, tr6; hlt'));
    const b = run(prot('mov ebx, tr6; hlt'));
    expect(a.reg[EBX]).toBe(1);
    expect(b.reg[EBX]).toBe(0);
  });
});

// --- 486 -----------------------------------------------------------------------------------------------

describe('CPUID, INVD and WBINVD (486)', () => {
  it('CPUID leaf 0 reports leaf 1 as the highest and "GenuineIntel"', () => {
    const cpu = run(prot('xor eax, eax; cpuid; hlt', 486));
    expect(cpu.reg[EAX]).toBe(1);
    const vendor = Buffer.alloc(12);
    vendor.writeInt32LE(cpu.reg[EBX]!, 0);
    vendor.writeInt32LE(cpu.reg[EDX]!, 4);
    vendor.writeInt32LE(cpu.reg[ECX]!, 8);
    expect(vendor.toString('latin1')).toBe('GenuineIntel');
  });

  it('CPUID leaf 1 reports family 4 and no features (no FPU)', () => {
    const cpu = run(prot('mov eax, 1; cpuid; hlt', 486));
    expect(cpu.reg[EAX]).toBe(0x0402);
    expect((cpu.reg[EAX]! >> 8) & 0xf).toBe(4);
    expect([cpu.reg[EBX], cpu.reg[ECX], cpu.reg[EDX]]).toEqual([0, 0, 0]);
  });

  it('CPUID is #UD on the 386', () => {
    const t = prot('cpuid; hlt');
    run(t);
    expect(raised(t)).toBe(UD);
  });

  it('INVD and WBINVD run at CPL 0 and raise #GP(0) at CPL 3', () => {
    let t = prot('invd; wbinvd; mov byte ptr [0x5000], 1; hlt', 486);
    run(t);
    expect(raised(t)).toBe(NONE);
    expect(rd8(t, 0x5000)).toBe(1);
    t = ring3(prot('wbinvd; hlt', 486));
    run(t);
    expect(raised(t)).toBe(GP);
  });
});
