// The swap disk: a file on the host that the guest's pager writes pages to, attached as the ATA
// channel's slave (`ts386 --swap FILE`, or a temporary file with `--swap-size SIZE` alone).
//
// Unlike a --disk image, the swap is always written through: being written is its purpose, and
// naming a file with --swap is the user asking for that. Everything else leans towards leaving
// the user's files alone:
//   - an existing file is used at the size it has: it is never truncated or grown, and a
//     --swap-size that disagrees with it is refused rather than acted on;
//   - a file is created only where nothing exists (O_EXCL), so a file that appears between the
//     look and the create is not overwritten, and a file this run created is removed again when
//     the run is refused before it starts (SwapFile.discard);
//   - a swap that is the same file as another file of the run (the program disk, --kernel, ...)
//     is refused, compared by device and inode so that another name (a link, ./x for x) does not
//     hide it.
// A temporary swap is unlinked as soon as it is open: the descriptor keeps it alive for the run,
// and the file is gone however ts386 ends, a signal or a crash included.
//
// Every problem is reported as an Error with one line of text that starts with the file's name.

import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { BlockDevice } from '../disk.ts';
import { FileDisk } from './disk-file.ts';
import { checkRegularFile, describeFsError, type Fail, oneLine } from './file-checks.ts';

/** The kernel's page: swap space is handed out a page at a time, so a swap file is whole pages. */
export const SWAP_PAGE_BYTES = 4096;
/** 16 pages: less is no use to a pager, and is more likely a slip (--swap-size 64 for 64K). */
export const MIN_SWAP_BYTES = 64 * 1024;
/**
 * 262144 pages. The ts386 kernel keeps a count per page of swap in its heap (kernel/mm/swap.ts, a
 * byte each): 1 GiB takes 256 KiB of it, which even a 4 MiB machine's heap holds. The bound also
 * keeps a slip (16G for 16M) from making a file of a size nobody meant.
 */
export const MAX_SWAP_BYTES = 1024 ** 3;
export const DEFAULT_SWAP_BYTES = 16 * 1024 * 1024;

/** The rule a swap size must follow, in words, for messages and --help. */
export const SWAP_SIZE_RULE = 'whole 4 KiB pages from 64 KiB to 1 GiB';

/** Whether `bytes` may be the size of a swap file. */
export function isSwapSize(bytes: number): boolean {
  return Number.isSafeInteger(bytes) && bytes % SWAP_PAGE_BYTES === 0 && bytes >= MIN_SWAP_BYTES && bytes <= MAX_SWAP_BYTES;
}

/** Another file of the run that the swap must not be: it would be overwritten with pages. */
export interface OtherFile {
  path: string;
  /** How the user knows it: "--disk", "the program disk", "--kernel". */
  what: string;
}

export interface SwapOptions {
  /** The size the user asked for (--swap-size), or undefined for the default (new file) or the file's own. */
  size?: number;
  /** Files the swap must not be (compared by device and inode). */
  notSameAs?: readonly OtherFile[];
}

export interface SwapFile {
  /** The disk for the machine: the slave, written through to the file. */
  readonly disk: BlockDevice;
  readonly path: string;
  readonly bytes: number;
  /** Whether this run made the file (a new --swap FILE, or a temporary swap). */
  readonly created: boolean;
  /** Ends the use of the file; the file stays (a --swap FILE is the user's now). */
  close(): void;
  /** Ends it when the run was refused before it started: a file this run created is removed again. */
  discard(): void;
}

/**
 * Opens the swap file at `file`, creating it (options.size, else DEFAULT_SWAP_BYTES) when nothing
 * is there; throws an Error with a one-line message starting with `file` when it cannot be the swap.
 */
