// Disk images as the devices see them: arrays of 512-byte sectors addressed by LBA.
//
// A BlockDevice is what the ATA controller (devices/ata.ts) reads and writes; where the sectors
// live is the host's business. This file holds the interface and the two images that need no
// runtime: MemoryDisk, over a Uint8Array (tests, images built in memory), and CopyOnWriteDisk,
// which keeps a guest's writes in memory so that the image underneath is never changed.
// host/disk-file.ts adds images backed by a file; it wraps them in a CopyOnWriteDisk unless the
// user asked for writes to reach the file (--write).

export const SECTOR_SIZE = 512;

export interface BlockDevice {
  /** The number of 512-byte sectors; LBAs run from 0 to sectorCount - 1. */
  readonly sectorCount: number;
  /** For messages: the file's path, or what the image is. */
  readonly name: string;
  /** Copies sectors lba .. lba+count-1 into `into` from `offset` on; throws RangeError outside the disk. */
  read(lba: number, count: number, into: Uint8Array, offset: number): void;
  /** Stores `count` sectors from `from` (starting at `offset`) at lba .. lba+count-1; throws RangeError outside the disk. */
  write(lba: number, count: number, from: Uint8Array, offset: number): void;
  /** Makes the writes so far durable (FLUSH CACHE); images with nothing to flush leave it out. */
  flush?(): void;
  /** Releases what the image holds on the host (a file descriptor). */
  close?(): void;
}

/** Throws unless sectors lba .. lba+count-1 are on `disk` and `buffer` holds them from `offset`. */
export function checkRange(disk: BlockDevice, lba: number, count: number, buffer: Uint8Array, offset: number): void {
  if (!Number.isInteger(lba) || !Number.isInteger(count) || lba < 0 || count < 0 || lba + count > disk.sectorCount) {
    throw new RangeError(`${disk.name}: sectors ${lba}..${lba + count - 1} are outside the disk (${disk.sectorCount} sectors)`);
  }
  if (!Number.isInteger(offset) || offset < 0 || offset + count * SECTOR_SIZE > buffer.length) {
    throw new RangeError(`${disk.name}: a buffer of ${buffer.length} bytes cannot hold ${count} sectors at offset ${offset}`);
  }
}

/** An image held in memory; writes change `bytes`. */
export class MemoryDisk implements BlockDevice {
  readonly bytes: Uint8Array;
  readonly name: string;
  readonly sectorCount: number;

  constructor(bytes: Uint8Array, name = 'memory disk') {
    if (bytes.length % SECTOR_SIZE !== 0) {
      throw new Error(`${name}: ${bytes.length} bytes is not a whole number of ${SECTOR_SIZE}-byte sectors`);
    }
    this.bytes = bytes;
    this.name = name;
    this.sectorCount = bytes.length / SECTOR_SIZE;
  }

  /** A zero-filled disk of `sectors` sectors. */
  static blank(sectors: number, name?: string): MemoryDisk {
    return new MemoryDisk(new Uint8Array(sectors * SECTOR_SIZE), name);
  }

  read(lba: number, count: number, into: Uint8Array, offset: number): void {
    checkRange(this, lba, count, into, offset);
    into.set(this.bytes.subarray(lba * SECTOR_SIZE, (lba + count) * SECTOR_SIZE), offset);
  }

  write(lba: number, count: number, from: Uint8Array, offset: number): void {
    checkRange(this, lba, count, from, offset);
    this.bytes.set(from.subarray(offset, offset + count * SECTOR_SIZE), lba * SECTOR_SIZE);
  }
}

/**
 * Reads come from `base` except for sectors written since, which are kept in an in-memory overlay;
 * `base` is never written. The overlay lasts as long as this object (one run of the machine).
 */
export class CopyOnWriteDisk implements BlockDevice {
  readonly base: BlockDevice;
  readonly name: string;
  readonly sectorCount: number;
  /** Written sectors by LBA, each a private 512-byte copy. */
  private readonly overlay = new Map<number, Uint8Array>();

  constructor(base: BlockDevice) {
    this.base = base;
    this.name = base.name;
    this.sectorCount = base.sectorCount;
  }

  /** How many distinct sectors the guest has written (and the overlay holds). */
  get writtenSectors(): number {
    return this.overlay.size;
  }

  read(lba: number, count: number, into: Uint8Array, offset: number): void {
    checkRange(this, lba, count, into, offset);
    // Runs of sectors the overlay does not hold go to the base in one read each.
    let runStart = lba;
    const end = lba + count;
    for (let s = lba; s <= end; s++) {
      const copy = s < end ? this.overlay.get(s) : undefined;
      if (s < end && copy === undefined) continue;
      if (s > runStart) this.base.read(runStart, s - runStart, into, offset + (runStart - lba) * SECTOR_SIZE);
      if (copy !== undefined) into.set(copy, offset + (s - lba) * SECTOR_SIZE);
      runStart = s + 1;
    }
  }

  write(lba: number, count: number, from: Uint8Array, offset: number): void {
    checkRange(this, lba, count, from, offset);
    for (let i = 0; i < count; i++) {
      const start = offset + i * SECTOR_SIZE;
      const copy = this.overlay.get(lba + i);
      if (copy) copy.set(from.subarray(start, start + SECTOR_SIZE));
      else this.overlay.set(lba + i, from.slice(start, start + SECTOR_SIZE));
    }
  }

  close(): void {
    this.base.close?.();
  }
}
