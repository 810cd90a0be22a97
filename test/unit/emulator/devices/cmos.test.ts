// The MC146818A RTC and CMOS RAM, driven only through ports 0x70/0x71 and IRQ8 on a cycle clock
// advanced by hand, and checked against the Motorola MC146818A data sheet and the AT CMOS layout.
import { describe, expect, it } from 'vitest';
import { Clock } from '../../../../emulator/clock.ts';
import { Cmos, type RtcTime } from '../../../../emulator/devices/cmos.ts';
import { IrqRecorder } from '../../../../emulator/irq.ts';
import { IoPorts } from '../../../../emulator/memory/ioports.ts';

const INDEX = 0x70, DATA = 0x71;
const SEC = 0, SEC_ALARM = 1, MIN = 2, MIN_ALARM = 3, HOUR = 4, HOUR_ALARM = 5, DOW = 6, DATE = 7, MONTH = 8, YEAR = 9;
const A = 0x0a, B = 0x0b, C = 0x0c, D = 0x0d;
const UIP = 0x80;
/** Register A with the 32.768 kHz time base and no periodic rate, so that PF stays clear. */
const NO_PERIODIC = 0x20;
const SET = 0x80, PIE = 0x40, AIE = 0x20, UIE = 0x10, DM_BINARY = 0x04, H24 = 0x02, DSE = 0x01;
const IRQF = 0x80, PF = 0x40, AF = 0x20, UF = 0x10;
const HZ = 33_000_000;
const MiB = 1024 * 1024;

function setup(o: { startTime?: RtcTime; memoryBytes?: number } = {}) {
  const io = new IoPorts();
  const clock = new Clock(HZ);
  const irq8 = new IrqRecorder();
  const cmos = new Cmos(io, clock, irq8, { memoryBytes: o.memoryBytes ?? 32 * MiB, startTime: o.startTime });
  const goto = (t: number) => {
    clock.advanceTo(t);
    clock.runDue();
  };
  const seconds = (s: number) => goto(Math.round(s * HZ));
  const reg = (i: number) => {
    io.write8(INDEX, i);
    return io.read8(DATA);
  };
  const set = (i: number, v: number) => {
    io.write8(INDEX, i);
    io.write8(DATA, v);
  };
  /** Seconds, minutes, hours, day of week, date, month, year as the registers hold them. */
  const time = () => [SEC, MIN, HOUR, DOW, DATE, MONTH, YEAR].map(reg);
  return { io, clock, irq8, cmos, goto, seconds, reg, set, time };
}

const at = (year: number, month: number, day: number, hour: number, minute: number, second: number): RtcTime =>
  ({ year, month, day, hour, minute, second });

