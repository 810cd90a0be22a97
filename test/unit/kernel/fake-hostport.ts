// A HostPort over a plain Uint8Array, for kernel unit tests: no emulator, no CPU. It records what
// the kernel asked of the hardware (CR3 loads, INVLPGs, port writes, cycles charged) so tests can
// assert the kernel flushed the TLB exactly where it had to.

import type { HostPort, TlbCounters, TraceEvent } from '../../../emulator/hostport.ts';
import type { IoPorts } from '../../../emulator/memory/ioports.ts';

export class FakeHostPort implements HostPort {
  readonly mem: Uint8Array;
  readonly view: DataView;
  cr0 = 0;
  cr2 = 0;
  cr3 = 0;
  esp = 0;
  cycles = 0;
  tsc = 0;
  gdt = { base: 0, limit: 0 };
  idt = { base: 0, limit: 0 };
  tr = 0;
  /** Every CR3 write, in order. */
  readonly cr3Writes: number[] = [];
  /** Every INVLPG, in order. */
  readonly invlpgs: number[] = [];
  /** Every port write: [port, value, size]. */
  readonly portWrites: Array<[number, number, 8 | 16 | 32]> = [];
  /** Port read handlers; an unmapped port reads all ones. */
  readonly portReads = new Map<number, () => number>();
  /** Set false to model a 386, where INVLPG is #UD. */
  hasInvlpg = true;

  constructor(bytes: number) {
    this.mem = new Uint8Array(bytes);
    this.view = new DataView(this.mem.buffer);
  }

  private check(addr: number, n: number): void {
    if (addr < 0 || addr + n > this.mem.length) throw new RangeError(`fake HostPort: physical 0x${addr.toString(16)} (+${n}) beyond ${this.mem.length} bytes`);
  }
  readPhys8(a: number): number { this.check(a, 1); return this.mem[a]!; }
  readPhys16(a: number): number { this.check(a, 2); return this.view.getUint16(a, true); }
  readPhys32(a: number): number { this.check(a, 4); return this.view.getUint32(a, true); }
  writePhys8(a: number, v: number): void { this.check(a, 1); this.mem[a] = v; }
  writePhys16(a: number, v: number): void { this.check(a, 2); this.view.setUint16(a, v, true); }
  writePhys32(a: number, v: number): void { this.check(a, 4); this.view.setUint32(a, v >>> 0, true); }
  readPhysBytes(a: number, dst: Uint8Array): void { this.check(a, dst.length); dst.set(this.mem.subarray(a, a + dst.length)); }
  writePhysBytes(a: number, src: Uint8Array): void { this.check(a, src.length); this.mem.set(src, a); }
  fillPhys(a: number, n: number, v: number): void { this.check(a, n); this.mem.fill(v, a, a + n); }
  copyPhys(d: number, s: number, n: number): void { this.check(d, n); this.check(s, n); this.mem.copyWithin(d, s, s + n); }
  private rd(p: number, mask: number): number { const h = this.portReads.get(p); return h ? h() & mask : mask; }
  inb(p: number): number { return this.rd(p, 0xff); }
  inw(p: number): number { return this.rd(p, 0xffff); }
  inl(p: number): number { return this.rd(p, 0xffffffff) >>> 0; }
  outb(p: number, v: number): void { this.portWrites.push([p, v & 0xff, 8]); }
  outw(p: number, v: number): void { this.portWrites.push([p, v & 0xffff, 16]); }
  outl(p: number, v: number): void { this.portWrites.push([p, v >>> 0, 32]); }
  /** REP INSW/OUTSW as the word accesses they are made of (so a subclass's inw/outw serve them too). */
  insw(p: number, a: number, count: number): void { for (let k = 0; k < count; k++) this.writePhys16(a + 2 * k, this.inw(p)); }
  outsw(p: number, a: number, count: number): void { for (let k = 0; k < count; k++) this.outw(p, this.readPhys16(a + 2 * k)); }
  readCR0(): number { return this.cr0; }
  writeCR0(v: number): void { this.cr0 = v >>> 0; }
  readCR2(): number { return this.cr2; }
  readCR3(): number { return this.cr3; }
  writeCR3(v: number): void { this.cr3 = v >>> 0; this.cr3Writes.push(v >>> 0); }
  invlpg(linear: number): void {
    if (!this.hasInvlpg) throw new Error('fake HostPort: INVLPG on a 386 (#UD)');
    this.invlpgs.push(linear >>> 0);
  }
  lgdt(base: number, limit: number): void { this.gdt = { base, limit }; }
  lidt(base: number, limit: number): void { this.idt = { base, limit }; }
  ltr(sel: number): void { this.tr = sel; }
  ldtr = 0;
  lldt(sel: number): void { this.ldtr = sel; }
  setESP(v: number): void { this.esp = v >>> 0; }
  chargeCycles(n: number): void { this.cycles += n; }
  readTSC(): number { return this.tsc + this.cycles; }
  readTlbCounters(): TlbCounters { return { hits: 0, misses: 0, flushes: this.cr3Writes.length }; }
  /** The trace points the kernel passed, in order. */
  readonly tracePoints: Array<[TraceEvent, number, number, string]> = [];
  tracePoint(event: TraceEvent, addr: number, frames: number, owner: string): void { this.tracePoints.push([event, addr, frames, owner]); }
  /** The reference trace: starts not yet stopped, the labels given, and whether there is a file. */
  refStarts = 0;
  readonly refLabels: Array<[number, number, string]> = [];
  hasRefFile = false;
  /** What refTraceTake hands out, per page-directory base; a take empties it. */
  readonly refStrings = new Map<number, number[]>();
  refTraceStart(): void { this.refStarts++; }
  refTraceStop(): void {
    if (this.refStarts === 0) throw new Error('fake HostPort: refTraceStop without a refTraceStart');
    this.refStarts--;
  }
  refTraceTake(cr3: number): Uint32Array {
    const key = (cr3 & ~0xfff) >>> 0;
    const pages = Uint32Array.from(this.refStrings.get(key) ?? []);
    this.refStrings.delete(key);
    return pages;
  }
  refTraceLabel(cr3: number, pid: number, name: string): void { this.refLabels.push([cr3 >>> 0, pid, name]); }
  refTraceHasFile(): boolean { return this.hasRefFile; }
}

/**
 * FakeHostPort memory, with the port side on a real I/O bus (for drivers tested against the
 * emulated chips). Byte and dword writes are still recorded in portWrites; word writes are not
 * (an ATA sector is 256 of them).
 */
export class BusHostPort extends FakeHostPort {
  readonly io: IoPorts;
  constructor(bytes: number, io: IoPorts) {
    super(bytes);
    this.io = io;
  }
  override inb(p: number): number { return this.io.read8(p); }
  override inw(p: number): number { return this.io.read16(p); }
  override inl(p: number): number { return this.io.read32(p) >>> 0; }
  override outb(p: number, v: number): void { super.outb(p, v); this.io.write8(p, v); }
  override outw(p: number, v: number): void { this.io.write16(p, v); }
  override outl(p: number, v: number): void { super.outl(p, v); this.io.write32(p, v); }
}
