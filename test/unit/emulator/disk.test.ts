// Disk images in memory: MemoryDisk over a Uint8Array, and CopyOnWriteDisk, which keeps the guest's
// writes in an overlay and never writes the image underneath.
import { describe, expect, it } from 'vitest';
import { type BlockDevice, CopyOnWriteDisk, MemoryDisk, SECTOR_SIZE } from '../../../emulator/disk.ts';

/** Sector `lba` of the test images: its LBA in the first byte pair, then a pattern that differs per sector. */
function sectorBytes(lba: number, salt = 0): Uint8Array {
  const s = new Uint8Array(SECTOR_SIZE);
  for (let i = 0; i < SECTOR_SIZE; i++) s[i] = (lba * 31 + i + salt) & 0xff;
  s[0] = lba & 0xff;
  s[1] = lba >> 8;
  return s;
}

function patterned(sectors: number): MemoryDisk {
  const bytes = new Uint8Array(sectors * SECTOR_SIZE);
  for (let s = 0; s < sectors; s++) bytes.set(sectorBytes(s), s * SECTOR_SIZE);
  return new MemoryDisk(bytes, 'test image');
}

/** A disk that counts the reads and writes that reach it. */
class CountingDisk implements BlockDevice {
  readonly inner: MemoryDisk;
  reads: Array<[number, number]> = [];
  writes = 0;
  constructor(inner: MemoryDisk) { this.inner = inner; }
  get sectorCount() { return this.inner.sectorCount; }
  get name() { return this.inner.name; }
  read(lba: number, count: number, into: Uint8Array, offset: number) {
    this.reads.push([lba, count]);
    this.inner.read(lba, count, into, offset);
  }
  write(lba: number, count: number, from: Uint8Array, offset: number) {
    this.writes++;
    this.inner.write(lba, count, from, offset);
  }
}

describe('MemoryDisk', () => {
  it('reads sectors into the buffer at the offset given', () => {
    const disk = patterned(8);
    const buf = new Uint8Array(3 * SECTOR_SIZE + 4);
    disk.read(2, 3, buf, 4);
    expect(buf.subarray(4, 4 + SECTOR_SIZE)).toEqual(sectorBytes(2));
    expect(buf.subarray(4 + 2 * SECTOR_SIZE)).toEqual(sectorBytes(4));
    expect(Array.from(buf.subarray(0, 4))).toEqual([0, 0, 0, 0]);
  });

  it('writes sectors from the buffer into its bytes', () => {
    const disk = MemoryDisk.blank(4);
    const data = new Uint8Array(2 + SECTOR_SIZE);
    data.set(sectorBytes(9), 2);
    disk.write(3, 1, data, 2);
    expect(disk.bytes.subarray(3 * SECTOR_SIZE)).toEqual(sectorBytes(9));
    expect(disk.bytes.subarray(0, 3 * SECTOR_SIZE).every((b) => b === 0)).toBe(true);
  });

  it('counts whole sectors and refuses bytes that are not a whole number of them', () => {
    expect(MemoryDisk.blank(5).sectorCount).toBe(5);
    expect(() => new MemoryDisk(new Uint8Array(1000), 'odd')).toThrow('odd: 1000 bytes is not a whole number of 512-byte sectors');
  });

  it('throws RangeError for sectors past the end or a buffer too small', () => {
    const disk = MemoryDisk.blank(4);
    const buf = new Uint8Array(2 * SECTOR_SIZE);
    expect(() => disk.read(3, 2, buf, 0)).toThrow(RangeError);
    expect(() => disk.read(-1, 1, buf, 0)).toThrow(RangeError);
    expect(() => disk.write(4, 1, buf, 0)).toThrow(RangeError);
    expect(() => disk.read(0, 2, buf, 1)).toThrow(RangeError);
  });
});

describe('CopyOnWriteDisk', () => {
  it('reads the base image where nothing was written', () => {
    const cow = new CopyOnWriteDisk(patterned(8));
    const buf = new Uint8Array(SECTOR_SIZE);
    cow.read(6, 1, buf, 0);
    expect(buf).toEqual(sectorBytes(6));
    expect(cow.sectorCount).toBe(8);
    expect(cow.name).toBe('test image');
  });

  it('keeps writes in its overlay: reads see them, the base image does not change', () => {
    const base = patterned(8);
    const before = base.bytes.slice();
    const cow = new CopyOnWriteDisk(base);
    cow.write(3, 1, sectorBytes(3, 100), 0);
    const buf = new Uint8Array(SECTOR_SIZE);
    cow.read(3, 1, buf, 0);
    expect(buf).toEqual(sectorBytes(3, 100));
    expect(base.bytes).toEqual(before);
    expect(cow.writtenSectors).toBe(1);
  });

  it('keeps a private copy of the written bytes (the caller may reuse its buffer)', () => {
    const cow = new CopyOnWriteDisk(patterned(4));
    const data = sectorBytes(1, 5);
    cow.write(1, 1, data, 0);
    data.fill(0xee);
    const buf = new Uint8Array(SECTOR_SIZE);
    cow.read(1, 1, buf, 0);
    expect(buf).toEqual(sectorBytes(1, 5));
  });

  it('returns the latest of two writes to one sector', () => {
    const cow = new CopyOnWriteDisk(patterned(4));
    cow.write(2, 1, sectorBytes(2, 1), 0);
    cow.write(2, 1, sectorBytes(2, 2), 0);
    const buf = new Uint8Array(SECTOR_SIZE);
    cow.read(2, 1, buf, 0);
    expect(buf).toEqual(sectorBytes(2, 2));
    expect(cow.writtenSectors).toBe(1);
  });

  it('merges overlay and base sectors in one multi-sector read, in order, reading the base in runs', () => {
    const base = new CountingDisk(patterned(16));
    const cow = new CopyOnWriteDisk(base);
    const two = new Uint8Array(2 * SECTOR_SIZE);
    two.set(sectorBytes(5, 50), 0);
    two.set(sectorBytes(6, 60), SECTOR_SIZE);
    cow.write(5, 2, two, 0); // sectors 5 and 6 from one buffer
    cow.write(9, 1, sectorBytes(9, 90), 0);
    const buf = new Uint8Array(8 * SECTOR_SIZE);
    cow.read(3, 8, buf, 0); // 3 4 [5 6] 7 8 [9] 10
    const expected = [sectorBytes(3), sectorBytes(4), sectorBytes(5, 50), sectorBytes(6, 60), sectorBytes(7), sectorBytes(8), sectorBytes(9, 90), sectorBytes(10)];
    expected.forEach((s, i) => expect(buf.subarray(i * SECTOR_SIZE, (i + 1) * SECTOR_SIZE)).toEqual(s));
    expect(base.reads).toEqual([[3, 2], [7, 2], [10, 1]]);
    expect(base.writes).toBe(0);
  });

  it('checks ranges like any disk', () => {
    const cow = new CopyOnWriteDisk(patterned(4));
    expect(() => cow.write(4, 1, new Uint8Array(SECTOR_SIZE), 0)).toThrow(RangeError);
    expect(() => cow.read(3, 2, new Uint8Array(2 * SECTOR_SIZE), 0)).toThrow(RangeError);
    expect(cow.writtenSectors).toBe(0);
  });
});
