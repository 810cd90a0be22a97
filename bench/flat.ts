// Starts a machine the way ../shared/bench's boot sector leaves it, for as long as ts386 has no
// firmware to boot the disk images: 32-bit protected mode with flat 4 GiB code and data segments,
// CPL 0, paging off, IF = 0, and the boot sector's GDT (null, 08 code, 10 data) in memory, since
// the guest keeps using it: every exception it takes loads CS = 08 from its IDT gates.
// (test/harness/cpu.ts has a similar setup for tests; bench/ may not import test/.)

import type { Machine } from '../emulator/machine.ts';
import { CS, DS, ES, FS, GS, SS } from '../emulator/cpu/registers.ts';
import { updateSegmentBounds } from '../emulator/cpu/segments.ts';
import { CR0_PE, SEG_CODE, SEG_DB, SEG_PRESENT, SEG_READABLE, SEG_USABLE, SEG_WRITABLE } from '../emulator/cpu/state.ts';
import { updateAccessMasks } from '../emulator/cpu/tlb.ts';

/** Where the GDT goes: below the boot sector's 0x7C00, in memory the guest leaves alone. */
export const GDT_ADDR = 0x1000;

/** The boot sector's GDT (guest/boot.s). */
const GDT = [
  [0x00000000, 0x00000000], // null
  [0x0000ffff, 0x00cf9a00], // 0x08: code, base 0, limit 4 GiB, 32-bit, DPL 0
  [0x0000ffff, 0x00cf9200], // 0x10: data, base 0, limit 4 GiB, writable, DPL 0
] as const;

export function enterFlat32(m: Machine, eip: number, esp: number): void {
  const cpu = m.cpu;
  const gdt = new Uint8Array(GDT.length * 8);
  const view = new DataView(gdt.buffer);
  GDT.forEach(([lo, hi], k) => {
    view.setUint32(k * 8, lo, true);
    view.setUint32(k * 8 + 4, hi, true);
  });
  m.phys.load(GDT_ADDR, gdt);
  cpu.gdtrBase = GDT_ADDR;
  cpu.gdtrLimit = gdt.length - 1;
  cpu.cr0 |= CR0_PE;
  for (const s of [ES, CS, SS, DS, FS, GS]) {
    cpu.seg[s] = s === CS ? 0x08 : 0x10;
    cpu.segBase[s] = 0;
    cpu.segLimit[s] = 0xffffffff;
    cpu.segAttr[s] = SEG_PRESENT | SEG_USABLE | SEG_READABLE | SEG_DB | (s === CS ? SEG_CODE : SEG_WRITABLE);
    cpu.segDpl[s] = 0;
    updateSegmentBounds(cpu, s);
  }
  cpu.code32 = true;
  cpu.stack32 = true;
  cpu.cpl = 0;
  cpu.eip = eip;
  cpu.reg[4] = esp;
  updateAccessMasks(cpu);
  cpu.blockExit = true;
}
