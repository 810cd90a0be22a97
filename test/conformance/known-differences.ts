// Where the 80286 the suite was captured on and a 386 are *supposed* to differ.
//
// Each entry names the tests it covers (a predicate on the test, or indices in one file) and
// why the processors differ, citing the manuals. Only architectural differences belong here,
// never an emulator bug. An entry either
//   - rewrites the 286's expected outcome into the 386's (`expect386`): the runner then checks
//     the emulator against the rewritten test, so the 386 rule is verified, not just excused; or
//   - has no `expect386`: the 386's outcome cannot be derived from the 286's (the 286 never ran
//     the instruction), and the test is skipped.
// The first entry that covers a test decides.

import { accesses, crosses, decode16, type Decoded, type SegName } from './insn16.ts';
import type { MooRegs, MooTest } from './moo.ts';

export interface KnownDifference {
  /** Short name, for reports. */
  id: string;
  /** File key ("81.0" for 81.0.MOO.gz), or "*" for every file. */
  file: string;
  /** The tests covered: indices in `file`, or a predicate. */
  tests: readonly number[] | ((t: MooTest) => boolean);
  reason: string;
  /** The test with the 386's expected outcome; null when it cannot be built (then skipped). */
  expect386?: (t: MooTest) => MooTest | null;
}

/** What to do with a test a known difference covers. */
export interface Resolution {
  id: string;
  reason: string;
  /** The test to run instead (386 outcome), or null: skip. */
  test: MooTest | null;
}

// --- helpers -----------------------------------------------------------------------------------

const FLAGS_IF_TF = 0x0300;
const HLT = 0xf4;

/** Physical address of seg:off in real mode (A20 enabled: up to 0x10FFEF). */
const lin = (seg: number, off: number): number => seg * 16 + (off & 0xffff);

const segValue = (r: MooRegs, s: SegName): number => r[s]!;

function clone(t: MooTest): MooTest {
  return structuredClone(t);
}

/** Instruction length without the generator's trailing HLT. */
const insnLength = (t: MooTest): number => t.bytes.length - 1;

const usedAddresses = (t: MooTest): Set<number> =>
  new Set([...t.initial.ram.map(([a]) => a), ...t.final.ram.map(([a]) => a)]);

/**
 * Rewrites `t` to end in exception `vector`, raised by the instruction as a fault (pushed IP =
 * the instruction's first byte) with every register and flag as INIT had it — the 386's precise
 * exceptions (i386 PRM 9.1, "Identifying Interrupts": a fault detected during an instruction "is
 * reported with the machine restored to a state that permits the instruction to be restarted"). `regs` replaces registers the faulting
 * instruction legitimately changed before the fault (completed REP iterations), `keepRam` the RAM
 * it wrote. The handler is the IVT entry INIT gives for `vector`, or a HLT placed here.
 * Returns null when the exception frame itself would reach past offset 0xFFFF (SP = 1, 3 or 5).
 */
function asFault(t: MooTest, vector: number, regs: MooRegs = {}, keepRam: Array<[number, number]> = []): MooTest | null {
  const r = t.initial.regs;
  const sp = r.sp!;
  if (sp === 1 || sp === 3 || sp === 5) return null;
  const out = clone(t);
  const frame = [lin(r.ss!, sp - 2), lin(r.ss!, sp - 4), lin(r.ss!, sp - 6)];
  const initRam = new Map(t.initial.ram);
  const ivt = [0, 1, 2, 3].map((k) => initRam.get(vector * 4 + k));
  let cs: number, ip: number;
  if (ivt.every((b) => b !== undefined) && initRam.get(lin(ivt[2]! | (ivt[3]! << 8), ivt[0]! | (ivt[1]! << 8))) === HLT) {
    ip = ivt[0]! | (ivt[1]! << 8);
    cs = ivt[2]! | (ivt[3]! << 8);
  } else {
    // Put a handler (a HLT) where nothing of the test lies, and point the vector at it.
    const used = usedAddresses(t);
    for (const a of frame) used.add(a), used.add(a + 1);
    const h = [0x0e0000, 0x0d0000, 0x0c0000, 0x0b0000].find((a) => !used.has(a))!;
    cs = h >> 4;
    ip = 0;
    out.initial.ram = out.initial.ram.filter(([a]) => a < vector * 4 || a > vector * 4 + 3);
    out.initial.ram.push([vector * 4, 0], [vector * 4 + 1, 0], [vector * 4 + 2, cs & 0xff], [vector * 4 + 3, cs >> 8], [h, HLT]);
  }
  const flags = (t.initial.regs.flags! & 0x0fff) | 2;
  out.final.regs = { ...regs, cs, ip: (ip + 1) & 0xffff, sp: (sp - 6) & 0xffff, flags: flags & ~FLAGS_IF_TF };
  const push = (a: number, v: number): Array<[number, number]> => [[a, v & 0xff], [a + 1, v >> 8]];
  out.final.ram = [...keepRam.filter(([a]) => !frame.some((f) => a === f || a === f + 1)),
    ...push(frame[0]!, flags), ...push(frame[1]!, r.cs!), ...push(frame[2]!, r.ip!)];
  out.exception = { number: vector, flagAddress: frame[0]! };
  return out;
}

