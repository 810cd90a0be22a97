// The ATA (IDE) disks on the primary channel, in PIO mode, driven by IRQ 14 (T13 ATA/ATAPI-4:
// "PIO data-in" and "PIO data-out" protocols, READ SECTORS 20h and WRITE SECTORS 30h with LBA28;
// OSDev "ATA PIO Mode").
//
//   0x1F0 data (16 bits)      0x1F4 LBA 15:8          0x3F6 read: alternate status (does not ack the IRQ)
//   0x1F1 error / features    0x1F5 LBA 23:16               write: device control (nIEN bit 1, SRST bit 2)
//   0x1F2 sector count        0x1F6 1 LBA 1 DEV LBA 27:24
//   0x1F3 LBA 7:0             0x1F7 read: status BSY DRDY DF . DRQ . . ERR (reading it acks the IRQ) / write: command
//
// The kernel cannot busy-wait: it runs inside a host call, and emulated time (so the drive) moves
// only between host calls. So a request is a record the caller keeps and sleeps on (it is a wait
// channel): the driver fills in its status when the drive is done and wakes the channel, and does
// nothing else; whoever waits looks at the record when it runs again. Inside the driver every wait
// is a state it returns from:
// - reads: one IRQ per sector; the handler reads the status (which acks the interrupt), then the
//   256 data words with one REP INSW (hw.insw; a write sends its words with REP OUTSW, hw.outsw).
//   After the last sector of a command the drive goes idle without an interrupt (PIO data-in has
//   none at the end), so the next command starts from the same handler.
// - writes: the drive asks for the FIRST sector by setting DRQ without an interrupt, and for each
//   further one with an interrupt after the previous sector reached the media; the last one ends
//   with an interrupt and DRQ clear. The emulated drive (emulator/devices/ata.ts) raises that first
//   DRQ at once, within the OUT that writes the command, so the driver sends the sector straight
//   away; a drive that takes a while leaves the request waiting, and poll() (from the timer tick)
//   sends the sector when DRQ appears.
// - a request that finds the drive busy (still resetting, say) waits the same way, for poll().
//
// Both devices of the channel share its registers and its IRQ line, so the channel runs one
// command at a time for both: AtaChannel holds the FIFO queue, and each AtaDisk (master or
// slave) queues on it.

import { COST } from '../cost.ts';
import { phys, type Hw, type PhysAddr } from '../hw.ts';
import type { IoWait, Wakeup } from '../wait.ts';

const DATA = 0x1f0, ERROR = 0x1f1, COUNT = 0x1f2, LBA_LOW = 0x1f3, LBA_MID = 0x1f4, LBA_HIGH = 0x1f5;
const DEVICE = 0x1f6, STATUS = 0x1f7, COMMAND = 0x1f7, ALT_STATUS = 0x3f6, DEVICE_CONTROL = 0x3f6;

// Status register.
const BSY = 0x80, DRDY = 0x40, DF = 0x20, DRQ = 0x08, ERR = 0x01;
/** Bits 7 and 5 of the device register (obsolete, written as one) and LBA addressing (bit 6). */
const DEVICE_LBA = 0xe0;
const READ_SECTORS = 0x20, WRITE_SECTORS = 0x30;

export const SECTOR_SIZE = 512;
/** A sector count register of 0 means 256: the most one READ/WRITE SECTORS moves. */
export const MAX_SECTORS_PER_COMMAND = 256;
/** LBA28 reaches sectors 0 .. 2^28 - 1. */
export const LBA28_LIMIT = 0x10000000;
const WORDS_PER_SECTOR = SECTOR_SIZE / 2;

/** Error register bits for READ/WRITE SECTORS (ATA/ATAPI-4 8.27, 8.48), high bit first. */
const ERROR_BITS: ReadonlyArray<readonly [number, string]> = [
  [0x80, 'BBK bad block'], [0x40, 'UNC uncorrectable data'], [0x20, 'MC media changed'],
  [0x10, 'IDNF sector not found'], [0x08, 'MCR media change request'], [0x04, 'ABRT command aborted'],
  [0x02, 'NM no media'], [0x01, 'AMNF address mark not found'],
];

