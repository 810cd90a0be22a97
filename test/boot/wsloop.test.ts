// wsloop (images/src/bin/wsloop.c), the program `ts386 thrash` runs k copies of: in RAM it makes its
// passes and prints ok with a checksum that depends only on its arguments, one fault per fresh
// page; in too little RAM it goes to swap and back and still prints ok, leaving nothing behind;
// a word changed behind its back is caught (FAIL, exit status 1); bad arguments get a usage line.

import { describe, expect, it } from 'vitest';
import { bootKernel } from '../harness/kernel.ts';

const MEM = 4 << 20;
const SWAP = 16 << 20;

/** What pass `pass` of wsloop writes to word `w` of page `g` (its value(), in TypeScript). */
function value(g: number, pass: number, w: number): number {
  let x = (Math.imul(g, 0x9e3779b9) ^ Math.imul(pass, 0x85ebca6b) ^ Math.imul(w + 1, 0xc2b2ae35)) >>> 0;
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  return (x ^ (x >>> 15)) >>> 0;
}

describe('wsloop', () => {
  it('in RAM: ok, the same checksum for the same arguments, a fault per fresh page and nothing in swap', () => {
    const m = bootKernel({ memoryBytes: MEM, swapBytes: SWAP });
    // 100 pages and the program's own 2 (text, stack): 102 faults, whatever the passes.
    expect(m.command('run wsloop 100 20', 40_000_000))
      .toBe('wsloop: ok 100 pages, 20 passes, 1 locality (100 pages in all), checksum 0x59bd9f9a, 102 page faults\n');
    // Moving on every 5 passes: four localities of fresh pages, 400 in all.
    expect(m.command('run wsloop 100 20 5', 40_000_000))
      .toBe('wsloop: ok 100 pages, 20 passes, shifting every 5: 4 localities (400 pages in all), checksum 0x97dbc1f9, 402 page faults\n');
    expect(m.command('stats')).toMatch(/written to swap 0, dropped still in swap 0\), read back from swap 0$/m);
    expect(m.kernel.leaks()).toEqual({ frames: 0, byOwner: [], heapBlocks: [], swapSlots: 0, mappings: 0 });
  });

  it('in too little RAM: pages go to swap and come back, it still prints ok, and nothing is left behind', () => {
    const m = bootKernel({ memoryBytes: MEM, swapBytes: SWAP });
    // 700 pages do not fit in the 4 MiB machine's ~620 frames for programs: each pass goes round
    // all of them, so with FIFO replacement every page is out by the time the pass comes back to it.
    const out = m.command('run wsloop 700 2', 150_000_000);
    expect(out).toMatch(/^wsloop: ok 700 pages, 2 passes, 1 locality \(700 pages in all\), checksum 0x[0-9a-f]{8}, (\d+) page faults\n$/);
    expect(Number(/(\d+) page faults/.exec(out)![1])).toBeGreaterThan(2 * 700);
    const [, written, read] = /written to swap (\d+), dropped still in swap \d+\), read back from swap (\d+)/.exec(m.command('stats'))!.map(Number);
    expect(written).toBeGreaterThan(700);
    expect(read).toBeGreaterThan(700);
    expect(m.command('mem')).toMatch(/^swap: 4095 slots of 4 KiB, 0 in use, 4095 free$/m);
    m.type('halt\r');
    expect(m.runToStop(100_000_000).exitStatus).toBe(0);
    expect(m.transcript.slice(m.transcript.lastIndexOf('leak check:')).trim()).toBe('leak check: 0 frames, 0 heap blocks, 0 swap slots, 0 mappings leaked');
  });

  it('catches a word changed behind its back: FAIL with the page and word, exit status 1', () => {
    const m = bootKernel({ memoryBytes: MEM, swapBytes: SWAP });
    m.type('run wsloop 50 40\r');
    m.runFor(8_000_000);
    // Page 0's first word holds what the pass that last went by wrote: find it in RAM (a page's
    // start) and change it, as a bad swap-in or a stray write would.
    const ram = m.machine.phys.ramView;
    const passes = new Map(Array.from({ length: 40 }, (_, i) => [value(0, i + 1, 0), i + 1]));
    let at = -1;
    for (let a = 0; a < m.machine.phys.ramSize; a += 4096) if (passes.has(ram.getUint32(a, true))) at = a;
    expect(at, 'page 0 of wsloop in RAM').toBeGreaterThanOrEqual(0);
    const pass = passes.get(ram.getUint32(at, true))!;
    expect(pass, 'wsloop is still going').toBeLessThan(40);
    ram.setUint32(at, ram.getUint32(at, true) ^ 1, true);
    const out = m.runUntil(/\n\$ $/, 40_000_000);
    expect(out).toMatch(new RegExp(`wsloop: FAIL: pass ${pass + 1}, page 0 of locality 0, word 0 \\(0x[0-9a-f]+\\) holds 0x[0-9a-f]{8}, expected 0x${value(0, pass, 0).toString(16).padStart(8, '0')}\\n\\[1\\] exit status 1\\n`));
  });

  it('refuses bad arguments with one usage line and exit status 2', () => {
    const m = bootKernel();
    const usage = 'usage: wsloop PAGES PASSES [SHIFT]   (PAGES 1 to 4096, PASSES 1 to 1000000, SHIFT 1 or more; PAGES x ceil(PASSES/SHIFT) at most 4096)\n';
    // No passes; no pages; a footprint of 4097 pages (more than 16 MiB); a SHIFT of 0.
    for (const args of ['100', '0 3', '4097 1', '2049 2 1', '10 10 0', '10 x']) {
      expect(m.command(`run wsloop ${args}`), args).toMatch(new RegExp(`^${usage.replace(/[()[\]/+.^$]/g, '\\$&')}\\[\\d+\\] exit status 2\\n$`));
    }
  });
});
