// `--jit on|off`: the block compiler (emulator/cpu/compile.ts) on or off. The machine must do the
// same either way, to the cycle; the compiler's own cross-check against the interpreter is
// test/unit/emulator/cpu/compiler-crosscheck.test.ts.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = new URL('../../..', import.meta.url).pathname;
const bin = path.join(root, 'dist/ts386.mjs');

function ts386(input: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000, input });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('ts386 --jit', () => {
  it('runs a program to the same output, and the kernel halts at the same cycle, with the compiler on and off', () => {
    // matmult's loops run thousands of times: with the compiler on they run compiled.
    const input = 'run matmult 40\n';
    const on = ts386(input, '--jit', 'on');
    const off = ts386(input, '--jit', 'off');
    expect(on.stdout).toMatch(/matmult/);
    expect(on.stderr).toMatch(/^ts386: kernel halted after \d+ cycles, \d+ instructions/);
    expect(off.stdout).toBe(on.stdout);
    // The last line's MIPS is the host's speed; the cycles and instructions before it are the machine's.
    const machineOnly = (s: string): string => s.replace(/, [\d.]+ MIPS,/, ', MIPS,');
    expect(machineOnly(off.stderr)).toBe(machineOnly(on.stderr));
    expect(off.status).toBe(on.status);
  });

  it.each([['maybe'], ['']])('rejects --jit %j with one line and status 2', (value) => {
    const r = ts386('', `--jit=${value}`);
    expect(r.stderr).toBe(`ts386: --jit ${value}: expected on or off\n`);
    expect(r.status).toBe(2);
  });
});
