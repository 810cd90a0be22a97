// The 8254, driven only through its ports, GATE inputs and OUT outputs (IRQ0 and callbacks), on the
// emulated cycle clock, and checked against the Intel 8254 data sheet. Times are in PIT clocks:
// `goto(t)` moves the machine to the cycle of PIT clock t, running due events as the board does,
// and a port access made there happens after that clock's edge.
import { describe, expect, it } from 'vitest';
import { Clock } from '../../../../emulator/clock.ts';
import { PIT_HZ, Pit8254 } from '../../../../emulator/devices/pit8254.ts';
import { IrqRecorder, type IrqLine } from '../../../../emulator/irq.ts';
import { IoPorts } from '../../../../emulator/memory/ioports.ts';

const CONTROL = 0x43;
// Control words: SC RW M BCD.
const cw = (counter: number, rw: number, mode: number, bcd = 0) => (counter << 6) | (rw << 4) | (mode << 1) | bcd;
const LSB = 1, MSB = 2, BOTH = 3;
const LATCH = (counter: number) => counter << 6;
const READ_BACK_STATUS = (mask: number) => 0xe0 | (mask << 1);
const READ_BACK_COUNT = (mask: number) => 0xd0 | (mask << 1);
const READ_BACK_BOTH = (mask: number) => 0xc0 | (mask << 1);

/** An IRQ line that notes the cycle of each change. */
class TimedLine implements IrqLine {
  readonly log: Array<[boolean, number]> = [];
  private readonly clock: Clock;
  constructor(clock: Clock) {
    this.clock = clock;
  }
  raise(): void { this.log.push([true, this.clock.now]); }
  lower(): void { this.log.push([false, this.clock.now]); }
}

function setup(clock = new Clock()) {
  const io = new IoPorts();
  const irq0 = new IrqRecorder();
  const pit = new Pit8254(io, clock, irq0);
  const goto = (tick: number) => {
    clock.advanceTo(clock.tickTime(tick, PIT_HZ));
    clock.runDue();
  };
  const control = (v: number) => io.write8(CONTROL, v);
  const write = (counter: number, ...bytes: number[]) => { for (const b of bytes) io.write8(0x40 + counter, b); };
  const read = (counter: number) => io.read8(0x40 + counter);
  /** Reads a two-byte count (LSB then MSB). */
  const read16 = (counter: number) => read(counter) | (read(counter) << 8);
  /** The count at each clock from `from` to `to`, read with a latch command in the counter's `rw` format. */
  const counts = (counter: number, from: number, to: number, rw = BOTH) => {
    const out: number[] = [];
    for (let t = from; t <= to; t++) {
      goto(t);
      control(LATCH(counter));
      out.push(rw === BOTH ? read16(counter) : rw === LSB ? read(counter) : read(counter) << 8);
    }
    return out;
  };
  /** OUT at each clock from `from` to `to`, as a string of H and L. */
  const wave = (counter: number, from: number, to: number) => {
    let s = '';
    for (let t = from; t <= to; t++) {
      goto(t);
      s += pit.out(counter) ? 'H' : 'L';
    }
    return s;
  };
  const status = (counter: number) => {
    control(READ_BACK_STATUS(1 << counter));
    return read(counter);
  };
  /** Records OUT changes of `counter` as [level, PIT clock]. */
  const listen = (counter: number) => {
    const log: Array<[boolean, number]> = [];
    pit.onOut(counter, (level) => log.push([level, clock.ticksAt(clock.now, PIT_HZ)]));
    return log;
  };
  return { io, clock, pit, irq0, goto, control, write, read, read16, counts, wave, status, listen };
}

