// The serial shell: the kernel's own command interpreter on COM1. It is a kernel task (pid 0, not
// in the process table): it sleeps on the console like a program reading a line, and the scheduler
// runs its step when a wakeup comes (a line typed, a job of its own ended). It starts programs and
// shows what the memory manager is doing: frames, page tables, the heap, the TLB, page faults.
// It adopts every process with no parent (xv6's init): it reaps them and reports background jobs.

import { hex } from './format.ts';
import { FIT_POLICIES, type FitPolicy, type KernelHeap } from './mm/heap.ts';
import type { SlabCache } from './mm/slab.ts';
import { describeFlags, entryFrame, PTE_KEPT, PTE_LOCKED, PTE_U, PTE_W } from './mm/pagetable.ts';
import { PAGE_SIZE, type PhysAddr } from './hw.ts';
import { describePartitions } from './proc/partition-map.ts';
import type { ForkMode } from './mm/vmm.ts';
import { makeOpt, type OptPolicy } from './mm/opt.ts';
import { DEFAULT_DELTA, unwatch, watch } from './mm/workingset.ts';
import type { LoadControl } from './proc/loadcontrol.ts';
import { TICK_MS } from './dev/pit.ts';
import { makePolicy, POLICY_NAMES, type PolicyName } from './mm/policy.ts';
import type { FrameShares } from './mm/allotment.ts';
import { residentPages, swappedPages, userPages } from './mm/vmm.ts';
import { finishHalt, halt, type HaltContext } from './power.ts';
import { execStep, type ExecContext } from './proc/exec.ts';
import { exit, kill } from './proc/exit.ts';
import { Process } from './proc/process.ts';
import { syncAll } from './proc/mmap.ts';
import { BACKLOG_LIMIT } from './tty.ts';
import { channel } from './wait.ts';

const PROMPT = '$ ';
/** Status of a program `run` could not load (the shell said why). */
const LOAD_FAILED_STATUS = 127;

const HELP: Array<[string, string]> = [
  ['help', 'this list'],
  ['ls', 'programs and files on the program disk'],
  ['run PROG [ARGS] [&]', 'run a program (& : in the background)'],
  ['run -m N [-p P] ...', `N frames for its pages, replaced by policy P (${POLICY_NAMES.join(' ')}; default fifo); needs swap`],
  ['ps', 'processes'],
  ['kill PID', 'end a process'],
  ['mem', 'physical frames: in use, free, per owner, buddy free lists; under --mm segments the partitions and holes as a map'],
  ['compact', '--mm segments: slide the partitions together into one hole, and say what it moved and cost'],
  ['fit [PLACEMENT]', '--mm segments: first, best, worst or next fit for new partitions (without one: which it is)'],
  ['vm PID', "a process's regions and mapped pages with their flags and A/D bits"],
  ['ws PID [D]', 'its working set W(t, D) each tick of its virtual time: exact (MMU record) and estimated (A bits)'],
  ['heap', 'the kernel heap: blocks, free list, largest block, fragmentation'],
  ['cache [drop]', 'the page cache: program files\' pages in RAM, mapped or idle; drop: free the idle ones'],
  ['sync', 'write the pages programs wrote through MAP_SHARED file mappings back to the disk'],
  ['tlb', 'TLB hits, misses and flushes'],
  ['stats', 'kernel counters: faults, system calls, context switches, ...'],
  ['trace pf|refs on|off', 'one line per page fault; record page references (--trace-refs FILE)'],
  ['halt', 'stop every process, check for leaks, power off (also Ctrl-D at the prompt)'],
];

/** What the shell uses: the process machinery, the memory managers it shows, the trace switch. */
export interface ShellContext extends HaltContext, ExecContext {
  heap: KernelHeap;
  procSlab: SlabCache;
  fileSlab: SlabCache;
  trace: { pf: boolean };
  /** The boot options the shell reports on (`stats` says what copy-on-write saved). */
  readonly options: { readonly fork: ForkMode };
  /** Each process's share of the frames under local replacement; null: global. */
  shares: FrameShares | null;
  /** Load control, the medium-term scheduler; null when off. */
  loadControl: LoadControl | null;
  uptimeMs(): number;
  /** Takes the leak check's baseline (when the shell starts). */
  takeLeakBaseline(): void;
}

