// Page replacement under a resident limit, booted for real: `run -m FRAMES -p POLICY touch -r
// STRING` gives the program FRAMES frames for the pages it touches (touch keeps its own text, data
// and stack locked with mlock), and touch counts the faults its reference string took. FIFO gives
// the textbook counts exactly, and Belady's anomaly (more frames, more faults); every policy keeps
// the pages intact (touch checks them), and the same run gives the same count.

import { describe, expect, it } from 'vitest';
import { bootKernel, type KernelMachine } from '../harness/kernel.ts';
import { elfProgram, programDiskWith, sbrkAligned } from '../harness/progdisk.ts';

/** Silberschatz's reference string, and Belady's. */
const TEXTBOOK = '7,0,1,2,0,3,0,4,2,3,0,3,2,1,2,0,1,7,0,1';
const BELADY = '1,2,3,4,1,2,5,1,2,3,4,5';
const BUDGET = 10 * 66_000_000;

function faults(m: KernelMachine, frames: number, policy: string, refs: string): number {
  const out = m.command(`run -m ${frames} -p ${policy} touch -r ${refs}`, BUDGET);
  // (opt says first what its recording run found.)
  const r = /^(?:opt: .*\n)?touched \d+ references over \d+ pages, (\d+) faults\n$/.exec(out);
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

  it('exact LRU gives the textbook counts: 12 for the textbook string, 10 and 8 for Belady\'s (no anomaly)', () => {
    expect(faults(m, 3, 'lru', TEXTBOOK)).toBe(12);
    expect(faults(m, 3, 'lru', BELADY)).toBe(10);
    expect(faults(m, 4, 'lru', BELADY)).toBe(8);
  });

  it('LRU is a stack algorithm: more frames never give more faults', () => {
    const counts = [3, 4, 5, 6].map((n) => faults(m, n, 'lru', BELADY));
    for (let i = 1; i < counts.length; i++) expect(counts[i]).toBeLessThanOrEqual(counts[i - 1]!);
    expect(counts.at(-1)).toBe(5); // one fault per distinct page once all fit
  });

  it('LRU learns references by soft faults, counted apart from page faults', () => {
    const before = m.kernel.stats.softFaults, faultsBefore = m.kernel.stats.faults;
    expect(faults(m, 3, 'lru', TEXTBOOK)).toBe(12);
    expect(m.kernel.stats.softFaults - before).toBeGreaterThan(0);
    expect(m.command('stats')).toMatch(/^soft faults \d+ \(exact LRU seeing references; not counted as page faults\)$/m);
    const acct = m.kernel.accounting.at(-1)!;
    expect(acct).toMatchObject({ name: 'touch', evictableFaults: 12, killed: false });
    expect(acct.softFaults).toBeGreaterThan(0);
    expect(acct.faults).toBe(m.kernel.stats.faults - faultsBefore);
  });

  it('OPT gives the textbook floor: 9 for the textbook string, 7 and 6 for Belady\'s', () => {
    expect(faults(m, 3, 'opt', TEXTBOOK)).toBe(9);
    expect(faults(m, 3, 'opt', BELADY)).toBe(7);
    expect(faults(m, 4, 'opt', BELADY)).toBe(6);
  });

  it('no policy beats OPT on the same string and frames', () => {
    const floor = faults(m, 3, 'opt', TEXTBOOK);
    for (const p of ['fifo', 'second-chance', 'nru', 'aging', 'lfu', 'mfu', 'random', 'lru', 'wsclock']) expect(faults(m, 3, p, TEXTBOOK)).toBeGreaterThanOrEqual(floor);
  });

  it('OPT runs the program first to record its references, and says so', () => {
    const out = m.command(`run -m 3 -p opt touch -r ${BELADY}`, BUDGET);
    expect(out).toMatch(/^opt: the first run \(pid \d+, output not shown\) made \d+ references to pages in ring 3; now with OPT:\ntouched 12 references over 6 pages, 7 faults\n$/);
    const [first, second] = m.kernel.accounting.slice(-2);
    expect(first).toMatchObject({ name: 'touch', evictableFaults: 5 }); // unlimited: one per distinct page
    expect(second).toMatchObject({ name: 'touch', evictableFaults: 7 });
  });

  it('every policy runs the strings, keeps the pages intact, and takes at least one fault per distinct page', () => {
    for (const p of ['fifo', 'second-chance', 'nru', 'aging', 'lfu', 'mfu', 'random', 'lru', 'wsclock', 'opt']) {
      expect(faults(m, 3, p, TEXTBOOK)).toBeGreaterThanOrEqual(6);
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
    expect(m.kernel.leaks()).toEqual({ frames: 0, byOwner: [], heapBlocks: [], swapSlots: 0, mappings: 0 });
  });
});

describe('run -m and -p: one line for what cannot be', () => {
  it('refuses -m without swap, -p without -m, and policies it does not have', () => {
    const noSwap = bootKernel();
    expect(noSwap.command('run -m 3 touch 4')).toBe('run: -m needs swap space (start ts386 with --swap FILE or --swap-size SIZE)\n');
    const m = bootKernel({ swapBytes: 1 << 20 });
    expect(m.command('run -p fifo touch 4')).toBe('run: -p needs -m FRAMES (a policy replaces pages within a resident limit)\n');
    expect(m.command('run -m 0 touch 4')).toBe('run: -m 0: a number of frames, 1 or more\n');
    expect(m.command('run -m 3 -p belady touch 4')).toMatch(/^run: -p belady: no such policy \(there are fifo, second-chance, nru, aging, lfu, mfu, random, lru, wsclock, opt\)\n$/);
    expect(m.command('run -m 3 -p opt touch 4 &')).toBe('run: -p opt runs in the foreground (it runs the program twice: first to record its references)\n');
    expect(m.command('run -m')).toBe('run: -m needs a value\n');
  });
});

