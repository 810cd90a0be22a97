// An ATA (IDE) channel in PIO mode with up to two hard disks, device 0 (master) and device 1 (slave).
// Sources: T13 ATA/ATAPI-4 (NCITS 317-1998) and later drafts, for the registers, the protocols
// ("PIO data-in", "PIO data-out", "Non-data") and IDENTIFY DEVICE; OSDev "ATA PIO Mode".
//
// Wiring (the board, machine.ts, does this; this file only models the channel):
//   const ata = new AtaController(io, clock, pic.irqLine(14), [disk0, disk1]);   // 0x1F0-0x1F7, 0x3F6
//   reset(): call ata.reset() from Machine.reset() (the RESET- signal: power-on state).
//   Disks come from host/disk-file.ts openDiskFile(path, { write }) or disk.ts MemoryDisk.
//   A second channel would be new AtaController(io, clock, pic.irqLine(15), ..., { base: 0x170, controlBase: 0x376 }).
//
// Command block (base 0x1F0)            Control block (0x3F6)
//   +0  data, 16 bits (32 = two words)    read:  alternate status (does not clear INTRQ)
//   +1  read error / write features       write: device control  HOB . . . . SRST nIEN 0
//   +2  sector count
//   +3  LBA 7:0    (CHS: sector number, from 1)
//   +4  LBA 15:8   (CHS: cylinder low)
//   +5  LBA 23:16  (CHS: cylinder high)
//   +6  device     obs LBA obs DEV LBA27:24 (CHS: head)
//   +7  read status BSY DRDY DF DSC DRQ CORR IDX ERR / write command
//   (0x3F7, the obsolete drive address register, is not claimed: the floppy controller shares it.)
//
// Both devices see every register write (each keeps its own copy); the DEV bit picks which one
// answers reads and executes commands. With only one device present, it answers for the absent one
// too, except that the absent device's status (and alternate status) reads 00h (ATA/ATAPI-4
// "Device 0 only configurations"), which is how drivers probe for a slave. With no device at all
// nothing drives the bus and every register reads FFh.
//
// Time: each command keeps BSY set until a clock task finishes it. A read's first sector is ready
// (DRQ) requestCycles + sectorCycles after the command (the seek and the first sector under the
// head), each further sector sectorCycles after the host has drained the previous one; a write asks
// for its first sector at once (the drive's buffer is free) and is busy requestCycles + sectorCycles
// after the first sector arrives, sectorCycles after each further one. Non-data commands take
// requestCycles. The defaults are 0.1 ms and 0.01 ms of the machine's clock.
//
// INTRQ (IRQ14) follows the ATA rules: a device sets its interrupt pending at the start of each
// data-in block (DRQ with a sector to read), at each data-out block after the first, and at the end
// of every command except when a data-in transfer ends (PIO data-in has no completion interrupt).
// Reading the status register or writing a command clears it; the alternate status does not. Only
// the selected device drives the line, and nIEN in the device control register disconnects it.

import type { Clock, Task } from '../clock.ts';
import type { BlockDevice } from '../disk.ts';
import type { IrqLine } from '../irq.ts';
import type { IoPorts, PortHandler } from '../memory/ioports.ts';

// Status register.
export const BSY = 0x80, DRDY = 0x40, DF = 0x20, DSC = 0x10, DRQ = 0x08, ERR = 0x01;
// Error register.
export const UNC = 0x40, IDNF = 0x10, ABRT = 0x04;
// Device control register.
export const NIEN = 0x02, SRST = 0x04;
// Device register.
export const DEV_LBA = 0x40, DEV_DEV = 0x10;
/** Bits 7 and 5 of the device register are obsolete and read as one, as on older drives. */
const DEV_OBSOLETE = 0xa0;

