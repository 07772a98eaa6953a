#!/bin/sh
# herd plan / apply / destroy against a private libvirtd in a network
# namespace (tests/lib/netns-libvirtd.sh), with tiny guests under TCG:
#  - plan, apply, the guest boots from its linked clone and reads its seed,
#    re-plan and re-apply have nothing to do;
#  - update (memory), delete (count down), recreate (disk and CIDR: the
#    network is made again) with the fields named; a saved plan is refused
#    once libvirt changed;
#  - reseed: a change of the seed alone keeps the disk (the guest's boot
#    counter goes on) and the guest reads the new seed after the restart;
#  - crash safety: the states an apply killed at each step leaves (a disk
#    without its domain, a defined but stopped domain, an orphan volume, a
#    base image cut off mid-upload), then real kill -9 at several moments:
#    the next apply finishes with no duplicate and no orphan (and breaks
#    the stale fleet lock a killed apply leaves; the lock: 42-lock.sh);
#  - two fleets applied at the same moment with one new base image: it is
#    uploaded once, and both fleets' VMs boot from it;
#  - clone: full copies the base (no backing file) and grows it;
#  - destroy leaves another fleet's domain, volume and network and an
#    untagged domain with a similar name alone; a second destroy is a no-op.
# Exit 0 pass, 77 skip, 1 fail.
here=$(cd "$(dirname "$0")/.." && pwd)
HERD=${HERD:-$here/../build/herd}
. "$here/lib/netns-libvirtd.sh"
. "$here/lib/herd-test.sh"
T=40-apply

fail() {
	echo "40-apply: FAIL: $*" >&2
	[ -f "${out:-/nonexistent}" ] && tail -n 20 "$out" >&2
	exit 1
}

herd_test_need qemu-img
herd_test_guest tiny
herd_test_start

# fleet NAME COUNT MEMORY DISK CIDR [DEFAULTS]: write $w/NAME.yaml, DEFAULTS
# being more keys for defaults:
fleet() {
	cat >"$w/$1.yaml" <<EOF
fleet: $1
accel: qemu
images:
  tiny:
    path: $TINY_DISK
    boot: {kernel: $TINY_KERNEL, initrd: $TINY_INITRD, cmdline: "$TINY_CMDLINE"}
networks:
  net: {mode: nat, cidr: $5}
defaults: {image: tiny, cpus: 1, memory: $3, disk: $4, networks: [net]${6:+, $6}}
groups:
  web: {count: $2, name: "web-{{index}}"}
EOF
}
# --allow-outside: the tiny guest's files live in the test's cache
h() { _f=$1; shift; "$HERD" -f "$w/$_f.yaml" -c "$HERD_TEST_URI" --state-dir "$w/state" \
    --allow-outside "$@"; }
expect() {	# expect FILE TEXT: the output holds the line
	grep -qxF -- "$2" "$1" || fail "expected '$2' in: $(cat "$1")"
}
# Every tagged VM of fleet t40 exactly once, and nothing else in its pool.
no_dup_no_orphan() {
	n=$1
	v list --all --name | grep -c '^t40--web-' >"$w/cnt"
	[ "$(cat "$w/cnt")" -eq "$n" ] || fail "$(cat "$w/cnt") domains, want $n"
	v pool-refresh herd-t40 >/dev/null
	v vol-list herd-t40 | awk '{print $1}' | grep -v 'console\.log$' | sort >"$w/vols"
	i=1; : >"$w/want"
	while [ "$i" -le "$n" ]; do
		printf 't40--web-%s-seed.iso\nt40--web-%s.qcow2\n' "$i" "$i" >>"$w/want"
		i=$((i + 1))
	done
	sort -o "$w/want" "$w/want"
	cmp -s "$w/vols" "$w/want" || fail "volumes: $(cat "$w/vols" | tr '\n' ' ')"
	for d in $(v list --all --name | grep '^t40--web-'); do
		[ "$(v domstate "$d")" = running ] || { v domstate --reason "$d" >&2; tail -n 15 "$HERD_TEST_DIR/log/qemu/$d.log" >&2; tail -n 5 "$HERD_POOL_DIR/herd-t40/$d.console.log" >&2; fail "$d is $(v domstate "$d")"; }
	done
}

