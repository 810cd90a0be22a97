// The `ts386` command: parse options, load the firmware, build the machine, connect COM1 and the
// debug console to the terminal, run, and end with a one-line summary on stderr.
//
// Exit status: the guest's exit-port status when it wrote one; 0 when it halted with interrupts
// off; EXIT_* below otherwise.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createMachine, type RunResult } from '../emulator/index.ts';

export const EXIT_BAD_INPUT = 2;
export const EXIT_TRIPLE_FAULT = 3;
export const EXIT_MAX_CYCLES = 4;
export const EXIT_HALTED_WITH_INTERRUPTS = 5;

const HELP = `usage: ts386 [options]

Boots an emulated i386 PC. With no options it runs the built-in demo guest (firmware/demo.bin),
which prints over COM1 in real mode and in protected mode.

options:
  --mem SIZE          RAM size, e.g. 16M, 64M, 1G (default 32M)
  --cpu 386|486       processor model (default 386)
  --bios FILE         firmware ROM image to start from F000:FFF0 (64 or 128 KiB)
  --max-cycles N      stop after N emulated cycles (exit status ${EXIT_MAX_CYCLES})
  --clock MHZ         emulated clock for the summary's emulated seconds (default 33)
  -h, --help          this text

exit status: the guest's exit-port (0xF4) status; 0 after HLT with interrupts off;
  ${EXIT_BAD_INPUT} bad input, ${EXIT_TRIPLE_FAULT} triple fault, ${EXIT_MAX_CYCLES} --max-cycles reached,
  ${EXIT_HALTED_WITH_INTERRUPTS} halted with interrupts enabled and nothing left to wake it
`;

class BadInput extends Error {}

function parseSize(text: string): number {
  const m = /^(\d+)([KMG]?)i?B?$/i.exec(text);
  if (!m) throw new BadInput(`--mem ${text}: expected a size such as 16M or 1G`);
  const unit = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[m[2]!.toUpperCase() as '' | 'K' | 'M' | 'G'];
  const bytes = Number(m[1]) * unit;
  if (bytes < 1024 * 1024 || bytes > 3 * 1024 ** 3 || bytes % 4096 !== 0) {
    throw new BadInput(`--mem ${text}: RAM must be whole 4 KiB pages between 1 MiB and 3 GiB`);
  }
  return bytes;
}

function readFileOrFail(file: string, what: string): Uint8Array {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new BadInput(`${what} ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
}

/** firmware/ sits beside dist/ (the bundle) and beside cli/ (the sources). */
function defaultRom(): Uint8Array {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return readFileOrFail(path.join(here, '..', 'firmware', 'demo.bin'), 'firmware');
}

export function main(argv: string[]): number {
  let opts;
  try {
    opts = parseArgs({
      args: argv,
      options: {
        mem: { type: 'string' },
        cpu: { type: 'string' },
        bios: { type: 'string' },
        'max-cycles': { type: 'string' },
        clock: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (e) {
    process.stderr.write(`ts386: ${(e as Error).message}\n`);
    return EXIT_BAD_INPUT;
  }
  if (opts.help) {
    process.stdout.write(HELP);
    return 0;
  }
  try {
    const memoryBytes = opts.mem !== undefined ? parseSize(opts.mem) : undefined;
    if (opts.cpu !== undefined && opts.cpu !== '386' && opts.cpu !== '486') throw new BadInput(`--cpu ${opts.cpu}: expected 386 or 486`);
    const cpu = opts.cpu === '486' ? 486 : 386;
    const rom = opts.bios !== undefined ? readFileOrFail(opts.bios, '--bios') : defaultRom();
    if (rom.length !== 0x10000 && rom.length !== 0x20000) {
      throw new BadInput(`--bios ${opts.bios ?? 'firmware'}: ${rom.length} bytes; a ROM image must be 64 or 128 KiB`);
    }
    let maxCycles = Number.POSITIVE_INFINITY;
    if (opts['max-cycles'] !== undefined) {
      maxCycles = Number(opts['max-cycles']);
      if (!Number.isSafeInteger(maxCycles) || maxCycles <= 0) throw new BadInput(`--max-cycles ${opts['max-cycles']}: expected a positive whole number`);
    }
    const mhz = opts.clock !== undefined ? Number(opts.clock) : 33;
    if (!(mhz > 0 && mhz <= 10000)) throw new BadInput(`--clock ${opts.clock}: expected a clock in MHz, such as 33`);

    const out = (b: number): void => {
      process.stdout.write(Uint8Array.of(b));
    };
    const machine = createMachine({ memoryBytes, cpu, rom, onSerialByte: out });
    const started = performance.now();
    let result: RunResult;
    // Run in slices so that a long run stays responsive to the max-cycles limit.
    for (;;) {
      const slice = Math.min(50_000_000, maxCycles - machine.cpu.cycles);
      result = machine.run(slice);
      if (result.reason !== 'cycles' || machine.cpu.cycles >= maxCycles) break;
    }
    const wall = (performance.now() - started) / 1000;
    return summarize(result, machine.cpu.cycles, mhz, wall, machine.cpu.shutdownReason, (machine.cpu.flags & 0x200) !== 0);
  } catch (e) {
    if (e instanceof BadInput) {
      process.stderr.write(`ts386: ${e.message}\n`);
      return EXIT_BAD_INPUT;
    }
    throw e;
  }
}

function summarize(r: RunResult, cycles: number, mhz: number, wall: number, shutdown: string | null, interruptsOn: boolean): number {
  const emulated = cycles / (mhz * 1e6);
  const mips = wall > 0 ? r.instructions / wall / 1e6 : 0;
  const figures = `after ${cycles} cycles, ${r.instructions} instructions, ${emulated.toFixed(2)} s emulated, ${mips.toFixed(1)} MIPS`;
  let why: string;
  let status: number;
  switch (r.reason) {
    case 'exit': why = `guest exited with status ${r.exitStatus}`; status = r.exitStatus ?? 0; break;
    case 'shutdown': why = `${shutdown ?? 'triple fault'}; stopped`; status = EXIT_TRIPLE_FAULT; break;
    case 'halt':
      why = interruptsOn ? 'halted with interrupts enabled and nothing to wake it' : 'halted (cli; hlt)';
      status = interruptsOn ? EXIT_HALTED_WITH_INTERRUPTS : 0;
      break;
    default: why = 'stopped at --max-cycles'; status = EXIT_MAX_CYCLES; break;
  }
  process.stderr.write(`ts386: ${why} ${figures}\n`);
  return status;
}

process.exitCode = main(process.argv.slice(2));
