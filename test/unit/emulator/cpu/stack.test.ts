// PUSH POP PUSHA POPA PUSHF POPF ENTER LEAVE (emulator/cpu/ops/stack.ts), run as real encoded
// instructions (GNU as) through the machine until HLT.
import { describe, expect, it } from 'vitest';
import { EAX, EBP, EBX, ECX, EDI, EDX, ES, DS, ESI, ESP, SS } from '../../../../emulator/cpu/registers.ts';
import { getEflags } from '../../../../emulator/cpu/flags.ts';
import { AC, IF, IOPL, RF, TF } from '../../../../emulator/cpu/state.ts';
import { flat32, realMode, runToHalt, type TestMachine } from '../../../harness/cpu.ts';
import { asm16, asm32 } from '../../../harness/gas.ts';
import { enablePaging, enterRing3, enterV86, installTables, setGate } from './pm-fixture.ts';

function run16(src: string, setup?: (t: TestMachine) => void): TestMachine {
  const t = realMode(asm16(src));
  setup?.(t);
  expect(runToHalt(t).reason).toBe('halt');
  return t;
}

function run32(src: string, setup?: (t: TestMachine) => void): TestMachine {
  const t = flat32(asm32(src));
  setup?.(t);
  expect(runToHalt(t).reason).toBe('halt');
  return t;
}

/** Runs a flat32 program that must fault, with no IDT: the triple fault stops the machine with the
 * faulting instruction's state intact (nothing is pushed anywhere). */
function run32Faulting(src: string, setup?: (t: TestMachine) => void): TestMachine {
  const t = flat32(asm32(src));
  t.m.cpu.idtrLimit = 0;
  setup?.(t);
  expect(runToHalt(t).reason).toBe('shutdown');
  return t;
}

const r32 = (t: TestMachine, r: number): number => t.m.cpu.reg[r]! >>> 0;
const r16 = (t: TestMachine, r: number): number => t.m.cpu.reg16[r << 1]!;
const mem32 = (t: TestMachine, a: number): number => t.m.phys.read32(a) >>> 0;
const mem16 = (t: TestMachine, a: number): number => t.m.phys.read16(a);

describe('PUSH and POP of registers and immediates', () => {
  it('PUSH SP pushes SP as it was before the push (the 386 rule)', () => {
    const t = run16('push %sp; pop %ax; hlt');
    expect(r16(t, EAX)).toBe(0xfffe);
    expect(r16(t, ESP)).toBe(0xfffe);
  });

  it('POP ESP leaves ESP holding the popped value, not the value plus 4', () => {
    const t = run32('pushl $0x70000; pop %esp; hlt');
    expect(r32(t, ESP)).toBe(0x70000);
  });

  it('POP SP on a 16-bit operand in 32-bit code replaces only SP', () => {
    const t = run32('pushw $0x1234; pop %sp; hlt');
    expect(r32(t, ESP)).toBe(0x00091234);
  });

  it('PUSH imm8 is sign-extended to the operand size', () => {
    const t32 = run32('push $-2; pop %eax; hlt');
    expect(r32(t32, EAX)).toBe(0xfffffffe);
    expect(r32(t32, ESP)).toBe(0x90000);
    const t16 = run16('push $-2; hlt');
    expect(r16(t16, ESP)).toBe(0xfffc);
    expect(mem16(t16, 0xfffc)).toBe(0xfffe);
  });

  it('PUSH imm16 with an operand-size prefix moves ESP by 2 in 32-bit code', () => {
    const t = run32('pushw $0x1234; hlt');
    expect(r32(t, ESP)).toBe(0x8fffe);
    expect(mem16(t, 0x8fffe)).toBe(0x1234);
  });

  it('PUSH r/m reads an ESP-based operand before ESP moves', () => {
    const t = run32('pushl $0x11223344; pushl (%esp); pop %eax; pop %ebx; hlt');
    expect(r32(t, EAX)).toBe(0x11223344);
    expect(r32(t, EBX)).toBe(0x11223344);
  });

  it('POP [ESP] computes the address after ESP has been incremented', () => {
    const t = run32('pushl $0xaabbccdd; pushl $0x11111111; popl (%esp); hlt');
    expect(r32(t, ESP)).toBe(0x8fffc);
    expect(mem32(t, 0x8fffc)).toBe(0x11111111);
  });

  it('POP [ESP+4] writes 4 bytes above the incremented ESP', () => {
    const t = run32('pushl $1; pushl $2; pushl $3; popl 4(%esp); hlt');
    expect(r32(t, ESP)).toBe(0x8fff8);
    expect(mem32(t, 0x8fffc)).toBe(3);
    expect(mem32(t, 0x8fff8)).toBe(2);
  });

  it('POP r/m with a register operand behaves as POP reg', () => {
    // 8F C0 = pop %eax in its ModRM form.
    const t = run32('pushl $0x55; .byte 0x8f, 0xc0; hlt');
    expect(r32(t, EAX)).toBe(0x55);
    expect(r32(t, ESP)).toBe(0x90000);
  });

  it('a POP to memory that faults leaves ESP as it was', () => {
    const t = run32Faulting('pushl $7; popl 0x301000; hlt', (t) => enablePaging(t.m, [0x301000]));
    expect(r32(t, ESP)).toBe(0x8fffc);
    expect(t.m.cpu.eip).toBe(0x10002);
    expect(t.m.cpu.cr2 >>> 0).toBe(0x301000);
  });
});

