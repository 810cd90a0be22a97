// The page cache of the program disk: the pages of its files that have been read, keyed by file and
// page, so that two processes running the same program map the same frames for its read-only pages
// (shared text), a writable page the file fills is shared copy-on-write until written, and running
// a program again reads nothing from the disk. A page stays cached after the last process using it
// exits; it is "idle" then (no PTE maps it), and is the first thing given back when frames run
// short: it is clean (the program disk is read-only to programs), so it is dropped, never written.
//
// A page of a file mapped MAP_SHARED is written in place, through the cached frame every mapper
// maps writable. Its writes are noted (the PTEs' D bits moved to the cache's dirty mark) and the
// page written back to the file by msync, munmap, exit, sync, the periodic sync, or the pager
// before it takes the frame. read() sees the cached bytes, written back or not.
//
// In guest RAM: per file, once one of its pages is cached, a table from the kernel heap with a word
// per page of the file: the frame that holds it (bit 0: dirty, written since it was last written
// back), or 0. Cached frames are labelled 'cache' in the
// frame table (`mem` counts them), whether processes map them or not; the reverse map counts the
// PTEs that do. Which table belongs to which file is the kernel's index of the tables (as a
// struct inode points to its pages), by the file's name.

import { COST } from '../cost.ts';
import { phys, PAGE_SIZE, type Hw, type PhysAddr, type VirtAddr } from '../hw.ts';
import { V2P } from '../layout.ts';
import type { KernelStats } from '../stats.ts';
import type { BackingFile, BackingStore } from './backing.ts';
import type { FrameAllocator } from './frame-table.ts';
import type { KernelHeap } from './heap.ts';
import type { ReverseMap } from './rmap.ts';
import { IdleHint } from './idle-hint.ts';

/** The dirty mark in a table word (frames are page aligned: bit 0 is free). */
const DIRTY = 1;

interface FileTable { readonly file: BackingFile; readonly at: VirtAddr; readonly pages: number }

export class PageCache {
  private readonly hw: Hw;
  private readonly heap: KernelHeap;
  private readonly frames: FrameAllocator;
  private readonly rmap: ReverseMap;
  private readonly stats: KernelStats;
  private readonly tables = new Map<string, FileTable>();
  private cached = 0;
  /** Cached pages no PTE maps (idle-hint.ts): told by the pager and by a mapping's release. */
  readonly idle = new IdleHint();
  /** Where dirty pages are written back (the program disk). */
  store: Pick<BackingStore, 'write'> | null = null;

  constructor(hw: Hw, heap: KernelHeap, frames: FrameAllocator, rmap: ReverseMap, stats: KernelStats) {
    this.hw = hw;
    this.heap = heap;
    this.frames = frames;
    this.rmap = rmap;
    this.stats = stats;
  }

  /** Pages cached now (mapped or idle). */
  get size(): number {
    return this.cached;
  }