describe('OPT knows only the run it recorded', () => {
  // Touches 8 fresh pages upward when its pid is odd, downward when even: the run with OPT (the
  // next pid) does not repeat the first, and the kernel says where it left the recorded string.
  const BY_PID = `
    movl $20, %eax
    int $0x80
    movl %eax, %edx
    movl $46, %eax
    movl $8*4096, %ebx
    int $0x80
    movl %eax, %esi
    movl $8, %ecx
    testl $1, %edx
    jz 2f
    movl %esi, %edi
  1:movl %ecx, (%edi)
    addl $4096, %edi
    loop 1b
    jmp 3f
  2:leal 7*4096(%esi), %edi
  4:movl %ecx, (%edi)
    subl $4096, %edi
    loop 4b
  3:movl $1, %eax
    xorl %ebx, %ebx
    int $0x80
  `;

  it('a run that leaves its recorded references is told apart, and replaced in load order from there', () => {
    const m = bootKernel({ memoryBytes: 8 << 20, swapBytes: 4 << 20, disk: programDiskWith({ bypid: elfProgram(BY_PID) }) });
    const out = m.command('run -m 4 -p opt bypid', BUDGET);
    expect(out).toMatch(/\nopt: the run left its recorded references at reference \d+ \(it did not repeat the first run\); from there it replaced pages in load order\n$/);
    expect(m.kernel.leaks()).toEqual({ frames: 0, byOwner: [], heapBlocks: [], swapSlots: 0, mappings: 0 });
  });
});

describe('exact LRU at the granularity of an instruction', () => {
  // One MOVSL reads page A and writes page B (both fresh), then A is read 100 times, then C, D and
  // E are written. With 5 frames (its text and stack count too), D's fault takes the stack page
  // (never used since exec) and E's must take B: A was used after B. Only the single step after
  // the MOVSL tells them apart (without it both would be stamped when C faulted, A first).
  const MOVS_THEN_A = `${sbrkAligned('6*4096')}
    movl %eax, %ebp
    movl %ebp, %esi
    leal 4096(%ebp), %edi
    movsl
    movl $100, %ecx
  1:movl (%ebp), %eax
    loop 1b
    movl $1, 8192(%ebp)
    movl $1, 12288(%ebp)
    movl $1, 16384(%ebp)
    movl $1, %eax
    xorl %ebx, %ebx
    int $0x80
  `;

  it('orders the pages one instruction used by what came after it (the #DB of a single step closes its window)', () => {
    const m = bootKernel({ memoryBytes: 8 << 20, swapBytes: 4 << 20, disk: programDiskWith({ movsa: elfProgram(MOVS_THEN_A) }) });
    m.command('trace pf on');
    const out = m.command('run -m 5 -p lru movsa', BUDGET);
    const a = Number(/pf: pid \d+ movsa va (0x[0-9a-f]+) eip 0x[0-9a-f]+ user read of not-present page: zero-filled/.exec(out)![1]);
    const evicted = [...out.matchAll(/^evict: pid \d+ movsa va (0x[0-9a-f]+) /gm)].map((r) => Number(r[1]));
    expect(evicted).toEqual([0xbffff000, a + 0x1000]);
  });

  it('a fork copies the pages LRU hid, and the child gets them back on its first touch', () => {
    const m = bootKernel({ memoryBytes: 4 << 20, swapBytes: 4 << 20, cmdline: 'policy=lru' });
    expect(m.command('run isolate', BUDGET)).toMatch(/\nisolated: ok\n$/);
    expect(m.command('run forkdemo', BUDGET)).toMatch(/^child says hi\nforkdemo: child \d+ exited with status 0\n$/);
    expect(m.kernel.stats.softFaults).toBeGreaterThan(0);
    expect(m.kernel.stats.kills).toBe(0);
  });
});

describe('a resident limit below what one instruction needs', () => {
  // Grows the heap by 4 pages and copies a word from each page to the next with MOVSL: one
  // instruction that needs its text page and two heap pages, under a limit of 1 frame.
  const MOVS_ACROSS = `${sbrkAligned('5*4096')}
    movl %eax, %esi
    movl $7, (%esi)
    movl $3, %ecx
  1:leal 4096(%esi), %edi
    movsl
    leal 4092(%esi), %esi
    loop 1b
    cmpl $7, -4(%edi)
    jne 2f
    movl $1, %eax
    xorl %ebx, %ebx
    int $0x80
  2:movl $1, %eax
    movl $3, %ebx
    int $0x80
  `;

  it('lets the instruction go over the limit rather than fault for ever (its pages are spared until a single step says it completed)', () => {
    const m = bootKernel({ memoryBytes: 8 << 20, swapBytes: 4 << 20, disk: programDiskWith({ movsx: elfProgram(MOVS_ACROSS) }) });
    for (const policy of ['fifo', 'lru', 'opt']) {
      const out = m.command(`run -m 1 -p ${policy} movsx`, 20 * 66_000_000);
      expect(out.split('\n').filter((l) => !l.startsWith('opt: ')).join('\n')).toBe(''); // exit status 0: every word arrived
      expect(m.kernel.accounting.at(-1)).toMatchObject({ name: 'movsx', status: 0, killed: false });
    }
    expect(m.kernel.leaks()).toEqual({ frames: 0, byOwner: [], heapBlocks: [], swapSlots: 0, mappings: 0 });
  });

  it('with one frame, every reference of a string is a fault, and the arguments exec wrote survive the stack page going to swap', () => {
    const m = bootKernel({ memoryBytes: 8 << 20, swapBytes: 4 << 20 });
    expect(faults(m, 1, 'fifo', BELADY)).toBe(12);
  });
});
