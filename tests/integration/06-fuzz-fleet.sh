#!/bin/sh
# The fleet file loader (parse, check, expand) and the seeds of what it
# loads, under mutated and hostile fleet files, with ASan + UBSan, for about
# 6 seconds with a fresh seed (printed; FUZZ_SEED=N replays a run,
# FUZZ_SECS=S runs longer).  A failure prints the seed and the input's
# index: `build/san/fuzz/fuzz_fleet -s SEED -i I [-o FILE]` runs (writes)
# that input alone.  `make fuzz-long` runs a million.
set -u
BIN=build/san/fuzz/fuzz_fleet
SECS=${FUZZ_SECS:-6}
if [ ! -x "$BIN" ]; then
	echo "06-fuzz-fleet: skip: $BIN not built (make check builds it)" >&2
	exit 77
fi
out=$("$BIN" ${FUZZ_SEED:+-s "$FUZZ_SEED"} -t "$SECS" -j 2 2>&1)
rc=$?
echo "$out" | tail -n 40
if [ "$rc" -ne 0 ]; then
	echo "06-fuzz-fleet: FAIL: fuzz_fleet exited $rc" >&2
	exit 1
fi
# Guard against a fuzzer that silently stopped working or never reaches
# the expansion.
set -- $(echo "$out" | sed -n 's/.*: \([0-9]*\) inputs in .*, \([0-9]*\) deep.*/\1 \2/p')
if [ "${1:-0}" -lt 1000 ] || [ "${2:-0}" -lt 10 ]; then
	echo "06-fuzz-fleet: FAIL: only '${1:-?}' inputs ('${2:-?}' loaded) tried" >&2
	exit 1
fi
exit 0
