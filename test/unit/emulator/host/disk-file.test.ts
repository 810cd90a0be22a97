// Disk images backed by files (emulator/host/disk-file.ts), on temporary files: the checks that give
// one-line errors, reading in place, and copy-on-write unless writes were asked for.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import type * as FsModule from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Clock } from '../../../../emulator/clock.ts';
import { AtaController, BSY, DRQ } from '../../../../emulator/devices/ata.ts';
import { type BlockDevice, CopyOnWriteDisk, SECTOR_SIZE } from '../../../../emulator/disk.ts';
import { openDiskFile } from '../../../../emulator/host/disk-file.ts';
import { IrqRecorder } from '../../../../emulator/irq.ts';
import { IoPorts } from '../../../../emulator/memory/ioports.ts';

// openSync passes through to the real one unless a test makes it fail (to stand for a file the
// user may not read when the tests run as root, who may read anything).
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof FsModule>();
  return { ...real, openSync: vi.fn(real.openSync) };
});

let dir = '';
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ts386-disk-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A file of `sectors` sectors where sector s is filled with s & 0xff (and its LBA in the first two bytes). */
function imageFile(name: string, sectors: number): string {
  const bytes = new Uint8Array(sectors * SECTOR_SIZE);
  for (let s = 0; s < sectors; s++) {
    bytes.fill(s & 0xff, s * SECTOR_SIZE, (s + 1) * SECTOR_SIZE);
    bytes[s * SECTOR_SIZE] = s & 0xff;
    bytes[s * SECTOR_SIZE + 1] = s >> 8;
  }
  const p = path.join(dir, name);
  fs.writeFileSync(p, bytes);
  return p;
}

const sha256 = (p: string) => createHash('sha256').update(fs.readFileSync(p)).digest('hex');

/** Writes `data` to sectors from `lba` through an ATA controller, as a guest would. */
function guestWrite(disk: BlockDevice, lba: number, data: Uint8Array): void {
  const clock = new Clock();
  const io = new IoPorts();
  new AtaController(io, clock, new IrqRecorder(), [disk, null], { requestCycles: 10, sectorCycles: 10 });
  io.write8(0x1f6, 0xe0);
  io.write8(0x1f2, data.length / SECTOR_SIZE);
  io.write8(0x1f3, lba & 0xff);
  io.write8(0x1f4, lba >> 8);
  io.write8(0x1f5, 0);
  io.write8(0x1f7, 0x30); // WRITE SECTORS
  for (let i = 0; i < data.length; i += 2) {
    if (i % SECTOR_SIZE === 0) {
      while (io.read8(0x1f7) & BSY) { clock.advanceTo(clock.now + 10); clock.runDue(); }
      expect(io.read8(0x3f6) & DRQ).toBe(DRQ);
    }
    io.write16(0x1f0, data[i]! | (data[i + 1]! << 8));
  }
  while (io.read8(0x1f7) & BSY) { clock.advanceTo(clock.now + 10); clock.runDue(); }
  expect(io.read8(0x1f7) & 1).toBe(0); // no ERR
}

const dataBlock = (sectors: number, value: number) => new Uint8Array(sectors * SECTOR_SIZE).fill(value);

describe('openDiskFile: checking the file', () => {
  it('refuses a size that is not a whole number of sectors, with a one-line message', () => {
    const p = path.join(dir, 'floppy-plus-one.img');
    fs.writeFileSync(p, new Uint8Array(1474561));
    expect(() => openDiskFile(p, { write: false })).toThrow(new Error(`disk image ${p}: 1474561 bytes is not a whole number of 512-byte sectors`));
  });

  it('accepts a 1.44 MB image as 2880 sectors named by its path', () => {
    const p = path.join(dir, 'floppy.img');
    fs.writeFileSync(p, new Uint8Array(1474560));
    const disk = openDiskFile(p, { write: false });
    expect(disk.sectorCount).toBe(2880);
    expect(disk.name).toBe(p);
    disk.close?.();
  });

  it('says when the file does not exist', () => {
    const p = path.join(dir, 'missing.img');
    expect(() => openDiskFile(p, { write: false })).toThrow(new Error(`disk image ${p}: no such file`));
  });

  it('says when the path is a directory', () => {
    expect(() => openDiskFile(dir, { write: false })).toThrow(new Error(`disk image ${dir}: is a directory, not an image file`));
    expect(() => openDiskFile(dir, { write: true })).toThrow(new Error(`disk image ${dir}: is a directory, not an image file`));
  });

  it('says when the file may not be read', () => {
    const p = imageFile('locked.img', 4);
    vi.mocked(fs.openSync).mockImplementationOnce(() => {
      throw Object.assign(new Error(`EACCES: permission denied, open '${p}'`), { code: 'EACCES' });
    });
    expect(() => openDiskFile(p, { write: false })).toThrow(new Error(`disk image ${p}: permission denied (it cannot be opened for reading)`));
  });

  it.skipIf(process.getuid?.() === 0)('says when a file without read permission cannot be read', () => {
    const p = imageFile('mode-000.img', 4);
    fs.chmodSync(p, 0o000);
    expect(() => openDiskFile(p, { write: false })).toThrow(new Error(`disk image ${p}: permission denied (it cannot be opened for reading)`));
  });

  it('refuses an empty file', () => {
    const p = path.join(dir, 'empty.img');
    fs.writeFileSync(p, new Uint8Array(0));
    expect(() => openDiskFile(p, { write: false })).toThrow(new Error(`disk image ${p}: the file is empty`));
  });

  it('refuses a FIFO without opening it (which would wait for a writer)', () => {
    const p = path.join(dir, 'fifo');
    execFileSync('mkfifo', [p]);
    expect(() => openDiskFile(p, { write: false })).toThrow(new Error(`disk image ${p}: is not a regular file`));
  });
});

