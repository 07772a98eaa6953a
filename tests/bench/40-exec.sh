#!/bin/sh
# `exec -- true` over 50 SSH targets on loopback: herd's parallel engine
# against a sequential OpenSSH client loop, in the same run.
#   herd: tests/bench/40-exec-driver.c linked with build/libherd.a runs
#     orchestrator/reach/execpar.c (the engine of `herd exec`) with -j 50 and -j 8;
#   baseline: `ssh -n -o BatchMode=yes -o StrictHostKeyChecking=yes` with
#     the same key and known_hosts file, one target after the other.
# One sshd on 127.0.0.1 serves all 50 target aliases (each target is still
# its own connection, key exchange, host key check and key login); its
# MaxStartups/MaxSessions are raised so 50 parallel logins are not throttled
# (the default MaxStartups 10:30:100 starts dropping at 10 unauthenticated
# connections).  The login user's own ~/.bashrc (bash reads it for every
# ssh command) is masked with Debian's stock /etc/skel/.bashrc inside
# sshd's private mount namespace, as on a fresh cloud image: a developer's
# rc file (pyenv init...) would otherwise cost more than the SSH work.
# The baseline's OpenSSH client negotiates sntrup761x25519 key exchange
# (CPU-heavy) while libssh 0.10 uses curve25519, so a second loop forced
# to curve25519 shows the gain from parallelism alone.
# The verb itself: `herd exec -- true` over a fleet file of 50 VMs whose
# planned addresses are loopback aliases (an isolated network with cidr
# 127.77.0.0/24), run inside a private network namespace (ip netns add;
# only its own lo) where a second sshd, configured like the first, listens
# on port 22, the port herd uses.  herd's state folder is prepared so every
# VM's herd-made host key is the same one, which that sshd presents: herd
# still checks each target's key against its known_hosts line and logs in
# with the fleet key it made.  This part needs root (namespaces) and is
# skipped with a reason otherwise.  Its time includes everything the verb
# does: start, fleet load, keys and known_hosts, 50 logins.
# Every side runs BENCH_ROUNDS rounds, interleaved, and the best round of
# each counts, so load from other processes falls on all alike.
# Goal: herd at least 10x faster than the (default) loop.
set -u
N=${BENCH_TARGETS:-50}
R=${BENCH_ROUNDS:-2}
SSHD=/usr/sbin/sshd
[ -x "$SSHD" ] || { echo "40-exec: skip: sshd not installed (openssh-server)" >&2; exit 77; }
command -v ssh >/dev/null 2>&1 && command -v ssh-keygen >/dev/null 2>&1 ||
	{ echo "40-exec: skip: ssh/ssh-keygen not installed (openssh-client)" >&2; exit 77; }