export const Command = {
  RECALIBRATE: 0x10, // 0x10-0x1F: ATA-1..3, obsolete since ATA-4; old BIOSes still issue it
  READ_SECTORS: 0x20,
  READ_SECTORS_NO_RETRY: 0x21,
  WRITE_SECTORS: 0x30,
  WRITE_SECTORS_NO_RETRY: 0x31,
  READ_VERIFY_SECTORS: 0x40,
  READ_VERIFY_SECTORS_NO_RETRY: 0x41,
  EXECUTE_DEVICE_DIAGNOSTIC: 0x90,
  INITIALIZE_DEVICE_PARAMETERS: 0x91,
  IDENTIFY_PACKET_DEVICE: 0xa1,
  SET_MULTIPLE_MODE: 0xc6,
  FLUSH_CACHE: 0xe7,
  IDENTIFY_DEVICE: 0xec,
  SET_FEATURES: 0xef,
} as const;

/** The model string IDENTIFY DEVICE reports (words 27-46). */
export const MODEL = 'TS386 HARDDISK';
const FIRMWARE = '1.0';

/** LBA28 reaches 2^28 sectors; IDENTIFY words 60-61 report at most 0x0FFFFFFF. */
const LBA28_LIMIT = 0x10000000;

export interface AtaOptions {
  /** Cycles from a media command to its first sector (command overhead and seek). Default 0.1 ms. */
  requestCycles?: number;
  /** Cycles per sector transferred to or from the media. Default 0.01 ms. */
  sectorCycles?: number;
  /** Command block base port (0x1F0 for the primary channel, 0x170 for the secondary). */
  base?: number;
  /** Device control / alternate status port (0x3F6 primary, 0x376 secondary). */
  controlBase?: number;
}

export interface Geometry {
  cylinders: number;
  heads: number;
  sectorsPerTrack: number;
}

/**
 * The default CHS translation (IDENTIFY words 1, 3, 6) for a disk of `sectors` sectors: 16 heads
 * and 63 sectors per track, as BIOSes and ATA drives use, and as many whole cylinders as fit, at
 * most 16383 (ATA/ATAPI-4 6.2.1: drives over 8.4 GB report 16383 cylinders). Disks too small for
 * one such cylinder get fewer heads (and sectors) so that at least one cylinder fits.
 */
export function defaultGeometry(sectors: number): Geometry {
  let heads = 16;
  let sectorsPerTrack = 63;
  if (sectors < heads * sectorsPerTrack) {
    sectorsPerTrack = Math.max(1, Math.min(63, sectors));
    heads = Math.max(1, Math.min(16, Math.floor(sectors / sectorsPerTrack)));
  }
  const cylinders = Math.max(1, Math.min(16383, Math.floor(sectors / (heads * sectorsPerTrack))));
  return { cylinders, heads, sectorsPerTrack };
}

// What a drive's clock task does when it comes due.
const TASK_NONE = 0;
/** The next sector of a read is under the head: load it and raise DRQ. */
const TASK_READ = 1;
/** The sector in the buffer has reached the media. */
const TASK_WRITE = 2;
/** A non-data command (or a failing one) is done: status and INTRQ from `pendingError`. */
const TASK_FINISH = 3;
/** IDENTIFY DEVICE's data is ready. */
const TASK_IDENTIFY = 4;
/** The end of a soft reset (SRST released): the signature. */
const TASK_RESET = 5;
/** The end of EXECUTE DEVICE DIAGNOSTIC: the signature, and INTRQ from device 0. */
const TASK_DIAGNOSTIC = 6;

// The data phase of the command in progress.
const PHASE_NONE = 0;
const PHASE_IN = 1;
const PHASE_OUT = 2;

/** One hard disk on the channel: its copy of the task file, its command in progress and its timer. */
class Drive {
  readonly disk: BlockDevice;
  readonly index: number;
  readonly identifyGeometry: Geometry;

  // The task file, as this device holds it.
  status = DRDY | DSC;
  error = 0x01;
  features = 0;
  count = 0x01;
  lbaLow = 0x01;
  lbaMid = 0;
  lbaHigh = 0;
  /** The device register as written (LBA, DEV, head / LBA 27:24); reads set the obsolete bits. */
  device = 0;
  /** The device's interrupt is pending (INTRQ asserted when selected and nIEN is clear). */
  intrq = false;

