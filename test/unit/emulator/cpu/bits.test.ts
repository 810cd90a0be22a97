// SETcc, BT BTS BTR BTC, BSF BSR and BSWAP (emulator/cpu/ops/bits.ts), run as encoded instructions.

import { describe, expect, it } from 'vitest';
import { AF, CF, OF, PF, SF, ZF } from '../../../../emulator/cpu/state.ts';
import { DATA, run16, run32, vectorTaken } from './ops-harness.ts';

const ARITH = CF | PF | AF | ZF | SF | OF;

describe('SETcc', () => {
  const CCS = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];
  // Each condition writes its own byte of DATA..DATA+15 (the memory form of Eb).
  const src = CCS.map((cc, k) => `set${cc} byte ptr [${DATA + k}]`).join('\n');
  const table: Array<[string, number, number[]]> = [
    //                        o  no b  ae e  ne be a  s  ns p  np l  ge le g
    ['no flags', 0, [0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1]],
    ['CF and ZF', CF | ZF, [0, 1, 1, 0, 1, 0, 1, 0, 0, 1, 0, 1, 0, 1, 1, 0]],
    ['SF and PF', SF | PF, [0, 1, 0, 1, 0, 1, 0, 1, 1, 0, 1, 0, 1, 0, 1, 0]],
    ['OF and SF', OF | SF, [1, 0, 0, 1, 0, 1, 0, 1, 1, 0, 0, 1, 0, 1, 0, 1]],
    ['OF alone', OF, [1, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 1, 0, 1, 0]],
  ];
  for (const [name, flags, expected] of table) {
    it(`writes 1 or 0 for each of the 16 conditions (${name})`, () => {
      const r = run32(src, { flags }, { mem: [[DATA, new Array<number>(16).fill(0xaa)]] });
      expect([...r.t.m.phys.ram.subarray(DATA, DATA + 16)]).toEqual(expected);
      expect(r.flags & ARITH).toBe(flags);
    });
  }

  it('writes only the byte register it names', () => {
    const r = run32('setz ah', { eax: 0xffffffff, flags: ZF });
    expect(r.r('eax')).toBe(0xffff01ff);
  });
});

describe('BT / BTS / BTR / BTC with a register bit offset', () => {
  it('BT copies the bit into CF and changes no other flag', () => {
    const r = run32('bt eax, ecx', { eax: 0x2, ecx: 1, flags: ZF | SF | OF | PF | AF });
    expect(r.flags & ARITH).toBe(ZF | SF | OF | PF | AF | CF);
    expect(r.r('eax')).toBe(2);
  });

  it('takes a register operand\'s offset modulo its size', () => {
    expect(run32('bt eax, ecx', { eax: 0x2, ecx: 33 }).flags & CF).toBe(CF);
    const w = run32('btc ax, cx', { eax: 0xffff0000, ecx: 17 });
    expect(w.r('eax')).toBe(0xffff0002);
  });

  it('BTS sets, BTR clears, BTC complements, each reporting the old bit in CF', () => {
    const s = run32('bts eax, ecx', { eax: 0, ecx: 5, flags: CF });
    expect([s.r('eax'), s.flags & CF]).toEqual([0x20, 0]);
    const r = run32('btr eax, ecx', { eax: 0xff, ecx: 3 });
    expect([r.r('eax'), r.flags & CF]).toEqual([0xf7, CF]);
    const c = run32('btc eax, ecx', { eax: 0, ecx: 31 });
    expect([c.r('eax'), c.flags & CF]).toEqual([0x80000000, 0]);
  });

  it('addresses a memory operand beyond the dword at ea with a large offset', () => {
    const mem: Array<[number, number[]]> = [[DATA, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0]]];
    expect(run32(`bt dword ptr [${DATA}], ecx`, { ecx: 100 }, { mem }).flags & CF).toBe(CF); // DATA+12, bit 4
    const s = run32(`bts dword ptr [${DATA}], ecx`, { ecx: 0x100 });
    expect(s.t.m.phys.read8(DATA + 32)).toBe(1);
  });

  it('treats the offset as signed, so -1 selects the top bit of the dword below ea', () => {
    const r = run32(`bts dword ptr [${DATA + 16}], ecx`, { ecx: -1 });
    expect(r.t.m.phys.read32(DATA + 12) >>> 0).toBe(0x80000000);
    expect(r.flags & CF).toBe(0);
  });

  it('with a 16-bit operand, selects words: offset -1 is bit 15 of the word below ea', () => {
    const r = run32(`btr word ptr [${DATA + 16}], cx`, { ecx: 0xffff }, { mem: [[DATA + 14, [0xff, 0xff]]] });
    expect(r.t.m.phys.read16(DATA + 14)).toBe(0x7fff);
    expect(r.flags & CF).toBe(CF);
    expect(r.t.m.phys.read16(DATA + 16)).toBe(0);
  });
});

