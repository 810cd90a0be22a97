// IN and OUT (emulator/cpu/ops/io.ts) and the I/O privilege rules they share with INS and OUTS:
// IOPL, and the I/O permission bit map of the 386 TSS (i386 PRM 8.2, "Protection and I/O").
import { describe, expect, it } from 'vitest';
import { EAX, ESP } from '../../../../emulator/cpu/registers.ts';
import { IOPL } from '../../../../emulator/cpu/state.ts';
import type { PortHandler } from '../../../../emulator/memory/ioports.ts';
import { flat32, realMode, runToHalt, type TestMachine } from '../../../harness/cpu.ts';
import { asm16, asm32 } from '../../../harness/gas.ts';
import { DATA0, enterRing3, enterV86, installTables, IOMAP, setGate, setPortAllowed, TSS } from './pm-fixture.ts';

/** Ports 0x70-0x7F and 0x80-0x8F: reads return a tag of port and width; writes are logged. */
class Device implements PortHandler {
  reads = 0;
  log: string[] = [];
  read8(p: number): number { this.reads++; return p & 0xff; }
  write8(p: number, v: number): void { this.log.push(`${p.toString(16)}:b:${v.toString(16)}`); }
  read16(p: number): number { this.reads++; return 0x1600 | (p & 0xff); }
  write16(p: number, v: number): void { this.log.push(`${p.toString(16)}:w:${v.toString(16)}`); }
  read32(p: number): number { this.reads++; return (0x32000000 | (p & 0xff)) | 0; }
  write32(p: number, v: number): void { this.log.push(`${p.toString(16)}:d:${(v >>> 0).toString(16)}`); }
}

function withDevice(t: TestMachine): Device {
  const dev = new Device();
  t.m.io.replace(0x70, 0x20, dev); // in front of the CMOS and the POST port
  t.m.io.register(0x300, 4, dev);
  return dev;
}

const r32 = (t: TestMachine, r: number): number => t.m.cpu.reg[r]! >>> 0;

describe('IN and OUT', () => {
  it('IN AL/AX/EAX, imm8 read a byte, word or dword from the port', () => {
    const t = realMode(asm16('in $0x71, %al; mov %eax, %ebx; in $0x72, %ax; mov %eax, %ecx; in $0x74, %eax; hlt'));
    const dev = withDevice(t);
    expect(runToHalt(t).reason).toBe('halt');
    expect(r32(t, 3) & 0xff).toBe(0x71);
    expect(r32(t, 1) & 0xffff).toBe(0x1672);
    expect(r32(t, EAX)).toBe(0x32000074);
    expect(dev.reads).toBe(3);
  });

  it('IN AL leaves the rest of EAX alone', () => {
    const t = realMode(asm16('mov $0x12345678, %eax; in $0x71, %al; hlt'));
    withDevice(t);
    expect(runToHalt(t).reason).toBe('halt');
    expect(r32(t, EAX)).toBe(0x12345671);
  });

  it('IN and OUT with the port in DX reach 16-bit port numbers', () => {
    const t = realMode(asm16('mov $0x301, %dx; in (%dx), %al; mov $0xabcd, %bx; mov %bx, %ax; out %ax, (%dx); hlt'));
    const dev = withDevice(t);
    expect(runToHalt(t).reason).toBe('halt');
    expect(dev.log).toEqual(['301:w:abcd']);
    expect(dev.reads).toBe(1);
  });

  it('OUT imm8 writes AL, AX or EAX', () => {
    const t = flat32(asm32('mov $0x11223344, %eax; out %al, $0x70; out %ax, $0x72; out %eax, $0x74; hlt'));
    const dev = withDevice(t);
    expect(runToHalt(t).reason).toBe('halt');
    expect(dev.log).toEqual(['70:b:44', '72:w:3344', '74:d:11223344']);
  });

  it('charges the real-mode count in real mode and the smaller protected-mode count at CPL <= IOPL', () => {
    const cost = (t: TestMachine, base: TestMachine): number => {
      withDevice(t);
      withDevice(base);
      runToHalt(t);
      runToHalt(base);
      return t.m.cpu.cycles - base.m.cpu.cycles;
    };
    expect(cost(realMode(asm16('in $0x70, %al; hlt')), realMode(asm16('hlt')))).toBe(12);
    expect(cost(flat32(asm32('in $0x70, %al; hlt')), flat32(asm32('hlt')))).toBe(6);
    expect(cost(flat32(asm32('out %al, (%dx); hlt')), flat32(asm32('hlt')))).toBe(5);
  });
});

