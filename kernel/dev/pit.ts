// The 8254's counter 0 as the scheduler's clock: mode 2 (rate generator) at HZ interrupts per
// emulated second (8254 data sheet, "Mode 2").

import type { Hw } from '../hw.ts';

export const PIT_HZ = 1193182;
export const HZ = 100;
/** Milliseconds per tick. */
export const TICK_MS = 1000 / HZ;

export function startPit(hw: Hw, hz = HZ): void {
  const divisor = Math.round(PIT_HZ / hz);
  hw.outb(0x43, 0x34); // counter 0, lobyte/hibyte, mode 2, binary
  hw.outb(0x40, divisor & 0xff);
  hw.outb(0x40, divisor >> 8);
}