describe('MC146818 time and date', () => {
  it('starts at 2000-01-01 00:00:00, a Saturday, in BCD 24-hour mode by default', () => {
    const { time, reg } = setup();
    expect(time()).toEqual([0x00, 0x00, 0x00, 7, 0x01, 0x01, 0x00]);
    expect(reg(0x32)).toBe(0x20); // century
    expect(reg(B)).toBe(H24);
  });

  it('starts at the time the host gives', () => {
    const { time, reg } = setup({ startTime: at(2024, 2, 29, 13, 45, 30) }); // a Thursday
    expect(time()).toEqual([0x30, 0x45, 0x13, 5, 0x29, 0x02, 0x24]);
    expect(reg(0x32)).toBe(0x20);
  });

  it('advances one second per emulated second and rolls over at 59 seconds', () => {
    const { seconds, reg } = setup({ startTime: at(2000, 1, 1, 12, 34, 58) });
    seconds(0.999);
    expect([reg(SEC), reg(MIN)]).toEqual([0x58, 0x34]);
    seconds(1);
    expect([reg(SEC), reg(MIN)]).toEqual([0x59, 0x34]);
    seconds(2);
    expect([reg(SEC), reg(MIN)]).toEqual([0x00, 0x35]);
  });

  it('counts every second of a long stretch in which the guest does not look (1 h 1 min 1 s)', () => {
    const { seconds, time } = setup();
    seconds(3661);
    expect(time()).toEqual([0x01, 0x01, 0x01, 7, 0x01, 0x01, 0x00]);
  });

  it('schedules no clock event while no RTC interrupt is enabled: an idle RTC costs nothing', () => {
    const { clock, set } = setup();
    expect(clock.nextEventTime()).toBe(Infinity);
    set(B, UIE | H24);
    expect(clock.nextEventTime()).toBe(HZ);
    set(B, H24);
    expect(clock.nextEventTime()).toBe(Infinity);
  });

  it('does not follow anything but the emulated clock', () => {
    const { time } = setup();
    const before = time();
    for (let i = 0; i < 1000; i++) time(); // host time passes, emulated time does not
    expect(time()).toEqual(before);
  });

  it('rolls over the hour, the day, the month and the year (leaving the century byte to software)', () => {
    const { seconds, time, reg } = setup({ startTime: at(1999, 12, 31, 23, 59, 59) }); // a Friday
    seconds(1);
    expect(time()).toEqual([0x00, 0x00, 0x00, 7, 0x01, 0x01, 0x00]);
    expect(reg(0x32)).toBe(0x19);
  });

  it('has February 29 in years divisible by 4 only', () => {
    const leap = setup({ startTime: at(2024, 2, 28, 23, 59, 59) });
    leap.seconds(1);
    expect([leap.reg(DATE), leap.reg(MONTH)]).toEqual([0x29, 0x02]);
    const common = setup({ startTime: at(2023, 2, 28, 23, 59, 59) });
    common.seconds(1);
    expect([common.reg(DATE), common.reg(MONTH)]).toEqual([0x01, 0x03]);
  });

  it('counts in binary with DM = 1 and in BCD with DM = 0', () => {
    const { set, seconds, reg } = setup();
    set(B, SET | DM_BINARY | H24);
    set(SEC, 59);
    set(MIN, 9);
    set(B, DM_BINARY | H24);
    seconds(1);
    expect([reg(SEC), reg(MIN)]).toEqual([0, 10]);
    set(B, SET | H24);
    set(SEC, 0x59);
    set(MIN, 0x09);
    set(B, H24);
    seconds(2);
    expect([reg(SEC), reg(MIN)]).toEqual([0x00, 0x10]);
  });

  it('counts 12-hour time with bit 7 = PM: 11:59:59 AM -> 12 PM, 12:59:59 PM -> 1 PM, 11:59:59 PM -> 12 AM next day', () => {
    const { set, seconds, reg } = setup();
    const setClock = (hour: number) => {
      set(B, SET);
      set(HOUR, hour);
      set(MIN, 0x59);
      set(SEC, 0x59);
      set(B, 0); // 12-hour BCD
    };
    setClock(0x11);
    seconds(1);
    expect(reg(HOUR)).toBe(0x92);
    setClock(0x92);
    seconds(2);
    expect(reg(HOUR)).toBe(0x81);
    setClock(0x91);
    seconds(3);
    expect([reg(HOUR), reg(DATE)]).toEqual([0x12, 0x02]);
  });

  it('stops updating while SET = 1, keeps the values written, and clears UIE', () => {
    const { set, seconds, reg } = setup();
    set(B, UIE | H24);
    set(B, SET | UIE | H24);
    expect(reg(B)).toBe(SET | H24);
    set(SEC, 0x42);
    seconds(3);
    expect(reg(SEC)).toBe(0x42);
    set(B, H24);
    seconds(4);
    expect(reg(SEC)).toBe(0x43);
  });

  it('springs forward from 1:59:59 to 3:00:00 on the last Sunday in April with DSE', () => {
    const { set, seconds, reg } = setup({ startTime: at(2000, 4, 30, 1, 59, 59) }); // a Sunday
    set(B, H24 | DSE);
    seconds(1);
    expect([reg(HOUR), reg(MIN), reg(SEC)]).toEqual([0x03, 0x00, 0x00]);
  });

  it('falls back from 1:59:59 to 1:00:00 once on the last Sunday in October with DSE', () => {
    const { set, seconds, reg } = setup({ startTime: at(2000, 10, 29, 1, 59, 59) }); // a Sunday
    set(B, H24 | DSE);
    seconds(1);
    expect([reg(HOUR), reg(MIN), reg(SEC)]).toEqual([0x01, 0x00, 0x00]);
    seconds(3601);
    expect([reg(HOUR), reg(MIN), reg(SEC)]).toEqual([0x02, 0x00, 0x00]);
  });

  it('does not apply daylight saving without DSE', () => {
    const { seconds, reg } = setup({ startTime: at(2000, 4, 30, 1, 59, 59) });
    seconds(1);
    expect(reg(HOUR)).toBe(0x02);
  });
});

