// `ts386 compare --sim`'s parts: the trace simulator (cli/sim/simulate.ts) on the textbook strings
// and against Belady's anomaly, its ticks and D bits; the page string (cli/sim/page-string.ts);
// and the recording run (cli/compare-record.ts), which must turn `touch -r` into exactly its string.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordJob } from '../../../cli/compare-record.ts';
import { PageStringBuilder, writeString } from '../../../cli/sim/page-string.ts';
import { DEFAULT_TICK_EVERY, nextUses, type PolicyName, simulateFaults } from '../../../cli/sim/simulate.ts';
import { POLICY_NAMES } from '../../../kernel/index.ts';

const TEXTBOOK = writeString([7, 0, 1, 2, 0, 3, 0, 4, 2, 3, 0, 3, 2, 1, 2, 0, 1, 7, 0, 1]);
const BELADY_REFS = [1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5];
const BELADY = writeString(BELADY_REFS);

/** xorshift32: the same strings on every run. */
function generator(seed: number): (n: number) => number {
  let x = seed >>> 0 || 1;
  return (n) => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x % n;
  };
}

/** Faults with 1, 2, ... `most` frames. */
const curve = (s: ReturnType<typeof writeString>, policy: PolicyName, most: number): number[] =>
  Array.from({ length: most }, (_, i) => simulateFaults(s, i + 1, policy));

/** Whether more frames ever gave more faults. */
const anomalous = (faults: readonly number[]): boolean => faults.some((f, i) => i > 0 && f > faults[i - 1]!);

describe('the trace simulator on the textbook strings', () => {
  it('7,0,1,2,0,3,0,4,2,3,0,3,2,1,2,0,1,7,0,1 with 3 frames: FIFO 15, LRU 12, OPT 9', () => {
    expect(['fifo', 'lru', 'opt'].map((p) => simulateFaults(TEXTBOOK, 3, p as PolicyName))).toEqual([15, 12, 9]);
  });

  it("Belady's string with 3 and 4 frames: FIFO 9 and 10 (the anomaly), LRU 10 and 8, OPT 7 and 6", () => {
    expect([3, 4].map((f) => simulateFaults(BELADY, f, 'fifo'))).toEqual([9, 10]);
    expect([3, 4].map((f) => simulateFaults(BELADY, f, 'lru'))).toEqual([10, 8]);
    expect([3, 4].map((f) => simulateFaults(BELADY, f, 'opt'))).toEqual([7, 6]);
  });

  it('every policy takes one fault per distinct page with frames for all, and one per reference with one frame', () => {
    for (const p of POLICY_NAMES) {
      expect(simulateFaults(TEXTBOOK, 6, p)).toBe(6);
      expect(simulateFaults(TEXTBOOK, 1, p)).toBe(20);
    }
  });
});

describe("Belady's anomaly on random strings", () => {
  // Strings of 24 references over 5 pages, where FIFO's anomaly shows in about one in a thousand:
  // the test checks that its strings catch one, so that a policy that had it would not pass unseen.
  const next = generator(386);
  const strings = Array.from({ length: 5000 }, () => writeString(Array.from({ length: 24 }, () => next(5))));

  it('LRU and OPT never show it (they are stack algorithms), where FIFO does', () => {
    const fifo = strings.filter((s) => anomalous(curve(s, 'fifo', 6)));
    expect(fifo.length).toBeGreaterThan(0);
    for (const s of strings) {
      expect(anomalous(curve(s, 'lru', 6)), `lru on ${[...s.pages]}`).toBe(false);
      expect(anomalous(curve(s, 'opt', 6)), `opt on ${[...s.pages]}`).toBe(false);
    }
  });

  it('OPT is the floor: no policy takes fewer faults', () => {
    for (const s of strings.slice(0, 300)) {
      for (const frames of [2, 3, 4]) {
        const floor = simulateFaults(s, frames, 'opt');
        for (const p of POLICY_NAMES) expect(simulateFaults(s, frames, p, { tickEvery: 3 })).toBeGreaterThanOrEqual(floor);
      }
    }
  });
});