describe('PUSH and POP of segment registers', () => {
  it('a 32-bit PUSH Sreg moves ESP by 4 and (386) writes only the selector word', () => {
    const t = run32('pushl $-1; pop %eax; push %ds; hlt');
    expect(r32(t, ESP)).toBe(0x8fffc);
    expect(mem32(t, 0x8fffc)).toBe(0xffff0010);
  });

  it('on the 486 model a 32-bit PUSH Sreg stores the selector zero-extended', () => {
    const t = flat32(asm32('pushl $-1; pop %eax; push %ds; hlt'), { config: { cpu: 486 } });
    expect(runToHalt(t).reason).toBe('halt');
    expect(r32(t, ESP)).toBe(0x8fffc);
    expect(mem32(t, 0x8fffc)).toBe(0x10);
  });

  it('PUSH CS, SS, FS, GS push the right selectors (16-bit)', () => {
    const t = run16('push %cs; push %ss; push %fs; push %gs; hlt', (t) => {
      const cpu = t.m.cpu;
      cpu.seg[4] = 0x4444;
      cpu.seg[5] = 0x5555;
    });
    expect(r16(t, ESP)).toBe(0xfff6);
    expect([mem16(t, 0xfffc), mem16(t, 0xfffa), mem16(t, 0xfff8), mem16(t, 0xfff6)]).toEqual([0, 0, 0x4444, 0x5555]);
  });

  it('POP DS / ES / FS / GS load the selector and base in real mode', () => {
    const t = run16('push $0x1234; pop %ds; push $0x2000; pop %es; push $0x3000; pop %fs; push $0x4000; pop %gs; hlt');
    const cpu = t.m.cpu;
    expect(cpu.seg[DS]).toBe(0x1234);
    expect(cpu.segBase[DS]).toBe(0x12340);
    expect(cpu.seg[ES]).toBe(0x2000);
    expect([cpu.seg[4], cpu.seg[5]]).toEqual([0x3000, 0x4000]);
    expect(r16(t, ESP)).toBe(0xfffe);
  });

  it('POP ES in protected mode loads a descriptor and pops 4 bytes with a 32-bit operand', () => {
    const t = run32('pushl $0x23; pop %es; hlt', (t) => installTables(t.m));
    expect(t.m.cpu.seg[ES]).toBe(0x23);
    expect(t.m.cpu.segDpl[ES]).toBe(3);
    expect(r32(t, ESP)).toBe(0x90000);
  });

  it('a POP DS whose selector faults leaves ESP as it was and reports #GP(selector)', () => {
    const handler = 0x10100;
    const t = flat32(asm32('pushl $0x400; pop %ds; hlt; .org 0x100; hlt'));
    installTables(t.m);
    setGate(t.m, 13, handler);
    expect(runToHalt(t).reason).toBe('halt');
    const esp = r32(t, ESP);
    // Frame: error code, EIP, CS, EFLAGS on the same ring-0 stack, below the pushed selector.
    expect(esp).toBe(0x8fffc - 16);
    expect(mem32(t, esp)).toBe(0x400);
    expect(mem32(t, esp + 4)).toBe(0x10005); // the POP DS
    expect(mem32(t, esp + 16)).toBe(0x400); // the selector is still on the stack
    expect(t.m.cpu.seg[DS]).toBe(0x10);
  });

  it('POP SS holds off an interrupt until the instruction after it has run', () => {
    // IVT vector 8 -> 0000:2000 (HLT). The interrupt becomes pending once SS = 0x100.
    const t = realMode(asm16('push $0x100; pop %ss; mov $0x800, %sp; nop; hlt'));
    const cpu = t.m.cpu;
    t.m.phys.write16(8 * 4, 0x2000);
    t.m.phys.write16(8 * 4 + 2, 0);
    t.m.phys.write8(0x2000, 0xf4);
    let delivered = false;
    cpu.irqPending = true;
    cpu.ackIrq = () => {
      if (cpu.seg[SS] !== 0x100 || delivered) return -1;
      delivered = true;
      cpu.irqPending = false;
      return 8;
    };
    cpu.flags |= IF;
    expect(runToHalt(t).reason).toBe('halt');
    expect(delivered).toBe(true);
    // push 1000, pop ss 1003, mov sp 1004, nop 1007. Taken after MOV SP, before NOP: the pushed IP
    // is the NOP's, on the new stack (without the shadow it would be taken at 1004, on the old one).
    expect(r16(t, ESP)).toBe(0x800 - 6);
    expect(mem16(t, 0x1000 + 0x800 - 6)).toBe(0x1007);
    expect(cpu.eip).toBe(0x2001);
  });
});

