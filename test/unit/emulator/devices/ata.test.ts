// The ATA channel, driven only through its ports (0x1F0-0x1F7, 0x3F6) and IRQ14, on the cycle
// clock, and checked against ATA/ATAPI-4: the task file, IDENTIFY DEVICE, PIO data-in and data-out,
// non-data commands, INTRQ, resets and errors. Latencies are set to round numbers
// (request 1000 cycles, sector 100 cycles) so the timing tests can name exact cycles.
import { describe, expect, it } from 'vitest';
import { Clock } from '../../../../emulator/clock.ts';
import { ABRT, AtaController, type AtaOptions, BSY, defaultGeometry, DRDY, DRQ, DSC, ERR, IDNF, NIEN, SRST } from '../../../../emulator/devices/ata.ts';
import { type BlockDevice, CopyOnWriteDisk, MemoryDisk, SECTOR_SIZE } from '../../../../emulator/disk.ts';
import { IrqRecorder } from '../../../../emulator/irq.ts';
import { IoPorts } from '../../../../emulator/memory/ioports.ts';

const DATA = 0x1f0, ERROR = 0x1f1, FEATURES = 0x1f1, COUNT = 0x1f2, LBA_LOW = 0x1f3, LBA_MID = 0x1f4, LBA_HIGH = 0x1f5;
const DEVICE = 0x1f6, STATUS = 0x1f7, COMMAND = 0x1f7, ALT_STATUS = 0x3f6, DEVICE_CONTROL = 0x3f6;
const READ_SECTORS = 0x20, WRITE_SECTORS = 0x30, READ_VERIFY = 0x40, DIAGNOSTIC = 0x90, INIT_PARAMS = 0x91;
const IDENTIFY_PACKET = 0xa1, SET_MULTIPLE = 0xc6, FLUSH_CACHE = 0xe7, IDENTIFY = 0xec, SET_FEATURES = 0xef;
const REQUEST = 1000, SECTOR = 100;
const IDLE = DRDY | DSC;

/** Sector `lba` of the test images: its LBA in the first two bytes, then a pattern that differs per sector. */
function sectorBytes(lba: number, salt = 0): Uint8Array {
  const s = new Uint8Array(SECTOR_SIZE);
  for (let i = 0; i < SECTOR_SIZE; i++) s[i] = (lba * 31 + i + salt) & 0xff;
  s[0] = lba & 0xff;
  s[1] = lba >> 8;
  return s;
}

/** The patterned images made so far, by size and salt: each disk gets a copy of its own to write. */
const images = new Map<string, Uint8Array>();

function patterned(sectors: number, salt = 0): MemoryDisk {
  const key = `${sectors}/${salt}`;
  let image = images.get(key);
  if (image === undefined) {
    image = new Uint8Array(sectors * SECTOR_SIZE);
    for (let s = 0; s < sectors; s++) image.set(sectorBytes(s, salt), s * SECTOR_SIZE);
    images.set(key, image);
  }
  return new MemoryDisk(image.slice());
}

/** The bytes of sectors from..from+count-1 of a patterned image. */
function expectedSectors(from: number, count: number, salt = 0): Uint8Array {
  const out = new Uint8Array(count * SECTOR_SIZE);
  for (let i = 0; i < count; i++) out.set(sectorBytes(from + i, salt), i * SECTOR_SIZE);
  return out;
}

/** Compares byte arrays quickly (vitest's deep equality is slow on megabytes), showing the first difference. */
function expectBytes(actual: Uint8Array, expected: Uint8Array): void {
  expect(actual.length).toBe(expected.length);
  if (Buffer.compare(actual, expected) === 0) return;
  let i = 0;
  while (actual[i] === expected[i]) i++;
  expect({ offset: i, bytes: Array.from(actual.subarray(i, i + 16)) }).toEqual({ offset: i, bytes: Array.from(expected.subarray(i, i + 16)) });
}

/** 4032 sectors: exactly 4 cylinders of 16 heads x 63 sectors. */
const DISK_SECTORS = 4032;

