// emulator/host/input-file.ts, how --bios and --kernel are read: looked at first, then read whole
// through a descriptor that is looked at again. node:fs is wrapped so that a test can make the
// first look see a regular file where there is none (a file swapped between look and open).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import type * as FsModule from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readInputFile } from '../../../emulator/host/input-file.ts';

vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof FsModule>();
  return { ...real, statSync: vi.fn(real.statSync) };
});

let dir = '';
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(tmpdir(), 'ts386-input-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const limit = { bytes: 16, tooLarge: (size: number) => `${size} bytes is more than 16` };

describe('readInputFile', () => {
  it('reads a regular file whole', () => {
    const file = path.join(dir, 'rom.bin');
    fs.writeFileSync(file, Uint8Array.of(1, 2, 3));
    expect(readInputFile(file, 'a ROM image', limit)).toEqual(Uint8Array.of(1, 2, 3));
  });

  it('refuses a file over the limit with the caller\'s words, which name it', () => {
    const file = path.join(dir, 'big.bin');
    fs.writeFileSync(file, new Uint8Array(17));
    expect(() => readInputFile(file, 'a ROM image', limit)).toThrow(new Error(`${file}: 17 bytes is more than 16`));
  });

  it('says what is missing', () => {
    const file = path.join(dir, 'missing.bin');
    expect(() => readInputFile(file, 'a ROM image', limit)).toThrow(new Error(`${file}: no such file`));
  });

  it('opens without waiting and refuses a FIFO that took the file\'s place after the look', () => {
    const fifo = path.join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    // The look sees a regular file; the open (O_NONBLOCK) must not wait for a writer that never comes.
    vi.mocked(fs.statSync).mockReturnValueOnce({ isFile: () => true, isDirectory: () => false, size: 3 } as fs.Stats);
    expect(() => readInputFile(fifo, 'a kernel file', limit)).toThrow(new Error(`${fifo}: is not a regular file`));
  });
});
