#!/bin/sh
# Self-test of the multi-host harness (tests/lib/hosts.sh): three simulated
# hosts, each a private libvirtd in a network namespace on a fabric, and a
# controller namespace that reaches them only over the fabric.
#  - virsh from the controller reaches each host over qemu+tcp and over
#    qemu+ssh (and qemu+libssh) and lists that host's own domains only;
#  - the ssh transports pin the host key: a wrong or a missing known_hosts
#    entry fails;
#  - libvirtd's TCP socket listens on the fabric address only;
#  - a tiny guest on hv2's NAT network: the controller has no route to it,
#    but reaches its HTTP server through an ssh jump via hv2 (ssh -W), via
#    hv1 then hv2 (ssh -J), and with curl through a forward (ssh -L);
#  - two tiny guests on hosts hv1 and hv3, on br0 (a host bridge whose
#    uplink is the shared "lan" segment), with static addresses: a third
#    place on that segment fetches both pages and sees both at L2; and each
#    guest's own IP stack reaches the other: the probe sends it echo
#    requests from the other's address, and the replies it addresses to
#    the other arrive at the other's NIC on the other host (the tiny guest
#    runs no command a test could use to fetch from a peer);
#  - hv3's libvirtd killed: hv1 and hv2 still answer, hv3 refuses, its
#    guest still runs; restarted, hv3 answers again with its guest;
#  - hosts_stop leaves no namespace, process, interface or directory.
# Exit 0 pass, 77 skip (not root, missing tools), 1 fail.  Needs no herd.
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/lib/netns-libvirtd.sh"
. "$here/lib/hosts.sh"
T=12-hosts

t0=$(date +%s)
out=""
fail() {
	echo "$T: FAIL: $*" >&2
	[ -n "$out" ] && [ -f "$out" ] && tail -n 15 "$out" >&2
	exit 1
}
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
wait_for() {
	_w_end=$(( $(date +%s) + $1 )); shift
	while ! "$@"; do
		[ "$(date +%s)" -lt "$_w_end" ] || return 1
		sleep 0.2
	done
}

trap hosts_stop EXIT
trap 'exit 130' INT TERM HUP
trap 'exit 141' PIPE

tiny=$(sh "$here/lib/tiny-guest.sh") || exit $?
eval "$tiny"
for t in curl python3; do
	command -v "$t" >/dev/null 2>&1 ||
	    { echo "$T: missing $t (make deps)" >&2; exit 77; }
done

s=$(now)
hosts_start 3 || exit $?
echo "3 hosts up in $(since "$s")s (controller $HERD_HOSTS_CTL_NS, fabric $HERD_HOSTS_FAB_NS)"
w=$HERD_HOSTS_DIR/work
out=$w/out
mkdir -p "$w" || fail "mkdir $w"
c() { hosts_ctl "$@" </dev/null; }
vc() { c timeout 30 virsh -q -c "$@"; }

# A tiny guest (no disk, no seed: the name comes from the command line):
# dom_xml NAME MAC CMDLINE-EXTRA INTERFACE-SOURCE-XML TYPE
dom_xml() {
	cat <<EOF
<domain type='qemu'>
  <name>$1</name>
  <memory unit='MiB'>96</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>$TINY_KERNEL</kernel>
    <initrd>$TINY_INITRD</initrd>
    <cmdline>$TINY_CMDLINE herd.hostname=$1 $3</cmdline>
  </os>
  <features><acpi/></features>
  <on_poweroff>destroy</on_poweroff>
  <devices>
    <interface type='$5'>
      $4
      <mac address='$2'/>
      <model type='virtio'/>
    </interface>
    <serial type='pty'>
      <log file='$w/$1.log' append='off'/>
      <target port='0'/>
    </serial>
    <console type='pty'/>
  </devices>
</domain>
EOF
}