# --- plan, apply, boot, nothing to do
fleet t40 3 128MiB 64MiB 10.77.0.0/24
h t40 plan >"$out" || fail "plan"
expect "$out" "Plan: 3 to create, 0 to update, 0 to recreate, 0 to delete, 0 unchanged."
expect "$out" "+ create t40--web-1"
h t40 apply -j 4 >"$out" 2>&1 || fail "apply"
expect "$out" "Apply: 3 created, 0 updated, 0 recreated, 0 deleted, 0 failed."
no_dup_no_orphan 3
log=$HERD_POOL_DIR/herd-t40/t40--web-1.console.log
wait_for 90 grep -q "^$TINY_READY" "$log" || fail "web-1 did not boot: $(cat "$log")"
grep -q '^herd-tiny: disk vda sectors=131072 base=tiny-base' "$log" ||
	fail "web-1 does not see a 64 MiB linked clone of the base"
grep -q '^herd-tiny: seed instance-id=t40-web-1-.* local-hostname=web-1' "$log" ||
	fail "web-1 did not read its seed"
v net-dumpxml herd-t40--net | grep -q "<host mac='.*' name='web-2' ip='10.77.0" ||
	fail "no DHCP host for web-2"
h t40 plan >"$out" || fail "re-plan"
expect "$out" "Plan: 0 to create, 0 to update, 0 to recreate, 0 to delete, 3 unchanged."
h t40 apply >"$out" 2>&1 || fail "re-apply"
expect "$out" "Nothing to do: 3 unchanged."
h t40 plan --json >"$out" || fail "plan --json"
jq -e '.summary.unchanged == 3 and (.observed | length) == 64' "$out" >/dev/null ||
	fail "plan --json"

# --- update, delete, recreate; saved plans
fleet t40 2 160MiB 64MiB 10.77.0.0/24
h t40 plan -o "$w/plan.json" >"$out" 2>/dev/null || fail "plan -o"
expect "$out" "Plan: 0 to create, 2 to update, 0 to recreate, 1 to delete, 0 unchanged."
grep -q '^~ update t40--web-1 (memory 128MiB -> 160MiB) \[restart needed' "$out" ||
	fail "update line: $(cat "$out")"
v destroy t40--web-3 >/dev/null || fail "virsh destroy"
h t40 apply "$w/plan.json" >"$out" 2>&1 && fail "a stale saved plan was applied"
grep -q 'stale: libvirt changed' "$out" || fail "stale plan message: $(cat "$out")"
h t40 plan -o "$w/plan.json" >/dev/null 2>&1 || fail "plan -o"
h t40 apply --restart "$w/plan.json" >"$out" 2>&1 || fail "apply plan.json"
expect "$out" "Apply: 0 created, 2 updated, 0 recreated, 1 deleted, 0 failed."
[ "$(v dominfo t40--web-1 | awk '/^Max memory/ {print $3}')" = 163840 ] ||
	fail "web-1 memory not updated"
no_dup_no_orphan 2
# without --restart: redefined, the restart stays pending and is not redone
fleet t40 2 192MiB 64MiB 10.77.0.0/24
h t40 apply >"$out" 2>&1 || fail "apply without --restart"
expect "$out" "Apply: 0 created, 2 updated, 0 recreated, 0 deleted, 0 failed."
grep -q "t40--web-1: runs as before until restarted, then with the new memory 160MiB -> 192MiB" "$out" ||
	fail "no restart warning"
