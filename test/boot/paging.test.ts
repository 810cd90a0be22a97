// Demand paging, booted for real: a fresh page costs exactly one fault, text and data come from
// the disk on first touch while bss, heap and stack are zero-filled, the stack grows on demand up
// to its limit, `trace pf` shows each fault, and `vm` shows the pages with their A/D bits as the
// page tables in guest RAM hold them.

import { describe, expect, it } from 'vitest';
import { phys } from '../../kernel/hw.ts';
import { hasAs } from '../harness/gas.ts';
import { bootKernel, countingProgramDisk, type KernelMachine } from '../harness/kernel.ts';
import { elfProgram, programDiskWith } from '../harness/progdisk.ts';

/** Runs a command and returns its output with the kernel counters' growth over it. */
function measured(m: KernelMachine, cmd: string): { out: string; faults: number; zeroFills: number; pageIns: number } {
  const s0 = { ...m.kernel.stats };
  const out = m.command(cmd);
  const s = m.kernel.stats;
  return { out, faults: s.faults - s0.faults, zeroFills: s.zeroFills - s0.zeroFills, pageIns: s.pageIns - s0.pageIns };
}

/** The libc's rand() (xorshift32, top 31 bits), to know which pages `touch -x` touches. */
function randomPages(pages: number, seed: number, count: number): Set<number> {
  let x = seed >>> 0 || 2463534242;
  const touched = new Set<number>();
  for (let j = 0; j < count; j++) {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    touched.add((x >>> 1) % pages);
  }
  return touched;
}

/** One trace line; a fault the kernel takes for a system call (copyin, mlock) says so. */
const PF_LINE = /^pf: pid (\d+) (\w+) va 0x([0-9a-f]{8}) eip 0x([0-9a-f]{8}) (user|kernel) (read of|write to) (not-present|supervisor|read-only) page( \(in a system call\))?: (zero-filled|reading from disk|bad \(.*\))$/;

