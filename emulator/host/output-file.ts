// Files a run writes to: COM1 (--serial file:PATH), the debug console (--debugcon file:PATH) and
// the trace (--trace-file, or standard error).
//
// An output may be a regular file (created, or truncated) or a character device: /dev/null is how
// people throw output away, and a terminal (/dev/tty, /dev/pts/N) is a fine place for a log. Other
// kinds are refused before anything is written: a FIFO (its open waits for a reader, for ever if
// none comes), a directory, a socket (which cannot be opened) and a block device (a log written
// over a disk would destroy it). A device that fails every write (/dev/full) is accepted like a
// file on a full disk: write() throws, and the caller reports it.

import * as fs from 'node:fs';
import { oneLine } from './file-checks.ts';

/** How long to wait before writing again to a descriptor that is full for now (EAGAIN). */
const RETRY_MS = 1;
const retryClock = new Int32Array(new SharedArrayBuffer(4));

export class OutputFile {
  readonly name: string;
  private fd: number;
  private readonly owned: boolean;

  private constructor(name: string, fd: number, owned: boolean) {
    this.name = name;
    this.fd = fd;
    this.owned = owned;
  }

  /**
   * Opens `path` for writing, creating or truncating it; throws an Error with a one-line message
   * when it cannot be opened or is not a kind of file an output may be (above).
   */
  static open(path: string): OutputFile {
    const fail = (why: string): never => {
      throw new Error(`cannot write to ${path}: it is ${why}; an output must be a regular file or a character device such as /dev/null`);
    };
    // A path that cannot be looked at (most often: it does not exist yet) is left to the open,
    // which creates the file or says why it cannot.
    let st: fs.Stats | null = null;
    try {
      st = fs.statSync(path);
    } catch {
      // the open below reports it
    }
    if (st !== null) checkKind(st, fail);
    let fd: number;
    try {
      // O_NONBLOCK: should a FIFO take the file's place after the look, the open fails at once
      // (ENXIO) or succeeds and is refused below, instead of waiting for a reader. Regular files
      // and /dev/null ignore the flag; a terminal may then say EAGAIN, which write() waits out.
      const { O_WRONLY, O_CREAT, O_TRUNC, O_NONBLOCK } = fs.constants;
      fd = fs.openSync(path, O_WRONLY | O_CREAT | O_TRUNC | (O_NONBLOCK ?? 0), 0o666);
    } catch (e) {
      throw new Error(`cannot open ${path} for writing (${(e as NodeJS.ErrnoException).code ?? oneLine(e)})`);
    }
    try {
      checkKind(fs.fstatSync(fd), fail);
    } catch (e) {
      fs.closeSync(fd);
      throw e;
    }
    return new OutputFile(path, fd, true);
  }

  /** An output on a descriptor the process already has (2, standard error), which close() leaves open. */
  static onDescriptor(fd: number, name: string): OutputFile {
    return new OutputFile(name, fd, false);
  }

  /** Writes all of `data`; throws Node's error (ENOSPC, EPIPE, EIO...) when the file refuses it. */
  write(data: Uint8Array | string): void {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    let done = 0;
    while (done < bytes.length) {
      try {
        done += fs.writeSync(this.fd, bytes, done, bytes.length - done);
      } catch (e) {
        // A descriptor in non-blocking mode (a terminal opened so; standard error when it is a
        // pipe, once Node has set it up as a stream) is full for now: a reader is slow, not gone.
        // Wait a moment and go on, as a blocking write would.
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
        Atomics.wait(retryClock, 0, 0, RETRY_MS);
      }
    }
  }

  /** Closes the file (an error here is a write error too: some file systems report them late). */
  close(): void {
    if (this.fd < 0) return;
    const fd = this.fd;
    this.fd = -1;
    if (this.owned) fs.closeSync(fd);
  }
}

function checkKind(st: fs.Stats, fail: (why: string) => never): void {
  if (st.isFile() || st.isCharacterDevice()) return;
  if (st.isDirectory()) fail('a directory');
  if (st.isFIFO()) fail('a FIFO (named pipe)');
  if (st.isSocket()) fail('a socket');
  if (st.isBlockDevice()) fail('a block device');
  fail('not a regular file');
}
