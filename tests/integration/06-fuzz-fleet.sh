#!/bin/sh
# The fleet file loader (parse, check, expand) under mutated fleet files,
# with ASan + UBSan: about 6 seconds, deterministic for a given seed.
#   FUZZ_SEED=N FUZZ_SECS=S sh tests/integration/06-fuzz-fleet.sh
# A failure prints the input and the seed; `build/san/fuzz/fuzz_fleet -s
# SEED -n N` replays the first N inputs of that run.
set -u
BIN=build/san/fuzz/fuzz_fleet
SEED=${FUZZ_SEED:-1}
SECS=${FUZZ_SECS:-6}
if [ ! -x "$BIN" ]; then
	echo "06-fuzz-fleet: skip: $BIN not built (make check builds it)" >&2
	exit 77
fi
out=$("$BIN" -s "$SEED" -t "$SECS" 2>&1)
rc=$?
echo "$out" | tail -n 40
if [ "$rc" -ne 0 ]; then
	echo "06-fuzz-fleet: FAIL: fuzz_fleet -s $SEED exited $rc" >&2
	exit 1
fi
# Guard against a fuzzer that silently stopped working or never reaches
# the expansion.
set -- $(echo "$out" | sed -n 's/.*: \([0-9]*\) fleet files in .* (\([0-9]*\) valid).*/\1 \2/p')
if [ "${1:-0}" -lt 1000 ] || [ "${2:-0}" -lt 10 ]; then
	echo "06-fuzz-fleet: FAIL: only '${1:-?}' inputs ('${2:-?}' valid) tried" >&2
	exit 1
fi
exit 0