[ -f build/libherd.a ] || { echo "40-exec: build herd first" >&2; exit 1; }
T=$(mktemp -d /tmp/herd-bench-exec.XXXXXX) || exit 1
PID= VPID= NS=
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	if [ -n "$NS" ]; then
		[ -n "$VPID" ] && kill "$VPID" 2>/dev/null && wait "$VPID" 2>/dev/null
		# whatever else still runs in our namespace, by PID
		for p in $(ip netns pids "$NS" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
		ip netns del "$NS" 2>/dev/null
	fi
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

PKGS="libvirt yaml-0.1 libcurl libssh libarchive libcrypto"
# shellcheck disable=SC2046
cc -std=c11 -D_GNU_SOURCE -O2 -I. -o "$T/driver" tests/bench/40-exec-driver.c \
	build/libherd.a $(pkg-config --libs $PKGS) -lpthread ||
	{ echo "40-exec: cannot build the driver" >&2; exit 1; }

for k in host client; do
	ssh-keygen -q -t ed25519 -N '' -C "herd-bench-$k" -f "$T/$k" </dev/null || exit 1
done
cp "$T/client.pub" "$T/authorized_keys"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
USER_NAME=$(id -un)
cat > "$T/sshd.conf" <<CONF
Port $PORT
ListenAddress 127.0.0.1
HostKey $T/host
AuthorizedKeysFile $T/authorized_keys
PidFile $T/sshd.pid
UsePAM no
StrictModes no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UseDNS no
PrintMotd no
PrintLastLog no
LogLevel ERROR
MaxStartups 200
MaxSessions 100
CONF
echo "[127.0.0.1]:$PORT $(cat "$T/host.pub")" > "$T/known_hosts"
[ "$(id -u)" -eq 0 ] && mkdir -p /run/sshd
RC_NOTE="the login user's own rc files"
if [ "$(id -u)" -eq 0 ] && [ -f "$HOME/.bashrc" ] && command -v unshare >/dev/null 2>&1 &&
	unshare -m --propagation private true 2>/dev/null; then
	cp /etc/skel/.bashrc "$T/bashrc" 2>/dev/null || : > "$T/bashrc"
	unshare -m --propagation private sh -c \
		'mount --bind "$1" "$2" && exec "$3" -D -e -f "$4"' sh \
		"$T/bashrc" "$HOME/.bashrc" "$SSHD" "$T/sshd.conf" 2>"$T/sshd.log" &
	RC_NOTE="stock /etc/skel/.bashrc"
else
	"$SSHD" -D -e -f "$T/sshd.conf" 2>"$T/sshd.log" &
fi
PID=$!
i=0
until python3 -c "import socket; socket.create_connection(('127.0.0.1', $PORT), 1)" 2>/dev/null; do
	i=$((i + 1))
	[ "$i" -ge 50 ] && { echo "40-exec: skip: sshd did not start: $(cat "$T/sshd.log")" >&2; exit 77; }
	sleep 0.1
done

# The verb's setup (see the header); 0 when ready, else 1 with VERB_NOTE.
verb_setup() {
	[ "$(id -u)" -eq 0 ] || { VERB_NOTE="needs root (network namespace)"; return 1; }
	command -v ip >/dev/null 2>&1 || { VERB_NOTE="no ip (iproute2)"; return 1; }
	[ -x build/herd ] || { VERB_NOTE="no build/herd"; return 1; }
	cp build/herd "$T/herd" && mkdir -p "$T/fleet" && : >"$T/fleet/img.qcow2" || return 1
	cat >"$T/fleet/herd.yaml" <<YAML
fleet: bench
accel: qemu
images:
  none: {path: ./img.qcow2}
networks:
  lo: {mode: isolated, cidr: 127.77.0.0/24}
ssh: {user: $USER_NAME}
defaults: {image: none, bootstrap: none, networks: [lo]}
groups:
  t: {count: $N, name: "t{{index}}"}
YAML
	# Make the fleet key and the host keys, then give every VM t01's.
	"$T/herd" -f "$T/fleet/herd.yaml" --state-dir "$T/state" inventory \
	    --format hosts >"$T/hosts" 2>"$T/verb.log" ||
	    { VERB_NOTE="herd inventory failed: $(cat "$T/verb.log")"; return 1; }
	hk=$T/state/bench/hostkeys
	for f in "$hk"/*_ed25519; do
		[ "$f" = "$hk/t01_ed25519" ] || cp "$hk/t01_ed25519" "$f" || return 1
	done
	NS="herd-bench-$$-$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')"
	ip netns add "$NS" && ip -n "$NS" link set lo up ||
	    { NS=; VERB_NOTE="cannot make a network namespace"; return 1; }
	sed -e "s|^Port .*|Port 22|" -e "s|^ListenAddress .*|ListenAddress 0.0.0.0|" \
	    -e "s|^HostKey .*|HostKey $hk/t01_ed25519|" \
	    -e "s|^AuthorizedKeysFile .*|AuthorizedKeysFile $T/state/bench/id_ed25519.pub|" \
	    -e "s|^PidFile .*|PidFile $T/sshd-ns.pid|" "$T/sshd.conf" >"$T/sshd-ns.conf"
	# `ip netns exec` gives sshd a mount namespace of its own: the rc
	# file is masked there as for the first sshd.
	ip netns exec "$NS" sh -c '[ -f "$1" ] && mount --bind "$1" "$2"; exec "$3" -D -e -f "$4"' \
	    sh "$T/bashrc" "$HOME/.bashrc" "$SSHD" "$T/sshd-ns.conf" 2>"$T/sshd-ns.log" &
	VPID=$!
	i=0
	a=$(awk '!/^#/ {print $1; exit}' "$T/hosts")
	until ip netns exec "$NS" python3 -c "import socket; socket.create_connection(('$a', 22), 1)" 2>/dev/null; do
		i=$((i + 1))
		[ "$i" -ge 50 ] && { VERB_NOTE="sshd in the namespace did not start: $(cat "$T/sshd-ns.log")"; return 1; }
		sleep 0.1
	done
	return 0
}
VERB_NOTE=""
verb_setup || { [ -n "$VERB_NOTE" ] || VERB_NOTE="setup failed"; }

now() { date +%s.%N; }
verb_round() { # JOBS -> seconds
	s=$(now)
	ip netns exec "$NS" "$T/herd" -f "$T/fleet/herd.yaml" --state-dir "$T/state" \
	    exec -j "$1" -- true >"$T/verb.out" 2>&1 ||
		{ echo "40-exec: herd exec failed:" >&2; tail -n 5 "$T/verb.out" >&2; exit 1; }
	e=$(now)
	grep -q "^$N targets: $N ok, 0 failed" "$T/verb.out" ||
		{ echo "40-exec: herd exec summary: $(cat "$T/verb.out")" >&2; exit 1; }
	echo "$e $s" | awk '{ printf "%.3f\n", $1 - $2 }'
}
herd_round() { # JOBS -> seconds
	"$T/driver" 127.0.0.1 "$PORT" "$USER_NAME" "$T/client" "$T/known_hosts" \
		"$N" "$1" true >"$T/driver.out" 2>"$T/driver.log" ||
		{ echo "40-exec: herd engine failed:" >&2; cat "$T/driver.log" >&2; exit 1; }
	cut -d' ' -f1 "$T/driver.out"
}
ssh_round() { # [extra ssh option] -> seconds
	s=$(now)
	i=1
	while [ "$i" -le "$N" ]; do
		ssh -n -F /dev/null ${1:+-o "$1"} -o BatchMode=yes -o StrictHostKeyChecking=yes \
			-o UserKnownHostsFile="$T/known_hosts" -o GlobalKnownHostsFile=/dev/null \
			-o IdentitiesOnly=yes -o LogLevel=ERROR -i "$T/client" -p "$PORT" \
			"$USER_NAME@127.0.0.1" true ||
			{ echo "40-exec: ssh loop failed at target $i" >&2; exit 1; }
		i=$((i + 1))
	done
	echo "$(now) $s" | awk '{ printf "%.3f\n", $1 - $2 }'
}
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b < a) ? b : a }'; }

best_j=; best_8=; best_ssh=; best_c=; best_v=; best_v16=
r=1
while [ "$r" -le "$R" ]; do
	if [ -z "$VERB_NOTE" ]; then
		t=$(verb_round "$N") || exit 1; best_v=$(min "$best_v" "$t")
		t=$(verb_round 16) || exit 1; best_v16=$(min "$best_v16" "$t")
	fi
	t=$(herd_round "$N") || exit 1; best_j=$(min "$best_j" "$t")
	t=$(ssh_round) || exit 1; best_ssh=$(min "$best_ssh" "$t")
	t=$(herd_round 8) || exit 1; best_8=$(min "$best_8" "$t")
	t=$(ssh_round KexAlgorithms=curve25519-sha256) || exit 1; best_c=$(min "$best_c" "$t")
	r=$((r + 1))
done
echo "40-exec: run \`true\` on $N ssh targets (one sshd on 127.0.0.1, $N aliases; $RC_NOTE), best of $R rounds"
if [ -n "$VERB_NOTE" ]; then
	echo "40-exec: the herd exec verb was not timed: $VERB_NOTE"
else
	awk -v v="$best_v" -v w="$best_v16" -v s="$best_ssh" -v n="$N" 'BEGIN {
	printf "40-exec: herd exec -j %d -- true (the verb, fleet of %d on 127.77.0.0/24 in a netns): %.2f s\n", n, n, v
	printf "40-exec: herd exec -- true (the verb, default -j 16): %.2f s\n", w
	printf "40-exec: ratio ssh loop / herd exec -j %d: %.1fx (goal >= 10x); / herd exec -j 16: %.1fx\n", n, s / v, s / w
}'
fi
echo "40-exec: the engine alone: tests/bench/40-exec-driver.c over build/libherd.a (orchestrator/reach/execpar.c)"
awk -v j="$best_j" -v e="$best_8" -v s="$best_ssh" -v c="$best_c" -v n="$N" 'BEGIN {
	printf "40-exec: herd engine -j %d: %.2f s\n", n, j
	printf "40-exec: herd engine -j 8: %.2f s\n", e
	printf "40-exec: sequential ssh loop (OpenSSH client, default kex): %.2f s\n", s
	printf "40-exec: sequential ssh loop (OpenSSH client, curve25519 kex): %.2f s\n", c
	printf "40-exec: ratio ssh loop / herd -j %d: %.1fx (goal >= 10x); / herd -j 8: %.1fx\n", n, s / j, s / e
	printf "40-exec: ratio curve25519 ssh loop / herd -j %d: %.1fx\n", n, c / j
}'
