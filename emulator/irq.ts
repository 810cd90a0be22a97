// An interrupt request line: the one wire a device drives towards the interrupt controller.
// Devices hold an IrqLine instead of a reference to the CPU or the PIC; the board (machine.ts)
// decides which controller input each line is (PIT OUT0 is IRQ0, COM1 is IRQ4, ...).
//
// The level is what the device drives: raise() puts the line high, lower() puts it low, and both
// are idempotent. Whether a rising edge or a high level requests service is the controller's
// business (8259A ICW1 LTIM), not the device's.

export interface IrqLine {
  /** Drives the line high. */
  raise(): void;
  /** Drives the line low. */
  lower(): void;
  /**
   * A request that lasts until the controller acknowledges it: the line goes high and is dropped
   * when the interrupt is taken (for devices that have no status register to clear it).
   */
  pulse?(): void;
}

/** A line connected to nothing. */
export const NO_IRQ: IrqLine = { raise() {}, lower() {}, pulse() {} };

/** A line that records what is done to it, for tests. */
export class IrqRecorder implements IrqLine {
  /** The level the line is driven to now. */
  level = false;
  /** Low-to-high transitions so far (pulses included). */
  rises = 0;
  /** Everything done to the line, in order. */
  readonly log: Array<'raise' | 'lower' | 'pulse'> = [];

  raise(): void {
    this.log.push('raise');
    if (!this.level) this.rises++;
    this.level = true;
  }

  lower(): void {
    this.log.push('lower');
    this.level = false;
  }

  pulse(): void {
    this.log.push('pulse');
    this.rises++;
  }
}
