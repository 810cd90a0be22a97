// The ATA driver against the real emulated channel (emulator/devices/ata.ts) on its cycle clock:
// a FakeHostPort whose ports go to an IoPorts bus holding an AtaController, and a loop that plays
// the board and the kernel: it runs the clock to the next device event and calls onIrq() on each
// rising edge of IRQ 14, as the 8259A (edge triggered) would deliver it.
import { beforeEach, describe, expect, it } from 'vitest';
import { Clock } from '../../../emulator/clock.ts';
import { AtaController } from '../../../emulator/devices/ata.ts';
import { MemoryDisk, SECTOR_SIZE, type BlockDevice } from '../../../emulator/disk.ts';
import { IrqRecorder } from '../../../emulator/irq.ts';
import { IoPorts, type PortHandler } from '../../../emulator/memory/ioports.ts';
import { AtaChannel, AtaDisk } from '../../../kernel/dev/ata.ts';
import { COST } from '../../../kernel/cost.ts';
import { Hw, phys } from '../../../kernel/hw.ts';
import { BusHostPort } from './fake-hostport.ts';

const REQUEST = 1000, SECTOR = 100; // the drive's latencies, in cycles
const STATUS = 0x1f7, COMMAND = 0x1f7, COUNT = 0x1f2, DEVICE_CONTROL = 0x3f6;
const BSY = 0x80, DRQ = 0x08, SRST = 0x04;
const READ_SECTORS = 0x20, WRITE_SECTORS = 0x30;

/** Sector `lba`'s bytes on a test disk: differ per sector and per disk. */
function sectorBytes(lba: number, salt: number): Uint8Array {
  const s = new Uint8Array(SECTOR_SIZE);
  for (let i = 0; i < SECTOR_SIZE; i++) s[i] = (lba * 31 + i * 3 + salt) & 0xff;
  s[0] = lba & 0xff;
  s[1] = lba >> 8;
  s[2] = salt;
  return s;
}

function patterned(sectors: number, salt: number): MemoryDisk {
  const bytes = new Uint8Array(sectors * SECTOR_SIZE);
  for (let s = 0; s < sectors; s++) bytes.set(sectorBytes(s, salt), s * SECTOR_SIZE);
  return new MemoryDisk(bytes);
}

interface Rig {
  port: BusHostPort;
  hw: Hw;
  io: IoPorts;
  ata: AtaController;
  clock: Clock;
  irq: IrqRecorder;
  disks: [MemoryDisk | null, MemoryDisk | null];
  /** Commands written to 0x1F7 with the sector count written before each. */
  commands: Array<{ command: number; count: number }>;
  /** Runs device events and delivers IRQ 14 edges to `onIrq` until nothing is scheduled. */
  run(onIrq: () => void, opts?: { poll?: () => void; extraIrqs?: boolean }): void;
}

function rig(disks: [MemoryDisk | null, MemoryDisk | null] = [patterned(512, 1), null]): Rig {
  const io = new IoPorts();
  const clock = new Clock();
  const irq = new IrqRecorder();
  const ata = new AtaController(io, clock, irq, disks as [BlockDevice | null, BlockDevice | null], { requestCycles: REQUEST, sectorCycles: SECTOR });
  const port = new BusHostPort(1 << 20, io);
  const commands: Rig['commands'] = [];
  let count = 0;
  io.onTrace = (p, size, write, value) => {
    if (!write || size !== 8) return;
    if (p === COUNT) count = value === 0 ? 256 : value;
    if (p === COMMAND) commands.push({ command: value, count });
  };
  let seen = 0;
  const deliver = (onIrq: () => void) => {
    if (irq.rises > seen) {
      seen = irq.rises;
      onIrq();
    }
  };
  return {
    port, hw: new Hw(port), io, ata, clock, irq, disks, commands,
    run(onIrq, opts = {}) {
      for (let steps = 0; steps < 100_000; steps++) {
        deliver(onIrq);
        if (!Number.isFinite(clock.nextEventTime())) return;
        clock.advanceTo(clock.nextEventTime());
        clock.runDue();
        deliver(onIrq);
        if (opts.extraIrqs) onIrq();
        opts.poll?.();
      }
      throw new Error('the drive never went quiet');
    },
  };
}

/** A done callback that records its result. */
function recorder(): { done: (err: string | null) => void; results: Array<string | null> } {
  const results: Array<string | null> = [];
  return { done: (err) => results.push(err), results };
}

