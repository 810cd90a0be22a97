// Physical address space of the PC: RAM from 0, the firmware ROM at the top of the first MiB and
// aliased just below 4 GiB (where the reset vector F000:FFF0 = FFFFFFF0 fetches from), and nothing
// else: an unmapped read returns all ones and an unmapped write is dropped, as on an ISA bus.
//
//   0x00000000 ┌──────────────────────┐
//              │ RAM (ramSize bytes)   │  conventional + extended memory
//   0x000A0000 │  (legacy VGA hole: RAM here, ts386 has no video memory)
//   0x100000 - romSize │ ROM (read-only; shadows RAM below 1 MiB)
//   0x00100000 │ RAM continues         │
//              ├──────────────────────┤ ramSize
//              │ unmapped: reads 0xFF  │
//   2^32 - romSize │ ROM alias         │
//   0xFFFFFFFF └──────────────────────┘
//
// The A20 gate is applied by whoever turns linear into physical addresses (the CPU's translation),
// through `a20Mask`, so that the hot path sees one plain array.

export const PAGE_SIZE = 4096;

/** What a physical page is, for the CPU's fast path: only RAM pages may be read and written directly. */
export const PageKind = { RAM: 0, ROM: 1, UNMAPPED: 2 } as const;

export class PhysicalMemory {
  readonly ramSize: number;
  readonly ram: Uint8Array;
  readonly ramView: DataView;
  rom: Uint8Array = new Uint8Array(0);
  /** Physical address of the low ROM copy (0x100000 - rom.length). */
  romLowBase = 0x100000;
  /** Physical address of the high alias (2^32 - rom.length). */
  romHighBase = 0x100000000;
  /** AND mask applied to every physical address: bit 20 is cleared while the A20 gate is closed. */
  a20Mask = -1;
  /** Called when a page that held RAM changes meaning (ROM mapped over it, A20 toggled): translation caches must drop it. */
  onMapChange: () => void = () => {};
  /**
   * One byte per RAM page: 1 while the CPU has decoded code from it. A write to such a page by
   * anyone — the CPU's slow path, a device, the kernel through HostPort — calls onCodeWrite, so
   * self-modifying code and code loaded by DMA or by the kernel are always re-decoded.
   */
  readonly codePages: Uint8Array;
  onCodeWrite: (page: number) => void = () => {};

  constructor(ramSize: number) {
    if (ramSize % PAGE_SIZE !== 0 || ramSize < 0x100000) {
      throw new RangeError(`RAM size ${ramSize} must be a whole number of 4 KiB pages and at least 1 MiB`);
    }
    this.ramSize = ramSize;
    this.ram = new Uint8Array(ramSize);
    this.ramView = new DataView(this.ram.buffer);
    this.codePages = new Uint8Array(ramSize / PAGE_SIZE);
  }

  /** Maps a firmware image read-only at the top of the first MiB and just below 4 GiB. */
  mapRom(rom: Uint8Array): void {
    if (rom.length === 0 || rom.length % PAGE_SIZE !== 0 || rom.length > 0x20000) {
      throw new RangeError(`ROM of ${rom.length} bytes: it must be whole pages and at most 128 KiB`);
    }
    this.rom = rom;
    this.romLowBase = 0x100000 - rom.length;
    this.romHighBase = 0x100000000 - rom.length;
    this.onMapChange();
  }

  setA20(enabled: boolean): void {
    const mask = enabled ? -1 : ~0x100000;
    if (mask !== this.a20Mask) {
      this.a20Mask = mask;
      this.onMapChange();
    }
  }

  get a20Enabled(): boolean {
    return this.a20Mask === -1;
  }

  /** The kind of the page holding `addr` (unsigned physical address). */
  pageKind(addr: number): number {
    if (this.romIndex(addr) >= 0) return PageKind.ROM;
    return addr < this.ramSize ? PageKind.RAM : PageKind.UNMAPPED;
  }

  private romIndex(addr: number): number {
    const n = this.rom.length;
    if (n === 0) return -1;
    if (addr >= this.romLowBase && addr < 0x100000) return addr - this.romLowBase;
    if (addr >= this.romHighBase && addr < 0x100000000) return addr - this.romHighBase;
    return -1;
  }

  // The slow, general accessors: any address, byte at a time. The CPU reads RAM directly for speed.
  read8(addr: number): number {
    addr >>>= 0;
    const r = this.romIndex(addr);
    if (r >= 0) return this.rom[r]!;
    if (addr < this.ramSize) return this.ram[addr]!;
    return 0xff;
  }

