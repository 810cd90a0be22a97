// Starts a machine the way ../shared/bench's boot sector leaves it, for as long as ts386 has no
// firmware to boot the disk images: the payload at physical 0x10000, 32-bit protected mode with
// flat 4 GiB code and data segments (selectors 08 and 10), CPL 0, paging off, IF = 0.
// (test/harness/cpu.ts has the same setup for tests; bench/ may not import test/.)

import type { Machine } from '../emulator/machine.ts';
import { CS, DS, ES, FS, GS, SS } from '../emulator/cpu/registers.ts';
import { updateSegmentBounds } from '../emulator/cpu/segments.ts';
import { CR0_PE, SEG_CODE, SEG_DB, SEG_PRESENT, SEG_READABLE, SEG_USABLE, SEG_WRITABLE } from '../emulator/cpu/state.ts';
import { updateAccessMasks } from '../emulator/cpu/tlb.ts';

export function enterFlat32(m: Machine, eip: number, esp: number): void {
  const cpu = m.cpu;
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
