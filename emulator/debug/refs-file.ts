// `--trace-refs FILE`: the reference recorder's records (cpu/refs.ts) in a compact binary file,
// and the reader `ts386 refs FILE` prints it with.
//
// Format, version 1. A header, then entries to the end of the file; numbers are unsigned LEB128
// varints (7 bits a byte, low bits first, the top bit set on every byte but the last).
//
//   header     the 8 ASCII bytes "TS386REF", then the version byte (1)
//   reference  a tag byte 0x00-0x0E:  bits 0-1  access: 0 read, 1 write, 2 fetch
//                                     bit 2     1 user (CPL 3), 0 kernel
//                                     bit 3     1: a CR3 field follows (the page directory changed)
//              [varint  CR3 >>> 12]                       only with bit 3; the first reference has it
//              varint   page - the last reference's page, zigzag (0, -1, 1, -2, ... as 0, 1, 2, 3, ...)
//              varint   cycle - the last reference's cycle (0 before the first)
//   label      the tag byte 0x10, varint CR3 >>> 12, varint pid, varint n, n bytes of UTF-8 name:
//              from here on, references under that CR3 are that process's
//
// A reference takes 3 bytes when it stays near the page before it, and most do; a file of a
// million references is a few MiB. Pages are 20 bits and cycles at most 2^53.

import type { Cpu } from '../cpu/state.ts';
import { REF_USER, type RefSink } from '../cpu/refs.ts';

export const REFS_MAGIC = 'TS386REF';
export const REFS_VERSION = 1;
const HEADER_BYTES = REFS_MAGIC.length + 1;
const TAG_NEW_DIR = 1 << 3;
const TAG_LABEL = 0x10;
/** Bytes gathered before they are handed to the file. */
const CHUNK_BYTES = 1 << 16;
/** A reference's largest encoding: tag, CR3 (3 bytes for 20 bits), page (3), cycle delta (8 for 2^53). */
const MAX_REFERENCE_BYTES = 1 + 3 + 3 + 8;

export const ACCESS_NAMES = ['read', 'write', 'fetch'] as const;

/** Encodes records into the format above, handing the bytes to `write` a chunk at a time. */
export class RefFileWriter implements RefSink {
  /** Takes the bytes: it must be done with them when it returns (the buffer is reused). */
  private readonly write: (bytes: Uint8Array) => void;
  private buf = new Uint8Array(CHUNK_BYTES);
  private n = 0;
  private dir = -1;
  private page = 0;
  private cycle = 0;

  /** Writes the header at once, so that a file that cannot be written says so before the run. */
  constructor(write: (bytes: Uint8Array) => void) {
    this.write = write;
    for (let k = 0; k < REFS_MAGIC.length; k++) this.buf[this.n++] = REFS_MAGIC.charCodeAt(k);
    this.buf[this.n++] = REFS_VERSION;
    this.flush();
  }

  reference(dir: number, page: number, kind: number, cycle: number): void {
    if (this.n + MAX_REFERENCE_BYTES > this.buf.length) this.flush();
    const newDir = dir !== this.dir;
    this.buf[this.n++] = newDir ? kind | TAG_NEW_DIR : kind;
    if (newDir) {
      this.varint(dir);
      this.dir = dir;
    }
    const d = page - this.page;
    this.varint(d >= 0 ? d * 2 : -d * 2 - 1);
    this.page = page;
    // The cycle count only grows (a reset leaves it); were it ever set back, the file stays readable.
    this.varint(cycle > this.cycle ? cycle - this.cycle : 0);
    this.cycle = cycle;
  }

  label(dir: number, pid: number, name: string): void {
    const bytes = new TextEncoder().encode(name);
    const need = 1 + 3 + 5 + 5 + bytes.length;
    if (this.n + need > this.buf.length) this.flush();
    if (need > this.buf.length) this.buf = new Uint8Array(need);
    this.buf[this.n++] = TAG_LABEL;
    this.varint(dir);
    this.varint(pid);
    this.varint(bytes.length);
    this.buf.set(bytes, this.n);
    this.n += bytes.length;
  }