  /** Per file with a table: its pages, how many are cached, how many of those a process maps (`cache`). */
  files(): Array<{ name: string; pages: number; cached: number; mapped: number }> {
    return [...this.tables.values()].map((t) => {
      let cached = 0, mapped = 0;
      for (let i = 0; i < t.pages; i++) {
        const f = this.hw.readPhys32(this.word(t, i)) & ~DIRTY;
        if (f === 0) continue;
        cached++;
        if (this.rmap.count(phys(f)) > 0) mapped++;
      }
      return { name: t.file.name, pages: t.pages, cached, mapped };
    }).sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  /** The kernel-heap blocks of the files' tables (the leak check counts them as the cache's, not leaked). */
  tableBlocks(): ReadonlySet<number> {
    return new Set([...this.tables.values()].map((t) => t.at as number));
  }

  private word(t: FileTable, index: number): PhysAddr {
    return phys(V2P(t.at) + index * 4);
  }

  /** The frame holding page `index` of `file` (bytes [index*4096, +4096)), if cached; counts a hit or a miss. */
  lookup(file: BackingFile, index: number): PhysAddr | null {
    const t = this.tables.get(file.name);
    this.hw.chargeCycles(COST.walkStep);
    const f = t === undefined || index >= t.pages ? 0 : this.hw.readPhys32(this.word(t, index)) & ~DIRTY;
    if (f === 0) { this.stats.cacheMisses++; return null; }
    this.stats.cacheHits++;
    return phys(f);
  }

  /** The frame holding page `index` of `file`, if cached, without counting a hit or a miss (read()'s look). */
  peek(file: BackingFile, index: number): PhysAddr | null {
    const t = this.tables.get(file.name);
    const f = t === undefined || index >= t.pages ? 0 : this.hw.readPhys32(this.word(t, index)) & ~DIRTY;
    return f === 0 ? null : phys(f);
  }

  /** The cached page in `frame` was written (a mapper's PTE had D): it goes back to the file at the next write-back. */
  markDirty(frame: PhysAddr): void {
    const at = this.find(frame);
    if (at !== null) this.hw.writePhys32(this.word(at.t, at.index), (frame | DIRTY) >>> 0);
  }

  private find(frame: PhysAddr): { t: FileTable; index: number } | null {
    for (const t of this.tables.values()) {
      for (let i = 0; i < t.pages; i++) {
        this.hw.chargeCycles(COST.walkStep);
        if ((this.hw.readPhys32(this.word(t, i)) & ~DIRTY) === frame) return { t, index: i };
      }
    }
    return null;
  }

  /**
   * Starts writing every dirty page (of `file`, or of every file) back to the file, each from a
   * copy in the store's buffer: the pages are clean from now on. Returns how many were written.
   */
  writeBack(file?: BackingFile): number {
    let n = 0;
    for (const t of this.tables.values()) {
      if (file !== undefined && t.file.name !== file.name) continue;
      for (let i = 0; i < t.pages; i++) {
        const w = this.hw.readPhys32(this.word(t, i));
        if ((w & DIRTY) === 0) continue;
        this.hw.writePhys32(this.word(t, i), (w & ~DIRTY) >>> 0);
        const r = this.store?.write(t.file, i * PAGE_SIZE, phys(w & ~DIRTY), Math.min(PAGE_SIZE, t.file.size - i * PAGE_SIZE));
        if (r === undefined || typeof r === 'string') { this.hw.writePhys32(this.word(t, i), w); continue; } // stays dirty: tried again later
        this.stats.cacheWritebacks++;
        n++;
      }
    }
    return n;
  }

  /**
   * `frame` (a user frame, filled with page `index` of `file`) joins the cache, labelled 'cache';
   * false (nothing changed) when the page is cached already or no table can be had for the file.
   */
  insert(file: BackingFile, index: number, frame: PhysAddr): boolean {
    let t = this.tables.get(file.name);
    if (t === undefined) {
      const pages = Math.ceil(file.size / PAGE_SIZE);
      const at = this.heap.kmalloc(pages * 4);
      if (at === null) return false;
      this.hw.fillPhys(V2P(at), pages * 4, 0);
      t = { file, at, pages };
      this.tables.set(file.name, t);
    }
    if (index >= t.pages || this.hw.readPhys32(this.word(t, index)) !== 0) return false;
    this.hw.writePhys32(this.word(t, index), frame);
    this.frames.setOwner(frame, 'cache');
    this.cached++;
    return true;
  }

  /** `frame` leaves the cache (the reclaimer takes it back, every PTE of it cleared): its word is cleared; the caller frees it. */
  remove(frame: PhysAddr): void {
    const at = this.find(frame);
    if (at === null) return;
    this.hw.writePhys32(this.word(at.t, at.index), 0);
    this.cached--;
    if (this.emptyTable(at.t)) { this.heap.kfree(at.t.at); this.tables.delete(at.t.file.name); }
  }

  /**
   * Frees one idle page (no PTE maps it), if there is one: what the allocator asks for when it has
   * no frame left. A file whose pages have all gone gives its table back.
   */
  dropIdle(): boolean {
    if (!this.idle.any) return false;
    if (this.dropOneIdle()) return true;
    this.idle.none();
    return false;
  }

  private dropOneIdle(): boolean {
    for (const [name, t] of this.tables) {
      for (let i = 0; i < t.pages; i++) {
        this.hw.chargeCycles(COST.walkStep);
        let f = this.hw.readPhys32(this.word(t, i));
        if (f === 0 || this.rmap.count(phys(f & ~DIRTY)) !== 0) continue;
        // A dirty page goes back to its file first (from a copy), never dropped unwritten.
        if ((f & DIRTY) !== 0) { this.writeBack(t.file); f = this.hw.readPhys32(this.word(t, i)); }
        if ((f & DIRTY) !== 0) continue; // no buffer for the write: it stays until it can go
        this.hw.writePhys32(this.word(t, i), 0);
        this.cached--;
        this.frames.free(phys(f));
        this.idle.taken();
        this.stats.cacheDrops++;
        if (this.emptyTable(t)) { this.heap.kfree(t.at); this.tables.delete(name); }
        return true;
      }
    }
    return false;
  }

  private emptyTable(t: FileTable): boolean {
    for (let i = 0; i < t.pages; i++) if (this.hw.readPhys32(this.word(t, i)) !== 0) return false;
    return true;
  }

  /** Drops every idle page and the tables left empty (halt, before the leak check). Returns how many pages went. */
  dropAllIdle(): number {
    let n = 0;
    while (this.dropOneIdle()) n++;
    this.idle.none();
    return n;
  }
}
