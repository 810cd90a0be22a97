// Runs the self-checking assembly programs in this folder (lib.inc explains their shape): each
// committed bin/NAME.bin is loaded and entered the way its name says — NAME.real.bin at 0000:1000
// in real mode; NAME.pm.bin also at 0000:1000 in real mode, from where it enters protected mode
// itself (pm.inc), on a 486 when the name ends in .486.pm; the others at 0x10000 in flat 32-bit
// protected mode with ESP = 0x90000, on a 486 when the name ends in .486 — and must exit through port 0xF4 with status 0 and no FAIL
// line on the debug console. A second group checks that the committed binaries (and the ROM
// images built from rom/) are what build.sh makes from the sources. Programs in pending/ are
// neither built nor run: they wait for emulator features that have not landed. (The expected
// values were checked against a real processor with host-check.sh, which runs the parts that do
// not need ring 0 as Linux i386 programs.)

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { flat32, realMode, type TestMachine } from '../harness/cpu.ts';
import { hasAs, staleOutputs } from '../harness/gas.ts';

const here = path.dirname(new URL(import.meta.url).pathname);
const binDir = path.join(here, 'bin');
const sources = readdirSync(here).filter((f) => f.endsWith('.S')).map((f) => f.slice(0, -2)).sort();
/** ROM images: rom/NAME.S builds to bin/rom/NAME.bin. */
const roms = readdirSync(path.join(here, 'rom')).filter((f) => f.endsWith('.S')).map((f) => `rom/${f.slice(0, -2)}`).sort();

/** Generous: the largest program runs in under 100 000 cycles. */
const CYCLE_BUDGET = 5_000_000;

/** The programs are written for 16 MiB of RAM (pagefault.pm maps frames above 4 MiB). */
const RAM = 16 << 20;

function load(name: string): TestMachine {
  const bytes = readFileSync(path.join(binDir, `${name}.bin`));
  if (name.endsWith('.real')) return realMode(bytes, { ip: 0x1000, config: { memoryBytes: RAM } });
  if (name.endsWith('.pm')) return realMode(bytes, { ip: 0x1000, config: { cpu: name.endsWith('.486.pm') ? 486 : 386, memoryBytes: RAM } });
  return flat32(bytes, { addr: 0x10000, stack: 0x90000, config: { cpu: name.endsWith('.486') ? 486 : 386, memoryBytes: RAM } });
}

describe('assembly test programs', () => {
  for (const name of sources) {
    it(`${name} passes every check`, () => {
      const t = load(name);
      const r = t.m.run(CYCLE_BUDGET);
      const text = t.text();
      const where = `${t.m.cpu.seg[1]!.toString(16)}:${(t.m.cpu.eip >>> 0).toString(16)}`;
      const context = `${name}: stopped (${r.reason}${t.m.cpu.shutdownReason ? `: ${t.m.cpu.shutdownReason}` : ''}) at ${where} after ${r.instructions} instructions\n${text}`;
      expect(text, context).not.toContain('FAIL');
      expect(r.reason, context).toBe('exit');
      expect(r.exitStatus, context).toBe(0);
      expect(text, context).toMatch(/^ok /m);
    });
  }
});


describe('assembly test binaries', () => {
  it('there is a committed binary for every source and a source for every binary', () => {
    const bins = readdirSync(binDir).filter((f) => f.endsWith('.bin')).map((f) => f.slice(0, -4)).sort();
    expect(bins).toEqual(sources);
    const romBins = readdirSync(path.join(binDir, 'rom')).filter((f) => f.endsWith('.bin')).map((f) => `rom/${f.slice(0, -4)}`).sort();
    expect(romBins).toEqual(roms);
  });

  if (!hasAs) {
    it.skip('are current with their sources (GNU as/ld not on PATH: not rebuilt)', () => {});
    return;
  }
  it('are current with their sources (rebuilt with GNU as/ld/objcopy by build.sh)', () => {
    const stale = staleOutputs(path.join(here, 'build.sh'), binDir, [...sources, ...roms].map((name) => `${name}.bin`));
    expect(stale, 'run test/asm/build.sh and commit test/asm/bin').toEqual([]);
  });
});
