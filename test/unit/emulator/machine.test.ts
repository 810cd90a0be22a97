// The board: the PIT on IRQ0 through the PIC, interrupts waking HLT, time skipped while halted.
import { describe, expect, it } from 'vitest';
import { realMode } from '../../harness/cpu.ts';

// A real-mode program: IVT[8] -> handler that counts ticks in BX and sends EOI; PIT channel 0
// in mode 2 at divisor 11932 (100.0 Hz); unmask IRQ0; STI; HLT in a loop until 10 ticks; CLI; HLT.
const program = [
  0xc7, 0x06, 0x20, 0x00, 0x00, 0x11, // mov word [0x20], 0x1100   (IVT vector 8 offset)
  0xc7, 0x06, 0x22, 0x00, 0x00, 0x00, // mov word [0x22], 0x0000   (segment)
  0x31, 0xdb, //                         xor bx, bx
  0xb0, 0x34, 0xe6, 0x43, //             mov al, 0x34; out 0x43, al  (ch0, lo/hi, mode 2)
  0xb0, 0x9c, 0xe6, 0x40, //             mov al, 0x9c; out 0x40, al  (11932 = 0x2e9c)
  0xb0, 0x2e, 0xe6, 0x40, //             mov al, 0x2e; out 0x40, al
  0xb0, 0xfe, 0xe6, 0x21, //             mov al, 0xfe; out 0x21, al  (unmask IRQ0)
  0xfb, //                               sti
  0xf4, //                         l:    hlt
  0x83, 0xfb, 0x0a, //                   cmp bx, 10
  0x72, 0xfa, //                         jb l
  0xfa, 0xf4, //                         cli; hlt
];
const handler = [0x43, 0xb0, 0x20, 0xe6, 0x20, 0xcf]; // inc bx; mov al, 0x20; out 0x20, al; iret

describe('machine', () => {
  it('delivers PIT ticks at 100 Hz of emulated time through the PIC as vector 8, waking HLT', () => {
    const t = realMode(program);
    t.m.phys.load(0x1100, Uint8Array.from(handler));
    const r = t.m.run(100_000_000);
    expect(r.reason).toBe('halt');
    expect(t.m.cpu.reg[3]! & 0xffff).toBe(10);
    // The control word raises OUT0 (mode 2 starts high), an edge the PIC latches in IRR while IRQ0
    // is still masked: the first tick is taken as soon as it is unmasked. The other nine follow one
    // period of 11932 PIT clocks apart — at 1.193182 MHz on a 33 MHz CPU, 330,005 cycles each.
    const expected = (9 * 11932 * 33_000_000) / 1_193_182;
    expect(r.cycles).toBeGreaterThan(expected);
    expect(r.cycles).toBeLessThan(expected + 2000);
    // Halted almost all the time: far fewer instructions than cycles.
    expect(r.instructions).toBeLessThan(200);
  });

  it('counts the cycles it skipped while halted (idleCycles): all but the few the program ran', () => {
    const t = realMode(program);
    t.m.phys.load(0x1100, Uint8Array.from(handler));
    expect(t.m.idleCycles).toBe(0);
    const r = t.m.run(100_000_000);
    expect(t.m.idleCycles).toBeGreaterThan(r.cycles - 5000);
    expect(t.m.idleCycles).toBeLessThan(r.cycles);
  });

  it('runs the same program to the same cycle count every time', () => {
    const run = (): number => {
      const t = realMode(program);
      t.m.phys.load(0x1100, Uint8Array.from(handler));
      return t.m.run(100_000_000).cycles;
    };
    expect(run()).toBe(run());
  });

  it('stops with reason halt on HLT with interrupts disabled', () => {
    const t = realMode([0xfa, 0xf4]);
    expect(t.m.run(1_000_000).reason).toBe('halt');
  });
});
