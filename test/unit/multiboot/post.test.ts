// A Multiboot kernel starts after the firmware's POST, as under `qemu -kernel` (Machine.bootMultiboot):
// it finds COM1, the PICs, the PIT, the IVT and the BIOS data areas as bios.S leaves them for a
// boot sector, not as the devices come out of reset.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EAX, EBX } from '../../../emulator/cpu/registers.ts';
import { IF } from '../../../emulator/cpu/state.ts';
import { MemoryDisk } from '../../../emulator/disk.ts';
import { Machine } from '../../../emulator/machine.ts';
import { BIOS_POST_DONE, MultibootError } from '../../../emulator/multiboot.ts';
import { asm32, hasAs } from '../../harness/gas.ts';
import { multibootElf } from './elf.ts';

const root = new URL('../../..', import.meta.url).pathname;
const bios = new Uint8Array(readFileSync(path.join(root, 'firmware/bios.bin')));
const demo = new Uint8Array(readFileSync(path.join(root, 'firmware/demo.bin')));
const KERNEL = 0x100000;
const CLOCK_HZ = 33_000_000;

/** The kernel waits for COM1 to send everything (LSR.TEMT) and exits through port F4h with AL. */
const EXIT = `
      mov %al, %bl
      mov $0x3FD, %dx
8:    in %dx, %al
      test $0x40, %al
      jz 8b
      mov %bl, %al
      out %al, $0xF4
      cli
      hlt`;

/** A flat GDT (08h code, 10h data) and an IDT whose gate 08h (IRQ0 as the BIOS programs the PIC) goes to `irq0`. */
const TABLES = `
      lgdt gdtr
      mov $irq0, %eax
      mov %ax, idt + 8 * 8
      movw $0x08, idt + 8 * 8 + 2
      movw $0x8E00, idt + 8 * 8 + 4
      shr $16, %eax
      mov %ax, idt + 8 * 8 + 6
      lidt idtr`;
const TABLE_DATA = `
      .p2align 3
gdt:  .quad 0, 0x00CF9A000000FFFF, 0x00CF92000000FFFF
gdtr: .word 23
      .long gdt
      .p2align 3
idt:  .fill 9 * 8, 1, 0
idtr: .word 9 * 8 - 1
      .long idt`;

interface Run { m: Machine; serial: number[]; debugAt: number[] }

/** Boots `src` (32-bit, AT&T) at 1 MiB on bios.bin as `ts386 --kernel` does and runs it. */
function boot(src: string, cycles = 1_000_000): Run {
  const serial: number[] = [];
  const debugAt: number[] = [];
  const m: Machine = new Machine({
    rom: bios, memoryBytes: 16 << 20, clockHz: CLOCK_HZ,
    onSerialByte: (b) => serial.push(b), onDebugByte: () => debugAt.push(m.cpu.cycles),
  });
  m.bootMultiboot(multibootElf(asm32(src, KERNEL), KERNEL));
  m.run(cycles);
  return { m, serial, debugAt };
}

