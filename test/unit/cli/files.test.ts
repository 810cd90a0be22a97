// The files `ts386` reads and writes, as a child process (the bundle scripts/build.mjs makes):
// inputs that are not regular files or are too large are refused before they are read (a FIFO
// would wait for ever, /dev/zero fill memory), outputs that could block or do harm are refused
// before they are opened, and a failing output ends the run with one line (a full disk) or
// quietly (a reader that went away, as in `ts386 | head`).
//
// Runs are in this process (test/harness/cli.ts) but where the point is the process's own
// descriptors (/dev/full as stdout or stderr, /dev/stdin, a reader that goes away), or a regression
// would wedge or flood the process (reading a FIFO or /dev/zero): those run it as a child process.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bin, runTs386, spawnTs386 as ts386Process } from '../../harness/cli.ts';

const root = new URL('../../..', import.meta.url).pathname;
const multibootKernel = path.join(root, 'test/unit/multiboot/kernel.elf');
const hasFull = existsSync('/dev/full');

let dir = '';
let fifo = '';
/** A boot sector that writes 'x' to the debug console (port E9h) for ever: output without end. */
let e9Loop = '';

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ts386-files-'));
  fifo = path.join(dir, 'fifo');
  spawnSync('mkfifo', [fifo]);
  const sector = new Uint8Array(512);
  sector.set([0xb0, 0x78, 0xba, 0xe9, 0x00, 0xee, 0xeb, 0xfd]); // mov al,'x'; mov dx,0xe9; l: out dx,al; jmp l
  sector[510] = 0x55;
  sector[511] = 0xaa;
  e9Loop = path.join(dir, 'e9loop.img');
  writeFileSync(e9Loop, sector);
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Runs ts386 in this process, stdin a pipe with `input` in it. */
const ts386 = (args: string[], input = '') => runTs386(args, input);

function expectOneLine(r: { status: number | null; stderr: string }, message: RegExp, status: number): void {
  expect(r.stderr).toMatch(message);
  expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
  expect(r.status).toBe(status);
}