/** `ps`'s state for a process in a partition that is not simply in memory. */
const SEG_AWAY: Record<'in' | 'going-out' | 'out' | 'coming-in', string | null> = { 'in': null, 'going-out': 'swap-out', 'out': 'swapped', 'coming-in': 'swap-in' };

/** A process's working set as the A bits estimate it at its last tick, while `ws` watches it; '-' otherwise. */
const workingSetOf = (p: Process): string => p.ws?.samples.at(-1)?.estimate.toString() ?? '-';
/** Faults per second of a process's virtual time (its CPU ticks); '-' before its first tick. */
const faultRate = (p: Process): string => (p.ticks === 0 ? '-' : Math.round((p.faults * 1000) / (p.ticks * TICK_MS)).toString());

/** `run -m N -p opt` waiting for its first run to end. */
interface OptRun { limit: number; prog: string; args: string[]; first: Process; refs: Uint32Array | null }

export class Shell {
  private readonly x: ShellContext;
  /** The shell's own task: what it sleeps as. */
  readonly task: Process;
  private started = false;
  /**
   * `trace refs on` holds one start of the MMU's reference trace, until `trace refs off`. With
   * --trace-refs the machine records from power-on, its one start held for the shell to let go of:
   * so the trace is on when the shell starts, and `trace refs off` stops it.
   */
  private refsOn: boolean | null = null;
  /** The foreground job: typed lines go to it, not to the shell, until it ends. */
  private fg: Process | null = null;
  /** `run -m N -p opt` between its two runs: the first (recording) is the foreground job. */
  private optRun: OptRun | null = null;
  /** The policy of the run with OPT in the foreground, to say after it whether the run kept to its recorded string. */
  private optPolicy: OptPolicy | null = null;
  /** Where the shell sleeps after halt: nothing wakes it. */
  private readonly halted = channel('halted');

  constructor(x: ShellContext) {
    this.x = x;
    this.task = new Process(0, 'sh', ['sh'], null);
    this.task.kentry = () => this.step();
  }

  /**
   * One run of the shell: mount the program disk (first), report the jobs that ended, then take
   * and run typed lines until there are none (or a foreground job starts), and sleep.
   */
  private step(): void {
    const x = this.x, self = this.task;
    if (!this.started) {
      const d = x.progdisk;
      if (d !== null) {
        const req = d.mount();
        if (req !== null) { x.sched.sleep(self, req); return; }
        x.tty.print(d.error ? `program disk: ${d.error}\n` : `program disk: ${d.files.size} files\n`);
      }
      this.started = true;
      x.takeLeakBaseline();
      this.out('ts386 shell: type help');
      this.prompt();
    }
    this.reapJobs(true);
    for (;;) {
      if (x.power.stopping !== null) { x.sched.sleep(self, finishHalt(x) ?? this.halted); return; }
      // The console is behind: the next command's output waits until it has caught up.
      if (x.tty.backlog > BACKLOG_LIMIT) { x.sched.sleep(self, x.tty.writable); return; }
      // A job's end wakes the shell whatever it sleeps on (exit.ts); its own childExit says what it waits for.
      if (this.fg !== null) { x.sched.sleep(self, self.childExit); return; }
      if (!x.tty.hasLine) { x.sched.sleep(self, x.tty.readable); return; }
      const bytes = x.tty.readLine(1024);
      if (bytes.length === 0) {
        // Ctrl-D on an empty line at the prompt (or the end of a piped script): like logging out of
        // a shell, the session ends, and with it the machine.
        this.out('end of input: halt');
        halt(x);
        continue;
      }
      this.execute(new TextDecoder().decode(bytes).trim());
      this.reapJobs(false);
      if (this.fg === null) this.prompt();
    }
  }

