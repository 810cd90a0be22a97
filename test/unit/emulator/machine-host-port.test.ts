// The machine's HostPort (emulator/machine-host-port.ts, `machine.hostPort`): what the kernel
// touches the hardware through. Each member must do what the instruction it stands for does (MOV
// CR3 flushes the TLB, INVLPG drops one page on a 486 and is #UD on a 386, a write over decoded
// code re-decodes it), on a real machine.
import { describe, expect, it } from 'vitest';
import { HOSTCALL_CMDLINE_PORT, HOSTCALL_PORT, HOSTCALL_SIGNATURE } from '../../../emulator/devices/hostcall.ts';
import { CR0_PG } from '../../../emulator/cpu/state.ts';
import { MemoryDisk, SECTOR_SIZE } from '../../../emulator/disk.ts';
import { Machine } from '../../../emulator/machine.ts';
import { MachineHostPort } from '../../../emulator/machine-host-port.ts';
import { flat32, type TestMachine } from '../../harness/cpu.ts';

const EAX = 0, EBX = 3, ESP = 4;

/** A bare machine (no firmware). */
function machine(cpu: 386 | 486 = 386): Machine {
  return new Machine({ memoryBytes: 4 * 1024 * 1024, cpu });
}

const PD = 0x1000, PT0 = 0x2000, PT1 = 0x3000;
const FRAME_A = 0x20000, FRAME_B = 0x21000;
const LIN = 0x400000; // PDE 1, PTE 0: mapped through PT1

/**
 * Flat protected mode with paging on: the first 4 MiB identity-mapped, linear 400000h on FRAME_A
 * (which holds 11111111h; FRAME_B holds 22222222h). The program reads [400000h] into EAX, forever.
 */
function pagedReader(cpu: 386 | 486): TestMachine {
  const t = flat32([
    0xa1, 0x00, 0x00, 0x40, 0x00, // mov eax, [0x400000]
    0xeb, 0xfe, //                    jmp $
  ], { config: { cpu } });
  const h = t.m.hostPort;
  h.writePhys32(PD, PT0 | 3);
  h.writePhys32(PD + 4, PT1 | 3);
  for (let k = 0; k < 1024; k++) h.writePhys32(PT0 + 4 * k, (k << 12) | 3);
  h.writePhys32(PT1, FRAME_A | 3);
  h.writePhys32(FRAME_A, 0x11111111);
  h.writePhys32(FRAME_B, 0x22222222);
  h.writeCR3(PD);
  h.writeCR0(h.readCR0() | CR0_PG);
  return t;
}

/** Runs the program from its start for a short budget; returns EAX. */
function rerun(t: TestMachine): number {
  t.m.cpu.eip = 0x10000;
  t.m.cpu.blockExit = true;
  t.m.run(2000);
  return t.m.cpu.reg[EAX]! >>> 0;
}

