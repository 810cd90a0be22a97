// The page-fault handler's decision (Serenity's PageFaultResponse): given a process and a faulting
// address, either the page is made present now (zero-filled: bss, heap, stack), or it is being read
// from the program file (the process waits for the disk), or the access is bad and the process dies.

import { COST } from '../cost.ts';
import { phys, virt, PAGE_SIZE } from '../hw.ts';
import { V2P } from '../layout.ts';
import type { Kernel } from '../kernel.ts';
import type { Process, Region } from '../proc/process.ts';
import { mapPage, PTE_U, PTE_W, walk, isPresent } from './pagetable.ts';

export type PageInResult =
  | { kind: 'mapped'; how: 'zero' }
  | { kind: 'pending' }
  | { kind: 'bad'; reason: string };

const SECTOR = 512;

/** The PTE flags a region's pages get. */
export const regionFlags = (r: Region): number => PTE_U | (r.writable ? PTE_W : 0);

/**
 * Makes the page holding `va` present in `p`'s address space, if a region allows `write`/read
 * there. `done` is called (only for 'pending') once the page is mapped, or with an error.
 */
export function pageIn(k: Kernel, p: Process, va: number, write: boolean, done: (err: string | null) => void): PageInResult {
  const r = p.regionAt(va);
  if (r === null) return { kind: 'bad', reason: 'not in any region of the program' };
  if (write && !r.writable) return { kind: 'bad', reason: `${r.kind} is read-only` };
  const page = virt(va & ~(PAGE_SIZE - 1));
  const w = walk(k.hw, p.pd, page);
  if (isPresent(w.pte)) return { kind: 'mapped', how: 'zero' }; // another path brought it in
  const frame = k.frames.alloc('user');
  if (frame === null) return { kind: 'bad', reason: 'out of memory (no free frame)' };
  k.hw.zeroPage(frame);
  // The part of the page the file covers, if any: a page of a segment's bss has none, and is a zero-fill.
  const b = r.backing;
  const fileStart = b ? Math.max(page, b.vaddr) : 0;
  const fileEnd = b ? Math.min(page + PAGE_SIZE, b.vaddr + b.filesz) : 0;
  if (!b || fileEnd <= fileStart) {
    if (!mapPage(k.hw, k.frames, p.pd, page, frame, regionFlags(r))) { k.frames.free(frame); return { kind: 'bad', reason: 'out of memory (no frame for a page table)' }; }
    k.stats.zeroFills++;
    return { kind: 'mapped', how: 'zero' };
  }
  // Lazily loaded: the part of the page the file covers comes from the disk, the rest stays zero.
  const finish = (err: string | null): void => {
    if (p.state === 'zombie') { k.frames.free(frame); return; } // killed while the disk worked
    if (err !== null) { k.frames.free(frame); done(err); return; }
    if (!mapPage(k.hw, k.frames, p.pd, page, frame, regionFlags(r))) { k.frames.free(frame); done('out of memory (no frame for a page table)'); return; }
    k.stats.pageIns++;
    done(null);
  };
  const length = fileEnd - fileStart;
  const bounce = k.heap.kmalloc(length + 2 * SECTOR);
  if (bounce === null) { k.frames.free(frame); return { kind: 'bad', reason: 'out of kernel heap for a page-in buffer' }; }
  k.hw.charge(COST.perByteCopied * length);
  k.progdisk!.readFile(b.file, b.offset + (fileStart - b.vaddr), length, phys(frame + (fileStart - page)), V2P(bounce), (err) => {
    k.heap.kfree(bounce);
    finish(err);
  });
  return { kind: 'pending' };
}

