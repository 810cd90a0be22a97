// `--jit on|off`: the block compiler (emulator/cpu/compile.ts) on or off. The machine must do the
// same either way, to the cycle; the compiler's own cross-check against the interpreter is
// test/unit/emulator/cpu/compiler-crosscheck.test.ts.
// The runs are in this process (test/harness/cli.ts).
import { describe, expect, it } from 'vitest';
import { runTs386 } from '../../harness/cli.ts';

const ts386 = (input: string, ...args: string[]) => runTs386(args, input);

describe('ts386 --jit', () => {
  it('runs a program to the same output, and the kernel halts at the same cycle, with the compiler on and off', async () => {
    // matmult's loops run thousands of times: with the compiler on they run compiled.
    const input = 'run matmult 40\n';
    const on = await ts386(input, '--jit', 'on');
    const off = await ts386(input, '--jit', 'off');
    expect(on.stdout).toMatch(/matmult/);
    expect(on.stderr).toMatch(/^ts386: kernel halted after \d+ cycles, \d+ instructions/);
    expect(off.stdout).toBe(on.stdout);
    // The last line's MIPS is the host's speed; the cycles and instructions before it are the machine's.
    const machineOnly = (s: string): string => s.replace(/, [\d.]+ MIPS,/, ', MIPS,');
    expect(machineOnly(off.stderr)).toBe(machineOnly(on.stderr));
    expect(off.status).toBe(on.status);
  });

  it.each([['maybe'], ['']])('rejects --jit %j with one line and status 2', async (value) => {
    const r = await ts386('', `--jit=${value}`);
    expect(r.stderr).toBe(`ts386: --jit ${value}: expected on or off\n`);
    expect(r.status).toBe(2);
  });
});
