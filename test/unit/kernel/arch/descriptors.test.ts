// The GDT, TSS and IDT the kernel writes (kernel/arch/descriptors.ts), decoded the way the emulated
// processor decodes them (emulator/cpu/segments.ts parseDescriptor; i386 PRM 5.1.3, 7.2, 9.5).
import { beforeEach, describe, expect, it } from 'vitest';
import { parseDescriptor, type Descriptor } from '../../../../emulator/cpu/segments.ts';
import {
  GDT_ENTRIES, setTssEsp0, TSS_SIZE, writeGdt, writeIdt, writeTss,
} from '../../../../kernel/arch/descriptors.ts';
import { buildStubs, HAS_ERROR_CODE, STUB_STRIDE, STUB_VECTORS } from '../../../../kernel/arch/stubs.ts';
import { Hw, phys, virt } from '../../../../kernel/hw.ts';
import { SEL_KCODE, SEL_KDATA, SEL_LDT, SEL_TSS, SEL_UCODE, SEL_UDATA, SYSCALL_VECTOR } from '../../../../kernel/layout.ts';
import { FakeHostPort } from '../fake-hostport.ts';

const GDT = phys(0x1000);
const TSS = phys(0x1800);
const IDT = phys(0x2000);
const TSS_LINEAR = virt(0xc0101800);
const STUBS_LINEAR = virt(0xc0102000);

// Access-byte types (i386 PRM table 5-1 and 6-1).
const TYPE_DATA_RW = 0x2, TYPE_CODE_RX = 0xa, TYPE_TSS386_AVAILABLE = 0x9, TYPE_INTGATE386 = 0xe;

let port: FakeHostPort;
let hw: Hw;
beforeEach(() => {
  port = new FakeHostPort(0x10000);
  port.mem.fill(0xa5); // garbage: whatever the writers leave alone shows up
  hw = new Hw(port);
});

const u32 = (at: number): number => port.view.getUint32(at, true);
const u16 = (at: number): number => port.view.getUint16(at, true);
const entry = (table: number, index: number): Descriptor => parseDescriptor(u32(table + 8 * index), u32(table + 8 * index + 4));
const gdtEntry = (sel: number): Descriptor => entry(GDT, sel >> 3);

describe('writeGdt', () => {
  beforeEach(() => writeGdt(hw, GDT, TSS_LINEAR));

  it('starts with a null descriptor', () => {
    expect([u32(GDT), u32(GDT + 4)]).toEqual([0, 0]);
  });

  const flat: Array<[string, number, number, number]> = [
    ['kernel code', SEL_KCODE, TYPE_CODE_RX, 0],
    ['kernel data', SEL_KDATA, TYPE_DATA_RW, 0],
    ['user code', SEL_UCODE, TYPE_CODE_RX, 3],
    ['user data', SEL_UDATA, TYPE_DATA_RW, 3],
  ];
  for (const [name, sel, type, dpl] of flat) {
    it(`writes ${name} (selector ${sel.toString(16)}h) flat: base 0, 4 GiB page granular, 32-bit, DPL ${dpl}`, () => {
      const d = gdtEntry(sel);
      expect(d.base).toBe(0);
      expect(d.limit).toBe(0xffffffff);
      expect(d.granularity).toBe(true);
      expect(d.db).toBe(true);
      expect(d.present).toBe(true);
      expect(d.s).toBe(true);
      expect(d.type).toBe(type);
      expect(d.dpl).toBe(dpl);
      expect(sel & 3, 'the selector\'s RPL matches the DPL').toBe(dpl);
      expect(d.hi & 0x00300000, 'AVL and the reserved bit 21 are clear').toBe(0);
    });
  }

  it('writes the TSS descriptor: base = the TSS linear address, byte limit 103, available 386 TSS, DPL 0', () => {
    const d = gdtEntry(SEL_TSS);
    expect(d.base >>> 0).toBe(TSS_LINEAR);
    expect(d.limit).toBe(TSS_SIZE - 1);
    expect(TSS_SIZE).toBe(104);
    expect(d.granularity).toBe(false);
    expect(d.s).toBe(false);
    expect(d.type).toBe(TYPE_TSS386_AVAILABLE);
    expect(d.dpl).toBe(0);
    expect(d.present).toBe(true);
    expect(d.hi & 0x00700000, 'D/B, reserved bit 21 and AVL clear for a system descriptor').toBe(0);
  });

  it('places the TSS base bytes in all three fields of the descriptor', () => {
    writeGdt(hw, GDT, virt(0x12345678));
    expect(gdtEntry(SEL_TSS).base >>> 0).toBe(0x12345678);
  });

  it('writes exactly GDT_ENTRIES entries, the LDT slot the last', () => {
    expect(GDT_ENTRIES).toBe((SEL_LDT >> 3) + 1);
    expect(u32(GDT + 8 * GDT_ENTRIES)).toBe(0xa5a5a5a5);
  });
});

