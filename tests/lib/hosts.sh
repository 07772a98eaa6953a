# shellcheck shell=sh
# Several libvirt hosts simulated on this machine, for multi-host tests.
# POSIX sh; source it after tests/lib/netns-libvirtd.sh, do not run it.
#
#	. "$here/lib/netns-libvirtd.sh"
#	. "$here/lib/hosts.sh"
#	trap hosts_stop EXIT
#	trap 'exit 130' INT TERM HUP	# so dash runs the EXIT trap on signals
#	hosts_start 3 || exit $?	# 77 (skip) when this machine cannot
#	hosts_ctl virsh -c "$HERD_HOSTS_URI_2" list --all	# from the controller
#	hosts_ctl ssh -W 10.77.2.10:80 "$HERD_HOSTS_JUMP_2"	# a jump via hv2
#	hosts_virsh 2 net-list --all	# setup, over hv2's unix socket
#	hosts_exec 2 ip -br addr	# inside hv2
#
# The picture (addresses are the same in every run: every namespace is
# private to the run, so concurrent runs never see each other's):
#
#   fabric namespace (herd-fab-PID-R): two bridges, the "switches"
#     bridge "fabric" 172.31.250.0/24, no address of its own: management
#       controller  fab0 172.31.250.1
#       hvI         fab0 172.31.250.(10+I)  libvirtd (TCP 16509), sshd (22)
#     bridge "lan"    172.31.251.0/24, the physical segment of a bridge
#       network; the fabric namespace itself is 172.31.251.1 on it (a
#       gateway-like place to probe guests from: hosts_lan_exec)
#       hvI         lan0, a port of the host's bridge br0 (no address)
#   controller namespace (herd-ctl-PID-R): fab0 only, no default route: it
#     reaches the hosts' fabric addresses and nothing else (not the lan, not
#     a host's NAT networks, 10.77.x.0/24 say, except through an ssh jump).
#     It has a mount namespace of its own (held by a sleeping process) where
#     a private /etc/passwd gives root the home HERD_HOSTS_HOME: ssh(1),
#     which libvirt's qemu+ssh runs, and libssh read ~/.ssh from the passwd
#     home, so the controller's key, known_hosts and config live there and
#     the machine's /root is never touched.
#   host namespaces hv1..hvN: each a private libvirtd made by
#     netns-libvirtd.sh (libvirt_ns_create, the links, libvirt_ns_boot
#     --listen), also listening on TCP at its fabric address (auth none:
#     only the fabric reaches it), and an sshd on its fabric address in the
#     daemon's mount namespace (key auth only; its virt-ssh-helper finds
#     the host's /run/libvirt/libvirt-sock, a link to the daemon's socket).
#     root's login shell there is /bin/sh (no ~/.bashrc per ssh command).
#
# hosts_start N exports
#	HERD_HOSTS_N		N
#	HERD_HOSTS_URI_I	how the controller reaches hvI: qemu+ssh://root@ADDR/system
#				for I in HERD_HOSTS_SSH (default "1"),
#				qemu+tcp://ADDR/system for the others
#	HERD_HOSTS_SSH_URI_I, HERD_HOSTS_TCP_URI_I	both forms, for every host
#	HERD_HOSTS_LOCAL_URI_I	qemu:///system?socket=...: the unix socket, from
#				anywhere on this machine (setup, checks)
#	HERD_HOSTS_ADDR_I	172.31.250.(10+I)
#	HERD_HOSTS_JUMP_I	root@ADDR, an ssh jump spec (ssh -J, ProxyJump)
#	HERD_HOSTS_NS_I, HERD_HOSTS_DIR_I	hvI's namespace and private directory
#				(its HERD_TEST_NS, HERD_TEST_DIR; scratch space)
#	HERD_HOSTS_LIBVIRTD_PID_I, HERD_HOSTS_VIRTLOGD_PID_I, HERD_HOSTS_SSHD_PID_I
#	HERD_HOSTS_HOLDER_PID_I	a sleeping process in hvI's namespaces (for
#				hosts_exec, nsenter -t; it outlives libvirtd)
#	HERD_HOSTS_HOME		the controller's home; its .ssh holds:
#	HERD_HOSTS_KEY		the client key (id_ed25519, authorized on every host)
#	HERD_HOSTS_KNOWN_HOSTS	every host's key by fabric address (pinned)
#	HERD_HOSTS_SSH_CONFIG	BatchMode, StrictHostKeyChecking yes, the key, the
#				known_hosts, and aliases hv1..hvN (root@ADDR)
#	HERD_HOSTS_CTL_NS, HERD_HOSTS_FAB_NS, HERD_HOSTS_CTL_ADDR (172.31.250.1)
#	HERD_HOSTS_LAN_BRIDGE	br0, in every host
#	HERD_HOSTS_LAN_GW	172.31.251.1 (the lan is 172.31.251.0/24)
#	HERD_HOSTS_DIR		the run's directory (controller home, logs; its
#				*.ns files name the run's namespaces, for
#				cleaning up by hand after a kill -9)
# Host keys and the client key are made afresh for every run.
#
# hosts_ctl CMD...	run CMD in the controller (network and mount namespace,
#			HOME=HERD_HOSTS_HOME, in the current directory)
# hosts_exec I CMD...	run CMD in hvI (its network and mount namespace: its
#			/run/libvirt, /etc/libvirt, ...)
# hosts_virsh I ARGS...	virsh on hvI's daemon over its unix socket, bounded
# hosts_lan_exec CMD...	run CMD on the lan segment (at 172.31.251.1)
# hosts_libvirtd_kill I [SIGNAL]	kill hvI's libvirtd (default KILL); its
#			guests, dnsmasq and sshd go on
# hosts_libvirtd_restart I	start hvI's libvirtd again (same config, TCP)
# hosts_stop		stop it all by PID (namespace by namespace), delete the
#			namespaces (and with them bridges, veths, firewall
#			rules) and directories.  Idempotent; call it from
#			the EXIT trap, also after a failed or partial start.

