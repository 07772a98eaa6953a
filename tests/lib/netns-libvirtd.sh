# shellcheck shell=sh
# A private libvirtd inside a network namespace, for integration and
# end-to-end tests.  POSIX sh; source it, do not run it.
#
#	. tests/lib/netns-libvirtd.sh
#	trap libvirt_ns_stop EXIT
#	trap 'exit 130' INT TERM HUP	# so dash runs the EXIT trap on signals
#	libvirt_ns_start || exit $?	# 77 (skip) when this machine cannot
#	virsh -c "$HERD_TEST_URI" net-list --all
#	libvirt_ns_exec ping -c1 10.77.0.10	# reach guests from inside
#	libvirt_ns_env >state.sh		# later: . ./state.sh; libvirt_ns_stop
#
# libvirt_ns_start exports
#	HERD_TEST_URI	qemu:///system?socket=DIR/sock/libvirt-sock
#	HERD_TEST_NS	the network namespace (herd-test-PID-RANDOM)
#	HERD_TEST_DIR	the private directory (configs, logs, sockets, state)
#	HERD_TEST_LIBVIRTD_PID, HERD_TEST_VIRTLOGD_PID
#
# Why a mount namespace too: a root libvirtd has fixed paths (/etc/libvirt,
# /run/libvirt, /var/lib/libvirt, ...) that no option moves, so two tests
# running at once would share state.  `ip netns exec` gives its command a
# mount namespace of its own (a slave of the host's), so both daemons are
# started from one shell that first bind-mounts private directories from
# HERD_TEST_DIR over those paths, and over /etc/passwd and /etc/group to add
# the libvirt-qemu user the qemu driver resolves at start-up (qemu itself
# runs as root; the host's files are never touched).  The client socket is
# in HERD_TEST_DIR/sock, outside the bind mounts, so any process on the host
# or in the namespace reaches the daemon through HERD_TEST_URI.  Disk and
# kernel paths given to libvirt are the host's own paths.
#
# libvirt_ns_start is libvirt_ns_create (directory, configuration, empty
# namespace; no daemon) then libvirt_ns_boot [LIBVIRTD_ARG...] (the mounts,
# both daemons, wait until libvirtd answers).  A caller that needs the
# namespace's links or the daemon's configuration first (tests/lib/hosts.sh:
# a fabric address to listen on) calls the two itself, doing its part in
# between: edit HERD_TEST_DIR/etc/*.conf, HERD_TEST_DIR/passwd, add links
# with `ip -n "$HERD_TEST_NS"`.  Either half cleans up after itself when it
# fails, as libvirt_ns_start does.
#
# libvirt_ns_stop kills every process in the namespace (the daemons,
# dnsmasq, qemu, and whatever a test started there) by PID, TERM then KILL,
# deletes the namespace (taking bridges, taps and firewall rules with it) and
# removes HERD_TEST_DIR.  It is idempotent and safe to call from a trap at
# any point, also after a failed or partial start.

# Seconds to wait for the daemon to answer, and for processes to exit.
: "${HERD_TEST_START_TIMEOUT:=30}"
: "${HERD_TEST_STOP_TIMEOUT:=10}"

# The paths a root libvirtd uses, each replaced by HERD_TEST_DIR/<name>.
_lns_binds="etc:/etc/libvirt run:/run/libvirt lib:/var/lib/libvirt log:/var/log/libvirt cache:/var/cache/libvirt"

_lns_say() { echo "netns-libvirtd: $*" >&2; }

# Print the PIDs running in namespace $1, one a line (none if it is gone).
_lns_pids() {
	ip netns pids "$1" 2>/dev/null
}

# True when PID $1 still exists and lives in namespace $2: guards against
# killing a recycled PID.
_lns_in_ns() {
	[ -d "/proc/$1" ] || return 1
	[ "$(ip netns identify "$1" 2>/dev/null)" = "$2" ]
}

# 77 with a reason when this machine cannot host the harness.
libvirt_ns_check() {
	if [ "$(id -u)" -ne 0 ]; then
		_lns_say "needs root (network namespaces, libvirtd as root)"
		return 77
	fi
	for _lns_t in ip libvirtd virtlogd virsh qemu-system-x86_64 \
	    dnsmasq iptables timeout mount; do
		if ! command -v "$_lns_t" >/dev/null 2>&1; then
			_lns_say "missing $_lns_t (make deps)"
			return 77
		fi
	done
	return 0
}

