// firmware/bios.bin, the BIOS ts386 boots by default, driven the way a guest drives it: boot sectors
// (boot/*.S, built by boot/build.sh) call its services and record the registers they get back in
// "slots" (boot/probe.inc), then end the run through the exit port; the tests read the slots, the
// memory the services wrote and the serial transcript.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Machine, type RunResult } from '../../../emulator/machine.ts';
import { type BlockDevice, MemoryDisk, SECTOR_SIZE } from '../../../emulator/disk.ts';
import { hasAs, staleOutputs } from '../../harness/gas.ts';
import { CS, DS, EAX, ESP } from '../../../emulator/cpu/registers.ts';

const root = new URL('../../..', import.meta.url).pathname;
const bootDir = path.join(root, 'test/unit/firmware/boot');
const bios = new Uint8Array(readFileSync(path.join(root, 'firmware/bios.bin')));
const benchImage = '/work/shared/bench/images/bench-cpu-10.img';

const CF = 0x01, ZF = 0x40, IF = 0x200;
const MiB = 1024 * 1024;


interface Booted {
  m: Machine;
  result: RunResult;
  serial: () => string;
  debug: () => string;
  /** The POST codes written to port 80h, in order. */
  post: number[];
}

/** Builds a machine on bios.bin with `disks` and runs it until it exits, halts or `cycles` pass. */
function boot(disks: BlockDevice[], opts: { memoryBytes?: number; cpu?: 386 | 486; cycles?: number; setup?: (m: Machine) => void } = {}): Booted {
  const serial: number[] = [];
  const debug: number[] = [];
  const m = new Machine({
    rom: bios,
    memoryBytes: opts.memoryBytes ?? 16 * MiB,
    cpu: opts.cpu,
    disks,
    onSerialByte: (b) => serial.push(b),
    onDebugByte: (b) => debug.push(b),
  });
  const post: number[] = [];
  m.post.onPost = (code) => post.push(code);
  opts.setup?.(m);
  const result = m.run(opts.cycles ?? 200_000_000);
  return {
    m,
    result,
    serial: () => String.fromCharCode(...serial),
    debug: () => String.fromCharCode(...debug),
    post,
  };
}

/** A disk of `sectors` sectors whose sector s holds pattern(s) (so that every read is checkable), with `program` in sector 0. */
function diskWith(program: Uint8Array, sectors = 2016): MemoryDisk {
  const disk = MemoryDisk.blank(sectors, 'test disk');
  for (let s = 1; s < sectors; s++) disk.bytes.set(pattern(s), s * SECTOR_SIZE);
  disk.bytes.set(program, 0);
  return disk;
}

function pattern(lba: number): Uint8Array {
  const b = new Uint8Array(SECTOR_SIZE);
  for (let i = 0; i < SECTOR_SIZE; i++) b[i] = (lba * 31 + i * 7 + (lba >> 8)) & 0xff;
  b[0] = lba & 0xff;
  b[1] = lba >> 8;
  return b;
}

function program(name: string): Uint8Array {
  return new Uint8Array(readFileSync(path.join(bootDir, `${name}.bin`)));
}

const runs = new Map<string, Booted & { disk: MemoryDisk }>();

/**
 * Boots boot/NAME.bin from sector 0 of a pattern disk and runs it to its exit. The tests only
 * read what a run leaves, so each program and memory size runs once.
 */
function run(name: string, opts: { memoryBytes?: number } = {}): Booted & { disk: MemoryDisk } {
  const key = `${name}/${opts.memoryBytes ?? 0}`;
  const done = runs.get(key);
  if (done) return done;
  const disk = diskWith(program(name));
  const b = boot([disk], { memoryBytes: opts.memoryBytes });
  expect(b.result.reason, `${name} should end through the exit port; serial: ${b.serial()}`).toBe('exit');
  runs.set(key, { ...b, disk });
  return { ...b, disk };
}

interface Slot { ax: number; bx: number; cx: number; dx: number; si: number; di: number; es: number; flags: number; ah: number; al: number }

function slot(m: Machine, n: number): Slot {
  const w = (o: number) => m.phys.ram[0x600 + n * 16 + o]! | (m.phys.ram[0x600 + n * 16 + o + 1]! << 8);
  const ax = w(0);
  return { ax, bx: w(2), cx: w(4), dx: w(6), si: w(8), di: w(10), es: w(12), flags: w(14), ah: ax >> 8, al: ax & 0xff };
}

const word = (m: Machine, a: number) => m.phys.ram[a]! | (m.phys.ram[a + 1]! << 8);
const dword = (m: Machine, a: number) => (word(m, a) | (word(m, a + 2) << 16)) >>> 0;
const ram = (m: Machine, a: number, n: number) => m.phys.ram.slice(a, a + n);

