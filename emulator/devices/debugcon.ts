// The port 0xE9 debug console (Bochs and QEMU's "debugcon"): every byte written goes to a sink the
// host supplies. Reading the port returns 0xE9, which is how guests detect it.

import type { IoPorts, PortHandler } from '../memory/ioports.ts';

export const DEBUGCON_PORT = 0xe9;

export class DebugConsole implements PortHandler {
  private readonly sink: (byte: number) => void;

  constructor(io: IoPorts, sink: (byte: number) => void, port = DEBUGCON_PORT) {
    this.sink = sink;
    io.register(port, 1, this);
  }

  read8(): number {
    return DEBUGCON_PORT;
  }

  write8(_port: number, value: number): void {
    this.sink(value);
  }
}