function setup(drives?: [BlockDevice | null, BlockDevice | null], options: AtaOptions = {}) {
  const clock = new Clock();
  const io = new IoPorts();
  const irq = new IrqRecorder();
  const disk = patterned(DISK_SECTORS);
  const ata = new AtaController(io, clock, irq, drives ?? [disk, null], { requestCycles: REQUEST, sectorCycles: SECTOR, ...options });
  /** Lets `cycles` pass, running the events due, as the board does. */
  const wait = (cycles: number) => {
    clock.advanceTo(clock.now + cycles);
    clock.runDue();
  };
  const out = (port: number, value: number) => io.write8(port, value);
  const inb = (port: number) => io.read8(port);
  /** Sets up an LBA28 transfer on device `dev`. */
  const lba = (address: number, count: number, dev = 0) => {
    out(DEVICE, 0xe0 | (dev << 4) | ((address >>> 24) & 0x0f));
    out(COUNT, count & 0xff);
    out(LBA_LOW, address & 0xff);
    out(LBA_MID, (address >>> 8) & 0xff);
    out(LBA_HIGH, (address >>> 16) & 0xff);
  };
  /** Sets up a CHS transfer. */
  const chs = (cylinder: number, head: number, sector: number, count: number, dev = 0) => {
    out(DEVICE, 0xa0 | (dev << 4) | head);
    out(COUNT, count & 0xff);
    out(LBA_LOW, sector);
    out(LBA_MID, cylinder & 0xff);
    out(LBA_HIGH, cylinder >> 8);
  };
  const command = (c: number) => out(COMMAND, c);
  /** Waits until BSY clears (at most `limit` cycles, in steps of 10) and returns the status read. */
  const waitNotBusy = (limit = 100_000) => {
    for (let t = 0; t <= limit; t += 10) {
      const s = inb(ALT_STATUS);
      if ((s & BSY) === 0) return inb(STATUS);
      wait(10);
    }
    throw new Error('still busy');
  };
  /** Reads one 512-byte block from the data port, 16 bits at a time. */
  const readBlock = () => {
    const b = new Uint8Array(SECTOR_SIZE);
    for (let i = 0; i < SECTOR_SIZE; i += 2) {
      const w = io.read16(DATA);
      b[i] = w & 0xff;
      b[i + 1] = w >> 8;
    }
    return b;
  };
  const writeBlock = (b: Uint8Array) => {
    for (let i = 0; i < SECTOR_SIZE; i += 2) io.write16(DATA, b[i]! | (b[i + 1]! << 8));
  };
  /** A whole PIO data-in transfer of `count` blocks, waiting for DRQ before each. */
  const readBlocks = (count: number) => {
    const out = new Uint8Array(count * SECTOR_SIZE);
    for (let i = 0; i < count; i++) {
      const s = waitNotBusy();
      if ((s & DRQ) === 0) throw new Error(`no DRQ for block ${i}: status ${s.toString(16)}`);
      out.set(readBlock(), i * SECTOR_SIZE);
    }
    return out;
  };
  const writeBlocks = (data: Uint8Array) => {
    for (let i = 0; i < data.length / SECTOR_SIZE; i++) {
      const s = waitNotBusy();
      if ((s & DRQ) === 0) throw new Error(`no DRQ for block ${i}: status ${s.toString(16)}`);
      writeBlock(data.subarray(i * SECTOR_SIZE, (i + 1) * SECTOR_SIZE));
    }
    return waitNotBusy();
  };
  const identify = (dev = 0) => {
    out(DEVICE, 0xa0 | (dev << 4));
    command(IDENTIFY);
    const b = readBlocks(1);
    return Array.from({ length: 256 }, (_, i) => b[2 * i]! | (b[2 * i + 1]! << 8));
  };
  return { clock, io, irq, disk, ata, wait, out, inb, lba, chs, command, waitNotBusy, readBlock, writeBlock, readBlocks, writeBlocks, identify };
}

/** Decodes an ATA string: two characters per word, the first in the high byte. */
function ataString(words: number[], first: number, count: number): string {
  let s = '';
  for (let i = first; i < first + count; i++) s += String.fromCharCode(words[i]! >> 8, words[i]! & 0xff);
  return s;
}

describe('ATA power-on state', () => {
  it('shows the ATA signature and DRDY with no command run', () => {
    const { inb } = setup();
    expect([inb(COUNT), inb(LBA_LOW), inb(LBA_MID), inb(LBA_HIGH), inb(DEVICE)]).toEqual([1, 1, 0, 0, 0xa0]);
    expect(inb(STATUS)).toBe(IDLE);
    expect(inb(ERROR)).toBe(0x01);
  });

  it('keeps what the host writes in the task file registers', () => {
    const { out, inb } = setup();
    out(COUNT, 0x12); out(LBA_LOW, 0x34); out(LBA_MID, 0x56); out(LBA_HIGH, 0x78); out(DEVICE, 0xe5);
    expect([inb(COUNT), inb(LBA_LOW), inb(LBA_MID), inb(LBA_HIGH), inb(DEVICE)]).toEqual([0x12, 0x34, 0x56, 0x78, 0xe5]);
  });
});

