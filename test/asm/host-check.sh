#!/usr/bin/env bash
# Runs the protected-mode test programs natively, as Linux i386 user programs (--defsym HOST=1),
# to check their expected values against the processor of the machine this runs on. Parts that
# need CPL 0 or fixed low addresses are left out in this mode (`.if HOST == 0`), and so are
# behaviours where a modern processor differs from the 386 (`.if HOST == 0` with a comment).
# Needs an x86 Linux host that can run 32-bit programs. Usage: test/asm/host-check.sh [NAME...]
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
tmp="$(mktemp -d)"
# binutils 2.39+ warns about the one RWX segment -N makes; older ld has no flag to silence it.
ldflags=(); case "$(ld --help 2>/dev/null)" in *--no-warn-rwx-segments*) ldflags=(--no-warn-rwx-segments) ;; esac
trap 'rm -rf "$tmp"' EXIT
status=0
if [ $# -gt 0 ]; then names=("$@"); else names=(); for s in "$here"/*.S; do n="$(basename "$s" .S)"; case "$n" in *.real) ;; *) names+=("$n") ;; esac; done; fi
for name in "${names[@]}"; do
  as --32 -I "$here" --defsym HOST=1 -o "$tmp/$name.o" "$here/$name.S" &&
    ld -m elf_i386 "${ldflags[@]}" -N -e _start -o "$tmp/$name" "$tmp/$name.o" || { status=1; continue; }
  output="$("$tmp/$name")"
  rc=$?
  if [ -z "$output" ]; then echo "$name: (nothing here runs outside ring 0)"; else printf '%s\n' "$output" | sed "s/^/$name: /"; fi
  if [ $rc -ne 0 ] || printf '%s' "$output" | grep -q FAIL; then echo "$name: FAILED (exit $rc)"; status=1; fi
done
exit $status
