// COM1, a 16550A, driven through its ports by interrupts (16550D data sheet): received bytes
// raise IRQ 4 and are handed to the console's line discipline (tty.ts, which owns this driver);
// bytes to send wait in a ring in guest RAM and go out sixteen at a time, each time the
// transmitter's FIFO empties (the THRE interrupt). The kernel can never wait for the line:
// emulated time moves only between host calls.
//
// Receive flow control: the RTS output (MCR bit 1, "Modem Control Register") drives the
// terminal's CTS, and a terminal with hardware handshake starts a character only while it is
// asserted. The tty lowers it with setReceiveReady(false) when its input buffer is nearly full and
// raises it again when a reader has made room; what is already in the FIFO, and the one character
// the terminal may have started, still arrive after the lowering.

import type { Hw } from '../hw.ts';
import type { Ring } from './ring.ts';

const COM1 = 0x3f8;
const RBR = 0, THR = 0, IER = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, DLL = 0, DLM = 1;
const IER_RX = 0x01, IER_THRE = 0x02;
const LSR_DR = 0x01, LSR_OE = 0x02, LSR_THRE = 0x20, LSR_TEMT = 0x40;
const MCR_DTR = 0x01, MCR_RTS = 0x02, MCR_OUT2 = 0x08;
const FIFO_DEPTH = 16;

export class Uart {
  private readonly hw: Hw;
  private readonly tx: Ring;
  private ier = 0;
  /** Whether RTS is asserted (the terminal may send), as last written to MCR. */
  private rts = false;

  constructor(hw: Hw, tx: Ring) {
    this.hw = hw;
    this.tx = tx;
  }

  /**
   * 115200 baud (divisor 1), 8N1, FIFOs on, DTR and RTS (ready to receive), OUT2 (which gates
   * the IRQ line on a PC), receive interrupts. The receive trigger level is 1 byte, not 14: a host
   * call that does a lot of work (zeroing and copying pages) moves emulated time on by its cost at
   * once, and with 14 bytes waiting only two more character times would be left before a terminal
   * without hardware handshake overruns the FIFO and typed (or pasted) characters are lost; at 1
   * byte there are sixteen.
   */
  init(): void {
    const hw = this.hw;
    hw.outb(COM1 + IER, 0);
    hw.outb(COM1 + LCR, 0x80);
    hw.outb(COM1 + DLL, 1);
    hw.outb(COM1 + DLM, 0);
    hw.outb(COM1 + LCR, 0x03);
    hw.outb(COM1 + FCR, 0x07);
    hw.outb(COM1 + MCR, MCR_DTR | MCR_RTS | MCR_OUT2);
    this.rts = true;
    this.setIer(IER_RX);
    while ((hw.inb(COM1 + LSR) & LSR_DR) !== 0) hw.inb(COM1 + RBR); // drop what arrived before
  }

  /**
   * Asserts RTS (ready: the terminal may send) or lowers it (the terminal holds its bytes),
   * keeping DTR and OUT2 as init() sets them. MCR is written only when the state changes, so the
   * tty may call this after every byte it takes or gives out.
   */
  setReceiveReady(ready: boolean): void {
    if (ready === this.rts) return;
    this.rts = ready;
    this.hw.outb(COM1 + MCR, MCR_DTR | MCR_OUT2 | (ready ? MCR_RTS : 0));
  }

  /** Whether RTS is asserted: the terminal may send. */
  get receiveReady(): boolean { return this.rts; }

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

  /**
   * Characters the receiver lost (LSR's overrun bit, which reading LSR clears) since the last call.
   * With the terminal's flow control none are; a line without it can still lose some, and the tty
   * says so rather than letting a command run with letters missing.
   */
  takeOverruns(): number {
    const n = this.overruns;
    this.overruns = 0;
    return n;
  }

  private overruns = 0;

  private lineStatus(lsr: number): number {
    if ((lsr & LSR_OE) !== 0) this.overruns++;
    return lsr;
  }

  /** IRQ 4: every pending cause, until IIR says none is left; each byte received goes to `receive`. */
  onIrq(receive: (b: number) => void): void {
    const hw = this.hw;
    for (let guard = 0; guard < 64; guard++) {
      const iir = hw.inb(COM1 + IIR);
      if ((iir & 1) !== 0) break;
      switch ((iir >> 1) & 7) {
        case 3: this.lineStatus(hw.inb(COM1 + LSR)); break;
        case 2: case 6:
          for (let lsr = this.lineStatus(hw.inb(COM1 + LSR)); (lsr & LSR_DR) !== 0; lsr = this.lineStatus(hw.inb(COM1 + LSR))) receive(hw.inb(COM1 + RBR));
          break;
        case 1: this.kick(); break;
        default: hw.inb(COM1 + MSR); break;
      }
    }
    this.kick();
  }
}
