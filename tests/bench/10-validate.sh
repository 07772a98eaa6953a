#!/bin/sh
# Validate-and-expand time and peak memory for a fleet of 10,100 VMs: one
# group of 10,000 plus 100 explicit vms: entries (tests/bench/gen-fleet.sh),
# `herd validate` = parse, check every field, expand names, MACs and IPs.
# Baseline, in the same run: `herd validate` of a one-VM fleet (process
# start and fixed costs).  Also shown: 10,100 explicit entries, where
# every VM is parsed and merged on its own.
# Goal: under 0.5 s and under 100 MiB for the 10,100-VM fleet.
# Peak memory is GNU time's maximum resident set size (`time` package).
set -u
ROOT=$(pwd)
HERD=${HERD:-build/herd}
case "$HERD" in /*) ;; *) HERD=$ROOT/$HERD ;; esac
RUNS=${BENCH_RUNS:-5}
[ -x "$HERD" ] || { echo "10-validate: build herd first" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "10-validate: skip: no /usr/bin/time (apt-get install time)" >&2; exit 77; }
T=$(mktemp -d /tmp/herd-bench-validate.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT TERM HUP

sh tests/bench/gen-fleet.sh "$T/fleet.yaml" 10000 100 || exit 1
sh tests/bench/gen-fleet.sh "$T/explicit.yaml" 0 10100 || exit 1
sh tests/bench/gen-fleet.sh "$T/one.yaml" 1 0 || exit 1

# measure FILE: the median wall time (us), the largest max RSS (KiB) and
# the median CPU time (user + sys, s) over RUNS runs, as "US KIB CPU";
# fails if validate does.  CPU time is shown too because the machine may
# be shared: wall time then includes waiting for a core.
measure() {
	file=$1
	: > "$T/times"
	: > "$T/cpus"
	rss=0 i=0
	while [ "$i" -lt "$RUNS" ]; do
		t0=$(date +%s%N)
		/usr/bin/time -f '%M %U %S' -o "$T/rss" "$HERD" -f "$file" validate > "$T/out" 2> "$T/err" ||
			{ echo "10-validate: herd validate $file failed:" >&2; cat "$T/err" >&2; return 1; }
		t1=$(date +%s%N)
		echo $(( (t1 - t0) / 1000 )) >> "$T/times"
		set -- $(tail -n 1 "$T/rss")
		[ "$1" -gt "$rss" ] && rss=$1
		awk -v u="$2" -v s="$3" 'BEGIN { print u + s }' >> "$T/cpus"
		i=$((i + 1))
	done
	us=$(sort -n "$T/times" | sed -n "$(( (RUNS + 1) / 2 ))p")
	cpu=$(sort -n "$T/cpus" | sed -n "$(( (RUNS + 1) / 2 ))p")
	echo "$us $rss $cpu"
}

m=$(measure "$T/fleet.yaml") || exit 1
set -- $m
big_us=$1 big_kib=$2 big_cpu=$3
summary=$(cat "$T/out")
m=$(measure "$T/one.yaml") || exit 1
set -- $m
one_us=$1 one_kib=$2 one_cpu=$3
m=$(measure "$T/explicit.yaml") || exit 1
set -- $m
ex_us=$1 ex_kib=$2 ex_cpu=$3

ms() { awk -v u="$1" 'BEGIN { printf "%.1f ms", u / 1000 }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }
echo "10-validate: $summary"
echo "10-validate: 10,000-VM group + 100 vms: $(ms "$big_us") wall, ${big_cpu} s CPU, peak $(mib "$big_kib") (median of $RUNS)"
echo "10-validate: 10,100 explicit vms:        $(ms "$ex_us") wall, ${ex_cpu} s CPU, peak $(mib "$ex_kib")"
echo "10-validate: baseline, 1 VM:             $(ms "$one_us") wall, ${one_cpu} s CPU, peak $(mib "$one_kib")"
awk -v b="$big_us" -v o="$one_us" -v bk="$big_kib" -v ok="$one_kib" 'BEGIN {
	printf "10-validate: ratio to baseline: %.1fx time, %.1fx memory\n", b / o, bk / ok }'
if [ "$big_us" -lt 500000 ] && [ "$big_kib" -lt 102400 ]; then
	echo "10-validate: goal met (under 0.5 s and 100 MiB)"
else
	echo "10-validate: goal MISSED (want under 0.5 s and 100 MiB)"
	exit 1
fi