  /** Ctrl-C: ends the foreground job, or at the prompt gives a fresh one. */
  interrupt(): void {
    if (this.fg !== null && this.fg.state !== 'zombie') kill(this.x, this.fg, 'interrupted (Ctrl-C)');
    else this.prompt();
  }

  prompt(): void {
    if (this.x.power.stopping === null) this.x.tty.print(PROMPT);
  }

  private out(s: string): void {
    this.x.tty.print(`${s}\n`);
  }

  /**
   * Reaps the processes with no parent that have ended: the foreground job (its status, if it
   * failed), a background job (a line saying so: it interrupts whatever is on the line, and the
   * prompt comes again after it when `prompting`).
   */
  private reapJobs(prompting: boolean): void {
    const x = this.x;
    for (const p of [...x.table.procs.values()]) {
      if (p.parent !== null || p.state !== 'zombie') continue;
      x.table.reap(p);
      if (p === this.fg) {
        this.fg = null;
        if (!p.loadFailed && p.exitStatus !== 0 && !p.killed) this.out(`[${p.pid}] exit status ${p.exitStatus}`);
        const opt = this.optRun;
        this.optRun = null;
        if (opt !== null && opt.first === p) {
          this.startOptRun(opt);
          if (this.fg !== null) continue;
        } else if (this.optPolicy !== null) {
          if (this.optPolicy.leftAt !== null) this.out(`opt: the run left its recorded references at reference ${this.optPolicy.leftAt} (it did not repeat the first run); from there it replaced pages in load order`);
          this.optPolicy = null;
        }
        if (prompting) this.prompt();
      } else if (p.loadFailed) {
        if (prompting && this.fg === null) this.prompt();
      } else if (x.power.stopping === null) {
        this.out(`[${p.pid}] done: ${p.name}, ${p.killed ? 'killed' : `status ${p.exitStatus}`}`);
        if (prompting && this.fg === null) this.prompt();
      }
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
      case 'compact': if (args.length > 0) { this.out('usage: compact   (slides every partition down; no arguments)'); return; } return this.compact();
      case 'fit': return this.fit(args);
      case 'vm': return this.vm(args);
      case 'ws': return this.ws(args);
      case 'heap': return this.heap();
      case 'cache': return this.cacheCmd(args);
      case 'sync': this.out(`sync: ${syncAll(this.x, this.x.table.procs.values())} dirty pages written back`); return;
      case 'tlb': return this.tlb();
      case 'stats': return this.stats();
      case 'trace': return this.trace(args);
      case 'halt': halt(this.x); return;
      default: this.out(`${cmd}: unknown command (try help)`);
    }
  }

  private ls(): void {
    const d = this.x.progdisk;
    if (!d) { this.out('no program disk'); return; }
    if (d.error) this.out(`program disk: ${d.error}`);
    // The builds linked at 0 for --mm segments (seg/NAME) are one line: they are the same programs.
    const all = [...d.files].sort(([a], [b]) => (a < b ? -1 : 1));
    for (const [name, e] of all) if (!name.startsWith('seg/')) this.out(`  ${String(e.size).padStart(8)}  ${name}`);
    const seg = all.filter(([name]) => name.startsWith('seg/')).length;
    if (seg > 0) this.out(`  seg/: ${seg} of these programs linked at offset 0, which --mm segments runs`);
  }

  private compact(): void {
    const segs = this.x.segments;
    if (segs === null) { this.out('compact: only under --mm segments (paging has no partitions to slide)'); return; }
    const w = segs.compact();
    if (w !== null) { this.out('compact: a process is being rolled out or in; try again when its transfers to swap are done'); return; }
    const c = segs.lastCompaction!;
    const st = segs.partitions.stats();
    this.out(`compact: moved ${c.moved} partitions, ${c.bytes >> 10} KiB, ${c.cycles.toLocaleString('en-US')} cycles; now ${st.holes} hole${st.holes === 1 ? '' : 's'} of ${st.free >> 10} KiB`);
  }