describe('8254 mode 0: interrupt on terminal count', () => {
  it('sets OUT low on the control word and high N+1 clocks after the count is written, then keeps it high', () => {
    const { goto, control, write, wave, pit } = setup();
    goto(100);
    control(cw(1, BOTH, 0));
    expect(pit.out(1)).toBe(false);
    write(1, 5, 0);
    expect(wave(1, 100, 110)).toBe('LLLLLLHHHHH'); // high from clock 106 = 100 + 5 + 1
  });

  it('loads N on the next clock, counts down through zero and wraps to FFFF', () => {
    const { goto, control, write, counts } = setup();
    goto(100);
    control(cw(1, BOTH, 0));
    write(1, 3, 0);
    expect(counts(1, 101, 106)).toEqual([3, 2, 1, 0, 0xffff, 0xfffe]);
  });

  it('raises IRQ0 at terminal count through counter 0', () => {
    const { goto, control, write, irq0 } = setup();
    goto(50);
    control(cw(0, LSB, 0));
    write(0, 10);
    goto(60);
    expect(irq0.level).toBe(false);
    goto(61);
    expect(irq0.level).toBe(true);
    goto(70000);
    expect(irq0.rises).toBe(1);
  });

  it('stops counting while GATE is low, without touching OUT', () => {
    const { goto, control, write, counts, wave, pit } = setup();
    goto(100);
    control(cw(2, BOTH, 0));
    write(2, 5, 0); // 5 at 101, 4 at 102
    goto(102);
    pit.setGate(2, false);
    expect(counts(2, 103, 106)).toEqual([4, 4, 4, 4]);
    goto(110);
    pit.setGate(2, true); // counting resumes with clock 111
    expect(counts(2, 111, 113)).toEqual([3, 2, 1]);
    expect(wave(2, 113, 115)).toBe('LHH');
  });

  it('stops counting and sets OUT low at once on the first byte of a two-byte count', () => {
    const { goto, control, write, counts, pit, wave } = setup();
    goto(100);
    control(cw(1, BOTH, 0));
    write(1, 5, 0);
    goto(110);
    expect(pit.out(1)).toBe(true);
    write(1, 0x20);
    expect(pit.out(1)).toBe(false);
    expect(counts(1, 111, 113)).toEqual([0xfffc, 0xfffc, 0xfffc]);
    goto(120);
    write(1, 0x00); // count 0x20, loaded at 121
    expect(counts(1, 121, 122)).toEqual([0x20, 0x1f]);
    expect(wave(1, 152, 154)).toBe('LHH'); // 120 + 32 + 1
  });

  it('does not restart counting on a GATE edge between the two bytes of a count', () => {
    const { goto, control, write, counts, pit } = setup();
    goto(100);
    control(cw(2, BOTH, 0));
    write(2, 9, 0);
    goto(103);
    write(2, 0x40); // counting stops at 7
    pit.setGate(2, false);
    pit.setGate(2, true);
    expect(counts(2, 104, 106)).toEqual([7, 7, 7]);
  });

  it('loads a count written while GATE is low, and counts it once GATE goes high', () => {
    const { goto, control, write, counts, pit, wave } = setup();
    pit.setGate(2, false);
    goto(100);
    control(cw(2, LSB, 0));
    write(2, 3);
    expect(counts(2, 101, 103, LSB)).toEqual([3, 3, 3]);
    pit.setGate(2, true);
    expect(counts(2, 104, 105, LSB)).toEqual([2, 1]);
    expect(wave(2, 105, 106)).toBe('LH');
  });

  it('restarts with a new single-byte count written while counting, and sets OUT low again', () => {
    const { goto, control, write, wave } = setup();
    goto(100);
    control(cw(1, LSB, 0));
    write(1, 4);
    goto(103);
    write(1, 6); // loaded at 104
    expect(wave(1, 104, 111)).toBe('LLLLLLHH'); // 103 + 6 + 1 = 110
    goto(120);
    write(1, 2);
    expect(wave(1, 120, 124)).toBe('LLLHH');
  });

  it('counts 0 as 65536', () => {
    const { goto, control, write, wave } = setup();
    goto(10);
    control(cw(1, BOTH, 0));
    write(1, 0, 0);
    expect(wave(1, 10 + 65536, 10 + 65537)).toBe('LH');
  });
});