  /** The current CHS translation (INITIALIZE DEVICE PARAMETERS). */
  heads: number;
  sectorsPerTrack: number;
  cylinders: number;

  // The command in progress.
  command = 0;
  phase = PHASE_NONE;
  /** The sector the next data block is for. */
  lba = 0;
  /** Sectors still to transfer, the current one included. */
  remaining = 0;
  /** The command addresses in CHS, so addresses written back to the task file are CHS too. */
  chs = false;
  /** Sectors from here on are outside what the command can reach (IDNF). */
  limit = 0;
  /** A write whose first sector has not reached the media yet (that one pays the seek). */
  firstWrite = false;
  readonly buffer = new Uint8Array(512);
  /** Byte position of the next data-port word in `buffer`. */
  pos = 0;
  pendingTask = TASK_NONE;
  pendingError = 0;
  readonly task: Task;

  constructor(disk: BlockDevice, index: number, clock: Clock, onTask: (d: Drive) => void) {
    this.disk = disk;
    this.index = index;
    this.identifyGeometry = defaultGeometry(disk.sectorCount);
    this.heads = this.identifyGeometry.heads;
    this.sectorsPerTrack = this.identifyGeometry.sectorsPerTrack;
    this.cylinders = this.identifyGeometry.cylinders;
    this.task = clock.newTask(() => onTask(this));
  }

  /** Sectors reachable with the current CHS translation. */
  get chsCapacity(): number {
    return this.cylinders * this.heads * this.sectorsPerTrack;
  }

  /**
   * The reset signature of an ATA device (ATA/ATAPI-4 9.1, "Signature and persistence"): sector
   * count 1, LBA low 1, LBA mid and high 0, device 0; the error register holds the diagnostic code
   * (01h: passed).
   */
  setSignature(): void {
    this.count = 0x01;
    this.lbaLow = 0x01;
    this.lbaMid = 0;
    this.lbaHigh = 0;
    this.device = 0;
    this.error = 0x01;
  }

  /** Writes the address of sector `lba` back to the task file in the command's addressing mode. */
  setAddress(lba: number): void {
    if (!this.chs) {
      this.lbaLow = lba & 0xff;
      this.lbaMid = (lba >>> 8) & 0xff;
      this.lbaHigh = (lba >>> 16) & 0xff;
      this.device = (this.device & 0xf0) | ((lba >>> 24) & 0x0f);
      return;
    }
    const perCylinder = this.heads * this.sectorsPerTrack;
    const cylinder = Math.floor(lba / perCylinder);
    const rest = lba - cylinder * perCylinder;
    const head = Math.floor(rest / this.sectorsPerTrack);
    this.lbaLow = rest - head * this.sectorsPerTrack + 1;
    this.lbaMid = cylinder & 0xff;
    this.lbaHigh = (cylinder >>> 8) & 0xff;
    this.device = (this.device & 0xf0) | (head & 0x0f);
  }

