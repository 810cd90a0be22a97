// Files read whole before the machine starts: the firmware ROM (--bios) and a Multiboot kernel
// (--kernel). Each is looked at before it is read (file-checks.ts): it must be a regular file
// (/dev/zero would be read until memory ran out; a FIFO, or /dev/stdin from a pipe, waits for a
// writer) no larger than the caller's limit (a ROM the machine can map, a kernel that fits in
// RAM), so that a mistaken path costs one line of text and no memory.

import * as fs from 'node:fs';
import { checkRegularFile, describeFsError, type Fail } from './file-checks.ts';

export interface InputLimit {
  /** The largest file accepted, in bytes. */
  bytes: number;
  /** The words for a file of `size` bytes over the limit; they name the limit. */
  tooLarge: (size: number) => string;
}

/**
 * Reads the regular file at `path` (`noun` says what it should be: "a ROM image"); throws an Error
 * whose one-line message starts with the path when it is not one, is over the limit, or cannot be read.
 */
export function readInputFile(path: string, noun: string, limit: InputLimit): Uint8Array {
  const fail: Fail = (why) => {
    throw new Error(`${path}: ${why}`);
  };
  const check = (st: fs.Stats): void => {
    checkRegularFile(st, fail, noun);
    if (st.size > limit.bytes) fail(limit.tooLarge(st.size));
  };
  const explain = (e: unknown): never => fail(describeFsError(e, 'reading', noun));
  let st: fs.Stats;
  try {
    st = fs.statSync(path);
  } catch (e) {
    return explain(e);
  }
  check(st);
  let fd: number;
  try {
    // O_NONBLOCK: should a FIFO take the file's place after the look, the open returns at once
    // instead of waiting for a writer, and the second look below refuses it. A regular file
    // ignores the flag.
    fd = fs.openSync(path, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  } catch (e) {
    return explain(e);
  }
  try {
    const fst = fs.fstatSync(fd);
    check(fst);
    // The descriptor's size bounds the read: a file that grows meanwhile is read as it was.
    const bytes = new Uint8Array(fst.size);
    let done = 0;
    try {
      while (done < bytes.length) {
        const n = fs.readSync(fd, bytes, done, bytes.length - done, done);
        if (n === 0) break; // it shrank meanwhile: what is there is the file
        done += n;
      }
    } catch (e) {
      return explain(e);
    }
    return bytes.subarray(0, done);
  } finally {
    fs.closeSync(fd);
  }
}
