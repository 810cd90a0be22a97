// Shifts and rotates (emulator/cpu/ops/shift.ts): group 2 (C0 C1 D0-D3) and SHLD/SHRD, run as
// encoded instructions in flat 32-bit mode (and real mode for the fault case).

import { describe, expect, it } from 'vitest';
import { AF, CF, OF, PF, SF, ZF } from '../../../../emulator/cpu/state.ts';
import { DATA, run16, run32, vectorTaken } from './ops-harness.ts';

const ARITH = CF | PF | AF | ZF | SF | OF;
const arith = (f: number): number => f & ARITH;
const ALL = ARITH; // a flag state in which every arithmetic flag is set

describe('SHL / SAL', () => {
  it('moves bit 31 into CF and sets OF when the sign changes (count 1)', () => {
    const r = run32('shl eax, 1', { eax: 0x40000001 });
    expect(r.r('eax')).toBe(0x80000002);
    expect(arith(r.flags)).toBe(SF | OF);
  });

  it('sets CF, ZF and PF when the only set bit is shifted out', () => {
    const r = run32('shl eax, 1', { eax: 0x80000000 });
    expect(r.r('eax')).toBe(0);
    expect(arith(r.flags)).toBe(CF | OF | ZF | PF);
  });

  it('clears AF (undefined for shifts) and takes CF from the last bit shifted out', () => {
    const r = run32('shl eax, 4', { eax: 0x1fffffff, flags: AF });
    expect(r.r('eax')).toBe(0xfffffff0);
    expect(arith(r.flags)).toBe(CF | SF | PF); // last bit out is bit 28 = 1; OF = MSB ^ CF = 0
  });

  it('masks the count to 5 bits: CL = 33 shifts by 1, for byte operands too', () => {
    const r = run32('shl eax, cl\nshl bl, cl', { eax: 1, ebx: 0x40, ecx: 33 });
    expect(r.r('eax')).toBe(2);
    expect(r.r('ebx')).toBe(0x80);
  });

  it('changes nothing, flags included, when the masked count is 0 (imm 0, CL 0, CL 32)', () => {
    for (const src of ['shl eax, 0', 'shl eax, cl', 'sar al, cl']) {
      for (const cl of [0, 32]) {
        const r = run32(src, { eax: 0x1234, ecx: cl, flags: ALL });
        expect(r.r('eax')).toBe(0x1234);
        expect(arith(r.flags)).toBe(ALL);
      }
    }
  });

  it('shifts a byte by the width or more to 0, with CF the last bit out (0 beyond the width)', () => {
    const eight = run32('shl al, cl', { eax: 0x81, ecx: 8 });
    expect(eight.r('eax') & 0xff).toBe(0);
    expect(arith(eight.flags) & (CF | ZF)).toBe(CF | ZF);
    const nine = run32('shl al, cl', { eax: 0x81, ecx: 9 });
    expect(nine.r('eax') & 0xff).toBe(0);
    expect(arith(nine.flags) & (CF | ZF)).toBe(ZF);
  });

  it('treats SAL (D0 /6, undocumented) as SHL', () => {
    const r = run32('.byte 0xd0, 0xf0', { eax: 0xc0 }); // sal al, 1 encoded with /6
    expect(r.r('eax')).toBe(0x80);
    expect(arith(r.flags)).toBe(CF | SF); // OF = MSB ^ CF = 0
  });

  it('shifts a 16-bit register by an immediate and keeps the high word', () => {
    const r = run32('shl ax, 4', { eax: 0xabcd1234 });
    expect(r.r('eax')).toBe(0xabcd2340);
    expect(arith(r.flags) & CF).toBe(CF); // bit 12 of 0x1234
  });

  it('shifts a memory operand in place', () => {
    const r = run32(`shl dword ptr [${DATA}], 4`, {}, { mem: [[DATA, [0x78, 0x56, 0x34, 0x12]]] });
    expect(r.t.m.phys.read32(DATA) >>> 0).toBe(0x23456780);
    expect(arith(r.flags) & CF).toBe(CF); // bit 28 of 0x12345678 is 1
  });

  it('still reads a memory operand with a count of 0, so a word at offset FFFF faults', () => {
    const r = run16('shl word ptr [0xffff], cl', { ecx: 0 });
    expect(vectorTaken(r)).toBe(13);
  });
});

