// Running two machines side by side and comparing them: the block compiler's cross-check
// (emulator/cpu/compile.ts against the interpreter). Two identical machines run the same program,
// one with cpu.compileAfter = Infinity (the interpreter runs everything) and one with a small
// compileAfter (blocks run compiled); both run in the same slices of the clock, and after every
// slice their whole architectural state must be equal — registers, EFLAGS, segment caches, control
// registers, the clock, retired instructions, the TLB, every byte of RAM — and so must the
// interrupts and exceptions each delivered and the I/O each did during the slice.
//
// Blocks are atomic in both (the interpreter checks the clock between blocks; a compiled block is
// one of them), so a slice ends at the same instruction on both sides. When the state differs after
// a slice, the slice is run again on fresh machines one block at a time to find the first block
// after which the two differ, and the failure names it and shows its code.

import { Buffer } from 'node:buffer';
import type { Machine } from '../../emulator/machine.ts';
import { disassembleBytes } from '../../emulator/cpu/disasm.ts';
import { getEflags } from '../../emulator/cpu/flags.ts';
import { peekTranslate } from '../../emulator/cpu/paging.ts';
import { CS, REG32_NAMES, SEG_NAMES } from '../../emulator/cpu/registers.ts';

/** One run of a cross-check: how to build the machine, and how long and in what slices to run it. */
export interface CrossCheckSpec {
  /** Names the run in a failure (seed, mode...). */
  name: string;
  /** Builds the machine; called once per side (and again to narrow a failure down): must build identical machines. */
  make(): Machine;
  /** cpu.compileAfter of the compiled side (the other side has Infinity). */
  compileAfter: number;
  /** Cycles to run, at most. */
  cycles: number;
  /** Cycles per slice. */
  slice: number;
  /**
   * Runs `m` for `cycles` more cycles and says why it stopped; 'halt', 'shutdown' and 'exit' end
   * the run. Default: Machine.run.
   */
  runSlice?(m: Machine, cycles: number): string;
}

export interface CrossCheckResult {
  slices: number;
  /** What the interpreter side did, so a test can check that the program did what it is for. */
  interpreter: Machine;
  compiled: Machine;
}

/** What a machine did during a slice that its end state does not show: interrupts delivered, I/O. */
interface Side {
  m: Machine;
  events: string[];
}

const hex = (v: number, digits = 8): string => `0x${(v >>> 0).toString(16).padStart(digits, '0')}`;

function defaultRun(m: Machine, cycles: number): string {
  return m.run(cycles).reason;
}

/** Builds one side: a fresh machine with its compileAfter set and its events recorded. */
function side(spec: CrossCheckSpec, compileAfter: number): Side {
  const m = spec.make();
  m.cpu.compileAfter = compileAfter;
  const s: Side = { m, events: [] };
  const cpu = m.cpu;
  cpu.traceInterrupt = (c, vector, errorCode, source) => {
    s.events.push(`interrupt ${vector} (error code ${errorCode < 0 ? 'none' : hex(errorCode, 4)}, source ${source}) at ${hex(c.seg[CS]!, 4)}:${hex(c.eip)}, cycle ${c.cycles}, CR2 ${hex(c.cr2)}`);
  };
  m.io.onTrace = (port, size, write, value) => {
    s.events.push(`${write ? 'out' : 'in'}${size} port ${hex(port, 4)} ${write ? '<-' : '->'} ${hex(value, size / 4)} at cycle ${cpu.cycles}`);
  };
  return s;
}

/**
 * The architectural state of a machine's CPU as named values, in a fixed order. EFLAGS is read
 * through getEflags: the lazy fields may legitimately differ while the flags they give agree.
 */
