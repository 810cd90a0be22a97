import { describe, expect, it } from 'vitest';
import { Machine } from '../../../../emulator/machine.ts';
import { CS, DS, EDX, SS } from '../../../../emulator/cpu/registers.ts';
import { getEflags } from '../../../../emulator/cpu/flags.ts';

describe('processor reset (i386 PRM 10.1, "Processor State After Reset")', () => {
  it('starts at F000:FFF0 with CS base FFFF0000, so the first fetch is from FFFFFFF0', () => {
    const cpu = new Machine({ memoryBytes: 1 << 20 }).cpu;
    expect(cpu.seg[CS]).toBe(0xf000);
    expect(cpu.segBase[CS]! >>> 0).toBe(0xffff0000);
    expect(cpu.eip).toBe(0xfff0);
    expect(((cpu.segBase[CS]! + cpu.eip) >>> 0).toString(16)).toBe('fffffff0');
  });

  it('has EFLAGS = 2, CR0 with only ET set, and the other segments at 0 with 64 KiB limits', () => {
    const cpu = new Machine({ memoryBytes: 1 << 20 }).cpu;
    expect(getEflags(cpu)).toBe(2);
    expect(cpu.cr0).toBe(0x10);
    for (const s of [DS, SS]) {
      expect(cpu.seg[s]).toBe(0);
      expect(cpu.segBase[s]).toBe(0);
      expect(cpu.segLimit[s]).toBe(0xffff);
    }
    expect(cpu.idtrBase).toBe(0);
    expect(cpu.idtrLimit).toBe(0x3ff);
  });

  it('puts the component and revision id in DX: 3 for a 386, 4 for a 486', () => {
    expect(new Machine({ memoryBytes: 1 << 20 }).cpu.reg[EDX]! >> 8).toBe(3);
    expect(new Machine({ memoryBytes: 1 << 20, cpu: 486 }).cpu.reg[EDX]! >> 8).toBe(4);
  });

  it('fetches its first instruction from the ROM alias below 4 GiB', () => {
    const rom = new Uint8Array(0x10000).fill(0x90);
    rom.set([0xf4], 0xfff0); // HLT at F000:FFF0
    const m = new Machine({ memoryBytes: 1 << 20, rom });
    expect(m.run(1000).reason).toBe('halt');
    expect(m.cpu.eip).toBe(0xfff1);
  });
});
