// COM1, a 16550A, driven through its ports by interrupts (16550D data sheet): received bytes
// raise IRQ 4 and are handed to the console's line discipline (tty.ts, which owns this driver);
// bytes to send wait in a ring in guest RAM and go out sixteen at a time, each time the
// transmitter's FIFO empties (the THRE interrupt). The kernel can never wait for the line:
// emulated time moves only between host calls.

import type { Hw } from '../hw.ts';
import type { Ring } from './ring.ts';

const COM1 = 0x3f8;
const RBR = 0, THR = 0, IER = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, DLL = 0, DLM = 1;
const IER_RX = 0x01, IER_THRE = 0x02;
const LSR_DR = 0x01, LSR_THRE = 0x20, LSR_TEMT = 0x40;
const FIFO_DEPTH = 16;

export class Uart {
  private readonly hw: Hw;
  private readonly tx: Ring;
  private ier = 0;

  constructor(hw: Hw, tx: Ring) {
    this.hw = hw;
    this.tx = tx;
  }

  /**
   * 115200 baud (divisor 1), 8N1, FIFOs on, OUT2 (which gates the IRQ line on a PC), receive
   * interrupts. The receive trigger level is 1 byte, not 14: a host call that does a lot of work
   * (zeroing and copying pages) moves emulated time on by its cost at once, and with 14 bytes
   * waiting only two more character times would be left before the FIFO overruns and typed (or
   * pasted) characters are lost; at 1 byte there are sixteen.
   */
  init(): void {
    const hw = this.hw;
    hw.outb(COM1 + IER, 0);
    hw.outb(COM1 + LCR, 0x80);
    hw.outb(COM1 + DLL, 1);
    hw.outb(COM1 + DLM, 0);
    hw.outb(COM1 + LCR, 0x03);
    hw.outb(COM1 + FCR, 0x07);
    hw.outb(COM1 + MCR, 0x0b);
    this.setIer(IER_RX);
    while ((hw.inb(COM1 + LSR) & LSR_DR) !== 0) hw.inb(COM1 + RBR); // drop what arrived before
  }

  private setIer(v: number): void {
    if (v !== this.ier) {
      this.ier = v;
      this.hw.outb(COM1 + IER, v);
    }
  }

  /** Queues bytes; returns how many fit. */
  write(bytes: Uint8Array | string): number {
    let n = 0;
    const len = bytes.length;
    for (; n < len; n++) {
      const b = typeof bytes === 'string' ? bytes.charCodeAt(n) & 0xff : bytes[n]!;
      if (!this.tx.push(b)) break;
    }
    this.kick();
    return n;
  }

  get txSpace(): number { return this.tx.free; }
  get txPending(): number { return this.tx.length; }

  /** Fills the FIFO when it is empty; keeps the THRE interrupt on while bytes wait. */
  private kick(): void {
    const hw = this.hw;
    if (this.tx.length > 0 && (hw.inb(COM1 + LSR) & LSR_THRE) !== 0) {
      for (let k = 0; k < FIFO_DEPTH && this.tx.length > 0; k++) hw.outb(COM1 + THR, this.tx.shift());
    }
    this.setIer(this.tx.length > 0 ? IER_RX | IER_THRE : IER_RX);
  }

  /** Whether the last byte has left the line: the ring, the FIFO and the shift register are empty. */
  get drained(): boolean {
    return this.tx.length === 0 && (this.hw.inb(COM1 + LSR) & LSR_TEMT) !== 0;
  }

  /** IRQ 4: every pending cause, until IIR says none is left; each byte received goes to `receive`. */
  onIrq(receive: (b: number) => void): void {
    const hw = this.hw;
    for (let guard = 0; guard < 64; guard++) {
      const iir = hw.inb(COM1 + IIR);
      if ((iir & 1) !== 0) break;
      switch ((iir >> 1) & 7) {
        case 3: hw.inb(COM1 + LSR); break;
        case 2: case 6:
          while ((hw.inb(COM1 + LSR) & LSR_DR) !== 0) receive(hw.inb(COM1 + RBR));
          break;
        case 1: this.kick(); break;
        default: hw.inb(COM1 + MSR); break;
      }
    }
    this.kick();
  }
}
