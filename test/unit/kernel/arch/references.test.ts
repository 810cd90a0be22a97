// The memory references of one instruction (kernel/arch/references.ts): each case is an instruction's
// bytes (with its Intel-syntax assembly), the registers, and the references the processor makes,
// worked out by hand from the i386 PRM (17.2 "Instruction Format", tables 17-2/17-3/17-4, and
// the instruction pages). GNU as, when it is here, checks that the bytes are the assembly's.
import { describe, expect, it } from 'vitest';
import { asmIntel, hasAs } from '../../../harness/gas.ts';
import {
  memoryReferences, outsideLimit, type Reference, type Registers, type SegReg,
} from '../../../../kernel/arch/references.ts';

const REGS: Registers = {
  EAX: 0x1000, ECX: 3, EDX: 0, EBX: 0x2000, ESP: 0x8000, EBP: 0x9000, ESI: 0x3000, EDI: 0x4000, EIP: 0x100,
};
const rd = (seg: SegReg, offset: number, size: number): Reference => ({ seg, offset, size, write: false });
const wr = (seg: SegReg, offset: number, size: number): Reference => ({ seg, offset, size, write: true });

interface Case {
  /** Intel syntax, as GNU as takes it; null where as would pick another encoding. */
  asm: string | null;
  what?: string;
  bytes: number[];
  regs?: Partial<Registers>;
  refs: Reference[] | null;
}

