// Runs SingleStepTests MOO tests (80286 real mode, captured on real hardware) on ts386 and
// compares the result with what the chip did.
//
// One test = one instruction: load the 14 registers and the RAM bytes of INIT, run until the HLT
// that follows the instruction (or the HLT the generator put at the jump target or at the
// handler the exception's IVT entry points to), then compare the 14 registers (FINA lists only
// the changed ones) and every RAM byte FINA lists (only changed bytes are listed). Final IP is one
// past the HLT, which is where ts386 leaves EIP after HLT too.
//
// What is masked, and why (README.md has the long version):
//   - FLAGS bits 12-15. In real mode the 286 holds IOPL and NT at 0 (and bit 15 reads 0), whatever
//     INIT says: the generator's random INIT value never reached those bits. We therefore start the
//     386 with them clear (the state the 286 really had) and, because a 386 *does* load IOPL/NT
//     from POPF/IRET in real mode, compare FLAGS with them masked (FLAGS_MASK_NO_IOPL_NT).
//   - Undefined flags: metadata.json's per-opcode "flags-mask" (flagsMaskFor).
//   - The FLAGS word an exception or INT n pushes (at exception.flagAddress): the same mask.
// Bus cycles (CYCL) and the prefetch queue (QUEU) are 286-specific and ignored.
//
// The machine is reused between tests: physical RAM is only cleared where a test wrote it.

import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { Machine } from '../../emulator/machine.ts';
import { getEflags } from '../../emulator/cpu/flags.ts';
import { run } from '../../emulator/cpu/step.ts';
import { CS, DS, ES, SS } from '../../emulator/cpu/registers.ts';
import { EFLAGS_FIXED } from '../../emulator/cpu/state.ts';
import { FLAGS_MASK_NO_IOPL_NT, flagsMaskFor, parseMoo, type MooMetadata, type MooRegs, type MooTest } from './moo.ts';

/** RAM for the conformance machine: real-mode addresses reach 0x10FFEF (FFFF:FFFF, A20 on). */
export const CONFORMANCE_RAM_BYTES = 2 * 1024 * 1024;

/** FLAGS bits that exist on a 386 in real mode below bit 12 (bits 3 and 5 are reserved 0). */
const FLAGS_386_LOW = 0x0fd5;

/** Register names in the order failures are reported, with where each lives in the Cpu. */
const GPR = { ax: 0, cx: 1, dx: 2, bx: 3, sp: 4, bp: 5, si: 6, di: 7 } as const;
const SREG = { es: ES, cs: CS, ss: SS, ds: DS } as const;
const REG_NAMES = ['ax', 'bx', 'cx', 'dx', 'cs', 'ss', 'ds', 'es', 'sp', 'bp', 'si', 'di', 'ip', 'flags'] as const;

const FLAG_LETTERS: Array<[number, string]> = [
  [0x0800, 'OF'], [0x0400, 'DF'], [0x0200, 'IF'], [0x0100, 'TF'], [0x0080, 'SF'], [0x0040, 'ZF'],
  [0x0010, 'AF'], [0x0004, 'PF'], [0x0001, 'CF'],
];

export interface TestOutcome {
  pass: boolean;
  /** One line per difference, e.g. "ax: expected 0x1234, got 0x1235". */
  diffs: string[];
}

export interface TestFailure {
  idx: number;
  name: string;
  hash: string;
  /** Instruction bytes in hex (with the trailing HLT). */
  bytes: string;
  exception?: { number: number; flagAddress: number };
  diffs: string[];
}

export interface FileOutcome {
  file: string;
  mnemonic: string;
  passed: number;
  failed: number;
  /** Tests a known 286-vs-386 difference covers that did not pass (not counted in `total`). */
  skipped: number;
  /** passed + failed. */
  total: number;
  failures: TestFailure[];
  /** Known differences that applied, by reason, with how many tests each covered. */
  skippedBy: Map<string, number>;
}

export interface RunFileOptions {
  /** metadata.json, for the file's undefined-flags mask. */
  metadata?: MooMetadata;
  /** Or the mask itself (overrides metadata). */
  flagsMask?: number;
  /**
   * Classifies a failing test as a known 286-vs-386 difference: returns the reason, or null.
   * Such tests count as skipped, not failed.
   */
  known?: (file: string, test: MooTest) => string | null;
  /** Keep at most this many failures (all are counted). Default 20. */
  maxFailures?: number;
  /** Reuse a machine (see createConformanceMachine). */
  machine?: Machine;
}