// --- LOCK --------------------------------------------------------------------------------------

/**
 * Can LOCK precede this instruction on a 386? Only the read-modify-write instructions with a
 * memory destination (i386 PRM 14.8.1 "Bus Lock" and LOCK): ADD ADC SUB SBB AND OR XOR (not CMP)
 * NOT NEG INC DEC, and XCHG (BTS BTR BTC are 0F-prefixed, absent from the 286 suite).
 */
function lockable(d: Decoded): boolean {
  if (d.mod === undefined || d.mod === 3) return false;
  const op = d.opcode;
  if (op < 0x40) return (op & 7) < 2 && (op & 0x38) !== 0x38; // ALU Eb,Gb / Ev,Gv, not CMP
  switch (op) {
    case 0x80: case 0x81: case 0x82: case 0x83: return d.reg !== 7; // not CMP
    case 0x86: case 0x87: return true; // XCHG
    case 0xf6: case 0xf7: return d.reg === 2 || d.reg === 3; // NOT, NEG
    case 0xfe: case 0xff: return d.reg === 0 || d.reg === 1; // INC, DEC
    default: return false;
  }
}

// --- pseudo-protection faults (offset 0xFFFF) ------------------------------------------------------

/** Exception vector a 386 raises when an access reaches past offset 0xFFFF in real mode. */
const vector386 = (seg: SegName): number => (seg === 'ss' ? 12 : 13);

/**
 * The 386's outcome for a test whose instruction makes an access past offset 0xFFFF: a fault
 * (#SS for SS, #GP otherwise), raised before the instruction changes anything; for a REP string
 * instruction, after the iterations that completed. Null if the test is not such a case.
 */
function pseudoProtection386(t: MooTest): MooTest | null {
  const a = accesses(t);
  if (!a) return null;
  const index = a.findIndex(crosses);
  if (index < 0) return null;
  const d = decode16(t.bytes);
  const r = t.initial.regs;
  const regs: MooRegs = {};
  let keepRam: Array<[number, number]> = [];
  if (d.opcode === 0xa5 || d.opcode === 0xa6 || d.opcode === 0xaa) {
    // String instructions: the iterations before the faulting one are done (i386 PRM, REP:
    // "the instruction can be restarted ... with the registers as they were after the last
    // completed iteration").
    const perIteration = d.opcode === 0xaa ? 1 : 2;
    const done = Math.floor(index / perIteration);
    const size = d.opcode === 0xa5 ? 2 : 1;
    const delta = ((r.flags! & 0x400) !== 0 ? -size : size) * done;
    if (d.opcode !== 0xaa) regs.si = (r.si! + delta) & 0xffff;
    regs.di = (r.di! + delta) & 0xffff;
    if (d.rep !== 0) regs.cx = (r.cx! - done) & 0xffff;
    // RAM written by the completed iterations (the 286 wrote nothing else before the fault).
    const written = new Set<number>();
    for (const acc of a.slice(0, done * perIteration)) {
      if (acc.write) for (let k = 0; k < acc.len; k++) written.add(lin(segValue(r, acc.seg), acc.off + k));
    }
    keepRam = t.final.ram.filter(([addr]) => written.has(addr));
  }
  return asFault(t, vector386(a[index]!.seg), regs, keepRam);
}

/** Same registers, RAM and exception? (So the 286's outcome is already the 386's.) */
function sameOutcome(a: MooTest, b: MooTest): boolean {
  const regs = (t: MooTest): string => JSON.stringify(Object.entries({ ...t.initial.regs, ...t.final.regs }).sort());
  const ram = (t: MooTest): string => JSON.stringify([...new Map([...t.initial.ram, ...t.final.ram])].sort((x, y) => x[0] - y[0]));
  // Compare what the runner compares: final registers and RAM after the test, with FLAGS
  // bits 12-15 (not compared) ignored.
  const fix = (t: MooTest): MooTest => {
    const c = clone(t);
    for (const s of [c.initial.regs, c.final.regs]) if (s.flags !== undefined) s.flags &= 0x0fff;
    return c;
  };
  const x = fix(a), y = fix(b);
  return regs(x) === regs(y) && ram(x) === ram(y) && a.exception?.number === b.exception?.number;
}

