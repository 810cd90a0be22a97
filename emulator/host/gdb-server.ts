// `--gdb [PORT]`: the GDB stub (debug/gdbstub.ts) on a TCP port of 127.0.0.1 only, one connection
// at a time, as QEMU's `-gdb tcp::1234`. A second client is refused while one is attached; when
// gdb goes away its breakpoints go with it and the machine runs on.

import * as net from 'node:net';
import { GdbStub } from '../debug/gdbstub.ts';
import type { Monitor } from '../debug/monitor.ts';

export const DEFAULT_GDB_PORT = 1234;

export class GdbServer {
  readonly stub: GdbStub;
  /** The port listened on (the one asked for, or the system's choice for 0). */
  port = 0;
  private readonly server: net.Server;
  private client: net.Socket | null = null;
  private connectedWaiters: Array<() => void> = [];
  /** Called whenever gdb sends something: the host's loop may be waiting for it. */
  onActivity: () => void = () => {};

  private constructor(monitor: Monitor) {
    this.stub = new GdbStub(monitor, (text) => this.client?.write(text, 'latin1'));
    this.stub.onDetach = () => this.client?.end();
    this.server = net.createServer((socket) => this.accept(socket));
  }

  /** Listens on 127.0.0.1:`port` (0 for any free port); rejects with a one-line message if it cannot. */
  static listen(monitor: Monitor, port: number): Promise<GdbServer> {
    const s = new GdbServer(monitor);
    return new Promise((resolve, reject) => {
      s.server.once('error', (e: NodeJS.ErrnoException) => reject(new Error(`cannot listen on 127.0.0.1:${port}: ${e.code ?? e.message}`)));
      s.server.listen(port, '127.0.0.1', () => {
        const a = s.server.address();
        s.port = typeof a === 'object' && a !== null ? a.port : port;
        s.server.on('error', () => {});
        resolve(s);
      });
    });
  }

  get connected(): boolean {
    return this.client !== null;
  }

  /** Resolves when a gdb is attached (--gdb-wait). */
  waitForConnection(): Promise<void> {
    if (this.client !== null) return Promise.resolve();
    return new Promise((resolve) => this.connectedWaiters.push(resolve));
  }

  /** Resolves when gdb sends something or comes or goes, or after `ms` milliseconds. */
  activity(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => { this.onActivity = () => {}; resolve(); }, ms);
      this.onActivity = () => { clearTimeout(t); this.onActivity = () => {}; resolve(); };
    });
  }

  private accept(socket: net.Socket): void {
    if (this.client !== null) {
      socket.end();
      return;
    }
    this.client = socket;
    socket.setNoDelay(true);
    this.stub.attach();
    socket.on('data', (chunk: Buffer) => {
      this.stub.receive(chunk);
      this.onActivity();
    });
    const gone = (): void => {
      if (this.client !== socket) return;
      this.client = null;
      this.stub.detach();
      this.onActivity();
    };
    socket.on('close', gone);
    socket.on('error', gone);
    for (const w of this.connectedWaiters.splice(0)) w();
    this.onActivity();
  }

  close(): void {
    this.client?.destroy();
    this.client = null;
    this.server.close();
  }
}
