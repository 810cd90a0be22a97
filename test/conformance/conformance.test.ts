// The SingleStepTests 80286 real-mode sample (test/conformance/sample, captured on a real 80C286)
// run through the conformance runner: every test must match what the 286 did, or — where the 286
// and the 386 are documented to differ (known-differences.ts) — the 386's outcome derived from it.
// Also pins the runner's own rules (what is compared, what is masked) and the known-difference
// rewrites on small hand-made tests.

import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMetadata, type MooRegs, type MooTest, FLAGS_MASK_NO_IOPL_NT } from './moo.ts';
import { resolveKnown } from './known-differences.ts';
import { accesses, decode16, modrmOperand } from './insn16.ts';
import {
  clearTestRam, createConformanceMachine, formatFailure, pushedFlagsAddress, runMooFile, runMooTest,
} from './runner.ts';

const SAMPLE = fileURLToPath(new URL('./sample/', import.meta.url));
const FILES = readdirSync(SAMPLE).filter((f) => f.endsWith('.MOO.gz')).sort();
const metadata = loadMetadata(join(SAMPLE, 'metadata.json'));
const machine = createConformanceMachine();

describe('SingleStepTests 80286 real-mode sample', () => {
  it.each(FILES)('%s passes every test (known 286/386 differences checked as the 386 does them)', (file) => {
    const r = runMooFile(join(SAMPLE, file), file, { metadata, machine, known: resolveKnown, maxFailures: 5 });
    expect(r.failures.flatMap(formatFailure)).toEqual([]);
    expect(r.failed).toBe(0);
    expect(r.passed + r.skipped).toBeGreaterThanOrEqual(40);
  });
});

// --- hand-made tests ------------------------------------------------------------------------

const CS0 = 0x1000, IP0 = 0x0100, SS0 = 0x2000, SP0 = 0x0800;
const CODE = CS0 * 16 + IP0;

/** A MOO test of `bytes` (HLT appended) at 1000:0100, registers zero except as given. */
function mk(bytes: number[], o: { regs?: MooRegs; ram?: Array<[number, number]>; final?: MooRegs; finalRam?: Array<[number, number]>; exception?: MooTest['exception'] } = {}): MooTest {
  const all = [...bytes, 0xf4];
  const regs: MooRegs = {
    ax: 0, bx: 0, cx: 0, dx: 0, cs: CS0, ss: SS0, ds: 0x3000, es: 0x4000, sp: SP0, bp: 0, si: 0, di: 0, ip: IP0, flags: 0x0002,
    ...o.regs,
  };
  const t: MooTest = {
    idx: 0,
    name: 'hand-made',
    bytes: all,
    initial: { regs, ram: [...all.map((b, k): [number, number] => [CODE + k, b]), ...(o.ram ?? [])], queue: [] },
    final: { regs: { ip: IP0 + all.length, ...o.final }, ram: o.finalRam ?? [], queue: [] },
    hash: '0'.repeat(40),
  };
  if (o.exception) t.exception = o.exception;
  return t;
}

function run(t: MooTest, mask = FLAGS_MASK_NO_IOPL_NT): string[] {
  const r = runMooTest(machine, t, mask);
  machine.cpu.mem8.fill(0);
  return r.diffs;
}

describe('runner', () => {
  it('passes when registers and RAM end as FINA says (mov [bx],ax)', () => {
    const t = mk([0x89, 0x07], { regs: { ax: 0x1234, bx: 0x10 }, ram: [[0x30010, 0], [0x30011, 0]], finalRam: [[0x30010, 0x34], [0x30011, 0x12]] });
    expect(run(t)).toEqual([]);
  });

  it('reports a register that ends differently', () => {
    const t = mk([0xb8, 0x34, 0x12], { final: { ax: 0x1235 } }); // mov ax,1234h
    expect(run(t)).toEqual(['ax: expected 0x1235, got 0x1234']);
  });

  it('reports a RAM byte FINA lists that ends differently, and an INIT byte that changed', () => {
    const t = mk([0x89, 0x07], { regs: { ax: 0x1234, bx: 0x10 }, ram: [[0x30010, 0], [0x30011, 0x55]], finalRam: [[0x30010, 0x33]] });
    expect(run(t)).toEqual(['ram[0x030010]: expected 0x33, got 0x34', 'ram[0x030011]: expected unchanged 0x55, got 0x12']);
  });

  it('ignores FLAGS bits 12-15 (the 286 holds IOPL/NT at 0 in real mode) and masked flags', () => {
    // NOP with IOPL=3, NT set in INIT: the 286 reports 0x0002 afterwards.
    expect(run(mk([0x90], { regs: { flags: 0x7002 }, final: { flags: 0x0002 } }))).toEqual([]);
    // STC with CF masked out: any CF passes; without the mask it does not.
    const stc = mk([0xf9], { final: { flags: 0x0002 } });
    expect(run(stc, 0x0ffe)).toEqual([]);
    expect(run(stc)).toEqual(['flags: expected 0x0002, got 0x0003 (differ: CF)']);
  });

  it('starts the 386 with IOPL/NT clear, as the 286 really was (PUSHF pushes 0x0002)', () => {
    const at = SS0 * 16 + SP0 - 2;
    expect(run(mk([0x9c], { regs: { flags: 0xf002 }, final: { sp: SP0 - 2 }, finalRam: [[at, 0x02], [at + 1, 0x00]] }))).toEqual([]);
  });

  it('names the vector of an exception the 286 did not raise (every unset IVT entry ends at a HLT)', () => {
    const diffs = run(mk([0xfe, 0xf8])); // FE /7: #UD
    expect(diffs).toContain('(the emulator raised exception 6: the run ended in that vector\'s trap handler)');
  });

  it('finds the pushed FLAGS above the final SS:SP (EXCP rounds odd addresses down)', () => {
    const t = mk([0xcd, 0x21], { regs: { sp: 0x0801 }, final: { sp: 0x07fb } });
    t.exception = { number: 0x21, flagAddress: SS0 * 16 + 0x07fe };
    expect(pushedFlagsAddress(t)).toBe(SS0 * 16 + 0x07ff);
  });

  it('leaves RAM clean for the next test', () => {
    const t = mk([0x89, 0x07], { regs: { ax: 0x1234, bx: 0x10 }, ram: [[0x30010, 0], [0x30011, 0]], finalRam: [[0x30010, 0x34], [0x30011, 0x12]] });
    expect(runMooTest(machine, t, 0x0fff).pass).toBe(true);
    clearTestRam(machine, t);
    expect(machine.cpu.mem8.subarray(0, 0x120000).every((b) => b === 0)).toBe(true);
  });
});

