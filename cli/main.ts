// The `ts386` command: parse options, load the firmware, disks or a Multiboot kernel, build the
// machine, connect COM1 and the debug console to the host, run, and end with a one-line summary
// on stderr that says why the run ended.
//
// Exit status: the guest's exit-port status when it wrote one; 0 when it halted with interrupts
// off; EXIT_* below otherwise (documented in --help).
//
// Importing this module runs nothing: cli/ts386.ts is the command, which calls runCommand with the
// process's arguments and standard streams (cli/cli-io.ts); the tests call it with streams of
// their own (test/harness/cli.ts).

import { writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ReadStream } from 'node:tty';
import { parseArgs } from 'node:util';
import {
  attachRefTrace, attachTerminal, attachTrace, type BlockDevice, createMachine, DEFAULT_GDB_PORT, DEFAULT_SWAP_BYTES, EscapeDecoder, GdbServer, escapeHelp, type Machine, MAX_SWAP_BYTES, MIN_SWAP_BYTES, MSR_CTS,
  MSR_DCD, MSR_DSR, MultibootError, parseTraceKinds, readInputFile, type RefFileWriter, type RunResult, type SwapFile, type TraceKind,
} from '../emulator/index.ts';
import { attachKernel } from './attach-kernel.ts';
import { MonitorConsole } from './monitor-console.ts';
import { kernelOsView } from './os-view.ts';
import { builtinFile } from './boot-pool.ts';
import { BadInput } from './bad-input.ts';
import { type CliIO, processIO } from './cli-io.ts';
import { openDisks } from './disks.ts';
import { refsCommand, REFS_USAGE } from './refs.ts';
import { parseMemSize, sizeText } from './size.ts';
import {
  EXIT_BAD_INPUT, EXIT_HALTED_WITH_INTERRUPTS, EXIT_INTERNAL_ERROR, EXIT_MAX_CYCLES, EXIT_OUTPUT_ERROR, EXIT_QUIT, EXIT_READER_GONE, EXIT_TRIPLE_FAULT,
} from './exit-status.ts';
import { type OutputFailure, Outputs, type Sink } from './outputs.ts';
import { ALLOCATIONS, FIT_POLICIES, FORK_MODES, GLOBAL_POLICY_NAMES, LOAD_CONTROL_MODES, MEMORY_MODES, PANIC_EXIT_STATUS, RSS_POLICIES, SCOPES, type Kernel } from '../kernel/index.ts';

const DEFAULT_MEM = '32M';
/** The machine maps firmware of up to 128 KiB below 1 MiB and below 4 GiB (emulator/memory/physical.ts). */
const MAX_ROM_BYTES = 128 * 1024;