describe('IDENTIFY DEVICE', () => {
  it('gives the default CHS geometry in words 1, 3 and 6 and the LBA28 size in words 60-61', () => {
    const w = setup([patterned(DISK_SECTORS), null]).identify();
    expect([w[1], w[3], w[6]]).toEqual([4, 16, 63]);
    expect(w[60]! | (w[61]! << 16)).toBe(DISK_SECTORS);
  });

  it('reports a disk over 32 MiB as two words', () => {
    const w = setup([MemoryDisk.blank(100_000), null]).identify();
    expect(w[60]! + w[61]! * 65536).toBe(100_000);
    expect([w[1], w[3], w[6]]).toEqual([99, 16, 63]); // 100000 / 1008 = 99.2
  });

  it('names the model "TS386 HARDDISK" in words 27-46, byte-swapped and padded with spaces', () => {
    const w = setup().identify();
    expect(ataString(w, 27, 20)).toBe('TS386 HARDDISK'.padEnd(40, ' '));
    // In memory (as INSW stores it) the bytes of each pair are swapped.
    expect(w[27]).toBe(('T'.charCodeAt(0) << 8) | 'S'.charCodeAt(0));
  });

  it('fills the serial number (words 10-19) and firmware revision (23-26) with printable ATA strings', () => {
    const w = setup().identify();
    const serial = ataString(w, 10, 10);
    const firmware = ataString(w, 23, 4);
    expect(serial).toMatch(/^[\x20-\x7e]{20}$/);
    expect(serial.trim()).not.toBe('');
    expect(firmware).toMatch(/^[\x20-\x7e]{8}$/);
    expect(firmware.trim()).not.toBe('');
  });

  it('gives the two drives different serial numbers', () => {
    const { identify } = setup([patterned(DISK_SECTORS), patterned(DISK_SECTORS)]);
    expect(ataString(identify(0), 10, 10)).not.toBe(ataString(identify(1), 10, 10));
  });

  it('declares LBA (word 49 bit 9), no READ MULTIPLE (word 47 = 8000h) and valid current-CHS words (53 bit 0)', () => {
    const w = setup().identify();
    expect(w[0]).toBe(0x0040);
    expect(w[49]! & 0x0200).toBe(0x0200);
    expect(w[47]).toBe(0x8000);
    expect(w[53]! & 1).toBe(1);
  });

  it('gives the current translation in words 54-58', () => {
    const w = setup().identify();
    expect([w[54], w[55], w[56]]).toEqual([4, 16, 63]);
    expect(w[57]! | (w[58]! << 16)).toBe(4 * 16 * 63);
  });

  it('ends word 255 with A5h and a checksum that makes the 512 bytes sum to zero', () => {
    const w = setup().identify();
    expect(w[255]! & 0xff).toBe(0xa5);
    const sum = w.reduce((a, x) => a + (x & 0xff) + (x >> 8), 0);
    expect(sum & 0xff).toBe(0);
  });

  it('interrupts when the block is ready and has no interrupt or DRQ after it is read', () => {
    const { out, command, wait, irq, inb, readBlock } = setup();
    out(DEVICE, 0xa0);
    command(IDENTIFY);
    expect(inb(ALT_STATUS) & BSY).toBe(BSY);
    wait(REQUEST);
    expect(irq.level).toBe(true);
    expect(inb(STATUS)).toBe(IDLE | DRQ);
    readBlock();
    expect(inb(ALT_STATUS)).toBe(IDLE);
    expect(irq.rises).toBe(1);
  });
});

describe('default geometry', () => {
  it('is 16 heads and 63 sectors with as many cylinders as fit', () => {
    expect(defaultGeometry(4032)).toEqual({ cylinders: 4, heads: 16, sectorsPerTrack: 63 });
    expect(defaultGeometry(2880)).toEqual({ cylinders: 2, heads: 16, sectorsPerTrack: 63 }); // a 1.44 MB image
  });

  it('stops at 16383 cylinders', () => {
    expect(defaultGeometry(100_000_000).cylinders).toBe(16383);
  });

  it('uses fewer heads on disks smaller than one cylinder', () => {
    expect(defaultGeometry(200)).toEqual({ cylinders: 1, heads: 3, sectorsPerTrack: 63 });
    expect(defaultGeometry(20)).toEqual({ cylinders: 1, heads: 1, sectorsPerTrack: 20 });
  });
});

describe('READ SECTORS', () => {
  it('reads one sector at an LBA', () => {
    const { lba, command, readBlocks, inb } = setup();
    lba(5, 1);
    command(READ_SECTORS);
    expectBytes(readBlocks(1), expectedSectors(5, 1));
    expect(inb(STATUS)).toBe(IDLE);
  });

  it('reads three sectors in order, one DRQ block each', () => {
    const { lba, command, readBlocks } = setup();
    lba(1000, 3);
    command(READ_SECTORS);
    expectBytes(readBlocks(3), expectedSectors(1000, 3));
  });

  it('accepts 21h (without retries) as READ SECTORS', () => {
    const { lba, command, readBlocks } = setup();
    lba(7, 2);
    command(0x21);
    expectBytes(readBlocks(2), expectedSectors(7, 2));
  });

  it('leaves the task file at the last sector with a sector count of 0', () => {
    const { lba, command, readBlocks, inb } = setup();
    lba(0x0102, 3);
    command(READ_SECTORS);
    readBlocks(3);
    expect([inb(COUNT), inb(LBA_LOW), inb(LBA_MID), inb(LBA_HIGH), inb(DEVICE)]).toEqual([0, 0x04, 0x01, 0, 0xe0]);
  });

  it('reads 256 sectors when the sector count is 0', () => {
    const { lba, command, readBlocks, inb } = setup();
    lba(300, 0);
    command(READ_SECTORS);
    expectBytes(readBlocks(256), expectedSectors(300, 256));
    expect(inb(STATUS)).toBe(IDLE);
  });

  it('finds the same sector by CHS as by LBA: (C, H, S) is LBA (C * 16 + H) * 63 + S - 1', () => {
    const a = setup();
    a.chs(2, 5, 17, 2);
    a.command(READ_SECTORS);
    const byChs = a.readBlocks(2);
    const b = setup();
    b.lba((2 * 16 + 5) * 63 + 16, 2);
    b.command(READ_SECTORS);
    expectBytes(byChs, b.readBlocks(2));
    expectBytes(byChs, expectedSectors(2347, 2));
  });

  it('crosses tracks and heads in CHS and writes the last sector back as CHS', () => {
    const { chs, command, readBlocks, inb } = setup();
    chs(0, 15, 62, 3); // sectors 62 and 63 of head 15, then cylinder 1 head 0 sector 1
    command(READ_SECTORS);
    expectBytes(readBlocks(3), expectedSectors(15 * 63 + 61, 3));
    expect([inb(LBA_LOW), inb(LBA_MID), inb(LBA_HIGH), inb(DEVICE) & 0x0f]).toEqual([1, 1, 0, 0]);
  });

  it('reads the data port 32 bits at a time as two words, low word first', () => {
    const { lba, command, waitNotBusy, io } = setup();
    lba(9, 1);
    command(READ_SECTORS);
    waitNotBusy();
    const got = new Uint8Array(SECTOR_SIZE);
    const view = new DataView(got.buffer);
    for (let i = 0; i < SECTOR_SIZE; i += 4) view.setUint32(i, io.read32(DATA) >>> 0, true);
    expectBytes(got, expectedSectors(9, 1));
  });
});

