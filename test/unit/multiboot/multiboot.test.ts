// Loading a Multiboot v1 ELF kernel (`ts386 --kernel FILE`). kernel.elf is built from kernel.S:
//   as --32 -o kernel.o kernel.S && ld -m elf_i386 -Ttext=0x100000 -e _start -o kernel.elf kernel.o
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Machine } from '../../../emulator/machine.ts';
import { MultibootError } from '../../../emulator/multiboot.ts';

const elf = readFileSync(new URL('kernel.elf', import.meta.url));

function boot(image: Uint8Array, cmdline = ''): { m: Machine; out: string } {
  let out = '';
  const m = new Machine({ memoryBytes: 16 << 20, onDebugByte: (b) => (out += String.fromCharCode(b)) });
  m.bootMultiboot(image, cmdline);
  m.run(1_000_000);
  return { m, out };
}

describe('Multiboot loader', () => {
  it('starts the kernel with EAX = 0x2BADB002 and EBX pointing at the information structure', () => {
    const { m, out } = boot(elf, 'console=ttyS0 verbose');
    expect(out).toBe('console=ttyS0 verbose');
    // mem_upper for 16 MiB of RAM is 15 MiB: the kernel exits with that number.
    expect(m.exitStatus).toBe(15);
  });

  it('rejects a file without a Multiboot header', () => {
    expect(() => boot(new Uint8Array(4096))).toThrow(/no Multiboot header \(magic 0x1BADB002\) in the first 8192 bytes/);
  });

  it('rejects a header whose checksum is wrong', () => {
    const bad = Uint8Array.from(elf);
    const off = Buffer.from(bad).indexOf(Buffer.from([0x02, 0xb0, 0xad, 0x1b]));
    bad[off + 8] = bad[off + 8]! ^ 1;
    expect(() => boot(bad)).toThrow(MultibootError);
    expect(() => boot(bad)).toThrow(/checksum/);
  });

  it('rejects a Multiboot header in a file that is not ELF', () => {
    const raw = new Uint8Array(64);
    new DataView(raw.buffer).setUint32(16, 0x1badb002, true);
    new DataView(raw.buffer).setUint32(20, 0, true);
    new DataView(raw.buffer).setUint32(24, -0x1badb002 >>> 0, true);
    expect(() => boot(raw)).toThrow(/not an ELF file/);
  });

  it('rejects a kernel that does not fit in RAM', () => {
    const m = new Machine({ memoryBytes: 1 << 20 });
    expect(() => m.bootMultiboot(elf)).toThrow(/does not fit in 1 MiB of RAM/);
  });
});
