// Decoding facts (i386 PRM chapter 17.2, "Instruction Format", and Tables 17-2/17-3 for ModRM and
// SIB), and a walk over the opcode table checking that every row is complete.

import { describe, expect, it } from 'vitest';
import { disassemble } from '../../../../emulator/cpu/disasm.ts';
import { CpuFault, Vector } from '../../../../emulator/cpu/faults.ts';
import { REPE, REPNE, type Insn } from '../../../../emulator/cpu/insn.ts';
import { F_486, UNKNOWN_CLOCKS } from '../../../../emulator/cpu/optable.ts';
import { CS, DS, EAX, EBP, EBX, ECX, EDI, ES, ESI, FS, GS, SS, ZERO } from '../../../../emulator/cpu/registers.ts';
import { generateCorpus, makeDecoder, tableEntries } from './corpus.ts';

const DECODER_486 = makeDecoder(486);
const DECODER_386 = makeDecoder(386);

/** Decodes `bytes` as 32-bit (default) or 16-bit code on a 486 (or 386). */
function dec(bytes: number[], opts: { code32?: boolean; model?: 386 | 486 } = {}): Insn {
  const d = opts.model === 386 ? DECODER_386 : DECODER_486;
  return d.decodeBytes(Uint8Array.from(bytes), opts.code32 ?? true);
}

/** The fault decoding raises, or null. */
function faultOf(bytes: number[], opts: { code32?: boolean; model?: 386 | 486 } = {}): CpuFault | null {
  try {
    dec(bytes, opts);
    return null;
  } catch (e) {
    if (e instanceof CpuFault) return e;
    throw e;
  }
}

const ud = (bytes: number[], opts: { code32?: boolean; model?: 386 | 486 } = {}): number | undefined => faultOf(bytes, opts)?.vector;

describe('instruction length', () => {
  it('counts one byte for each prefix', () => {
    // 01 00: add [eax],eax takes every prefix, LOCK included (with 67 it is add [bx+si],eax).
    for (const p of [0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0]) {
      expect(dec([p, 0x01, 0x00]).len).toBe(3);
      expect(dec([p, 0x01, 0x00], { code32: false }).len).toBe(3);
    }
  });

  it('counts REP, REPNE and several prefixes together', () => {
    expect(dec([0xf3, 0xa4]).len).toBe(2); // rep movsb
    expect(dec([0xf2, 0xae]).len).toBe(2); // repne scasb
    expect(dec([0x26, 0x66, 0x67, 0xf3, 0xa5]).len).toBe(5); // rep movsw with es:, 16-bit addresses
    expect(dec([0xf0, 0x64, 0x66, 0x01, 0x00]).len).toBe(5); // lock add fs:[eax],ax
  });

  it('takes the immediate size from the operand size (66)', () => {
    expect(dec([0x05, 1, 2, 3, 4]).len).toBe(5); // add eax,imm32
    expect(dec([0x66, 0x05, 1, 2]).len).toBe(4); // add ax,imm16
    expect(dec([0x05, 1, 2], { code32: false }).len).toBe(3); // add ax,imm16
    expect(dec([0x66, 0x05, 1, 2, 3, 4], { code32: false }).len).toBe(6); // add eax,imm32
    expect(dec([0xe9, 1, 2, 3, 4]).len).toBe(5); // jmp rel32
    expect(dec([0x66, 0xe9, 1, 2]).len).toBe(4); // jmp rel16
    expect(dec([0xea, 1, 2, 3, 4, 5, 6]).len).toBe(7); // jmp ptr16:32
    expect(dec([0xea, 1, 2, 3, 4], { code32: false }).len).toBe(5); // jmp ptr16:16
    expect(dec([0x83, 0xc0, 0x80]).len).toBe(3); // add eax,imm8 (sign-extended): one byte at any size
    expect(dec([0xc8, 1, 2, 3]).len).toBe(4); // enter imm16,imm8
  });

  it('takes the moffs and ModRM forms from the address size (67)', () => {
    expect(dec([0xa1, 1, 2, 3, 4]).len).toBe(5); // mov eax,[moffs32]
    expect(dec([0x67, 0xa1, 1, 2]).len).toBe(4); // mov eax,[moffs16]
    expect(dec([0x8b, 0x05, 1, 2, 3, 4]).len).toBe(6); // mov eax,[disp32]
    expect(dec([0x67, 0x8b, 0x06, 1, 2]).len).toBe(5); // mov eax,[disp16]
    expect(dec([0x67, 0x8b, 0x05]).len).toBe(3); // 16-bit r/m 5 is [di]: no displacement
  });

  it('raises #GP(0) for an instruction longer than 15 bytes', () => {
    const nop15 = [...Array<number>(14).fill(0x66), 0x90];
    expect(dec(nop15).len).toBe(15);
    const f = faultOf([0x66, ...nop15]);
    expect(f?.vector).toBe(Vector.GP);
    expect(f?.errorCode).toBe(0);
    // Prefixes + add dword [eax+ebx*4+disp32],imm32: 4 + 1 + 1 + 1 + 4 + 4 = 15 is the most allowed.
    expect(dec([0x26, 0x3e, 0x64, 0xf0, 0x81, 0x84, 0x98, 1, 2, 3, 4, 5, 6, 7, 8]).len).toBe(15);
    expect(faultOf([0x65, 0x26, 0x3e, 0x64, 0xf0, 0x81, 0x84, 0x98, 1, 2, 3, 4, 5, 6, 7, 8])?.errorCode).toBe(0);
  });
});