describe('WRITE SECTORS', () => {
  it('writes sectors that READ SECTORS then returns', () => {
    const { lba, command, writeBlocks, readBlocks, disk } = setup();
    const data = expectedSectors(40, 3, 77);
    lba(40, 3);
    command(WRITE_SECTORS);
    expect(writeBlocks(data)).toBe(IDLE);
    expectBytes(disk.bytes.subarray(40 * SECTOR_SIZE, 43 * SECTOR_SIZE), data);
    lba(40, 3);
    command(READ_SECTORS);
    expectBytes(readBlocks(3), data);
  });

  it('lands in the copy-on-write overlay and leaves the base image as it was', () => {
    const base = patterned(DISK_SECTORS);
    const before = base.bytes.slice();
    const cow = new CopyOnWriteDisk(base);
    const { lba, command, writeBlocks, readBlocks } = setup([cow, null]);
    const data = expectedSectors(12, 2, 5);
    lba(12, 2);
    command(WRITE_SECTORS);
    writeBlocks(data);
    lba(11, 4);
    command(READ_SECTORS);
    expectBytes(readBlocks(4), new Uint8Array([...expectedSectors(11, 1), ...data, ...expectedSectors(14, 1)]));
    expectBytes(base.bytes, before);
    expect(cow.writtenSectors).toBe(2);
  });

  it('writes by CHS where LBA would', () => {
    const { chs, command, writeBlocks, disk } = setup();
    chs(3, 1, 1, 1); // LBA (3 * 16 + 1) * 63 = 3087
    command(WRITE_SECTORS);
    writeBlocks(sectorBytes(0, 9));
    expectBytes(disk.bytes.subarray(3087 * SECTOR_SIZE, 3088 * SECTOR_SIZE), sectorBytes(0, 9));
  });

  it('writes 256 sectors when the sector count is 0', () => {
    const { lba, command, writeBlocks, disk } = setup();
    const data = expectedSectors(1, 256, 3);
    lba(1, 0);
    command(WRITE_SECTORS);
    expect(writeBlocks(data)).toBe(IDLE);
    expectBytes(disk.bytes.subarray(SECTOR_SIZE, 257 * SECTOR_SIZE), data);
    expectBytes(disk.bytes.subarray(257 * SECTOR_SIZE, 258 * SECTOR_SIZE), sectorBytes(257));
  });

  it('takes 32-bit writes to the data port as two words', () => {
    const { lba, command, io, waitNotBusy, disk } = setup();
    const data = sectorBytes(0, 42);
    const view = new DataView(data.buffer);
    lba(3, 1);
    command(WRITE_SECTORS);
    for (let i = 0; i < SECTOR_SIZE; i += 4) io.write32(DATA, view.getUint32(i, true));
    waitNotBusy();
    expectBytes(disk.bytes.subarray(3 * SECTOR_SIZE, 4 * SECTOR_SIZE), data);
  });
});