describe("the simulator follows the kernel's conventions", () => {
  it('nru: a tick clears A, and the unreferenced page loaded first goes; with no tick, A is set on all and it is FIFO', () => {
    // 1 2 3 | tick | 1 4 2: at 4, only 1 was referenced since the tick, so 2 goes, and faults again.
    const s = writeString([1, 2, 3, 1, 4, 2]);
    expect(simulateFaults(s, 3, 'nru', { tickEvery: 3 })).toBe(5);
    expect(simulateFaults(s, 3, 'nru', { tickEvery: 100 })).toBe(4);
    expect(simulateFaults(s, 3, 'fifo')).toBe(4);
  });

  it('nru: a clean page goes before a dirty one of the same A (writes set D)', () => {
    // 1w 2r 3w | tick | 4: every A clear; 2 is clean, so it goes rather than 1; then 1 hits and 2 faults.
    const b = new PageStringBuilder();
    for (const [page, write] of [[1, true], [2, false], [3, true], [4, true], [1, false], [2, false]] as const) b.push(page, write);
    const s = b.build();
    expect(simulateFaults(s, 3, 'nru', { tickEvery: 3 })).toBe(5);
    // Were every reference a write, 1 would go at 4, and fault again.
    expect(simulateFaults(writeString([1, 2, 3, 4, 1, 2]), 3, 'nru', { tickEvery: 3 })).toBe(6);
  });

  it('second-chance spares a page referenced since it was loaded or last passed over', () => {
    // At 4 every page has A: each is passed over (A cleared, to the back) and 1 goes, as under
    // FIFO. Then 2 is referenced; at 5 it is passed over again and 3 goes, where FIFO takes 2,
    // which faults at once.
    const s = writeString([1, 2, 3, 4, 2, 5, 2]);
    expect(simulateFaults(s, 3, 'second-chance')).toBe(5);
    expect(simulateFaults(s, 3, 'fifo')).toBe(6);
  });

  // With 2 or 3 frames no two resident pages can both be unreferenced for the counter's 8 ticks,
  // so the counters order them as their last references do.
  it('aging with a tick per reference keeps eight references of history: LRU with few frames', () => {
    const next = generator(7);
    for (let k = 0; k < 200; k++) {
      const s = writeString(Array.from({ length: 40 }, () => next(5)));
      for (const frames of [2, 3]) expect(simulateFaults(s, frames, 'aging', { tickEvery: 1 })).toBe(simulateFaults(s, frames, 'lru'));
    }
  });

  it('random follows its seed, as the kernel seeds it with the pid', () => {
    const next = generator(11);
    const s = writeString(Array.from({ length: 200 }, () => next(12)));
    const bySeed = [1, 2, 3, 4, 5].map((seed) => simulateFaults(s, 6, 'random', { seed }));
    expect(new Set(bySeed).size).toBeGreaterThan(1);
    expect(simulateFaults(s, 6, 'random', { seed: 3 })).toBe(bySeed[2]);
  });

  it('wsclock takes the first clean page unused for more than τ = 4 ticks, a dirty one only if there is none', () => {
    // A tick per reference. 1w 2r 3w 4w, then 5 and 4 in turn ten times: 1, 2 and 3 age past τ,
    // 4 and 5 stay in the working set. At 6, 1 is old but dirty, 2 old and clean: 2 goes, and 1
    // and 3 hit. FIFO takes 1 there, then 2 for 1.
    const string = (twoWritten: boolean): ReturnType<typeof writeString> => {
      const b = new PageStringBuilder();
      for (const [page, write] of [[1, true], [2, twoWritten], [3, true], [4, true]] as const) b.push(page, write);
      for (let i = 0; i < 10; i++) b.push(i % 2 === 0 ? 5 : 4, false);
      for (const page of [6, 1, 3]) b.push(page, false);
      return b.build();
    };
    expect(simulateFaults(string(false), 5, 'wsclock', { tickEvery: 1 })).toBe(6);
    expect(simulateFaults(string(false), 5, 'fifo')).toBe(7);
    // With 2 dirty too, the first old dirty page goes: 1, which faults again.
    expect(simulateFaults(string(true), 5, 'wsclock', { tickEvery: 1 })).toBe(7);
  });

  it('a tick every DEFAULT_TICK_EVERY references unless told otherwise', () => {
    const s = writeString([1, 2, 3, 1, 4, 2]);
    expect(DEFAULT_TICK_EVERY).toBeGreaterThan(3);
    expect(simulateFaults(s, 3, 'nru')).toBe(simulateFaults(s, 3, 'nru', { tickEvery: DEFAULT_TICK_EVERY }));
  });

  it("opt's future: each reference's next use of the same page", () => {
    expect([...nextUses(Uint32Array.from([1, 2, 1, 3, 2]))]).toEqual([2, 4, Infinity, Infinity, Infinity]);
  });
});

