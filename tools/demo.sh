#!/bin/bash
# The one-command demo (`make demo`, `make demo-clean`): a real fleet from
# nothing, examples/quickstart.yaml on a small Debian 12 guest with
# cloud-init.
#
#	bash tools/demo.sh up		build the guest image (cached), find or
#					start a libvirtd, herd up, show status
#	bash tools/demo.sh clean	herd destroy, stop the private libvirtd
#	bash tools/demo.sh status	herd status of the demo fleet
#
# The libvirtd: the running one if qemu:///system answers; otherwise a
# private one inside a network namespace (tests/lib/netns-libvirtd.sh),
# which keeps running after this script so the fleet does too.  Its
# namespace, directory and PIDs go into the demo's state file, which `clean`
# reads to stop exactly those processes (by PID) and delete the namespace.
#
# Everything the demo makes lives in HERD_DEMO_DIR (default
# /var/tmp/herd-demo): the fleet file (a copy of the example with the image
# paths pointed at the built guest; the example itself stays as it is),
# herd's state (keys, known_hosts), the pools of a private libvirtd, and
# ./herd, a wrapper that runs build/herd on the demo fleet (inside the
# namespace when the libvirtd is private).
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
demo=${HERD_DEMO_DIR:-/var/tmp/herd-demo}
statefile=$demo/demo.env
herd=$top/build/herd
fleet=$demo/quickstart.yaml

say() { echo "demo: $*"; }
die() { echo "demo: $*" >&2; exit 1; }

# The running system libvirtd, if one answers (a few seconds at most).
system_libvirtd() {
	command -v virsh >/dev/null 2>&1 &&
	    timeout 10 virsh -q -c qemu:///system uri >/dev/null 2>&1
}

# Load the state file of an earlier `up`, if any.
load_state() {
	DEMO_MODE="" HERD_TEST_NS="" HERD_TEST_DIR="" HERD_TEST_URI=""
	HERD_TEST_LIBVIRTD_PID="" HERD_TEST_VIRTLOGD_PID=""
	# shellcheck disable=SC1090
	[ -f "$statefile" ] && . "$statefile"
	return 0
}

save_state() {
	{
		echo "DEMO_MODE=$DEMO_MODE"
		echo "HERD_TEST_NS='$HERD_TEST_NS'"
		echo "HERD_TEST_DIR='$HERD_TEST_DIR'"
		echo "HERD_TEST_URI='$HERD_TEST_URI'"
		echo "HERD_TEST_LIBVIRTD_PID='$HERD_TEST_LIBVIRTD_PID'"
		echo "HERD_TEST_VIRTLOGD_PID='$HERD_TEST_VIRTLOGD_PID'"
	} >"$statefile.new" && mv -f "$statefile.new" "$statefile"
}

# True when the private libvirtd recorded in the state file still runs.
private_alive() {
	[ "$DEMO_MODE" = private ] && [ -n "$HERD_TEST_NS" ] &&
	    ip netns list 2>/dev/null | grep -q "^$HERD_TEST_NS\\b" &&
	    [ -d "/proc/$HERD_TEST_LIBVIRTD_PID" ] &&
	    timeout 10 virsh -q -c "$HERD_TEST_URI" uri >/dev/null 2>&1
}

# ./herd: build/herd on the demo fleet, in the namespace when private.
write_wrapper() {
	local pre="" uri=qemu:///system pools=""
	if [ "$DEMO_MODE" = private ]; then
		pre="ip netns exec $HERD_TEST_NS "
		uri=$HERD_TEST_URI
		pools="HERD_POOL_DIR='$demo/pools' "
	fi
	cat >"$demo/herd" <<EOF
#!/bin/sh
# herd on the demo fleet ($DEMO_MODE libvirtd); made by tools/demo.sh
# (--allow-outside: the fleet names the guest image in herd's test cache)
exec env ${pools}${pre}'$herd' -f '$fleet' -c '$uri' --state-dir '$demo/state' --allow-outside "\$@"
EOF
	chmod 0755 "$demo/herd"
}

# The example, with its placeholder image paths replaced by the built guest.
write_fleet() {
	sed -e "s|\\./images/debian-12-cloud\\.qcow2|$DEBIAN_DISK|" \
	    -e "s|\\./images/debian-12-vmlinuz|$DEBIAN_KERNEL|" \
	    -e "s|\\./images/debian-12-initrd\\.img|$DEBIAN_INITRD|" \
	    "$top/examples/quickstart.yaml" >"$fleet.new" || return 1
	grep -qF "path: $DEBIAN_DISK" "$fleet.new" &&
	    grep -qF "kernel: $DEBIAN_KERNEL" "$fleet.new" &&
	    grep -qF "initrd: $DEBIAN_INITRD" "$fleet.new" ||
	    { echo "demo: examples/quickstart.yaml no longer names ./images/debian-12-*" >&2
	      return 1; }
	mv -f "$fleet.new" "$fleet"
}