const CASES: Case[] = [
  // ModR/M and SIB (tables 17-3, 17-4): DS unless the base is ESP or EBP.
  { asm: 'mov eax, [ebx+ecx*4+0x10]', bytes: [0x8b, 0x44, 0x8b, 0x10], refs: [rd('DS', 0x2000 + 12 + 0x10, 4)] },
  { asm: 'mov [ebp-4], eax', bytes: [0x89, 0x45, 0xfc], refs: [wr('SS', 0x8ffc, 4)] },
  { asm: 'mov [esp+8], eax', bytes: [0x89, 0x44, 0x24, 0x08], refs: [wr('SS', 0x8008, 4)] },
  { asm: 'mov al, es:[esi]', bytes: [0x26, 0x8a, 0x06], refs: [rd('ES', 0x3000, 1)] },
  { asm: 'mov eax, fs:[ebp+8]', bytes: [0x64, 0x8b, 0x45, 0x08], refs: [rd('FS', 0x9008, 4)] },
  { asm: 'mov ecx, [0x1234]', what: 'mod 00 rm 101: disp32, DS', bytes: [0x8b, 0x0d, 0x34, 0x12, 0, 0], refs: [rd('DS', 0x1234, 4)] },
  { asm: 'mov eax, [ecx*2+0x100]', what: 'SIB base 101 with mod 00: disp32, no base, DS', bytes: [0x8b, 0x04, 0x4d, 0x00, 0x01, 0, 0], refs: [rd('DS', 0x106, 4)] },
  { asm: 'mov eax, [ebp*2+0x100]', what: 'EBP as an index does not make it SS', bytes: [0x8b, 0x04, 0x6d, 0x00, 0x01, 0, 0], refs: [rd('DS', 0x12100, 4)] },
  { asm: null, what: 'SIB base 101 mod 00 index 100: disp32 alone', bytes: [0x8b, 0x04, 0x25, 0x78, 0x56, 0x34, 0x12], refs: [rd('DS', 0x12345678, 4)] },
  { asm: 'mov eax, [ebp+ecx*2+8]', what: 'SIB base EBP with mod 01: SS', bytes: [0x8b, 0x44, 0x4d, 0x08], refs: [rd('SS', 0x9000 + 6 + 8, 4)] },
  { asm: 'mov eax, [ebx-0x10]', what: 'the offset wraps at 4 GiB', bytes: [0x8b, 0x43, 0xf0], regs: { EBX: 8 }, refs: [rd('DS', 0xfffffff8, 4)] },
  { asm: 'lea eax, [ebx+8]', bytes: [0x8d, 0x43, 0x08], refs: [] },
  { asm: 'add eax, ebx', what: 'mod 11: registers only', bytes: [0x01, 0xd8], refs: [] },

  // 0x67: the 16-bit forms (table 17-2), wrapped to 16 bits; BP-based ones default to SS.
  { asm: 'mov ax, [bx+si+2]', bytes: [0x67, 0x66, 0x8b, 0x40, 0x02], refs: [rd('DS', 0x5002, 2)] },
  { asm: 'mov ax, [bx+si+2]', what: 'BX+SI+2 wraps at 64 KiB', bytes: [0x67, 0x66, 0x8b, 0x40, 0x02], regs: { EBX: 0x1234ffff, ESI: 0x99990003 }, refs: [rd('DS', 0x0004, 2)] },
  { asm: 'mov eax, [bp+4]', bytes: [0x67, 0x8b, 0x46, 0x04], refs: [rd('SS', 0x9004, 4)] },
  { asm: 'mov eax, [bp+di-2]', bytes: [0x67, 0x8b, 0x43, 0xfe], refs: [rd('SS', 0x9000 + 0x4000 - 2, 4)] },
  { asm: null, what: 'mov eax, [0x1234] with 0x67: mod 00 rm 110 is disp16', bytes: [0x67, 0x8b, 0x06, 0x34, 0x12], refs: [rd('DS', 0x1234, 4)] },

  // Operand size: 0x66 makes v a word; b stays a byte; Ew is a word whatever the size.
  { asm: 'mov ax, [ebx]', bytes: [0x66, 0x8b, 0x03], refs: [rd('DS', 0x2000, 2)] },
  { asm: 'mov [ebx], es', bytes: [0x8c, 0x03], refs: [wr('DS', 0x2000, 2)] },
  { asm: 'mov ds, [ebx]', bytes: [0x8e, 0x1b], refs: [rd('DS', 0x2000, 2)] },

  // moffs (A0-A3): the address follows the opcode, address-size wide.
  { asm: 'mov eax, ds:[0x1234]', bytes: [0xa1, 0x34, 0x12, 0, 0], refs: [rd('DS', 0x1234, 4)] },
  { asm: 'mov fs:[0x10], al', bytes: [0x64, 0xa2, 0x10, 0, 0, 0], refs: [wr('FS', 0x10, 1)] },
  { asm: null, what: 'mov ax, [0x1234] (67 66 A1, moffs16)', bytes: [0x67, 0x66, 0xa1, 0x34, 0x12], refs: [rd('DS', 0x1234, 2)] },

  // The ALU, group and two-byte forms: which way the operand goes.
  { asm: 'add byte ptr [eax], 1', bytes: [0x80, 0x00, 0x01], refs: [wr('DS', 0x1000, 1)] },
  { asm: 'cmp dword ptr [eax], 5', bytes: [0x83, 0x38, 0x05], refs: [rd('DS', 0x1000, 4)] },
  { asm: 'test [esi], ecx', bytes: [0x85, 0x0e], refs: [rd('DS', 0x3000, 4)] },
  { asm: 'xchg [esi], ecx', bytes: [0x87, 0x0e], refs: [wr('DS', 0x3000, 4)] },
  { asm: 'imul eax, [ebx], 10', bytes: [0x6b, 0x03, 0x0a], refs: [rd('DS', 0x2000, 4)] },
  { asm: 'mov dword ptr [edi], 7', bytes: [0xc7, 0x07, 0x07, 0, 0, 0], refs: [wr('DS', 0x4000, 4)] },
  { asm: 'shl dword ptr [ebx], 1', bytes: [0xd1, 0x23], refs: [wr('DS', 0x2000, 4)] },
  { asm: 'neg byte ptr [ebx]', bytes: [0xf6, 0x1b], refs: [wr('DS', 0x2000, 1)] },
  { asm: 'div dword ptr [ebx]', bytes: [0xf7, 0x33], refs: [rd('DS', 0x2000, 4)] },
  { asm: 'inc word ptr [ebx]', bytes: [0x66, 0xff, 0x03], refs: [wr('DS', 0x2000, 2)] },
  { asm: 'movzx eax, byte ptr [ebx]', bytes: [0x0f, 0xb6, 0x03], refs: [rd('DS', 0x2000, 1)] },
  { asm: 'movsx eax, word ptr [ebp+8]', bytes: [0x0f, 0xbf, 0x45, 0x08], refs: [rd('SS', 0x9008, 2)] },
  { asm: 'imul eax, [ebx]', bytes: [0x0f, 0xaf, 0x03], refs: [rd('DS', 0x2000, 4)] },
  { asm: 'sete byte ptr [esi]', bytes: [0x0f, 0x94, 0x06], refs: [wr('DS', 0x3000, 1)] },
  { asm: 'cmpxchg [edi], ecx', bytes: [0x0f, 0xb1, 0x0f], refs: [wr('DS', 0x4000, 4)] },
  { asm: 'xadd [edi], cl', bytes: [0x0f, 0xc0, 0x0f], refs: [wr('DS', 0x4000, 1)] },
  { asm: 'shld [eax], ebx, 4', bytes: [0x0f, 0xa4, 0x18, 0x04], refs: [wr('DS', 0x1000, 4)] },
  { asm: 'bt dword ptr [eax], 3', bytes: [0x0f, 0xba, 0x20, 0x03], refs: [rd('DS', 0x1000, 4)] },
  { asm: 'bts [eax], ecx', what: 'bit offset 100: the fourth dword on', bytes: [0x0f, 0xab, 0x08], regs: { ECX: 100 }, refs: [wr('DS', 0x100c, 4)] },
  { asm: 'bt [eax], ecx', what: 'bit offset -33: two dwords back', bytes: [0x0f, 0xa3, 0x08], regs: { ECX: -33 >>> 0 }, refs: [rd('DS', 0xff8, 4)] },
  { asm: 'lds eax, [ebx]', bytes: [0xc5, 0x03], refs: [rd('DS', 0x2000, 6)] },
  { asm: 'bound eax, [ebx]', bytes: [0x62, 0x03], refs: [rd('DS', 0x2000, 8)] },
  { asm: 'sgdt [eax]', bytes: [0x0f, 0x01, 0x00], refs: [wr('DS', 0x1000, 6)] },

  // The stack: SS:ESP-relative, operand-size slots.
  { asm: 'push dword ptr [eax]', bytes: [0xff, 0x30], refs: [rd('DS', 0x1000, 4), wr('SS', 0x7ffc, 4)] },
  { asm: 'push word ptr [eax]', bytes: [0x66, 0xff, 0x30], refs: [rd('DS', 0x1000, 2), wr('SS', 0x7ffe, 2)] },
  { asm: 'pop dword ptr [eax]', bytes: [0x8f, 0x00], refs: [rd('SS', 0x8000, 4), wr('DS', 0x1000, 4)] },
  { asm: 'pop dword ptr [esp+4]', what: 'the address is computed after the pop', bytes: [0x8f, 0x44, 0x24, 0x04], refs: [rd('SS', 0x8000, 4), wr('SS', 0x8008, 4)] },
  { asm: 'push ebx', bytes: [0x53], refs: [wr('SS', 0x7ffc, 4)] },
  { asm: 'pop ebx', bytes: [0x5b], refs: [rd('SS', 0x8000, 4)] },
  { asm: 'push 1', bytes: [0x6a, 0x01], refs: [wr('SS', 0x7ffc, 4)] },
  { asm: 'push 0x12345678', bytes: [0x68, 0x78, 0x56, 0x34, 0x12], refs: [wr('SS', 0x7ffc, 4)] },
  { asm: 'push es', bytes: [0x06], refs: [wr('SS', 0x7ffc, 4)] },
  { asm: 'pushfd', bytes: [0x9c], refs: [wr('SS', 0x7ffc, 4)] },
  { asm: 'popfd', bytes: [0x9d], refs: [rd('SS', 0x8000, 4)] },
  { asm: 'pushad', bytes: [0x60], refs: [wr('SS', 0x8000 - 32, 32)] },
  { asm: 'popad', bytes: [0x61], refs: [rd('SS', 0x8000, 32)] },
  { asm: 'pushaw', bytes: [0x66, 0x60], refs: [wr('SS', 0x8000 - 16, 16)] },
  { asm: 'push eax', what: 'ESP 0: the slot wraps to the top', bytes: [0x50], regs: { ESP: 0 }, refs: [wr('SS', 0xfffffffc, 4)] },
  { asm: 'ret 8', bytes: [0xc2, 0x08, 0x00], refs: [rd('SS', 0x8000, 4)] },
  { asm: 'ret', bytes: [0xc3], refs: [rd('SS', 0x8000, 4)] },
  { asm: 'retf', bytes: [0xcb], refs: [rd('SS', 0x8000, 8)] },
  { asm: 'iretd', bytes: [0xcf], refs: [rd('SS', 0x8000, 12)] },
  { asm: 'call eax', bytes: [0xff, 0xd0], refs: [wr('SS', 0x7ffc, 4)] },
  { asm: 'call dword ptr [ebx]', bytes: [0xff, 0x13], refs: [rd('DS', 0x2000, 4), wr('SS', 0x7ffc, 4)] },
  { asm: 'call fword ptr [ebx]', bytes: [0xff, 0x1b], refs: [rd('DS', 0x2000, 6), wr('SS', 0x7ff8, 8)] },
  { asm: 'jmp dword ptr [ebx]', bytes: [0xff, 0x23], refs: [rd('DS', 0x2000, 4)] },
  { asm: null, what: 'call rel32 (E8)', bytes: [0xe8, 0x10, 0, 0, 0], refs: [wr('SS', 0x7ffc, 4)] },
  { asm: 'enter 8, 0', bytes: [0xc8, 0x08, 0x00, 0x00], refs: [wr('SS', 0x7ffc, 4)] },
  { asm: 'enter 16, 3', what: 'two frame pointers copied from the enclosing frame', bytes: [0xc8, 0x10, 0x00, 0x03], refs: [rd('SS', 0x8ffc, 4), rd('SS', 0x8ff8, 4), wr('SS', 0x8000 - 16, 16)] },
  { asm: 'leave', bytes: [0xc9], refs: [rd('SS', 0x9000, 4)] },

  // The string instructions: DS:ESI (a prefix may override DS), ES:EDI (never overridden).
  { asm: 'movsd', bytes: [0xa5], refs: [rd('DS', 0x3000, 4), wr('ES', 0x4000, 4)] },
  { asm: 'rep movsd', bytes: [0xf3, 0xa5], refs: [rd('DS', 0x3000, 4), wr('ES', 0x4000, 4)] },
  { asm: 'rep movsd', what: 'ECX 0: no iteration, no reference', bytes: [0xf3, 0xa5], regs: { ECX: 0 }, refs: [] },
  { asm: 'movs dword ptr es:[edi], dword ptr fs:[esi]', bytes: [0x64, 0xa5], refs: [rd('FS', 0x3000, 4), wr('ES', 0x4000, 4)] },
  { asm: 'movsw', bytes: [0x66, 0xa5], refs: [rd('DS', 0x3000, 2), wr('ES', 0x4000, 2)] },
  { asm: 'movs byte ptr es:[di], byte ptr ds:[si]', what: '0x67: SI and DI', bytes: [0x67, 0xa4], regs: { ESI: 0x12343000, EDI: 0x56784000 }, refs: [rd('DS', 0x3000, 1), wr('ES', 0x4000, 1)] },
  { asm: 'cmpsb', bytes: [0xa6], refs: [rd('DS', 0x3000, 1), rd('ES', 0x4000, 1)] },
  { asm: 'stosb', bytes: [0xaa], refs: [wr('ES', 0x4000, 1)] },
  { asm: 'fs stosd', what: 'the override prefix does not move STOS', bytes: [0x64, 0xab], refs: [wr('ES', 0x4000, 4)] },
  { asm: 'lodsd', bytes: [0xad], refs: [rd('DS', 0x3000, 4)] },
  { asm: 'scasb', bytes: [0xae], refs: [rd('ES', 0x4000, 1)] },
  { asm: 'insb', bytes: [0x6c], refs: [wr('ES', 0x4000, 1)] },
  { asm: 'outsd', bytes: [0x6f], refs: [rd('DS', 0x3000, 4)] },
  { asm: 'xlat', bytes: [0xd7], regs: { EAX: 0x12345680 }, refs: [rd('DS', 0x2080, 1)] },
  { asm: 'xlat byte ptr es:[ebx]', bytes: [0x26, 0xd7], regs: { EAX: 0xff }, refs: [rd('ES', 0x20ff, 1)] },

  // No memory reference, but an instruction all the same (a privileged one is #GP(0) by itself).
  { asm: 'hlt', bytes: [0xf4], refs: [] },
  { asm: 'int 0x80', bytes: [0xcd, 0x80], refs: [] },
  { asm: 'lock add [eax], ebx', bytes: [0xf0, 0x01, 0x18], refs: [wr('DS', 0x1000, 4)] },

  // It cannot tell: an opcode it does not know, or bytes that run out.
  { asm: null, what: 'D6 (undefined)', bytes: [0xd6], refs: null },
  { asm: null, what: '0F 0B (no 386 instruction)', bytes: [0x0f, 0x0b], refs: null },
  { asm: null, what: 'FE /2 (undefined in group 4)', bytes: [0xfe, 0x10], refs: null },
  { asm: null, what: 'D9 00: FLD m32 (no FPU)', bytes: [0xd9, 0x00], refs: null },
  { asm: null, what: 'LEA with a register operand (8D C0)', bytes: [0x8d, 0xc0], refs: null },
  { asm: null, what: 'a displacement past the end', bytes: [0x8b, 0x84, 0x24], refs: null },
  { asm: null, what: 'only prefixes', bytes: [0x66, 0x67], refs: null },
  { asm: null, what: 'sixteen prefixes: longer than 15 bytes', bytes: [...new Array<number>(15).fill(0x66), 0x90], refs: null },
];

