// Where a run's output goes, and how a failing output ends the run.
//
// COM1 and the debug console write to stdout, a file or nowhere (--serial/--debugcon MODE); the
// trace to stderr or a file (--trace-file); the reference trace to a file (--trace-refs). Files are OutputFiles (emulator/host/output-file.ts:
// what kinds of file may be written). Bytes for stdout are gathered and written once per slice of
// emulation, since a write per byte is slow, and the run waits for a slow reader to take them
// (drained()) rather than hold ever more of them in memory.
//
// The first write that fails is kept as `failure`, and every later byte is dropped: the devices
// that produce output are in the middle of an instruction, so nothing is thrown at them; the run
// loop looks at `failure` after each slice and ends the run. main.ts then says which output failed
// and why in one line (a full disk), or ends quietly when the reader went away (EPIPE: `ts386 |
// head`), as other tools in a pipeline do.

import type { Writable } from 'node:stream';
import { OutputFile } from '../emulator/index.ts';
import type { DescriptorOutput } from './cli-io.ts';

export interface OutputFailure {
  /** The output as the user named it: "--serial file:/dev/full", "stdout". */
  output: string;
  error: NodeJS.ErrnoException;
}

/** A byte sink for a device (COM1, the debug console). */
export interface Sink {
  write: (byte: number) => void;
  close: () => void;
}

export class Outputs {
  failure: OutputFailure | null = null;
  private readonly stdout: Writable;
  private readonly stdoutBytes: number[] = [];
  private readonly files: { file: DescriptorOutput; output: string }[] = [];
  /** Standard error as a descriptor, for the trace without --trace-file. */
  private readonly stderr: () => DescriptorOutput;

  constructor(stdout: Writable = process.stdout, stderr: () => DescriptorOutput = () => OutputFile.onDescriptor(2, 'stderr')) {
    this.stdout = stdout;
    this.stderr = stderr;
    // Node reports a failed write to a pipe or a file on stdout as an 'error' event, some time
    // after the write; unheard, it would end the process with a stack trace.
    stdout.on('error', (e: Error) => this.fail('stdout', e));
  }

  /** Keeps the first failure; later ones follow from it (a stream that failed is destroyed). */
  fail(output: string, e: unknown): void {
    this.failure ??= { output, error: e as NodeJS.ErrnoException };
  }

  /** Whether the run ended because the reader of an output went away (EPIPE), which is no error. */
  get readerGone(): boolean {
    return this.failure?.error.code === 'EPIPE';
  }

  /**
   * The sink for --serial/--debugcon MODE (stdio, file:PATH or none). Throws an Error with a
   * one-line message, for the option's name to go before, when the mode is none of these or the
   * file cannot be an output.
   */
  sink(mode: string, option: string): Sink {
    if (mode === 'none') return { write: () => {}, close: () => {} };
    if (mode === 'stdio') {
      return {
        write: (b) => { if (this.failure === null) this.stdoutBytes.push(b); },
        close: () => {},
      };
    }
    if (mode.startsWith('file:') && mode.length > 5) {
      const write = this.file(OutputFile.open(mode.slice(5)), `${option} ${mode}`);
      const byte = new Uint8Array(1);
      // The file is closed by closeFiles() once the run is over.
      return { write: (b) => { byte[0] = b; write(byte); }, close: () => {} };
    }
    throw new Error('expected stdio, file:PATH or none');
  }

  /** The trace's lines: to `path`, or to stderr without one. Throws like sink(). */
  trace(path: string | null): (line: string) => void {
    const write = path !== null
      ? this.file(OutputFile.open(path), `--trace-file ${path}`)
      : this.file(this.stderr(), 'stderr (the trace)');
    return (line) => write(`${line}\n`);
  }

  /** The reference trace's bytes (--trace-refs PATH), written as they come. Throws like sink(). */
  refs(path: string): (bytes: Uint8Array) => void {
    return this.file(OutputFile.open(path), `--trace-refs ${path}`);
  }

  /** Writes what the devices sent to stdout since the last flush. */
  flushStdout(): void {
    if (this.stdoutBytes.length === 0) return;
    const bytes = Uint8Array.from(this.stdoutBytes);
    this.stdoutBytes.length = 0;
    if (this.failure === null) this.stdout.write(bytes);
  }

  /**
   * Resolves once stdout has written all it was given, or has failed: a pipe's reader may be
   * slower than the guest, and may go away (which shows as an 'error' event, here or later).
   */
  drained(): Promise<void> {
    return new Promise((resolve) => {
      if (this.failure !== null || this.stdout.writableLength === 0) {
        // Even a write done at once (a file, a device) tells of its failure in an 'error' event a
        // tick later: an event-loop turn lets it arrive.
        setImmediate(resolve);
        return;
      }
      const done = (): void => {
        this.stdout.off('drain', done);
        this.stdout.off('error', done);
        this.stdout.off('close', done);
        resolve();
      };
      this.stdout.on('drain', done);
      this.stdout.on('error', done);
      this.stdout.on('close', done);
    });
  }

  /** Closes the files; a failure to close is a failure to write (some file systems report late). */
  closeFiles(): void {
    for (const { file, output } of this.files.splice(0)) {
      try {
        file.close();
      } catch (e) {
        this.fail(output, e);
      }
    }
  }

  /** `file`'s write, guarded: the first failure is kept, and later writes are dropped. */
  private file(file: DescriptorOutput, output: string): (data: Uint8Array | string) => void {
    this.files.push({ file, output });
    return (data) => {
      if (this.failure !== null) return;
      try {
        file.write(data);
      } catch (e) {
        this.fail(output, e);
      }
    };
  }
}