start_private() {
	# shellcheck source=../tests/lib/netns-libvirtd.sh
	. "$top/tests/lib/netns-libvirtd.sh"
	local rc old_tmp=${TMPDIR-}
	# The daemon's directory goes under the demo's, which clean removes.
	HERD_TEST_NS=""
	TMPDIR=$demo
	libvirt_ns_start; rc=$?
	if [ -n "$old_tmp" ]; then TMPDIR=$old_tmp; else unset TMPDIR; fi
	[ "$rc" -eq 0 ] || return "$rc"
	DEMO_MODE=private
	save_state
	say "started a private libvirtd (PID $HERD_TEST_LIBVIRTD_PID) in network namespace $HERD_TEST_NS"
}

cmd_up() {
	local img rc t0
	[ "$(id -u)" -eq 0 ] || die "run it as root (it builds a guest with debootstrap and may start libvirtd)"
	[ -x "$herd" ] || die "no $herd: run make first"
	mkdir -p "$demo/state" || die "cannot make $demo"
	say "building the Debian 12 guest image (cached; a first build takes several minutes)"
	img=$(sh "$top/tests/lib/debian-guest.sh") || die "the guest image could not be built"
	eval "$img"
	write_fleet || die "cannot write $fleet"
	"$herd" -f "$fleet" validate >/dev/null || die "the demo fleet does not validate"

	load_state
	if private_alive; then
		say "using the private libvirtd from the last run (namespace $HERD_TEST_NS)"
	elif [ "$DEMO_MODE" = system ] || system_libvirtd; then
		DEMO_MODE=system HERD_TEST_NS="" HERD_TEST_DIR="" HERD_TEST_URI=""
		save_state
		say "using the running libvirtd at qemu:///system"
	else
		[ "$DEMO_MODE" = private ] && cleanup_private	# stale: gone or broken
		say "no libvirtd answers at qemu:///system: starting a private one"
		start_private; rc=$?
		[ "$rc" -eq 0 ] || die "cannot start a private libvirtd (exit $rc)"
	fi
	write_wrapper

	t0=$(date +%s)
	say "herd up (3 VMs under software emulation: a few minutes)"
	"$demo/herd" up || die "herd up failed; see $demo/herd status"
	say "the fleet is up in $(( $(date +%s) - t0 ))s"
	echo
	"$demo/herd" status
	echo
	echo "Log in to a VM (the fleet key, the host key checked):"
	echo "    $demo/herd ssh web-1"
	if [ "$DEMO_MODE" = private ]; then
		echo "which runs, inside the namespace of the private libvirtd,"
		echo "    ip netns exec $HERD_TEST_NS $herd -f $fleet \\"
		echo "        -c '$HERD_TEST_URI' --state-dir $demo/state ssh web-1"
	else
		echo "which runs"
		echo "    $herd -f $fleet --state-dir $demo/state ssh web-1"
	fi
	echo "Run a command everywhere: $demo/herd exec -- cat /etc/role"
	echo "Remove it all:            make demo-clean"
}

# Stop the private libvirtd recorded in the state file, by PID, and delete
# its namespace and directory.
cleanup_private() {
	# shellcheck source=../tests/lib/netns-libvirtd.sh
	. "$top/tests/lib/netns-libvirtd.sh"
	export HERD_TEST_NS HERD_TEST_DIR HERD_TEST_URI HERD_TEST_LIBVIRTD_PID \
	    HERD_TEST_VIRTLOGD_PID
	libvirt_ns_stop
	DEMO_MODE=""
}

cmd_clean() {
	load_state
	if [ -z "$DEMO_MODE" ]; then
		say "nothing to clean (no $statefile)"
		return 0
	fi
	if [ "$DEMO_MODE" = system ] || private_alive; then
		say "herd destroy"
		"$demo/herd" destroy || die "herd destroy failed; the state is kept in $demo"
	fi
	if [ "$DEMO_MODE" = private ]; then
		say "stopping the private libvirtd (PID $HERD_TEST_LIBVIRTD_PID, namespace $HERD_TEST_NS)"
		cleanup_private
	fi
	rm -rf "$demo"
	say "clean"
}

cmd_status() {
	load_state
	[ -n "$DEMO_MODE" ] && [ -x "$demo/herd" ] || die "no demo fleet (make demo)"
	"$demo/herd" status
}

case "${1:-}" in
up) cmd_up ;;
clean) cmd_clean ;;
status) cmd_status ;;
*) echo "usage: bash tools/demo.sh up|clean|status" >&2; exit 2 ;;
esac
