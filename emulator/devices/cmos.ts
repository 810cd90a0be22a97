// The MC146818A real-time clock and its CMOS RAM (Motorola MC146818A data sheet), as the PC AT uses
// them.
//
// Wiring (the board): index port 0x70 (write only; bit 7 is the board's NMI mask, bits 6-0 select
// one of 128 bytes) and data port 0x71; the RTC's IRQ output on IRQ8 (the slave PIC's IR0); the
// machine's Clock, which is the RTC's only time base (the 32.768 kHz crystal is derived from it).
// The board reads `nmiDisabled` (or listens with `onNmiMaskChange`) to gate NMI.
//
//   0x00 seconds   0x01 seconds alarm   0x02 minutes   0x03 minutes alarm   0x04 hours
//   0x05 hours alarm   0x06 day of week (1 = Sunday)   0x07 date   0x08 month   0x09 year (00-99)
//   0x0A register A  UIP DV2 DV1 DV0 RS3 RS2 RS1 RS0     (UIP read only)
//   0x0B register B  SET PIE AIE UIE SQWE DM 24/12 DSE
//   0x0C register C  IRQF PF AF UF 0 0 0 0               (read only; a read clears it)
//   0x0D register D  VRT 0 0 0 0 0 0 0                   (read only; VRT = 1: the battery is good)
//   0x0E-0x7F        RAM; the AT BIOS layout: 0x10 diskette types, 0x12 hard disk types,
//                    0x14 equipment, 0x15/0x16 base memory in KiB, 0x17/0x18 extended memory in KiB,
//                    0x2E/0x2F checksum of 0x10-0x2D (high byte first), 0x30/0x31 extended memory
//                    again (as POST found it), 0x32 century (BCD), 0x34/0x35 memory above 16 MiB in
//                    64 KiB units (the SeaBIOS/QEMU convention).
//
// Time. The clock starts at the time given to the constructor (2000-01-01 00:00:00 by default, so
// that runs are deterministic) and advances with EMULATED time: an update cycle runs once per
// emulated second, and never reads the host's clock. The time registers hold bytes
// in the format register B selected when they were written (BCD or binary, 12- or 24-hour); the
// update cycle counts in that format, and changing DM or 24/12 does not convert them (as on the chip).
// UIP is high during the 244 us before an update and the 1984 us the update takes; the registers
// change at the end of that window. The periodic interrupt's rate (32768 >> (RS - 1) Hz, 256 and
// 128 Hz for RS = 1, 2) runs from the divider chain.
//
// An idle RTC schedules nothing: the update cycles that have come due are run when a port is
// accessed (catchUp), and PF is computed from the clock when register C is read. Clock tasks run
// only to raise IRQ8 on time: once per second while UIE or AIE is set, once per period while PIE is.
//
// Not modelled: the square-wave output (SQWE has no pin on a PC), the 4.194304 and 1.048576 MHz
// time bases (any DV other than 010 stops the divider chain), and the undefined results of
// out-of-range time values (they count on modulo their field).

import type { Clock, Task } from '../clock.ts';
import type { IrqLine } from '../irq.ts';
import type { IoPorts, PortHandler } from '../memory/ioports.ts';

export const REG_SECONDS = 0x00, REG_SECONDS_ALARM = 0x01, REG_MINUTES = 0x02, REG_MINUTES_ALARM = 0x03;
export const REG_HOURS = 0x04, REG_HOURS_ALARM = 0x05, REG_DAY_OF_WEEK = 0x06, REG_DATE = 0x07;
export const REG_MONTH = 0x08, REG_YEAR = 0x09, REG_A = 0x0a, REG_B = 0x0b, REG_C = 0x0c, REG_D = 0x0d;
export const CMOS_EQUIPMENT = 0x14, CMOS_BASE_MEMORY = 0x15, CMOS_EXTENDED_MEMORY = 0x17, CMOS_CHECKSUM = 0x2e;
export const CMOS_EXTENDED_MEMORY_POST = 0x30, CMOS_CENTURY = 0x32, CMOS_HIGH_MEMORY = 0x34;