# Write libvirtd.conf, virtlogd.conf, qemu.conf, passwd and group into
# $HERD_TEST_DIR.
_lns_write_config() {
	_lns_d=$HERD_TEST_DIR
	mkdir -p "$_lns_d/etc" "$_lns_d/run" "$_lns_d/lib" "$_lns_d/log" \
	    "$_lns_d/cache" "$_lns_d/sock" || return 1
	cat >"$_lns_d/etc/libvirtd.conf" <<EOF || return 1
unix_sock_dir = "$_lns_d/sock"
unix_sock_rw_perms = "0700"
unix_sock_ro_perms = "0700"
unix_sock_admin_perms = "0700"
auth_unix_rw = "none"
auth_unix_ro = "none"
log_outputs = "3:file:$_lns_d/libvirtd.log"
EOF
	cat >"$_lns_d/etc/virtlogd.conf" <<EOF || return 1
log_outputs = "3:file:$_lns_d/virtlogd.log"
EOF
	# No security driver, no per-VM /dev, no cgroups: nothing here needs
	# systemd or AppArmor, and qemu reads any file root can read.
	cat >"$_lns_d/etc/qemu.conf" <<EOF || return 1
user = "root"
group = "root"
dynamic_ownership = 0
remember_owner = 0
security_driver = "none"
namespaces = [ ]
cgroup_controllers = [ ]
EOF
	cp /etc/passwd "$_lns_d/passwd" && cp /etc/group "$_lns_d/group" ||
	    return 1
	grep -q '^libvirt-qemu:' "$_lns_d/passwd" ||
	    echo 'libvirt-qemu:x:64055:64055:libvirt qemu:/var/lib/libvirt:/usr/sbin/nologin' \
	    >>"$_lns_d/passwd"
	grep -q '^libvirt-qemu:' "$_lns_d/group" ||
	    echo 'libvirt-qemu:x:64055:' >>"$_lns_d/group"
	grep -q '^libvirt-dnsmasq:' "$_lns_d/passwd" ||
	    echo 'libvirt-dnsmasq:x:64056:64056:libvirt dnsmasq:/var/lib/libvirt/dnsmasq:/usr/sbin/nologin' \
	    >>"$_lns_d/passwd"
	grep -q '^libvirt-dnsmasq:' "$_lns_d/group" ||
	    echo 'libvirt-dnsmasq:x:64056:' >>"$_lns_d/group"
}

# The script run by `ip netns exec`: private mounts, then both daemons;
# arguments are added to libvirtd's command line.
_lns_boot_script() {
	_lns_d=$HERD_TEST_DIR
	echo "set -e"
	for _lns_b in $_lns_binds; do
		echo "mount --bind '$_lns_d/${_lns_b%%:*}' '${_lns_b#*:}'"
	done
	echo "mount --bind '$_lns_d/passwd' /etc/passwd"
	echo "mount --bind '$_lns_d/group' /etc/group"
	echo "virtlogd -d -f /etc/libvirt/virtlogd.conf -p '$_lns_d/virtlogd.pid'"
	# Pinned to one CPU: libvirt keeps the host's CPUID with its probe
	# results, and a topology leaf differs by the CPU it is read on, so an
	# unpinned daemon throws the cache away every other run.  libvirt sets
	# each qemu's affinity to all host CPUs itself, so guests are not pinned.
	_lns_cpu=$(taskset -pc $$ 2>/dev/null | sed 's/.*: *//; s/[-,].*//')
	_lns_args=""
	for _lns_a in "$@"; do
		_lns_args="$_lns_args '$_lns_a'"
	done
	echo "${_lns_cpu:+taskset -c $_lns_cpu }libvirtd -d -f /etc/libvirt/libvirtd.conf -p '$_lns_d/libvirtd.pid'$_lns_args"
}

# Wait until the daemon answers on its socket; 0 when it does.
_lns_wait_ready() {
	_lns_end=$(( $(date +%s) + HERD_TEST_START_TIMEOUT ))
	while [ "$(date +%s)" -le "$_lns_end" ]; do
		if [ -S "$HERD_TEST_DIR/sock/libvirt-sock" ] &&
		    timeout 10 virsh -q -c "$HERD_TEST_URI" uri >/dev/null 2>&1
		then
			return 0
		fi
		# The daemon died during start-up: no point in waiting.
		if [ -s "$HERD_TEST_DIR/libvirtd.pid" ] &&
		    ! [ -d "/proc/$(cat "$HERD_TEST_DIR/libvirtd.pid")" ]; then
			return 1
		fi
		sleep 0.2
	done
	return 1
}