describe('MC146818 register A', () => {
  it('sets UIP for the 244 + 1984 us before the registers change, and clears it after', () => {
    const { goto, reg } = setup();
    const window = Math.round((2228 * HZ) / 1e6);
    goto(HZ - window - 1);
    expect(reg(A) & UIP).toBe(0);
    goto(HZ - window);
    expect(reg(A) & UIP).toBe(UIP);
    expect(reg(SEC)).toBe(0x00);
    goto(HZ);
    expect(reg(A) & UIP).toBe(0);
    expect(reg(SEC)).toBe(0x01);
  });

  it('keeps UIP clear while SET = 1', () => {
    const { goto, reg, set } = setup();
    set(B, SET | H24);
    goto(HZ - 10);
    expect(reg(A) & UIP).toBe(0);
  });

  it('stops the clock while the divider is held in reset, and updates half a second after it is released', () => {
    const { set, seconds, reg } = setup();
    set(A, 0x66); // DV = 110: divider reset
    seconds(5);
    expect(reg(SEC)).toBe(0x00);
    set(A, 0x26);
    seconds(5.499);
    expect(reg(SEC)).toBe(0x00);
    seconds(5.5);
    expect(reg(SEC)).toBe(0x01);
    seconds(6.5);
    expect(reg(SEC)).toBe(0x02);
  });

  it('keeps bits 6-0 as written; UIP is read only', () => {
    const { set, reg } = setup();
    set(A, 0xaf);
    expect(reg(A) & 0x7f).toBe(0x2f);
  });
});

describe('MC146818 interrupts (register C, IRQ8)', () => {
  it('sets UF at the end of each update, raising IRQ8 when UIE = 1', () => {
    const { set, seconds, reg, irq8 } = setup();
    set(A, NO_PERIODIC);
    set(B, UIE | H24);
    seconds(0.99);
    expect(irq8.level).toBe(false);
    seconds(1);
    expect(irq8.level).toBe(true);
    expect(reg(C)).toBe(IRQF | UF);
  });

  it('clears IRQF and the flags when register C is read, and lowers IRQ8', () => {
    const { set, seconds, reg, irq8 } = setup();
    set(A, NO_PERIODIC);
    set(B, UIE | H24);
    seconds(1);
    expect(reg(C)).toBe(IRQF | UF);
    expect(irq8.level).toBe(false);
    expect(reg(C)).toBe(0);
  });

  it('sets UF without UIE but does not interrupt', () => {
    const { seconds, reg, irq8, set } = setup();
    set(A, NO_PERIODIC);
    seconds(1);
    expect(irq8.rises).toBe(0);
    expect(reg(C)).toBe(UF);
  });

  it('raises IRQ8 at once when UIE is set while UF is already set', () => {
    const { set, seconds, irq8 } = setup();
    seconds(1);
    expect(irq8.level).toBe(false);
    set(B, UIE | H24);
    expect(irq8.level).toBe(true);
  });

  it('interrupts at 1024 Hz for rate 6: 1024 periodic interrupts per emulated second, the first at 1/1024 s', () => {
    const { clock, set, goto, reg, irq8 } = setup();
    set(A, 0x26);
    set(B, PIE | H24);
    let count = 0;
    let first = -1;
    for (;;) {
      const t = clock.nextEventTime();
      if (t > HZ) break;
      goto(t);
      if (irq8.level) {
        if (first < 0) first = t;
        count++;
        expect(reg(C) & (IRQF | PF)).toBe(IRQF | PF);
        expect(irq8.level).toBe(false);
      }
    }
    expect(count).toBe(1024);
    expect(first).toBe(Math.ceil(HZ / 1024));
  });

  it.each([
    [3, 8192], [6, 1024], [15, 2], [1, 256], [2, 128],
  ])('runs rate select %i at %i Hz', (rs, hz) => {
    const { clock, set, goto, reg } = setup();
    set(A, 0x20 | rs);
    set(B, PIE | H24);
    let count = 0;
    for (;;) {
      const t = clock.nextEventTime();
      if (t > HZ / 2) break;
      goto(t);
      if ((reg(C) & PF) !== 0) count++;
    }
    expect(count).toBe(hz / 2);
  });

  it('has no periodic interrupt for rate 0', () => {
    const { set, goto, reg, irq8 } = setup();
    set(A, 0x20);
    set(B, PIE | H24);
    goto(HZ / 2);
    expect(irq8.rises).toBe(0);
    expect(reg(C) & PF).toBe(0);
  });

  it('sets PF while PIE = 0 without interrupting, and raises IRQ8 when PIE is then set', () => {
    const { set, goto, reg, irq8 } = setup();
    goto(Math.ceil(HZ / 1024) - 1);
    expect(reg(C) & PF).toBe(0);
    goto(Math.ceil(HZ / 1024));
    set(B, PIE | H24);
    expect(irq8.level).toBe(true);
    expect(reg(C)).toBe(IRQF | PF);
  });

  it('sets AF when the time matches the alarm, raising IRQ8 with AIE', () => {
    const { set, seconds, reg, irq8 } = setup();
    set(A, NO_PERIODIC);
    set(SEC_ALARM, 0x05);
    set(MIN_ALARM, 0x00);
    set(HOUR_ALARM, 0x00);
    set(B, AIE | H24);
    seconds(4);
    expect(irq8.level).toBe(false);
    seconds(5);
    expect(irq8.level).toBe(true);
    expect(reg(C)).toBe(IRQF | AF | UF);
  });

  it('sets AF for an alarm time that passed while AIE = 0, without interrupting', () => {
    const { set, seconds, reg, irq8 } = setup();
    set(A, NO_PERIODIC);
    set(SEC_ALARM, 0x03);
    set(MIN_ALARM, 0x00);
    set(HOUR_ALARM, 0x00);
    seconds(10);
    expect(irq8.rises).toBe(0);
    expect(reg(C)).toBe(AF | UF);
  });

  it('matches any value in an alarm byte with both top bits set (a once-a-minute alarm)', () => {
    const { set, seconds, reg, irq8 } = setup();
    set(SEC_ALARM, 0x30);
    set(MIN_ALARM, 0xc0);
    set(HOUR_ALARM, 0xff);
    set(B, AIE | H24);
    seconds(30);
    expect(irq8.level).toBe(true);
    reg(C);
    seconds(89);
    expect(irq8.level).toBe(false);
    seconds(90);
    expect(irq8.level).toBe(true);
  });
});

