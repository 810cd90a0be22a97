// cli/disks.ts, the disks the CLI gives the machine (master, then slave), and the swap file under it
// (emulator/host/swap-file.ts): the swap is the slave, written through, and the BIOS reports it to
// the kernel as unit 1 with its size. node:fs is wrapped so that a test can make a look see what is
// not there (a file swapped between look and open) or an unlink fail (an OS that cannot unlink an
// open file).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import type * as FsModule from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { openDisks, type DiskOptions } from '../../../cli/disks.ts';
import { BadInput } from '../../../cli/bad-input.ts';
import { createMachine, type BlockDevice, type SwapFile } from '../../../emulator/index.ts';
import { createTempSwapFile, openSwapFile } from '../../../emulator/host/swap-file.ts';

vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof FsModule>();
  return { ...real, statSync: vi.fn(real.statSync), unlinkSync: vi.fn(real.unlinkSync) };
});

const root = new URL('../../..', import.meta.url).pathname;
const bios = new Uint8Array(fs.readFileSync(path.join(root, 'firmware/bios.bin')));
const KiB = 1024, MiB = 1024 * 1024;

let dir = '';
let master = '';
/** Where temporary swap files go in these tests (os.tmpdir() follows TMPDIR). */
let tmp = '';
const savedTmpdir = process.env.TMPDIR;
let opened: SwapFile[] = [];

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(tmpdir(), 'ts386-disks-'));
  master = path.join(dir, 'master.img');
  fs.writeFileSync(master, new Uint8Array(64 * 512));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(dir, 'tmp-'));
  process.env.TMPDIR = tmp;
  opened = [];
});
afterEach(() => {
  for (const s of opened) s.close();
  if (savedTmpdir === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmpdir;
});

function options(o: Partial<DiskOptions>): DiskOptions {
  return { disk: [master], programDisk: null, write: false, swap: undefined, swapSize: undefined, others: [], ...o };
}

function open(o: Partial<DiskOptions>): { disks: BlockDevice[]; swap: SwapFile } {
  const r = openDisks(options(o));
  if (r.swap === null) throw new Error('no swap');
  opened.push(r.swap);
  return { disks: r.disks, swap: r.swap };
}

describe('openDisks: the swap is the slave', () => {
  it('puts a new --swap file after the master, at the default 16 MiB', () => {
    const file = path.join(dir, 'default.swap');
    const { disks, swap } = open({ swap: file });
    expect(disks).toHaveLength(2);
    expect(disks[1]).toBe(swap.disk);
    expect(disks[1]!.sectorCount).toBe(16 * MiB / 512);
    expect(fs.statSync(file).size).toBe(16 * MiB);
    expect(swap.created).toBe(true);
  });

  it('makes it at --swap-size, readable and writable by its owner only (it holds guest memory)', () => {
    const file = path.join(dir, 'sized.swap');
    const { disks } = open({ swap: file, swapSize: '256K' });
    expect(disks[1]!.sectorCount).toBe(512);
    expect(fs.statSync(file).size).toBe(256 * KiB);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it('writes the guest\'s writes through to the file (no --write needed), unlike a --disk', () => {
    const file = path.join(dir, 'through.swap');
    const { disks } = open({ swap: file, swapSize: '64K' });
    disks[1]!.write(3, 1, new Uint8Array(512).fill(0xab), 0);
    disks[0]!.write(0, 1, new Uint8Array(512).fill(0xcd), 0);
    expect(fs.readFileSync(file)[3 * 512]).toBe(0xab);
    expect(fs.readFileSync(master)[0]).toBe(0); // the master stays copy-on-write
  });

  it('uses an existing file at its own size and leaves its contents', () => {
    const file = path.join(dir, 'existing.swap');
    fs.writeFileSync(file, new Uint8Array(128 * KiB).fill(7));
    const { disks, swap } = open({ swap: file });
    expect(disks[1]!.sectorCount).toBe(256);
    expect(swap.created).toBe(false);
    const sector = new Uint8Array(512);
    disks[1]!.read(0, 1, sector, 0);
    expect(sector[0]).toBe(7);
    expect(fs.statSync(file).size).toBe(128 * KiB);
  });

  it('puts a temporary swap (--swap-size alone) in the temp directory, unlinked while it is open', () => {
    const { disks, swap } = open({ swapSize: '128K' });
    expect(disks[1]!.sectorCount).toBe(256);
    expect(path.dirname(swap.path)).toBe(tmp);
    expect(fs.readdirSync(tmp)).toEqual([]);
    // Still a disk: the descriptor keeps the unlinked file alive.
    disks[1]!.write(255, 1, new Uint8Array(512).fill(9), 0);
    const back = new Uint8Array(512);
    disks[1]!.read(255, 1, back, 0);
    expect(back[0]).toBe(9);
  });

  it('without a swap, two --disk files are master and slave as before', () => {
    const r = openDisks(options({ disk: [master, master] }));
    expect(r.disks.map((d) => d.sectorCount)).toEqual([64, 64]);
    expect(r.swap).toBeNull();
  });

  it('takes the program disk as the master when no --disk is given', () => {
    const { disks } = open({ disk: undefined, programDisk: master, swapSize: '64K' });
    expect(disks.map((d) => d.sectorCount)).toEqual([64, 128]);
  });
});

describe('openDisks refuses, creating nothing', () => {
  const refuse = (o: Partial<DiskOptions>, message: RegExp): void => {
    let error: unknown;
    try {
      openDisks(options(o));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BadInput);
    expect((error as Error).message).toMatch(message);
    expect(fs.readdirSync(tmp)).toEqual([]);
  };

  it('a swap with two --disk files: they do not fit on the channel', () => {
    const file = path.join(tmp, 'x.swap');
    refuse({ disk: [master, master], swap: file }, /^--swap with two --disk files: the ATA channel has room for two disks, and the swap is the second \(the slave\)$/);
    refuse({ disk: [master, master], swapSize: '64K' }, /^--swap-size with two --disk files/);
  });

  it('a swap without a master, which the BIOS would take for disk 80h', () => {
    refuse({ disk: undefined, programDisk: null, swap: path.join(tmp, 'x.swap') }, /^--swap needs a first disk/);
  });

  it.each(['60K', '2G', '16', '100000', '0', '16M1', 'big'])('--swap-size %s', (size) => {
    refuse({ swap: path.join(tmp, 'x.swap'), swapSize: size }, new RegExp(`^--swap-size ${size}: expected a size such as 16M; a swap file must be whole 4 KiB pages from 64 KiB to 1 GiB$`));
    refuse({ swapSize: size }, /^--swap-size /);
  });

  it('a --swap that is a --disk under another name (compared by device and inode)', () => {
    const link = path.join(dir, 'hard-link.img');
    fs.rmSync(link, { force: true });
    fs.linkSync(master, link);
    refuse({ swap: link }, new RegExp(`^--swap ${link}: is the same file as --disk ${master};`));
  });

  it('a --swap that is the program disk', () => {
    const link = path.join(dir, 'sym-link.img');
    fs.rmSync(link, { force: true });
    fs.symlinkSync(master, link);
    refuse({ disk: undefined, programDisk: master, swap: link }, new RegExp(`^--swap ${link}: is the same file as the program disk ${master};`));
  });

  it('a --swap that is one of the other files it is given (--kernel)', () => {
    const kernel = path.join(dir, 'kernel.elf');
    fs.writeFileSync(kernel, new Uint8Array(64 * KiB));
    refuse({ swap: kernel, others: [{ path: kernel, what: '--kernel' }] }, new RegExp(`^--swap ${kernel}: is the same file as --kernel ${kernel};`));
  });

  it('a bad --disk, before any swap file is made', () => {
    refuse({ disk: [path.join(dir, 'missing.img')], swap: path.join(tmp, 'x.swap') }, /^--disk disk image .*missing\.img: no such file$/);
  });
});

describe('the swap file (emulator/host/swap-file.ts)', () => {
  it('discard() removes a file this run made, and leaves one it found', () => {
    const made = path.join(dir, 'made.swap');
    openSwapFile(made, { size: 64 * KiB }).discard();
    expect(fs.existsSync(made)).toBe(false);
    const found = path.join(dir, 'found.swap');
    fs.writeFileSync(found, new Uint8Array(64 * KiB));
    openSwapFile(found).discard();
    expect(fs.statSync(found).size).toBe(64 * KiB);
  });

  it('refuses a file that changed between the look and the open (a FIFO in its place), without waiting on it', () => {
    const fifo = path.join(dir, 'fifo');
    fs.rmSync(fifo, { force: true });
    execFileSync('mkfifo', [fifo]);
    const regular = fs.statSync(path.join(dir, 'master.img'), { bigint: true });
    vi.mocked(fs.statSync).mockReturnValueOnce({ ...regular, isFile: () => true, isDirectory: () => false, size: 64n * 1024n } as unknown as fs.Stats);
    expect(() => openSwapFile(fifo)).toThrow(new Error(`${fifo}: changed while it was being opened; try again`));
  });

  it('where an open file cannot be unlinked, removes a temporary swap at close, or at exit', () => {
    const eperm = Object.assign(new Error('EPERM: operation not permitted, unlink'), { code: 'EPERM' });
    vi.mocked(fs.unlinkSync).mockImplementationOnce(() => { throw eperm; });
    const exitListeners = process.listenerCount('exit');
    const swap = createTempSwapFile(64 * KiB, tmp);
    expect(fs.readdirSync(tmp)).toHaveLength(1);
    expect(process.listenerCount('exit')).toBe(exitListeners + 1);
    swap.close();
    expect(fs.readdirSync(tmp)).toEqual([]);
    expect(process.listenerCount('exit')).toBe(exitListeners);
  });
});

describe('the machine sees the swap', () => {
  it('as the slave (unit 1, select byte B0h) of its size, in the boot-info block the BIOS gives the kernel', () => {
    const { disks } = open({ swap: path.join(dir, 'seen.swap'), swapSize: '1M' });
    const m = createMachine({ rom: bios, memoryBytes: 16 * MiB, disks });
    let listed: Array<[number, number]> | null = null;
    m.hostcall.attach((at) => {
      // The block's disk table (kernel/bootinfo.ts): +14 count, then per disk sectors and select byte.
      const r32 = (a: number): number => m.phys.read32(a) >>> 0;
      listed = [];
      for (let k = 0; k < r32(at + 0x14); k++) listed.push([r32(at + 0x18 + 8 * k), r32(at + 0x1c + 8 * k)]);
      m.io.write8(0xf4, 0); // end the run at the call
    }, '');
    expect(m.run(200_000_000).reason).toBe('exit');
    expect(listed).toEqual([[64, 0xa0], [2048, 0xb0]]);
  });
});
