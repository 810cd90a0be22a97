// The decoder and the disassembler cross-checked against GNU objdump over a generated corpus
// (corpus.ts): for every row and group member of the opcode table, in 16- and 32-bit code, with
// random prefixes, ModRM/SIB/displacement forms and immediates. For each instruction the length
// our decoder gives must equal objdump's, and our disassembly must equal objdump's text once both
// are put in one canonical spelling (SYNONYMS, SIZE_SUFFIXED, REWRITES below); where objdump's
// mnemonic carries an operand-size suffix (pushaw, iretd, callw), it must match our operand size.
// Where we and objdump genuinely disagree, the EXCEPTIONS table says why, citing the i386 PRM;
// any other disagreement fails the test, listing each kind once with an example.

import { describe, expect, it } from 'vitest';
import { Vector } from '../../../../emulator/cpu/faults.ts';
import { disassemble } from '../../../../emulator/cpu/disasm.ts';
import { generateCorpus, generateHoles, objdump, type Corpus, type CorpusItem, type ObjdumpLine } from './corpus.ts';

// ---- Canonical spelling -------------------------------------------------------------------------

/** Mnemonic synonyms (objdump's choice → the table's, i386 PRM Appendix A). */
const SYNONYMS: Record<string, string> = {
  // Jcc and SETcc: objdump prefers the "above/greater/equal" names; the opcode map uses B/Z/L forms.
  ...Object.fromEntries(['j', 'set'].flatMap((p) => [
    [`${p}e`, `${p}z`], [`${p}ne`, `${p}nz`], [`${p}c`, `${p}b`], [`${p}nae`, `${p}b`], [`${p}ae`, `${p}nb`],
    [`${p}nc`, `${p}nb`], [`${p}na`, `${p}be`], [`${p}a`, `${p}nbe`], [`${p}nge`, `${p}l`], [`${p}ge`, `${p}nl`],
    [`${p}ng`, `${p}le`], [`${p}g`, `${p}nle`], [`${p}pe`, `${p}p`], [`${p}po`, `${p}np`],
  ])),
  loopz: 'loope', loopnz: 'loopne',
  fwait: 'wait', // 9B: WAIT in the i386 PRM, FWAIT in the 387's
  sal: 'shl', // D0-D3/C0/C1 /6: SAL and SHL are one operation (PRM "SAL/SAR/SHL/SHR"); objdump says shl
  repe: 'repz', repne: 'repnz',
};

/**
 * objdump appends w or d to these when the operand size is not the code's default (pushaw, iretw,
 * callw, sgdtd); the table spells the 32-bit form of some of them with a d (PUSHAD, IRETD).
 */
const SIZE_SUFFIXED = new Set(['pusha', 'popa', 'pushf', 'popf', 'iret', 'ret', 'retf', 'call', 'jmp', 'push', 'pop',
  'sgdt', 'sidt', 'lgdt', 'lidt', 'enter', 'leave']);

/** String instructions: the table names the size in the mnemonic (MOVSB), objdump only in the operands. */
const STRING_OPS = new Set(['movs', 'cmps', 'stos', 'lods', 'scas', 'ins', 'outs']);

/** No-operand instructions whose unsuffixed objdump mnemonic means the code's default operand size. */
const SIZE_BY_NAME_ONLY = new Set(['pusha', 'popa', 'pushf', 'popf', 'iret']);

/**
 * The operand size objdump's mnemonic states (callw: 16, pushad: 32, pusha: the default), or 0
 * when it states none. `raw` is the mnemonic as objdump printed it.
 */
function objdumpOperandSize(raw: string, code32: boolean): number {
  const m = /^(.*)([wd])$/.exec(raw);
  if (m && SIZE_SUFFIXED.has(m[1]!)) return m[2] === 'w' ? 16 : 32;
  return SIZE_BY_NAME_ONLY.has(raw) ? (code32 ? 32 : 16) : 0;
}