describe('8254 mode 1: hardware retriggerable one-shot', () => {
  it('waits for a GATE rising edge, then holds OUT low for N clocks from the next clock', () => {
    const { goto, control, write, wave, pit, status } = setup();
    goto(100);
    control(cw(2, LSB, 1));
    write(2, 3);
    pit.setGate(2, false);
    expect(wave(2, 100, 150)).toBe('H'.repeat(51));
    expect(status(2) & 0x40).toBe(0x40); // the count is still waiting in the CR
    pit.setGate(2, true);
    expect(wave(2, 150, 155)).toBe('HLLLHH');
    expect(status(2) & 0x40).toBe(0);
  });

  it('restarts the one-shot on a new trigger during it', () => {
    const { goto, control, write, wave, pit } = setup();
    goto(100);
    control(cw(2, LSB, 1));
    write(2, 3);
    pit.setGate(2, false);
    pit.setGate(2, true); // load at 101
    goto(102);
    pit.setGate(2, false);
    pit.setGate(2, true); // reload at 103
    expect(wave(2, 102, 107)).toBe('LLLLHH'); // low until 103 + 3
  });

  it('keeps the running one-shot when a new count is written, and uses it on the next trigger', () => {
    const { goto, control, write, wave, pit, counts } = setup();
    goto(100);
    control(cw(2, LSB, 1));
    write(2, 4);
    pit.setGate(2, false);
    pit.setGate(2, true);
    goto(102);
    write(2, 2);
    expect(wave(2, 102, 106)).toBe('LLLHH');
    pit.setGate(2, false);
    pit.setGate(2, true);
    expect(counts(2, 107, 108, LSB)).toEqual([2, 1]);
    expect(wave(2, 108, 109)).toBe('LH');
  });

  it('ignores GATE level: a one-shot runs to the end with GATE low', () => {
    const { goto, control, write, wave, pit } = setup();
    goto(100);
    control(cw(2, LSB, 1));
    write(2, 3);
    pit.setGate(2, false);
    pit.setGate(2, true);
    goto(101);
    pit.setGate(2, false);
    expect(wave(2, 101, 105)).toBe('LLLHH');
  });
});

describe('8254 mode 2: rate generator', () => {
  it('divides by N: OUT low for one clock when the count is 1, then reloaded', () => {
    const { goto, control, write, wave, counts } = setup();
    goto(100);
    control(cw(2, LSB, 2));
    write(2, 4); // loaded at 101
    expect(wave(2, 100, 112)).toBe('HHHHLHHHLHHHL');
    expect(counts(2, 113, 117, LSB)).toEqual([4, 3, 2, 1, 4]);
  });

  it('loads a count written while counting at the end of the current period', () => {
    const { goto, control, write, wave, status } = setup();
    goto(100);
    control(cw(2, LSB, 2));
    write(2, 4); // low at 104, 108
    goto(106);
    write(2, 6);
    expect(status(2) & 0x40).toBe(0x40);
    expect(wave(2, 106, 121)).toBe('HHLHHHHHLHHHHHLH'); // 108 ends the old period; then 114, 120
    expect(status(2) & 0x40).toBe(0);
  });

  it('sets OUT high at once and stops when GATE goes low, and reloads on the clock after it rises', () => {
    const { goto, control, write, wave, pit, counts } = setup();
    goto(100);
    control(cw(2, LSB, 2));
    write(2, 4);
    goto(104);
    expect(pit.out(2)).toBe(false);
    pit.setGate(2, false);
    expect(pit.out(2)).toBe(true);
    expect(counts(2, 105, 107, LSB)).toEqual([1, 1, 1]);
    goto(110);
    pit.setGate(2, true);
    expect(counts(2, 111, 112, LSB)).toEqual([4, 3]);
    expect(wave(2, 113, 115)).toBe('HLH');
  });

  it('keeps a count written during the period waiting while GATE is low, and starts it on the trigger', () => {
    const { goto, control, write, counts, status, pit } = setup();
    goto(100);
    control(cw(2, LSB, 2));
    write(2, 10); // 10 at 101
    goto(103);
    write(2, 4); // due at the end of the period, at 111
    goto(105);
    pit.setGate(2, false);
    expect(counts(2, 110, 112, LSB)).toEqual([6, 6, 6]); // frozen: the period never ended
    expect(status(2) & 0x40).toBe(0x40);
    pit.setGate(2, true);
    expect(counts(2, 113, 114, LSB)).toEqual([4, 3]);
  });

  it('treats control words with M2 set as modes 2 and 3', () => {
    const { goto, control, write, wave } = setup();
    goto(100);
    control(cw(2, LSB, 6));
    write(2, 3);
    expect(wave(2, 101, 106)).toBe('HHLHHL');
    control(cw(1, LSB, 7));
    write(1, 4);
    expect(wave(1, 107, 114)).toBe('HHLLHHLL');
  });
});

