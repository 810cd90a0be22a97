// MUL IMUL DIV IDIV (emulator/cpu/ops/muldiv.ts), run as encoded instructions. The #DE cases run
// in real mode, where the exception is delivered through the IVT and its frame can be read back.

import { describe, expect, it } from 'vitest';
import { CF, OF } from '../../../../emulator/cpu/state.ts';
import { DATA, frame16, rerun, run16, run32, vectorTaken, type Regs, type Run } from './ops-harness.ts';

const CFOF = CF | OF;

/** A small deterministic generator of 32-bit values (xorshift32) for the cross-checks. */
function values(seed: number, n: number): number[] {
  const out: number[] = [];
  let x = seed;
  for (let k = 0; k < n; k++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    // Mix in small and extreme values, where carries and early exits happen.
    const pick = k % 8;
    out.push(pick === 0 ? 0 : pick === 1 ? 0xffffffff : pick === 2 ? 0x80000000 : pick === 3 ? (x >>> 0) & 0xff : x >>> 0);
  }
  return out;
}
const u64 = (hi: number, lo: number): bigint => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
const s64 = (hi: number, lo: number): bigint => BigInt.asIntN(64, u64(hi, lo));

describe('MUL', () => {
  it('MUL Eb: AX = AL * Eb, CF = OF = AH is not zero', () => {
    const big = run32('mul bl', { eax: 0xffff0080, ebx: 2 });
    expect(big.r('eax')).toBe(0xffff0100);
    expect(big.flags & CFOF).toBe(CFOF);
    const small = run32('mul bl', { eax: 3, ebx: 4, flags: CFOF });
    expect(small.r('eax')).toBe(12);
    expect(small.flags & CFOF).toBe(0);
  });

  it('MUL Ew: DX:AX = AX * Ew, keeping the high words of EAX and EDX', () => {
    const r = run32('mul bx', { eax: 0xaaaaffff, ebx: 0xffff, edx: 0xbbbb0000 });
    expect(r.r('eax')).toBe(0xaaaa0001);
    expect(r.r('edx')).toBe(0xbbbbfffe);
    expect(r.flags & CFOF).toBe(CFOF);
  });

  it('MUL Ed: EDX:EAX = EAX * Ed exactly (0xFFFFFFFF squared)', () => {
    const r = run32('mul ebx', { eax: 0xffffffff, ebx: 0xffffffff });
    expect(r.r('edx')).toBe(0xfffffffe);
    expect(r.r('eax')).toBe(1);
    expect(r.flags & CFOF).toBe(CFOF);
  });

  it('MUL Ed agrees with 64-bit arithmetic on many operands', () => {
    const vs = values(0x1234567, 96);
    let run: Run = run32('mul ebx');
    for (let k = 0; k + 1 < vs.length; k++) {
      const a = vs[k]!, b = vs[vs.length - 1 - k]!;
      run = rerun(run, { eax: a, ebx: b });
      const p = BigInt(a) * BigInt(b);
      expect(u64(run.r('edx'), run.r('eax')), `${a} * ${b}`).toBe(p);
      expect(run.flags & CFOF).toBe(p >> 32n ? CFOF : 0);
    }
  });

  it('MUL of a memory operand', () => {
    const r = run32(`mul dword ptr [${DATA}]`, { eax: 0x10000 }, { mem: [[DATA, [0, 0, 1, 0]]] });
    expect(r.r('edx')).toBe(1);
    expect(r.r('eax')).toBe(0);
  });
});

