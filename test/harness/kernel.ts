// Boot-and-assert harness for the ts386 kernel (jsbeeb's TestMachine, Pintos's .ck): boot the default
// machine (BIOS + the TypeScript kernel + a program disk), type shell commands on COM1, run until a
// serial pattern, an exit or a cycle budget, and compare transcripts. Runs are deterministic, so
// tests assert exact counts. On a failure the message carries the transcript's tail, the cycle
// count and CS:EIP where the run stopped.
//
// Expected transcripts: `expectTranscript(actual, 'test/boot/x.expect', m)` (or `m.expectTranscript(file)`)
// compares a transcript with a file and, when they differ, throws with a unified-style line diff plus
// the cycle count and CS:EIP. After a deliberate change to what the kernel prints, rewrite the files:
//
//   UPDATE_EXPECT=1 npx vitest run test/boot/
//
// and read the rewritten .expect files' diff before committing them.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Machine, type RunResult } from '../../emulator/machine.ts';
import { MemoryDisk, type BlockDevice } from '../../emulator/disk.ts';
import { MSR_CTS, MSR_DCD, MSR_DSR } from '../../emulator/devices/uart16550.ts';
import { CS } from '../../emulator/cpu/registers.ts';
import { ACCESS_NAMES, attachRefTrace, readRefFile } from '../../emulator/debug/refs-file.ts';
import { attachKernel } from '../../cli/attach-kernel.ts';
import type { Kernel } from '../../kernel/index.ts';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIOS = readFileSync(path.join(root, 'firmware', 'bios.bin'));
export const PROGRAMS_IMG = readFileSync(path.join(root, 'images', 'programs.img'));

/** The program disk (images/programs.img in memory), counting the sectors the drive reads from it and writes to it. */
export function countingProgramDisk(): { disk: BlockDevice; sectors: { read: number; written: number } } {
  const img = new MemoryDisk(new Uint8Array(PROGRAMS_IMG));
  const sectors = { read: 0, written: 0 };
  const disk: BlockDevice = {
    sectorCount: img.sectorCount, name: img.name,
    read: (lba, count, into, offset) => { sectors.read += count; img.read(lba, count, into, offset); },
    write: (lba, count, from, offset) => { sectors.written += count; img.write(lba, count, from, offset); },
  };
  return { disk, sectors };
}

export interface BootOptions {
  memoryBytes?: number;
  cpu?: 386 | 486;
  frames?: 'bitmap' | 'buddy';
  heap?: 'first' | 'best' | 'worst' | 'next';
  /** Extra kernel command line. */
  cmdline?: string;
  /** The program disk (default images/programs.img); null for none. */
  disk?: Uint8Array | BlockDevice | null;
  /** The drive's seek time in cycles (default 0.1 ms): a slow disk keeps requests in flight longer. */
  ataRequestCycles?: number;
  /** Swap space: a zeroed disk of this many bytes as the channel's slave (the kernel's swap). */
  swapBytes?: number;
  /** Or this disk as the slave (one that fails, say). */
  swapDisk?: BlockDevice;
}

/** An entry of a reference trace (recordRefs): a label of a CR3 with its process, or a reference. */
export type RefEntry =
  | { kind: 'label'; cr3: number; pid: number; name: string }
  | { kind: 'ref'; cycle: number; cr3: number; page: number; access: (typeof ACCESS_NAMES)[number]; user: boolean };

/** The default cycle budget for one step: 2 emulated seconds at 33 MHz. */
export const STEP_BUDGET = 66_000_000;

export class KernelMachine {
  readonly machine: Machine;
  readonly kernel: Kernel;
  private readonly out: number[] = [];
  last: RunResult | null = null;

  constructor(opts: BootOptions = {}) {
    const disk = opts.disk === undefined ? new MemoryDisk(new Uint8Array(PROGRAMS_IMG)) : opts.disk === null ? null : opts.disk instanceof Uint8Array ? new MemoryDisk(new Uint8Array(opts.disk)) : opts.disk;
    this.machine = new Machine({
      memoryBytes: opts.memoryBytes, cpu: opts.cpu, rom: BIOS,
      disks: [...(disk ? [disk] : []), ...(opts.swapDisk ? [opts.swapDisk] : opts.swapBytes ? [new MemoryDisk(new Uint8Array(opts.swapBytes))] : [])],
      ataRequestCycles: opts.ataRequestCycles,
      onSerialByte: (b) => this.out.push(b),
    });
    this.machine.com1.setModemInputs(MSR_CTS | MSR_DSR | MSR_DCD);
    const cmdline = [opts.cmdline ?? '', opts.frames ? `frames=${opts.frames}` : '', opts.heap ? `heap=${opts.heap}` : ''].filter(Boolean).join(' ');
    this.kernel = attachKernel(this.machine, cmdline);
  }

