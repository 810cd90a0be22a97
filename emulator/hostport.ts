// Types only: the narrow waist between the machine and the TypeScript kernel. The kernel sees the
// machine through this interface and nothing else (lint: kernel/ may `import type` this file
// only). The host-call device implements it; test/unit/kernel fakes it over a Uint8Array.

export interface HostPort {
  /** Physical memory, little-endian; addresses are physical (not linear). */
  readPhys8(addr: number): number;
  readPhys16(addr: number): number;
  readPhys32(addr: number): number;
  writePhys8(addr: number, value: number): void;
  writePhys16(addr: number, value: number): void;
  writePhys32(addr: number, value: number): void;
  /** I/O ports. */
  inb(port: number): number;
  outb(port: number, value: number): void;
  inw(port: number): number;
  outw(port: number, value: number): void;
  inl(port: number): number;
  outl(port: number, value: number): void;
  /** Control registers: writing CR3 flushes the TLB, as MOV CR3 does. */
  readCR0(): number;
  writeCR0(value: number): void;
  readCR2(): number;
  readCR3(): number;
  writeCR3(value: number): void;
  /** INVLPG (486 model only; on a 386 the kernel must reload CR3). */
  invlpg(linear: number): void;
  /** Descriptor-table registers. */
  lgdt(base: number, limit: number): void;
  lidt(base: number, limit: number): void;
  ltr(selector: number): void;
  /** Charges emulated cycles for work the kernel did, so emulated time reflects it. */
  chargeCycles(cycles: number): void;
}