describe('the machine\'s HostPort', () => {
  it('is the board\'s own object, not the host-call device, which only answers its ports', () => {
    const m = machine();
    expect(m.hostPort).toBeInstanceOf(MachineHostPort);
    expect(m.hostPort).not.toBe(m.hostcall as unknown);
    expect('readPhys32' in m.hostcall).toBe(false);
  });

  it('reads and writes physical memory, little-endian', () => {
    const h = machine().hostPort;
    h.writePhys32(0x5000, 0x11223344);
    expect(h.readPhys8(0x5000)).toBe(0x44);
    expect(h.readPhys16(0x5002)).toBe(0x1122);
    h.writePhys16(0x5001, 0xaabb);
    h.writePhys8(0x5003, 0xcc);
    expect(h.readPhys32(0x5000)).toBe(0xccaabb44); // unsigned
    const got = new Uint8Array(4);
    h.readPhysBytes(0x5000, got);
    expect([...got]).toEqual([0x44, 0xbb, 0xaa, 0xcc]);
    h.fillPhys(0x5001, 2, 0x5a);
    h.copyPhys(0x6000, 0x5000, 4);
    expect(h.readPhys32(0x6000)).toBe(0xcc5a5a44);
  });

  it('reaches the I/O bus with inb/outb and their wider forms', () => {
    const m = machine();
    m.hostcall.attach(() => {}, 'ab'); // the device, so E0h answers with the signature
    expect(m.hostPort.inl(HOSTCALL_PORT)).toBe(HOSTCALL_SIGNATURE);
    expect(m.hostPort.inb(HOSTCALL_CMDLINE_PORT)).toBe(0x61);
    m.hostPort.outb(HOSTCALL_CMDLINE_PORT, 0);
    expect(m.hostPort.inb(HOSTCALL_CMDLINE_PORT)).toBe(0x61);
    m.hostPort.outb(0xf4, 3);
    expect(m.exitStatus).toBe(3);
  });

  it('writeCR3 flushes the TLB, as MOV CR3 does, even with the same value', () => {
    const t = pagedReader(386);
    const h = t.m.hostPort;
    expect(rerun(t)).toBe(0x11111111);
    h.writePhys32(PT1, FRAME_B | 3); // remap without a flush: the TLB still holds FRAME_A
    expect(rerun(t)).toBe(0x11111111);
    const before = h.readTlbCounters().flushes;
    expect(before).toBe(t.m.cpu.tlbStats.flushes);
    h.writeCR3(h.readCR3());
    expect(t.m.cpu.tlbStats.flushes).toBe(before + 1);
    expect(h.readTlbCounters().flushes).toBe(before + 1);
    expect(rerun(t)).toBe(0x22222222);
  });

  it('keeps only the page-directory bits of CR3 on a 386; the 486 keeps PWT and PCD too', () => {
    const h386 = machine(386).hostPort, h486 = machine(486).hostPort;
    h386.writeCR3(0x12345fff);
    h486.writeCR3(0x12345fff);
    expect(h386.readCR3()).toBe(0x12345000);
    expect(h486.readCR3()).toBe(0x12345018);
  });

  it('invlpg on a 486 drops the one page it names, and the next access walks the tables again', () => {
    const t = pagedReader(486);
    const h = t.m.hostPort;
    expect(rerun(t)).toBe(0x11111111);
    h.writePhys32(PT1, FRAME_B | 3);
    expect(rerun(t)).toBe(0x11111111);
    const codePage = t.m.cpu.tlb[0x10000 >>> 12];
    expect(codePage).not.toBe(0);
    const flushes = t.m.cpu.tlbStats.flushes;
    h.invlpg(LIN + 0x123); // any address in the page
    expect(t.m.cpu.tlbStats.flushes).toBe(flushes + 1);
    expect(t.m.cpu.tlb[LIN >>> 12]).toBe(0);
    expect(t.m.cpu.tlb[0x10000 >>> 12]).toBe(codePage); // the other pages stay cached
    expect(rerun(t)).toBe(0x22222222);
  });

  it('invlpg on a 386 throws, as the instruction is #UD there, and flushes nothing', () => {
    const t = pagedReader(386);
    const h = t.m.hostPort;
    expect(rerun(t)).toBe(0x11111111);
    const flushes = t.m.cpu.tlbStats.flushes;
    expect(() => h.invlpg(LIN)).toThrow(/INVLPG/);
    expect(t.m.cpu.tlbStats.flushes).toBe(flushes);
    expect(t.m.cpu.tlb[LIN >>> 12]).not.toBe(0);
  });

  it('writeCR0 switches paging off, flushing the TLB; readCR2 gives the last fault address', () => {
    const t = pagedReader(386);
    const h = t.m.hostPort;
    expect(rerun(t)).toBe(0x11111111);
    h.writeCR0(h.readCR0() & ~CR0_PG);
    expect(h.readCR0() & CR0_PG).toBe(0);
    expect(t.m.cpu.tlb[LIN >>> 12]).toBe(0);
    t.m.cpu.cr2 = 0xc0001234 | 0;
    expect(h.readCR2()).toBe(0xc0001234);
  });

  it('setESP makes the guest go on, after the OUT, on the stack the handler chose', () => {
    const t = flat32([
      0xb8, 0x00, 0x50, 0x00, 0x00, // mov eax, 0x5000
      0xe7, 0xe0, //                   out 0xe0, eax
      0x5b, //                         pop ebx
      0xeb, 0xfe, //                   jmp $
    ]);
    const h = t.m.hostPort;
    const args: number[] = [];
    t.m.hostcall.attach((arg) => {
      args.push(arg);
      h.writePhys32(0x7000, 0xfeedface);
      h.setESP(0x7000);
    }, '');
    t.m.run(2000);
    expect(args).toEqual([0x5000]);
    expect(t.m.cpu.reg[EBX]! >>> 0).toBe(0xfeedface);
    expect(t.m.cpu.reg[ESP]).toBe(0x7004);
  });

  it('chargeCycles advances emulated time, which readTSC reads', () => {
    const h = machine().hostPort;
    const t0 = h.readTSC();
    h.chargeCycles(1234);
    expect(h.readTSC() - t0).toBe(1234);
  });

  it('lgdt, lidt and ltr load the descriptor-table registers; ltr marks the TSS busy', () => {
    const m = machine();
    const h = m.hostPort;
    // GDT at 0x3000: null, then a present 386 TSS (type 9) at base 0x4000, limit 0x67.
    h.writePhys32(0x3008, 0x4000_0067);
    h.writePhys32(0x300c, 0x0000_8900);
    h.lgdt(0x3000, 0x0f);
    h.lidt(0x5000, 0x7ff);
    h.ltr(0x08);
    expect([m.cpu.gdtrBase, m.cpu.gdtrLimit, m.cpu.idtrBase, m.cpu.idtrLimit]).toEqual([0x3000, 0x0f, 0x5000, 0x7ff]);
    expect([m.cpu.trSel, m.cpu.trBase, m.cpu.trLimit]).toEqual([0x08, 0x4000, 0x67]);
    expect((h.readPhys32(0x300c) >>> 8) & 0xf).toBe(0xb); // busy
  });

  describe('insw and outsw (REP INSW/OUTSW) are the inw and outw they stand for, in one call', () => {
    const DATA = 0x1f0, STATUS = 0x1f7, ALT_STATUS = 0x3f6, WORDS = SECTOR_SIZE / 2;
    type Mode = 'words' | 'string';
    /** What a transfer leaves that anyone could see: every bus access with its emulated time, and the device's state. */
    interface Seen {
      accesses: string[];
      tsc: number;
      nextEvent: number;
      irq: boolean;
      status: number;
      mem: number[];
      /** A checksum of all of RAM (a stray word anywhere shows). */
      ram: number;
      disk: number[];
    }

    /** A machine whose master disk (16 sectors) holds a different byte pattern in every sector; its bus accesses logged. */
    /**
     * `traced`: every bus access logged (which also makes IoPorts take a string a word at a time);
     * untraced, the drive moves a block's words in one copy (IoPorts.readWords16 / writeWords16).
     */
    function ataMachine(traced = true, sectorCycles = 100): { m: Machine; disk: MemoryDisk; accesses: string[] } {
      const bytes = new Uint8Array(16 * SECTOR_SIZE);
      for (let k = 0; k < bytes.length; k++) bytes[k] = (k * 7 + (k >> 9) * 13) & 0xff;
      const disk = new MemoryDisk(bytes);
      const m = new Machine({ memoryBytes: 4 * 1024 * 1024, disks: [disk], ataRequestCycles: 1000, ataSectorCycles: sectorCycles });
      const accesses: string[] = [];
      if (traced) {
        m.io.onTrace = (port, size, write, value) => {
          accesses.push(`${m.cpu.cycles}/${m.clock.now} ${write ? 'out' : 'in'}${size} ${port.toString(16)} ${value.toString(16)}`);
        };
      }
      return { m, disk, accesses };
    }

    function command(m: Machine, cmd: number, lba: number, count: number): void {
      const h = m.hostPort;
      h.outb(0x1f6, 0xe0);
      h.outb(0x1f2, count);
      h.outb(0x1f3, lba);
      h.outb(0x1f4, 0);
      h.outb(0x1f5, 0);
      h.outb(0x1f7, cmd);
    }

    function seen(m: Machine, disk: MemoryDisk, accesses: string[], at: number, bytes: number): Seen {
      const mem: number[] = [];
      for (let k = 0; k < bytes; k++) mem.push(m.phys.read8(at + k)); // as stored, whatever A20 says
      let ram = 2166136261;
      // A word at a time: each step is a bijection of the running value, so one changed word always shows.
      for (const w of new Uint32Array(m.phys.ram.buffer, m.phys.ram.byteOffset, m.phys.ram.byteLength >>> 2)) ram = Math.imul(ram ^ w, 16777619) >>> 0;
      return {
        accesses, tsc: m.hostPort.readTSC(), nextEvent: m.clock.nextEventTime(), irq: m.cpu.irqPending,
        status: m.hostPort.inb(ALT_STATUS), mem, ram, disk: [...disk.bytes],
      };
    }

    /** READ SECTORS of 3 sectors at LBA 2 into `at`, a sector at a time: 256 inw + writePhys16, or one insw. */
    function read(mode: Mode, at: number, setup?: (m: Machine) => void, traced = true): Seen {
      const { m, disk, accesses } = ataMachine(traced);
      setup?.(m);
      const h = m.hostPort;
      command(m, 0x20, 2, 3);
      for (let s = 0; s < 3; s++) {
        h.chargeCycles(2000); // the drive has the sector by then
        expect(h.inb(STATUS) & 0x88).toBe(0x08); // DRQ, not BSY (and the IRQ acked)
        const dst = at + s * SECTOR_SIZE;
        if (mode === 'string') h.insw(DATA, dst, WORDS);
        else for (let k = 0; k < WORDS; k++) h.writePhys16(dst + 2 * k, h.inw(DATA));
      }
      return seen(m, disk, accesses, at, 3 * SECTOR_SIZE);
    }

    /** WRITE SECTORS of 3 sectors at LBA 9 from `at`: 256 readPhys16 + outw, or one outsw, a sector at a time. */
    function write(mode: Mode, at: number, setup?: (m: Machine) => void, traced = true): Seen {
      const { m, disk, accesses } = ataMachine(traced);
      setup?.(m);
      const h = m.hostPort;
      for (let k = 0; k < 3 * SECTOR_SIZE; k++) h.writePhys8(at + k, (k * 11 + 5) & 0xff);
      command(m, 0x30, 9, 3);
      for (let s = 0; s < 3; s++) {
        if (s > 0) h.chargeCycles(2000); // the sector before reached the media
        expect(h.inb(STATUS) & 0x88).toBe(0x08);
        const src = at + s * SECTOR_SIZE;
        if (mode === 'string') h.outsw(DATA, src, WORDS);
        else for (let k = 0; k < WORDS; k++) h.outw(DATA, h.readPhys16(src + 2 * k));
      }
      h.chargeCycles(2000);
      return seen(m, disk, accesses, at, 3 * SECTOR_SIZE);
    }

    it('insw: the same data, the same accesses at the same emulated time, the same drive state', () => {
      const words = read('words', 0x20000), string = read('string', 0x20000);
      expect(string.accesses.length).toBe(words.accesses.length);
      expect(string).toEqual(words);
      const disk = ataMachine().disk;
      expect(words.mem).toEqual([...disk.bytes.subarray(2 * SECTOR_SIZE, 5 * SECTOR_SIZE)]);
    });

    it('outsw: the same accesses at the same emulated time, the same drive state, the same sectors on disk', () => {
      const words = write('words', 0x30000), string = write('string', 0x30000);
      expect(string).toEqual(words);
      expect(words.disk.slice(9 * SECTOR_SIZE, 12 * SECTOR_SIZE)).toEqual(words.mem);
    });

    it('untraced, a block moved in one copy: the same data, drive state, time and disk as word by word', () => {
      const untraced = (r: Seen): Seen => ({ ...r, accesses: [] });
      expect(read('string', 0x20000, undefined, false)).toEqual(untraced(read('words', 0x20000)));
      expect(write('string', 0x30000, undefined, false)).toEqual(untraced(write('words', 0x30000)));
      expect(read('string', 0x1ffe00, (m) => m.phys.setA20(false), false)).toEqual(untraced(read('words', 0x1ffe00, (m) => m.phys.setA20(false))));
    });

    it('a string longer than the block: past its end the words are what the bus gives then, as word by word', () => {
      // 1.5 sectors in one insw/outsw: with a sector time the drive is busy after the first block
      // (reads float high, writes go nowhere); with none, its next block is there at once.
      for (const sectorCycles of [100, 0]) {
        const run = (mode: Mode, traced: boolean, write: boolean): unknown => {
          const { m, disk } = ataMachine(traced, sectorCycles);
          const h = m.hostPort;
          for (let k = 0; k < 3 * SECTOR_SIZE; k++) h.writePhys8(0x40000 + k, (k * 5 + 3) & 0xff);
          command(m, write ? 0x30 : 0x20, 4, 3);
          h.chargeCycles(2000);
          const n = WORDS + WORDS / 2;
          if (write) {
            if (mode === 'string') h.outsw(DATA, 0x40000, n);
            else for (let k = 0; k < n; k++) h.outw(DATA, h.readPhys16(0x40000 + 2 * k));
          } else if (mode === 'string') h.insw(DATA, 0x50000, n);
          else for (let k = 0; k < n; k++) h.writePhys16(0x50000 + 2 * k, h.inw(DATA));
          h.chargeCycles(2000);
          return { ...seen(m, disk, [], 0x50000, 2 * n), status2: h.inb(STATUS) };
        };
        for (const write of [false, true]) expect(run('string', false, write), `sectorCycles ${sectorCycles}, ${write ? 'outsw' : 'insw'}`).toEqual(run('words', true, write));
      }
    });

    it('past the end of RAM and with A20 closed, memory takes the words as writePhys16 and readPhys16 would', () => {
      const end = 4 * 1024 * 1024 - SECTOR_SIZE - 64; // the last sector straddles the end: its tail is dropped
      expect(read('string', end)).toEqual(read('words', end));
      const closed = (m: Machine): void => m.phys.setA20(false);
      expect(read('string', 0x1ffe00, closed)).toEqual(read('words', 0x1ffe00, closed));
      expect(write('string', end)).toEqual(write('words', end));
      expect(write('string', 0x1ffe00, closed)).toEqual(write('words', 0x1ffe00, closed));
    });
  });

  describe('writes over decoded code re-decode it (like a DMA or a loader would)', () => {
    // main at 10000h: call f; mov ebx, eax; jmp $. f at 12000h: mov eax, 1; ret.
    function program(): TestMachine {
      const t = flat32([
        0xe8, 0xfb, 0x1f, 0x00, 0x00, // call 0x12000
        0x89, 0xc3, //                   mov ebx, eax
        0xeb, 0xfe, //                   jmp $
      ]);
      t.m.phys.load(0x12000, Uint8Array.from([0xb8, 0x01, 0x00, 0x00, 0x00, 0xc3]));
      return t;
    }
    function ebxAfterRun(t: TestMachine): number {
      t.m.cpu.eip = 0x10000;
      t.m.cpu.reg[ESP] = 0x90000;
      t.m.cpu.blockExit = true;
      t.m.run(2000);
      return t.m.cpu.reg[EBX]! >>> 0;
    }

    it('writePhysBytes', () => {
      const t = program();
      expect(ebxAfterRun(t)).toBe(1);
      expect(t.m.cpu.codePages[0x12]).toBe(1);
      t.m.hostPort.writePhysBytes(0x12000, Uint8Array.from([0xb8, 0x44, 0x00, 0x00, 0x00, 0xc3]));
      expect(ebxAfterRun(t)).toBe(0x44);
    });

    it('fillPhys and copyPhys', () => {
      const t = program();
      expect(ebxAfterRun(t)).toBe(1);
      t.m.hostPort.fillPhys(0x12001, 1, 0x55);
      expect(ebxAfterRun(t)).toBe(0x55);
      t.m.phys.load(0x30000, Uint8Array.from([0xb8, 0x66, 0x00, 0x00, 0x00, 0xc3]));
      t.m.hostPort.copyPhys(0x12000, 0x30000, 6);
      expect(ebxAfterRun(t)).toBe(0x66);
    });

    it('writePhys32', () => {
      const t = program();
      expect(ebxAfterRun(t)).toBe(1);
      t.m.hostPort.writePhys32(0x12001, 0x77);
      expect(ebxAfterRun(t)).toBe(0x77);
    });
  });
});
