// Reader for SingleStepTests "MOO" CPU test files (format v1.x) and the
// suite's metadata.json.
//
// Format reference: github.com/dbalsom/moo doc/moo_format_v1.md, summarised in
// /work/shared/conformance/80286/NOTES.md. Everything is little-endian. A file
// is a sequence of chunks, each `4-byte ASCII tag + u32 payload length +
// payload`; TEST, INIT and FINA payloads contain further chunks. Per the spec
// we always advance by the declared length (chunks may grow in later format
// revisions) and skip tags we don't know.
//
// This module is CPU-independent: it only turns bytes into plain objects. The
// conformance runner decides how to load them into the emulator and compare.

import { gunzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

/** 16-bit register file. INIT always has all 14; FINA only the changed ones. */
export interface MooRegs {
  ax?: number;
  bx?: number;
  cx?: number;
  dx?: number;
  cs?: number;
  ss?: number;
  ds?: number;
  es?: number;
  sp?: number;
  bp?: number;
  si?: number;
  di?: number;
  ip?: number;
  flags?: number;
}

export interface MooState {
  regs: MooRegs;
  /** [physical address, byte value]. FINA lists only bytes that changed. */
  ram: Array<[number, number]>;
  /** Prefetch queue contents; only relevant for cycle-exact emulation. */
  queue: number[];
}

export interface MooTest {
  /** Index of the test in the file it was generated into (kept when sampling). */
  idx: number;
  /** Disassembly of the instruction, e.g. "add [bx+0Eh],bl". */
  name: string;
  /** Instruction bytes as generated (the 286 set includes the trailing HLT). */
  bytes: number[];
  initial: MooState;
  final: MooState;
  /** Present if the instruction raised an exception or executed INT n. */
  exception?: { number: number; flagAddress: number };
  /** SHA-1 identifying the test (lower-case hex), as used by revocation lists. */
  hash: string;
}

export interface MooFile {
  /** CPU id from the file header with padding removed, e.g. "C286". */
  cpu: string;
  /** Raw opcode from META (0xFFFFFFFF if the file mixes opcodes). */
  opcode: number;
  /** Mnemonic from META with padding removed; may be "" (the 90/NOP file has a blank one). */
  mnemonic: string;
  /** META cpu_mode: 0 = real mode. */
  cpuMode: number;
  tests: MooTest[];
}

// Bit i of a REGS bitmask selects REG_ORDER[i] (spec, "REGS" section).
const REG_ORDER = [
  'ax', 'bx', 'cx', 'dx', 'cs', 'ss', 'ds', 'es', 'sp', 'bp', 'si', 'di', 'ip', 'flags',
] as const satisfies ReadonlyArray<keyof MooRegs>;
const ALL_REGS_MASK = (1 << REG_ORDER.length) - 1; // 0x3FFF

// Fixed payload sizes from the spec. Payloads may be *longer* (future
// extensions), never shorter.
const MOO_HEADER_MIN = 12; // u8 major, u8 minor, 2 reserved, u32 count, 4-char cpu id
const META_MIN = 31; // ver(2) cpu_type(1) opcode(4) mnemonic(8) test_ct(4) seed(8) mode(1) rsvd(3)
const EXCP_MIN = 5; // u8 number, u32 flag address
const HASH_LEN = 20; // SHA-1

/** One chunk located inside a buffer: payload is bytes [body, end). */
interface Chunk {
  tag: string;
  /** Offset of the chunk header (for error messages). */
  at: number;
  body: number;
  end: number;
}

/** Bounds-checked little-endian reader over one decompressed MOO image. */
class Reader {
  readonly bytes: Uint8Array;
  readonly view: DataView;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Throw unless [off, off+n) lies inside [off, limit). */
  need(off: number, n: number, limit: number, what: string): void {
    if (off + n > limit) {
      throw new Error(
        `MOO: truncated data: ${what} needs ${n} bytes at offset ${off}, ` +
          `but only ${Math.max(0, limit - off)} remain`,
      );
    }
  }

  u8(off: number, limit: number, what: string): number {
    this.need(off, 1, limit, what);
    return this.view.getUint8(off);
  }

  u16(off: number, limit: number, what: string): number {
    this.need(off, 2, limit, what);
    return this.view.getUint16(off, true);
  }

  u32(off: number, limit: number, what: string): number {
    this.need(off, 4, limit, what);
    return this.view.getUint32(off, true);
  }

  ascii(off: number, n: number, limit: number, what: string): string {
    this.need(off, n, limit, what);
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCharCode(this.bytes[off + i]!);
    return s;
  }

  /**
   * Iterate the chunks in [start, end). A chunk whose header or declared
   * payload runs past `end` means the data is truncated or corrupt.
   */
  *chunks(start: number, end: number, where: string): Generator<Chunk> {
    let off = start;
    while (off < end) {
      this.need(off, 8, end, `chunk header in ${where}`);
      const tag = this.ascii(off, 4, end, `chunk tag in ${where}`);
      // Tags are 4 printable ASCII characters; anything else means we've lost
      // sync with the chunk structure, and reporting that beats skipping by a
      // garbage length.
      if (!/^[\x20-\x7e]{4}$/.test(tag)) {
        throw new Error(
          `MOO: invalid chunk tag ${JSON.stringify(tag)} at offset ${off} in ${where} (corrupt data?)`,
        );
      }
      const len = this.view.getUint32(off + 4, true);
      const body = off + 8;
      if (body + len > end) {
        throw new Error(
          `MOO: truncated data: chunk '${tag}' at offset ${off} in ${where} declares ` +
            `${len} payload bytes but only ${end - body} remain`,
        );
      }
      yield { tag, at: off, body, end: body + len };
      off = body + len;
    }
  }
}

/** Decompress if the buffer starts with the gzip magic 1F 8B. */
function maybeGunzip(buf: Uint8Array): Uint8Array {
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      return gunzipSync(buf);
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      throw new Error(`MOO: gzip decompression failed (truncated or corrupt .gz?): ${msg}`, {
        cause: err,
      });
    }
  }
  return buf;
}