const title = (c: Case): string => `${c.asm ?? c.bytes.map((b) => b.toString(16).padStart(2, '0')).join(' ')}${c.what ? ` (${c.what})` : ''}`;

describe('memoryReferences', () => {
  it.each(CASES.map((c) => [title(c), c] as const))('%s', (_, c) => {
    expect(memoryReferences(Uint8Array.from(c.bytes), { ...REGS, ...c.regs })).toEqual(c.refs);
  });

  it('reads nothing past the instruction: trailing bytes change nothing', () => {
    const code = Uint8Array.from([0x89, 0x45, 0xfc, 0xff, 0xff, 0xff]);
    expect(memoryReferences(code, REGS)).toEqual([wr('SS', 0x8ffc, 4)]);
  });
});

describe.skipIf(!hasAs)('the cases\' bytes are their assembly (GNU as; skipped: `as` not on PATH)', () => {
  it.each(CASES.filter((c) => c.asm !== null).map((c) => [title(c), c] as const))('%s', (_, c) => {
    expect(asmIntel(c.asm!, 32)).toEqual(c.bytes);
  });
});

describe('outsideLimit', () => {
  const limits = (l: Partial<Record<SegReg, number>>) => (s: SegReg): number | null => l[s] ?? null;

  it('picks the reference past its limit: 4 bytes at limit - 2', () => {
    const refs = [rd('DS', 0x100, 4), wr('SS', 0xfffe, 4)];
    expect(outsideLimit(refs, limits({ DS: 0xffff, SS: 0xffff }))).toEqual(wr('SS', 0xfffe, 4));
  });

  it('keeps inside a byte at the limit and 4 bytes ending at it', () => {
    expect(outsideLimit([rd('DS', 0xffff, 1), rd('DS', 0xfffc, 4)], limits({ DS: 0xffff }))).toBeNull();
  });

  it('picks the first of two outside', () => {
    expect(outsideLimit([rd('DS', 0x20000, 4), wr('ES', 0x30000, 4)], limits({ DS: 0xffff, ES: 0xffff }))).toEqual(rd('DS', 0x20000, 4));
  });

  it('skips a segment whose limit is null', () => {
    expect(outsideLimit([rd('FS', 0xffffff00, 4), rd('DS', 0x10000, 1)], limits({ DS: 0xffff }))).toEqual(rd('DS', 0x10000, 1));
  });

  it('counts a reference that wraps past 4 GiB as outside, even under a 4 GiB limit', () => {
    expect(outsideLimit([rd('DS', 0xfffffffe, 4)], limits({ DS: 0xffffffff }))).toEqual(rd('DS', 0xfffffffe, 4));
    expect(outsideLimit([rd('DS', 0xfffffffc, 4)], limits({ DS: 0xffffffff }))).toBeNull();
  });

  it('names the stack write of push [eax] when ESP sits at the bottom of a small stack segment', () => {
    // push dword [eax] with ESP = 2: the slot is at 0xfffffffe, past any limit below 4 GiB.
    const refs = memoryReferences(Uint8Array.from([0xff, 0x30]), { ...REGS, ESP: 2 });
    expect(outsideLimit(refs!, limits({ DS: 0xffff, SS: 0xffff }))).toEqual(wr('SS', 0xfffffffe, 4));
  });
});