export const A_UIP = 0x80;
export const B_SET = 0x80, B_PIE = 0x40, B_AIE = 0x20, B_UIE = 0x10, B_SQWE = 0x08, B_DM = 0x04;
export const B_24H = 0x02, B_DSE = 0x01;
export const C_IRQF = 0x80, C_PF = 0x40, C_AF = 0x20, C_UF = 0x10;
export const D_VRT = 0x80;
/** Register A's DV bits for the 32.768 kHz time base: the divider chain runs. */
const DV_32K = 0x20;
/** The UIP window: 244 us before the update cycle and its 1984 us (at 32.768 kHz). */
const UIP_MICROSECONDS = 244 + 1984;
/** An alarm byte with both top bits set matches any value ("don't care"). */
const ALARM_DONT_CARE = 0xc0;

/** A calendar time, as the host gives the RTC its starting point. */
export interface RtcTime {
  /** Full year, 1900-2099 (the RTC keeps 00-99; the century goes in CMOS byte 0x32). */
  year: number;
  /** 1-12 */
  month: number;
  /** 1-31 */
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export const DEFAULT_RTC_START: RtcTime = { year: 2000, month: 1, day: 1, hour: 0, minute: 0, second: 0 };

export interface CmosOptions {
  /** RAM size in bytes, for the memory-size bytes. */
  memoryBytes: number;
  /** Where the RTC starts counting (default DEFAULT_RTC_START). */
  startTime?: RtcTime;
  /** CMOS byte 0x14 (AT equipment byte). Default 0: no diskette, EGA/VGA display, no coprocessor. */
  equipment?: number;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

const toBcd = (v: number): number => ((Math.floor(v / 10) % 10) << 4) | (v % 10);
const fromBcd = (v: number): number => (v >> 4) * 10 + (v & 15);

/** Day of the week, 0 = Sunday (Sakamoto's method, Gregorian calendar). */
function weekday(year: number, month: number, day: number): number {
  const t = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4];
  const y = month < 3 ? year - 1 : year;
  return (y + Math.floor(y / 4) - Math.floor(y / 100) + Math.floor(y / 400) + t[month - 1]! + day) % 7;
}

export class Cmos implements PortHandler {
  /**
   * The 128 bytes; 0x00-0x0D are the RTC's registers. The board may set bytes 0x0E-0x7F before the
   * guest runs (then call updateChecksum()); the time registers are current only through the ports.
   */
  readonly ram = new Uint8Array(128);
  /** The byte the data port reaches. */
  index = 0;
  /** Port 0x70 bit 7 as last written: NMI is masked on the board while it is set. */
  nmiDisabled = false;
  onNmiMaskChange: ((disabled: boolean) => void) | null = null;

  private readonly clock: Clock;
  private readonly irq: IrqLine;
  private readonly base: number;
  /** Register C's PF, AF, UF. */
  private flags = 0;
  private irqLevel = false;
  /** When the divider chain last started (DV set to 010): the periodic rate counts from here. */
  private dividerStart: number;
  /** Periodic ticks before this time have been folded into PF. */
  private pfCheckedAt: number;
  /** When the next update cycle ends, in cycles (Infinity while the divider chain is stopped). */
  private nextUpdate: number;
  /** October's fall-back hour has been repeated today (daylight saving, DSE). */
  private fellBack = false;
  private readonly updateTask: Task;
  private readonly periodicTask: Task;
  private readonly uipCycles: number;