const DST = phys(0x10000);
const mem = (r: Rig, at: number, sectors: number) => r.port.mem.subarray(at, at + sectors * SECTOR_SIZE);
const onDisk = (d: MemoryDisk, lba: number, sectors: number) => d.bytes.subarray(lba * SECTOR_SIZE, (lba + sectors) * SECTOR_SIZE);
/** Where two byte arrays first differ (-1: same length and bytes); toEqual is slow on 150 KB. */
function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

describe('AtaDisk reads', () => {
  let r: Rig;
  let disk: AtaDisk;
  beforeEach(() => {
    r = rig();
    disk = new AtaDisk(r.hw, 0, 512);
  });

  for (const [lba, count] of [[0, 1], [7, 3], [100, 300]] as const) {
    it(`reads ${count} sector${count > 1 ? 's' : ''} at LBA ${lba} into physical memory`, () => {
      const rec = recorder();
      disk.read(lba, count, DST, rec.done);
      expect(disk.busy).toBe(true);
      expect(rec.results).toEqual([]); // nothing happens until the drive interrupts
      r.run(() => disk.onIrq());
      expect(rec.results).toEqual([null]);
      expect(disk.busy).toBe(false);
      expect(firstDifference(mem(r, DST, count), onDisk(r.disks[0]!, lba, count))).toBe(-1);
      expect(r.port.mem[DST + count * SECTOR_SIZE]).toBe(0); // not a byte more
      expect(r.irq.level).toBe(false); // every interrupt acknowledged
    });
  }

  it('splits a request of more than 256 sectors into READ SECTORS commands of at most 256', () => {
    disk.read(100, 300, DST, () => {});
    r.run(() => disk.onIrq());
    expect(r.commands).toEqual([{ command: READ_SECTORS, count: 256 }, { command: READ_SECTORS, count: 44 }]);
  });

  it('keeps IRQ 14 enabled: writes 0 (nIEN clear) to the device control register', () => {
    expect(r.port.portWrites).toContainEqual([DEVICE_CONTROL, 0, 8]);
  });

  it('charges REP INSW time for each sector', () => {
    const cost = (count: number): number => {
      const before = r.port.cycles;
      disk.read(0, count, DST, () => {});
      r.run(() => disk.onIrq());
      return r.port.cycles - before;
    };
    const one = cost(1);
    const four = cost(4);
    expect(one).toBe(COST.ataCommand + COST.ataSectorIn);
    expect(four - one).toBe(3 * COST.ataSectorIn);
  });

  it('answers at once, with no command sent: an error beyond the disk or for a bad range, success for 0 sectors', () => {
    const rec = recorder();
    disk.read(510, 3, DST, rec.done);
    disk.read(0, 0, DST, rec.done);
    disk.read(-1, 1, DST, rec.done);
    expect(rec.results).toEqual([
      'ata0: read of sectors 510..512 is beyond the disk (512 sectors)',
      null,
      'ata0: read of 1 sectors at LBA -1: not a sector range',
    ]);
    expect(r.commands).toEqual([]);
    expect(disk.busy).toBe(false);
  });

  it('reports the drive\'s error with the error register and the sector it stopped at', () => {
    // The driver believes the disk is bigger than it is: the drive answers IDNF at LBA 512.
    const liar = new AtaDisk(r.hw, 0, 1024);
    const rec = recorder();
    liar.read(510, 4, DST, rec.done);
    r.run(() => liar.onIrq());
    expect(rec.results).toEqual(['ata0: read of sectors 510..513 failed at LBA 512: IDNF sector not found (status 0x51, error 0x10)']);
    expect(firstDifference(mem(r, DST, 2), onDisk(r.disks[0]!, 510, 2))).toBe(-1); // the sectors before it arrived
    expect(liar.busy).toBe(false);
  });

  it('ignores an onIrq() the drive did not raise', () => {
    const rec = recorder();
    disk.onIrq(); // idle: nothing to do
    disk.read(3, 5, DST, rec.done);
    r.run(() => disk.onIrq(), { extraIrqs: true });
    expect(rec.results).toEqual([null]);
    expect(firstDifference(mem(r, DST, 5), onDisk(r.disks[0]!, 3, 5))).toBe(-1);
  });

  it('reports an absent device at once', () => {
    const slave = new AtaDisk(r.hw, 1, 100);
    const rec = recorder();
    slave.read(0, 1, DST, rec.done);
    expect(rec.results).toEqual(['ata1: no device (status 0x00)']);
  });
});

