// The serial shell: the kernel's own command interpreter on COM1 (it runs in the kernel, between
// traps, as the line discipline hands it lines). It starts programs and shows what the memory
// manager is doing: frames, page tables, the heap, the TLB, page faults.

import type { Kernel } from './kernel.ts';
import { hex } from './format.ts';
import { exec } from './proc/exec.ts';
import type { Process } from './proc/process.ts';
import { describeFlags } from './mm/pagetable.ts';
import { residentPages, userPages } from './mm/vmm.ts';

const PROMPT = '$ ';

const HELP: Array<[string, string]> = [
  ['help', 'this list'],
  ['ls', 'programs and files on the program disk'],
  ['run PROG [ARGS] [&]', 'run a program (& : in the background)'],
  ['ps', 'processes'],
  ['kill PID', 'end a process'],
  ['mem', 'physical frames: in use, free, per owner, buddy free lists'],
  ['vm PID', "a process's regions and mapped pages with their flags and A/D bits"],
  ['heap', 'the kernel heap: blocks, free list, largest block, fragmentation'],
  ['tlb', 'TLB hits, misses and flushes'],
  ['stats', 'kernel counters: faults, system calls, context switches, ...'],
  ['trace pf on|off', 'one line per page fault'],
  ['halt', 'stop every process, check for leaks, power off (also Ctrl-D at the prompt)'],
];

export class Shell {
  private readonly k: Kernel;
  /** A foreground program is running: typed lines go to it, not to the shell. */
  busy = false;

  constructor(k: Kernel) {
    this.k = k;
  }

  start(): void {
    this.k.print('ts386 shell: type help\n');
    this.prompt();
  }

  /** Set while a command runs: a job that ends during it (kill, a failed load) leaves the prompt to onLine. */
  private inCommand = false;

  prompt(): void {
    if (this.k.stopping === null && !this.inCommand) this.k.print(PROMPT);
  }

  private out(s: string): void {
    this.k.print(`${s}\n`);
  }

  onLine(): void {
    if (this.inCommand) return; // the loop that runs the command goes on with the next line
    const k = this.k;
    while (!this.busy && k.stopping === null && k.tty.hasLine) {
      const bytes = k.tty.readLine(1024);
      if (bytes.length === 0) {
        // Ctrl-D on an empty line at the prompt (or the end of a piped script): like logging out of
        // a shell, the session ends, and with it the machine.
        this.out('end of input: halt');
        k.halt();
        return;
      }
      const line = new TextDecoder().decode(bytes).trim();
      this.inCommand = true;
      try {
        this.execute(line);
      } finally {
        this.inCommand = false;
      }
      if (!this.busy) this.prompt();
    }
  }

  /** A process the shell started has ended (it is already reaped). */
  childExited(p: Process): void {
    if (p.loadFailed) {
      if (p.foreground) { this.busy = false; this.prompt(); this.onLine(); }
      else if (!this.busy) this.prompt();
      return;
    }
    if (p.foreground) {
      if (p.exitStatus !== 0 && !p.killed) this.out(`[${p.pid}] exit status ${p.exitStatus}`);
      this.busy = false;
      this.prompt();
      this.onLine(); // lines typed while it ran
    } else if (this.k.stopping === null) {
      // A background job's end interrupts whatever is on the line; the prompt comes again after it.
      this.out(`[${p.pid}] done: ${p.name}, ${p.killed ? 'killed' : `status ${p.exitStatus}`}`);
      if (!this.busy) this.prompt();
    }
  }

  execute(line: string): void {
    const words = line.split(/\s+/).filter(Boolean);
    const [cmd, ...args] = words;
    if (cmd === undefined) return;
    switch (cmd) {
      case 'help':
        for (const [c, d] of HELP) this.out(`  ${c.padEnd(22)}${d}`);
        this.out('keys: Ctrl-C ends the foreground program; Backspace and Ctrl-U edit the line; Ctrl-D at an empty prompt halts');
        return;
      case 'ls': return this.ls();
      case 'run': return this.run(args);
      case 'ps': return this.ps();
      case 'kill': return this.killCmd(args);
      case 'mem': return this.mem();
      case 'vm': return this.vm(args);
      case 'heap': return this.heap();
      case 'tlb': return this.tlb();
      case 'stats': return this.stats();
      case 'trace': return this.trace(args);
      case 'halt': this.k.halt(); return;
      default: this.out(`${cmd}: unknown command (try help)`);
    }
  }

  private ls(): void {
    const d = this.k.progdisk;
    if (!d) { this.out('no program disk'); return; }
    if (d.error) this.out(`program disk: ${d.error}`);
    for (const [name, e] of [...d.files].sort(([a], [b]) => (a < b ? -1 : 1))) this.out(`  ${String(e.size).padStart(8)}  ${name}`);
  }

  private run(args: string[]): void {
    const k = this.k;
    let background = false;
    if (args[args.length - 1] === '&') { background = true; args = args.slice(0, -1); }
    else if (args.length > 0 && args[args.length - 1]!.endsWith('&')) { background = true; args[args.length - 1] = args[args.length - 1]!.slice(0, -1); }
    const prog = args[0];
    if (!prog) { this.out('usage: run PROG [ARGS] [&]'); return; }
    if (!k.progdisk?.lookup(prog)) { this.out(`run: ${prog}: no such program`); return; }
    const p = k.newProcess(prog, args, null);
    if (!p) { this.out('run: out of memory'); return; }
    p.foreground = !background;
    if (!background) this.busy = true;
    exec(k, p, prog, args, (err, message) => {
      if (err !== null) {
        this.out(`run: ${message ?? `error ${err}`}`);
        p.loadFailed = true;
        k.exit(p, 127);
        return;
      }
      k.makeRunnable(p);
    });
    if (background) this.out(`[${p.pid}] ${args.join(' ')}`);
  }

