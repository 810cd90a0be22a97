// The command-line rules `ts386 thrash` shares with the other commands that run many boots
// (`ts386 compare` spells the same ones out): options given once, comma-separated lists, positive
// whole numbers, a value that starts with '-', and an output file looked at before any run.

import * as fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_SWAP_BYTES, isSwapSize, SWAP_SIZE_RULE } from '../emulator/index.ts';
import { BadInput } from './bad-input.ts';
import { parseBytes, parseMemSize } from './size.ts';

/** parseArgs's option table, as far as these rules look at it. */
export type OptionTable = Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>;

/** The value of an option given at most once (declared `multiple`, so that twice is told), or undefined. */
export function once(values: Record<string, unknown>, name: string): string | undefined {
  const v = values[name] as string[] | boolean[] | undefined;
  if (v === undefined) return undefined;
  if (v.length > 1) throw new BadInput(`--${name} given ${v.length === 2 ? 'twice' : `${v.length} times`}: give it once`);
  return v[0] === undefined ? undefined : String(v[0]);
}

/** A comma-separated list's items; BadInput for an empty item or an item given twice. */
export function list(option: string, text: string): string[] {
  const items = text.split(',');
  if (items.some((i) => i === '')) throw new BadInput(`--${option} ${text}: expected a list separated by commas, with nothing empty in it`);
  const twice = items.find((item, i) => items.indexOf(item) !== i);
  if (twice !== undefined) throw new BadInput(`--${option} ${text}: ${twice} is given twice`);
  return items;
}

/** A whole number, 1 or more; BadInput saying it expected `what` otherwise. */
export function positive(option: string, text: string, what: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1) throw new BadInput(`--${option} ${text}: expected ${what}`);
  return n;
}

/**
 * The arguments as parseArgs should see them: a value that starts with '-' after a space (`--max
 * -1`) is the option's, as in main.ts, unless it is one of the command's options.
 */
export function normalizeArgs(argv: readonly string[], options: OptionTable): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = argv[i + 1];
    const name = arg.startsWith('--') ? arg.slice(2) : '';
    if (Object.hasOwn(options, name) && options[name]!.type === 'string' && next !== undefined && next.length > 1 && next.startsWith('-')) {
      const nextName = /^--([^=]+)/.exec(next)?.[1];
      if (next === '-h' || (nextName !== undefined && Object.hasOwn(options, nextName))) throw new BadInput(`${arg} needs a value, not the option ${next} (write ${arg}=VALUE)`);
      out.push(`${arg}=${next}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

/**
 * `--OPTION FILE` can be written: looked at now, created only once every run is done, so that a
 * run refused as bad input leaves no file behind. An output may be a regular file or a character
 * device (as OutputFile takes, emulator/host/output-file.ts).
 */
export function checkWritable(option: string, file: string): void {
  const fail = (why: string): never => { throw new BadInput(`--${option} ${file === '' ? "''" : file}: ${why}`); };
  if (file === '') fail('no file name given');
  let st: fs.Stats | null = null;
  try {
    st = fs.statSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') fail(`cannot write to it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (st !== null) {
    if (st.isDirectory()) fail('is a directory');
    if (!st.isFile() && !st.isCharacterDevice()) fail('is not a regular file or a character device');
    try {
      fs.accessSync(file, fs.constants.W_OK);
    } catch {
      fail('cannot write to it (permission denied)');
    }
    return;
  }
  const dir = path.dirname(file);
  let dst: fs.Stats;
  try {
    dst = fs.statSync(dir);
  } catch {
    return fail(`no such directory as ${dir}`);
  }
  if (!dst.isDirectory()) fail(`${dir} is not a directory`);
  try {
    fs.accessSync(dir, fs.constants.W_OK);
  } catch {
    fail(`cannot create it in ${dir} (permission denied)`);
  }
}

/**
 * The words of PROG ARGS as the ts386 shell would take them on its line: it reads printable
 * characters and splits at spaces, and a word ending in `&` runs the job in the background
 * (kernel/shell.ts, kernel/tty.ts).
 */
export function checkProgramWords(words: readonly string[]): void {
  for (const word of words) {
    if (word === '' || /\s/.test(word)) throw new BadInput(`'${word}': the shell splits its command line at spaces, so PROG and ARGS cannot be empty or contain spaces`);
    if (!/^[\x21-\x7e]+$/.test(word)) throw new BadInput(`${JSON.stringify(word)}: the shell's line takes printable ASCII characters only`);
    if (word.endsWith('&')) throw new BadInput(`${word}: a word ending in & would end the shell's command there`);
  }
}

/**
 * `ts386 COMMAND OPTIONS -- PROG ARGS`: the options before `--` (each given at most once), and the
 * words after it (null when there is no `--`); 'help' for --help. `example` is a whole command
 * line to show where the program goes.
 */
export function parseCommand(command: string, argv: readonly string[], options: OptionTable, example: string): { values: Record<string, unknown>; after: string[] | null } | 'help' {
  const dashes = argv.indexOf('--');
  const before = dashes >= 0 ? argv.slice(0, dashes) : argv;
  let values: Record<string, unknown>, positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: normalizeArgs(before, options), options, strict: true, allowPositionals: true }));
  } catch (e) {
    if (e instanceof BadInput) throw e;
    const message = (e as Error).message.split('\n')[0]!;
    // parseArgs's word on an unknown option goes on about positionals, which the command takes after -- only.
    const unknown = /^Unknown option '([^']+)'/.exec(message);
    throw new BadInput(unknown ? `${unknown[1]}: no such option (ts386 ${command} --help lists them)` : message);
  }
  if (values.help) return 'help';
  if (positionals.length > 0) throw new BadInput(`${positionals[0]}: the program goes after --, as in ${example}`);
  for (const name of Object.keys(options)) once(values, name);
  return { values, after: dashes >= 0 ? argv.slice(dashes + 1) : null };
}

/** PROG ARGS from the words after `--` (parseCommand's `after`), checked as the shell will take them; `sample` is a program and its arguments. */
export function programOf(after: string[] | null, example: string, sample: string): { prog: string; args: string[] } {
  if (after === null) throw new BadInput(`no program: give it after --, as in ${example}`);
  const [prog, ...args] = after;
  if (prog === undefined) throw new BadInput(`no program after --: give a program on the program disk and its arguments, as ${sample}`);
  checkProgramWords(after);
  return { prog, args };
}

/** `--mem SIZE` (default `defaultMem`) and `--swap-size SIZE`: each machine of a command that boots its own (compare, thrash). */
export function machineSizes(values: Record<string, unknown>, defaultMem: string): { memoryBytes: number; swapBytes: number } {
  const memoryBytes = parseMemSize(once(values, 'mem') ?? defaultMem);
  const swapText = once(values, 'swap-size');
  if (swapText === undefined) return { memoryBytes, swapBytes: DEFAULT_SWAP_BYTES };
  const bytes = parseBytes(swapText);
  if (bytes === null || !isSwapSize(bytes)) throw new BadInput(`--swap-size ${swapText}: expected a size such as 16M; a swap file must be ${SWAP_SIZE_RULE}`);
  return { memoryBytes, swapBytes: bytes };
}
