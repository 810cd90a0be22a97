// The program disk: a plain ustar archive on an ATA disk (made with `tar`, images/build.sh). Its
// headers are read one sector at a time into an index of the files (mount); file data is read on
// demand (a program's pages on their first touch, read() on an open file, exec's ELF header).
//
// A read of file bytes is a FileRead: the whole sectors that hold them go into a bounce buffer from
// the kernel heap, owned here, and the caller sleeps on the read's disk request until it is done,
// then takes the bytes (copyTo, bytes) and releases the read. A caller that goes away first (a
// process killed while it waits) releases it all the same: the buffer then waits for the drive to
// finish with it, and reap() returns it to the heap, since the drive writes into it until then.

import { phys, type Hw, type PhysAddr } from '../hw.ts';
import { V2P } from '../layout.ts';
import type { BackingStore, FileRead } from '../mm/backing.ts';
import type { KernelHeap } from '../mm/heap.ts';
import type { AtaDisk } from '../dev/ata.ts';
import { HeldForIo, type IoWait } from '../wait.ts';
import { nextHeaderOffset, parseUstarHeader, USTAR_BLOCK, type UstarEntry } from './ustar.ts';

const SECTOR = 512;

export class ProgramDisk implements BackingStore {
  private readonly hw: Hw;
  private readonly heap: KernelHeap;
  readonly disk: AtaDisk;
  readonly sectors: number;
  readonly files = new Map<string, UstarEntry>();
  /** Set when the index could not be read (shown by `ls`). */
  error: string | null = null;
  /** The index scan: the next header's offset, and the read of the sector holding it. */
  private scanOffset = 0;
  private scan: FileRead | null = null;
  mounted = false;
  /** Released reads the drive has not finished with yet: their buffers are freed when it has. */
  private readonly abandoned = new HeldForIo<FileRead>((r) => this.heap.kfree(r.bounce));

  constructor(hw: Hw, heap: KernelHeap, disk: AtaDisk, sectors: number) {
    this.hw = hw;
    this.heap = heap;
    this.disk = disk;
    this.sectors = sectors;
  }

  /**
   * One step of reading the index: null once every header is read (or the scan stopped at an
   * error, in `error`), else the disk request to sleep on before calling again.
   */
  mount(): IoWait | null {
    while (!this.mounted) {
      if (this.scan === null) {
        if (this.scanOffset / SECTOR >= this.sectors) { this.mounted = true; break; }
        const r = this.readSectors(this.scanOffset, USTAR_BLOCK);
        if (typeof r === 'string') { this.error = r; this.mounted = true; break; }
        this.scan = r;
      }
      const r = this.scan;
      if (r.req.status === 'queued') return r.req;
      this.scan = null;
      if (r.req.status === 'error') { this.error = r.req.error; this.release(r); this.mounted = true; break; }
      const e = parseUstarHeader(this.bytes(r), this.scanOffset);
      this.release(r);
      if (e === null) { this.mounted = true; break; }
      if (typeof e === 'string') { this.error = e; this.mounted = true; break; }
      if (e.type === 'file') this.files.set(e.name, e);
      this.scanOffset = nextHeaderOffset(e);
    }
    return null;
  }

  lookup(name: string): UstarEntry | null {
    return this.files.get(name.replace(/^\/+/, '')) ?? null;
  }

  /** Starts reading bytes [from, from+length) of a file; an error string when no buffer can be had. */
  read(e: UstarEntry, from: number, length: number): FileRead | string {
    return this.readSectors(e.dataOffset + from, length);
  }

  /** The bytes of a finished read, copied into the kernel. */
  bytes(r: FileRead): Uint8Array {
    return this.hw.readPhysBytes(r.at, new Uint8Array(r.length));
  }

  /** Copies the bytes of a finished read to physical memory at `dst` (REP MOVSB, charged). */
  copyTo(r: FileRead, dst: PhysAddr): void {
    this.hw.copyPhys(dst, r.at, r.length);
  }

  /** Gives a read's buffer back: now if the drive is done with it, else once it is (reap). */
  release(r: FileRead): void {
    this.abandoned.hold(r);
  }

  /**
   * Starts writing bytes [from, from+length) of a file (a page of a file mapped MAP_SHARED going
   * back) from physical `src`: copied to a bounce buffer of whole sectors first (the rest of a
   * partial last sector is the file's padding: zeros), so `src` may change at once. The file's
   * data starts on a sector (ustar), so whole sectors from `from` (a page boundary) hold only its
   * bytes and that padding. The bytes reach the drive, and so the disk image (or its overlay, as
   * the CLI opened it); the buffer is freed once the drive is done (reap).
   */
  write(e: UstarEntry, from: number, src: PhysAddr, length: number): IoWait | string {
    if (from % SECTOR !== 0 || length <= 0 || from + length > e.size) return `a write of ${length} bytes at ${from} does not fit ${e.name}`;
    const count = Math.ceil(length / SECTOR);
    const bounce = this.heap.kmalloc(count * SECTOR);
    if (bounce === null) return 'out of kernel heap for a disk buffer';
    this.hw.fillPhys(V2P(bounce), count * SECTOR, 0);
    this.hw.copyPhys(V2P(bounce), src, length);
    const req = this.disk.write((e.dataOffset + from) / SECTOR, count, V2P(bounce));
    this.abandoned.hold({ req, bounce, at: V2P(bounce), length });
    return req;
  }

  /** The request of a released read the drive is still working on, if any. */
  inFlight(): IoWait | null {
    return this.abandoned.inFlight();
  }

  /** Frees the buffers of released reads the drive has finished with (called from the timer tick). */
  reap(): void {
    this.abandoned.reap();
  }

  /** Reads the whole sectors holding disk bytes [start, start+length) into a new bounce buffer. */
  private readSectors(start: number, length: number): FileRead | string {
    const first = Math.floor(start / SECTOR);
    const last = Math.floor((start + Math.max(length, 1) - 1) / SECTOR);
    const count = length <= 0 ? 0 : last - first + 1;
    const bounce = this.heap.kmalloc(Math.max(count, 1) * SECTOR);
    if (bounce === null) return 'out of kernel heap for a disk buffer';
    const req = this.disk.read(first, count, V2P(bounce));
    return { req, bounce, at: phys(V2P(bounce) + (start - first * SECTOR)), length: Math.max(length, 0) };
  }
}
