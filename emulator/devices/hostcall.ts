// The host-call device: how guest code calls into the TypeScript kernel. A 32-bit OUT to port
// 0xE0 calls the attached handler with the value written (by convention the trap frame's address);
// the handler works on the machine through the HostPort this device implements, and when it
// returns the OUT instruction completes and the guest goes on, on the stack the handler chose
// (HostPort.setESP). The CPU core knows nothing of this: to it, OUT just took a while.
//
// Ports:
//   E0h-E3h  write 32 bits: call the kernel with that value.
//            read 32 bits: 'TS38' (0x38335354) when a kernel is attached, else all ones, so firmware
//            can tell whether to start the hosted kernel.
//   E4h      read 8 bits: the next byte of the kernel command line (0 at its end); any write
//            rewinds it (as QEMU's fw_cfg streams a file through one data port).
//
// The board supplies the memory and processor-register side of HostPort (the devices never see the
// CPU, ARCHITECTURE.md rule 2); the ports side is the I/O bus.

import type { HostPort, TlbCounters } from '../hostport.ts';
import type { IoPorts, PortHandler } from '../memory/ioports.ts';

export const HOSTCALL_PORT = 0xe0;
export const HOSTCALL_CMDLINE_PORT = 0xe4;
export const HOSTCALL_SIGNATURE = 0x38335354;

/** The kernel's entry: called once per host call with the value the guest wrote. */
export type HostCallHandler = (arg: number) => void;

/** What the board provides: physical memory and the processor's registers. */
export type HostCallBoard = Omit<HostPort, 'inb' | 'outb' | 'inw' | 'outw' | 'inl' | 'outl'> & {
  /** Called after every host call: what the kernel changed (CR3, CR0, ESP, page tables) takes effect from the next instruction. */
  afterCall(): void;
};

export class HostCall implements PortHandler, HostPort {
  private readonly io: IoPorts;
  private readonly board: HostCallBoard;
  private handler: HostCallHandler | null = null;
  private cmdline = new Uint8Array(0);
  private cmdlineIndex = 0;
  /** Host calls made since power-on. */
  calls = 0;

  constructor(io: IoPorts, board: HostCallBoard) {
    this.io = io;
    this.board = board;
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
      this.board.afterCall();
    }
  }

  // HostPort: memory and registers from the board, ports from the bus.
  readPhys8(a: number): number { return this.board.readPhys8(a); }
  readPhys16(a: number): number { return this.board.readPhys16(a); }
  readPhys32(a: number): number { return this.board.readPhys32(a); }
  writePhys8(a: number, v: number): void { this.board.writePhys8(a, v); }
  writePhys16(a: number, v: number): void { this.board.writePhys16(a, v); }
  writePhys32(a: number, v: number): void { this.board.writePhys32(a, v); }
  readPhysBytes(a: number, dst: Uint8Array): void { this.board.readPhysBytes(a, dst); }
  writePhysBytes(a: number, src: Uint8Array): void { this.board.writePhysBytes(a, src); }
  fillPhys(a: number, n: number, v: number): void { this.board.fillPhys(a, n, v); }
  copyPhys(d: number, s: number, n: number): void { this.board.copyPhys(d, s, n); }
  inb(p: number): number { return this.io.read8(p); }
  outb(p: number, v: number): void { this.io.write8(p, v); }
  inw(p: number): number { return this.io.read16(p); }
  outw(p: number, v: number): void { this.io.write16(p, v); }
  inl(p: number): number { return this.io.read32(p); }
  outl(p: number, v: number): void { this.io.write32(p, v); }
  readCR0(): number { return this.board.readCR0(); }
  writeCR0(v: number): void { this.board.writeCR0(v); }
  readCR2(): number { return this.board.readCR2(); }
  readCR3(): number { return this.board.readCR3(); }
  writeCR3(v: number): void { this.board.writeCR3(v); }
  invlpg(lin: number): void { this.board.invlpg(lin); }
  lgdt(base: number, limit: number): void { this.board.lgdt(base, limit); }
  lidt(base: number, limit: number): void { this.board.lidt(base, limit); }
  ltr(sel: number): void { this.board.ltr(sel); }
  setESP(v: number): void { this.board.setESP(v); }
  chargeCycles(n: number): void { this.board.chargeCycles(n); }
  readTSC(): number { return this.board.readTSC(); }
  readTlbCounters(): TlbCounters { return this.board.readTlbCounters(); }
}
