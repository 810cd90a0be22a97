// Running the machine from the monitor: `s` (step), `c` (continue), code breakpoints (`b`, `bd`,
// `bl`), write watchpoints (`w`), the memory-management breakpoints (`break pf|cr3|invlpg|ptwrite|
// vector`) and `trace` (the --trace kinds, to the console or a file). The breakpoints themselves
// are breakpoints.ts.

import { disassembleBytes } from '../cpu/disasm.ts';
import { CS } from '../cpu/registers.ts';
import { type Breakpoint, Breakpoints } from './breakpoints.ts';
import {
  hex, hex8, linearToPhysical, MonitorError, type MonitorCommand, type MonitorContext, noMoreArgs, parseNumber,
} from './monitor-command.ts';
import { attachTrace, parseTraceKinds } from './trace.ts';

/** The most cycles `s` runs for before it gives up (a halted CPU waiting for an interrupt that never comes). */
export const STEP_BUDGET_CYCLES = 200_000_000;

/** Where the CPU is, as one line: CS:EIP and the instruction there. */
export function here(ctx: MonitorContext): string {
  const cpu = ctx.machine.cpu;
  const lin = (cpu.segBase[CS]! + cpu.eip) >>> 0;
  const bytes = new Uint8Array(15);
  let n = 0;
  for (; n < 15; n++) {
    const p = linearToPhysical(ctx, lin + n);
    if (p < 0) break;
    bytes[n] = ctx.machine.phys.read8(p);
  }
  const text = n === 0 ? '(not mapped)' : disassembleBytes(bytes.subarray(0, n), cpu.code32, cpu.eip >>> 0).text;
  return `${hex(cpu.seg[CS]!, 4)}:${hex8(cpu.eip)}  ${text}${cpu.halted ? '  (halted)' : ''}`;
}

function describe(b: Breakpoint): string {
  switch (b.kind) {
    case 'exec': return `${b.id}: code at ${hex8(b.addr)}`;
    case 'watch': return `${b.id}: ${b.reads === true ? (b.writes !== false ? 'read or write' : 'read') : 'write'} of ${hex8(b.addr)}, ${b.len} bytes (physical ${hex8(b.phys[0]!)})`;
    case 'pf': return `${b.id}: page fault${b.lo !== 0 || b.hi !== 0xffffffff ? ` with CR2 in ${hex8(b.lo)}-${hex8(b.hi)}` : ''}${b.code >= 0 ? ` with error code ${b.code}` : ''}`;
    case 'cr3': return `${b.id}: CR3 load`;
    case 'invlpg': return `${b.id}: INVLPG`;
    case 'ptwrite': return `${b.id}: write to a page-table page of the current address space`;
    case 'vector': return `${b.id}: exception vector ${b.vector}`;
    case 'frame': return `${b.id}: a frame ${b.op === 'alloc' ? 'handed out' : b.op === 'free' ? 'freed' : 'handed out or freed'} (the kernel's trace point)`;
  }
}

function step(ctx: MonitorContext, args: string[]): string {
  noMoreArgs(args, 1);
  const n = args[0] === undefined ? 1 : parseNumber(ctx, args[0], 'count');
  if (n < 1 || n > 10_000_000) throw new MonitorError(`bad count ${n}: 1 to 10000000`);
  const bp = ctx.breakpoints;
  bp.step(n);
  const r = ctx.machine.run(STEP_BUDGET_CYCLES);
  if (!bp.stopped) {
    bp.stepsLeft = -1;
    bp.sync();
    bp.stop(`stepping ended early (${r.reason})`);
    const why = r.reason === 'cycles' ? `within ${STEP_BUDGET_CYCLES} cycles` : `(${r.reason === 'halt' ? 'halted with nothing to wake it' : r.reason})`;
    return `the machine did not run ${n} instruction${n === 1 ? '' : 's'} ${why}\n${here(ctx)}`;
  }
  return `${bp.reason === 'stepped' ? '' : `${bp.reason}\n`}${here(ctx)}`;
}

