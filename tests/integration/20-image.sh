#!/bin/sh
# tests/integration/20-image.sh — `herd image pull|list|rm` against a real
# nginx on 127.0.0.1 (random free port, own config, killed by PID): good
# pulls (raw, qcow2, xz/gz/zst/bz2), checksum mismatch, HTTP 404/403/500,
# refused connection, stall, DNS failure (in an empty network namespace),
# disk full (a 2 MiB tmpfs in a private mount namespace), resume after the
# server died mid-download (Range request seen in nginx's access log), two
# concurrent pulls of one image, list/rm, HTTPS (nginx with a certificate
# from a throwaway CA: refused without the CA, accepted with --cacert or
# $HERD_CA_BUNDLE, refused for a certificate naming another host).
set -u
HERD=${HERD:-$(pwd)/build/herd}
[ -x "$HERD" ] || { echo "20-image: $HERD not built" >&2; exit 77; }
command -v nginx >/dev/null || { echo "20-image: nginx not installed (nginx-light)" >&2; exit 77; }
for t in xz gzip zstd bzip2 qemu-img python3 jq curl openssl; do
	command -v $t >/dev/null || { echo "20-image: $t not installed" >&2; exit 77; }
done

T=$(mktemp -d /tmp/herd-20-image.XXXXXX)
NGX_PID=
cleanup() {
	if [ -n "$NGX_PID" ]; then
		kill -CONT "$NGX_PID" 2>/dev/null
		kill "$NGX_PID" 2>/dev/null
		wait "$NGX_PID" 2>/dev/null
	fi
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

export HERD_CACHE_DIR="$T/cache"
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
failures=0
ok() { echo "ok - $1"; }
bad() { echo "not ok - $1" >&2; failures=$((failures + 1)); }
verdict() { # COMMANDS; verdict NAME: pass if the commands succeeded
	if [ $? -eq 0 ]; then ok "$1"; else bad "$1"; fi
}
has() { grep -qF -- "$2" "$1"; }
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
sum() { sha256sum "$1" | cut -d' ' -f1; }
entries() { ls "$HERD_CACHE_DIR" 2>/dev/null | grep -c '^sha' ; }

# --- images: a few MiB, incompressible except for a zero tail ------------
W="$T/www"
mkdir -p "$W" "$T/tmp"
head -c 3M /dev/urandom > "$W/disk.raw"
head -c 1M /dev/zero >> "$W/disk.raw"
for c in xz gzip zstd bzip2; do $c -q -k -c "$W/disk.raw" > "$W/disk.raw.$c"; done
mv "$W/disk.raw.gzip" "$W/disk.raw.gz"; mv "$W/disk.raw.zstd" "$W/disk.raw.zst"
mv "$W/disk.raw.bzip2" "$W/disk.raw.bz2"
qemu-img create -q -f qcow2 "$W/tiny.qcow2" 64M
cp "$W/disk.raw" "$W/lies.qcow2"	# raw content under a qcow2 name
head -c 12M /dev/urandom > "$W/big.raw"
head -c 6M /dev/urandom > "$W/shared.raw"
xz -0 -q -k "$W/shared.raw"
RAW=$(sum "$W/disk.raw")

PORT=$(free_port)
URL=http://127.0.0.1:$PORT
TLS_PORT=$(free_port)
TLS_URL=https://127.0.0.1:$TLS_PORT
ELSE_PORT=$(free_port)
ELSE_URL=https://127.0.0.1:$ELSE_PORT

# A throwaway CA, a server certificate for 127.0.0.1 and one for another
# host name, all signed by it.
make_cert() { # make_cert NAME SUBJECT-ALT-NAME
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$T/$1.key" -out "$T/$1.csr" -subj "/CN=$1" 2>/dev/null &&
	printf 'subjectAltName=%s\n' "$2" > "$T/$1.ext" &&
	openssl x509 -req -in "$T/$1.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" \
		-CAcreateserial -days 2 -extfile "$T/$1.ext" -out "$T/$1.pem" 2>/dev/null
}
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-keyout "$T/ca.key" -out "$T/ca.pem" -days 2 -subj "/CN=herd test CA" \
	-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign 2>/dev/null &&
make_cert local IP:127.0.0.1 && make_cert elsewhere DNS:elsewhere.invalid ||
	{ echo "20-image: cannot make test certificates" >&2; exit 1; }
write_conf() { # write_conf RATE: limit_rate for /slow/ (0 = none)
	cat > "$T/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $T/nginx.pid;
error_log $T/error.log;
events { worker_connections 64; }
http {
	log_format herd '\$request_uri \$status range=\$http_range sent=\$body_bytes_sent';
	access_log $T/access.log herd;
	client_body_temp_path $T/tmp; proxy_temp_path $T/tmp;
	fastcgi_temp_path $T/tmp; uwsgi_temp_path $T/tmp; scgi_temp_path $T/tmp;
	server {
		listen 127.0.0.1:$PORT;
		root $W;
		location /slow/ { alias $W/; limit_rate $1; }
		location = /e500.raw { return 500; }
		location = /e403.raw { return 403; }
	}
	server {
		listen 127.0.0.1:$TLS_PORT ssl;
		ssl_certificate $T/local.pem; ssl_certificate_key $T/local.key;
		root $W;
	}
	server {
		listen 127.0.0.1:$ELSE_PORT ssl;
		ssl_certificate $T/elsewhere.pem; ssl_certificate_key $T/elsewhere.key;
		root $W;
	}
}
EOF
}
start_nginx() {
	write_conf "$1"
	nginx -c "$T/nginx.conf" -p "$T" &
	NGX_PID=$!
	i=0
	until curl -s -o /dev/null "$URL/"; do
		i=$((i + 1))
		[ $i -gt 50 ] && { echo "20-image: nginx did not start" >&2; cat "$T/error.log" >&2; exit 1; }
		sleep 0.1
	done
}
stop_nginx() { # stop_nginx [SIGNAL]
	kill -"${1:-TERM}" "$NGX_PID"
	wait "$NGX_PID" 2>/dev/null
	NGX_PID=
}
pull() { # pull ARGS...: stdout in $T/out, stderr in $T/err, status in $rc
	"$HERD" image pull "$@" > "$T/out" 2> "$T/err"
	rc=$?
}

start_nginx 0

# --- good pulls -----------------------------------------------------------
pull "$URL/disk.raw" --sha256 "$RAW"
[ "$rc" -eq 0 ]; verdict "raw pull succeeds"
[ "$(cat "$T/out")" = "$HERD_CACHE_DIR/sha256-$RAW" ]; verdict "raw pull lands under its checksum"
cmp -s "$W/disk.raw" "$HERD_CACHE_DIR/sha256-$RAW"; verdict "raw pull has the right bytes"
[ -z "$(ls -A "$HERD_CACHE_DIR" | grep -e '\.part$' -e '\.unpack$')" ]; verdict "no partial files left"
n=$(grep -c '^/disk.raw ' "$T/access.log")
pull "$URL/disk.raw" --sha256 "$RAW"
[ "$rc" -eq 0 ] && [ "$(grep -c '^/disk.raw ' "$T/access.log")" -eq "$n" ]; verdict "a cached image is not downloaded again"

for c in xz gz zst bz2; do
	rm -rf "$HERD_CACHE_DIR"
	pull "$URL/disk.raw.$c" --sha256 "$RAW" --sha256-of image
	cmp -s "$W/disk.raw" "$HERD_CACHE_DIR/sha256-$RAW"; verdict "$c: decompressed, checksum of the image"
	D=$(sum "$W/disk.raw.$c")
	pull "$URL/disk.raw.$c" --sha256 "$D"
	cmp -s "$W/disk.raw" "$HERD_CACHE_DIR/sha256-$D"; verdict "$c: checksum of the download names the entry"
done
[ "$(du -k "$HERD_CACHE_DIR/sha256-$RAW" | cut -f1)" -lt 3500 ]; verdict "decompressed zero runs are holes"
"$HERD" image list --json > "$T/list.json"
[ "$(jq -r ".[] | select(.checksum == \"$D\") | .compression" "$T/list.json")" = bzip2 ]; verdict "list: compression recorded"
[ "$(jq -r ".[] | select(.checksum == \"$D\") | .origin" "$T/list.json")" = disk.raw ]; verdict "list: origin without the compression suffix"

Q=$(sum "$W/tiny.qcow2")
pull "$URL/tiny.qcow2" --sha256 "$Q" --fleet lab
pull "$URL/lies.qcow2" --sha256 "$RAW"
"$HERD" image list --json > "$T/list.json"
[ "$(jq -r ".[] | select(.checksum == \"$Q\") | .format" "$T/list.json")" = qcow2 ]; verdict "format qcow2 detected from the header"
[ "$(jq -r ".[] | select(.checksum == \"$RAW\") | .format" "$T/list.json")" = raw ]; verdict "format raw despite a .qcow2 name"
[ "$(jq -r ".[] | select(.checksum == \"$Q\") | .fleets[0]" "$T/list.json")" = lab ]; verdict "fleet use recorded"
"$HERD" image list > "$T/list.txt"
grep -q "^sha256-${Q%"${Q#????????????}"}  tiny.qcow2 .* qcow2 *lab$" "$T/list.txt"; verdict "list table shows name, format and fleet"

# --- bad checksum: nothing enters the cache --------------------------------
rm -rf "$HERD_CACHE_DIR"
WRONG=$(printf '%064d' 7)
pull "$URL/disk.raw" --sha256 "$WRONG"
[ "$rc" -eq 1 ]; verdict "mismatch fails"
has "$T/err" "$URL/disk.raw"; verdict "mismatch names the URL"
has "$T/err" "expected $WRONG"; verdict "mismatch names the expected sum"
has "$T/err" "got $RAW"; verdict "mismatch names the actual sum"
[ "$(entries)" -eq 0 ] && [ -z "$(ls -A "$HERD_CACHE_DIR" | grep -v '\.lock$')" ]; verdict "mismatch leaves nothing in the cache"
pull "$URL/disk.raw" --sha512 "$RAW"
[ "$rc" -eq 1 ] && has "$T/err" "is not 128 hex digits"; verdict "a sha256 given as --sha512 is a usage error"

# --- HTTP and connection errors: each its own message --------------------
pull "$URL/missing.raw" --sha256 "$RAW"
has "$T/err" "download $URL/missing.raw: HTTP 404 (not found)"; verdict "404 message"
pull "$URL/e403.raw" --sha256 "$RAW"
has "$T/err" "HTTP 403 (forbidden)"; verdict "403 message"
pull "$URL/e500.raw" --sha256 "$RAW" --retries 0
has "$T/err" "HTTP 500 (internal server error)"; verdict "500 message"
n=$(grep -c '^/e500.raw 500' "$T/access.log")
pull "$URL/e500.raw" --sha256 "$RAW" --retries 1
[ "$(grep -c '^/e500.raw 500' "$T/access.log")" -eq $((n + 2)) ] && has "$T/err" "gave up after 2 attempts"; verdict "500 is retried"
[ "$(grep -c '^/missing.raw 404' "$T/access.log")" -eq 1 ]; verdict "404 is not retried"
DEAD=$(free_port)
pull "http://127.0.0.1:$DEAD/disk.raw" --sha256 "$RAW" --retries 0
has "$T/err" "connection refused by 127.0.0.1 port $DEAD"; verdict "refused message"
rm -rf "$HERD_CACHE_DIR"
pull "$URL/disk.raw" --sha256 "$RAW" --cacert "$T/nginx.conf"
[ "$rc" -eq 0 ]; verdict "a CA bundle does not disturb plain http"
rm -rf "$HERD_CACHE_DIR"
pull "$URL/disk.raw" --sha256 "$RAW" --cacert "$T/no-such.pem"
[ "$rc" -eq 2 ] && has "$T/err" "--cacert $T/no-such.pem: no such readable file"; verdict "a missing CA bundle is a usage error"
pull "$URL/disk.raw" --sha256 "$RAW" --insecure
[ "$rc" -eq 2 ]; verdict "there is no option to switch TLS checks off"

# --- HTTPS: verification always on ------------------------------------------
rm -rf "$HERD_CACHE_DIR"
pull "$TLS_URL/disk.raw" --sha256 "$RAW" --retries 0
[ "$rc" -eq 1 ] && has "$T/err" "download $TLS_URL/disk.raw: TLS: " && has "$T/err" "name that CA with --cacert"; verdict "https: an unknown CA is refused, naming the fix"
[ -z "$(ls -A "$HERD_CACHE_DIR" 2>/dev/null | grep -v '\.lock$')" ]; verdict "https: a refused server leaves nothing in the cache"
pull "$TLS_URL/disk.raw" --sha256 "$RAW" --cacert "$T/ca.pem"
[ "$rc" -eq 0 ] && cmp -s "$W/disk.raw" "$HERD_CACHE_DIR/sha256-$RAW"; verdict "https: --cacert: the pull succeeds with the right bytes"
rm -rf "$HERD_CACHE_DIR"
HERD_CA_BUNDLE="$T/ca.pem" "$HERD" image pull "$TLS_URL/disk.raw.xz" --sha256 "$RAW" --sha256-of image > "$T/out" 2> "$T/err"
[ $? -eq 0 ] && cmp -s "$W/disk.raw" "$HERD_CACHE_DIR/sha256-$RAW"; verdict "https: \$HERD_CA_BUNDLE is read, compressed image unpacked"
rm -rf "$HERD_CACHE_DIR"
pull "$ELSE_URL/disk.raw" --sha256 "$RAW" --cacert "$T/ca.pem" --retries 0
[ "$rc" -eq 1 ] && has "$T/err" "TLS: " && has "$T/err" "127.0.0.1" && has "$T/err" "must name the URL's host"; verdict "https: a certificate for another host name is refused, saying why"
[ "$(entries)" -eq 0 ]; verdict "https: nothing cached from the wrong host"

if unshare -n true 2>/dev/null; then
	# An empty network namespace: the lookup fails without leaving the host.
	unshare -n "$HERD" image pull http://herd-test.invalid/disk.raw --sha256 "$RAW" 2> "$T/err"
	has "$T/err" "cannot resolve the host name"; verdict "DNS failure message"
	mkdir -p "$T/small"
	unshare -m sh -c 'mount -t tmpfs -o size=2m tmpfs "$1" && HERD_CACHE_DIR="$1" "$2" image pull "$3" --sha256 "$4"' \
		sh "$T/small" "$HERD" "$URL/disk.raw" "$RAW" 2> "$T/err"
	has "$T/err" "(disk full): No space left on device"; verdict "disk full message"
else
	echo "skip - DNS failure and disk full (unshare not permitted)"
fi

# --- stall: the server accepts, then sends nothing -------------------------
kill -STOP "$NGX_PID"
pull "$URL/disk.raw" --sha256 "$RAW" --retries 0 --stall-timeout 1
kill -CONT "$NGX_PID"
has "$T/err" "stalled: under 1 KiB/s for 1 s"; verdict "stall message"

# --- resume: the server dies mid-download and comes back -------------------
stop_nginx
start_nginx 2m
BIG=$(sum "$W/big.raw")
PART="$HERD_CACHE_DIR/.sha256-$BIG.part"
"$HERD" image pull "$URL/slow/big.raw" --sha256 "$BIG" --retries 0 > /dev/null 2> "$T/err" &
PULL=$!
i=0
while [ "$(stat -c %s "$PART" 2>/dev/null || echo 0)" -lt 2097152 ] && [ $i -lt 100 ]; do
	sleep 0.1; i=$((i + 1))
done
stop_nginx KILL
wait $PULL
rc=$?
[ "$rc" -eq 1 ] && has "$T/err" "truncated"; verdict "a download cut short fails"
have=$(stat -c %s "$PART" 2>/dev/null || echo 0)
[ "$have" -gt 0 ] && [ "$have" -lt 12582912 ]; verdict "the partial download is kept ($have bytes)"
[ ! -e "$HERD_CACHE_DIR/sha256-$BIG" ]; verdict "nothing entered the cache"
start_nginx 0
: > "$T/access.log.before"; cp "$T/access.log" "$T/access.log.before"
pull "$URL/slow/big.raw" --sha256 "$BIG"
[ "$rc" -eq 0 ]; verdict "the next pull succeeds"
grep -q "^/slow/big.raw 206 range=bytes=$have- sent=$((12582912 - have))" "$T/access.log"; verdict "it resumed with a Range request from byte $have"
cmp -s "$W/big.raw" "$HERD_CACHE_DIR/sha256-$BIG"; verdict "the resumed image has the right bytes"
[ ! -e "$PART" ]; verdict "the partial file is gone"

# --- two concurrent pulls of one image --------------------------------------
stop_nginx
start_nginx 4m
SH=$(sum "$W/shared.raw.xz")
"$HERD" -q image pull "$URL/slow/shared.raw.xz" --sha256 "$SH" > "$T/out1" 2> "$T/err1" &
P1=$!
"$HERD" -q image pull "$URL/slow/shared.raw.xz" --sha256 "$SH" > "$T/out2" 2> "$T/err2" &
P2=$!
wait $P1; r1=$?
wait $P2; r2=$?
[ "$r1" -eq 0 ] && [ "$r2" -eq 0 ]; verdict "both concurrent pulls succeed"
[ "$(cat "$T/out1")" = "$(cat "$T/out2")" ]; verdict "both name the same cache file"
cmp -s "$W/shared.raw" "$HERD_CACHE_DIR/sha256-$SH"; verdict "the shared image is intact"
[ "$(grep -c '^/slow/shared.raw.xz 200' "$T/access.log")" -eq 1 ]; verdict "it was downloaded once"

# --- local files, rm --------------------------------------------------------
pull "$W/disk.raw.xz"
[ "$rc" -eq 0 ] && cmp -s "$W/disk.raw" "$(cat "$T/out")"; verdict "a local .xz is decompressed into the cache"
pull "$W/disk.raw"
[ "$(cat "$T/out")" = "$W/disk.raw" ]; verdict "a local raw file is used in place"
"$HERD" image rm "${SH%"${SH#????????}"}" > "$T/out" 2> "$T/err"
[ $? -eq 0 ] && [ ! -e "$HERD_CACHE_DIR/sha256-$SH" ] && [ ! -e "$HERD_CACHE_DIR/sha256-$SH.meta" ]; verdict "rm by prefix"
"$HERD" image rm ffffffff > /dev/null 2> "$T/err"
[ $? -eq 1 ] && has "$T/err" "no cached image matches"; verdict "rm of an unknown sum fails"
"$HERD" image rm sha256:e > /dev/null 2> "$T/err"
[ $? -eq 1 ] && has "$T/err" "4 or more hex digits"; verdict "rm refuses a too short prefix"

# --- pull FLEET-FILE --------------------------------------------------------
rm -rf "$HERD_CACHE_DIR"
cat > "$T/fleet.yaml" <<EOF
fleet: pulltest
images:
  tiny: {url: "$URL/tiny.qcow2", sha256: "$Q"}
  packed: {url: "$URL/disk.raw.xz", sha256: "$RAW", sha256_of: image}
  local: {path: "$W/disk.raw"}
networks:
  n: {mode: isolated, cidr: 10.99.0.0/24}
defaults: {networks: [n]}
vms:
  a: {image: tiny}
  b: {image: packed}
  c: {image: local}
EOF
# the path image lies outside the fleet file's folder
"$HERD" --allow-outside image pull "$T/fleet.yaml" > "$T/out" 2> "$T/err"
rc=$?
[ "$rc" -eq 0 ] && cmp -s "$W/tiny.qcow2" "$HERD_CACHE_DIR/sha256-$Q" &&
	cmp -s "$W/disk.raw" "$HERD_CACHE_DIR/sha256-$RAW"; verdict "pull FLEET-FILE fetches each url image"
"$HERD" image list --json > "$T/list.json"
[ "$(jq -r ".[] | select(.checksum == \"$Q\") | .fleets[0]" "$T/list.json")" = pulltest ]; verdict "pull FLEET-FILE records the fleet's use"
[ "$(ls "$HERD_CACHE_DIR" | grep -c '^sha256-[0-9a-f]*$')" -eq 2 ]; verdict "a path image is not copied into the cache"
printf 'fleet: Bad\n' > "$T/bad.yaml"
pull "$T/bad.yaml"
[ "$rc" -eq 2 ] && has "$T/err" "bad.yaml:1:"; verdict "pull of an invalid fleet file exits 2 with FILE:LINE:COL"

if [ "$failures" -ne 0 ]; then
	echo "20-image: $failures check(s) failed" >&2
	exit 1
fi
echo "20-image: all checks passed"