describe('input files (--bios, --kernel)', () => {
  it.each([
    ['--bios', '/dev/zero'],
    ['--kernel', '/dev/zero'],
  ])('refuses %s %s unread (it would fill memory): not a regular file, status 2', (option, file) => {
    expectOneLine(ts386Process([option, file]), new RegExp(`^ts386: ${option} /dev/zero: is not a regular file\\n$`), 2);
  });

  it.each([['--bios'], ['--kernel']])('refuses %s FIFO without opening it (which would wait for a writer)', (option) => {
    expectOneLine(ts386Process([option, fifo]), new RegExp(`^ts386: ${option} ${fifo}: is not a regular file\\n$`), 2);
  });

  it('refuses --kernel /dev/stdin when standard input is a pipe', () => {
    expectOneLine(ts386Process(['--kernel', '/dev/stdin'], { input: 'not a kernel' }), /^ts386: --kernel \/dev\/stdin: is not a regular file\n$/, 2);
  });

  it.each([
    ['--bios', 'a ROM image'],
    ['--kernel', 'a kernel file'],
  ])('refuses a directory for %s', async (option, noun) => {
    expectOneLine(await ts386([option, dir]), new RegExp(`^ts386: ${option} ${dir}: is a directory, not ${noun}\\n$`), 2);
  });

  it('refuses a ROM larger than the 128 KiB the machine maps, unread, naming the limit', async () => {
    const big = path.join(dir, 'big.rom');
    writeFileSync(big, '');
    truncateSync(big, 64 * 1024 * 1024); // sparse: costs no disk
    expectOneLine(await ts386(['--bios', big]), /--bios .*big\.rom: 67108864 bytes is more than the 128 KiB of firmware the machine can map; a ROM image must be 64 or 128 KiB/, 2);
  });

  it('refuses a kernel larger than the RAM, naming the RAM size and --mem', async () => {
    const big = path.join(dir, 'big.elf');
    writeFileSync(big, '');
    truncateSync(big, 5 * 1024 * 1024);
    expectOneLine(await ts386(['--kernel', big, '--mem', '4M']), /--kernel .*big\.elf: 5242880 bytes is more than the machine's 4 MiB of RAM \(--mem\)/, 2);
  });

  it('still reads a kernel as large as the RAM allows', async () => {
    const r = await ts386(['--kernel', multibootKernel, '--append', 'ok', '--debugcon', 'stdio', '--mem', '8M']);
    expect(r.stdout).toBe('ok');
    expect(r.status).toBe(7);
  });
});

describe('output files (--serial file:, --debugcon file:, --trace-file)', () => {
  const outputs: [string, (file: string) => string[]][] = [
    ['--serial file:', (file) => ['--serial', `file:${file}`]],
    ['--debugcon file:', (file) => ['--debugcon', `file:${file}`]],
    ['--trace-file', (file) => ['--trace', 'int', '--trace-file', file]],
  ];

  it.each(outputs)('%s refuses a FIFO without opening it (which would wait for a reader)', (_name, args) => {
    expectOneLine(ts386Process(args(fifo)), new RegExp(`cannot write to ${fifo}: it is a FIFO \\(named pipe\\); an output must be a regular file or a character device such as /dev/null`), 2);
  });

  it.each(outputs)('%s refuses a directory', async (_name, args) => {
    const sub = path.join(dir, 'a-directory');
    mkdirSync(sub, { recursive: true });
    expectOneLine(await ts386(args(sub)), /cannot write to .*a-directory: it is a directory;/, 2);
  });

  it.each(outputs)('%s takes /dev/null, a character device that throws output away', async (_name, args) => {
    const r = await ts386([...args('/dev/null'), '--max-cycles', '3000000']);
    expect(r.stderr).toMatch(/^ts386: stopped at --max-cycles after/);
    expect(r.status).toBe(4);
  });

  it.each(outputs)('%s creates a file that does not exist yet', async (name, args) => {
    const file = path.join(dir, `new-${name.replace(/\W/g, '')}.txt`);
    const r = await ts386([...args(file), '--max-cycles', '3000000']);
    expect(r.status).toBe(4);
    expect(existsSync(file)).toBe(true);
  });

  it('--help says which files an output may be, and the statuses of a failed output', async () => {
    const r = await ts386(['--help']);
    expect(r.stdout).toMatch(/a regular file, created or truncated, or a character device such as\s+\/dev\/null/);
    expect(r.stdout).toMatch(/74 an output could not be written/);
    expect(r.stdout).toMatch(/141 \(128 \+ SIGPIPE\), with nothing printed, when the reader/);
  });
});

describe.skipIf(!hasFull)('a failing output (/dev/full: every write is ENOSPC, as on a full disk)', () => {
  it('--serial file:/dev/full: one line naming the output and the error, status 74', () => {
    const r = ts386Process(['--serial', 'file:/dev/full'], { input: 'run hello\n' });
    expectOneLine(r, /^ts386: --serial file:\/dev\/full: write failed \(ENOSPC: no space left on device\); stopped after \d+ cycles/, 74);
  });

  it('--debugcon file:/dev/full: status 74', () => {
    const r = ts386Process(['--disk', e9Loop, '--no-kernel', '--serial', 'none', '--debugcon', 'file:/dev/full', '--max-cycles', '3000000']);
    expectOneLine(r, /^ts386: --debugcon file:\/dev\/full: write failed \(ENOSPC: no space left on device\); stopped after/, 74);
  });

  it('--trace-file /dev/full: status 74', () => {
    const r = ts386Process(['--trace', 'int', '--trace-file', '/dev/full', '--max-cycles', '3000000']);
    expectOneLine(r, /^ts386: --trace-file \/dev\/full: write failed \(ENOSPC: no space left on device\); stopped after/, 74);
  });

  it('stdout on /dev/full: status 74', () => {
    const full = openSync('/dev/full', 'w');
    try {
      const r = ts386Process(['--max-cycles', '3000000'], { stdio: ['ignore', full, 'pipe'] });
      expectOneLine(r, /^ts386: stdout: write failed \(ENOSPC: no space left on device\); stopped after/, 74);
    } finally {
      closeSync(full);
    }
  });

  it('the trace on stderr, with stderr on /dev/full: status 74 (the line cannot be seen there)', () => {
    const full = openSync('/dev/full', 'w');
    try {
      const r = ts386Process(['--trace', 'int', '--max-cycles', '3000000'], { stdio: ['ignore', 'ignore', full] });
      expect(r.status).toBe(74);
    } finally {
      closeSync(full);
    }
  });
});

describe('a reader that goes away (EPIPE)', () => {
  /** The debug console's endless output on stdout until `maxCycles`: megabytes, far more than a pipe holds. */
  const endless = (maxCycles: number): string[] => ['--disk', e9Loop, '--no-kernel', '--serial', 'none', '--debugcon', 'stdio', '--max-cycles', String(maxCycles)];
  const shellWords = (args: string[]): string => [process.execPath, bin, ...args].map((a) => `"${a}"`).join(' ');

  it('ends the run quietly with 141 (128 + SIGPIPE) when stdout is closed after the first bytes', async () => {
    const child = spawn(process.execPath, [bin, ...endless(400_000_000)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.stdout.once('data', () => child.stdout.destroy());
    const status = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    expect(stderr).toBe('');
    expect(status).toBe(141);
  });

  it('as the first command of a shell pipeline: ts386 | head -c 20', () => {
    const command = `{ ${shellWords(endless(400_000_000))}; echo "status $?" >&2; } | head -c 20`;
    const r = spawnSync('sh', ['-c', command], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stdout).toBe('x'.repeat(20));
    expect(r.stderr).toBe('status 141\n');
  });

  it('ends quietly too when the reader of the trace on stderr goes away', () => {
    const command = `{ ${shellWords(['--trace', 'cpu', '--serial', 'none', '--max-cycles', '200000000'])} 2>&1 >/dev/null; echo "status $?" >&3; } 3>&2 | head -c 20 >/dev/null`;
    const r = spawnSync('sh', ['-c', command], { encoding: 'utf8', timeout: 60_000, input: '' });
    expect(r.stderr).toBe('status 141\n');
  });

  it('gives a reader that stays every byte, and the usual summary and status', () => {
    const r = spawnSync('sh', ['-c', `${shellWords(endless(40_000_000))} | wc -c`], { encoding: 'utf8', timeout: 60_000 });
    expect(Number(r.stdout.trim())).toBeGreaterThan(1_000_000);
    expect(r.stderr).toMatch(/^ts386: stopped at --max-cycles after \d+ cycles/);
  });
});