# --- each host's own objects: a defined (stopped) domain on every host, a
# NAT network on hv2, and three guests booting while the checks below run.
for i in 1 2 3; do
	dom_xml "own-hv$i" "52:54:00:77:0$i:01" "" \
	    "<source bridge='$HERD_HOSTS_LAN_BRIDGE'/>" bridge >"$w/own$i.xml"
	hosts_virsh "$i" define "$w/own$i.xml" >/dev/null || fail "define own-hv$i"
done
cat >"$w/nat2.xml" <<EOF
<network>
  <name>nat2</name>
  <forward mode='nat'/>
  <bridge name='herdbr-n2' stp='off'/>
  <ip address='10.77.2.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='10.77.2.100' end='10.77.2.200'/>
      <host mac='52:54:00:77:02:10' name='tiny-nat' ip='10.77.2.10'/>
    </dhcp>
  </ip>
</network>
EOF
hosts_virsh 2 net-define "$w/nat2.xml" >/dev/null &&
    hosts_virsh 2 net-start nat2 >/dev/null || fail "nat2 on hv2"
lan=${HERD_HOSTS_LAN_GW%.*}
ip_a=$lan.11 ip_b=$lan.13 mac_a=52:54:00:fb:00:11 mac_b=52:54:00:fb:00:13
dom_xml tiny-nat 52:54:00:77:02:10 "" "<source network='nat2'/>" network \
    >"$w/tiny-nat.xml"
dom_xml lan-a "$mac_a" "herd.ip=$ip_a/24 herd.gw=$HERD_HOSTS_LAN_GW" \
    "<source bridge='$HERD_HOSTS_LAN_BRIDGE'/>" bridge >"$w/lan-a.xml"
dom_xml lan-b "$mac_b" "herd.ip=$ip_b/24 herd.gw=$HERD_HOSTS_LAN_GW" \
    "<source bridge='$HERD_HOSTS_LAN_BRIDGE'/>" bridge >"$w/lan-b.xml"
sg=$(now)
hosts_virsh 2 create "$w/tiny-nat.xml" >/dev/null || fail "create tiny-nat on hv2"
hosts_virsh 1 create "$w/lan-a.xml" >/dev/null || fail "create lan-a on hv1"
hosts_virsh 3 create "$w/lan-b.xml" >/dev/null || fail "create lan-b on hv3"

# --- virsh from the controller, over both transports, sees each host's own
s=$(now)
for i in 1 2 3; do
	case $i in 1) g='lan-a' ;; 2) g='tiny-nat' ;; 3) g='lan-b' ;; esac
	want=$(printf '%s\n' "own-hv$i" "$g" | sort | tr '\n' ' ')
	eval "tcp=\$HERD_HOSTS_TCP_URI_$i ssh=\$HERD_HOSTS_SSH_URI_$i addr=\$HERD_HOSTS_ADDR_$i"
	for u in "$tcp" "$ssh"; do
		got=$(vc "$u" list --all --name 2>"$out" | grep . | sort | tr '\n' ' ') ||
		    fail "virsh -c $u list from the controller"
		[ "$got" = "$want" ] || fail "$u lists '$got', not '$want'"
	done
	# TCP without authentication is for the fabric only.
	hosts_exec "$i" ss -Hltn >"$out" || fail "ss in hv$i"
	grep -q "^LISTEN.* $addr:16509 " "$out" || fail "hv$i: libvirtd not on $addr:16509"
	grep -Eq " (0\\.0\\.0\\.0|\\*|\\[::\\]):16509 " "$out" &&
	    fail "hv$i: libvirtd listens on every address"
done
# The controller uses qemu+ssh for hv1 and qemu+tcp for the others.
[ "$HERD_HOSTS_URI_1" = "$HERD_HOSTS_SSH_URI_1" ] &&
    [ "$HERD_HOSTS_URI_2" = "$HERD_HOSTS_TCP_URI_2" ] ||
    fail "HERD_HOSTS_URI_1/2 are $HERD_HOSTS_URI_1 $HERD_HOSTS_URI_2"
