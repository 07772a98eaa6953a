#!/bin/sh
# The fleet lock lives in libvirt (the volume herd--images/<fleet>.lock), so
# herd processes with different state folders (two users, two CI jobs) see
# it, on a private libvirtd in a network namespace:
#  - four applies of one fleet started at once, each with its own
#    --state-dir: one applies, the other three are refused at once naming
#    the winner's PID;
#  - an apply held (SIGSTOP) with the lock: apply and destroy from another
#    state folder are refused naming it; once it goes on, it finishes and
#    leaves no lock behind;
#  - an apply killed (-9) with the lock: the next apply breaks the stale
#    lock, says whose it was, and applies;
#  - a lock of a live process planted by hand is respected until that
#    process ends; a lock from another host is never broken, and the
#    message says how to delete it; a lock with no holder written is
#    refused after a short wait;
#  - a state folder of another user, and no HOME without --state-dir, are
#    refused with a message that says what to do.
# Exit 0 pass, 77 skip, 1 fail.
here=$(cd "$(dirname "$0")/.." && pwd)
HERD=${HERD:-$here/../build/herd}
. "$here/lib/netns-libvirtd.sh"
. "$here/lib/herd-test.sh"
T=42-lock

fail() {
	echo "42-lock: FAIL: $*" >&2
	[ -f "${out:-/nonexistent}" ] && tail -n 20 "$out" >&2
	exit 1
}

herd_test_need qemu-img
herd_test_guest tiny
herd_test_start

# fleet BASE: write $w/t44.yaml, 2 tiny VMs on base image BASE
fleet() {
	cat >"$w/t44.yaml" <<EOF
fleet: t44
accel: qemu
images:
  tiny:
    path: $1
    boot: {kernel: $TINY_KERNEL, initrd: $TINY_INITRD, cmdline: "$TINY_CMDLINE"}
networks:
  net: {mode: nat, cidr: 10.79.0.0/24}
defaults: {image: tiny, cpus: 1, memory: 128MiB, disk: 128MiB, networks: [net]}
groups:
  web: {count: 2, name: "web-{{index}}"}
EOF
}
# h STATE VERB...: herd on fleet t44 with state folder $w/STATE
# --allow-outside: the fleet names base images outside its folder
h() { _s=$1; shift; "$HERD" -f "$w/t44.yaml" -c "$HERD_TEST_URI" --state-dir "$w/$_s" --allow-outside "$@"; }
# (exec ...) &: a subshell that becomes herd, so that $! is herd's PID
# A new raw base of SIZE: its upload makes an apply last a few seconds.
big_base() {
	qemu-img convert -O raw "$TINY_DISK" "$w/base-$1.raw" &&
	qemu-img resize -q -f raw "$w/base-$1.raw" "$1" || fail "raw base $1"
	fleet "$w/base-$1.raw"
}
locked() { v vol-list herd--images | grep -q '^ *t44\.lock '; }
no_lock_left() {
	v pool-refresh herd--images >/dev/null
	v vol-list herd--images | grep -q 't44\.lock' &&
		fail "lock left behind: $(v vol-list herd--images)"
	return 0
}
host=$(hostname)

# --- four at once, four state folders: one wins, three are refused
big_base 96M
for i in 1 2 3 4; do
	(exec "$HERD" -f "$w/t44.yaml" -c "$HERD_TEST_URI" --state-dir "$w/s$i" --allow-outside \
	    apply -j 1 >"$w/race$i" 2>&1) &
	eval "p$i=\$!"
done
won=0
for i in 1 2 3 4; do
	eval "pid=\$p$i"
	if wait "$pid"; then won=$((won + 1)); winner=$pid; wout=$w/race$i; fi
done
[ "$won" -eq 1 ] || fail "$won of 4 concurrent applies ran: $(cat "$w"/race?)"
grep -q '^Apply: 2 created' "$wout" || { out=$wout; fail "the winner did not apply"; }
for i in 1 2 3 4; do
	[ "$w/race$i" = "$wout" ] && continue
	grep -qF "fleet 't44' is busy: herd apply by root (uid 0), pid $winner on host $host, since " \
	    "$w/race$i" || { out=$w/race$i; fail "loser $i does not name the winner (pid $winner)"; }
done
no_lock_left

# --- a held lock (the holder stopped): apply and destroy are refused
big_base 112M
(exec "$HERD" -f "$w/t44.yaml" -c "$HERD_TEST_URI" --state-dir "$w/s2" --allow-outside \
    apply -j 1 >"$w/held" 2>&1) &
held=$!
wait_for 30 locked || fail "the apply never took the lock"
kill -STOP "$held"
s=$(date +%s)
h s3 apply >"$out" 2>&1 && fail "apply ran while another held the lock"
grep -qF "fleet 't44' is busy: herd apply by root (uid 0), pid $held on host $host" "$out" ||
	fail "apply's refusal does not name the holder"
