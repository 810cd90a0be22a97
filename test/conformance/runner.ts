// Runs SingleStepTests MOO tests (80286 real mode, captured on real hardware) on ts386 and
// compares the result with what the chip did. README.md beside this file has the long version.
//
// One test = one instruction: point every IVT entry at a trap HLT, load the RAM bytes and the 14
// registers of INIT, run until the CPU halts — at the HLT that follows the instruction, or the
// one the generator put at the jump target or exception handler — then compare the 14 registers
// (FINA lists only the changed ones), every RAM byte FINA lists, and every INIT byte FINA does not
// list (it must be unchanged). Final IP is one past the HLT, where ts386 leaves EIP after HLT too.
//
// What is masked, and why:
//   - FLAGS bits 12-15. In real mode the 286 holds IOPL and NT at 0 (and bit 15 reads 0), whatever
//     INIT says: the generator's random INIT value never reached those bits. We therefore start the
//     386 with them clear (the state the 286 really had) and, because a 386 *does* load IOPL/NT
//     from POPF/IRET in real mode, compare FLAGS with them masked (FLAGS_MASK_NO_IOPL_NT).
//   - Undefined flags: metadata.json's per-opcode "flags-mask" (flagsMaskFor).
//   - The FLAGS word an exception or INT n pushed (pushedFlagsAddress): the same mask.
// Bus cycles (CYCL) and the prefetch queue (QUEU) are 286-specific and ignored. Where a 386 is
// meant to differ, known-differences.ts supplies the 386's outcome (runMooFile's `known`).
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
  /** The expected exception, with where its FLAGS word really is (pushedFlagsAddress). */
  exception?: { number: number; flagAddress: number };
  /** The known difference whose 386 outcome the test was checked against, if any. */
  knownAs?: string;
  diffs: string[];
}

/** How a known difference (known-differences.ts) applied to the tests of a file. */
export interface KnownCount {
  reason: string;
  /** Tests checked against the 386 outcome the entry derives (they count as passed or failed). */
  adapted: number;
  /** Tests skipped because the 386's outcome cannot be derived from the 286's. */
  skipped: number;
}

export interface FileOutcome {
  file: string;
  mnemonic: string;
  passed: number;
  failed: number;
  /** Tests a known difference says cannot be checked on a 386 (not counted in `total`). */
  skipped: number;
  /** passed + failed. */
  total: number;
  failures: TestFailure[];
  /** By known-difference id. */
  known: Map<string, KnownCount>;
}

/** A known 286-vs-386 difference covering a test: the test to check instead, or null to skip. */
export interface KnownResolution {
  id: string;
  reason: string;
  test: MooTest | null;
}

export interface RunFileOptions {
  /** metadata.json, for the file's undefined-flags mask. */
  metadata?: MooMetadata;
  /** Or the mask itself (overrides metadata). */
  flagsMask?: number;
  /** Known 286-vs-386 differences (known-differences.ts resolveKnown). */
  known?: (file: string, test: MooTest) => KnownResolution | null;
  /** Keep at most this many failures (all are counted). Default 20. */
  maxFailures?: number;
  /** Reuse a machine (see createConformanceMachine). */
  machine?: Machine;
  /**
   * Sees every test that ran, with its outcome and the machine as the test left it (before its RAM
   * is cleared): the compiler cross-check compares two runs of a file test by test.
   */
  onTest?: (test: MooTest, outcome: TestOutcome, machine: Machine) => void;
}

/**
 * A machine with enough RAM for every real-mode address the tests use (A20 enabled).
 * `compileAfter` sets cpu.compileAfter (the block compiler's threshold; Infinity: interpreter only).
 */