libssh="qemu+libssh://$HERD_HOSTS_JUMP_1/system?sshauth=privkey"
libssh="$libssh&keyfile=$HERD_HOSTS_KEY&known_hosts=$HERD_HOSTS_KNOWN_HOSTS"
[ "$(vc "$libssh" hostname 2>"$out")" = "$(hostname)" ] ||
    fail "virsh over qemu+libssh"
echo "virsh from the controller: 3 hosts x (tcp, ssh) + libssh in $(since "$s")s"

# --- the host key is pinned: a wrong key, then no key, for hv1
kh=$HERD_HOSTS_KNOWN_HOSTS
cp "$kh" "$w/known_hosts" || fail "cp known_hosts"
key2=$(awk -v a="$HERD_HOSTS_ADDR_2" '$1 == a { print $2, $3 }' "$w/known_hosts")
awk -v a="$HERD_HOSTS_ADDR_1" -v k="$key2" '$1 == a { $0 = a " " k } 1' \
    "$w/known_hosts" >"$kh"
vc "$HERD_HOSTS_SSH_URI_1" uri >"$out" 2>&1 &&
    fail "qemu+ssh accepted hv1 with hv2's host key pinned"
grep -q "Host key verification failed" "$out" || fail "qemu+ssh: not a host key failure"
vc "$libssh" uri >"$out" 2>&1 && fail "qemu+libssh accepted hv1 with hv2's key"
grep -q "HOST KEY VERIFICATION FAILED" "$out" || fail "qemu+libssh: not a host key failure"
c ssh -n hv1 true >"$out" 2>&1 && fail "ssh accepted hv1 with hv2's key"
grep -v "^$HERD_HOSTS_ADDR_1 " "$w/known_hosts" >"$kh"
vc "$HERD_HOSTS_SSH_URI_1" uri >"$out" 2>&1 &&
    fail "qemu+ssh accepted hv1 with no pinned key"
grep -q "No ED25519 host key is known" "$out" || fail "qemu+ssh: not an unknown host"
cp "$w/known_hosts" "$kh" || fail "restore known_hosts"
vc "$HERD_HOSTS_SSH_URI_1" uri >"$out" 2>&1 || fail "qemu+ssh with the key restored"

# --- hv2's NAT guest: no route from the controller, a jump via hv2 does it
log=$w/tiny-nat.log
wait_for 120 grep -q "^$TINY_READY" "$log" 2>/dev/null ||
    fail "tiny-nat: no '$TINY_READY' within 120 s"
has_lease() { hosts_virsh 2 net-dhcp-leases nat2 2>/dev/null | grep -q '10\.77\.2\.10/24'; }
wait_for 30 has_lease || fail "tiny-nat: no lease for 10.77.2.10"
page="hostname=tiny-nat ip=10.77.2.10 instance-id="
[ "$(hosts_exec 2 curl -s --max-time 5 http://10.77.2.10/)" = "$page" ] ||
    fail "tiny-nat does not answer inside hv2"
echo "guests: tiny-nat ready and leased $(since "$sg")s after create"
c ip route get 10.77.2.10 >"$out" 2>&1 && fail "the controller has a route to 10.77.2.10"
c curl -s --max-time 5 http://10.77.2.10/ >"$out" 2>&1 &&
    fail "the controller reached tiny-nat without a jump"
c curl -s --max-time 5 "http://$HERD_HOSTS_LAN_GW/" >"$out" 2>&1 &&
    fail "the controller reached the lan segment"
s=$(now)
# ssh -W: the exported key and known_hosts, no config at all.
printf 'GET / HTTP/1.0\r\n\r\n' | hosts_ctl timeout 20 ssh -F /dev/null \
    -o BatchMode=yes -o StrictHostKeyChecking=yes -i "$HERD_HOSTS_KEY" \
    -o UserKnownHostsFile="$HERD_HOSTS_KNOWN_HOSTS" \
    -o GlobalKnownHostsFile=/dev/null \
    -W 10.77.2.10:80 "$HERD_HOSTS_JUMP_2" >"$out" 2>&1 ||
    fail "ssh -W 10.77.2.10:80 via hv2"
