// COM1 on the user's terminal: keystrokes go to the guest's UART, its output to stdout. In a
// terminal, stdin is put in raw mode so that every key (Ctrl-C included) reaches the guest; the
// QEMU-style escape Ctrl-A leads the emulator's own keys:
//
//   Ctrl-A X   quit            Ctrl-A H   list these keys
//   Ctrl-A A   send a Ctrl-A to the guest
//   Ctrl-A C   the monitor (with --monitor stdio): the console to the monitor and back
//
// Raw mode is undone on every way out (normal end, quit key, uncaught exception) so the user's
// terminal is never left unusable.

export const CTRL_A = 0x01;

export interface TerminalOptions {
  input: NodeJS.ReadStream;
  output: NodeJS.WriteStream;
  /** Bytes typed for the guest. */
  onInput: (bytes: Uint8Array) => void;
  /** The user asked to quit (Ctrl-A X). */
  onQuit: () => void;
  /** Ctrl-A C: the console to the monitor or back; without it the key does nothing. */
  onMonitor?: () => void;
}

export const ESCAPE_HELP =
  '\r\nts386 keys: Ctrl-A X quit, Ctrl-A H this help, Ctrl-A A send Ctrl-A to the guest\r\n';

/** The keys' help, with Ctrl-A C when there is a monitor. */
export function escapeHelp(monitor: boolean): string {
  return monitor
    ? '\r\nts386 keys: Ctrl-A X quit, Ctrl-A H this help, Ctrl-A A send Ctrl-A to the guest, Ctrl-A C the monitor (and back)\r\n'
    : ESCAPE_HELP;
}

/** Splits typed bytes into guest input and escape commands; keeps state across chunks. */
export class EscapeDecoder {
  private pendingEscape = false;
  private readonly onInput: (bytes: Uint8Array) => void;
  private readonly onCommand: (key: string) => void;

  constructor(onInput: (bytes: Uint8Array) => void, onCommand: (key: string) => void) {
    this.onInput = onInput;
    this.onCommand = onCommand;
  }

  feed(chunk: Uint8Array): void {
    const out: number[] = [];
    for (const b of chunk) {
      if (this.pendingEscape) {
        this.pendingEscape = false;
        if (b === CTRL_A || b === 0x61 || b === 0x41) out.push(CTRL_A);
        else {
          if (out.length) this.onInput(Uint8Array.from(out.splice(0)));
          this.onCommand(String.fromCharCode(b).toLowerCase());
        }
      } else if (b === CTRL_A) {
        this.pendingEscape = true;
      } else {
        out.push(b);
      }
    }
    if (out.length) this.onInput(Uint8Array.from(out));
  }
}

/** Attaches the terminal; returns a function that detaches it and restores the terminal mode. */
export function attachTerminal(o: TerminalOptions): () => void {
  const raw = o.input.isTTY === true;
  const decoder = new EscapeDecoder(o.onInput, (key) => {
    if (key === 'x') o.onQuit();
    else if (key === 'h') o.output.write(escapeHelp(o.onMonitor !== undefined));
    else if (key === 'c') o.onMonitor?.();
  });
  const onData = (chunk: Buffer): void => decoder.feed(chunk);
  if (raw) o.input.setRawMode(true);
  o.input.on('data', onData);
  o.input.resume();
  let detached = false;
  const detach = (): void => {
    if (detached) return;
    detached = true;
    o.input.off('data', onData);
    if (raw) o.input.setRawMode(false);
    o.input.pause();
  };
  process.once('exit', detach);
  return detach;
}