/** A machine with enough RAM for every real-mode address the tests use (A20 enabled). */
export function createConformanceMachine(): Machine {
  return new Machine({ memoryBytes: CONFORMANCE_RAM_BYTES });
}

const hex = (v: number, digits: number): string => `0x${(v >>> 0).toString(16).padStart(digits, '0')}`;

function flagNames(bits: number): string {
  const names: string[] = [];
  for (const [bit, name] of FLAG_LETTERS) if (bits & bit) names.push(name);
  return names.join(' ') || 'none';
}

/** The cycle budget for one test: REP string instructions may iterate CX times. */
function cycleBudget(test: MooTest): number {
  for (const b of test.bytes) {
    if (b === 0xf2 || b === 0xf3) return 10_000 + 64 * (test.initial.regs.cx ?? 0);
  }
  return 10_000;
}

/** Loads INIT into the (reset) machine: RAM bytes, then the 14 registers. */
function load(m: Machine, test: MooTest): void {
  const cpu = m.cpu;
  const mem = cpu.mem8;
  for (const [addr, val] of test.initial.ram) mem[addr] = val;
  const r = test.initial.regs as Required<MooRegs>;
  for (const [name, s] of Object.entries(SREG)) {
    const v = r[name as keyof typeof SREG];
    cpu.seg[s] = v;
    cpu.segBase[s] = v << 4;
  }
  for (const [name, n] of Object.entries(GPR)) cpu.reg[n] = r[name as keyof typeof GPR];
  cpu.eip = r.ip;
  // Bits 12-15 cleared: the 286 in real mode never holds IOPL/NT (see the header comment).
  cpu.flags = (r.flags & FLAGS_386_LOW) | EFLAGS_FIXED;
  cpu.lop = 0;
}

/** The machine's value of one of the 14 test registers. */
function actualReg(m: Machine, name: (typeof REG_NAMES)[number]): number {
  const cpu = m.cpu;
  switch (name) {
    case 'ip': return cpu.eip & 0xffff;
    case 'flags': return getEflags(cpu) & 0xffff;
    case 'cs': case 'ss': case 'ds': case 'es': return cpu.seg[SREG[name]]!;
    default: return cpu.reg16[GPR[name] << 1]!;
  }
}

/**
 * Runs one test on `m` (which it resets first; RAM must hold zeros except where earlier tests
 * were cleaned up by clearTestRam) and compares the outcome. `flagsMask` is the AND mask for
 * FLAGS (undefined flags and bits 12-15 cleared).
 */
export function runMooTest(m: Machine, test: MooTest, flagsMask: number): TestOutcome {
  const diffs: string[] = [];
  m.reset();
  load(m, test);
  const budget = cycleBudget(test);
  const cpu = m.cpu;
  const end = cpu.cycles + budget;
  try {
    // The CPU's own run loop, not the board's: Machine.run sleeps through a HLT with IF set until
    // the next device event, while a test ends at its HLT whatever IF says.
    while (!cpu.halted && cpu.cycles < end) {
      cpu.stopRequested = false;
      run(cpu, end);
    }
  } catch (e) {
    // An emulator bug (not a guest fault): report it as this test's failure.
    diffs.push(`emulator threw: ${e instanceof Error ? e.message : String(e)}`);
    return { pass: false, diffs };
  }
  if (cpu.shutdownReason !== null) diffs.push(`shut down: ${cpu.shutdownReason}`);
  else if (!cpu.halted) diffs.push(`did not reach HLT within ${budget} cycles`);

  const init = test.initial.regs;
  const fina = test.final.regs;
  for (const name of REG_NAMES) {
    const expected = fina[name] ?? init[name]!;
    const actual = actualReg(m, name);
    if (name === 'flags') {
      if (((expected ^ actual) & flagsMask) !== 0) {
        diffs.push(`flags: expected ${hex(expected, 4)}, got ${hex(actual, 4)} (differ: ${flagNames((expected ^ actual) & flagsMask)})`);
      }
    } else if (expected !== actual) {
      diffs.push(`${name}: expected ${hex(expected, 4)}, got ${hex(actual, 4)}`);
    }
  }

  const mem = m.cpu.mem8;
  const flagAddr = test.exception?.flagAddress ?? -1;
  const finalRam = new Map<number, number>();
  for (const [addr, val] of test.final.ram) finalRam.set(addr, val);
  for (const [addr, val] of test.final.ram) {
    if (addr === flagAddr || addr === flagAddr + 1) continue; // compared as a word, masked, below
    if (mem[addr] !== val) diffs.push(`ram[${hex(addr, 6)}]: expected ${hex(val, 2)}, got ${hex(mem[addr]!, 2)}`);
  }
  // Bytes INIT gave and FINA does not list must be unchanged.
  for (const [addr, val] of test.initial.ram) {
    if (finalRam.has(addr)) continue;
    if (mem[addr] !== val) diffs.push(`ram[${hex(addr, 6)}]: expected unchanged ${hex(val, 2)}, got ${hex(mem[addr]!, 2)}`);
  }
  if (flagAddr >= 0) {
    const initRam = new Map(test.initial.ram);
    const lo = finalRam.get(flagAddr) ?? initRam.get(flagAddr);
    const hi = finalRam.get(flagAddr + 1) ?? initRam.get(flagAddr + 1);
    if (lo !== undefined && hi !== undefined) {
      const expected = lo | (hi << 8);
      const actual = mem[flagAddr]! | (mem[flagAddr + 1]! << 8);
      if (((expected ^ actual) & flagsMask) !== 0) {
        diffs.push(`pushed flags at ${hex(flagAddr, 6)}: expected ${hex(expected, 4)}, got ${hex(actual, 4)} (differ: ${flagNames((expected ^ actual) & flagsMask)})`);
      }
    }
  }
  return { pass: diffs.length === 0, diffs };
}

