// A process's LDT under --mm segments (kernel/arch/ldt.ts): its code and data descriptors as the
// processor reads them (the emulator's own parseDescriptor), byte-granular up to 1 MiB and
// page-granular beyond, and the GDT's LDT slot with LLDT.
import { beforeEach, describe, expect, it } from 'vitest';
import { parseDescriptor, type Descriptor } from '../../../../emulator/cpu/segments.ts';
import { LDT_BYTES, loadLdt, writeLdt } from '../../../../kernel/arch/ldt.ts';
import { Hw, phys } from '../../../../kernel/hw.ts';
import { GDT_PHYS, SEL_LDT, SEL_SEG_CODE, SEL_SEG_DATA } from '../../../../kernel/layout.ts';
import { FakeHostPort } from '../fake-hostport.ts';

const LDT = phys(0x2000);
let port: FakeHostPort;
let hw: Hw;
beforeEach(() => {
  port = new FakeHostPort(0x110000);
  port.mem.fill(0xa5);
  hw = new Hw(port);
});

const at = (addr: number): Descriptor => parseDescriptor(port.view.getUint32(addr, true), port.view.getUint32(addr + 4, true));

describe('writeLdt', () => {
  it('writes a DPL 3 code segment and a DPL 3 writable data segment at the partition\'s base, the selectors\' entries 0 and 1', () => {
    writeLdt(hw, LDT, 0x1c6000, 0x2000, 0xa000);
    expect([SEL_SEG_CODE, SEL_SEG_DATA]).toEqual([0x07, 0x0f]);
    const code = at(LDT + (SEL_SEG_CODE & ~7)), data = at(LDT + (SEL_SEG_DATA & ~7));
    expect(code).toMatchObject({ base: 0x1c6000, limit: 0x1fff, s: true, type: 0xa, dpl: 3, present: true, db: true });
    expect(data).toMatchObject({ base: 0x1c6000, limit: 0x9fff, s: true, type: 0x2, dpl: 3, present: true, db: true });
    expect(port.view.getUint32(LDT + LDT_BYTES, true)).toBe(0xa5a5a5a5); // nothing past the two
  });

  it('gives a partition of 1 MiB a byte-granular limit, and a larger one a page-granular limit of the same last byte', () => {
    writeLdt(hw, LDT, 0x400000, 0x100000, 0x100000);
    expect(at(LDT + 8).limit).toBe(0xfffff);
    expect(port.view.getUint32(LDT + 12, true) & (1 << 23)).toBe(0);
    writeLdt(hw, LDT, 0x400000, 0x3000, 0x101000);
    expect(at(LDT + 8).limit).toBe(0x100fff);
    expect(port.view.getUint32(LDT + 12, true) & (1 << 23)).not.toBe(0);
  });
});

describe('loadLdt', () => {
  it('points the GDT\'s LDT slot at the table (its kernel linear address, limit 15) and loads LDTR from it', () => {
    loadLdt(hw, LDT);
    expect(at(GDT_PHYS + SEL_LDT)).toMatchObject({ base: (0xc0000000 + LDT) | 0, limit: LDT_BYTES - 1, s: false, type: 2, dpl: 0, present: true });
    expect(port.ldtr).toBe(SEL_LDT);
  });
});