describe('insn16 (what the known differences need to know about an instruction)', () => {
  it('decodes prefixes and the ModRM operand, with SS for BP-based forms and overrides winning', () => {
    const d = decode16([0xf0, 0x26, 0x36, 0x01, 0x42, 0x10, 0xf4]); // lock es ss add [bp+si+10h],ax
    expect(d).toMatchObject({ lock: true, segOverride: 'ss', opcode: 0x01, mod: 1, reg: 0, rm: 2, length: 6 });
    expect(modrmOperand(decode16([0x01, 0x42, 0x10]), [0x01, 0x42, 0x10], { bp: 0xfff0, si: 0x20 })).toEqual({ seg: 'ss', off: 0x20 });
    expect(modrmOperand(decode16([0x8b, 0x07]), [0x8b, 0x07], { bx: 0xffff })).toEqual({ seg: 'ds', off: 0xffff });
  });

  it('lists REP MOVSW accesses per iteration, stepping by DF', () => {
    const t = mk([0xf3, 0xa5], { regs: { cx: 2, si: 0x10, di: 0x20, flags: 0x0402 } });
    expect(accesses(t)).toEqual([
      { seg: 'ds', off: 0x10, len: 2, write: false }, { seg: 'es', off: 0x20, len: 2, write: true },
      { seg: 'ds', off: 0x0e, len: 2, write: false }, { seg: 'es', off: 0x1e, len: 2, write: true },
    ]);
  });
});

describe('known 286-vs-386 differences', () => {
  it('skips instructions longer than 10 bytes that the 286 refused', () => {
    const t = mk([0x26, 0x26, 0x26, 0x26, 0x26, 0x81, 0x84, 0, 0, 0, 0], { exception: { number: 13, flagAddress: 0 } });
    expect(resolveKnown('81.0', t)).toMatchObject({ id: 'length-limit', test: null });
  });

  it('expects #UD for LOCK before a register-destination ADD, with the frame at SS:SP', () => {
    const t = mk([0xf0, 0x01, 0xc0], { regs: { flags: 0x0202 }, final: { flags: 0x0046 } }); // lock add ax,ax
    const r = resolveKnown('01', t)!;
    expect(r.id).toBe('lock');
    const want = r.test!;
    expect(want.exception).toEqual({ number: 6, flagAddress: SS0 * 16 + SP0 - 2 });
    expect(want.final.regs).toMatchObject({ sp: SP0 - 6, flags: 0x0002 });
    expect(run(want)).toEqual([]);
    // LOCK ADD with a memory destination is lockable: not a difference.
    expect(resolveKnown('01', mk([0xf0, 0x01, 0x07]))).toBeNull();
  });

  it('turns a word at SS:FFFF into #SS (12) with registers untouched', () => {
    // pop ds at SP=FFFF: the 286 raised 13; the 386 raises 12.
    const frame = SS0 * 16 + 0xfffd;
    const ivt13: Array<[number, number]> = [[52, 0], [53, 0], [54, 0x00], [55, 0x50], [0x50000, 0xf4]];
    const t = mk([0x1f], {
      regs: { sp: 0xffff }, ram: ivt13, final: { cs: 0x5000, ip: 1, sp: 0xfff9 },
      finalRam: [[frame, 2], [frame + 1, 0], [frame - 2, CS0 & 0xff], [frame - 1, CS0 >> 8], [frame - 4, IP0 & 0xff], [frame - 3, IP0 >> 8]],
      exception: { number: 13, flagAddress: frame },
    });
    const r = resolveKnown('1F', t)!;
    expect(r.id).toBe('pseudo-protection');
    expect(r.test!.exception!.number).toBe(12);
    expect(run(r.test!)).toEqual([]);
  });

  it('keeps the iterations REP MOVSW completed before the fault, and undoes the 286\'s last step', () => {
    // rep movsw, CX=3, SI=FFFB: iterations at FFFB and FFFD complete, the third (FFFF) faults.
    const t = mk([0xf3, 0xa5], {
      regs: { cx: 3, si: 0xfffb, di: 0x100 },
      final: { cx: 0, si: 0x0001, di: 0x106 }, // what a 286 might leave: all three steps taken
      exception: { number: 13, flagAddress: SS0 * 16 + SP0 - 2 },
    });
    const r = resolveKnown('A5', t)!;
    expect(r.id).toBe('pseudo-protection');
    expect(r.test!.final.regs).toMatchObject({ cx: 1, si: 0xffff, di: 0x104 });
    expect(r.test!.exception!.number).toBe(13);
  });
});
