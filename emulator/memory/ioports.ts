// The I/O address space: 65536 byte ports. Devices register handlers for the ports they decode;
// an unmapped port reads as all ones (the ISA bus floats high) and swallows writes.
// 16- and 32-bit accesses go to a device's wide handler when it has one, otherwise they are split
// into byte accesses at consecutive ports, as the bus does for an 8-bit device.

export interface PortHandler {
  read8(port: number): number;
  write8(port: number, value: number): void;
  read16?(port: number): number;
  write16?(port: number, value: number): void;
  read32?(port: number): number;
  write32?(port: number, value: number): void;
  /**
   * Word reads from one port in a row, made at one instant (readWords16 below): up to `count` words
   * into `dst` from byte `offset`, little-endian, as that many read16s would read them. Returns how
   * many it moved, stopping where a read16 would have changed more than the data (the end of a
   * block); 0 when the next word is not plain data, for read16 to read it.
   */
  readWords16?(port: number, dst: Uint8Array, offset: number, count: number): number;
  /** The same for writes, from `src`. */
  writeWords16?(port: number, src: Uint8Array, offset: number, count: number): number;
}

/** Called for accesses to ports no device claims (for `--trace io`). */
export type UnmappedPortHook = (port: number, size: 8 | 16 | 32, write: boolean, value: number) => void;

export class IoPorts {
  // Which handler decodes each port, as an index into `owners` (0: none). A byte per port keeps a
  // machine's map at 64 KiB of zeroed typed memory, not a 65,536-slot JS array (512 KiB of heap the
  // garbage collector must scan and every new machine must fill); a board has a dozen devices.
  private readonly slot = new Uint8Array(0x10000);
  private readonly owners: Array<PortHandler | undefined> = [undefined];
  onUnmapped: UnmappedPortHook | null = null;
  /**
   * Called before every access: the board brings the devices' clock up to the CPU's cycle count
   * here, so a device sees the instant of the IN or OUT that reaches it.
   */
  beforeAccess: (() => void) | null = null;
  /** Sees every access after it happened (`--trace io`): port, size in bits, write or read, value. */
  onTrace: ((port: number, size: 8 | 16 | 32, write: boolean, value: number) => void) | null = null;

  /** Claims `count` consecutive ports from `first` for `handler`; a port claimed twice is a wiring bug. */
  register(first: number, count: number, handler: PortHandler): void {
    for (let p = first; p < first + count; p++) {
      if (this.slot[p & 0xffff] !== 0) throw new Error(`I/O port 0x${(p & 0xffff).toString(16)} is already claimed`);
    }
    this.replace(first, count, handler);
  }

  /** Claims ports whatever holds them now (tests and debugging tools put a probe in front of a device). */
  replace(first: number, count: number, handler: PortHandler): void {
    let k = this.owners.indexOf(handler);
    if (k < 0) {
      if (this.owners.length > 0xff) throw new Error(`I/O port 0x${(first & 0xffff).toString(16)}: more than 255 port handlers on one board`);
      k = this.owners.push(handler) - 1;
    }
    for (let p = first; p < first + count; p++) this.slot[p & 0xffff] = k;
  }

  /** The handler that decodes `port` (0..0xFFFF), if any. */
  private handler(port: number): PortHandler | undefined {
    return this.owners[this.slot[port]!];
  }

  // The public accessors: bring the devices' time up to date, access, then report to a tracer.
  read8(port: number): number {
    this.beforeAccess?.();
    const v = this.in8(port & 0xffff);
    this.onTrace?.(port & 0xffff, 8, false, v);
    return v;
  }

  write8(port: number, value: number): void {
    this.beforeAccess?.();
    this.out8(port & 0xffff, value & 0xff);
    this.onTrace?.(port & 0xffff, 8, true, value & 0xff);
  }

  read16(port: number): number {
    this.beforeAccess?.();
    const v = this.in16(port & 0xffff);
    this.onTrace?.(port & 0xffff, 16, false, v);
    return v;
  }

  write16(port: number, value: number): void {
    this.beforeAccess?.();
    this.out16(port & 0xffff, value & 0xffff);
    this.onTrace?.(port & 0xffff, 16, true, value & 0xffff);
  }

  /**
   * `count` words read from `port` at one instant (the host's REP INSW: the clock does not move
   * between them) into `dst`, little-endian: what `count` read16s give, every one brought up to
   * date and traced alike. A device's readWords16 takes the words between two of its state changes
   * in one call; without it, or with a tracer, each word is a read16.
   */
  readWords16(port: number, dst: Uint8Array, count: number): void {
    port &= 0xffff;
    const h = this.handler(port);
    for (let k = 0; k < count;) {
      if (h?.readWords16 && this.onTrace === null) {
        this.beforeAccess?.();
        const n = h.readWords16(port, dst, 2 * k, count - k);
        if (n > 0) {
          k += n;
          continue;
        }
      }
      const v = this.read16(port);
      dst[2 * k] = v;
      dst[2 * k + 1] = v >>> 8;
      k++;
    }
  }

  /** `count` words from `src` written to `port` at one instant (REP OUTSW), as readWords16 reads. */
  writeWords16(port: number, src: Uint8Array, count: number): void {
    port &= 0xffff;
    const h = this.handler(port);
    for (let k = 0; k < count;) {
      if (h?.writeWords16 && this.onTrace === null) {
        this.beforeAccess?.();
        const n = h.writeWords16(port, src, 2 * k, count - k);
        if (n > 0) {
          k += n;
          continue;
        }
      }
      this.write16(port, src[2 * k]! | (src[2 * k + 1]! << 8));
      k++;
    }
  }

  read32(port: number): number {
    this.beforeAccess?.();
    const v = this.in32(port & 0xffff);
    this.onTrace?.(port & 0xffff, 32, false, v);
    return v;
  }

  write32(port: number, value: number): void {
    this.beforeAccess?.();
    this.out32(port & 0xffff, value | 0);
    this.onTrace?.(port & 0xffff, 32, true, value | 0);
  }

  // Dispatch. A wide access to a device without a wide handler is split into byte accesses at
  // consecutive ports, as the bus does for an 8-bit device.
  private in8(port: number): number {
    const h = this.handler(port);
    if (h) return h.read8(port) & 0xff;
    this.onUnmapped?.(port, 8, false, 0xff);
    return 0xff;
  }

  private out8(port: number, value: number): void {
    const h = this.handler(port);
    if (h) h.write8(port, value);
    else this.onUnmapped?.(port, 8, true, value);
  }

  private in16(port: number): number {
    const h = this.handler(port);
    if (h?.read16) return h.read16(port) & 0xffff;
    return this.in8(port) | (this.in8((port + 1) & 0xffff) << 8);
  }

  private out16(port: number, value: number): void {
    const h = this.handler(port);
    if (h?.write16) return h.write16(port, value);
    this.out8(port, value & 0xff);
    this.out8((port + 1) & 0xffff, (value >>> 8) & 0xff);
  }

  private in32(port: number): number {
    const h = this.handler(port);
    if (h?.read32) return h.read32(port) | 0;
    return (this.in16(port) | (this.in16((port + 2) & 0xffff) << 16)) | 0;
  }

  private out32(port: number, value: number): void {
    const h = this.handler(port);
    if (h?.write32) return h.write32(port, value);
    this.out16(port, value & 0xffff);
    this.out16((port + 2) & 0xffff, value >>> 16);
  }
}
