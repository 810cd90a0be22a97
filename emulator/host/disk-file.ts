// Disk images backed by a file on the host.
//
// The file is read a few sectors at a time through a file descriptor (fs.readSync at the sector's
// offset), so a multi-gigabyte image costs no memory until the guest reads it. Unless the user
// asked for writes to reach the file (`--write`), the image is wrapped in a CopyOnWriteDisk: the
// guest sees its writes for the rest of the run and the file is never opened for writing.
//
// Every problem with the file is reported as an Error with one line of text naming the file, which
// the CLI can print as it is.

import * as fs from 'node:fs';
import { type BlockDevice, checkRange, CopyOnWriteDisk, SECTOR_SIZE } from '../disk.ts';
import { checkRegularFile, describeFsError, type Fail } from './file-checks.ts';

export interface DiskFileOptions {
  /** Let the guest's writes reach the file; otherwise they are kept in memory (copy-on-write). */
  write: boolean;
}

/** Opens the image at `path`; throws an Error with a one-line message when it cannot be used. */
export function openDiskFile(path: string, options: DiskFileOptions): BlockDevice {
  const file = FileDisk.open(path, options.write);
  return options.write ? file : new CopyOnWriteDisk(file);
}

/** The sectors of an open image file, read and written in place. */
export class FileDisk implements BlockDevice {
  readonly name: string;
  readonly sectorCount: number;
  readonly writable: boolean;
  private fd: number;

  private constructor(path: string, fd: number, sectorCount: number, writable: boolean) {
    this.name = path;
    this.fd = fd;
    this.sectorCount = sectorCount;
    this.writable = writable;
  }

  /**
   * A writable disk over `fd`, a regular file of `bytes` (whole sectors) open for reading and
   * writing that the caller has already looked at (swap-file.ts); close() closes `fd`.
   */
  static adopt(path: string, fd: number, bytes: number): FileDisk {
    if (bytes <= 0 || bytes % SECTOR_SIZE !== 0) throw new RangeError(`disk image ${path}: ${bytes} bytes is not a whole number of ${SECTOR_SIZE}-byte sectors`);
    return new FileDisk(path, fd, bytes / SECTOR_SIZE, true);
  }

  /** Opens `path` for reading (and writing when `writable`), checking that it is a usable image. */
  static open(path: string, writable: boolean): FileDisk {
    const fail = (why: string): never => {
      throw new Error(`disk image ${path}: ${why}`);
    };
    const mode = writable ? 'reading and writing' : 'reading';
    const explain = (e: unknown): never => fail(describeFsError(e, mode, 'an image file'));
    // Look before opening: opening a FIFO or a terminal could block or consume input (file-checks.ts).
    let st: fs.Stats;
    try {
      st = fs.statSync(path);
    } catch (e) {
      return explain(e);
    }
    checkStats(st, fail);
    let fd: number;
    try {
      fd = fs.openSync(path, writable ? 'r+' : 'r');
    } catch (e) {
      return explain(e);
    }
    try {
      // The file may have changed between the two looks; the descriptor's size is the one used.
      const fst = fs.fstatSync(fd);
      checkStats(fst, fail);
      return new FileDisk(path, fd, fst.size / SECTOR_SIZE, writable);
    } catch (e) {
      fs.closeSync(fd);
      throw e;
    }
  }

  read(lba: number, count: number, into: Uint8Array, offset: number): void {
    checkRange(this, lba, count, into, offset);
    const length = count * SECTOR_SIZE;
    let done = 0;
    while (done < length) {
      const n = fs.readSync(this.openFd(), into, offset + done, length - done, lba * SECTOR_SIZE + done);
      if (n === 0) {
        throw new Error(`disk image ${this.name}: the file ended before sector ${lba + Math.floor(done / SECTOR_SIZE)} (was it truncated?)`);
      }
      done += n;
    }
  }

  write(lba: number, count: number, from: Uint8Array, offset: number): void {
    if (!this.writable) throw new Error(`disk image ${this.name}: opened read-only`);
    checkRange(this, lba, count, from, offset);
    const length = count * SECTOR_SIZE;
    let done = 0;
    while (done < length) {
      done += fs.writeSync(this.openFd(), from, offset + done, length - done, lba * SECTOR_SIZE + done);
    }
  }

  flush(): void {
    if (this.writable) fs.fsyncSync(this.openFd());
  }

  close(): void {
    if (this.fd < 0) return;
    fs.closeSync(this.fd);
    this.fd = -1;
  }

  private openFd(): number {
    if (this.fd < 0) throw new Error(`disk image ${this.name}: used after close()`);
    return this.fd;
  }
}

function checkStats(st: fs.Stats, fail: Fail): void {
  checkRegularFile(st, fail, 'an image file');
  if (st.size === 0) fail('the file is empty');
  if (st.size % SECTOR_SIZE !== 0) fail(`${st.size} bytes is not a whole number of ${SECTOR_SIZE}-byte sectors`);
}
