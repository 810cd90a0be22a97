// GNU as for tests: whether the toolchain is here, and assembling snippets of test code.
//
//   asm16(src, org) / asm32(src, org)  AT&T syntax, linked flat at `org`, so labels are absolute
//   asmIntel(src, bits)                Intel syntax, the .text bytes unlinked (position-independent code)
//
// The suite assembles a few thousand snippets, and each `as` is a process (a few milliseconds here),
// so the work is kept small three ways:
// - one `as` per snippet and nothing else: the object's .text is read here (elf-text.ts) and, for
//   asm16/asm32, its relocations applied at `org`, which is all `ld -Ttext=ORG --oformat binary`
//   does for a one-section object. An object with more than that (another section with bytes, a
//   symbol the snippet does not define, a relocation type not handled) goes to ld as before, so an
//   error reads as ld's.
// - results are kept in memory for the worker (many tests assemble the same snippet), and
// - on disk under node_modules/.cache/ts386/gas/, keyed by a hash of the text, the mode, the origin
//   and the versions of as and ld, so that a second `npm test` assembles only what changed.
//   TS386_GAS_CHECK=1 in the environment links every snippet both ways and throws where the bytes
//   differ (a check of elf-text.ts against ld; the cache is bypassed).

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { linkText, textOf } from './elf-text.ts';

