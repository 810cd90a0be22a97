// Cross-check of the shift, multiply/divide and BCD handlers against the SingleStepTests 80286
// real-mode sample (test/conformance/sample, captured on a real 80C286). Each test loads the INIT
// registers and RAM, runs to the HLT that follows the instruction, and compares every register and
// the FINA RAM, with FLAGS masked by metadata.json's flags-mask (flags the 286 leaves undefined) and
// bits 12-15 (IOPL and NT, which a 386 keeps in real mode and a 286 reads as 0).
//
// Tests with a LOCK prefix are skipped: the 286 ignores it, the 386 raises #UD.
//
// Exception tests (#DE from DIV/IDIV/AAM 0, #GP/#SS from a word at offset FFFF) are run too: the
// sample's IVT entry points at a HLT, so delivery through the real-mode IVT is compared like any
// other result. The FLAGS word the exception pushed (at exception.flagAddress) is compared under the
// same mask. One difference is allowed there: before raising #DE the 286 has already changed some
// arithmetic flags, while ts386 (like the 386's precise exceptions) leaves FLAGS as they were; so for
// #DE the arithmetic flags of the pushed word and of FLAGS afterwards are not compared.
//
// Set MOO_FULL=1 to run the complete files from ../shared/conformance/80286/v1_real_mode instead of
// the sample (5000 tests a file), and MOO_LOG=1 to print every failing test.

import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FLAGS_MASK_NO_IOPL_NT, flagsMaskFor, loadMetadata, parseMoo, type MooRegs, type MooTest } from '../../../conformance/moo.ts';
import { newMachine, type TestMachine } from '../../../harness/cpu.ts';
import { getEflags } from '../../../../emulator/cpu/flags.ts';
import { loadSegmentReal } from '../../../../emulator/cpu/segments.ts';
import { CS, DS, ES, SS } from '../../../../emulator/cpu/registers.ts';
import { ARITH_FLAGS } from '../../../../emulator/cpu/state.ts';

const SAMPLE = fileURLToPath(new URL('../../../conformance/sample/', import.meta.url));
const FULL = fileURLToPath(new URL('../../../../../shared/conformance/80286/v1_real_mode/', import.meta.url));
const DIR = process.env.MOO_FULL && existsSync(FULL) ? FULL : SAMPLE;
const meta = loadMetadata(`${SAMPLE}metadata.json`);

/** The sample files of this helper's families: BCD, shifts/rotates, MUL/IMUL/DIV/IDIV, AAM. */
const FILES = [
  '27', '2F', '37', '3F', 'D4',
  'C1.7', 'D0.0', 'D1.7', 'D3.4', 'D3.5',
  'F7.4', 'F7.5', 'F7.6', 'F7.7',
];

// MooRegs name -> index in cpu.reg16 (register r's low word is reg16[r << 1]).
const GPR: Array<[keyof MooRegs, number]> = [
  ['ax', 0], ['cx', 1], ['dx', 2], ['bx', 3], ['sp', 4], ['bp', 5], ['si', 6], ['di', 7],
];
const SEGS: Array<[keyof MooRegs, number]> = [['es', ES], ['cs', CS], ['ss', SS], ['ds', DS]];

function load(t: TestMachine, test: MooTest): void {
  const m = t.m;
  const cpu = m.cpu;
  m.reset();
  const r = test.initial.regs;
  // Real mode, A20 open (the reset state), every register from INIT.
  for (const [name, k] of GPR) cpu.reg[k] = r[name]!;
  // FLAGS: bit 1 reads 1, bits 3, 5 and 15 are reserved 0 on the 386.
  cpu.lop = 0;
  cpu.flags = (r.flags! & 0x7fd7) | 2;
  for (const [name, s] of SEGS) loadSegmentReal(cpu, s, r[name]!);
  // Real mode puts no type on CS: the 386 writes through a CS override as through any segment.
  // loadSegmentReal keeps CS's code type (and so makes it read-only); undo that here.
  cpu.segWMax[CS] = cpu.segMax[CS]!;
  cpu.eip = r.ip!;
  for (const [addr, v] of test.initial.ram) m.phys.write8(addr, v);
}

interface Mismatch { what: string; expected: string; actual: string }

