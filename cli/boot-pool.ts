// What the commands that boot the machine many times share (`ts386 compare`, `ts386 thrash`): the
// built-in BIOS and program disk every run needs, looked at once before any run; a pool of worker
// threads that runs the jobs, one boot each, all cores at once; and stdout that may go away under
// a pager (`| head`).

import { SingleBar } from 'cli-progress';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parentPort, Worker } from 'node:worker_threads';
import { createTempSwapFile, openDiskFile, OutputFile, readInputFile } from '../emulator/index.ts';
import { BadInput } from './bad-input.ts';
import type { CliIO, WorkerSupply } from './cli-io.ts';
import { EXIT_BAD_INPUT, EXIT_OUTPUT_ERROR } from './exit-status.ts';

/** firmware/ and images/ sit beside dist/ (the bundle) and beside cli/ (the sources). */
export function builtinFile(...parts: string[]): string {
  return path.join(path.dirname(fileURLToPath(import.meta.url)), '..', ...parts);
}

/** The files every run needs, and a swap file made and removed, so that a missing one is one line now rather than an error in every row. */
function checkMachine(swapBytes: number): { rom: Uint8Array; programDisk: string } {
  let rom: Uint8Array;
  try {
    rom = readInputFile(builtinFile('firmware', 'bios.bin'), 'a ROM image', { bytes: 0x20000, tooLarge: (size) => `${size} bytes; a ROM image must be 64 or 128 KiB` });
  } catch (e) {
    throw new BadInput(`the built-in BIOS: ${(e as Error).message}`);
  }
  const programDisk = builtinFile('images', 'programs.img');
  try {
    openDiskFile(programDisk, { write: false }).close?.();
  } catch (e) {
    throw new BadInput(`the program disk: ${(e as Error).message}`);
  }
  try {
    createTempSwapFile(swapBytes).close();
  } catch (e) {
    throw new BadInput((e as Error).message);
  }
  return { rom, programDisk };
}

/** The worker's module: the bundle's dist/NAME.mjs, or the source beside this file. */
export function workerUrl(name: string): URL {
  return new URL(import.meta.url.endsWith('.ts') ? `./${name}.ts` : `./${name}.mjs`, import.meta.url);
}

/** What a worker is sent, and what it answers: an outcome, or the error that ended its run. */
export interface PoolJobMessage<J> { index: number; job: J }
export type PoolResultMessage<O> = { index: number; outcome: O } | { index: number; error: string };

/**
 * The worker side (compare-worker.ts, thrash-worker.ts, fits-worker.ts): runs each job the main
 * thread sends and answers with its outcome, or with the error a bug threw, as text; `transfer`
 * names buffers of an outcome to move rather than copy. `name` is the worker's, for the error when
 * it is run other than as a worker thread of `command`.
 */
export function serveJobs<J, O>(name: string, command: string, run: (job: J) => O, transfer: (outcome: O) => ArrayBuffer[] = () => []): void {
  const port = parentPort;
  if (port === null) throw new Error(`${name} runs as a worker thread of ${command}`);
  port.on('message', ({ index, job }: PoolJobMessage<J>) => {
    let answer: PoolResultMessage<O>;
    try {
      answer = { index, outcome: run(job) };
    } catch (e) {
      answer = { index, error: e instanceof Error ? e.stack ?? e.message : String(e) };
    }
    port.postMessage(answer, 'outcome' in answer ? transfer(answer.outcome) : []);
  });
}

/** An outcome that says the kernel refused the run as every run would be refused: bad input. */
export interface Refusal { kind: 'refused'; line: string }

/** The command's own worker threads (CliIO's `workers` when a caller gives none): new ones, ended with it. */
const ownWorkers: WorkerSupply = {
  take: (name) => new Worker(workerUrl(name)),
  giveBack: async (worker) => { await worker.terminate(); },
};

/**
 * Runs the jobs on up to `threads` threads of the worker `name` (a module answering PoolJobMessage
 * with PoolResultMessage; from io's `workers`, else new threads); `onDone` after each. Resolves with
 * the outcomes in the jobs' order, or with the first refusal (every run would be refused alike: the
 * rest are not waited for). A worker that fails is a bug: the promise rejects, naming the run by
 * `describe`.
 */
