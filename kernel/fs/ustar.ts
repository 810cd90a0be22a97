// The program disk is a plain POSIX ustar archive (made with `tar --format=ustar`, read with
// `tar -t`). This file parses one 512-byte header block; the caller reads the blocks from the disk
// and walks the archive with nextHeaderOffset(). Pure: no Hw, no I/O.
//
// Header block (POSIX.1-1988 ustar, IEEE Std 1003.1 "pax", "ustar Interchange Format"):
//   offset size field             offset size field
//      0   100 name                 257    6 magic     "ustar\0" (POSIX) / "ustar " (GNU)
//    100     8 mode                 263    2 version   "00" (POSIX) / " \0" (GNU)
//    108     8 uid                  265   32 uname
//    116     8 gid                  297   32 gname
//    124    12 size     (octal)     329    8 devmajor
//    136    12 mtime    (octal)     337    8 devminor
//    148     8 chksum   (octal)     345  155 prefix    (POSIX only; GNU keeps atime/ctime there)
//    156     1 typeflag             500   12 (pad)
//    157   100 linkname
// Numbers are octal ASCII, leading zeros, ended by NUL or space. The data follows the header,
// padded to whole 512-byte blocks. The archive ends with two all-zero blocks; the first is enough
// to stop at.

export const USTAR_BLOCK = 512;

export interface UstarEntry {
  /** The path inside the archive: prefix + '/' + name, without a leading './' or a directory's trailing '/'. */
  name: string;
  /** Bytes of data after the header (0 for directories, links and devices, which carry none). */
  size: number;
  type: 'file' | 'dir' | 'other';
  /** Byte offset of the data from the archive start (the header's offset + 512). */
  dataOffset: number;
  /** The raw typeflag character ('0', '5', 'L' for a GNU long name, 'x' for a pax header, ...). */
  typeflag: string;
}

const NAME = 0, NAME_LEN = 100;
const SIZE = 124, SIZE_LEN = 12;
const CHKSUM = 148, CHKSUM_LEN = 8;
const TYPEFLAG = 156;
const MAGIC = 257;
const PREFIX = 345, PREFIX_LEN = 155;

/** Typeflags whose entries have no data blocks whatever their size field says (POSIX: LNKTYPE..FIFOTYPE). */
const NO_DATA = '123456';

const decoder = new TextDecoder('utf-8');

/**
 * Parses the 512-byte header at archive offset `offset` (`block` holds it from its index 0).
 * Returns null at the end of the archive (an all-zero block), or a one-line error for a block
 * that is not a valid ustar header.
 */
export function parseUstarHeader(block: Uint8Array, offset: number): UstarEntry | null | string {
  const where = `ustar: header at offset ${offset}`;
  if (block.length < USTAR_BLOCK) return `${where}: only ${block.length} bytes, a header is ${USTAR_BLOCK}`;
  if (isZeroBlock(block)) return null;

  const stored = parseOctal(block, CHKSUM, CHKSUM_LEN);
  if (stored === null) return `${where}: checksum field is not an octal number`;
  const { unsigned, signed } = checksums(block);
  // POSIX sums the bytes as unsigned; some old tars summed them as signed chars, and GNU tar
  // accepts either, so we do too.
  if (stored !== unsigned && stored !== signed) {
    return `${where}: bad checksum (header says ${octal(stored)}, bytes sum to ${octal(unsigned)})`;
  }

  const posix = matches(block, MAGIC, 'ustar\0') && matches(block, MAGIC + 6, '00');
  const gnu = matches(block, MAGIC, 'ustar  \0');
  if (!posix && !gnu) return `${where}: bad magic ${hex(block.subarray(MAGIC, MAGIC + 8))}, want 'ustar'`;

  const typeflag = block[TYPEFLAG] === 0 ? '0' : String.fromCharCode(block[TYPEFLAG]!);
  if (block[SIZE]! & 0x80) return `${where}: size in GNU base-256 form (a file over 8 GiB) is not supported`;
  const rawSize = parseOctal(block, SIZE, SIZE_LEN);
  if (rawSize === null) return `${where}: size field is not an octal number`;

  let name = cString(block, NAME, NAME_LEN);
  // Only POSIX ustar has a prefix field; GNU's format keeps other fields at that offset.
  if (posix) {
    const prefix = cString(block, PREFIX, PREFIX_LEN);
    if (prefix !== '') name = `${prefix}/${name}`;
  }
  // `tar -C dir .` stores './hello'; the archive's paths are relative either way.
  while (name.startsWith('./')) name = name.slice(2);

  // '7' (contiguous file) is a regular file to implementations without contiguous files (POSIX).
  const type = typeflag === '0' || typeflag === '7' ? 'file' : typeflag === '5' ? 'dir' : 'other';
  if (type === 'dir' && name.endsWith('/')) name = name.slice(0, -1);
  const size = NO_DATA.includes(typeflag) ? 0 : rawSize;
  return { name, size, type, dataOffset: offset + USTAR_BLOCK, typeflag };
}

/** Archive offset of the header after `e`: its data, rounded up to whole blocks. */
export function nextHeaderOffset(e: UstarEntry): number {
  return e.dataOffset + Math.ceil(e.size / USTAR_BLOCK) * USTAR_BLOCK;
}

function isZeroBlock(block: Uint8Array): boolean {
  for (let i = 0; i < USTAR_BLOCK; i++) if (block[i] !== 0) return false;
  return true;
}

/** Sum of the header bytes with the checksum field counted as eight spaces, as unsigned and as signed chars. */
function checksums(block: Uint8Array): { unsigned: number; signed: number } {
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < USTAR_BLOCK; i++) {
    const b = i >= CHKSUM && i < CHKSUM + CHKSUM_LEN ? 0x20 : block[i]!;
    unsigned += b;
    signed += b < 0x80 ? b : b - 0x100;
  }
  return { unsigned, signed };
}

/** An octal field: optional leading spaces, digits, then only NULs or spaces. Null if malformed. */
function parseOctal(block: Uint8Array, at: number, len: number): number | null {
  let i = at;
  const end = at + len;
  while (i < end && block[i] === 0x20) i++;
  let value = 0;
  let digits = 0;
  for (; i < end; i++) {
    const c = block[i]!;
    if (c < 0x30 || c > 0x37) break;
    value = value * 8 + (c - 0x30);
    digits++;
  }
  for (; i < end; i++) if (block[i] !== 0 && block[i] !== 0x20) return null;
  return digits > 0 ? value : null;
}

/** A NUL-terminated string field (a field filled to its length has no NUL). */
function cString(block: Uint8Array, at: number, len: number): string {
  let end = at;
  while (end < at + len && block[end] !== 0) end++;
  return decoder.decode(block.subarray(at, end));
}

function matches(block: Uint8Array, at: number, text: string): boolean {
  for (let i = 0; i < text.length; i++) if (block[at + i] !== text.charCodeAt(i)) return false;
  return true;
}

const octal = (n: number): string => `0o${n.toString(8)}`;
const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
