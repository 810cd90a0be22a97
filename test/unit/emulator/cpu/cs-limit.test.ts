// The CS limit applies to code the block cache decoded earlier under a larger one: the same bytes
// entered through a code segment whose limit ends inside the cached block fault at the first
// instruction past the limit (i386 PRM 6.3.1.2, "Limit Checking"), as they would if never cached.
import { describe, expect, it } from 'vitest';
import { ESP } from '../../../../emulator/cpu/registers.ts';
import { flat32, runToHalt } from '../../../harness/cpu.ts';
import { asm32 } from '../../../harness/gas.ts';
import { GDT, installTables, setGate } from './pm-fixture.ts';

describe('CS limit and cached blocks', () => {
  it('a cached block entered through a smaller code segment faults #GP(0) at the first instruction past the limit', () => {
    const prog = `
      call blk                 # runs blk once through the flat CS: its block is decoded and cached
      ljmp $0x30, $blk         # the same bytes through a code segment whose limit ends at blk+3
      .org 0x40
    blk:
      nop; nop; nop; nop; nop; nop; nop; nop
      ret`;
    const t = flat32(asm32(prog, 0x10000), { addr: 0x10000 });
    installTables(t.m);
    // 0x30: code, base 0, byte-granular limit 0x10043 (the fourth NOP of blk is the last byte inside).
    t.m.phys.write32(GDT + 0x30, 0x0043);
    t.m.phys.write32(GDT + 0x34, (0x9a << 8) | 0x00410000);
    t.m.cpu.gdtrLimit = 0x37;
    t.m.phys.load(0x3f00, asm32('hlt', 0x3f00));
    setGate(t.m, 13, 0x3f00);
    expect(runToHalt(t).reason).toBe('halt');
    const esp = t.m.cpu.reg[ESP]! >>> 0;
    const rd = (a: number): number => t.m.phys.read32(a) >>> 0;
    expect(t.m.cpu.eip >>> 0).toBe(0x3f01);
    expect(rd(esp)).toBe(0); // error code
    expect(rd(esp + 4)).toBe(0x10044); // the fifth NOP: the first byte beyond the limit
    expect(rd(esp + 8) & 0xffff).toBe(0x30);
  });
});
