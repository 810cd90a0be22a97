// The disassembler on hand-picked encodings (objdump.test.ts compares it with GNU objdump in bulk).

import { describe, expect, it } from 'vitest';
import { disassembleBytes } from '../../../../emulator/cpu/disasm.ts';

const d32 = (bytes: number[], eip = 0): string => disassembleBytes(Uint8Array.from(bytes), true, eip).text;
const d16 = (bytes: number[], eip = 0): string => disassembleBytes(Uint8Array.from(bytes), false, eip).text;

describe('disassemble', () => {
  it('prints Intel syntax with objdump-style memory operands', () => {
    expect(d32([0x8b, 0x44, 0xb3, 0x10])).toBe('mov    eax,DWORD PTR [ebx+esi*4+0x10]');
    expect(d32([0x88, 0x40, 0xfe])).toBe('mov    BYTE PTR [eax-0x2],al');
    expect(d32([0x8b, 0x05, 0x78, 0x56, 0x34, 0x12])).toBe('mov    eax,DWORD PTR ds:0x12345678');
    expect(d32([0xa1, 0x78, 0x56, 0x34, 0x12])).toBe('mov    eax,ds:0x12345678'); // moffs: no size, as objdump
    expect(d32([0x8b, 0x04, 0x8d, 0, 0x10, 0, 0])).toBe('mov    eax,DWORD PTR [ecx*4+0x1000]');
    expect(d16([0x8b, 0x42, 0x10])).toBe('mov    ax,WORD PTR [bp+si+0x10]');
    expect(d16([0x26, 0x80, 0x06, 0x34, 0x12, 0x7f])).toBe('add    BYTE PTR es:0x1234,0x7f');
    expect(d16([0x8b, 0x87, 0xff, 0xff])).toBe('mov    ax,WORD PTR [bx-0x1]');
  });

  it('sizes memory operands by their notation: Mp, Ma, M and Ms', () => {
    expect(d32([0xc4, 0x03])).toBe('les    eax,FWORD PTR [ebx]');
    expect(d16([0xc4, 0x07])).toBe('les    ax,DWORD PTR [bx]');
    expect(d32([0x62, 0x03])).toBe('bound  eax,QWORD PTR [ebx]');
    expect(d32([0x8d, 0x43, 0x04])).toBe('lea    eax,[ebx+0x4]');
    expect(d32([0x0f, 0x01, 0x13])).toBe('lgdt   [ebx]');
    expect(d32([0xff, 0x2b])).toBe('jmp    FWORD PTR [ebx]');
  });

  it('picks A|B mnemonics by operand size, JCXZ|JECXZ by address size', () => {
    expect(d32([0x98])).toBe('cwde');
    expect(d32([0x66, 0x98])).toBe('cbw');
    expect(d16([0x66, 0x60])).toBe('pushad');
    expect(d32([0xe3, 0x00], 0x100)).toBe('jecxz  0x102');
    expect(d32([0x67, 0xe3, 0x00], 0x100)).toBe('jcxz   0x103');
    expect(d32([0x66, 0xe3, 0x00], 0x100)).toBe('jecxz  0x103');
  });

  it('renders immediates at their operand size, sign-extended where the notation says so', () => {
    expect(d32([0x83, 0xc0, 0xff])).toBe('add    eax,0xffffffff');
    expect(d32([0x66, 0x83, 0xc0, 0xff])).toBe('add    ax,0xffff');
    expect(d32([0x6a, 0x80])).toBe('push   0xffffff80');
    expect(d16([0xc8, 0x10, 0x00, 0x01])).toBe('enter  0x10,0x1');
    expect(d32([0xea, 0x78, 0x56, 0x34, 0x12, 0x08, 0x00])).toBe('jmp    0x8:0x12345678');
    expect(d16([0x9a, 0x34, 0x12, 0x00, 0xf0])).toBe('call   0xf000:0x1234');
  });

  it('prints branch targets as absolute addresses, wrapped to 16 bits with a 16-bit operand size', () => {
    expect(d32([0x74, 0xfe], 0x1000)).toBe('jz     0x1000');
    expect(d32([0xe8, 0xfb, 0xff, 0xff, 0xff], 0x2000)).toBe('call   0x2000');
    expect(d16([0xe9, 0x00, 0x80], 0x9000)).toBe('jmp    0x1003');
    expect(d16([0xeb, 0xfe], 0x0)).toBe('jmp    0x0');
    expect(d32([0x66, 0xeb, 0x80], 0x10)).toBe('jmp    0xff93');
  });

  it('prints string operands, REP prefixes and segment overrides', () => {
    expect(d32([0xf3, 0xa5])).toBe('rep movsd DWORD PTR es:[edi],DWORD PTR ds:[esi]');
    expect(d16([0x2e, 0xac])).toBe('lodsb  al,BYTE PTR cs:[si]');
    expect(d32([0xf3, 0xa6])).toBe('repz cmpsb BYTE PTR ds:[esi],BYTE PTR es:[edi]');
    expect(d32([0xf2, 0xae])).toBe('repnz scasb al,BYTE PTR es:[edi]');
    expect(d32([0x26, 0x6c])).toBe('es insb BYTE PTR es:[edi],dx'); // ES:EDI cannot be overridden
    expect(d32([0x64, 0xa1, 0x30, 0, 0, 0])).toBe('mov    eax,fs:0x30');
    expect(d32([0x3e, 0x90])).toBe('ds nop');
    expect(d32([0xf0, 0x0f, 0xc1, 0x0b])).toBe('lock xadd DWORD PTR [ebx],ecx');
  });

  it('prints fixed and system-register operands', () => {
    expect(d32([0x0f, 0x22, 0xd8])).toBe('mov    cr3,eax');
    expect(d32([0x0f, 0x21, 0xf8])).toBe('mov    eax,dr7');
    expect(d32([0x0f, 0x26, 0xf1])).toBe('mov    tr6,ecx');
    expect(d32([0x8e, 0xd8])).toBe('mov    ds,ax');
    expect(d32([0xd3, 0xe0])).toBe('shl    eax,cl');
    expect(d32([0xd1, 0xf8])).toBe('sar    eax,1');
    expect(d16([0xed])).toBe('in     ax,dx');
    expect(d32([0x0f, 0xcb])).toBe('bswap  ebx');
    expect(d32([0x66, 0x93])).toBe('xchg   ax,bx');
  });

  it('prints the coprocessor escape with its 387 opcode', () => {
    expect(d32([0xd9, 0x03])).toBe('esc    0x8,[ebx]'); // fld dword [ebx]
    expect(d32([0xde, 0xc9])).toBe('esc    0x31,st(1)'); // fmulp st(1)
  });

  it('reports invalid and truncated encodings as (bad), one byte long', () => {
    expect(disassembleBytes(Uint8Array.from([0x0f, 0x0b]), true)).toEqual({ text: '(bad)', len: 1 });
    expect(disassembleBytes(Uint8Array.from([0xf0, 0x01, 0xc0]), true)).toEqual({ text: '(bad)', len: 1 });
    expect(disassembleBytes(Uint8Array.from([0xb8, 0x01]), true)).toEqual({ text: '(bad)', len: 1 });
    expect(disassembleBytes(Uint8Array.from([0xb8, 1, 0, 0, 0]), true)).toEqual({ text: 'mov    eax,0x1', len: 5 });
  });
});
