// External interrupts as the run loop takes them (emulator/cpu/step.ts, interrupts.ts): INTR
// through cpu.irqPending / cpu.ackIrq, masked by IF; the one-instruction shadow after STI, MOV SS
// and POP SS; and NMI, which IF does not mask but which is held while an NMI handler runs, until
// its IRET (i386 PRM 9.2.1, "NMI Masks Further NMIs"; 9.2.2 and 9.2.3 on IF and the MOV SS /
// POP SS shadow).
//
// Real mode, code at 0000:1000 (16-bit, Intel syntax), the IVT at 0. A test device at port 0x700
// raises NMI when written, and one at 0x701 raises INTR (vector 0x20), so the guest can make an
// interrupt arrive at a chosen instruction.

import { describe, expect, it } from 'vitest';
import { IF } from '../../../../emulator/cpu/state.ts';
import { realMode, runToHalt, type TestMachine } from '../../../harness/cpu.ts';
import { asm16 } from '../../../harness/gas.ts';

const NMI_PORT = 0x700, IRQ_PORT = 0x701, IRQ_VECTOR = 0x20;
const NMI_HANDLER = 0x1400, IRQ_HANDLER = 0x1600;

const rdw = (t: TestMachine, at: number): number => t.m.phys.read16(at);

interface Machine16 {
  t: TestMachine;
  /** How many times the interrupt controller was asked for a vector. */
  acks(): number;
}

/**
 * `main` at 0000:1000, with `nmi` and `irq` handlers behind vectors 2 and 0x20 (each ends in its
 * own IRET) and the two test ports.
 */
function machine(main: string, handlers: { nmi?: string; irq?: string; flags?: number } = {}): Machine16 {
  const t = realMode(asm16(`.intel_syntax noprefix\n${main}`, 0x1000));
  const cpu = t.m.cpu;
  if (handlers.nmi !== undefined) t.m.phys.load(NMI_HANDLER, asm16(`.intel_syntax noprefix\n${handlers.nmi}`, NMI_HANDLER));
  if (handlers.irq !== undefined) t.m.phys.load(IRQ_HANDLER, asm16(`.intel_syntax noprefix\n${handlers.irq}`, IRQ_HANDLER));
  t.m.phys.write16(2 * 4, NMI_HANDLER);
  t.m.phys.write16(2 * 4 + 2, 0);
  t.m.phys.write16(IRQ_VECTOR * 4, IRQ_HANDLER);
  t.m.phys.write16(IRQ_VECTOR * 4 + 2, 0);
  let acks = 0;
  cpu.ackIrq = () => {
    acks++;
    cpu.irqPending = false;
    return IRQ_VECTOR;
  };
  t.m.io.register(NMI_PORT, 1, { read8: () => 0xff, write8: () => { cpu.nmiPending = true; } });
  t.m.io.register(IRQ_PORT, 1, { read8: () => 0xff, write8: () => { cpu.irqPending = true; } });
  cpu.flags |= handlers.flags ?? 0;
  return { t, acks: () => acks };
}

function runHalted(t: TestMachine): void {
  const r = runToHalt(t, 1_000_000);
  expect(r.reason, t.m.cpu.shutdownReason ?? '').toBe('halt');
}

/** Where the instruction after `label:` in the main program lies. */
function at(main: string, label: string): number {
  return 0x1000 + asm16(`.intel_syntax noprefix\n${main.slice(0, main.indexOf(`${label}:`))}`, 0x1000).length;
}

/** An IRQ handler that stores the IP and SP it was entered with at 0x5010 and 0x5012, then returns. */
const RECORD_FRAME = `
  push bp
  mov bp, sp
  mov ax, [bp + 2]
  mov [0x5010], ax
  lea ax, [bp + 2]
  mov [0x5012], ax
  mov ax, ss
  mov [0x5014], ax
  pop bp
  iret`;

// --- INTR -----------------------------------------------------------------------------------------

