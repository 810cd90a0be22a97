// The `ts386` command end to end, as a child process (the bundle scripts/build.mjs makes).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const root = new URL('../../..', import.meta.url).pathname;
const bin = path.join(root, 'dist/ts386.mjs');

function ts386(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
});

describe('ts386 command', () => {
  it('boots the demo guest, which prints from real and protected mode and exits 0', () => {
    const r = ts386();
    expect(r.stdout).toContain('hello from real mode');
    expect(r.stdout).toContain('now in 32-bit protected mode');
    expect(r.stdout).toContain('primes below 10000: 1229');
    expect(r.stderr).toMatch(/^ts386: guest exited with status 0 after \d+ cycles, \d+ instructions, [\d.]+ s emulated, [\d.]+ MIPS\n$/);
    expect(r.status).toBe(0);
  });

  it('is deterministic: two runs take the same number of cycles', () => {
    const cycles = (s: string): string => /after (\d+ cycles, \d+ instructions)/.exec(s)?.[1] ?? 'none';
    expect(cycles(ts386().stderr)).toBe(cycles(ts386().stderr));
  });

  it('stops at --max-cycles with status 4', () => {
    const r = ts386('--max-cycles', '1000');
    expect(r.stderr).toMatch(/stopped at --max-cycles after 10\d\d cycles/);
    expect(r.status).toBe(4);
  });

  it.each([
    [['--bogus'], /Unknown option '--bogus'/],
    [['--mem', '12X'], /--mem 12X: expected a size/],
    [['--mem', '100K'], /between 1 MiB and 3 GiB/],
    [['--cpu', '286'], /--cpu 286: expected 386 or 486/],
    [['--bios', '/nonexistent/rom.bin'], /--bios \/nonexistent\/rom\.bin: no such file/],
    [['--max-cycles=-5'], /--max-cycles -5: expected a positive whole number/],
    [['--max-cycles', 'lots'], /--max-cycles lots: expected a positive whole number/],
  ])('rejects %j with one line and status 2', (args, message) => {
    const r = ts386(...args);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.status).toBe(2);
  });

  it('rejects a ROM that is not 64 or 128 KiB', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'ts386-')), 'small.rom');
    writeFileSync(file, new Uint8Array(1000));
    const r = ts386('--bios', file);
    expect(r.stderr).toMatch(/1000 bytes; a ROM image must be 64 or 128 KiB/);
    expect(r.status).toBe(2);
  });

  it('prints help listing every option', () => {
    const r = ts386('--help');
    for (const o of ['--mem', '--cpu', '--bios', '--disk', '--write', '--kernel', '--append', '--serial', '--debugcon', '--max-cycles', '--clock']) {
      expect(r.stdout).toContain(o);
    }
    expect(r.status).toBe(0);
  });

  it('rejects a disk image that is not a whole number of sectors, naming the file and its size', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'ts386-')), 'odd.img');
    writeFileSync(file, new Uint8Array(1000));
    const r = ts386('--disk', file);
    expect(r.stderr).toMatch(/odd\.img: 1000 bytes is not a whole number of 512-byte sectors/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.status).toBe(2);
  });

  it.each([
    [['--disk', '/nonexistent/disk.img'], /\/nonexistent\/disk\.img/],
    [['--write'], /--write without --disk/],
    [['--append', 'x'], /--append needs --kernel/],
    [['--serial', 'tcp:1234'], /--serial tcp:1234: expected stdio, file:PATH or none/],
    [['--kernel', '/nonexistent/k.elf'], /--kernel \/nonexistent\/k\.elf: no such file/],
  ])('rejects %j with one line and status 2', (args, message) => {
    const r = ts386(...args);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.status).toBe(2);
  });

  it('rejects a --kernel file without a Multiboot header', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'ts386-')), 'plain.bin');
    writeFileSync(file, new Uint8Array(8192));
    const r = ts386('--kernel', file);
    expect(r.stderr).toMatch(/^ts386: --kernel plain\.bin: no Multiboot header/);
    expect(r.status).toBe(2);
  });

  it('runs a Multiboot kernel with its command line and returns its exit status', () => {
    const r = ts386('--kernel', path.join(root, 'test/unit/multiboot/kernel.elf'), '--append', 'hello', '--debugcon', 'stdio', '--mem', '8M');
    expect(r.stdout).toBe('hello');
    expect(r.status).toBe(7); // the test kernel exits with mem_upper in MiB
  });

  it('sends COM1 to a file with --serial file:PATH and nothing to stdout', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'ts386-')), 'com1.txt');
    const r = ts386('--serial', `file:${file}`);
    expect(r.stdout).toBe('');
    expect(readFileSync(file, 'utf8')).toContain('primes below 10000: 1229');
    expect(r.status).toBe(0);
  });
});