describe('PUSHA and POPA', () => {
  it('PUSHA pushes AX CX DX BX, the original SP, BP SI DI', () => {
    const t = run16(`
      mov $0x1111, %ax; mov $0x2222, %cx; mov $0x3333, %dx; mov $0x4444, %bx
      mov $0x5555, %bp; mov $0x6666, %si; mov $0x7777, %di
      pusha; hlt`);
    expect(r16(t, ESP)).toBe(0xfffe - 16);
    const image = Array.from({ length: 8 }, (_, k) => mem16(t, 0xfffe - 16 + 2 * k));
    expect(image).toEqual([0x7777, 0x6666, 0x5555, 0xfffe, 0x4444, 0x3333, 0x2222, 0x1111]);
  });

  it('PUSHAD pushes the eight 32-bit registers with the original ESP', () => {
    const t = run32(`
      mov $0x11111111, %eax; mov $0x22222222, %ecx; mov $0x33333333, %edx; mov $0x44444444, %ebx
      mov $0x55555555, %ebp; mov $0x66666666, %esi; mov $0x77777777, %edi
      pusha; hlt`);
    expect(r32(t, ESP)).toBe(0x90000 - 32);
    const image = Array.from({ length: 8 }, (_, k) => mem32(t, 0x90000 - 32 + 4 * k));
    expect(image).toEqual([0x77777777, 0x66666666, 0x55555555, 0x90000, 0x44444444, 0x33333333, 0x22222222, 0x11111111]);
  });

  it('PUSHAD and POPAD on a stack page the TLB already maps (their direct path) do what the slot-by-slot path does', () => {
    // The PUSH fills the TLB entry of the stack page, so PUSHAD and POPAD take their direct path;
    // the slots and registers must be those of the test above and of POPA below.
    const t = run32(`
      pushl $0
      mov $0x11111111, %eax; mov $0x22222222, %ecx; mov $0x33333333, %edx; mov $0x44444444, %ebx
      mov $0x55555555, %ebp; mov $0x66666666, %esi; mov $0x77777777, %edi
      pusha
      movl $0x12345678, 12(%esp) # the saved ESP: discarded by POPAD
      xor %eax, %eax; xor %ecx, %ecx; xor %edx, %edx; xor %ebx, %ebx; xor %ebp, %ebp; xor %esi, %esi; xor %edi, %edi
      popa
      pusha; hlt`);
    expect(r32(t, ESP)).toBe(0x90000 - 4 - 32);
    const image = Array.from({ length: 8 }, (_, k) => mem32(t, 0x90000 - 4 - 32 + 4 * k));
    expect(image).toEqual([0x77777777, 0x66666666, 0x55555555, 0x90000 - 4, 0x44444444, 0x33333333, 0x22222222, 0x11111111]);
    expect(t.m.cpu.tlbHits).toBeGreaterThanOrEqual(16);
  });

  it('POPA restores every register but SP, and moves SP past all eight slots', () => {
    const t = run16(`
      mov $0x1111, %ax; mov $0x2222, %cx; mov $0x3333, %dx; mov $0x4444, %bx
      mov $0x5555, %bp; mov $0x6666, %si; mov $0x7777, %di
      pusha
      movw $0x1234, %bx; mov %bx, %ss:0xfff4 # the saved SP
      xor %ax, %ax; xor %cx, %cx; xor %dx, %dx; xor %bx, %bx; xor %bp, %bp; xor %si, %si; xor %di, %di
      popa; hlt`);
    expect([EAX, ECX, EDX, EBX, EBP, ESI, EDI].map((r) => r16(t, r))).toEqual([0x1111, 0x2222, 0x3333, 0x4444, 0x5555, 0x6666, 0x7777]);
    expect(r16(t, ESP)).toBe(0xfffe);
  });

  it('POPAD leaves the upper halves alone only for POPA (16-bit): POPAD loads all 32 bits', () => {
    const t = run32('pushl $1; pushl $2; pushl $3; pushl $4; pushl $5; pushl $6; pushl $7; pushl $8; popa; hlt');
    expect([EDI, ESI, EBP, EBX, EDX, ECX, EAX].map((r) => r32(t, r))).toEqual([8, 7, 6, 4, 3, 2, 1]);
    expect(r32(t, ESP)).toBe(0x90000);
  });

  it('PUSHA on a 16-bit stack wraps at 64 KiB slot by slot', () => {
    const t = run16('mov $0x7777, %di; mov $0x1111, %ax; mov $0x000e, %sp; pusha; hlt');
    expect(r16(t, ESP)).toBe(0xfffe);
    expect(mem16(t, 0xfffe)).toBe(0x7777); // DI, the last slot, wrapped to the top of the segment
    expect(mem16(t, 0x000c)).toBe(0x1111); // AX, the first
    expect(mem16(t, 0x0004)).toBe(0x000e); // the original SP
  });

  it('POPA on a 16-bit stack wraps at 64 KiB', () => {
    const t = run16('mov $0xfff8, %sp; popa; hlt', (t) => {
      t.m.phys.write16(0xfff8, 0x0101); // DI
      t.m.phys.write16(0x0006, 0x0808); // AX: slots 4-7 wrapped to 0000-0007
    });
    expect(r16(t, EDI)).toBe(0x0101);
    expect(r16(t, EAX)).toBe(0x0808);
    expect(r16(t, ESP)).toBe(0x0008);
  });

  it('a PUSHAD whose lower slots fault writes nothing and leaves ESP as it was', () => {
    // The stack's top page is mapped, the page below it is not: slots 5-8 fault.
    const t = run32Faulting('mov $0x200010, %esp; mov $0x12345678, %eax; pusha; hlt', (t) => {
      enablePaging(t.m, [0x1ff000]);
      for (let a = 0x200000; a < 0x200010; a += 4) t.m.phys.write32(a, 0x5a5a5a5a);
    });
    expect(r32(t, ESP)).toBe(0x200010);
    expect(t.m.cpu.cr2 >>> 0).toBe(0x1ffffc);
    for (let a = 0x200000; a < 0x200010; a += 4) expect(mem32(t, a)).toBe(0x5a5a5a5a);
  });

  it('a POPAD whose upper slots fault changes no register', () => {
    const t = run32Faulting('mov $0x1ffff0, %esp; mov $0x12345678, %eax; popa; hlt', (t) => enablePaging(t.m, [0x200000]));
    expect(r32(t, ESP)).toBe(0x1ffff0);
    expect(r32(t, EAX)).toBe(0x12345678);
    expect(t.m.cpu.cr2 >>> 0).toBe(0x200000);
  });
});

