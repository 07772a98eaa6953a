#!/bin/sh
# A fleet an older herd applied (names joined with one '-': domain
# <fleet>-<vm>, network herd-<fleet>-<net>, volumes <fleet>-<vm>.qcow2) is
# taken over by this herd: plan names each rename, apply removes the old
# domain, volumes and network and makes them under the new names (<fleet>--
# <vm>, herd-<fleet>--<net>), the guest boots again, nothing of the old
# names is left and a second plan has nothing to do.  The older herd's
# objects are made here from this herd's by renaming them with virsh.
# Exit 0 pass, 77 skip, 1 fail.
here=$(cd "$(dirname "$0")/.." && pwd)
HERD=${HERD:-$here/../build/herd}
. "$here/lib/netns-libvirtd.sh"
. "$here/lib/herd-test.sh"
T=43-rename

fail() {
	echo "43-rename: FAIL: $*" >&2
	[ -f "${out:-/nonexistent}" ] && tail -n 20 "$out" >&2
	exit 1
}

herd_test_need qemu-img
herd_test_guest tiny
herd_test_start

cat >"$w/t42.yaml" <<EOF
fleet: t42
accel: qemu
images:
  tiny:
    path: $TINY_DISK
    boot: {kernel: $TINY_KERNEL, initrd: $TINY_INITRD, cmdline: "$TINY_CMDLINE"}
networks:
  net: {mode: nat, cidr: 10.78.0.0/24}
defaults: {image: tiny, cpus: 1, memory: 128MiB, disk: 64MiB, networks: [net]}
vms:
  web-1: {}
EOF
# --allow-outside: the tiny guest's files live in the test's cache
h() { "$HERD" -f "$w/t42.yaml" -c "$HERD_TEST_URI" --state-dir "$w/state" --allow-outside "$@"; }
expect() {	# expect FILE TEXT: the output holds the line
	grep -qxF -- "$2" "$1" || fail "expected '$2' in: $(cat "$1")"
}
pool=$HERD_POOL_DIR/herd-t42

h apply >"$out" 2>&1 || fail "first apply"
v domstate t42--web-1 | grep -qx running || fail "t42--web-1 is not running"

# --- what an older herd left: the same objects under the old names
v destroy t42--web-1 >/dev/null || fail "destroy"
v dumpxml --inactive t42--web-1 >"$w/dom.xml" || fail "dumpxml"
v net-dumpxml --inactive herd-t42--net >"$w/net.xml" || fail "net-dumpxml"
v undefine t42--web-1 >/dev/null && v net-destroy herd-t42--net >/dev/null &&
    v net-undefine herd-t42--net >/dev/null || fail "undefine"
for s in .qcow2 -seed.iso; do
	mv "$pool/t42--web-1$s" "$pool/t42-web-1$s" || fail "rename volume"
done
[ -f "$pool/t42--web-1.console.log" ] && mv "$pool/t42--web-1.console.log" "$pool/t42-web-1.console.log"
v pool-refresh herd-t42 >/dev/null || fail "pool-refresh"
sed -e 's/t42--web-1/t42-web-1/g' -e 's/herd-t42--net/herd-t42-net/g' "$w/dom.xml" >"$w/old.xml"
sed -e 's/herd-t42--net/herd-t42-net/g' -e '/<uuid>/d' -e '/<bridge /d' "$w/net.xml" >"$w/oldnet.xml"
v net-define "$w/oldnet.xml" >/dev/null && v net-start herd-t42-net >/dev/null ||
    fail "define the old network"
v define "$w/old.xml" >/dev/null && v start t42-web-1 >/dev/null || fail "define the old domain"
grep -q 'fleet="t42"' "$w/old.xml" || fail "the old domain carries no tag: $(cat "$w/old.xml")"

# --- plan: renames, no deletes of the fleet's own objects as strangers'
h plan >"$out" 2>&1 || fail "plan"
expect "$out" "-/+ recreate t42--web-1 (renamed: t42-web-1 -> t42--web-1)"
expect "$out" "-/+ network herd-t42--net (renamed: herd-t42-net -> herd-t42--net)"
grep -q '^- ' "$out" && fail "plan deletes: $(cat "$out")"
h plan --json >"$out" 2>&1 || fail "plan --json"
grep -q '"renamed_from": "t42-web-1"' "$out" || fail "no renamed_from in: $(cat "$out")"

# --- apply: the new names, nothing of the old ones
h apply >"$out" 2>&1 || fail "apply after the rename"
v domstate t42--web-1 | grep -qx running || fail "t42--web-1 is not running"
v dominfo t42-web-1 >/dev/null 2>&1 && fail "t42-web-1 is still there"
v net-info herd-t42-net >/dev/null 2>&1 && fail "herd-t42-net is still there"
v net-info herd-t42--net >/dev/null 2>&1 || fail "no herd-t42--net"
v pool-refresh herd-t42 >/dev/null
v vol-list herd-t42 | awk '{print $1}' | grep -v 'console\.log$' | grep -q '^t42-web-1' &&
    fail "old volumes left: $(v vol-list herd-t42)"
v domiflist t42--web-1 | grep -q 'herd-t42--net' || fail "t42--web-1 not on herd-t42--net"
h plan >"$out" 2>&1 || fail "second plan"
expect "$out" "Plan: 0 to create, 0 to update, 0 to recreate, 0 to delete, 1 unchanged."
log=$pool/t42--web-1.console.log
wait_for 90 grep -q '^herd-tiny: seed instance-id=t42-web-1-' "$log" ||
    fail "t42--web-1 did not boot with its seed: $(tail -n 5 "$log")"

h destroy >"$out" 2>&1 || fail "destroy"
[ -z "$(v list --all --name | grep '^t42')" ] || fail "domains left"
v pool-info herd--images >/dev/null 2>&1 || fail "shared image pool herd--images removed"
echo "43-rename: ok"
exit 0