  private fit(args: string[]): void {
    const segs = this.x.segments;
    if (segs === null) { this.out('fit: only under --mm segments (the kernel heap\'s fit is --heap)'); return; }
    if (args.length > 1) { this.out('usage: fit [first|best|worst|next]'); return; }
    const want = args[0];
    if (want !== undefined) {
      if (!(FIT_POLICIES as readonly string[]).includes(want)) { this.out(`fit: ${want}: expected first, best, worst or next`); return; }
      segs.partitions.fit = want as FitPolicy;
    }
    this.out(`fit: ${segs.partitions.fit} fit`);
  }

  private run(args: string[]): void {
    const x = this.x;
    let background = false;
    if (args[args.length - 1] === '&') { background = true; args = args.slice(0, -1); }
    else if (args.length > 0 && args[args.length - 1]!.endsWith('&')) { background = true; args[args.length - 1] = args[args.length - 1]!.slice(0, -1); }
    let limit: number | null = null;
    let policy: PolicyName | null = null;
    while (args[0] === '-m' || args[0] === '-p') {
      const [flag, value] = args;
      args = args.slice(2);
      if (value === undefined) { this.out(`run: ${flag} needs a value`); return; }
      if (flag === '-m') {
        const n = Number(value);
        if (!/^\d+$/.test(value) || n < 1 || n > 1 << 20) { this.out(`run: -m ${value}: a number of frames, 1 or more`); return; }
        limit = n;
      } else if ((POLICY_NAMES as readonly string[]).includes(value)) {
        policy = value as PolicyName;
      } else {
        this.out(`run: -p ${value}: no such policy (there are ${POLICY_NAMES.join(', ')})`);
        return;
      }
    }
    if (policy !== null && limit === null) { this.out('run: -p needs -m FRAMES (a policy replaces pages within a resident limit)'); return; }
    if (limit !== null && x.reclaim === null) { this.out('run: -m needs swap space (start ts386 with --swap FILE or --swap-size SIZE)'); return; }
    const prog = args[0];
    if (!prog) { this.out('usage: run [-m FRAMES [-p POLICY]] PROG [ARGS] [&]'); return; }
    if (!x.progdisk?.lookup(prog)) { this.out(`run: ${prog}: no such program`); return; }
    if (policy === 'opt') {
      if (background) { this.out('run: -p opt runs in the foreground (it runs the program twice: first to record its references)'); return; }
      // First the program alone, unlimited, its output dropped and its references recorded; the
      // run with OPT starts when it ends (reapJobs).
      const first = this.startJob(prog, args, false);
      if (first === null) return;
      first.quiet = true;
      x.hw.refTraceStart();
      const opt = { limit: limit!, prog, args, first, refs: null as Uint32Array | null };
      first.recording = (refs) => { opt.refs = refs; };
      this.optRun = opt;
      return;
    }
    const p = this.startJob(prog, args, background);
    if (p === null) return;
    if (limit !== null) {
      p.limit = limit;
      p.policy = makePolicy(policy ?? 'fifo', p.pid);
    }
  }

  /** Makes the process that loads and runs PROG ARGS (the foreground job unless `background`). */
  private startJob(prog: string, args: string[], background: boolean): Process | null {
    const x = this.x;
    const p = x.table.create(prog, args, null);
    if (!p) { this.out('run: out of memory'); return null; }
    p.foreground = !background;
    // Its first runs are in the kernel, loading the program; then it returns to user mode.
    p.kentry = (q) => this.load(q, prog, args);
    x.sched.makeRunnable(p);
    if (background) this.out(`[${p.pid}] ${args.join(' ')}`);
    else this.fg = p;
    return p;
  }

  /**
   * `run -m N -p opt`'s first run has ended: the run with OPT starts, knowing the references it
   * recorded; or, when it did not get to run its program to the end, there is none.
   */
  private startOptRun(opt: OptRun): void {
    const { first, refs } = opt;
    if (first.loadFailed) return;
    if (first.killed || refs === null) { this.out(`run: -p opt: the first run (pid ${first.pid}) was killed: no future to give OPT`); return; }
    this.out(`opt: the first run (pid ${first.pid}, output not shown) made ${refs.length} references to pages in ring 3; now with OPT:`);
    const p = this.startJob(opt.prog, opt.args, false);
    if (p === null) return;
    const policy = makeOpt(refs);
    p.limit = opt.limit;
    p.policy = policy;
    this.optPolicy = policy;
  }

