// A small GDB remote-protocol client for tests: sends packets with their checksums, waits for the
// acknowledgement and the reply packet, and acknowledges it. Socket waits only, generous timeouts.
import * as net from 'node:net';

export class GdbClient {
  private readonly socket: net.Socket;
  private data = '';
  private waiter: (() => void) | null = null;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => { this.data += chunk; this.waiter?.(); });
  }

  static connect(port: number): Promise<GdbClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(new GdbClient(s)));
      s.once('error', reject);
    });
  }

  static frame(data: string): string {
    let sum = 0;
    for (let k = 0; k < data.length; k++) sum = (sum + data.charCodeAt(k)) & 0xff;
    return `$${data}#${sum.toString(16).padStart(2, '0')}`;
  }

  /** Raw bytes (a Ctrl-C, a corrupt packet). */
  raw(text: string): void {
    this.socket.write(text, 'latin1');
  }

  /** Waits until the received text matches `re`, then consumes up to the end of the match. */
  async expect(re: RegExp, timeoutMs = 10_000): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = re.exec(this.data);
      if (m !== null) {
        this.data = this.data.slice(m.index + m[0].length);
        return m;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`gdb client: timed out waiting for ${re} (have ${JSON.stringify(this.data)})`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiter = () => { clearTimeout(t); this.waiter = null; resolve(); };
      });
    }
  }

  /** The next reply packet's data (acknowledged). */
  async reply(): Promise<string> {
    const m = await this.expect(/\$([^#]*)#([0-9a-f]{2})/);
    this.raw('+');
    return m[1]!;
  }

  /** Sends a packet, waits for '+' and returns the reply packet's data. */
  async request(data: string): Promise<string> {
    this.raw(GdbClient.frame(data));
    await this.expect(/^\+/);
    return this.reply();
  }

  /** Sends a packet that has no immediate reply (c, s): waits for its '+' only. */
  async send(data: string): Promise<void> {
    this.raw(GdbClient.frame(data));
    await this.expect(/^\+/);
  }

  /** Calls `f` when the server closes the connection. */
  onClose(f: () => void): void {
    if (this.socket.closed) f();
    else this.socket.once('close', f);
  }

  close(): void {
    this.socket.destroy();
  }
}