/** The E820 entries boot/memory.S collected through INT 15h at 0000:1000, 24 bytes apart. */
function e820(m: Machine): Array<[number, number, number]> {
  const out: Array<[number, number, number]> = [];
  for (let i = 0; ; i++) {
    const s = slot(m, i);
    if (s.ax === 0xffff) break;
    if ((s.flags & CF) !== 0) break;
    const a = 0x1000 + 24 * i;
    out.push([dword(m, a) + dword(m, a + 4) * 2 ** 32, dword(m, a + 8) + dword(m, a + 12) * 2 ** 32, dword(m, a + 16)]);
  }
  return out;
}

describe('BIOS boot', () => {
  it('prints that no disk is attached and halts when there is none (and no kernel is attached)', () => {
    const b = boot([]);
    expect(b.result.reason).toBe('halt');
    expect(b.serial()).toBe('ts386 BIOS: no disk attached\r\n');
    expect(b.debug()).toBe(b.serial());
    expect(b.post.at(-1)).toBe(0xe1);
  });

  it('refuses a sector 0 without the 55AA signature (with no kernel attached)', () => {
    const b = boot([MemoryDisk.blank(2016)]);
    expect(b.result.reason).toBe('halt');
    expect(b.serial()).toBe('ts386 BIOS: no bootable disk (sector 0 of disk 80h has no 55AA signature)\r\n');
    expect(b.post.at(-1)).toBe(0xe2);
  });

  it('writes a POST code at each stage, 00h last when it jumps to the boot sector', () => {
    const { post } = run('hello');
    expect(post).toEqual([0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x00]);
  });

  it('boots from a disk attached as the slave when there is no master', () => {
    // MachineConfig.disks is master, then slave: a hole leaves the master position empty.
    const b = boot([null as unknown as BlockDevice, diskWith(program('hello'))]);
    expect(b.result.reason).toBe('exit');
    expect(b.serial()).toBe('Hello from the boot sector\r\nline two\r\n');
  });

  it('jumps to 0000:7C00 with DL = 80h, DS = ES = SS = 0, SP = 7C00h and interrupts on', () => {
    const { m } = run('hello');
    const entry = slot(m, 0);
    expect(entry.dx & 0xff).toBe(0x80);
    expect(entry.es).toBe(0);
    expect(entry.flags & IF).toBe(IF);
    const segs = slot(m, 1);
    expect(segs).toMatchObject({ ax: 0x7c00, bx: 0, cx: 0, dx: 0 });
  });
});

