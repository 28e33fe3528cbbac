#!/bin/bash
# Fuzz by hand for longer than CI does: scripts/fuzz with an hour per target
# (or SECONDS), keeping the grown corpora in build-fuzz/fuzz-work between
# runs.  On a machine of your own, FUZZ_EXTRA='-jobs=N -workers=N' runs N
# processes per target.  Inputs that crash land in
# build-fuzz/fuzz-work/TARGET/artifacts/: copy each to
# tests/fuzz/regressions/TARGET/ once it is understood.
#
#   bench/fuzz-long.sh [SECONDS_PER_TARGET] [TARGET...]
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-3600}
[ $# -gt 0 ] && shift
exec "$here/scripts/fuzz" "$secs" "$@"
