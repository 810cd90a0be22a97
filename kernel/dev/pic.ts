// The 8259A pair, driven through its ports (8259A data sheet, "Initialization command words"):
// remapped so IRQ 0-15 arrive on vectors 20h-2Fh, clear of the processor's exceptions 0-1Fh.

import type { Hw } from '../hw.ts';
import { IRQ_BASE } from '../layout.ts';

const MASTER_CMD = 0x20, MASTER_DATA = 0x21, SLAVE_CMD = 0xa0, SLAVE_DATA = 0xa1;
const EOI = 0x20;
/** OCW2 R=1 SL=1 EOI=0: "set priority", with the level to make lowest in L2-L0. */
const SET_PRIORITY = 0xc0;
const READ_ISR = 0x0b;

export class Pic {
  private readonly hw: Hw;
  private mask = 0xffff;

  constructor(hw: Hw) {
    this.hw = hw;
  }

  /** ICW1-ICW4: edge triggered, cascaded, vectors IRQ_BASE.. and IRQ_BASE+8.., slave on IR2; every line masked. */
  init(): void {
    const hw = this.hw;
    hw.outb(MASTER_CMD, 0x11);
    hw.outb(SLAVE_CMD, 0x11);
    hw.outb(MASTER_DATA, IRQ_BASE);
    hw.outb(SLAVE_DATA, IRQ_BASE + 8);
    hw.outb(MASTER_DATA, 1 << 2);
    hw.outb(SLAVE_DATA, 2);
    hw.outb(MASTER_DATA, 0x01);
    hw.outb(SLAVE_DATA, 0x01);
    this.mask = 0xffff & ~(1 << 2); // the cascade input stays open
    this.writeMask();
    // COM1 (IR4) first: its receiver holds 16 characters, 1.4 ms at 115200 baud, and a typed key
    // lost to an overrun is gone for good, while a disk waits as long as it must. Making IR3 the
    // lowest level puts the master's order at 4 5 6 7 0 1 2 (8259A data sheet, "Specific
    // Rotation"): the timer comes after COM1, and the slave's IRQs 8-15 (the disk's IRQ 14, which
    // comes once per sector) after both, so a long disk read no longer holds COM1 off.
    hw.outb(MASTER_CMD, SET_PRIORITY | 3);
  }

  enable(irq: number): void {
    this.mask &= ~(1 << irq);
    this.writeMask();
  }

  private writeMask(): void {
    this.hw.outb(MASTER_DATA, this.mask & 0xff);
    this.hw.outb(SLAVE_DATA, this.mask >> 8);
  }

  /**
   * Whether an IRQ 7 or 15 is spurious (8259A data sheet: a request that went away before the
   * acknowledge is reported as IR7, with its ISR bit clear). A spurious IRQ 15 still needs an EOI
   * to the master, for the cascade input.
   */
  isSpurious(irq: number): boolean {
    if (irq !== 7 && irq !== 15) return false;
    const cmd = irq === 7 ? MASTER_CMD : SLAVE_CMD;
    this.hw.outb(cmd, READ_ISR);
    const isr = this.hw.inb(cmd);
    if ((isr & 0x80) !== 0) return false;
    if (irq === 15) this.hw.outb(MASTER_CMD, EOI);
    return true;
  }

  /**
   * After a panic: ends every interrupt in service (a handler may have been cut short) and masks
   * every line but `keep`.
   */
  quiesce(keep: readonly number[]): void {
    this.hw.outb(SLAVE_CMD, EOI);
    this.hw.outb(MASTER_CMD, EOI);
    this.mask = 0xffff;
    for (const irq of keep) this.mask &= ~(1 << irq);
    this.writeMask();
  }

  /** Ends the interrupt: the slave and then the master for IRQ 8-15. */
  eoi(irq: number): void {
    if (irq >= 8) this.hw.outb(SLAVE_CMD, EOI);
    this.hw.outb(MASTER_CMD, EOI);
  }
}