/** `w` and `wp`: ADDR LEN r|w|rw, the bytes' physical addresses from `physOf` (linear or physical ADDR). */
function watch(ctx: MonitorContext, args: string[], physOf: (addr: number, len: number) => number[]): string {
  noMoreArgs(args, 3);
  const addr = parseNumber(ctx, args[0], 'address');
  const len = parseNumber(ctx, args[1], 'length');
  if (len < 1 || len > 4096) throw new MonitorError(`bad length ${len}: 1 to 4096`);
  const mode = args[2] ?? 'w';
  if (mode !== 'r' && mode !== 'w' && mode !== 'rw') throw new MonitorError(`expected r, w or rw, not '${mode}'`);
  const phys = physOf(addr, len);
  if (phys.some((p) => p >= ctx.machine.phys.ramSize)) throw new MonitorError('the range is not all RAM');
  return `watchpoint ${describe(ctx.breakpoints.add({ kind: 'watch', addr, len, phys, reads: mode !== 'w', writes: mode !== 'r' }))}`;
}

function breakMm(ctx: MonitorContext, args: string[]): string {
  const bp = ctx.breakpoints;
  const kind = args[0];
  let b: Breakpoint;
  if (kind === 'pf') {
    // break pf [LO [HI]] [code N]
    let lo = 0, hi = 0xffffffff, code = -1;
    const rest = args.slice(1);
    const c = rest.indexOf('code');
    if (c >= 0) {
      code = parseNumber(ctx, rest[c + 1], 'error code');
      rest.splice(c, 2);
    }
    if (rest.length > 2) throw new MonitorError(`unexpected '${rest[2]}'`);
    if (rest[0] !== undefined) {
      lo = parseNumber(ctx, rest[0], 'address');
      hi = rest[1] === undefined ? (lo | 0xfff) >>> 0 : parseNumber(ctx, rest[1], 'address');
      if (hi < lo) throw new MonitorError('the range ends before it starts');
    }
    b = bp.add({ kind: 'pf', lo, hi, code });
  } else if (kind === 'cr3' || kind === 'invlpg' || kind === 'ptwrite') {
    noMoreArgs(args, 1);
    b = bp.add({ kind });
  } else if (kind === 'vector') {
    noMoreArgs(args, 2);
    const vector = parseNumber(ctx, args[1], 'vector');
    if (vector > 255) throw new MonitorError(`bad vector ${vector}: 0 to 255`);
    b = bp.add({ kind: 'vector', vector });
  } else if (kind === 'frame') {
    noMoreArgs(args, 2);
    const op = args[1] ?? 'any';
    if (op !== 'alloc' && op !== 'free' && op !== 'any') throw new MonitorError(`expected frame [alloc|free], not 'frame ${op}'`);
    b = bp.add({ kind: 'frame', op });
  } else {
    throw new MonitorError(`expected pf [LO [HI]] [code N], cr3, invlpg, ptwrite, vector N or frame [alloc|free], not '${kind ?? ''}'`);
  }
  return `breakpoint ${describe(b)}`;
}

/** The trace the monitor attached, and how to detach it. */
const traces = new WeakMap<MonitorContext['monitor'], () => void>();

