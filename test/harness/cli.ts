// The `ts386` command for the tests, two ways with one answer ({ status, stdout, stderr }):
//
// - spawnTs386: the bundle (dist/ts386.mjs, which test/global-setup.ts builds) as a child process,
//   for what only a process shows: its exit status as its parent sees it, its standard streams as
//   the descriptors they are (a reader that goes away, /dev/full, a terminal, /dev/stdin), its
//   environment (TMPDIR), signals, and a regression that would wedge or flood the process (a FIFO
//   or /dev/zero read) failing one test, not the worker running them.
// - runTs386: the command's own code (cli/main.ts's runCommand) in this process, with streams
//   that gather what it writes, for the rest: no Node start-up and no bundle to load for each run.
//   stdin is a pipe with `input` in it and then its end, as spawnSync's (a pipe closed at once
//   when there is no input); stdout and stderr are pipes, not terminals. The worker threads of
//   compare, thrash and fits run the bundle's worker modules (dist/compare-worker.mjs and the
//   others: a worker thread cannot load the TypeScript sources on Node 20), and are kept from one
//   command to the next, as a command keeps each of its threads from one run to the next: a thread
//   loads its module and warms up once per test file, not once per command. A file that runs those
//   commands ends them in its afterAll (endWorkers); an idle one does not keep the process alive.
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import type { CliIO, WorkerSupply } from '../../cli/cli-io.ts';
import { runCommand } from '../../cli/main.ts';

export const root = new URL('../..', import.meta.url).pathname;
export const bin = path.join(root, 'dist/ts386.mjs');

export interface Run { status: number | null; stdout: string; stderr: string }

/** `ts386 ARGS` as a child process; the timeout only keeps a regression (a hang) from stalling the suite. */
export function spawnTs386(args: string[], options: SpawnSyncOptions = {}): Run {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000, ...options });
  return { status: r.status, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** A stream that keeps what is written to it, in order; `direct` appends as a descriptor's write does. */
class Gathered extends Writable {
  private readonly chunks: Buffer[] = [];

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (e?: Error | null) => void): void {
    this.chunks.push(Buffer.from(chunk));
    done();
  }

  direct(data: Uint8Array | string): void {
    this.chunks.push(Buffer.from(data));
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/** The worker threads runTs386's commands have made, each with its module's name; the idle ones by name. */
const made = new Map<Worker, string>();
const idle = new Map<string, Worker[]>();

const workers: WorkerSupply = {
  take: (name) => {
    const kept = idle.get(name)?.pop();
    if (kept !== undefined) {
      kept.ref();
      return kept;
    }
    const w = new Worker(path.join(root, 'dist', `${name}.mjs`));
    made.set(w, name);
    // A command listens for its threads' errors while it has them; one that ends is not handed out again.
    w.on('error', () => {});
    w.once('exit', () => {
      made.delete(w);
      const list = idle.get(name);
      const k = list?.indexOf(w) ?? -1;
      if (k >= 0) list!.splice(k, 1);
    });
    return w;
  },
  giveBack: async (w, isIdle) => {
    const name = made.get(w);
    if (!isIdle || name === undefined) {
      await w.terminate();
      return;
    }
    w.unref();
    idle.set(name, [...idle.get(name) ?? [], w]);
  },
};

/** Ends the worker threads runTs386's commands have made (a test file's afterAll): the idle ones, and any a command that timed out still has. */
export async function endWorkers(): Promise<void> {
  const all = [...made.keys()];
  idle.clear();
  made.clear();
  await Promise.all(all.map((w) => w.terminate()));
}

/** `ts386 ARGS` in this process, with `input` piped to it (see above). */
export async function runTs386(args: string[], input = ''): Promise<Run> {
  const stdin = new Readable({ read() {} });
  if (input !== '') stdin.push(Buffer.from(input));
  stdin.push(null);
  const stdout = new Gathered();
  const stderr = new Gathered();
  const io: CliIO = {
    stdin, stdout, stderr,
    terminal: null,
    stderrIsTTY: false,
    stdinIsPipeOrFile: () => true,
    descriptor: (fd) => {
      const out = fd === 1 ? stdout : stderr;
      return { write: (data) => out.direct(data), close: () => {} };
    },
    workers,
  };
  const status = await runCommand(args, io);
  return { status, stdout: stdout.text(), stderr: stderr.text() };
}