export function cpuState(m: Machine): Map<string, string | number | boolean | null> {
  const cpu = m.cpu;
  const s = new Map<string, string | number | boolean | null>();
  for (let r = 0; r < 8; r++) s.set(REG32_NAMES[r]!, hex(cpu.reg[r]!));
  s.set('the ZERO register slot', cpu.reg[8]!);
  s.set('eip', hex(cpu.eip));
  s.set('eflags', hex(getEflags(cpu)));
  for (let k = 0; k < 6; k++) {
    const n = SEG_NAMES[k]!;
    s.set(`${n} selector`, hex(cpu.seg[k]!, 4));
    s.set(`${n} base`, hex(cpu.segBase[k]!));
    s.set(`${n} limit`, hex(cpu.segLimit[k]!));
    s.set(`${n} bounds (min/max/write max)`, `${cpu.segMin[k]}/${cpu.segMax[k]}/${cpu.segWMax[k]}`);
    s.set(`${n} attributes`, hex(cpu.segAttr[k]!, 2));
    s.set(`${n} dpl`, cpu.segDpl[k]!);
  }
  s.set('cpl', cpu.cpl);
  s.set('code32', cpu.code32);
  s.set('stack32', cpu.stack32);
  s.set('cr0', hex(cpu.cr0));
  s.set('cr2', hex(cpu.cr2));
  s.set('cr3', hex(cpu.cr3));
  s.set('cr4', hex(cpu.cr4));
  for (let k = 0; k < 8; k++) s.set(`dr${k}`, hex(cpu.dr[k]!));
  s.set('gdtr', `${hex(cpu.gdtrBase)}/${hex(cpu.gdtrLimit, 4)}`);
  s.set('idtr', `${hex(cpu.idtrBase)}/${hex(cpu.idtrLimit, 4)}`);
  s.set('ldtr', `${hex(cpu.ldtrSel, 4)} ${hex(cpu.ldtrBase)}/${hex(cpu.ldtrLimit)}`);
  s.set('tr', `${hex(cpu.trSel, 4)} ${hex(cpu.trBase)}/${hex(cpu.trLimit)} type ${cpu.trType}`);
  s.set('cycles', cpu.cycles);
  s.set('instructions', cpu.instructions);
  s.set('halted', cpu.halted);
  s.set('shutdownReason', cpu.shutdownReason);
  s.set('inhibitIrq (interrupt shadow)', cpu.inhibitIrq);
  // A REP instruction stopped after a chunk of iterations: its resumption is charged differently.
  s.set('repResume', cpu.repResume);
  s.set('taskSwitchTrap', cpu.taskSwitchTrap);
  s.set('nmiBlocked', cpu.nmiBlocked);
  s.set('alignCheck', cpu.alignCheck);
  return s;
}

/** Differences between the two sides, one line each: "field: interpreter X, compiled Y". */
export function stateDiffs(a: Machine, b: Machine): string[] {
  const out: string[] = [];
  const sa = cpuState(a), sb = cpuState(b);
  for (const [k, va] of sa) {
    const vb = sb.get(k);
    if (va !== vb) out.push(`${k}: interpreter ${String(va)}, compiled ${String(vb)}`);
  }
  // The TLB is architectural here (an entry outlives a page-table write until a flush), so the
  // entries each side made must agree too.
  const pages = new Set([...a.cpu.tlbPages, ...b.cpu.tlbPages]);
  for (const p of [...pages].sort((x, y) => x - y)) {
    const ea = a.cpu.tlb[p]!, eb = b.cpu.tlb[p]!;
    if (ea !== eb) out.push(`TLB entry of linear page ${hex(p << 12)}: interpreter ${hex(ea)}, compiled ${hex(eb)}`);
  }
  out.push(...ramDiffs(a, b));
  return out;
}

/** RAM compared with memcmp; the first differing bytes are listed. */
function ramDiffs(a: Machine, b: Machine): string[] {
  const ra = a.phys.ram, rb = b.phys.ram;
  const ba = Buffer.from(ra.buffer, ra.byteOffset, ra.byteLength);
  const bb = Buffer.from(rb.buffer, rb.byteOffset, rb.byteLength);
  if (ba.equals(bb)) return [];
  const out: string[] = [];
  let count = 0;
  for (let k = 0; k < ra.length; k++) {
    if (ra[k] === rb[k]) continue;
    if (++count <= 8) out.push(`RAM byte ${hex(k)}: interpreter ${hex(ra[k]!, 2)}, compiled ${hex(rb[k]!, 2)}`);
  }
  if (count > 8) out.push(`... ${count} RAM bytes differ in all`);
  return out;
}

