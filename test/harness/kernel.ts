// Boot-and-assert harness for the ts386 kernel (jsbeeb's TestMachine, Pintos's .ck): boot the default
// machine (BIOS + the TypeScript kernel + a program disk), type shell commands on COM1, run until a
// serial pattern, an exit or a cycle budget, and compare transcripts. Runs are deterministic, so
// tests assert exact counts. On a failure the message carries the transcript's tail, the cycle
// count and CS:EIP where the run stopped.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Machine, type RunResult } from '../../emulator/machine.ts';
import { MemoryDisk, type BlockDevice } from '../../emulator/disk.ts';
import { MSR_CTS, MSR_DCD, MSR_DSR } from '../../emulator/devices/uart16550.ts';
import { CS } from '../../emulator/cpu/registers.ts';
import { attachKernel } from '../../cli/attach-kernel.ts';
import type { Kernel } from '../../kernel/index.ts';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIOS = readFileSync(path.join(root, 'firmware', 'bios.bin'));
export const PROGRAMS_IMG = readFileSync(path.join(root, 'images', 'programs.img'));

export interface BootOptions {
  memoryBytes?: number;
  cpu?: 386 | 486;
  frames?: 'bitmap' | 'buddy';
  heap?: 'first' | 'best';
  /** Extra kernel command line. */
  cmdline?: string;
  /** The program disk (default images/programs.img); null for none. */
  disk?: Uint8Array | BlockDevice | null;
}

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
      memoryBytes: opts.memoryBytes, cpu: opts.cpu, rom: BIOS, disks: disk ? [disk] : [],
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