grep -qx "$page" "$out" || fail "ssh -W: not tiny-nat's page"
# ssh -J: controller -> hv1 -> hv2 -> guest (~/.ssh/config of the controller).
printf 'GET / HTTP/1.0\r\n\r\n' | hosts_ctl timeout 20 ssh \
    -J "$HERD_HOSTS_JUMP_1" -W 10.77.2.10:80 "$HERD_HOSTS_JUMP_2" >"$out" 2>&1 ||
    fail "ssh -J hv1 -W 10.77.2.10:80 hv2"
grep -qx "$page" "$out" || fail "ssh -J: not tiny-nat's page"
# curl through a local forward in the controller.
c ssh -f -N -o ExitOnForwardFailure=yes -L 127.0.0.1:18080:10.77.2.10:80 hv2 \
    >"$out" 2>&1 || fail "ssh -L via hv2"
[ "$(c curl -s --max-time 5 http://127.0.0.1:18080/)" = "$page" ] ||
    fail "curl through ssh -L via hv2"
for p in $(ip netns pids "$HERD_HOSTS_CTL_NS"); do
	[ "$(cat "/proc/$p/comm" 2>/dev/null)" = ssh ] && kill "$p"
done
echo "jumps to tiny-nat (ssh -W, ssh -J two hops, curl via ssh -L) in $(since "$s")s"

# --- lan-a on hv1 and lan-b on hv3, both on br0 over the shared segment
for g in lan-a lan-b; do
	wait_for 120 grep -q "^$TINY_READY" "$w/$g.log" 2>/dev/null ||
	    fail "$g: no '$TINY_READY' within 120 s"
done
echo "guests: lan-a and lan-b ready $(since "$sg")s after create"
for g in "lan-a $ip_a $mac_a" "lan-b $ip_b $mac_b"; do
	set -- $g
	[ "$(hosts_lan_exec curl -s --max-time 5 "http://$2/")" = \
	    "hostname=$1 ip=$2 instance-id=" ] || fail "$1 at $2 from the lan"
	hosts_lan_exec ip neigh show "$2" | grep -q "lladdr $3 " ||
	    fail "$1: $2 is not at $3 on the segment"
