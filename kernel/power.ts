// Stopping the machine: `halt` ends every process, reports leaks, and once the console has drained
// the timer writes the exit port (dev/exitport.ts) with the status `stopping` holds; a panic stops
// it the same way with its own status.

import { KILLED_STATUS } from './abi.ts';
import { exit, type ExitContext } from './proc/exit.ts';

/** The exit-port status after `halt`, and after a panic. */
export const HALT_EXIT_STATUS = 0;
export const PANIC_EXIT_STATUS = 7;

export class Power {
  /** Set by `halt` or a panic: the status to write to the exit port once the console has drained. */
  stopping: number | null = null;
}

export interface HaltContext extends ExitContext {
  power: Power;
  /** The leak check's report (leaks.ts), taken once every process has gone. */
  leakReport(): string;
  /** Frees the buffers of reads the disk has finished that nobody waits for any more. */
  reapReads(): void;
}

/** `halt`: every process ends, the leak check runs, and the machine stops once the console has drained. */
export function halt(x: HaltContext): void {
  x.power.stopping = HALT_EXIT_STATUS;
  for (const p of [...x.table.procs.values()]) if (p.state !== 'zombie') exit(x, p, KILLED_STATUS);
  for (const p of [...x.table.procs.values()]) x.table.reap(p);
  x.reapReads();
  x.tty.print(`${x.leakReport()}\n`);
}