describe('the hosted kernel (port E0h answers TS38)', () => {
  /** What the fake kernel saw when the firmware called it. */
  interface Call {
    arg: number;
    eax: number;
    cr0: number;
    csBase: number;
    dsBase: number;
    code32: boolean;
    cpl: number;
    interruptsOn: boolean;
    a20: boolean;
    /** The boot-info block, decoded as kernel/bootinfo.ts lays it out. */
    info: {
      magic: number; cpu: number; e820: Array<[number, number, number]>; cmdline: string;
      disks: Array<[number, number]>; diskCount: number; ramTop: number;
    };
  }

  /** Reads the block at `at` field by field (the layout in kernel/bootinfo.ts). */
  function bootInfo(m: Machine, at: number): Call['info'] {
    const r32 = (a: number): number => m.phys.read32(a) >>> 0;
    const table = r32(at + 0x0c);
    const e820list: Array<[number, number, number]> = [];
    for (let k = 0; k < r32(at + 0x08); k++) {
      const e = table + 20 * k;
      e820list.push([r32(e) + r32(e + 4) * 2 ** 32, r32(e + 8) + r32(e + 12) * 2 ** 32, r32(e + 16)]);
    }
    let cmdline = '';
    for (let a = r32(at + 0x10); m.phys.read8(a) !== 0; a++) cmdline += String.fromCharCode(m.phys.read8(a));
    const diskCount = r32(at + 0x14);
    const disks: Array<[number, number]> = [];
    for (let k = 0; k < diskCount; k++) disks.push([r32(at + 0x18 + 8 * k), r32(at + 0x1c + 8 * k)]);
    return { magic: r32(at), cpu: r32(at + 4), e820: e820list, cmdline, disks, diskCount, ramTop: r32(at + 0x28) };
  }

  /** Boots with a fake kernel attached that records its first call and ends the run through the exit port. */
  function hostedBoot(disks: BlockDevice[], opts: { cpu?: 386 | 486; memoryBytes?: number; cmdline?: string } = {}): Booted & { calls: Call[] } {
    const calls: Call[] = [];
    const b = boot(disks, {
      ...opts,
      setup: (m) => m.hostcall.attach((arg) => {
        const cpu = m.cpu;
        calls.push({
          arg, eax: cpu.reg[EAX]! >>> 0, cr0: cpu.cr0 >>> 0, csBase: cpu.segBase[CS]!, dsBase: cpu.segBase[DS]!,
          code32: cpu.code32, cpl: cpu.cpl, interruptsOn: (cpu.flags & IF) !== 0, a20: m.phys.a20Enabled,
          info: bootInfo(m, arg),
        });
        m.io.write8(0xf4, 0); // the run ends when the OUT completes
      }, opts.cmdline ?? ''),
    });
    return { ...b, calls };
  }

  it('calls the kernel once, with EAX = 8000h, in flat 32-bit protected mode at CPL 0, interrupts off, A20 open', () => {
    const b = hostedBoot([]);
    expect(b.result.reason).toBe('exit');
    expect(b.calls).toHaveLength(1);
    const c = b.calls[0]!;
    expect(c.arg).toBe(0x8000);
    expect(c.eax).toBe(0x8000);
    expect(c.cr0 & 0x80000001).toBe(1); // PE on, PG off
    expect([c.csBase, c.dsBase, c.code32, c.cpl]).toEqual([0, 0, true, 0]);
    expect(c.interruptsOn).toBe(false);
    expect(c.a20).toBe(true);
    expect(b.serial()).toBe(''); // no BIOS message: the kernel speaks for itself
    expect(b.post.at(-1)).toBe(0x0a);
  });

  it("writes the 'TSBI' block: the CPU, INT 15h E820's map, the end of RAM and no disks", () => {
    const b = hostedBoot([]);
    const c = b.calls[0]!;
    expect(c.info.magic).toBe(0x49425354);
    expect(String.fromCharCode(...ram(b.m, 0x8000, 4))).toBe('TSBI');
    expect(c.info.cpu).toBe(386);
    expect(c.info.e820).toEqual(e820(run('memory').m)); // the same 16 MiB machine, through INT 15h
    expect(c.info.ramTop).toBe(16 * MiB);
    expect(c.info.diskCount).toBe(0);
    expect(c.info.cmdline).toBe('');
  });

  it('tells a 486 from a 386 (EFLAGS.AC), and follows the RAM size', () => {
    const c = hostedBoot([], { cpu: 486, memoryBytes: 64 * MiB }).calls[0]!;
    expect(c.info.cpu).toBe(486);
    expect(c.info.e820).toEqual(e820(run('memory', { memoryBytes: 64 * MiB }).m));
    expect(c.info.ramTop).toBe(64 * MiB);
  });

  it('copies the command line the kernel was attached with, NUL-terminated', () => {
    const b = hostedBoot([], { cmdline: 'frames=bitmap heap=best' });
    expect(b.calls[0]!.info.cmdline).toBe('frames=bitmap heap=best');
  });

  it('cuts a command line at 1023 bytes', () => {
    const b = hostedBoot([], { cmdline: 'x'.repeat(2000) });
    expect(b.calls[0]!.info.cmdline).toBe('x'.repeat(1023));
  });

  it('boots the kernel when sector 0 has no 55AA signature, and lists the disk: sectors and drive select', () => {
    const b = hostedBoot([MemoryDisk.blank(2016)]);
    expect(b.result.reason).toBe('exit');
    expect(b.calls).toHaveLength(1);
    expect(b.calls[0]!.info.diskCount).toBe(1);
    expect(b.calls[0]!.info.disks).toEqual([[2016, 0xa0]]);
    expect(b.serial()).toBe('');
  });

  it('lists both disks, master (A0h) then slave (B0h)', () => {
    const b = hostedBoot([MemoryDisk.blank(2016), MemoryDisk.blank(4032)]);
    expect(b.calls[0]!.info.disks).toEqual([[2016, 0xa0], [4032, 0xb0]]);
  });

  it('boots the kernel when sector 0 cannot be read (where it would otherwise print the INT 13h status)', () => {
    const unreadable: BlockDevice = {
      sectorCount: 2016, name: 'bad disk',
      read: () => { throw new Error('EIO'); },
      write: () => {},
    };
    const without = boot([unreadable]);
    expect(without.serial()).toMatch(/^ts386 BIOS: cannot read sector 0 of disk 80h \(INT 13h status [0-9A-F]{2}h\)\r\n$/);
    expect(without.post.at(-1)).toBe(0xe3);
    const b = hostedBoot([unreadable]);
    expect(b.calls).toHaveLength(1);
    expect(b.calls[0]!.info.disks).toEqual([[2016, 0xa0]]);
  });

  it('still boots a disk with a boot sector, without calling the kernel', () => {
    const b = hostedBoot([diskWith(program('hello'))]);
    expect(b.result.reason).toBe('exit');
    expect(b.calls).toEqual([]);
    expect(b.serial()).toBe('Hello from the boot sector\r\nline two\r\n');
  });

  it('pops the trap frame the kernel names with setESP and IRETs to it, as the kernel\'s own stubs do', () => {
    // The kernel's first context: EIP 20000h, flat ring-0 selectors of the firmware's GDT (08h
    // code, 10h data), EAX = 2Ah. The code there writes AL to the exit port.
    const FRAME = 0x30000;
    const b = boot([], {
      setup: (m) => m.hostcall.attach(() => {
        const h = m.hostPort;
        h.writePhysBytes(0x20000, Uint8Array.from([0xe6, 0xf4, 0xf4])); // out 0xf4, al; hlt
        // popal (EDI ESI EBP ESP EBX EDX ECX EAX), GS FS ES DS, vector and error code, EIP CS EFLAGS.
        const frame = [0, 0, 0, 0, 0, 0, 0, 0x2a, 0x10, 0x10, 0x10, 0x10, 0x20, 0, 0x20000, 0x08, 0x2];
        frame.forEach((v, k) => h.writePhys32(FRAME + 4 * k, v));
        h.setESP(FRAME);
      }, ''),
    });
    expect(b.result.reason).toBe('exit');
    expect(b.m.exitStatus).toBe(0x2a);
    expect(b.m.cpu.reg[ESP]).toBe(FRAME + 4 * 17);
  });
});