  /** Hands what is gathered to the file. */
  flush(): void {
    if (this.n === 0) return;
    this.write(this.buf.subarray(0, this.n));
    this.n = 0;
  }

  /** Arithmetic, not bit operations: a cycle delta may pass 2^32. */
  private varint(v: number): void {
    while (v >= 0x80) {
      this.buf[this.n++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.n++] = v;
  }
}

/**
 * Gives the CPU's reference recorder a file to record into (`write` as for RefFileWriter). Turning
 * recording on is separate: HostPort.refTraceStart (the CLI holds one start from power-on).
 */
export function attachRefTrace(cpu: Cpu, write: (bytes: Uint8Array) => void): RefFileWriter {
  const writer = new RefFileWriter(write);
  cpu.refs.sink = writer;
  return writer;
}

/** A file that is not a reference trace, or is damaged; the message is one line. */
export class RefFileError extends Error {}

/** What the reader hands on, entry by entry (the names as the format above has them). */
export interface RefFileVisitor {
  reference(cycle: number, cr3: number, page: number, access: number, user: boolean): void;
  label(cr3: number, pid: number, name: string): void;
}

/**
 * Reads a whole reference trace, calling `visit` for each entry in file order (`cr3` as the
 * register held it: the page directory's base). Throws RefFileError at the first thing wrong.
 */
export function readRefFile(bytes: Uint8Array, visit: RefFileVisitor): void {
  if (bytes.length < HEADER_BYTES || String.fromCharCode(...bytes.subarray(0, REFS_MAGIC.length)) !== REFS_MAGIC) {
    throw new RefFileError(`not a ts386 reference trace (it does not start with ${REFS_MAGIC})`);
  }
  const version = bytes[REFS_MAGIC.length]!;
  if (version !== REFS_VERSION) throw new RefFileError(`reference trace version ${version}; this ts386 reads version ${REFS_VERSION}`);
  let at = HEADER_BYTES;
  let start = at;
  const varint = (what: string): number => {
    let v = 0;
    let scale = 1;
    for (;;) {
      if (at >= bytes.length) throw new RefFileError(`the file ends inside an entry (its ${what}) at byte ${start}`);
      if (scale > 2 ** 49) throw new RefFileError(`a ${what} too large at byte ${start}`);
      const b = bytes[at++]!;
      v += (b & 0x7f) * scale;
      scale *= 0x80;
      if ((b & 0x80) === 0) return v;
    }
  };
  let dir = -1;
  let page = 0;
  let cycle = 0;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  while (at < bytes.length) {
    start = at;
    const tag = bytes[at++]!;
    if (tag === TAG_LABEL) {
      const d = varint('CR3');
      const pid = varint('pid');
      const n = varint('name length');
      if (at + n > bytes.length) throw new RefFileError(`the file ends inside an entry (its name) at byte ${start}`);
      let name: string;
      try {
        name = decoder.decode(bytes.subarray(at, at + n));
      } catch {
        throw new RefFileError(`a label whose name is not UTF-8 at byte ${start}`);
      }
      at += n;
      if (d >= 1 << 20) throw new RefFileError(`a label with CR3 out of range at byte ${start}`);
      visit.label(d * 4096, pid, name);
      continue;
    }
    if (tag > (TAG_NEW_DIR | REF_USER | 3) || (tag & 3) === 3) throw new RefFileError(`an unknown entry (tag 0x${tag.toString(16).padStart(2, '0')}) at byte ${start}`);
    if ((tag & TAG_NEW_DIR) !== 0) {
      dir = varint('CR3');
      if (dir >= 1 << 20) throw new RefFileError(`a reference with CR3 out of range at byte ${start}`);
    } else if (dir < 0) {
      throw new RefFileError(`a reference before any CR3 at byte ${start}`);
    }
    const z = varint('page');
    page += z % 2 === 0 ? z / 2 : -(z + 1) / 2;
    if (page < 0 || page >= 1 << 20) throw new RefFileError(`a reference to a page out of range at byte ${start}`);
    cycle += varint('cycle');
    visit.reference(cycle, dir * 4096, page, tag & 3, (tag & REF_USER) !== 0);
  }
}
