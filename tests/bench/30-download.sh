#!/bin/sh
# tests/bench/30-download.sh — download rate of a 256 MiB image from a
# loopback nginx: `herd image pull` (SHA-256 verified while streaming, into
# the cache) against `curl -o` of the same file in the same run.  Best of
# RUNS for each, wall clock around the whole process.  Goal: herd >= 90% of
# curl.  Prints figures; fails only if something breaks.
#
# It also times `openssl dgst -sha256` of the same file, already in memory:
# one SHA-256 stream cannot be split across cores, so that rate bounds any
# verified download, and herd/curl can't exceed sha256/curl.  On a machine
# where SHA-256 runs slower than the loopback transfer, that bound is below
# the goal.
set -u
HERD=${HERD:-$(pwd)/build/herd}
RUNS=${RUNS:-3}
MIB=${MIB:-256}
[ -x "$HERD" ] || { echo "30-download: $HERD not built" >&2; exit 77; }
command -v nginx >/dev/null || { echo "30-download: nginx not installed" >&2; exit 77; }
command -v curl >/dev/null || { echo "30-download: curl not installed" >&2; exit 77; }
command -v openssl >/dev/null || { echo "30-download: openssl not installed" >&2; exit 77; }

T=$(mktemp -d /tmp/herd-bench-30.XXXXXX)
NGX_PID=
cleanup() {
	[ -n "$NGX_PID" ] && { kill "$NGX_PID" 2>/dev/null; wait "$NGX_PID" 2>/dev/null; }
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
unset http_proxy HTTP_PROXY ALL_PROXY all_proxy

mkdir -p "$T/www" "$T/tmp"
head -c "${MIB}M" /dev/urandom > "$T/www/big.img"
SUM=$(sha256sum "$T/www/big.img" | cut -d' ' -f1)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$T/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $T/nginx.pid;
error_log $T/error.log;
events { worker_connections 64; }
http {
	access_log off;
	sendfile on;
	client_body_temp_path $T/tmp; proxy_temp_path $T/tmp;
	fastcgi_temp_path $T/tmp; uwsgi_temp_path $T/tmp; scgi_temp_path $T/tmp;
	server { listen 127.0.0.1:$PORT; root $T/www; }
}
EOF
nginx -c "$T/nginx.conf" -p "$T" &
NGX_PID=$!
URL=http://127.0.0.1:$PORT/big.img
i=0
until curl -s -o /dev/null "http://127.0.0.1:$PORT/"; do
	i=$((i + 1)); [ $i -gt 50 ] && { echo "30-download: nginx did not start" >&2; exit 1; }
	sleep 0.1
done
curl -s -o /dev/null "$URL"	# warm the page cache for both contenders

now() { date +%s%N; }
best_curl=0 best_herd=0 best_sha=0
for r in $(seq "$RUNS"); do
	t0=$(now); openssl dgst -sha256 "$T/www/big.img" > /dev/null || exit 1; t1=$(now)
	[ $((t1 - t0)) -lt "$best_sha" ] || [ "$best_sha" -eq 0 ] && best_sha=$((t1 - t0))
	rm -f "$T/curl.out"; sync
	t0=$(now); curl -s -o "$T/curl.out" "$URL" || exit 1; t1=$(now)
	[ $((t1 - t0)) -lt "$best_curl" ] || [ "$best_curl" -eq 0 ] && best_curl=$((t1 - t0))
	rm -f "$T/curl.out"
	rm -rf "$T/cache"; sync
	t0=$(now); HERD_CACHE_DIR="$T/cache" "$HERD" -q image pull "$URL" --sha256 "$SUM" > /dev/null || exit 1; t1=$(now)
	[ $((t1 - t0)) -lt "$best_herd" ] || [ "$best_herd" -eq 0 ] && best_herd=$((t1 - t0))
	cmp -s "$T/www/big.img" "$T/cache/sha256-$SUM" || { echo "30-download: cached bytes differ" >&2; exit 1; }
	rm -rf "$T/cache"
done

awk -v mib="$MIB" -v c="$best_curl" -v h="$best_herd" -v s="$best_sha" -v runs="$RUNS" -v cpus="$(nproc)" 'BEGIN {
	cr = mib / (c / 1e9); hr = mib / (h / 1e9); sr = mib / (s / 1e9); ratio = hr / cr;
	bound = sr / cr; if (bound > 1) bound = 1;
	printf "download %d MiB from 127.0.0.1 (best of %d, %d CPUs):\n", mib, runs, cpus;
	printf "  curl -o              %8.1f MiB/s  (%.3f s)\n", cr, c / 1e9;
	printf "  herd image pull      %8.1f MiB/s  (%.3f s, sha256 verified)\n", hr, h / 1e9;
	printf "  openssl dgst -sha256 %8.1f MiB/s  (%.3f s, the file already in memory)\n", sr, s / 1e9;
	verdict = "NOT met"; if (ratio >= 0.9) verdict = "met";
	printf "  ratio herd/curl      %8.2f  (goal >= 0.90: %s)\n", ratio, verdict;
	printf "  bound sha256/curl    %8.2f  (no verified download can pass this here)\n", bound;
	printf "  herd/sha256 alone    %8.2f\n", hr / sr;
}'
