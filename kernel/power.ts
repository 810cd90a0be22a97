// Stopping the machine: `halt` ends every process; the shell waits for the disk to finish what is
// in flight (a read a killed process left behind still owns its buffer), then reports leaks, so the
// check is exact whatever was going on; once that is said and the console has drained, the timer
// writes the exit port (dev/exitport.ts) with the status `stopping` holds. A panic stops the machine
// the same way with its own status.

import { KILLED_STATUS } from './abi.ts';
import { exit, type ExitContext } from './proc/exit.ts';
import type { WaitChannel } from './wait.ts';

/** The exit-port status after `halt`, and after a panic. */
export const HALT_EXIT_STATUS = 0;
export const PANIC_EXIT_STATUS = 7;

export class Power {
  /** Set by `halt` or a panic: the status to write to the exit port once the console has drained. */
  stopping: number | null = null;
  /** False while a halt waits to report leaks: the machine does not stop before the report is out. */
  settled = true;
}

export interface HaltContext extends ExitContext {
  power: Power;
  /** The leak check's report (leaks.ts), taken once every process has gone. */
  leakReport(): string;
  /** Frees the buffers of reads the disk has finished that nobody waits for any more. */
  reapReads(): void;
  /** A disk request still in flight for a read nobody waits for, if any (halt waits for it). */
  readInFlight(): WaitChannel | null;
  /** Gives back what the kernel keeps only as a cache (the page cache's idle pages), before the leak check. */
  dropCaches(): void;
}

/** `halt`: every process ends; the leak report (finishHalt) comes once no disk read is in flight. */
export function halt(x: HaltContext): void {
  x.power.stopping = HALT_EXIT_STATUS;
  x.power.settled = false;
  for (const p of [...x.table.procs.values()]) if (p.state !== 'zombie') exit(x, p, KILLED_STATUS);
  for (const p of [...x.table.procs.values()]) x.table.reap(p);
}

/**
 * The rest of a halt: null once the leak report is printed (the machine may stop), else the disk
 * request to wait for first.
 */
export function finishHalt(x: HaltContext): WaitChannel | null {
  if (x.power.settled) return null;
  // Dirty file pages go back to the disk and idle cached pages are freed first: the writes are
  // then among what is waited for.
  x.dropCaches();
  x.reapReads();
  const busy = x.readInFlight();
  if (busy !== null) return busy;
  x.tty.print(`${x.leakReport()}\n`);
  x.power.settled = true;
  return null;
}
