// The 8254 programmable interval timer (Intel 8254 data sheet): three 16-bit down counters.
//
//   base+0..2  counter 0..2: count register writes, count/status reads
//   base+3     control word  SC1 SC0 RW1 RW0 M2 M1 M0 BCD   (write only; reads float)
//              SC=11: read-back  1 1 !COUNT !STATUS CNT2 CNT1 CNT0 0
//              RW=00: counter latch command for counter SC
//   status     OUT NULLCOUNT RW1 RW0 M2 M1 M0 BCD
//
// Every counter is clocked at PIT_HZ. Its clock is derived from the machine's cycle clock (tick k of
// the PIT clock happens at cycle clock.tickTime(k, PIT_HZ), with exact integer arithmetic), and a
// counter is not stepped tick by tick: its counting element (CE) is kept as a closed form from the
// last event that changed it (a load, a gate change), and the count and OUT are computed from
// clock.now when they are read. A clock task is scheduled only for the next OUT transition of a
// counter whose OUT is connected (counter 0 drives IRQ0), so an idle timer costs nothing.
//
// Ticks and the data sheet's "CLK pulses": at tick t the CLK's falling edge decrements (or loads)
// the CE. Anything written or changed between ticks t and t+1 is seen from tick t+1 on: a count
// written then is loaded on "the next CLK pulse" (t+1), and a GATE change is sampled by it.
//
// Counts are kept as numbers 0..M-1 with M = 65536 (binary) or 10000 (BCD); a count of 0 stands
// for M. BCD counts are converted at the ports; BCD digits above 9 are not modelled (the value is
// taken modulo 10000).

import type { Clock, Task } from '../clock.ts';
import type { IrqLine } from '../irq.ts';
import type { IoPorts, PortHandler } from '../memory/ioports.ts';

/** The PC's PIT input clock: 14.31818 MHz / 12. */
export const PIT_HZ = 1_193_182;

/** What a read of the control word port returns: the 8254 does not drive the bus. */
const FLOATING_BUS = 0xff;

/** Why the CE is loaded from the count register at `loadAt`. */
const LOAD_NONE = 0;
/** A count written in modes 0/4, the first count after a control word, or a GATE trigger. */
const LOAD_START = 1;
/** Modes 2/3: a new count takes over at the end of the period, or half-cycle, that is running. */
const LOAD_AT_HIGH_PHASE = 2;
/** Mode 3: the half-cycle that ended was the high one, so the new count starts in the low one. */
const LOAD_AT_LOW_PHASE = 3;

/** Mode 3's high half-cycle: (N+1)/2 clocks for odd N, N/2 for even N. */
const highPhase = (n: number): number => (n + 1) >> 1;

/**
 * Mode 3's CE, p clocks into a period of N that starts with the high half (82C54 data sheet, "Mode
 * 3 is implemented as follows"): the count is loaded, then decremented by two each clock; for an
 * odd N the first decrement is by one in the high half and by three in the low half, so N = 5
 * reads 5 4 2 (OUT high) 5 2 (OUT low).
 */
function mode3Count(n: number, p: number): number {
  const h = highPhase(n);
  const odd = (n & 1) !== 0;
  if (p < h) return p === 0 ? n : odd ? n + 1 - 2 * p : n - 2 * p;
  const q = p - h;
  return q === 0 ? n : odd ? n - 1 - 2 * q : n - 2 * q;
}

function toBcd(v: number): number {
  return (v % 10) | ((Math.floor(v / 10) % 10) << 4) | ((Math.floor(v / 100) % 10) << 8) | ((Math.floor(v / 1000) % 10) << 12);
}

function fromBcd(raw: number): number {
  return (((raw >> 12) & 15) * 1000 + ((raw >> 8) & 15) * 100 + ((raw >> 4) & 15) * 10 + (raw & 15)) % 10000;
}

