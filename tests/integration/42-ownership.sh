#!/bin/sh
# No fleet touches what is not its own, against a private libvirtd in a
# network namespace (tests/lib/netns-libvirtd.sh):
#  - a network of the name herd wants, untagged or tagged for another
#    fleet, is refused (naming it and its owner), not adopted: no DHCP host
#    is added to it;
#  - a pool of the fleet pool's name without herd's mark is refused;
#  - destroy deletes only the volumes herd named: a stranger's file in the
#    fleet's folder stays, and so does the pool around it (exit 1, naming
#    the file); the shared image pool stays whatever happens;
#  - snapshots refuse a domain of the fleet's name that is not the fleet's;
#  - seed volumes in the pool and `herd seed -o` files are 0600 whatever
#    the umask (a seed holds the VM's SSH host private key).
# Object names come from `herd plan`, so the test holds whatever herd's
# naming scheme is.  Exit 0 pass, 77 skip, 1 fail.
here=$(cd "$(dirname "$0")/.." && pwd)
HERD=${HERD:-$here/../build/herd}
. "$here/lib/netns-libvirtd.sh"
. "$here/lib/herd-test.sh"
T=42-ownership

fail() {
	echo "$T: FAIL: $*" >&2
	[ -f "${out:-/nonexistent}" ] && tail -n 20 "$out" >&2
	exit 1
}

herd_test_need qemu-img stat
herd_test_start
umask 022

# An empty disk: the VMs need not boot for any of this.
qemu-img create -q -f qcow2 "$w/base.qcow2" 16M || fail "qemu-img"
cat >"$w/t42.yaml" <<EOF
fleet: t42
accel: qemu
images:
  img: {path: $w/base.qcow2}
networks:
  net: {mode: isolated, cidr: 10.79.8.0/24}
defaults: {image: img, memory: 32MiB, disk: 32MiB, networks: [net]}
vms:
  a: {}
  b: {}
EOF
h() { "$HERD" -f "$w/t42.yaml" -c "$HERD_TEST_URI" --state-dir "$w/state" "$@"; }
h plan >"$out" || fail "plan"
pool=$(sed -n 's/^+ pool //p' "$out")
net=$(sed -n 's/^+ network //p' "$out")
dom_b=$(sed -n 's/^+ create \(.*-b\)$/\1/p' "$out")
[ -n "$pool" ] && [ -n "$net" ] && [ -n "$dom_b" ] || fail "names from the plan"

# --- a network of herd's name: untagged, then another fleet's
netxml() {	# netxml METADATA
	cat >"$w/net.xml" <<EOF
<network><name>$net</name>$1<ip address='10.79.8.1' prefix='24'/></network>
EOF
	v net-define "$w/net.xml" >/dev/null || fail "net-define"
}
netxml ""
h apply >"$out" 2>&1 && fail "apply adopted an untagged network"
grep -q "network $net exists and is not fleet 't42''s (untagged)" "$out" ||
	fail "no refusal naming the untagged network"
v net-dumpxml "$net" | grep -q '<host ' && fail "herd added DHCP hosts to a network not its own"
v net-undefine "$net" >/dev/null || fail "net-undefine"
netxml "<metadata><herd:net xmlns:herd='https://herd.dev/xmlns/1' fleet='other' name='net' hash='x'/></metadata>"
h apply >"$out" 2>&1 && fail "apply adopted another fleet's network"
grep -q "network $net exists and is not fleet 't42''s (tagged for fleet 'other')" "$out" ||
	fail "no refusal naming the other fleet"
h destroy >"$out" 2>&1
v net-info "$net" >/dev/null 2>&1 || fail "destroy removed another fleet's network"
v net-undefine "$net" >/dev/null || fail "net-undefine"

# --- a pool of herd's name without herd's mark
mkdir -p "$w/foreign"
cat >"$w/pool.xml" <<EOF
<pool type='dir'><name>$pool</name><target><path>$w/foreign</path></target></pool>
EOF
v pool-define "$w/pool.xml" >/dev/null && v pool-start "$pool" >/dev/null || fail "pool-define"
v vol-create-as "$pool" t42-a.qcow2 1M >/dev/null || fail "vol-create-as"
h apply >"$out" 2>&1 && fail "apply adopted an unmarked pool"
grep -q "pool $pool exists and is not fleet 't42''s (untagged)" "$out" ||
	fail "no refusal naming the unmarked pool"
h destroy >"$out" 2>&1 && fail "destroy removed an unmarked pool"
[ -f "$w/foreign/t42-a.qcow2" ] || fail "destroy emptied an unmarked pool"
v pool-destroy "$pool" >/dev/null && v pool-undefine "$pool" >/dev/null || fail "pool-undefine"

# --- the fleet's own: made, its seeds private, a stranger's file kept
h apply >"$out" 2>&1 || fail "apply"
dir=$HERD_POOL_DIR/$pool
seed=$(ls "$dir" | grep -- '-seed\.iso$' | head -n 1)
[ -n "$seed" ] || fail "no seed volume in $dir"
for s in "$dir"/*-seed.iso; do
	[ "$(stat -c %a "$s")" = 600 ] || fail "$s has mode $(stat -c %a "$s")"
done
h seed a -o "$w/a.iso" >"$out" 2>&1 || fail "herd seed"
[ "$(stat -c %a "$w/a.iso")" = 600 ] || fail "herd seed -o wrote mode $(stat -c %a "$w/a.iso")"

# --- snapshots only of the fleet's own domains
v undefine "$dom_b" >/dev/null 2>&1
v destroy "$dom_b" >/dev/null 2>&1
cat >"$w/dom.xml" <<EOF
<domain type='qemu'><name>$dom_b</name><memory unit='MiB'>32</memory>
<os><type arch='x86_64'>hvm</type></os></domain>
EOF
v define "$w/dom.xml" >/dev/null || fail "define an untagged domain"
h snapshot s1 --vm b >"$out" 2>&1 && fail "snapshot of an untagged domain"
grep -q "domain $dom_b exists and is not fleet 't42''s (untagged)" "$out" ||
	fail "no refusal for the snapshot"
v snapshot-list "$dom_b" --name | grep -q s1 && fail "a snapshot was taken of an untagged domain"

v vol-create-as "$pool" precious.img 1M >/dev/null || fail "vol-create-as"
images=$(v pool-list --all --name | awk -v p="$pool" 'NF && $1 != p {print $1}')
[ -n "$images" ] || fail "no shared image pool"
h destroy >"$out" 2>&1 && fail "destroy with a stranger's volume succeeded"
grep -q "pool $pool holds volumes herd did not make (precious.img)" "$out" ||
	fail "destroy did not name the stranger's volume"
[ -f "$dir/precious.img" ] || fail "destroy deleted a volume herd did not make"
v dominfo "$dom_b" >/dev/null 2>&1 || fail "destroy removed an untagged domain"
ls "$dir" | grep -q -e '\.qcow2$' -e '-seed\.iso$' && fail "herd's volumes left: $(ls "$dir")"
v vol-delete precious.img --pool "$pool" >/dev/null || fail "vol-delete"
h destroy >"$out" 2>&1 || fail "destroy"
v pool-info "$pool" >/dev/null 2>&1 && fail "pool $pool left"
for p in $images; do
	v pool-info "$p" >/dev/null 2>&1 || fail "destroy removed the shared pool $p"
	[ -n "$(v vol-list "$p" | awk 'NF {print $1}')" ] || fail "the shared pool $p was emptied"
done
v undefine "$dom_b" >/dev/null || fail "undefine"
echo "$T: ok"
