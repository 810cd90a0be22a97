// The machine's side of HostPort (hostport.ts): what the TypeScript kernel touches when it touches
// the hardware. The board (machine.ts) builds one and hands it out as `machine.hostPort`;
// cli/attach-kernel.ts gives it to the kernel. The host-call device (devices/hostcall.ts) only
// carries the call in; it is not on this path.
//
// Each member does what the ring-0 instruction it stands for does, through the same functions the
// instructions use (MOV CR3 is writeCr3, LTR is loadTr, LLDT is loadLdtr, INVLPG is invlpg), and reaches physical
// memory, the I/O bus or the CPU in one hop: the kernel calls these on every page-table entry and
// every byte it copies, so no closure or further object stands between it and the hardware.

import type { Cpu } from './cpu/state.ts';
import { ESP } from './cpu/registers.ts';
import { invlpg, loadLdtr, loadTr, writeCr0, writeCr3 } from './cpu/ops/system.ts';
import { updateAccessMasks } from './cpu/tlb.ts';
import type { HostPort, TlbCounters, TraceEvent } from './hostport.ts';
import type { IoPorts } from './memory/ioports.ts';
import type { PhysicalMemory } from './memory/physical.ts';

export class MachineHostPort implements HostPort {
  private readonly cpu: Cpu;
  private readonly phys: PhysicalMemory;
  private readonly io: IoPorts;
  /** insw/outsw's words on the host side, reused while the count stays the same (a sector). */
  private scratchBuf = new Uint8Array(512);

  constructor(cpu: Cpu, phys: PhysicalMemory, io: IoPorts) {
    this.cpu = cpu;
    this.phys = phys;
    this.io = io;
  }

  // Physical memory: PhysicalMemory's own accessors, so ROM drops writes and writes over decoded
  // code re-decode it, as for any write that does not come from the CPU.
  readPhys8(a: number): number { return this.phys.read8(a); }
  readPhys16(a: number): number { return this.phys.read16(a); }
  readPhys32(a: number): number { return this.phys.read32(a) >>> 0; }
  writePhys8(a: number, v: number): void { this.phys.write8(a, v); }
  writePhys16(a: number, v: number): void { this.phys.write16(a, v); }
  writePhys32(a: number, v: number): void { this.phys.write32(a, v); }
  readPhysBytes(a: number, dst: Uint8Array): void { this.phys.readBytes(a, dst); }
  writePhysBytes(a: number, src: Uint8Array): void { this.phys.writeBytes(a, src); }
  fillPhys(a: number, n: number, v: number): void { this.phys.fill(a, n, v); }
  copyPhys(d: number, s: number, n: number): void { this.phys.copy(d, s, n); }

  // IN and OUT: the bus the CPU's own IN and OUT use.
  inb(p: number): number { return this.io.read8(p); }
  outb(p: number, v: number): void { this.io.write8(p, v); }
  inw(p: number): number { return this.io.read16(p); }
  outw(p: number, v: number): void { this.io.write16(p, v); }
  inl(p: number): number { return this.io.read32(p); }
  outl(p: number, v: number): void { this.io.write32(p, v); }

  // REP INSW and REP OUTSW: each word is one access on the bus, as each iteration of the
  // instruction is (the board's clock catch-up, the device, a tracer see every one). The memory
  // side is what writePhys16/readPhys16 word by word would do: with A20 open (as the kernel always
  // runs) that is PhysicalMemory's bulk accessors over the whole run, with the same bytes landing or
  // dropped and each code page re-decoded once; with A20 closed (where the bulk accessors wrap and
  // the word accessors do not) it goes word by word. No device reaches memory, so reading all the
  // words before writing them (insw), or all of memory before the first OUT (outsw), is invisible.
  insw(p: number, a: number, count: number): void {
    const io = this.io, phys = this.phys;
    if (!phys.a20Enabled) {
      for (let k = 0; k < count; k++) phys.write16(a + 2 * k, io.read16(p));
      return;
    }
    if (count <= 0) return;
    const buf = this.scratch(2 * count);
    io.readWords16(p, buf, count);
    phys.writeBytes(a, buf);
  }

  outsw(p: number, a: number, count: number): void {
    const io = this.io, phys = this.phys;
    if (!phys.a20Enabled) {
      for (let k = 0; k < count; k++) io.write16(p, phys.read16(a + 2 * k));
      return;
    }
    if (count <= 0) return;
    const buf = this.scratch(2 * count);
    phys.readBytes(a, buf);
    io.writeWords16(p, buf, count);
  }

  private scratch(n: number): Uint8Array {
    if (this.scratchBuf.length !== n) this.scratchBuf = new Uint8Array(n);
    return this.scratchBuf;
  }

  // Control registers: MOV from CRn reads them unsigned; MOV to CR0/CR3 flushes as the instruction does.
  readCR0(): number { return this.cpu.cr0 >>> 0; }
  writeCR0(v: number): void { writeCr0(this.cpu, v); }
  readCR2(): number { return this.cpu.cr2 >>> 0; }
  readCR3(): number { return this.cpu.cr3 >>> 0; }
  writeCR3(v: number): void { writeCr3(this.cpu, v); }

  invlpg(lin: number): void {
    // Decode #UDs INVLPG on a 386; a kernel that calls it there has a bug, so say so at once.
    if (this.cpu.model !== 486) throw new Error('INVLPG does not exist on the 386 (#UD): reload CR3 instead');
    invlpg(this.cpu, lin);
  }

  // LGDT and LIDT load base and limit as given (a 32-bit operand: all of the base); LTR marks the TSS busy.
  lgdt(base: number, limit: number): void { this.cpu.gdtrBase = base | 0; this.cpu.gdtrLimit = limit & 0xffff; }
  lidt(base: number, limit: number): void { this.cpu.idtrBase = base | 0; this.cpu.idtrLimit = limit & 0xffff; }
  ltr(sel: number): void { loadTr(this.cpu, sel); }
  lldt(sel: number): void { loadLdtr(this.cpu, sel); }

  setESP(v: number): void { this.cpu.reg[ESP] = v | 0; }
  chargeCycles(n: number): void { this.cpu.cycles += n; }
  readTSC(): number { return this.cpu.cycles; }
  tracePoint(event: TraceEvent, addr: number, frames: number, owner: string): void { this.cpu.debug?.tracePoint(this.cpu, event, addr, frames, owner); }
  readTlbCounters(): TlbCounters {
    return { hits: this.cpu.tlbHits, misses: this.cpu.tlbStats.misses, flushes: this.cpu.tlbStats.flushes };
  }

  // The reference trace (cpu/refs.ts). Turning it on or off re-derives the access masks, which
  // send every data access through translate() while it is on, and asks the run loop to return
  // at the next block boundary, so that it goes on in its recording variant or leaves it (step.ts).
  refTraceStart(): void { if (this.cpu.refs.start()) this.recordingChanged(); }
  refTraceStop(): void { if (this.cpu.refs.stop()) this.recordingChanged(); }
  refTraceTake(cr3: number): Uint32Array { return this.cpu.refs.take(cr3); }
  refTraceLabel(cr3: number, pid: number, name: string): void { this.cpu.refs.label(cr3, pid, name); }
  refTraceHasFile(): boolean { return this.cpu.refs.sink !== null; }

  private recordingChanged(): void {
    updateAccessMasks(this.cpu);
    this.cpu.stopRequested = true;
  }
}