describe('8254 mode 3: square wave', () => {
  it('with count 5 is high for 3 clocks and low for 2, reading 5 4 2 then 5 2', () => {
    const { goto, control, write, wave, counts } = setup();
    goto(100);
    control(cw(2, LSB, 3));
    write(2, 5);
    expect(wave(2, 101, 115)).toBe('HHHLLHHHLLHHHLL');
    expect(counts(2, 116, 120, LSB)).toEqual([5, 4, 2, 5, 2]);
  });

  it('with count 4 is high for 2 clocks and low for 2, reading 4 2 4 2', () => {
    const { goto, control, write, wave, counts } = setup();
    goto(100);
    control(cw(2, LSB, 3));
    write(2, 4);
    expect(wave(2, 101, 108)).toBe('HHLLHHLL');
    expect(counts(2, 109, 112, LSB)).toEqual([4, 2, 4, 2]);
  });

  it('with count 0 has a period of 65536 clocks, half high and half low', () => {
    const { goto, control, write, wave } = setup();
    goto(1);
    control(cw(1, BOTH, 3));
    write(1, 0, 0); // loaded at 2
    expect(wave(1, 2 + 32767, 2 + 32768)).toBe('HL');
    expect(wave(1, 2 + 65535, 2 + 65536)).toBe('LH');
  });

  it('loads a count written while counting at the end of the current half-cycle', () => {
    const { goto, control, write, wave } = setup();
    goto(100);
    control(cw(2, LSB, 3));
    write(2, 8); // high 101-104, low 105-108
    expect(wave(2, 101, 102)).toBe('HH');
    write(2, 4); // takes over at 105, in the low half
    expect(wave(2, 103, 112)).toBe('HHLLHHLLHH');
  });

  it('sets OUT high at once when GATE goes low during the low half', () => {
    const { goto, control, write, pit, wave } = setup();
    goto(100);
    control(cw(2, LSB, 3));
    write(2, 6);
    goto(105);
    expect(pit.out(2)).toBe(false);
    pit.setGate(2, false);
    expect(pit.out(2)).toBe(true);
    goto(200);
    pit.setGate(2, true);
    expect(wave(2, 201, 207)).toBe('HHHLLLH');
  });
});

describe('8254 mode 4: software triggered strobe', () => {
  it('strobes OUT low for one clock N+1 clocks after the count is written', () => {
    const { goto, control, write, wave, counts } = setup();
    goto(100);
    control(cw(2, LSB, 4));
    expect(wave(2, 100, 100)).toBe('H');
    write(2, 3);
    expect(wave(2, 100, 108)).toBe('HHHHLHHHH');
    expect(counts(2, 109, 110, LSB)).toEqual([0xfb, 0xfa]); // counting goes on, without strobes
  });

  it('does not count while GATE is low', () => {
    const { goto, control, write, wave, pit } = setup();
    goto(100);
    control(cw(2, LSB, 4));
    write(2, 3); // 3 at 101, 2 at 102
    goto(102);
    pit.setGate(2, false);
    goto(110);
    pit.setGate(2, true); // 1 at 111, 0 at 112
    expect(wave(2, 110, 113)).toBe('HHLH');
  });

  it('restarts with a count written during counting', () => {
    const { goto, control, write, wave } = setup();
    goto(100);
    control(cw(2, LSB, 4));
    write(2, 5);
    goto(103);
    write(2, 2); // loaded at 104, strobe at 106
    expect(wave(2, 103, 110)).toBe('HHHLHHHH');
  });
});

describe('8254 mode 5: hardware triggered strobe', () => {
  it('strobes OUT low for one clock N+1 clocks after a GATE rising edge, and again on a retrigger', () => {
    const { goto, control, write, wave, pit } = setup();
    goto(100);
    control(cw(2, LSB, 5));
    write(2, 3);
    pit.setGate(2, false);
    expect(wave(2, 100, 120)).toBe('H'.repeat(21));
    pit.setGate(2, true); // load at 121, strobe at 124
    expect(wave(2, 120, 125)).toBe('HHHHLH');
    pit.setGate(2, false);
    pit.setGate(2, true); // load at 126
    goto(127);
    pit.setGate(2, false);
    pit.setGate(2, true); // retriggered: load at 128, strobe at 131
    expect(wave(2, 127, 132)).toBe('HHHHLH');
  });
});