describe('demand paging', () => {
  it('takes exactly N faults for N fresh pages, as the program counts them', () => {
    const m = bootKernel();
    for (const n of [1, 4, 16, 64]) expect(m.command(`run touch ${n}`)).toBe(`touched ${n} pages, ${n} faults\n`);
  });

  it('zero-fills exactly N more pages for N more touched pages (kernel counters)', () => {
    const m = bootKernel();
    const r8 = measured(m, 'run touch 8');
    const r16 = measured(m, 'run touch 16');
    const r32 = measured(m, 'run touch 32');
    expect(r16.zeroFills - r8.zeroFills).toBe(8);
    expect(r32.zeroFills - r16.zeroFills).toBe(16);
    expect(r16.faults - r8.faults).toBe(8);
    expect(r32.faults - r16.faults).toBe(16);
    // What is not the touched pages is the program's own text, data and stack: read from the disk
    // by the first run; by the next, only the page that is part data, part bss (a private page,
    // not the cache's), the rest mapped from the page cache.
    expect(r16.pageIns).toBeLessThan(r8.pageIns);
    expect(r16.pageIns).toBe(r32.pageIns);
    expect(r8.faults - 8).toBe(r8.zeroFills - 8 + r8.pageIns);
    expect(r16.faults - r16.zeroFills).toBe(r8.faults - r8.zeroFills); // the same pages, mapped from the cache
  });

  it('takes no second fault for a page touched again', () => {
    const m = bootKernel();
    expect(m.command('run touch -s 8 3')).toBe('touched 8 pages in 3 sequential passes, 8 faults\n');
    // Belady's string touches pages 1..5 only (page 0 never).
    expect(m.command('run touch -r 1,2,3,4,1,2,5,1,2,3,4,5')).toBe('touched 12 references over 6 pages, 5 faults\n');
    // One fault per distinct page: touch locks (and so brings in) its own text, data and stack
    // before it counts, so srand()'s first write to the libc's rand state is no fault of the loop's.
    const distinct = randomPages(16, 7, 64).size;
    expect(m.command('run touch -x 16 7')).toBe(`touched 64 random references over 16 pages (seed 7), ${distinct} faults\n`);
    expect(m.command('run touch -x 64 3 32')).toBe(`touched 32 random references over 64 pages (seed 3), ${randomPages(64, 3, 32).size} faults\n`);
  });

  it('reads text from the disk on first touch and zero-fills heap and stack, one trace line per fault', () => {
    const m = bootKernel();
    expect(m.command('trace pf on')).toBe('page-fault trace on\n');
    const r = measured(m, 'run touch 4');
    const lines = r.out.trimEnd().split('\n');
    const pf = lines.filter((l) => l.startsWith('pf: '));
    expect(lines.filter((l) => !l.startsWith('pf: '))).toEqual(['touched 4 pages, 4 faults']);
    for (const l of pf) expect(l).toMatch(PF_LINE);
    expect(pf.length).toBe(r.faults);
    expect(pf.filter((l) => l.endsWith(': reading from disk')).length).toBe(r.pageIns);
    expect(pf.filter((l) => l.endsWith(': zero-filled')).length).toBe(r.zeroFills);
    expect(r.pageIns).toBeGreaterThan(0);
    // The very first fault is the entry point's text page, a read, from the disk.
    expect(pf[0]).toMatch(/^pf: pid 1 touch va 0x0804[89a-f][0-9a-f]{3} eip 0x0804[0-9a-f]{4} user read of not-present page: reading from disk$/);
    // The four touched heap pages: writes, page aligned, consecutive, zero-filled.
    const heap = pf.filter((l) => / va 0x[0-9a-f]{5}000 .*user write to not-present page: zero-filled$/.test(l)).map((l) => parseInt(PF_LINE.exec(l)![3]!, 16));
    expect(heap.length).toBeGreaterThanOrEqual(4);
    const run = heap.findIndex((va, i) => i + 3 < heap.length && heap[i + 1] === va + 4096 && heap[i + 2] === va + 8192 && heap[i + 3] === va + 12288);
    expect(run).toBeGreaterThanOrEqual(0);
    // Text pages are never zero-filled; pages read from disk are text or data (below the heap).
    for (const l of pf) {
      const va = parseInt(PF_LINE.exec(l)![3]!, 16);
      if (l.endsWith('reading from disk')) expect(va).toBeLessThan(heap[run]!);
    }

    expect(m.command('trace pf off')).toBe('page-fault trace off\n');
    const quiet = measured(m, 'run touch 4');
    expect(quiet.out).toBe('touched 4 pages, 4 faults\n');
    expect(quiet.faults).toBe(r.faults);
  });

  it('traces every fault, also the protection faults that kill (one line per fault)', () => {
    const m = bootKernel();
    m.command('trace pf on');
    for (const bad of ['badnull', 'badwild', 'badkern', 'badtext']) {
      const r = measured(m, `run ${bad}`);
      const pf = r.out.split('\n').filter((l) => l.startsWith('pf: '));
      expect(pf.length, `${bad}:\n${r.out}`).toBe(r.faults);
      expect(pf[pf.length - 1], bad).toMatch(/: bad \(.*\)$/);
    }
  });

  it('reads a program from the disk once: the next process maps the page cache\'s frames, reading nothing', () => {
    const { disk, sectors } = countingProgramDisk();
    const m = bootKernel({ disk });
    const a = measured(m, 'run hello');
    const hits = m.kernel.stats.cacheHits;
    const reads = sectors.read;
    const b = measured(m, 'run hello');
    expect(a.out).toBe('hello, world (pid 1)\n');
    expect(a.pageIns).toBeGreaterThan(0);
    expect(b).toEqual({ ...a, pageIns: 0, out: 'hello, world (pid 2)\n' });
    // The ELF header and every file page came from the cache: the drive read no sector.
    expect(m.kernel.stats.cacheHits - hits).toBe(a.pageIns + 1);
    expect(sectors.read).toBe(reads);
    expect(reads).toBeGreaterThan(0);
  });

  it('grows the stack on demand: stack 16 and stack 200 take one fault per page', () => {
    const m = bootKernel();
    expect(m.command('run stack 16')).toBe('stack: recursing 16 levels of a page each\nstack: depth 16 reached, 64 KiB below main\'s frame (lowest 0xbffeff50), 16 faults\n');
    const r = measured(m, 'run stack 200');
    expect(r.out).toMatch(/^stack: recursing 200 levels of a page each\nstack: depth 200 reached, 800 KiB below main's frame \(lowest 0xbff3[0-9a-f]{4}\), 200 faults\n$/);
    expect(r.zeroFills).toBeGreaterThanOrEqual(200);
    expect(m.kernel.leaks().frames).toBe(0);
  });

  it('kills a stack that grows past 1 MiB with one report, and the shell goes on', () => {
    const m = bootKernel();
    const kills = m.kernel.stats.kills;
    const out = m.command('run stack 300');
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toBe('stack: recursing 300 levels of a page each');
    const report = /^pid 1 \(stack\): page fault at 0x([0-9a-f]{8}): user write to not-present page.*, eip 0x[0-9a-f]{8}$/.exec(lines[1]!);
    expect(report, lines[1]).not.toBeNull();
    const va = parseInt(report![1]!, 16);
    // Just below the lowest page the stack may have: 0xC0000000 - 1 MiB.
    expect(va).toBeLessThan(0xbff00000);
    expect(va).toBeGreaterThanOrEqual(0xbff00000 - 4096);
    expect(lines.slice(2, -1).every((l) => /^ {2}(PDE|PTE|VA)/.test(l))).toBe(true);
    expect(lines[lines.length - 1]).toBe('  killed');
    expect(out).not.toContain('depth 300 reached');
    expect(m.kernel.stats.kills).toBe(kills + 1);
    expect(m.kernel.leaks()).toEqual({ frames: 0, byOwner: [], heapBlocks: [], mappings: 0 });
    expect(m.command('run hello')).toBe('hello, world (pid 2)\n');
  });
});

describe.skipIf(!hasAs)('bss pages of a file-backed segment (past its file bytes)', () => {
  // A data segment of 4 file bytes (0x11223344) at 0x08050000 and 3 pages in memory: its second and
  // third pages have no file bytes at all, as a big .bss after .data has.
  const data = { vaddr: 0x08050000, bytes: Uint8Array.of(0x44, 0x33, 0x22, 0x11), memsz: 3 * 4096 };
  const exitUnless = (cond: string): string => `  xorl %ebx, %ebx\n${cond}\n  setne %bl\n  movl $1, %eax\n  int $0x80\n`;
  const disk = (): Uint8Array => programDiskWith({
    // Reads the data word and the first word of page 2, the last of page 3: exits 0 when it sees 0x11223344 + 0 + 0.
    bssread: elfProgram(`  movl 0x08050000, %ecx\n  addl 0x08051000, %ecx\n  addl 0x08052ffc, %ecx\n${exitUnless('  cmpl $0x11223344, %ecx')}`, data),
    // Has the kernel write there: meminfo() into page 2; exits 0 when page_size (the last field) reads 4096.
    bsssys: elfProgram(`  movl $200, %eax\n  movl $0x08051000, %ebx\n  int $0x80\n${exitUnless('  cmpl $4096, 0x0805101c')}`, data),
  });

  it('zero-fills them on a user touch (the data page itself comes from the disk)', () => {
    const m = bootKernel({ disk: disk() });
    m.command('trace pf on');
    const r = measured(m, 'run bssread');
    const pf = r.out.split('\n').filter((l) => l.startsWith('pf: '));
    expect(r.out.split('\n').filter((l) => l && !l.startsWith('pf: '))).toEqual([]); // exit status 0, no report
    expect(pf).toHaveLength(4);
    expect(pf[1]).toMatch(/ va 0x08050000 .*: reading from disk$/);
    expect(pf[2]).toMatch(/ va 0x08051000 .*: zero-filled$/);
    expect(pf[3]).toMatch(/ va 0x08052ffc .*: zero-filled$/);
    expect(r.pageIns).toBe(2); // the text page and the data page
    expect(r.zeroFills).toBe(2);
  });

  it('zero-fills them when a system call writes there first', () => {
    const m = bootKernel({ disk: disk() });
    const r = measured(m, 'run bsssys');
    expect(r.out).toBe('');
    expect(r.zeroFills).toBe(1);
    expect(m.kernel.leaks().frames).toBe(0);
  });
});

describe('vm PID', () => {
  it('shows the regions and only the pages touched so far, with flags and A/D bits as the PTEs hold them', () => {
    const m = bootKernel();
    expect(m.command('run sleeper 500 &')).toBe('[1] sleeper 500\n');
    m.runFor(2_000_000); // it is asleep by now, with its first pages in
    const out = m.command('vm 1');
    const lines = out.trimEnd().split('\n');
    const head = /^pid 1 \(sleeper\): page directory at 0x([0-9a-f]{8}), break 0x([0-9a-f]{8})$/.exec(lines[0]!);
    expect(head, lines[0]).not.toBeNull();
    const pd = parseInt(head![1]!, 16);
    expect(m.kernel.frames.ownerOf(phys(pd))).toBe('pagedir');
    expect(lines.slice(1, 5).map((l) => l.trim().split(/\s+/)[0])).toEqual(['text', 'data', 'heap', 'stack']);
    expect(lines[1]).toMatch(/^ {2}text {3}0x08048000-0x[0-9a-f]{8} r- file sleeper$/);
    expect(lines[4]).toBe('  stack  0xbff00000-0xc0000000 rw zero-fill');
    const count = /^ {2}(\d+) pages mapped:/.exec(lines[5]!);
    expect(count, lines[5]).not.toBeNull();
    const pages = lines.slice(6, -1); // the last line: its faults and working set
    expect(pages.length).toBe(Number(count![1]));
    expect(lines.at(-1)).toMatch(/^ {2}faults \d+ in \d+ ticks \([\d-]+ a second of its virtual time\); working set not watched \(ws PID\)$/);

    // Each line against the page tables in guest RAM.
    const ram = new DataView(m.machine.phys.ram.buffer, m.machine.phys.ram.byteOffset);
    const flagsOf = (e: number): string => [['P', 1], ['W', 2], ['U', 4], ['A', 0x20], ['D', 0x40]].map(([c, b]) => ((e & (b as number)) !== 0 ? c : '-')).join(' ');
    const seen = new Map<number, string>();
    for (const l of pages) {
      const p = /^ {4}0x([0-9a-f]{8}) -> 0x([0-9a-f]{8}) {2}(.*)$/.exec(l);
      expect(p, l).not.toBeNull();
      const va = parseInt(p![1]!, 16), frame = parseInt(p![2]!, 16);
      const pde = ram.getUint32(pd + 4 * (va >>> 22), true);
      const pte = ram.getUint32((pde & ~0xfff) + 4 * ((va >>> 12) & 0x3ff), true);
      expect(pte & ~0xfff).toBe(frame);
      expect(p![3]!.trim()).toBe(flagsOf(pte));
      // A page of the program file is the page cache's; the others are the process's own.
      expect(m.kernel.frames.ownerOf(phys(frame))).toBe(p![3]!.includes('W') || va >= 0xb0000000 ? 'user' : 'cache');
      seen.set(va, p![3]!.trim());
    }
    // Lazy: the text page was read (accessed, clean, read-only); the stack was written; no more pages than touched.
    expect(seen.get(0x08048000)).toBe('P - U A -');
    expect(seen.get(0xbffff000)).toBe('P W U A D');
    expect(pages.length).toBeLessThan(6);
    expect(m.kernel.procs.get(1)?.faults).toBe(pages.length - 1); // every page but the argv page came by a fault
  });
});
