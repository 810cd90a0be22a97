// The ATA driver against the real emulated channel (emulator/devices/ata.ts) on its cycle clock:
// a FakeHostPort whose ports go to an IoPorts bus holding an AtaController, and a loop that plays
// the board and the kernel: it runs the clock to the next device event and calls onIrq() on each
// rising edge of IRQ 14, as the 8259A (edge triggered) would deliver it. The channel's wakeup is a
// recorder: what used to reach a done callback is now the request's status and error, plus the
// one wakeup the channel gives the request (its own wait channel) when the drive is done with it.
import { beforeEach, describe, expect, it } from 'vitest';
import { Clock } from '../../../../emulator/clock.ts';
import { AtaController } from '../../../../emulator/devices/ata.ts';
import { MemoryDisk, SECTOR_SIZE, type BlockDevice } from '../../../../emulator/disk.ts';
import { IrqRecorder } from '../../../../emulator/irq.ts';
import { IoPorts, type PortHandler } from '../../../../emulator/memory/ioports.ts';
import { AtaChannel, AtaDisk, type DiskRequest } from '../../../../kernel/dev/ata.ts';
import { COST } from '../../../../kernel/cost.ts';
import { Hw, phys } from '../../../../kernel/hw.ts';
import type { WaitChannel } from '../../../../kernel/wait.ts';
import { BusHostPort } from '../fake-hostport.ts';

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
  /** The one channel of the machine (master and slave share it), waking through `wakeups`. */
  channel: AtaChannel;
  /** Every wakeup the channel gave, in order. */
  wakeups: WaitChannel[];
  /** The status each woken request had as its wakeup came (it must be final by then). */
  statusAtWakeup: string[];
  /** Runs inside each wakeup, after it is recorded (as the wakeup function would, from the IRQ handler). */
  onWakeup: ((chan: WaitChannel) => void) | null;
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
  const hw = new Hw(port);
  const wakeups: WaitChannel[] = [];
  const statusAtWakeup: string[] = [];
  const self: Rig = {
    port, hw, io, ata, clock, irq, disks, commands, wakeups, statusAtWakeup, onWakeup: null,
    channel: new AtaChannel(hw, (chan) => {
      wakeups.push(chan);
      statusAtWakeup.push((chan as Partial<DiskRequest>).status ?? `not a request: ${chan.name}`);
      self.onWakeup?.(chan);
    }),
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
  return self;
}

/**
 * What the old done callback was given: null for 'done', the message for 'error' ('queued' while
 * the request waits). Checks that status and error agree.
 */
function outcome(q: DiskRequest): string | null {
  if (q.status === 'queued') {
    expect(q.error).toBeNull();
    return 'queued';
  }
  if (q.status === 'done') {
    expect(q.error).toBeNull();
    return null;
  }
  expect(q.status).toBe('error');
  expect(typeof q.error).toBe('string');
  return q.error;
}

/** Checks every wakeup so far went to a request whose status was already final. */
function expectFinalAtWakeup(r: Rig): void {
  expect(r.statusAtWakeup.filter((s) => s !== 'done' && s !== 'error')).toEqual([]);
}

/** How many wakeups each request got, in order (the channel is the request object itself). */
function wakeupCounts(r: Rig, ...reqs: DiskRequest[]): number[] {
  expectFinalAtWakeup(r);
  return reqs.map((q) => r.wakeups.filter((w) => w === q).length);
}

