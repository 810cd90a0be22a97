// The POST code ports: firmware writes a byte to port 0x80 (the AT's unused DMA page register, which
// POST cards latch and display) as it passes each step of its power-on self-test, and some boards
// use port 0x190 too. The last code tells where a firmware that hung stopped.
//
// Wiring (the board): ports 0x80 and 0x190, byte wide; no IRQ, no clock. The board or the CLI reads
// `lastPost` (or listens with `onPost`) to show the code.
//
// Port 0x80 is a read/write register on the AT (a DMA page register), so a read returns the last
// byte written to it (0xFF before any write); port 0x190 is write-only and reads 0xFF.

import type { IoPorts, PortHandler } from '../memory/ioports.ts';

export const POST_PORT = 0x80;
export const POST_PORT_ALT = 0x190;

export class PostCode implements PortHandler {
  /** The last code written to either port, or -1 if none has been. */
  lastPost = -1;
  /** Hears every code as it is written. */
  onPost: ((code: number) => void) | null = null;
  /** What port 0x80 reads back. */
  private latch = 0xff;

  constructor(io: IoPorts) {
    io.register(POST_PORT, 1, this);
    io.register(POST_PORT_ALT, 1, this);
  }

  read8(port: number): number {
    return port === POST_PORT ? this.latch : 0xff;
  }

  write8(port: number, value: number): void {
    if (port === POST_PORT) this.latch = value;
    this.lastPost = value;
    this.onPost?.(value);
  }
}