h t40 plan >"$out" || fail "plan"
expect "$out" "~ restart t40--web-1 (memory 160MiB -> 192MiB pending) [restart needed: apply --restart]"
h t40 apply >"$out" 2>&1 || fail "apply with a pending restart"
expect "$out" "Nothing to do: 0 unchanged."
h t40 apply --restart --verify >"$out" 2>&1 || fail "apply --restart"
expect "$out" "Apply: 0 created, 2 updated, 0 recreated, 0 deleted, 0 failed."
[ "$(v dominfo t40--web-2 | awk '/^Max memory/ {print $3}')" = 196608 ] ||
	fail "web-2 not restarted with 192 MiB"

# --- reseed: only the seed changes; the disk stays
last_seed() { grep '^herd-tiny: seed instance-id=' "$log" | tail -n 1; }
last_disk() { grep '^herd-tiny: disk vda' "$log" | tail -n 1 | sed 's/.*boots=//'; }
wait_for 90 grep -q "^$TINY_READY" "$log" || fail "web-1 did not come back"
old_seed=$(last_seed) old_boots=$(last_disk)
[ -n "$old_boots" ] || fail "no boot counter in $(cat "$log")"
ls -i "$HERD_POOL_DIR/herd-t40/t40--web-1.qcow2" >"$w/inode.before"
fleet t40 2 192MiB 64MiB 10.77.0.0/24 'cloud_config: {runcmd: [echo reseeded]}'
h t40 plan >"$out" || fail "plan reseed"
expect "$out" "~ reseed t40--web-1 (seed) [restart needed: apply --restart]"
expect "$out" "Plan: 0 to create, 2 to update, 0 to recreate, 0 to delete, 0 unchanged."
h t40 apply >"$out" 2>&1 || fail "apply reseed"
expect "$out" "Apply: 0 created, 2 updated, 0 recreated, 0 deleted, 0 failed."
grep -q "t40--web-1: runs as before until restarted, then with the new seed" "$out" ||
	fail "no reseed restart warning: $(cat "$out")"
h t40 plan >"$out" || fail "plan after reseed"
expect "$out" "~ restart t40--web-1 (seed pending) [restart needed: apply --restart]"
wc -l <"$log" >"$w/log.mark"
h t40 apply --restart --verify >"$out" 2>&1 || fail "apply --restart after reseed"
wait_for 90 sh -c 'tail -n +$(( $(cat "$3") + 1 )) "$1" | grep -q "^$2"' sh "$log" "$TINY_READY" "$w/log.mark" ||
	fail "web-1 did not boot after the reseed: $(tail -n 20 "$log")"
new_seed=$(last_seed)
[ "$new_seed" != "$old_seed" ] || fail "web-1 still reads the old seed: $new_seed"
[ "$(last_disk)" -gt "$old_boots" ] || fail "web-1's disk was replaced (boots $(last_disk), was $old_boots)"
ls -i "$HERD_POOL_DIR/herd-t40/t40--web-1.qcow2" | cmp -s - "$w/inode.before" ||
	fail "web-1's disk volume is a new file"
h t40 plan >"$out" || fail "plan after the reseed restart"
expect "$out" "Plan: 0 to create, 0 to update, 0 to recreate, 0 to delete, 2 unchanged."
fleet t40 2 160MiB 72MiB 10.77.1.0/24
h t40 plan >"$out" || fail "plan"
expect "$out" "-/+ recreate t40--web-1 (disk, seed, networks, ip)"
expect "$out" "-/+ network herd-t40--net"
h t40 apply --verify >"$out" 2>&1 || fail "apply recreate"
expect "$out" "Apply: 0 created, 0 updated, 2 recreated, 0 deleted, 0 failed."
v net-dumpxml herd-t40--net | grep -q "<ip address='10.77.1.1' prefix='24'>" ||
	fail "network not moved to 10.77.1.0/24"
no_dup_no_orphan 2