/** A read or write of whole sectors, and the channel its waiter sleeps on until `status` is final. */
export interface DiskRequest extends IoWait {
  readonly name: 'disk';
  readonly unit: 0 | 1;
  readonly write: boolean;
  readonly lba: number;
  readonly count: number;
  /** Physical memory the sectors come from or go to. */
  readonly addr: PhysAddr;
  /** Sectors done so far: read into memory, or (writes) acknowledged by the drive. */
  finished: number;
}

type Request = DiskRequest;

/** What the channel waits for. */
type Phase =
  | 'idle'        // no command: the queue is empty, or its head has not been started
  | 'ready'       // the head found the drive busy: poll() (or an IRQ) retries
  | 'data-in'     // a read: the IRQ of the next sector
  | 'first-drq'   // a write: DRQ for its first sector, which comes without an IRQ
  | 'data-out';   // a write: the IRQ after a sector reached the media

/** The primary channel (0x1F0-0x1F7, 0x3F6, IRQ 14): one command at a time, for either device. */
export class AtaChannel {
  private readonly hw: Hw;
  private readonly wakeup: Wakeup;
  private readonly queue: Request[] = [];
  private phase: Phase = 'idle';
  /** The command in progress: its first sector (as an index into the request) and sector count. */
  private chunkStart = 0;
  private chunkCount = 0;
  /** Sectors of the current write command sent to the drive. */
  private sent = 0;

  constructor(hw: Hw, wakeup: Wakeup) {
    this.hw = hw;
    this.wakeup = wakeup;
    // nIEN = 0: the drive drives IRQ 14 (and SRST = 0).
    hw.outb(DEVICE_CONTROL, 0);
  }

  /** Whether a request is queued or in progress (for `unit` only, when given). */
  busy(unit?: 0 | 1): boolean {
    return unit === undefined ? this.queue.length > 0 : this.queue.some((r) => r.unit === unit);
  }

  submit(r: Request): void {
    this.queue.push(r);
    this.pump();
  }

  /** IRQ 14: the drive finished a step of the command in progress. */
  onIrq(): void {
    const status = this.hw.inb(STATUS); // acknowledges the interrupt
    // Nothing of ours is due while the drive is busy: an interrupt we already handled (the
    // edge stayed latched in the PIC), or one for a command the drive has since moved past.
    if ((status & BSY) !== 0) return;
    switch (this.phase) {
      case 'idle':
        return;
      case 'ready':
        this.phase = 'idle';
        this.pump();
        return;
      case 'data-in':
        this.dataIn(status);
        return;
      case 'first-drq':
      case 'data-out':
        this.dataOut(status);
        return;
    }
  }

  /**
   * Call from the timer tick. Moves a request that waits for something that comes without an
   * interrupt: a drive that was busy when the request came, or the first DRQ of a write. Touches
   * no port unless a request waits that way.
   */
  poll(): void {
    if (this.phase === 'ready') {
      this.phase = 'idle';
      this.pump();
    } else if (this.phase === 'first-drq') {
      const status = this.hw.inb(ALT_STATUS); // does not ack: an IRQ that comes is still ours
      if ((status & BSY) === 0) this.dataOut(status);
    }
  }

  /** Starts queued requests until one is under way or the queue is empty. */
  private pump(): void {
    while (this.phase === 'idle' && this.queue.length > 0) {
      const r = this.queue[0]!;
      const err = this.issue(r);
      if (err !== null) this.finish(err);
    }
  }