/** REGS payload: u16 bitmask, then one u16 per set bit in REG_ORDER order. */
function parseRegs(r: Reader, c: Chunk): { regs: MooRegs; mask: number } {
  const mask = r.u16(c.body, c.end, 'REGS bitmask');
  if (mask & ~ALL_REGS_MASK) {
    throw new Error(`MOO: REGS at offset ${c.at} has unknown register bits 0x${mask.toString(16)}`);
  }
  const regs: MooRegs = {};
  let off = c.body + 2;
  for (let i = 0; i < REG_ORDER.length; i++) {
    if (mask & (1 << i)) {
      regs[REG_ORDER[i]!] = r.u16(off, c.end, `REGS value '${REG_ORDER[i]}'`);
      off += 2;
    }
  }
  return { regs, mask };
}

/** RAM payload: u32 count, then count × {u32 address, u8 value}. */
function parseRam(r: Reader, c: Chunk): Array<[number, number]> {
  const count = r.u32(c.body, c.end, 'RAM entry count');
  r.need(c.body + 4, count * 5, c.end, `RAM with ${count} entries`);
  const ram: Array<[number, number]> = new Array(count);
  for (let i = 0, off = c.body + 4; i < count; i++, off += 5) {
    ram[i] = [r.view.getUint32(off, true), r.view.getUint8(off + 4)];
  }
  return ram;
}

/** NAME / BYTS / QUEU payload: a redundant u32 length, then that many bytes. */
function lengthPrefixed(r: Reader, c: Chunk): Uint8Array {
  const n = r.u32(c.body, c.end, `'${c.tag}' length`);
  r.need(c.body + 4, n, c.end, `'${c.tag}' data`);
  return r.bytes.subarray(c.body + 4, c.body + 4 + n);
}

/** INIT or FINA: a container of REGS, RAM and optional QUEU (others skipped). */
function parseState(r: Reader, c: Chunk, where: string): { state: MooState; mask: number } {
  let regs: { regs: MooRegs; mask: number } | undefined;
  let ram: Array<[number, number]> | undefined;
  let queue: number[] = [];
  for (const sub of r.chunks(c.body, c.end, where)) {
    switch (sub.tag) {
      case 'REGS':
        regs = parseRegs(r, sub);
        break;
      case 'RAM ':
        ram = parseRam(r, sub);
        break;
      case 'QUEU':
        queue = Array.from(lengthPrefixed(r, sub));
        break;
      case 'RG32':
        // 386 test files carry 32-bit registers; MooRegs can't represent them,
        // and silently returning empty registers would make every test "pass".
        throw new Error(`MOO: ${where} uses RG32 (32-bit registers), which this reader does not support`);
      default:
        break; // RMSK, EA32, future chunks: not needed here
    }
  }
  if (!regs) throw new Error(`MOO: ${where} has no REGS chunk`);
  if (!ram) throw new Error(`MOO: ${where} has no 'RAM ' chunk`);
  return { state: { regs: regs.regs, ram, queue }, mask: regs.mask };
}

