// Self-modifying code. Decoded blocks are cached by the physical address of their first byte
// (emulator/cpu/blocks.ts); a write to a page that code was decoded from must drop those blocks,
// whichever way the write arrives: through the same linear address, through another linear alias
// of the same frame, or from outside the CPU (a device, a loader, the kernel) through
// PhysicalMemory. Each program below ends in `jmp $`; the test runs it for a short cycle budget
// and reads the registers.

import { describe, expect, it } from 'vitest';
import { CR0_PG } from '../../../../emulator/cpu/state.ts';
import { tlbFlush, updateAccessMasks } from '../../../../emulator/cpu/tlb.ts';
import { flat32, realMode, type TestMachine } from '../../../harness/cpu.ts';

const EAX = 0, ECX = 1, EDX = 2, EBX = 3;

/** A tiny assembler for hand-encoded 32-bit code: bytes, labels, and absolute or relative fixups. */
class Code {
  readonly base: number;
  private readonly bytes: number[] = [];
  private readonly labels = new Map<string, number>();
  private readonly fixups: Array<{ at: number; label: string; addend: number; rel: boolean }> = [];

  constructor(base: number) {
    this.base = base;
  }

  get here(): number {
    return this.base + this.bytes.length;
  }

  label(name: string): this {
    this.labels.set(name, this.here);
    return this;
  }

  db(...b: number[]): this {
    this.bytes.push(...b);
    return this;
  }

  dd(v: number): this {
    return this.db(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24);
  }

  /** A 32-bit absolute address of `label` + `addend`. */
  abs32(label: string, addend = 0): this {
    this.fixups.push({ at: this.bytes.length, label, addend, rel: false });
    return this.dd(0);
  }

  /** A rel32 to `label` (relative to the end of the 4 bytes). */
  rel32(label: string): this {
    this.fixups.push({ at: this.bytes.length, label, addend: 0, rel: true });
    return this.dd(0);
  }

  // Instructions used below.
  movByteToLabel(label: string, addend: number, v: number): this { return this.db(0xc6, 0x05).abs32(label, addend).db(v); } // mov byte [label+addend], v
  movDwordToLabel(label: string, addend: number, v: number): this { return this.db(0xc7, 0x05).abs32(label, addend).dd(v); } // mov dword [label+addend], v
  movByteToAddr(addr: number, v: number): this { return this.db(0xc6, 0x05).dd(addr).db(v); } // mov byte [addr], v
  movEax(v: number): this { return this.db(0xb8).dd(v); } // mov eax, v
  call(label: string): this { return this.db(0xe8).rel32(label); } // call label
  callAddr(addr: number): this { const next = this.here + 5; return this.db(0xe8).dd((addr - next) | 0); } // call addr
  ret(): this { return this.db(0xc3); } // ret
  jmpSelf(): this { return this.db(0xeb, 0xfe); } // jmp $
  movEbxEax(): this { return this.db(0x89, 0xc3); } // mov ebx, eax
  movEcxEax(): this { return this.db(0x89, 0xc1); } // mov ecx, eax
  movEdxEax(): this { return this.db(0x89, 0xc2); } // mov edx, eax

  addr(label: string): number {
    const a = this.labels.get(label);
    if (a === undefined) throw new Error(`no label ${label}`);
    return a;
  }

  build(): Uint8Array {
    const out = Uint8Array.from(this.bytes);
    const view = new DataView(out.buffer);
    for (const f of this.fixups) {
      const target = this.addr(f.label) + f.addend;
      view.setInt32(f.at, f.rel ? target - (this.base + f.at + 4) : target, true);
    }
    return out;
  }
}

function run(t: TestMachine, cycles = 2000): void {
  const r = t.m.run(cycles);
  expect(r.reason, t.m.cpu.shutdownReason ?? '').toBe('cycles');
}

const reg = (t: TestMachine, r: number): number => t.m.cpu.reg[r]! >>> 0;

