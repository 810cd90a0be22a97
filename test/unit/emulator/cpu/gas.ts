// Assembles test programs with GNU as (AT&T syntax) and links them flat at the address they will
// run from, so labels can be used as absolute addresses: `asm16(src, 0x1000)` for real-mode code,
// `asm32(src, 0x10000)` for 32-bit code. Results are cached by source and origin.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const cache = new Map<string, Uint8Array>();

function assemble(src: string, org: number, mode: '.code16' | '.code32'): Uint8Array {
  const key = `${mode}@${org}\n${src}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const dir = mkdtempSync(join(tmpdir(), 'ts386-gas-'));
  try {
    writeFileSync(join(dir, 'a.s'), `${mode}\n.globl _start\n_start:\n${src}\n`);
    execFileSync('as', ['--32', '-o', join(dir, 'a.o'), join(dir, 'a.s')], { stdio: ['ignore', 'ignore', 'pipe'] });
    execFileSync('ld', ['-m', 'elf_i386', `-Ttext=0x${org.toString(16)}`, '--oformat', 'binary', '-o', join(dir, 'a.bin'), join(dir, 'a.o')],
      { stdio: ['ignore', 'ignore', 'pipe'] });
    const bytes = new Uint8Array(readFileSync(join(dir, 'a.bin')));
    cache.set(key, bytes);
    return bytes;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** 16-bit code linked to run at offset `org` of its segment. */
export const asm16 = (src: string, org = 0x1000): Uint8Array => assemble(src, org, '.code16');
/** 32-bit code linked to run at linear address `org`. */
export const asm32 = (src: string, org = 0x10000): Uint8Array => assemble(src, org, '.code32');
