// PhysicalMemory's bulk operations (readBytes, writeBytes, fill, copy: HostPort's REP
// MOVS/STOS): they must see the address space exactly as the byte accessors do — RAM, the
// write-protected ROM at the top of the first MiB and below 4 GiB, all ones where nothing is
// mapped, the A20 wrap while the gate is closed — and drop decoded code on every page they write.
import { describe, expect, it } from 'vitest';
import { PhysicalMemory } from '../../../../emulator/memory/physical.ts';

const MiB = 1024 * 1024;

/** 2 MiB of RAM, the byte at a = a & 0xff, and a 64 KiB ROM whose byte at offset o is 0x80 | (o & 0x7f). */
function memory(withRom = true): PhysicalMemory {
  const p = new PhysicalMemory(2 * MiB);
  for (let a = 0; a < p.ramSize; a++) p.ram[a] = a & 0xff;
  if (withRom) {
    const rom = new Uint8Array(0x10000);
    for (let o = 0; o < rom.length; o++) rom[o] = 0x80 | (o & 0x7f);
    p.mapRom(rom);
  }
  return p;
}

/** What read8 gives, byte by byte: the reference the bulk operations must agree with. */
const bytewise = (p: PhysicalMemory, addr: number, n: number): number[] => Array.from({ length: n }, (_, k) => p.read8((addr + k) >>> 0));

function read(p: PhysicalMemory, addr: number, n: number): number[] {
  const dst = new Uint8Array(n);
  p.readBytes(addr, dst);
  return [...dst];
}

const seq = (n: number, from = 0x10): Uint8Array => Uint8Array.from({ length: n }, (_, k) => (from + k) & 0xff);

describe('PhysicalMemory.readBytes', () => {
  it('reads RAM', () => {
    const p = memory();
    expect(read(p, 0x1234, 5)).toEqual([0x34, 0x35, 0x36, 0x37, 0x38]);
  });

  it('reads the ROM over the RAM it shadows, across the boundary between them', () => {
    const p = memory();
    expect(read(p, 0xefffe, 4)).toEqual([0xfe, 0xff, 0x80, 0x81]);
    expect(read(p, 0xefff0, 32)).toEqual(bytewise(p, 0xefff0, 32));
  });

  it('reads the ROM alias below 4 GiB', () => {
    const p = memory();
    expect(read(p, 0xfffffff0, 16)).toEqual(bytewise(p, 0xfffffff0, 16));
    expect(read(p, 0xfffffffe, 2)).toEqual([0xfe, 0xff]);
  });

  it('reads FFh where nothing is mapped: past the end of RAM, and across it', () => {
    const p = memory();
    expect(read(p, 0x300000, 4)).toEqual([0xff, 0xff, 0xff, 0xff]);
    expect(read(p, 2 * MiB - 2, 4)).toEqual([0xfe, 0xff, 0xff, 0xff]);
    expect(read(p, 0x80000000, 3)).toEqual([0xff, 0xff, 0xff]);
  });

  it('wraps at 1 MiB while A20 is closed, and not once it opens again', () => {
    const p = memory(false);
    p.ram[0x100005] = 0xaa;
    p.setA20(false);
    expect(read(p, 0x100004, 3)).toEqual([0x04, 0x05, 0x06]);
    expect(read(p, 0xffffe, 4)).toEqual([0xfe, 0xff, 0x00, 0x01]);
    p.setA20(true);
    expect(read(p, 0x100004, 3)).toEqual([0x04, 0xaa, 0x06]);
  });

  it('reads nothing for an empty buffer', () => {
    expect(read(memory(), 0x1000, 0)).toEqual([]);
  });
});

describe('PhysicalMemory.writeBytes', () => {
  it('writes RAM', () => {
    const p = memory();
    p.writeBytes(0x5000, seq(4));
    expect(bytewise(p, 0x4fff, 6)).toEqual([0xff, 0x10, 0x11, 0x12, 0x13, 0x04]);
  });

  it('drops what falls on the ROM (both copies) and keeps what falls on RAM beside it', () => {
    const p = memory();
    const romBefore = bytewise(p, 0xf0000, 8);
    p.writeBytes(0xefffe, seq(4));
    expect(bytewise(p, 0xefffe, 4)).toEqual([0x10, 0x11, 0x80, 0x81]);
    expect(p.ram[0xf0000]).toBe(0x00); // the RAM the ROM shadows is not written either
    p.writeBytes(0xfffffff0, seq(16));
    expect(bytewise(p, 0xf0000, 8)).toEqual(romBefore);
    expect(bytewise(p, 0xfffffff0, 16)).toEqual(bytewise(p, 0xffff0, 16));
  });

  it('drops what falls past the end of RAM', () => {
    const p = memory();
    p.writeBytes(2 * MiB - 2, seq(4));
    expect(bytewise(p, 2 * MiB - 2, 4)).toEqual([0x10, 0x11, 0xff, 0xff]);
  });

  it('wraps at 1 MiB while A20 is closed', () => {
    const p = memory(false);
    p.setA20(false);
    p.writeBytes(0xffffe, seq(4));
    expect([p.ram[0xffffe], p.ram[0xfffff], p.ram[0], p.ram[1]]).toEqual([0x10, 0x11, 0x12, 0x13]);
    expect([p.ram[0x100000], p.ram[0x100001]]).toEqual([0x00, 0x01]); // untouched
    p.writeBytes(0x100010, seq(2, 0x40));
    expect([p.ram[0x10], p.ram[0x11], p.ram[0x100010]]).toEqual([0x40, 0x41, 0x10]);
  });
});