describe('self-modifying code', () => {
  it('sees an immediate patched later in the block it is running', () => {
    const c = new Code(0x10000)
      .movByteToLabel('imm', 0, 0x2a) // the write lands in the block being executed
      .db(0xb8).label('imm').dd(0x11) //  mov eax, 0x11 (its immediate becomes 0x2A)
      .jmpSelf();
    const t = flat32(c.build());
    run(t);
    expect(reg(t, EAX)).toBe(0x2a);
  });

  it('sees a patch of the very next instruction, several instructions into the block', () => {
    const c = new Code(0x10000)
      .movEax(1)
      .db(0x40) //                            inc eax
      .movDwordToLabel('next', 0, 0x90909048) // dec eax; nop; nop; nop over the next bytes
      .label('next').db(0x40, 0x40, 0x40, 0x40) // inc eax x4 (become dec eax + 3 nops)
      .jmpSelf();
    const t = flat32(c.build());
    run(t);
    expect(reg(t, EAX)).toBe(1);
  });

  it('re-decodes a function on another page after each patch, whether or not it was cached when written', () => {
    // f sits on its own page, written once before it is ever decoded (so the TLB entry for the
    // write is cached as a plain fast-write page), then after it has been decoded.
    const c = new Code(0x10000)
      .movByteToLabel('f', 1, 5)
      .call('f')
      .movEbxEax()
      .movByteToLabel('f', 1, 6)
      .call('f')
      .movEcxEax()
      .movDwordToLabel('f', 0, 0x9090c340) // f becomes: inc eax; ret
      .call('f')
      .movEdxEax()
      .jmpSelf();
    while (c.here < 0x12000) c.db(0xcc);
    c.label('f').movEax(0).ret();
    const t = flat32(c.build());
    run(t);
    expect([reg(t, EBX), reg(t, ECX), reg(t, EDX)]).toEqual([5, 6, 7]);
  });

  it('re-decodes an instruction that straddles two pages when its second page is patched', () => {
    const c = new Code(0x10000)
      .call('straddle')
      .movEbxEax()
      .movByteToAddr(0x11001, 0x12) // the immediate's top byte, on the second page
      .call('straddle')
      .movEcxEax()
      .jmpSelf();
    while (c.here < 0x10ffd) c.db(0xcc);
    c.label('straddle').movEax(0).ret(); // B8 at 0x10FFD, immediate 0x10FFE..0x11001
    const t = flat32(c.build());
    run(t);
    expect([reg(t, EBX), reg(t, ECX)]).toEqual([0, 0x12000000]);
  });

  it('re-decodes code copied over a cached function with REP MOVSB', () => {
    const c = new Code(0x10000)
      .call('f')
      .movEbxEax()
      .db(0xbe).abs32('src') //  mov esi, src
      .db(0xbf).abs32('f') //    mov edi, f
      .db(0xb9).dd(6) //         mov ecx, 6
      .db(0xf3, 0xa4) //         rep movsb
      .call('f')
      .movEcxEax()
      .jmpSelf()
      .label('src').movEax(0x5678).ret();
    while (c.here < 0x12000) c.db(0xcc);
    c.label('f').movEax(0x1234).ret();
    const t = flat32(c.build());
    run(t);
    expect([reg(t, EBX), reg(t, ECX)]).toEqual([0x1234, 0x5678]);
  });

  it('re-decodes code written through another linear page mapped to the same frame', () => {
    // Paging: the first 4 MiB identity-mapped; linear 0x400000 (where f runs) and 0x401000 (the
    // alias the program writes through) both map frame 0x30000.
    const PD = 0x20000, PT0 = 0x21000, PT1 = 0x22000, FRAME = 0x30000;
    const c = new Code(0x10000)
      .movByteToAddr(0x401001, 5) //  through the alias, before f is decoded
      .callAddr(0x400000)
      .movEbxEax()
      .movByteToAddr(0x401001, 6) //  through the alias, after
      .callAddr(0x400000)
      .movEcxEax()
      .movByteToAddr(FRAME + 1, 7) // through the identity map of the frame
      .callAddr(0x400000)
      .movEdxEax()
      .jmpSelf();
    const t = flat32(c.build());
    const { m } = t;
    m.phys.load(FRAME, Uint8Array.from([0xb8, 0, 0, 0, 0, 0xc3])); // f: mov eax, 0; ret
    m.phys.write32(PD, PT0 | 3);
    m.phys.write32(PD + 4, PT1 | 3);
    for (let k = 0; k < 1024; k++) m.phys.write32(PT0 + k * 4, (k << 12) | 3);
    m.phys.write32(PT1, FRAME | 3);
    m.phys.write32(PT1 + 4, FRAME | 3);
    const cpu = m.cpu;
    cpu.cr3 = PD;
    cpu.cr0 |= CR0_PG;
    tlbFlush(cpu);
    updateAccessMasks(cpu);
    run(t);
    expect([reg(t, EBX), reg(t, ECX), reg(t, EDX)]).toEqual([5, 6, 7]);
  });

  it('re-decodes real-mode code written through another segment that reaches the same bytes', () => {
    const t = realMode([
      0xb8, 0x00, 0x01, //             mov ax, 0x0100
      0x8e, 0xd8, //                   mov ds, ax           (DS base 0x1000 = the code's page)
      0xc6, 0x06, 0x0b, 0x00, 0x2a, // mov byte [0x000B], 0x2A  (linear 0x100B: the next immediate)
      0xb8, 0x11, 0x00, //             mov ax, 0x0011
      0xeb, 0xfe, //                   jmp $
    ]);
    run(t);
    expect(t.m.cpu.reg16[0]).toBe(0x2a);
  });

  describe('writes from outside the CPU (devices, loaders, the kernel)', () => {
    // main: call f; mov ebx, eax; jmp $ — run, patch f behind the CPU's back, run main again.
    function program(): TestMachine {
      const c = new Code(0x10000).call('f').movEbxEax().jmpSelf();
      while (c.here < 0x12000) c.db(0xcc);
      c.label('f').movEax(1).ret();
      return flat32(c.build());
    }
    function rerun(t: TestMachine): void {
      t.m.cpu.eip = 0x10000;
      t.m.cpu.blockExit = true;
      run(t);
    }

    it('PhysicalMemory.write8 drops the decoded code of the page it writes', () => {
      const t = program();
      run(t);
      expect(reg(t, EBX)).toBe(1);
      t.m.phys.write8(0x12001, 0x22);
      rerun(t);
      expect(reg(t, EBX)).toBe(0x22);
    });

    it('PhysicalMemory.write32 and load do too', () => {
      const t = program();
      run(t);
      t.m.phys.write32(0x12001, 0x33);
      rerun(t);
      expect(reg(t, EBX)).toBe(0x33);
      t.m.phys.load(0x12000, Uint8Array.from([0xb8, 0x44, 0, 0, 0, 0xc3]));
      rerun(t);
      expect(reg(t, EBX)).toBe(0x44);
    });
  });
});