describe('SHR / SAR', () => {
  it('SHR by 1 puts bit 0 in CF and sets OF to the old sign bit', () => {
    const r = run32('shr eax, 1', { eax: 0x80000001 });
    expect(r.r('eax')).toBe(0x40000000);
    expect(arith(r.flags)).toBe(CF | OF | PF);
  });

  it('SHR by CL takes CF from bit CL-1', () => {
    const r = run32('shr eax, cl', { eax: 0xc, ecx: 3 });
    expect(r.r('eax')).toBe(1);
    expect(arith(r.flags) & CF).toBe(CF);
  });

  it('SHR of a word by 16 leaves 0 with CF = bit 15; by 17, CF = 0', () => {
    const r16 = run32('shr ax, cl', { eax: 0x8000, ecx: 16 });
    expect(r16.r('eax')).toBe(0);
    expect(arith(r16.flags) & (CF | ZF)).toBe(CF | ZF);
    const r17 = run32('shr ax, cl', { eax: 0x8000, ecx: 17 });
    expect(arith(r17.flags) & (CF | ZF)).toBe(ZF);
  });

  it('SAR fills with the sign bit and clears OF', () => {
    const r = run32('sar al, 1', { eax: 0x81, flags: OF });
    expect(r.r('eax')).toBe(0xc0);
    expect(arith(r.flags)).toBe(CF | SF | PF);
  });

  it('SAR of a byte by more than its width gives all sign bits, with CF the sign', () => {
    const neg = run32('sar al, cl', { eax: 0x80, ecx: 9 });
    expect(neg.r('eax')).toBe(0xff);
    expect(arith(neg.flags) & CF).toBe(CF);
    const pos = run32('sar al, cl', { eax: 0x7f, ecx: 9 });
    expect(pos.r('eax')).toBe(0);
    expect(arith(pos.flags) & (CF | ZF)).toBe(ZF);
  });

  it('SAR of a dword by 31', () => {
    const r = run32('sar eax, 31', { eax: 0x80000000 });
    expect(r.r('eax')).toBe(0xffffffff);
    expect(arith(r.flags) & CF).toBe(0); // bit 30
  });
});

describe('ROL / ROR', () => {
  it('ROL changes only CF and OF', () => {
    const r = run32('rol al, 1', { eax: 0x81, flags: ZF | SF | PF | AF });
    expect(r.r('eax')).toBe(0x03);
    expect(arith(r.flags)).toBe(ZF | SF | PF | AF | CF | OF); // OF = MSB(r) ^ CF = 0 ^ 1
  });

  it('ROR moves bit 0 to the top and into CF', () => {
    const r = run32('ror al, 1', { eax: 0x01 });
    expect(r.r('eax')).toBe(0x80);
    expect(arith(r.flags)).toBe(CF | OF);
  });

  it('rotates dwords by an immediate and by CL', () => {
    const rol = run32('rol eax, 8', { eax: 0x12345678, flags: CF });
    expect(rol.r('eax')).toBe(0x34567812);
    expect(arith(rol.flags) & CF).toBe(0);
    const ror = run32('ror eax, cl', { eax: 0x12345678, ecx: 4 });
    expect(ror.r('eax')).toBe(0x81234567);
    expect(arith(ror.flags) & (CF | OF)).toBe(CF | OF);
  });

  it('ROL of a word by 16 leaves it unchanged but sets CF from bit 0', () => {
    const r = run32('rol ax, cl', { eax: 0x8001, ecx: 16 });
    expect(r.r('eax')).toBe(0x8001);
    expect(arith(r.flags) & (CF | OF)).toBe(CF); // OF = MSB ^ CF = 0
  });

  it('rotates a word in memory', () => {
    const r = run32(`ror word ptr [${DATA}], 4`, {}, { mem: [[DATA, [0x34, 0x12]]] });
    expect(r.t.m.phys.read16(DATA)).toBe(0x4123);
  });
});