/** The first line of `tool --version`, or null when the tool is not on PATH. */
function version(tool: string): string | null {
  try {
    return execFileSync(tool, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n')[0]!;
  } catch {
    return null;
  }
}

const asVersion = version('as');
const ldVersion = asVersion === null ? null : version('ld');

/** GNU as and ld are on PATH (every machine here has them; a user's may not). */
export const hasAs: boolean = asVersion !== null && ldVersion !== null;

const CHECK = process.env.TS386_GAS_CHECK === '1';
const cacheRoot = join(new URL('../..', import.meta.url).pathname, 'node_modules/.cache/ts386');
const diskCache = join(cacheRoot, 'gas');
const rebuildCache = join(cacheRoot, 'rebuild');
const memory = new Map<string, Uint8Array>();

/** One temporary folder for this worker's snippets, removed when the process exits. */
let workDir: string | null = null;
function work(): string {
  if (workDir === null) {
    const dir = mkdtempSync(join(tmpdir(), 'ts386-gas-'));
    workDir = dir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return workDir;
}

function fromDisk(file: string): Uint8Array | null {
  try {
    return new Uint8Array(readFileSync(file));
  } catch {
    return null;
  }
}

/** Written under a name of its own and renamed, so that another worker never reads half a file. */
function toDisk(file: string, bytes: Uint8Array): void {
  try {
    mkdirSync(diskCache, { recursive: true });
    const part = `${file}.${process.pid}.part`;
    writeFileSync(part, bytes);
    renameSync(part, file);
  } catch {
    // A cache that cannot be written (a read-only checkout) only costs the next run time.
  }
}

type Link = { org: number } | null;

/** Assembles `text`; `link` null: the .text bytes as they are (objcopy -O binary -j .text). */
function build(text: string, link: Link): Uint8Array {
  const key = createHash('sha256').update(`${asVersion}\n${ldVersion}\n${link === null ? 'text' : `org ${link.org}`}\n${text}`).digest('hex');
  const hit = memory.get(key);
  if (hit) return hit;
  const file = join(diskCache, `${key}.bin`);
  const cached = CHECK ? null : fromDisk(file);
  const bytes = cached ?? assemble(text, link, key);
  memory.set(key, bytes);
  if (cached === null) toDisk(file, bytes);
  return bytes;
}

function assemble(text: string, link: Link, key: string): Uint8Array {
  const dir = work();
  const s = join(dir, `${key}.s`), o = join(dir, `${key}.o`), bin = join(dir, `${key}.bin`);
  try {
    writeFileSync(s, text);
    execFileSync('as', ['--32', '-o', o, s], { stdio: ['ignore', 'ignore', 'pipe'] });
    const obj = new Uint8Array(readFileSync(o));
    const here = link === null ? textOf(obj) : linkText(obj, link.org);
    if (here !== null && !CHECK) return here;
    if (link === null) execFileSync('objcopy', ['-O', 'binary', '-j', '.text', o, bin]);
    else execFileSync('ld', ['-m', 'elf_i386', `-Ttext=0x${link.org.toString(16)}`, '--oformat', 'binary', '-o', bin, o], { stdio: ['ignore', 'ignore', 'pipe'] });
    const tools = new Uint8Array(readFileSync(bin));
    if (here !== null && Buffer.compare(here, tools) !== 0) {
      throw new Error(`gas: elf-text.ts and ${link === null ? 'objcopy' : 'ld'} disagree on:\n${text}\nhere  ${Buffer.from(here).toString('hex')}\ntools ${Buffer.from(tools).toString('hex')}`);
    }
    return tools;
  } finally {
    for (const f of [s, o, bin]) rmSync(f, { force: true });
  }
}

function linked(src: string, org: number, mode: '.code16' | '.code32'): Uint8Array {
  return build(`${mode}\n.globl _start\n_start:\n${src}\n`, { org });
}

/** 16-bit code linked to run at offset `org` of its segment. */
export const asm16 = (src: string, org = 0x1000): Uint8Array => linked(src, org, '.code16');
/** 32-bit code linked to run at linear address `org`. */
export const asm32 = (src: string, org = 0x10000): Uint8Array => linked(src, org, '.code32');

/** Intel-syntax 16- or 32-bit code, unlinked: the .text section's bytes. */
export function asmIntel(src: string, bits: 16 | 32 = 32): number[] {
  return [...build(`.intel_syntax noprefix\n.code${bits}\n${src}\n`, null)];
}

/** Every file under `paths` (files or folders, recursively), as sorted paths. */
function filesUnder(paths: readonly string[]): string[] {
  const out: string[] = [];
  const visit = (p: string): void => {
    if (statSync(p).isDirectory()) for (const e of readdirSync(p).sort()) visit(join(p, e));
    else out.push(p);
  };
  for (const p of paths) visit(p);
  return out.sort();
}

/** The tools the build scripts run, with their versions: asked once, at the first rebuild. */
let tools: string | null = null;
const toolVersions = (): string => (tools ??= [`as: ${asVersion}`, `ld: ${ldVersion}`, `objcopy: ${version('objcopy')}`, `gcc: ${version('gcc')}`].join('\n'));

/** The rebuilds kept: a few per script (the last sources' and the ones before), not one per edit ever made. */
const REBUILDS_KEPT = 12;

function pruneRebuilds(): void {
  try {
    const entries = readdirSync(rebuildCache).filter((e) => !e.includes('.part')).map((e) => ({ e, t: statSync(join(rebuildCache, e)).mtimeMs }));
    entries.sort((a, b) => b.t - a.t);
    for (const { e } of entries.slice(REBUILDS_KEPT)) rmSync(join(rebuildCache, e), { recursive: true, force: true });
  } catch {
    // Another worker pruned at the same time: whatever is left is fine.
  }
}

/**
 * For the "committed binaries are current" tests: runs `bash script DIR`, a build script that
 * writes its outputs into DIR, and returns which of `files` (paths relative to DIR and to
 * `committedDir`; default: every file the script wrote at the top of DIR) differ from the
 * committed copies.
 *
 * `inputs` are the files and folders the script reads (default: the script's folder, which holds
 * its sources and, harmlessly for the key, the committed outputs). The outputs
 * are kept under node_modules/.cache/ts386/rebuild/, named by a hash of the inputs' paths and
 * bytes and the versions of as, ld, objcopy and gcc: with the same sources and tools the scripts
 * give the same bytes (they say so), so a second run compares with those and builds nothing.
 */
export function staleOutputs(script: string, committedDir: string, files?: readonly string[], inputs: readonly string[] = [dirname(script)]): string[] {
  const hash = createHash('sha256').update(`${script}\n${toolVersions()}\n`);
  for (const f of filesUnder(inputs)) hash.update(`${f}\n`).update(readFileSync(f)).update('\n');
  const built = join(rebuildCache, hash.digest('hex'));
  if (existsSync(built)) {
    const now = new Date();
    utimesSync(built, now, now); // in use: the newest, so pruneRebuilds keeps it
  } else {
    mkdirSync(rebuildCache, { recursive: true });
    const dir = mkdtempSync(`${built}.part`);
    try {
      execFileSync('bash', [script, dir], { stdio: ['ignore', 'ignore', 'pipe'] });
      renameSync(dir, built);
      pruneRebuilds();
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      // Another worker finished the same build first: theirs is as good.
      if (!existsSync(built)) throw e;
    }
  }
  const names = files ?? readdirSync(built, { withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name);
  return names.filter((f) => Buffer.compare(readFileSync(join(built, f)), readFileSync(join(committedDir, f))) !== 0);
}