describe('INT 10h, 11h, 12h', () => {
  it('sends teletype output to COM1 and the 0xE9 console', () => {
    const { serial, debug } = run('hello');
    expect(serial()).toBe('Hello from the boot sector\r\nline two\r\n');
    expect(debug()).toBe(serial());
  });

  it('tracks the cursor through CR and LF, and AH=02h moves it', () => {
    const { m } = run('hello');
    expect(slot(m, 2).dx).toBe(0x0200); // row 2, column 0 after two lines
    expect(slot(m, 2).cx).toBe(0x0607);
    expect(slot(m, 3).dx).toBe(0x0507);
  });

  it('reports mode 3, 80 columns, page 0 for AH=0Fh', () => {
    const { m } = run('hello');
    expect(slot(m, 4).ax).toBe(0x5003);
    expect(slot(m, 4).bx >> 8).toBe(0);
  });

  it('INT 12h gives 639 KiB (the EBDA takes the top KiB); INT 11h one serial port per UART', () => {
    const { m } = run('hello');
    expect(slot(m, 5).ax).toBe(639);
    expect(word(m, 0x40e)).toBe(0x9fc0);
    expect(slot(m, 6).ax & 0x30).toBe(0x20); // 80x25 colour
    expect((slot(m, 6).ax >> 9) & 7).toBe(2); // COM1 and COM2
    expect(word(m, 0x400)).toBe(0x3f8);
  });
});

