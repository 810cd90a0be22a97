// 16550A UART (National Semiconductor PC16550D data sheet, "Registers"): the serial console.
//
//   offset  DLAB=0 read / write        DLAB=1
//   0       RBR receive / THR transmit  DLL divisor latch low
//   1       IER interrupt enable        DLM divisor latch high
//   2       IIR ident. / FCR FIFO ctl
//   3       LCR line control (bit 7 = DLAB)
//   4       MCR modem control
//   5       LSR line status
//   6       MSR modem status
//   7       SCR scratch
//
// This model transmits each byte to the host sink at once (the transmitter is always empty:
// LSR.THRE and LSR.TEMT stay set) and receives from a queue the host fills. Transmit timing,
// the FIFO trigger levels and IRQ4 are not modelled yet: they come with the devices issue, on the
// machine's cycle clock.

import type { IoPorts, PortHandler } from '../memory/ioports.ts';

export const LSR_DR = 0x01, LSR_THRE = 0x20, LSR_TEMT = 0x40;
export const LCR_DLAB = 0x80;

export class Uart16550 implements PortHandler {
  private readonly base: number;
  private readonly sink: (byte: number) => void;
  private readonly rx: number[] = [];
  ier = 0;
  lcr = 0;
  mcr = 0;
  scr = 0;
  fcr = 0;
  dll = 0x0c; // 9600 baud at reset? the data sheet leaves it undefined; BIOSes program it
  dlm = 0;

  constructor(io: IoPorts, base: number, sink: (byte: number) => void) {
    this.base = base;
    this.sink = sink;
    io.register(base, 8, this);
  }

  /** Queues bytes typed at the host's terminal for the guest to read from RBR. */
  receive(bytes: Iterable<number>): void {
    for (const b of bytes) this.rx.push(b & 0xff);
  }

  read8(port: number): number {
    const dlab = (this.lcr & LCR_DLAB) !== 0;
    switch (port - this.base) {
      case 0: return dlab ? this.dll : (this.rx.shift() ?? 0);
      case 1: return dlab ? this.dlm : this.ier;
      case 2: return ((this.fcr & 1) !== 0 ? 0xc0 : 0) | 0x01; // no interrupt pending; FIFOs enabled bits
      case 3: return this.lcr;
      case 4: return this.mcr;
      case 5: return LSR_THRE | LSR_TEMT | (this.rx.length > 0 ? LSR_DR : 0);
      case 6: return 0xb0; // CTS, DSR, DCD asserted: a terminal is attached
      default: return this.scr;
    }
  }

  write8(port: number, value: number): void {
    const dlab = (this.lcr & LCR_DLAB) !== 0;
    switch (port - this.base) {
      case 0: if (dlab) this.dll = value; else this.sink(value); break;
      case 1: if (dlab) this.dlm = value; else this.ier = value & 0x0f; break;
      case 2: this.fcr = value; if ((value & 2) !== 0) this.rx.length = 0; break;
      case 3: this.lcr = value; break;
      case 4: this.mcr = value & 0x1f; break;
      case 7: this.scr = value; break;
      default: break; // LSR and MSR are read-only
    }
  }
}
