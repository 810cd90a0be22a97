// The committed firmware images must be what their sources build to.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = new URL('../..', import.meta.url).pathname;
const hasAs = (() => {
  try {
    execFileSync('as', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('firmware', () => {
  it.skipIf(!hasAs)('demo.bin is current with demo.S (rebuilt with GNU as/ld/objcopy)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ts386-fw-'));
    try {
      execFileSync('bash', [path.join(root, 'firmware/build.sh'), dir]);
      expect(Buffer.compare(readFileSync(path.join(dir, 'demo.bin')), readFileSync(path.join(root, 'firmware/demo.bin')))).toBe(0);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('demo.bin is a 64 KiB ROM whose reset vector jumps to F000:0000', () => {
    const rom = readFileSync(path.join(root, 'firmware/demo.bin'));
    expect(rom.length).toBe(0x10000);
    expect([...rom.subarray(0xfff0, 0xfff5)]).toEqual([0xea, 0x00, 0x00, 0x00, 0xf0]);
  });
});