describe('INT 13h', () => {
  it('AH=08h gives the IDENTIFY geometry (2 cylinders, 16 heads, 63 sectors) and one disk', () => {
    const { m } = run('disk');
    const s = slot(m, 0);
    expect(s.flags & CF).toBe(0);
    expect(s.ah).toBe(0);
    expect(s.cx).toBe(0x013f); // max cylinder 1, 63 sectors
    expect(s.dx).toBe(0x0f01); // max head 15, 1 drive
  });

  it('AH=41h answers BX=AA55h with the fixed-disk subset (CX bit 0)', () => {
    const { m } = run('disk');
    const s = slot(m, 1);
    expect(s.flags & CF).toBe(0);
    expect(s.bx).toBe(0xaa55);
    expect(s.cx & 1).toBe(1);
    expect(s.ah).toBe(0x21);
  });

  it('AH=02h reads CHS sectors to ES:BX', () => {
    const { m, disk } = run('disk');
    expect(slot(m, 2)).toMatchObject({ ah: 0, al: 2 });
    expect(slot(m, 2).flags & CF).toBe(0);
    expect(ram(m, 0x10000, 1024)).toEqual(disk.bytes.slice(512, 512 + 1024));
    // C1 H2 S5: LBA (1 * 16 + 2) * 63 + 4 = 1138.
    expect(slot(m, 3)).toMatchObject({ ah: 0, al: 1 });
    expect(ram(m, 0x10400, 512)).toEqual(pattern(1138));
  });

  it('AH=42h reads LBA sectors to the packet buffer and leaves the count', () => {
    const { m, disk } = run('disk');
    expect(slot(m, 4).ah).toBe(0);
    expect(slot(m, 4).flags & CF).toBe(0);
    expect(ram(m, 0x20010, 3 * 512)).toEqual(disk.bytes.slice(5 * 512, 8 * 512));
  });

  it('an unsupported drive number is CF=1 AH=01h, kept for AH=01h; an absent disk is AH=80h', () => {
    const { m } = run('disk');
    expect(slot(m, 5).flags & CF).toBe(CF);
    expect(slot(m, 5).ah).toBe(0x01);
    expect(slot(m, 6).flags & CF).toBe(CF);
    expect(slot(m, 6).ah).toBe(0x01);
    expect(slot(m, 7).flags & CF).toBe(CF);
    expect(slot(m, 7).ah).toBe(0x80);
  });

  it('sectors beyond the disk are CF=1 AH=04h with nothing transferred', () => {
    const { m } = run('disk');
    expect(slot(m, 8).flags & CF).toBe(CF); // AH=42h LBA 2015, 2 sectors: the second is past the end
    expect(slot(m, 8).ah).toBe(0x04);
    const dap2 = slot(m, 8).si;
    expect(word(m, dap2 + 2)).toBe(0);
    expect(ram(m, 0x30000, 512)).toEqual(new Uint8Array(512));
    expect(slot(m, 9).flags & CF).toBe(CF); // AH=02h C2 H0 S1 = LBA 2016
    expect(slot(m, 9)).toMatchObject({ ah: 0x04, al: 0 });
    expect(slot(m, 10)).toMatchObject({ ah: 0x04, al: 0 }); // sector 0 does not exist in CHS
  });

  it('AH=15h says fixed disk with CX:DX sectors', () => {
    const { m } = run('disk');
    expect(slot(m, 11).ah).toBe(0x03);
    expect(slot(m, 11).flags & CF).toBe(0);
    expect((slot(m, 11).cx << 16) | slot(m, 11).dx).toBe(2016);
  });

  it('AH=48h fills the extended parameters', () => {
    const { m } = run('disk');
    expect(slot(m, 12).flags & CF).toBe(0);
    expect(word(m, 0x580)).toBe(0x1e);
    expect(word(m, 0x582) & 2).toBe(2); // CHS valid
    expect(dword(m, 0x584)).toBe(2);
    expect(dword(m, 0x588)).toBe(16);
    expect(dword(m, 0x58c)).toBe(63);
    expect(dword(m, 0x590)).toBe(2016);
    expect(dword(m, 0x594)).toBe(0);
    expect(word(m, 0x598)).toBe(512);
    expect(dword(m, 0x59a)).toBe(0xffffffff); // no DPTE
  });

  it('AH=03h and AH=43h write to the disk', () => {
    const { m, disk } = run('disk');
    expect(slot(m, 13)).toMatchObject({ ah: 0, al: 1 });
    expect(disk.bytes.slice(10 * 512, 11 * 512)).toEqual(ram(m, 0x7c00, 512));
    expect(slot(m, 14).ah).toBe(0);
    expect(slot(m, 14).flags & CF).toBe(0);
    expect(disk.bytes.slice(20 * 512, 22 * 512)).toEqual(disk.bytes.slice(1 * 512, 3 * 512));
  });

  it('an unknown function is CF=1 AH=01h; reset succeeds; floppy 00h times out', () => {
    const { m } = run('disk');
    expect(slot(m, 15).ah).toBe(0x01);
    expect(slot(m, 15).flags & CF).toBe(CF);
    expect(slot(m, 16).ah).toBe(0);
    expect(slot(m, 16).flags & CF).toBe(0);
    expect(slot(m, 17).ah).toBe(0x80);
    expect(slot(m, 17).flags & CF).toBe(CF);
  });
});