describe('IMUL', () => {
  it('IMUL Eb sets CF = OF when AH is not the sign extension of AL', () => {
    const fits = run32('imul bl', { eax: 0xff, ebx: 0xff }); // -1 * -1
    expect(fits.r('eax')).toBe(1);
    expect(fits.flags & CFOF).toBe(0);
    const over = run32('imul bl', { eax: 0x80, ebx: 0xff }); // -128 * -1 = 128
    expect(over.r('eax')).toBe(0x0080);
    expect(over.flags & CFOF).toBe(CFOF);
  });

  it('IMUL Ew writes the signed product to DX:AX', () => {
    const r = run32('imul bx', { eax: 0xfffe, ebx: 3 }); // -2 * 3
    expect(r.r('eax') & 0xffff).toBe(0xfffa);
    expect(r.r('edx') & 0xffff).toBe(0xffff);
    expect(r.flags & CFOF).toBe(0);
  });

  it('IMUL Ed writes the signed 64-bit product to EDX:EAX', () => {
    const neg = run32('imul ebx', { eax: -2, ebx: 3 });
    expect(neg.r('edx')).toBe(0xffffffff);
    expect(neg.r('eax')).toBe(0xfffffffa);
    expect(neg.flags & CFOF).toBe(0);
    const over = run32('imul ebx', { eax: 0x7fffffff, ebx: 2 });
    expect(over.r('edx')).toBe(0);
    expect(over.r('eax')).toBe(0xfffffffe);
    expect(over.flags & CFOF).toBe(CFOF);
    const min = run32('imul ebx', { eax: 0x80000000, ebx: 0x80000000 }); // 2^62
    expect(min.r('edx')).toBe(0x40000000);
    expect(min.r('eax')).toBe(0);
  });

  it('IMUL Ed agrees with 64-bit arithmetic on many operands', () => {
    const vs = values(0x7654321, 96);
    let run: Run = run32('imul ebx');
    for (let k = 0; k + 1 < vs.length; k++) {
      const a = vs[k]! | 0, b = vs[vs.length - 1 - k]! | 0;
      run = rerun(run, { eax: a, ebx: b });
      const p = BigInt(a) * BigInt(b);
      expect(s64(run.r('edx'), run.r('eax')), `${a} * ${b}`).toBe(p);
      expect(run.flags & CFOF).toBe(BigInt.asIntN(32, p) === p ? 0 : CFOF);
    }
  });

  it('IMUL Gv,Ev (0F AF) keeps the low half and reports a lost high half', () => {
    const w = run32('imul ax, bx', { eax: 0x12340100, ebx: 0x100 });
    expect(w.r('eax')).toBe(0x12340000);
    expect(w.flags & CFOF).toBe(CFOF);
    const d = run32('imul eax, ebx', { eax: -3, ebx: 5 });
    expect(d.r('eax')).toBe(0xfffffff1);
    expect(d.flags & CFOF).toBe(0);
  });

  it('IMUL Gv,Ev,Ibs (6B) sign-extends the byte; -2^31 fits, one less does not', () => {
    const fits = run32('imul eax, ebx, -2', { ebx: 0x40000000 });
    expect(fits.r('eax')).toBe(0x80000000);
    expect(fits.flags & CFOF).toBe(0);
    const over = run32('imul eax, ebx, -2', { ebx: 0x40000001 });
    expect(over.r('eax')).toBe(0x7ffffffe);
    expect(over.flags & CFOF).toBe(CFOF);
  });

  it('IMUL Gv,Ev,Iv (69) with a 16-bit immediate is signed', () => {
    const over = run32('imul ax, bx, 0x7fff', { ebx: 2 });
    expect(over.r('eax') & 0xffff).toBe(0xfffe);
    expect(over.flags & CFOF).toBe(CFOF);
    const min = run32('imul cx, bx, -32768', { ebx: 1 });
    expect(min.r('ecx') & 0xffff).toBe(0x8000);
    expect(min.flags & CFOF).toBe(0);
    const mem = run32(`imul eax, dword ptr [${DATA}], 1000`, {}, { mem: [[DATA, [0xff, 0xff, 0xff, 0xff]]] });
    expect(mem.r('eax')).toBe((-1000 >>> 0));
  });
});