describe('PUSHF and POPF', () => {
  it('PUSHFD pushes EFLAGS with RF and VM clear', () => {
    const t = run32('stc; pushf; pop %eax; hlt', (t) => { t.m.cpu.flags |= RF; });
    expect(r32(t, EAX) & RF).toBe(0);
    expect(r32(t, EAX) & 1).toBe(1);
    expect(r32(t, EAX) & 2).toBe(2);
  });

  it('PUSHF (16-bit) pushes the low word only', () => {
    const t = run16('stc; pushf; hlt');
    expect(r16(t, ESP)).toBe(0xfffc);
    expect(mem16(t, 0xfffc)).toBe(0x0003);
  });

  it('POPF at CPL 0 may change IOPL and IF', () => {
    const t = run32('pushl $0x3201; popf; hlt');
    expect(getEflags(t.m.cpu) & (IOPL | IF | 1)).toBe(IOPL | IF | 1);
  });

  it('POPF at CPL 3 with IOPL 0 changes neither IOPL nor IF, but does change the arithmetic flags', () => {
    const code = 0x10000;
    const t = flat32(asm32('pushl $0x32c1; popf; pushf; pop %eax; hlt'));
    installTables(t.m);
    setGate(t.m, 13, code + 0x100); // HLT at CPL 3 faults: the handler halts at ring 0
    t.m.phys.write8(code + 0x100, 0xf4);
    enterRing3(t.m, code, 0x90000);
    expect(runToHalt(t).reason).toBe('halt');
    const f = r32(t, EAX);
    expect(f & (IOPL | IF)).toBe(0);
    expect(f & 0xc1).toBe(0xc1); // SF ZF CF
  });

  it('POPF (16-bit) leaves the upper half of EFLAGS alone; POPFD does not (486 AC)', () => {
    const t16 = realMode(asm16('pushw $0; popf; hlt'), { config: { cpu: 486 } });
    t16.m.cpu.flags |= AC;
    expect(runToHalt(t16).reason).toBe('halt');
    expect(getEflags(t16.m.cpu)).toBe(AC | 2);
    const t32 = realMode(asm16('pushl $0; popfl; hlt'), { config: { cpu: 486 } });
    t32.m.cpu.flags |= AC;
    expect(runToHalt(t32).reason).toBe('halt');
    expect(getEflags(t32.m.cpu)).toBe(2);
  });

  it('POPF that sets TF ends the block: the single-step trap follows the next instruction', () => {
    // IVT vector 1 -> 0000:2000 (HLT).
    const t = realMode(asm16('pushf; pop %ax; or $0x100, %ax; push %ax; popf; nop; nop; nop; hlt'));
    t.m.phys.write16(1 * 4, 0x2000);
    t.m.phys.write16(1 * 4 + 2, 0);
    t.m.phys.write8(0x2000, 0xf4);
    expect(runToHalt(t).reason).toBe('halt');
    // pushf 1000, pop 1001, or 1002, push 1005, popf 1006: the NOP at 1007 runs, then #DB with
    // the pushed IP = 1008 (without the block exit the whole block would run untraced).
    expect(mem16(t, 0xfffe - 6)).toBe(0x1008);
    expect(mem16(t, 0xfffe - 2) & TF).toBe(TF);
  });

  it('PUSHF and POPF in virtual-8086 mode with IOPL < 3 raise #GP(0)', () => {
    for (const insn of [0x9c, 0x9d]) {
      const t = flat32([]);
      installTables(t.m);
      setGate(t.m, 13, 0x3000);
      t.m.phys.load(0x3000, Uint8Array.from([0xf4]));
      t.m.phys.load(0x20000, Uint8Array.from([insn, 0xf4]));
      enterV86(t.m, 0x2000, 0, 0x100);
      expect(runToHalt(t).reason).toBe('halt');
      expect(t.m.cpu.eip).toBe(0x3001);
      // Ring-0 stack from the TSS: error code, EIP, CS, EFLAGS, ESP, SS, ES, DS, FS, GS.
      const esp = r32(t, ESP);
      expect(esp).toBe(0x80000 - 40);
      expect(mem32(t, esp)).toBe(0);
      expect(mem32(t, esp + 4)).toBe(0); // the faulting instruction, at 2000:0000
      expect(mem32(t, esp + 16)).toBe(0x100); // SP unchanged
    }
  });
});

