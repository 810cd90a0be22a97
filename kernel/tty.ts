// The console's line discipline (canonical mode): typed bytes are echoed and edited (backspace,
// Ctrl-U) until Enter; a finished line goes to whoever reads the console. Ctrl-C interrupts the
// foreground process. Output goes through the UART's ring; what does not fit waits here, in order,
// so kernel messages are never lost.

import type { Uart } from './dev/uart.ts';
import type { Ring } from './dev/ring.ts';

export class Tty {
  private readonly uart: Uart;
  /** The line being typed (guest RAM). */
  private readonly edit: Ring;
  /** Finished lines waiting for a reader (guest RAM), each ending in '\n'. */
  private readonly lines: Ring;
  private lineCount = 0;
  /** Kernel output that did not fit the UART's ring yet. */
  private overflow: number[] = [];
  /** Called when a line is complete. */
  onLine: () => void = () => {};
  /** Called for Ctrl-C. */
  onInterrupt: () => void = () => {};
  /** Called when output space appears. */
  onOutputSpace: () => void = () => {};
  echo = true;

  constructor(uart: Uart, edit: Ring, lines: Ring) {
    this.uart = uart;
    this.edit = edit;
    this.lines = lines;
    uart.onByte = (b) => this.input(b);
    uart.onTxSpace = () => {
      this.drainOverflow();
      if (this.overflow.length === 0) this.onOutputSpace();
    };
  }

  /**
   * Moves waiting output into the UART's ring. The chunk leaves `overflow` before the write,
   * because the write can come back here (it may empty the FIFO and report space at once).
   */
  private drainOverflow(): void {
    if (this.overflow.length === 0 || this.uart.txSpace === 0) return;
    const chunk = this.overflow.splice(0, this.uart.txSpace);
    const n = this.uart.write(Uint8Array.from(chunk));
    if (n < chunk.length) this.overflow.unshift(...chunk.slice(n));
  }

  /** Kernel output: never dropped (what does not fit waits, in order, behind what came before). */
  print(s: string): void {
    for (const b of new TextEncoder().encode(s.replace(/\n/g, '\r\n'))) this.overflow.push(b);
    this.drainOverflow();
  }

  /** Process output: takes what fits now and returns how many bytes that was (the caller waits for the rest). */
  writeSome(bytes: Uint8Array): number {
    if (this.overflow.length > 0) return 0;
    const out: number[] = [];
    let taken = 0;
    for (const b of bytes) {
      const need = b === 0x0a ? 2 : 1;
      if (out.length + need > this.uart.txSpace) break;
      if (b === 0x0a) out.push(0x0d);
      out.push(b);
      taken++;
    }
    this.uart.write(Uint8Array.from(out));
    return taken;
  }

  /** Whether all output has left the kernel (the UART may still be shifting the last bytes out). */
  get outputIdle(): boolean {
    return this.overflow.length === 0 && this.uart.txPending === 0;
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
      this.onInterrupt();
      return;
    }
    if (b === 0x04) { // Ctrl-D: end of file for a reader, on an empty line (as a Unix tty does)
      if (this.edit.length === 0) { this.eof = true; this.onLine(); }
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
      this.onLine();
      return;
    }
    if (b < 0x20 || b > 0x7e) return;
    if (this.edit.push(b) && this.echo) this.print(String.fromCharCode(b));
  }
}
