// The monitor's commands on a bare machine (flat 32-bit code, no kernel): the answer to each, the
// errors it gives, and code breakpoints, steps and watchpoints on a program with known instructions.
import { describe, expect, it } from 'vitest';
import { attachTrace } from '../../../../emulator/debug/trace.ts';
import { flat32 } from '../../../harness/cpu.ts';

// mov eax, 1; mov dword [0x3000], 0x1234; inc eax; inc eax; hlt   (at 0x1000)
const PROGRAM = [0xb8, 0x01, 0x00, 0x00, 0x00, 0xc7, 0x05, 0x00, 0x30, 0x00, 0x00, 0x34, 0x12, 0x00, 0x00, 0x40, 0x40, 0xf4];
const INC1 = 0x1000 + 15, INC2 = INC1 + 1;

function machine() {
  const t = flat32(PROGRAM, { addr: 0x1000, stack: 0x8000 });
  return { t, m: t.m.monitor };
}

describe('monitor: inspecting', () => {
  it('help lists every command with a line of help, and help CMD gives its usage', () => {
    const { m } = machine();
    const help = m.execute('help');
    for (const c of ['r', 'x/Nfmt', 'xp/Nfmt', 'u ', 'walk', 'maps', 'tlb', 'gdt', 'idt', 'ldt', 'tss', 's [N]', 'c ', 'b ADDR', 'bd N', 'bl', 'w ADDR', 'break', 'trace', 'frames']) {
      expect(help).toContain(c);
    }
    expect(m.execute('help walk')).toMatch(/^walk VA/);
  });

  it('r shows registers, segment caches, control registers, EFLAGS in words and the counts', () => {
    const { m } = machine();
    const r = m.execute('r');
    expect(r).toContain('eip=00001000');
    expect(r).toContain('esp=00008000');
    expect(r).toMatch(/cs=\w{4} base=00000000 limit=ffffffff dpl=0 code/);
    expect(r).toMatch(/cr0=\w{8} \(PE/);
    expect(r).toMatch(/eflags=\w{8} \(.*IOPL=0\)/);
    expect(r).toMatch(/cycles=\d+ instructions=0/);
  });

  it('x and xp dump memory in QEMU\'s formats; x/i and u disassemble', () => {
    const { m } = machine();
    expect(m.execute('xp/2xw 0x1000')).toBe('0x00001000: 0x000001b8 0x0005c700');
    expect(m.execute('x/4xb 0x1000')).toBe('0x00001000: 0xb8 0x01 0x00 0x00');
    expect(m.execute('x/1dh 0x100b')).toBe('0x0000100b: 4660');
    expect(m.execute('x/2c 0x100f')).toBe("0x0000100f: '@' '@'");
    expect(m.execute('x/2i 0x1000')).toMatch(/^0x00001000: b8 01 00 00 00\s+mov\s+eax,0x1\n0x00001005: c7 05/);
    expect(m.execute('u 0x100f 3')).toMatch(/inc\s+eax\n.*inc\s+eax\n.*hlt/);
    expect(m.execute('u').split('\n')).toHaveLength(10);
  });

  it('bad commands, formats and addresses get one line, and nothing throws', () => {
    const { m } = machine();
    expect(m.execute('frobnicate')).toBe("unknown command 'frobnicate': try help");
    expect(m.execute('x/3q 0')).toMatch(/^x: bad format '\/3q'/);
    expect(m.execute('x/4xw zzz')).toMatch(/^x: bad address 'zzz'/);
    expect(m.execute('xp 0xf0000000')).toMatch(/^xp: physical 0xf0000000 is beyond RAM/);
    expect(m.execute('walk')).toBe('walk: missing virtual address');
    expect(m.execute('bd 7')).toMatch(/^bd: no breakpoint 7/);
    expect(m.execute('w 0x3000 4 x')).toBe("w: expected r, w or rw, not 'x'");
    expect(m.execute('break sideways')).toMatch(/^break: expected pf/);
    expect(m.execute('frames')).toMatch(/^frames: needs the operating system's view/);
    expect(m.execute('walk 0 pid 1')).toMatch(/^walk: pid N needs/);
    expect(m.execute('')).toBe('');
    for (const line of ['x/4xw zzz', 'frobnicate', 'walk 0xffffffff 0xfffff000', 'xp/2xw 0xfffffffc', 'tss']) {
      expect(m.execute(line).split('\n')).toHaveLength(1);
    }
  });

  it('gdt, idt, ldt and tss decode the tables or say there are none', () => {
    const { m } = machine();
    expect(m.execute('ldt')).toBe('LDTR is null: no local descriptor table');
    expect(m.execute('tss')).toBe('tss: TR is null: no task register has been loaded');
    expect(m.execute('gdt')).toMatch(/^GDTR base=/);
    expect(m.execute('idt')).toMatch(/^IDTR base=/);
  });
});

describe('monitor: running', () => {
  it('s N runs exactly N instructions and shows the next one', () => {
    const { t, m } = machine();
    const out = m.execute('s 2');
    expect(t.m.cpu.instructions).toBe(2);
    expect(t.m.cpu.eip).toBe(INC1);
    expect(out).toMatch(/0000000f|0000100f\s+inc\s+eax/);
    m.execute('s');
    expect(t.m.cpu.eip).toBe(INC2);
    // Past the HLT nothing can wake the CPU: s says so rather than waiting.
    expect(m.execute('s 10')).toMatch(/^the machine did not run 10 instructions \(halted with nothing to wake it\)\n.*\(halted\)$/);
    expect(t.m.cpu.instructions).toBe(5);
  });

  it('b stops before the instruction at a linear EIP; c passes over it; bl lists, bd deletes', () => {
    const { t, m } = machine();
    expect(m.execute(`b ${INC2}`)).toBe(`breakpoint 1: code at ${INC2.toString(16).padStart(8, '0')}`);
    const r = t.m.run(1_000_000);
    expect(r.reason).toBe('debug');
    expect(t.m.cpu.eip).toBe(INC2);
    expect(t.m.cpu.reg[0]).toBe(2); // the first inc ran, the second did not
    expect(m.execute('where')).toMatch(/^stopped: breakpoint 1 at 00001010\n/);
    // Stopped, the machine runs no further until c.
    expect(t.m.run(1_000_000).reason).toBe('debug');
    expect(m.execute('bl')).toBe('1: code at 00001010');
    expect(m.execute('c')).toBe('continuing');
    expect(t.m.run(1_000_000).reason).toBe('halt');
    expect(t.m.cpu.reg[0]).toBe(3);
    expect(m.execute('bd 1')).toBe('deleted 1');
    expect(m.execute('bl')).toBe('no breakpoints');
    // Nothing set: the CPU has no hooks and no single-step tracer.
    expect(t.m.cpu.debug).toBeNull();
    expect(t.m.cpu.traceInsn).toBeNull();
  });

  it('w stops after a write to the watched bytes, naming the old and new value', () => {
    const { t, m } = machine();
    expect(m.execute('w 0x3001 1 w')).toMatch(/^watchpoint 1: write of 00003001, 1 bytes/);
    const r = t.m.run(1_000_000);
    expect(r.reason).toBe('debug');
    expect(m.breakpoints.reason).toMatch(/^watchpoint 1: 00003001 \(physical 00003001\) written: 0 -> 12/);
    expect(t.m.phys.read32(0x3000)).toBe(0x1234);
  });

  it('w ... r stops after the CPU reads a watched byte (through the TLB too), not on a write, and costs nothing once deleted', () => {
    // mov dword [0x3000], 7; mov eax, [0x3002]; hlt: the write, which a read watchpoint lets by,
    // leaves the page in the TLB, so the read would take the fast path if the watchpoint did not close it.
    const t = flat32([0xc7, 0x05, 0x00, 0x30, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0xa1, 0x02, 0x30, 0x00, 0x00, 0xf4], { addr: 0x1000, stack: 0x8000 });
    const m = t.m.monitor;
    expect(m.execute('w 0x3003 1 r')).toMatch(/^watchpoint 1: read of 00003003, 1 bytes/);
    expect(t.m.cpu.readWatch).toBe(true);
    expect(t.m.run(1_000_000).reason).toBe('debug');
    expect(m.breakpoints.reason).toMatch(/^watchpoint 1: 00003003 \(physical 00003003\) read at linear 00003002, eip /);
    expect(t.m.phys.read32(0x3000)).toBe(7);
    m.execute('c');
    expect(t.m.run(1_000_000).reason).toBe('halt');
    m.execute('bd 1');
    expect(t.m.cpu.readWatch).toBe(false);
    expect(t.m.cpu.debug).toBeNull();
  });

  it('wp watches physical memory: a write there by the CPU stops the machine', () => {
    const { t, m } = machine();
    expect(m.execute('wp 0x3000 2 w')).toMatch(/^watchpoint 1: write of 00003000, 2 bytes \(physical 00003000\)/);
    expect(t.m.run(1_000_000).reason).toBe('debug');
    expect(m.breakpoints.reason).toMatch(/^watchpoint 1: 00003000 \(physical 00003000\) written: 0 -> 34/);
    expect(m.execute('wp 0xfffff000 16 w')).toBe('wp: the range is not all RAM');
  });

  it('trace off gives back a trace that was on before it (as --trace)', () => {
    const { t, m } = machine();
    const outer: string[] = [];
    attachTrace(t.m.cpu, t.m.io, new Set(['cpu']), (l) => outer.push(l));
    m.onOutput = () => {};
    m.execute('trace cpu');
    m.execute('s 1');
    expect(outer).toHaveLength(0); // the monitor's trace has the hook while it is on
    expect(m.execute('trace off')).toBe('trace off');
    m.execute('s 1');
    expect(outer.join('\n')).toMatch(/cpu  \w{4}:00001005/);
  });

  it('trace sends the --trace kinds to the monitor\'s output, and off stops it', () => {
    const { t, m } = machine();
    const lines: string[] = [];
    m.onOutput = (text) => lines.push(text);
    expect(m.execute('trace cpu')).toBe('tracing cpu to the console');
    m.execute('s 1');
    expect(lines.join('')).toMatch(/cpu  \w{4}:00001000  b8 01 00 00 00\s+mov\s+eax,0x1/);
    expect(m.execute('trace off')).toBe('trace off');
    expect(t.m.cpu.traceInsn).toBeNull();
    expect(m.execute('trace bogus')).toMatch(/^trace: unknown trace kind 'bogus'/);
  });
});