  /** The 256-word IDENTIFY DEVICE block (ATA/ATAPI-4 8.12), as the 512 bytes the data port delivers. */
  identify(into: Uint8Array): void {
    const w = new Uint16Array(256);
    const g = this.identifyGeometry;
    const n = this.disk.sectorCount;
    const lba28 = Math.min(n, LBA28_LIMIT - 1);
    const current = Math.min(this.chsCapacity, 0xffffffff);
    w[0] = 0x0040; // ATA device, not removable, fixed
    w[1] = g.cylinders;
    w[3] = g.heads;
    w[6] = g.sectorsPerTrack;
    putString(w, 10, 10, `TS386-${this.index}-${n.toString(16).toUpperCase().padStart(8, '0')}`); // serial number
    putString(w, 23, 4, FIRMWARE);
    putString(w, 27, 20, MODEL);
    w[47] = 0x8000; // 80h, then 0: READ/WRITE MULTIPLE not supported
    w[49] = 0x0200; // LBA supported; no DMA
    w[50] = 0x4000; // bit 14 set: the word is valid (ATA/ATAPI-5)
    w[51] = 0x0200; // PIO mode 2 timing (obsolete word)
    w[53] = 0x0003; // words 54-58 and 64-70 are valid
    w[54] = this.cylinders;
    w[55] = this.heads;
    w[56] = this.sectorsPerTrack;
    w[57] = current & 0xffff;
    w[58] = current >>> 16;
    w[59] = 0; // no multiple-sector setting
    w[60] = lba28 & 0xffff;
    w[61] = lba28 >>> 16;
    w[64] = 0x0003; // PIO modes 3 and 4
    w[67] = 120; // minimum PIO cycle time without flow control, ns
    w[68] = 120; // ... with IORDY
    w[80] = 0x001e; // ATA-1 to ATA-4
    w[82] = 0;
    w[83] = 0x5000; // word valid (bit 14), FLUSH CACHE supported (bit 12)
    w[84] = 0x4000;
    w[85] = 0;
    w[86] = 0x1000; // FLUSH CACHE enabled
    w[87] = 0x4000;
    // Word 255: signature A5h and a checksum making the 512 bytes sum to 0 mod 256 (ATA/ATAPI-5).
    w[255] = 0x00a5;
    let sum = 0;
    for (let i = 0; i < 256; i++) sum += (w[i]! & 0xff) + (w[i]! >>> 8);
    w[255] = 0x00a5 | (((256 - (sum & 0xff)) & 0xff) << 8);
    for (let i = 0; i < 256; i++) {
      into[2 * i] = w[i]! & 0xff;
      into[2 * i + 1] = w[i]! >>> 8;
    }
  }
}

/** An ATA string: `chars` two to a word, the first in the high byte, padded with spaces. */
function putString(words: Uint16Array, first: number, count: number, text: string): void {
  const s = text.padEnd(count * 2, ' ');
  for (let i = 0; i < count; i++) words[first + i] = (s.charCodeAt(2 * i) << 8) | s.charCodeAt(2 * i + 1);
}

export class AtaController implements PortHandler {
  private readonly io: IoPorts;
  private readonly clock: Clock;
  private readonly irq: IrqLine;
  private readonly drives: readonly [Drive | null, Drive | null];
  readonly requestCycles: number;
  readonly sectorCycles: number;
  private readonly base: number;
  private readonly controlBase: number;
  /** The device control register (shared: both devices see the write). */
  private control = 0;
  /** The DEV bit of the last device-register write: which device answers. */
  private selected = 0;
  private irqLevel = false;

  constructor(
    io: IoPorts,
    clock: Clock,
    irq14: IrqLine,
    drives: readonly [BlockDevice | null, BlockDevice | null],
    options: AtaOptions = {},
  ) {
    this.io = io;
    this.clock = clock;
    this.irq = irq14;
    const onTask = (d: Drive) => this.runTask(d);
    this.drives = [
      drives[0] ? new Drive(drives[0], 0, clock, onTask) : null,
      drives[1] ? new Drive(drives[1], 1, clock, onTask) : null,
    ];
    this.requestCycles = cycles(options.requestCycles ?? Math.round(clock.cyclesPerSecond / 10_000), 'requestCycles');
    this.sectorCycles = cycles(options.sectorCycles ?? Math.round(clock.cyclesPerSecond / 100_000), 'sectorCycles');
    this.base = options.base ?? 0x1f0;
    this.controlBase = options.controlBase ?? 0x3f6;
    io.register(this.base, 8, this);
    io.register(this.controlBase, 1, this);
  }

  /** The RESET- signal (power-on or hardware reset): both devices to their power-on state. */
  reset(): void {
    this.control = 0;
    this.selected = 0;
    for (const d of this.drives) {
      if (!d) continue;
      this.clock.cancel(d.task);
      this.abandon(d);
      d.setSignature();
      this.defaultTranslation(d);
      d.status = DRDY | DSC;
      d.intrq = false;
    }
    this.updateIrq();
  }

  // --- the ports ---