# --- the states a killed apply leaves behind, made by hand
fleet t40 4 160MiB 72MiB 10.77.1.0/24
v vol-create-as herd-t40 t40--web-3.qcow2 1M >/dev/null || fail "vol-create"	# disk, no domain
v vol-create-as herd-t40 t40--web-9.qcow2 1M >/dev/null || fail "vol-create"	# nobody's
v vol-create-as herd-t40 t40--web-9-seed.iso 1M >/dev/null || fail "vol-create"
v destroy t40--web-2 >/dev/null						# defined, not running
base=$(v vol-list herd--images | awk '/\.qcow2 / {print $1}')
v vol-delete "${base%.qcow2}.ok" herd--images >/dev/null || fail "delete marker"
h t40 plan >"$out" || fail "plan"
expect "$out" "- delete volume t40--web-9.qcow2"
expect "$out" "~ start t40--web-2"
expect "$out" "+ create t40--web-3"
h t40 apply >"$out" 2>&1 || fail "apply after a crash"
no_dup_no_orphan 4
v vol-list herd--images | grep -q "${base%.qcow2}.ok" || fail "base image not re-uploaded"

# --- one VM's failure does not stop the others; herd takes no one's domain
cat >"$w/foreign.xml" <<EOF
<domain type='qemu'><name>t40--web-5</name><memory unit='MiB'>64</memory>
<os><type arch='x86_64'>hvm</type></os></domain>
EOF
v define "$w/foreign.xml" >/dev/null || fail "define foreign"
fleet t40 6 160MiB 72MiB 10.77.1.0/24
h t40 apply >"$out" 2>&1 && fail "apply took over an untagged domain"
expect "$out" "Apply: 1 created, 0 updated, 0 recreated, 0 deleted, 1 failed."
grep -q "^herd: apply: t40--web-5: .*domain t40--web-5 exists and is not fleet 't40''s" "$out" ||
	fail "no failure summary for t40--web-5"
[ "$(v domstate t40--web-6)" = running ] || fail "t40--web-6 not made beside the failure"
v undefine t40--web-5 >/dev/null || fail "undefine foreign"
h t40 apply >"$out" 2>&1 || fail "apply after the failure"
no_dup_no_orphan 6

# --- kill -9 at several moments (growing the fleet each time), then apply
# again.  Counts stay under 10: web-{{index}} pads to the count's width.
killed_apply() {	# COUNT DELAY
	fleet t40 "$1" 160MiB 72MiB 10.77.1.0/24
	(exec "$HERD" -f "$w/t40.yaml" -c "$HERD_TEST_URI" --state-dir "$w/state" \
	    --allow-outside apply -j 2 >/dev/null 2>&1) &
	pid=$!
	sleep "$2"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}
finish_and_check() {	# COUNT
	h t40 apply >"$w/apply.out" 2>&1 || { out=$w/apply.out; fail "apply after kill -9 (count $1)"; }
	h t40 plan >"$out" || fail "plan"
	grep -qxF "Plan: 0 to create, 0 to update, 0 to recreate, 0 to delete, $1 unchanged." "$out" || {
		cat "$w/apply.out" >&2
		for d in $(v list --all --name | grep '^t40--web-'); do
			echo "$d: $(v domstate --reason "$d")" >&2
		done
		fail "not converged after kill -9 (count $1)"
	}
	no_dup_no_orphan "$1"
}
killed_apply 5 0.1
killed_apply 6 0.4
killed_apply 7 1.2
finish_and_check 7
killed_apply 9 0.7
killed_apply 3 0.5
killed_apply 8 2.0
finish_and_check 8

# --- two fleets at once, one new base image (96 MiB raw: a long upload)
qemu-img convert -O raw "$TINY_DISK" "$w/big-base.raw" || fail "raw base"
qemu-img resize -q -f raw "$w/big-base.raw" 96M || fail "grow raw base"
for f in t42 t43; do
	fleet "$f" 1 128MiB 128MiB "10.78.${f#t4}.0/24"
	sed -i "s|path: $TINY_DISK|path: $w/big-base.raw|" "$w/$f.yaml"