describe('INT 10h AH=13h, INT 14h, RTC setting, CPU exceptions', () => {
  function misc(): Booted {
    const b = boot([diskWith(program('misc'))]);
    expect(b.result.reason).toBe('halt');
    return b;
  }

  it('AH=13h writes a string (the cursor stays put when AL bit 0 is clear); INT 14h sends on COM1 only', () => {
    const b = misc();
    expect(b.serial().startsWith('[13h]S\r\n')).toBe(true);
    expect(b.debug().startsWith('[13h]\r\n')).toBe(true);
    expect(slot(b.m, 0).dx).toBe(0);
    expect(slot(b.m, 1).al).toBe(0x53);
    expect(slot(b.m, 1).ah & 0x80).toBe(0); // no timeout
    expect(slot(b.m, 2).ah & 0x81).toBe(0); // AH=03h: the line status, no data received, no error
  });

  it('INT 1Ah AH=03h and AH=05h set the RTC that AH=02h and AH=04h read', () => {
    const b = misc();
    expect(slot(b.m, 3).flags & CF).toBe(0);
    expect(slot(b.m, 4).cx).toBe(0x1234);
    expect(slot(b.m, 4).dx >> 8).toBeGreaterThanOrEqual(0x56);
    expect(slot(b.m, 4).dx >> 8).toBeLessThanOrEqual(0x57);
    expect(slot(b.m, 6)).toMatchObject({ cx: 0x2024, dx: 0x0229 });
  });

  it('a divide error in real mode prints where it happened and halts, instead of restarting forever', () => {
    const b = misc();
    const at = word(b.m, 0x7c00 + 0x1fc).toString(16).toUpperCase();
    expect(b.serial()).toBe(`[13h]S\r\nts386 BIOS: unhandled CPU exception 00h at 0000:${at}\r\n`);
    expect(b.m.lastPostCode).toBe(0xee);
  });
});

describe('INT 13h on a disk past 1024 cylinders', () => {
  /** A 1 GiB disk whose sectors are computed (sector 0: the program), so nothing that big is allocated. */
  function bigDisk(): BlockDevice {
    const boot0 = program('bigdisk');
    return {
      sectorCount: 2097152,
      name: 'big disk',
      read(lba, count, into, offset) {
        for (let i = 0; i < count; i++) into.set(lba + i === 0 ? boot0 : pattern(lba + i), offset + i * SECTOR_SIZE);
      },
      write() {},
    };
  }

  it('CHS goes through LBA-assisted translation (64 heads, 63 sectors); AH=48h keeps IDENTIFY geometry', () => {
    const b = boot([bigDisk()]);
    expect(b.result.reason).toBe('exit');
    expect(slot(b.m, 0).cx).toBe(((519 & 0xff) << 8) | ((519 >> 8) << 6) | 63);
    expect(slot(b.m, 0).dx).toBe(0x3f01);
    expect(slot(b.m, 1)).toMatchObject({ ah: 0, al: 1 });
    expect(ram(b.m, 0x10000, 512)).toEqual(pattern(2096639));
    expect(slot(b.m, 2).ah).toBe(0);
    expect(ram(b.m, 0x20000, 512)).toEqual(pattern(2097151));
    expect(word(b.m, 0x580)).toBe(0x1a);
    expect(word(b.m, 0x582) & 2).toBe(2);
    expect([dword(b.m, 0x584), dword(b.m, 0x588), dword(b.m, 0x58c), dword(b.m, 0x590)]).toEqual([2080, 16, 63, 2097152]);
  });
});

describe('INT 13h disk 81h', () => {
  it('is the slave: AH=08h counts two disks and gives its geometry, AH=02h reads it', () => {
    const slave = MemoryDisk.blank(4032, 'slave');
    slave.bytes.set(pattern(4000), 0);
    const b = boot([diskWith(program('twodisks')), slave]);
    expect(b.result.reason).toBe('exit');
    expect(slot(b.m, 0).flags & CF).toBe(0);
    expect(slot(b.m, 0).cx).toBe(0x033f); // max cylinder 3, 63 sectors
    expect(slot(b.m, 0).dx).toBe(0x0f02); // max head 15, 2 drives
    expect(slot(b.m, 1)).toMatchObject({ ah: 0, al: 1 });
    expect(ram(b.m, 0x10000, 512)).toEqual(pattern(4000));
    expect(slot(b.m, 2).ah).toBe(0x03);
    expect((slot(b.m, 2).cx << 16) | slot(b.m, 2).dx).toBe(4032);
  });
});

