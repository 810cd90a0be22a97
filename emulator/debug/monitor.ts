// The monitor: a command interpreter over a stopped machine, as QEMU's monitor and Bochs's
// debugger are. `machine.monitor.execute('r')` returns the answer as text; the CLI puts it on the
// serial console behind Ctrl-A C (cli/main.ts). Each group of commands is a file of its own
// (monitor-*.ts); this file parses a line, finds the command and catches whatever goes wrong, so
// that nothing typed here can crash the emulator: a bad command or address is one line of text.

import { Breakpoints } from './breakpoints.ts';
import { INSPECT_COMMANDS } from './monitor-inspect.ts';
import { MonitorError, type MonitorCommand, type MonitorContext, type MonitorHost, type MonitorMachine, type OsView } from './monitor-command.ts';
import { PAGING_COMMANDS } from './monitor-paging.ts';
import { RUN_COMMANDS } from './monitor-run.ts';
import { TABLE_COMMANDS } from './monitor-tables.ts';

export { MonitorError, type OsView } from './monitor-command.ts';

export class Monitor implements MonitorHost {
  readonly machine: MonitorMachine;
  /** The breakpoints and the stop they caused (breakpoints.ts). */
  readonly breakpoints: Breakpoints;
  /** What the operating system knows (processes, frames), if the host gave it (cli/). */
  os: OsView | null = null;
  /** Where `trace` lines and stop reports go when no command is running (the console). */
  onOutput: (text: string) => void = () => {};
  /** Opens a file for `trace ... FILE` (the host's: emulator/debug cannot touch files). */
  openFile: ((path: string) => { line: (text: string) => void; close: () => void }) | null = null;
  private readonly commands = new Map<string, MonitorCommand>();
  private readonly ctx: MonitorContext;

  constructor(machine: MonitorMachine) {
    this.machine = machine;
    this.breakpoints = new Breakpoints(machine.cpu);
    this.ctx = { machine, breakpoints: this.breakpoints, monitor: this };
    for (const group of [INSPECT_COMMANDS, PAGING_COMMANDS, TABLE_COMMANDS, RUN_COMMANDS]) {
      for (const c of group) this.commands.set(c.name, c);
    }
    this.commands.set('help', {
      name: 'help', usage: 'help [CMD]', help: 'list the commands, or one command\'s usage',
      run: (_ctx, args) => this.help(args[0]),
    });
  }

  /** Whether a breakpoint (or `stop`) has stopped the machine: Machine.run returns 'debug' until `c`. */
  get stopped(): boolean {
    return this.breakpoints.stopped;
  }

  /** Stops the machine as the console's Ctrl-A C does: it runs no further until `c`. */
  stop(why = 'stopped by the monitor'): void {
    this.breakpoints.stop(why);
  }

  /** Runs one command line; returns its answer (no trailing newline). Never throws. */
  execute(line: string): string {
    const words = line.trim().split(/\s+/).filter(Boolean);
    if (words.length === 0) return '';
    const head = words[0]!;
    // x/4xw: the format is part of the command word, as in QEMU.
    const slash = head.indexOf('/');
    const name = slash >= 0 ? head.slice(0, slash) : head;
    const command = this.commands.get(name);
    if (command === undefined) return `unknown command '${name}': try help`;
    const args = words.slice(1);
    if (slash >= 0) args.unshift(head.slice(slash));
    try {
      return command.run(this.ctx, args);
    } catch (e) {
      if (e instanceof MonitorError) return `${name}: ${e.message}`;
      // A bug in a command, not in what was typed: said in one line, and the machine goes on.
      return `${name}: internal error: ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  private help(name: string | undefined): string {
    if (name !== undefined) {
      const c = this.commands.get(name);
      if (c === undefined) throw new MonitorError(`no command '${name}'`);
      return `${c.usage}\n  ${c.help}`;
    }
    const rows = [...this.commands.values()].sort((a, b) => a.name.localeCompare(b.name));
    const width = Math.max(...rows.map((c) => c.usage.length));
    return rows.map((c) => `${c.usage.padEnd(width)}  ${c.help}`).join('\n');
  }
}
