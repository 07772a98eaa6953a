#!/bin/sh
# libvirt's own error reaches the user, against a private libvirtd in a
# network namespace (tests/lib/netns-libvirtd.sh):
#  - a domain whose kernel is not a kernel: `apply` says what qemu said
#    ("kernel too old ..."), not "no error", with one worker (-j 1) and
#    with several (each worker thread has its own connection);
#  - a pool whose folder cannot be made (its parent is a file): the start
#    of the pool fails with libvirt's "Not a directory".  (A folder removed
#    under an existing pool is no error: the next apply builds it again.)
# Exit 0 pass, 77 skip, 1 fail.
here=$(cd "$(dirname "$0")/.." && pwd)
HERD=${HERD:-$here/../build/herd}
. "$here/lib/netns-libvirtd.sh"
. "$here/lib/herd-test.sh"
T=41-virt-errors

fail() {
	echo "$T: FAIL: $*" >&2
	[ -f "${out:-/nonexistent}" ] && tail -n 20 "$out" >&2
	exit 1
}

herd_test_need qemu-img
herd_test_start

# A kernel and an initrd that are text, and an empty disk.
echo "not a kernel" >"$w/vmlinuz"
echo "not an initrd" >"$w/initrd.img"
qemu-img create -q -f qcow2 "$w/base.qcow2" 16M || fail "qemu-img"

# fleet NAME COUNT CIDR: $w/NAME.yaml
fleet() {
	cat >"$w/$1.yaml" <<EOF
fleet: $1
accel: qemu
images:
  img:
    path: $w/base.qcow2
    boot: {kernel: $w/vmlinuz, initrd: $w/initrd.img, cmdline: "console=ttyS0"}
networks:
  net: {mode: nat, cidr: $3}
defaults: {image: img, memory: 64MiB, disk: 32MiB, networks: [net]}
groups:
  vm: {count: $2, name: "vm-{{index}}"}
EOF
}
h() { _f=$1; shift; "$HERD" -f "$w/$_f.yaml" -c "$HERD_TEST_URI" --state-dir "$w/state" "$@"; }
# The domain names the plan would create, one a line.
domains() { h "$1" plan | sed -n 's/^+ create //p'; }

# --- a kernel that is not one: qemu's own words, per VM, in every worker
fleet t41 3 10.79.0.0/24
domains t41 >"$w/doms"
[ "$(wc -l <"$w/doms")" -eq 3 ] || fail "plan: $(cat "$w/doms")"
for jobs in 1 3; do
	h t41 apply -j "$jobs" >"$out" 2>&1 && fail "apply -j $jobs started a text file as a kernel"
	while read -r d; do
		grep -q "^herd: apply: $d: start domain $d: .*kernel too old" "$out" ||
			fail "-j $jobs: no libvirt error for $d"
	done <"$w/doms"
	grep -q "no error" "$out" && fail "-j $jobs: \"no error\" reported"
done
h t41 destroy >/dev/null 2>&1 || fail "destroy t41"

# --- a pool folder that cannot be made: its parent is a file
echo "a file" >"$w/afile"
fleet t41b 1 10.79.1.0/24
HERD_POOL_DIR=$w/afile/pools h t41b apply >"$out" 2>&1 && fail "apply with an impossible pool folder"
grep -q "start pool .*herd-t41b.*Not a directory" "$out" || fail "no libvirt error for the pool"
grep -q "no error" "$out" && fail "\"no error\" reported for the pool"
HERD_POOL_DIR=$w/afile/pools h t41b destroy >/dev/null 2>&1 || fail "destroy t41b"

echo "$T: ok"