  read8(port: number): number {
    if (port === this.base) return this.readData() & 0xff; // a byte access moves a whole word
    const d = this.selectedDrive();
    const regs = d ?? this.drives[0] ?? this.drives[1];
    if (!regs) return 0xff; // no device drives the bus
    switch (port - this.base) {
      case 1: return regs.error;
      case 2: return regs.count;
      case 3: return regs.lbaLow;
      case 4: return regs.lbaMid;
      case 5: return regs.lbaHigh;
      case 6: return DEV_OBSOLETE | (regs.device & ~DEV_OBSOLETE & 0xff);
      case 7:
        if (!d) return 0;
        if (d.intrq) {
          // Reading the status register acknowledges the interrupt (ATA/ATAPI-4 7.15.6).
          d.intrq = false;
          this.updateIrq();
        }
        return d.status;
      default: // the control block: alternate status
        return d ? d.status : 0;
    }
  }

  write8(port: number, value: number): void {
    if (port === this.base) {
      this.writeData(value);
      return;
    }
    if (port === this.controlBase) {
      this.writeControl(value);
      return;
    }
    const reg = port - this.base;
    if (reg === 7) {
      this.writeCommand(value);
      return;
    }
    // Both devices latch every command-block register write.
    for (const d of this.drives) {
      if (!d) continue;
      switch (reg) {
        case 1: d.features = value; break;
        case 2: d.count = value; break;
        case 3: d.lbaLow = value; break;
        case 4: d.lbaMid = value; break;
        case 5: d.lbaHigh = value; break;
        default: d.device = value & ~DEV_OBSOLETE & 0xff; break;
      }
    }
    if (reg === 6) {
      this.selected = (value & DEV_DEV) !== 0 ? 1 : 0;
      this.updateIrq(); // the newly selected device drives INTRQ now
    }
  }

  read16(port: number): number {
    if (port === this.base) return this.readData();
    return this.read8(port) | (this.io.read8(port + 1) << 8);
  }

  write16(port: number, value: number): void {
    if (port === this.base) {
      this.writeData(value);
      return;
    }
    this.write8(port, value & 0xff);
    this.io.write8(port + 1, value >>> 8);
  }

  /** A 32-bit access to the data port moves two words, low word first; elsewhere it is two 16-bit accesses. */
  read32(port: number): number {
    if (port === this.base) {
      const low = this.readData();
      return low | (this.readData() << 16);
    }
    return this.read16(port) | (this.io.read16(port + 2) << 16);
  }

  write32(port: number, value: number): void {
    if (port === this.base) {
      this.writeData(value & 0xffff);
      this.writeData(value >>> 16);
      return;
    }
    this.write16(port, value & 0xffff);
    this.io.write16(port + 2, value >>> 16);
  }

  // --- the registers ---

  private selectedDrive(): Drive | null {
    return this.drives[this.selected] ?? null;
  }

  /** INTRQ: the selected device's pending interrupt, unless nIEN disconnects it. */
  private updateIrq(): void {
    const d = this.selectedDrive();
    const level = d !== null && d.intrq && (this.control & NIEN) === 0;
    if (level === this.irqLevel) return;
    this.irqLevel = level;
    if (level) this.irq.raise();
    else this.irq.lower();
  }

  private writeControl(value: number): void {
    const was = this.control;
    this.control = value & 0xff;
    if ((value & SRST) !== 0 && (was & SRST) === 0) {
      // SRST asserted: both devices stop what they are doing and stay busy while it is held.
      for (const d of this.drives) {
        if (!d) continue;
        this.clock.cancel(d.task);
        this.abandon(d);
        d.status = BSY;
        d.intrq = false;
      }
    } else if ((value & SRST) === 0 && (was & SRST) !== 0) {
      // SRST released: each device finishes its reset, then shows the signature (no interrupt).
      for (const d of this.drives) if (d) this.schedule(d, TASK_RESET, this.requestCycles);
    }
    this.updateIrq();
  }

