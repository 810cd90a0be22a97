// MOVS CMPS STOS LODS SCAS INS OUTS with and without REP (emulator/cpu/ops/string.ts), run as real
// encoded instructions (GNU as) through the machine until HLT.
import { describe, expect, it } from 'vitest';
import { getCF, getSF, getZF } from '../../../../emulator/cpu/flags.ts';
import { EAX, EBX, ECX, EDI, EDX, ESI, ESP } from '../../../../emulator/cpu/registers.ts';
import { IF } from '../../../../emulator/cpu/state.ts';
import type { PortHandler } from '../../../../emulator/memory/ioports.ts';
import { flat32, realMode, runToHalt, type TestMachine } from '../../../harness/cpu.ts';
import { asm16, asm32 } from '../../../harness/gas.ts';
import { enablePaging, installTables, PT, setGate } from './pm-fixture.ts';

/** Flat 32-bit code with 8 MiB of RAM: the tests' buffers lie between 2 and 4 MiB. */
const flat32Big = (code: Uint8Array): TestMachine => flat32(code, { config: { memoryBytes: 8 << 20 } });

function run16(src: string, setup?: (t: TestMachine) => void): TestMachine {
  const t = realMode(asm16(src));
  setup?.(t);
  expect(runToHalt(t).reason).toBe('halt');
  return t;
}

function run32(src: string, setup?: (t: TestMachine) => void): TestMachine {
  const t = flat32Big(asm32(src));
  setup?.(t);
  expect(runToHalt(t).reason).toBe('halt');
  return t;
}

const r32 = (t: TestMachine, r: number): number => t.m.cpu.reg[r]! >>> 0;
const r16 = (t: TestMachine, r: number): number => t.m.cpu.reg16[r << 1]!;
const bytes = (t: TestMachine, a: number, n: number): number[] => Array.from(t.m.phys.ram.subarray(a, a + n));
const fillBytes = (t: TestMachine, a: number, data: number[]): void => t.m.phys.load(a, Uint8Array.from(data));
const pattern = (n: number, seed = 1): number[] => Array.from({ length: n }, (_, k) => (k * 7 + seed) & 0xff);