export function createConformanceMachine(opts: { compileAfter?: number } = {}): Machine {
  const m = new Machine({ memoryBytes: CONFORMANCE_RAM_BYTES });
  if (opts.compileAfter !== undefined) m.cpu.compileAfter = opts.compileAfter;
  return m;
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

/**
 * Where the "unexpected exception" HLT may go: the first of these physical addresses the test
 * does not use. Every IVT entry the test leaves unset points at it, through a different
 * segment:offset per vector (segment X - v, offset 16v + o), so an exception the 286 did not
 * raise still ends at a HLT — instead of running whatever zeros lie at 0000:0000 — and the final
 * CS says which vector it was.
 */
// Each must be below 1 MiB (segment X - v fits in 16 bits) and at least 0x1000 (X >= 255).
const TRAP_CANDIDATES = [0x0ffff0, 0x0a0000, 0x07fff0, 0x04fff0, 0x02fff0, 0x01fff0, 0x00fff0, 0x001000];
const IVT_BYTES = 0x400;

interface Trap {
  /** Physical address of the trap HLT. */
  addr: number;
  /** Its paragraph (X above); offset within it is addr & 15. */
  para: number;
}

function chooseTrap(test: MooTest): Trap {
  const used = new Set<number>();
  for (const [a] of test.initial.ram) used.add(a);
  for (const [a] of test.final.ram) used.add(a);
  const addr = TRAP_CANDIDATES.find((a) => !used.has(a)) ?? TRAP_CANDIDATES[0]!;
  return { addr, para: addr >> 4 };
}

/** Points every IVT entry at the trap HLT (see TRAP_CANDIDATES); load() then writes INIT over it. */
function installTrap(mem: Uint8Array, trap: Trap): void {
  const off0 = trap.addr & 15;
  for (let v = 0; v < 256; v++) {
    const off = 16 * v + off0;
    const seg = trap.para - v;
    mem[4 * v] = off & 0xff;
    mem[4 * v + 1] = off >> 8;
    mem[4 * v + 2] = seg & 0xff;
    mem[4 * v + 3] = seg >> 8;
  }
  mem[trap.addr] = 0xf4; // HLT
}

/** The vector whose trap entry the run ended in, or -1. */
function trapVector(m: Machine, trap: Trap): number {
  const cpu = m.cpu;
  const v = trap.para - cpu.seg[CS]!;
  if (v < 0 || v > 255 || cpu.seg[CS]! * 16 + ((cpu.eip - 1) & 0xffff) !== trap.addr) return -1;
  return v;
}

/** Loads INIT into the (reset) machine: RAM bytes, then the 14 registers. */
function load(m: Machine, test: MooTest, trap: Trap): void {
  const cpu = m.cpu;
  const mem = cpu.mem8;
  installTrap(mem, trap);
  // INIT's own bytes (the IVT entry of the expected exception, data) go over the trap entries.
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
  // Addresses reach 0x10FFEF (FFFF:FFFF): the tests were captured with A20 on.
  m.phys.setA20(true);
  const trap = chooseTrap(test);
  load(m, test, trap);
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
    clearTrap(m, trap);
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
  const flagAddr = test.exception ? pushedFlagsAddress(test) : -1;
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
  if (diffs.length > 0) {
    const v = trapVector(m, trap);
    if (v >= 0) diffs.push(`(the emulator raised exception ${v}: the run ended in that vector's trap handler)`);
  }
  clearTrap(m, trap);
  return { pass: diffs.length === 0, diffs };
}

function clearTrap(m: Machine, trap: Trap): void {
  m.cpu.mem8.fill(0, 0, IVT_BYTES);
  m.cpu.mem8[trap.addr] = 0;
}

/**
 * Where the exception's FLAGS word is: just above the pushed CS and IP at the final SS:SP. The
 * file's EXCP flag address is that address rounded down to even (the 286 bus's word address),
 * one byte too low when SP is odd.
 */
export function pushedFlagsAddress(test: MooTest): number {
  const ss = test.final.regs.ss ?? test.initial.regs.ss!;
  const sp = test.final.regs.sp ?? test.initial.regs.sp!;
  return ss * 16 + ((sp + 4) & 0xffff);
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
    file: basename(name), mnemonic: moo.mnemonic, passed: 0, failed: 0, skipped: 0, total: 0, failures: [], known: new Map(),
  };
  for (const original of moo.tests) {
    let test = original;
    const res = opts.known?.(key, original) ?? null;
    if (res) {
      const count = out.known.get(res.id) ?? { reason: res.reason, adapted: 0, skipped: 0 };
      out.known.set(res.id, count);
      if (res.test === null) {
        count.skipped++;
        out.skipped++;
        continue;
      }
      count.adapted++;
      test = res.test;
    }
    const r = runMooTest(m, test, mask);
    opts.onTest?.(test, r, m);
    if (r.pass) {
      out.passed++;
      clearTestRam(m, test);
      continue;
    }
    // A failing run may have written anywhere: start the next test from clean RAM.
    m.cpu.mem8.fill(0);
    out.failed++;
    if (out.failures.length < maxFailures) {
      const f: TestFailure = {
        idx: test.idx,
        name: test.name,
        hash: test.hash,
        bytes: test.bytes.map((b) => b.toString(16).padStart(2, '0')).join(' '),
        diffs: r.diffs,
      };
      if (test.exception) f.exception = { number: test.exception.number, flagAddress: pushedFlagsAddress(test) };
      if (res) f.knownAs = res.id;
      out.failures.push(f);
    }
  }
  out.total = out.passed + out.failed;
  return out;
}

/** A failure as printable lines. */
export function formatFailure(f: TestFailure): string[] {
  const exc = f.exception ? `, expects exception ${f.exception.number} (FLAGS pushed at ${hex(f.exception.flagAddress, 6)})` : '';
  const known = f.knownAs ? ` (386 outcome per known difference '${f.knownAs}')` : '';
  return [`  #${f.idx} ${f.name} [${f.bytes}]${exc}${known}`, ...f.diffs.map((d) => `      ${d}`)];
}