  constructor(io: IoPorts, clock: Clock, irq8: IrqLine, options: CmosOptions, base = 0x70) {
    this.clock = clock;
    this.irq = irq8;
    this.base = base;
    this.uipCycles = Math.round((clock.cyclesPerSecond * UIP_MICROSECONDS) / 1_000_000);
    this.updateTask = clock.newTask(() => {
      this.catchUp();
      this.scheduleUpdate();
      this.updateIrq();
    });
    this.periodicTask = clock.newTask(() => {
      this.syncPeriodic();
      this.schedulePeriodic();
      this.updateIrq();
    });
    const r = this.ram;
    r[REG_A] = DV_32K | 0x06; // 32.768 kHz time base, 1024 Hz periodic rate (the AT BIOS setting)
    r[REG_B] = B_24H; // 24-hour BCD, no interrupts
    r[REG_D] = D_VRT;
    this.setTime(options.startTime ?? DEFAULT_RTC_START);
    this.setMemorySize(options.memoryBytes);
    r[CMOS_EQUIPMENT] = options.equipment ?? 0;
    this.updateChecksum();
    this.dividerStart = clock.now;
    this.pfCheckedAt = clock.now;
    // The first update ends one second after power-on; then one per second.
    this.nextUpdate = clock.now + clock.cyclesPerSecond;
    io.register(base, 2, this);
  }

  read8(port: number): number {
    if (port === this.base) return 0xff; // the index register is write-only on the AT
    this.catchUp();
    return this.readRegister(this.index);
  }

  write8(port: number, value: number): void {
    if (port === this.base) {
      this.index = value & 0x7f;
      const nmi = (value & 0x80) !== 0;
      if (nmi !== this.nmiDisabled) {
        this.nmiDisabled = nmi;
        this.onNmiMaskChange?.(nmi);
      }
      return;
    }
    this.catchUp();
    this.writeRegister(this.index, value);
  }

  // --- registers ---

  private readRegister(i: number): number {
    switch (i) {
      case REG_A: return this.ram[REG_A]! | (this.updateInProgress() ? A_UIP : 0);
      case REG_C: {
        // "All flag bits are cleared after register C is read", and IRQ goes inactive.
        this.syncPeriodic();
        const v = this.flags | (this.irqf() ? C_IRQF : 0);
        this.flags = 0;
        this.updateIrq();
        return v;
      }
      case REG_D: return D_VRT;
      default: return this.ram[i]!;
    }
  }

  private writeRegister(i: number, value: number): void {
    switch (i) {
      case REG_A: {
        this.syncPeriodic();
        const wasRunning = this.dividerRunning();
        this.ram[REG_A] = value & 0x7f;
        if (!this.dividerRunning()) this.nextUpdate = Infinity;
        else if (!wasRunning) {
          // "When the divider reset is removed, the first update cycle begins one-half second later."
          this.dividerStart = this.pfCheckedAt = this.clock.now;
          this.nextUpdate = this.clock.now + Math.floor(this.clock.cyclesPerSecond / 2);
        }
        this.scheduleUpdate();
        this.schedulePeriodic();
        break;
      }
      case REG_B:
        this.syncPeriodic();
        // SET = 1 stops updates and clears UIE.
        this.ram[REG_B] = (value & B_SET) !== 0 ? value & ~B_UIE : value;
        this.scheduleUpdate();
        this.schedulePeriodic();
        this.updateIrq();
        break;
      case REG_C:
      case REG_D:
        break; // read only
      default:
        this.ram[i] = value;
        break;
    }
  }

  // --- interrupts ---

  private irqf(): boolean {
    const b = this.ram[REG_B]!;
    return ((this.flags & C_PF) !== 0 && (b & B_PIE) !== 0) ||
      ((this.flags & C_AF) !== 0 && (b & B_AIE) !== 0) ||
      ((this.flags & C_UF) !== 0 && (b & B_UIE) !== 0);
  }

  private updateIrq(): void {
    const level = this.irqf();
    if (level === this.irqLevel) return;
    this.irqLevel = level;
    if (level) this.irq.raise();
    else this.irq.lower();
  }

  private dividerRunning(): boolean {
    return (this.ram[REG_A]! & 0x70) === DV_32K;
  }

  /** The periodic interrupt rate in Hz (0: none): RS = 3..15 give 65536 >> RS, RS = 1, 2 the same as 8, 9. */
  private periodicHz(): number {
    const rs = this.ram[REG_A]! & 0x0f;
    if (rs === 0 || !this.dividerRunning()) return 0;
    return 65536 >> (rs <= 2 ? rs + 7 : rs);
  }

