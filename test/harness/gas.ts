// GNU as for tests: whether the toolchain is here, and assembling snippets of test code.
//
//   asm16(src, org) / asm32(src, org)  AT&T syntax, linked flat at `org`, so labels are absolute
//   asmIntel(src, bits)                Intel syntax, the .text bytes unlinked (position-independent code)
//
// Results are cached by source, mode and origin: many tests assemble the same snippet.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** GNU as and ld are on PATH (every machine here has them; a user's may not). */
export const hasAs: boolean = (() => {
  try {
    execFileSync('as', ['--version'], { stdio: 'ignore' });
    execFileSync('ld', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const cache = new Map<string, Uint8Array>();

/** Assembles `header + src` in a temporary folder and returns the bytes `extract` leaves in out.bin. */
function build(key: string, text: string, extract: (obj: string, bin: string) => void): Uint8Array {
  const hit = cache.get(key);
  if (hit) return hit;
  const dir = mkdtempSync(join(tmpdir(), 'ts386-gas-'));
  try {
    const s = join(dir, 'a.s'), o = join(dir, 'a.o'), bin = join(dir, 'a.bin');
    writeFileSync(s, text);
    execFileSync('as', ['--32', '-o', o, s], { stdio: ['ignore', 'ignore', 'pipe'] });
    extract(o, bin);
    const bytes = new Uint8Array(readFileSync(bin));
    cache.set(key, bytes);
    return bytes;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function linked(src: string, org: number, mode: '.code16' | '.code32'): Uint8Array {
  return build(`${mode}@${org}\n${src}`, `${mode}\n.globl _start\n_start:\n${src}\n`, (o, bin) => {
    execFileSync('ld', ['-m', 'elf_i386', `-Ttext=0x${org.toString(16)}`, '--oformat', 'binary', '-o', bin, o],
      { stdio: ['ignore', 'ignore', 'pipe'] });
  });
}

/** 16-bit code linked to run at offset `org` of its segment. */
export const asm16 = (src: string, org = 0x1000): Uint8Array => linked(src, org, '.code16');
/** 32-bit code linked to run at linear address `org`. */
export const asm32 = (src: string, org = 0x10000): Uint8Array => linked(src, org, '.code32');

/** Intel-syntax 16- or 32-bit code, unlinked: the .text section's bytes. */
export function asmIntel(src: string, bits: 16 | 32 = 32): number[] {
  const bytes = build(`intel${bits}\n${src}`, `.intel_syntax noprefix\n.code${bits}\n${src}\n`, (o, bin) => {
    execFileSync('objcopy', ['-O', 'binary', '-j', '.text', o, bin]);
  });
  return [...bytes];
}

/**
 * For the "committed binaries are current" tests: runs `bash script DIR`, a build script that
 * writes its outputs into DIR, and returns which of `files` (paths relative to DIR and to
 * `committedDir`; default: every file the script wrote at the top of DIR) differ from the
 * committed copies.
 */
export function staleOutputs(script: string, committedDir: string, files?: readonly string[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'ts386-rebuild-'));
  try {
    execFileSync('bash', [script, dir], { stdio: ['ignore', 'ignore', 'pipe'] });
    const names = files ?? readdirSync(dir, { withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name);
    return names.filter((f) => Buffer.compare(readFileSync(join(dir, f)), readFileSync(join(committedDir, f))) !== 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