# Which hosts the controller reaches with qemu+ssh (the others: qemu+tcp).
: "${HERD_HOSTS_SSH:=1}"

_hs_fab=172.31.250
_hs_lan=172.31.251

_hs_say() { echo "hosts: $*" >&2; }

# Per-host variables: _hs_get NAME I prints HERD_HOSTS_NAME_I,
# _hs_set NAME I VALUE sets and exports it.
_hs_get() { eval "echo \"\${HERD_HOSTS_${1}_$2:-}\""; }
_hs_set() { eval "HERD_HOSTS_${1}_$2=\$3; export HERD_HOSTS_${1}_$2"; }

# 77 with a reason when this machine cannot host the harness.
hosts_check() {
	libvirt_ns_check || return $?
	for _hs_t in /usr/sbin/sshd ssh ssh-keygen nsenter sleep awk; do
		if ! command -v "$_hs_t" >/dev/null 2>&1; then
			_hs_say "missing $_hs_t (make deps)"
			return 77
		fi
	done
	# The kernel must give namespaces bridges and veth pairs.
	_hs_p="herd-probe-$$-$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')"
	_hs_rc=77
	ip netns add "$_hs_p" 2>/dev/null &&
	    ip -n "$_hs_p" link add hs-br type bridge 2>/dev/null &&
	    ip -n "$_hs_p" link add hs-a type veth peer name hs-b 2>/dev/null &&
	    _hs_rc=0
	ip netns del "$_hs_p" 2>/dev/null
	[ "$_hs_rc" -eq 0 ] ||
	    _hs_say "cannot make a network namespace with a bridge and a veth pair"
	return "$_hs_rc"
}

