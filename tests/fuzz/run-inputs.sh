#!/bin/sh
# Run a libFuzzer target once over every file of the given directories
# (seed corpus, regression inputs) without fuzzing; fails when any input
# crashes, leaks or trips UBSan (exit 1, never 77, which meson reads as
# "skipped").  Missing or empty directories are fine.
# Usage: run-inputs.sh TARGET DIR...
set -u
target=$1
shift
files=
for d in "$@"; do
	[ -d "$d" ] || continue
	for f in "$d"/*; do
		[ -f "$f" ] && files="$files $f"
	done
done
[ -n "$files" ] || { echo "no inputs"; exit 0; }
# shellcheck disable=SC2086
exec "$target" -runs=1 -rss_limit_mb=2048 -timeout=10 -error_exitcode=1 -timeout_exitcode=1 $files </dev/null
