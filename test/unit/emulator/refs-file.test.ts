// The --trace-refs file (debug/refs-file.ts): what the writer encodes the reader gives back, entry
// for entry, in a few bytes each; and a file that is not one, or is cut short, is named in one line.
import { describe, expect, it } from 'vitest';
import { REF_USER } from '../../../emulator/cpu/refs.ts';
import { readRefFile, RefFileError, RefFileWriter } from '../../../emulator/debug/refs-file.ts';

/** The file's bytes for what `fill` writes, gathered from every chunk the writer hands out. */
function encode(fill: (w: RefFileWriter) => void): Uint8Array {
  const chunks: number[] = [];
  const w = new RefFileWriter((bytes) => chunks.push(...bytes));
  fill(w);
  w.flush();
  return Uint8Array.from(chunks);
}

/** The entries as text, in file order. */
function decode(bytes: Uint8Array): string[] {
  const out: string[] = [];
  readRefFile(bytes, {
    reference: (cycle, cr3, page, access, user) => out.push(`${cycle} ${cr3.toString(16)} ${page.toString(16)} ${access} ${user ? 'u' : 'k'}`),
    label: (cr3, pid, name) => out.push(`label ${cr3.toString(16)} ${pid} ${name}`),
  });
  return out;
}

const message = (bytes: Uint8Array): string => {
  try {
    decode(bytes);
  } catch (e) {
    if (e instanceof RefFileError) return e.message;
    throw e;
  }
  return 'no error';
};

describe('reference trace file', () => {
  it('gives back every record and label as written: CR3 changes, pages up and down, cycles past 2^32', () => {
    const bytes = encode((w) => {
      w.reference(0x115, 0x08048, 2 | REF_USER, 1000);
      w.reference(0x115, 0xbffff, 1 | REF_USER, 1006);
      w.label(0x2a0, 7, 'touch-ü');
      w.reference(0x2a0, 0x00000, 0, 1006);
      w.reference(0x2a0, 0xfffff, 1, 2 ** 40);
      w.reference(0x115, 0x08049, 0 | REF_USER, 2 ** 40 + 3);
    });
    expect(new TextDecoder().decode(bytes.subarray(0, 8))).toBe('TS386REF');
    expect(bytes[8]).toBe(1);
    expect(decode(bytes)).toEqual([
      '1000 115000 8048 2 u',
      '1006 115000 bffff 1 u',
      'label 2a0000 7 touch-ü',
      '1006 2a0000 0 0 k',
      `${2 ** 40} 2a0000 fffff 1 k`,
      `${2 ** 40 + 3} 115000 8049 0 u`,
    ]);
  });

  it('takes 3 bytes for a reference near the page before it, in the same directory', () => {
    const one = encode((w) => w.reference(0x115, 0x08048, 2 | REF_USER, 10)).length;
    const two = encode((w) => {
      w.reference(0x115, 0x08048, 2 | REF_USER, 10);
      w.reference(0x115, 0x08049, 0 | REF_USER, 14);
    }).length;
    expect(two - one).toBe(3);
  });

  it('hands the bytes out in chunks as they gather, and keeps a long run of records whole', () => {
    const chunks: number[] = [];
    let calls = 0;
    const w = new RefFileWriter((b) => { calls++; chunks.push(...b); });
    for (let k = 0; k < 100_000; k++) w.reference(0x115, k & 0xfffff, k % 3, k * 7);
    expect(calls).toBeGreaterThan(2); // the header, then full chunks before the flush
    w.flush();
    const got = decode(Uint8Array.from(chunks));
    expect(got.length).toBe(100_000);
    expect(got[99_999]).toBe(`${99_999 * 7} 115000 ${(99_999).toString(16)} ${99_999 % 3} k`);
  });

  it('names what is wrong with a file that is not a trace or is damaged', () => {
    const good = encode((w) => {
      w.reference(0x115, 0x08048, 2, 1000);
      w.label(0x115, 1, 'hello');
    });
    expect(message(new TextEncoder().encode('hello, world'))).toBe('not a ts386 reference trace (it does not start with TS386REF)');
    expect(message(new Uint8Array(0))).toBe('not a ts386 reference trace (it does not start with TS386REF)');
    const v2 = good.slice();
    v2[8] = 2;
    expect(message(v2)).toBe('reference trace version 2; this ts386 reads version 1');
    expect(message(good.subarray(0, good.length - 2))).toBe('the file ends inside an entry (its name) at byte 17');
    expect(message(good.subarray(0, 12))).toBe('the file ends inside an entry (its page) at byte 9');
    expect(message(Uint8Array.from([...good.subarray(0, 9), 0x20]))).toBe('an unknown entry (tag 0x20) at byte 9');
    expect(message(Uint8Array.from([...good.subarray(0, 9), 0x03, 0, 0]))).toBe('an unknown entry (tag 0x03) at byte 9');
    expect(message(Uint8Array.from([...good.subarray(0, 9), 0x02, 0, 0]))).toBe('a reference before any CR3 at byte 9');
    expect(message(good)).toBe('no error');
  });
});