  /** Everything COM1 has sent, with CR LF as LF. */
  get transcript(): string {
    return Buffer.from(this.out).toString('latin1').replace(/\r\n/g, '\n');
  }

  /** Where the run stands, for failure messages. */
  where(): string {
    const cpu = this.machine.cpu;
    return `after ${cpu.cycles} cycles at ${cpu.seg[CS]!.toString(16).padStart(4, '0')}:${(cpu.eip >>> 0).toString(16).padStart(8, '0')}`;
  }

  /** Runs until the transcript from `from` on matches, the guest stops, or the budget is spent; throws on the last two. */
  runUntil(pattern: string | RegExp, budget = STEP_BUDGET, from = 0): string {
    const end = this.machine.cpu.cycles + budget;
    const match = (): boolean => {
      const t = this.transcript.slice(from);
      return typeof pattern === 'string' ? t.includes(pattern) : pattern.test(t);
    };
    while (!match()) {
      if (this.machine.cpu.cycles >= end) throw new Error(`no ${String(pattern)} within ${budget} cycles, ${this.where()}; transcript ends:\n${this.transcript.slice(-1500)}`);
      this.last = this.machine.run(Math.min(1_000_000, end - this.machine.cpu.cycles));
      if (this.last.reason !== 'cycles' && !match()) throw new Error(`the machine stopped (${this.last.reason}, status ${this.last.exitStatus}) before ${String(pattern)}, ${this.where()}; transcript ends:\n${this.transcript.slice(-1500)}`);
    }
    return this.transcript.slice(from);
  }

  /** Boots to the shell's first prompt. */
  boot(budget = STEP_BUDGET): this {
    this.runUntil('$ ', budget);
    return this;
  }

  /** Types text on COM1 (as a person at a terminal would). */
  type(text: string): void {
    this.machine.com1.receive(Buffer.from(text, 'latin1'));
  }

  /**
   * Types a shell command and runs until the next prompt; returns what was printed in between
   * (without the echoed command line and the prompt).
   */
  command(cmd: string, budget = STEP_BUDGET): string {
    const from = this.transcript.length;
    this.type(`${cmd}\r`);
    const t = this.runUntil(/\n\$ $/, budget, from);
    const body = t.replace(/\$ $/, '');
    const nl = body.indexOf('\n');
    return nl >= 0 ? body.slice(nl + 1) : '';
  }

  /** Runs `cycles` more cycles (less if the machine stops first); returns what was printed meanwhile. */
  runFor(cycles: number): string {
    const from = this.transcript.length;
    const end = this.machine.cpu.cycles + cycles;
    while (this.machine.cpu.cycles < end) {
      this.last = this.machine.run(Math.min(1_000_000, end - this.machine.cpu.cycles));
      if (this.last.reason !== 'cycles') break;
    }
    return this.transcript.slice(from);
  }

  /**
   * Gives the machine a reference-trace file in memory, as `--trace-refs FILE` does, but without
   * its start (recording waits for one: `trace refs on`, `run -p opt`). Returns a function that
   * reads back, decoded, all the file holds so far.
   */
  recordRefs(): () => RefEntry[] {
    const bytes: number[] = [];
    const writer = attachRefTrace(this.machine.cpu, (chunk) => bytes.push(...chunk));
    // As --trace-refs does: recording from now, that start held for the shell's `trace refs off`.
    this.machine.hostPort.refTraceStart();
    return () => {
      writer.flush();
      const entries: RefEntry[] = [];
      readRefFile(Uint8Array.from(bytes), {
        label: (cr3, pid, name) => entries.push({ kind: 'label', cr3, pid, name }),
        reference: (cycle, cr3, page, access, user) => entries.push({ kind: 'ref', cycle, cr3, page, access: ACCESS_NAMES[access]!, user }),
      });
      return entries;
    };
  }

  /** Compares the whole transcript so far with an expected-transcript file (see expectTranscript). */
  expectTranscript(expectFile: string | URL): void {
    expectTranscript(this.transcript, expectFile, this);
  }

  /** Runs until the machine stops (exit port, halt, shutdown); throws when the budget runs out first. */
  runToStop(budget = STEP_BUDGET): RunResult {
    const end = this.machine.cpu.cycles + budget;
    for (;;) {
      this.last = this.machine.run(Math.min(1_000_000, end - this.machine.cpu.cycles));
      if (this.last.reason !== 'cycles') return this.last;
      if (this.machine.cpu.cycles >= end) throw new Error(`still running after ${budget} cycles, ${this.where()}; transcript ends:\n${this.transcript.slice(-1500)}`);
    }
  }
}