describe('MOVS', () => {
  it('MOVSB copies one byte from DS:SI to ES:DI and steps both by 1', () => {
    const t = run16('mov $0x200, %si; mov $0x300, %di; movsb; hlt', (t) => fillBytes(t, 0x200, [0xab]));
    expect(bytes(t, 0x300, 1)).toEqual([0xab]);
    expect([r16(t, ESI), r16(t, EDI)]).toEqual([0x201, 0x301]);
  });

  it('MOVSD with DF = 1 steps both indexes down by 4', () => {
    const t = run32('mov $0x20000, %esi; mov $0x30000, %edi; std; movsl; hlt', (t) => fillBytes(t, 0x20000, [1, 2, 3, 4]));
    expect(bytes(t, 0x30000, 4)).toEqual([1, 2, 3, 4]);
    expect([r32(t, ESI), r32(t, EDI)]).toEqual([0x1fffc, 0x2fffc]);
  });

  it('MOVSW takes its source segment from an override prefix; the destination stays ES', () => {
    const t = run16(`
      mov $0x3000, %ax; mov %ax, %fs; mov $0x4000, %ax; mov %ax, %es
      mov $0x10, %si; mov $0x20, %di; movsw %fs:(%si), %es:(%di); hlt`, (t) => fillBytes(t, 0x30010, [0x34, 0x12]));
    expect(bytes(t, 0x40020, 2)).toEqual([0x34, 0x12]);
  });

  it('REP MOVSB with CX = 0 does nothing', () => {
    const t = run16('mov $0x200, %si; mov $0x300, %di; xor %cx, %cx; rep movsb; hlt', (t) => fillBytes(t, 0x200, [9]));
    expect(bytes(t, 0x300, 1)).toEqual([0]);
    expect([r16(t, ESI), r16(t, EDI), r16(t, ECX)]).toEqual([0x200, 0x300, 0]);
  });

  it('REP MOVSD copies ECX dwords across several pages', () => {
    const data = pattern(3 * 4096 + 12);
    const t = run32('mov $0x200804, %esi; mov $0x300ffc, %edi; mov $3075, %ecx; cld; rep movsl; hlt', (t) => fillBytes(t, 0x200804, data));
    expect(bytes(t, 0x300ffc, data.length)).toEqual(data);
    expect([r32(t, ESI), r32(t, EDI), r32(t, ECX)]).toEqual([0x200804 + 12300, 0x300ffc + 12300, 0]);
  });

  it('REP MOVSB with 16-bit addresses wraps SI and DI at 64 KiB, and uses CX, not ECX', () => {
    const t = run16(`
      mov $0x2000, %ax; mov %ax, %ds
      mov $0x00010004, %ecx; mov $0xfffe, %si; mov $0x100, %di; cld; rep movsb; hlt`, (t) => {
      fillBytes(t, 0x2fffe, [1, 2]);
      fillBytes(t, 0x20000, [3, 4]);
      fillBytes(t, 0x30000, [0xee, 0xee]);
    });
    expect(bytes(t, 0x100, 4)).toEqual([1, 2, 3, 4]);
    expect(r16(t, ESI)).toBe(2);
    expect(r32(t, ECX)).toBe(0x00010000);
  });

  it('REP MOVSB with the destination one byte above the source repeats the first byte (element order)', () => {
    const t = run32('mov $0x200000, %esi; mov $0x200001, %edi; mov $100, %ecx; cld; rep movsb; hlt', (t) => {
      fillBytes(t, 0x200000, pattern(101, 0x40));
    });
    expect(bytes(t, 0x200000, 101)).toEqual(new Array<number>(101).fill(0x40));
  });

  it('REP MOVSD with the destination below an overlapping source copies forward', () => {
    const data = pattern(64);
    const t = run32('mov $0x200008, %esi; mov $0x200000, %edi; mov $14, %ecx; cld; rep movsl; hlt', (t) => fillBytes(t, 0x200000, data));
    expect(bytes(t, 0x200000, 56)).toEqual(data.slice(8, 64));
  });

  it('REP MOVSD overlapping by less than an element copies element by element', () => {
    const data = pattern(64);
    const t = run32('mov $0x200000, %esi; mov $0x200002, %edi; mov $8, %ecx; cld; rep movsl; hlt', (t) => fillBytes(t, 0x200000, data));
    const model = data.slice();
    for (let k = 0; k < 8; k++) {
      const element = model.slice(4 * k, 4 * k + 4); // each element is read whole, then written
      for (let b = 0; b < 4; b++) model[2 + 4 * k + b] = element[b]!;
    }
    expect(bytes(t, 0x200000, 64)).toEqual(model);
  });

  it('fast (DF = 0) and element-by-element (DF = 1) copies give the same bytes and clocks', () => {
    for (const [suffix, size] of [['b', 1], ['w', 2], ['l', 4]] as const) {
      const n = 9000 / size;
      const data = pattern(9000, size);
      const up = run32(`mov $0x200403, %esi; mov $0x300ffd, %edi; mov $${n}, %ecx; cld; rep movs${suffix}; hlt`, (t) => fillBytes(t, 0x200403, data));
      const down = run32(`mov $${0x200403 + 9000 - size}, %esi; mov $${0x300ffd + 9000 - size}, %edi; mov $${n}, %ecx; std; rep movs${suffix}; hlt`,
        (t) => fillBytes(t, 0x200403, data));
      expect(bytes(up, 0x300ffd, 9000)).toEqual(data);
      expect(bytes(down, 0x300ffd, 9000)).toEqual(data);
      expect(up.m.cpu.cycles).toBe(down.m.cpu.cycles);
    }
  });

  it('charges 7 clocks for MOVSB and 5 + 4n for REP MOVSB, however many chunks the REP takes', () => {
    const base = run32('mov $0x200000, %esi; mov $0x300000, %edi; mov $10000, %ecx; hlt').m.cpu.cycles;
    expect(run32('mov $0x200000, %esi; mov $0x300000, %edi; mov $10000, %ecx; movsb; hlt').m.cpu.cycles - base).toBe(7);
    const rep = run32('mov $0x200000, %esi; mov $0x300000, %edi; mov $10000, %ecx; rep movsb; hlt');
    expect(rep.m.cpu.cycles - base).toBe(5 + 4 * 10000);
    expect(r32(rep, ECX)).toBe(0);
  });

  it('REP MOVS and REP STOS on plain RAM copy and fill a page-bounded chunk at a time', () => {
    const t = flat32Big(asm32(`
      mov $0x200800, %esi; mov $0x300800, %edi; mov $8192, %ecx; cld; rep movsb
      mov $0x400000, %edi; mov $2048, %ecx; rep stosl
      hlt`));
    const mem = t.m.cpu.mem8;
    const calls = { copyWithin: 0, fill: 0 };
    const copyWithin = mem.copyWithin.bind(mem), fill = mem.fill.bind(mem);
    mem.copyWithin = (...a) => { calls.copyWithin++; return copyWithin(...a); };
    mem.fill = (...a) => { calls.fill++; return fill(...a); };
    expect(runToHalt(t).reason).toBe('halt');
    // The first element of each new page goes the slow way (it fills the TLB entry), the rest of
    // the page in one call: 0x200800-0x2027FF is three source pages, 8 KiB at most 4096 per call.
    expect(calls.copyWithin).toBeGreaterThan(0);
    expect(calls.copyWithin).toBeLessThanOrEqual(6);
    expect(calls.fill).toBeGreaterThan(0);
    expect(calls.fill).toBeLessThanOrEqual(4);
  });

  it('a REP MOVSB that reaches a not-present page faults with the registers of the bytes copied', () => {
    // rep movsb sits at 0x10010 behind NOP padding; the #PF handler at 0x10100 halts.
    const t = flat32Big(asm32(`
      mov $0x200000, %esi; mov $0x300ff0, %edi; mov $0x20, %ecx; cld
      .org 0x10, 0x90
      rep movsb %es:(%esi), %es:(%edi)
      hlt
      .org 0x100
      hlt`));
    installTables(t.m);
    setGate(t.m, 14, 0x10100);
    enablePaging(t.m, [0x301000]);
    fillBytes(t, 0x200000, pattern(32));
    expect(runToHalt(t).reason).toBe('halt');
    const esp = r32(t, ESP);
    expect(t.m.phys.read32(esp)).toBe(2); // error code: a supervisor write to a not-present page
    expect(t.m.phys.read32(esp + 4)).toBe(0x10010); // the first prefix of the MOVS
    expect(t.m.cpu.cr2 >>> 0).toBe(0x301000);
    expect([r32(t, ECX), r32(t, ESI), r32(t, EDI)]).toEqual([0x10, 0x200010, 0x301000]);
    expect(bytes(t, 0x300ff0, 16)).toEqual(pattern(32).slice(0, 16));
  });

  it('the REP MOVSB resumes where it stopped once the handler maps the page and returns', () => {
    const pte = PT + 0x301 * 4;
    const t = flat32Big(asm32(`
      mov $0x200000, %esi; mov $0x300ff0, %edi; mov $0x20, %ecx; cld
      rep movsb
      hlt
      .org 0x100
      incl 0x7000
      movl $0x301007, ${pte}
      mov %cr3, %eax; mov %eax, %cr3
      add $4, %esp
      iret`));
    installTables(t.m);
    setGate(t.m, 14, 0x10100);
    enablePaging(t.m, [0x301000]);
    fillBytes(t, 0x200000, pattern(32));
    expect(runToHalt(t).reason).toBe('halt');
    expect(t.m.phys.read32(0x7000)).toBe(1);
    expect(bytes(t, 0x300ff0, 32)).toEqual(pattern(32));
    expect([r32(t, ECX), r32(t, ESI), r32(t, EDI)]).toEqual([0, 0x200020, 0x301010]);
  });

  it('a REP MOVS that overwrites the code after it runs the new code (self-modifying code)', () => {
    const t = run32(`
      mov $new, %esi; mov $target, %edi; mov $5, %ecx; cld
      rep movsb
    target:
      mov $1, %eax
      hlt
    new:
      mov $2, %eax`);
    expect(r32(t, EAX)).toBe(2);
  });

  it('a REP STOS that overwrites the code after it runs the new code', () => {
    const t = run32(`
      mov $target, %edi; mov $5, %ecx; mov $0x90, %eax; cld
      rep stosb
    target:
      mov $1, %eax
      hlt`);
    expect(r32(t, EAX)).toBe(0x90);
  });
});

