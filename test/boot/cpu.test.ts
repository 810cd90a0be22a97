// The 386 and the 486, booted for real: the same session gives the same results on both, and when
// the kernel removes a present page of the running process (sbrk shrinking the heap) it drops the
// stale translation the way each processor allows: INVLPG on the 486, a CR3 reload on the 386
// (which has no INVLPG). A missed flush would show: the program would still reach the freed frame.

import { describe, expect, it } from 'vitest';
import { hasAs } from '../harness/gas.ts';
import { bootKernel, type BootOptions, type KernelMachine } from '../harness/kernel.ts';
import { elfProgram, programDiskWith } from '../harness/progdisk.ts';

const SESSION = ['run hello', 'run touch 16', 'run forkdemo', 'run isolate', 'run badtext', 'run stack 32', 'run mstress 100 3', 'mem', 'heap'];

/** Counts the kernel's INVLPGs and CR3 loads through its HostPort (machine.hostPort). */
function spyFlushes(m: KernelMachine): { invlpg: number[]; cr3: number } {
  const seen = { invlpg: [] as number[], cr3: 0 };
  const port = m.machine.hostPort as unknown as { invlpg(lin: number): void; writeCR3(v: number): void };
  const invlpg = port.invlpg.bind(port), writeCR3 = port.writeCR3.bind(port);
  port.invlpg = (lin) => { seen.invlpg.push(lin >>> 0); invlpg(lin); };
  port.writeCR3 = (v) => { seen.cr3++; writeCR3(v); };
  return seen;
}

// sbrk(+1 page), write the page, sbrk(-1 page): the page is unmapped and its frame freed while the
// TLB holds its translation (it was just written).
const GROW_WRITE_SHRINK = `
  movl $46, %eax
  movl $4096, %ebx
  int $0x80
  movl %eax, %esi
  movl $0x12345678, (%esi)
  movl (%esi), %ecx
  movl $46, %eax
  movl $-4096, %ebx
  int $0x80
`;
/** Grows the heap again and reads the page: a fresh page must read 0; exits 1 if it did not. */
const REGROW = `${GROW_WRITE_SHRINK}
  movl $46, %eax
  movl $4096, %ebx
  int $0x80
  xorl %ebx, %ebx
  cmpl $0, (%esi)
  setne %bl
  movl $1, %eax
  int $0x80
`;
/** Writes the page after the shrink: must be killed (no region there); exits 3 if it was not. */
const WRITE_AFTER_SHRINK = `${GROW_WRITE_SHRINK}
  movl $2, (%esi)
  movl $3, %ebx
  movl $1, %eax
  int $0x80
`;

describe('386 and 486', () => {
  it('boot and run the same session with the same output (but for the banner)', () => {
    const run = (cpu: 386 | 486): string[] => {
      const m = bootKernel({ cpu });
      expect(m.transcript).toMatch(new RegExp(`^ts386 kernel: i${cpu}, `));
      const outs = SESSION.map((c) => m.command(c));
      expect(m.kernel.leaks()).toEqual({ frames: 0, byOwner: [], heapBlocks: [], mappings: 0 });
      return outs;
    };
    const a = run(386), b = run(486);
    expect(b).toEqual(a);
    expect(a[6]).toContain('mstress ok');
  });

  it('never executes INVLPG on a 386 (it has none) for the standard programs', () => {
    const m = bootKernel({ cpu: 386 });
    const seen = spyFlushes(m);
    for (const c of SESSION) m.command(c);
    expect(seen.invlpg).toEqual([]);
    expect(seen.cr3).toBeGreaterThan(0);
  });

  describe.skipIf(!hasAs)('a heap page removed while the TLB holds it', () => {
    const disk = (): Uint8Array => programDiskWith({ regrow: elfProgram(REGROW), shrinkw: elfProgram(WRITE_AFTER_SHRINK) });
    const boot = (cpu: 386 | 486): KernelMachine => bootKernel({ cpu, disk: disk() } satisfies BootOptions);

    for (const cpu of [386, 486] as const) {
      it(`faults a fresh zero page in when the heap grows again (${cpu}: ${cpu === 486 ? 'INVLPG' : 'CR3 reload'})`, () => {
        const m = boot(cpu);
        const seen = spyFlushes(m);
        const faults = m.kernel.stats.faults;
        const cr3Before = seen.cr3;
        expect(m.command('run regrow')).toBe(''); // exit status 0: the read gave 0
        // Two faults on the heap page (before and after the shrink) and one on the text. With the
        // stale translation left in the TLB the read would not fault and would reach the freed frame.
        expect(m.kernel.stats.faults - faults).toBe(3);
        if (cpu === 486) {
          expect(seen.invlpg).toEqual([0x08049000]);
        } else {
          expect(seen.invlpg).toEqual([]);
          // Into the process, the flush, and out of it: at least three loads of CR3.
          expect(seen.cr3 - cr3Before).toBeGreaterThanOrEqual(3);
        }
        expect(m.kernel.leaks().frames).toBe(0);
      });

      it(`kills a write to the page after the shrink (${cpu})`, () => {
        const m = boot(cpu);
        const out = m.command('run shrinkw');
        expect(out).toMatch(/^pid 1 \(shrinkw\): page fault at 0x08049000: user write to not-present page.*, eip 0x0804[0-9a-f]{4}\n/);
        expect(out).toMatch(/ {2}killed\n$/);
        expect(out).not.toContain('exit status 3');
        expect(m.kernel.leaks()).toEqual({ frames: 0, byOwner: [], heapBlocks: [], mappings: 0 });
      });
    }
  });
});
