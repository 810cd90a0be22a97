// `ts386 refs FILE [--pid N] [--user]`: a --trace-refs file as text, one line per record:
//
//   cycle  pid  name  cr3  page  access  user|kernel
//   1843112 3 touch cr3=0x0038c000 page=0x08048 fetch user
//
// pid and name are those the kernel last gave the record's CR3 (HostPort.refTraceLabel), or '-'
// for a CR3 it never labelled (the kernel's own directory, the firmware). --pid N keeps the
// records under a CR3 labelled N, --user those made at CPL 3. A file that is not a reference trace,
// or is damaged, gets one line saying what is wrong (BadInput: main.ts prints it and exits with
// status 2) before anything is printed.

import { parseArgs } from 'node:util';
import { ACCESS_NAMES, readInputFile, readRefFile, RefFileError } from '../emulator/index.ts';
import { BadInput } from './bad-input.ts';
import { type CliIO, processIO } from './cli-io.ts';

export const REFS_USAGE = 'ts386 refs FILE [--pid N] [--user]';

/** The file is read whole: a Node buffer holds at most 2 GiB (some 700 million records). */
const MAX_FILE_BYTES = 2 ** 31 - 1;
/** Text gathered before it is written: one write per line would be slow. */
const CHUNK_CHARS = 1 << 16;

const hex = (v: number, digits: number): string => v.toString(16).padStart(digits, '0');

function fail(message: string): never {
  throw new BadInput(`refs: ${message}`);
}

/**
 * Runs the command with the arguments after `refs`: 'done', or 'reader-gone' when the reader of
 * stdout went away (`ts386 refs FILE | head`); throws BadInput for a bad argument or file.
 */
export function refsCommand(argv: string[], io: CliIO = processIO): 'done' | 'reader-gone' {
  let values, positionals;
  try {
    ({ values, positionals } = parseArgs({
      args: argv, allowPositionals: true, strict: true,
      options: { pid: { type: 'string' }, user: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (e) {
    fail(`${(e as Error).message.split('\n')[0]!} (usage: ${REFS_USAGE})`);
  }
  if (values.help) {
    io.stdout.write(`usage: ${REFS_USAGE}\n`);
    return 'done';
  }
  if (positionals.length !== 1) fail(`expected one file (usage: ${REFS_USAGE})`);
  const file = positionals[0]!;
  let pid: number | null = null;
  if (values.pid !== undefined) {
    if (!/^\d+$/.test(values.pid)) fail(`--pid ${values.pid}: expected a process id, such as 3`);
    pid = Number(values.pid);
  }
  const userOnly = values.user === true;

  let bytes: Uint8Array;
  try {
    bytes = readInputFile(file, 'a reference trace', { bytes: MAX_FILE_BYTES, tooLarge: (size) => `${size} bytes is more than ts386 refs reads (2 GiB)` });
  } catch (e) {
    fail((e as Error).message);
  }
  // The whole file is checked before a line is printed: a damaged file prints one line, not half a listing.
  try {
    readRefFile(bytes, { reference: () => {}, label: () => {} });
  } catch (e) {
    if (e instanceof RefFileError) fail(`${file}: ${e.message}`);
    throw e;
  }

  const out = io.descriptor(1, 'stdout');
  const labels = new Map<number, { pid: number; name: string }>();
  let text = '';
  try {
    readRefFile(bytes, {
      label: (cr3, p, name) => { labels.set(cr3, { pid: p, name }); },
      reference: (cycle, cr3, page, access, user) => {
        if (userOnly && !user) return;
        const l = labels.get(cr3);
        if (pid !== null && l?.pid !== pid) return;
        text += `${cycle} ${l?.pid ?? '-'} ${l?.name ?? '-'} cr3=0x${hex(cr3, 8)} page=0x${hex(page, 5)} ${ACCESS_NAMES[access]} ${user ? 'user' : 'kernel'}\n`;
        if (text.length >= CHUNK_CHARS) {
          out.write(text);
          text = '';
        }
      },
    });
    out.write(text);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EPIPE') return 'reader-gone';
    throw e;
  }
  return 'done';
}