/** One of the 8254's three counters. `t` is always the current tick. */
class Counter {
  // Programming (the control word and the count register).
  /** Bits 5-0 of the last control word: RW1 RW0 M2 M1 M0 BCD, as the status byte reports them. */
  control = 0x30;
  mode = 0;
  /** 1: LSB only, 2: MSB only, 3: LSB then MSB. */
  rw = 3;
  bcd = false;
  modulus = 0x10000;
  /** The count register (CR): the last complete count written. */
  cr = 0;
  private crLow = 0;
  private writeMsbNext = false;
  private readMsbNext = false;
  private countLatched = false;
  /** The output latch (OL), in the format read from the port. */
  private latch = 0;
  private statusLatched = false;
  private status = 0;
  /** Set when a count is written, cleared when the CE is loaded from it. */
  nullCount = true;
  gate = true;
  /** A complete count has been written since the control word. */
  private hasCount = false;
  /** The CE has been loaded since the control word, so there is a counting sequence to resume. */
  private loaded = false;

  // The counting element as a closed form.
  /** Whether the CE changes with the clock; when not, it holds `frozen`. */
  private running = false;
  private frozen = 0;
  /** The tick from which the closed form holds. */
  private segStart = 0;
  /** Modes 0, 1, 4, 5: the CE at segStart. Modes 2, 3: N, the period (1..M). */
  private segValue = 0;
  /** Mode 3: clocks into the period at segStart (nonzero when a new count starts with the low half). */
  private segPhase = 0;
  /** Modes 0, 1, 4, 5: the tick at which the count reaches zero (terminal count); Infinity while not known. */
  private tcTick = Infinity;
  /** Mode 1: the tick of the last load, from which OUT is low until terminal count. */
  private loadTick = Infinity;
  /** A pending transfer of the CR into the CE, at this tick. */
  private loadAt = Infinity;
  private loadKind = LOAD_NONE;

  // OUT.
  /** The level last reported to the listener. */
  private out = false;
  private listener: ((level: boolean) => void) | null = null;
  private readonly task: Task;
  private readonly clock: Clock;

  constructor(clock: Clock) {
    this.clock = clock;
    this.task = clock.newTask(() => {
      const t = this.clock.ticksAt(this.clock.now, PIT_HZ);
      this.sync(t);
      this.settle(t);
    });
  }

  /** Power-on state (undefined in the data sheet): mode 0, LSB then MSB, no count, OUT low. */
  reset(t: number): void {
    this.writeControl(0x30, t);
    this.cr = 0;
    this.frozen = 0;
  }

  connect(listener: ((level: boolean) => void) | null, t: number): void {
    this.listener = listener;
    this.sync(t);
    this.out = this.outAt(t);
    if (listener === null) this.clock.cancel(this.task);
    this.settle(t);
  }

  // --- the ports ---

  writeControl(value: number, t: number): void {
    this.sync(t);
    const ce = this.ce(t);
    const m = (value >> 1) & 7;
    this.control = value & 0x3f;
    this.mode = m >= 6 ? m & 3 : m; // modes 6 and 7 are 2 and 3 (M2 is "don't care")
    this.rw = (value >> 4) & 3;
    this.bcd = (value & 1) !== 0;
    this.modulus = this.bcd ? 10000 : 0x10000;
    // "When a Control Word is written to a Counter, all Control Logic is immediately reset and OUT
    // goes to a known initial state": low in mode 0, high in the others. The CE keeps its value.
    this.countLatched = false;
    this.statusLatched = false;
    this.writeMsbNext = false;
    this.readMsbNext = false;
    this.nullCount = true;
    this.hasCount = false;
    this.loaded = false;
    this.running = false;
    this.frozen = ce % this.modulus;
    this.tcTick = Infinity;
    this.loadTick = Infinity;
    this.loadAt = Infinity;
    this.loadKind = LOAD_NONE;
    this.settle(t);
  }