describe('8254 counting formats', () => {
  it('counts in BCD: 0100 lasts 100 clocks and reads back as BCD digits', () => {
    const { goto, control, write, counts, wave } = setup();
    goto(100);
    control(cw(1, BOTH, 0, 1));
    write(1, 0x00, 0x01);
    expect(counts(1, 101, 103)).toEqual([0x100, 0x99, 0x98]);
    expect(wave(1, 200, 201)).toBe('LH');
    expect(counts(1, 201, 202)).toEqual([0x0000, 0x9999]);
  });

  it('counts 0 as 10000 in BCD', () => {
    const { goto, control, write, wave } = setup();
    goto(10);
    control(cw(1, BOTH, 0, 1));
    write(1, 0, 0);
    expect(wave(1, 10 + 10000, 10 + 10001)).toBe('LH');
  });

  it('takes an LSB-only count with MSB 0, and reads back only the LSB', () => {
    const { goto, control, write, read } = setup();
    goto(100);
    control(cw(1, LSB, 0));
    write(1, 0x34);
    goto(102);
    expect(read(1)).toBe(0x33);
    expect(read(1)).toBe(0x33);
  });

  it('takes an MSB-only count with LSB 0, and reads back only the MSB', () => {
    const { goto, control, write, read, wave } = setup();
    goto(100);
    control(cw(1, MSB, 0));
    write(1, 0x02); // 0x0200 = 512
    goto(102);
    expect(read(1)).toBe(0x01); // 0x01ff
    expect(wave(1, 612, 613)).toBe('LH');
  });

  it('reads LSB then MSB of the count as it is at each read, without a latch', () => {
    const { goto, control, write, read } = setup();
    goto(100);
    control(cw(1, BOTH, 2));
    write(1, 0x00, 0x01); // 256, loaded at 101
    goto(101);
    expect(read(1)).toBe(0x00);
    goto(102);
    expect(read(1)).toBe(0x00); // the MSB of 0x00ff: the two halves come from different counts
    expect(read(1)).toBe(0xff);
  });
});