/** The first difference between two event lists, or null. */
function eventDiff(a: string[], b: string[]): string | null {
  const n = Math.max(a.length, b.length);
  for (let k = 0; k < n; k++) {
    if (a[k] !== b[k]) {
      return `event ${k + 1} of the slice: interpreter: ${a[k] ?? '(none)'}; compiled: ${b[k] ?? '(none)'}`;
    }
  }
  return null;
}

/** Mnemonics that end a block (control transfers, HLT, invalid encodings), as disasm.ts spells them. */
const TRANSFER = /^(?:(?:rep\S* |lock )*)(?:j|call|ret|iret|int|into|hlt|loop|lcall|ljmp|lret|\(bad\))/;

/**
 * Up to `count` instructions of the code at `cs`:`eip` (read through the page tables without
 * side effects), one per line, marking the ones in `marks`; with `toTransfer`, only to the first
 * control transfer.
 */
export function codeAt(m: Machine, eip: number, count: number, marks: Map<number, string> = new Map(), toTransfer = false): string[] {
  const cpu = m.cpu;
  const code32 = cpu.code32;
  const lines: string[] = [];
  let at = eip;
  for (let k = 0; k < count; k++) {
    const bytes = new Uint8Array(16);
    for (let j = 0; j < 16; j++) {
      const phys = peekTranslate(cpu, (cpu.segBase[CS]! + at + j) | 0);
      bytes[j] = phys < 0 ? 0 : m.phys.read8(phys);
    }
    const { text, len } = disassembleBytes(bytes, code32, at);
    const hexBytes = Array.from(bytes.subarray(0, len), (b) => b.toString(16).padStart(2, '0')).join(' ');
    const mark = marks.get(at >>> 0);
    lines.push(`${mark === undefined ? '   ' : `${mark} `}${hex(at)}  ${hexBytes.padEnd(24)} ${text}`);
    at = code32 ? (at + len) | 0 : (at + len) & 0xffff;
    if (toTransfer && TRANSFER.test(text)) break;
  }
  return lines;
}

/** The general registers and EFLAGS on one line. */
function registerLine(m: Machine): string {
  const cpu = m.cpu;
  return [...REG32_NAMES.map((n, r) => `${n} ${hex(cpu.reg[r]!)}`), `eflags ${hex(getEflags(cpu))}`].join(' ');
}

function finished(reason: string): boolean {
  return reason === 'halt' || reason === 'shutdown' || reason === 'exit';
}

/**
 * Runs the two sides in slices and compares them after each; throws, with a description of the
 * first difference, if they ever differ. A JavaScript exception escaping either side is a failure
 * too (named as such).
 */
export function crossCheck(spec: CrossCheckSpec): CrossCheckResult {
  const runSlice = spec.runSlice ?? defaultRun;
  const a = side(spec, Infinity);
  const b = side(spec, spec.compileAfter);
  let slices = 0;
  const start = a.m.cpu.cycles;
  for (;;) {
    const before = a.m.cpu.cycles;
    if (before - start >= spec.cycles) break;
    const ra = runGuarded(spec, 'interpreter', slices, () => runSlice(a.m, spec.slice));
    const rb = runGuarded(spec, 'compiled', slices, () => runSlice(b.m, spec.slice));
    slices++;
    const diffs = stateDiffs(a.m, b.m);
    if (ra !== rb) diffs.unshift(`why the slice ended: interpreter ${ra}, compiled ${rb}`);
    const ev = eventDiff(a.events, b.events);
    if (ev !== null) diffs.unshift(ev);
    if (diffs.length > 0) throw new Error(report(spec, slices - 1, before, diffs, a));
    a.events.length = 0;
    b.events.length = 0;
    if (finished(ra)) break;
  }
  return { slices, interpreter: a.m, compiled: b.m };
}

