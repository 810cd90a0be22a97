// The monitor on the serial console, as QEMU's `-serial mon:stdio`: Ctrl-A C switches the
// console between the guest and a `(ts386)` prompt. While the monitor has the console the machine
// is stopped (main.ts runs it no further); `c` resumes it and gives the console back to the guest.
// A breakpoint that stops the machine opens the monitor with the reason.

import type { Monitor } from '../emulator/index.ts';

export const MONITOR_PROMPT = '(ts386) ';

export class MonitorConsole {
  /** Whether the monitor has the console (and the machine is stopped). */
  active = false;
  private line = '';
  private readonly monitor: Monitor;
  private readonly write: (text: string) => void;

  /** `write` puts text on the console (LF becomes CR LF there: the terminal is raw). */
  constructor(monitor: Monitor, write: (text: string) => void) {
    this.monitor = monitor;
    this.write = (text) => write(text.replace(/\r?\n/g, '\r\n'));
    monitor.onOutput = (text) => this.write(text);
  }

  /** Ctrl-A C: into the monitor (the machine stops), or back to the guest (it goes on). */
  toggle(): void {
    if (this.active) this.leave();
    else this.enter('');
  }

  /** Opens the monitor, saying why (a breakpoint's report) if there is a reason. */
  enter(reason: string): void {
    if (!this.monitor.stopped) this.monitor.stop('Ctrl-A C');
    this.active = true;
    this.line = '';
    this.write(`\n${reason === '' ? 'ts386 monitor: the machine is stopped; help lists the commands, c continues' : reason}\n${MONITOR_PROMPT}`);
  }

  /** Back to the guest: the machine runs again. */
  leave(): void {
    if (this.monitor.stopped) this.monitor.execute('c');
    this.active = false;
    this.line = '';
    this.write('\n');
  }

  /**
   * Bytes typed while the monitor has the console: a line editor (echo, backspace, Enter).
   * Returns the bytes after a `c` that gave the console back: they are the guest's.
   */
  feed(bytes: Uint8Array): Uint8Array {
    for (let k = 0; k < bytes.length; k++) {
      const b = bytes[k]!;
      if (!this.active) return bytes.subarray(k);
      if (b === 0x0d || b === 0x0a) {
        if (b === 0x0a && this.line === '' && this.lastWasCr) { this.lastWasCr = false; continue; }
        this.lastWasCr = b === 0x0d;
        this.write('\n');
        this.run(this.line);
        this.line = '';
      } else if (b === 0x7f || b === 0x08) {
        this.lastWasCr = false;
        if (this.line.length > 0) {
          this.line = this.line.slice(0, -1);
          this.write('\b \b');
        }
      } else if (b >= 0x20 && b < 0x7f) {
        this.lastWasCr = false;
        this.line += String.fromCharCode(b);
        this.write(String.fromCharCode(b));
      }
    }
    return bytes.subarray(bytes.length);
  }

  private lastWasCr = false;

  private run(line: string): void {
    const answer = this.monitor.execute(line);
    if (answer !== '') this.write(`${answer}\n`);
    if (!this.monitor.stopped) {
      // `c`: the guest has the console again.
      this.active = false;
      return;
    }
    this.write(MONITOR_PROMPT);
  }
}