done
h t42 apply >"$w/out42" 2>&1 & p42=$!
h t43 apply >"$w/out43" 2>&1 & p43=$!
wait "$p42" || { out=$w/out42; fail "apply t42 beside t43"; }
wait "$p43" || { out=$w/out43; fail "apply t43 beside t42"; }
[ "$(cat "$w/out42" "$w/out43" | grep -c '^Uploaded 1 base image into herd--images\.$')" -eq 1 ] ||
	fail "the shared base was not uploaded exactly once: $(cat "$w/out42" "$w/out43")"
rawsum=$(sha256sum "$w/big-base.raw" | cut -c1-64)
[ "$(v vol-list herd--images | grep -c "^ *$rawsum\.")" -eq 2 ] ||
	fail "herd--images: $(v vol-list herd--images)"	# the image and its .ok
for f in t42 t43; do
	wait_for 90 grep -q '^herd-tiny: disk vda sectors=262144 base=tiny-base' \
	    "$HERD_POOL_DIR/herd-$f/$f--web-1.console.log" ||
		fail "$f--web-1 does not boot from the shared base: $(cat "$HERD_POOL_DIR/herd-$f/$f--web-1.console.log")"
done
h t42 destroy >/dev/null 2>&1 && h t43 destroy >/dev/null 2>&1 || fail "destroy t42/t43"

# --- destroy touches this fleet only
fleet t41 1 128MiB 64MiB 10.78.0.0/24
sed -i 's/defaults: {/defaults: {clone: full, /' "$w/t41.yaml"	# t41: a full copy
h t41 apply >"$out" 2>&1 || fail "apply t41"
v vol-dumpxml t41--web-1.qcow2 --pool herd-t41 >"$w/vol.xml" || fail "t41 volume"
grep -q '<backingStore' "$w/vol.xml" && fail "clone: full made a linked clone"
grep -q "<capacity unit='bytes'>67108864</capacity>" "$w/vol.xml" ||
	fail "full clone not grown to 64 MiB: $(grep capacity "$w/vol.xml")"
log41=$HERD_POOL_DIR/herd-t41/t41--web-1.console.log
wait_for 90 grep -q '^herd-tiny: disk vda sectors=131072 base=tiny-base' "$log41" ||
	fail "t41--web-1 does not boot from its full copy: $(cat "$log41")"
cat >"$w/untagged.xml" <<EOF
<domain type='qemu'><name>t40--web-100</name><memory unit='MiB'>64</memory>
<os><type arch='x86_64'>hvm</type></os></domain>
EOF
v define "$w/untagged.xml" >/dev/null || fail "define untagged"
v destroy t40--web-1 >/dev/null || fail "virsh destroy"
v snapshot-create-as t40--web-1 snap1 >/dev/null || fail "snapshot"
h t40 destroy >"$out" 2>&1 || fail "destroy"
[ -z "$(v list --all --name | grep '^t40--web-[0-9]$')" ] || fail "t40 domains left"
v pool-info herd-t40 >/dev/null 2>&1 && fail "pool herd-t40 left"
v net-info herd-t40--net >/dev/null 2>&1 && fail "network herd-t40--net left"
v dominfo t40--web-100 >/dev/null 2>&1 || fail "destroy removed an untagged domain"
v dominfo t41--web-1 >/dev/null 2>&1 || fail "destroy removed another fleet's domain"
v vol-info t41--web-1.qcow2 --pool herd-t41 >/dev/null 2>&1 || fail "t41 volume removed"
v net-info herd-t41--net >/dev/null 2>&1 || fail "t41 network removed"
v pool-info herd--images >/dev/null 2>&1 || fail "shared image pool removed"
h t40 destroy >"$out" 2>&1 || fail "second destroy"
expect "$out" "Nothing to destroy for fleet 't40'."
h t41 destroy >/dev/null 2>&1 || fail "destroy t41"
echo "40-apply: ok"