  private ps(): void {
    const k = this.k;
    // RSS: the user pages mapped now (resident), from a walk of the process's page tables.
    this.out('  PID  PPID STATE     TICKS FAULTS   RSS  NAME');
    for (const p of k.procs.values()) {
      const state = p.state === 'blocked' ? `wait:${p.blocked?.kind ?? '?'}` : p.state;
      const rss = p.pd !== 0 ? residentPages(k.hw, p.pd) : 0;
      this.out(`${String(p.pid).padStart(5)} ${String(p.parent?.pid ?? 0).padStart(5)} ${state.padEnd(9)} ${String(p.ticks).padStart(5)} ${String(p.faults).padStart(6)} ${String(rss).padStart(5)}  ${p.argv.join(' ')}`);
    }
  }

  private killCmd(args: string[]): void {
    if (args[0] === undefined) { this.out('usage: kill PID'); return; }
    const pid = Number(args[0]);
    const p = this.k.procs.get(pid);
    if (!Number.isInteger(pid) || !p || p.state === 'zombie') { this.out(`kill: no process ${args[0]}`); return; }
    this.k.kill(p, 'killed from the shell');
  }

  private mem(): void {
    const k = this.k;
    const s = k.frames.stats();
    this.out(`frames: ${s.total} total, ${s.used} in use, ${s.free} free (${k.frames.kind}, 4 KiB each)`);
    const owners = Object.entries(s.byOwner).filter(([o, n]) => o !== 'free' && n > 0).map(([o, n]) => `${o} ${n}`);
    this.out(`in use by owner: ${owners.join(', ') || 'none'}`);
    const fl = k.frames.freeLists();
    if (fl) this.out(`buddy free blocks by order 0..10: ${fl.join(' ')}`);
  }

  private vm(args: string[]): void {
    const k = this.k;
    if (args[0] === undefined) { this.out('usage: vm PID'); return; }
    const p = k.procs.get(Number(args[0]));
    if (!p) { this.out(`vm: no process ${args[0]}`); return; }
    if (p.pd === 0) { this.out(`vm: pid ${p.pid} has no address space yet (its program is loading)`); return; }
    this.out(`pid ${p.pid} (${p.name}): page directory at 0x${hex(p.pd)}, break 0x${hex(p.brk)}`);
    for (const r of p.regions) {
      this.out(`  ${r.kind.padEnd(6)} 0x${hex(r.start)}-0x${hex(r.end)} ${r.writable ? 'rw' : 'r-'}${r.backing ? ` file ${r.backing.file.name}` : ' zero-fill'}`);
    }
    const pages = userPages(k.hw, p.pd);
    this.out(`  ${pages.length} pages mapped:      VA        frame      flags`);
    for (const { va, pte } of pages) {
      this.out(`    0x${hex(va)} -> 0x${hex(pte & ~0xfff)}  ${describeFlags(pte)}`);
    }
  }

  private heap(): void {
    const h = this.k.heap;
    const s = h.stats();
    this.out(`kernel heap (${h.policy}-fit): ${s.bytesInUse} bytes in ${s.blocksInUse} blocks in use, ${s.freeBytes} bytes free in ${s.freeBlocks} blocks`);
    this.out(`largest free block ${s.largestFree} bytes, external fragmentation ${(s.fragmentation * 100).toFixed(1)}%`);
    for (const b of h.freeList().slice(0, 16)) this.out(`  free 0x${hex(b.addr)} ${b.size} bytes`);
    if (h.freeList().length > 16) this.out(`  ... ${h.freeList().length - 16} more`);
    for (const c of [this.k.procSlab, this.k.fileSlab]) {
      const st = c.stats();
      this.out(`slab ${st.name}: ${st.objectSize}-byte objects, ${st.slabs} slabs, ${st.inUse} in use, ${st.free} free`);
    }
  }

  private tlb(): void {
    const t = this.k.hw.tlbCounters();
    const total = t.hits + t.misses;
    this.out(`TLB: ${t.hits} hits, ${t.misses} misses (${total ? ((t.hits / total) * 100).toFixed(2) : '0.00'}% hits), ${t.flushes} flushes`);
  }

  private stats(): void {
    const s = this.k.stats;
    this.out(`uptime ${(this.k.uptimeMs / 1000).toFixed(2)} s (${s.ticks} ticks), ${this.k.hw.rdtsc()} cycles`);
    this.out(`page faults ${s.faults} (zero-filled ${s.zeroFills}, read from disk ${s.pageIns}), processes started ${s.processesStarted}, killed ${s.kills}`);
    this.out(`system calls ${s.syscalls}, interrupts ${s.interrupts}, context switches ${s.contextSwitches}, host calls ${s.hostCalls}`);
  }

  private trace(args: string[]): void {
    if (args[0] !== 'pf' || (args[1] !== 'on' && args[1] !== 'off')) { this.out('usage: trace pf on|off'); return; }
    this.k.tracePf = args[1] === 'on';
    this.out(`page-fault trace ${args[1]}`);
  }
}