  /** Data-in words up to the end of the block (PortHandler.readWords16): readData's, in one copy. */
  readWords16(port: number, dst: Uint8Array, offset: number, count: number): number {
    const d = this.selectedDrive();
    if (port !== this.base || !d || d.phase !== PHASE_IN) return 0;
    const n = Math.min(count, (512 - d.pos) >> 1);
    dst.set(d.buffer.subarray(d.pos, d.pos + 2 * n), offset);
    d.pos += 2 * n;
    if (d.pos === 512) this.dataInBlockDone(d);
    return n;
  }

  /** Data-out words up to the end of the block (PortHandler.writeWords16): writeData's, in one copy. */
  writeWords16(port: number, src: Uint8Array, offset: number, count: number): number {
    const d = this.selectedDrive();
    if (port !== this.base || !d || d.phase !== PHASE_OUT) return 0;
    const n = Math.min(count, (512 - d.pos) >> 1);
    if (n > 1) {
      d.buffer.set(src.subarray(offset, offset + 2 * (n - 1)), d.pos);
      d.pos += 2 * (n - 1);
    }
    this.writeData(src[offset + 2 * (n - 1)]! | (src[offset + 2 * (n - 1) + 1]! << 8)); // the last word: the block's end
    return n;
  }

  private readData(): number {
    const d = this.selectedDrive();
    if (!d || d.phase !== PHASE_IN) return 0xffff; // no data phase: nothing drives the bus
    const word = d.buffer[d.pos]! | (d.buffer[d.pos + 1]! << 8);
    d.pos += 2;
    if (d.pos === 512) this.dataInBlockDone(d);
    return word;
  }

  private writeData(value: number): void {
    const d = this.selectedDrive();
    if (!d || d.phase !== PHASE_OUT) return;
    d.buffer[d.pos] = value & 0xff;
    d.buffer[d.pos + 1] = (value >>> 8) & 0xff;
    d.pos += 2;
    if (d.pos === 512) {
      // The block is complete: BSY while it goes to the media (ATA/ATAPI-4 9.7, PIO data-out).
      d.status = DRDY | DSC | BSY;
      d.phase = PHASE_NONE;
      const delay = d.firstWrite ? this.requestCycles + this.sectorCycles : this.sectorCycles;
      d.firstWrite = false;
      this.schedule(d, TASK_WRITE, delay);
    }
  }

  /** The host has read the last word of a data-in block. */
  private dataInBlockDone(d: Drive): void {
    d.phase = PHASE_NONE;
    d.remaining--;
    if (isReadCommand(d.command)) {
      d.count = d.remaining & 0xff;
      d.lba++;
    }
    if (d.remaining > 0) {
      d.status = DRDY | DSC | BSY;
      this.schedule(d, TASK_READ, this.sectorCycles);
    } else {
      d.status = DRDY | DSC; // PIO data-in ends without an interrupt
    }
  }

  // --- commands ---