  writeCount(byte: number, t: number): void {
    this.sync(t);
    let raw: number;
    if (this.rw === 1) raw = byte;
    else if (this.rw === 2) raw = byte << 8;
    else if (!this.writeMsbNext) {
      this.crLow = byte;
      this.writeMsbNext = true;
      if (this.mode === 0) {
        // Mode 0: "Writing the first byte disables counting. OUT is set low immediately."
        this.frozen = this.ce(t);
        this.running = false;
        this.loaded = false;
        this.tcTick = Infinity;
        this.loadAt = Infinity;
        this.loadKind = LOAD_NONE;
        this.settle(t);
      }
      return;
    } else {
      raw = this.crLow | (byte << 8);
      this.writeMsbNext = false;
    }
    this.cr = this.bcd ? fromBcd(raw) : raw;
    this.nullCount = true;
    this.hasCount = true;
    switch (this.mode) {
      case 0:
        this.tcTick = Infinity; // OUT low until the new count runs out
        this.startLoad(t + 1);
        break;
      case 4:
        // A new count restarts the strobe: loaded on the next CLK pulse.
        this.startLoad(t + 1);
        break;
      case 2:
      case 3:
        if (!this.loaded) this.startLoad(t + 1);
        else if (this.running) this.loadAtBoundary(t);
        // With GATE low the next trigger loads it.
        break;
      default:
        // Modes 1 and 5 wait for a GATE trigger; the running one-shot is not affected.
        break;
    }
    this.settle(t);
  }

  readByte(t: number): number {
    if (this.statusLatched) {
      this.statusLatched = false;
      return this.status;
    }
    let value: number;
    if (this.countLatched) value = this.latch;
    else {
      this.sync(t);
      value = this.readable(this.ce(t));
    }
    if (this.rw === 1 || (this.rw === 3 && !this.readMsbNext)) {
      if (this.rw === 3) this.readMsbNext = true;
      else this.countLatched = false;
      return value & 0xff;
    }
    this.readMsbNext = false;
    this.countLatched = false;
    return (value >> 8) & 0xff;
  }

  /** Counter latch command: the CE is copied to the OL and held until read; a second latch before the read is ignored. */
  latchCount(t: number): void {
    if (this.countLatched) return;
    this.sync(t);
    this.latch = this.readable(this.ce(t));
    this.countLatched = true;
  }

  /** Read-back status: held until read, the first read when a count is latched too. */
  latchStatus(t: number): void {
    if (this.statusLatched) return;
    this.sync(t);
    this.status = (this.outAt(t) ? 0x80 : 0) | (this.nullCount ? 0x40 : 0) | this.control;
    this.statusLatched = true;
  }

  setGate(level: boolean, t: number): void {
    if (level === this.gate) return;
    this.sync(t);
    this.gate = level;
    switch (this.mode) {
      case 0:
      case 4:
        // Level sensitive: low disables counting, high enables it; OUT is not affected.
        if (level) {
          if (this.loaded && !this.running) this.resume(t);
        } else if (this.running) this.freeze(t);
        break;
      case 2:
      case 3:
        // Low stops counting and sets OUT high at once; a rising edge reloads on the next CLK pulse.
        if (level) {
          if (this.hasCount) this.startLoad(t + 1);
        } else {
          if (this.running) this.freeze(t);
          if (this.loadKind !== LOAD_START) {
            this.loadAt = Infinity;
            this.loadKind = LOAD_NONE;
          }
        }
        break;
      default:
        // Modes 1 and 5: only a rising edge matters; it (re)starts the sequence on the next CLK pulse.
        if (level && this.hasCount) this.startLoad(t + 1);
        break;
    }
    this.settle(t);
  }

  /** OUT at tick t. */
  outLevel(t: number): boolean {
    this.sync(t);
    return this.outAt(t);
  }

  // --- the closed form ---

  /** Applies a pending load that is due by tick t. */
  private sync(t: number): void {
    if (this.loadAt <= t) this.applyLoad();
  }

  private startLoad(at: number): void {
    this.loadAt = at;
    this.loadKind = LOAD_START;
  }