function trace(ctx: MonitorContext, args: string[]): string {
  const m = ctx.monitor;
  if (args[0] === 'off') {
    noMoreArgs(args, 1);
    const detach = traces.get(m);
    if (detach === undefined) return 'no trace is on from the monitor';
    detach();
    traces.delete(m);
    ctx.breakpoints.sync();
    return 'trace off';
  }
  if (args[0] === undefined) throw new MonitorError('expected KINDS [FILE] (cpu,int,pf,io) or off');
  noMoreArgs(args, 2);
  let kinds;
  try {
    kinds = parseTraceKinds(args[0]);
  } catch (e) {
    throw new MonitorError((e as Error).message);
  }
  if (kinds.size === 0) throw new MonitorError('no trace kind given: expected cpu, int, pf or io');
  traces.get(m)?.();
  let line: (text: string) => void = (text) => m.onOutput(`${text}\n`);
  let close = (): void => {};
  if (args[1] !== undefined) {
    if (m.openFile === null) throw new MonitorError('this machine cannot write files: trace to the console');
    let f;
    try {
      f = m.openFile(args[1]);
    } catch (e) {
      throw new MonitorError(`${args[1]}: ${(e as Error).message}`);
    }
    line = f.line;
    close = f.close;
  }
  const detach = attachTrace(ctx.machine.cpu, ctx.machine.io, kinds, line);
  traces.set(m, () => { detach(); close(); });
  ctx.breakpoints.sync();
  return `tracing ${[...kinds].join(',')} to ${args[1] ?? 'the console'}`;
}

export const RUN_COMMANDS: MonitorCommand[] = [
  { name: 's', usage: 's [N]', help: 'run N (1) instructions, then stop', run: step },
  {
    name: 'c', usage: 'c', help: 'continue: the machine runs until a breakpoint (at the console, the guest has it again)',
    run: (ctx, args) => { noMoreArgs(args, 0); ctx.breakpoints.resume(); return 'continuing'; },
  },
  {
    name: 'b', usage: 'b ADDR', help: 'a breakpoint at a linear EIP (CS base + EIP)',
    run: (ctx, args) => { noMoreArgs(args, 1); return `breakpoint ${describe(ctx.breakpoints.add({ kind: 'exec', addr: parseNumber(ctx, args[0], 'address') }))}`; },
  },
  {
    name: 'bd', usage: 'bd N', help: 'delete breakpoint or watchpoint N',
    run: (ctx, args) => {
      noMoreArgs(args, 1);
      const id = parseNumber(ctx, args[0], 'breakpoint number');
      if (!ctx.breakpoints.remove(id)) throw new MonitorError(`no breakpoint ${id}: bl lists them`);
      return `deleted ${id}`;
    },
  },
  {
    name: 'bl', usage: 'bl', help: 'list the breakpoints and watchpoints',
    run: (ctx, args) => { noMoreArgs(args, 0); const l = ctx.breakpoints.list; return l.length === 0 ? 'no breakpoints' : l.map(describe).join('\n'); },
  },
  {
    name: 'w', usage: 'w ADDR LEN r|w|rw', help: 'a watchpoint: stop after a read (by the CPU) or a write (by anyone) of LEN bytes at linear ADDR (mapped now)',
    run: (ctx, args) => watch(ctx, args, (addr, len) => {
      const phys = Breakpoints.translate(ctx.machine.cpu, addr, len);
      if (!Array.isArray(phys)) throw new MonitorError(`${hex8(phys.unmapped)} is not mapped`);
      return phys;
    }),
  },
  {
    name: 'wp', usage: 'wp PADDR LEN r|w|rw', help: 'a watchpoint on physical memory: stop after a read (by the CPU) or a write (by anyone) of LEN bytes at PADDR',
    run: (ctx, args) => watch(ctx, args, (addr, len) => Array.from({ length: len }, (_, k) => addr + k)),
  },
  {
    name: 'break', usage: 'break pf [LO [HI]] [code N] | cr3 | invlpg | ptwrite | vector N | frame [alloc|free]',
    help: 'stop on a page fault (any, CR2 in LO-HI, an error code), a CR3 load, INVLPG, a page-table write, an exception, a frame handed out or freed',
    run: breakMm,
  },
  { name: 'trace', usage: 'trace KINDS [FILE] | off', help: 'trace cpu,int,pf,io (as --trace) to the console or a file', run: trace },
  {
    name: 'where', usage: 'where', help: 'why the machine stopped, and the instruction at CS:EIP',
    run: (ctx, args) => { noMoreArgs(args, 0); const bp = ctx.breakpoints; return `${bp.stopped ? `stopped: ${bp.reason}` : 'running'}\n${here(ctx)}`; },
  },
];