  private writeCommand(command: number): void {
    if (command === Command.EXECUTE_DEVICE_DIAGNOSTIC) {
      // Both devices run it, whichever is selected (ATA/ATAPI-4 8.11).
      if (this.drives.some((d) => d !== null && (d.status & BSY) !== 0)) return;
      for (const d of this.drives) {
        if (!d) continue;
        this.abandon(d);
        d.command = command;
        d.error = 0;
        d.intrq = false;
        d.status = DRDY | DSC | BSY;
        this.schedule(d, TASK_DIAGNOSTIC, this.requestCycles);
      }
      this.updateIrq();
      return;
    }
    const d = this.selectedDrive();
    // An absent device ignores commands; a busy one is not listening (the host must wait for BSY=0).
    if (!d || (d.status & BSY) !== 0) return;
    this.clock.cancel(d.task);
    this.abandon(d);
    d.command = command;
    d.error = 0;
    d.intrq = false;
    d.status = DRDY | DSC | BSY;
    this.updateIrq();

    switch (command) {
      case Command.READ_SECTORS:
      case Command.READ_SECTORS_NO_RETRY:
        if (!this.startTransfer(d)) return;
        this.schedule(d, TASK_READ, this.requestCycles + this.sectorCycles);
        return;
      case Command.WRITE_SECTORS:
      case Command.WRITE_SECTORS_NO_RETRY:
        if (!this.startTransfer(d)) return;
        if (d.lba >= d.limit) {
          this.failLater(d, IDNF, this.requestCycles, d.lba);
          return;
        }
        // PIO data-out: the first block is requested at once, without an interrupt.
        d.firstWrite = true;
        d.status = DRDY | DSC | DRQ;
        d.phase = PHASE_OUT;
        d.pos = 0;
        return;
      case Command.READ_VERIFY_SECTORS:
      case Command.READ_VERIFY_SECTORS_NO_RETRY: {
        if (!this.startTransfer(d)) return;
        const good = Math.max(0, Math.min(d.remaining, d.limit - d.lba));
        const time = this.requestCycles + good * this.sectorCycles;
        if (good < d.remaining) {
          d.count = (d.remaining - good) & 0xff;
          this.failLater(d, IDNF, time, d.lba + good);
        } else {
          d.setAddress(d.lba + d.remaining - 1);
          d.count = 0;
          this.finishLater(d, 0, time);
        }
        return;
      }
      case Command.IDENTIFY_DEVICE:
        this.schedule(d, TASK_IDENTIFY, this.requestCycles);
        return;
      case Command.INITIALIZE_DEVICE_PARAMETERS: {
        // Sector count: sectors per track; device bits 3-0: the highest head number.
        const spt = d.count;
        const heads = (d.device & 0x0f) + 1;
        if (spt === 0) {
          this.finishLater(d, ABRT, this.requestCycles);
          return;
        }
        d.sectorsPerTrack = spt;
        d.heads = heads;
        d.cylinders = Math.min(0xffff, Math.floor(Math.min(d.disk.sectorCount, LBA28_LIMIT) / (heads * spt)));
        this.finishLater(d, 0, this.requestCycles);
        return;
      }
      case Command.SET_FEATURES:
        // Transfer modes, caches, defaults: all accepted; PIO timing is not modelled.
        this.finishLater(d, 0, this.requestCycles);
        return;
      case Command.FLUSH_CACHE:
        this.finishLater(d, 0, this.requestCycles);
        return;
      default:
        if ((command & 0xf0) === Command.RECALIBRATE) {
          // Nothing to move: the heads of an image are always where they are needed.
          this.finishLater(d, 0, this.requestCycles);
          return;
        }
        // Everything else (NOP, IDENTIFY PACKET DEVICE on a disk, SET MULTIPLE MODE, DMA, LBA48,
        // power management...) is aborted at once.
        this.finish(d, ABRT);
        return;
    }
  }

  /**
   * Decodes the task file into the command's first sector, sector count and reachable range.
   * Returns false (with the command failing IDNF) for a CHS address outside the translation.
   */
  private startTransfer(d: Drive): boolean {
    d.remaining = d.count === 0 ? 256 : d.count; // a count of 0 means 256 sectors
    d.chs = (d.device & DEV_LBA) === 0;
    if (!d.chs) {
      d.lba = ((d.device & 0x0f) << 24) | (d.lbaHigh << 16) | (d.lbaMid << 8) | d.lbaLow;
      d.limit = Math.min(d.disk.sectorCount, LBA28_LIMIT);
      return true;
    }
    const sector = d.lbaLow;
    const cylinder = d.lbaMid | (d.lbaHigh << 8);
    const head = d.device & 0x0f;
    d.limit = Math.min(d.disk.sectorCount, d.chsCapacity);
    if (sector === 0 || sector > d.sectorsPerTrack || head >= d.heads || cylinder >= d.cylinders) {
      this.failLater(d, IDNF, this.requestCycles, -1);
      return false;
    }
    d.lba = (cylinder * d.heads + head) * d.sectorsPerTrack + sector - 1;
    return true;
  }

  private schedule(d: Drive, what: number, delay: number): void {
    d.pendingTask = what;
    this.clock.schedule(d.task, delay);
  }

  private finishLater(d: Drive, error: number, delay: number): void {
    d.pendingError = error;
    this.schedule(d, TASK_FINISH, delay);
  }

