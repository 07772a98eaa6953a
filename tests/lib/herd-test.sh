# shellcheck shell=sh
# The preamble the tests on a private libvirtd share.  POSIX sh; source it
# after tests/lib/netns-libvirtd.sh, with $T set to the test's name and
# $HERD to the binary:
#
#	. "$here/lib/netns-libvirtd.sh"
#	. "$here/lib/herd-test.sh"
#	herd_test_need jq dnsmasq	# exit 77 without $HERD or a tool
#	herd_test_guest tiny		# or debian: build or reuse, then eval
#	herd_test_start			# the daemon, then the variables below
#
# herd_test_start sets the traps that stop the daemon (by PID, with the
# namespace) on exit and signals, starts it (exit 77 when this machine
# cannot, 1 when it fails), and sets
#	v		a function: virsh on the private daemon
#	w		a work folder inside HERD_TEST_DIR (removed with it)
#	out		$w/out, for command output
#	HERD_POOL_DIR	$w/pools (exported)
#	HERD		a private copy of the binary: a rebuild while the
#			test runs must change neither the binary nor the seeds
# and makes $w/state.  Also here: wait_for SECS CMD....

herd_test_need() {
	[ -x "$HERD" ] || { echo "$T: no $HERD (make)" >&2; exit 77; }
	for _ht_t in "$@"; do
		command -v "$_ht_t" >/dev/null 2>&1 ||
		    { echo "$T: missing $_ht_t (make deps)" >&2; exit 77; }
	done
}

herd_test_guest() {
	_ht_vars=$(sh "$here/lib/$1-guest.sh") || exit $?
	eval "$_ht_vars"
}

herd_test_start() {
	trap libvirt_ns_stop EXIT
	trap 'exit 130' INT TERM HUP
	libvirt_ns_start || exit $?
	w=$HERD_TEST_DIR/work
	out=$w/out
	export HERD_POOL_DIR="$w/pools"
	mkdir -p "$w/state" && cp "$HERD" "$w/herd" ||
	    { echo "$T: cannot prepare $w" >&2; exit 1; }
	HERD=$w/herd
}

v() { libvirt_ns_virsh "$@"; }

# wait_for SECS CMD...: run CMD until it succeeds; 1 after SECS seconds.
wait_for() {
	_w_end=$(( $(date +%s) + $1 )); shift
	while ! "$@"; do
		[ "$(date +%s)" -lt "$_w_end" ] || return 1
		sleep 0.3
	done
}