describe('MC146818 registers C and D', () => {
  it('reads VRT = 1 in register D and ignores writes to C and D', () => {
    const { set, reg } = setup();
    expect(reg(D)).toBe(0x80);
    set(D, 0);
    set(C, 0xf0);
    expect(reg(D)).toBe(0x80);
    expect(reg(C)).toBe(0);
  });
});

describe('CMOS RAM and ports', () => {
  it('keeps the bytes written at 0x0E-0x7F, selecting with the low 7 bits of port 0x70', () => {
    const { set, reg, io } = setup();
    set(0x40, 0x12);
    set(0x7f, 0x34);
    expect(reg(0x40)).toBe(0x12);
    io.write8(INDEX, 0x80 | 0x7f);
    expect(io.read8(DATA)).toBe(0x34);
  });

  it('masks NMI while port 0x70 bit 7 is set', () => {
    const { io, cmos } = setup();
    const log: boolean[] = [];
    cmos.onNmiMaskChange = (d) => log.push(d);
    expect(cmos.nmiDisabled).toBe(false);
    io.write8(INDEX, 0x8f);
    expect(cmos.nmiDisabled).toBe(true);
    io.write8(INDEX, 0x0f);
    expect(cmos.nmiDisabled).toBe(false);
    expect(log).toEqual([true, false]);
  });

  it('holds the memory-size bytes for 32 MiB: 640 KiB base, 31 MiB extended, 16 MiB above 16 MiB', () => {
    const { reg } = setup({ memoryBytes: 32 * MiB });
    const word = (i: number) => reg(i) | (reg(i + 1) << 8);
    expect(word(0x15)).toBe(640);
    expect(word(0x17)).toBe(31 * 1024);
    expect(word(0x30)).toBe(31 * 1024);
    expect(word(0x34)).toBe(256); // 64 KiB units
  });

  it('caps extended memory at 0xFFFF KiB and has no memory above 16 MiB when there is none', () => {
    const big = setup({ memoryBytes: 128 * MiB });
    const word = (s: ReturnType<typeof setup>, i: number) => s.reg(i) | (s.reg(i + 1) << 8);
    expect(word(big, 0x17)).toBe(0xffff);
    expect(word(big, 0x34)).toBe(112 * 16);
    const small = setup({ memoryBytes: 1 * MiB });
    expect(word(small, 0x15)).toBe(640);
    expect(word(small, 0x17)).toBe(0);
    expect(word(small, 0x34)).toBe(0);
  });

  it('checksums 0x10-0x2D into 0x2E (high) and 0x2F (low)', () => {
    const { reg } = setup({ memoryBytes: 64 * MiB });
    let sum = 0;
    for (let i = 0x10; i <= 0x2d; i++) sum += reg(i);
    expect(sum).toBeGreaterThan(0);
    expect((reg(0x2e) << 8) | reg(0x2f)).toBe(sum);
  });
});
