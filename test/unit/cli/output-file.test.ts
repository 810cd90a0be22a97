// emulator/host/output-file.ts, the files COM1, the debug console and the trace are written to:
// which kinds of file it opens, and how it writes. node:fs is wrapped so that a test can make one
// call answer as another file or a busy descriptor would (a block device is not something to
// write to in a test, nor is a full terminal easy to come by).
import * as fs from 'node:fs';
import type * as FsModule from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { OutputFile } from '../../../emulator/host/output-file.ts';

vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof FsModule>();
  return { ...real, statSync: vi.fn(real.statSync), fstatSync: vi.fn(real.fstatSync), openSync: vi.fn(real.openSync), writeSync: vi.fn(real.writeSync) };
});

let dir = '';
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(tmpdir(), 'ts386-output-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  vi.mocked(fs.writeSync).mockClear();
});

/** Stats that say the file is of one kind. */
function statsOf(kind: 'file' | 'blockDevice' | 'fifo' | 'socket'): fs.Stats {
  return {
    isFile: () => kind === 'file', isDirectory: () => false, isCharacterDevice: () => false,
    isBlockDevice: () => kind === 'blockDevice', isFIFO: () => kind === 'fifo', isSocket: () => kind === 'socket',
  } as fs.Stats;
}

const refusal = (file: string, kind: string): Error =>
  new Error(`cannot write to ${file}: it is ${kind}; an output must be a regular file or a character device such as /dev/null`);

describe('OutputFile.open', () => {
  it('refuses a block device without opening it: a log written over a disk would destroy it', () => {
    const file = path.join(dir, 'disk');
    fs.writeFileSync(file, 'the disk');
    vi.mocked(fs.statSync).mockReturnValueOnce(statsOf('blockDevice'));
    vi.mocked(fs.openSync).mockClear();
    expect(() => OutputFile.open(file)).toThrow(refusal(file, 'a block device'));
    expect(fs.openSync).not.toHaveBeenCalled();
    expect(fs.readFileSync(file, 'utf8')).toBe('the disk');
  });

  it('refuses a socket', () => {
    const file = path.join(dir, 'socket');
    vi.mocked(fs.statSync).mockReturnValueOnce(statsOf('socket'));
    expect(() => OutputFile.open(file)).toThrow(refusal(file, 'a socket'));
  });

  it('looks again at what it opened: a FIFO put in the file\'s place is refused, and closed', () => {
    const file = path.join(dir, 'swapped.txt');
    vi.mocked(fs.fstatSync).mockReturnValueOnce(statsOf('fifo'));
    const close = vi.spyOn(fs, 'closeSync');
    expect(() => OutputFile.open(file)).toThrow(refusal(file, 'a FIFO (named pipe)'));
    expect(close).toHaveBeenCalledTimes(1);
    close.mockRestore();
  });

  it('truncates a regular file and takes a character device (/dev/null)', () => {
    const file = path.join(dir, 'old.txt');
    fs.writeFileSync(file, 'old contents');
    const out = OutputFile.open(file);
    out.write('new');
    out.close();
    expect(fs.readFileSync(file, 'utf8')).toBe('new');
    const nul = OutputFile.open('/dev/null');
    nul.write('gone');
    nul.close();
  });
});

describe('OutputFile.write', () => {
  it('waits out EAGAIN (a non-blocking descriptor whose reader is slow) and writes everything', () => {
    const file = path.join(dir, 'again.txt');
    const out = OutputFile.open(file);
    vi.mocked(fs.writeSync).mockImplementationOnce(() => {
      throw Object.assign(new Error('EAGAIN: resource temporarily unavailable, write'), { code: 'EAGAIN', syscall: 'write' });
    });
    out.write('every byte\n');
    out.close();
    expect(fs.readFileSync(file, 'utf8')).toBe('every byte\n');
    expect(fs.writeSync).toHaveBeenCalledTimes(2);
  });

  it('goes on after a short write', async () => {
    const file = path.join(dir, 'short.txt');
    const out = OutputFile.open(file);
    const realFs = await vi.importActual<typeof FsModule>('node:fs');
    vi.mocked(fs.writeSync).mockImplementationOnce(((fd: number, bytes: Uint8Array, offset: number) => realFs.writeSync(fd, bytes, offset, 3)) as typeof fs.writeSync);
    out.write('abcdefgh');
    out.close();
    expect(fs.readFileSync(file, 'utf8')).toBe('abcdefgh');
  });

  it.skipIf(!fs.existsSync('/dev/full'))('throws any other error, with its code, for the caller to report (/dev/full: ENOSPC)', () => {
    const out = OutputFile.open('/dev/full');
    expect(() => out.write('x')).toThrow(expect.objectContaining({ code: 'ENOSPC' }));
    out.close();
  });
});

describe('OutputFile.onDescriptor', () => {
  it('leaves a descriptor it did not open open when closed', () => {
    const fd = fs.openSync(path.join(dir, 'fd.txt'), 'w');
    OutputFile.onDescriptor(fd, 'fd.txt').close();
    expect(() => fs.fstatSync(fd)).not.toThrow();
    fs.closeSync(fd);
  });
});