describe('16-bit ModRM (PRM Table 17-2)', () => {
  const rm16 = [
    [EBX, ESI, DS], [EBX, EDI, DS], [EBP, ESI, SS], [EBP, EDI, SS], [ESI, ZERO, DS], [EDI, ZERO, DS], [EBP, ZERO, SS], [EBX, ZERO, DS],
  ] as const;

  it('names base, index and default segment for each r/m with mod 1', () => {
    rm16.forEach(([base, index, seg], rm) => {
      const i = dec([0x8b, 0x40 | rm, 0xfe], { code32: false }); // mov ax,[... - 2]
      expect([i.base, i.index, i.seg, i.disp, i.len]).toEqual([base, index, seg, -2, 3]);
    });
  });

  it('reads a 16-bit displacement with mod 2 and none with mod 0', () => {
    const i = dec([0x8b, 0x80, 0x34, 0x12], { code32: false }); // mov ax,[bx+si+0x1234]
    expect([i.base, i.index, i.disp, i.len]).toEqual([EBX, ESI, 0x1234, 4]);
    const j = dec([0x8b, 0x03], { code32: false }); // mov ax,[bp+di]
    expect([j.base, j.index, j.seg, j.disp, j.len]).toEqual([EBP, EDI, SS, 0, 2]);
  });

  it('takes mod 0 r/m 6 as a bare 16-bit displacement in DS, not [bp]', () => {
    const i = dec([0x8b, 0x06, 0x34, 0x12], { code32: false }); // mov ax,[0x1234]
    expect([i.base, i.index, i.seg, i.disp, i.len, i.isMem]).toEqual([ZERO, ZERO, DS, 0x1234, 4, true]);
  });

  it('uses SS for BP-based forms, which an override replaces', () => {
    expect(dec([0x8b, 0x46, 0x00], { code32: false }).seg).toBe(SS); // [bp+0]
    expect(dec([0x26, 0x8b, 0x46, 0x00], { code32: false }).seg).toBe(ES);
    expect(dec([0x2e, 0x8b, 0x07], { code32: false }).seg).toBe(CS); // cs:[bx]
  });

  it('is chosen by 67 in 32-bit code', () => {
    const i = dec([0x67, 0x8b, 0x42, 0x10]); // mov eax,[bp+si+0x10]
    expect([i.asize, i.base, i.index, i.seg, i.len]).toEqual([16, EBP, ESI, SS, 4]);
  });
});

