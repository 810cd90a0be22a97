// The machine is deterministic: the same ROM image runs to the same output in the same number of
// cycles and instructions on every run (ARCHITECTURE.md, "Time from a single clock"). The image,
// test/asm/rom/rings.S (built by test/asm/build.sh into test/asm/bin/rom/rings.bin), starts at the
// reset vector, switches to protected mode, enables paging, moves between ring 0 and ring 3 (an
// INT 30h system call for each character it prints, and a #PF that builds a page table) and
// ends the run through the exit port.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Machine, type RunResult } from '../../../../emulator/machine.ts';

const romPath = path.join(path.dirname(new URL(import.meta.url).pathname), '../../../asm/bin/rom/rings.bin');

/** The output the ROM prints: a line from ring 0, then ring 3's (via system calls), then ring 0's. */
const TRANSCRIPT = [
  'rom: protected mode, paging on',
  'rom: ring 3',
  'rom: sum 0007fe00, page faults 00000001',
  'rom: done',
  '',
].join('\n');

/**
 * Pinned: the exact count for this image. A change to any instruction's clock count, to how a
 * fault or a ring change is charged, or to the ROM itself moves it; update it deliberately.
 */
const EXPECTED_CYCLES = 107_151; // 100,458 before the protected-mode ("pm=") and privilege-change clocks were charged
const EXPECTED_INSTRUCTIONS = 16_946;

function boot(): { result: RunResult; text: string } {
  const bytes: number[] = [];
  const m = new Machine({ rom: new Uint8Array(readFileSync(romPath)), onDebugByte: (b) => bytes.push(b) });
  const result = m.run(10_000_000);
  return { result, text: String.fromCharCode(...bytes) };
}

describe('determinism', () => {
  it('a ROM that enters protected mode, enables paging and moves between rings runs to completion with the same cycle count on every run', () => {
    const first = boot();
    const second = boot();
    expect(first.result.reason).toBe('exit');
    expect(first.result.exitStatus).toBe(0);
    expect(first.text).toBe(TRANSCRIPT);
    expect(second.text).toBe(first.text);
    expect(second.result).toEqual(first.result);
    expect(first.result.cycles).toBe(EXPECTED_CYCLES);
    expect(first.result.instructions).toBe(EXPECTED_INSTRUCTIONS);
  });
});
