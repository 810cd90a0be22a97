// Page replacement under a resident limit, booted for real: `run -m FRAMES -p POLICY touch -r
// STRING` gives the program FRAMES frames for the pages it touches (touch keeps its own text, data
// and stack locked with mlock), and touch counts the faults its reference string took. FIFO gives
// the textbook counts exactly, and Belady's anomaly (more frames, more faults); every policy keeps
// the pages intact (touch checks them), and the same run gives the same count.

import { describe, expect, it } from 'vitest';
import { bootKernel, type KernelMachine } from '../harness/kernel.ts';

/** Silberschatz's reference string, and Belady's. */
const TEXTBOOK = '7,0,1,2,0,3,0,4,2,3,0,3,2,1,2,0,1,7,0,1';
const BELADY = '1,2,3,4,1,2,5,1,2,3,4,5';
const BUDGET = 10 * 66_000_000;

function faults(m: KernelMachine, frames: number, policy: string, refs: string): number {
  const out = m.command(`run -m ${frames} -p ${policy} touch -r ${refs}`, BUDGET);
  const r = /^touched \d+ references over \d+ pages, (\d+) faults\n$/.exec(out);
  if (r === null) throw new Error(`run -m ${frames} -p ${policy}: ${out}`);
  return Number(r[1]);
}

describe('replacement policies under a resident limit', () => {
  const m = bootKernel({ memoryBytes: 8 << 20, swapBytes: 4 << 20 });

  it('FIFO gives the textbook count: 15 faults for the textbook string with 3 frames', () => {
    expect(faults(m, 3, 'fifo', TEXTBOOK)).toBe(15);
  });

  it("FIFO shows Belady's anomaly: 9 faults with 3 frames, 10 with 4", () => {
    expect(faults(m, 3, 'fifo', BELADY)).toBe(9);
    expect(faults(m, 4, 'fifo', BELADY)).toBe(10);
  });

  it('second chance spares the referenced pages: 14 for the textbook string (a page just loaded has A set)', () => {
    expect(faults(m, 3, 'second-chance', TEXTBOOK)).toBe(14);
  });

  it('every policy runs the strings, keeps the pages intact, and takes at least one fault per distinct page', () => {
    for (const p of ['fifo', 'second-chance', 'nru', 'aging', 'lfu', 'mfu', 'random']) {
      expect(faults(m, 3, p, TEXTBOOK)).toBeGreaterThanOrEqual(8);
      expect(faults(m, 4, p, BELADY)).toBeGreaterThanOrEqual(5);
    }
  });

  it('gives the same counts on the same run', () => {
    const again = bootKernel({ memoryBytes: 8 << 20, swapBytes: 4 << 20 });
    const first = bootKernel({ memoryBytes: 8 << 20, swapBytes: 4 << 20 });
    for (const p of ['random', 'aging']) expect(faults(again, 3, p, TEXTBOOK)).toBe(faults(first, 3, p, TEXTBOOK));
  });

  it('shows each page taken back under trace pf: whose, where it went, and why the policy chose it', () => {
    m.command('trace pf on');
    const out = m.command(`run -m 3 -p fifo touch -r ${BELADY}`, BUDGET);
    m.command('trace pf off');
    const evicts = out.split('\n').filter((l) => l.startsWith('evict: '));
    expect(evicts.length).toBeGreaterThanOrEqual(6); // Belady's string with 3 frames: 9 faults, 6 past the first 3
    for (const l of evicts) expect(l).toMatch(/^evict: pid \d+ touch va 0x[0-9a-f]{8} (to swap slot \d+|dropped \(clean\)|dropped \(clean, still in swap slot \d+\)): fifo, loaded first$/);
    // The string's pages are written before they go: they go to swap, not dropped.
    expect(evicts.filter((l) => / va 0x0804[c-f]000 to swap slot /.test(l)).length).toBeGreaterThanOrEqual(4);
  });

  it('leaves nothing behind: no frame, heap block or swap slot', () => {
    expect(m.kernel.leaks()).toEqual({ frames: 0, byOwner: [], heapBlocks: [], swapSlots: 0 });
  });
});

describe('run -m and -p: one line for what cannot be', () => {
  it('refuses -m without swap, -p without -m, and policies it does not have', () => {
    const noSwap = bootKernel();
    expect(noSwap.command('run -m 3 touch 4')).toBe('run: -m needs swap space (start ts386 with --swap FILE or --swap-size SIZE)\n');
    const m = bootKernel({ swapBytes: 1 << 20 });
    expect(m.command('run -p fifo touch 4')).toBe('run: -p needs -m FRAMES (a policy replaces pages within a resident limit)\n');
    expect(m.command('run -m 0 touch 4')).toBe('run: -m 0: a number of frames, 1 or more\n');
    expect(m.command('run -m 3 -p belady touch 4')).toMatch(/^run: -p belady: no such policy \(there are fifo, second-chance, nru, aging, lfu, mfu, random\)\n$/);
    expect(m.command('run -m 3 -p opt touch 4')).toMatch(/^run: -p opt: not in this kernel yet/);
    expect(m.command('run -m')).toBe('run: -m needs a value\n');
  });
});