describe('AtaDisk writes', () => {
  let r: Rig;
  let disk: AtaDisk;
  beforeEach(() => {
    r = rig();
    disk = new AtaDisk(r.hw, 0, 512);
  });

  function fill(at: number, sectors: number, salt: number): Uint8Array {
    const bytes = new Uint8Array(sectors * SECTOR_SIZE);
    for (let s = 0; s < sectors; s++) bytes.set(sectorBytes(1000 + s, salt), s * SECTOR_SIZE);
    r.port.mem.set(bytes, at);
    return bytes;
  }

  it('writes sectors to the disk and reads them back', () => {
    const data = fill(0x20000, 5, 9);
    const rec = recorder();
    disk.write(40, 5, phys(0x20000), rec.done);
    r.run(() => disk.onIrq());
    expect(rec.results).toEqual([null]);
    expect(firstDifference(onDisk(r.disks[0]!, 40, 5), data)).toBe(-1);
    expect(onDisk(r.disks[0]!, 45, 1)).toEqual(sectorBytes(45, 1)); // its neighbour untouched
    disk.read(40, 5, DST, rec.done);
    r.run(() => disk.onIrq());
    expect(rec.results).toEqual([null, null]);
    expect(firstDifference(mem(r, DST, 5), data)).toBe(-1);
  });

  it('writes 300 sectors as WRITE SECTORS commands of 256 and 44', () => {
    const data = fill(0x20000, 300, 4);
    const rec = recorder();
    disk.write(200, 300, phys(0x20000), rec.done);
    r.run(() => disk.onIrq());
    expect(rec.results).toEqual([null]);
    expect(r.commands).toEqual([{ command: WRITE_SECTORS, count: 256 }, { command: WRITE_SECTORS, count: 44 }]);
    expect(firstDifference(onDisk(r.disks[0]!, 200, 300), data)).toBe(-1);
    expect(r.port.cycles).toBe(2 * COST.ataCommand + 300 * COST.ataSectorOut);
  });

  it('ignores an onIrq() the drive did not raise, between the sectors of a write', () => {
    const data = fill(0x20000, 4, 6);
    const rec = recorder();
    disk.write(30, 4, phys(0x20000), rec.done);
    r.run(() => disk.onIrq(), { extraIrqs: true });
    expect(rec.results).toEqual([null]);
    expect(firstDifference(onDisk(r.disks[0]!, 30, 4), data)).toBe(-1);
  });

  it('reports a write the drive refuses past its end', () => {
    const liar = new AtaDisk(r.hw, 0, 1024);
    const rec = recorder();
    liar.write(511, 2, phys(0x20000), rec.done);
    r.run(() => liar.onIrq());
    expect(rec.results).toEqual(['ata0: write of sectors 511..512 failed at LBA 512: IDNF sector not found (status 0x51, error 0x10)']);
    liar.write(600, 1, phys(0x20000), rec.done); // refused before any data moves
    r.run(() => liar.onIrq());
    expect(rec.results[1]).toMatch(/^ata0: write of sectors 600\.\.600 failed at LBA 600: IDNF/);
  });
});

describe('AtaDisk queue', () => {
  it('completes queued requests in the order they were made', () => {
    const r = rig();
    const disk = new AtaDisk(r.hw, 0, 512);
    r.port.mem.fill(0xab, 0x20000, 0x20000 + 2 * SECTOR_SIZE);
    const order: string[] = [];
    disk.read(5, 2, DST, (e) => order.push(`read 5: ${e}`));
    disk.write(5, 2, phys(0x20000), (e) => order.push(`write 5: ${e}`));
    disk.read(5, 2, phys(0x30000), (e) => order.push(`read 5 again: ${e}`));
    expect(disk.busy).toBe(true);
    r.run(() => disk.onIrq());
    expect(order).toEqual(['read 5: null', 'write 5: null', 'read 5 again: null']);
    expect(firstDifference(mem(r, DST, 2), onDisk(patterned(512, 1), 5, 2))).toBe(-1); // read before the write
    expect(mem(r, 0x30000, 2).every((b) => b === 0xab)).toBe(true);
    expect(disk.busy).toBe(false);
  });

  it('reports in order when the request behind a finished one fails as it starts', () => {
    const r = rig(); // a master only: the slave's request fails when the channel reaches it
    const channel = new AtaChannel(r.hw);
    const master = new AtaDisk(r.hw, 0, 512, channel);
    const slave = new AtaDisk(r.hw, 1, 512, channel);
    const order: string[] = [];
    master.read(0, 1, DST, (e) => order.push(`master: ${e}`));
    slave.read(0, 1, DST, (e) => order.push(`slave: ${e}`));
    master.read(1, 1, DST, (e) => order.push(`master again: ${e}`));
    r.run(() => channel.onIrq());
    expect(order).toEqual(['master: null', 'slave: ata1: no device (status 0x00)', 'master again: null']);
  });

  it('starts a request made from a done callback after the ones already queued', () => {
    const r = rig();
    const disk = new AtaDisk(r.hw, 0, 512);
    const order: string[] = [];
    disk.read(1, 1, DST, () => {
      order.push('first');
      disk.read(3, 1, DST, () => order.push('from the callback'));
    });
    disk.read(2, 1, phys(0x30000), () => order.push('second'));
    r.run(() => disk.onIrq());
    expect(order).toEqual(['first', 'second', 'from the callback']);
    expect(mem(r, DST, 1)).toEqual(sectorBytes(3, 1));
  });

  it('serves a master and a slave on one channel, one command at a time', () => {
    const r = rig([patterned(64, 1), patterned(64, 2)]);
    const channel = new AtaChannel(r.hw);
    const master = new AtaDisk(r.hw, 0, 64, channel);
    const slave = new AtaDisk(r.hw, 1, 64, channel);
    const order: string[] = [];
    slave.read(10, 3, phys(0x30000), (e) => order.push(`slave ${e}`));
    master.read(10, 3, DST, (e) => order.push(`master ${e}`));
    expect(master.busy && slave.busy).toBe(true);
    r.run(() => channel.onIrq());
    expect(order).toEqual(['slave null', 'master null']);
    expect(firstDifference(mem(r, 0x30000, 3), onDisk(r.disks[1]!, 10, 3))).toBe(-1);
    expect(firstDifference(mem(r, DST, 3), onDisk(r.disks[0]!, 10, 3))).toBe(-1);
  });
});