  /** A job's kernel entry until its program is loaded: one exec step each time it runs. */
  private load(p: Process, path: string, argv: string[]): void {
    const x = this.x;
    const r = execStep(x, p, path, argv);
    if (r.kind === 'wait') { x.sched.sleep(p, r.chan); return; }
    if (r.kind === 'done') { p.kentry = null; return; }
    this.out(`run: ${r.message}`);
    p.loadFailed = true;
    exit(x, p, LOAD_FAILED_STATUS);
  }

  private ps(): void {
    const k = this.x;
    // RSS: the user pages mapped now (resident), from a walk of the process's page tables. WS: its
    // working set as the A bits estimate it, while `ws PID` watches it. FLT/S: faults per second
    // of its virtual time (its CPU ticks).
    this.out('  PID  PPID STATE     TICKS FAULTS   RSS    WS  FLT/S  NAME');
    for (const p of k.table.procs.values()) {
      const away = p.seg === null || p.state === 'zombie' ? null : SEG_AWAY[p.seg.where];
      const state = away ?? (p.pd === 0 && p.seg === null && p.state !== 'zombie' ? 'loading' : p.state === 'blocked' ? `wait:${p.chan?.name ?? '?'}` : p.state);
      // Under segments, RSS is the partition's pages while it is in memory.
      const rss = p.seg !== null ? (p.seg.where === 'in' ? p.seg.size / PAGE_SIZE : 0) : p.pd !== 0 ? residentPages(k.hw, p.pd) : 0;
      this.out(`${String(p.pid).padStart(5)} ${String(p.parent?.pid ?? 0).padStart(5)} ${state.padEnd(9)} ${String(p.ticks).padStart(5)} ${String(p.faults).padStart(6)} ${String(rss).padStart(5)} ${workingSetOf(p).padStart(5)} ${faultRate(p).padStart(6)}  ${p.argv.join(' ')}`);
    }
  }

  private killCmd(args: string[]): void {
    if (args[0] === undefined) { this.out('usage: kill PID'); return; }
    const pid = Number(args[0]);
    const p = this.x.table.procs.get(pid);
    if (!Number.isInteger(pid) || !p || p.state === 'zombie') { this.out(`kill: no process ${args[0]}`); return; }
    kill(this.x, p, 'killed from the shell');
  }

  private mem(): void {
    const k = this.x;
    const s = k.frames.stats();
    this.out(`frames: ${s.total} total, ${s.used} in use, ${s.free} free (${k.frames.kind}, 4 KiB each)`);
    const owners = Object.entries(s.byOwner).filter(([o, n]) => o !== 'free' && n > 0).map(([o, n]) => `${o} ${n}`);
    this.out(`in use by owner: ${owners.join(', ') || 'none'}`);
    const fl = k.frames.freeLists();
    if (fl) this.out(`buddy free blocks by order 0..10: ${fl.join(' ')}`);
    if (k.segments !== null) for (const l of describePartitions(k.segments, k.table.procs)) this.out(l);
    const swap = k.reclaim?.swap ?? k.segments?.swap;
    if (swap) this.out(`swap: ${swap.total} slots of 4 KiB, ${swap.used} in use, ${swap.total - swap.used} free`);
    for (const seg of k.shm.all()) {
      const name = seg.key > 0 ? `key ${seg.key}` : seg.persistent ? 'IPC_PRIVATE' : 'mmap MAP_SHARED|MAP_ANONYMOUS';
      this.out(`shared segment ${seg.id} (${name}): ${seg.pages} pages, ${k.shm.resident(seg)} in RAM, ${seg.attachments} attachments${seg.removed ? ', removed' : ''}`);
    }
    if (k.shares) {
      const each = k.table.paged().map((p) => `pid ${p.pid} (${p.argv[0] ?? '?'}) ${p.limit !== null ? `${p.limit} frames (run -m)` : `${k.shares!.of(p.pd)} frames`}`);
      this.out(`local replacement, ${k.shares.allocation} allocation: ${each.join(', ') || 'no processes'}`);
    }
    const lc = k.loadControl;
    if (lc) {
      const out = lc.out.map((s) => `pid ${s.p.pid} (${s.p.argv[0] ?? '?'}, working set ${s.ws} pages)`);
      this.out(`load control (${lc.mode}): ${out.length === 0 ? 'none suspended' : `suspended ${out.join(', ')}`}; rolled out ${lc.rollOuts} times, back in ${lc.rollIns}`);
    }
  }