describe('timing on the cycle clock', () => {
  it('keeps a read BSY for the request and first sector, then raises DRQ at that cycle', () => {
    const { lba, command, inb, wait, irq, readBlock } = setup();
    lba(0, 2);
    command(READ_SECTORS);
    expect(inb(ALT_STATUS) & (BSY | DRQ)).toBe(BSY);
    wait(REQUEST + SECTOR - 1);
    expect(inb(ALT_STATUS) & (BSY | DRQ)).toBe(BSY);
    expect(irq.level).toBe(false);
    wait(1);
    expect(inb(ALT_STATUS) & (BSY | DRQ)).toBe(DRQ);
    expect(irq.level).toBe(true);
    inb(STATUS);
    readBlock();
    // The second sector comes one sector time after the host drained the first.
    expect(inb(ALT_STATUS) & (BSY | DRQ)).toBe(BSY);
    wait(SECTOR - 1);
    expect(inb(ALT_STATUS) & (BSY | DRQ)).toBe(BSY);
    wait(1);
    expect(inb(ALT_STATUS) & (BSY | DRQ)).toBe(DRQ);
  });

  it('asks for a write block at once, then is BSY for the request and the sector, and one sector for the next', () => {
    const { lba, command, inb, wait, writeBlock, irq } = setup();
    lba(0, 2);
    command(WRITE_SECTORS);
    expect(inb(ALT_STATUS)).toBe(IDLE | DRQ);
    expect(irq.level).toBe(false); // no interrupt before the first data-out block
    writeBlock(sectorBytes(0, 1));
    expect(inb(ALT_STATUS) & (BSY | DRQ)).toBe(BSY);
    wait(REQUEST + SECTOR - 1);
    expect(inb(ALT_STATUS) & BSY).toBe(BSY);
    wait(1);
    expect(inb(ALT_STATUS)).toBe(IDLE | DRQ);
    expect(irq.level).toBe(true);
    inb(STATUS);
    writeBlock(sectorBytes(1, 1));
    wait(SECTOR - 1);
    expect(inb(ALT_STATUS) & BSY).toBe(BSY);
    wait(1);
    expect(inb(ALT_STATUS)).toBe(IDLE);
  });

  it('uses the latencies it is given', () => {
    const { lba, command, inb, wait } = setup(undefined, { requestCycles: 10, sectorCycles: 5 });
    lba(0, 1);
    command(READ_SECTORS);
    wait(14);
    expect(inb(ALT_STATUS) & BSY).toBe(BSY);
    wait(1);
    expect(inb(ALT_STATUS) & DRQ).toBe(DRQ);
  });

  it('defaults to 0.1 ms per request and 0.01 ms per sector of the machine clock', () => {
    const clock = new Clock(33_000_000);
    const ata = new AtaController(new IoPorts(), clock, new IrqRecorder(), [MemoryDisk.blank(1), null]);
    expect([ata.requestCycles, ata.sectorCycles]).toEqual([3300, 330]);
  });

  it('takes the request time plus one sector time per sector for READ VERIFY, with no data', () => {
    const { lba, command, inb, wait, irq } = setup();
    lba(10, 4);
    command(READ_VERIFY);
    wait(REQUEST + 4 * SECTOR - 1);
    expect(inb(ALT_STATUS) & BSY).toBe(BSY);
    wait(1);
    expect(inb(ALT_STATUS)).toBe(IDLE);
    expect(irq.level).toBe(true);
    expect([inb(COUNT), inb(LBA_LOW)]).toEqual([0, 13]);
  });
});

describe('IRQ14', () => {
  it('is raised when a read block is ready and cleared by reading the status register', () => {
    const { lba, command, wait, irq, inb } = setup();
    lba(0, 1);
    command(READ_SECTORS);
    wait(REQUEST + SECTOR);
    expect(irq.level).toBe(true);
    inb(STATUS);
    expect(irq.level).toBe(false);
  });

  it('is not cleared by reading the alternate status', () => {
    const { lba, command, wait, irq, inb } = setup();
    lba(0, 1);
    command(READ_SECTORS);
    wait(REQUEST + SECTOR);
    expect(inb(ALT_STATUS)).toBe(IDLE | DRQ);
    expect(irq.level).toBe(true);
  });

  it('is raised once per block of a multi-sector read, with none after the last block is read', () => {
    const { lba, command, irq, readBlocks, wait } = setup();
    lba(0, 3);
    command(READ_SECTORS);
    readBlocks(3); // the status read before each block acknowledges it
    wait(10_000);
    expect(irq.rises).toBe(3);
    expect(irq.level).toBe(false);
  });

  it('is raised when a write completes', () => {
    const { lba, command, irq, writeBlock, wait, inb } = setup();
    lba(0, 1);
    command(WRITE_SECTORS);
    writeBlock(sectorBytes(0));
    expect(irq.level).toBe(false);
    wait(REQUEST + SECTOR);
    expect(irq.level).toBe(true);
    expect(inb(STATUS)).toBe(IDLE);
    expect(irq.level).toBe(false);
  });

  it('is raised when a non-data command completes', () => {
    const { command, irq, wait } = setup();
    command(SET_FEATURES);
    expect(irq.level).toBe(false);
    wait(REQUEST);
    expect(irq.level).toBe(true);
  });

  it('stays low while nIEN is set, and comes up for an interrupt still pending when nIEN is cleared', () => {
    const { out, lba, command, wait, irq, inb } = setup();
    out(DEVICE_CONTROL, NIEN);
    lba(0, 1);
    command(READ_SECTORS);
    wait(REQUEST + SECTOR);
    expect(inb(ALT_STATUS) & DRQ).toBe(DRQ);
    expect(irq.rises).toBe(0);
    out(DEVICE_CONTROL, 0);
    expect(irq.level).toBe(true);
  });

  it('is cleared by writing a command', () => {
    const { command, irq, wait } = setup();
    command(SET_FEATURES);
    wait(REQUEST);
    expect(irq.level).toBe(true);
    command(SET_FEATURES);
    expect(irq.level).toBe(false);
  });

  it('is driven by the selected device only', () => {
    const { out, command, irq, wait } = setup();
    command(SET_FEATURES);
    wait(REQUEST);
    expect(irq.level).toBe(true);
    out(DEVICE, 0xb0); // select the absent slave
    expect(irq.level).toBe(false);
    out(DEVICE, 0xa0);
    expect(irq.level).toBe(true);
  });
});

