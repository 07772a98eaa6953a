#!/bin/sh
# The Mustache renderer under random, built and mutated templates, with
# ASan + UBSan: about 6 seconds, deterministic for a given seed.
#   FUZZ_SEED=N FUZZ_SECS=S sh tests/integration/05-fuzz.sh
# A failure prints the seed; `build/san/fuzz/fuzz_mustache -s SEED -n N`
# replays the first N templates of that run.
set -u
BIN=build/san/fuzz/fuzz_mustache
SEED=${FUZZ_SEED:-1}
SECS=${FUZZ_SECS:-6}
if [ ! -x "$BIN" ]; then
	echo "05-fuzz: skip: $BIN not built (make check builds it)" >&2
	exit 77
fi
out=$("$BIN" -s "$SEED" -t "$SECS" 2>&1)
rc=$?
echo "$out" | tail -n 40
if [ "$rc" -ne 0 ]; then
	echo "05-fuzz: FAIL: fuzz_mustache -s $SEED exited $rc" >&2
	exit 1
fi
# Guard against a fuzzer that silently stopped working.
runs=$(echo "$out" | sed -n 's/.*: \([0-9]*\) templates in.*/\1/p')
if [ -z "$runs" ] || [ "$runs" -lt 1000 ]; then
	echo "05-fuzz: FAIL: only '${runs:-?}' templates tried" >&2
	exit 1
fi
exit 0
