#!/usr/bin/env bash
# Builds the firmware images in this folder with GNU as/ld/objcopy. The .bin files are committed;
# test/unit/firmware.test.ts checks that they match their sources.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for name in demo bios; do
  as --32 -o "$tmp/$name.o" "$here/$name.S"
  ld -m elf_i386 -T "$here/$name.ld" -o "$tmp/$name.elf" "$tmp/$name.o"
  objcopy -O binary "$tmp/$name.elf" "$tmp/$name.bin"
  test "$(stat -c %s "$tmp/$name.bin")" = 65536 || { echo "$name.bin is not 64 KiB" >&2; exit 1; }
  cp "$tmp/$name.bin" "$out/$name.bin"
done