function canonicalMnemonic(m: string): string {
  const s = SYNONYMS[m] ?? m;
  const base = s.replace(/[wd]$/, '');
  if (s !== base && SIZE_SUFFIXED.has(base)) return base;
  const str = s.replace(/[bwd]$/, '');
  if (s !== str && STRING_OPS.has(str)) return str;
  return s;
}

/** Prefix words objdump prints for a prefix that changes nothing it shows (they change nothing we print either). */
const SILENT_PREFIXES = new Set(['data16', 'data32', 'addr16', 'addr32']);
const PREFIX_WORDS = new Set(['lock', 'rep', 'repz', 'repe', 'repnz', 'repne', 'es', 'cs', 'ss', 'ds', 'fs', 'gs', 'notrack']);

interface Parsed {
  prefixes: string[];
  mnemonic: string;
  operands: string[];
}

function parse(text: string): Parsed {
  const words = text.trim().split(/\s+/);
  const prefixes: string[] = [];
  while (words.length > 1 && (PREFIX_WORDS.has(words[0]!) || SILENT_PREFIXES.has(words[0]!))) {
    const w = words.shift()!;
    if (!SILENT_PREFIXES.has(w)) prefixes.push(SYNONYMS[w] ?? w);
  }
  const mnemonic = canonicalMnemonic(words.shift() ?? '');
  const rest = words.join(' ');
  return { prefixes, mnemonic, operands: rest === '' ? [] : rest.split(',') };
}

const render = (p: Parsed): string => [...[...p.prefixes].sort(), p.mnemonic, p.operands.join(',')].join(' ').trim();

/**
 * Spellings of objdump's that differ from ours while meaning the same, rewritten into ours.
 * Each entry applies to every instruction; what it changes is narrow enough to be harmless.
 */
