// Kernel panics, booted for real: a kernel structure in guest RAM is corrupted from outside (as a
// stray DMA or a wild kernel write would), then the shell does something that uses it. The kernel
// must notice, print the reason, the trap frame and its TypeScript stack, and stop the machine with
// its panic exit status.

import { describe, expect, it } from 'vitest';
import { PANIC_EXIT_STATUS } from '../../kernel/kernel.ts';
import { bootKernel, type KernelMachine } from '../harness/kernel.ts';

const KERNBASE = 0xc0000000;

function ram32(m: KernelMachine): DataView {
  return new DataView(m.machine.phys.ram.buffer, m.machine.phys.ram.byteOffset, m.machine.phys.ram.byteLength);
}

/** Types `cmd`, runs to the stop, and checks the panic report's shape; returns the text after the command line. */
function panicsOn(m: KernelMachine, cmd: string): string {
  const from = m.transcript.length;
  m.type(`${cmd}\r`);
  const r = m.runToStop();
  expect(r.reason).toBe('exit');
  expect(r.exitStatus).toBe(PANIC_EXIT_STATUS);
  expect(m.kernel.panicked).toBe(true);
  const out = m.transcript.slice(from);
  expect(out.startsWith(`${cmd}\n`)).toBe(true);
  const lines = out.slice(cmd.length + 1).trimEnd().split('\n');
  const at = lines.findIndex((l) => l.startsWith('kernel panic: '));
  expect(at, out).toBeGreaterThanOrEqual(0);
  const rest = lines.slice(at + 1);
  expect(rest[0]).toBe('trap frame:');
  expect(rest[1]).toMatch(/^ {2}eax=[0-9a-f]{8} ebx=[0-9a-f]{8} ecx=[0-9a-f]{8} edx=[0-9a-f]{8}$/);
  expect(rest[2]).toMatch(/^ {2}esi=[0-9a-f]{8} edi=[0-9a-f]{8} ebp=[0-9a-f]{8}$/);
  expect(rest[3]).toMatch(/^ {2}vector=\d+ err=[0-9a-f]+ cs:eip=[0-9a-f]{4}:[0-9a-f]{8} eflags=[0-9a-f]{8}$/);
  const stack = rest.indexOf('stack:');
  expect(stack).toBeGreaterThan(3);
  expect(rest.slice(stack + 1).length).toBeGreaterThan(0);
  expect(rest.slice(stack + 1).every((l) => l.startsWith('  at '))).toBe(true);
  expect(out).not.toMatch(/\n\$ $/); // no prompt: nothing runs after a panic
  return lines.slice(at).join('\n');
}

describe('kernel panic', () => {
  it('on a heap block whose magic was overwritten: `heap` walks the blocks, finds it and panics with status 7', () => {
    const m = bootKernel();
    m.command('run hello');
    const victim = m.kernel.heap.freeList()[0]!.addr;
    ram32(m).setUint32(victim - KERNBASE + 4, 0xdeadbeef, true); // the block's 'KHBK' magic
    const text = panicsOn(m, 'heap');
    const hex = victim.toString(16).padStart(8, '0');
    expect(text).toMatch(new RegExp(`^kernel panic: \\w+: heap block 0x${hex} has a bad magic\\n`));
    expect(text).toMatch(/\n {2}at .*heap\.ts/);
    expect(PANIC_EXIT_STATUS).toBe(7);
  });

  it('on a heap free block whose size was overwritten: the next kmalloc (a program load) panics', () => {
    const m = bootKernel();
    const victim = m.kernel.heap.freeList()[0]!.addr;
    ram32(m).setUint32(victim - KERNBASE, 0x00000017, true); // size|used: not a multiple of 8, below the minimum
    const text = panicsOn(m, 'run hello');
    expect(text).toMatch(/^kernel panic: .*heap block 0x[0-9a-f]{8}.*(corrupted|bad magic)/);
  });

  it('on a buddy free list whose link was overwritten: the next frame allocation panics', () => {
    const m = bootKernel();
    const frames = (m.kernel.frames as unknown as { inner: { kind: string; base: number } }).inner; // the allocator under the page cache's shrinking one
    expect(frames.kind).toBe('buddy');
    expect(typeof frames.base).toBe('number'); // the allocator's state in guest RAM: heads[11] first
    const ram = ram32(m);
    const order0 = ram.getUint32(frames.base, true);
    expect(order0).not.toBe(0xffffffff); // `mem` shows one free order-0 block after boot
    expect(m.kernel.frames.ownerOf(order0 as never)).toBe('free');
    ram.setUint32(order0, 0x00001000, true); // its `next` link now names frame 1, in the reserved first MiB
    const text = panicsOn(m, 'run hello');
    expect(text).toMatch(/^kernel panic: buddy: free list 0 corrupt: head 0x1000 is not a free block of that order\n/);
    expect(text).toMatch(/\n {2}at .*buddy\.ts/);
  });

  it('shows the panic on the console even while a program runs, and nothing runs after it', () => {
    const m = bootKernel();
    m.command('run spin &');
    m.runFor(2_000_000);
    const victim = m.kernel.heap.freeList()[0]!.addr;
    ram32(m).setUint32(victim - KERNBASE + 4, 0, true);
    panicsOn(m, 'heap');
    const ticks = m.kernel.procs.get(1)?.ticks;
    m.runFor(2_000_000);
    expect(m.kernel.procs.get(1)?.ticks).toBe(ticks);
  });
});