  /** Writes the task file for the next command of `r` (at most 256 sectors); an error if the drive cannot take it. */
  private issue(r: Request): string | null {
    const hw = this.hw;
    const lba = r.lba + r.finished;
    const n = Math.min(r.count - r.finished, MAX_SECTORS_PER_COMMAND);
    hw.outb(DEVICE, DEVICE_LBA | (r.unit << 4) | ((lba >>> 24) & 0x0f));
    const status = hw.inb(ALT_STATUS);
    // An empty channel floats high (FFh); an absent slave beside a master reads 00h.
    if (status === 0xff || (status & (BSY | DRDY)) === 0) return `ata${r.unit}: no device (status 0x${hex2(status)})`;
    if ((status & BSY) !== 0) {
      this.phase = 'ready';
      return null;
    }
    hw.chargeCycles(COST.ataCommand);
    hw.outb(COUNT, n & 0xff); // 256 is written as 0
    hw.outb(LBA_LOW, lba & 0xff);
    hw.outb(LBA_MID, (lba >>> 8) & 0xff);
    hw.outb(LBA_HIGH, (lba >>> 16) & 0xff);
    this.chunkStart = r.finished;
    this.chunkCount = n;
    this.sent = 0;
    if (!r.write) {
      this.phase = 'data-in';
      hw.outb(COMMAND, READ_SECTORS);
      return null;
    }
    this.phase = 'first-drq';
    hw.outb(COMMAND, WRITE_SECTORS);
    // The drive may already want the first sector (the emulated one does, at once).
    const now = hw.inb(ALT_STATUS);
    if ((now & BSY) === 0) this.dataOut(now);
    return null;
  }

  /** A sector of a read is ready (DRQ), or the read failed (ERR). */
  private dataIn(status: number): void {
    const r = this.queue[0]!;
    if ((status & (ERR | DF)) !== 0) {
      this.fail(r, status);
      return;
    }
    if ((status & DRQ) === 0) return; // idle: a stale interrupt
    const hw = this.hw;
    hw.insw(DATA, phys(r.addr + r.finished * SECTOR_SIZE), WORDS_PER_SECTOR);
    hw.chargeCycles(COST.ataSectorIn);
    r.finished++;
    if (r.finished - this.chunkStart === this.chunkCount) this.commandDone(r);
  }

  /** A write's drive wants the next sector (DRQ), finished the command (neither), or failed (ERR). */
  private dataOut(status: number): void {
    const r = this.queue[0]!;
    if ((status & (ERR | DF)) !== 0) {
      this.fail(r, status);
      return;
    }
    // Each sector after the first was asked for because the one before it reached the media.
    if (this.phase === 'data-out') r.finished++;
    if ((status & DRQ) !== 0) {
      if (this.sent === this.chunkCount) {
        this.finish(`ata${r.unit}: write of sectors ${range(r)}: the drive asked for more than ${this.chunkCount} sectors`);
        return;
      }
      const hw = this.hw;
      hw.outsw(DATA, phys(r.addr + (this.chunkStart + this.sent) * SECTOR_SIZE), WORDS_PER_SECTOR);
      hw.chargeCycles(COST.ataSectorOut);
      this.sent++;
      this.phase = 'data-out';
      return;
    }
    if (this.phase === 'first-drq') {
      this.finish(`ata${r.unit}: write of sectors ${range(r)}: the drive did not ask for data (status 0x${hex2(status)})`);
      return;
    }
    if (r.finished - this.chunkStart !== this.chunkCount) {
      this.finish(`ata${r.unit}: write of sectors ${range(r)}: the drive ended the command after ${r.finished - this.chunkStart} of ${this.chunkCount} sectors`);
      return;
    }
    this.commandDone(r);
  }

  /** The command in progress moved all its sectors: the next command of the request, or its end. */
  private commandDone(r: Request): void {
    if (r.finished < r.count) {
      this.phase = 'idle';
      this.pump(); // r is still the head: issues its next command
      return;
    }
    this.finish(null);
  }

