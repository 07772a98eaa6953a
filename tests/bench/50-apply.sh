#!/bin/sh
# Apply benchmarks.
# (a) plan + apply of 1,000 VMs on libvirt's test:///default driver (one
#     process: `herd apply --verify` applies then re-plans on the same
#     connection): wall time and peak memory (GNU time's max RSS).
# (b) 20 tiny guests from nothing to all running on a private libvirtd in a
#     network namespace: `herd apply` (pool, network, base image upload,
#     20 linked clones, seeds, define, start; -j 8) against a shell loop
#     doing the same with the usual tools on the same inputs (the seed files
#     herd renders, the same base image, kernel and network):
#     `qemu-img create -b` + `cloud-localds` + `virsh define` + `virsh
#     start` per VM, after `virsh net-define` + `net-start`.  Each side is
#     torn down before the other runs, so running guests do not slow it.
#     Goal: herd at most half the loop's wall time (ratio <= 0.50).
set -u
ROOT=$(pwd)
HERD=${HERD:-build/herd}
case "$HERD" in /*) ;; *) HERD=$ROOT/$HERD ;; esac
N=${BENCH_GUESTS:-20}
[ -x "$HERD" ] || { echo "50-apply: build herd first" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "50-apply: skip: no /usr/bin/time" >&2; exit 77; }
. "$ROOT/tests/lib/netns-libvirtd.sh"
T=$(mktemp -d /tmp/herd-bench-apply.XXXXXX) || exit 1
trap 'libvirt_ns_stop; rm -rf "$T"' EXIT
trap 'exit 130' INT TERM HUP
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

# --- (a) 1,000 VMs on test:///default
cat >"$T/scale.yaml" <<'YAML'
fleet: scale
networks:
  net: {mode: nat, cidr: 10.90.0.0/16}
defaults: {cpus: 1, memory: 256MiB, disk: 16MiB, bootstrap: none, networks: [net]}
groups:
  n: {count: 1000, name: "n-{{index}}"}
YAML
s=$(date +%s%N)
/usr/bin/time -f '%M %U %S' -o "$T/rss" "$HERD" -f "$T/scale.yaml" -c test:///default \
	--state-dir "$T/state" apply --verify >"$T/out" 2>/dev/null ||
	{ echo "50-apply: (a) apply failed" >&2; exit 1; }
a_ms=$(ms "$s")
grep -q '^Verify: Plan: 0 to create.* 1000 unchanged' "$T/out" ||
	{ echo "50-apply: (a) did not converge" >&2; exit 1; }
set -- $(tail -n 1 "$T/rss")
echo "(a) plan+apply+re-plan of 1000 VMs on test:///default: ${a_ms} ms wall," \
	"$(echo "$2 $3" | awk '{printf "%.2f", $1 + $2}') s CPU, peak RSS $(( $1 / 1024 )) MiB"

# --- (b) 20 tiny guests on a private libvirtd
eval "$(sh tests/lib/tiny-guest.sh)" || exit 77
command -v cloud-localds >/dev/null || { echo "50-apply: (b) skip: no cloud-localds" >&2; exit 77; }
libvirt_ns_start || exit $?
cp "$HERD" "$T/herd"
export HERD_POOL_DIR="$T/pools"
cat >"$T/b.yaml" <<EOF
fleet: bench
accel: qemu
images:
  tiny:
    path: $TINY_DISK
    boot: {kernel: $TINY_KERNEL, initrd: $TINY_INITRD, cmdline: "$TINY_CMDLINE"}
networks:
  net: {mode: nat, cidr: 10.77.0.0/24}
defaults: {image: tiny, cpus: 1, memory: 96MiB, disk: 64MiB, networks: [net]}
groups:
  vm: {count: $N, name: "vm-{{index}}"}
EOF
h() { "$T/herd" -f "$T/b.yaml" -c "$HERD_TEST_URI" --state-dir "$T/bstate" --allow-outside "$@"; }
v() { virsh -q -c "$HERD_TEST_URI" "$@"; }

# The loop's inputs: the seed files herd renders for each VM (not timed).
mkdir -p "$T/loop"
i=1
while [ "$i" -le "$N" ]; do
	name=$(printf "vm-%0${#N}d" "$i")
	h render "$name" >"$T/loop/$name.all" || { echo "50-apply: render failed" >&2; exit 1; }
	awk -v d="$T/loop/$name" '/^# --- user-data ---$/ {f = d ".user-data"; next}
		/^# --- meta-data ---$/ {f = d ".meta-data"; next}
		/^# --- network-config ---$/ {f = d ".network-config"; next}
		{print > f}' "$T/loop/$name.all"
	i=$((i + 1))
done
cat >"$T/loop/net.xml" <<EOF
<network><name>loop-net</name><forward mode='nat'/>
<ip address='10.77.0.1' prefix='24'><dhcp><range start='10.77.0.192' end='10.77.0.254'/></dhcp></ip></network>
EOF

loop_run() {
	v net-define "$T/loop/net.xml" >/dev/null && v net-start loop-net >/dev/null || return 1
	i=1
	while [ "$i" -le "$N" ]; do
		name=$(printf "vm-%0${#N}d" "$i"); d=$T/loop/$name
		qemu-img create -q -f qcow2 -F qcow2 -b "$TINY_DISK" "$d.qcow2" 64M || return 1
		cloud-localds -N "$d.network-config" "$d.iso" "$d.user-data" "$d.meta-data" || return 1
		cat >"$d.xml" <<EOF
<domain type='qemu'><name>loop-$name</name><memory unit='MiB'>96</memory><vcpu>1</vcpu>
<os><type arch='x86_64'>hvm</type><kernel>$TINY_KERNEL</kernel><initrd>$TINY_INITRD</initrd>
<cmdline>$TINY_CMDLINE</cmdline></os><features><acpi/></features><devices>
<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='$d.qcow2'/><target dev='vda' bus='virtio'/></disk>
<disk type='file' device='cdrom'><driver name='qemu' type='raw'/><source file='$d.iso'/><target dev='sda' bus='scsi'/><readonly/></disk>
<controller type='scsi' model='virtio-scsi'/>
<interface type='network'><source network='loop-net'/><model type='virtio'/></interface>
<serial type='pty'><log file='$d.log'/></serial></devices></domain>
EOF
		v define "$d.xml" >/dev/null && v start "loop-$name" >/dev/null || return 1
		i=$((i + 1))
	done
}
loop_clean() {
	for d in $(v list --all --name | grep '^loop-'); do
		v destroy "$d" >/dev/null 2>&1; v undefine "$d" >/dev/null
	done
	v net-destroy loop-net >/dev/null 2>&1; v net-undefine loop-net >/dev/null 2>&1
	rm -f "$T"/loop/*.qcow2 "$T"/loop/*.iso
}
running() { v list --state-running --name | grep -c "^$1"; }

s=$(date +%s%N)
loop_run || { echo "50-apply: (b) the shell loop failed" >&2; exit 1; }
loop_ms=$(ms "$s")
[ "$(running loop-)" -eq "$N" ] || { echo "50-apply: (b) loop: not all running" >&2; exit 1; }
loop_clean
# herd from nothing: its network, pools and base image too.
s=$(date +%s%N)
h apply -j 8 >/dev/null 2>"$T/herr" || { cat "$T/herr" >&2; exit 1; }
herd_ms=$(ms "$s")
[ "$(running bench-)" -eq "$N" ] || { echo "50-apply: (b) herd: not all running" >&2; exit 1; }
h destroy >/dev/null 2>&1
echo "(b) $N tiny guests, nothing to all running: herd apply ${herd_ms} ms," \
	"shell loop (qemu-img + cloud-localds + virsh define + virsh start) ${loop_ms} ms," \
	"ratio $(echo "$herd_ms $loop_ms" | awk '{printf "%.2f", $1 / $2}') (goal <= 0.50)"
