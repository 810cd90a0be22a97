// cli/outputs.ts: the run's outputs keep their first failure and drop what comes after it, tell a
// reader that went away (EPIPE) from a failed write, and make the run wait for a slow stdout.
// stdout is a stand-in stream here, so each case is one event, in order, with no process.
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import type * as FsModule from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { Outputs } from '../../../cli/outputs.ts';

vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof FsModule>();
  return { ...real, writeSync: vi.fn(real.writeSync) };
});

/** A stdout that keeps what it is given and has `writableLength` bytes still on their way. */
class FakeStdout extends EventEmitter {
  writableLength = 0;
  written: Uint8Array[] = [];
  write(bytes: Uint8Array): boolean {
    this.written.push(bytes);
    return true;
  }
}

function outputsOn(stdout = new FakeStdout()): { outputs: Outputs; stdout: FakeStdout } {
  return { outputs: new Outputs(stdout as unknown as NodeJS.WriteStream), stdout };
}

const errno = (code: string, message: string): NodeJS.ErrnoException => Object.assign(new Error(message), { code, syscall: 'write' });

describe('Outputs', () => {
  it('writes the stdio sink\'s bytes to stdout once per flush', () => {
    const { outputs, stdout } = outputsOn();
    const sink = outputs.sink('stdio', '--serial');
    for (const b of [0x68, 0x69]) sink.write(b);
    expect(stdout.written).toEqual([]);
    outputs.flushStdout();
    expect(stdout.written).toEqual([Uint8Array.of(0x68, 0x69)]);
  });

  it('keeps a failure of stdout told in an error event, and writes nothing to it after', () => {
    const { outputs, stdout } = outputsOn();
    const sink = outputs.sink('stdio', '--serial');
    stdout.emit('error', errno('ENOSPC', 'ENOSPC: no space left on device, write'));
    expect(outputs.failure).toMatchObject({ output: 'stdout', error: { code: 'ENOSPC' } });
    expect(outputs.readerGone).toBe(false);
    sink.write(0x41);
    outputs.flushStdout();
    expect(stdout.written).toEqual([]);
  });

  it('tells a reader that went away (EPIPE) from a failed write', () => {
    const { outputs, stdout } = outputsOn();
    stdout.emit('error', errno('EPIPE', 'write EPIPE'));
    expect(outputs.readerGone).toBe(true);
  });

  it('keeps the first failure: later ones follow from it', () => {
    const { outputs, stdout } = outputsOn();
    stdout.emit('error', errno('EPIPE', 'write EPIPE'));
    stdout.emit('error', errno('ERR_STREAM_DESTROYED', 'Cannot call write after a stream was destroyed'));
    expect(outputs.failure?.error.code).toBe('EPIPE');
  });

  it.skipIf(!fs.existsSync('/dev/full'))('keeps a file sink\'s failed write, naming the option, and tries no more writes', () => {
    const { outputs } = outputsOn();
    const sink = outputs.sink('file:/dev/full', '--serial');
    vi.mocked(fs.writeSync).mockClear();
    sink.write(0x41);
    expect(outputs.failure).toMatchObject({ output: '--serial file:/dev/full', error: { code: 'ENOSPC' } });
    sink.write(0x42);
    sink.write(0x43);
    expect(fs.writeSync).toHaveBeenCalledTimes(1);
    outputs.closeFiles();
  });

  it('refuses a mode it does not know, in words for the option to go before', () => {
    const { outputs } = outputsOn();
    expect(() => outputs.sink('pty', '--debugcon')).toThrow(new Error('expected stdio, file:PATH or none'));
  });

  it('waits for a slow stdout to drain, and for no longer than until it fails', async () => {
    const { outputs, stdout } = outputsOn();
    stdout.writableLength = 100;
    let drained = false;
    const slow = outputs.drained().then(() => { drained = true; });
    await new Promise((resolve) => setImmediate(resolve));
    expect(drained).toBe(false);
    stdout.writableLength = 0;
    stdout.emit('drain');
    await slow;
    expect(drained).toBe(true);

    stdout.writableLength = 100;
    const gone = outputs.drained();
    stdout.emit('error', errno('EPIPE', 'write EPIPE'));
    await gone;
    expect(outputs.readerGone).toBe(true);
  });

  it('gives an error event of a write done at once a turn to arrive before drained() resolves', async () => {
    const { outputs, stdout } = outputsOn();
    const settled = outputs.drained();
    // Node emits a synchronous write's error on the next tick, after the caller's own await.
    process.nextTick(() => stdout.emit('error', errno('ENOSPC', 'ENOSPC: no space left on device, write')));
    await settled;
    expect(outputs.failure?.error.code).toBe('ENOSPC');
  });
});