export async function runPool<J, O extends { kind: string }>(
  command: string, io: CliIO, name: string, jobs: readonly J[], threads: number, onDone: () => void, describe: (job: J) => string,
): Promise<Exclude<O, Refusal>[] | { refused: string; job: J }> {
  const supply = io.workers ?? ownWorkers;
  const outcomes = new Array<O | undefined>(jobs.length);
  /** The threads taken, each with what takes the command's listeners off it: its end's at once, the others once it is handed back. */
  const workers: { w: Worker; onExit: (code: number) => void; detach: () => void }[] = [];
  /** The threads with a job not yet answered, or that have ended: not idle. */
  const busy = new Set<Worker>();
  let next = 0;
  try {
    return await new Promise((resolve, reject) => {
      let left = jobs.length;
      const give = (w: Worker): void => {
        if (next >= jobs.length) return;
        const message: PoolJobMessage<J> = { index: next, job: jobs[next]! };
        next++;
        busy.add(w);
        w.postMessage(message);
      };
      for (let i = 0; i < Math.min(threads, jobs.length); i++) {
        const w = supply.take(name);
        const onMessage = (m: PoolResultMessage<O>): void => {
          busy.delete(w);
          const job = jobs[m.index]!;
          if ('error' in m) {
            reject(new Error(`${describe(job)}: ${m.error}`));
            return;
          }
          if (m.outcome.kind === 'refused') {
            resolve({ refused: (m.outcome as unknown as Refusal).line, job });
            return;
          }
          outcomes[m.index] = m.outcome;
          onDone();
          if (--left === 0) resolve(outcomes as Exclude<O, Refusal>[]);
          else give(w);
        };
        const onError = (e: Error): void => {
          busy.add(w);
          reject(e);
        };
        const onExit = (code: number): void => {
          busy.add(w);
          if (left > 0) reject(new Error(`a worker thread of ts386 ${command} ended (exit code ${code}) with ${left} runs left`));
        };
        w.on('message', onMessage);
        w.on('error', onError);
        w.on('exit', onExit);
        workers.push({ w, onExit, detach: () => { w.off('message', onMessage).off('error', onError); } });
        give(w);
      }
    });
  } finally {
    await Promise.all(workers.map(async ({ w, onExit, detach }) => {
      w.off('exit', onExit);
      await supply.giveBack(w, !busy.has(w));
      detach();
    }));
  }
}

/** Writes `text` to stdout; false when its reader went away (`ts386 compare ... | head`). */
export function writeStdout(io: CliIO, text: string): Promise<boolean> {
  return new Promise((resolve) => {
    io.stdout.once('error', () => resolve(false));
    io.stdout.write(text, (e) => resolve(e === null || e === undefined));
  });
}

/**
 * The start of a command that boots many times: its options parsed by `parse` and the machine's
 * files looked at; or the status to end with (--help printed, or bad input said in one line).
 */
export function startCommand<O extends { swapBytes: number }>(io: CliIO, command: string, argv: string[], parse: (argv: string[]) => O | 'help', help: string): { opts: O; machine: { rom: Uint8Array; programDisk: string } } | number {
  io.stderr.on('error', () => {});
  const parsed = orBadInput(io, command, () => {
    const opts = parse(argv);
    return opts === 'help' ? opts : { opts, machine: checkMachine(opts.swapBytes) };
  });
  if ('status' in parsed) return parsed.status;
  if (parsed.value === 'help') {
    io.stdout.write(help);
    return 0;
  }
  return parsed.value;
}

/** Runs `f`; a BadInput it throws becomes the command's one line on stderr and status 2. */
function orBadInput<T>(io: CliIO, command: string, f: () => T): { value: T } | { status: number } {
  try {
    return { value: f() };
  } catch (e) {
    if (!(e instanceof BadInput)) throw e;
    io.stderr.write(`ts386 ${command}: ${e.message}\n`);
    return { status: EXIT_BAD_INPUT };
  }
}

/** Runs `f` with a progress bar of `total` runs on stderr when it is a terminal; `f` calls its argument as each run ends. */
export async function withProgress<T>(io: CliIO, command: string, total: number, f: (step: () => void) => Promise<T>): Promise<T> {
  const bar = io.stderrIsTTY
    ? new SingleBar({ format: `ts386 ${command} |{bar}| {value}/{total} runs, {duration_formatted}`, clearOnComplete: true, hideCursor: true, stream: io.stderr })
    : null;
  bar?.start(total, 0);
  try {
    return await f(() => bar?.increment());
  } finally {
    bar?.stop();
  }
}

/** Writes `text` to `file` (--svg); null, or the status after one line on stderr saying why it could not. */
export function writeOutput(io: CliIO, command: string, option: string, file: string, text: string): number | null {
  try {
    const out = OutputFile.open(file);
    try {
      out.write(text);
    } finally {
      out.close();
    }
    return null;
  } catch (e) {
    io.stderr.write(`ts386 ${command}: --${option} ${file}: ${(e as Error).message.split('\n')[0]}\n`);
    return EXIT_OUTPUT_ERROR;
  }
}

/** A plot's title, cut to fit. */
export const plotTitle = (title: string): string => (title.length > 90 ? `${title.slice(0, 89)}…` : title);