describe('errors', () => {
  it('fails a read past the last sector with ERR and IDNF, and no data', () => {
    const { lba, command, waitNotBusy, inb, irq } = setup();
    lba(DISK_SECTORS, 1);
    command(READ_SECTORS);
    expect(waitNotBusy()).toBe(IDLE | ERR);
    expect(inb(ERROR)).toBe(IDNF);
    expect(irq.rises).toBe(1);
  });

  it('transfers the sectors before the end, then fails at the first one past it with the task file pointing there', () => {
    const { lba, command, readBlocks, waitNotBusy, inb } = setup();
    lba(DISK_SECTORS - 2, 4);
    command(READ_SECTORS);
    expectBytes(readBlocks(2), expectedSectors(DISK_SECTORS - 2, 2));
    expect(waitNotBusy()).toBe(IDLE | ERR);
    expect(inb(ERROR)).toBe(IDNF);
    const at = inb(LBA_LOW) | (inb(LBA_MID) << 8) | (inb(LBA_HIGH) << 16);
    expect(at).toBe(DISK_SECTORS);
    expect(inb(COUNT)).toBe(2); // the failing sector and the one after it were not transferred
  });

  it('fails a write past the last sector without asking for data and without writing', () => {
    const { lba, command, waitNotBusy, inb, disk } = setup();
    const before = disk.bytes.slice();
    lba(DISK_SECTORS + 10, 1);
    command(WRITE_SECTORS);
    expect(inb(ALT_STATUS) & DRQ).toBe(0);
    expect(waitNotBusy()).toBe(IDLE | ERR);
    expect(inb(ERROR)).toBe(IDNF);
    expectBytes(disk.bytes, before);
  });

  it('fails a write that runs past the end after writing the sectors before it', () => {
    const { lba, command, waitNotBusy, writeBlock, inb, disk } = setup();
    lba(DISK_SECTORS - 1, 2);
    command(WRITE_SECTORS);
    writeBlock(sectorBytes(0, 8));
    expect(waitNotBusy()).toBe(IDLE | ERR);
    expect(inb(ERROR)).toBe(IDNF);
    expectBytes(disk.bytes.subarray((DISK_SECTORS - 1) * SECTOR_SIZE), sectorBytes(0, 8));
  });

  it('fails READ VERIFY past the end with IDNF at the first sector outside', () => {
    const { lba, command, waitNotBusy, inb } = setup();
    lba(DISK_SECTORS - 1, 3);
    command(READ_VERIFY);
    expect(waitNotBusy()).toBe(IDLE | ERR);
    expect(inb(ERROR)).toBe(IDNF);
    expect(inb(LBA_LOW) | (inb(LBA_MID) << 8)).toBe(DISK_SECTORS);
  });

  it('fails CHS addresses outside the translation with IDNF: sector 0, a sector past 63, a cylinder past the last', () => {
    for (const [c, h, sector] of [[0, 0, 0], [0, 0, 64], [4, 0, 1]] as const) {
      const { chs, command, waitNotBusy, inb } = setup();
      chs(c, h, sector, 1);
      command(READ_SECTORS);
      expect(waitNotBusy()).toBe(IDLE | ERR);
      expect(inb(ERROR)).toBe(IDNF);
    }
  });

  it('fails a head past the last one of a smaller translation with IDNF', () => {
    const { out, chs, command, waitNotBusy, inb } = setup();
    out(COUNT, 63);
    out(DEVICE, 0xa0 | 3); // 4 heads
    command(INIT_PARAMS);
    waitNotBusy();
    chs(0, 4, 1, 1);
    command(READ_SECTORS);
    expect(waitNotBusy()).toBe(IDLE | ERR);
    expect(inb(ERROR)).toBe(IDNF);
    chs(0, 3, 63, 1); // the last sector of the last head is fine
    command(READ_SECTORS);
    expect(waitNotBusy()).toBe(IDLE | DRQ);
  });

  it('aborts commands it does not implement with ERR and ABRT, at once and with an interrupt', () => {
    for (const c of [0x00 /* NOP */, 0xc4 /* READ MULTIPLE */, 0xc8 /* READ DMA */, 0x24 /* READ SECTORS EXT */, 0xe0 /* STANDBY IMMEDIATE */]) {
      const { command, inb, irq } = setup();
      command(c);
      expect(inb(ALT_STATUS)).toBe(IDLE | ERR);
      expect(inb(ERROR)).toBe(ABRT);
      expect(irq.level).toBe(true);
    }
  });

  it('aborts IDENTIFY PACKET DEVICE: the device is not ATAPI', () => {
    const { command, inb } = setup();
    command(IDENTIFY_PACKET);
    expect(inb(STATUS)).toBe(IDLE | ERR);
    expect(inb(ERROR)).toBe(ABRT);
  });

  it('aborts SET MULTIPLE MODE', () => {
    const { command, out, inb } = setup();
    out(COUNT, 16);
    command(SET_MULTIPLE);
    expect(inb(STATUS)).toBe(IDLE | ERR);
    expect(inb(ERROR)).toBe(ABRT);
  });

  it('clears ERR when the next command starts', () => {
    const { command, lba, inb, readBlocks } = setup();
    command(0x00);
    expect(inb(STATUS) & ERR).toBe(ERR);
    lba(0, 1);
    command(READ_SECTORS);
    expect(inb(ALT_STATUS) & ERR).toBe(0);
    readBlocks(1);
    expect(inb(STATUS)).toBe(IDLE);
  });

  it('reports an image the host cannot read as an uncorrectable error (UNC)', () => {
    const broken: BlockDevice = {
      sectorCount: 100,
      name: 'broken',
      read() { throw new Error('EIO'); },
      write() { throw new Error('EIO'); },
    };
    const { lba, command, waitNotBusy, inb } = setup([broken, null]);
    lba(1, 1);
    command(READ_SECTORS);
    expect(waitNotBusy()).toBe(IDLE | ERR);
    expect(inb(ERROR)).toBe(0x40);
  });

  it('ignores a command written while BSY is set', () => {
    const { lba, command, wait, inb, readBlocks } = setup();
    lba(20, 1);
    command(READ_SECTORS);
    wait(10);
    command(0x00); // would abort if it were taken
    expectBytes(readBlocks(1), expectedSectors(20, 1));
    expect(inb(ERROR) & ABRT).toBe(0);
  });
});