describe('32-bit ModRM and SIB (PRM Table 17-3)', () => {
  it('reads a bare 32-bit displacement for mod 0 r/m 5', () => {
    const i = dec([0x8b, 0x05, 0x78, 0x56, 0x34, 0x12]);
    expect([i.base, i.index, i.seg, i.disp, i.len]).toEqual([ZERO, ZERO, DS, 0x12345678, 6]);
  });

  it('has no base for SIB base 5 with mod 0, and a 32-bit displacement', () => {
    const i = dec([0x8b, 0x04, 0x8d, 0x00, 0x10, 0x00, 0x00]); // mov eax,[ecx*4+0x1000]
    expect([i.base, i.index, i.scale, i.seg, i.disp, i.len]).toEqual([ZERO, ECX, 2, DS, 0x1000, 7]);
    // Index EBP does not make the segment SS: only the base register chooses it.
    expect(dec([0x8b, 0x04, 0x2d, 0, 0, 0, 0]).seg).toBe(DS); // [ebp*1+0]
  });

  it('takes SIB base 5 with mod 1 or 2 as EBP, in SS', () => {
    const i = dec([0x8b, 0x44, 0x1d, 0x08]); // mov eax,[ebp+ebx+8]
    expect([i.base, i.index, i.scale, i.seg, i.disp, i.len]).toEqual([EBP, EBX, 0, SS, 8, 4]);
  });

  it('has no index for SIB index 4, whatever the scale', () => {
    const i = dec([0x8b, 0x04, 0xe0]); // mov eax,[eax] (scale 8, index "esp" = none)
    expect([i.base, i.index, i.len]).toEqual([EAX, ZERO, 3]);
  });

  it('uses SS for ESP and EBP bases and DS otherwise, until overridden', () => {
    expect(dec([0x8b, 0x04, 0x24]).seg).toBe(SS); // [esp]
    expect(dec([0x8b, 0x45, 0x00]).seg).toBe(SS); // [ebp+0]
    expect(dec([0x8b, 0x00]).seg).toBe(DS); // [eax]
    expect(dec([0x8b, 0x04, 0x26]).seg).toBe(DS); // [esi] through a SIB
    expect(dec([0x64, 0x8b, 0x04, 0x24]).seg).toBe(FS);
    expect(dec([0x65, 0x8b, 0x45, 0x00]).seg).toBe(GS);
  });

  it('sign-extends 8-bit displacements', () => {
    expect(dec([0x8b, 0x40, 0x80]).disp).toBe(-128);
    expect(dec([0x8b, 0x80, 0xff, 0xff, 0xff, 0xff]).disp).toBe(-1);
  });

  it('ignores mod for MOV to and from control registers: r/m is a register', () => {
    const i = dec([0x0f, 0x20, 0x00]); // encoded as memory, executes as mov eax,cr0
    expect([i.isMem, i.rm, i.len]).toEqual([false, EAX, 3]);
    expect(dec([0x0f, 0x22, 0x98, 1, 2, 3, 4]).len).toBe(3); // no displacement is read
  });
});

describe('prefix fields', () => {
  it('records operand and address size, REP and the override', () => {
    const i = dec([0x66, 0x67, 0x2e, 0xf3, 0xa5]);
    expect([i.osize, i.asize, i.rep, i.segOverride]).toEqual([16, 16, REPE, CS]);
    const j = dec([0xf2, 0xa7], { code32: false });
    expect([j.osize, j.asize, j.rep, j.segOverride]).toEqual([16, 16, REPNE, -1]);
  });
});