describe('multiply clocks (early-out multiplier)', () => {
  const hlt = run32('').cycles;
  const clocks = (src: string, init: Regs, mem?: Array<[number, number[]]>): number =>
    run32(src, init, { mem }).cycles - hlt;

  it('takes 9 clocks for a zero multiplier and max(ceil(log2 m), 3) + 6 otherwise', () => {
    expect(clocks('mul bl', { ebx: 0 })).toBe(9);
    expect(clocks('mul bl', { ebx: 5 })).toBe(9);
    expect(clocks('mul bl', { ebx: 16 })).toBe(10);
    expect(clocks('mul bl', { ebx: 17 })).toBe(11);
    expect(clocks('mul bl', { ebx: 0xff })).toBe(14);
    expect(clocks('mul ebx', { ebx: 0xffffffff })).toBe(38);
  });

  it('uses the magnitude of a signed multiplier, and adds 3 for a memory operand', () => {
    expect(clocks('imul ecx', { ecx: -1 })).toBe(9);
    expect(clocks('imul ecx', { ecx: 0x80000000 })).toBe(37);
    expect(clocks('imul eax, ebx, 100', { ebx: 0xffffffff })).toBe(13); // the immediate is the multiplier
    expect(clocks(`mul byte ptr [${DATA}]`, {}, [[DATA, [0xff]]])).toBe(17);
  });
});

describe('DIV', () => {
  it('DIV Eb: AL = AX / Eb, AH = remainder', () => {
    const r = run32('div bl', { eax: 1000, ebx: 7 });
    expect(r.r('eax')).toBe(0x068e); // 142 rem 6
  });

  it('DIV Ew divides DX:AX', () => {
    const r = run32('div bx', { eax: 0, edx: 1, ebx: 3 });
    expect(r.r('eax')).toBe(0x5555);
    expect(r.r('edx')).toBe(1);
  });

  it('DIV Ed divides the 64-bit EDX:EAX exactly', () => {
    const r = run32('div ebx', { edx: 0xfffffffe, eax: 0xffffffff, ebx: 0xffffffff });
    expect(r.r('eax')).toBe(0xffffffff);
    expect(r.r('edx')).toBe(0xfffffffe);
  });

  it('DIV Ed agrees with 64-bit arithmetic on many operands', () => {
    const vs = values(0x2468ace, 120);
    let run: Run = run32('div ebx', { ebx: 1 });
    for (let k = 0; k + 2 < vs.length; k += 3) {
      const d = vs[k]! || 1;
      const hi = vs[k + 1]! % d, lo = vs[k + 2]!; // hi < d: the quotient fits
      run = rerun(run, { edx: hi, eax: lo, ebx: d });
      const n = u64(hi, lo);
      expect(BigInt(run.r('eax')), `${n} / ${d}`).toBe(n / BigInt(d));
      expect(BigInt(run.r('edx'))).toBe(n % BigInt(d));
    }
  });
});

