// Protected-mode clock counts (the PRM's "pm=" entries): the same instruction costs more when it
// runs in protected mode, where it reads and checks a descriptor (emulator/cpu/pm-clocks.ts).
import { describe, expect, it } from 'vitest';
import { flat32, realMode, runToHalt } from '../../../harness/cpu.ts';
import { installTables } from './pm-fixture.ts';

/** Cycles of `code` followed by HLT, minus those of the same length of NOPs (3 clocks each) and HLT. */
function cost(mode: 'real' | 'pm', code: number[]): number {
  const run = (bytes: number[]): number => {
    const t = mode === 'real' ? realMode([...bytes, 0xf4]) : flat32([...bytes, 0xf4]);
    if (mode === 'pm') installTables(t.m);
    runToHalt(t);
    return t.m.cpu.cycles;
  };
  return run(code) - run([]);
}

describe('protected-mode clock counts', () => {
  it('MOV DS, AX costs 2 clocks in real mode and 18 in protected mode (i386 PRM, MOV: "pm=18")', () => {
    const movDsAx = [0x66, 0xb8, 0x10, 0x00, 0x8e, 0xd8]; // mov ax, 0x10 (2) ; mov ds, ax
    const movAx = [0x66, 0xb8, 0x10, 0x00];
    expect(cost('real', [0xb8, 0x00, 0x00, 0x8e, 0xd8]) - cost('real', [0xb8, 0x00, 0x00])).toBe(2);
    expect(cost('pm', movDsAx) - cost('pm', movAx)).toBe(18);
  });

  it('POP DS costs 7 in real mode and 21 in protected mode', () => {
    const pushPopReal = [0x1e, 0x1f]; // push ds ; pop ds
    const pushPopPm = [0x1e, 0x1f];
    const pushOnly = [0x1e];
    expect(cost('real', pushPopReal) - cost('real', pushOnly)).toBe(7);
    expect(cost('pm', pushPopPm) - cost('pm', pushOnly)).toBe(21);
  });
});

describe('interrupt delivery clocks', () => {
  it('a hardware interrupt costs what INT n does (37 clocks in real mode) before its handler runs', () => {
    // STI; NOP; NOP; HLT, with IRQ vector 8 pointing at an IRET: taking the interrupt adds the
    // delivery (37) and the IRET (22) to the same instructions.
    const run = (withIrq: boolean): number => {
      const t = realMode([0xfb, 0x90, 0x90, 0xf4]);
      t.m.phys.write16(8 * 4, 0x2000);
      t.m.phys.write16(8 * 4 + 2, 0);
      t.m.phys.write8(0x2000, 0xcf); // iret
      // Raise the line directly (no PIC): the CPU asks for the vector when it takes the interrupt.
      t.m.cpu.ackIrq = () => { t.m.cpu.irqPending = false; return 8; };
      t.m.cpu.irqPending = withIrq;
      runToHalt(t);
      return t.m.cpu.cycles;
    };
    expect(run(true) - run(false)).toBe(37 + 22);
  });
});