describe('8254 latching and read-back', () => {
  it('freezes the read value with a latch command while counting continues', () => {
    const { goto, control, write, read16 } = setup();
    goto(100);
    control(cw(2, BOTH, 2));
    write(2, 0xe8, 0x03); // 1000, loaded at 101
    goto(200);
    control(LATCH(2));
    goto(300);
    expect(read16(2)).toBe(1000 - 99);
    expect(read16(2)).toBe(1000 - 199);
  });

  it('ignores a second latch command until the latched count is read', () => {
    const { goto, control, write, read16 } = setup();
    goto(100);
    control(cw(2, BOTH, 2));
    write(2, 0xe8, 0x03);
    goto(200);
    control(LATCH(2));
    goto(250);
    control(LATCH(2));
    expect(read16(2)).toBe(901);
    goto(260);
    control(LATCH(2));
    expect(read16(2)).toBe(1000 - 159);
  });

  it('releases a latched LSB-only count after one read', () => {
    const { goto, control, write, read } = setup();
    goto(100);
    control(cw(2, LSB, 2));
    write(2, 200);
    goto(110);
    control(LATCH(2));
    goto(120);
    expect(read(2)).toBe(191);
    expect(read(2)).toBe(181);
  });

  it('reports the mode, the RW format, BCD, OUT and null count in the read-back status', () => {
    const { goto, control, write, status } = setup();
    goto(100);
    control(cw(2, BOTH, 3, 1));
    expect(status(2)).toBe(0x80 | 0x40 | 0x37); // OUT high, count not yet loaded
    write(2, 0x00, 0x10);
    expect(status(2)).toBe(0xc0 | 0x37);
    goto(101);
    expect(status(2)).toBe(0x80 | 0x37); // loaded
    control(cw(1, LSB, 0));
    expect(status(1)).toBe(0x40 | 0x10); // mode 0: OUT low
  });

  it('returns the latched status before the latched count, whichever was latched first', () => {
    const { goto, control, write, read, read16 } = setup();
    goto(100);
    control(cw(2, BOTH, 2));
    write(2, 0x10, 0x00);
    goto(105);
    control(READ_BACK_COUNT(1 << 2));
    goto(106);
    control(READ_BACK_STATUS(1 << 2));
    expect(read(2)).toBe(0x80 | 0x34);
    expect(read16(2)).toBe(0x10 - 4);
    goto(107);
    control(READ_BACK_BOTH(1 << 2));
    expect(read(2)).toBe(0x80 | 0x34);
    expect(read16(2)).toBe(0x10 - 6);
  });

  it('latches several counters with one read-back command', () => {
    const { goto, control, write, read16 } = setup();
    goto(100);
    control(cw(0, BOTH, 2));
    write(0, 0x00, 0x10);
    control(cw(2, BOTH, 2));
    write(2, 0x00, 0x20);
    goto(150);
    control(READ_BACK_COUNT(0b101));
    goto(400);
    expect(read16(0)).toBe(0x1000 - 49);
    expect(read16(2)).toBe(0x2000 - 49);
  });

  it('ignores a status latch until the status is read', () => {
    const { goto, control, write, read } = setup();
    goto(100);
    control(cw(2, LSB, 0));
    control(READ_BACK_STATUS(1 << 2)); // OUT low, null count
    write(2, 2);
    goto(110);
    control(READ_BACK_STATUS(1 << 2));
    expect(read(2)).toBe(0x40 | 0x10);
    control(READ_BACK_STATUS(1 << 2));
    expect(read(2)).toBe(0x80 | 0x10);
  });

  it('drops a latched count when a control word is written', () => {
    const { goto, control, write, read } = setup();
    goto(100);
    control(cw(2, LSB, 2));
    write(2, 50);
    goto(110);
    control(LATCH(2)); // holds 41
    goto(115);
    control(cw(2, LSB, 2));
    expect(read(2)).toBe(36); // the CE, which holds still until a count is written
  });

  it('reads all ones from the control word port', () => {
    const { io } = setup();
    expect(io.read8(CONTROL)).toBe(0xff);
  });
});

describe('8254 reset', () => {
  it('returns every counter to mode 0 with no count: OUT low, IRQ0 lowered, no events', () => {
    const { goto, control, write, pit, irq0, clock, status } = setup();
    goto(10);
    control(cw(0, LSB, 3));
    write(0, 100);
    expect(irq0.level).toBe(true);
    goto(20);
    pit.reset();
    expect(irq0.level).toBe(false);
    expect(clock.nextEventTime()).toBe(Infinity);
    expect(status(0)).toBe(0x40 | 0x30);
  });
});