# Probing qemu's capabilities takes libvirtd about 7 s here, at every start
# of a fresh daemon; keeping the probe results between runs makes that a few
# milliseconds.  libvirtd checks each cached file against the qemu binary,
# libvirt and kernel versions and re-probes when they no longer match.  Each
# daemon works on its own copy, so concurrent tests never share a file.
_lns_caps_dir() {
	echo "${HERD_TEST_CACHE:-/var/cache/herd-test}/libvirt-qemu-caps"
}

_lns_caps_restore() {
	_lns_c=$(_lns_caps_dir)
	[ -d "$_lns_c" ] || return 0
	mkdir -p "$HERD_TEST_DIR/cache/qemu/capabilities" &&
	    cp "$_lns_c"/*.xml "$HERD_TEST_DIR/cache/qemu/capabilities/" \
	    2>/dev/null
	return 0
}

# Save the daemon's probe results (only after it stopped: no half-written
# file), each by copy and rename so a reader never sees a partial file.
_lns_caps_save() {
	_lns_c=$(_lns_caps_dir)
	for _lns_f in "$1"/cache/qemu/capabilities/*.xml; do
		[ -s "$_lns_f" ] || continue
		cmp -s "$_lns_f" "$_lns_c/${_lns_f##*/}" && continue
		mkdir -p "$_lns_c" &&
		    cp "$_lns_f" "$_lns_c/.${_lns_f##*/}.$$" &&
		    mv -f "$_lns_c/.${_lns_f##*/}.$$" "$_lns_c/${_lns_f##*/}"
	done 2>/dev/null
	return 0
}

# Start the private libvirtd.  0 on success; 77 when the machine cannot host
# it; 1 on failure (after cleaning up what was made, with the daemon's log
# tail on stderr).
libvirt_ns_start() {
	libvirt_ns_create && libvirt_ns_boot
}

# The first half of libvirt_ns_start: HERD_TEST_DIR with the daemons'
# configuration, and the namespace with lo up; no daemon yet.  Same returns.
libvirt_ns_create() {
	libvirt_ns_check || return $?
	if [ -n "${HERD_TEST_NS:-}" ]; then
		_lns_say "already started ($HERD_TEST_NS)"
		return 1
	fi
	_lns_rand=$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
	HERD_TEST_NS="herd-test-$$-$_lns_rand"
	# Short base: a unix socket path must fit in 108 bytes.
	_lns_tmp=${TMPDIR:-/tmp}
	[ "${#_lns_tmp}" -le 60 ] || _lns_tmp=/tmp
	HERD_TEST_DIR=$(mktemp -d "$_lns_tmp/herd-ns.XXXXXX") || {
		HERD_TEST_NS=""; return 1; }
	HERD_TEST_URI="qemu:///system?socket=$HERD_TEST_DIR/sock/libvirt-sock"
	export HERD_TEST_NS HERD_TEST_DIR HERD_TEST_URI
	echo "$HERD_TEST_NS" >"$HERD_TEST_DIR/netns"

	_lns_write_config || { _lns_fail "cannot write config"; return 1; }
	_lns_caps_restore
	ip netns add "$HERD_TEST_NS" ||
	    { _lns_fail "ip netns add failed"; return 1; }
	ip -n "$HERD_TEST_NS" link set lo up ||
	    { _lns_fail "cannot bring up lo"; return 1; }
	# Mount points must exist on the host; empty directories are harmless.
	for _lns_b in $_lns_binds; do
		mkdir -p "${_lns_b#*:}" || { _lns_fail "mkdir ${_lns_b#*:}"; return 1; }
	done
	return 0
}

# The second half: mounts and daemons in the namespace libvirt_ns_create
# made; arguments go to libvirtd (e.g. --listen).  Same returns.
# shellcheck disable=SC2120 # arguments are optional
libvirt_ns_boot() {
	[ -n "${HERD_TEST_NS:-}" ] || { _lns_say "boot before create"; return 1; }
	_lns_boot_script "$@" >"$HERD_TEST_DIR/boot.sh"
	if ! ip netns exec "$HERD_TEST_NS" sh "$HERD_TEST_DIR/boot.sh" \
	    >"$HERD_TEST_DIR/boot.log" 2>&1; then
		_lns_fail "daemon start failed: $(tail -n 3 "$HERD_TEST_DIR/boot.log")"
		return 1
	fi
	if ! _lns_wait_ready; then
		_lns_fail "libvirtd did not answer within ${HERD_TEST_START_TIMEOUT}s"
		return 1
	fi
	HERD_TEST_LIBVIRTD_PID=$(cat "$HERD_TEST_DIR/libvirtd.pid")
	HERD_TEST_VIRTLOGD_PID=$(cat "$HERD_TEST_DIR/virtlogd.pid")
	export HERD_TEST_LIBVIRTD_PID HERD_TEST_VIRTLOGD_PID
	return 0
}