describe('STOS and LODS', () => {
  it('STOSW stores AX at ES:DI', () => {
    const t = run16('mov $0x2000, %ax; mov %ax, %es; mov $0x10, %di; mov $0xbeef, %ax; stosw; hlt');
    expect(bytes(t, 0x20010, 2)).toEqual([0xef, 0xbe]);
    expect(r16(t, EDI)).toBe(0x12);
  });

  it('fast (DF = 0) and element-by-element (DF = 1) fills give the same bytes and clocks', () => {
    const cases = [['b', 1, 0x5a], ['w', 2, 0x1234], ['w', 2, 0x3333], ['l', 4, 0x12345678], ['l', 4, 0], ['l', 4, 0x9a9a9a9a]] as const;
    for (const [suffix, size, value] of cases) {
      const n = 8000 / size;
      const model: number[] = [];
      for (let k = 0; k < n; k++) for (let b = 0; b < size; b++) model.push((value >>> (8 * b)) & 0xff);
      const prefill = (t: TestMachine): void => fillBytes(t, 0x2007fe, new Array<number>(8004).fill(0xee));
      const up = run32(`mov $0x200800, %edi; mov $${n}, %ecx; mov $${value}, %eax; cld; rep stos${suffix}; hlt`, prefill);
      const down = run32(`mov $${0x200800 + 8000 - size}, %edi; mov $${n}, %ecx; mov $${value}, %eax; std; rep stos${suffix}; hlt`, prefill);
      for (const t of [up, down]) {
        expect(bytes(t, 0x200800, 8000)).toEqual(model);
        expect(bytes(t, 0x2007fe, 2)).toEqual([0xee, 0xee]);
        expect(bytes(t, 0x200800 + 8000, 2)).toEqual([0xee, 0xee]);
        expect(r32(t, ECX)).toBe(0);
      }
      expect(r32(up, EDI)).toBe(0x200800 + 8000);
      expect(up.m.cpu.cycles).toBe(down.m.cpu.cycles);
    }
  });

  it('a long REP STOSB yields between chunks, so an interrupt is taken with the registers part-way', () => {
    // IVT vector 8 -> 0000:3000: record CX in DX, count in BX, IRET.
    const t = realMode(asm16('mov $0x2000, %ax; mov %ax, %es; xor %di, %di; mov $10000, %cx; mov $0x5a, %al; cld; sti; rep stosb; hlt'));
    const cpu = t.m.cpu;
    t.m.phys.write16(8 * 4, 0x3000);
    t.m.phys.write16(8 * 4 + 2, 0);
    t.m.phys.load(0x3000, asm16('mov %cx, %dx; inc %bx; iret', 0x3000));
    cpu.irqPending = true;
    cpu.ackIrq = () => {
      cpu.irqPending = false;
      return 8;
    };
    expect(runToHalt(t).reason).toBe('halt');
    expect(r16(t, EBX)).toBe(1);
    expect(r16(t, EDX)).toBe(10000 - 4096);
    expect(r16(t, ECX)).toBe(0);
    expect(cpu.flags & IF).toBe(IF);
    expect(bytes(t, 0x20000, 10001)).toEqual([...new Array<number>(10000).fill(0x5a), 0]);
  });

  it('with TF set, a REP instruction traps after every iteration', () => {
    // IVT vector 1 -> 0000:3000: count traps in BX, IRET (which sets TF again).
    const t = realMode(asm16(`
      mov $0x200, %si; mov $0x300, %di; mov $3, %cx; cld
      pushf; pop %ax; or $0x100, %ax; push %ax; popf
      nop
      rep movsb
      hlt`));
    t.m.phys.write16(1 * 4, 0x3000);
    t.m.phys.write16(1 * 4 + 2, 0);
    t.m.phys.load(0x3000, asm16('inc %bx; iret', 0x3000));
    fillBytes(t, 0x200, [1, 2, 3]);
    expect(runToHalt(t).reason).toBe('halt');
    expect(r16(t, EBX)).toBe(1 + 3); // after the NOP, then after each of the three iterations
    expect(bytes(t, 0x300, 3)).toEqual([1, 2, 3]);
    expect(r16(t, ECX)).toBe(0);
  });

  it('LODSW loads AX from DS:SI; REP LODSB leaves the last byte in AL', () => {
    const t = run16('mov $0x200, %si; lodsw; mov %ax, %bx; mov $3, %cx; rep lodsb; hlt', (t) => fillBytes(t, 0x200, [0x11, 0x22, 0x33, 0x44, 0x55]));
    expect(r16(t, EBX)).toBe(0x2211);
    expect(t.m.cpu.reg8[0]).toBe(0x55);
    expect([r16(t, ESI), r16(t, ECX)]).toEqual([0x205, 0]);
  });

  it('LODSD with DF = 1 steps ESI down by 4', () => {
    const t = run32('mov $0x20000, %esi; std; lodsl; hlt', (t) => fillBytes(t, 0x20000, [1, 2, 3, 4]));
    expect(r32(t, EAX)).toBe(0x04030201);
    expect(r32(t, ESI)).toBe(0x1fffc);
  });
});

