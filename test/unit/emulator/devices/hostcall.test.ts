// The host-call device (ports E0h-E4h): the signature and command-line ports the firmware reads,
// and the 32-bit OUT that calls the kernel and then the board's after-call hook. What the kernel
// does during the call goes through the machine's HostPort (machine-host-port.test.ts).
import { describe, expect, it } from 'vitest';
import { HOSTCALL_CMDLINE_PORT, HOSTCALL_PORT, HOSTCALL_SIGNATURE, HostCall } from '../../../../emulator/devices/hostcall.ts';
import { Machine } from '../../../../emulator/machine.ts';
import { IoPorts } from '../../../../emulator/memory/ioports.ts';
import { flat32 } from '../../../harness/cpu.ts';

/** A bare machine (no firmware): the device as the board wires it. */
function machine(cpu: 386 | 486 = 386): Machine {
  return new Machine({ memoryBytes: 4 * 1024 * 1024, cpu });
}

/** The bytes of the command line as port E4h streams them, up to and including the first 0. */
function readCmdline(m: Machine, max = 64): number[] {
  const out: number[] = [];
  for (let k = 0; k < max; k++) {
    const b = m.io.read8(HOSTCALL_CMDLINE_PORT);
    out.push(b);
    if (b === 0) break;
  }
  return out;
}

const bytes = (s: string): number[] => [...new TextEncoder().encode(s)];

describe('host-call device ports', () => {
  it('reads the TS38 signature on a 32-bit IN from E0h only while a kernel is attached', () => {
    const m = machine();
    expect(m.io.read32(HOSTCALL_PORT) >>> 0).toBe(0xffffffff);
    expect(m.hostcall.attached).toBe(false);
    m.hostcall.attach(() => {}, '');
    expect(m.hostcall.attached).toBe(true);
    expect(m.io.read32(HOSTCALL_PORT) >>> 0).toBe(HOSTCALL_SIGNATURE);
    expect(HOSTCALL_SIGNATURE).toBe(0x38335354); // 'TS38' in memory order
    // Narrower reads are not the signature: firmware must use IN EAX.
    expect(m.io.read8(HOSTCALL_PORT)).toBe(0xff);
    expect(m.io.read16(HOSTCALL_PORT)).toBe(0xffff);
  });

  it('streams the command line byte by byte from E4h, then reads 0 for good', () => {
    const m = machine();
    expect(m.io.read8(HOSTCALL_CMDLINE_PORT)).toBe(0); // nothing attached: an empty line
    m.hostcall.attach(() => {}, 'frames=bitmap');
    expect(readCmdline(m)).toEqual([...bytes('frames=bitmap'), 0]);
    expect(m.io.read8(HOSTCALL_CMDLINE_PORT)).toBe(0);
    expect(m.io.read8(HOSTCALL_CMDLINE_PORT)).toBe(0);
  });

  it('rewinds the command line on any write to E4h, and on attach', () => {
    const m = machine();
    m.hostcall.attach(() => {}, 'heap=best');
    m.io.read8(HOSTCALL_CMDLINE_PORT);
    m.io.read8(HOSTCALL_CMDLINE_PORT);
    m.io.write8(HOSTCALL_CMDLINE_PORT, 0x55);
    expect(readCmdline(m)).toEqual([...bytes('heap=best'), 0]);
    m.io.write8(HOSTCALL_CMDLINE_PORT, 0);
    m.io.read8(HOSTCALL_CMDLINE_PORT);
    m.hostcall.attach(() => {}, 'x y');
    expect(readCmdline(m)).toEqual([...bytes('x y'), 0]);
  });

  it('encodes the command line as UTF-8', () => {
    const m = machine();
    m.hostcall.attach(() => {}, 'é');
    expect(readCmdline(m)).toEqual([0xc3, 0xa9, 0]);
  });

  it('calls the handler with the unsigned value of a 32-bit OUT to E0h, and counts the calls', () => {
    const m = machine();
    const args: number[] = [];
    m.hostcall.attach((arg) => args.push(arg), '');
    m.io.write32(HOSTCALL_PORT, 0x8000);
    m.io.write32(HOSTCALL_PORT, 0xdeadbeef | 0);
    expect(args).toEqual([0x8000, 0xdeadbeef]);
    expect(m.hostcall.calls).toBe(2);
  });

  it('does not call the handler for an 8- or 16-bit OUT, an OUT to E1h-E3h, or with nothing attached', () => {
    const m = machine();
    m.io.write32(HOSTCALL_PORT, 1); // no handler yet: dropped
    const args: number[] = [];
    m.hostcall.attach((arg) => args.push(arg), '');
    m.io.write8(HOSTCALL_PORT, 2);
    m.io.write16(HOSTCALL_PORT, 3);
    for (const p of [0xe1, 0xe2, 0xe3]) m.io.write32(p, 4);
    expect(args).toEqual([]);
    expect(m.hostcall.calls).toBe(0);
  });

  it('ends the running block after a call even when the handler throws', () => {
    const m = machine();
    m.hostcall.attach(() => { throw new Error('kernel bug'); }, '');
    m.cpu.blockExit = false;
    expect(() => m.io.write32(HOSTCALL_PORT, 0)).toThrow('kernel bug');
    expect(m.cpu.blockExit).toBe(true);
  });

  it('an 8-bit OUT to E0h from guest code does not call the kernel', () => {
    const t = flat32([
      0xb0, 0x01, // mov al, 1
      0xe6, 0xe0, // out 0xe0, al
      0xf4, //       hlt
    ]);
    let calls = 0;
    t.m.hostcall.attach(() => { calls++; }, '');
    expect(t.m.run(2000).reason).toBe('halt');
    expect(calls).toBe(0);
  });

  it('runs the after-call hook once per call, after the handler, and not for a write it drops', () => {
    const seen: string[] = [];
    const io = new IoPorts();
    const d = new HostCall(io, () => seen.push('after'));
    io.write32(HOSTCALL_PORT, 1); // nothing attached: no call, no hook
    d.attach((arg) => seen.push(`call(${arg})`), '');
    io.write32(HOSTCALL_PORT, 2);
    io.write8(HOSTCALL_PORT, 3);
    io.write32(0xe1, 4);
    io.write32(HOSTCALL_PORT, 5);
    expect(seen).toEqual(['call(2)', 'after', 'call(5)', 'after']);
  });
});