describe('other commands', () => {
  it('INITIALIZE DEVICE PARAMETERS sets the CHS translation that CHS addresses and words 54-58 use', () => {
    const { out, command, waitNotBusy, identify, chs, readBlocks, irq } = setup();
    out(COUNT, 32); // sectors per track
    out(DEVICE, 0xa0 | 7); // heads - 1
    command(INIT_PARAMS);
    expect(waitNotBusy()).toBe(IDLE);
    expect(irq.rises).toBe(1);
    const w = identify();
    expect([w[54], w[55], w[56]]).toEqual([Math.floor(DISK_SECTORS / 256), 8, 32]);
    expect([w[1], w[3], w[6]]).toEqual([4, 16, 63]); // the default translation does not change
    chs(1, 2, 3, 1); // (1 * 8 + 2) * 32 + 2 = 322
    command(READ_SECTORS);
    expectBytes(readBlocks(1), expectedSectors(322, 1));
  });

  it('INITIALIZE DEVICE PARAMETERS with 0 sectors per track is aborted', () => {
    const { out, command, waitNotBusy, inb } = setup();
    out(COUNT, 0);
    command(INIT_PARAMS);
    expect(waitNotBusy()).toBe(IDLE | ERR);
    expect(inb(ERROR)).toBe(ABRT);
  });

  it('SET FEATURES is accepted', () => {
    const { out, command, waitNotBusy } = setup();
    out(FEATURES, 0x03); // set transfer mode
    out(COUNT, 0x0c); // PIO mode 4
    command(SET_FEATURES);
    expect(waitNotBusy()).toBe(IDLE);
  });

  it('FLUSH CACHE flushes the image and completes with an interrupt', () => {
    const disk = patterned(16);
    let flushes = 0;
    const flushing: BlockDevice = {
      sectorCount: disk.sectorCount,
      name: disk.name,
      read: (l, c, b, o) => disk.read(l, c, b, o),
      write: (l, c, b, o) => disk.write(l, c, b, o),
      flush: () => { flushes++; },
    };
    const { command, waitNotBusy, irq } = setup([flushing, null]);
    command(FLUSH_CACHE);
    expect(waitNotBusy()).toBe(IDLE);
    expect(flushes).toBe(1);
    expect(irq.rises).toBe(1);
  });

  it('EXECUTE DEVICE DIAGNOSTIC sets the signature with code 01h and interrupts', () => {
    const { lba, command, waitNotBusy, inb, irq, wait } = setup();
    lba(0x123456, 9);
    command(DIAGNOSTIC);
    expect(inb(ALT_STATUS) & BSY).toBe(BSY);
    wait(REQUEST);
    expect(irq.level).toBe(true);
    expect(waitNotBusy()).toBe(IDLE);
    expect([inb(COUNT), inb(LBA_LOW), inb(LBA_MID), inb(LBA_HIGH), inb(DEVICE)]).toEqual([1, 1, 0, 0, 0xa0]);
    expect(inb(ERROR)).toBe(0x01);
  });

  it('EXECUTE DEVICE DIAGNOSTIC runs even when the absent slave is selected, and selects device 0', () => {
    const { out, command, wait, inb } = setup();
    out(DEVICE, 0xb0);
    command(DIAGNOSTIC);
    wait(REQUEST);
    expect(inb(STATUS)).toBe(IDLE);
    expect(inb(ERROR)).toBe(0x01);
    expect(inb(DEVICE)).toBe(0xa0);
  });
});

