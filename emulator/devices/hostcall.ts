// The host-call device: how guest code calls into the TypeScript kernel. A 32-bit OUT to port
// 0xE0 calls the attached handler with the value written (by convention the trap frame's address);
// the handler works on the machine through the board's HostPort (machine-host-port.ts, not this
// device), and when it returns the OUT instruction completes and the guest goes on, on the stack
// the handler chose (HostPort.setESP). The CPU core knows nothing of this: to it, OUT just took a
// while.
//
// Ports:
//   E0h-E3h  write 32 bits: call the kernel with that value.
//            read 32 bits: 'TS38' (0x38335354) when a kernel is attached, else all ones, so firmware
//            can tell whether to start the hosted kernel.
//   E4h      read 8 bits: the next byte of the kernel command line (0 at its end); any write
//            rewinds it (as QEMU's fw_cfg streams a file through one data port).
//
// After every call the device runs the board's after-call hook: what the kernel changed through
// HostPort (CR3, CR0, ESP, page tables) must take effect from the next instruction, and only the
// board sees the CPU (the devices never do, ARCHITECTURE.md rule 2).

import type { IoPorts, PortHandler } from '../memory/ioports.ts';

export const HOSTCALL_PORT = 0xe0;
export const HOSTCALL_CMDLINE_PORT = 0xe4;
export const HOSTCALL_SIGNATURE = 0x38335354;

/** The kernel's entry: called once per host call with the value the guest wrote. */
export type HostCallHandler = (arg: number) => void;

export class HostCall implements PortHandler {
  private readonly afterCall: () => void;
  private handler: HostCallHandler | null = null;
  private cmdline = new Uint8Array(0);
  private cmdlineIndex = 0;
  /** Host calls made since power-on. */
  calls = 0;

  /** `afterCall` runs when each call returns, or throws. */
  constructor(io: IoPorts, afterCall: () => void) {
    this.afterCall = afterCall;
    io.register(HOSTCALL_PORT, 5, this);
  }

  /** Attaches the kernel; `cmdline` is what the firmware reads from port E4h into the boot-info block. */
  attach(handler: HostCallHandler, cmdline: string): void {
    this.handler = handler;
    this.cmdline = new TextEncoder().encode(cmdline);
    this.cmdlineIndex = 0;
  }

  get attached(): boolean {
    return this.handler !== null;
  }

  read8(port: number): number {
    if (port === HOSTCALL_CMDLINE_PORT) return this.cmdlineIndex < this.cmdline.length ? this.cmdline[this.cmdlineIndex++]! : 0;
    return 0xff;
  }
  write8(port: number, _value: number): void {
    if (port === HOSTCALL_CMDLINE_PORT) this.cmdlineIndex = 0;
  }
  read32(port: number): number {
    return port === HOSTCALL_PORT && this.handler ? HOSTCALL_SIGNATURE : 0xffffffff;
  }
  write32(port: number, value: number): void {
    if (port !== HOSTCALL_PORT || !this.handler) return;
    this.calls++;
    try {
      this.handler(value >>> 0);
    } finally {
      this.afterCall();
    }
  }
}