describe('maskable interrupts (INTR)', () => {
  it('are not taken, nor acknowledged, while IF is clear', () => {
    const { t, acks } = machine('nop; nop; hlt', { irq: 'mov byte ptr [0x5000], 1; iret' });
    t.m.cpu.irqPending = true;
    runHalted(t);
    expect(acks()).toBe(0);
    expect(t.m.phys.read8(0x5000)).toBe(0);
  });

  it('are taken at the next instruction boundary when IF is set, through the vector the controller gives', () => {
    // OUT ends its block, so the interrupt it raises is taken right after it.
    const main = 'mov dx, 0x701; out dx, al; here: mov byte ptr [0x5001], 2; cli; hlt';
    const { t, acks } = machine(main, { irq: RECORD_FRAME, flags: IF });
    runHalted(t);
    expect(acks()).toBe(1);
    expect(rdw(t, 0x5010)).toBe(at(main, 'here'));
    expect(t.m.phys.read8(0x5001)).toBe(2);
  });

  it('STI holds a pending interrupt off for one instruction', () => {
    const main = 'sti; mov byte ptr [0x5001], 1; here: mov byte ptr [0x5002], 1; cli; hlt';
    const { t } = machine(main, { irq: RECORD_FRAME });
    t.m.cpu.irqPending = true;
    runHalted(t);
    expect(rdw(t, 0x5010)).toBe(at(main, 'here'));
  });

  it('STI; HLT: the interrupt is held off until the HLT has run, then wakes it', () => {
    const main = 'sti; hlt; after: mov byte ptr [0x5001], 1; cli; hlt';
    const { t } = machine(main, { irq: RECORD_FRAME });
    t.m.cpu.irqPending = true;
    runHalted(t);
    // Taken after the HLT: the return address is past it, so the program goes on.
    expect(rdw(t, 0x5010)).toBe(at(main, 'after'));
    expect(t.m.phys.read8(0x5001)).toBe(1);
  });

  it('STI when IF is already set makes no new shadow', () => {
    // The second STI runs in the first one's shadow; it must not extend it past itself.
    const main = 'sti; sti; here: nop; cli; hlt';
    const { t } = machine(main, { irq: RECORD_FRAME });
    t.m.cpu.irqPending = true;
    runHalted(t);
    expect(rdw(t, 0x5010)).toBe(at(main, 'here'));
  });

  // In these two the interrupt is pending from the start; the STI's shadow covers the load of SS,
  // whose own shadow must then cover the load of SP.
  it('MOV SS holds interrupts off for one instruction, so MOV SS; MOV SP is never split', () => {
    const main = 'mov ax, 0x100; sti; mov ss, ax; mov sp, 0x800; here: nop; cli; hlt';
    const { t } = machine(main, { irq: RECORD_FRAME });
    t.m.cpu.irqPending = true;
    runHalted(t);
    expect(rdw(t, 0x5010)).toBe(at(main, 'here'));
    expect(rdw(t, 0x5012)).toBe(0x800 - 6); // the frame went on the new stack
    expect(rdw(t, 0x5014)).toBe(0x100);
  });

  it('POP SS holds interrupts off for one instruction too', () => {
    const main = 'push 0x100; sti; pop ss; mov sp, 0x800; here: nop; cli; hlt';
    const { t } = machine(main, { irq: RECORD_FRAME });
    t.m.cpu.irqPending = true;
    runHalted(t);
    expect(rdw(t, 0x5010)).toBe(at(main, 'here'));
    expect(rdw(t, 0x5012)).toBe(0x800 - 6);
  });
});

// --- NMI ------------------------------------------------------------------------------------------

describe('NMI', () => {
  /**
   * Counts its runs at 0x5000. On the first it raises another NMI, then passes an instruction
   * boundary (the JMP ends a block, where a pending interrupt would be taken) and records the count
   * it then sees at 0x5002: 1 if the second NMI was held, 2 if it nested.
   */
  const COUNTING = `
    inc word ptr [0x5000]
    cmp word ptr [0x5000], 1
    jne done
    mov dx, 0x700
    out dx, al
    RAISE_MORE
    jmp next
  next:
    nop
    mov ax, [0x5000]
    mov [0x5002], ax
  done:
    iret`;
  const counting = (more = ''): string => COUNTING.replace('RAISE_MORE', more);

  it('is taken with IF clear, through vector 2', () => {
    const { t } = machine('nop; hlt', { nmi: 'inc word ptr [0x5000]; iret' });
    t.m.cpu.nmiPending = true;
    runHalted(t);
    expect(rdw(t, 0x5000)).toBe(1);
    expect(t.m.cpu.flags & IF).toBe(0);
  });

  it('a second NMI during the handler is held until its IRET, then taken', () => {
    const { t } = machine('nop; nop; hlt', { nmi: counting() });
    t.m.cpu.nmiPending = true;
    runHalted(t);
    expect(rdw(t, 0x5002)).toBe(1); // not nested
    expect(rdw(t, 0x5000)).toBe(2); // but not lost
  });

  it('only one NMI is remembered while held', () => {
    const { t } = machine('nop; nop; hlt', { nmi: counting('out dx, al; jmp more; more: out dx, al') });
    t.m.cpu.nmiPending = true;
    runHalted(t);
    expect(rdw(t, 0x5000)).toBe(2);
  });

  it('INT 2 runs the NMI handler without blocking NMIs: a real NMI nests in it', () => {
    const { t } = machine('int 2; hlt', { nmi: counting() });
    runHalted(t);
    expect(rdw(t, 0x5002)).toBe(2);
  });

  it('wakes a processor halted with IF clear', () => {
    const main = 'hlt; mov byte ptr [0x5004], 1; hlt';
    const { t } = machine(main, { nmi: 'inc word ptr [0x5000]; iret' });
    runHalted(t);
    expect(t.m.phys.read8(0x5004)).toBe(0);
    t.m.cpu.nmiPending = true;
    runHalted(t);
    expect(rdw(t, 0x5000)).toBe(1);
    expect(t.m.phys.read8(0x5004)).toBe(1);
  });

  it('takes precedence over a pending INTR', () => {
    const { t, acks } = machine('nop; cli; hlt', { nmi: 'mov byte ptr [0x5006], 1; iret', irq: 'mov byte ptr [0x5007], 2; iret', flags: IF });
    t.m.cpu.irqPending = true;
    t.m.cpu.nmiPending = true;
    runHalted(t);
    // The NMI handler ran first (IF is clear in it, so INTR waited for its IRET).
    expect(t.m.phys.read8(0x5006)).toBe(1);
    expect(t.m.phys.read8(0x5007)).toBe(2);
    expect(acks()).toBe(1);
  });
});
