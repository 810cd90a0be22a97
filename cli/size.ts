// Sizes on the command line (--mem, --swap-size): a whole number of bytes with an optional binary
// unit, as 16M, 64K, 1G, 16MiB or 4096.

import { BadInput } from './bad-input.ts';

/** The bytes `text` stands for, or null when it is not a size. */
export function parseBytes(text: string): number | null {
  const m = /^(\d+)([KMG]?)i?B?$/i.exec(text);
  if (!m) return null;
  const unit = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[m[2]!.toUpperCase() as '' | 'K' | 'M' | 'G'];
  return Number(m[1]) * unit;
}

/** --mem SIZE: the machine's RAM in bytes; throws BadInput when it is not a size the machine can have. */
export function parseMemSize(text: string): number {
  const bytes = parseBytes(text);
  if (bytes === null) throw new BadInput(`--mem ${text}: expected a size such as 16M or 1G`);
  if (bytes < 1024 * 1024 || bytes > 3 * 1024 ** 3 || bytes % 4096 !== 0) {
    throw new BadInput(`--mem ${text}: RAM must be whole 4 KiB pages between 1 MiB and 3 GiB`);
  }
  return bytes;
}

/** A RAM or file size in words: whole MiB where it is, KiB otherwise. */
export function sizeText(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${Math.ceil(bytes / 1024)} KiB`;
}
