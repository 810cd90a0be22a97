// The kernel under pressure, booted for real: a long console write costs its length once; a flood
// of kill reports does not pile up in the kernel (a process entering the kernel waits while the
// console is behind); halt's leak check is exact with disk reads in flight; out of memory ends the
// process with the largest resident set, not whichever happened to fault.

import { describe, expect, it } from 'vitest';
import { hasAs } from '../harness/gas.ts';
import { bootKernel, KernelMachine } from '../harness/kernel.ts';
import { elfProgram, programDiskWith } from '../harness/progdisk.ts';
import { BACKLOG_LIMIT } from '../../kernel/tty.ts';

const BIG = 128 * 1024;
const BUF = 0x08100000;

/** write(1, BUF, BIG) of BIG bytes from a data segment ('x's and a newline); exits 0 when write returned BIG. */
const bigwrite = (): Uint8Array => elfProgram([
  `  movl $4, %eax\n  movl $1, %ebx\n  movl $${BUF}, %ecx\n  movl $${BIG}, %edx\n  int $0x80\n`,
  `  xorl %ebx, %ebx\n  cmpl $${BIG}, %eax\n  je 1f\n  movl $1, %ebx\n1:\n  movl $1, %eax\n  int $0x80\n`,
].join(''), { vaddr: BUF, bytes: new Uint8Array(BIG).fill(0x78).fill(0x0a, BIG - 1), memsz: BIG });

/** Forks `n` children one at a time; each reads address 0 and is killed; the parent waits for each. */
const killflood = (n: number): Uint8Array => elfProgram([
  `  movl $${n}, %esi\n`,
  'again:\n  movl $2, %eax\n  int $0x80\n  testl %eax, %eax\n  jz child\n',
  '  movl $7, %eax\n  xorl %ebx, %ebx\n  int $0x80\n',
  '  decl %esi\n  jnz again\n  movl $1, %eax\n  xorl %ebx, %ebx\n  int $0x80\n',
  'child:\n  movl 0, %eax\n',
].join(''));

describe.skipIf(!hasAs)('console output under pressure', () => {
  it('a long write copies its bytes from the process once, however often it waits for the console', () => {
    const m = bootKernel({ disk: programDiskWith({ bigwrite: bigwrite() }) });
    // Count the bytes the kernel reads from guest RAM while the write runs, less the trap frames it
    // reads once per trap (76 bytes each).
    const port = (m.machine as unknown as { hostPort: { readPhysBytes(a: number, d: Uint8Array): void } }).hostPort;
    const read = port.readPhysBytes.bind(port);
    let bytesRead = 0;
    port.readPhysBytes = (a, d) => { if (d.length !== 76) bytesRead += d.length; read(a, d); };
    const out = m.command('run bigwrite', 40 * 66_000_000);
    expect(out).toBe(`${'x'.repeat(BIG - 1)}\n`);
    expect(bytesRead).toBeGreaterThanOrEqual(BIG);
    expect(bytesRead).toBeLessThan(BIG + 16 * 1024); // not what is left of it again at each wait
  });

  it('a flood of kill reports never queues more than a report past the limit in the kernel', () => {
    const m = bootKernel({ disk: programDiskWith({ killflood: killflood(300) }) });
    const tty = (m.kernel as unknown as { parts: { tty: { backlog: number } } }).parts.tty;
    let most = 0;
    const k = m.kernel as unknown as { onHostCall(a: number): void };
    const entry = k.onHostCall.bind(m.kernel);
    k.onHostCall = (a) => { entry(a); most = Math.max(most, tty.backlog); };
    const out = m.command('run killflood', 40 * 66_000_000);
    expect(out.match(/^pid \d+ \(killflood\): page fault at 0x00000000/gm)).toHaveLength(300);
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThan(BACKLOG_LIMIT + 1024);
    expect(m.kernel.leaks()).toEqual({ frames: 0, byOwner: [], heapBlocks: [], mappings: 0 });
  });
});

describe('halt with disk reads in flight', () => {
  it('waits for the drive before the leak check, which is exact', () => {
    const m = new KernelMachine({ ataRequestCycles: 8_000_000 }).boot(800_000_000);
    m.type('run hello &\r\x04'); // a program loading from a slow disk, then the end of input
    const r = m.runToStop(400_000_000);
    expect(r.exitStatus).toBe(0);
    expect(m.transcript).toMatch(/end of input: halt\nleak check: 0 frames, 0 heap blocks, 0 mappings leaked\n$/);
  });
});

describe('out of memory', () => {
  it('ends the process with the largest resident set, not the one that happened to fault', () => {
    const m = bootKernel({ memoryBytes: 4 << 20 });
    const free = Number(/(\d+) free frames/.exec(m.transcript)![1]);
    // A background job that keeps almost every free frame (it goes round its pages for a long time).
    const pages = free - 14; // enough for the run's kernel allocations; forkdemo's own faults find memory full
    m.command(`run touch -s ${pages} 100000 &`);
    m.runFor(100_000_000); // it touches its pages, then goes round them
    const rss = Number(/\n +1 +0 +\S+ +\d+ +\d+ +(\d+) /.exec(m.command('ps'))![1]);
    expect(rss).toBeGreaterThan(pages);
    const out = m.command('run forkdemo', 10 * 66_000_000);
    expect(out).toMatch(/pid 1 \(touch\) killed: out of memory: pid \d+ \((forkdemo|echo)\) needed a frame and none was free; it had the largest resident set \(\d+ pages\)/);
    expect(out).toContain('child says hi');
    expect(m.kernel.procs.size).toBe(0);
    expect(m.kernel.leaks()).toEqual({ frames: 0, byOwner: [], heapBlocks: [], mappings: 0 });
  });
});