describe('openDiskFile: sectors', () => {
  it('reads the sectors of the file in place', () => {
    const p = imageFile('read.img', 40);
    const disk = openDiskFile(p, { write: false });
    const buf = new Uint8Array(3 * SECTOR_SIZE);
    disk.read(10, 3, buf, 0);
    expect([buf[0], buf[1], buf[2], buf[SECTOR_SIZE], buf[2 * SECTOR_SIZE + 511]]).toEqual([10, 0, 10, 11, 12]);
    disk.close?.();
  });

  it('reads past 4 GiB without loading the image (a sparse 6 GiB file)', () => {
    const p = path.join(dir, 'sparse.img');
    const size = 6 * 1024 ** 3;
    const fd = fs.openSync(p, 'w');
    fs.ftruncateSync(fd, size);
    fs.writeSync(fd, dataBlock(1, 0x5a), 0, SECTOR_SIZE, size - SECTOR_SIZE);
    fs.closeSync(fd);
    const before = process.memoryUsage().rss;
    const disk = openDiskFile(p, { write: false });
    const buf = new Uint8Array(2 * SECTOR_SIZE);
    disk.read(disk.sectorCount - 2, 2, buf, 0);
    expect(disk.sectorCount).toBe(size / SECTOR_SIZE);
    expect(buf[0]).toBe(0);
    expect(buf[SECTOR_SIZE]).toBe(0x5a);
    expect(process.memoryUsage().rss - before).toBeLessThan(512 * 1024 * 1024);
    disk.close?.();
  });

  it('is copy-on-write without --write: the guest reads its writes, the file stays byte for byte the same', () => {
    const p = imageFile('cow.img', 64);
    const hash = sha256(p);
    const disk = openDiskFile(p, { write: false });
    expect(disk).toBeInstanceOf(CopyOnWriteDisk);
    guestWrite(disk, 5, dataBlock(3, 0xc3));
    const buf = new Uint8Array(3 * SECTOR_SIZE);
    disk.read(5, 3, buf, 0);
    expect(buf.every((b) => b === 0xc3)).toBe(true);
    disk.close?.();
    expect(sha256(p)).toBe(hash);
  });

  it('writes through to the file with --write', () => {
    const p = imageFile('rw.img', 64);
    const hash = sha256(p);
    const disk = openDiskFile(p, { write: true });
    guestWrite(disk, 7, dataBlock(2, 0x3c));
    disk.flush?.();
    disk.close?.();
    expect(sha256(p)).not.toBe(hash);
    const bytes = fs.readFileSync(p);
    expect(bytes.subarray(7 * SECTOR_SIZE, 9 * SECTOR_SIZE).every((b) => b === 0x3c)).toBe(true);
    expect(bytes[6 * SECTOR_SIZE + 2]).toBe(6);
    expect(bytes[9 * SECTOR_SIZE + 2]).toBe(9);
  });

  it('opens the file read-only without --write', () => {
    const p = imageFile('mode.img', 4);
    vi.mocked(fs.openSync).mockClear();
    openDiskFile(p, { write: false }).close?.();
    openDiskFile(p, { write: true }).close?.();
    expect(vi.mocked(fs.openSync).mock.calls.map((c) => c[1])).toEqual(['r', 'r+']);
  });

  it('refuses to be used after close()', () => {
    const p = imageFile('closed.img', 4);
    const disk = openDiskFile(p, { write: true });
    disk.close?.();
    expect(() => disk.read(0, 1, new Uint8Array(SECTOR_SIZE), 0)).toThrow(`disk image ${p}: used after close()`);
  });

  it('reports a file that shrank under it instead of returning stale bytes', () => {
    const p = imageFile('shrinks.img', 8);
    const disk = openDiskFile(p, { write: false });
    fs.truncateSync(p, 4 * SECTOR_SIZE);
    expect(() => disk.read(6, 1, new Uint8Array(SECTOR_SIZE), 0)).toThrow(`disk image ${p}: the file ended before sector 6 (was it truncated?)`);
    disk.close?.();
  });
});
