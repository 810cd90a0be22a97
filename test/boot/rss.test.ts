// Resident-set policies, booted (--rss, kernel/mm/rss.ts). One program changes phase: it writes
// 200 fresh pages once, then goes round 10 other pages for a long time, then writes one more page
// and spins. Its working set after the first phase is those 10 pages (and its text): under
// `rss=ws` the 200 leave within a few ticks of not being used; under `rss=pff` they leave at the
// first fault after a long quiet spell (the one more page), as Chu and Opderbeck's rule has it;
// with a fixed resident set (no memory pressure) all of them stay.

import { describe, expect, it } from 'vitest';
import { bootKernel } from '../harness/kernel.ts';
import { elfProgram, programDiskWith, sbrkAligned } from '../harness/progdisk.ts';

const PHASES = `${sbrkAligned('212*4096')}
    movl %eax, %esi
    movl %esi, %edi
    movl $200, %ecx
  1:movl %ecx, (%edi)
    addl $4096, %edi
    loop 1b
    movl $100000, %edx
  2:movl %esi, %edi
    addl $200*4096, %edi
    movl $10, %ecx
  3:incl (%edi)
    addl $4096, %edi
    loop 3b
    decl %edx
    jnz 2b
    movl $1, 210*4096(%esi)
  4:jmp 4b
`;

/** The program's resident pages (ps's RSS) once it is spinning. */
function rssAfter(cmdline: string): { rss: number; released: number } {
  const m = bootKernel({ memoryBytes: 8 << 20, swapBytes: 4 << 20, cmdline, disk: programDiskWith({ phases: elfProgram(PHASES) }) });
  m.command('run phases &');
  m.runFor(150_000_000);
  const line = m.command('ps').split('\n').find((l) => / phases$/.test(l))!;
  return { rss: Number(line.trim().split(/ +/)[5]), released: m.kernel.stats.evictions };
}

describe('--rss', () => {
  it('fixed: with memory to spare, every page it touched stays', () => {
    expect(rssAfter('').rss).toBeGreaterThanOrEqual(211);
  });

  it('ws: the pages out of its working set leave; what stays is about the 10 it goes round', () => {
    const { rss, released } = rssAfter('rss=ws');
    expect(rss).toBeLessThan(30);
    expect(released).toBeGreaterThanOrEqual(190);
  });

  it('pff: at the first fault after a long time without one, the pages not used since go', () => {
    const { rss, released } = rssAfter('rss=pff');
    expect(rss).toBeLessThan(30);
    expect(released).toBeGreaterThanOrEqual(190);
  });
});