  /**
   * `ws PID [D]`: the first time, starts watching the process's working set with Δ = D ticks (the
   * MMU records its references from then on); after that, prints the samples so far: each tick of
   * its virtual time, W(t, Δ) exact and estimated, the difference, its resident pages and faults.
   */
  private ws(args: string[]): void {
    const x = this.x;
    if (args[0] === undefined || args.length > 2) { this.out('usage: ws PID [D]   (D: ticks of its virtual time, 1 to 1000; default 4)'); return; }
    const p = x.table.procs.get(Number(args[0]));
    if (!/^\d+$/.test(args[0]) || p === undefined || p.state === 'zombie') { this.out(`ws: no process ${args[0]}`); return; }
    if (x.reclaim === null) { this.out('ws: needs swap (the estimate keeps each page\'s last reference in the reclaimer\'s reverse map)'); return; }
    if (p.pd === 0) { this.out(`ws: pid ${p.pid} has no address space yet (its program is loading)`); return; }
    const d = args[1] === undefined ? null : Number(args[1]);
    if (d !== null && (!/^\d+$/.test(args[1]!) || d < 1 || d > 1000)) { this.out(`ws: ${args[1]}: D is a number of ticks, 1 to 1000`); return; }
    if (p.ws === null || p.ws.pd !== p.pd || (d !== null && d !== p.ws.delta)) {
      if (p.ws !== null) unwatch(x.hw);
      p.ws = watch(x.hw, p.pd, d ?? DEFAULT_DELTA);
      this.out(`ws: watching pid ${p.pid} (${p.name}), D = ${p.ws.delta} ticks of its virtual time (${p.ws.delta * TICK_MS} ms); \`ws ${p.pid}\` shows it`);
      return;
    }
    const w = p.ws;
    this.out(`pid ${p.pid} (${p.name}): W(t, ${w.delta}) over its last ${w.samples.length} ticks of virtual time`);
    this.out('      t  exact  estimate  error  resident  faults');
    let err = 0;
    for (const s of w.samples) {
      err += Math.abs(s.estimate - s.exact);
      this.out(`  ${String(s.vt).padStart(5)}  ${String(s.exact).padStart(5)}  ${String(s.estimate).padStart(8)}  ${String(s.estimate - s.exact).padStart(5)}  ${String(s.resident).padStart(8)}  ${String(s.faults).padStart(6)}`);
    }
    if (w.samples.length > 0) this.out(`mean |estimate - exact|: ${(err / w.samples.length).toFixed(2)} pages`);
  }

