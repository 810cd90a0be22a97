// The only place the kernel touches hardware (xv6's x86.h): thin wrappers over HostPort with the
// same names HostPort gives each operation, plus the physical/virtual address types the rest of
// the kernel uses. Every module takes a `Hw` it is given; nothing here is global. Lint rejects a
// `.port` anywhere else in kernel/: this is the one door, and each call through it is one hop.
//
// Two things here save host calls without changing what the machine sees:
// - Cycles the kernel charges for its work are summed here and handed to the machine in one
//   chargeCycles call, just before the next operation that can observe emulated time (port I/O,
//   RDTSC) and at the end of the host call (settleCycles). Devices therefore see exactly the time
//   they would have seen had every charge gone through at once.
// - CR3 is shadowed: after boot only the kernel writes it, so reading it back needs no call.

import type { HostPort, TlbCounters, TraceEvent } from '../emulator/hostport.ts';
import { COST, copyCost } from './cost.ts';

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
  private readonly port: HostPort;
  /** Set at boot from the boot-info block (the firmware's AC-flag test). */
  family: CpuFamily = 386;
  /** Cycles charged and not yet handed to the machine. */
  private pendingCycles = 0;
  /** What CR3 holds, once the kernel has written it (null before: read the register). */
  private cr3: PhysAddr | null = null;

  constructor(port: HostPort) {
    this.port = port;
  }

  readPhys8(a: PhysAddr): number { return this.port.readPhys8(a); }
  readPhys16(a: PhysAddr): number { return this.port.readPhys16(a); }
  readPhys32(a: PhysAddr): number { return this.port.readPhys32(a) >>> 0; }
  writePhys8(a: PhysAddr, v: number): void { this.port.writePhys8(a, v); }
  writePhys16(a: PhysAddr, v: number): void { this.port.writePhys16(a, v); }
  writePhys32(a: PhysAddr, v: number): void { this.port.writePhys32(a, v); }
  /** Fills `dst` from physical memory at `a`, and returns it. */
  readPhysBytes<T extends Uint8Array>(a: PhysAddr, dst: T): T {
    this.port.readPhysBytes(a, dst);
    return dst;
  }
  /** Writes `src` to physical memory at `a` (REP MOVSB from the kernel), charging its bytes. */
  writePhysBytes(a: PhysAddr, src: Uint8Array): void {
    this.port.writePhysBytes(a, src);
    this.pendingCycles += COST.perByteCopied * src.length;
  }
  /** Writes `src` to physical memory at `a` without charging (bookkeeping areas, as fillPhys; the caller charges what it models). */
  storePhysBytes(a: PhysAddr, src: Uint8Array): void { this.port.writePhysBytes(a, src); }
  /** Fills bytes without charging (bookkeeping areas; the caller charges what it models). */
  fillPhys(a: PhysAddr, length: number, value: number): void { this.port.fillPhys(a, length, value); }
  /** Copies `length` bytes of physical memory (a memcpy: REP MOVSD, then MOVSB for the tail), charging them. */
  copyPhys(dst: PhysAddr, src: PhysAddr, length: number): void {
    this.port.copyPhys(dst, src, length);
    this.pendingCycles += copyCost(length);
  }

  /** Zeroes one 4 KiB frame (REP STOSD), charging its cost. */
  zeroPage(frame: PhysAddr): void {
    this.port.fillPhys(frame, PAGE_SIZE, 0);
    this.pendingCycles += COST.zeroPage;
  }
  /** Copies one 4 KiB frame (REP MOVSD), charging its cost. */
  copyPage(dst: PhysAddr, src: PhysAddr): void {
    this.port.copyPhys(dst, src, PAGE_SIZE);
    this.pendingCycles += COST.copyPage;
  }

  // Port I/O observes emulated time (the devices catch up to it first): settle the charges.
  inb(p: number): number { this.settleCycles(); return this.port.inb(p); }
  outb(p: number, v: number): void { this.settleCycles(); this.port.outb(p, v); }
  inw(p: number): number { this.settleCycles(); return this.port.inw(p); }
  outw(p: number, v: number): void { this.settleCycles(); this.port.outw(p, v); }
  inl(p: number): number { this.settleCycles(); return this.port.inl(p) >>> 0; }
  outl(p: number, v: number): void { this.settleCycles(); this.port.outl(p, v); }
  /**
   * REP INSW: `count` words from port `p` into physical memory at `a` upwards. The device sees
   * exactly `count` inw's at the same emulated time; no cycles are charged, as inw and
   * writePhys16 charge none (the caller charges what it models).
   */
  insw(p: number, a: PhysAddr, count: number): void {
    if (count <= 0) return;
    this.settleCycles();
    this.port.insw(p, a, count);
  }
  /** REP OUTSW: `count` words from physical memory at `a` upwards to port `p`; as insw. */
  outsw(p: number, a: PhysAddr, count: number): void {
    if (count <= 0) return;
    this.settleCycles();
    this.port.outsw(p, a, count);
  }

  readCR0(): number { return this.port.readCR0() >>> 0; }
  writeCR0(v: number): void { this.port.writeCR0(v); }
  readCR2(): VirtAddr { return virt(this.port.readCR2()); }
  readCR3(): PhysAddr { return this.cr3 ?? phys(this.port.readCR3()); }
  /** MOV CR3: switches address space and flushes the whole TLB (i386 PRM 5.2.5). */
  writeCR3(pd: PhysAddr): void {
    this.port.writeCR3(pd);
    this.cr3 = pd;
    this.pendingCycles += COST.cr3Reload;
  }
  /**
   * INVLPG: drops one stale translation. A 386 has no INVLPG, so there it does what a 386 kernel
   * must instead: reload CR3, which drops every translation (i386 PRM 5.2.5).
   */
  invlpg(va: VirtAddr): void {
    if (this.family === 486) this.port.invlpg(va);
    else this.writeCR3(this.readCR3());
  }
  lgdt(base: VirtAddr, limit: number): void { this.port.lgdt(base, limit); }
  lidt(base: VirtAddr, limit: number): void { this.port.lidt(base, limit); }
  ltr(selector: number): void { this.port.ltr(selector); }
  lldt(selector: number): void { this.port.lldt(selector); }
  /** The stack the trap stub will pop a frame from and IRET on when this host call returns. */
  setESP(esp: VirtAddr): void { this.port.setESP(esp); }
  /** Charges emulated cycles for kernel work; they reach the machine at the next settleCycles. */
  chargeCycles(cycles: number): void { if (cycles > 0) this.pendingCycles += cycles; }
  /** Hands the charged cycles to the machine: before anything that observes time, and at the end of a host call. */
  settleCycles(): void {
    if (this.pendingCycles === 0) return;
    this.port.chargeCycles(this.pendingCycles);
    this.pendingCycles = 0;
  }
  /** RDTSC: emulated cycles since power-on, with what the kernel has charged so far. */
  readTSC(): number { this.settleCycles(); return this.port.readTSC(); }
  readTlbCounters(): TlbCounters { return this.port.readTlbCounters(); }
  /** The kernel's trace point for the machine's debugger (HostPort.tracePoint). */
  tracePoint(event: TraceEvent, addr: PhysAddr, frames: number, owner: string): void { this.port.tracePoint(event, addr, frames, owner); }
  // The MMU's reference trace (HostPort.refTrace*): starts nest, one stop per start.
  refTraceStart(): void { this.port.refTraceStart(); }
  refTraceStop(): void { this.port.refTraceStop(); }
  /** The user pages referenced under page directory `pd` since recording started or the last take, repeats collapsed. */
  refTraceTake(pd: PhysAddr): Uint32Array { return this.port.refTraceTake(pd); }
  /** Marks the trace file: references under `pd` are process `pid`'s, named `name`, from now on. */
  refTraceLabel(pd: PhysAddr, pid: number, name: string): void { this.port.refTraceLabel(pd, pid, name); }
  refTraceHasFile(): boolean { return this.port.refTraceHasFile(); }
}
