// The boot-info block the firmware writes at 8000h before it calls the kernel (firmware/bios.S,
// hosted_boot): what the BIOS learned that the kernel cannot easily find out itself.
//
//   +00 'TSBI'            +14 disk count (0-2)
//   +04 CPU: 386 or 486    +18 disk 0 sectors   +1C disk 0 select byte (A0h master, B0h slave)
//   +08 E820 entry count   +20 disk 1 sectors   +24 disk 1 select byte
//   +0C E820 table address (20-byte entries: base u64, length u64, type u32)
//   +10 command line address (NUL-terminated)   +28 end of RAM in bytes

import { phys, type CpuFamily, type Hw, type PhysAddr } from './hw.ts';

export const BOOT_INFO_MAGIC = 0x49425354;

export interface E820Entry { base: number; length: number; type: number }
export interface BootDisk { unit: 0 | 1; sectors: number }
export interface BootInfo {
  cpu: CpuFamily;
  e820: E820Entry[];
  cmdline: string;
  disks: BootDisk[];
  ramTop: number;
}

/** Reads the block; a string says what is wrong with it. */
export function readBootInfo(hw: Hw, at: PhysAddr): BootInfo | string {
  const r32 = (off: number): number => hw.readPhys32(phys(at + off));
  if (r32(0) !== BOOT_INFO_MAGIC) return `boot-info block at 0x${at.toString(16)}: bad magic 0x${r32(0).toString(16)}`;
  const cpu = r32(4) === 486 ? 486 : 386;
  const e820: E820Entry[] = [];
  const table = r32(0x0c);
  for (let k = 0, n = Math.min(r32(8), 32); k < n; k++) {
    const e = table + k * 20;
    const hi = (off: number): number => hw.readPhys32(phys(e + off + 4));
    // Entries above 4 GiB cannot hold RAM this machine has: keep only the low 32 bits' worth.
    if (hi(0) !== 0) continue;
    const base = hw.readPhys32(phys(e));
    const low = hw.readPhys32(phys(e + 8));
    const length = hi(8) !== 0 || base + low > 0x100000000 ? 0x100000000 - base : low;
    e820.push({ base, length, type: hw.readPhys32(phys(e + 16)) });
  }
  let cmdline = '';
  for (let p = r32(0x10), k = 0; k < 1023; k++) {
    const c = hw.readPhys8(phys(p + k));
    if (c === 0) break;
    cmdline += String.fromCharCode(c);
  }
  const disks: BootDisk[] = [];
  for (let k = 0, n = Math.min(r32(0x14), 2); k < n; k++) {
    disks.push({ sectors: r32(0x18 + 8 * k), unit: r32(0x1c + 8 * k) === 0xb0 ? 1 : 0 });
  }
  return { cpu, e820, cmdline, disks, ramTop: r32(0x28) };
}
