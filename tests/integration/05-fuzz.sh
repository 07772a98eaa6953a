#!/bin/sh
# The Mustache renderer under random, built and mutated templates, with
# ASan + UBSan, for about 6 seconds with a fresh seed (printed; set
# FUZZ_SEED to replay a run, FUZZ_SECS for longer).  A failure prints the
# seed and the input's index: `build/san/fuzz/fuzz_mustache -s SEED -i I`
# runs that input alone.  `make fuzz-long` runs a million.
# Then the supervisor itself: an input that hangs, one that crashes and one
# that grows without bound must each be caught and named.
set -u
BIN=build/san/fuzz/fuzz_mustache
SECS=${FUZZ_SECS:-6}
if [ ! -x "$BIN" ]; then
	echo "05-fuzz: skip: $BIN not built (make check builds it)" >&2
	exit 77
fi
fail() { echo "05-fuzz: FAIL: $*" >&2; exit 1; }
out=$("$BIN" ${FUZZ_SEED:+-s "$FUZZ_SEED"} -t "$SECS" -j 2 2>&1)
rc=$?
echo "$out" | tail -n 40
[ "$rc" -eq 0 ] || fail "fuzz_mustache exited $rc"
# Guard against a fuzzer that silently stopped working.
runs=$(echo "$out" | sed -n 's/.*: \([0-9]*\) inputs in .*/\1/p')
[ -n "$runs" ] && [ "$runs" -ge 1000 ] || fail "only '${runs:-?}' templates tried"
echo "$out" | grep -q 'inputs/s' || fail "no rate printed"

# The supervisor: each misbehaving input is caught, named and fails the run.
shift_sup() { k=$1; shift; HERD_FUZZ_SELFTEST=$k "$BIN" -s 1 -n 400 "$@" >"$T" 2>&1; }
T=$(mktemp) || exit 1
trap 'rm -f "$T"' EXIT
shift_sup hang:123 -T 1 && fail "a hanging input passed"
grep -q "FAIL: input 123 of seed 1 ran longer than 1 s" "$T" || fail "hang: $(cat "$T")"
shift_sup crash:77 -j 2 && fail "a crashing input passed"
grep -q "FAIL: input 77 of seed 1 crashed (signal 6)" "$T" || fail "crash: $(cat "$T")"
grep -q "replay: $BIN -s 1 -i 77" "$T" || fail "no replay line: $(cat "$T")"
shift_sup grow:5 -M 200 && fail "an input that grows passed"
grep -q "FAIL: input 5 of seed 1 took more than 200 MiB" "$T" || fail "grow: $(cat "$T")"
# the same seed and index make the same input, in one job or two
a=$("$BIN" -s 99 -n 500 | sed -n 's/.* inputs in .*, \([0-9]*\) deep.*/\1/p')
b=$("$BIN" -s 99 -n 500 -j 2 | sed -n 's/.* inputs in .*, \([0-9]*\) deep.*/\1/p')
[ -n "$a" ] && [ "$a" = "$b" ] || fail "seed 99 does not replay: '$a' and '$b' deep"
echo "05-fuzz: ok (supervisor catches hangs, crashes and growth; seeds replay)"
exit 0
