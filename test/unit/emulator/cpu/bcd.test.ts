// DAA DAS AAA AAS AAM AAD (emulator/cpu/ops/bcd.ts), run as encoded instructions, most of them
// after the ADD or SUB whose result they adjust (so AF and CF come from a real lazy-flags state).

import { describe, expect, it } from 'vitest';
import { AF, CF, OF, PF, SF, ZF } from '../../../../emulator/cpu/state.ts';
import { frame16, run16, run32, vectorTaken } from './ops-harness.ts';

const ARITH = CF | PF | AF | ZF | SF | OF;
const al = (r: { r(n: 'eax'): number }): number => r.r('eax') & 0xff;
const ax = (r: { r(n: 'eax'): number }): number => r.r('eax') & 0xffff;

describe('DAA', () => {
  it('adjusts both digits and carries out of the tens (99 + 1 = 100)', () => {
    const r = run32('add al, bl\ndaa', { eax: 0x99, ebx: 0x01 });
    expect(al(r)).toBe(0x00);
    expect(r.flags & (CF | AF | ZF | PF | SF)).toBe(CF | AF | ZF | PF);
  });

  it('uses AF from the addition when the low digit looks valid (8 + 8 = 16)', () => {
    const r = run32('add al, bl\ndaa', { eax: 0x08, ebx: 0x08 });
    expect(al(r)).toBe(0x16);
    expect(r.flags & (CF | AF)).toBe(AF);
  });

  it('79 + 35 = 114', () => {
    const r = run32('add al, bl\ndaa', { eax: 0x79, ebx: 0x35 });
    expect(al(r)).toBe(0x14);
    expect(r.flags & (CF | AF)).toBe(CF | AF);
  });

  it('adds 0x60 when CF was set, even to a valid AL', () => {
    const r = run32('daa', { eax: 0x00, flags: CF });
    expect(al(r)).toBe(0x60);
    expect(r.flags & CF).toBe(CF);
  });

  it('sets CF when adding 6 carries out of AL', () => {
    const r = run32('daa', { eax: 0xfa });
    expect(al(r)).toBe(0x60);
    expect(r.flags & (CF | AF)).toBe(CF | AF);
  });

  it('sets OF (undefined) as the addition of the adjustment would', () => {
    expect(run32('daa', { eax: 0x7a }).flags & OF).toBe(OF); // 0x7a + 0x06 = 0x80
    expect(run32('daa', { eax: 0x12 }).flags & OF).toBe(0);
  });
});

describe('DAS', () => {
  it('10 - 1 = 09', () => {
    const r = run32('sub al, bl\ndas', { eax: 0x10, ebx: 0x01 });
    expect(al(r)).toBe(0x09);
    expect(r.flags & (CF | AF)).toBe(AF);
  });

  it('0 - 1 = 99 with a borrow', () => {
    const r = run32('sub al, bl\ndas', { eax: 0x00, ebx: 0x01 });
    expect(al(r)).toBe(0x99);
    expect(r.flags & (CF | AF | SF)).toBe(CF | AF | SF);
  });

  it('sets CF when subtracting 6 borrows from AL', () => {
    const r = run32('das', { eax: 0x03, flags: AF });
    expect(al(r)).toBe(0xfd);
    expect(r.flags & (CF | AF)).toBe(CF | AF);
  });
});

describe('AAA / AAS', () => {
  it('AAA carries a decimal carry into AH and keeps the low digit (8 + 9 = 17)', () => {
    const r = run32('add al, bl\naaa', { eax: 0x0008, ebx: 0x09 });
    expect(ax(r)).toBe(0x0107);
    expect(r.flags & (CF | AF)).toBe(CF | AF);
  });

  it('AAA adds 6 to all of AX, as the 286 and 386 do (AL = FA gives AX = 0200)', () => {
    const r = run32('aaa', { eax: 0x00fa });
    expect(ax(r)).toBe(0x0200);
  });

  it('AAA without an adjustment only clears the high digit of AL and CF, AF', () => {
    const r = run32('aaa', { eax: 0x1235, flags: CF });
    expect(ax(r)).toBe(0x1205);
    expect(r.flags & (CF | AF)).toBe(0);
  });

  it('AAS borrows from AH (12 - 5 = 7)', () => {
    const r = run32('sub al, bl\naas', { eax: 0x0102, ebx: 0x05 });
    expect(ax(r)).toBe(0x0007);
    expect(r.flags & (CF | AF)).toBe(CF | AF);
  });

  it('AAS without an adjustment clears the high digit of AL', () => {
    const r = run32('aas', { eax: 0x0135, flags: CF });
    expect(ax(r)).toBe(0x0105);
    expect(r.flags & (CF | AF)).toBe(0);
  });
});

describe('AAM', () => {
  it('splits AL into decimal digits: 79 -> AH 7, AL 9; SF ZF PF from AL', () => {
    const r = run32('aam', { eax: 0x4f, flags: ARITH });
    expect(ax(r)).toBe(0x0709);
    expect(r.flags & (SF | ZF | PF)).toBe(PF);
  });

  it('divides by any base in its immediate (D4 10: hexadecimal digits)', () => {
    const r = run32('.byte 0xd4, 0x10', { eax: 0x4f });
    expect(ax(r)).toBe(0x040f);
  });

  it('sets ZF when the low digit is 0', () => {
    expect(run32('aam', { eax: 0x0a }).flags & ZF).toBe(ZF);
  });

  it('raises #DE for a base of 0, at the AAM, with AX and the flags unchanged', () => {
    const r = run16('.byte 0xd4, 0x00', { eax: 0x1234, flags: CF | ZF | 2 });
    expect(vectorTaken(r)).toBe(0);
    expect(frame16(r)).toEqual({ ip: 0x1000, cs: 0, flags: CF | ZF | 2 });
    expect(ax(r)).toBe(0x1234);
  });
});

describe('AAD', () => {
  it('joins decimal digits: AH 7, AL 9 -> AX 79', () => {
    const r = run32('aad', { eax: 0x0709 });
    expect(ax(r)).toBe(0x004f);
  });

  it('multiplies by any base in its immediate (D5 10)', () => {
    const r = run32('.byte 0xd5, 0x10', { eax: 0x040f });
    expect(ax(r)).toBe(0x004f);
  });

  it('keeps only the low byte of AL + AH * base and sets SF ZF PF from it', () => {
    const r = run32('aad', { eax: 0x1a00 }); // 26 * 10 = 260 -> 0x04
    expect(ax(r)).toBe(0x0004);
    expect(r.flags & (SF | ZF | PF)).toBe(0);
    expect(run32('aad', { eax: 0x0906 }).flags & (SF | ZF | PF)).toBe(PF); // 96 = 0x60
  });

  it('sets CF, AF and OF (undefined) as the 8-bit addition it performs', () => {
    const r = run32('aad', { eax: 0x19ff }); // 0xff + 0xfa
    expect(ax(r)).toBe(0x00f9);
    expect(r.flags & (CF | AF | OF)).toBe(CF | AF);
  });
});