  /** Sets PF if a periodic tick happened since the last check. */
  private syncPeriodic(): void {
    const hz = this.periodicHz();
    const now = this.clock.now;
    if (hz !== 0) {
      const start = this.dividerStart;
      if (this.clock.ticksAt(now - start, hz) > this.clock.ticksAt(this.pfCheckedAt - start, hz)) this.flags |= C_PF;
    }
    this.pfCheckedAt = now;
  }

  /** While PIE = 1, a task runs at each periodic tick to raise IRQ8; otherwise PF is computed when read. */
  private schedulePeriodic(): void {
    const hz = this.periodicHz();
    if (hz === 0 || (this.ram[REG_B]! & B_PIE) === 0) {
      this.clock.cancel(this.periodicTask);
      return;
    }
    const start = this.dividerStart;
    const next = this.clock.ticksAt(this.clock.now - start, hz) + 1;
    this.clock.scheduleAt(this.periodicTask, start + this.clock.tickTime(next, hz));
  }

  // --- the update cycle ---

  private updateInProgress(): boolean {
    if ((this.ram[REG_B]! & B_SET) !== 0) return false;
    return this.nextUpdate - this.clock.now <= this.uipCycles;
  }

  /** Runs the update cycles that have ended by now (SET and the divider cannot change in between: only ports change them). */
  private catchUp(): void {
    const now = this.clock.now;
    if (this.nextUpdate > now) return;
    const cps = this.clock.cyclesPerSecond;
    if ((this.ram[REG_B]! & B_SET) !== 0) {
      // SET = 1: the divider chain runs on, but no update cycle happens.
      this.nextUpdate += (Math.floor((now - this.nextUpdate) / cps) + 1) * cps;
      return;
    }
    while (this.nextUpdate <= now) {
      this.advanceOneSecond();
      this.flags |= C_UF;
      if (this.alarmMatches()) this.flags |= C_AF;
      this.nextUpdate += cps;
    }
  }

  /** A task at the next update only when its flag can interrupt (UIE, or AIE, whose match is checked there). */
  private scheduleUpdate(): void {
    const b = this.ram[REG_B]!;
    if (this.nextUpdate !== Infinity && (b & (B_UIE | B_AIE)) !== 0 && (b & B_SET) === 0) {
      this.clock.scheduleAt(this.updateTask, this.nextUpdate);
    } else this.clock.cancel(this.updateTask);
  }

  private alarmMatches(): boolean {
    const r = this.ram;
    const match = (time: number, alarm: number) => (r[alarm]! & ALARM_DONT_CARE) === ALARM_DONT_CARE || r[alarm] === r[time];
    return match(REG_SECONDS, REG_SECONDS_ALARM) && match(REG_MINUTES, REG_MINUTES_ALARM) && match(REG_HOURS, REG_HOURS_ALARM);
  }