# netns-libvirtd.sh keeps one daemon's state in HERD_TEST_*: the caller's
# own (if any) is put aside while hosts.sh drives it host by host.
_hs_test_vars="HERD_TEST_NS HERD_TEST_DIR HERD_TEST_URI HERD_TEST_LIBVIRTD_PID HERD_TEST_VIRTLOGD_PID"
# _hs_pushed says HERD_TEST_* are a host's, not the caller's: a signal
# then (a trap calling hosts_stop) finds the host half made by
# libvirt_ns_create in HERD_TEST_* alone.
_hs_pushed=""
_hs_push() {
	_hs_pushed=1
	for _hs_v in $_hs_test_vars; do
		eval "_hs_saved_$_hs_v=\${$_hs_v:-}; $_hs_v="
	done
}
_hs_pop() {
	for _hs_v in $_hs_test_vars; do
		eval "$_hs_v=\$_hs_saved_$_hs_v"
	done
	_hs_pushed=""
}
# Point HERD_TEST_* at host I (between _hs_push and _hs_pop).
_hs_select() {
	HERD_TEST_NS=$(_hs_get NS "$1")
	HERD_TEST_DIR=$(_hs_get DIR "$1")
	HERD_TEST_URI=$(_hs_get LOCAL_URI "$1")
	HERD_TEST_LIBVIRTD_PID=$(_hs_get LIBVIRTD_PID "$1")
	HERD_TEST_VIRTLOGD_PID=$(_hs_get VIRTLOGD_PID "$1")
}

# Start N hosts.  0 on success; 77 when the machine cannot; 1 on failure
# (after stopping what was started).
hosts_start() {
	hosts_check || return $?
	if [ -n "${HERD_HOSTS_DIR:-}" ]; then
		_hs_say "already started ($HERD_HOSTS_DIR)"
		return 1
	fi
	case ${1:-} in
	[1-9] | [1-3][0-9] | 40) ;;
	*) _hs_say "hosts_start N: N from 1 to 40, not '${1:-}'"; return 1 ;;
	esac
	_hs_tmp=${TMPDIR:-/tmp}
	[ "${#_hs_tmp}" -le 60 ] || _hs_tmp=/tmp
	HERD_HOSTS_DIR=$(mktemp -d "$_hs_tmp/herd-hosts.XXXXXX") || return 1
	: >"$HERD_HOSTS_DIR/hosts.sh"	# the mark hosts_stop removes it by
	export HERD_HOSTS_DIR
	HERD_HOSTS_N=0
	export HERD_HOSTS_N
	_hs_r=$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
	HERD_HOSTS_FAB_NS="herd-fab-$$-$_hs_r"
	HERD_HOSTS_CTL_NS="herd-ctl-$$-$_hs_r"
	HERD_HOSTS_CTL_ADDR=$_hs_fab.1
	HERD_HOSTS_LAN_BRIDGE=br0
	HERD_HOSTS_LAN_GW=$_hs_lan.1
	HERD_HOSTS_HOME=$HERD_HOSTS_DIR/home
	HERD_HOSTS_KEY=$HERD_HOSTS_HOME/.ssh/id_ed25519
	HERD_HOSTS_KNOWN_HOSTS=$HERD_HOSTS_HOME/.ssh/known_hosts
	HERD_HOSTS_SSH_CONFIG=$HERD_HOSTS_HOME/.ssh/config
	export HERD_HOSTS_FAB_NS HERD_HOSTS_CTL_NS HERD_HOSTS_CTL_ADDR \
	    HERD_HOSTS_LAN_BRIDGE HERD_HOSTS_LAN_GW HERD_HOSTS_HOME \
	    HERD_HOSTS_KEY HERD_HOSTS_KNOWN_HOSTS HERD_HOSTS_SSH_CONFIG

	_hs_fabric_up && _hs_keys && _hs_controller_up ||
	    { _hs_fail "cannot make the fabric or the controller"; return 1; }
	_hs_i=1
	while [ "$_hs_i" -le "$1" ]; do
		HERD_HOSTS_N=$_hs_i
		_hs_push
		_hs_host_up "$_hs_i"
		_hs_rc=$?
		_hs_pop
		[ "$_hs_rc" -eq 0 ] ||
		    { _hs_fail "cannot start hv$_hs_i"; return "$_hs_rc"; }
		_hs_i=$((_hs_i + 1))
	done
	_hs_ssh_config || { _hs_fail "cannot write the ssh config"; return 1; }
	# Every host answers ssh with the pinned key before anyone relies on it.
	_hs_i=1
	while [ "$_hs_i" -le "$HERD_HOSTS_N" ]; do
		hosts_ctl ssh -n "hv$_hs_i" true </dev/null >/dev/null \
		    2>"$HERD_HOSTS_DIR/ssh-check.log" || {
			_hs_fail "ssh to hv$_hs_i failed: $(tail -n 3 "$HERD_HOSTS_DIR/ssh-check.log")"
			return 1
		}
		_hs_i=$((_hs_i + 1))
	done
	return 0
}

