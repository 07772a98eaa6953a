#!/bin/sh
# Self-test of the integration harness: a private libvirtd in a network
# namespace (tests/lib/netns-libvirtd.sh) runs a NAT network and boots the
# tiny guest (tests/lib/tiny-guest.sh) under TCG; the guest must print its
# ready marker, see its disk and seed, get the reserved DHCP lease and
# answer HTTP from inside the namespace; `virsh shutdown` must power it off;
# the teardown must leave no process, namespace or directory behind.
# Exit 0 pass, 77 skip (not root, missing tools), 1 fail.  Needs no herd.
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/lib/netns-libvirtd.sh"

t0=$(date +%s)
fail() {
	echo "10-harness: FAIL: $*" >&2
	[ -n "${log:-}" ] && [ -f "$log" ] && tail -n 30 "$log" >&2
	exit 1
}
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
# Poll COMMAND every 0.2 s for up to SECONDS; 0 as soon as it succeeds.
wait_for() {
	_w_end=$(( $(date +%s) + $1 )); shift
	while ! "$@"; do
		[ "$(date +%s)" -lt "$_w_end" ] || return 1
		sleep 0.2
	done
}

trap libvirt_ns_stop EXIT
trap 'exit 130' INT TERM HUP

tiny=$(sh "$here/lib/tiny-guest.sh") || exit $?
eval "$tiny"
# Debugging: HERD_TINY_CMDLINE=console=ttyS0 shows the kernel's messages.
TINY_CMDLINE=${HERD_TINY_CMDLINE:-$TINY_CMDLINE}
command -v cloud-localds >/dev/null || { echo "missing cloud-localds" >&2; exit 77; }
command -v curl >/dev/null || { echo "missing curl" >&2; exit 77; }

s=$(now)
libvirt_ns_start || exit $?
echo "libvirtd up in $(since "$s")s: $HERD_TEST_URI (netns $HERD_TEST_NS)"
v() { libvirt_ns_virsh "$@"; }
w=$HERD_TEST_DIR/work
mkdir -p "$w" || fail "mkdir"

# --- the NAT network: bridge, dnsmasq and masquerading, all in the netns
cat >"$w/net.xml" <<EOF
<network>
  <name>herd-harness</name>
  <forward mode='nat'/>
  <bridge name='herdbr-h0' stp='off'/>
  <ip address='10.77.0.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='10.77.0.100' end='10.77.0.200'/>
      <host mac='52:54:00:77:00:10' name='tiny-one' ip='10.77.0.10'/>
    </dhcp>
  </ip>
</network>
EOF
v net-define "$w/net.xml" >/dev/null || fail "net-define"
v net-start herd-harness >/dev/null || fail "net-start"
libvirt_ns_exec ip -br addr show herdbr-h0 | grep -q '10\.77\.0\.1/24' ||
    fail "bridge herdbr-h0 has no 10.77.0.1 in the namespace"
ip link show herdbr-h0 >/dev/null 2>&1 && fail "bridge leaked to the host"
libvirt_ns_exec iptables -t nat -S 2>/dev/null | grep -q 'MASQUERADE' ||
    fail "no MASQUERADE rule in the namespace"
dns=$(ip netns pids "$HERD_TEST_NS" | while read -r p; do
	case $(cat "/proc/$p/comm" 2>/dev/null) in dnsmasq) echo "$p" ;; esac
done)
[ -n "$dns" ] || fail "no dnsmasq in the namespace"

# --- the tiny guest: overlay disk over the base, a NoCloud seed, serial log
qemu-img create -q -f qcow2 -F qcow2 -b "$TINY_DISK" "$w/vda.qcow2" 64M ||
    fail "qemu-img create"
printf 'instance-id: harness-1\nlocal-hostname: tiny-one\n' >"$w/meta-data"
printf '#cloud-config\n{}\n' >"$w/user-data"
cloud-localds "$w/seed.iso" "$w/user-data" "$w/meta-data" || fail "cloud-localds"
log=$w/serial.log
cat >"$w/dom.xml" <<EOF
<domain type='qemu'>
  <name>herd-harness-tiny</name>
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>$TINY_KERNEL</kernel>
    <initrd>$TINY_INITRD</initrd>
    <cmdline>$TINY_CMDLINE</cmdline>
  </os>
  <features><acpi/></features>
  <on_poweroff>destroy</on_poweroff>
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
      <source network='herd-harness'/>
      <mac address='52:54:00:77:00:10'/>
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
wait_for 30 grep -q "^$TINY_READY" "$log" 2>/dev/null ||
    fail "no '$TINY_READY' on the serial console within 30 s"
boot=$(since "$s")
grep -q '^herd-tiny: disk vda sectors=131072 base=tiny-base boots=1' "$log" ||
    fail "guest did not see its 64 MiB overlay over the base disk"
grep -q '^herd-tiny: seed instance-id=harness-1 local-hostname=tiny-one' "$log" ||
    fail "guest did not read its NoCloud seed"

has_lease() {
	v net-dhcp-leases herd-harness 2>/dev/null |
	    grep -q '52:54:00:77:00:10.*10\.77\.0\.10/24.*tiny-one'
}
wait_for 30 has_lease || fail "no DHCP lease for 10.77.0.10 within 30 s"
lease=$(since "$s")
page=$(libvirt_ns_exec curl -s --max-time 5 http://10.77.0.10/) ||
    fail "guest's http server unreachable from the namespace"
[ "$page" = "hostname=tiny-one ip=10.77.0.10 instance-id=harness-1" ] ||
    fail "unexpected page from the guest: $page"

# --- ACPI power button: a transient domain vanishes when it powers off
v shutdown herd-harness-tiny >/dev/null || fail "virsh shutdown"
gone() { ! v domstate herd-harness-tiny >/dev/null 2>&1; }
wait_for 30 gone || fail "guest did not power off within 30 s"
grep -q '^herd-tiny: poweroff' "$log" || fail "no poweroff line on the console"

grep '^herd-tiny: ' "$log" | sed 's/^/  guest: /'

# --- teardown: nothing may survive
pids=$(ip netns pids "$HERD_TEST_NS" | tr '\n' ' ')
ns=$HERD_TEST_NS dir=$HERD_TEST_DIR
libvirt_ns_stop
for p in $pids; do
	st=$(awk '{ print $3 }' "/proc/$p/stat" 2>/dev/null)
	[ -z "$st" ] || [ "$st" = Z ] || fail "process $p survived the stop"
done
ip netns list | grep -q "^$ns\\b" && fail "namespace $ns survived"
[ -e "$dir" ] && fail "directory $dir survived"

echo "tiny guest: ready marker ${boot}s after virsh create, DHCP lease ${lease}s"
echo "10-harness: ok ($(( $(date +%s) - t0 ))s)"
exit 0