describe('8254 timing on the cycle clock', () => {
  it('raises IRQ0 at 100.0 Hz of emulated time with counter 0 in mode 2 and divisor 11932', () => {
    const clock = new Clock();
    const io = new IoPorts();
    const irq0 = new TimedLine(clock);
    new Pit8254(io, clock, irq0);
    io.write8(CONTROL, cw(0, BOTH, 2));
    io.write8(0x40, 11932 & 0xff);
    io.write8(0x40, 11932 >> 8); // written at cycle 0, PIT clock 0: loaded at clock 1
    // The board's loop: run to the next event or the end of the budget.
    const end = 10 * clock.cyclesPerSecond;
    while (clock.now < end) {
      clock.advanceTo(Math.min(clock.nextEventTime(), end));
      clock.runDue();
    }
    // The control word sets OUT high at once (mode 2); the rate generator's rises follow.
    const [setHigh, ...rises] = irq0.log.filter(([level]) => level).map(([, t]) => t);
    expect(setHigh).toBe(0);
    expect(rises.length).toBe(999); // 10 s at 99.9985 Hz
    const hz = (rises.length - 1) / ((rises.at(-1)! - rises[0]!) / clock.cyclesPerSecond);
    expect(hz.toFixed(1)).toBe('100.0');
    // No drift: rise k is at exactly the cycle of PIT clock 1 + 11932 k.
    rises.forEach((t, i) => expect(t).toBe(Number(((1n + 11932n * BigInt(i + 1)) * 33_000_000n + 1_193_181n) / 1_193_182n)));
    // And OUT is low for exactly one PIT clock before each rise.
    const lows = irq0.log.filter(([level]) => !level).map(([, t]) => t);
    expect(lows[0]).toBe(clock.tickTime(11932, PIT_HZ));
  });

  it('keeps every one-clock pulse when the board overshoots events by far more than a clock', () => {
    const clock = new Clock();
    const io = new IoPorts();
    const irq0 = new TimedLine(clock);
    new Pit8254(io, clock, irq0);
    io.write8(CONTROL, cw(0, LSB, 2));
    io.write8(0x40, 100);
    for (let t = 0; t < 1_000_000; t += 7_777) {
      clock.advanceTo(t);
      clock.runDue();
    }
    const rises = irq0.log.filter(([level]) => level).map(([, t]) => t).slice(1); // after the control word's
    expect(rises.length).toBe(Math.floor((clock.ticksAt(clock.now, PIT_HZ) - 1) / 100));
    rises.forEach((t, i) => expect(t).toBe(clock.tickTime(1 + 100 * (i + 1), PIT_HZ)));
  });

  it('schedules clock tasks only for counters whose OUT is connected', () => {
    const { clock, goto, control, write, listen } = setup();
    expect(clock.nextEventTime()).toBe(Infinity); // counter 0 has no count
    goto(10);
    control(cw(2, LSB, 3));
    write(2, 10);
    expect(clock.nextEventTime()).toBe(Infinity); // counter 2 runs, but drives nothing
    control(cw(0, LSB, 3));
    write(0, 10);
    goto(11); // the count is loaded
    expect(clock.nextEventTime()).toBe(clock.tickTime(16, PIT_HZ)); // IRQ0 falls at 11 + 5
    goto(17);
    const log = listen(2); // counter 2's OUT fell at 16 with nobody listening
    goto(40);
    expect(log).toEqual([[true, 21], [false, 26], [true, 31], [false, 36]]);
  });

  it('tells a connected OUT listener about each change at the clock it happens', () => {
    const { goto, control, write, listen, pit } = setup();
    const log = listen(2);
    goto(100);
    control(cw(2, LSB, 1));
    write(2, 4);
    pit.setGate(2, false);
    pit.setGate(2, true);
    goto(200);
    expect(log).toEqual([[true, 100], [false, 101], [true, 105]]); // mode 1 starts with OUT high
  });

  it('tells a connected listener when a strobe starts and when it ends', () => {
    const { goto, control, write, listen, pit } = setup();
    goto(100);
    control(cw(2, LSB, 5));
    const log = listen(2);
    write(2, 3);
    pit.setGate(2, false);
    pit.setGate(2, true);
    goto(300);
    expect(log).toEqual([[false, 104], [true, 105]]);
  });

  it('gives the same counts at the same cycles however often it is read', () => {
    const a = setup();
    const b = setup();
    for (const m of [a, b]) {
      m.goto(3);
      m.control(cw(2, BOTH, 3));
      m.write(2, 0x35, 0x12);
    }
    const finalCycle = 123_456_789;
    for (let t = 1000; t < finalCycle; t += 99_991) {
      a.clock.advanceTo(t);
      a.clock.runDue();
      a.read16(2);
    }
    a.clock.advanceTo(finalCycle);
    b.clock.advanceTo(finalCycle);
    a.control(LATCH(2));
    b.control(LATCH(2));
    const count = b.read16(2);
    expect(a.read16(2)).toBe(count);
    // Mode 3, N = 0x1235 (odd), loaded at clock 4: N, N-1, N-3, ... high, then N, N-3, N-5, ... low.
    const p = (a.clock.ticksAt(finalCycle, PIT_HZ) - 4) % 0x1235;
    const h = 0x1235 >> 1;
    expect(count).toBe(p < h + 1 ? (p === 0 ? 0x1235 : 0x1235 + 1 - 2 * p) : p - h - 1 === 0 ? 0x1235 : 0x1235 - 1 - 2 * (p - h - 1));
  });
});
