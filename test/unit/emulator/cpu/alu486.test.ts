// The 486's XADD and CMPXCHG (i486 PRM instruction pages), and their #UD on the 386 model.
import { describe, expect, it } from 'vitest';
import { getEflags } from '../../../../emulator/cpu/flags.ts';
import { CF, ZF } from '../../../../emulator/cpu/state.ts';
import { flat32, runToHalt } from '../../../harness/cpu.ts';

function run(code: number[], regs: Record<number, number>, model: 386 | 486 = 486): { reg: Int32Array; flags: number; mem: number } {
  const t = flat32([...code, 0xf4], { config: { cpu: model } });
  for (const [r, v] of Object.entries(regs)) t.m.cpu.reg[Number(r)] = v;
  t.m.phys.write32(0x30000, 40);
  runToHalt(t);
  return { reg: t.m.cpu.reg, flags: getEflags(t.m.cpu), mem: t.m.phys.read32(0x30000) };
}

describe('XADD', () => {
  it('exchanges and adds: xadd ecx, ebx leaves the sum in ECX and the old ECX in EBX', () => {
    const r = run([0x0f, 0xc1, 0xd9], { 1: 5, 3: 7 }); // xadd ecx, ebx
    expect(r.reg[1]).toBe(12);
    expect(r.reg[3]).toBe(5);
  });

  it('leaves the sum when source and destination are the same register (SRC <- DEST, then DEST <- TEMP)', () => {
    const r = run([0x0f, 0xc1, 0xc0], { 0: 21 }); // xadd eax, eax
    expect(r.reg[0]).toBe(42);
  });

  it('adds into memory and returns the old value in the register', () => {
    const r = run([0x0f, 0xc1, 0x1d, 0x00, 0x00, 0x03, 0x00], { 3: 2 }); // xadd [0x30000], ebx
    expect(r.mem).toBe(42);
    expect(r.reg[3]).toBe(40);
  });
});

describe('CMPXCHG', () => {
  it('stores the source when the accumulator matches, with ZF set', () => {
    const r = run([0x0f, 0xb1, 0x1d, 0x00, 0x00, 0x03, 0x00], { 0: 40, 3: 99 }); // cmpxchg [0x30000], ebx
    expect(r.mem).toBe(99);
    expect(r.flags & ZF).toBe(ZF);
  });

  it('loads the accumulator from the destination when they differ, with ZF clear', () => {
    const r = run([0x0f, 0xb1, 0x1d, 0x00, 0x00, 0x03, 0x00], { 0: 1, 3: 99 });
    expect(r.mem).toBe(40);
    expect(r.reg[0]).toBe(40);
    expect(r.flags & (ZF | CF)).toBe(CF); // 1 - 40 borrows
  });
});