const HELP = `usage: ts386 [options]
       ts386 compare --policies P,P,... --frames N,N,... [options] -- PROG ARGS...
       ts386 thrash [--load-control MODE,...] [--max N] [options] -- PROG ARGS...
       ts386 fits [--fits F,F,...] [--no-paging] [options] [-- PROG ARGS...]
       ${REFS_USAGE}

Boots an emulated i386 PC with COM1 on the terminal. The firmware (a PC BIOS) boots sector 0 of
the first --disk when it has a boot signature; otherwise it starts ts386's TypeScript kernel, whose
shell runs the programs on the first disk (a tar archive; default images/programs.img). Type help
at its prompt. images/demo.img is a bootable demo disk.

ts386 compare runs one program under several page replacement policies and resident limits, one
boot of the ts386 kernel each, and tabulates (or plots) their page faults: ts386 compare --help.
ts386 thrash runs 1, 2, ... N copies of a program at once, one boot each, and tabulates (or plots)
the CPU utilisation as they go from fitting in RAM to thrashing: ts386 thrash --help.
ts386 fits runs a workload that fragments memory under --mm segments with first, best, worst and
next fit, and under paging, one boot each, and tabulates (or plots) the external fragmentation,
compactions and roll-outs: ts386 fits --help.

options:
  --mem SIZE            RAM size, e.g. 16M, 64M, 1G (default ${DEFAULT_MEM})
  --cpu 386|486         processor model (default 386)
  --bios FILE           firmware ROM image started at F000:FFF0 (64 or 128 KiB; default: the
                        built-in BIOS, firmware/bios.bin; firmware/demo.bin is a demo ROM)
  --disk FILE           attach a disk image (repeatable; whole 512-byte sectors). The file is
                        never written: guest writes stay in memory unless --write is given
  --write               write guest disk writes through to the --disk files
  --swap FILE           the swap disk (the slave) for the ts386 kernel's pager, written through.
                        Made at --swap-size if missing; an existing file is used at its own size
  --swap-size SIZE      a new swap's size, whole 4 KiB pages from ${MIN_SWAP_BYTES / 1024}K to ${MAX_SWAP_BYTES / 1024 ** 3}G (default ${DEFAULT_SWAP_BYTES / 1024 ** 2}M); without
                        --swap, a temporary swap file in the OS temp dir, deleted when ts386 exits
  --kernel FILE         load a Multiboot v1 ELF kernel directly, as qemu -kernel does (a file
                        no larger than the RAM, --mem). The BIOS's POST runs first and leaves
                        COM1 (115200 8N1), the PICs, the PIT and the IVT/BDA as for a boot sector
  --append TEXT         the kernel's command line (the Multiboot kernel's, or the ts386
                        kernel's: frames=bitmap|buddy heap=first|best|worst|next policy=NAME scope=local alloc=RULE
                        loadcontrol=MODE rss=POLICY fork=cow|eager mm=paging|segments fit=PLACEMENT)
  --frames KIND         ts386 kernel: physical frame allocator, bitmap or buddy (default buddy)
  --heap POLICY         ts386 kernel: kmalloc placement, first, best, worst or next fit (default first)
  --fork MODE           ts386 kernel: how fork copies memory, cow (copy-on-write: pages shared
                        read-only until written, the default) or eager (every page at once)
  --mm MODE             ts386 kernel: how processes get memory, paging (the default) or segments
                        (each in one contiguous partition: base and limit in its LDT, no pages;
                        with swap, whole processes are rolled out and in)
  --fit PLACEMENT       ts386 kernel, with --mm segments: where a partition goes among the holes,
                        first, best, worst or next fit (default first)
  --policy NAME         ts386 kernel: global page replacement when there is swap, one of
                        ${GLOBAL_POLICY_NAMES.join(' ')} (default fifo; run -m -p sets a
                        program's own, opt too)
  --scope SCOPE         ts386 kernel, when there is swap: replacement among every process's
                        pages (global, the default) or within each one's share of the frames (local)
  --alloc RULE          ts386 kernel, with --scope local: the shares are equal (the default) or
                        proportional to each process's size in pages
  --rss POLICY          ts386 kernel, with swap: how a process's resident set is sized: fixed (by
                        replacement, the default), pff (page-fault frequency: grows while it
                        faults often, sheds what it has not used since its last fault otherwise)
                        or ws (its working set: pages not used in its last 4 ticks go)
  --load-control MODE   ts386 kernel, with swap: off (the default), ws (suspend a process and roll
                        it out to swap while the working sets exceed the frames) or pff (while
                        the page-fault rate is too high); ps shows suspended processes
  --no-kernel           do not attach the ts386 kernel (the BIOS then boots disks only)
  --inspect[=PORT]      open Node's inspector (default port 9229) and wait for a debugger before
                        booting, to set breakpoints in the kernel's TypeScript
  --serial MODE         COM1: stdio (default), file:PATH, pty (a pseudo-terminal to connect
                        to, e.g. with screen; needs the node-pty package), or none. COM1's
                        carrier detect (MSR.DCD) is on only while a terminal can type to it
  --monitor MODE        stdio (the default with --serial stdio) or none: the monitor, on the
                        console behind Ctrl-A C, as QEMU's -serial mon:stdio (help lists its
                        commands: registers, memory, page walks, the TLB, breakpoints)
  --gdb [PORT]          a GDB stub on 127.0.0.1:PORT (default ${DEFAULT_GDB_PORT}), one connection at a time:
                        gdb -ex 'target remote :PORT'. Attaching stops the machine; gdb's continue
                        runs it (devices and console go on); gdb's monitor CMD runs a monitor command
  --gdb-wait            with --gdb: wait for gdb to attach before running anything (QEMU's -s -S)
  --debugcon MODE       port 0xE9 output: stdio, file:PATH, or none (default)
  --max-cycles N        stop after N emulated cycles
  --trace KINDS         log to stderr (or --trace-file): cpu (every instruction: CS:EIP, bytes,
                        disassembly, changed registers), int (interrupts and exceptions),
                        pf (page faults with CR2 and the error code in words), io (port accesses)
  --trace-file PATH     write the trace to PATH instead of stderr
  --trace-refs FILE     record the MMU's page references from power-on into FILE, a compact
                        binary file: each data read and write and each instruction's fetch, with
                        CR3, page, user/kernel and the cycle, and which process each CR3 is (the
                        ts386 kernel labels them; its shell's trace refs off|on stops and
                        starts it). Recording slows the run. \`ts386 refs FILE
                        [--pid N] [--user]\` prints the file: all of it, a process's or ring 3's
  --no-reboot           stop on a triple fault with a report (default: reset and go on, as a PC does)
  --clock MHZ           emulated CPU clock, 1.2 to 7500 (default 33)
  --jit on|off          compile blocks of guest code that run often into JavaScript (on, the
                        default) or interpret every instruction (off); the machine does the same
                        either way, to the cycle: off is for ruling the compiler out
  -h, --help            this text

Files: --bios, --kernel, --disk and --swap must be regular files. The swap is the slave disk: it
takes the place of a second --disk, needs a first one (a --disk or the program disk), and may not
be the same file as a disk, --kernel or --bios. An output (--serial and --debugcon file:PATH,
--trace-file, --trace-refs) is a regular file, created or truncated, or a character device such as /dev/null or
a terminal; a FIFO, a directory, a socket or a block device is refused. A write that fails (a full
disk, /dev/full) ends the run, naming the output and the error. A value that starts
with '-' may follow its option (--mem -1) unless it is one of the options here: write --opt=VALUE.

keys (in a terminal): Ctrl-A X quits, Ctrl-A H lists the keys, Ctrl-A C opens the monitor (the
machine stops; \`c\` at its (ts386) prompt goes on); Ctrl-C goes to the guest. With the monitor on,
piped input is read the same way (Ctrl-A A sends a Ctrl-A).
In a terminal (or with --serial pty) time the guest spends halted passes at the wall clock's pace;
running code and scripted runs (piped input, --serial file:/none) go as fast as they can. Input
piped to ts386 is typed on COM1, and its end is Ctrl-D (the ts386 shell halts on it).

exit status: the guest's exit-port (0xF4) status if it wrote one; 0 after HLT with interrupts
  off; ${EXIT_BAD_INPUT} bad input; ${EXIT_TRIPLE_FAULT} triple fault; ${EXIT_MAX_CYCLES} --max-cycles reached;
  ${EXIT_HALTED_WITH_INTERRUPTS} halted with interrupts on and nothing left to wake it; ${EXIT_QUIT} quit with Ctrl-A X (or, with --serial pty, Ctrl-C);
  ${EXIT_OUTPUT_ERROR} an output could not be written; ${EXIT_READER_GONE} (128 + SIGPIPE), with nothing printed, when the reader of
  stdout (or of the trace on stderr) goes away, as in ts386 | head;
  the ts386 kernel exits 0 after \`halt\` and ${PANIC_EXIT_STATUS} after a kernel panic
`;


