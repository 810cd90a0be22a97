// Swap space: the second ATA disk (the channel's slave), in 4 KiB slots of eight sectors. The slot
// map is one count per slot in guest RAM: how many PTEs hold the slot (a fork shares a swapped
// page's slot with the child until either brings the page back). Slot 0 is never used, so a swap
// PTE (pagetable.ts's swapEntry) is never 0. A page moves to and from its slot by PIO straight
// from and into its frame: the process that waits sleeps on the request (dev/ata.ts).

import { phys, PAGE_SIZE, type Hw, type PhysAddr, type VirtAddr } from '../hw.ts';
import { V2P } from '../layout.ts';
import type { AtaDisk, DiskRequest } from '../dev/ata.ts';
import type { KernelHeap } from './heap.ts';

const SECTORS_PER_SLOT = PAGE_SIZE / 512;
/** A count of 255 is as far as a byte goes; past it a fork of a swapped page fails (ENOMEM). */
const MAX_REFS = 255;

export class SwapSpace {
  private readonly hw: Hw;
  private readonly disk: AtaDisk;
  /** Slots 1 .. slots - 1 hold pages. */
  readonly slots: number;
  private readonly map: VirtAddr;
  private inUse = 0;
  /** Where the next search for a free slot starts (next fit). */
  private hint = 1;

  private constructor(hw: Hw, disk: AtaDisk, slots: number, map: VirtAddr) {
    this.hw = hw;
    this.disk = disk;
    this.slots = slots;
    this.map = map;
  }

  /** Swap space on `disk` (`sectors` long), its map from the kernel heap; null when the disk is too small or the heap full. */
  static create(hw: Hw, heap: KernelHeap, disk: AtaDisk, sectors: number): SwapSpace | null {
    const slots = Math.floor(sectors / SECTORS_PER_SLOT);
    if (slots < 2) return null;
    const map = heap.kmalloc(slots);
    if (map === null) return null;
    hw.fillPhys(V2P(map), slots, 0);
    return new SwapSpace(hw, disk, slots, map);
  }

  /** Slots in use (the leak check's and `mem`'s count). */
  get used(): number {
    return this.inUse;
  }

  /** Slots that can hold a page. */
  get total(): number {
    return this.slots - 1;
  }

  private count(slot: number): number {
    return this.hw.readPhys8(phys(V2P(this.map) + slot));
  }

  private setCount(slot: number, n: number): void {
    this.hw.writePhys8(phys(V2P(this.map) + slot), n);
  }

  /** A free slot, now held once; null when swap is full. */
  alloc(): number | null {
    for (let k = 0; k < this.slots - 1; k++) {
      const slot = 1 + ((this.hint - 1 + k) % (this.slots - 1));
      if (this.count(slot) === 0) {
        this.setCount(slot, 1);
        this.inUse++;
        this.hint = slot + 1 >= this.slots ? 1 : slot + 1;
        return slot;
      }
    }
    return null;
  }

  /** One more PTE holds `slot` (fork); false when its count is at its limit. */
  ref(slot: number): boolean {
    const n = this.count(slot);
    if (n === 0 || n >= MAX_REFS) return false;
    this.setCount(slot, n + 1);
    return true;
  }

  /** `n` more PTEs hold `slot` (a shared page going out); false, and nothing changed, when its count would pass its limit. */
  refs(slot: number, n: number): boolean {
    if (n === 0) return true;
    const c = this.count(slot);
    if (c === 0 || c + n > MAX_REFS) return false;
    this.setCount(slot, c + n);
    return true;
  }

  /** One PTE lets go of `slot`; the last one frees it. */
  free(slot: number): void {
    const n = this.count(slot);
    if (n === 0) throw new Error(`swap: slot ${slot} freed but not in use`);
    this.setCount(slot, n - 1);
    if (n === 1) this.inUse--;
  }

  /** Whether a PTE's slot is shared (a fork's): the page read back must not free it for the others. */
  shared(slot: number): boolean {
    return this.count(slot) > 1;
  }

  write(slot: number, frame: PhysAddr): DiskRequest {
    return this.disk.write(slot * SECTORS_PER_SLOT, SECTORS_PER_SLOT, frame);
  }

  read(slot: number, frame: PhysAddr): DiskRequest {
    return this.disk.read(slot * SECTORS_PER_SLOT, SECTORS_PER_SLOT, frame);
  }
}
