// Where a process's pages come from, as the pager sees it: regions of user addresses, each either
// zero-filled or backed by a file, and the store that reads a file's bytes into a kernel buffer.
// The program disk (fs/progdisk.ts) is that store today; the pager knows it only by this shape,
// so memory management needs nothing above it (swap will be another store).

import type { PhysAddr, VirtAddr } from '../hw.ts';
import type { IoWait } from '../wait.ts';
import type { Segment } from './shm.ts';

/** A file whose bytes can back pages (a program file on the program disk). */
export interface BackingFile {
  readonly name: string;
  readonly size: number;
}

/** Where a region's pages come from on their first touch. */
export interface FileBacking {
  file: BackingFile;
  /** The ELF segment: its file offset, its first address and how many bytes come from the file. */
  offset: number;
  vaddr: number;
  filesz: number;
}

export type RegionKind = 'text' | 'rodata' | 'data' | 'heap' | 'stack' | 'mmap' | 'shm';

/** A range of user addresses [start, end) that may be touched; pages appear on first touch. */
export interface Region {
  kind: RegionKind;
  start: number;
  end: number;
  writable: boolean;
  /** PROT_NONE (mprotect): no access at all; absent: readable. */
  readable?: false;
  /** Lazily loaded from a file (text, data, a file's mmap); absent: zero-filled on demand. */
  backing?: FileBacking;
  /** mmap(MAP_SHARED) of a file: its pages are the page cache's, written in place, and written back to the file. */
  sharedFile?: true;
  /** The file of a MAP_SHARED mapping was opened for writing (O_RDWR): mprotect may allow writes. */
  fileWritable?: boolean;
  /** Shared anonymous memory (mmap MAP_SHARED|MAP_ANONYMOUS, shmat): the segment, and its page at `start`. */
  segment?: { readonly seg: Segment; readonly first: number };
}

/** Bytes of a file on their way into a kernel buffer: sleep on `req` until its status is final. */
export interface FileRead {
  readonly req: IoWait;
  /** The buffer (kernel heap) the whole sectors land in, owned by the store. */
  readonly bounce: VirtAddr;
  /** Where the first byte landed (in the bounce buffer). */
  readonly at: PhysAddr;
  readonly length: number;
}

/** The one read a process waits for, and what it reads it for (the code that runs again checks `what`). */
export interface PendingRead {
  readonly what: string;
  /** The request to sleep on. */
  readonly req: IoWait;
  /** A read of file bytes into the store's buffer (absent for a swap-in, which reads into `frame`). */
  readonly read?: FileRead;
  /** The frame the page will be: a page-in's, zeroed when the fault came (`offset`: where its bytes go), or a swap-in's. */
  readonly frame?: PhysAddr;
  readonly offset?: number;
  /** A page-in of a whole file page for the page cache: its index in the file. */
  readonly cacheIndex?: number;
  /** A swap-in of a shared segment's page: the page's index in the segment. */
  readonly segmentIndex?: number;
}

export interface BackingStore {
  /** Starts reading bytes [from, from+length) of `file`; an error string when no buffer can be had. */
  read(file: BackingFile, from: number, length: number): FileRead | string;
  /** Copies a finished read's bytes to physical memory (charged). */
  copyTo(r: FileRead, dst: PhysAddr): void;
  /** Gives the read's buffer back (at once, or once the drive is done with it). */
  release(r: FileRead): void;
  /**
   * Starts writing `length` bytes from physical `src` to `file` at byte `from` (a page of a file
   * mapped MAP_SHARED going back): the bytes are copied to a buffer of the store's first, so the
   * frame is free to change or go at once. An error string when no buffer can be had.
   */
  write(file: BackingFile, from: number, src: PhysAddr, length: number): IoWait | string;
}