// --- the list ----------------------------------------------------------------------------------

export const KNOWN_DIFFERENCES: readonly KnownDifference[] = [
  {
    id: 'length-limit',
    file: '*',
    // 80286 PRM (real address mode): an instruction longer than 10 bytes (only possible with
    // redundant prefixes) raises exception 13. i386 PRM 17.2 "Instruction Format": the 386's
    // limit is 15 bytes, so it executes the same bytes; the 286 data cannot say what they do.
    tests: (t) => insnLength(t) > 10 && insnLength(t) <= 15 && t.exception?.number === 13,
    reason: 'longer than 10 bytes: #GP on the 286, executed by the 386 (15-byte limit)',
  },
  {
    id: 'lock',
    file: '*',
    // The 286 ignores LOCK before any instruction. i386 PRM 14.8.1 "Bus Lock" and LOCK: "An
    // undefined-opcode exception results from using LOCK before any other instruction" than the
    // read-modify-write ones with a memory destination.
    tests: (t) => {
      const d = decode16(t.bytes);
      return d.lock && !lockable(d);
    },
    reason: 'LOCK before an instruction that cannot be locked: ignored by the 286, #UD (6) on the 386',
    expect386: (t) => asFault(t, 6),
  },
  {
    id: 'fs-gs',
    file: '8E',
    // MOV Sreg with reg = 4/5 names FS/GS, which the 386 added (i386 PRM, MOV; Appendix A): the
    // 286 raises #UD, the 386 loads the register and goes on to the HLT.
    tests: (t) => {
      const d = decode16(t.bytes);
      return t.exception?.number === 6 && (d.reg === 4 || d.reg === 5);
    },
    reason: 'MOV FS/GS: #UD on the 286, the 386 has FS and GS',
    expect386: (t) => {
      const a = accesses(t);
      if (!a || a.some(crosses)) return null; // the load itself would fault: not derivable
      const out = clone(t);
      out.final.regs = { ip: (t.initial.regs.ip! + insnLength(t) + 1) & 0xffff };
      out.final.ram = [];
      delete out.exception;
      return out;
    },
  },
  {
    id: 'pseudo-protection',
    file: '*',
    // A word (or 4-byte) access reaching past offset 0xFFFF. The 286 raises exception 13 for
    // every segment and, for some instructions, after it has already changed registers (POP m16
    // has moved SP, MOVS has stepped SI/DI and CX). i386 PRM 14.1: real-mode pseudo-protection
    // faults are "interrupt 12 or 13": #SS (12) when the access is through SS, #GP (13)
    // otherwise (Intel SDM, real-address-mode exceptions: "#SS If a memory operand effective
    // address is outside the SS segment limit"); and 386 faults are precise (i386 PRM 9.1).
    tests: (t) => {
      if (t.exception?.number !== 13) return false;
      if (decode16(t.bytes).opcode === 0xcd) return false; // INT 0Dh: a software interrupt
      const want = pseudoProtection386(t);
      return want !== null && !sameOutcome(t, want);
    },
    reason: 'offset 0xFFFF overrun: 286 raises 13 for SS too and may have changed registers; the 386 raises #SS for SS and faults precisely',
    expect386: pseudoProtection386,
  },
  {
    id: 'aam-0',
    file: 'D4',
    // AAM 0 divides by zero. The 286 sets SF/ZF/PF (from an unfinished result) before raising
    // #DE, so the FLAGS it pushes and keeps differ from INIT; the 386 reports #DE as a fault, with
    // FLAGS as they were (i386 PRM 9.1; AAM: "#DE if imm8 = 0").
    tests: (t) => t.exception?.number === 0 && decode16(t.bytes).opcode === 0xd4 && !sameOutcome(t, asFault(t, 0) ?? t),
    reason: 'AAM 0: the 286 changes SF/ZF/PF before #DE, the 386 faults with FLAGS unchanged',
    expect386: (t) => asFault(t, 0),
  },
];

/** How to treat `test` of file `file` (e.g. "81.0"), or null if no known difference covers it. */
export function resolveKnown(file: string, test: MooTest): Resolution | null {
  for (const d of KNOWN_DIFFERENCES) {
    if (d.file !== '*' && d.file !== file) continue;
    const covered = typeof d.tests === 'function' ? d.tests(test) : d.tests.includes(test.idx);
    if (!covered) continue;
    return { id: d.id, reason: d.reason, test: d.expect386 ? d.expect386(test) : null };
  }
  return null;
}
