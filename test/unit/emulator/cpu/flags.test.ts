// Lazy flags (flags.ts) against a straightforward eager reference, exhaustively for 8-bit
// operands and on edge values for 16 and 32 bits.
import { describe, expect, it } from 'vitest';
import {
  getAF, getCF, getEflags, getOF, getPF, getSF, getZF, materializeFlags, setFlagsAdc, setFlagsAdd, setFlagsDec,
  setFlagsInc, setFlagsLogic, setFlagsSbb, setFlagsSub, testCC,
} from '../../../../emulator/cpu/flags.ts';
import { AF, CF, OF, PF, SF, ZF } from '../../../../emulator/cpu/state.ts';
import { newMachine } from '../../../harness/cpu.ts';
import type { Size } from '../../../../emulator/cpu/registers.ts';

const cpu = newMachine().m.cpu;
const mask = (s: Size): number => (s === 32 ? 0xffffffff : (1 << s) - 1);
const u = (v: number, s: Size): number => (v & mask(s)) >>> 0;
const trunc = (v: number, s: Size): number => (s === 32 ? v | 0 : v & mask(s));
const parity = (v: number): boolean => { let n = 0; for (let b = v & 0xff; b; b >>= 1) n += b & 1; return n % 2 === 0; };

/** Eager reference: flags of a + b + cin (sub: a - b - cin) computed with exact integers. */
function reference(a: number, b: number, cin: number, sub: boolean, s: Size): number {
  const ua = u(a, s), ub = u(b, s);
  const wide = sub ? ua - ub - cin : ua + ub + cin;
  const r = ((wide % 2 ** s) + 2 ** s) % 2 ** s;
  const sa = ua >= 2 ** (s - 1) ? ua - 2 ** s : ua;
  const sb = ub >= 2 ** (s - 1) ? ub - 2 ** s : ub;
  const swide = sub ? sa - sb - cin : sa + sb + cin;
  let f = 0;
  if (sub ? wide < 0 : wide >= 2 ** s) f |= CF;
  if (parity(r)) f |= PF;
  if (sub ? (ua & 0xf) - (ub & 0xf) - cin < 0 : (ua & 0xf) + (ub & 0xf) + cin > 0xf) f |= AF;
  if (r === 0) f |= ZF;
  if (r >= 2 ** (s - 1)) f |= SF;
  if (swide < -(2 ** (s - 1)) || swide >= 2 ** (s - 1)) f |= OF;
  return f;
}

const ARITH = CF | PF | AF | ZF | SF | OF;
const lazy = (): number => getEflags(cpu) & ARITH;
/** expect(got).toBe(want), with expect called only on a mismatch: the 8-bit sweep checks 262,144 results. */
function same(got: number, want: number, what: string): void {
  if (got !== want) expect(got, what).toBe(want);
}

describe('lazy flags', () => {
  it('match the reference for every 8-bit ADD, ADC, SUB and SBB', () => {
    for (let a = 0; a < 256; a++) {
      for (let b = 0; b < 256; b++) {
        setFlagsAdd(cpu, a, b, trunc(a + b, 8), 8);
        same(lazy(), reference(a, b, 0, false, 8), `add ${a} ${b}`);
        setFlagsSub(cpu, a, b, trunc(a - b, 8), 8);
        same(lazy(), reference(a, b, 0, true, 8), `sub ${a} ${b}`);
        setFlagsAdc(cpu, a, b, trunc(a + b + 1, 8), 1, 8);
        same(lazy(), reference(a, b, 1, false, 8), `adc ${a} ${b} 1`);
        setFlagsSbb(cpu, a, b, trunc(a - b - 1, 8), 1, 8);
        same(lazy(), reference(a, b, 1, true, 8), `sbb ${a} ${b} 1`);
      }
    }
  });

  it.each([16, 32] as const)('match the reference on %i-bit edge values', (s) => {
    const edges = [0, 1, 2, 0xf, 0x10, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff, 0x12345678];
    for (const a of edges) for (const b of edges) for (const cin of [0, 1]) {
      setFlagsAdc(cpu, trunc(a, s), trunc(b, s), trunc(a + b + cin, s), cin, s);
      expect(lazy(), `adc ${a} ${b} ${cin}`).toBe(reference(a, b, cin, false, s));
      setFlagsSbb(cpu, trunc(a, s), trunc(b, s), trunc(a - b - cin, s), cin, s);
      expect(lazy(), `sbb ${a} ${b} ${cin}`).toBe(reference(a, b, cin, true, s));
    }
  });

  it('INC and DEC keep CF and set OF at the signed boundary', () => {
    for (const s of [8, 16, 32] as const) {
      for (const cf of [0, 1]) {
        setFlagsAdd(cpu, cf ? -1 : 0, cf ? 1 : 0, 0, 8); // leaves CF = cf
        expect(getCF(cpu)).toBe(cf);
        const max = trunc(2 ** (s - 1) - 1, s);
        setFlagsInc(cpu, trunc(max + 1, s), s);
        expect(getCF(cpu)).toBe(cf);
        expect(getOF(cpu)).toBe(true);
        expect(getSF(cpu)).toBe(true);
        expect(getAF(cpu)).toBe(true);
        setFlagsDec(cpu, max, s);
        expect(getCF(cpu)).toBe(cf);
        expect(getOF(cpu)).toBe(true);
        expect(getSF(cpu)).toBe(false);
      }
    }
  });

  it('logic operations clear CF and OF and set ZF, SF, PF from the result', () => {
    setFlagsLogic(cpu, 0, 32);
    expect(lazy()).toBe(ZF | PF);
    setFlagsLogic(cpu, 0x80000000 | 0, 32);
    expect(lazy()).toBe(SF | PF);
    setFlagsLogic(cpu, 0x01, 8);
    expect(lazy()).toBe(0);
  });

  it('materializes into EFLAGS so that single bits can change', () => {
    setFlagsSub(cpu, 1, 2, trunc(1 - 2, 16), 16);
    materializeFlags(cpu);
    expect(cpu.lop).toBe(0);
    expect(getCF(cpu)).toBe(1);
    expect(getSF(cpu)).toBe(true);
    expect(getZF(cpu)).toBe(false);
    expect(getPF(cpu)).toBe(true);
  });

  it('evaluates the sixteen conditions after CMP as the manual defines them', () => {
    const cmp = (a: number, b: number): void => setFlagsSub(cpu, trunc(a, 32), trunc(b, 32), trunc(a - b, 32), 32);
    cmp(1, 2); // below, less
    expect([2, 3, 4, 5, 6, 7, 12, 13, 14, 15].map((c) => testCC(cpu, c))).toEqual([true, false, false, true, true, false, true, false, true, false]);
    cmp(-1, 1); // signed less, unsigned above
    expect(testCC(cpu, 0x2)).toBe(false); // B
    expect(testCC(cpu, 0x7)).toBe(true); // A
    expect(testCC(cpu, 0xc)).toBe(true); // L
    cmp(0x80000000, 1); // overflow
    expect(testCC(cpu, 0x0)).toBe(true); // O
    expect(testCC(cpu, 0xc)).toBe(true); // L: SF (0) != OF (1): the true difference is negative
  });
});
