// readBootInfo (kernel/bootinfo.ts) over blocks laid out the way firmware/bios.S hosted_boot writes
// them: the 'TSBI' block at 8000h, E820 entries at 8100h, the command line at 8800h.
import { beforeEach, describe, expect, it } from 'vitest';
import { readBootInfo, type BootInfo } from '../../../kernel/bootinfo.ts';
import { Hw, phys } from '../../../kernel/hw.ts';
import { BOOT_INFO } from '../../../kernel/layout.ts';
import { FakeHostPort } from './fake-hostport.ts';

const BI = 0x8000, E820 = 0x8100, CMDLINE = 0x8800;

interface Block {
  cpu?: number;
  e820?: Array<[bigint, bigint, number]>;
  e820Count?: number;
  cmdline?: string;
  disks?: Array<[number, number]>; // [sectors, select byte]
  diskCount?: number;
  ramTop?: number;
}

let port: FakeHostPort;
let hw: Hw;
beforeEach(() => {
  port = new FakeHostPort(0x10000);
  hw = new Hw(port);
});

/** Writes a block as the firmware does: 4 KiB zeroed, then the fields. */
function write(b: Block): void {
  const v = port.view;
  port.mem.fill(0, BI, BI + 0x1000);
  port.mem.set(new TextEncoder().encode('TSBI'), BI);
  v.setUint32(BI + 0x04, b.cpu ?? 486, true);
  const e820 = b.e820 ?? [];
  v.setUint32(BI + 0x08, b.e820Count ?? e820.length, true);
  v.setUint32(BI + 0x0c, E820, true);
  e820.forEach(([base, length, type], k) => {
    v.setBigUint64(E820 + 20 * k, base, true);
    v.setBigUint64(E820 + 20 * k + 8, length, true);
    v.setUint32(E820 + 20 * k + 16, type, true);
  });
  v.setUint32(BI + 0x10, CMDLINE, true);
  port.mem.set(new TextEncoder().encode(b.cmdline ?? ''), CMDLINE);
  const disks = b.disks ?? [];
  v.setUint32(BI + 0x14, b.diskCount ?? disks.length, true);
  disks.forEach(([sectors, select], k) => {
    v.setUint32(BI + 0x18 + 8 * k, sectors, true);
    v.setUint32(BI + 0x1c + 8 * k, select, true);
  });
  v.setUint32(BI + 0x28, b.ramTop ?? 0x1000000, true);
}

function read(): BootInfo {
  const r = readBootInfo(hw, BOOT_INFO);
  if (typeof r === 'string') throw new Error(r);
  return r;
}

describe('readBootInfo', () => {
  it('reads the block at BOOT_INFO (8000h), where the firmware writes it', () => {
    expect(BOOT_INFO).toBe(BI);
    write({ ramTop: 0x2000000 });
    expect(read().ramTop).toBe(0x2000000);
  });

  it('refuses a block without the TSBI magic, saying so', () => {
    write({});
    port.mem[BI + 3] = 0x58; // 'TSBX'
    const r = readBootInfo(hw, BOOT_INFO);
    expect(typeof r).toBe('string');
    expect(r).toMatch(/magic/);
  });

  it('refuses zeroed memory (no firmware ran)', () => {
    expect(typeof readBootInfo(hw, phys(BI))).toBe('string');
  });

  it('reads the CPU family the firmware found: 386 or 486', () => {
    write({ cpu: 486 });
    expect(read().cpu).toBe(486);
    write({ cpu: 386 });
    expect(read().cpu).toBe(386);
  });

  it('takes an unknown CPU value for a 386 (no INVLPG assumed)', () => {
    write({ cpu: 0 });
    expect(read().cpu).toBe(386);
  });

  it('reads the E820 entries in order with their types', () => {
    write({
      e820: [
        [0n, 0x9fc00n, 1],
        [0x9fc00n, 0x400n, 2],
        [0xf0000n, 0x10000n, 2],
        [0x100000n, 0x1f00000n, 1],
        [0xfffc0000n, 0x40000n, 2],
      ],
    });
    expect(read().e820).toEqual([
      { base: 0, length: 0x9fc00, type: 1 },
      { base: 0x9fc00, length: 0x400, type: 2 },
      { base: 0xf0000, length: 0x10000, type: 2 },
      { base: 0x100000, length: 0x1f00000, type: 1 },
      { base: 0xfffc0000, length: 0x40000, type: 2 },
    ]);
  });

  it('ignores an entry that starts above 4 GiB', () => {
    write({ e820: [[0n, 0x9fc00n, 1], [0x100000000n, 0x40000000n, 1], [0x100000n, 0xf00000n, 1]] });
    expect(read().e820).toEqual([{ base: 0, length: 0x9fc00, type: 1 }, { base: 0x100000, length: 0xf00000, type: 1 }]);
  });

  it('clips an entry whose length reaches past 4 GiB at 4 GiB', () => {
    write({ e820: [[0xc0000000n, 0x100000000n, 2]] });
    expect(read().e820).toEqual([{ base: 0xc0000000, length: 0x40000000, type: 2 }]);
  });

  it('clips an entry whose 32-bit length still ends past 4 GiB at 4 GiB', () => {
    write({ e820: [[0xfff00000n, 0x200000n, 2]] });
    expect(read().e820).toEqual([{ base: 0xfff00000, length: 0x100000, type: 2 }]);
  });

  it('reads at most 32 entries (the firmware\'s table size)', () => {
    const many: Array<[bigint, bigint, number]> = [];
    for (let k = 0; k < 40; k++) many.push([BigInt(k * 0x1000), 0x1000n, 1]);
    write({ e820: many });
    const got = read().e820;
    expect(got.length).toBe(32);
    expect(got[31]).toEqual({ base: 31 * 0x1000, length: 0x1000, type: 1 });
  });

  it('reads no entries when the count is 0', () => {
    write({ e820: [[0n, 0x9fc00n, 1]], e820Count: 0 });
    expect(read().e820).toEqual([]);
  });

  it('reads the command line up to its NUL', () => {
    write({ cmdline: 'frames=bitmap heap=best' });
    port.mem[CMDLINE + 30] = 0x41; // after the NUL: not part of it
    expect(read().cmdline).toBe('frames=bitmap heap=best');
  });

  it('reads an empty command line', () => {
    write({ cmdline: '' });
    expect(read().cmdline).toBe('');
  });

  it('reads a command line of the firmware\'s maximum, 1023 bytes', () => {
    const long = 'x'.repeat(1023);
    write({ cmdline: long });
    expect(read().cmdline).toBe(long);
  });

  it('reads disk 0 with select A0h as unit 0 (master) and disk 1 with B0h as unit 1 (slave)', () => {
    write({ disks: [[20160, 0xa0], [4096, 0xb0]] });
    expect(read().disks).toEqual([{ unit: 0, sectors: 20160 }, { unit: 1, sectors: 4096 }]);
  });

  it('reads a lone slave disk as unit 1', () => {
    write({ disks: [[2048, 0xb0]] });
    expect(read().disks).toEqual([{ unit: 1, sectors: 2048 }]);
  });

  it('reads no disks when the count is 0, whatever the disk fields hold', () => {
    write({ disks: [[2048, 0xa0]], diskCount: 0 });
    expect(read().disks).toEqual([]);
  });

  it('reads at most two disks (one ATA channel)', () => {
    write({ disks: [[100, 0xa0], [200, 0xb0]], diskCount: 4 });
    expect(read().disks).toEqual([{ unit: 0, sectors: 100 }, { unit: 1, sectors: 200 }]);
  });
});