describe('ENTER and LEAVE', () => {
  it('ENTER n,0 pushes EBP, points EBP at it and reserves n bytes', () => {
    const t = run32('mov $0x5000, %ebp; enter $16, $0; hlt');
    expect(mem32(t, 0x8fffc)).toBe(0x5000);
    expect(r32(t, EBP)).toBe(0x8fffc);
    expect(r32(t, ESP)).toBe(0x8fffc - 16);
  });

  it('ENTER n,1 pushes EBP and then the new frame pointer', () => {
    const t = run32('mov $0x5000, %ebp; enter $8, $1; hlt');
    expect(mem32(t, 0x8fffc)).toBe(0x5000);
    expect(mem32(t, 0x8fff8)).toBe(0x8fffc);
    expect(r32(t, EBP)).toBe(0x8fffc);
    expect(r32(t, ESP)).toBe(0x8fff8 - 8);
  });

  it('ENTER n,3 copies two frame pointers from the enclosing frame, then pushes its own', () => {
    const t = run32('mov $0x5000, %ebp; enter $16, $3; hlt', (t) => {
      t.m.phys.write32(0x4ffc, 0xaaaa0001);
      t.m.phys.write32(0x4ff8, 0xaaaa0002);
    });
    expect(mem32(t, 0x8fffc)).toBe(0x5000);
    expect(mem32(t, 0x8fff8)).toBe(0xaaaa0001);
    expect(mem32(t, 0x8fff4)).toBe(0xaaaa0002);
    expect(mem32(t, 0x8fff0)).toBe(0x8fffc);
    expect(r32(t, EBP)).toBe(0x8fffc);
    expect(r32(t, ESP)).toBe(0x8fff0 - 16);
  });

  it('ENTER charges 10, 12 and 15 + 4(L-1) clocks by nesting level', () => {
    const clocks = (level: number): number => {
      const t = run32(`mov $0x5000, %ebp; enter $4, $${level}; hlt`);
      const base = run32('mov $0x5000, %ebp; hlt');
      return t.m.cpu.cycles - base.m.cpu.cycles;
    };
    expect([clocks(0), clocks(1), clocks(3)]).toEqual([10, 12, 23]);
  });

  it('ENTER takes the nesting level modulo 32', () => {
    const t = run32('mov $0x5000, %ebp; enter $0, $33; hlt');
    expect(r32(t, ESP)).toBe(0x8fff8);
  });

  it('ENTER with 16-bit operands uses BP and SP', () => {
    const t = run16('mov $0x5000, %bp; enter $4, $2; hlt', (t) => t.m.phys.write16(0x4ffe, 0xbeef));
    expect(mem16(t, 0xfffc)).toBe(0x5000);
    expect(mem16(t, 0xfffa)).toBe(0xbeef);
    expect(mem16(t, 0xfff8)).toBe(0xfffc);
    expect(r16(t, EBP)).toBe(0xfffc);
    expect(r16(t, ESP)).toBe(0xfff8 - 4);
  });

  it('an ENTER whose frame reaches an unmapped page writes nothing and changes no register', () => {
    const t = run32Faulting('mov $0x200008, %esp; mov $0x5000, %ebp; enter $0, $3; hlt', (t) => {
      enablePaging(t.m, [0x1ff000]);
      t.m.phys.write32(0x200004, 0x5a5a5a5a);
    });
    expect(r32(t, ESP)).toBe(0x200008);
    expect(r32(t, EBP)).toBe(0x5000);
    expect(mem32(t, 0x200004)).toBe(0x5a5a5a5a);
  });

  it('an ENTER whose frame-pointer copy reads an unmapped page writes nothing', () => {
    const t = run32Faulting('mov $0x301000, %ebp; enter $0, $2; hlt', (t) => enablePaging(t.m, [0x300000]));
    expect(r32(t, ESP)).toBe(0x90000);
    expect(mem32(t, 0x8fffc)).toBe(0);
    expect(t.m.cpu.cr2 >>> 0).toBe(0x300ffc);
  });

  it('LEAVE undoes ENTER', () => {
    const t = run32('mov $0x5000, %ebp; enter $32, $2; leave; hlt');
    expect(r32(t, EBP)).toBe(0x5000);
    expect(r32(t, ESP)).toBe(0x90000);
  });

  it('LEAVE on a 16-bit stack copies BP to SP only', () => {
    const t = run16('mov $0x12340000, %esp; mov $0xabcd0100, %ebp; leave; hlt', (t) => t.m.phys.write16(0x100, 0x4321));
    expect(r32(t, ESP)).toBe(0x12340102);
    expect(r32(t, EBP)).toBe(0xabcd4321);
  });

  it('a LEAVE whose pop faults changes neither ESP nor EBP', () => {
    const t = run32Faulting('mov $0x300ffe, %ebp; leave; hlt', (t) => enablePaging(t.m, [0x301000]));
    expect(r32(t, ESP)).toBe(0x90000);
    expect(r32(t, EBP)).toBe(0x300ffe);
  });
});
