#!/bin/sh
# Self-test of the Debian 12 cloud-init test image (tests/lib/debian-guest.sh),
# without herd: boot it under TCG in the namespace libvirtd with a hand-made
# NoCloud seed (cloud-localds: user-data, meta-data, network-config v2
# matched by MAC), wait for cloud-init's "finished" line on the serial
# console, then log in over SSH from inside the namespace and check the
# hostname, the user, sudo, the runcmd marker, the address and the grown root
# file system.  Prints the time to "finished".  Exit 0 pass, 77 skip, 1 fail.
# The first run builds the image (several minutes).
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/lib/netns-libvirtd.sh"

t0=$(date +%s)
fail() {
	echo "05-debian-image: FAIL: $*" >&2
	[ -n "${log:-}" ] && [ -f "$log" ] && tail -n 30 "$log" >&2
	save_log
	exit 1
}
# HERD_TEST_SAVE_LOG=FILE keeps the guest's serial log for a post-mortem.
save_log() {
	[ -n "${HERD_TEST_SAVE_LOG:-}" ] && [ -f "${log:-}" ] &&
	    cp "$log" "$HERD_TEST_SAVE_LOG"
	return 0
}
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
wait_for() {
	_w_end=$(( $(date +%s) + $1 )); shift
	while ! "$@"; do
		[ "$(date +%s)" -lt "$_w_end" ] || return 1
		sleep 1
	done
}

trap libvirt_ns_stop EXIT
trap 'exit 130' INT TERM HUP

img=$(sh "$here/lib/debian-guest.sh") || exit $?
eval "$img"
for t in cloud-localds ssh ssh-keygen; do
	command -v $t >/dev/null || { echo "missing $t" >&2; exit 77; }
done

libvirt_ns_start || exit $?
v() { libvirt_ns_virsh "$@"; }
w=$HERD_TEST_DIR/work
mkdir -p "$w" || fail "mkdir"
mac=52:54:00:77:00:20 addr=10.77.0.20 name=deb-one

cat >"$w/net.xml" <<EOF
<network>
  <name>herd-e2e-img</name>
  <forward mode='nat'/>
  <ip address='10.77.0.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='10.77.0.100' end='10.77.0.200'/>
      <host mac='$mac' name='$name' ip='$addr'/>
    </dhcp>
  </ip>
</network>
EOF
v net-define "$w/net.xml" >/dev/null && v net-start herd-e2e-img >/dev/null ||
    fail "network"

ssh-keygen -q -t ed25519 -N '' -f "$w/key" || fail "ssh-keygen"
printf 'instance-id: %s-1\nlocal-hostname: %s\n' "$name" "$name" >"$w/meta-data"
cat >"$w/user-data" <<EOF
#cloud-config
users:
  - name: herd
    sudo: "ALL=(ALL) NOPASSWD:ALL"
    shell: /bin/bash
    lock_passwd: true
    ssh_authorized_keys: ["$(cat "$w/key.pub")"]
ssh_genkeytypes: [ed25519]
runcmd:
  - [sh, -c, "echo herd-marker-$name > /run/herd-marker"]
EOF
cat >"$w/network-config" <<EOF
version: 2
ethernets:
  nic0:
    match: {macaddress: "$mac"}
    dhcp4: true
EOF
cloud-localds -N "$w/network-config" "$w/seed.iso" "$w/user-data" \
    "$w/meta-data" || fail "cloud-localds"
qemu-img create -q -f qcow2 -F qcow2 -b "$DEBIAN_DISK" "$w/vda.qcow2" 4G ||
    fail "qemu-img create"

log=$w/serial.log
cat >"$w/dom.xml" <<EOF
<domain type='qemu'>
  <name>herd-e2e-debian</name>
  <memory unit='MiB'>1024</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>$DEBIAN_KERNEL</kernel>
    <initrd>$DEBIAN_INITRD</initrd>
    <cmdline>$DEBIAN_CMDLINE</cmdline>
  </os>
  <features><acpi/></features>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='$w/vda.qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='file' device='cdrom'>
      <driver name='qemu' type='raw'/>
      <source file='$w/seed.iso'/>
      <target dev='hdc' bus='ide'/>
      <readonly/>
    </disk>
    <interface type='network'>
      <source network='herd-e2e-img'/>
      <mac address='$mac'/>
      <model type='virtio'/>
    </interface>
    <serial type='pty'>
      <log file='$log' append='off'/>
      <target port='0'/>
    </serial>
    <console type='pty'/>
  </devices>
</domain>
EOF
s=$(now)
v create "$w/dom.xml" >/dev/null || fail "virsh create"
finished() { grep -q "${DEBIAN_READY}.* finished at" "$log" 2>/dev/null; }
wait_for "${HERD_E2E_BOOT_TIMEOUT:-300}" finished ||
    fail "cloud-init did not finish within ${HERD_E2E_BOOT_TIMEOUT:-300} s"
boot=$(since "$s")
grep -a "${DEBIAN_READY}.* finished at" "$log" | tr -d '\r' | sed 's/^/  guest: /'

gs() {
	libvirt_ns_exec timeout 120 ssh -q -i "$w/key" -o BatchMode=yes \
	    -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
	    -o ConnectTimeout=10 "herd@$addr" "$@"
}
# sshd may still be starting, or slow to answer under TCG on a busy host.
wait_for 120 gs true || fail "no SSH login within 120 s"
out=$(gs 'cloud-init status --wait >/dev/null; echo "status=$?";
	hostname; cat /run/herd-marker; sudo -n id -u;
	ip -4 -o addr show | grep -o "inet [0-9.]*" | tr "\n" " "; echo;
	df -m / | awk "NR==2 { print \$2 }"') || fail "ssh into the guest"
echo "$out" | sed 's/^/  ssh: /'
if ! echo "$out" | grep -qx 'status=0'; then
	gs 'cloud-init status --long; sudo grep -E "WARNING|ERROR|Traceback" \
	    /var/log/cloud-init.log | tail -n 20' | sed 's/^/  guest: /' >&2
	fail "cloud-init status is not 0"
fi
echo "$out" | grep -qx "$name" || fail "hostname is not $name"
echo "$out" | grep -qx "herd-marker-$name" || fail "runcmd marker missing"
echo "$out" | grep -qx '0' || fail "sudo does not give root"
echo "$out" | grep -q "inet $addr " || fail "address is not $addr"
rootmb=$(echo "$out" | tail -n 1)
[ "$rootmb" -gt 3000 ] 2>/dev/null || fail "root fs not grown to the 4 GiB disk ($rootmb MiB)"

v destroy herd-e2e-debian >/dev/null
save_log
echo "debian guest: cloud-init finished ${boot}s after virsh create"
echo "05-debian-image: ok ($(( $(date +%s) - t0 ))s)"
exit 0