_hs_fail() {
	_hs_say "$1"
	hosts_stop
}

# The switches: bridges "fabric" and "lan" in a namespace of their own.
# Fixed MACs: a bridge that takes its ports' lowest MAC changes it when a
# port goes, and its neighbours' ARP entries go stale.
_hs_fabric_up() {
	_hs_f=$HERD_HOSTS_FAB_NS
	echo "$_hs_f" >"$HERD_HOSTS_DIR/fab.ns" &&
	ip netns add "$_hs_f" &&
	ip -n "$_hs_f" link set lo up &&
	ip -n "$_hs_f" link add fabric address 02:00:00:fa:00:01 type bridge &&
	ip -n "$_hs_f" link add lan address 02:00:00:fa:00:02 type bridge &&
	ip -n "$_hs_f" addr add "$HERD_HOSTS_LAN_GW/24" dev lan &&
	ip -n "$_hs_f" link set fabric up &&
	ip -n "$_hs_f" link set lan up
}

# A veth pair: end $3 in the fabric namespace, a port of bridge $4; end $2
# in namespace $1, up, with address $5 when given.
_hs_wire() {
	ip -n "$HERD_HOSTS_FAB_NS" link add "$3" type veth peer name "$2" \
	    netns "$1" &&
	ip -n "$HERD_HOSTS_FAB_NS" link set "$3" master "$4" &&
	ip -n "$HERD_HOSTS_FAB_NS" link set "$3" up &&
	{ [ -z "${5:-}" ] || ip -n "$1" addr add "$5" dev "$2"; } &&
	ip -n "$1" link set "$2" up
}

# The controller's key and home: a private passwd makes HERD_HOSTS_HOME
# root's home inside the controller.
_hs_keys() {
	mkdir -p "$HERD_HOSTS_HOME/.ssh" &&
	chmod 700 "$HERD_HOSTS_HOME" "$HERD_HOSTS_HOME/.ssh" &&
	ssh-keygen -q -t ed25519 -N '' -C "herd-hosts-controller" \
	    -f "$HERD_HOSTS_KEY" </dev/null &&
	: >"$HERD_HOSTS_KNOWN_HOSTS" &&
	awk -F: -v OFS=: -v h="$HERD_HOSTS_HOME" '$1 == "root" { $6 = h } 1' \
	    /etc/passwd >"$HERD_HOSTS_DIR/ctl-passwd"
}

# The controller: a namespace on the fabric and, held by a sleeping process,
# a mount namespace with the private passwd.  `ip netns exec` gives its
# command a mount namespace of its own; the holder keeps it for hosts_ctl.
_hs_controller_up() {
	_hs_c=$HERD_HOSTS_CTL_NS
	echo "$_hs_c" >"$HERD_HOSTS_DIR/ctl.ns" &&
	ip netns add "$_hs_c" &&
	ip -n "$_hs_c" link set lo up &&
	_hs_wire "$_hs_c" fab0 ctl-fab fabric "$HERD_HOSTS_CTL_ADDR/24" ||
	    return 1
	ip netns exec "$_hs_c" sh -c 'mount --bind "$1" /etc/passwd &&
	    : >"$2" && exec sleep infinity' sh "$HERD_HOSTS_DIR/ctl-passwd" \
	    "$HERD_HOSTS_DIR/ctl.ready" </dev/null >/dev/null \
	    2>"$HERD_HOSTS_DIR/ctl.log" &
	HERD_HOSTS_CTL_PID=$!
	export HERD_HOSTS_CTL_PID
	_hs_wait_file "$HERD_HOSTS_DIR/ctl.ready" "$HERD_HOSTS_CTL_PID"
}

