// The exit port: a guest ends the run by writing its exit status to port 0xF4 (any width; the value
// written is the status, 0 included). The port is where QEMU's isa-debug-exit sits, so guests that
// target QEMU (such as ../shared/bench) stop here too.

import type { IoPorts, PortHandler } from '../memory/ioports.ts';

export const EXIT_PORT = 0xf4;

export class ExitPort implements PortHandler {
  private readonly onExit: (status: number) => void;

  constructor(io: IoPorts, onExit: (status: number) => void, port = EXIT_PORT) {
    this.onExit = onExit;
    io.register(port, 1, this);
  }

  read8(): number {
    return 0xff;
  }

  write8(_port: number, value: number): void {
    this.onExit(value);
  }

  write16(_port: number, value: number): void {
    this.onExit(value);
  }

  write32(_port: number, value: number): void {
    this.onExit(value >>> 0);
  }
}