  /** Modes 2 and 3: a count written while counting is loaded at the end of the current period (mode 2) or half-cycle (mode 3). */
  private loadAtBoundary(t: number): void {
    const n = this.segValue;
    const p = (t - this.segStart + this.segPhase) % n;
    if (this.mode === 2) {
      this.loadAt = t + (n - p);
      this.loadKind = LOAD_AT_HIGH_PHASE;
    } else if (p < highPhase(n)) {
      this.loadAt = t + (highPhase(n) - p);
      this.loadKind = LOAD_AT_LOW_PHASE;
    } else {
      this.loadAt = t + (n - p);
      this.loadKind = LOAD_AT_HIGH_PHASE;
    }
  }

  /** The transfer CR -> CE at tick loadAt. */
  private applyLoad(): void {
    const at = this.loadAt;
    const kind = this.loadKind;
    this.loadAt = Infinity;
    this.loadKind = LOAD_NONE;
    this.nullCount = false;
    this.loaded = true;
    const n = this.cr === 0 ? this.modulus : this.cr;
    switch (this.mode) {
      case 0:
      case 4:
        if (this.gate) {
          this.running = true;
          this.segStart = at;
          this.segValue = this.cr;
          this.tcTick = at + n;
        } else {
          this.running = false;
          this.frozen = this.cr;
          this.tcTick = Infinity;
        }
        break;
      case 1:
      case 5:
        this.running = true;
        this.segStart = at;
        this.segValue = this.cr;
        this.tcTick = at + n;
        this.loadTick = at;
        break;
      default:
        if (this.gate) {
          this.running = true;
          this.segStart = at;
          this.segValue = n;
          this.segPhase = this.mode === 3 && kind === LOAD_AT_LOW_PHASE ? highPhase(n) : 0;
        } else {
          this.running = false;
          this.frozen = this.cr;
        }
        break;
    }
  }

  private freeze(t: number): void {
    this.frozen = this.ce(t);
    this.running = false;
    // A terminal count not yet reached is reached later, when counting resumes.
    if (this.tcTick > t) this.tcTick = Infinity;
  }

  /** Modes 0 and 4: counting resumes from the frozen CE with the clock after t. */
  private resume(t: number): void {
    this.running = true;
    this.segStart = t;
    this.segValue = this.frozen;
    if (this.tcTick === Infinity) this.tcTick = t + (this.frozen === 0 ? this.modulus : this.frozen);
  }

  /** The CE at tick t (0..M-1). */
  private ce(t: number): number {
    if (!this.running) return this.frozen;
    const d = t - this.segStart;
    const m = this.modulus;
    switch (this.mode) {
      case 2: {
        const n = this.segValue;
        return (n - (d % n)) % m;
      }
      case 3: {
        const n = this.segValue;
        return mode3Count(n, (d + this.segPhase) % n) % m;
      }
      default:
        // One-shot modes count on past zero, wrapping to FFFF (9999 in BCD).
        return (((this.segValue - d) % m) + m) % m;
    }
  }

  private readable(ce: number): number {
    return this.bcd ? toBcd(ce) : ce;
  }

  private outAt(t: number): boolean {
    switch (this.mode) {
      case 0: return t >= this.tcTick; // low from the control word or count until terminal count
      case 1: return !(t >= this.loadTick && t < this.tcTick); // low from the load to terminal count
      case 4:
      case 5: return t !== this.tcTick; // low for the one clock of terminal count
      case 2: {
        // Low for one clock when the count is 1. A count of 1 is illegal in mode 2; OUT stays high.
        const n = this.segValue;
        return !this.running || n < 2 || (t - this.segStart) % n !== n - 1;
      }
      default:
        return !this.running || (t - this.segStart + this.segPhase) % this.segValue < highPhase(this.segValue);
    }
  }