describe('INT 15h memory', () => {
  it('E820 maps conventional memory, the EBDA, the ROM and extended memory, then EBX = 0', () => {
    const { m } = run('memory');
    expect(e820(m)).toEqual([
      [0, 0x9fc00, 1],
      [0x9fc00, 0x400, 2],
      [0xf0000, 0x10000, 2],
      [0x100000, 15 * MiB, 1],
    ]);
    for (let i = 0; i < 4; i++) {
      const s = slot(m, i);
      expect(s.ax).toBe(0x4150); // EAX = 'SMAP' (its low word)
      expect(s.cx).toBe(20);
      expect(s.bx).toBe(i < 3 ? i + 1 : 0);
      expect(s.flags & CF).toBe(0);
    }
    expect(slot(m, 4)).toMatchObject({ ax: 0xffff, bx: 4 });
  });

  it('E820 follows the RAM size', () => {
    const { m } = run('memory', { memoryBytes: 64 * MiB });
    expect(e820(m)[3]).toEqual([0x100000, 63 * MiB, 1]);
  });

  it.each([0x00, 0xff])('probes RAM when the CMOS size bytes are all %i', (blank) => {
    const b = boot([diskWith(program('memory'))], {
      memoryBytes: 24 * MiB,
      setup: (m) => { for (const i of [0x30, 0x31, 0x34, 0x35]) m.cmos.ram[i] = blank; },
    });
    expect(b.result.reason).toBe('exit');
    expect(e820(b.m)[3]).toEqual([0x100000, 23 * MiB, 1]);
    expect(slot(b.m, 5)).toMatchObject({ ax: 15 * 1024, bx: 8 * 16 });
  });

  it('E801 splits extended memory at 16 MiB; AH=88h gives KiB above 1 MiB', () => {
    const small = run('memory').m;
    expect(slot(small, 5)).toMatchObject({ ax: 15 * 1024, cx: 15 * 1024, bx: 0, dx: 0 });
    expect(slot(small, 5).flags & CF).toBe(0);
    expect(slot(small, 6).ax).toBe(15 * 1024);
    expect(slot(small, 6).flags & CF).toBe(0);
    const big = run('memory', { memoryBytes: 64 * MiB }).m;
    expect(slot(big, 5)).toMatchObject({ ax: 15 * 1024, cx: 15 * 1024, bx: 48 * 16, dx: 48 * 16 });
    expect(slot(big, 6).ax).toBe(63 * 1024);
  });

  it('E820 with EBX past the end or without SMAP in EDX, and AH=C0h, are CF=1 AH=86h', () => {
    const { m } = run('memory');
    for (const n of [7, 8, 9]) {
      expect(slot(m, n).flags & CF, `slot ${n}`).toBe(CF);
      expect(slot(m, n).ah, `slot ${n}`).toBe(0x86);
    }
  });
});

describe('INT 15h A20', () => {
  it('AX=2403h reports both gates: the 8042 and port 92h', () => {
    const { m } = run('a20');
    expect(slot(m, 0)).toMatchObject({ ah: 0, bx: 3 });
    expect(slot(m, 0).flags & CF).toBe(0);
  });

  it('AX=2400h closes the gate (1 MiB wraps to 0) and AX=2401h opens it; AX=2402h tells which', () => {
    const { m } = run('a20');
    expect(slot(m, 1)).toMatchObject({ ah: 0, al: 1 }); // ts386 powers on with A20 open, as QEMU does
    expect(slot(m, 2).flags & CF).toBe(0);
    expect(slot(m, 3)).toMatchObject({ ah: 0, al: 0 });
    expect(slot(m, 4).flags & CF).toBe(0);
    expect(slot(m, 5)).toMatchObject({ ah: 0, al: 1 });
    expect(slot(m, 6).ax).toBe(0x5a5a); // the write with A20 off reached 0000:7000, the one with A20 on did not
    expect(m.phys.ram[0x107000]).toBe(0xa5);
    expect(m.phys.a20Enabled).toBe(true);
  });

  it('an unknown A20 function is CF=1 AH=86h', () => {
    const { m } = run('a20');
    expect(slot(m, 7).flags & CF).toBe(CF);
    expect(slot(m, 7).ah).toBe(0x86);
  });
});

describe('INT 1Ah and INT 15h AH=86h', () => {
  const ticks = (s: Slot) => (s.cx << 16) | s.dx;

  it('the tick count advances once per timer interrupt (18.2 Hz of emulated time)', () => {
    const { m } = run('time');
    expect(ticks(slot(m, 1)) - ticks(slot(m, 0))).toBe(5);
    expect(slot(m, 0).flags & CF).toBe(0);
    // POST takes well under a tick; the run so far, in ticks of emulated time, bounds the count.
    expect(ticks(slot(m, 0))).toBeLessThanOrEqual(1);
  });

  it('AH=01h sets the count; at 1800B0h it rolls over to 0 and AH=00h reports midnight once', () => {
    const { m } = run('time');
    expect(slot(m, 2).flags & CF).toBe(0);
    expect(slot(m, 3)).toMatchObject({ al: 1, cx: 0, dx: 1 });
    expect(slot(m, 4).al).toBe(0);
  });

  it('AH=02h and AH=04h read the RTC in BCD (it starts at 2000-01-01 00:00:00)', () => {
    const { m } = run('time');
    expect(slot(m, 5).flags & CF).toBe(0);
    expect(slot(m, 5).cx).toBe(0x0000);
    expect(slot(m, 5).dx >> 8).toBeLessThanOrEqual(1);
    expect(slot(m, 6).flags & CF).toBe(0);
    expect(slot(m, 6)).toMatchObject({ cx: 0x2000, dx: 0x0101 });
  });

  it('INT 15h AH=86h waits the microseconds asked for (100 ms is one or two ticks)', () => {
    const { m } = run('time');
    expect(slot(m, 8).flags & CF).toBe(0);
    expect(slot(m, 8).ah).toBe(0);
    const elapsed = ticks(slot(m, 9)) - ticks(slot(m, 7));
    expect(elapsed).toBeGreaterThanOrEqual(1);
    expect(elapsed).toBeLessThanOrEqual(2);
  });

  it('an unknown INT 1Ah function is CF=1', () => {
    const { m } = run('time');
    expect(slot(m, 10).flags & CF).toBe(CF);
  });
});

