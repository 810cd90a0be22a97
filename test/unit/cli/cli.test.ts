// The `ts386` command end to end: run in this process (test/harness/cli.ts), and as a child
// process (the bundle scripts/build.mjs makes) where the exit status a parent sees, a real pipe on
// stdin or /dev/null there is the point: one of each kind of ending (statuses 0, 2, 3, 4 and 7).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bin, runTs386, spawnTs386 } from '../../harness/cli.ts';

const root = new URL('../../..', import.meta.url).pathname;
const demoDisk = path.join(root, 'images/demo.img');
const benchImage = path.join(root, '../shared/bench/images/bench-cpu-10.img');

/** ts386 in this process, stdin a pipe with nothing in it. */
const ts386 = (...args: string[]) => runTs386(args);
/** ts386 as a child process, stdin a pipe with nothing in it. */
const ts386Process = (...args: string[]) => spawnTs386(args);

describe('ts386 command', () => {
  it('boots the ts386 kernel when no disk has a boot sector: its banner, the program disk and the shell prompt', () => {
    // The default disk is images/programs.img (a tar archive, no boot signature): the BIOS starts
    // the kernel. With stdin not a terminal nobody can type, so the shell waits until --max-cycles.
    const r = ts386Process('--max-cycles', '3000000');
    expect(r.stdout).toMatch(/^ts386 kernel: i386, 32768 KiB RAM, \d+ free frames \(buddy\), heap \d+ KiB \(first-fit\)\r?\nprogram disk: \d+ files\r?\n/);
    expect(r.stdout).toContain('ts386 shell');
    expect(r.stderr).toMatch(/^ts386: stopped at --max-cycles after \d+ cycles, .*, last POST 0x0a\n$/);
    expect(r.status).toBe(4);
  });

  it('passes --cpu, --mem, --frames and --heap to the kernel, which reports them in its banner', async () => {
    const r = await ts386('--max-cycles', '3000000', '--cpu', '486', '--mem', '16M', '--frames', 'bitmap', '--heap', 'best');
    expect(r.stdout).toMatch(/^ts386 kernel: i486, 16384 KiB RAM, \d+ free frames \(bitmap\), heap \d+ KiB \(best-fit\)/);
    expect(r.status).toBe(4);
  });

  it('passes --mm segments and --fit to the kernel: a program runs in a partition placed by that fit', async () => {
    const r = await runTs386(['--mm', 'segments', '--fit', 'best', '--mem', '4M'], 'run limits 0x10\nfit\nhalt\n');
    expect(r.stdout).toMatch(/\nsegments: \d+ KiB of partitions at 0x[0-9a-f]{8} \(best fit\)/);
    expect(r.stdout).toContain('limits: cs limit 0x00001fff, ds limit 0x00009fff\r\nlimits: byte at 0x10 is 0x');
    expect(r.stdout).toContain('fit: best fit');
    expect(r.stdout).toMatch(/leak check: 0 frames, 0 heap blocks, 0 partitions, 0 mappings leaked\r?\n$/);
    expect(r.status).toBe(0);
  });

  it('gives the ts386 kernel the --append command line', async () => {
    const r = await ts386('--max-cycles', '3000000', '--append', 'frames=bitmap heap=best');
    expect(r.stdout).toMatch(/^ts386 kernel: .*\(bitmap\), heap \d+ KiB \(best-fit\)/);
  });

  it('takes piped input as typed on COM1: a scripted session runs and halts with status 0', () => {
    const r = spawnSync(process.execPath, [bin], { encoding: 'utf8', timeout: 60_000, input: 'run hello\nrun touch 5\nhalt\n' });
    expect(r.stdout).toContain('hello, world (pid 1)');
    expect(r.stdout).toContain('touched 5 pages, 5 faults');
    expect(r.stdout).toMatch(/leak check: 0 frames, 0 heap blocks, 0 mappings leaked\r?\n$/);
    expect(r.stderr).toMatch(/^ts386: kernel halted after \d+ cycles/);
    expect(r.status).toBe(0);
  });

  it('writes a MAP_SHARED mapping\'s writes into a --disk image only with --write', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ts386-mmap-'));
    const img = path.join(dir, 'programs.img');
    const original = readFileSync(path.join(root, 'images/programs.img'));
    // Where mmap-data's bytes are in the ustar archive: the block after its 512-byte header.
    let header = -1;
    for (let i = 0; i < original.length && header < 0; i += 512) if (original.subarray(i, i + 10).toString('latin1') === 'mmap-data\0') header = i;
    const at = header + 512;
    expect(at).toBeGreaterThan(512);
    for (const write of [false, true]) {
      writeFileSync(img, original);
      const r = await runTs386(['--disk', img, ...(write ? ['--write'] : [])], 'run mmaptest mark MARKED\nhalt\n');
      expect(r.stdout).toContain('mmaptest mark: 6 bytes written to mmap-data');
      expect(r.status).toBe(0);
      const now = readFileSync(img);
      expect(now.subarray(at, at + 6).toString('latin1'), write ? 'with --write' : 'without --write').toBe(write ? 'MARKED' : original.subarray(at, at + 6).toString('latin1'));
      expect(Buffer.compare(now.subarray(0, at), original.subarray(0, at))).toBe(0);
      expect(Buffer.compare(now.subarray(at + 6), original.subarray(at + 6))).toBe(0);
    }
  });

  it('halts at the end of piped input as at Ctrl-D: a script needs no halt, and /dev/null halts at once', async () => {
    const r = await runTs386([], 'run echo scripted\n');
    expect(r.stdout).toContain('scripted\r\n$ end of input: halt\r\nleak check: 0 frames, 0 heap blocks, 0 mappings leaked');
    expect(r.status).toBe(0);
    const n = spawnSync('sh', ['-c', `"${process.execPath}" "${bin}" < /dev/null`], { encoding: 'utf8', timeout: 60_000 });
    expect(n.stdout).toContain('$ end of input: halt');
    expect(n.status).toBe(0);
  });

  it('names a kernel panic and its reason in the summary, with status 7', () => {
    // 1 MiB leaves the kernel no RAM above the first MiB: it cannot start. The panic happens
    // before its console is up, so the summary is the only place a user sees why.
    const r = ts386Process('--mem', '1M', '--max-cycles', '20000000');
    expect(r.stderr).toMatch(/^ts386: kernel panic \(the ts386 kernel needs at least 4 MiB of RAM; this machine has 1024 KiB\) after \d+ cycles/);
    expect(r.status).toBe(7);
  });

  it('with --no-kernel and no disk the BIOS says there is no disk and halts: status 0', async () => {
    const r = await ts386('--no-kernel');
    expect(r.stdout).toBe('ts386 BIOS: no disk attached\r\n');
    expect(r.stderr).toMatch(/^ts386: halted \(cli; hlt\) after \d+ cycles, \d+ instructions, [\d.]+ s emulated, [\d.]+ MIPS, last POST 0xe1\n$/);
    expect(r.status).toBe(0);
  });

  it('boots the demo disk through the BIOS; with stdin not a terminal it asks for no input and exits 0', async () => {
    const r = await ts386('--disk', demoDisk);
    expect(r.stdout).toBe([
      'ts386 demo disk: hello from the boot sector (booted from drive 80h)',
      'ts386 demo disk: now in 32-bit protected mode',
      'ts386 demo disk: primes below 10000: 1229',
      '(no terminal on COM1: carrier detect is off)',
      'ts386 demo disk: done',
      '',
    ].join('\r\n'));
    expect(r.stderr).toMatch(/^ts386: guest exited with status 0 after \d+ cycles, \d+ instructions, [\d.]+ s emulated, [\d.]+ MIPS, last POST 0x00\n$/);
    expect(r.status).toBe(0);
  });

  it('still runs the demo ROM with --bios firmware/demo.bin', async () => {
    const r = await ts386('--bios', path.join(root, 'firmware/demo.bin'));
    expect(r.stdout).toContain('hello from real mode');
    expect(r.stdout).toContain('now in 32-bit protected mode');
    expect(r.stdout).toContain('primes below 10000: 1229');
    expect(r.stderr).toMatch(/^ts386: guest exited with status 0 after \d+ cycles, \d+ instructions, [\d.]+ s emulated, [\d.]+ MIPS\n$/);
    expect(r.status).toBe(0);
  });

  it.skipIf(!existsSync(benchImage))('boots the shared benchmark disk as `npx ts386` and prints its checksum', () => {
    const r = spawnSync('npx', ['ts386', '--disk', benchImage, '--serial', 'stdio', '--mem', '64M'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(r.stdout).toContain('BENCH cpu N=10 checksum=ecabe5fc');
    expect(r.stderr).toMatch(/ts386: guest exited with status 0 after/);
    expect(r.status).toBe(0);
  });

  it('is deterministic: two runs take the same number of cycles', async () => {
    const cycles = (s: string): string => /after (\d+ cycles, \d+ instructions)/.exec(s)?.[1] ?? 'none';
    expect(cycles((await ts386('--disk', demoDisk)).stderr)).toBe(cycles((await ts386('--disk', demoDisk)).stderr));
  });

  it('stops at --max-cycles with status 4', async () => {
    const r = await ts386('--bios', path.join(root, 'firmware/demo.bin'), '--max-cycles', '1000');
    expect(r.stderr).toMatch(/stopped at --max-cycles after 10\d\d cycles/);
    expect(r.status).toBe(4);
  });

  it('stops the BIOS at the first instruction boundary after --max-cycles, naming the last POST code', async () => {
    const r = await ts386('--max-cycles', '1000');
    const m = /^ts386: stopped at --max-cycles after (\d+) cycles, .*, last POST 0x01\n$/.exec(r.stderr);
    expect(m, r.stderr).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThanOrEqual(1000);
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
    [['--clock', '1'], /--clock 1: expected a clock in MHz from 1\.2 to 7500/],
    [['--clock', '10000'], /--clock 10000: expected a clock in MHz from 1\.2 to 7500/],
    // A value that starts with '-' after a space is the option's (parseArgs alone calls it
    // ambiguous, in three lines), unless it is one of ts386's options.
    [['--mem', '-1'], /^ts386: --mem -1: expected a size such as 16M or 1G\n$/],
    [['--max-cycles', '-1'], /^ts386: --max-cycles -1: expected a positive whole number\n$/],
    [['--mem', '--cpu', '486'], /^ts386: --mem needs a value, not the option --cpu \(write --mem=VALUE\)\n$/],
    [['--bios', '-h'], /^ts386: --bios needs a value, not the option -h/],
    [['--mem'], /^ts386: Option '--mem <value>' argument missing\n$/],
    // A trace of no kind traces nothing: not what anyone asks --trace for.
    [['--trace', ''], /^ts386: --trace '': no trace kind given; expected one or more of cpu, int, pf, io/],
    [['--trace', ','], /^ts386: --trace ,: no trace kind given; expected one or more of cpu, int, pf, io/],
    [['--trace', ' , '], /^ts386: --trace  , : no trace kind given/],
  ])('rejects %j with one line and status 2', async (args, message) => {
    const r = await ts386(...args);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.status).toBe(2);
  });

  it('rejects a ROM that is not 64 or 128 KiB', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'ts386-')), 'small.rom');
    writeFileSync(file, new Uint8Array(1000));
    const r = ts386Process('--bios', file);
    expect(r.stderr).toMatch(/1000 bytes; a ROM image must be 64 or 128 KiB/);
    expect(r.status).toBe(2);
  });

  it('prints help listing every option', async () => {
    const r = await ts386('--help');
    for (const o of ['--mem', '--cpu', '--bios', '--disk', '--write', '--kernel', '--append', '--frames', '--heap', '--no-kernel', '--inspect', '--serial', '--debugcon', '--max-cycles', '--clock']) {
      expect(r.stdout).toContain(o);
    }
    expect(r.status).toBe(0);
  });

  it('rejects a disk image that is not a whole number of sectors, naming the file and its size', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'ts386-')), 'odd.img');
    writeFileSync(file, new Uint8Array(1000));
    const r = await ts386('--disk', file);
    expect(r.stderr).toMatch(/odd\.img: 1000 bytes is not a whole number of 512-byte sectors/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.status).toBe(2);
  });

  it.each([
    [['--disk', '/nonexistent/disk.img'], /\/nonexistent\/disk\.img/],
    [['--write'], /--write without --disk/], // the default program disk is never written
    [['--write', '--no-kernel'], /--write without --disk/],
    [['--no-kernel', '--append', 'x'], /--append needs --kernel or the ts386 kernel/],
    [['--frames', 'bogus'], /--frames bogus: expected bitmap or buddy/],
    [['--heap', 'bogus'], /--heap bogus: expected first, best, worst or next/],
    [['--fork', 'lazy'], /--fork lazy: expected cow or eager/],
    [['--no-kernel', '--fork', 'eager'], /--frames, --heap, --fork, --mm, --fit, --policy, --scope, --rss and --load-control configure the ts386 kernel/],
    [['--policy', 'bogus'], /--policy bogus: expected one of fifo, second-chance, nru, aging, lfu, mfu, random, lru, wsclock\n$/],
    [['--load-control', 'sometimes', '--swap-size', '4M'], /--load-control sometimes: expected one of off, ws, pff/],
    [['--rss', 'lru', '--swap-size', '4M'], /--rss lru: expected one of fixed, pff, ws/],
    [['--rss', 'pff'], /--rss pff: releases pages to swap, so it needs --swap FILE or --swap-size SIZE/],
    [['--load-control', 'ws'], /--load-control ws: rolls processes out to swap, so it needs --swap FILE or --swap-size SIZE/],
    [['--policy', 'opt'], /--policy opt: OPT knows the future of one recorded run, not of every process: use the shell's run -m FRAMES -p opt PROG/],
    [['--no-kernel', '--frames', 'buddy'], /--frames, --heap, --fork, --mm, --fit, --policy, --scope, --rss and --load-control configure the ts386 kernel/],
    [['--no-kernel', '--heap', 'best'], /--frames, --heap, --fork, --mm, --fit, --policy, --scope, --rss and --load-control configure the ts386 kernel/],
    [['--no-kernel', '--policy', 'aging'], /--frames, --heap, --fork, --mm, --fit, --policy, --scope, --rss and --load-control configure the ts386 kernel/],
    [['--kernel', path.join(root, 'test/unit/multiboot/kernel.elf'), '--frames', 'bitmap'], /--frames, --heap, --fork, --mm, --fit, --policy, --scope, --rss and --load-control configure the ts386 kernel/],
    [['--mm', 'flat'], /--mm flat: expected paging or segments/],
    [['--fit', 'best'], /--fit best: places partitions, so it needs --mm segments \(the kernel heap's placement is --heap\)/],
    [['--mm', 'segments', '--fit', 'tight'], /--fit tight: expected first, best, worst or next/],
    [['--mm', 'segments', '--policy', 'lru'], /--policy is about pages, which --mm segments has none of/],
    [['--mm', 'segments', '--fork', 'eager'], /--fork is about pages, which --mm segments has none of/],
    [['--no-kernel', '--mm', 'segments'], /--frames, --heap, --fork, --mm, --fit, --policy, --scope, --rss and --load-control configure the ts386 kernel/],
    [['--scope', 'both'], /--scope both: expected global or local/],
    [['--scope', 'local', '--alloc', 'fair'], /--alloc fair: expected equal or proportional/],
    [['--alloc', 'equal'], /--alloc equal: shares frames among processes for local replacement, so it needs --scope local/],
    [['--no-kernel', '--scope', 'local'], /--frames, --heap, --fork, --mm, --fit, --policy, --scope, --rss and --load-control configure the ts386 kernel/],
    [['--inspect=abc'], /--inspect=abc: expected a port number/],
    [['--inspect=70000'], /--inspect=70000: expected a port number/],
    // A bare --inspect is accepted (as node's own --inspect[=PORT]): the error is about --bogus.
    [['--inspect', '--bogus'], /Unknown option '--bogus'/],
    [['--serial', 'tcp:1234'], /--serial tcp:1234: expected stdio, file:PATH, pty or none/],
    [['--debugcon', 'pty'], /--debugcon pty: expected stdio, file:PATH or none/],
    [['--kernel', '/nonexistent/k.elf'], /--kernel \/nonexistent\/k\.elf: no such file/],
  ])('rejects %j with one line and status 2', async (args, message) => {
    const r = await ts386(...args);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.status).toBe(2);
  });

  it('rejects a --kernel file without a Multiboot header', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'ts386-')), 'plain.bin');
    writeFileSync(file, new Uint8Array(8192));
    const r = await ts386('--kernel', file);
    expect(r.stderr).toMatch(/^ts386: --kernel plain\.bin: no Multiboot header/);
    expect(r.status).toBe(2);
  });

  it('runs a Multiboot kernel with its command line and returns its exit status', () => {
    const r = ts386Process('--kernel', path.join(root, 'test/unit/multiboot/kernel.elf'), '--append', 'hello', '--debugcon', 'stdio', '--mem', '8M');
    expect(r.stdout).toBe('hello');
    expect(r.status).toBe(7); // the test kernel exits with mem_upper in MiB
  });

  it('takes a value that starts with a dash after a space: --append -s is the command line -s', async () => {
    const r = await ts386('--kernel', path.join(root, 'test/unit/multiboot/kernel.elf'), '--append', '-s', '--debugcon', 'stdio', '--mem', '8M');
    expect(r.stdout).toBe('-s');
    expect(r.status).toBe(7);
  });

  it('sends COM1 to a file with --serial file:PATH and nothing to stdout; no terminal, so no carrier', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'ts386-')), 'com1.txt');
    const r = await ts386('--serial', `file:${file}`, '--disk', demoDisk);
    expect(r.stdout).toBe('');
    expect(readFileSync(file, 'utf8')).toContain('primes below 10000: 1229\r\n(no terminal on COM1: carrier detect is off)');
    expect(r.status).toBe(0);
  });

  describe('triple faults and tracing', () => {
    // A boot sector that loads an IDT (IVT) limit of 0, then INT3: #GP, #DF, shutdown.
    function tripleFaultDisk(): string {
      const sector = new Uint8Array(512);
      sector.set([0x2e, 0x0f, 0x01, 0x1e, 0x10, 0x7c, 0xcc, 0xf4]); // lidt cs:[0x7c10]; int3; hlt
      sector[510] = 0x55;
      sector[511] = 0xaa;
      const file = path.join(mkdtempSync(path.join(tmpdir(), 'ts386-')), 'tf.img');
      writeFileSync(file, sector);
      return file;
    }

    it('stops on a triple fault with --no-reboot: one line with the vector, CS:EIP and CR2, status 3', () => {
      const r = ts386Process('--disk', tripleFaultDisk(), '--no-reboot', '--serial', 'none');
      expect(r.stderr).toMatch(/^ts386: triple fault: .*#GP.* at 0000:00007c06, CR2 0; stopped after \d+ cycles/m);
      expect(r.status).toBe(3);
    });

    it('resets after a triple fault by default, as a PC does', async () => {
      const r = await ts386('--disk', tripleFaultDisk(), '--serial', 'none', '--max-cycles', '20000000');
      expect((r.stderr.match(/resetting \(--no-reboot stops instead\)/g) ?? []).length).toBeGreaterThan(1);
      expect(r.status).toBe(4);
    });

    it('traces interrupts and page faults to a file with --trace int,pf --trace-file', async () => {
      const file = path.join(mkdtempSync(path.join(tmpdir(), 'ts386-')), 'trace.txt');
      const r = await ts386('--disk', tripleFaultDisk(), '--no-reboot', '--serial', 'none', '--trace', 'int', '--trace-file', file);
      expect(r.status).toBe(3);
      const lines = readFileSync(file, 'utf8').trim().split('\n');
      // INT3 cannot be delivered (IVT limit 0): #GP, whose delivery fails too, so #DF; then shutdown.
      expect(lines.slice(-3)).toEqual([
        'int  int 0x03 at 0000:00007c06 (software)',
        'int  int 0x0d #GP err=0x001a at 0000:00007c06 (exception)',
        'int  int 0x08 #DF err=0x0000 at 0000:00007c06 (exception)',
      ]);
      expect(lines.some((l) => /int 0x08|int 0x1[0-9a-f]/.test(l))).toBe(true); // the BIOS's timer and services ran first
    });

    it('traces every instruction with --trace cpu', async () => {
      const r = await ts386('--disk', tripleFaultDisk(), '--no-reboot', '--serial', 'none', '--trace', 'cpu');
      expect(r.stderr).toMatch(/^cpu {2}0000:00007c00 {2}2e 0f 01 1e 10 7c +lidt/m);
    });

    it.each([
      [['--trace', 'mmu'], /--trace mmu: unknown trace kind 'mmu'/],
      [['--trace-file', '/tmp/x'], /--trace-file needs --trace/],
      [['--trace', 'int', '--trace-file', '/nonexistent/t.txt'], /--trace-file: cannot open \/nonexistent\/t\.txt for writing \(ENOENT\)/],
      [['--serial', 'file:/nonexistent/com1.txt'], /--serial file:\/nonexistent\/com1\.txt: cannot open \/nonexistent\/com1\.txt for writing \(ENOENT\)/],
    ])('rejects %j with one line and status 2', async (args, message) => {
      const r = await ts386(...args);
      expect(r.stderr).toMatch(message);
      expect(r.status).toBe(2);
    });
  });
});
