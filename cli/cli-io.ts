// Where a command's input and output are: the process's standard streams (processIO, what the
// `ts386` command uses), or streams of a caller's own, so that the tests can run a command in
// their own process (test/harness/cli.ts). Every fact about the process's descriptors is looked
// up only when the command asks for it, as it was before there was a choice: the command touches
// process.stdin only once it is about to read it, for one.

import { fstatSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import type { Worker } from 'node:worker_threads';
import { OutputFile } from '../emulator/index.ts';

/** Synchronous writes to a descriptor (OutputFile's): the trace on stderr, `ts386 refs`'s listing on stdout. */
export interface DescriptorOutput {
  /** Writes all of `data`; throws Node's error (ENOSPC, EPIPE) when the descriptor refuses it. */
  write: (data: Uint8Array | string) => void;
  close: () => void;
}

/**
 * Where the worker threads of `ts386 compare`, `thrash` and `fits` come from (boot-pool.ts's
 * runPool). The command's own: a new thread for each of a command's --jobs, loaded from the module
 * beside the command's, and ended with the command. A caller's (the tests') may keep threads
 * between commands, as a command keeps each of its threads from one run to the next.
 */
export interface WorkerSupply {
  /** A worker thread running `name`'s module (compare-worker, thrash-worker, fits-worker). */
  take: (name: string) => Worker;
  /**
   * A thread taken, handed back as the command ends (the command's listeners are off it once this
   * resolves): `idle` when it has answered every job it was given, else it may still be running one
   * or have ended, and is to be ended.
   */
  giveBack: (worker: Worker, idle: boolean) => Promise<void>;
}

export interface CliIO {
  /** Input piped to the command (typed on COM1). */
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
  /** stdin and stdout when stdin is a terminal (put in raw mode for the guest), else null. */
  readonly terminal: { input: NodeJS.ReadStream; output: NodeJS.WriteStream } | null;
  /** Whether stderr is a terminal (a progress bar goes there). */
  readonly stderrIsTTY: boolean;
  /** Whether stdin is a pipe, a socket, a regular file or /dev/null: anything but a terminal. */
  stdinIsPipeOrFile: () => boolean;
  /** Standard output (1) or standard error (2) written synchronously, as a descriptor. */
  descriptor: (fd: 1 | 2, name: string) => DescriptorOutput;
  /** The worker threads of the commands that boot many times: the command's own when not given. */
  readonly workers?: WorkerSupply;
}

/** The process's own standard streams and descriptors. */
export const processIO: CliIO = {
  get stdin() { return process.stdin; },
  get stdout() { return process.stdout; },
  get stderr() { return process.stderr; },
  get terminal() { return process.stdin.isTTY ? { input: process.stdin, output: process.stdout } : null; },
  get stderrIsTTY() { return process.stderr.isTTY; },
  stdinIsPipeOrFile: () => {
    try {
      const st = fstatSync(0);
      // A parent process's pipe is often a socketpair; a character device that is not a terminal is
      // /dev/null or the like, which ends at once.
      return st.isFIFO() || st.isFile() || st.isSocket() || (st.isCharacterDevice() && !process.stdin.isTTY);
    } catch {
      return false;
    }
  },
  descriptor: (fd, name) => OutputFile.onDescriptor(fd, name),
};