function parseTest(r: Reader, c: Chunk, position: number): MooTest {
  const idx = r.u32(c.body, c.end, 'TEST index');
  const where = `TEST #${position} (idx ${idx}) at offset ${c.at}`;
  let name: string | undefined;
  let bytes: number[] | undefined;
  let initial: MooState | undefined;
  let final: MooState | undefined;
  let exception: MooTest['exception'];
  let hash: string | undefined;

  for (const sub of r.chunks(c.body + 4, c.end, where)) {
    switch (sub.tag) {
      case 'NAME': {
        const raw = lengthPrefixed(r, sub);
        name = String.fromCharCode(...raw);
        break;
      }
      case 'BYTS':
        bytes = Array.from(lengthPrefixed(r, sub));
        break;
      case 'INIT': {
        const s = parseState(r, sub, `${where} INIT`);
        // The initial state must define every register, or the runner would
        // start from whatever the emulator happened to hold.
        if (s.mask !== ALL_REGS_MASK) {
          throw new Error(
            `MOO: ${where} INIT REGS mask is 0x${s.mask.toString(16)}, expected 0x${ALL_REGS_MASK.toString(16)}`,
          );
        }
        initial = s.state;
        break;
      }
      case 'FINA':
        final = parseState(r, sub, `${where} FINA`).state;
        break;
      case 'EXCP':
        r.need(sub.body, EXCP_MIN, sub.end, 'EXCP payload');
        exception = {
          number: r.view.getUint8(sub.body),
          flagAddress: r.view.getUint32(sub.body + 1, true),
        };
        break;
      case 'HASH': {
        r.need(sub.body, HASH_LEN, sub.end, 'HASH payload');
        hash = Array.from(r.bytes.subarray(sub.body, sub.body + HASH_LEN), (b) =>
          b.toString(16).padStart(2, '0'),
        ).join('');
        break;
      }
      default:
        break; // GMET (generator seed), CYCL (bus cycles), IDX, future chunks
    }
  }

  const missing = [
    name === undefined && 'NAME',
    bytes === undefined && 'BYTS',
    initial === undefined && 'INIT',
    final === undefined && 'FINA',
    hash === undefined && 'HASH',
  ].filter(Boolean);
  if (missing.length > 0) {
    throw new Error(`MOO: ${where} is missing required chunk(s): ${missing.join(', ')}`);
  }
  const test: MooTest = { idx, name: name!, bytes: bytes!, initial: initial!, final: final!, hash: hash! };
  if (exception) test.exception = exception;
  return test;
}

/**
 * Parse a MOO file. `buf` may be the raw .MOO.gz contents (detected by the
 * gzip magic 1F 8B) or already-decompressed MOO data. Throws an Error whose
 * message starts with "MOO:" on malformed input.
 */
export function parseMoo(buf: Uint8Array): MooFile {
  const r = new Reader(maybeGunzip(buf));
  const end = r.bytes.length;
  if (end < 8 || r.ascii(0, 4, end, 'file tag') !== 'MOO ') {
    throw new Error(`MOO: not a MOO file (expected leading 'MOO ' chunk)`);
  }

  let headerCount = -1;
  let cpu = '';
  let meta: { opcode: number; mnemonic: string; cpuMode: number } | undefined;
  const tests: MooTest[] = [];

  let first = true;
  for (const c of r.chunks(0, end, 'file')) {
    if (first) {
      first = false;
      // Only the first chunk is the header; the loop below handles the rest.
      r.need(c.body, MOO_HEADER_MIN, c.end, "'MOO ' header payload");
      const major = r.view.getUint8(c.body);
      const minor = r.view.getUint8(c.body + 1);
      // A major bump means existing chunk layouts changed (spec: minor
      // versions only add chunks), so refuse rather than misread.
      if (major !== 1) throw new Error(`MOO: unsupported format version ${major}.${minor} (expected 1.x)`);
      headerCount = r.view.getUint32(c.body + 4, true);
      cpu = r.ascii(c.body + 8, 4, c.end, 'CPU id').trimEnd();
      continue;
    }
    switch (c.tag) {
      case 'META': {
        r.need(c.body, META_MIN, c.end, 'META payload');
        // Note: META's own test_ct field (body+15) is NOT used: in the 80286
        // v1 set it is a running total across the generator run (e.g. 01.MOO
        // says 10000 for a 5000-test file); the 'MOO ' header count is right.
        meta = {
          opcode: r.view.getUint32(c.body + 3, true),
          mnemonic: r.ascii(c.body + 7, 8, c.end, 'META mnemonic').trim(),
          cpuMode: r.view.getUint8(c.body + 27),
        };
        break;
      }
      case 'TEST':
        tests.push(parseTest(r, c, tests.length));
        break;
      default:
        break; // top-level RMSK/RM32 and future chunks
    }
  }

  if (!meta) throw new Error('MOO: file has no META chunk');
  if (tests.length !== headerCount) {
    throw new Error(
      `MOO: header says ${headerCount} tests but file contains ${tests.length} (truncated file?)`,
    );
  }
  return { cpu, opcode: meta.opcode, mnemonic: meta.mnemonic, cpuMode: meta.cpuMode, tests };
}