/**
 * Runs `src` (32-bit, at 0x10000) at CPL 3 with the given IOPL. User code cannot HLT: a HLT, or
 * a denied I/O instruction, raises #GP, whose ring-0 handler halts. Returns the faulting EIP and
 * error code from the handler's frame on the TSS's ring-0 stack.
 */
function runUser(src: string, opts: { iopl?: number; setup?: (t: TestMachine) => void; stackTop?: number } = {}): { t: TestMachine; dev: Device; eip: number; error: number } {
  const t = flat32(asm32(src));
  const dev = withDevice(t);
  installTables(t.m);
  setGate(t.m, 13, 0x3000);
  t.m.phys.load(0x3000, Uint8Array.from([0xf4]));
  opts.setup?.(t);
  enterRing3(t.m, 0x10000, 0x90000);
  t.m.cpu.flags = (t.m.cpu.flags & ~IOPL) | ((opts.iopl ?? 0) << 12);
  expect(runToHalt(t).reason).toBe('halt');
  const esp = r32(t, ESP);
  expect(esp).toBe((opts.stackTop ?? 0x80000) - 24); // error code, EIP, CS, EFLAGS, ESP, SS
  return { t, dev, eip: t.m.phys.read32(esp + 4), error: t.m.phys.read32(esp) };
}

// The I/O instruction sits at 0x10010, the final HLT at 0x10020.
const AT_IO = 0x10010, AT_HLT = 0x10020;
const userIo = (setup: string, io: string): string => `${setup}\n.org 0x10, 0x90\n${io}\n.org 0x20, 0x90\nhlt`;