  /** Fails after `delay` cycles with `error`, the task file pointing at sector `lba` (-1: left as it is). */
  private failLater(d: Drive, error: number, delay: number, lba: number): void {
    if (lba >= 0) d.setAddress(lba);
    this.finishLater(d, error, delay);
  }

  /** Ends the command: DRDY, ERR and the error register when `error` is set, and an interrupt. */
  private finish(d: Drive, error: number, extraStatus = 0): void {
    this.abandon(d);
    d.status = DRDY | DSC | extraStatus | (error !== 0 ? ERR : 0);
    d.error = error;
    d.intrq = true;
    this.updateIrq();
  }

  /** Drops the data phase of the command in progress. */
  private abandon(d: Drive): void {
    d.phase = PHASE_NONE;
    d.pos = 0;
    d.pendingTask = TASK_NONE;
  }

  private defaultTranslation(d: Drive): void {
    d.heads = d.identifyGeometry.heads;
    d.sectorsPerTrack = d.identifyGeometry.sectorsPerTrack;
    d.cylinders = d.identifyGeometry.cylinders;
  }

  /** A drive's clock task came due. */
  private runTask(d: Drive): void {
    const what = d.pendingTask;
    d.pendingTask = TASK_NONE;
    switch (what) {
      case TASK_READ:
        if (d.lba >= d.limit) {
          d.setAddress(d.lba);
          this.finish(d, IDNF);
          return;
        }
        try {
          d.disk.read(d.lba, 1, d.buffer, 0);
        } catch {
          // The host could not read the image: an uncorrectable data error at this sector.
          d.setAddress(d.lba);
          this.finish(d, UNC);
          return;
        }
        d.setAddress(d.lba);
        this.beginDataIn(d);
        return;
      case TASK_WRITE:
        try {
          d.disk.write(d.lba, 1, d.buffer, 0);
        } catch {
          // The host could not write the image: a device fault.
          d.setAddress(d.lba);
          this.finish(d, ABRT, DF);
          return;
        }
        d.setAddress(d.lba);
        d.remaining--;
        d.count = d.remaining & 0xff;
        d.lba++;
        if (d.remaining === 0) {
          this.finish(d, 0);
        } else if (d.lba >= d.limit) {
          d.setAddress(d.lba);
          this.finish(d, IDNF);
        } else {
          // The next block: DRQ with an interrupt.
          d.status = DRDY | DSC | DRQ;
          d.phase = PHASE_OUT;
          d.pos = 0;
          d.intrq = true;
          this.updateIrq();
        }
        return;
      case TASK_IDENTIFY:
        d.identify(d.buffer);
        d.remaining = 1;
        this.beginDataIn(d);
        return;
      case TASK_FINISH:
        if (d.command === Command.FLUSH_CACHE && d.pendingError === 0) {
          try {
            d.disk.flush?.();
          } catch {
            this.finish(d, ABRT);
            return;
          }
        }
        this.finish(d, d.pendingError);
        return;
      case TASK_RESET:
        d.setSignature();
        this.defaultTranslation(d);
        this.selected = 0;
        d.status = DRDY | DSC;
        this.updateIrq();
        return;
      case TASK_DIAGNOSTIC: {
        d.setSignature();
        this.selected = 0;
        d.status = DRDY | DSC;
        // Device 0 reports for the channel with an interrupt (device 1 when it is alone).
        const reporter = this.drives[0] ?? this.drives[1];
        if (reporter === d) d.intrq = true;
        this.updateIrq();
        return;
      }
      default:
        return;
    }
  }

  /** A block is ready for the host to read: DRQ, and an interrupt for the block. */
  private beginDataIn(d: Drive): void {
    d.status = DRDY | DSC | DRQ;
    d.phase = PHASE_IN;
    d.pos = 0;
    d.intrq = true;
    this.updateIrq();
  }
}

function isReadCommand(command: number): boolean {
  return command === Command.READ_SECTORS || command === Command.READ_SECTORS_NO_RETRY;
}

function cycles(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`ATA ${name} must be a non-negative integer, not ${value}`);
  return value;
}