describe('BT / BTS / BTR / BTC with an immediate bit offset (0F BA)', () => {
  it('takes the immediate modulo the operand size, for memory operands too', () => {
    const r = run32(`bt dword ptr [${DATA}], 33`, {}, { mem: [[DATA, [0x02, 0, 0, 0, 0, 0, 0, 0]]] });
    expect(r.flags & CF).toBe(CF);
    const w = run32(`bts word ptr [${DATA}], 17`);
    expect(w.t.m.phys.read32(DATA)).toBe(0x2);
  });

  it('BTR and BTC on a register', () => {
    expect(run32('btr eax, 35', { eax: 0xff }).r('eax')).toBe(0xf7);
    const c = run32('btc eax, 0', { eax: 1 });
    expect([c.r('eax'), c.flags & CF]).toEqual([0, CF]);
  });
});

describe('BSF / BSR', () => {
  it('find the lowest and the highest set bit and clear ZF', () => {
    const f = run32('bsf eax, ebx', { ebx: 0xf0, flags: ZF });
    expect([f.r('eax'), f.flags & ZF]).toEqual([4, 0]);
    const r = run32('bsr eax, ebx', { ebx: 0xf0, flags: ZF });
    expect([r.r('eax'), r.flags & ZF]).toEqual([7, 0]);
    expect(run32('bsf eax, ebx', { ebx: 0x80000000 }).r('eax')).toBe(31);
  });

  it('set ZF and leave the destination and the other flags alone for a zero source', () => {
    for (const op of ['bsf', 'bsr']) {
      const r = run32(`${op} eax, ebx`, { eax: 0x12345678, ebx: 0, flags: CF | SF | OF });
      expect(r.r('eax')).toBe(0x12345678);
      expect(r.flags & ARITH).toBe(CF | SF | OF | ZF);
    }
  });

  it('work on 16-bit operands and memory sources', () => {
    const w = run32('bsr ax, bx', { eax: 0xabcd0000, ebx: 0xffff0100 });
    expect(w.r('eax')).toBe(0xabcd0008);
    const m = run32(`bsf eax, dword ptr [${DATA}]`, {}, { mem: [[DATA, [0, 0, 0x40, 0]]] });
    expect(m.r('eax')).toBe(22);
  });

  it('take 10 + 3n clocks, n the zero bits scanned', () => {
    const hlt = run32('').cycles;
    expect(run32('bsf eax, ebx', { ebx: 1 }).cycles - hlt).toBe(10);
    expect(run32('bsf eax, ebx', { ebx: 0x100 }).cycles - hlt).toBe(34);
    expect(run32('bsr eax, ebx', { ebx: 0x80000000 }).cycles - hlt).toBe(10);
    expect(run32('bsr eax, ebx', { ebx: 1 }).cycles - hlt).toBe(10 + 3 * 31);
    expect(run32('bsf eax, ebx', { ebx: 0 }).cycles - hlt).toBe(10 + 3 * 32);
  });
});

describe('BSWAP (486)', () => {
  it('reverses the bytes of a 32-bit register', () => {
    const r = run32('bswap eax\nbswap edi', { eax: 0x12345678, edi: 0x000000ff }, { cpu: 486 });
    expect(r.r('eax')).toBe(0x78563412);
    expect(r.r('edi')).toBe(0xff000000);
  });

  it('clears the low word with a 16-bit operand size (undefined; what 486s do)', () => {
    const r = run32('.byte 0x66, 0x0f, 0xc8', { eax: 0x12345678 }, { cpu: 486 }); // bswap ax
    expect(r.r('eax')).toBe(0x12340000);
  });

  it('is an invalid opcode on the 386', () => {
    const r = run16('bswap eax', { eax: 0x12345678 });
    expect(vectorTaken(r)).toBe(6);
    expect(r.r('eax')).toBe(0x12345678);
  });
});
