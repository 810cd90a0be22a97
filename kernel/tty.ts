// The console's line discipline (canonical mode): typed bytes are echoed and edited (backspace,
// Ctrl-U) until Enter; a finished line wakes whoever sleeps reading the console (`readable`), and
// Ctrl-C is noted for the trap dispatcher to deliver (takeInterrupt). Output goes through the
// UART's ring; what does not fit waits here, in order, so kernel messages are never lost, and a
// process that waits for room sleeps on `writable`. The tty only wakes channels: it never calls
// up into the processes.

import type { Uart } from './dev/uart.ts';
import type { Ring } from './dev/ring.ts';
import { channel, type WaitChannel, type Wakeup } from './wait.ts';

/** Bytes that still arrive after RTS falls: the UART's 16-byte receive FIFO and one on the line. */
const IN_FLIGHT = 17;
/** Kernel output beyond which a process entering the kernel waits for the console (kernel.ts). */
export const BACKLOG_LIMIT = 4096;

export class Tty {
  private readonly uart: Uart;
  /** The line being typed (guest RAM). */
  private readonly edit: Ring;
  /** Finished lines waiting for a reader (guest RAM), each ending in '\n'. */
  private readonly lines: Ring;
  private lineCount = 0;
  /**
   * Kernel output that did not fit the UART's ring yet, in order: a queue of encoded messages and
   * how far into the first one the ring has taken. Taking from it costs what is taken, however long
   * it is. The trap dispatch keeps it short: while it holds more than BACKLOG_LIMIT bytes, a process
   * entering the kernel waits on `writable` before the kernel acts for it (kernel.ts).
   */
  private pending: Uint8Array[] = [];
  private pendingHead = 0;
  private pendingBytes = 0;
  private readonly wakeup: Wakeup;
  /** A line (or end of file) is there to read. */
  readonly readable: WaitChannel = channel('read');
  /** Room appeared for process output. */
  readonly writable: WaitChannel = channel('write');
  /** The line being typed ran past the edit ring: it is refused when Enter comes. */
  private tooLong = false;
  /** Ctrl-C was typed and nobody has taken it yet. */
  private interrupted = false;
  /** Bound once: the UART hands received bytes here (no closure per interrupt). */
  private readonly receive = (b: number): void => {
    this.input(b);
    this.updateReceiveReady();
  };
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
    if (this.uart.takeOverruns() > 0) {
      // Bytes went missing in the UART: the line being typed is not what was typed. Drop it.
      this.edit.clear();
      this.tooLong = false;
      this.print('\nconsole: input lost (receiver overrun): the line being typed was dropped\n');
    }
    this.drainOverflow();
    // Writers wake once half the ring is free, not at every sixteen bytes sent: a long write then
    // goes on in a few large steps instead of thousands of small ones.
    const capacity = this.uart.txSpace + this.uart.txPending;
    if (this.pendingBytes === 0 && this.uart.txSpace > 0 && this.uart.txSpace * 2 >= capacity) this.wakeup(this.writable);
  }

  /**
   * Flow control on the input side (RTS, dev/uart.ts): typed bytes must never be lost, so the tty
   * tells the terminal to hold them while a finished line might not fit. A line is lost at Enter
   * when `lines` has no room for it, and after RTS falls at most IN_FLIGHT more bytes still come
   * (16 in the UART's FIFO, one on the line), each taking at most a byte of slack; so RTS falls
   * while the slack is no more than that, and rises again once half the line buffer is free. The
   * line buffer is more than IN_FLIGHT bytes larger than the edit ring (1024 and 256 here), so
   * while RTS is low at least one finished line waits for a reader, and it always rises again. (A
   * Ctrl-C typed meanwhile waits in line too, as on a real terminal with hardware handshake.)
   */
  private updateReceiveReady(): void {
    const slack = this.lines.free - this.edit.length;
    if (slack <= IN_FLIGHT) this.uart.setReceiveReady(false);
    else if (slack >= this.lines.capacity / 2) this.uart.setReceiveReady(true);
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
    while (this.pendingBytes > 0 && this.uart.txSpace > 0) {
      const first = this.pending[0]!;
      const n = this.uart.write(first.subarray(this.pendingHead, this.pendingHead + this.uart.txSpace));
      if (n === 0) break;
      this.pendingHead += n;
      this.pendingBytes -= n;
      if (this.pendingHead === first.length) { this.pending.shift(); this.pendingHead = 0; }
    }
  }

  /** Kernel output waiting for the UART's ring, in bytes. */
  get backlog(): number {
    return this.pendingBytes;
  }

  /** Kernel output: never dropped (what does not fit waits, in order, behind what came before). */
  print(s: string): void {
    const bytes = new TextEncoder().encode(s.replace(/\n/g, '\r\n'));
    if (bytes.length === 0) return;
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
    this.drainOverflow();
  }

  /**
   * Process output: takes what fits now and returns how many bytes that was (the caller waits for
   * the rest). Each write to the UART may move bytes on into its FIFO and make room, so it goes on
   * while room appears: a writer never sleeps while there is room it could have used.
   */
  writeSome(bytes: Uint8Array): number {
    if (this.pendingBytes > 0) return 0;
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

  /** How many bytes of process output writeSome can take now, at least (a newline takes two). */
  get room(): number {
    return this.pendingBytes > 0 ? 0 : this.uart.txSpace;
  }

  /** Whether all output has left the machine: nothing waits here, and the UART has sent its last bit. */
  get drained(): boolean {
    return this.pendingBytes === 0 && this.uart.drained;
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
    this.updateReceiveReady();
    return Uint8Array.from(out);
  }

  /** Drops every finished line and the one being typed. */
  flushInput(): void {
    this.lines.clear();
    this.edit.clear();
    this.lineCount = 0;
    this.eof = false;
    this.tooLong = false;
    this.updateReceiveReady();
  }

  private input(b: number): void {
    if (b === 0x03) { // Ctrl-C
      this.edit.clear();
      this.tooLong = false;
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
      this.tooLong = false;
      while (this.edit.pop()) if (this.echo) this.print('\b \b');
      return;
    }
    if (b === 0x0d || b === 0x0a) {
      if (this.echo) this.print('\n');
      if (this.tooLong) {
        // Refused whole, with a word, rather than cut: half a command could do something else.
        this.tooLong = false;
        this.edit.clear();
        this.print(`line too long (at most ${this.edit.capacity} characters): not taken\n`);
        return;
      }
      if (this.lines.free < this.edit.length + 1) { this.edit.clear(); return; } // no room: the line is lost, as on a full tty
      while (this.edit.length > 0) this.lines.push(this.edit.shift());
      this.lines.push(0x0a);
      this.lineCount++;
      this.wakeup(this.readable);
      return;
    }
    if (b < 0x20 || b > 0x7e) return;
    if (this.edit.length === this.edit.capacity) { this.tooLong = true; return; }
    if (this.edit.push(b) && this.echo) this.print(String.fromCharCode(b));
  }
}