// ---------------------------------------------------------------------------
// metadata.json
//
// Shape (80286 v1, syntax_version 2):
//   { "version": "1.0.0", "cpu": "286", ..., "opcodes": {
//       "00": { "status": "normal", "arch": "86" },
//       "08": { "status": "normal", "arch": "86", "flags": ".....a..", "flags-mask": 65519 },
//       "F7": { "reg": { "0": {...}, ..., "6": { ..., "flags-mask": 63274 }, ... } },
//       "0F00": { "reg": { ... } }, "0F02": { ... } } }
// Keys are upper-case hex (two digits, four for 0F xx); group opcodes have a
// "reg" map keyed by the ModRM reg digit. "flags-mask" is an AND mask that
// clears the flags the instruction leaves undefined; no entry means 0xFFFF.
// ---------------------------------------------------------------------------

export interface OpcodeMeta {
  /** "normal", "alias", "undefined", "undocumented", "prefix", "fpu", "extension". */
  status?: string;
  /** First CPU with the instruction: "86", "186", "286", "v30". */
  arch?: string;
  /** Undefined-flag pattern, one char per flag "odiszapc"; '.' = defined. */
  flags?: string;
  'flags-mask'?: number;
  reg?: Record<string, OpcodeMeta>;
}

export interface MooMetadata {
  version?: string;
  cpu?: string;
  opcodes: Record<string, OpcodeMeta>;
  [key: string]: unknown;
}

/**
 * FLAGS bits 12-15 (IOPL, NT, bit 15). The 286 in real mode always reads them
 * as 0 (every FINA flags value and pushed FLAGS word has them clear, while
 * INIT flags have them random). A 386 keeps IOPL/NT in real mode, so a 386
 * runner should AND this into the mask: `flagsMaskFor(m, f) & FLAGS_MASK_NO_IOPL_NT`.
 */
export const FLAGS_MASK_NO_IOPL_NT = 0x0fff;

export function loadMetadata(path: string | URL): MooMetadata {
  const text = readFileSync(path, 'utf8');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new Error(`metadata: ${String(path)} is not valid JSON`, { cause: err });
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new Error(`metadata: ${String(path)} is not a JSON object`);
  }
  const opcodes = (data as { opcodes?: unknown }).opcodes;
  if (typeof opcodes !== 'object' || opcodes === null || Array.isArray(opcodes)) {
    throw new Error(`metadata: ${String(path)} has no "opcodes" object`);
  }
  return data as MooMetadata;
}

function maskOf(entry: OpcodeMeta, what: string): number {
  const m = entry['flags-mask'];
  if (m === undefined) return 0xffff;
  if (!Number.isInteger(m) || m < 0 || m > 0xffff) {
    throw new Error(`metadata: ${what} has invalid flags-mask ${JSON.stringify(m)}`);
  }
  return m;
}

/**
 * Look up the metadata entry for a test file. Accepts "F7.6", "F7.6.MOO.gz",
 * "F7.6.MOO" or a path ending in one of those.
 */
export function opcodeMetaFor(
  meta: MooMetadata,
  fileBaseName: string,
): { key: string; reg?: number; entry: OpcodeMeta } {
  const base = basename(fileBaseName).replace(/\.MOO(\.gz)?$/i, '');
  const m = /^([0-9A-F]{2}|0F[0-9A-F]{2})(?:\.([0-7]))?$/i.exec(base);
  if (!m) throw new Error(`metadata: cannot parse opcode from file name '${fileBaseName}'`);
  const key = m[1]!.toUpperCase();
  const entry = meta.opcodes[key];
  if (!entry) throw new Error(`metadata: no entry for opcode ${key} ('${fileBaseName}')`);
  if (m[2] === undefined) return { key, entry };
  const reg = Number(m[2]);
  const sub = entry.reg?.[m[2]];
  if (!sub) throw new Error(`metadata: opcode ${key} has no reg entry ${reg} ('${fileBaseName}')`);
  return { key, reg, entry: sub };
}

/**
 * AND mask to apply to both expected and actual FLAGS before comparing, for
 * the given test file (undefined flags cleared; 0xFFFF if none).
 *
 * Some files cover a whole group opcode without a ".reg" suffix (8F.MOO.gz
 * tests POP r/m16 and the #UD of reg 1-7); metadata still lists per-reg
 * entries for those, so the result is the AND of all of them — a flag
 * undefined for any reg value is ignored for the whole file.
 *
 * This is purely the metadata mask; see FLAGS_MASK_NO_IOPL_NT for bits 12-15.
 */
export function flagsMaskFor(meta: MooMetadata, fileBaseName: string): number {
  const { key, reg, entry } = opcodeMetaFor(meta, fileBaseName);
  if (reg === undefined && entry.reg) {
    let mask = maskOf(entry, key);
    for (const [reg, sub] of Object.entries(entry.reg)) mask &= maskOf(sub, `${key}.${reg}`);
    return mask;
  }
  return maskOf(entry, key);
}