# Wait up to 10 s for file $1 while process $2 lives.
_hs_wait_file() {
	_hs_n=0
	while ! [ -e "$1" ]; do
		[ -d "/proc/$2" ] && [ "$_hs_n" -lt 50 ] || return 1
		sleep 0.2
		_hs_n=$((_hs_n + 1))
	done
}

# Host I: libvirt_ns_create, its links, TCP listening, libvirt_ns_boot,
# then sshd in the daemon's mount namespace.  Runs between _hs_push and
# _hs_pop: HERD_TEST_* are host I's.
_hs_host_up() {
	_hs_a=$_hs_fab.$((10 + $1))
	_hs_set ADDR "$1" "$_hs_a"
	_hs_set JUMP "$1" "root@$_hs_a"
	_hs_set SSH_URI "$1" "qemu+ssh://root@$_hs_a/system"
	_hs_set TCP_URI "$1" "qemu+tcp://$_hs_a/system"
	case " $HERD_HOSTS_SSH " in
	*" $1 "*) _hs_set URI "$1" "qemu+ssh://root@$_hs_a/system" ;;
	*) _hs_set URI "$1" "qemu+tcp://$_hs_a/system" ;;
	esac
	libvirt_ns_create || return $?
	_hs_set NS "$1" "$HERD_TEST_NS"
	_hs_set DIR "$1" "$HERD_TEST_DIR"
	_hs_set LOCAL_URI "$1" "$HERD_TEST_URI"
	echo "$HERD_TEST_NS" >"$HERD_HOSTS_DIR/hv$1.ns"
	_hs_d=$HERD_TEST_DIR
	# TCP without authentication: it listens on the fabric address only,
	# which nothing outside this run's namespaces can reach.
	cat >>"$_hs_d/etc/libvirtd.conf" <<EOF || return 1
listen_tls = 0
listen_tcp = 1
listen_addr = "$_hs_a"
auth_tcp = "none"
EOF
	awk -F: -v OFS=: '$1 == "root" { $7 = "/bin/sh" } 1' "$_hs_d/passwd" \
	    >"$_hs_d/passwd.new" && mv "$_hs_d/passwd.new" "$_hs_d/passwd" &&
	# virt-ssh-helper (and nc) look for the daemon in /run/libvirt.
	ln -s "$_hs_d/sock/libvirt-sock" "$_hs_d/run/libvirt-sock" &&
	_hs_wire "$HERD_TEST_NS" fab0 "hv$1-fab" fabric "$_hs_a/24" &&
	ip -n "$HERD_TEST_NS" link add br0 \
	    address "02:00:00:fb:00:$(printf %02x "$1")" type bridge &&
	_hs_wire "$HERD_TEST_NS" lan0 "hv$1-lan" lan &&
	ip -n "$HERD_TEST_NS" link set lan0 master br0 &&
	ip -n "$HERD_TEST_NS" link set br0 up || {
		_hs_say "hv$1: cannot wire it to the fabric"
		return 1
	}
	libvirt_ns_boot --listen || return $?
	_hs_set LIBVIRTD_PID "$1" "$HERD_TEST_LIBVIRTD_PID"
	_hs_set VIRTLOGD_PID "$1" "$HERD_TEST_VIRTLOGD_PID"
	# A process that only holds the daemons' namespaces, for hosts_exec
	# and sshd: a test may kill libvirtd or sshd.
	nsenter -t "$HERD_TEST_LIBVIRTD_PID" -m -n sleep infinity \
	    </dev/null >/dev/null 2>&1 &
	_hs_set HOLDER_PID "$1" $!
	_hs_n=0
	until [ "$(readlink "/proc/$!/ns/mnt")" = \
	    "$(readlink "/proc/$HERD_TEST_LIBVIRTD_PID/ns/mnt")" ]; do
		[ "$_hs_n" -lt 50 ] && [ -d "/proc/$!" ] ||
		    { _hs_say "hv$1: no holder process"; return 1; }
		sleep 0.1
		_hs_n=$((_hs_n + 1))
	done
	_hs_sshd_up "$1" "$_hs_a"
}

