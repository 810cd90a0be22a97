// The committed firmware images must be what their sources build to.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasAs, staleOutputs } from '../harness/gas.ts';

const root = new URL('../..', import.meta.url).pathname;

describe('firmware', () => {
  it.skipIf(!hasAs)('demo.bin and bios.bin are current with their sources (rebuilt with GNU as/ld/objcopy)', () => {
    expect(staleOutputs(path.join(root, 'firmware/build.sh'), path.join(root, 'firmware'), ['demo.bin', 'bios.bin'])).toEqual([]);
  });

  it('bios.bin is a 64 KiB ROM whose reset vector jumps into it, with the AT model byte at F000:FFFE', () => {
    const rom = readFileSync(path.join(root, 'firmware/bios.bin'));
    expect(rom.length).toBe(0x10000);
    expect(rom[0xfff0]).toBe(0xea); // jmp far
    expect(rom.readUInt16LE(0xfff3)).toBe(0xf000);
    expect(rom[0xfffe]).toBe(0xfc);
  });

  it('demo.bin is a 64 KiB ROM whose reset vector jumps to F000:0000', () => {
    const rom = readFileSync(path.join(root, 'firmware/demo.bin'));
    expect(rom.length).toBe(0x10000);
    expect([...rom.subarray(0xfff0, 0xfff5)]).toEqual([0xea, 0x00, 0x00, 0x00, 0xf0]);
  });
});