export function bootKernel(opts: BootOptions = {}): KernelMachine {
  return new KernelMachine(opts).boot();
}

// --- expected transcripts ----------------------------------------------------------------------------

/** UPDATE_EXPECT=1 in the environment: expectTranscript writes the actual transcript instead of comparing. */
export const UPDATE_EXPECT = process.env.UPDATE_EXPECT === '1';

const resolveExpect = (f: string | URL): string => (f instanceof URL ? fileURLToPath(f) : path.isAbsolute(f) ? f : path.join(root, f));
/** A file's name for messages: relative to the repository when it is inside it. */
const shown = (file: string): string => (file.startsWith(root + path.sep) ? path.relative(root, file) : file);

/**
 * Throws unless `actual` equals the contents of `expectFile` (a path relative to the repository root,
 * an absolute path or a file: URL). The error carries a unified-style diff (--- expected, +++ actual)
 * and, when `where` (a machine or a string) is given, the cycle count and CS:EIP of the run.
 * With UPDATE_EXPECT=1 the file is (re)written with `actual` and nothing is compared.
 */
export function expectTranscript(actual: string, expectFile: string | URL, where?: KernelMachine | string): void {
  const file = resolveExpect(expectFile);
  if (UPDATE_EXPECT) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, actual, 'latin1');
    return;
  }
  let expected: string;
  try {
    expected = readFileSync(file, 'latin1');
  } catch {
    throw new Error(`no expected transcript ${shown(file)}: run with UPDATE_EXPECT=1 to write it`);
  }
  if (expected === actual) return;
  const at = where === undefined ? '' : typeof where === 'string' ? ` ${where}` : ` ${where.where()}`;
  throw new Error(`transcript differs from ${shown(file)}${at} (UPDATE_EXPECT=1 rewrites it):\n${lineDiff(expected, actual, shown(file))}`);
}

/** Control characters (other than tab) as \xNN, so that an ESC or a stray CR shows in a diff. */
const visible = (line: string): string => line.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

/**
 * A unified-style line diff of two texts (LCS over the lines that differ after the common head and
 * tail are set aside), with `context` lines around each change. Empty when the texts are equal.
 */
export function lineDiff(expected: string, actual: string, name = 'expected', context = 3): string {
  if (expected === actual) return '';
  const a = expected.split('\n'), b = actual.split('\n');
  // Common head and tail need no table.
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const ma = a.slice(head, a.length - tail), mb = b.slice(head, b.length - tail);
  const n = ma.length, m = mb.length;
  // lcs[i][j]: length of the LCS of ma[i..] and mb[j..]
  const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) lcs[i]![j] = ma[i] === mb[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  }
  type Op = { tag: ' ' | '-' | '+'; text: string; ai: number; bi: number };
  const ops: Op[] = [];
  for (let k = 0; k < head; k++) ops.push({ tag: ' ', text: a[k]!, ai: k, bi: k });
  let i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && ma[i] === mb[j]) { ops.push({ tag: ' ', text: ma[i]!, ai: head + i, bi: head + j }); i++; j++; }
    else if (i < n && (j === m || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) { ops.push({ tag: '-', text: ma[i]!, ai: head + i, bi: head + j }); i++; }
    else { ops.push({ tag: '+', text: mb[j]!, ai: head + i, bi: head + j }); j++; }
  }
  for (let k = 0; k < tail; k++) ops.push({ tag: ' ', text: a[a.length - tail + k]!, ai: a.length - tail + k, bi: b.length - tail + k });
  // Hunks: runs of changes with up to `context` unchanged lines around them (merged when close).
  const out = [`--- ${name}`, '+++ actual'];
  let k = 0;
  while (k < ops.length) {
    while (k < ops.length && ops[k]!.tag === ' ') k++;
    if (k >= ops.length) break;
    const start = Math.max(0, k - context);
    let end = k;
    for (;;) {
      while (end < ops.length && ops[end]!.tag !== ' ') end++;
      let next = end;
      while (next < ops.length && ops[next]!.tag === ' ') next++;
      if (next < ops.length && next - end <= 2 * context) { end = next; continue; }
      end = Math.min(ops.length, end + context);
      break;
    }
    const hunk = ops.slice(start, end);
    const aLen = hunk.filter((o) => o.tag !== '+').length, bLen = hunk.filter((o) => o.tag !== '-').length;
    const aStart = hunk[0]!.ai + (aLen > 0 ? 1 : 0), bStart = hunk[0]!.bi + (bLen > 0 ? 1 : 0);
    out.push(`@@ -${aStart},${aLen} +${bStart},${bLen} @@`);
    for (const o of hunk) out.push(`${o.tag}${visible(o.text)}`);
    k = end;
  }
  return out.join('\n');
}
