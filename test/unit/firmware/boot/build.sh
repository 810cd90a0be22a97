#!/usr/bin/env bash
# Builds the boot sectors bios.test.ts boots (each NAME.S -> NAME.bin, 512 bytes, linked at 7C00h)
# with GNU as/ld/objcopy. The .bin files are committed; bios.test.ts checks they match their sources.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for src in "$here"/*.S; do
  name="$(basename "$src" .S)"
  as --32 -I "$here" -o "$tmp/$name.o" "$src"
  ld -m elf_i386 -Ttext=0x7c00 -e 0x7c00 -o "$tmp/$name.elf" "$tmp/$name.o"
  objcopy -O binary -j .text "$tmp/$name.elf" "$tmp/$name.bin"
  test "$(stat -c %s "$tmp/$name.bin")" = 512 || { echo "$name.bin is not 512 bytes" >&2; exit 1; }
  cp "$tmp/$name.bin" "$out/$name.bin"
done