describe('AtaDisk poll()', () => {
  it('starts a request that found the drive busy once poll() sees it ready', () => {
    const r = rig();
    const disk = new AtaDisk(r.hw, 0, 512);
    // A soft reset: the drive is busy for REQUEST cycles after SRST is released, and raises no IRQ.
    r.hw.outb(DEVICE_CONTROL, SRST);
    r.hw.outb(DEVICE_CONTROL, 0);
    const rec = recorder();
    disk.read(0, 2, DST, rec.done);
    r.run(() => disk.onIrq());
    expect(rec.results).toEqual([]); // no interrupt came to move it
    expect(r.commands).toEqual([]);
    disk.poll();
    r.run(() => disk.onIrq());
    expect(rec.results).toEqual([null]);
    expect(firstDifference(mem(r, DST, 2), onDisk(r.disks[0]!, 0, 2))).toBe(-1);
  });

  it('sends the first sector of a write when poll() finds DRQ, for a drive slow to ask', () => {
    const r = rig();
    // A probe in front of the channel: status reads BSY for 5000 cycles after WRITE SECTORS.
    const ata = r.ata;
    let slowUntil = -1;
    const masked = (port: number, v: number) =>
      (port === STATUS || port === DEVICE_CONTROL) && r.clock.now < slowUntil ? (v & ~DRQ) | BSY : v;
    const probe: PortHandler = {
      read8: (p) => masked(p, ata.read8(p)),
      write8: (p, v) => {
        if (p === COMMAND && v === WRITE_SECTORS) slowUntil = r.clock.now + 5000;
        ata.write8(p, v);
      },
      read16: (p) => ata.read16!(p),
      write16: (p, v) => ata.write16!(p, v),
    };
    r.io.replace(0x1f0, 8, probe);
    r.io.replace(DEVICE_CONTROL, 1, probe);
    const disk = new AtaDisk(r.hw, 0, 512);
    r.port.mem.fill(0x5a, 0x20000, 0x20000 + 3 * SECTOR_SIZE);
    const rec = recorder();
    disk.write(8, 3, phys(0x20000), rec.done);
    disk.poll(); // too early: still "busy"
    expect(r.port.cycles).toBe(COST.ataCommand); // no sector sent
    r.clock.advanceTo(5000);
    disk.poll();
    r.run(() => disk.onIrq());
    expect(rec.results).toEqual([null]);
    expect(onDisk(r.disks[0]!, 8, 3).every((b) => b === 0x5a)).toBe(true);
  });

  it('touches no port when nothing waits', () => {
    const r = rig();
    const disk = new AtaDisk(r.hw, 0, 512);
    let accesses = 0;
    r.io.beforeAccess = () => accesses++;
    disk.poll();
    disk.read(0, 1, DST, () => {});
    const afterIssue = accesses;
    disk.poll(); // a read waits for its IRQ, not for poll()
    expect(accesses).toBe(afterIssue);
  });
});
