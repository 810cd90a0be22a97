// `ts386 --swap FILE` and `--swap-size SIZE`, as a child process (the bundle scripts/build.mjs
// makes): the swap file is made, used at its own size or refused in one line with status 2, never
// the program disk, and a temporary one is gone after the run. Runs stop at a small --max-cycles
// (status 4), after the BIOS has found the disks and started the kernel. Runs are in this process
// (test/harness/cli.ts) but those with a TMPDIR of their own, and the refusals of /dev/zero and a
// FIFO (which a regression would read for ever): those run it as a child process.
import { spawnSync } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTs386, spawnTs386 } from '../../harness/cli.ts';

const root = new URL('../../..', import.meta.url).pathname;
const programDisk = path.join(root, 'images/programs.img');
const demoDisk = path.join(root, 'images/demo.img');
const MiB = 1024 * 1024;

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ts386-swap-test-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface Run { status: number | null; stdout: string; stderr: string }

/** Runs ts386 in this process for a few million cycles. */
const ts386 = (args: string[]): Promise<Run> => runTs386(['--max-cycles', '3000000', ...args]);

/** Runs ts386 as a child process for a few million cycles, in `env`; the timeout only keeps a regression (a hang) from stalling the suite. */
const ts386Process = (args: string[], env: NodeJS.ProcessEnv = process.env): Run => spawnTs386(['--max-cycles', '3000000', ...args], { env });

function expectRan(r: Run): void {
  expect(r.stderr).toMatch(/^ts386: stopped at --max-cycles after/);
  expect(r.status).toBe(4);
}

function expectOneLine(r: Run, message: RegExp): void {
  expect(r.stderr).toMatch(message);
  expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
  expect(r.status).toBe(2);
}

/** A file of `bytes` (sparse: it costs no disk). */
function fileOf(name: string, bytes: number): string {
  const file = path.join(dir, name);
  writeFileSync(file, '');
  truncateSync(file, bytes);
  return file;
}

describe('--swap FILE', () => {
  it('creates a missing FILE at the default 16 MiB', async () => {
    const file = path.join(dir, 'new-default.swap');
    expectRan(await ts386(['--swap', file]));
    expect(statSync(file).size).toBe(16 * MiB);
  });

  it.each([['64K', 64 * 1024], ['1M', MiB], ['256KiB', 256 * 1024]])('creates a missing FILE at --swap-size %s', async (size, bytes) => {
    const file = path.join(dir, `new-${size}.swap`);
    expectRan(await ts386(['--swap', file, '--swap-size', size]));
    expect(statSync(file).size).toBe(bytes);
  });

  it('uses an existing file of whole pages at its own size, with --swap-size alike or left out', async () => {
    const file = path.join(dir, 'existing.swap');
    writeFileSync(file, new Uint8Array(192 * 1024).fill(0x5a));
    expectRan(await ts386(['--swap', file]));
    expectRan(await ts386(['--swap', file, '--swap-size', '192K']));
    expect(statSync(file).size).toBe(192 * 1024);
    expect(readFileSync(file).every((b) => b === 0x5a)).toBe(true);
  });

  it('refuses --swap-size for an existing file of another size, leaving the file as it is', async () => {
    const file = fileOf('other-size.swap', MiB);
    expectOneLine(await ts386(['--swap', file, '--swap-size', '2M']), new RegExp(`^ts386: --swap ${file}: the file is 1048576 bytes, not the --swap-size 2097152; an existing swap file is used at its own size, never resized`));
    expect(statSync(file).size).toBe(MiB);
  });

  it.each([
    ['0 bytes', 0],
    ['not whole sectors', 5000],
    ['whole sectors but not whole pages', 64 * 1024 + 512],
    ['under 64 KiB', 60 * 1024],
    ['over 1 GiB', 1024 * MiB + 4096],
  ])('refuses an existing file of %s', async (_name, bytes) => {
    const file = fileOf(`bad-${bytes}.swap`, bytes);
    expectOneLine(await ts386(['--swap', file]), new RegExp(`^ts386: --swap ${file}: ${bytes} bytes; a swap file must be whole 4 KiB pages from 64 KiB to 1 GiB\\n$`));
    expect(statSync(file).size).toBe(bytes);
  });

  it.each(['60K', '2G', '100000', '16M1', 'lots'])('refuses --swap-size %s, creating nothing', async (size) => {
    const file = path.join(dir, 'never-made.swap');
    expectOneLine(await ts386(['--swap', file, '--swap-size', size]), new RegExp(`^ts386: --swap-size ${size}: expected a size such as 16M; a swap file must be whole 4 KiB pages from 64 KiB to 1 GiB\\n$`));
    expect(existsSync(file)).toBe(false);
  });

  it('refuses a file that is not a regular file, without opening it', async () => {
    expectOneLine(ts386Process(['--swap', '/dev/zero']), /^ts386: --swap \/dev\/zero: is not a regular file\n$/);
    const fifo = path.join(dir, 'fifo');
    spawnSync('mkfifo', [fifo]);
    expectOneLine(ts386Process(['--swap', fifo]), new RegExp(`^ts386: --swap ${fifo}: is not a regular file\\n$`));
    const sub = path.join(dir, 'a-directory');
    mkdirSync(sub, { recursive: true });
    expectOneLine(await ts386(['--swap', sub]), new RegExp(`^ts386: --swap ${sub}: is a directory, not a swap file\\n$`));
  });

  it('refuses a FILE it cannot create, and a link to nothing (it does not create through links)', async () => {
    expectOneLine(await ts386(['--swap', path.join(dir, 'no-such-dir', 'x.swap')]), /: cannot create it: no such directory as .*no-such-dir\n$/);
    const dangling = path.join(dir, 'dangling.swap');
    symlinkSync(path.join(dir, 'link-target.swap'), dangling);
    expectOneLine(await ts386(['--swap', dangling]), /: cannot create it: it is a symbolic link to a file that does not exist/);
    expect(existsSync(path.join(dir, 'link-target.swap'))).toBe(false);
  });

  it('removes the FILE it made when the run is refused after making it (a FIFO for --serial)', () => {
    const fifo = path.join(dir, 'serial-fifo');
    spawnSync('mkfifo', [fifo]);
    const file = path.join(dir, 'made-then-refused.swap');
    expectOneLine(ts386Process(['--swap', file, '--serial', `file:${fifo}`]), /^ts386: --serial file:.*: cannot write to .*: it is a FIFO/);
    expect(existsSync(file)).toBe(false);
  });
});