describe('writeTss / setTssEsp0', () => {
  const ESP0 = virt(0xc0105000);
  beforeEach(() => writeTss(hw, TSS, ESP0));

  it('sets SS0 to the kernel data selector and ESP0 to the given stack', () => {
    expect(u32(TSS + 4)).toBe(ESP0);
    expect(u16(TSS + 8)).toBe(SEL_KDATA);
    expect(u16(TSS + 10), 'the reserved high half of SS0').toBe(0);
  });

  it('puts the I/O map base past the limit (no permission bitmap: ring 3 gets no ports) and clears the T bit', () => {
    expect(u16(TSS + 0x66)).toBe(TSS_SIZE);
    expect(u16(TSS + 0x66)).toBeGreaterThan(TSS_SIZE - 1);
    expect(u16(TSS + 0x64) & 1).toBe(0);
  });

  it('zeroes every other field of the 104 bytes and nothing beyond', () => {
    for (let off = 0; off < TSS_SIZE; off += 4) {
      if (off === 4 || off === 8 || off === 0x64) continue;
      expect(u32(TSS + off), `TSS +${off.toString(16)}h`).toBe(0);
    }
    expect(u32(TSS + TSS_SIZE)).toBe(0xa5a5a5a5);
  });

  it('setTssEsp0 changes ESP0 only', () => {
    const before = port.mem.slice(TSS, TSS + TSS_SIZE);
    setTssEsp0(hw, TSS, virt(0xc0234000));
    expect(u32(TSS + 4)).toBe(0xc0234000);
    const after = port.mem.slice(TSS, TSS + TSS_SIZE);
    after.set(before.subarray(4, 8), 4);
    expect(after).toEqual(before);
  });
});

describe('writeIdt', () => {
  beforeEach(() => writeIdt(hw, IDT, STUBS_LINEAR));
  const stubs = buildStubs();

  it('writes 256 present 386 interrupt gates through the kernel code selector', () => {
    for (let v = 0; v < 256; v++) {
      const d = entry(IDT, v);
      expect(d.lo >>> 16, `vector ${v}: selector`).toBe(SEL_KCODE);
      expect(d.present, `vector ${v}`).toBe(true);
      expect(d.s, `vector ${v}: system descriptor`).toBe(false);
      expect(d.type, `vector ${v}: interrupt gate, IF cleared on entry`).toBe(TYPE_INTGATE386);
      expect(d.hi & 0xff, `vector ${v}: bits 7-0 of the high dword are 0`).toBe(0);
    }
    expect(u32(IDT + 256 * 8)).toBe(0xa5a5a5a5);
  });

  it('points each gate at its vector\'s stub', () => {
    for (let v = 0; v < 256; v++) {
      const d = entry(IDT, v);
      const offset = ((d.hi & 0xffff0000) | (d.lo & 0xffff)) >>> 0;
      expect(offset, `vector ${v}`).toBe(STUBS_LINEAR + STUB_VECTORS + v * STUB_STRIDE);
    }
  });

  it('reaches code that pushes that vector number', () => {
    for (let v = 0; v < 256; v++) {
      const d = entry(IDT, v);
      let at = (((d.hi & 0xffff0000) | (d.lo & 0xffff)) >>> 0) - STUBS_LINEAR;
      if (!HAS_ERROR_CODE.has(v)) at += 2; // push 0
      const pushed = stubs[at] === 0x6a ? stubs[at + 1]! : (stubs[at + 1]! | (stubs[at + 2]! << 8));
      expect(pushed, `vector ${v}`).toBe(v);
    }
  });

  it('gives DPL 3 to the system-call vector only, so INT 80h works from ring 3 and INT n for others #GPs', () => {
    for (let v = 0; v < 256; v++) {
      expect(entry(IDT, v).dpl, `vector ${v}`).toBe(v === SYSCALL_VECTOR ? 3 : 0);
    }
    expect(SYSCALL_VECTOR).toBe(0x80);
  });
});
