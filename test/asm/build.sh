#!/usr/bin/env bash
# Assembles every test program in this folder into a flat binary: test/asm/bin/NAME.bin (or into
# the folder given as $1). The .bin files are committed, so the tests run without a toolchain;
# test/asm/asm.test.ts rebuilds them into a temporary folder and checks that they are current.
#
#   NAME.S       flat 32-bit protected mode, linked at 0x10000 (NAME.486.S too: asm.test.ts runs it
#                on the 486 model)
#   NAME.real.S  real mode (--defsym REAL=1), linked at 0x1000
#   NAME.pm.S    (and NAME.486.pm.S) linked at 0x1000 and entered in real mode: the program
#                switches to protected mode itself (pm.inc)
#   rom/NAME.S   a 64 KiB ROM image, bin/rom/NAME.bin, linked by rom/rom.ld so that its reset
#                vector is at F000:FFF0, as firmware/demo.S is
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
    *.pm)   defs=(); org=0x1000 ;;
    *)      defs=(); org=0x10000 ;;
  esac
  as --32 -I "$here" "${defs[@]}" -o "$tmp/$name.o" "$src"
  ld -m elf_i386 "${ldflags[@]}" -N -e _start -Ttext="$org" -o "$tmp/$name.elf" "$tmp/$name.o"
  objcopy -O binary "$tmp/$name.elf" "$out/$name.bin"
done
mkdir -p "$out/rom"
for src in "$here"/rom/*.S; do
  [ -e "$src" ] || continue
  name="$(basename "$src" .S)"
  as --32 -I "$here/rom" -o "$tmp/rom-$name.o" "$src"
  ld -m elf_i386 "${ldflags[@]}" -T "$here/rom/rom.ld" -o "$tmp/rom-$name.elf" "$tmp/rom-$name.o"
  objcopy -O binary "$tmp/rom-$name.elf" "$out/rom/$name.bin"
  test "$(stat -c %s "$out/rom/$name.bin")" = 65536 || { echo "rom/$name.bin is not 64 KiB" >&2; exit 1; }
done