function runGuarded(spec: CrossCheckSpec, which: string, slice: number, f: () => string): string {
  try {
    return f();
  } catch (e) {
    const what = e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e);
    throw new Error(`${spec.name}: slice ${slice}: a JavaScript exception escaped the ${which} side's run: ${what}`);
  }
}

function report(spec: CrossCheckSpec, slice: number, startCycle: number, diffs: string[], a: Side): string {
  const lines = [
    `compiler cross-check failed: ${spec.name}, compileAfter ${spec.compileAfter}`,
    `after slice ${slice} (from cycle ${startCycle}, ${spec.slice} cycles a slice) the interpreter and the compiled side differ:`,
    ...diffs.slice(0, 24).map((d) => `  ${d}`),
  ];
  if (diffs.length > 24) lines.push(`  ... and ${diffs.length - 24} more`);
  const interp = a.m.cpu;
  lines.push(`interpreter's code at CS:EIP ${hex(interp.seg[CS]!, 4)}:${hex(interp.eip)}:`, ...codeAt(a.m, interp.eip, 6).map((l) => `  ${l}`));
  lines.push(...narrow(spec, slice));
  return lines.join('\n');
}

/**
 * Runs the failing slice again, from fresh machines, one block at a time (a slice of one cycle
 * runs exactly one block or one interrupt delivery) and names the first block after which the
 * sides differ, with its code.
 */
function narrow(spec: CrossCheckSpec, slice: number): string[] {
  const runSlice = spec.runSlice ?? defaultRun;
  try {
    const a = side(spec, Infinity);
    const b = side(spec, spec.compileAfter);
    for (let k = 0; k < slice; k++) {
      runSlice(a.m, spec.slice);
      runSlice(b.m, spec.slice);
    }
    if (stateDiffs(a.m, b.m).length > 0) return ['(narrowing: fresh machines already differ before the slice: the run is not reproducible)'];
    const end = a.m.cpu.cycles + spec.slice;
    for (let step = 0; a.m.cpu.cycles < end; step++) {
      a.events.length = 0;
      b.events.length = 0;
      const cs = a.m.cpu.seg[CS]!, eip = a.m.cpu.eip, cycle = a.m.cpu.cycles;
      const regs = registerLine(a.m);
      const code = codeAt(a.m, eip, 64, new Map([[eip >>> 0, '>>']]), true);
      const ra = runSlice(a.m, 1);
      const rb = runSlice(b.m, 1);
      const diffs = stateDiffs(a.m, b.m);
      const ev = eventDiff(a.events, b.events);
      if (ev !== null) diffs.unshift(ev);
      if (diffs.length > 0) {
        const ia = a.m.cpu, ib = b.m.cpu;
        return [
          `narrowed down: the first block that differs is block ${step} of the slice, at CS:EIP ${hex(cs, 4)}:${hex(eip)} (cycle ${cycle}); after it:`,
          ...diffs.slice(0, 16).map((d) => `  ${d}`),
          `  (the interpreter is now at ${hex(ia.seg[CS]!, 4)}:${hex(ia.eip)}, the compiled side at ${hex(ib.seg[CS]!, 4)}:${hex(ib.eip)})`,
          ...(a.events.length > 0 ? ['what the interpreter delivered or did on I/O in that step:', ...a.events.map((e) => `  ${e}`)] : []),
          `registers before it: ${regs}`,
          'the block, to its first control transfer (a block also ends at a page end, after 64 instructions, or after an instruction that changes the mode):',
          ...code.map((l) => `  ${l}`),
        ];
      }
      if (finished(ra) || finished(rb)) break;
    }
    return ['(narrowing: run one block at a time, the slice showed no difference: it depends on how blocks are chained or on where a slice ends)'];
  } catch (e) {
    return [`(narrowing failed: ${e instanceof Error ? e.message : String(e)})`];
  }
}