  /** The drive reported an error: the message names the sector the task file points at and the error bits. */
  private fail(r: Request, status: number): void {
    const hw = this.hw;
    const error = hw.inb(ERROR);
    const at = ((hw.inb(DEVICE) & 0x0f) << 24 | hw.inb(LBA_HIGH) << 16 | hw.inb(LBA_MID) << 8 | hw.inb(LBA_LOW)) >>> 0;
    const bits = ERROR_BITS.filter(([b]) => (error & b) !== 0).map(([, name]) => name);
    if ((status & DF) !== 0) bits.unshift('DF device fault');
    const what = bits.length > 0 ? bits.join(', ') : 'no error bits';
    this.finish(`ata${r.unit}: ${r.write ? 'write' : 'read'} of sectors ${range(r)} failed at LBA ${at}: ${what} (status 0x${hex2(status)}, error 0x${hex2(error)})`);
  }

  /** Ends the head request: its status, a wakeup for whoever sleeps on it, then the next request. */
  private finish(err: string | null): void {
    const r = this.queue.shift()!;
    this.phase = 'idle';
    settle(r, err);
    this.wakeup(r);
    this.pump();
  }
}

/** One disk of the channel: queues reads and writes of whole sectors between the disk and physical memory. */
export class AtaDisk {
  readonly unit: 0 | 1;
  /** The disk's size in sectors (from the boot-info block); requests past it fail without reaching the drive. */
  readonly sectors: number;
  readonly channel: AtaChannel;

  constructor(unit: 0 | 1, sectors: number, channel: AtaChannel) {
    this.unit = unit;
    this.sectors = sectors;
    this.channel = channel;
  }

  /** Whether a request of this disk is queued or in progress. */
  get busy(): boolean {
    return this.channel.busy(this.unit);
  }

  /**
   * Queues a read of `count` sectors at `lba` into physical memory at `dst`, and returns the
   * request to sleep on. Its status becomes final in onIrq() or poll(), or at once for a count of
   * 0 ('done') or sectors beyond the disk ('error'), with no wakeup then: nobody sleeps on it yet.
   */
  read(lba: number, count: number, dst: PhysAddr): DiskRequest {
    return this.submit(false, lba, count, dst);
  }

  /** Queues a write of `count` sectors from physical memory at `src` to `lba`; as read(). */
  write(lba: number, count: number, src: PhysAddr): DiskRequest {
    return this.submit(true, lba, count, src);
  }

  /** IRQ 14 (the kernel EOIs the PIC; the driver does not touch it). Either disk's onIrq serves the channel. */
  onIrq(): void {
    this.channel.onIrq();
  }

  /** From the timer tick: see AtaChannel.poll(). */
  poll(): void {
    this.channel.poll();
  }

  private submit(write: boolean, lba: number, count: number, addr: PhysAddr): DiskRequest {
    const op = write ? 'write' : 'read';
    const r: DiskRequest = { name: 'disk', unit: this.unit, write, lba, count, addr, status: 'queued', error: null, finished: 0 };
    if (!Number.isSafeInteger(lba) || !Number.isSafeInteger(count) || lba < 0 || count < 0) {
      settle(r, `ata${this.unit}: ${op} of ${count} sectors at LBA ${lba}: not a sector range`);
    } else if (count === 0) {
      settle(r, null);
    } else if (lba + count > Math.min(this.sectors, LBA28_LIMIT)) {
      settle(r, `ata${this.unit}: ${op} of sectors ${lba}..${lba + count - 1} is beyond the disk (${this.sectors} sectors${this.sectors > LBA28_LIMIT ? ', LBA28 reaches 2^28' : ''})`);
    } else {
      this.channel.submit(r);
    }
    return r;
  }
}

function settle(r: DiskRequest, err: string | null): void {
  r.status = err === null ? 'done' : 'error';
  r.error = err;
}

const hex2 = (n: number): string => n.toString(16).padStart(2, '0');
const range = (r: Request): string => `${r.lba}..${r.lba + r.count - 1}`;