h s4 destroy >"$out" 2>&1 && fail "destroy ran while another held the lock"
grep -qF "fleet 't44' is busy: herd apply by root (uid 0), pid $held on host $host" "$out" ||
	fail "destroy's refusal does not name the holder"
[ $(( $(date +%s) - s )) -le 5 ] || fail "a refusal waited for the lock"
kill -CONT "$held"
wait "$held" || { out=$w/held; fail "the held apply did not finish once resumed"; }
no_lock_left

# --- an apply killed with the lock: the next one breaks it
big_base 120M
(exec "$HERD" -f "$w/t44.yaml" -c "$HERD_TEST_URI" --state-dir "$w/s1" --allow-outside \
    apply -j 1 >/dev/null 2>&1) &
dead=$!
wait_for 30 locked || fail "the apply never took the lock"
kill -9 "$dead"
wait "$dead" 2>/dev/null
locked || fail "the killed apply's lock is gone: nothing stale to break"
h s1 apply >"$out" 2>&1 || fail "apply after a killed apply"
grep -qF "herd: warning: apply: took over the lock of a herd that is gone (herd apply by root (uid 0), pid $dead on host $host" \
    "$out" || fail "breaking the stale lock is not reported"
no_lock_left

# --- locks planted by hand
# holder PID HOST START: a holder record as herd writes it
holder() {
	printf 'herd-lock 1\nverb apply\nuser someone\nuid 4242\npid %s\nhost %s\nmachine %s\nboot %s\npidns %s\nstart %s\nsince %s\n' \
	    "$1" "$2" "$(cat /etc/machine-id 2>/dev/null)" \
	    "$(cat /proc/sys/kernel/random/boot_id)" "$(readlink /proc/self/ns/pid)" \
	    "$3" "$(date +%s)"
}
plant() {	# plant [FILE]: make the lock volume, holding FILE
	v vol-create-as herd--images t44.lock 4096 --format raw >/dev/null ||
		fail "plant a lock"
	[ -z "$1" ] || v vol-upload --pool herd--images t44.lock "$1" >/dev/null ||
		fail "write the planted lock"
}
sleep 300 & live=$!
holder "$live" "$host" "$(cut -d' ' -f22 "/proc/$live/stat")" >"$w/live.rec"
plant "$w/live.rec"
h s1 destroy >"$out" 2>&1 && fail "destroy ran under a live holder's lock"
grep -qF "is busy: herd apply by someone (uid 4242), pid $live on host $host" "$out" ||
	fail "live holder not named"
kill "$live"
wait "$live" 2>/dev/null
h s1 apply >"$out" 2>&1 || fail "apply once the holder ended"
grep -qF "took over the lock of a herd that is gone (herd apply by someone (uid 4242), pid $live" \
    "$out" || fail "a holder that ended is not reported as broken"
no_lock_left

holder 1 elsewhere.example 1 >"$w/foreign.rec"
plant "$w/foreign.rec"
h s1 apply >"$out" 2>&1 && fail "apply broke another host's lock"
grep -qF "pid 1 on host elsewhere.example" "$out" || fail "foreign holder not named"
grep -qF "virsh vol-delete --pool herd--images t44.lock" "$out" || fail "no way out named"
locked || fail "another host's lock was deleted"
v vol-delete --pool herd--images t44.lock >/dev/null || fail "delete by hand"

plant ""
s=$(date +%s)
h s1 apply >"$out" 2>&1 && fail "apply took a lock whose holder wrote nothing"
grep -qF "but its holder wrote nothing" "$out" || fail "empty lock message"
[ $(( $(date +%s) - s )) -le 10 ] || fail "an empty lock was waited on too long"
# an empty lock older than HERD_LOCK_EMPTY_SECS lost its taker between
# creating and writing it (kill -9 there): the next taker breaks it
sleep 3
HERD_LOCK_EMPTY_SECS=2 h s1 apply >"$out" 2>&1 || fail "apply did not break an abandoned empty lock"
grep -qF "a lock left empty for over 2 s" "$out" || fail "abandoned empty lock not reported"
no_lock_left

# --- whose state folder, and no /tmp fallback
mkdir -p "$w/other/t44" && chown 1:1 "$w/other/t44" || fail "make a foreign folder"
h other plan >"$out" 2>&1 && fail "plan used another user's state folder"
grep -qF "state folder $w/other/t44 belongs to uid 1, not to uid 0 that runs herd" "$out" ||
	fail "foreign state folder message"
env -u HOME -u XDG_STATE_HOME "$HERD" -f "$w/t44.yaml" -c "$HERD_TEST_URI" --allow-outside status \
    >"$out" 2>&1 && fail "status ran without HOME or --state-dir"
grep -qF "no state folder: HOME is not set (give --state-dir DIR, or set XDG_STATE_HOME)" \
    "$out" || fail "no-HOME message"

h s1 destroy >"$out" 2>&1 || fail "destroy"
no_lock_left
echo "42-lock: ok"
