#!/usr/bin/env bash
# Regenerate tcvn3.json (TCVN3 / VN3 / "ABC" byte -> Unicode) from glibc iconv.
#
# Usage: bash ingest/data/make_tcvn3_table.sh > ingest/data/tcvn3.json
#
# Python has no TCVN 5712:1993 codec, so the table is taken from an independent, well-kept
# implementation: glibc's TCVN5712-1 converter, one byte at a time for 0x80-0xFF. ASCII is
# identity and is not stored. glibc (VN1) also maps some C0 bytes (0x01, 0x02, 0x04-0x06,
# 0x11-0x17) to capital letters with tone marks; VN3/.VnTime files never use them, and mapping
# them would turn binary junk into letters, so they are deliberately left out. The script
# checks that TAB, LF and CR stay control characters.
set -euo pipefail
command -v iconv >/dev/null || { echo "iconv not found" >&2; exit 1; }

for b in 09 0a 0d; do
  out=$(printf "\\x$b" | iconv -f TCVN5712-1 -t UTF-8 | od -An -tx1 | tr -d ' \n')
  [ "$out" = "$b" ] || { echo "byte $b does not map to itself ($out)" >&2; exit 1; }
done

printf '{\n'
for i in $(seq 128 255); do
  b=$(printf '%02x' "$i")
  ch=$(printf "\\x$b" | iconv -f TCVN5712-1 -t UTF-8)
  sep=','
  [ "$i" -eq 255 ] && sep=''
  printf ' "%s": "%s"%s\n' "$b" "$ch" "$sep"
done
printf '}\n'