# sshd for host $1 at address $2, in the mount namespace of the host's
# libvirtd: key auth only, a fresh host key, the controller's key authorised.
_hs_sshd_up() {
	_hs_s=$HERD_TEST_DIR/sshd
	mkdir -p "$_hs_s" &&
	ssh-keygen -q -t ed25519 -N '' -C "hv$1" -f "$_hs_s/host_ed25519" \
	    </dev/null &&
	cp "$HERD_HOSTS_KEY.pub" "$_hs_s/authorized_keys" || return 1
	cat >"$_hs_s/sshd_config" <<EOF || return 1
ListenAddress $2
Port 22
HostKey $_hs_s/host_ed25519
PidFile $_hs_s/sshd.pid
AuthorizedKeysFile $_hs_s/authorized_keys
StrictModes no
UsePAM no
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
AllowTcpForwarding yes
X11Forwarding no
UseDNS no
PrintMotd no
PrintLastLog no
MaxStartups 100
MaxSessions 100
LogLevel VERBOSE
EOF
	echo "$2 $(cut -d' ' -f1,2 "$_hs_s/host_ed25519.pub")" \
	    >>"$HERD_HOSTS_KNOWN_HOSTS" || return 1
	# sshd refuses to start as root without its privilege separation dir.
	mkdir -p /run/sshd || return 1
	nsenter -t "$(_hs_get HOLDER_PID "$1")" -m -n /usr/sbin/sshd \
	    -f "$_hs_s/sshd_config" -E "$_hs_s/sshd.log" </dev/null || {
		_hs_say "hv$1: sshd did not start: $(tail -n 3 "$_hs_s/sshd.log")"
		return 1
	}
	# sshd writes its pid file once it listens.
	_hs_n=0
	while ! [ -s "$_hs_s/sshd.pid" ]; do
		[ "$_hs_n" -lt 50 ] || { _hs_say "hv$1: no sshd pid file"; return 1; }
		sleep 0.1
		_hs_n=$((_hs_n + 1))
	done
	_hs_set SSHD_PID "$1" "$(cat "$_hs_s/sshd.pid")"
}

# The controller's ~/.ssh/config.  The global known_hosts is an empty file
# of the run: no machine-wide entry counts, and libssh, which logs a
# missing or non-regular file, stays quiet.
_hs_ssh_config() {
	{
		_hs_i=1
		while [ "$_hs_i" -le "$HERD_HOSTS_N" ]; do
			printf 'Host hv%s\n\tHostName %s\n\tUser root\n' \
			    "$_hs_i" "$(_hs_get ADDR "$_hs_i")"
			_hs_i=$((_hs_i + 1))
		done
		printf 'Host *\n'
		printf '\t%s\n' "BatchMode yes" "StrictHostKeyChecking yes" \
		    "UserKnownHostsFile $HERD_HOSTS_KNOWN_HOSTS" \
		    "GlobalKnownHostsFile $HERD_HOSTS_HOME/.ssh/known_hosts.global" \
		    "IdentityFile $HERD_HOSTS_KEY" "IdentitiesOnly yes" \
		    "ConnectTimeout 10" "LogLevel ERROR"
	} >"$HERD_HOSTS_SSH_CONFIG" && chmod 600 "$HERD_HOSTS_SSH_CONFIG" &&
	    : >"$HERD_HOSTS_HOME/.ssh/known_hosts.global"
}

hosts_ctl() {
	HOME=$HERD_HOSTS_HOME nsenter -t "$HERD_HOSTS_CTL_PID" -m -n \
	    --wd="$PWD" "$@"
}

