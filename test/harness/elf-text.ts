// The .text of a one-section ELF32 relocatable object as `as --32` writes it, unlinked or linked
// at an origin: what `objcopy -O binary -j .text` and `ld -Ttext=ORG --oformat binary` make of such
// an object, without the process. Anything beyond that case is null, for the caller to hand to the
// tools themselves: another allocated section with bytes, a symbol outside .text (undefined, or
// in another section), a relocation type not below, a value that would not fit its field.
// (Formats: the System V ABI's ELF chapter and its i386 supplement, relocation types R_386_*.)

const SHT_SYMTAB = 2, SHT_REL = 9, SHT_NOBITS = 8;
const SHF_ALLOC = 0x2;
const SHN_ABS = 0xfff1;
const R_386_32 = 1, R_386_PC32 = 2, R_386_16 = 20, R_386_PC16 = 21, R_386_8 = 22, R_386_PC8 = 23;

interface Section { name: string; type: number; flags: number; offset: number; size: number; link: number; info: number }

function sections(obj: Uint8Array): Section[] | null {
  const v = new DataView(obj.buffer, obj.byteOffset, obj.byteLength);
  // \x7fELF, 32-bit, little-endian, ET_REL, EM_386
  if (obj.length < 52 || v.getUint32(0) !== 0x7f454c46 || obj[4] !== 1 || obj[5] !== 1 || v.getUint16(16, true) !== 1 || v.getUint16(18, true) !== 3) return null;
  const shoff = v.getUint32(0x20, true), shentsize = v.getUint16(0x2e, true), shnum = v.getUint16(0x30, true), shstrndx = v.getUint16(0x32, true);
  const raw = Array.from({ length: shnum }, (_, k) => {
    const h = shoff + k * shentsize;
    return { nameOff: v.getUint32(h, true), type: v.getUint32(h + 4, true), flags: v.getUint32(h + 8, true), offset: v.getUint32(h + 16, true), size: v.getUint32(h + 20, true), link: v.getUint32(h + 24, true), info: v.getUint32(h + 28, true) };
  });
  const strtab = raw[shstrndx];
  if (strtab === undefined) return null;
  const nameAt = (off: number): string => {
    let end = strtab.offset + off;
    while (obj[end] !== 0) end++;
    return String.fromCharCode(...obj.subarray(strtab.offset + off, end));
  };
  return raw.map((s) => ({ name: nameAt(s.nameOff), type: s.type, flags: s.flags, offset: s.offset, size: s.size, link: s.link, info: s.info }));
}

/** The object's .text, or null when it has other allocated bytes that a binary output would hold. */
function onlyText(obj: Uint8Array): { secs: Section[]; text: number } | null {
  const secs = sections(obj);
  if (secs === null) return null;
  const text = secs.findIndex((s) => s.name === '.text');
  if (text < 0) return null;
  if (secs.some((s, k) => k !== text && (s.flags & SHF_ALLOC) !== 0 && s.size > 0)) return null;
  return { secs, text };
}

/** A copy of the bytes of section `s` (zeros for NOBITS). */
const bytesOf = (obj: Uint8Array, s: Section): Uint8Array => (s.type === SHT_NOBITS ? new Uint8Array(s.size) : obj.slice(s.offset, s.offset + s.size));

/** `objcopy -O binary -j .text`: the section's bytes as they are (relocations not applied). */
export function textOf(obj: Uint8Array): Uint8Array | null {
  const t = onlyText(obj);
  return t === null ? null : bytesOf(obj, t.secs[t.text]!);
}

/** `ld -m elf_i386 -Ttext=ORG --oformat binary`: .text placed at `org`, its relocations applied. */
export function linkText(obj: Uint8Array, org: number): Uint8Array | null {
  const t = onlyText(obj);
  if (t === null) return null;
  const { secs, text } = t;
  const out = bytesOf(obj, secs[text]!);
  const ov = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const v = new DataView(obj.buffer, obj.byteOffset, obj.byteLength);
  for (const rel of secs) {
    if (rel.type !== SHT_REL || rel.info !== text) continue;
    const symtab = secs[rel.link];
    if (symtab?.type !== SHT_SYMTAB) return null;
    for (let e = rel.offset; e < rel.offset + rel.size; e += 8) {
      const off = v.getUint32(e, true), info = v.getUint32(e + 4, true);
      const sym = symtab.offset + (info >>> 8) * 16;
      const value = v.getUint32(sym + 4, true), shndx = v.getUint16(sym + 14, true);
      let S: number;
      if (shndx === text) S = org + value;
      else if (shndx === SHN_ABS) S = value;
      else return null; // undefined, or in another section: ld's business (and its error)
      const P = org + off;
      switch (info & 0xff) {
        case R_386_32: if (off + 4 > out.length) return null; ov.setUint32(off, (ov.getUint32(off, true) + S) >>> 0, true); break;
        case R_386_PC32: if (off + 4 > out.length) return null; ov.setUint32(off, (ov.getUint32(off, true) + S - P) >>> 0, true); break;
        case R_386_16: case R_386_PC16: {
          if (off + 2 > out.length) return null;
          const pc = (info & 0xff) === R_386_PC16;
          const x = (pc ? ov.getInt16(off, true) : ov.getUint16(off, true)) + S - (pc ? P : 0);
          if (pc ? x < -0x8000 || x > 0x7fff : x < 0 || x > 0xffff) return null;
          ov.setUint16(off, x & 0xffff, true);
          break;
        }
        case R_386_8: case R_386_PC8: {
          if (off + 1 > out.length) return null;
          const pc = (info & 0xff) === R_386_PC8;
          const x = (pc ? ov.getInt8(off) : ov.getUint8(off)) + S - (pc ? P : 0);
          if (pc ? x < -0x80 || x > 0x7f : x < 0 || x > 0xff) return null;
          ov.setUint8(off, x & 0xff);
          break;
        }
        default: return null;
      }
    }
  }
  return out;
}