describe('CMPS and SCAS', () => {
  const strings = (a: string, b: string) => (t: TestMachine): void => {
    fillBytes(t, 0x20000, [...a].map((c) => c.charCodeAt(0)));
    fillBytes(t, 0x20100, [...b].map((c) => c.charCodeAt(0)));
  };

  it('REPE CMPSB stops after the first difference, with the flags of that comparison', () => {
    const t = run32('mov $0x20000, %esi; mov $0x20100, %edi; mov $11, %ecx; cld; repe cmpsb; hlt', strings('hello world', 'hello there'));
    expect([r32(t, ECX), r32(t, ESI), r32(t, EDI)]).toEqual([4, 0x20007, 0x20107]);
    expect(getZF(t.m.cpu)).toBe(false);
    expect(getCF(t.m.cpu)).toBe(0); // 'w' > 't'
    expect(getSF(t.m.cpu)).toBe(false);
  });

  it('CMPS computes [ESI] - [EDI]: a smaller source byte sets CF and SF', () => {
    const t = run32('mov $0x20000, %esi; mov $0x20100, %edi; mov $3, %ecx; cld; repe cmpsb; hlt', strings('aaa', 'aba'));
    expect(r32(t, ECX)).toBe(1);
    expect(getCF(t.m.cpu)).toBe(1);
    expect(getSF(t.m.cpu)).toBe(true);
  });

  it('REPE CMPSD over equal data runs ECX to 0 with ZF = 1', () => {
    const t = run32('mov $0x20000, %esi; mov $0x20100, %edi; mov $2, %ecx; cld; repe cmpsl; hlt', strings('abcdefgh', 'abcdefgh'));
    expect(r32(t, ECX)).toBe(0);
    expect(getZF(t.m.cpu)).toBe(true);
  });

  it('REPNE CMPSB stops at the first equal pair', () => {
    const t = run32('mov $0x20000, %esi; mov $0x20100, %edi; mov $8, %ecx; cld; repne cmpsb; hlt', strings('abcdefgh', 'xyzdwxyz'));
    expect(r32(t, ECX)).toBe(4);
    expect(getZF(t.m.cpu)).toBe(true);
  });

  it('REPE CMPSB with ECX = 0 compares nothing and leaves the flags alone', () => {
    const t = run32('xor %eax, %eax; inc %eax; mov $0x20000, %esi; mov $0x20100, %edi; xor %ecx, %ecx; cmp $5, %eax; repe cmpsb; hlt');
    expect(getZF(t.m.cpu)).toBe(false);
    expect(getCF(t.m.cpu)).toBe(1);
    expect(r32(t, ESI)).toBe(0x20000);
  });

  it('a REPE CMPSB longer than one chunk still stops at the first difference', () => {
    const t = run32('mov $0x200000, %esi; mov $0x300000, %edi; mov $10000, %ecx; cld; repe cmpsb; hlt', (t) => {
      fillBytes(t, 0x200000, pattern(10000));
      fillBytes(t, 0x300000, pattern(10000));
      t.m.phys.write8(0x300000 + 6000, 0);
    });
    expect(r32(t, ECX)).toBe(10000 - 6001);
    expect(getZF(t.m.cpu)).toBe(false);
  });

  it('REPNE SCASB finds the terminating zero (strlen)', () => {
    const t = run32('mov $0x20000, %edi; xor %eax, %eax; mov $-1, %ecx; cld; repne scasb; not %ecx; dec %ecx; hlt', strings('hello\0', ''));
    expect(r32(t, ECX)).toBe(5);
    expect(r32(t, EDI)).toBe(0x20006);
  });

  it('REPE SCASW skips words equal to AX', () => {
    const t = run16('mov $0x200, %di; mov $0x4141, %ax; mov $4, %cx; cld; repe scasw; hlt', (t) => fillBytes(t, 0x200, [0x41, 0x41, 0x41, 0x41, 0x42, 0x41]));
    expect(r16(t, ECX)).toBe(1);
    expect(r16(t, EDI)).toBe(0x206);
    expect(getZF(t.m.cpu)).toBe(false);
  });
});