describe('IDIV', () => {
  it('truncates toward zero; the remainder has the sign of the dividend', () => {
    const a = run32('idiv bl', { eax: 0xfff9, ebx: 2 }); // -7 / 2
    expect(a.r('eax')).toBe(0xfffd); // q -3, r -1
    const b = run32('idiv bl', { eax: 7, ebx: 0xfe }); // 7 / -2
    expect(b.r('eax')).toBe(0x01fd); // q -3, r 1
  });

  it('accepts the most negative quotient at every size (-128, -32768, -2^31)', () => {
    expect(run32('idiv bl', { eax: 0xff00, ebx: 2 }).r('eax') & 0xffff).toBe(0x0080);
    const w = run32('idiv bx', { edx: 0xffff, eax: 0, ebx: 2 });
    expect([w.r('eax') & 0xffff, w.r('edx') & 0xffff]).toEqual([0x8000, 0]);
    const d = run32('idiv ebx', { edx: 0xffffffff, eax: 0, ebx: 2 });
    expect([d.r('eax'), d.r('edx')]).toEqual([0x80000000, 0]);
  });

  it('IDIV Ed agrees with 64-bit arithmetic on many operands', () => {
    const vs = values(0x13579bd, 120);
    let run: Run = run32('idiv ebx', { ebx: 1 });
    for (let k = 0; k + 2 < vs.length; k += 3) {
      const d = (vs[k]! | 0) || 3;
      // A dividend whose quotient fits: q * d + r with |q| < 2^31, |r| < |d|, r of q*d's sign.
      const q = BigInt(vs[k + 1]! | 0) >> 1n;
      const rem = BigInt((vs[k + 2]! >>> 0) % Math.abs(d)) * (q < 0n ? -1n : 1n);
      const n = BigInt.asIntN(64, q * BigInt(d) + rem);
      const hi = Number(BigInt.asIntN(32, n >> 32n)), lo = Number(BigInt.asIntN(32, n));
      run = rerun(run, { edx: hi, eax: lo, ebx: d });
      expect(BigInt(run.r('eax') | 0), `${n} / ${d}`).toBe(n / BigInt(d));
      expect(BigInt(run.r('edx') | 0)).toBe(n % BigInt(d));
    }
  });
});

describe('#DE', () => {
  // Real mode at 0000:1000, IVT vector 0 -> a HLT: the frame shows where the fault was taken.
  const FLAGS = CF | 0x40 | 0x02; // CF, ZF and the always-1 bit

  it('DIV by zero raises #DE at the DIV, with every register and flag unchanged', () => {
    const r = run16('div bl', { eax: 0x1234, ebx: 0, edx: 0x5678, flags: FLAGS });
    expect(vectorTaken(r)).toBe(0);
    expect(frame16(r)).toEqual({ ip: 0x1000, cs: 0, flags: FLAGS });
    expect([r.r('eax'), r.r('ebx'), r.r('edx')]).toEqual([0x1234, 0, 0x5678]);
    expect(r.r('esp')).toBe(0xfffe - 6);
  });

  it('raises #DE when the quotient does not fit, at every size', () => {
    const cases: Array<[string, Regs]> = [
      ['div bl', { eax: 0x0100, ebx: 1 }],
      ['div bx', { edx: 2, eax: 0, ebx: 1 }],
      ['div ebx', { edx: 5, eax: 0, ebx: 5 }],
      ['idiv bl', { eax: 0x0100, ebx: 2 }], // 128
      ['idiv bl', { eax: 0xff00, ebx: 0xfe }], // -256 / -2 = 128
      ['idiv bx', { edx: 1, eax: 0, ebx: 2 }], // 32768
      ['idiv ebx', { edx: 1, eax: 0, ebx: 2 }], // 2^31
      ['idiv ebx', { edx: 0x80000000, eax: 0, ebx: 0xffffffff }], // -2^63 / -1
      ['idiv ecx', { edx: 0, eax: 5, ecx: 0 }],
    ];
    for (const [src, init] of cases) {
      const r = run16(src, { ...init, flags: FLAGS });
      expect(vectorTaken(r), src).toBe(0);
      expect(frame16(r), src).toEqual({ ip: 0x1000, cs: 0, flags: FLAGS });
      expect(r.r('eax'), src).toBe((init.eax ?? 0) >>> 0);
      expect(r.r('edx'), src).toBe((init.edx ?? 0) >>> 0);
    }
  });

  it('a DIV that faults leaves a memory divisor and the registers as they were', () => {
    const r = run16('div word ptr [0x2000]', { eax: 0xffff, edx: 0xffff }, { mem: [[0x2000, [0x01, 0x00]]] });
    expect(vectorTaken(r)).toBe(0);
    expect([r.r('eax'), r.r('edx')]).toEqual([0xffff, 0xffff]);
    expect(r.t.m.phys.read16(0x2000)).toBe(1);
  });
});
