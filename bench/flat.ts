// Starts a machine the way ../shared/bench's boot sector leaves it, for as long as ts386 has no
// firmware to boot the disk images: 32-bit protected mode with flat 4 GiB code and data segments,
// CPL 0, paging off, IF = 0, and the boot sector's GDT (null, 08 code, 10 data) in memory, since
// the guest keeps using it: every exception it takes loads CS = 08 from its IDT gates.
// (test/harness/cpu.ts has a similar setup for tests; bench/ may not import test/.)

import { enterFlatProtectedMode, type Machine } from '../emulator/index.ts';

/** Where the GDT goes: below the boot sector's 0x7C00, in memory the guest leaves alone. */
export const GDT_ADDR = 0x1000;

/** The boot sector's GDT (guest/boot.s). */
const GDT = [
  [0x00000000, 0x00000000], // null
  [0x0000ffff, 0x00cf9a00], // 0x08: code, base 0, limit 4 GiB, 32-bit, DPL 0
  [0x0000ffff, 0x00cf9200], // 0x10: data, base 0, limit 4 GiB, writable, DPL 0
] as const;

export function enterFlat32(m: Machine, eip: number, esp: number): void {
  const gdt = new Uint8Array(GDT.length * 8);
  const view = new DataView(gdt.buffer);
  GDT.forEach(([lo, hi], k) => {
    view.setUint32(k * 8, lo, true);
    view.setUint32(k * 8 + 4, hi, true);
  });
  m.phys.load(GDT_ADDR, gdt);
  m.cpu.gdtrBase = GDT_ADDR;
  m.cpu.gdtrLimit = gdt.length - 1;
  enterFlatProtectedMode(m.cpu, eip, esp);
}