/** A device on ports 0x300-0x303 that counts up on reads and records writes. */
class Counter implements PortHandler {
  reads = 0;
  written: number[] = [];
  read8(): number { return 0x10 + this.reads++; }
  write8(_p: number, v: number): void { this.written.push(v); }
  read16(): number { return 0x1000 + this.reads++; }
  write16(_p: number, v: number): void { this.written.push(v); }
}

describe('INS and OUTS', () => {
  it('REP INSB reads port DX into ES:DI, CX times', () => {
    const dev = new Counter();
    const t = run16('mov $0x300, %dx; mov $0x400, %di; mov $5, %cx; cld; rep insb; hlt', (t) => t.m.io.register(0x300, 4, dev));
    expect(bytes(t, 0x400, 5)).toEqual([0x10, 0x11, 0x12, 0x13, 0x14]);
    expect([r16(t, EDI), r16(t, ECX), dev.reads]).toEqual([0x405, 0, 5]);
  });

  it('INSW stores one word and steps DI by 2', () => {
    const dev = new Counter();
    const t = run16('mov $0x300, %dx; mov $0x400, %di; insw; hlt', (t) => t.m.io.register(0x300, 4, dev));
    expect(bytes(t, 0x400, 2)).toEqual([0x00, 0x10]);
    expect(r16(t, EDI)).toBe(0x402);
  });

  it('REP OUTSW writes DS:SI (here FS:SI) to port DX', () => {
    const dev = new Counter();
    const t = run16('mov $0x3000, %ax; mov %ax, %fs; mov $0x300, %dx; mov $0x10, %si; mov $3, %cx; cld; rep outsw %fs:(%si), (%dx); hlt', (t) => {
      t.m.io.register(0x300, 4, dev);
      fillBytes(t, 0x30010, [1, 2, 3, 4, 5, 6]);
    });
    expect(dev.written).toEqual([0x0201, 0x0403, 0x0605]);
    expect(r16(t, ESI)).toBe(0x16);
  });

  it('REP INS with CX = 0 reads nothing from the port', () => {
    const dev = new Counter();
    run16('mov $0x300, %dx; xor %cx, %cx; rep insb; hlt', (t) => t.m.io.register(0x300, 4, dev));
    expect(dev.reads).toBe(0);
  });

  it('an INS whose destination faults does not read the port', () => {
    const dev = new Counter();
    const t = flat32Big(asm32('mov $0x300, %dx; mov $0x300ffe, %edi; mov $4, %ecx; cld; rep insb; hlt'));
    t.m.io.register(0x300, 4, dev);
    t.m.cpu.idtrLimit = 0; // the #PF becomes a triple fault, which stops the machine as the fault left it
    enablePaging(t.m, [0x301000]);
    expect(runToHalt(t).reason).toBe('shutdown');
    expect(dev.reads).toBe(2);
    expect([r32(t, ECX), r32(t, EDI)]).toEqual([2, 0x301000]);
  });
});