describe('I/O privilege (IOPL and the TSS permission bit map)', () => {
  it('CPL 3 with IOPL 3 may use any port, whatever the bit map says', () => {
    const r = runUser(userIo('mov $0x41, %al', 'out %al, $0x80'), { iopl: 3 });
    expect(r.eip).toBe(AT_HLT);
    expect(r.dev.log).toEqual(['80:b:41']);
  });

  it('CPL 3 with IOPL 0: a port whose bit is 1 raises #GP(0) and is not written', () => {
    const r = runUser(userIo('mov $0x41, %al', 'out %al, $0x80'));
    expect(r.eip).toBe(AT_IO);
    expect(r.error).toBe(0);
    expect(r.dev.log).toEqual([]);
  });

  it('CPL 3 with IOPL 0: a port whose bit is 0 may be used', () => {
    const r = runUser(userIo('mov $0x41, %al', 'out %al, $0x80'), { setup: (t) => setPortAllowed(t.m, 0x80, true) });
    expect(r.eip).toBe(AT_HLT);
    expect(r.dev.log).toEqual(['80:b:41']);
  });

  it('an IN denied by the bit map does not read the port or change AL', () => {
    const r = runUser(userIo('mov $0x99, %al', 'in $0x81, %al'), { setup: (t) => setPortAllowed(t.m, 0x80, true) });
    expect(r.eip).toBe(AT_IO);
    expect(r.dev.reads).toBe(0);
    expect(r.t.m.cpu.reg8[0]).toBe(0x99);
  });

  it('a word access needs the bits of both ports, even across a byte of the map', () => {
    const open = (t: TestMachine): void => setPortAllowed(t.m, 0x87, true);
    expect(runUser(userIo('mov $0x87, %dx', 'outb %al, (%dx)'), { setup: open }).eip).toBe(AT_HLT);
    expect(runUser(userIo('mov $0x87, %dx', 'outw %ax, (%dx)'), { setup: open }).eip).toBe(AT_IO);
    const both = (t: TestMachine): void => { setPortAllowed(t.m, 0x87, true); setPortAllowed(t.m, 0x88, true); };
    expect(runUser(userIo('mov $0x87, %dx', 'outw %ax, (%dx)'), { setup: both }).eip).toBe(AT_HLT);
    const dword = (t: TestMachine): void => { for (const p of [0x74, 0x75, 0x76]) setPortAllowed(t.m, p, true); };
    expect(runUser(userIo('', 'in $0x74, %eax'), { setup: dword }).eip).toBe(AT_IO);
  });

  it('a port whose map byte lies beyond the TSS limit raises #GP(0)', () => {
    // The map covers ports 0-0xFF; port 0x300's byte is beyond the TSS limit (the map is all zeros there).
    const r = runUser(userIo('mov $0x300, %dx', 'in (%dx), %al'), {
      setup: (t) => { for (let k = 0x20; k < 0x70; k++) t.m.phys.write8(IOMAP + k, 0); },
    });
    expect(r.eip).toBe(AT_IO);
    expect(r.dev.reads).toBe(0);
  });

  it('with a 286 TSS there is no bit map: CPL > IOPL raises #GP(0)', () => {
    const tss286 = (t: TestMachine): void => {
      setPortAllowed(t.m, 0x80, true);
      t.m.cpu.trType = 3;
      // The ring-0 stack for the #GP, in the 286 TSS layout: SP0 at +2, SS0 at +4.
      t.m.phys.write16(TSS + 2, 0xfff0);
      t.m.phys.write16(TSS + 4, DATA0);
    };
    const r = runUser(userIo('', 'in $0x80, %al'), { setup: tss286, stackTop: 0xfff0 });
    expect(r.eip).toBe(AT_IO);
  });

  it('costs 20 clocks more when the bit map is consulted', () => {
    const allowed = (t: TestMachine): void => setPortAllowed(t.m, 0x80, true);
    const viaMap = runUser(userIo('', 'in $0x80, %al'), { setup: allowed }).t.m.cpu.cycles;
    const viaIopl = runUser(userIo('', 'in $0x80, %al'), { iopl: 3 }).t.m.cpu.cycles;
    expect(viaMap - viaIopl).toBe(20);
  });

  it('INS and OUTS at CPL > IOPL are checked against the bit map too', () => {
    const ins = runUser(userIo('mov $0x80, %dx; mov $0x20000, %edi; mov $2, %ecx', 'rep insb'));
    expect(ins.eip).toBe(AT_IO);
    expect(ins.dev.reads).toBe(0);
    expect(ins.t.m.cpu.reg[1]).toBe(2);
    const outs = runUser(userIo('mov $0x80, %dx; mov $0x20000, %esi; mov $2, %ecx', 'rep outsb'), { setup: (t) => setPortAllowed(t.m, 0x80, true) });
    expect(outs.eip).toBe(AT_HLT);
    expect(outs.dev.log).toEqual(['80:b:0', '80:b:0']);
  });

  it('in virtual-8086 mode the bit map is consulted even with IOPL 3', () => {
    for (const allowed of [false, true]) {
      const t = flat32([]);
      const dev = withDevice(t);
      installTables(t.m);
      setGate(t.m, 13, 0x3000);
      t.m.phys.load(0x3000, Uint8Array.from([0xf4]));
      if (allowed) setPortAllowed(t.m, 0x80, true);
      // 2000:0000: in al, 0x80; then HLT, which faults in v86 mode (CPL 3).
      t.m.phys.load(0x20000, Uint8Array.from([0xe4, 0x80, 0xf4]));
      enterV86(t.m, 0x2000, 0, 0x100);
      t.m.cpu.flags |= IOPL;
      expect(runToHalt(t).reason).toBe('halt');
      const esp = r32(t, ESP);
      expect(esp).toBe(0x80000 - 40);
      expect(t.m.phys.read32(esp + 4)).toBe(allowed ? 2 : 0);
      expect(dev.reads).toBe(allowed ? 1 : 0);
    }
  });
});
