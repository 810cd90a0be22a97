// A byte ring buffer whose bytes live in guest RAM (a kmalloc'd block): the console's transmit
// queue and its input queue. Head and tail are kept here; the data is the kernel's memory.

import type { Hw, VirtAddr } from '../hw.ts';
import { V2P } from '../layout.ts';

export class Ring {
  private readonly hw: Hw;
  readonly base: VirtAddr;
  readonly capacity: number;
  private head = 0; // next byte to take
  private count = 0;

  constructor(hw: Hw, base: VirtAddr, capacity: number) {
    this.hw = hw;
    this.base = base;
    this.capacity = capacity;
  }

  get length(): number { return this.count; }
  get free(): number { return this.capacity - this.count; }

  push(b: number): boolean {
    if (this.count === this.capacity) return false;
    this.hw.writePhys8(V2P(this.base + ((this.head + this.count) % this.capacity)), b);
    this.count++;
    return true;
  }

  /** The byte `k` places from the head, without taking it. */
  peek(k = 0): number {
    return this.hw.readPhys8(V2P(this.base + ((this.head + k) % this.capacity)));
  }

  shift(): number {
    const b = this.peek();
    this.head = (this.head + 1) % this.capacity;
    this.count--;
    return b;
  }

  /** Drops the most recently pushed byte (backspace). */
  pop(): boolean {
    if (this.count === 0) return false;
    this.count--;
    return true;
  }

  clear(): void { this.head = 0; this.count = 0; }
}