/** An output sink for --serial / --debugcon; one line of BadInput if it cannot be one. */
function openSink(outputs: Outputs, mode: string, option: string): Sink {
  try {
    return outputs.sink(mode, option);
  } catch (e) {
    throw new BadInput(`${option} ${mode}: ${(e as Error).message}`);
  }
}

/** A file read whole (--bios, --kernel); one line of BadInput naming the option if it cannot be. */
function readInput(option: string, file: string, noun: string, limit: { bytes: number; tooLarge: (size: number) => string }): Uint8Array {
  try {
    return readInputFile(file, noun, limit);
  } catch (e) {
    throw new BadInput(`${option} ${(e as Error).message}`);
  }
}

/**
 * A pseudo-terminal for COM1, like QEMU's `-serial pty`: ts386 holds the master side, and the
 * user connects a terminal program (screen, minicom, picocom) to the slave device it names. Node
 * cannot open one itself (it has no grantpt/unlockpt/ptsname), and node-pty's public API only
 * spawns processes in one; but its native binding also has `open(cols, rows)`, an openpty(3)
 * wrapper (used by its undocumented UnixTerminal.open, which would also read the slave side and so
 * steal the user's keys). It is loaded at run time, so ts386 works without node-pty otherwise.
 */
interface PtySerial {
  path: string;
  write: (b: number) => void;
  /** Bytes typed at the terminal connected to the slave. */
  onInput: (listener: (bytes: Uint8Array) => void) => void;
  close: () => void;
}

function openPtySerial(): PtySerial {
  let native: { open: (cols: number, rows: number) => { master: number; slave: number; pty: string } };
  try {
    // A computed specifier: esbuild leaves it alone, and node-pty (a native addon) stays outside the bundle.
    const load = createRequire(import.meta.url)(['node-pty', 'lib', 'utils.js'].join('/')) as {
      loadNativeModule: (name: string) => { module: typeof native };
    };
    native = load.loadNativeModule('pty').module;
  } catch (e) {
    throw new BadInput(`--serial pty: needs the node-pty package (npm install node-pty): ${(e as Error).message.split('\n')[0]}`);
  }
  if (process.platform === 'win32' || typeof native.open !== 'function') throw new BadInput('--serial pty: this platform has no pseudo-terminals');
  const t = native.open(80, 24);
  // The slave side stays open for the whole run, so that the master never reads EIO (or loses
  // the settings below) while no terminal program is connected. Raw: the guest, not the host's
  // line discipline, decides about echo, line editing and CR/LF, as on a real serial line.
  const slave = new ReadStream(t.slave);
  slave.setRawMode(true);
  const master = new ReadStream(t.master);
  master.on('error', () => {}); // EIO when the pty goes away at exit: nothing to report
  return {
    path: t.pty,
    write: (b) => {
      // The master is non-blocking: with nobody reading the slave, the kernel's buffer fills and
      // further bytes are dropped (EAGAIN), as on a line with no one listening.
      try {
        writeSync(t.master, Uint8Array.of(b));
      } catch {
        // dropped
      }
    },
    onInput: (listener) => master.on('data', (chunk: Buffer) => listener(chunk)),
    close: () => {
      // The master's end hangs up the terminal program, which then loses whatever it has not read
      // yet (the guest's last lines): give it a moment to read them.
      setTimeout(() => {
        master.destroy();
        slave.destroy();
      }, 300);
    },
  };
}

interface Options {
  memoryBytes: number;
  cpu: 386 | 486;
  rom: Uint8Array;
  disks: BlockDevice[];
  /** The swap file (also disks[1]), or null. */
  swap: SwapFile | null;
  kernel: Uint8Array | null;
  append: string;
  serial: string;
  debugcon: string;
  maxCycles: number;
  mhz: number;
  trace: Set<TraceKind>;
  traceFile: string | null;
  traceRefs: string | null;
  noReboot: boolean;
  hostedKernel: boolean;
  inspect: string | null;
  /** The monitor on the console (Ctrl-A C), or none. */
  monitor: 'stdio' | 'none';
  /** --gdb's port, or null. */
  gdb: number | null;
  gdbWait: boolean;
  /** --jit: hot blocks compiled (emulator/cpu/compile.ts), or every instruction interpreted. */
  jit: boolean;
}