describe('invalid encodings raise #UD', () => {
  it('LOCK on a register destination', () => {
    expect(ud([0xf0, 0x01, 0xc0])).toBe(Vector.UD); // lock add eax,eax
    expect(ud([0xf0, 0x0f, 0xab, 0xc0])).toBe(Vector.UD); // lock bts eax,eax
  });

  it('LOCK on an instruction that is not read-modify-write', () => {
    expect(ud([0xf0, 0x89, 0x00])).toBe(Vector.UD); // mov [eax],eax
    expect(ud([0xf0, 0x39, 0x00])).toBe(Vector.UD); // cmp [eax],eax
    expect(ud([0xf0, 0x90])).toBe(Vector.UD); // nop
    expect(ud([0xf0, 0xa4])).toBe(Vector.UD); // movsb
    expect(ud([0xf0, 0x0f, 0xa3, 0x00])).toBe(Vector.UD); // bt [eax],eax
  });

  it('but not LOCK on a read-modify-write memory destination', () => {
    for (const bytes of [[0x01, 0x00], [0x87, 0x00], [0x0f, 0xab, 0x00], [0xfe, 0x00], [0xf7, 0x18], [0x80, 0x30, 0x01], [0x0f, 0xba, 0x38, 1]]) {
      expect(faultOf([0xf0, ...bytes])).toBeNull();
    }
  });

  it('486 instructions on the 386 model, which the 486 model decodes', () => {
    const rows = tableEntries().filter((e) => (e.row.flags & F_486) !== 0);
    expect(rows.map((e) => e.row.mnemonic)).toEqual(expect.arrayContaining(['INVLPG', 'INVD', 'WBINVD', 'CPUID', 'CMPXCHG', 'XADD', 'BSWAP']));
    for (const e of rows) {
      const modrm = e.reg >= 0 ? 0x00 | (e.reg << 3) : 0x00;
      const bytes = [0x0f, e.opcode & 0xff, modrm, 0, 0, 0, 0];
      expect(ud(bytes, { model: 386 }), e.row.mnemonic).toBe(Vector.UD);
      expect(faultOf(bytes, { model: 486 }), e.row.mnemonic).toBeNull();
    }
  });

  it('undefined opcodes and group members', () => {
    for (const bytes of [[0x0f, 0x0b], [0x0f, 0xff], [0xfe, 0x10], [0x8f, 0x08], [0xc6, 0x08, 0], [0xff, 0x38], [0x0f, 0x00, 0x30], [0x0f, 0xba, 0x00, 0], [0x0f, 0x01, 0x28]]) {
      expect(ud(bytes), bytes.map((b) => b.toString(16)).join(' ')).toBe(Vector.UD);
    }
  });

  it('a register operand where the instruction needs memory', () => {
    for (const bytes of [[0x8d, 0xc0], [0xc4, 0xc0], [0x62, 0xc0], [0x0f, 0x01, 0xd0], [0xff, 0xd8], [0x0f, 0xb2, 0xc0]]) {
      expect(ud(bytes), bytes.map((b) => b.toString(16)).join(' ')).toBe(Vector.UD);
    }
  });
});

describe('the opcode table', () => {
  const entries = tableEntries();
  const name = (e: (typeof entries)[number]): string =>
    `${e.opcode > 0xff ? '0F ' : ''}${(e.opcode & 0xff).toString(16).padStart(2, '0')}${e.reg >= 0 ? ` /${e.reg}` : ''} ${e.row.mnemonic}`;

  it('gives every row a handler and a mnemonic', () => {
    expect(entries.length).toBeGreaterThan(400);
    for (const e of entries) {
      expect(typeof e.row.handler, name(e)).toBe('function');
      expect(e.row.mnemonic, name(e)).toMatch(/^[A-Z][A-Z0-9]*(\|[A-Z][A-Z0-9]*)?$/);
    }
  });

  it('gives every row a clock count from cycles.ts, at both operand sizes', () => {
    const missing = entries.filter((e) => e.row.clocks16 === UNKNOWN_CLOCKS || e.row.clocks32 === UNKNOWN_CLOCKS).map(name);
    expect(missing).toEqual([]);
  });

  it('disassembles every row without throwing, in 16- and 32-bit code', () => {
    for (const code32 of [false, true]) {
      const corpus = generateCorpus(code32, 1, 4);
      const seen = new Set(corpus.items.map((it) => it.entry));
      expect(seen.size).toBe(entries.length);
      for (const it of corpus.items) {
        const text = disassemble(it.insn, 0x1000);
        expect(text, name(it.entry)).not.toBe('(bad)');
        expect(text.split(' ')[0], name(it.entry)).not.toBe('');
      }
    }
  });
});
