// The boot harness's own checks: the transcript diff and expectTranscript (no boot needed).

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectTranscript, lineDiff, UPDATE_EXPECT } from '../harness/kernel.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'ts386-expect-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('lineDiff', () => {
  it('is empty for equal texts', () => {
    expect(lineDiff('a\nb\n', 'a\nb\n')).toBe('');
  });

  it('shows a changed line as - and + with three lines of context and a hunk header', () => {
    const a = ['1', '2', '3', '4', '5', '6', '7', '8', '9'].join('\n');
    const b = ['1', '2', '3', '4', 'five', '6', '7', '8', '9'].join('\n');
    expect(lineDiff(a, b, 'x.expect')).toBe(['--- x.expect', '+++ actual', '@@ -2,7 +2,7 @@', ' 2', ' 3', ' 4', '-5', '+five', ' 6', ' 7', ' 8'].join('\n'));
  });

  it('finds inserted and deleted lines (not a line-by-line comparison)', () => {
    const d = lineDiff('a\nb\nc\nd\n', 'a\nX\nb\nc\n');
    expect(d.split('\n').filter((l) => /^[-+][^-+]/.test(l) || l === '-' || l === '+')).toEqual(['+X', '-d']);
  });

  it('makes two hunks of changes far apart, and shows control characters', () => {
    const a = Array.from({ length: 30 }, (_, i) => `line ${i}`);
    const b = [...a];
    b[2] = 'changed\x1b[0m';
    b[25] = 'also changed';
    const d = lineDiff(a.join('\n'), b.join('\n'));
    expect(d.match(/^@@/gm)).toHaveLength(2);
    expect(d).toContain('+changed\\x1b[0m');
    expect(d).toContain('-line 25\n+also changed');
  });
});

describe.skipIf(UPDATE_EXPECT)('expectTranscript', () => {
  it('passes on an equal file and throws a diff, the file name and where the run stood on a different one', () => {
    const f = path.join(dir, 'a.expect');
    writeFileSync(f, '$ run hello\nhello, world (pid 1)\n$ ');
    expect(() => expectTranscript('$ run hello\nhello, world (pid 1)\n$ ', f)).not.toThrow();
    expect(() => expectTranscript('$ run hello\nhello, world (pid 2)\n$ ', f, 'after 123 cycles at 0008:c0100000'))
      .toThrow(/after 123 cycles at 0008:c0100000[\s\S]*-hello, world \(pid 1\)\n\+hello, world \(pid 2\)/);
    expect(() => expectTranscript('x', f)).toThrow(/UPDATE_EXPECT=1/);
  });

  it('says how to create a missing file', () => {
    expect(() => expectTranscript('x', path.join(dir, 'missing.expect'))).toThrow(/no expected transcript .*missing\.expect: run with UPDATE_EXPECT=1/);
  });
});

describe.runIf(UPDATE_EXPECT)('expectTranscript with UPDATE_EXPECT=1', () => {
  it('writes the actual transcript', () => {
    const f = path.join(dir, 'new.expect');
    expectTranscript('fresh\n', f);
    expect(readFileSync(f, 'latin1')).toBe('fresh\n');
  });
});
