// Garbage in ring 3: programs made of seeded random bytes, with system calls made on random
// arguments sprinkled through them. Whatever they do — fault, fork, exec nonsense, sleep forever,
// spin — the kernel must kill or finish them without a panic, keep the shell alive, and leak
// nothing by `halt`. (DEVELOPERS.md: a guest that executes garbage gets the right x86 exception,
// never a JavaScript stack trace.)

import { describe, expect, it } from 'vitest';
import { hasAs } from '../harness/gas.ts';
import { bootKernel, type BootOptions } from '../harness/kernel.ts';
import { elfProgram, programDiskWith } from '../harness/progdisk.ts';

/** sync, munmap, mprotect, msync, mmap, shmget, shmctl, shmat, shmdt (kernel/abi.ts). */
const MAPPING_CALLS = [36, 91, 125, 144, 192, 395, 396, 397, 398];

/** A small deterministic PRNG (xorshift32). */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x;
  };
}

/**
 * Random code: bytes (unless `callsOnly`), register loads with plausible and implausible values, and
 * INT 80h. `segments`: the plausible addresses are a partition's offsets (program from 0, stack
 * below 0xa000, the heap past it) instead of a paged address space's.
 */
function garbage(seed: number, callsOnly = false, segments = false): string {
  const r = rng(seed);
  const out: string[] = [];
  const regs = ['%eax', '%ebx', '%ecx', '%edx', '%esi', '%edi'];
  const values = (): number => {
    switch (r() % 5) {
      // A system-call number or a small count; now and then one of the memory-mapping calls.
      case 0: return r() % 4 === 0 ? MAPPING_CALLS[r() % MAPPING_CALLS.length]! : r() % 210;
      case 1: return (segments ? 0 : 0x08048000) + (r() % 0x3000); // inside the program
      case 2: return segments ? 0x8000 + (r() % 0x4000) : 0xbffff000 + (r() % 0x1000); // the stack (and, under segments, past the partition's end)
      case 3: return 0xc0000000 + (r() % 0x100000); // the kernel
      default: return r();
    }
  };
  for (let k = 0; k < 120; k++) {
    const kind = r() % (callsOnly ? 5 : 8);
    if (kind < 3) out.push(`  movl $0x${values().toString(16)}, ${regs[r() % regs.length]}`);
    else if (kind < 5) out.push('  int $0x80');
    else out.push(`  .byte ${Array.from({ length: 1 + (r() % 6) }, () => `0x${(r() & 0xff).toString(16)}`).join(', ')}`);
  }
  out.push('  movl $1, %eax', '  movl $0, %ebx', '  int $0x80');
  return out.join('\n');
}

/**
 * Boots (`boot`, its disk holding junk1 .. junkN), runs each program in turn, stopping with Ctrl-C
 * those that do not end by themselves (children they forked run on in the background), then hello
 * and halt: the kernel never panics, the shell stays up, and the leak check reads `leaks`.
 */
function runAll(n: number, boot: BootOptions, haltBudget: number, leaks: RegExp): void {
  const m = bootKernel(boot);
  for (let s = 1; s <= n; s++) {
    const from = m.transcript.length;
    m.type(`run junk${s}\r`);
    try {
      m.runUntil(/\n\$ $/, 5_000_000, from + 8);
    } catch {
      m.type('\x03');
      m.runUntil(/\n\$ $/, 10_000_000, from + 8);
    }
    expect(m.kernel.panicked, m.transcript.slice(from)).toBe(false);
  }
  expect(m.command('run hello')).toMatch(/^hello, world \(pid \d+\)\n/);
  m.type('halt\r');
  const r = m.runToStop(haltBudget);
  expect(m.kernel.panicked).toBe(false);
  expect(r.exitStatus).toBe(0);
  expect(m.transcript).toMatch(leaks);
}

// `npm run fuzz -- N [SEED]` (scripts/fuzz.mjs) sets these for a longer run with no time limit.
const N = Number(process.env.FUZZ_N ?? 24);
const SEED = Number(process.env.FUZZ_SEED ?? 0);

describe.skipIf(!hasAs)('random programs', () => {
  it.each([
    ['random bytes and system calls', false],
    ['only system calls, on random arguments', true],
  ])('%s never panic the kernel, never kill the shell, and leak nothing', (_name, callsOnly) => {
    const progs: Record<string, Uint8Array> = {};
    for (let s = 1; s <= N; s++) progs[`junk${s}`] = elfProgram(garbage(s * 7919 + SEED * 104729 + (callsOnly ? 1 : 0), callsOnly));
    runAll(N, { disk: programDiskWith(progs) }, 60_000_000, /leak check: 0 frames, 0 heap blocks, 0 mappings leaked\n$/);
  });

  it.each([
    ['random bytes and system calls', false],
    ['only system calls, on random arguments', true],
  ])('under --mm segments, %s never panic the kernel, never kill the shell, and leak nothing', (_name, callsOnly) => {
    const progs: Record<string, Uint8Array> = {};
    // Linked at 0, where --mm segments runs seg/NAME from.
    for (let s = 1; s <= N; s++) progs[`seg/junk${s}`] = elfProgram(garbage(s * 6007 + SEED * 104729 + (callsOnly ? 1 : 0), callsOnly, true), undefined, 0);
    runAll(N, { disk: programDiskWith(progs), cmdline: 'mm=segments', memoryBytes: 4 << 20, swapBytes: 4 << 20 }, 200_000_000,
      /leak check: 0 frames, 0 heap blocks, 0 swap slots, 0 partitions, 0 mappings leaked\n$/);
  });
});
