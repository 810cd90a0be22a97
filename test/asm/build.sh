#!/usr/bin/env bash
# Assembles every test program in this folder into a flat binary: test/asm/bin/NAME.bin (or into
# the folder given as $1). The .bin files are committed, so the tests run without a toolchain;
# test/asm/asm.test.ts rebuilds them into a temporary folder and checks that they are current.
#
#   NAME.S       flat 32-bit protected mode, linked at 0x10000
#   NAME.real.S  real mode (--defsym REAL=1), linked at 0x1000
#
# -N puts .data straight after .text in one writable segment, so the binary is one image with no
# page-alignment padding.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here/bin}"
mkdir -p "$out"
tmp="$(mktemp -d)"
# binutils 2.39+ warns about the one RWX segment -N makes; older ld has no flag to silence it.
ldflags=(); case "$(ld --help 2>/dev/null)" in *--no-warn-rwx-segments*) ldflags=(--no-warn-rwx-segments) ;; esac
trap 'rm -rf "$tmp"' EXIT
for src in "$here"/*.S; do
  name="$(basename "$src" .S)"
  case "$name" in
    *.real) defs=(--defsym REAL=1); org=0x1000 ;;
    *)      defs=(); org=0x10000 ;;
  esac
  as --32 -I "$here" "${defs[@]}" -o "$tmp/$name.o" "$src"
  ld -m elf_i386 "${ldflags[@]}" -N -e _start -Ttext="$org" -o "$tmp/$name.elf" "$tmp/$name.o"
  objcopy -O binary "$tmp/$name.elf" "$out/$name.bin"
done
