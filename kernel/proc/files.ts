// Open files: each open() gets a record from the kernel's 'file' slab cache, in guest RAM, holding
// where the file's data starts on the program disk, its size, the read position and how it was opened:
//   +0 data offset (bytes from the start of the disk)   +4 position   +8 size   +12 flags (O_RDWR: 2)
// A fork gives the child its own records (positions copied); close and exit return them.

import { phys, type Hw, type VirtAddr } from '../hw.ts';
import { V2P } from '../layout.ts';
import type { SlabCache } from '../mm/slab.ts';
import type { UstarEntry } from '../fs/ustar.ts';

export const FILE_RECORD_SIZE = 16;
const OFF_DATA = 0, OFF_POS = 4, OFF_SIZE = 8, OFF_FLAGS = 12;

/** An open file; `writable`: opened O_RDWR, so a MAP_SHARED mapping of it may write it. */
export interface OpenFile { entry: UstarEntry; record: VirtAddr; writable: boolean }

/** The open-file records: the 'file' slab cache and the memory they are in. */
export interface FileTable { hw: Hw; fileSlab: SlabCache }

export function openFile(t: FileTable, entry: UstarEntry, pos = 0, writable = false): OpenFile | null {
  const record = t.fileSlab.alloc();
  if (record === null) return null;
  const at = V2P(record);
  t.hw.writePhys32(phys(at + OFF_DATA), entry.dataOffset);
  t.hw.writePhys32(phys(at + OFF_POS), pos);
  t.hw.writePhys32(phys(at + OFF_SIZE), entry.size);
  t.hw.writePhys32(phys(at + OFF_FLAGS), writable ? 2 : 0);
  return { entry, record, writable };
}

export function closeFile(t: FileTable, f: OpenFile): void {
  t.fileSlab.free(f.record);
}

export function filePos(t: FileTable, f: OpenFile): number {
  return t.hw.readPhys32(phys(V2P(f.record) + OFF_POS));
}

export function setFilePos(t: FileTable, f: OpenFile, pos: number): void {
  t.hw.writePhys32(phys(V2P(f.record) + OFF_POS), pos);
}