  /** The first tick after t at which OUT changes or a load is due (Infinity: never, unless software acts). */
  private nextEvent(t: number): number {
    let next = Infinity;
    switch (this.mode) {
      case 0:
        if (this.tcTick > t) next = this.tcTick;
        break;
      case 1:
        if (t >= this.loadTick && t < this.tcTick) next = this.tcTick;
        break;
      case 4:
      case 5:
        if (t < this.tcTick) next = this.tcTick;
        else if (t === this.tcTick) next = t + 1;
        break;
      case 2: {
        const n = this.segValue;
        if (this.running && n >= 2) {
          const p = (t - this.segStart) % n;
          next = p < n - 1 ? t + (n - 1 - p) : t + 1;
        }
        break;
      }
      default: {
        const n = this.segValue;
        const h = highPhase(n);
        if (this.running && n - h > 0) {
          const p = (t - this.segStart + this.segPhase) % n;
          next = p < h ? t + (h - p) : t + (n - p);
        }
        break;
      }
    }
    return Math.min(next, this.loadAt);
  }

  /** After any change at tick t: report OUT if it changed, and schedule the next event if OUT is connected. */
  private settle(t: number): void {
    const level = this.outAt(t);
    if (level !== this.out) {
      this.out = level;
      this.listener?.(level);
    }
    if (this.listener === null) return;
    const next = this.nextEvent(t);
    if (next === Infinity) this.clock.cancel(this.task);
    else this.clock.scheduleAt(this.task, this.clock.tickTime(next, PIT_HZ));
  }
}

export class Pit8254 implements PortHandler {
  private readonly clock: Clock;
  private readonly base: number;
  private readonly counters: readonly [Counter, Counter, Counter];

  /**
   * `irq0` is the line counter 0's OUT drives (IRQ0 on a PC): it is raised while OUT is high.
   * Every GATE starts high; on a PC the board then drives counter 2's from port 61h bit 0.
   */
  constructor(io: IoPorts, clock: Clock, irq0: IrqLine | null, base = 0x40) {
    this.clock = clock;
    this.base = base;
    this.counters = [new Counter(clock), new Counter(clock), new Counter(clock)];
    // Checks that the PIT clock can be derived from this clock exactly.
    clock.ticksAt(0, PIT_HZ);
    io.register(base, 4, this);
    if (irq0 !== null) this.onOut(0, (level) => (level ? irq0.raise() : irq0.lower()));
  }

  /** Connects counter `channel`'s OUT to `listener`, which hears every change from now on (null disconnects). */
  onOut(channel: number, listener: ((level: boolean) => void) | null): void {
    this.counter(channel).connect(listener, this.tick());
  }

  /** Drives counter `channel`'s GATE input. */
  setGate(channel: number, level: boolean): void {
    this.counter(channel).setGate(level, this.tick());
  }

  /** Counter `channel`'s OUT now (what port 61h bit 5 shows for counter 2). */
  out(channel: number): boolean {
    return this.counter(channel).outLevel(this.tick());
  }

  /** Back to the power-on state; listeners and GATE levels, which belong to the board, stay. */
  reset(): void {
    const t = this.tick();
    for (const c of this.counters) c.reset(t);
  }

  read8(port: number): number {
    const n = port - this.base;
    if (n === 3) return FLOATING_BUS;
    return this.counter(n).readByte(this.tick());
  }

  write8(port: number, value: number): void {
    const n = port - this.base;
    const t = this.tick();
    if (n !== 3) {
      this.counter(n).writeCount(value, t);
      return;
    }
    const sc = value >> 6;
    if (sc === 3) {
      // Read-back: latch the count (bit 5 = 0) and/or the status (bit 4 = 0) of each selected counter.
      for (let c = 0; c < 3; c++) {
        if ((value & (2 << c)) === 0) continue;
        const counter = this.counter(c);
        if ((value & 0x20) === 0) counter.latchCount(t);
        if ((value & 0x10) === 0) counter.latchStatus(t);
      }
    } else if ((value & 0x30) === 0) {
      this.counter(sc).latchCount(t);
    } else {
      this.counter(sc).writeControl(value, t);
    }
  }

  /** The current PIT clock tick. */
  private tick(): number {
    return this.clock.ticksAt(this.clock.now, PIT_HZ);
  }

  private counter(n: number): Counter {
    const c = this.counters[n];
    if (c === undefined) throw new Error(`the 8254 has no counter ${n}`);
    return c;
  }
}