describe.skipIf(!hasAs)('the machine a Multiboot kernel starts on', () => {
  it("sends 'A' whole through COM1 without programming the UART: POST left it at 8N1", () => {
    const { m, serial } = boot(`
      mov $0x3F8, %dx
      mov $'A', %al
      out %al, %dx
      xor %al, %al
      ${EXIT}`);
    expect(m.exitStatus).toBe(0);
    expect(serial).toEqual([0x41]);
    expect(m.com1.lcr).toBe(0x03);
  });

  it('is woken from sti; hlt by the timer, IRQ0 at vector 08h', () => {
    const { m } = boot(`
      ${TABLES}
      sti
      hlt
      mov $0xEE, %al
      ${EXIT}
irq0: mov $0x08, %al
      ${EXIT}
      ${TABLE_DATA}`, 4_000_000);
    expect(m.exitStatus).toBe(0x08);
  });

  it('gets a timer interrupt every 65536 PIT clocks (18.2 Hz)', () => {
    // Each IRQ0 writes a byte to port E9h (the test notes the cycle) and ends with an EOI. The
    // first comes at the STI: the PIC latched the rising OUT when POST programmed the counter.
    const { m, debugAt } = boot(`
      ${TABLES}
      mov $5, %ecx
1:    sti
      hlt
      loop 1b
      xor %al, %al
      ${EXIT}
irq0: out %al, $0xE9
      push %eax
      mov $0x20, %al
      out %al, $0x20
      pop %eax
      iret
      ${TABLE_DATA}`, 10_000_000);
    expect(m.exitStatus).toBe(0);
    expect(debugAt).toHaveLength(5);
    const period = (65536 / 1_193_182) * CLOCK_HZ; // 1812532 cycles
    for (let k = 2; k < debugAt.length; k++) expect(Math.abs(debugAt[k]! - debugAt[k - 1]! - period)).toBeLessThan(100);
  });

  it('finds the PICs, the IVT and the BIOS data areas as POST leaves them, and is entered as Multiboot says', () => {
    const m = new Machine({ rom: bios, memoryBytes: 16 << 20 });
    const k = m.bootMultiboot(multibootElf(asm32('hlt', KERNEL), KERNEL));
    expect(m.lastPostCode).toBe(BIOS_POST_DONE); // and not 09h: INT 19h did not start
    expect([m.pic.master.vectorBase, m.pic.slave.vectorBase]).toEqual([0x08, 0x70]);
    expect([m.pic.master.imr, m.pic.slave.imr]).toEqual([0xfa, 0xff]); // the timer and the cascade
    expect(m.phys.read16(0x400)).toBe(0x3f8); // COM1 in the BDA
    expect(m.phys.read16(0x40e)).toBe(0x9fc0); // the EBDA's segment
    expect(m.phys.read16(0x413)).toBe(639);
    expect(m.phys.read16(0x10 * 4 + 2)).toBe(0xf000); // INT 10h into the ROM
    expect(m.phys.read16(0x08 * 4 + 2)).toBe(0xf000); // IRQ0's handler
    expect(m.cpu.eip).toBe(KERNEL);
    expect(m.cpu.reg[EAX]! >>> 0).toBe(0x2badb002);
    expect(m.cpu.reg[EBX]).toBe(k.infoAddr);
    expect(m.cpu.flags & IF).toBe(0);
  });
});

describe('booting a Multiboot kernel on firmware', () => {
  it.skipIf(!hasAs)('runs the kernel, not a bootable disk, and the BDA counts the disk POST found', () => {
    // Sector 0 would write 'D' to port E9h and exit with 0xDD; the kernel exits with 0x2A.
    const disk = MemoryDisk.blank(2016);
    disk.bytes.set([0xb0, 0x44, 0xe6, 0xe9, 0xb0, 0xdd, 0xe6, 0xf4, 0xf4], 0);
    disk.bytes.set([0x55, 0xaa], 510);
    let debug = '';
    const m = new Machine({ rom: bios, memoryBytes: 16 << 20, disks: [disk], onDebugByte: (b) => (debug += String.fromCharCode(b)) });
    m.bootMultiboot(multibootElf(asm32('mov $0x2A, %al\nout %al, $0xF4\nhlt', KERNEL), KERNEL));
    expect(m.phys.read8(0x475)).toBe(1);
    expect(m.run(1_000_000).reason).toBe('exit');
    expect(m.exitStatus).toBe(0x2a);
    expect(debug).toBe('');
    expect(m.phys.read16(0x7c00 + 510)).toBe(0); // INT 19h never read sector 0
  });

  it('checks the file before the firmware runs', () => {
    const m = new Machine({ rom: bios, memoryBytes: 16 << 20 });
    expect(() => m.bootMultiboot(new Uint8Array(8192))).toThrow(/no Multiboot header/);
    expect(m.cpu.cycles).toBe(0);
    expect(m.lastPostCode).toBe(-1);
  });

  it('refuses firmware whose POST does not end as the BIOS\'s does', () => {
    const m = new Machine({ rom: demo, memoryBytes: 16 << 20 });
    const elf = multibootElf(Uint8Array.of(0xf4), KERNEL);
    expect(() => m.bootMultiboot(elf)).toThrow(MultibootError);
    expect(() => new Machine({ rom: demo, memoryBytes: 16 << 20 }).bootMultiboot(elf))
      .toThrow(/the firmware did not finish its POST \(POST code 08h, before INT 19h\) within 20000000 cycles; a Multiboot kernel needs ts386's BIOS/);
  });
});