describe('INT 16h', () => {
  function typed(): Machine {
    const b = boot([diskWith(program('keyboard'))], { cycles: 20_000_000 });
    expect(b.result.reason).toBe('cycles'); // waiting for a key
    expect(word(b.m, 0x5fc)).toBe(0x610); // slot 0 written, slot 1 not yet
    b.m.com1.receive([0x61, 0x62, 0x1b, 0x5b, 0x41, 0x7f]); // a b ESC [ A DEL
    // The timer is masked while the program waits: only IRQ4 can wake it, within a few characters.
    const r = b.m.run(1_000_000);
    expect(r.reason).toBe('exit');
    return b.m;
  }

  it('AH=01h sets ZF when nothing was typed', () => {
    const m = typed();
    expect(slot(m, 0).flags & ZF).toBe(ZF);
  });

  it('AH=00h waits for a byte from COM1 and gives scan code and ASCII; AH=01h looks without taking', () => {
    const m = typed();
    expect(slot(m, 1).ax).toBe(0x1e61);
    expect(slot(m, 2).flags & ZF).toBe(0);
    expect(slot(m, 2).ax).toBe(0x3062);
    expect(slot(m, 3).ax).toBe(0x3062);
  });

  it('turns ESC [ A into the up arrow and DEL into backspace', () => {
    const m = typed();
    expect(slot(m, 4).ax).toBe(0x4800);
    expect(slot(m, 5).ax).toBe(0x0e08);
  });

  it('AH=02h has no shift keys down; AH=05h queues a key', () => {
    const m = typed();
    expect(slot(m, 6).al).toBe(0);
    expect(slot(m, 7).al).toBe(0);
    expect(slot(m, 8).ax).toBe(0x1234);
  });

  it('AH=12h gives the shift flags in AL and the extended ones in AH: none held after POST', () => {
    // Not AH=12h left in AH, which reads as SysRq clear, Scroll Lock and left Alt held.
    expect(slot(typed(), 9).ax).toBe(0x0000);
  });

  it('AH=12h builds AH from 0040:0018 and 0040:0096 as the IBM BIOS does; AH=02h leaves AH alone', () => {
    // 0018h = CEh: Insert (not reported), Caps Lock, Pause (not reported), SysRq (to bit 7) and left
    // Alt held; 0096h = 1Ah: right Alt held (bit 3), the 101-key and E0h flags (not reported).
    const m = typed();
    expect(slot(m, 10).ax).toBe(0xca40);
    expect(slot(m, 11).ax).toBe(0x0240);
  });
});

describe('INT 16h under type-ahead', () => {
  it('loses no key of a paste while a program takes its keys slowly: the terminal is held back', () => {
    const b = boot([diskWith(program('typeahead'))], { cycles: 5_000_000 });
    expect(b.result.reason).toBe('cycles'); // waiting for the first key
    const text = Array.from({ length: 200 }, (_, i) => 0x21 + ((i * 7) % 94));
    b.m.com1.receive(text);
    const r = b.m.run(400_000_000);
    expect(r.reason).toBe('exit');
    expect(slot(b.m, 0).ax).toBe(200);
    expect([...b.m.phys.ram.subarray(0x1000, 0x1000 + 200)]).toEqual(text);
  });
});

describe('boot sectors', () => {
  it.skipIf(!hasAs)('boot/*.bin are current with their sources', () => {
    expect(staleOutputs(path.join(bootDir, 'build.sh'), bootDir)).toEqual([]);
  });
});

describe('the benchmark guest', () => {
  it.skipIf(!existsSync(benchImage))('boots bench-cpu-10.img from disk 80h and prints its checksum', () => {
    const image = new Uint8Array(readFileSync(benchImage));
    const b = boot([new MemoryDisk(image, 'bench-cpu-10.img')], { memoryBytes: 64 * MiB, cycles: 2_000_000_000 });
    expect(b.result.reason).toBe('exit');
    expect(b.serial()).toContain('BENCH cpu N=10 checksum=ecabe5fc');
  });
});