done
# Guest to guest: X's echo replies to Y's address.  The lan bridge has
# learnt X's MAC by now (the fetch above): the requests themselves go to
# X's port only, never flooded to Y's host.
ping_as() { # FROM TO COUNT BYTES: echo requests to TO from FROM's address
	hosts_lan_exec python3 - "$@" <<'EOF'
import socket, struct, sys
src, dst, n, size = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
def csum(b):
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    return ~(s + (s >> 16)) & 0xffff
sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
for i in range(n):
    icmp = struct.pack('!BBHHH', 8, 0, 0, 0x4844, i) + b'herd' * (size // 4)
    icmp = icmp[:2] + struct.pack('!H', csum(icmp)) + icmp[4:]
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(icmp), 0, 0, 64, 1, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    sock.sendto(ip + icmp, (dst, 0))
EOF
}
tap_rx() { # HOST DOMAIN: bytes the host's tap gave the guest
	_t=$(hosts_virsh "$1" domiflist "$2" | awk '{ print $1; exit }')
	hosts_exec "$1" cat "/sys/class/net/$_t/statistics/tx_bytes"
}
got_to_y() { [ $(( $(tap_rx "$yh" "$y") - before )) -ge 20000 ]; }
# X's host, X, X's address, Y's host, Y, Y's address
for pair in "1 lan-a $ip_a 3 lan-b $ip_b" "3 lan-b $ip_b 1 lan-a $ip_a"; do
	read -r xh x xa yh y ya <<EOF
$pair
EOF
	before=$(tap_rx "$yh" "$y") || fail "tap counter of $y"
	ping_as "$ya" "$xa" 20 1000 || fail "echo requests to $x as $y"
	wait_for 10 got_to_y ||
	    fail "$x (hv$xh) replied to $ya but $y (hv$yh) got $(( $(tap_rx "$yh" "$y") - before )) bytes"
done
echo "bridge: lan-a (hv1) and lan-b (hv3) reach each other on the shared segment"
# What the run holds in memory, by command (resident, MiB).
for ns in "$HERD_HOSTS_CTL_NS" "$HERD_HOSTS_NS_1" "$HERD_HOSTS_NS_2" "$HERD_HOSTS_NS_3"; do
	ip netns pids "$ns"
done | while read -r p; do
	echo "$(cat "/proc/$p/comm" 2>/dev/null) $(awk '/^VmRSS/ { print $2 }' "/proc/$p/status" 2>/dev/null)"
done | awk '$2 { n[$1]++; k[$1] += $2; t += $2 }
    END { for (c in n) printf "%s %d x %d MiB, ", c, n[c], k[c] / 1024
	printf "total %d MiB\n", t / 1024 }' | sed 's/^/memory: /'

# --- one host's libvirtd killed: the others answer
hosts_libvirtd_kill 3 || fail "kill hv3's libvirtd"
s=$(now)
vc "$HERD_HOSTS_URI_3" uri >"$out" 2>&1 && fail "hv3 answered without libvirtd"
grep -q "Connection refused" "$out" || fail "hv3: not refused"
for i in 1 2; do
	eval "u=\$HERD_HOSTS_URI_$i"
	vc "$u" list --name >"$out" 2>&1 || fail "hv$i does not answer with hv3 down"
done
echo "hv3 down: refused, hv1 (ssh) and hv2 (tcp) answer, in $(since "$s")s"
[ "$(hosts_lan_exec curl -s --max-time 5 "http://$ip_b/")" = \
    "hostname=lan-b ip=$ip_b instance-id=" ] || fail "lan-b died with hv3's libvirtd"
s=$(now)
hosts_libvirtd_restart 3 || fail "restart hv3's libvirtd"
[ "$(vc "$HERD_HOSTS_URI_3" list --name 2>"$out")" = lan-b ] ||
    fail "restarted hv3 does not list lan-b running"
echo "hv3 restarted and answering in $(since "$s")s"

# --- teardown: nothing may survive
nss="$HERD_HOSTS_CTL_NS $HERD_HOSTS_FAB_NS $HERD_HOSTS_NS_1 $HERD_HOSTS_NS_2 $HERD_HOSTS_NS_3"
dirs="$HERD_HOSTS_DIR $HERD_HOSTS_DIR_1 $HERD_HOSTS_DIR_2 $HERD_HOSTS_DIR_3"
pids=""
for ns in $nss; do
	pids="$pids $(ip netns pids "$ns" | tr '\n' ' ')"
done
n=$(echo $pids | wc -w)
[ "$n" -ge 10 ] || fail "only $n processes in the run's namespaces: $pids"
s=$(now)
hosts_stop
echo "hosts_stop in $(since "$s")s"
for p in $pids; do
	st=$(awk '{ print $3 }' "/proc/$p/stat" 2>/dev/null)
	[ -z "$st" ] || [ "$st" = Z ] || fail "process $p ($(cat "/proc/$p/comm")) survived"
done
for ns in $nss; do
	ip netns list | grep -q "^$ns\\b" && fail "namespace $ns survived"
done
for d in $dirs; do
	[ -e "$d" ] && fail "directory $d survived"
	for p in /proc/[0-9]*; do
		grep -qF "$d" "$p/cmdline" 2>/dev/null &&
		    fail "process ${p#/proc/} still uses $d: $(tr '\0' ' ' <"$p/cmdline")"
	done
done
ip -o link show | grep -Eq ': (fabric|lan|ctl-fab|hv[0-9]+-(fab|lan)|herdbr-n2)[@:]' &&
    fail "an interface of the run is in the machine's namespace"
again=$(hosts_stop 2>&1) || fail "a second hosts_stop failed"
[ -z "$again" ] || fail "a second hosts_stop said: $again"

echo "$T: ok ($(( $(date +%s) - t0 ))s)"
exit 0
