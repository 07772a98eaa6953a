#!/bin/sh
# VMs on a host bridge: no planned address (DHCP comes from outside
# libvirt), so herd asks libvirt where each VM is.  Inside a private
# network namespace (tests/lib/netns-libvirtd.sh): a Linux bridge with an
# address and a dnsmasq serving DHCP on it, as a LAN would, and two tiny
# guests (sshd off: herd.sshd=0; no guest agent) attached to it:
#  - up --for ip: each VM's address comes from the host's ARP table
#    ("arp") and is the one dnsmasq leased to the VM's MAC;
#  - status --json, inventory json / ansible / hosts carry that address;
#  - exec and ssh try that address (the tiny guest refuses: port 22 is
#    closed), never "no address known";
#  - a stopped VM has no address, whatever the ARP table still says: it is
#    listed without one by inventory and left out by exec, by name.
# Every herd command runs inside the namespace.  Exit 0 pass, 77 skip,
# 1 fail.
here=$(cd "$(dirname "$0")/.." && pwd)
HERD=${HERD:-$here/../build/herd}
. "$here/lib/netns-libvirtd.sh"
. "$here/lib/herd-test.sh"
T=55-bridge

out=""
fail() {
	echo "55-bridge: FAIL: $*" >&2
	[ -n "$out" ] && [ -f "$out" ] && tail -n 20 "$out" >&2
	exit 1
}

herd_test_need jq dnsmasq
herd_test_guest tiny
herd_test_start
n() { libvirt_ns_exec "$@"; }

# The LAN: a bridge with the host's address and a DHCP server, both only in
# the namespace (libvirt_ns_stop kills dnsmasq with everything else there).
br=herdbr-t55
# A fixed MAC, as a bridge over a real NIC has: a bridge that takes its
# ports' lowest MAC changes it when a VM stops, and the kernel then
# flushes its ARP table.
n ip link add "$br" address 02:00:00:00:55:01 type bridge || fail "bridge"
n ip addr add 10.81.0.1/24 dev "$br" || fail "bridge address"
n ip link set "$br" up || fail "bridge up"
n dnsmasq --conf-file=/dev/null --port=0 --interface="$br" --bind-interfaces \
    --except-interface=lo --dhcp-range=10.81.0.100,10.81.0.150,1h \
    --dhcp-leasefile="$w/leases" --pid-file="$w/dnsmasq.pid" || fail "dnsmasq"

cat >"$w/t55.yaml" <<EOF
fleet: t55
accel: qemu
images:
  tiny:
    path: $TINY_DISK
    boot: {kernel: $TINY_KERNEL, initrd: $TINY_INITRD, cmdline: "$TINY_CMDLINE herd.sshd=0"}
networks:
  lan: {mode: bridge, bridge: $br}
defaults: {image: tiny, cpus: 1, memory: 128MiB, disk: 64MiB, networks: [lan]}
groups:
  web: {count: 2, name: "web-{{index}}"}
EOF
# --allow-outside: the tiny guest's files live in the test's cache
h() { n "$HERD" -f "$w/t55.yaml" -c "$HERD_TEST_URI" --state-dir "$w/state" --allow-outside "$@"; }
vms="web-1 web-2"

h up -j 2 --for ip --timeout 3m >"$out" 2>&1 || fail "up"
grep -q 'ready: 2 VMs at stage ip' "$out" || fail "up did not reach ip"
h inventory --format json >"$w/inv.json" || fail "inventory json"
for vm in $vms; do
	mac=$(jq -r ".vms[] | select(.name == \"$vm\") | .mac" "$w/inv.json")
	leased=$(awk -v m="$mac" '$2 == m {print $3}' "$w/leases")
	[ -n "$leased" ] || fail "dnsmasq leased nothing to $vm ($mac): $(cat "$w/leases")"
	grep -Eq "(^|: )$vm: ip $leased \(arp\) " "$out" ||
	    fail "$vm: up does not show the leased $leased from the ARP table"
	[ "$(jq -r ".vms[] | select(.name == \"$vm\") | .ip" "$w/inv.json")" = "$leased" ] ||
	    fail "inventory json: $vm is not at $leased"
	eval "ip_$(echo "$vm" | tr - _)=$leased"
done
h status --json >"$out" 2>&1 || fail "status --json"
[ "$(jq -r '.vms[] | select(.name == "web-1") | .ip' "$out")" = "$ip_web_1" ] ||
    fail "status --json: web-1 not at $ip_web_1"
h inventory --format ansible >"$out" || fail "inventory ansible"
grep -qx "web-2 ansible_host=$ip_web_2" "$out" || fail "ansible: web-2 without $ip_web_2"
h inventory --format hosts >"$out" || fail "inventory hosts"
grep -Eq "^$ip_web_1[[:space:]]+web-1( |$)" "$out" || fail "hosts: no line for web-1"

# exec and ssh go to the ARP-learned address (refused: no sshd there).
h exec -- true >"$out" 2>&1 && fail "exec succeeded without an sshd"
grep -q "no address known" "$out" && fail "exec found no address"
grep -q "$ip_web_1" "$out" && grep -q "$ip_web_2" "$out" ||
    fail "exec did not try both leased addresses"
h ssh web-1 -- true >"$out" 2>&1 && fail "ssh succeeded without an sshd"
grep -q "$ip_web_1" "$out" || fail "ssh did not try $ip_web_1"

# web-2 stopped: its ARP entry lingers, but a stopped VM has no address.
v destroy t55--web-2 >/dev/null || fail "virsh destroy"
mac2=$(jq -r '.vms[] | select(.name == "web-2") | .mac' "$w/inv.json")
n ip neigh replace "$ip_web_2" lladdr "$mac2" dev "$br" nud permanent ||
    fail "pin web-2's ARP entry"
h inventory --format ansible >"$out" || fail "inventory with web-2 off"
grep -qx "web-2" "$out" || fail "ansible: web-2 should be listed without an address"
h exec -- true >"$out" 2>&1 && fail "exec with web-2 off succeeded"
grep -q "web-2: no address known yet, left out" "$out" || fail "exec did not name web-2"
grep -q "$ip_web_1" "$out" || fail "exec did not still try web-1"

h destroy >"$out" 2>&1 || fail "destroy"
echo "55-bridge: ok"