function check(t: TestMachine, test: MooTest, flagsMask: number): Mismatch[] {
  const cpu = t.m.cpu;
  const out: Mismatch[] = [];
  const hex = (v: number): string => v.toString(16).padStart(4, '0');
  const init = test.initial.regs, fina = test.final.regs;
  let mask = flagsMask & FLAGS_MASK_NO_IOPL_NT;
  if (test.exception?.number === 0) mask &= ~ARITH_FLAGS;
  const exp = (k: keyof MooRegs): number => (fina[k] ?? init[k])!;
  for (const [name, k] of GPR) {
    if (cpu.reg16[k << 1] !== exp(name)) out.push({ what: name, expected: hex(exp(name)), actual: hex(cpu.reg16[k << 1]!) });
  }
  for (const [name, s] of SEGS) {
    if (cpu.seg[s] !== exp(name)) out.push({ what: name, expected: hex(exp(name)), actual: hex(cpu.seg[s]!) });
  }
  if ((cpu.eip & 0xffff) !== exp('ip')) out.push({ what: 'ip', expected: hex(exp('ip')), actual: hex(cpu.eip & 0xffff) });
  const flags = getEflags(cpu) & 0xffff;
  if ((flags & mask) !== (exp('flags') & mask)) {
    out.push({ what: `flags & ${hex(mask)}`, expected: hex(exp('flags') & mask), actual: hex(flags & mask) });
  }
  // Where the exception pushed FLAGS: SS:(SP - 2). (EXCP's flagAddress rounds that down to an even
  // address when SP is odd.)
  const pushed = test.exception ? ((init.ss! << 4) + ((init.sp! - 2) & 0xffff)) : -10;
  const finalRam = new Map(test.final.ram);
  for (const [addr] of test.initial.ram) if (!finalRam.has(addr)) finalRam.set(addr, test.initial.ram.find((e) => e[0] === addr)![1]);
  for (const [addr, v] of finalRam) {
    let byteMask = 0xff;
    if (addr === pushed) byteMask = mask & 0xff;
    else if (addr === pushed + 1) byteMask = (mask >> 8) & 0xff;
    const actual = t.m.phys.read8(addr);
    if ((actual & byteMask) !== (v & byteMask)) {
      out.push({ what: `ram[${addr.toString(16)}]`, expected: (v & byteMask).toString(16), actual: (actual & byteMask).toString(16) });
    }
  }
  return out;
}

describe('80286 conformance sample: shifts, multiply/divide, BCD', () => {
  for (const file of FILES) {
    it(`${file}: every test matches the 286 (undefined flags masked)`, () => {
      const f = parseMoo(readFileSync(`${DIR}${file}.MOO.gz`));
      const flagsMask = flagsMaskFor(meta, file);
      const t = newMachine();
      const failures: string[] = [];
      let run = 0;
      for (const test of f.tests) {
        // The 286 ignores a LOCK prefix on any instruction; the 386 raises #UD for LOCK on one that
        // is not a read-modify-write (i386 PRM, "LOCK"), which none of these instructions is.
        if (test.name.startsWith('lock ')) continue;
        // A word at SS:FFFF: the 286 raises interrupt 13, the 386 #SS (12) for a stack-segment
        // operand (i386 PRM 15.6, "Differences from 8086", item 7). Only the full files have these.
        if (test.exception?.number === 13 && /\[(ss:)?bp/.test(test.name)) continue;
        run++;
        load(t, test);
        const res = t.m.run(10_000);
        const bad = check(t, test, flagsMask);
        if (res.reason !== 'halt') bad.push({ what: 'stop', expected: 'halt', actual: res.reason });
        if (bad.length > 0) {
          failures.push(`#${test.idx} ${test.name} [${test.bytes.map((b) => b.toString(16)).join(' ')}]` +
            `${test.exception ? ` exc ${test.exception.number}` : ''}: ` +
            bad.map((b) => `${b.what} expected ${b.expected} got ${b.actual}`).join(', '));
        }
      }
      if (process.env.MOO_LOG) for (const f of failures) console.log(`${file} ${f}`);
      expect(failures.slice(0, 20), `${failures.length} of ${f.tests.length} failed`).toEqual([]);
      expect(run).toBeGreaterThan(0);
    });
  }
});