  /** Adds one second to the time and date registers, in the format register B selects. */
  private advanceOneSecond(): void {
    const r = this.ram;
    const b = r[REG_B]!;
    const bcd = (b & B_DM) === 0;
    const dec = (v: number) => (bcd ? fromBcd(v) : v);
    const enc = (v: number) => (bcd ? toBcd(v) : v);
    const get = (i: number) => dec(r[i]!);
    const put = (i: number, v: number) => { r[i] = enc(v); };

    const s = get(REG_SECONDS) + 1;
    if (s < 60) return put(REG_SECONDS, s);
    put(REG_SECONDS, 0);
    const m = get(REG_MINUTES) + 1;
    if (m < 60) return put(REG_MINUTES, m);
    put(REG_MINUTES, 0);

    // Hours as 0-23 whatever the format: in 12-hour mode bit 7 is PM and the hour runs 12, 1..11.
    const h12 = (b & B_24H) === 0;
    const raw = r[REG_HOURS]!;
    const hour = h12 ? (dec(raw & 0x7f) % 12) + ((raw & 0x80) !== 0 ? 12 : 0) : dec(raw);
    let next = hour + 1;
    const month = get(REG_MONTH), date = get(REG_DATE), sunday = get(REG_DAY_OF_WEEK) === 1;
    if ((b & B_DSE) !== 0 && next === 2 && sunday) {
      // Daylight saving (DSE): "On the last Sunday in April the time increments from 1:59:59 AM to
      // 3:00:00 AM. On the last Sunday in October when the time first reaches 1:59:59 AM it changes
      // to 1:00:00 AM."
      if (month === 4 && date + 7 > 30) next = 3;
      else if (month === 10 && date + 7 > 31 && !this.fellBack) {
        next = 1;
        this.fellBack = true;
      }
    }
    const dayRolls = next === 24;
    if (dayRolls) next = 0;
    if (h12) {
      const v = next % 12 === 0 ? 12 : next % 12;
      r[REG_HOURS] = enc(v) | (next >= 12 ? 0x80 : 0);
    } else put(REG_HOURS, next);
    if (!dayRolls) return;

    this.fellBack = false;
    put(REG_DAY_OF_WEEK, (get(REG_DAY_OF_WEEK) % 7) + 1);
    const year = get(REG_YEAR);
    // The chip's leap years are the years divisible by 4 (right from 1901 to 2099).
    const days = month === 2 && year % 4 === 0 ? 29 : MONTH_DAYS[(month + 11) % 12]!;
    if (date < days) return put(REG_DATE, date + 1);
    put(REG_DATE, 1);
    if (month < 12) return put(REG_MONTH, month + 1);
    put(REG_MONTH, 1);
    put(REG_YEAR, (year + 1) % 100);
  }

  // --- power-on contents ---

  /** Writes a calendar time into the time registers in the current format, and the century byte. */
  private setTime(t: RtcTime): void {
    const r = this.ram;
    const b = r[REG_B]!;
    const enc = (v: number) => ((b & B_DM) === 0 ? toBcd(v) : v);
    r[REG_SECONDS] = enc(t.second);
    r[REG_MINUTES] = enc(t.minute);
    if ((b & B_24H) !== 0) r[REG_HOURS] = enc(t.hour);
    else r[REG_HOURS] = enc(t.hour % 12 === 0 ? 12 : t.hour % 12) | (t.hour >= 12 ? 0x80 : 0);
    r[REG_DAY_OF_WEEK] = enc(weekday(t.year, t.month, t.day) + 1);
    r[REG_DATE] = enc(t.day);
    r[REG_MONTH] = enc(t.month);
    r[REG_YEAR] = enc(t.year % 100);
    r[CMOS_CENTURY] = toBcd(Math.floor(t.year / 100)); // BIOSes keep the century in BCD
  }

  private setMemorySize(bytes: number): void {
    const r = this.ram;
    const put16 = (i: number, v: number) => {
      r[i] = v & 0xff;
      r[i + 1] = v >> 8;
    };
    const KiB = 1024, MiB = 1024 * KiB;
    put16(CMOS_BASE_MEMORY, Math.min(640, Math.floor(bytes / KiB)));
    const extended = Math.min(0xffff, Math.max(0, Math.floor((bytes - MiB) / KiB)));
    put16(CMOS_EXTENDED_MEMORY, extended);
    put16(CMOS_EXTENDED_MEMORY_POST, extended);
    put16(CMOS_HIGH_MEMORY, Math.min(0xffff, Math.max(0, Math.floor((bytes - 16 * MiB) / (64 * KiB)))));
  }

  /** Recomputes the AT checksum: the 16-bit sum of bytes 0x10-0x2D, high byte at 0x2E. */
  updateChecksum(): void {
    let sum = 0;
    for (let i = 0x10; i <= 0x2d; i++) sum += this.ram[i]!;
    this.ram[CMOS_CHECKSUM] = (sum >> 8) & 0xff;
    this.ram[CMOS_CHECKSUM + 1] = sum & 0xff;
  }
}