  private vm(args: string[]): void {
    const k = this.x;
    if (args[0] === undefined) { this.out('usage: vm PID'); return; }
    const p = k.table.procs.get(Number(args[0]));
    if (!p) { this.out(`vm: no process ${args[0]}`); return; }
    if (p.pd === 0) { this.out(`vm: pid ${p.pid} has no address space yet (its program is loading)`); return; }
    this.out(`pid ${p.pid} (${p.name}): page directory at 0x${hex(p.pd)}, break 0x${hex(p.brk)}`);
    for (const r of p.regions) {
      const prot = r.readable === false ? '--' : r.writable ? 'rw' : 'r-';
      const what = r.segment ? ` shared segment ${r.segment.seg.id}${r.segment.seg.key > 0 ? ` (key ${r.segment.seg.key})` : ''}`
        : r.backing ? ` file ${r.backing.file.name}${r.sharedFile ? ' shared' : r.kind === 'mmap' ? ' private' : ''}` : ' zero-fill';
      this.out(`  ${r.kind.padEnd(6)} 0x${hex(r.start)}-0x${hex(r.end)} ${prot}${what}`);
    }
    const pages = userPages(k.hw, p.pd);
    this.out(`  ${pages.length} pages mapped:      VA        frame      flags`);
    for (const { va, pte } of pages) {
      // The kernel's own marks: mlock()ed, hidden by exact LRU (U/S = 0: its next touch is a soft
      // fault), and a copy still in the swap slot it was read back from.
      const locked = (pte & PTE_LOCKED) !== 0 ? '  locked' : '';
      const hidden = (pte & PTE_U) === 0 ? `  hidden by LRU (last used at clock ${k.reclaim?.counterOf(entryFrame(pte)) ?? 0})` : '';
      const slot = (pte & PTE_KEPT) !== 0 ? k.reclaim?.keptSlot(entryFrame(pte)) ?? 0 : 0;
      this.out(`    0x${hex(va)} -> 0x${hex(pte & ~0xfff)}  ${describeFlags(pte)}${locked}${hidden}${this.sharing(p.pd, va, pte)}${slot !== 0 ? `  also in swap slot ${slot}` : ''}`);
    }
    const swapped = swappedPages(k.hw, p.pd);
    if (swapped.length > 0) {
      this.out(`  ${swapped.length} pages in swap:      VA        slot`);
      for (const { va, slot } of swapped) this.out(`    0x${hex(va)} -> slot ${slot}`);
    }
    const ws = p.ws?.samples.at(-1);
    this.out(`  faults ${p.faults} in ${p.ticks} ticks (${faultRate(p)} a second of its virtual time); working set ${ws === undefined ? 'not watched (ws PID)' : `W(t, ${p.ws!.delta}) ~ ${ws.estimate} pages (A bits), ${ws.exact} exact`}`);
  }

  /**
   * `vm`'s words for how a page is shared: copy-on-write (its region may be written, its PTE may
   * not: the first write copies it, or takes it over when no one else maps it), and the other
   * processes that map its frame.
   */
  private sharing(pd: PhysAddr, va: number, pte: number): string {
    const k = this.x;
    const frame = entryFrame(pte);
    const cow = (pte & PTE_W) === 0 && k.table.byPd(pd)?.regionAt(va)?.writable === true ? '  copy-on-write' : '';
    const others = k.rmap.mappings(frame).filter((m) => m.pd !== pd || m.va !== va);
    if (others.length === 0) return cow;
    const who = others.map((m) => { const q = k.table.byPd(m.pd); return q === undefined ? `pd 0x${hex(m.pd)}` : `pid ${q.pid}${m.va === va ? '' : ` at 0x${hex(m.va)}`}`; });
    return `${cow}  shared with ${who.join(', ')}`;
  }

  private heap(): void {
    const h = this.x.heap;
    const s = h.stats();
    this.out(`kernel heap (${h.policy}-fit): ${s.bytesInUse} bytes in ${s.blocksInUse} blocks in use, ${s.freeBytes} bytes free in ${s.freeBlocks} blocks`);
    this.out(`largest free block ${s.largestFree} bytes, external fragmentation ${(s.fragmentation * 100).toFixed(1)}%`);
    for (const b of h.freeList().slice(0, 16)) this.out(`  free 0x${hex(b.addr)} ${b.size} bytes`);
    if (h.freeList().length > 16) this.out(`  ... ${h.freeList().length - 16} more`);
    for (const c of [this.x.procSlab, this.x.fileSlab]) {
      const st = c.stats();
      this.out(`slab ${st.name}: ${st.objectSize}-byte objects, ${st.slabs} slabs, ${st.inUse} in use, ${st.free} free`);
    }
  }