describe('pages resident before the first reference', () => {
  it('are loaded first, unreferenced: a hit for their first reference, and the first to go', () => {
    const s = writeString([5, 1, 2]);
    expect(simulateFaults(s, 2, 'fifo')).toBe(3);
    expect(simulateFaults(s, 2, 'fifo', { resident: [5] })).toBe(2); // 5 hits; 2 takes 5's frame
    expect(simulateFaults(writeString([1, 2, 5]), 2, 'lru', { resident: [5] })).toBe(3); // 5 went first (least recent)
    expect(simulateFaults(s, 1, 'opt', { resident: [5, 9] })).toBe(2); // only as many as there are frames
  });
});

describe('the page string', () => {
  it('leaves out locked pages, keeps a page repeated at once once (a write if any was), and joins what dropping made adjacent', () => {
    const b = new PageStringBuilder([0x100]);
    for (const [page, write] of [[7, false], [7, true], [0x100, true], [7, false], [8, false], [8, false], [0x100, false], [9, true]] as const) b.push(page, write);
    const s = b.build();
    expect([...s.pages]).toEqual([7, 8, 9]);
    expect([...s.writes]).toEqual([1, 0, 1]);
  });
});

describe('the recording run', () => {
  const root = new URL('../../..', import.meta.url).pathname;
  const boot = {
    memoryBytes: 4 << 20, swapBytes: 16 << 20, maxCycles: 2_000_000_000,
    rom: readFileSync(path.join(root, 'firmware/bios.bin')), programDisk: path.join(root, 'images/programs.img'),
  };

  it("gives exactly touch -r's reference string, relative to the region's first page, every reference a write", () => {
    const r = recordJob({ ...boot, prog: 'touch', args: ['-r', BELADY_REFS.join(',')] });
    if (r.kind !== 'recorded') throw new Error(`recording failed: ${JSON.stringify(r)}`);
    // touch locks its text, data and bss (and its stack, at the top of user space), and its
    // region starts at the page after its image: touch -r never touches the region's page 0.
    const image = r.locked.filter((p) => p < 0xb0000);
    expect(image.length).toBeGreaterThan(0);
    const first = Math.max(...image) + 1;
    // Each reference is three accesses (read the first and last words, write the first), with
    // fetches from the locked text between them: once those are dropped, they are one.
    expect([...r.string.pages].map((p) => p - first)).toEqual(BELADY_REFS);
    expect([...r.string.writes]).toEqual(BELADY_REFS.map(() => 1));
    expect(r.pid).toBe(1);
  });

  it('reports a program the kernel kills as a failed recording', () => {
    const r = recordJob({ ...boot, prog: 'badnull', args: [] });
    expect(r.kind).toBe('failed');
    expect(r.kind === 'failed' && r.why).toMatch(/^killed: pid \d+ \(badnull\): page fault at 0x00000000/);
  });
});