/** Zeroes every RAM byte the test's INIT or FINA names (all a correct run can have written). */
export function clearTestRam(m: Machine, test: MooTest): void {
  const mem = m.cpu.mem8;
  for (const [addr] of test.initial.ram) mem[addr] = 0;
  for (const [addr] of test.final.ram) mem[addr] = 0;
}

/** "F7.6.MOO.gz" -> "F7.6". */
export function fileKey(name: string): string {
  return basename(name).replace(/\.MOO(\.gz)?$/i, '');
}

/**
 * Runs every test of one MOO file. `source` is a path or the file's bytes; `name` is the file
 * name (it selects the metadata entry, e.g. "F7.6.MOO.gz").
 */
export function runMooFile(source: string | Uint8Array, name: string, opts: RunFileOptions = {}): FileOutcome {
  const bytes = typeof source === 'string' ? readFileSync(source) : source;
  const moo = parseMoo(bytes);
  const key = fileKey(name);
  const baseMask = opts.flagsMask ?? (opts.metadata ? flagsMaskFor(opts.metadata, name) : 0xffff);
  const mask = baseMask & FLAGS_MASK_NO_IOPL_NT;
  const m = opts.machine ?? createConformanceMachine();
  const maxFailures = opts.maxFailures ?? 20;
  const out: FileOutcome = {
    file: basename(name), mnemonic: moo.mnemonic, passed: 0, failed: 0, skipped: 0, total: 0, failures: [], skippedBy: new Map(),
  };
  for (const test of moo.tests) {
    const r = runMooTest(m, test, mask);
    if (r.pass) {
      out.passed++;
      clearTestRam(m, test);
      continue;
    }
    // A failing run may have written anywhere: start the next test from clean RAM.
    m.cpu.mem8.fill(0);
    const reason = opts.known?.(key, test) ?? null;
    if (reason !== null) {
      out.skipped++;
      out.skippedBy.set(reason, (out.skippedBy.get(reason) ?? 0) + 1);
      continue;
    }
    out.failed++;
    if (out.failures.length < maxFailures) {
      const f: TestFailure = {
        idx: test.idx,
        name: test.name,
        hash: test.hash,
        bytes: test.bytes.map((b) => b.toString(16).padStart(2, '0')).join(' '),
        diffs: r.diffs,
      };
      if (test.exception) f.exception = test.exception;
      out.failures.push(f);
    }
  }
  out.total = out.passed + out.failed;
  return out;
}

/** A failure as printable lines. */
export function formatFailure(f: TestFailure): string[] {
  const exc = f.exception ? `, expects exception ${f.exception.number} (FLAGS pushed at ${hex(f.exception.flagAddress, 6)})` : '';
  return [`  #${f.idx} ${f.name} [${f.bytes}]${exc}`, ...f.diffs.map((d) => `      ${d}`)];
}
