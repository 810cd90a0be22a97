// System calls at their edges, booted for real with small hand-written programs (GNU as, wrapped in
// an ELF and appended to the program disk): pointers the kernel must refuse (kernel addresses,
// unmapped addresses, read-only text, a buffer running into the kernel half), wait() on a child
// the kernel killed, wait() with no child, exec of a missing program, and wait() writing a status
// that straddles two pages. Each program exits 0 when everything held, else the number of the
// first check that failed (the shell prints "[pid] exit status N").

import { describe, expect, it } from 'vitest';
import { hasAs } from '../harness/gas.ts';
import { bootKernel, type KernelMachine } from '../harness/kernel.ts';
import { elfProgram, programDiskWith } from '../harness/progdisk.ts';

const sys = (nr: number, ebx: string, ecx = '$0', edx = '$0'): string =>
  `  movl $${nr}, %eax\n  movl ${ebx}, %ebx\n  movl ${ecx}, %ecx\n  movl ${edx}, %edx\n  int $0x80\n`;
/** Exit with `code` unless EAX equals `want`. */
const check = (code: number, want: number): string => `  movl $${code}, %ebx\n  cmpl $${want}, %eax\n  jne out\n`;
const EXIT = '  xorl %ebx, %ebx\nout:\n  movl $1, %eax\n  int $0x80\n';
const EFAULT = -14, ECHILD = -10, ENOENT = -2;

const PROGRAMS = {
  // write() and meminfo() with pointers that are not the process's to give.
  efault: [
    sys(4, '$1', '$0xc0000000', '$16'), check(1, EFAULT), // write from the kernel half
    sys(4, '$1', '$0x70000000', '$16'), check(2, EFAULT), // write from no region
    sys(200, '$0x08048000'), check(3, EFAULT), // meminfo into read-only text
    sys(200, '$0xc0001000'), check(4, EFAULT), // meminfo into the kernel half
    sys(4, '$1', '$0xbffffff8', '$16'), check(5, EFAULT), // a buffer running from the stack into the kernel half
    sys(4, '$1', '$msg', '$3'), check(6, 3), // and a good one still works
    EXIT,
    'msg: .ascii "ok\\n"\n',
  ].join(''),
  // A child killed by a fault: wait() returns its pid and status -1; then ECHILD; exec of a missing file: ENOENT.
  forkkill: [
    '  movl $2, %eax\n  int $0x80\n  testl %eax, %eax\n  jnz parent\n',
    '  movl 0, %eax\n', sys(1, '$9'), // child: reads address 0 and is killed (would exit 9)
    'parent:\n  movl %eax, %esi\n  subl $4, %esp\n  movl $0x55555555, (%esp)\n',
    sys(7, '%esp'), '  movl $1, %ebx\n  cmpl %esi, %eax\n  jne out\n',
    '  movl $2, %ebx\n  cmpl $-1, (%esp)\n  jne out\n',
    sys(7, '$0'), check(3, ECHILD),
    sys(11, '$name', '$0'), check(4, ENOENT),
    EXIT,
    'name: .asciz "nosuchprog"\n',
  ].join(''),
  // wait() with a status pointer 2 bytes before a page boundary of the heap: the 4 bytes span two
  // pages. The upper page is touched first, so that the two pages' frames are not in physical order.
  waitsplit: [
    sys(46, '$8192'), '  movl %eax, %edi\n  movl $0, 4096(%edi)\n  movl $0, 4092(%edi)\n',
    '  movl $2, %eax\n  int $0x80\n  testl %eax, %eax\n  jnz parent\n',
    sys(1, '$0x12345678'),
    'parent:\n  leal 4094(%edi), %ebx\n  movl $7, %eax\n  int $0x80\n',
    '  movl $1, %ebx\n  cmpl $0x12345678, 4094(%edi)\n  jne out\n',
    '  movl $2, %ebx\n  cmpw $0, 4092(%edi)\n  jne out\n', // the bytes below it untouched
    EXIT,
  ].join(''),
};

describe('console output larger than the UART ring', () => {
  it('cat of a 24 KB file prints every byte in order (reads in chunks, writes that block and resume)', () => {
    const lines = Array.from({ length: 1000 }, (_, i) => `line ${String(i).padStart(4, '0')} ${'abcdefghijklmnopqrstuvwxyz'.slice(0, i % 27)}`);
    const text = `${lines.join('\n')}\n`;
    const m = bootKernel({ disk: programDiskWith({ big: Buffer.from(text, 'latin1') }) });
    expect(m.command('run cat big', 200_000_000)).toBe(text);
    expect(m.kernel.leaks()).toEqual({ frames: 0, byOwner: [], heapBlocks: [], mappings: 0 });
  });
});

describe.skipIf(!hasAs)('system calls at their edges', () => {
  const boot = (): KernelMachine => bootKernel({ disk: programDiskWith(Object.fromEntries(Object.entries(PROGRAMS).map(([n, s]) => [n, elfProgram(s)]))) });

  it('refuse pointers into the kernel, into no region, into read-only text, and across the user/kernel line with EFAULT', () => {
    const m = boot();
    const low = m.machine.phys.ram.slice(0x1000, 0x1040);
    expect(m.command('run efault')).toBe('ok\n');
    expect(m.machine.phys.ram.slice(0x1000, 0x1040)).toEqual(low); // nothing written through the direct map
    expect(m.kernel.stats.kills).toBe(0);
    expect(m.kernel.leaks().frames).toBe(0);
  });

  it('wait() gives the pid and status -1 of a child the kernel killed; then ECHILD; exec of a missing program is ENOENT', () => {
    const m = boot();
    const out = m.command('run forkkill');
    expect(out).toMatch(/^pid 2 \(forkkill\): page fault at 0x00000000: user read of not-present page.*\n(?: {2}.*\n)+$/);
    expect(out).not.toContain('exit status');
    expect(m.kernel.stats.kills).toBe(1);
    expect(m.kernel.procs.size).toBe(0);
    expect(m.kernel.leaks()).toEqual({ frames: 0, byOwner: [], heapBlocks: [], mappings: 0 });
  });

  it('wait() writes a status that straddles two pages into both pages (not past the first frame)', () => {
    const m = boot();
    expect(m.command('run waitsplit')).toBe('');
    expect(m.kernel.leaks().frames).toBe(0);
  });
});