export function openSwapFile(file: string, options: SwapOptions = {}): SwapFile {
  const fail: Fail = (why) => {
    throw new Error(`${file === '' ? "''" : file}: ${why}`);
  };
  if (file === '') fail('no file name given');
  if (options.size !== undefined && !isSwapSize(options.size)) fail(`${options.size} bytes; a swap file must be ${SWAP_SIZE_RULE}`);
  let st: fs.BigIntStats;
  try {
    st = fs.statSync(file, { bigint: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') fail(describeFsError(e, 'reading and writing', 'a swap file'));
    return createSwapFile(file, options.size ?? DEFAULT_SWAP_BYTES, fail);
  }
  // The checks of the look, made again on the descriptor once it is open.
  const check = (s: fs.BigIntStats): number => {
    checkRegularFile(s, fail, 'a swap file');
    const size = Number(s.size);
    if (options.size !== undefined && size !== options.size) {
      fail(`the file is ${size} bytes, not the --swap-size ${options.size}; an existing swap file is used at its own size, never resized (leave out --swap-size, or name a new file)`);
    }
    if (!isSwapSize(size)) fail(`${size} bytes; a swap file must be ${SWAP_SIZE_RULE}`);
    return size;
  };
  // Look before opening: opening a FIFO waits for the other end, and a device is no swap (file-checks.ts).
  checkRegularFile(st, fail, 'a swap file');
  // Before the size: that it is the program disk is the news, not that the program disk is no swap size.
  for (const other of options.notSameAs ?? []) {
    let ost: fs.BigIntStats;
    try {
      ost = fs.statSync(other.path, { bigint: true });
    } catch {
      continue; // gone since it was read or opened: it cannot be this file
    }
    if (sameFile(st, ost)) fail(`is the same file as ${other.what} ${other.path}; the swap is overwritten with the guest's pages, so it must be a file of its own`);
  }
  check(st);
  let fd: number;
  try {
    // O_NONBLOCK: should a FIFO take the file's place after the look, the open returns at once
    // instead of waiting for a reader, and the second look below refuses it.
    fd = fs.openSync(file, fs.constants.O_RDWR | (fs.constants.O_NONBLOCK ?? 0));
  } catch (e) {
    return fail(describeFsError(e, 'reading and writing', 'a swap file'));
  }
  try {
    const fst = fs.fstatSync(fd, { bigint: true });
    // The file looked at (and compared with the others) must be the one opened.
    if (!sameFile(st, fst)) fail('changed while it was being opened; try again');
    const size = check(fst);
    return swapOver(file, fd, size, false);
  } catch (e) {
    fs.closeSync(fd);
    throw e;
  }
}

/**
 * A swap file of `bytes` in `dir` (the OS's temporary directory), for `--swap-size` alone. It is
 * unlinked at once (see the top of the file); where the OS cannot unlink an open file, at close
 * instead, or at exit. Throws an Error with a one-line message.
 */
export function createTempSwapFile(bytes: number, dir = tmpdir()): SwapFile {
  const fail: Fail = (why) => {
    throw new Error(`cannot create a temporary swap file in ${dir}: ${why}`);
  };
  if (!isSwapSize(bytes)) fail(`${bytes} bytes; a swap file must be ${SWAP_SIZE_RULE}`);
  const file = path.join(dir, `ts386-swap-${process.pid}-${randomBytes(6).toString('hex')}`);
  // The file's name is new and ours: what can be wrong is the directory.
  const swap = createSwapFile(file, bytes, (why) => fail(why.replace(/^cannot create it: /, '').replace(/^no such directory as .*/, 'no such directory')));
  try {
    fs.unlinkSync(file);
    return { ...swap, close: swap.close, discard: swap.close };
  } catch {
    // Not while it is open, here: at close, or at exit should the run end without closing it.
  }
  const remove = (): void => {
    process.off('exit', remove);
    swap.discard();
  };
  process.on('exit', remove);
  return { ...swap, close: remove, discard: remove };
}

/** Creates `file` (nothing may be there) at `bytes`, zero-filled; `fail` gets the words after "file: ". */
function createSwapFile(file: string, bytes: number, fail: Fail): SwapFile {
  let fd: number;
  try {
    // 0600: the swap will hold the guest's memory, which is nobody else's business.
    fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
  } catch (e) {
    return fail(`cannot create it: ${createErrorText(e, file)}`);
  }
  try {
    // ftruncate leaves a sparse file where the file system allows: no disk is used until a page
    // is written, and what was never written reads as zeros.
    fs.ftruncateSync(fd, bytes);
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
    return fail(`cannot create it: ${createErrorText(e, file)}`);
  }
  return swapOver(file, fd, bytes, true);
}

/** Why a swap file could not be created, in words. */
function createErrorText(e: unknown, file: string): string {
  switch ((e as NodeJS.ErrnoException).code) {
    case 'ENOENT':
    case 'ENOTDIR': return `no such directory as ${path.dirname(file)}`;
    case 'EACCES':
    case 'EPERM': return 'permission denied';
    case 'EROFS': return 'the file system is read-only';
    case 'ENOSPC': return 'no space left on the device';
    case 'EISDIR': return 'is a directory';
    case 'EEXIST': {
      // The look found nothing there: a link to a file that does not exist, or a file made meanwhile.
      let link = false;
      try {
        link = fs.lstatSync(file).isSymbolicLink();
      } catch {
        // gone again
      }
      return link ? 'it is a symbolic link to a file that does not exist (ts386 does not create a swap file through a link)' : 'a file of that name appeared meanwhile; try again';
    }
    default: return oneLine(e);
  }
}

function swapOver(file: string, fd: number, bytes: number, created: boolean): SwapFile {
  const disk = FileDisk.adopt(file, fd, bytes);
  return {
    disk, path: file, bytes, created,
    close: () => disk.close(),
    discard: () => {
      disk.close();
      if (created) fs.rmSync(file, { force: true });
    },
  };
}

function sameFile(a: fs.BigIntStats, b: fs.BigIntStats): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}