  write8(addr: number, value: number): void {
    addr >>>= 0;
    if (this.romIndex(addr) >= 0) return; // ROM is write-protected: the write is dropped
    if (addr < this.ramSize) {
      if (this.codePages[addr >>> 12] === 1) this.onCodeWrite(addr >>> 12);
      this.ram[addr] = value;
    }
  }

  read16(addr: number): number {
    return this.read8(addr) | (this.read8(addr + 1) << 8);
  }

  read32(addr: number): number {
    addr >>>= 0;
    // Page-table walks and descriptor reads land here: plain RAM, aligned, goes straight to the view.
    if ((addr & 3) === 0 && this.isPlainRam(addr)) return this.ramView.getInt32(addr, true);
    return (this.read16(addr) | (this.read16(addr + 2) << 16)) | 0;
  }

  /** RAM that no ROM shadows (the aligned fast path of read32/write32). */
  private isPlainRam(addr: number): boolean {
    return addr + 3 < this.ramSize && (addr >= 0x100000 || addr + 3 < this.romLowBase || this.rom.length === 0);
  }

  write16(addr: number, value: number): void {
    this.write8(addr, value & 0xff);
    this.write8(addr + 1, (value >>> 8) & 0xff);
  }

  write32(addr: number, value: number): void {
    addr >>>= 0;
    if ((addr & 3) === 0 && this.isPlainRam(addr)) {
      if (this.codePages[addr >>> 12] === 1) this.onCodeWrite(addr >>> 12);
      this.ramView.setInt32(addr, value, true);
      return;
    }
    this.write16(addr, value & 0xffff);
    this.write16(addr + 2, value >>> 16);
  }

  /** Whether [addr, addr+n) is RAM that no ROM shadows, so bulk operations may use the array. */
  private isPlainRange(addr: number, n: number): boolean {
    return addr >= 0 && addr + n <= this.ramSize && (addr >= 0x100000 || addr + n <= this.romLowBase || this.rom.length === 0);
  }

  /** Drops decoded code on every page of [addr, addr+n) that has some (a bulk write is about to land). */
  private codeWritten(addr: number, n: number): void {
    for (let page = addr >>> 12, last = (addr + n - 1) >>> 12; page <= last; page++) {
      if (this.codePages[page] === 1) this.onCodeWrite(page);
    }
  }

  /** Bulk read (HostPort's REP MOVS, machine-host-port.ts): unmapped bytes read as FFh, as read8 does. */
  readBytes(addr: number, dst: Uint8Array): void {
    addr = (addr >>> 0) & this.a20Mask;
    if (this.isPlainRange(addr, dst.length) && this.a20Mask === -1) { dst.set(this.ram.subarray(addr, addr + dst.length)); return; }
    for (let k = 0; k < dst.length; k++) dst[k] = this.read8((addr + k) & this.a20Mask);
  }

  /** Bulk write; ROM drops it, code pages are re-decoded. */
  writeBytes(addr: number, src: Uint8Array): void {
    addr = (addr >>> 0) & this.a20Mask;
    if (src.length === 0) return;
    if (this.isPlainRange(addr, src.length) && this.a20Mask === -1) { this.codeWritten(addr, src.length); this.ram.set(src, addr); return; }
    for (let k = 0; k < src.length; k++) this.write8((addr + k) & this.a20Mask, src[k]!);
  }

  /** Bulk fill (REP STOSB). */
  fill(addr: number, n: number, value: number): void {
    addr = (addr >>> 0) & this.a20Mask;
    if (n <= 0) return;
    if (this.isPlainRange(addr, n) && this.a20Mask === -1) { this.codeWritten(addr, n); this.ram.fill(value, addr, addr + n); return; }
    for (let k = 0; k < n; k++) this.write8((addr + k) & this.a20Mask, value);
  }

  /** Bulk copy (REP MOVSB), as if byte by byte upwards when the ranges do not overlap. */
  copy(dst: number, src: number, n: number): void {
    dst >>>= 0; src >>>= 0;
    if (n <= 0) return;
    if (this.a20Mask === -1 && this.isPlainRange(dst, n) && this.isPlainRange(src, n)) { this.codeWritten(dst, n); this.ram.copyWithin(dst, src, src + n); return; }
    for (let k = 0; k < n; k++) this.write8((dst + k) & this.a20Mask, this.read8((src + k) & this.a20Mask));
  }

  /** Copies bytes into physical memory, ROM excepted (used by loaders before the CPU starts). */
  load(addr: number, bytes: Uint8Array): void {
    for (let k = 0; k < bytes.length; k++) this.write8(addr + k, bytes[k]!);
  }
}
