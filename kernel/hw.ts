// The only place the kernel touches hardware (xv6's x86.h): thin wrappers over HostPort, named
// after the instructions they stand for, plus the physical/virtual address types the rest of the
// kernel uses. Every module takes a `Hw` it is given; nothing here is global.

import type { HostPort, TlbCounters } from '../emulator/hostport.ts';
import { COST } from './cost.ts';

/** A physical address (what a PTE holds, what the frame allocator hands out). */
export type PhysAddr = number & { readonly __kind: 'phys' };
/** A linear (virtual) address, as a program or the kernel's higher half uses it. */
export type VirtAddr = number & { readonly __kind: 'virt' };

export const phys = (n: number): PhysAddr => (n >>> 0) as PhysAddr;
export const virt = (n: number): VirtAddr => (n >>> 0) as VirtAddr;

export const PAGE_SIZE = 4096;

/** Which processor: decides how the kernel flushes one TLB entry (INVLPG exists from the 486). */
export type CpuFamily = 386 | 486;

export class Hw {
  readonly port: HostPort;
  /** Set at boot from the boot-info block (the firmware's AC-flag test). */
  family: CpuFamily = 386;

  constructor(port: HostPort) {
    this.port = port;
  }

  readPhys8(a: PhysAddr): number { return this.port.readPhys8(a); }
  readPhys16(a: PhysAddr): number { return this.port.readPhys16(a); }
  readPhys32(a: PhysAddr): number { return this.port.readPhys32(a) >>> 0; }
  writePhys8(a: PhysAddr, v: number): void { this.port.writePhys8(a, v); }
  writePhys16(a: PhysAddr, v: number): void { this.port.writePhys16(a, v); }
  writePhys32(a: PhysAddr, v: number): void { this.port.writePhys32(a, v); }
  readBytes(a: PhysAddr, length: number): Uint8Array {
    const b = new Uint8Array(length);
    this.port.readPhysBytes(a, b);
    return b;
  }
  writeBytes(a: PhysAddr, src: Uint8Array): void {
    this.port.writePhysBytes(a, src);
    this.charge(COST.perByteCopied * src.length);
  }

  /** Zeroes one 4 KiB frame (REP STOSD), charging its cost. */
  zeroPage(frame: PhysAddr): void {
    this.port.fillPhys(frame, PAGE_SIZE, 0);
    this.charge(COST.zeroPage);
  }
  /** Copies one 4 KiB frame (REP MOVSD), charging its cost. */
  copyPage(dst: PhysAddr, src: PhysAddr): void {
    this.port.copyPhys(dst, src, PAGE_SIZE);
    this.charge(COST.copyPage);
  }
  /** Fills bytes without charging a page cost (bookkeeping areas; the caller charges). */
  fill(a: PhysAddr, length: number, value: number): void { this.port.fillPhys(a, length, value); }

  inb(p: number): number { return this.port.inb(p); }
  outb(p: number, v: number): void { this.port.outb(p, v); }
  inw(p: number): number { return this.port.inw(p); }
  outw(p: number, v: number): void { this.port.outw(p, v); }
  inl(p: number): number { return this.port.inl(p) >>> 0; }
  outl(p: number, v: number): void { this.port.outl(p, v); }

  rcr0(): number { return this.port.readCR0() >>> 0; }
  lcr0(v: number): void { this.port.writeCR0(v); }
  rcr2(): VirtAddr { return virt(this.port.readCR2()); }
  rcr3(): PhysAddr { return phys(this.port.readCR3()); }
  /** MOV CR3: switches address space and flushes the whole TLB (i386 PRM 5.2.5). */
  lcr3(pd: PhysAddr): void {
    this.port.writeCR3(pd);
    this.charge(COST.cr3Reload);
  }
  /**
   * Drops one stale translation the way this processor allows: INVLPG on a 486, and on a 386,
   * which has no INVLPG, a CR3 reload (which drops every translation).
   */
  flushPage(va: VirtAddr): void {
    if (this.family === 486) this.port.invlpg(va);
    else this.lcr3(this.rcr3());
  }
  lgdt(base: VirtAddr, limit: number): void { this.port.lgdt(base, limit); }
  lidt(base: VirtAddr, limit: number): void { this.port.lidt(base, limit); }
  ltr(selector: number): void { this.port.ltr(selector); }
  /** The stack the trap stub will pop a frame from and IRET on when this host call returns. */
  setESP(esp: VirtAddr): void { this.port.setESP(esp); }
  charge(cycles: number): void { if (cycles > 0) this.port.chargeCycles(cycles); }
  rdtsc(): number { return this.port.readTSC(); }
  tlbCounters(): TlbCounters { return this.port.readTlbCounters(); }
}
