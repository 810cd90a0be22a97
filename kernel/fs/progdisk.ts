// The program disk: a plain ustar archive on an ATA disk (made with `tar`, images/build.sh). At
// boot the kernel reads its headers one sector at a time and keeps an index of the files; file
// data is read on demand (a program's pages on their first touch, read() on an open file).

import { phys, type Hw, type PhysAddr } from '../hw.ts';
import type { AtaDisk } from '../dev/ata.ts';
import { nextHeaderOffset, parseUstarHeader, USTAR_BLOCK, type UstarEntry } from './ustar.ts';

const SECTOR = 512;

export class ProgramDisk {
  private readonly hw: Hw;
  readonly disk: AtaDisk;
  readonly sectors: number;
  readonly files = new Map<string, UstarEntry>();
  /** Set when the index could not be read (shown by `ls`). */
  error: string | null = null;

  constructor(hw: Hw, disk: AtaDisk, sectors: number) {
    this.hw = hw;
    this.disk = disk;
    this.sectors = sectors;
  }

  /** Reads every header into the index, using `buf` (at least one sector of physical memory); then `done`. */
  loadIndex(buf: PhysAddr, done: () => void): void {
    const step = (offset: number): void => {
      if (offset / SECTOR >= this.sectors) { done(); return; }
      this.disk.read(offset / SECTOR, 1, buf, (err) => {
        if (err !== null) { this.error = err; done(); return; }
        const e = parseUstarHeader(this.hw.readBytes(buf, USTAR_BLOCK), offset);
        if (e === null) { done(); return; }
        if (typeof e === 'string') { this.error = e; done(); return; }
        if (e.type === 'file') this.files.set(e.name, e);
        step(nextHeaderOffset(e));
      });
    };
    step(0);
  }

  lookup(name: string): UstarEntry | null {
    return this.files.get(name.replace(/^\/+/, '')) ?? null;
  }

  /**
   * Reads bytes [from, from+length) of a file into physical memory at `dst` (contiguous). `bounce`
   * is a buffer of at least `length + 2 * SECTOR` bytes for the whole sectors the range covers.
   */
  readFile(e: UstarEntry, from: number, length: number, dst: PhysAddr, bounce: PhysAddr, done: (err: string | null) => void): void {
    this.readSectors(e, from, length, bounce, (err, at) => {
      if (err === null) this.hw.port.copyPhys(dst, at, length);
      done(err);
    });
  }

  /** The same, handing the bytes to the kernel instead (a program's header, a read() buffer). */
  readFileBytes(e: UstarEntry, from: number, length: number, bounce: PhysAddr, done: (err: string | null, bytes: Uint8Array) => void): void {
    this.readSectors(e, from, length, bounce, (err, at) => done(err, err === null ? this.hw.readBytes(at, length) : new Uint8Array(0)));
  }

  /** Reads the whole sectors holding bytes [from, from+length) of a file into `bounce`; `at` is where byte `from` landed. */
  private readSectors(e: UstarEntry, from: number, length: number, bounce: PhysAddr, done: (err: string | null, at: PhysAddr) => void): void {
    const start = e.dataOffset + from;
    const first = Math.floor(start / SECTOR);
    const at = phys(bounce + (start - first * SECTOR));
    if (length <= 0) { done(null, at); return; }
    const last = Math.floor((start + length - 1) / SECTOR);
    this.disk.read(first, last - first + 1, bounce, (err) => done(err, at));
  }
}
