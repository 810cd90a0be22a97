// The console's line discipline (canonical mode): typed bytes are echoed and edited (backspace,
// Ctrl-U) until Enter; a finished line wakes whoever sleeps reading the console (`readable`), and
// Ctrl-C is noted for the trap dispatcher to deliver (takeInterrupt). Output goes through the
// UART's ring; what does not fit waits here, in order, so kernel messages are never lost, and a
// process that waits for room sleeps on `writable`. The tty only wakes channels: it never calls
// up into the processes.

import type { Uart } from './dev/uart.ts';
import type { Ring } from './dev/ring.ts';
import { channel, type WaitChannel, type Wakeup } from './wait.ts';

export class Tty {
  private readonly uart: Uart;
  /** The line being typed (guest RAM). */
  private readonly edit: Ring;
  /** Finished lines waiting for a reader (guest RAM), each ending in '\n'. */
  private readonly lines: Ring;
  private lineCount = 0;
  /** Kernel output that did not fit the UART's ring yet. */
  private overflow: number[] = [];
  private readonly wakeup: Wakeup;
  /** A line (or end of file) is there to read. */
  readonly readable: WaitChannel = channel('read');
  /** Room appeared for process output. */
  readonly writable: WaitChannel = channel('write');
  /** Ctrl-C was typed and nobody has taken it yet. */
  private interrupted = false;
  /** Bound once: the UART hands received bytes here (no closure per interrupt). */
  private readonly receive = (b: number): void => this.input(b);
  echo = true;

  constructor(uart: Uart, edit: Ring, lines: Ring, wakeup: Wakeup) {
    this.uart = uart;
    this.edit = edit;
    this.lines = lines;
    this.wakeup = wakeup;
  }

  /** IRQ 4: typed bytes go through the line discipline; output moves on, and writers waiting for room wake. */
  onIrq(): void {
    this.uart.onIrq(this.receive);
    this.drainOverflow();
    if (this.overflow.length === 0 && this.uart.txSpace > 0) this.wakeup(this.writable);
  }

  /** Whether Ctrl-C was typed since the last call (the dispatcher ends the foreground job, or re-prompts). */
  takeInterrupt(): boolean {
    const was = this.interrupted;
    this.interrupted = false;
    return was;
  }

  /**
   * Moves waiting output into the UART's ring, as much as fits; each write may move bytes on into
   * the FIFO and so make more room, hence the loop.
   */
  private drainOverflow(): void {
    while (this.overflow.length > 0 && this.uart.txSpace > 0) {
      const chunk = this.overflow.splice(0, this.uart.txSpace);
      const n = this.uart.write(Uint8Array.from(chunk));
      if (n < chunk.length) { this.overflow.unshift(...chunk.slice(n)); break; }
    }
  }

  /** Kernel output: never dropped (what does not fit waits, in order, behind what came before). */
  print(s: string): void {
    for (const b of new TextEncoder().encode(s.replace(/\n/g, '\r\n'))) this.overflow.push(b);
    this.drainOverflow();
  }

  /**
   * Process output: takes what fits now and returns how many bytes that was (the caller waits for
   * the rest). Each write to the UART may move bytes on into its FIFO and make room, so it goes on
   * while room appears: a writer never sleeps while there is room it could have used.
   */
  writeSome(bytes: Uint8Array): number {
    if (this.overflow.length > 0) return 0;
    let taken = 0;
    while (taken < bytes.length && this.uart.txSpace > 0) {
      const out: number[] = [];
      const room = this.uart.txSpace;
      let k = taken;
      for (; k < bytes.length; k++) {
        const b = bytes[k]!;
        const need = b === 0x0a ? 2 : 1;
        if (out.length + need > room) break;
        if (b === 0x0a) out.push(0x0d);
        out.push(b);
      }
      if (k === taken) break; // not even one byte fits (a newline needs two)
      this.uart.write(Uint8Array.from(out));
      taken = k;
    }
    return taken;
  }

  /** Whether all output has left the machine: nothing waits here, and the UART has sent its last bit. */
  get drained(): boolean {
    return this.overflow.length === 0 && this.uart.drained;
  }

  /** Ctrl-D was typed on an empty line: the next read that finds no line returns 0 bytes. */
  private eof = false;

  get hasLine(): boolean {
    return this.lineCount > 0 || this.eof;
  }

  /** Takes up to `max` bytes of the oldest line (the rest of it stays for the next read). */
  readLine(max: number): Uint8Array {
    const out: number[] = [];
    if (this.lineCount === 0 && this.eof) { this.eof = false; return new Uint8Array(0); }
    while (out.length < max && this.lines.length > 0) {
      const b = this.lines.shift();
      out.push(b);
      if (b === 0x0a) { this.lineCount--; break; }
    }
    return Uint8Array.from(out);
  }

  /** Drops every finished line and the one being typed. */
  flushInput(): void {
    this.lines.clear();
    this.edit.clear();
    this.lineCount = 0;
    this.eof = false;
  }

  private input(b: number): void {
    if (b === 0x03) { // Ctrl-C
      this.edit.clear();
      if (this.echo) this.print('^C\n');
      this.interrupted = true;
      return;
    }
    if (b === 0x04) { // Ctrl-D: end of file for a reader, on an empty line (as a Unix tty does)
      if (this.edit.length === 0) { this.eof = true; this.wakeup(this.readable); }
      return;
    }
    if (b === 0x7f || b === 0x08) {
      if (this.edit.pop() && this.echo) this.print('\b \b');
      return;
    }
    if (b === 0x15) { // Ctrl-U: erase the line
      while (this.edit.pop()) if (this.echo) this.print('\b \b');
      return;
    }
    if (b === 0x0d || b === 0x0a) {
      if (this.echo) this.print('\n');
      if (this.lines.free < this.edit.length + 1) { this.edit.clear(); return; } // no room: the line is lost, as on a full tty
      while (this.edit.length > 0) this.lines.push(this.edit.shift());
      this.lines.push(0x0a);
      this.lineCount++;
      this.wakeup(this.readable);
      return;
    }
    if (b < 0x20 || b > 0x7e) return;
    if (this.edit.push(b) && this.echo) this.print(String.fromCharCode(b));
  }
}