const OPTIONS = {
  mem: { type: 'string' },
  cpu: { type: 'string' },
  jit: { type: 'string' },
  bios: { type: 'string' },
  disk: { type: 'string', multiple: true },
  write: { type: 'boolean' },
  swap: { type: 'string' },
  'swap-size': { type: 'string' },
  kernel: { type: 'string' },
  append: { type: 'string' },
  serial: { type: 'string' },
  debugcon: { type: 'string' },
  'max-cycles': { type: 'string' },
  clock: { type: 'string' },
  trace: { type: 'string' },
  'trace-file': { type: 'string' },
  'trace-refs': { type: 'string' },
  'no-reboot': { type: 'boolean' },
  frames: { type: 'string' },
  heap: { type: 'string' },
  fork: { type: 'string' },
  mm: { type: 'string' },
  fit: { type: 'string' },
  policy: { type: 'string' },
  scope: { type: 'string' },
  alloc: { type: 'string' },
  'load-control': { type: 'string' },
  rss: { type: 'string' },
  'no-kernel': { type: 'boolean' },
  inspect: { type: 'string' },
  monitor: { type: 'string' },
  gdb: { type: 'string' },
  'gdb-wait': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Whether `arg` is one of ts386's options (--mem, --mem=16M, -h), not a value. */
function isOption(arg: string): boolean {
  if (arg === '-h') return true;
  const m = /^--([^=]+)/.exec(arg);
  return m !== null && Object.hasOwn(OPTIONS, m[1]!);
}

/**
 * The arguments as parseArgs should see them. --inspect takes an optional value (--inspect[=PORT],
 * as node's own): parseArgs has no such option type, so a bare --inspect becomes --inspect= (the
 * default port). And parseArgs refuses a value that starts with '-' after a space (`--mem -1`,
 * "argument is ambiguous", in three lines): here such a value is the option's, unless it is one
 * of ts386's options, so that `--mem -1` is told what a size is and `--append -s` passes, while
 * `--mem --cpu 486` says that --mem has no value.
 */
function normalizeArgs(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = argv[i + 1];
    if (arg === '--inspect') {
      out.push('--inspect=');
    } else if (arg === '--gdb') {
      // --gdb [PORT]: the port may follow as the next word.
      if (next !== undefined && /^\d+$/.test(next)) {
        out.push(`--gdb=${next}`);
        i++;
      } else {
        out.push('--gdb=');
      }
    } else if (arg.startsWith('--') && OPTIONS[arg.slice(2) as keyof typeof OPTIONS]?.type === 'string' && next !== undefined && next.length > 1 && next.startsWith('-')) {
      if (isOption(next)) throw new BadInput(`${arg} needs a value, not the option ${next} (write ${arg}=VALUE)`);
      out.push(`${arg}=${next}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

function parseOptions(argv: string[]): Options | 'help' {
  let values;
  try {
    values = parseArgs({ args: normalizeArgs(argv), options: OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (e) {
    if (e instanceof BadInput) throw e;
    // parseArgs's messages are one line each but for the one normalizeArgs forestalls; keep to one.
    throw new BadInput((e as Error).message.split('\n')[0]!);
  }
  if (values.help) return 'help';
  const memoryBytes = parseMemSize(values.mem ?? DEFAULT_MEM);
  if (values.cpu !== undefined && values.cpu !== '386' && values.cpu !== '486') throw new BadInput(`--cpu ${values.cpu}: expected 386 or 486`);
  if (values.jit !== undefined && values.jit !== 'on' && values.jit !== 'off') throw new BadInput(`--jit ${values.jit}: expected on or off`);
  // Inputs are looked at before they are read (emulator/host/input-file.ts): /dev/zero or a FIFO
  // would be read for ever, and a file larger than the machine can use is refused unread.
  const romLimit = {
    bytes: MAX_ROM_BYTES,
    tooLarge: (size: number) => `${size} bytes is more than the ${sizeText(MAX_ROM_BYTES)} of firmware the machine can map; a ROM image must be 64 or 128 KiB`,
  };
  const rom = values.bios !== undefined
    ? readInput('--bios', values.bios, 'a ROM image', romLimit)
    : readInput('firmware', builtinFile('firmware', 'bios.bin'), 'a ROM image', romLimit);
  if (rom.length !== 0x10000 && rom.length !== 0x20000) {
    throw new BadInput(`--bios ${values.bios ?? 'firmware'}: ${rom.length} bytes; a ROM image must be 64 or 128 KiB`);
  }
  if (values.serial !== undefined && !/^(stdio|none|pty|file:.+)$/.test(values.serial)) {
    throw new BadInput(`--serial ${values.serial}: expected stdio, file:PATH, pty or none`);
  }
  if (values.monitor !== undefined && values.monitor !== 'stdio' && values.monitor !== 'none') {
    throw new BadInput(`--monitor ${values.monitor}: expected stdio or none`);
  }
  const serialMode = values.serial ?? 'stdio';
  if (values.monitor === 'stdio' && serialMode !== 'stdio') throw new BadInput(`--monitor stdio: needs the serial console on stdio (it shares it), not --serial ${serialMode}`);
  const monitor = values.monitor ?? (serialMode === 'stdio' ? 'stdio' : 'none');
  const kernelFile = values.kernel;
  const hostedKernel = kernelFile === undefined && values['no-kernel'] !== true;
  if (values.frames !== undefined && values.frames !== 'bitmap' && values.frames !== 'buddy') throw new BadInput(`--frames ${values.frames}: expected bitmap or buddy`);
  if (values.heap !== undefined && !(FIT_POLICIES as readonly string[]).includes(values.heap)) throw new BadInput(`--heap ${values.heap}: expected first, best, worst or next`);
  if (values.fork !== undefined && !(FORK_MODES as readonly string[]).includes(values.fork)) throw new BadInput(`--fork ${values.fork}: expected cow or eager`);
  if (values.mm !== undefined && !(MEMORY_MODES as readonly string[]).includes(values.mm)) throw new BadInput(`--mm ${values.mm}: expected paging or segments`);
  if (values.fit !== undefined && !(FIT_POLICIES as readonly string[]).includes(values.fit)) throw new BadInput(`--fit ${values.fit}: expected first, best, worst or next`);
  if (values.fit !== undefined && values.mm !== 'segments') throw new BadInput(`--fit ${values.fit}: places partitions, so it needs --mm segments (the kernel heap's placement is --heap)`);
  if (values.mm === 'segments') {
    const paging = (['fork', 'policy', 'scope', 'alloc', 'load-control', 'rss'] as const).find((o) => values[o] !== undefined);
    if (paging !== undefined) throw new BadInput(`--${paging} is about pages, which --mm segments has none of`);
  }
  if (values.policy === 'opt') throw new BadInput('--policy opt: OPT knows the future of one recorded run, not of every process: use the shell\'s run -m FRAMES -p opt PROG');
  if (values.policy !== undefined && !(GLOBAL_POLICY_NAMES as readonly string[]).includes(values.policy)) throw new BadInput(`--policy ${values.policy}: expected one of ${GLOBAL_POLICY_NAMES.join(', ')}`);
  if (values.scope !== undefined && !(SCOPES as readonly string[]).includes(values.scope)) throw new BadInput(`--scope ${values.scope}: expected ${SCOPES.join(' or ')}`);
  if (values.alloc !== undefined && !(ALLOCATIONS as readonly string[]).includes(values.alloc)) throw new BadInput(`--alloc ${values.alloc}: expected ${ALLOCATIONS.join(' or ')}`);
  if (values.alloc !== undefined && values.scope !== 'local') throw new BadInput(`--alloc ${values.alloc}: shares frames among processes for local replacement, so it needs --scope local`);
  const loadControl = values['load-control'];
  if (loadControl !== undefined && !(LOAD_CONTROL_MODES as readonly string[]).includes(loadControl)) throw new BadInput(`--load-control ${loadControl}: expected one of ${LOAD_CONTROL_MODES.join(', ')}`);
  if (loadControl !== undefined && loadControl !== 'off' && values.swap === undefined && values['swap-size'] === undefined) throw new BadInput(`--load-control ${loadControl}: rolls processes out to swap, so it needs --swap FILE or --swap-size SIZE`);
  const rss = values.rss;
  if (rss !== undefined && !(RSS_POLICIES as readonly string[]).includes(rss)) throw new BadInput(`--rss ${rss}: expected one of ${RSS_POLICIES.join(', ')}`);
  if (rss !== undefined && rss !== 'fixed' && values.swap === undefined && values['swap-size'] === undefined) throw new BadInput(`--rss ${rss}: releases pages to swap, so it needs --swap FILE or --swap-size SIZE`);
  if (!hostedKernel && (values.frames !== undefined || values.heap !== undefined || values.fork !== undefined || values.mm !== undefined || values.fit !== undefined || values.policy !== undefined || values.scope !== undefined || loadControl !== undefined || rss !== undefined)) throw new BadInput('--frames, --heap, --fork, --mm, --fit, --policy, --scope, --rss and --load-control configure the ts386 kernel, which --kernel and --no-kernel leave out');
  const kernel = values.kernel !== undefined
    ? readInput('--kernel', values.kernel, 'a kernel file', {
      bytes: memoryBytes,
      tooLarge: (size) => `${size} bytes is more than the machine's ${sizeText(memoryBytes)} of RAM (--mem)`,
    })
    : null;
  if (values.append !== undefined && kernel === null && !hostedKernel) throw new BadInput('--append needs --kernel or the ts386 kernel');
  const append = [values.append ?? '', hostedKernel && values.frames ? `frames=${values.frames}` : '', hostedKernel && values.heap ? `heap=${values.heap}` : '', hostedKernel && values.policy ? `policy=${values.policy}` : '',
    hostedKernel && values.scope ? `scope=${values.scope}` : '', hostedKernel && values.alloc ? `alloc=${values.alloc}` : '',
    hostedKernel && loadControl !== undefined ? `loadcontrol=${loadControl}` : '', hostedKernel && rss !== undefined ? `rss=${rss}` : '',
    hostedKernel && values.fork !== undefined ? `fork=${values.fork}` : '',
    hostedKernel && values.mm !== undefined ? `mm=${values.mm}` : '', hostedKernel && values.fit !== undefined ? `fit=${values.fit}` : ''].filter(Boolean).join(' ');
  let inspect: string | null = null;
  if (values.inspect !== undefined) {
    if (values.inspect !== '' && !(/^\d+$/.test(values.inspect) && Number(values.inspect) <= 65535)) throw new BadInput(`--inspect=${values.inspect}: expected a port number`);
    inspect = values.inspect;
  }
  let gdb: number | null = null;
  if (values.gdb !== undefined) {
    gdb = values.gdb === '' ? DEFAULT_GDB_PORT : Number(values.gdb);
    if (!/^\d*$/.test(values.gdb) || !(gdb >= 1 && gdb <= 65535)) throw new BadInput(`--gdb ${values.gdb}: expected a port number, 1 to 65535`);
  }
  if (values['gdb-wait'] === true && gdb === null) throw new BadInput('--gdb-wait needs --gdb');
  let maxCycles = Number.POSITIVE_INFINITY;
  if (values['max-cycles'] !== undefined) {
    maxCycles = Number(values['max-cycles']);
    if (!Number.isSafeInteger(maxCycles) || maxCycles <= 0) throw new BadInput(`--max-cycles ${values['max-cycles']}: expected a positive whole number`);
  }
  const mhz = values.clock !== undefined ? Number(values.clock) : 33;
  // The devices' clocks are derived from the CPU's with exact integer arithmetic (clock.ts): the
  // CPU clock must be at least the fastest of them, the PIT's 1.193182 MHz, and small enough
  // that cycles * PIT_HZ stays an exact double (under 2^53: about 7548 MHz).
  if (!(mhz >= 1.2 && mhz <= 7500) || !Number.isInteger(mhz * 1e6)) throw new BadInput(`--clock ${values.clock}: expected a clock in MHz from 1.2 to 7500, such as 33`);
  let trace = new Set<TraceKind>();
  if (values.trace !== undefined) {
    try {
      trace = parseTraceKinds(values.trace);
    } catch (e) {
      throw new BadInput(`--trace ${values.trace}: ${(e as Error).message}`);
    }
    // `--trace ''` or `--trace ,` would trace nothing, which is not what anyone asks --trace for.
    if (trace.size === 0) throw new BadInput(`--trace ${values.trace === '' ? "''" : values.trace}: no trace kind given; expected one or more of cpu, int, pf, io, separated by commas`);
  }
  if (values['trace-file'] !== undefined && trace.size === 0) throw new BadInput('--trace-file needs --trace');
  if (values['trace-refs'] === '') throw new BadInput("--trace-refs '': expected the name of a file to record into");
  // The disks come last: a swap file may be made here, and nothing after it in parseOptions can
  // refuse the run (main discards the swap when a later step does).
  const { disks, swap } = openDisks({
    disk: values.disk,
    // Without --disk the ts386 kernel gets its program disk, the repository's images/programs.img.
    programDisk: hostedKernel ? builtinFile('images', 'programs.img') : null,
    write: values.write === true,
    swap: values.swap,
    swapSize: values['swap-size'],
    others: [
      ...(values.kernel !== undefined ? [{ path: values.kernel, what: '--kernel' }] : []),
      { path: values.bios ?? builtinFile('firmware', 'bios.bin'), what: values.bios !== undefined ? '--bios' : 'the built-in BIOS' },
    ],
  });
  return {
    memoryBytes, cpu: values.cpu === '486' ? 486 : 386, rom, disks, swap, kernel, append, hostedKernel, inspect,
    monitor, gdb, gdbWait: values['gdb-wait'] === true, serial: values.serial ?? 'stdio', debugcon: values.debugcon ?? 'none', maxCycles, mhz,
    trace, traceFile: values['trace-file'] ?? null, traceRefs: values['trace-refs'] ?? null, noReboot: values['no-reboot'] === true,
    jit: values.jit !== 'off',
  };
}

/**
 * Runs the `ts386` command with the arguments `argv` on `io` (the process's standard streams unless
 * a caller gives others) and resolves with its exit status; an error that escapes it (a bug) is
 * told on stderr as an internal error, with status 70. cli/ts386.ts, the command itself, calls it.
 */
export function runCommand(argv: string[], io: CliIO = processIO): Promise<number> {
  return main(argv, io).then(
    (status) => status,
    (e: unknown) => {
      io.stderr.write(`ts386: internal error: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
      return EXIT_INTERNAL_ERROR;
    },
  );
}

export async function main(argv: string[], io: CliIO = processIO): Promise<number> {
  // Commands of their own, with their own options (cli/compare.ts, cli/thrash.ts).
  if (argv[0] === 'compare') return (await import('./compare.ts')).compare(argv.slice(1), io);
  if (argv[0] === 'thrash') return (await import('./thrash.ts')).thrash(argv.slice(1), io);
  if (argv[0] === 'fits') return (await import('./fits.ts')).fits(argv.slice(1), io);
  let opts: Options | 'help';
  let serial: Sink, debugcon: Sink;
  let pty: PtySerial | null = null;
  let machine: Machine;
  let kernel: Kernel | null = null;
  /** The --trace-refs file's writer: what it holds goes to the file when the run ends, however it ends. */
  let refTrace: RefFileWriter | null = null;
  /** The swap file: discarded (removed, if this run made it) when the run does not start, closed after it. */
  let swap: SwapFile | null = null;
  /** --gdb: the stub on its TCP port. */
  let gdb: GdbServer | null = null;
  const outputs = new Outputs(io.stdout, () => io.descriptor(2, 'stderr'));
  // stderr is where failures are told: should it fail too, there is nowhere left to tell it.
  io.stderr.on('error', () => {});
  try {
    if (argv[0] === 'refs') return refsCommand(argv.slice(1), io) === 'reader-gone' ? EXIT_READER_GONE : 0;
    opts = parseOptions(argv);
    if (opts === 'help') {
      io.stdout.write(HELP);
      return 0;
    }
    swap = opts.swap;
    if (opts.serial === 'pty') {
      pty = openPtySerial();
      serial = { write: pty.write, close: pty.close };
    } else {
      serial = openSink(outputs, opts.serial, '--serial');
    }
    debugcon = openSink(outputs, opts.debugcon, '--debugcon');
    machine = createMachine({
      memoryBytes: opts.memoryBytes, cpu: opts.cpu, rom: opts.rom, disks: opts.disks,
      clockHz: Math.round(opts.mhz * 1e6), onSerialByte: serial.write, onDebugByte: debugcon.write,
    });
    if (!opts.jit) machine.cpu.compileAfter = Infinity;
    if (opts.trace.size > 0) {
      let traceLine: (line: string) => void;
      try {
        traceLine = outputs.trace(opts.traceFile);
      } catch (e) {
        throw new BadInput(`--trace-file: ${(e as Error).message}`);
      }
      const { cpu, io } = machine;
      const detachTrace = attachTrace(cpu, io, opts.trace, (line) => {
        traceLine(line);
        // Once an output has failed the run is ending and the trace has nowhere to go: stop
        // making its lines (`cpu` runs one instruction at a time) for the rest of the slice.
        if (outputs.failure !== null) detachTrace();
      });
    }
    if (opts.traceRefs !== null) {
      let write: (bytes: Uint8Array) => void;
      try {
        write = outputs.refs(opts.traceRefs);
      } catch (e) {
        throw new BadInput(`--trace-refs: ${(e as Error).message}`);
      }
      refTrace = attachRefTrace(machine.cpu, write);
      // Recording from power-on: this start is held to the end of the run.
      machine.hostPort.refTraceStart();
    }
    if (opts.hostedKernel) kernel = attachKernel(machine, opts.append);

    if (opts.inspect !== null) await openInspector(opts.inspect, io);
    if (opts.kernel !== null) {
      try {
        machine.bootMultiboot(opts.kernel, opts.append);
      } catch (e) {
        if (e instanceof MultibootError) throw new BadInput(`--kernel ${path.basename(argv[argv.indexOf('--kernel') + 1] ?? '')}: ${e.message}`);
        throw e;
      }
    }
    // Last: nothing after it can refuse the run, so the port is never left open on a BadInput.
    if (opts.gdb !== null) {
      const port = opts.gdb;
      gdb = await GdbServer.listen(machine.monitor, port).catch((e: unknown) => { throw new BadInput(`--gdb ${port}: ${(e as Error).message}`); });
    }
  } catch (e) {
    swap?.discard();
    if (e instanceof BadInput) {
      io.stderr.write(`ts386: ${e.message}\n`);
      return EXIT_BAD_INPUT;
    }
    throw e;
  }

  let quit: string | null = null;
  // stdin and stdout, when the console is a terminal (stdin is looked at only for --serial stdio).
  const tty = opts.serial === 'stdio' ? io.terminal : null;
  const terminal = tty !== null;
  // The monitor shares the console (cli/monitor-console.ts): its text goes out with the guest's.
  const monCon = opts.monitor === 'stdio'
    ? new MonitorConsole(machine.monitor, (text) => { for (const b of Buffer.from(text, 'latin1')) serial.write(b); })
    : null;
  if (monCon !== null && kernel !== null) machine.monitor.os = kernelOsView(machine, kernel);
  // `trace KINDS FILE` in the monitor: a file like --trace-file's, closed with the others at the end.
  if (monCon !== null) machine.monitor.openFile = (file) => ({ line: outputs.trace(file), close: () => {} });
  /** Typed bytes: the monitor's while it has the console, the guest's otherwise. */
  const typed = (bytes: Uint8Array): void => {
    const rest = monCon !== null && monCon.active ? monCon.feed(bytes) : bytes;
    if (rest.length > 0) machine.com1.receive(rest);
  };
  // --gdb-wait: nothing runs, and no input is taken, until gdb is attached.
  if (gdb !== null) {
    gdb.stub.onKill = () => { quit = 'killed by gdb'; };
    io.stderr.write(`ts386: gdb stub on 127.0.0.1:${gdb.port} (gdb -ex 'target remote :${gdb.port}')${opts.gdbWait ? '; waiting for gdb to attach...' : ''}\n`);
    if (opts.gdbWait) await gdb.waitForConnection();
  }
  const detach = tty !== null
    ? attachTerminal({
      input: tty.input, output: tty.output,
      onInput: typed,
      onQuit: () => { quit = 'quit (Ctrl-A X)'; },
      ...(monCon !== null ? { onMonitor: () => monCon.toggle() } : {}),
    })
    : () => {};
  // Input piped or redirected from a file goes to COM1 as if typed, so a session can be scripted:
  // printf 'run hello\n' | ts386. (Carrier detect stays off: nobody is at a terminal.) With the
  // monitor on, Ctrl-A keys are read there as at a terminal.
  const piped = !terminal && pty === null && opts.serial === 'stdio' && io.stdinIsPipeOrFile();
  const pipedDecoder = monCon !== null
    ? new EscapeDecoder(typed, (key) => {
      if (key === 'c') monCon.toggle();
      else if (key === 'x') quit = 'quit (Ctrl-A X)';
      else if (key === 'h') for (const b of Buffer.from(escapeHelp(true), 'latin1')) serial.write(b);
    })
    : null;
  const onPiped = (bytes: Buffer): void => { if (pipedDecoder !== null) pipedDecoder.feed(bytes); else machine.com1.receive(bytes); };
  // The end of the script is Ctrl-D, as at a terminal: the ts386 shell halts on it at its prompt.
  let pipedEnded = false;
  const onPipedEnd = (): void => {
    pipedEnded = true;
    // In the monitor (a breakpoint stopped the machine) the run ends there: see the loop below.
    if (monCon?.active !== true) machine.com1.receive(Uint8Array.of(0x04));
  };
  if (piped) {
    io.stdin.on('data', onPiped);
    io.stdin.on('end', onPipedEnd);
  }
  const onSigint = (): void => { quit = 'interrupted (SIGINT)'; };
  if (pty !== null) {
    pty.onInput((bytes) => machine.com1.receive(bytes));
    process.on('SIGINT', onSigint);
    io.stderr.write(`ts386: COM1 is on ${pty.path} (connect with e.g. \`screen ${pty.path}\`; Ctrl-C here ends the run)\n`);
  }
  // Carrier detect tells the guest whether anyone can type to COM1: a terminal on stdin or a
  // pseudo-terminal (which a terminal program may open at any time). CTS and DSR stay on, so a
  // guest that waits for them before sending still prints to a file or a pipe.
  if (!terminal && pty === null) machine.com1.setModemInputs(MSR_CTS | MSR_DSR);
  else machine.com1.setModemInputs(MSR_CTS | MSR_DSR | MSR_DCD);

  // In an interactive session, time the guest spends halted (an idle kernel, a sleeping program)
  // passes at the wall clock's pace: the host idles too, and `sleep 500` takes half a second.
  // Running code is never slowed down; scripted and piped runs skip idle time at full speed.
  const paced = terminal || pty !== null;
  const clockHz = Math.round(opts.mhz * 1e6);
  const started = performance.now();
  /** Wall time spent waiting for the wall clock to catch up: not emulation, so not in the MIPS figure. */
  let pacedMs = 0;
  let result: RunResult = { reason: 'cycles', exitStatus: null, cycles: machine.cpu.cycles, instructions: machine.cpu.instructions };
  try {
    for (;;) {
      // Run in slices, handing the event loop a turn between them so that keystrokes arrive.
      const slice = Math.min(paced ? Math.round(clockHz / 50) : 20_000_000, opts.maxCycles - machine.cpu.cycles);
      if (monCon?.active === true) {
        // The monitor has the console: the machine waits, the event loop reads keys.
        outputs.flushStdout();
        // A breakpoint after the script ended: nobody is left to type at the monitor.
        if (pipedEnded) quit = 'end of input with the machine stopped in the monitor';
        if (quit || outputs.failure !== null) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
        continue;
      }
      if (gdb !== null && gdb.connected && machine.monitor.stopped) {
        // gdb has the machine stopped: wait for its next command (the event loop reads the socket).
        outputs.flushStdout();
        if (quit || outputs.failure !== null) break;
        const waited = performance.now();
        await gdb.activity(100);
        pacedMs += performance.now() - waited;
        continue;
      }
      const idleBefore = machine.idleCycles;
      const wallBefore = performance.now();
      result = machine.run(slice);
      gdb?.stub.poll();
      if (result.reason === 'debug' && gdb?.connected === true) {
        // gdb's breakpoint or step: told to gdb (poll), which says when to go on.
        outputs.flushStdout();
        continue;
      }
      if (result.reason === 'debug') {
        // A breakpoint: the monitor takes the console and says why.
        monCon?.enter(`stopped: ${machine.monitor.breakpoints.reason}\n${machine.monitor.execute('u $eip 1')}`);
        outputs.flushStdout();
        if (monCon === null) break;
        continue;
      }
      outputs.flushStdout();
      if (paced && result.reason === 'cycles') {
        const idleMs = ((machine.idleCycles - idleBefore) / clockHz) * 1000;
        const wait = idleMs - (performance.now() - wallBefore);
        if (wait > 1) {
          const slept = performance.now();
          await new Promise((resolve) => setTimeout(resolve, Math.min(wait, 1000)));
          pacedMs += performance.now() - slept;
        }
      }
      if (result.reason === 'shutdown' && !opts.noReboot && !quit && outputs.failure === null) {
        // A PC's chipset resets the processor after a triple fault (the shutdown cycle).
        io.stderr.write(`ts386: ${machine.cpu.shutdownReason ?? 'triple fault'}; resetting (--no-reboot stops instead)\n`);
        machine.reset();
        continue;
      }
      if (result.reason !== 'cycles' || machine.cpu.cycles >= opts.maxCycles || quit || outputs.failure !== null) break;
      // A pipe's reader sets the pace (the guest's output is not piled up in memory for it), and
      // one that went away ends the run.
      await outputs.drained();
      if (outputs.failure !== null) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    // The last output may still be on its way to a reader, who may have gone: the status says so.
    await outputs.drained();
  } finally {
    if (piped) { io.stdin.off('data', onPiped); io.stdin.off('end', onPipedEnd); io.stdin.destroy(); }
    detach();
    process.off('SIGINT', onSigint);
    serial.close();
    debugcon.close();
    refTrace?.flush();
    outputs.closeFiles();
    swap?.close();
    gdb?.close();
  }
  const wall = (performance.now() - started - pacedMs) / 1000;
  // When the reader of the output went away (`ts386 | head`), nobody wants the rest, the summary
  // included: the run ends quietly, as a process SIGPIPE ends.
  if (outputs.readerGone) return EXIT_READER_GONE;
  return summarize(io, machine, result, opts.mhz, wall, quit, kernel, outputs.failure);
}

/** A failed write's error in words: "ENOSPC: no space left on device" (Node's message without its ", write"). */
function writeErrorText(e: NodeJS.ErrnoException): string {
  const text = e.message.split('\n')[0] ?? '';
  return e.syscall !== undefined && text.endsWith(`, ${e.syscall}`) ? text.slice(0, -(e.syscall.length + 2)) : text;
}

/**
 * --inspect: Node's inspector, so a person can set breakpoints in the kernel's TypeScript (the
 * bundle carries a source map). Waits for the debugger before the machine starts.
 */
async function openInspector(port: string, io: CliIO): Promise<void> {
  const inspector = await import('node:inspector');
  const p = port === '' ? 9229 : Number(port);
  inspector.open(p, '127.0.0.1', false);
  io.stderr.write(`ts386: inspector on ${inspector.url() ?? `127.0.0.1:${p}`}; open chrome://inspect (or attach VS Code), set breakpoints in kernel/*.ts, then resume. Waiting for the debugger...\n`);
  inspector.waitForDebugger();
}

/** The first line of the kernel's panic message, without its 'kernel panic: ' prefix. */
function panicReason(kernel: Kernel): string {
  return (kernel.lastPanic ?? '').split('\n')[0]!.replace(/^kernel panic: /, '') || 'no reason given';
}

function summarize(io: CliIO, m: Machine, r: RunResult, mhz: number, wall: number, quit: string | null, kernel: Kernel | null, failure: OutputFailure | null): number {
  const cycles = m.cpu.cycles;
  const emulated = cycles / (mhz * 1e6);
  const mips = wall > 0 ? r.instructions / wall / 1e6 : 0;
  const post = m.lastPostCode >= 0 ? `, last POST 0x${m.lastPostCode.toString(16).padStart(2, '0')}` : '';
  const figures = `after ${cycles} cycles, ${r.instructions} instructions, ${emulated.toFixed(2)} s emulated, ${mips.toFixed(1)} MIPS${post}`;
  let why: string;
  let status: number;
  if (failure !== null) {
    // The output is incomplete whatever the guest did: that is the news.
    why = `${failure.output}: write failed (${writeErrorText(failure.error)}); stopped`;
    status = EXIT_OUTPUT_ERROR;
  } else if (quit !== null) {
    why = quit;
    status = EXIT_QUIT;
  } else {
    switch (r.reason) {
      case 'exit':
        // The reason goes in the summary too: a panic before the console is up shows only on the
        // debug console (port E9h), which is off by default.
        why = kernel?.panicked ? `kernel panic (${panicReason(kernel)})` : kernel?.stopping !== null && kernel?.stopping !== undefined ? 'kernel halted' : `guest exited with status ${r.exitStatus}`;
        status = r.exitStatus ?? 0;
        break;
      case 'shutdown': why = `${m.cpu.shutdownReason ?? 'triple fault'}; stopped`; status = EXIT_TRIPLE_FAULT; break;
      case 'halt': {
        const interruptsOn = (m.cpu.flags & 0x200) !== 0;
        why = interruptsOn ? 'halted with interrupts enabled and nothing to wake it' : 'halted (cli; hlt)';
        status = interruptsOn ? EXIT_HALTED_WITH_INTERRUPTS : 0;
        break;
      }
      default: why = 'stopped at --max-cycles'; status = EXIT_MAX_CYCLES; break;
    }
  }
  io.stderr.write(`ts386: ${why} ${figures}\n`);
  return status;
}