describe('RCL / RCR', () => {
  it('RCL by 1 rotates CF in at the bottom and the top bit out', () => {
    const r = run32('rcl al, 1', { eax: 0x80, flags: CF });
    expect(r.r('eax')).toBe(0x01);
    expect(arith(r.flags)).toBe(CF | OF);
  });

  it('RCR by 1 rotates CF in at the top and bit 0 out', () => {
    const r = run32('rcr al, 1', { eax: 0x01, flags: CF });
    expect(r.r('eax')).toBe(0x80);
    expect(arith(r.flags)).toBe(CF | OF);
  });

  it('rotates bytes through 9 bits: a count of 9 changes nothing, 10 acts as 1', () => {
    const nine = run32('rcl al, cl', { eax: 0x80, ecx: 9, flags: CF | SF });
    expect(nine.r('eax')).toBe(0x80);
    expect(arith(nine.flags)).toBe(CF | SF);
    const ten = run32('rcl al, cl', { eax: 0x80, ecx: 10, flags: 0 });
    expect(ten.r('eax')).toBe(0x00);
    expect(arith(ten.flags) & CF).toBe(CF);
  });

  it('rotates words through 17 bits', () => {
    const r = run32('rcr ax, cl', { eax: 0x1234, ecx: 17, flags: CF });
    expect(r.r('eax')).toBe(0x1234);
    expect(arith(r.flags) & CF).toBe(CF);
    const r16 = run32('rcr ax, cl', { eax: 0x0001, ecx: 16, flags: 0 });
    expect(r16.r('eax')).toBe(0x0002); // 17-bit rotate right by 16 = left by 1; CF = bit 15 = 0
    expect(arith(r16.flags) & CF).toBe(0);
  });

  it('rotates dwords through 33 bits', () => {
    const l = run32('rcl eax, 31', { eax: 3, flags: 0 });
    expect(l.r('eax')).toBe(0x80000000);
    expect(arith(l.flags) & (CF | OF)).toBe(CF);
    const r = run32('rcr eax, 1', { eax: 2, flags: CF });
    expect(r.r('eax')).toBe(0x80000001);
    expect(arith(r.flags) & (CF | OF)).toBe(OF);
  });
});

describe('SHLD / SHRD', () => {
  it('SHLD fills from the top of the source', () => {
    const r = run32('shld eax, ebx, 8', { eax: 0x12345678, ebx: 0x9abcdef0, flags: CF | OF });
    expect(r.r('eax')).toBe(0x3456789a);
    expect(r.r('ebx')).toBe(0x9abcdef0);
    expect(arith(r.flags) & (CF | OF | SF | ZF)).toBe(0);
  });

  it('SHRD by CL fills from the bottom of the source', () => {
    const r = run32('shrd eax, ebx, cl', { eax: 0x12345678, ebx: 0x9abcdef0, ecx: 8 });
    expect(r.r('eax')).toBe(0xf0123456);
    expect(arith(r.flags) & (CF | SF)).toBe(SF);
  });

  it('takes CF from the last bit shifted out and masks CL to 5 bits', () => {
    const r = run32('shrd eax, ebx, cl', { eax: 0x80000001, ebx: 0, ecx: 33 });
    expect(r.r('eax')).toBe(0x40000000);
    expect(arith(r.flags) & CF).toBe(CF);
  });

  it('changes nothing when the masked count is 0', () => {
    const r = run32('shld eax, ebx, cl', { eax: 0x1234, ebx: 0xffffffff, ecx: 32, flags: ALL });
    expect(r.r('eax')).toBe(0x1234);
    expect(arith(r.flags)).toBe(ALL);
  });

  it('SHLD of words by 16 copies the source, CF = old bit 0', () => {
    const r = run32('shld ax, bx, 16', { eax: 0x0001, ebx: 0xbeef });
    expect(r.r('eax')).toBe(0xbeef);
    expect(arith(r.flags) & CF).toBe(CF);
  });

  it('shifts a 16-bit pair by 17..31 as one 32-bit value with zeros coming in (undefined on the 386)', () => {
    const l = run32('shld ax, bx, cl', { eax: 0x1234, ebx: 0x5678, ecx: 20 });
    expect(l.r('eax')).toBe(0x6780); // (0x12345678 << 20) >> 16
    expect(arith(l.flags) & CF).toBe(CF); // bit 12 of 0x12345678
    const r = run32('shrd ax, bx, cl', { eax: 0x1234, ebx: 0x5678, ecx: 20 });
    expect(r.r('eax')).toBe(0x0567); // 0x56781234 >> 20
    expect(arith(r.flags) & CF).toBe(CF); // bit 19 of 0x56781234
  });

  it('shifts a memory destination', () => {
    const r = run32(`shld dword ptr [${DATA}], ebx, 4`, { ebx: 0xf0000000 }, { mem: [[DATA, [0x78, 0x56, 0x34, 0x12]]] });
    expect(r.t.m.phys.read32(DATA) >>> 0).toBe(0x2345678f);
  });
});