describe('PhysicalMemory.fill', () => {
  it('fills RAM and nothing beyond the range', () => {
    const p = memory();
    p.fill(0x6001, 3, 0xab);
    expect(bytewise(p, 0x6000, 5)).toEqual([0x00, 0xab, 0xab, 0xab, 0x04]);
  });

  it('leaves the ROM and unmapped space alone', () => {
    const p = memory();
    p.fill(0xefffe, 4, 0x00);
    expect(bytewise(p, 0xefffe, 4)).toEqual([0x00, 0x00, 0x80, 0x81]);
    p.fill(2 * MiB - 1, 3, 0x33);
    expect(bytewise(p, 2 * MiB - 1, 3)).toEqual([0x33, 0xff, 0xff]);
  });

  it('wraps at 1 MiB while A20 is closed', () => {
    const p = memory(false);
    p.setA20(false);
    p.fill(0xfffff, 2, 0x77);
    expect([p.ram[0xfffff], p.ram[0], p.ram[0x100000]]).toEqual([0x77, 0x77, 0x00]);
  });

  it('does nothing for a length of 0', () => {
    const p = memory();
    p.fill(0x6000, 0, 0xee);
    expect(p.ram[0x6000]).toBe(0x00);
  });
});

describe('PhysicalMemory.copy', () => {
  it('copies RAM to RAM', () => {
    const p = memory();
    p.copy(0x9000, 0x1234, 4);
    expect(bytewise(p, 0x9000, 5)).toEqual([0x34, 0x35, 0x36, 0x37, 0x04]);
  });

  it('copies from the ROM (a shadowing loader) and never into it', () => {
    const p = memory();
    p.copy(0x9000, 0xffff0, 16);
    expect(bytewise(p, 0x9000, 16)).toEqual(bytewise(p, 0xffff0, 16));
    const romBefore = bytewise(p, 0xf0000, 4);
    p.copy(0xf0000, 0x1000, 4);
    expect(bytewise(p, 0xf0000, 4)).toEqual(romBefore);
  });

  it('reads FFh from unmapped space and drops writes to it', () => {
    const p = memory();
    p.copy(0x9000, 2 * MiB - 1, 3);
    expect(bytewise(p, 0x9000, 3)).toEqual([0xff, 0xff, 0xff]);
    p.copy(2 * MiB - 1, 0x1000, 3);
    expect(bytewise(p, 2 * MiB - 1, 3)).toEqual([0x00, 0xff, 0xff]);
  });

  it('wraps at 1 MiB while A20 is closed, like the other bulk operations', () => {
    const p = memory(false);
    p.setA20(false);
    p.copy(0x100020, 0x100004, 2); // A20 closed: reads 000004h, writes 000020h
    expect([p.ram[0x20], p.ram[0x21]]).toEqual([0x04, 0x05]);
    expect([p.ram[0x100020], p.ram[0x100021]]).toEqual([0x20, 0x21]);
  });
});

describe('bulk writes and decoded code', () => {
  /** Records the pages onCodeWrite reports; pages 5 and 7 hold decoded code. */
  function watched(): { p: PhysicalMemory; pages: number[] } {
    const p = memory();
    const pages: number[] = [];
    p.codePages[5] = 1;
    p.codePages[7] = 1;
    p.onCodeWrite = (page) => {
      pages.push(page);
      p.codePages[page] = 0; // as the block cache does
    };
    return { p, pages };
  }

  it('writeBytes reports each code page it touches, once, and no other', () => {
    const { p, pages } = watched();
    p.writeBytes(0x4ff0, new Uint8Array(0x3020)); // pages 4 to 7
    expect(pages).toEqual([5, 7]);
  });

  it('fill and copy report the code pages they write, not the ones they read', () => {
    const { p, pages } = watched();
    p.fill(0x6000, 0x1000, 0); // page 6: no code
    expect(pages).toEqual([]);
    p.copy(0x6000, 0x5000, 0x100); // reads page 5, writes page 6
    expect(pages).toEqual([]);
    p.copy(0x7ffe, 0x1000, 4); // writes pages 7 and 8
    expect(pages).toEqual([7]);
    p.fill(0x5800, 1, 0);
    expect(pages).toEqual([7, 5]);
  });

  it('reports code pages on the slow path too (a range the ROM overlaps, A20 closed)', () => {
    const { p, pages } = watched();
    p.codePages[0xef] = 1;
    p.writeBytes(0xeffff, seq(2)); // RAM page EFh, then the ROM
    expect(pages).toEqual([0xef]);
    p.setA20(false);
    p.fill(0x105000, 1, 0); // wraps to page 5
    expect(pages).toEqual([0xef, 5]);
  });

  it('readBytes reports nothing', () => {
    const { p, pages } = watched();
    p.readBytes(0x5000, new Uint8Array(0x3000));
    expect(pages).toEqual([]);
  });
});