/** Names the requests the wakeups went to, in order ('?' for a channel that is none of them). */
function wakeupOrder(r: Rig, named: Map<DiskRequest, string>): string[] {
  expectFinalAtWakeup(r);
  return r.wakeups.map((w) => {
    const name = named.get(w as DiskRequest);
    return name === undefined ? '?' : `${name}: ${outcome(w as DiskRequest)}`;
  });
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

/** Counts the rig's word port calls: single words (inw/outw) and whole strings (insw/outsw), with the words they moved. */
function countWordIo(r: Rig): { inw: number; outw: number; insw: number[]; outsw: number[] } {
  const seen = { inw: 0, outw: 0, insw: [] as number[], outsw: [] as number[] };
  const p = r.port;
  const inw = p.inw.bind(p), outw = p.outw.bind(p), insw = p.insw.bind(p), outsw = p.outsw.bind(p);
  // insw/outsw of the fake are made of its inw/outw: count those only outside a string.
  let inString = false;
  p.inw = (port) => { if (!inString) seen.inw++; return inw(port); };
  p.outw = (port, v) => { if (!inString) seen.outw++; outw(port, v); };
  p.insw = (port, a, n) => { seen.insw.push(n); inString = true; insw(port, a, n); inString = false; };
  p.outsw = (port, a, n) => { seen.outsw.push(n); inString = true; outsw(port, a, n); inString = false; };
  return seen;
}

describe('AtaDisk moves each sector with one string instruction (REP INSW / REP OUTSW)', () => {
  it('reads: one insw of 256 words per sector, no single inw', () => {
    const r = rig();
    const disk = new AtaDisk(0, 512, r.channel);
    const seen = countWordIo(r);
    const q = disk.read(7, 3, DST);
    r.run(() => disk.onIrq());
    expect(outcome(q)).toBeNull();
    expect(seen).toEqual({ inw: 0, outw: 0, insw: [256, 256, 256], outsw: [] });
    expect(firstDifference(mem(r, DST, 3), onDisk(r.disks[0]!, 7, 3))).toBe(-1);
  });

  it('writes: one outsw of 256 words per sector, no single outw', () => {
    const r = rig();
    const disk = new AtaDisk(0, 512, r.channel);
    const seen = countWordIo(r);
    r.port.mem.set(sectorBytes(1, 99), DST);
    r.port.mem.set(sectorBytes(2, 99), DST + SECTOR_SIZE);
    const q = disk.write(20, 2, DST);
    r.run(() => disk.onIrq());
    expect(outcome(q)).toBeNull();
    expect(seen).toEqual({ inw: 0, outw: 0, insw: [], outsw: [256, 256] });
    expect(firstDifference(onDisk(r.disks[0]!, 20, 2), mem(r, DST, 2))).toBe(-1);
  });
});

describe('AtaDisk reads', () => {
  let r: Rig;
  let disk: AtaDisk;
  beforeEach(() => {
    r = rig();
    disk = new AtaDisk(0, 512, r.channel);
  });

  for (const [lba, count] of [[0, 1], [7, 3], [100, 300]] as const) {
    it(`reads ${count} sector${count > 1 ? 's' : ''} at LBA ${lba} into physical memory`, () => {
      const q = disk.read(lba, count, DST);
      expect(q).toMatchObject({ name: 'disk', unit: 0, write: false, lba, count, addr: DST });
      expect(disk.busy).toBe(true);
      expect(outcome(q)).toBe('queued'); // nothing happens until the drive interrupts
      expect(r.wakeups).toEqual([]);
      r.run(() => disk.onIrq());
      expect(outcome(q)).toBeNull();
      expect(q.finished).toBe(count);
      expect(wakeupCounts(r, q)).toEqual([1]);
      expect(r.wakeups.length).toBe(1);
      expect(disk.busy).toBe(false);
      expect(firstDifference(mem(r, DST, count), onDisk(r.disks[0]!, lba, count))).toBe(-1);
      expect(r.port.mem[DST + count * SECTOR_SIZE]).toBe(0); // not a byte more
      expect(r.irq.level).toBe(false); // every interrupt acknowledged
    });
  }

  it('splits a request of more than 256 sectors into READ SECTORS commands of at most 256', () => {
    disk.read(100, 300, DST);
    r.run(() => disk.onIrq());
    expect(r.commands).toEqual([{ command: READ_SECTORS, count: 256 }, { command: READ_SECTORS, count: 44 }]);
  });

  it('keeps IRQ 14 enabled: writes 0 (nIEN clear) to the device control register', () => {
    expect(r.port.portWrites).toContainEqual([DEVICE_CONTROL, 0, 8]);
  });

  it('charges REP INSW time for each sector', () => {
    const cost = (count: number): number => {
      r.hw.settleCycles();
      const before = r.port.cycles;
      disk.read(0, count, DST);
      r.run(() => disk.onIrq());
      r.hw.settleCycles(); // as the kernel does at the end of each host call
      return r.port.cycles - before;
    };
    const one = cost(1);
    const four = cost(4);
    expect(one).toBe(COST.ataCommand + COST.ataSectorIn);
    expect(four - one).toBe(3 * COST.ataSectorIn);
  });

  it('answers at once, with no command sent and no wakeup: an error beyond the disk or for a bad range, success for 0 sectors', () => {
    const qs = [disk.read(510, 3, DST), disk.read(0, 0, DST), disk.read(-1, 1, DST)];
    expect(qs.map(outcome)).toEqual([
      'ata0: read of sectors 510..512 is beyond the disk (512 sectors)',
      null,
      'ata0: read of 1 sectors at LBA -1: not a sector range',
    ]);
    expect(r.commands).toEqual([]);
    expect(r.wakeups).toEqual([]);
    expect(disk.busy).toBe(false);
  });

  it('reports the drive\'s error with the error register and the sector it stopped at', () => {
    // The driver believes the disk is bigger than it is: the drive answers IDNF at LBA 512.
    const liar = new AtaDisk(0, 1024, r.channel);
    const q = liar.read(510, 4, DST);
    r.run(() => liar.onIrq());
    expect(outcome(q)).toBe('ata0: read of sectors 510..513 failed at LBA 512: IDNF sector not found (status 0x51, error 0x10)');
    expect(wakeupCounts(r, q)).toEqual([1]);
    expect(r.wakeups.length).toBe(1);
    expect(q.finished).toBe(2);
    expect(firstDifference(mem(r, DST, 2), onDisk(r.disks[0]!, 510, 2))).toBe(-1); // the sectors before it arrived
    expect(liar.busy).toBe(false);
  });

  it('ignores an onIrq() the drive did not raise', () => {
    disk.onIrq(); // idle: nothing to do
    expect(r.wakeups).toEqual([]);
    const q = disk.read(3, 5, DST);
    r.run(() => disk.onIrq(), { extraIrqs: true });
    expect(outcome(q)).toBeNull();
    expect(wakeupCounts(r, q)).toEqual([1]); // the extra calls neither finish it again nor wake it again
    expect(r.wakeups.length).toBe(1);
    expect(firstDifference(mem(r, DST, 5), onDisk(r.disks[0]!, 3, 5))).toBe(-1);
  });

  it('reports an absent device at once', () => {
    const slave = new AtaDisk(1, 100, r.channel);
    const q = slave.read(0, 1, DST);
    expect(outcome(q)).toBe('ata1: no device (status 0x00)');
    // The channel reached the drive, so it ends the request as any other: one wakeup (nobody sleeps on it yet).
    expect(wakeupCounts(r, q)).toEqual([1]);
    expect(r.wakeups.length).toBe(1);
    expect(slave.busy).toBe(false);
  });
});

describe('AtaDisk writes', () => {
  let r: Rig;
  let disk: AtaDisk;
  beforeEach(() => {
    r = rig();
    disk = new AtaDisk(0, 512, r.channel);
  });

  function fill(at: number, sectors: number, salt: number): Uint8Array {
    const bytes = new Uint8Array(sectors * SECTOR_SIZE);
    for (let s = 0; s < sectors; s++) bytes.set(sectorBytes(1000 + s, salt), s * SECTOR_SIZE);
    r.port.mem.set(bytes, at);
    return bytes;
  }

  it('writes sectors to the disk and reads them back', () => {
    const data = fill(0x20000, 5, 9);
    const w = disk.write(40, 5, phys(0x20000));
    expect(w).toMatchObject({ name: 'disk', unit: 0, write: true, lba: 40, count: 5, addr: 0x20000 });
    expect(outcome(w)).toBe('queued');
    r.run(() => disk.onIrq());
    expect(outcome(w)).toBeNull();
    expect(w.finished).toBe(5);
    expect(wakeupCounts(r, w)).toEqual([1]);
    expect(firstDifference(onDisk(r.disks[0]!, 40, 5), data)).toBe(-1);
    expect(onDisk(r.disks[0]!, 45, 1)).toEqual(sectorBytes(45, 1)); // its neighbour untouched
    const q = disk.read(40, 5, DST);
    r.run(() => disk.onIrq());
    expect(outcome(q)).toBeNull();
    expect(wakeupCounts(r, w, q)).toEqual([1, 1]);
    expect(r.wakeups.length).toBe(2);
    expect(firstDifference(mem(r, DST, 5), data)).toBe(-1);
  });

  it('writes 300 sectors as WRITE SECTORS commands of 256 and 44', () => {
    const data = fill(0x20000, 300, 4);
    const w = disk.write(200, 300, phys(0x20000));
    r.run(() => disk.onIrq());
    expect(outcome(w)).toBeNull();
    expect(wakeupCounts(r, w)).toEqual([1]);
    expect(r.wakeups.length).toBe(1);
    expect(r.commands).toEqual([{ command: WRITE_SECTORS, count: 256 }, { command: WRITE_SECTORS, count: 44 }]);
    expect(firstDifference(onDisk(r.disks[0]!, 200, 300), data)).toBe(-1);
    r.hw.settleCycles(); // as the kernel does at the end of each host call
    expect(r.port.cycles).toBe(2 * COST.ataCommand + 300 * COST.ataSectorOut);
  });

  it('ignores an onIrq() the drive did not raise, between the sectors of a write', () => {
    const data = fill(0x20000, 4, 6);
    const w = disk.write(30, 4, phys(0x20000));
    r.run(() => disk.onIrq(), { extraIrqs: true });
    expect(outcome(w)).toBeNull();
    expect(wakeupCounts(r, w)).toEqual([1]);
    expect(r.wakeups.length).toBe(1);
    expect(firstDifference(onDisk(r.disks[0]!, 30, 4), data)).toBe(-1);
  });

  it('reports a write the drive refuses past its end', () => {
    const liar = new AtaDisk(0, 1024, r.channel);
    const w = liar.write(511, 2, phys(0x20000));
    r.run(() => liar.onIrq());
    expect(outcome(w)).toBe('ata0: write of sectors 511..512 failed at LBA 512: IDNF sector not found (status 0x51, error 0x10)');
    expect(wakeupCounts(r, w)).toEqual([1]);
    const w2 = liar.write(600, 1, phys(0x20000)); // refused before any data moves
    r.run(() => liar.onIrq());
    expect(outcome(w2)).toMatch(/^ata0: write of sectors 600\.\.600 failed at LBA 600: IDNF/);
    expect(w2.finished).toBe(0);
    expect(wakeupCounts(r, w, w2)).toEqual([1, 1]);
    expect(r.wakeups.length).toBe(2);
  });
});

describe('AtaDisk queue', () => {
  it('completes queued requests in the order they were made', () => {
    const r = rig();
    const disk = new AtaDisk(0, 512, r.channel);
    r.port.mem.fill(0xab, 0x20000, 0x20000 + 2 * SECTOR_SIZE);
    const named = new Map<DiskRequest, string>([
      [disk.read(5, 2, DST), 'read 5'],
      [disk.write(5, 2, phys(0x20000)), 'write 5'],
      [disk.read(5, 2, phys(0x30000)), 'read 5 again'],
    ]);
    expect(disk.busy).toBe(true);
    r.run(() => disk.onIrq());
    expect(wakeupOrder(r, named)).toEqual(['read 5: null', 'write 5: null', 'read 5 again: null']);
    expect(firstDifference(mem(r, DST, 2), onDisk(patterned(512, 1), 5, 2))).toBe(-1); // read before the write
    expect(mem(r, 0x30000, 2).every((b) => b === 0xab)).toBe(true);
    expect(disk.busy).toBe(false);
  });

  it('reports in order when the request behind a finished one fails as it starts', () => {
    const r = rig(); // a master only: the slave's request fails when the channel reaches it
    const master = new AtaDisk(0, 512, r.channel);
    const slave = new AtaDisk(1, 512, r.channel);
    const named = new Map<DiskRequest, string>([
      [master.read(0, 1, DST), 'master'],
      [slave.read(0, 1, DST), 'slave'],
      [master.read(1, 1, DST), 'master again'],
    ]);
    expect(r.wakeups).toEqual([]); // the slave's request waits behind the master's, so it has not failed yet
    r.run(() => r.channel.onIrq());
    expect(wakeupOrder(r, named)).toEqual(['master: null', 'slave: ata1: no device (status 0x00)', 'master again: null']);
  });

  // A request made once an earlier one is done: from inside the wakeup itself (before the channel
  // moves on), or by the woken process when it runs after the IRQ handler (as in the kernel).
  for (const when of ['from inside the wakeup', 'by the woken process after the IRQ handler'] as const) {
    it(`starts a request made ${when} after the ones already queued`, () => {
      const r = rig();
      const disk = new AtaDisk(0, 512, r.channel);
      const named = new Map<DiskRequest, string>();
      const first = disk.read(1, 1, DST);
      named.set(first, 'first');
      const follow = (): void => { named.set(disk.read(3, 1, DST), 'made after the first'); };
      let onIrq = (): void => disk.onIrq();
      if (when === 'from inside the wakeup') {
        r.onWakeup = (chan) => { if (chan === first) follow(); };
      } else {
        onIrq = () => {
          const seen = r.wakeups.length;
          disk.onIrq();
          if (r.wakeups.slice(seen).includes(first)) follow();
        };
      }
      named.set(disk.read(2, 1, phys(0x30000)), 'second');
      r.run(onIrq);
      expect(wakeupOrder(r, named)).toEqual(['first: null', 'second: null', 'made after the first: null']);
      expect(mem(r, DST, 1)).toEqual(sectorBytes(3, 1));
      expect(mem(r, 0x30000, 1)).toEqual(sectorBytes(2, 1));
    });
  }

  it('serves a master and a slave on one channel, one command at a time', () => {
    const r = rig([patterned(64, 1), patterned(64, 2)]);
    const master = new AtaDisk(0, 64, r.channel);
    const slave = new AtaDisk(1, 64, r.channel);
    const named = new Map<DiskRequest, string>([
      [slave.read(10, 3, phys(0x30000)), 'slave'],
      [master.read(10, 3, DST), 'master'],
    ]);
    expect(master.busy && slave.busy).toBe(true);
    r.run(() => r.channel.onIrq());
    expect(wakeupOrder(r, named)).toEqual(['slave: null', 'master: null']);
    expect(firstDifference(mem(r, 0x30000, 3), onDisk(r.disks[1]!, 10, 3))).toBe(-1);
    expect(firstDifference(mem(r, DST, 3), onDisk(r.disks[0]!, 10, 3))).toBe(-1);
    expect(master.busy || slave.busy).toBe(false);
  });
});

describe('AtaDisk poll()', () => {
  it('starts a request that found the drive busy once poll() sees it ready', () => {
    const r = rig();
    const disk = new AtaDisk(0, 512, r.channel);
    // A soft reset: the drive is busy for REQUEST cycles after SRST is released, and raises no IRQ.
    r.hw.outb(DEVICE_CONTROL, SRST);
    r.hw.outb(DEVICE_CONTROL, 0);
    const q = disk.read(0, 2, DST);
    r.run(() => disk.onIrq());
    expect(outcome(q)).toBe('queued'); // no interrupt came to move it
    expect(r.wakeups).toEqual([]);
    expect(r.commands).toEqual([]);
    disk.poll();
    r.run(() => disk.onIrq());
    expect(outcome(q)).toBeNull();
    expect(wakeupCounts(r, q)).toEqual([1]);
    expect(r.wakeups.length).toBe(1);
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
    const disk = new AtaDisk(0, 512, r.channel);
    r.port.mem.fill(0x5a, 0x20000, 0x20000 + 3 * SECTOR_SIZE);
    const w = disk.write(8, 3, phys(0x20000));
    disk.poll(); // too early: still "busy"
    r.hw.settleCycles();
    expect(r.port.cycles).toBe(COST.ataCommand); // no sector sent
    expect(outcome(w)).toBe('queued');
    r.clock.advanceTo(5000);
    disk.poll();
    r.run(() => disk.onIrq());
    expect(outcome(w)).toBeNull();
    expect(wakeupCounts(r, w)).toEqual([1]);
    expect(r.wakeups.length).toBe(1);
    expect(onDisk(r.disks[0]!, 8, 3).every((b) => b === 0x5a)).toBe(true);
  });

  it('touches no port when nothing waits', () => {
    const r = rig();
    const disk = new AtaDisk(0, 512, r.channel);
    let accesses = 0;
    r.io.beforeAccess = () => accesses++;
    disk.poll();
    expect(accesses).toBe(0); // an idle channel
    disk.read(0, 1, DST);
    const afterIssue = accesses;
    expect(afterIssue).toBeGreaterThan(0);
    disk.poll(); // a read waits for its IRQ, not for poll()
    expect(accesses).toBe(afterIssue);
  });
});
