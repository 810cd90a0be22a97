// Where the Multiboot loader puts the information structure, the memory map, the command line
// and the stack the kernel is entered with (emulator/multiboot.ts, bootPage): one page of RAM
// that no segment of the kernel touches, above the IVT and the BIOS data area, outside the EBDA
// and the ROM hole, the lowest such page.
import { describe, expect, it } from 'vitest';
import { ESP } from '../../../emulator/cpu/registers.ts';
import { Machine } from '../../../emulator/machine.ts';
import { loadMultiboot, MultibootError, type PhysicalWriter } from '../../../emulator/multiboot.ts';
import { asm32, hasAs } from '../../harness/gas.ts';
import { multibootElf } from './elf.ts';

const MiB = 1024 * 1024;

/** Physical memory that only records what is written. */
function ramOf(ramSize: number): PhysicalWriter & { bytes: Uint8Array } {
  const bytes = new Uint8Array(ramSize);
  return {
    ramSize,
    bytes,
    write8: (a, v) => { bytes[a] = v; },
    write32: (a, v) => { new DataView(bytes.buffer).setUint32(a, v, true); },
  };
}

/** Whether [a, a + n) lies in RAM the kernel may be given: not the first page, the EBDA, the ROM hole. */
function usable(a: number, n: number, ramSize: number): boolean {
  return (a >= 0x1000 && a + n <= 0x9fc00) || (a >= 0x100000 && a + n <= ramSize);
}

describe('Multiboot information placement', () => {
  it.skipIf(!hasAs)('keeps clear of a kernel loaded across 0x8000-0xB000, which runs to its end', () => {
    // Code at 0x8000, 0x9000, 0x9100, 0x9400 and 0xA800 (where the structure, the map and the
    // command line used to be written), chained by jumps; the last word of the image at 0xAFFC.
    const code = asm32(`
      cmp $0x2BADB002, %eax
      jne 9f
      jmp part2
9:    mov $0xEE, %al
      out %al, $0xF4
      hlt
      .org 0x1000
part2:
      jmp part3
      .org 0x1100
part3:
      mov 16(%ebx), %esi
1:    lodsb
      test %al, %al
      jz 2f
      out %al, $0xE9
      jmp 1b
2:    jmp part4
      .org 0x1400
part4:
      jmp part5
      .org 0x2800
part5:
      cmpl $0x5A5AA5A5, 0xAFFC
      jne 9b
      mov $0x2A, %al
      out %al, $0xF4
      hlt
      .org 0x2FFC
      .long 0x5A5AA5A5
    `, 0x8000);
    expect(code.length).toBe(0x3000);
    let out = '';
    const m = new Machine({ memoryBytes: 16 * MiB, onDebugByte: (b) => (out += String.fromCharCode(b)) });
    const k = m.bootMultiboot(multibootElf(code, 0x8000), 'root=/dev/hda console=ttyS0');
    expect(k.segments).toEqual([[0x8000, 0xb000]]);
    expect(m.phys.ram.slice(0x8000, 0xb000)).toEqual(code);

    const info = k.infoAddr;
    const mmapLength = m.phys.read32(info + 44), mmap = m.phys.read32(info + 48), cmdline = m.phys.read32(info + 16);
    const esp = m.cpu.reg[ESP]! >>> 0;
    for (const [start, length] of [[info, 88], [mmap, mmapLength], [cmdline, 29], [esp - 256, 256]] as const) {
      expect(start + length <= 0x8000 || start >= 0xb000, `0x${start.toString(16)}+${length}`).toBe(true);
      expect(usable(start, length, 16 * MiB), `0x${start.toString(16)}+${length}`).toBe(true);
    }
    expect([info, mmap, cmdline, esp]).toEqual([0x1000, 0x1058, 0x10b8, 0x2000]); // the lowest free page

    expect(m.run(1_000_000).reason).toBe('exit');
    expect(out).toBe('root=/dev/hda console=ttyS0');
    expect(m.exitStatus).toBe(0x2a);
  });

  it.each([
    ['low memory from 0x1000', 0x1000, 0x2000, 0x3000],
    ['conventional memory up to the last page below the EBDA', 0x1000, 0x9d000, 0x9e000],
    ['conventional memory up to the EBDA', 0x1000, 0x9e000, 0x100000],
    ['everything up to 1 MiB + 2 KiB', 0x0, 0x100800, 0x101000],
  ])('for a kernel covering %s, takes the page at the lowest free address', (_what, base, size, page) => {
    const ram = ramOf(16 * MiB);
    const k = loadMultiboot(multibootElf(new Uint8Array([0xf4]), base, { memsz: size }), ram, 'x');
    expect(k.infoAddr).toBe(page);
    expect(k.stackTop).toBe(page + 0x1000);
    const r32 = (a: number): number => new DataView(ram.bytes.buffer).getUint32(a, true);
    expect(r32(page + 16)).toBeGreaterThan(page);
    expect(r32(page + 48)).toBeGreaterThan(page);
    expect(String.fromCharCode(ram.bytes[r32(page + 16)]!, ram.bytes[r32(page + 16) + 1]!)).toBe('x\0');
  });

  it('says so when no page of RAM is left outside the kernel', () => {
    expect(() => loadMultiboot(multibootElf(new Uint8Array([0xf4]), 0x1000, { memsz: 0xff000 }), ramOf(MiB)))
      .toThrow(MultibootError);
    expect(() => loadMultiboot(multibootElf(new Uint8Array([0xf4]), 0x1000, { memsz: 0xff000 }), ramOf(MiB)))
      .toThrow(/no free 4 KiB page of RAM outside the kernel's segments for the Multiboot information \(1 MiB of RAM\)/);
  });

  it('cuts the command line at 255 bytes, counted in bytes and not inside a character', () => {
    const ram = ramOf(16 * MiB);
    const k = loadMultiboot(multibootElf(new Uint8Array([0xf4]), 0x100000), ram, 'é'.repeat(200));
    const cmd = new DataView(ram.bytes.buffer).getUint32(k.infoAddr + 16, true);
    const end = ram.bytes.indexOf(0, cmd);
    expect(end - cmd).toBe(254); // 127 two-byte characters
    expect(new TextDecoder().decode(ram.bytes.slice(cmd, end))).toBe('é'.repeat(127));
  });
});
