#!/usr/bin/env bash
# Builds the disk images in this folder:
#
#   demo.img      GNU as/ld/objcopy, from src/demo/demo.S: a boot sector and the program it loads,
#                 linked at 7C00h, padded with zeros to 64 KiB.
#   programs.img  gcc -m32 and GNU ld, from src/bin/*.c, src/libc/ and src/files/: a ustar archive
#                 of static i386 ELF programs and a README, the program disk the kernel runs from.
#                 programs.toolchain records which gcc and ld built it: another version of either
#                 compiles to other bytes. build/PROG: each program unstripped, with -g (gitignored).
#                 Each program is on the disk twice: as PROG, linked at ld's usual 0x08048000 for the
#                 paging kernel, and as seg/PROG, the same objects linked with the text segment at
#                 0 for the kernel's --mm segments, where every address is an offset in the
#                 process's segment (ld -Ttext-segment=0, and 32-byte "pages": the first PT_LOAD at
#                 address 0 with the ELF header and program headers in its first bytes, then text
#                 and rodata, then data and bss a few bytes after them, not a page: address and
#                 file offset agree modulo 32). build/seg/PROG: those, unstripped, with -g.
#
# The images are committed; test/unit/cli/demo-image.test.ts and test/unit/images/programs-image.test.ts
# check they match their sources. Both are deterministic: the same sources and tools give the same bytes.
# Without a gcc that can compile for i386 (Debian: gcc-multilib), programs.img is left alone.
# Usage: images/build.sh [OUTPUT_DIR]   (default: this folder)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
export LC_ALL=C

# --- demo.img ---
as --32 -o "$tmp/demo.o" "$here/src/demo/demo.S"
ld -m elf_i386 -Ttext=0x7c00 -e 0x7c00 -o "$tmp/demo.elf" "$tmp/demo.o"
objcopy -O binary -j .text "$tmp/demo.elf" "$tmp/demo.bin"
size="$(stat -c %s "$tmp/demo.bin")"
test "$size" -le 65536 || { echo "demo.img: the program is $size bytes, more than 64 KiB" >&2; exit 1; }
truncate -s 64K "$tmp/demo.bin"
cp "$tmp/demo.bin" "$out/demo.img"
chmod 644 "$out/demo.img"

# --- programs.img ---
# Freestanding i386 code: no libc but ours (-nostdinc; only gcc's own stddef.h/stdarg.h), no PIC,
# no stack protector, no CET endbr32 (not an i386 instruction), no unwind tables. -fno-builtin
# and -fno-tree-loop-distribute-patterns keep gcc from turning our memset loop into a call to memset.
gccinc="$(gcc -m32 -print-file-name=include 2>/dev/null)" || gccinc=/nonexistent
CFLAGS=(-m32 -march=i386 -ffreestanding -nostdlib -nostdinc -isystem "$gccinc" -I "$here/src/libc"
  -fno-pic -fno-pie -fno-stack-protector -fcf-protection=none -fno-asynchronous-unwind-tables
  -fno-builtin -fno-tree-loop-distribute-patterns -O2 -static -Wall -Wextra -g)
if ! printf '#include <stdarg.h>\n#include <stddef.h>\nint x;\n' |
    gcc "${CFLAGS[@]}" -x c -c -o "$tmp/probe.o" - 2>/dev/null; then
  echo "build.sh: gcc cannot compile for i386 here (install gcc-multilib); programs.img not rebuilt" >&2
  exit 0
fi
mkdir "$tmp/libc" "$tmp/bin" "$tmp/disk"
# Each program is also kept unstripped, with its -g debug information, in build/ beside the disk
# (gitignored): the symbols for gdb (`gdb images/build/hello`, ts386 --gdb). -g changes no code,
# and strip takes it all out again, so the disk's bytes are the same with it or without.
mkdir -p "$out/build/seg" "$tmp/disk/seg"
gcc "${CFLAGS[@]}" -c -o "$tmp/libc/crt0.o" "$here/src/libc/crt0.S"
libc=()
for src in "$here"/src/libc/*.c; do
  obj="$tmp/libc/$(basename "$src" .c).o"
  gcc "${CFLAGS[@]}" -c -o "$obj" "$src"
  libc+=("$obj")
done
ar rcD "$tmp/libc/libc.a" "${libc[@]}"
programs=() segs=()
for src in "$here"/src/bin/*.c; do
  name="$(basename "$src" .c)"
  gcc "${CFLAGS[@]}" -c -o "$tmp/bin/$name.o" "$src"
  # -z noseparate-code: the classic two PT_LOAD segments, text+rodata (R X) from 0x08048000 and
  # data+bss (R W), instead of four page-padded ones; smaller files, the same protections.
  # seg/NAME: the same link with the text segment at 0, for the segmented memory mode. With no
  # paging there is nothing to align to pages: max-page-size=32 packs data right after text (32 is
  # the most gcc aligns data to on i386, so bss gets no PT_LOAD of its own).
  for variant in "$name" "seg/$name"; do
    base=()
    [ "$variant" = "$name" ] || base=(-Ttext-segment=0 -z max-page-size=32 -z common-page-size=32)
    ld -m elf_i386 -static --build-id=none -z noseparate-code -z noexecstack -e _start "${base[@]}" \
      -o "$tmp/disk/$variant" "$tmp/libc/crt0.o" "$tmp/bin/$name.o" "$tmp/libc/libc.a"
    cp "$tmp/disk/$variant" "$out/build/$variant"
    strip --strip-all --remove-section=.comment "$tmp/disk/$variant"
    chmod 755 "$tmp/disk/$variant"
  done
  programs+=("$name")
  segs+=("seg/$name")
done
for f in "$here"/src/files/*; do
  cp "$f" "$tmp/disk/"
  chmod 644 "$tmp/disk/$(basename "$f")"
  programs+=("$(basename "$f")")
done
tar --format=ustar --owner=0 --group=0 --numeric-owner --mtime=@0 --sort=name \
  -cf "$tmp/programs.img" -C "$tmp/disk" "${programs[@]}" "${segs[@]}"
cp "$tmp/programs.img" "$out/programs.img"
chmod 644 "$out/programs.img"
{ gcc --version | head -n 1; ld --version | head -n 1; } > "$out/programs.toolchain"
chmod 644 "$out/programs.toolchain"