function objdumpToOurs(p: Parsed, item: CorpusItem): Parsed {
  const ops = p.operands.map((o) => o
    // A SIB byte whose index field is 4 (no index): objdump shows the "index" as eiz.
    .replace(/\+eiz\*\d/, '')
    .replace(/^((?:\w+ PTR )?)((?:[ecsdfg]s:)?)\[eiz\*\d([+-]0x[0-9a-f]+)\]$/, (_, ptr: string, seg: string, d: string) =>
      `${ptr}${seg || 'ds:'}${d.startsWith('-') ? `0x${((-parseInt(d.slice(1), 16)) >>> 0).toString(16)}` : d.slice(1)}`));
  let prefixes = p.prefixes;
  // 3E on an indirect JMP/CALL is CET's NOTRACK to objdump; to the 386 it is a DS override.
  if (prefixes.includes('notrack')) {
    prefixes = prefixes.filter((w) => w !== 'notrack');
    const m = ops.findIndex((o) => o.includes('['));
    if (m >= 0 && !/[ecsdfg]s:\[/.test(ops[m]!)) ops[m] = ops[m]!.replace('[', 'ds:[');
    else if (m < 0) prefixes = [...prefixes, 'ds'];
  }
  // A branch with a 16-bit operand size wraps its target to 16 bits (PRM "JMP": "IP = (EIP + rel16)
  // AND 0000FFFFH"); objdump prints the unwrapped sum when the offset is past 64K or the
  // displacement is a byte.
  if (item.entry.row.operands.startsWith('J') && item.insn.osize === 16) {
    ops[0] = `0x${(parseInt(ops[0]!, 16) & 0xffff).toString(16)}`;
  }
  const out: Parsed = { prefixes, mnemonic: p.mnemonic, operands: ops };
  const key = rowKey(item);
  const fix = REWRITES[key];
  if (!fix) return out;
  const fixed = fix(out, item);
  if (render(fixed) !== render(out)) REWRITES_USED.add(key);
  return fixed;
}

const rowKey = (item: CorpusItem): string => `${item.entry.row.mnemonic} ${item.entry.row.operands}`.trim();
const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');
const REG32_TO_16: Record<string, string> = { eax: 'ax', ecx: 'cx', edx: 'dx', ebx: 'bx', esp: 'sp', ebp: 'bp', esi: 'si', edi: 'di' };
const word = (o: string): string => REG32_TO_16[o] ?? o;

/** objdump shows a register operand the manual calls Ew at the operand size (`sldt eax`). */
const wordRegAt = (...k: number[]) => (p: Parsed): Parsed => ({ ...p, operands: p.operands.map((o, j) => (k.includes(j) ? word(o) : o)) });

/**
 * Per-row rewrites of objdump's text into the table's notation, where the two print the same
 * instruction differently. Keyed by `MNEMONIC operands` as opcodes.ts writes the row.
 */
const REWRITES: Record<string, (p: Parsed, item: CorpusItem) => Parsed> = {
  // SLDT/STR/SMSW r/m16, MOV r/m16,Sreg, MOV Sreg,r/m16, LAR/LSL r,r/m16: the manual's operand is a
  // word; objdump names a register operand at the operand size (which for the stores says what later
  // processors do with the upper half, zero it; the i386 PRM gives only the r/m16 form).
  'SLDT Ew': wordRegAt(0), 'STR Ew': wordRegAt(0), 'SMSW Ew': wordRegAt(0),
  'MOV Ew,Sw': wordRegAt(0), 'MOV Sw,Ew': wordRegAt(1), 'LAR Gv,Ew': wordRegAt(1), 'LSL Gv,Ew': wordRegAt(1),
  // 90+r: objdump writes `xchg ecx,eax`, the opcode map XCHG eAX,eCX.
  ...Object.fromEntries(['eCX', 'eDX', 'eBX', 'eSP', 'eBP', 'eSI', 'eDI'].map((r) => [
    `XCHG eAX,${r}`, (p: Parsed): Parsed => ({ ...p, operands: [...p.operands].reverse() }),
  ])),
  // 66 90 is `xchg ax,ax` to objdump; the table has one row for 90, NOP, whatever the operand size.
  NOP: (p) => (p.mnemonic === 'xchg' ? { ...p, mnemonic: 'nop', operands: [] } : p),
  // XLAT's implicit operand: objdump prints BYTE PTR ds:[ebx]; the table (and the PRM's XLATB) none.
  // With an override, we print it before the mnemonic, as for any instruction without an operand.
  XLAT: (p, item) => {
    const seg = /([ecsdfg]s):\[/.exec(p.operands[0] ?? '')?.[1];
    return { ...p, operands: [], prefixes: seg && item.insn.segOverride >= 0 ? [...p.prefixes, seg] : p.prefixes };
  },
  // INVLPG m: no size in the PRM; objdump says BYTE PTR.
  'INVLPG M': (p) => ({ ...p, operands: p.operands.map((o) => o.replace(/^BYTE PTR /, '')) }),
};

/** The REWRITES entries that changed objdump's text at least once (each must, or it is stale). */
const REWRITES_USED = new Set<string>();

/** A disagreement our table and objdump are entitled to, with the reason (i386 PRM unless noted). */
interface Exception {
  /** Row key (`MNEMONIC operands`), as REWRITES. */
  row: string;
  /** Which comparison is waived: the text (length still checked), or the length too. */
  waive: 'text' | 'length';
  /** Further restricts the exception to some encodings. */
  when?: (item: CorpusItem, od: ObjdumpLine) => boolean;
  reason: string;
}

const EXCEPTIONS: Exception[] = [
  {
    row: 'ESC Ev', waive: 'text',
    reason: 'D8-DF hand the instruction to the coprocessor (PRM "ESC"); objdump decodes the 387 mnemonic. Only the length is compared.',
  },
  {
    row: 'SALC', waive: 'text',
    reason: 'D6 is undocumented (AL = CF ? FF : 00 on every Intel 386/486); objdump does not decode it and shows (bad) of one byte.',
  },
  {
    row: 'WBINVD', waive: 'text', when: (item) => item.bytes.includes(0x66),
    reason: 'objdump reads 66 before 0F 09 as an SSE-style mandatory prefix and finds no such instruction; on the 486 '
      + 'the operand-size prefix has no effect on WBINVD (i486 PRM "WBINVD"), so our decoder accepts it.',
  },
];

// ---- The comparison -----------------------------------------------------------------------------

interface Report {
  compared: number;
  agreed: number;
  waived: Map<Exception, number>;
  /** Disagreement kind → count and first example. */
  failures: Map<string, { count: number; example: string }>;
}

function compare(corpus: Corpus, lines: Map<number, ObjdumpLine>): Report {
  const report: Report = { compared: 0, agreed: 0, waived: new Map(), failures: new Map() };
  const fail = (kind: string, example: string): void => {
    const f = report.failures.get(kind);
    if (f) f.count++;
    else report.failures.set(kind, { count: 1, example });
  };
  for (const item of corpus.items) {
    report.compared++;
    const key = rowKey(item);
    const od = lines.get(item.offset);
    const ours = disassemble(item.insn, item.offset);
    const where = `${hex(item.bytes)} @${item.offset.toString(16)}`;
    if (!od) {
      fail(`objdump has no instruction at our start: ${key}`, where);
      continue;
    }
    const exc = EXCEPTIONS.find((e) => e.row === key && (!e.when || e.when(item, od)));
    if (od.len !== item.insn.len && exc?.waive !== 'length') {
      fail(`length: ${key}`, `${where}: ours ${item.insn.len} (${ours}), objdump ${od.len} (${od.text})`);
      continue;
    }
    if (exc) {
      report.waived.set(exc, (report.waived.get(exc) ?? 0) + 1);
      continue;
    }
    const raw = od.text.split(/\s+/).find((w) => !PREFIX_WORDS.has(w) && !SILENT_PREFIXES.has(w)) ?? '';
    const size = objdumpOperandSize(raw, corpus.code32);
    if (size !== 0 && size !== item.insn.osize) {
      fail(`operand size: ${key}`, `${where}: ours ${item.insn.osize} (${ours}), objdump "${od.text}"`);
      continue;
    }
    const a = render(parse(ours));
    const b = render(objdumpToOurs(parse(od.text), item));
    if (a !== b) {
      const pa = parse(ours), pb = objdumpToOurs(parse(od.text), item);
      const kind = pa.mnemonic !== pb.mnemonic ? 'mnemonic' : 'operands';
      fail(`${kind}: ${key}`, `${where}: ours "${ours}" → ${a} | objdump "${od.text}" → ${b}`);
      continue;
    }
    report.agreed++;
  }
  return report;
}

function describeFailures(r: Report): string {
  return [...r.failures].map(([k, v]) => `${v.count} × ${k}\n    e.g. ${v.example}`).join('\n');
}

const SEED = 0x386;

/** Both corpora, generated, disassembled by objdump and compared once. */
const RUNS = [16, 32].map((bits) => {
  const corpus = generateCorpus(bits === 32, SEED + bits);
  return { bits, corpus, report: compare(corpus, objdump(corpus.image, bits === 32)) };
});

describe.each(RUNS)('decoding and disassembly agree with objdump ($bits-bit code)', ({ corpus, report }) => {
  it('covers tens of thousands of encodings of every row', () => {
    expect(corpus.items.length).toBeGreaterThan(20000);
    expect(corpus.rejected).toBe(0);
  });

  it('has no disagreement outside the exceptions table', () => {
    expect(describeFailures(report)).toBe('');
    const waived = [...report.waived.values()].reduce((a, b) => a + b, 0);
    expect(report.agreed + waived).toBe(report.compared);
  });
});

describe('the exceptions and rewrite tables', () => {
  it('have no entry that no encoding needs', () => {
    const used = new Set(RUNS.flatMap((r) => [...r.report.waived.keys()]));
    expect(EXCEPTIONS.filter((e) => !used.has(e)).map((e) => e.row)).toEqual([]);
    expect(Object.keys(REWRITES).filter((k) => !REWRITES_USED.has(k))).toEqual([]);
  });
});

// ---- The table's holes ----------------------------------------------------------------------------

/**
 * Two-byte opcodes that are holes on the 386 and 486 but that objdump decodes, because a later
 * processor defined them: they must be #UD here (i386 PRM Appendix A leaves them blank; the i486
 * adds only 0F 01 /7, 0F 08, 0F 09, 0F A2 (late 486s), 0F B0, 0F B1, 0F C0, 0F C1 and 0F C8-CF).
 */
const LATER: ReadonlyArray<readonly [from: number, to: number, by: string]> = [
  [0x05, 0x05, 'SYSCALL (K6)'], [0x07, 0x07, 'SYSRET (K6)'], [0x0b, 0x0b, 'UD2 (Pentium Pro)'],
  [0x0d, 0x0f, '3DNow! PREFETCH/FEMMS (K6-2)'], [0x10, 0x17, 'SSE'], [0x18, 0x1f, 'hint NOPs, PREFETCHh (Pentium Pro, SSE)'],
  [0x28, 0x2f, 'SSE'], [0x30, 0x33, 'WRMSR RDTSC RDMSR RDPMC (Pentium)'], [0x34, 0x35, 'SYSENTER/SYSEXIT (Pentium II)'],
  [0x37, 0x37, 'GETSEC (SMX)'], [0x38, 0x38, 'SSSE3 (three-byte map)'], [0x40, 0x4f, 'CMOVcc (Pentium Pro)'],
  [0x50, 0x7f, 'MMX and SSE'], [0x78, 0x79, 'VMREAD/VMWRITE (VMX)'], [0xa6, 0xa7, 'VIA PadLock'],
  [0xaa, 0xaa, 'RSM (SMM: 386SL/486SL and later)'], [0xae, 0xae, 'FXSAVE and friends (Pentium II)'],
  [0xb9, 0xb9, 'UD1 (documented as undefined)'], [0xc2, 0xc7, 'SSE, MOVNTI, CMPXCHG8B (Pentium)'],
  [0xd0, 0xfe, 'MMX and SSE'], [0xff, 0xff, 'UD0 (documented as undefined)'],
];

/** Group members that objdump decodes as a later processor's instruction. */
const LATER_GROUP_MEMBERS: Record<string, string> = {
  '0F 01 /5': 'SERIALIZE and other register forms of group 7 (later processors)',
  'C6 /7': 'XABORT (TSX)', 'C7 /7': 'XBEGIN (TSX)',
};

const HOLES = [16, 32].map((bits) => {
  const holes = generateHoles(bits === 32, SEED + bits);
  return { bits, holes, lines: objdump(holes.image, bits === 32) };
});

describe.each(HOLES)('the holes of the opcode table ($bits-bit code)', ({ holes, lines }) => {
  it('are #UD to our decoder', () => {
    const accepted = holes.items.filter((h) => h.fault?.vector !== Vector.UD).map((h) => hex(h.bytes));
    expect(accepted).toEqual([]);
  });

  it('are (bad) to objdump too, unless a later processor defined them', () => {
    const surprises = new Set<string>();
    for (const h of holes.items) {
      const text = lines.get(h.offset)?.text ?? '(none)';
      if (/^(?:\w+ )*\(bad\)$/.test(text)) continue;
      const { opcode, reg } = h.entry;
      const name = `${opcode > 0xff ? '0F ' : ''}${(opcode & 0xff).toString(16).padStart(2, '0').toUpperCase()}${reg >= 0 ? ` /${reg}` : ''}`;
      if (reg < 0 && opcode > 0xff && LATER.some(([a, b]) => (opcode & 0xff) >= a && (opcode & 0xff) <= b)) continue;
      if (LATER_GROUP_MEMBERS[name] !== undefined) continue;
      surprises.add(`${name}: objdump "${text}" for ${hex(h.bytes)}`);
    }
    expect([...surprises]).toEqual([]);
  });
});
