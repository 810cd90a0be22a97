// Looking at a file named on the command line before using it, and saying in words what is wrong
// with it. Shared by disk images (disk-file.ts), the files read whole (input-file.ts: firmware,
// kernel) and the files written (output-file.ts: COM1, the debug console, the trace).
//
// The look comes before the open because opening can do harm of its own: opening a FIFO waits for
// the other end (for ever if nobody comes), and reading a device such as /dev/zero or a terminal
// never ends, or takes the user's keys.

import type * as fs from 'node:fs';

/** Ends a check by throwing, with the words that follow the file's name in the message. */
export type Fail = (why: string) => never;

/** Refuses anything but a regular file; `noun` says what the file was meant to be ("an image file"). */
export function checkRegularFile(st: Pick<fs.Stats | fs.BigIntStats, 'isDirectory' | 'isFile'>, fail: Fail, noun: string): void {
  if (st.isDirectory()) fail(`is a directory, not ${noun}`);
  if (!st.isFile()) fail('is not a regular file');
}

/**
 * A Node file-system error from looking at or opening a file, as the words that end a one-line
 * message. `mode` is what it was opened for ("reading"), `noun` what it was meant to be.
 */
export function describeFsError(e: unknown, mode: string, noun: string): string {
  switch ((e as NodeJS.ErrnoException).code) {
    case 'ENOENT': return 'no such file';
    case 'ENOTDIR': return 'no such file (a directory on the path is a file)';
    case 'EACCES':
    case 'EPERM': return `permission denied (it cannot be opened for ${mode})`;
    case 'EISDIR': return `is a directory, not ${noun}`;
    case 'EROFS': return 'is on a read-only file system (it cannot be opened for writing)';
    default: return oneLine(e);
  }
}

/** The first line of an error's message: the CLI prints one line per problem. */
export function oneLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
}
