// A guest stuck in a fault loop (an exception whose handler faults again at once) must still use
// up clock cycles, or Machine.run never reaches its budget and never returns to the board.

import { describe, expect, it } from 'vitest';
import { realMode } from '../../../harness/cpu.ts';
import { SS } from '../../../../emulator/cpu/registers.ts';

describe('exception delivery', () => {
  it('takes clock cycles, so a #UD whose handler is the same invalid opcode still returns', () => {
    // FE F8 (FE /7) is an invalid opcode; IVT[6] points back at it; the stack is elsewhere, so
    // the pushed frames never overwrite the code.
    const t = realMode([0xfe, 0xf8], { seg: 0x600, ip: 0 });
    t.m.cpu.seg[SS] = 0x1000;
    t.m.cpu.segBase[SS] = 0x10000;
    t.m.phys.write16(6 * 4, 0x0000);
    t.m.phys.write16(6 * 4 + 2, 0x0600);
    const r = t.m.run(10_000);
    expect(r.reason).toBe('cycles');
    // i386 PRM, INT: real-mode delivery costs 37 clocks, as INT n does.
    expect(r.instructions).toBe(0);
    expect(r.cycles).toBeGreaterThanOrEqual(10_000);
  });

  it('counts the instructions of a block before a faulting one as retired, not the faulting one', () => {
    // nop; nop; nop; mov bl, 0; div bl (#DE as it runs, in the same decoded block); IVT[0] -> HLT at 0600:0010.
    const code = [0x90, 0x90, 0x90, 0xb3, 0x00, 0xf6, 0xf3, ...new Array<number>(9).fill(0x90), 0xf4];
    const t = realMode(code, { seg: 0x600, ip: 0 });
    t.m.cpu.seg[SS] = 0x1000;
    t.m.cpu.segBase[SS] = 0x10000;
    t.m.phys.write16(0, 0x0010);
    t.m.phys.write16(2, 0x0600);
    const r = t.m.run(10_000);
    expect(t.m.cpu.halted).toBe(true);
    // Three NOPs, the MOV and the HLT retired; the DIV did not.
    expect(r.instructions).toBe(5);
  });
});
