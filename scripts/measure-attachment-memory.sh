#!/usr/bin/env bash
# Peak memory of handling a 256 MiB attachment (issue 13: at most 64 MiB above idle, streaming,
# never the whole file): `attach add`, `export --with-attachments`, `import --dry-run`,
# `import` and `attach get`, each against `case list` on the same vault measured in the same
# run (the idle baseline: the same binary opening the same vault). Prints GNU time's %M for
# each and the difference. Needs about 1.5 GiB of disk for a few minutes. Run by hand:
# `bash scripts/measure-attachment-memory.sh` (PROFILE=debug to reuse a test build).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v /usr/bin/time >/dev/null || { echo "needs GNU time (apt install time)" >&2; exit 1; }
profile="${PROFILE:-release}"
if [ "$profile" = release ]; then cargo build --quiet --release --bin casebook; else cargo build --quiet --bin casebook; fi
bin="${CARGO_TARGET_DIR:-$PWD/target}/$profile/casebook"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export CASEBOOK_PASSPHRASE="measure memory passphrase"
for v in a b; do
  CASEBOOK_VAULT="$work/$v" "$bin" init --kdf-memory-mib 8 --kdf-iterations 1 --kdf-parallelism 1 >/dev/null
done
case_id="$(echo '{"full_name": "Measure Memory"}' | CASEBOOK_VAULT="$work/a" "$bin" case add --json -)"
key_b="$(CASEBOOK_VAULT="$work/b" "$bin" identity show | awk "NR == 1")"
head -c $((256 * 1024 * 1024)) /dev/urandom > "$work/scan.bin"
peak() { # vault, then the command's arguments: prints the peak RSS in KiB
  local v="$1"; shift
  local out
  out="$( { CASEBOOK_VAULT="$work/$v" /usr/bin/time -f 'PEAK %M' "$bin" "$@" >/dev/null; } 2>&1)" || { echo "failed: $out" >&2; exit 1; }
  grep -o 'PEAK [0-9]*' <<<"$out" | cut -d' ' -f2
}
idle=$(peak a case list)
printf '%-22s %9s %12s\n' step peak_MiB above_idle_MiB
row() { printf '%-22s %9d %12d\n' "$1" $(($2 / 1024)) $((($2 - idle) / 1024)); }
row "case list (idle)" "$idle"
row "attach add 256 MiB" "$(peak a attach add "$case_id" "$work/scan.bin")"
row "export" "$(peak a export --all --with-attachments --recipient "$key_b" --out "$work/b.age")"
row "import --dry-run" "$(peak b import "$work/b.age" --dry-run)"
row "import" "$(peak b import "$work/b.age")"
att="$(CASEBOOK_VAULT="$work/b" "$bin" attach list "$case_id" --json | grep -o '"id": *"[^"]*"' | head -1 | cut -d'"' -f4)"
row "attach get" "$(peak b attach get "$att" --out "$work/back.bin")"
cmp -s "$work/scan.bin" "$work/back.bin" && echo "the file came back byte for byte" || { echo "the file differs" >&2; exit 1; }