describe('soft reset (SRST)', () => {
  it('holds BSY while SRST is set, then shows the signature without an interrupt', () => {
    const { out, lba, inb, wait, irq } = setup();
    lba(0x345678, 7);
    out(DEVICE_CONTROL, SRST);
    expect(inb(ALT_STATUS)).toBe(BSY);
    wait(REQUEST * 5);
    expect(inb(ALT_STATUS)).toBe(BSY);
    out(DEVICE_CONTROL, 0);
    expect(inb(ALT_STATUS) & BSY).toBe(BSY);
    wait(REQUEST);
    expect(inb(ALT_STATUS)).toBe(IDLE);
    expect([inb(COUNT), inb(LBA_LOW), inb(LBA_MID), inb(LBA_HIGH), inb(DEVICE)]).toEqual([1, 1, 0, 0, 0xa0]);
    expect(inb(ERROR)).toBe(0x01);
    expect(irq.rises).toBe(0);
  });

  it('abandons a transfer in progress and drops a pending interrupt', () => {
    const { out, lba, command, wait, inb, irq, io, disk } = setup();
    lba(0, 4);
    command(READ_SECTORS);
    wait(REQUEST + SECTOR);
    expect(irq.level).toBe(true);
    out(DEVICE_CONTROL, SRST);
    expect(irq.level).toBe(false);
    out(DEVICE_CONTROL, 0);
    wait(REQUEST * 10);
    expect(inb(STATUS)).toBe(IDLE);
    expect(io.read16(DATA)).toBe(0xffff); // no data phase any more
    expect(irq.rises).toBe(1);
    expect(disk.sectorCount).toBe(DISK_SECTORS);
  });

  it('restores the default CHS translation', () => {
    const { out, command, waitNotBusy, identify, wait } = setup();
    out(COUNT, 32);
    out(DEVICE, 0xa0 | 7);
    command(INIT_PARAMS);
    waitNotBusy();
    out(DEVICE_CONTROL, SRST);
    out(DEVICE_CONTROL, 0);
    wait(REQUEST);
    const w = identify();
    expect([w[54], w[55], w[56]]).toEqual([4, 16, 63]);
  });

  it('ignores commands while SRST is held', () => {
    const { out, command, wait, inb } = setup();
    out(DEVICE_CONTROL, SRST);
    command(0x00);
    out(DEVICE_CONTROL, 0);
    wait(REQUEST);
    expect(inb(STATUS)).toBe(IDLE);
    expect(inb(ERROR)).toBe(0x01);
  });
});

describe('master and slave', () => {
  it('returns status 0 for an absent slave and ignores commands sent to it', () => {
    const { out, command, inb, irq, wait } = setup();
    out(DEVICE, 0xb0);
    expect(inb(STATUS)).toBe(0);
    expect(inb(ALT_STATUS)).toBe(0);
    command(IDENTIFY);
    wait(REQUEST * 2);
    expect(inb(STATUS)).toBe(0);
    expect(irq.rises).toBe(0);
    out(DEVICE, 0xa0);
    expect(inb(STATUS)).toBe(IDLE); // the master did not take it either
  });

  it('answers register reads for the absent slave with the master\'s copy', () => {
    const { out, inb } = setup();
    out(DEVICE, 0xb0);
    out(COUNT, 0x55);
    out(LBA_LOW, 0xaa);
    expect([inb(COUNT), inb(LBA_LOW), inb(DEVICE)]).toEqual([0x55, 0xaa, 0xb0]);
  });

  it('reads every register as FFh when there is no drive on the channel', () => {
    const { inb, io } = setup([null, null]);
    for (const port of [ERROR, COUNT, LBA_LOW, LBA_MID, LBA_HIGH, DEVICE, STATUS, ALT_STATUS]) expect(inb(port)).toBe(0xff);
    expect(io.read16(DATA)).toBe(0xffff);
  });

  it('reads from the slave\'s image when DEV is 1', () => {
    const slave = patterned(64, 99);
    const { lba, command, readBlocks } = setup([patterned(64), slave]);
    lba(6, 2, 1);
    command(READ_SECTORS);
    expectBytes(readBlocks(2), expectedSectors(6, 2, 99));
  });

  it('keeps a task file per device: the slave\'s registers do not move when the master reads', () => {
    const { lba, command, readBlocks, out, inb } = setup([patterned(64), patterned(64)]);
    lba(10, 3, 0);
    command(READ_SECTORS);
    readBlocks(3);
    expect([inb(COUNT), inb(LBA_LOW)]).toEqual([0, 12]);
    out(DEVICE, 0xf0);
    expect([inb(COUNT), inb(LBA_LOW)]).toEqual([3, 10]);
  });

  it('reports the slave\'s status when the slave is selected, and the master\'s interrupt only while the master is', () => {
    const { out, command, inb, irq, wait } = setup([patterned(64), patterned(64)]);
    out(DEVICE, 0xa0);
    command(SET_FEATURES);
    out(DEVICE, 0xb0);
    expect(inb(STATUS)).toBe(IDLE); // the slave is idle while the master works
    wait(REQUEST);
    expect(irq.level).toBe(false);
    out(DEVICE, 0xa0);
    expect(irq.level).toBe(true);
  });
});

describe('reset()', () => {
  it('returns the channel to its power-on state', () => {
    const { lba, command, wait, ata, inb, irq, out } = setup();
    out(DEVICE_CONTROL, NIEN);
    lba(0, 2);
    command(READ_SECTORS);
    wait(REQUEST + SECTOR);
    ata.reset();
    expect(inb(STATUS)).toBe(IDLE);
    expect([inb(COUNT), inb(LBA_LOW), inb(LBA_MID), inb(LBA_HIGH), inb(DEVICE)]).toEqual([1, 1, 0, 0, 0xa0]);
    wait(REQUEST * 10);
    expect(inb(STATUS)).toBe(IDLE);
    // nIEN is cleared: the next interrupt reaches the line.
    command(SET_FEATURES);
    wait(REQUEST);
    expect(irq.level).toBe(true);
  });
});
