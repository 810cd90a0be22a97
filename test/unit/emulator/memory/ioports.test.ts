// The I/O address space's map from ports to the devices that decode them (emulator/memory/ioports.ts).
import { describe, expect, it } from 'vitest';
import { IoPorts, type PortHandler } from '../../../../emulator/memory/ioports.ts';

/** A byte device that answers its own port's low byte plus `tag`, and logs what it is sent. */
function device(tag: number): PortHandler & { writes: [number, number][] } {
  const writes: [number, number][] = [];
  return {
    writes,
    read8: (port) => (port + tag) & 0xff,
    write8: (port, value) => { writes.push([port, value]); },
  };
}

describe('I/O ports', () => {
  it('sends each access to the device that claimed the port, and an unclaimed one reads all ones', () => {
    const io = new IoPorts();
    const a = device(0x10), b = device(0x20);
    io.register(0x60, 1, a);
    io.register(0x64, 1, a);
    io.register(0x3f8, 8, b);
    expect(io.read8(0x60)).toBe(0x70);
    expect(io.read8(0x64)).toBe(0x74);
    expect(io.read8(0x3ff)).toBe(0x1f);
    expect(io.read8(0x61)).toBe(0xff);
    expect(io.read8(0x400)).toBe(0xff);
    io.write8(0x3f9, 0x5a);
    io.write8(0x61, 0x33); // swallowed
    expect(b.writes).toEqual([[0x3f9, 0x5a]]);
    expect(a.writes).toEqual([]);
  });

  it('splits a word access to a byte device into bytes at consecutive ports', () => {
    const io = new IoPorts();
    const a = device(0);
    io.register(0x70, 2, a);
    expect(io.read16(0x70)).toBe(0x7170);
    expect(io.read32(0x70)).toBe(0xffff7170 | 0); // 0x72 and 0x73 are unclaimed
    io.write16(0x70, 0xbeef);
    expect(a.writes).toEqual([[0x70, 0xef], [0x71, 0xbe]]);
  });

  it('refuses a port claimed twice, naming it, and changes nothing', () => {
    const io = new IoPorts();
    const a = device(0), b = device(0x40);
    io.register(0x1f0, 8, a);
    expect(() => io.register(0x1f6, 4, b)).toThrow(/^I\/O port 0x1f6 is already claimed$/);
    expect(io.read8(0x1f8)).toBe(0xff); // the refused claim took none of its ports
    expect(io.read8(0x1f6)).toBe(0xf6);
  });

  it('lets a probe replace the device in front of some of its ports, and claims ports past 0xFFFF from 0', () => {
    const io = new IoPorts();
    const dev = device(0), probe = device(0x80);
    io.register(0x70, 2, dev);
    io.replace(0x71, 1, probe);
    expect(io.read8(0x70)).toBe(0x70);
    expect(io.read8(0x71)).toBe(0xf1);
    io.register(0xffff, 2, dev);
    expect(io.read8(0xffff)).toBe(0xff);
    expect(io.read8(0)).toBe(0);
  });

  it('takes up to 255 devices, and says so in one line at the 256th', () => {
    const io = new IoPorts();
    const devices = Array.from({ length: 255 }, (_, k) => device(k));
    devices.forEach((d, k) => io.register(0x1000 + k, 1, d));
    expect(io.read8(0x1000 + 254)).toBe((0x1000 + 254 + 254) & 0xff);
    expect(() => io.register(0x2000, 1, device(0))).toThrow(/^I\/O port 0x2000: more than 255 port handlers on one board$/);
    expect(io.read8(0x2000)).toBe(0xff);
    // A device already on the board may still claim more ports.
    io.register(0x2000, 1, devices[7]!);
    expect(io.read8(0x2000)).toBe(0x07);
  });
});
