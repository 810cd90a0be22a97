// The kernel's view of a process's memory (copyin/copyout). Under --mm segments an address is an
// offset in the process's partition, checked against its size. Under paging every access walks the
// process's page tables in guest RAM, as the MMU would, and sets A (and D for a write) as the MMU
// would. A page that is not present yet but that a region allows is "needed": the caller brings it
// in (maybe from the disk) and restarts the system call; so is a copy-on-write page to be written
// (the pager copies it); an address no region allows is a fault (-EFAULT).

import { phys, virt, PAGE_SIZE, type Hw, type PhysAddr } from '../hw.ts';
import { PTE_A, PTE_D, PTE_FRAME, PTE_P, PTE_U, PTE_W, walk } from '../mm/pagetable.ts';
import { KERNBASE } from '../layout.ts';
import { revealIfHidden } from '../mm/lru.ts';
import type { Process } from './process.ts';

/** Thrown when a page must be brought in before the call can go on. */
export class PageNeeded {
  readonly va: number;
  readonly write: boolean;
  constructor(va: number, write: boolean) { this.va = va; this.write = write; }
}
/** Thrown for an address the process may not access this way. */
export class BadAddress {
  readonly va: number;
  constructor(va: number) { this.va = va; }
}

export class UserMemory {
  private readonly hw: Hw;
  private readonly p: Process;
  /** A page exact LRU had hidden from ring 3 (mm/lru.ts) was given back for this access. */
  private readonly revealed: (page: number) => void;

  constructor(hw: Hw, p: Process, revealed: (page: number) => void = () => {}) {
    this.hw = hw;
    this.p = p;
    this.revealed = revealed;
  }

  /** The physical address of user address `va`, checking U/S and R/W like a ring-3 access. */
  translate(va: number, write: boolean): PhysAddr {
    if (va < 0 || va >= KERNBASE) throw new BadAddress(va);
    // --mm segments: an offset in the process's data segment, checked against its limit as the
    // processor would, then relocated by its base (the arena is identity-mapped).
    if (this.p.seg !== null) {
      if (va >= this.p.seg.size) throw new BadAddress(va);
      return phys(this.p.seg.base + va);
    }
    const page = virt(va & ~(PAGE_SIZE - 1));
    let w = walk(this.hw, this.p.pd, page);
    // A resident page LRU hid from ring 3: the kernel's access on the process's behalf is a
    // reference as the process's own would be (a soft fault).
    if (w.pte !== null && (w.pte & (PTE_P | PTE_U)) === PTE_P && this.p.readableAt(va) && revealIfHidden(this.hw, this.p.pd, page)) {
      this.revealed(page);
      w = walk(this.hw, this.p.pd, page);
    }
    const eff = (w.pde & (w.pte ?? 0));
    if (w.pte === null || (w.pte & PTE_P) === 0 || (w.pde & PTE_P) === 0) {
      const r = this.p.regionAt(va);
      if (r === null || (write && !r.writable)) throw new BadAddress(va);
      throw new PageNeeded(va, write);
    }
    if ((eff & PTE_U) === 0) throw new BadAddress(va);
    if (write && (eff & PTE_W) === 0) {
      // A copy-on-write page (the region allows the write, the PTE does not): the kernel writes it
      // past the MMU (ring 0 ignores R/W on a 386), so the pager must copy it first, as for the
      // process's own write; writing the shared frame would reach every process that maps it.
      if ((w.pde & PTE_W) !== 0 && this.p.regionAt(va)?.writable === true) throw new PageNeeded(va, true);
      throw new BadAddress(va);
    }
    const want = PTE_A | (write ? PTE_D : 0);
    if ((w.pte & want) !== want && w.pteAddr !== null) this.hw.writePhys32(w.pteAddr, w.pte | want);
    return phys((w.pte & PTE_FRAME) + (va & (PAGE_SIZE - 1)));
  }

  /**
   * Every page-sized piece of [va, va+len) as [physical address, length], each checked (and brought
   * in when needed) before any is used: one walk per page.
   */
  private pieces(va: number, len: number, write: boolean): Array<[PhysAddr, number]> {
    if (len <= 0) return [];
    if (va + len > KERNBASE || va + len < va) throw new BadAddress(va);
    const out: Array<[PhysAddr, number]> = [];
    for (let done = 0; done < len;) {
      const a = va + done;
      const n = Math.min(len - done, PAGE_SIZE - (a & (PAGE_SIZE - 1)));
      out.push([this.translate(a, write), n]);
      done += n;
    }
    return out;
  }

  /** Checks every page of [va, va+len) is accessible (bringing in what is needed) before anything is done. */
  ensure(va: number, len: number, write: boolean): void {
    this.pieces(va, len, write);
  }

  read(va: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    let done = 0;
    for (const [pa, n] of this.pieces(va, len, false)) {
      this.hw.readPhysBytes(pa, out.subarray(done, done + n));
      done += n;
    }
    return out;
  }

  write(va: number, bytes: Uint8Array): void {
    let done = 0;
    for (const [pa, n] of this.pieces(va, bytes.length, true)) {
      this.hw.writePhysBytes(pa, bytes.subarray(done, done + n));
      done += n;
    }
  }

  readU32(va: number): number {
    const b = this.read(va, 4);
    return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
  }

  writeU32(va: number, v: number): void {
    this.write(va, Uint8Array.of(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff));
  }

  /** A NUL-terminated string of at most `max` bytes; null when it is longer. */
  readString(va: number, max: number): string | null {
    let s = '';
    for (let k = 0; k < max; k++) {
      const c = this.hw.readPhys8(this.translate(va + k, false));
      if (c === 0) return s;
      s += String.fromCharCode(c);
    }
    return null;
  }
}