describe('the swap is never the program disk', () => {
  it('refuses images/programs.img, the default program disk, by name and through a link', async () => {
    expectOneLine(await ts386(['--swap', programDisk]), new RegExp(`^ts386: --swap ${programDisk}: is the same file as the program disk ${programDisk}; the swap is overwritten with the guest's pages, so it must be a file of its own\\n$`));
    const link = path.join(dir, 'programs-link.img');
    symlinkSync(programDisk, link);
    expectOneLine(await ts386(['--swap', link]), new RegExp(`^ts386: --swap ${link}: is the same file as the program disk`));
  });

  it('refuses a --disk under another name: a hard link, compared by device and inode', async () => {
    const disk = fileOf('disk.img', 128 * 1024);
    const other = path.join(dir, 'same-inode.img');
    linkSync(disk, other);
    expectOneLine(await ts386(['--disk', disk, '--swap', other]), new RegExp(`^ts386: --swap ${other}: is the same file as --disk ${disk};`));
  });

  it('refuses the --kernel file and the --bios file', async () => {
    const kernel = path.join(root, 'test/unit/multiboot/kernel.elf');
    const bios = path.join(dir, 'bios.bin');
    writeFileSync(bios, readFileSync(path.join(root, 'firmware/bios.bin')));
    expectOneLine(await ts386(['--disk', demoDisk, '--kernel', kernel, '--swap', kernel]), /^ts386: --swap .*kernel\.elf: is the same file as --kernel /);
    expectOneLine(await ts386(['--bios', bios, '--swap', bios]), /^ts386: --swap .*bios\.bin: is the same file as --bios /);
  });
});

describe('the swap is the slave', () => {
  it('refuses --swap (and --swap-size) with two --disk files: three disks do not fit on the channel', async () => {
    const file = path.join(dir, 'third.swap');
    expectOneLine(await ts386(['--disk', demoDisk, '--disk', demoDisk, '--swap', file]), /^ts386: --swap with two --disk files: the ATA channel has room for two disks, and the swap is the second \(the slave\)\n$/);
    expectOneLine(await ts386(['--disk', demoDisk, '--disk', demoDisk, '--swap-size', '1M']), /^ts386: --swap-size with two --disk files/);
    expect(existsSync(file)).toBe(false);
  });

  it('two --disk files without a swap still work', async () => {
    const r = await runTs386(['--disk', demoDisk, '--disk', demoDisk]);
    expect(r.stdout).toContain('ts386 demo disk');
    expect(r.status).toBe(0);
  });

  it('refuses a swap with no first disk, which the BIOS would take for disk 80h', async () => {
    expectOneLine(await ts386(['--no-kernel', '--swap-size', '1M']), /^ts386: --swap-size needs a first disk \(--disk, or the ts386 kernel's program disk\)/);
  });
});

describe('--swap-size SIZE alone: a temporary swap file', () => {
  it('runs with it and leaves nothing in the temp directory', () => {
    const tmp = mkdtempSync(path.join(dir, 'tmp-'));
    expectRan(ts386Process(['--swap-size', '1M'], { ...process.env, TMPDIR: tmp }));
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('leaves nothing when the run is refused after it was made', () => {
    const tmp = mkdtempSync(path.join(dir, 'tmp-'));
    expectOneLine(ts386Process(['--swap-size', '1M', '--serial', 'file:/no/such/dir/out'], { ...process.env, TMPDIR: tmp }), /^ts386: --serial file:/);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('says in one line when the temp directory cannot take it', () => {
    const tmp = path.join(dir, 'no-such-tmp');
    expectOneLine(ts386Process(['--swap-size', '1M'], { ...process.env, TMPDIR: tmp }), new RegExp(`^ts386: --swap-size 1M: cannot create a temporary swap file in ${tmp}: no such directory\\n$`));
  });
});

it('--help documents --swap and --swap-size with the default and the limits', async () => {
  const r = await runTs386(['--help']);
  expect(r.stdout).toMatch(/\n {2}--swap FILE {11}the swap disk \(the slave\) for the ts386 kernel's pager, written through/);
  expect(r.stdout).toMatch(/\n {2}--swap-size SIZE {6}a new swap's size, whole 4 KiB pages from 64K to 1G \(default 16M\); without\n {24}--swap, a temporary swap file in the OS temp dir, deleted when ts386 exits\n/);
});

it('--load-control passes its mode to the kernel, which names it in its swap line', async () => {
  const r = await runTs386(['--max-cycles', '30000000', '--swap-size', '1M', '--load-control', 'pff']);
  expect(r.stdout).toMatch(/\nswap: 255 slots of 4 KiB on the second disk \(FIFO replacement, load control by page-fault frequency\)\r?\n/);
});
