// The 486's alignment check: with CR0.AM and EFLAGS.AC set, a misaligned data access at CPL 3
// raises #AC(0) (vector 17, a fault); at CPL 0-2, or on a 386, nothing happens.
import { describe, expect, it } from 'vitest';
import { AC, CR0_AM } from '../../../../emulator/cpu/state.ts';
import { setEflagsMasked } from '../../../../emulator/cpu/flags.ts';
import { updateAccessMasks } from '../../../../emulator/cpu/tlb.ts';
import { flat32, runToHalt } from '../../../harness/cpu.ts';
import { enterRing3, installTables, setGate } from './pm-fixture.ts';

// At 0x20000 (ring 3): mov eax, [0x30001]; mov ebx, 0x55; hlt-equivalent: out to the exit port is
// privileged at CPL 3, so the program ends by INT 0x40 into a ring-0 handler that halts.
const program = [0xa1, 0x01, 0x00, 0x03, 0x00, 0xbb, 0x55, 0x00, 0x00, 0x00, 0xcd, 0x40];
const HANDLER_AC = 0x21000, HANDLER_END = 0x21100;

function run(model: 386 | 486, am: boolean, ac: boolean, ring3 = true): { vector: number; ebx: number; err: number; eip: number } {
  const t = flat32([0xf4], { config: { cpu: model } });
  const m = t.m;
  installTables(m);
  m.phys.load(0x20000, Uint8Array.from(program));
  // #AC handler: record the error code and the pushed EIP, then halt. INT 0x40: halt.
  m.phys.load(HANDLER_AC, Uint8Array.from([0x8b, 0x0c, 0x24, 0x8b, 0x54, 0x24, 0x04, 0xb8, 17, 0, 0, 0, 0xf4]));
  m.phys.load(HANDLER_END, Uint8Array.from([0xb8, 0xff, 0, 0, 0, 0xf4]));
  setGate(m, 17, HANDLER_AC);
  setGate(m, 0x40, HANDLER_END, 3);
  m.phys.write32(0x30000, 0x11223344);
  m.phys.write32(0x30004, 0x55667788);
  if (am) m.cpu.cr0 |= CR0_AM;
  if (ring3) enterRing3(m, 0x20000, 0x70000);
  else m.cpu.eip = 0x20000;
  if (ac) setEflagsMasked(m.cpu, AC, AC);
  updateAccessMasks(m.cpu);
  runToHalt(t);
  const cpu = m.cpu;
  return { vector: cpu.reg[0]!, ebx: cpu.reg[3]!, err: cpu.reg[1]!, eip: cpu.reg[2]! };
}

describe('486 alignment check', () => {
  it('raises #AC(0) for a misaligned dword read at CPL 3 with CR0.AM and EFLAGS.AC set', () => {
    const r = run(486, true, true);
    expect(r.vector).toBe(17);
    expect(r.err).toBe(0);
    expect(r.eip).toBe(0x20000); // a fault: the pushed EIP is the faulting MOV
    expect(r.ebx).toBe(0); // the MOV EBX after it never ran
  });

  it.each([
    ['without CR0.AM', 486, false, true, true],
    ['without EFLAGS.AC', 486, true, false, true],
    ['at CPL 0', 486, true, true, false],
    ['on a 386', 386, true, true, true],
  ] as const)('does nothing %s', (_name, model, am, ac, ring3) => {
    const r = run(model, am, ac, ring3);
    expect(r.vector).toBe(0xff);
    expect(r.ebx).toBe(0x55);
  });
});
