// Tests of the 80286 suite whose outcome on a 386 is *supposed* to differ from the 286's: each
// entry names a file, the tests it covers (by index or by a predicate on the test) and why the two
// processors differ, citing the manuals. Only real architectural differences belong here — never
// an emulator bug. The runner counts a covered test that fails as "skipped", not "failed"; a
// covered test that passes still counts as passed.

import type { MooTest } from './moo.ts';

export interface KnownDifference {
  /** File key, e.g. "81.0" for 81.0.MOO.gz; "*" for every file. */
  file: string;
  /** The covered tests: their indices in the file, or a predicate. */
  tests: readonly number[] | ((t: MooTest) => boolean);
  reason: string;
}

/** Instruction length without the generator's trailing HLT. */
const insnLength = (t: MooTest): number => t.bytes.length - 1;

export const KNOWN_DIFFERENCES: readonly KnownDifference[] = [
  {
    // 80286 PRM: an instruction longer than 10 bytes (possible only with redundant prefixes)
    // raises #GP(13); i386 PRM 17.2 "Instruction Format": the 386 limit is 15 bytes, so the same
    // bytes execute normally. The 286's expected state is the exception frame.
    file: '*',
    tests: (t) => insnLength(t) > 10 && t.exception?.number === 13,
    reason: '286 instruction length limit is 10 bytes (#GP), the 386 limit is 15: the 386 executes it',
  },
];

/** The reason a test is a known 286-vs-386 difference, or null. */
export function knownDifference(file: string, test: MooTest): string | null {
  for (const d of KNOWN_DIFFERENCES) {
    if (d.file !== '*' && d.file !== file) continue;
    const covered = typeof d.tests === 'function' ? d.tests(test) : d.tests.includes(test.idx);
    if (covered) return d.reason;
  }
  return null;
}
