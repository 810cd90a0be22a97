#!/usr/bin/env bash
# Builds the disk images in this folder with GNU as/ld/objcopy: demo.img from src/demo/demo.S
# (a boot sector and the program it loads, linked at 7C00h, padded with zeros to 64 KiB).
# The images are committed; test/unit/cli/demo-image.test.ts checks they match their sources.
# Usage: images/build.sh [OUTPUT_DIR]   (default: this folder)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
as --32 -o "$tmp/demo.o" "$here/src/demo/demo.S"
ld -m elf_i386 -Ttext=0x7c00 -e 0x7c00 -o "$tmp/demo.elf" "$tmp/demo.o"
objcopy -O binary -j .text "$tmp/demo.elf" "$tmp/demo.bin"
size="$(stat -c %s "$tmp/demo.bin")"
test "$size" -le 65536 || { echo "demo.img: the program is $size bytes, more than 64 KiB" >&2; exit 1; }
truncate -s 64K "$tmp/demo.bin"
cp "$tmp/demo.bin" "$out/demo.img"
chmod 644 "$out/demo.img"