# In host $1's network namespace and its daemons' mount namespace.
hosts_exec() {
	_hs_e=$1
	shift
	nsenter -t "$(_hs_get HOLDER_PID "$_hs_e")" -m -n --wd="$PWD" "$@"
}

hosts_virsh() {
	_hs_e=$1
	shift
	timeout "${HERD_TEST_VIRSH_TIMEOUT:-60}" virsh -q \
	    -c "$(_hs_get LOCAL_URI "$_hs_e")" "$@"
}

hosts_lan_exec() {
	ip netns exec "$HERD_HOSTS_FAB_NS" "$@"
}

hosts_libvirtd_kill() {
	_hs_p=$(_hs_get LIBVIRTD_PID "$1")
	[ -n "$_hs_p" ] && _lns_in_ns "$_hs_p" "$(_hs_get NS "$1")" ||
	    { _hs_say "hv$1: no libvirtd to kill"; return 1; }
	kill "-${2:-KILL}" "$_hs_p" || return 1
	_hs_n=0
	while [ -d "/proc/$_hs_p" ] && [ "$_hs_n" -lt 100 ]; do
		sleep 0.1
		_hs_n=$((_hs_n + 1))
	done
	! [ -d "/proc/$_hs_p" ]
}

# Start host $1's libvirtd again, in its namespaces, with the same command
# line; 0 once it answers.
hosts_libvirtd_restart() {
	_hs_push
	_hs_select "$1"
	_hs_l=$(grep 'libvirtd -d ' "$HERD_TEST_DIR/boot.sh")
	rm -f "$HERD_TEST_DIR/libvirtd.pid"
	hosts_exec "$1" sh -c "$_hs_l" &&
	    _lns_wait_ready
	_hs_rc=$?
	[ "$_hs_rc" -eq 0 ] &&
	    _hs_set LIBVIRTD_PID "$1" "$(cat "$HERD_TEST_DIR/libvirtd.pid")"
	_hs_pop
	return "$_hs_rc"
}

# Stop every host (libvirt_ns_stop: all its processes by PID, its namespace,
# its directory), then the controller and the fabric the same way.  Always
# 0; complains on stderr if something survives.
hosts_stop() {
	if [ -n "$_hs_pushed" ]; then
		[ -n "${HERD_TEST_NS:-}" ] && libvirt_ns_stop
		_hs_pop
	fi
	_hs_i=1
	while [ "$_hs_i" -le "${HERD_HOSTS_N:-0}" ]; do
		_hs_push
		_hs_select "$_hs_i"
		[ -n "$HERD_TEST_NS" ] && libvirt_ns_stop
		_hs_pop
		for _hs_v in URI SSH_URI TCP_URI LOCAL_URI ADDR JUMP NS DIR \
		    LIBVIRTD_PID VIRTLOGD_PID SSHD_PID HOLDER_PID; do
			_hs_set "$_hs_v" "$_hs_i" ""
		done
		_hs_i=$((_hs_i + 1))
	done
	for _hs_ns in ${HERD_HOSTS_CTL_NS:-} ${HERD_HOSTS_FAB_NS:-}; do
		ip netns list 2>/dev/null | grep -q "^$_hs_ns\\b" || continue
		_hs_push	# no daemon PIDs: _lns_kill_all adds them
		_lns_kill_all "$_hs_ns"
		_hs_pop
		ip netns del "$_hs_ns" 2>/dev/null
		ip netns list 2>/dev/null | grep -q "^$_hs_ns\\b" &&
		    _hs_say "namespace $_hs_ns is still there"
	done
	# Only ever remove a directory this file made.
	case ${HERD_HOSTS_DIR:-} in
	*/herd-hosts.??????)
		[ -f "$HERD_HOSTS_DIR/hosts.sh" ] && rm -rf "$HERD_HOSTS_DIR" ;;
	esac
	HERD_HOSTS_DIR="" HERD_HOSTS_N=0 HERD_HOSTS_CTL_NS="" HERD_HOSTS_FAB_NS=""
	HERD_HOSTS_CTL_PID=""
	return 0
}