_lns_fail() {
	_lns_say "$1"
	if [ -n "${HERD_TEST_DIR:-}" ] && [ -f "$HERD_TEST_DIR/libvirtd.log" ]; then
		grep -E ': error :' "$HERD_TEST_DIR/libvirtd.log" | tail -n 5 >&2
	fi
	libvirt_ns_stop
}

# Stop everything started in the namespace and remove it and HERD_TEST_DIR.
# Always returns 0 so it can end a trap; complains on stderr if something
# survives.
libvirt_ns_stop() {
	_lns_ns=${HERD_TEST_NS:-}
	_lns_d=${HERD_TEST_DIR:-}
	if [ -n "$_lns_ns" ]; then
		_lns_kill_all "$_lns_ns"
		ip netns del "$_lns_ns" 2>/dev/null
		if ip netns list 2>/dev/null | grep -q "^$_lns_ns\\b"; then
			_lns_say "namespace $_lns_ns is still there"
		fi
	fi
	[ -n "$_lns_d" ] && _lns_caps_save "$_lns_d"
	# Only ever remove a directory this file made.
	case "$_lns_d" in
	*/herd-ns.??????)
		[ -f "$_lns_d/netns" ] && rm -rf "$_lns_d" ;;
	esac
	HERD_TEST_NS="" HERD_TEST_DIR="" HERD_TEST_URI=""
	HERD_TEST_LIBVIRTD_PID="" HERD_TEST_VIRTLOGD_PID=""
	return 0
}

# TERM every process in namespace $1 (recorded daemons included), wait up to
# HERD_TEST_STOP_TIMEOUT seconds, then KILL what is left.
_lns_kill_all() {
	_lns_list=$(_lns_pids "$1" | tr '\n' ' ')
	for _lns_p in ${HERD_TEST_LIBVIRTD_PID:-} ${HERD_TEST_VIRTLOGD_PID:-}; do
		_lns_in_ns "$_lns_p" "$1" && _lns_list="$_lns_list $_lns_p"
	done
	case $_lns_list in *[0-9]*) ;; *) return 0 ;; esac
	# shellcheck disable=SC2086
	kill -TERM $_lns_list 2>/dev/null
	_lns_end=$(( $(date +%s) + HERD_TEST_STOP_TIMEOUT ))
	while [ -n "$(_lns_pids "$1")" ] && [ "$(date +%s)" -lt "$_lns_end" ]; do
		sleep 0.2
	done
	_lns_list=$(_lns_pids "$1" | tr '\n' ' ')
	[ -n "$_lns_list" ] || return 0
	_lns_say "killing stragglers in $1: $_lns_list"
	# shellcheck disable=SC2086
	kill -KILL $_lns_list 2>/dev/null
	_lns_end=$(( $(date +%s) + 5 ))
	while [ -n "$(_lns_pids "$1")" ] && [ "$(date +%s)" -lt "$_lns_end" ]; do
		sleep 0.2
	done
}

# Print the state as shell assignments, for a later process (make demo,
# then make demo-clean) to eval and call libvirt_ns_stop or use the URI.
libvirt_ns_env() {
	for _lns_v in HERD_TEST_NS HERD_TEST_DIR HERD_TEST_URI \
	    HERD_TEST_LIBVIRTD_PID HERD_TEST_VIRTLOGD_PID; do
		eval "echo \"export $_lns_v='\${$_lns_v:-}'\""
	done
}

# Run a command inside the namespace (to reach guests' addresses).
libvirt_ns_exec() {
	ip netns exec "$HERD_TEST_NS" "$@"
}

# virsh on the private daemon, bounded in time (HERD_TEST_VIRSH_TIMEOUT).
libvirt_ns_virsh() {
	timeout "${HERD_TEST_VIRSH_TIMEOUT:-60}" virsh -q -c "$HERD_TEST_URI" "$@"
}