  private cacheCmd(args: string[]): void {
    const c = this.x.cache;
    if (args.length > 1 || (args[0] !== undefined && args[0] !== 'drop')) { this.out('usage: cache [drop]'); return; }
    if (c === null) { this.out('cache: no program disk'); return; }
    if (args[0] === 'drop') { this.out(`cache: ${c.dropAllIdle()} idle pages dropped`); return; }
    const files = c.files();
    this.out(`page cache: ${c.size} pages of ${files.length} files`);
    for (const f of files) this.out(`  ${f.name.padEnd(14)} ${f.cached} of ${f.pages} pages cached, ${f.mapped} mapped, ${f.cached - f.mapped} idle`);
  }

  private tlb(): void {
    const t = this.x.hw.readTlbCounters();
    const total = t.hits + t.misses;
    this.out(`TLB: ${t.hits} hits, ${t.misses} misses (${total ? ((t.hits / total) * 100).toFixed(2) : '0.00'}% hits), ${t.flushes} flushes`);
  }

  private stats(): void {
    const s = this.x.stats;
    this.out(`uptime ${(this.x.uptimeMs() / 1000).toFixed(2)} s (${s.ticks} ticks), ${this.x.hw.readTSC()} cycles`);
    this.out(`page faults ${s.faults} (zero-filled ${s.zeroFills}, read from disk ${s.pageIns}), processes started ${s.processesStarted}, killed ${s.kills}`);
    this.out(`system calls ${s.syscalls}, interrupts ${s.interrupts}, context switches ${s.contextSwitches}, host calls ${s.hostCalls}`);
    if (this.x.reclaim) this.out(`pages taken back ${s.evictions} (written to swap ${s.swapOuts}, dropped still in swap ${s.keptDrops}), read back from swap ${s.swapIns}`);
    if (this.x.cache !== null) this.out(`page cache: ${this.x.cache.size} pages of program files, hits ${s.cacheHits}, misses ${s.cacheMisses}, idle pages dropped for a frame ${s.cacheDrops}${this.x.reclaim ? `, mapped pages taken back ${s.cacheEvictions}` : ''}${s.cacheWritebacks > 0 ? `, written back to files ${s.cacheWritebacks}` : ''}`);
    // An eager fork shares swapped-out pages too (their slots), and they come back copy-on-write.
    if (this.x.options.fork === 'cow' || s.cowFaults > 0) this.out(`copy-on-write: forks shared ${s.cowShared} pages; write faults on them ${s.cowFaults} (copied ${s.cowCopies}, taken over ${s.cowReuses}); copies saved ${s.cowShared - s.cowCopies}`);
    if (this.x.reclaim && (s.sharedEvictions > 0 || s.swapCacheHits > 0)) this.out(`shared pages taken back from every mapping at once ${s.sharedEvictions}, mapped again from the swap cache ${s.swapCacheHits}`);
    if (s.softFaults > 0) this.out(`soft faults ${s.softFaults} (exact LRU seeing references; not counted as page faults)`);
  }

  private trace(args: string[]): void {
    if ((args[0] !== 'pf' && args[0] !== 'refs') || (args[1] !== 'on' && args[1] !== 'off')) { this.out('usage: trace pf|refs on|off'); return; }
    if (args[0] === 'refs') return this.traceRefs(args[1] === 'on');
    this.x.trace.pf = args[1] === 'on';
    this.out(`page-fault trace ${args[1]}`);
  }

  /** `trace refs on|off`: one start of the reference trace, held until off (twice on is one start). */
  private traceRefs(on: boolean): void {
    const hw = this.x.hw;
    if (!hw.refTraceHasFile()) { this.out('trace refs: no file to record into (start ts386 with --trace-refs FILE)'); return; }
    this.refsOn ??= true;
    if (on && !this.refsOn) hw.refTraceStart();
    if (!on && this.refsOn) hw.refTraceStop();
    this.refsOn = on;
    this.out(`reference trace ${on ? 'on' : 'off'}`);
  }
}
