#!/bin/sh
# herd up / wait / status / snapshot / revert / inventory / exec / ssh
# against a private libvirtd in a network namespace
# (tests/lib/netns-libvirtd.sh) with three tiny guests under TCG (two groups
# and one explicit VM).  The tiny guests run without sshd (herd.sshd=0:
# 15-tiny-ssh logs in to them), so the ssh and
# cloud-init stages are only reached here as failures:
#  - up (apply, then wait for ip); wait --for running and --for ip print a
#    line per VM with its elapsed time; the addresses are the planned ones;
#  - status: table and --json (state, planned IP, stage, since kept across
#    runs), --vm and -g select, --watch redraws until SIGINT, unknown names
#    are usage errors;
#  - inventory: ansible (read back by ansible-inventory), ssh-config,
#    hosts, json, all with the planned addresses;
#  - exec and ssh fail cleanly (exit 1, "refused"), never crash;
#  - wait --timeout 5s for ssh exits 1 after about 5 s naming every VM as
#    timed out; wait --for ssh --timeout 2m exits 1 within seconds of a
#    `virsh destroy`, naming the VM as shut off (lifecycle events);
#  - snapshot, list, delete; revert brings a destroyed VM back running
#    from its memory state (it answers HTTP at once, no new boot) and
#    restores its disk (the guest's boot counter on disk goes back);
#  - destroy removes domains that have snapshots.
# Every herd command runs inside the namespace, as a user's would.
# Exit 0 pass, 77 skip, 1 fail.
here=$(cd "$(dirname "$0")/.." && pwd)
HERD=${HERD:-$here/../build/herd}
. "$here/lib/netns-libvirtd.sh"
. "$here/lib/herd-test.sh"
T=50-track

out=""
fail() {
	echo "50-track: FAIL: $*" >&2
	[ -n "$out" ] && [ -f "$out" ] && tail -n 20 "$out" >&2
	exit 1
}
now() { date +%s.%N; }
secs_since() { echo "$(now) $1" | awk '{printf "%.1f", $1 - $2}'; }
# le A B: true when A <= B (decimals)
le() { awk -v a="$1" -v b="$2" 'BEGIN {exit !(a <= b)}'; }

herd_test_need jq python3 curl
herd_test_guest tiny
herd_test_start

cat >"$w/t50.yaml" <<EOF
fleet: t50
accel: qemu
images:
  tiny:
    path: $TINY_DISK
    boot: {kernel: $TINY_KERNEL, initrd: $TINY_INITRD, cmdline: "$TINY_CMDLINE herd.sshd=0"}
networks:
  net: {mode: nat, cidr: 10.79.0.0/24}
defaults: {image: tiny, cpus: 1, memory: 128MiB, disk: 64MiB, networks: [net]}
groups:
  web: {count: 1, name: "web-{{index}}"}
  db: {count: 1, name: "db-{{index}}"}
vms:
  lb: {ip: 10.79.0.50}
EOF
# --allow-outside: the tiny guest's files live in the test's cache
h() { ip netns exec "$HERD_TEST_NS" "$HERD" -f "$w/t50.yaml" \
    -c "$HERD_TEST_URI" --state-dir "$w/state" --allow-outside "$@"; }
log() { echo "$HERD_POOL_DIR/herd-t50/t50--$1.console.log"; }
vms="lb web-1 db-1"

# --- up: apply, then wait for the addresses
h up -j 3 --for ip --timeout 2m >"$out" 2>&1 || fail "up"
grep -q '^Apply: 3 created' "$out" || fail "up did not apply"
grep -q 'ready: 3 VMs at stage ip' "$out" || fail "up did not wait"
# The planned addresses (from the fleet file alone).
h inventory --format json >"$w/inv.json" || fail "inventory json"
jq -r '.vms[] | "\(.name) \(.ip)"' "$w/inv.json" | sort >"$w/planned"
[ "$(wc -l <"$w/planned")" -eq 3 ] || fail "inventory json: $(cat "$w/planned")"
grep -qx 'lb 10.79.0.50' "$w/planned" || fail "lb's fixed address not planned"
ip_of() { awk -v n="$1" '$1 == n {print $2}' "$w/planned"; }

# --- wait: one line per VM and stage, with its elapsed time
h wait --for running --timeout 1m >"$out" 2>&1 || fail "wait --for running"
for vm in $vms; do
	grep -Eq "(^|: )$vm: running [0-9]+\.[0-9]s$" "$out" ||
	    fail "no running line for $vm"
done
grep -q 'ready: 3 VMs at stage running' "$out" || fail "wait summary"
h wait --for ip --timeout 1m >"$out" 2>&1 || fail "wait --for ip"
for vm in $vms; do
	grep -Eq "(^|: )$vm: ip $(ip_of "$vm") \((reserved|lease|agent)\) [0-9]+\.[0-9]s$" "$out" ||
	    fail "no ip line for $vm with $(ip_of "$vm")"
done
h wait --for ip --vm lb -g web >"$out" 2>&1 || fail "wait --vm -g"
grep -q 'ready: 2 VMs at stage ip' "$out" || fail "wait --vm lb -g web: not 2 VMs"
grep -q 'db-1' "$out" && fail "wait -g web --vm lb followed db-1"
h wait --for nonsense >"$out" 2>&1
[ $? -eq 2 ] || fail "wait --for nonsense: want exit 2"
grep -q "unknown stage 'nonsense'" "$out" || fail "stage message"

# --- status: table, JSON, selection, since kept across runs
h status >"$out" 2>&1 || fail "status"
for vm in $vms; do
	awk -v n="$vm" -v ip="$(ip_of "$vm")" \
	    '$1 == n && $2 == "running" && $3 == ip && $4 == "ip" {f = 1} END {exit !f}' \
	    "$out" || fail "status row of $vm"
done
h status --json >"$w/st1.json" || fail "status --json"
python3 -m json.tool "$w/st1.json" >/dev/null || fail "status --json does not parse"
jq -e '.fleet == "t50" and (.vms | length) == 3 and
    all(.vms[]; .state == "running" and .stage == "ip" and .problem == null and
	(.since | type) == "number" and .since > 0 and .domain == "t50--" + .name)' \
    "$w/st1.json" >/dev/null || fail "status --json fields: $(cat "$w/st1.json")"
jq -r '.vms[] | "\(.name) \(.ip)"' "$w/st1.json" | sort | cmp -s - "$w/planned" ||
	fail "status --json addresses are not the planned ones"
sleep 1.1
h status --json >"$w/st2.json" || fail "status --json"
jq -S '[.vms[] | {name, since}]' "$w/st1.json" >"$w/since1"
jq -S '[.vms[] | {name, since}]' "$w/st2.json" >"$w/since2"
cmp -s "$w/since1" "$w/since2" || fail "since changed between two status runs: $(cat "$w/since1" "$w/since2")"
h status --json --vm lb --vm db-1 >"$out" || fail "status --vm"
[ "$(jq -c '[.vms[].name]' "$out")" = '["lb","db-1"]' ] || fail "status --vm: $(cat "$out")"
h status -g web >"$out" || fail "status -g"
[ "$(awk 'NR > 1 {print $1}' "$out")" = web-1 ] || fail "status -g web: $(cat "$out")"
# --watch redraws until interrupted, then exits 0.  Not through h(): the
# signal must reach herd (ip netns exec execs it), not a subshell.
ip netns exec "$HERD_TEST_NS" "$HERD" -f "$w/t50.yaml" -c "$HERD_TEST_URI" \
    --state-dir "$w/state" --allow-outside status --watch -g db >"$w/watch" 2>&1 &
wpid=$!
two_draws() { [ "$(grep -c '^NAME ' "$w/watch")" -ge 2 ]; }
wait_for 30 two_draws || fail "status --watch drew less than twice: $(cat "$w/watch")"
kill -INT "$wpid"
wait "$wpid" || fail "status --watch: exit $? after SIGINT"
grep -q '^web-1 ' "$w/watch" && fail "status --watch -g db showed web-1"
h status -g nope >"$out" 2>&1
[ $? -eq 2 ] || fail "status -g nope: want exit 2"
grep -q "no group 'nope'" "$out" || fail "unknown group message"
h status --vm nope >"$out" 2>&1
[ $? -eq 2 ] || fail "status --vm nope: want exit 2"

# --- inventory: every format, with the planned addresses
h inventory --format ansible >"$w/inv.ini" || fail "inventory ansible"
if command -v ansible-inventory >/dev/null 2>&1; then
	ANSIBLE_LOCAL_TEMP=$w/ansible ANSIBLE_HOME=$w/ansible \
	    ansible-inventory -i "$w/inv.ini" --list >"$w/inv-list.json" 2>"$out" ||
	    fail "ansible-inventory rejects the inventory"
	grep -qi 'warning' "$out" && fail "ansible-inventory warns: $(cat "$out")"
	jq -r '._meta.hostvars | to_entries[] | "\(.key) \(.value.ansible_host)"' \
	    "$w/inv-list.json" | sort | cmp -s - "$w/planned" ||
	    fail "ansible hosts: $(cat "$w/inv-list.json")"
	jq -e '.web.hosts == ["web-1"] and .db.hosts == ["db-1"] and
	    (._meta.hostvars.lb.ansible_ssh_private_key_file | endswith("/t50/id_ed25519"))' \
	    "$w/inv-list.json" >/dev/null || fail "ansible groups or key"
else
	echo "50-track: no ansible-inventory, INI not read back" >&2
fi
h inventory --format ssh-config >"$w/ssh_config" || fail "inventory ssh-config"
for vm in $vms; do
	# ssh -G resolves the file as ssh would, without connecting.
	ssh -G -F "$w/ssh_config" "$vm" >"$out" 2>&1 || fail "ssh -G $vm"
	grep -qx "hostname $(ip_of "$vm")" "$out" || fail "ssh-config HostName of $vm"
	grep -qx "user herd" "$out" || fail "ssh-config User of $vm"
	grep -q "^userknownhostsfile $w/state/t50/known_hosts" "$out" ||
	    fail "ssh-config known_hosts of $vm"
done
h inventory --format hosts >"$out" || fail "inventory hosts"
grep -v '^#' "$out" | awk '{print $2, $1}' | sort | cmp -s - "$w/planned" ||
	fail "hosts lines: $(cat "$out")"
h inventory --format yaml >"$out" 2>&1
[ $? -eq 2 ] || fail "inventory --format yaml: want exit 2"

# --- exec and ssh against guests without sshd: clean failures
for vm in $vms; do
	wait_for 150 grep -q "^$TINY_READY" "$(log "$vm")" ||
	    fail "$vm did not boot: $(tail -n 5 "$(log "$vm")")"
done
h exec -- true >"$out" 2>&1
[ $? -eq 1 ] || fail "exec on guests without sshd: want exit 1"
grep -q '3 targets: 0 ok, 3 failed' "$out" || fail "exec summary"
[ "$(grep -c 'connect refused' "$out")" -eq 3 ] || fail "exec: not refused 3 times"
h exec -g web -- true >"$out" 2>&1
[ $? -eq 1 ] || fail "exec -g web: want exit 1"
grep -q '1 targets\|1 target:' "$out" || fail "exec -g web: not one target"
h exec >"$out" 2>&1
[ $? -eq 2 ] || fail "exec without a command: want exit 2"
h ssh lb -- true >"$out" 2>&1
[ $? -eq 1 ] || fail "ssh lb: want exit 1"
grep -q 'lb: connect 10.79.0.50 port 22: Connection refused' "$out" ||
	fail "ssh message"
h ssh nope -- true >"$out" 2>&1
[ $? -eq 2 ] || fail "ssh nope: want exit 2"

# --- a stage that cannot be reached: every VM times out, on time
s=$(now)
h wait --for ssh --timeout 5s >"$out" 2>&1
rc=$?
t=$(secs_since "$s")
[ "$rc" -eq 1 ] || fail "wait for an unreachable stage: exit $rc, want 1"
le 4.5 "$t" && le "$t" 9 || fail "wait --timeout 5s took ${t}s"
grep -q '3 of 3 VMs did not reach ssh' "$out" || fail "timeout summary"
for vm in $vms; do
	grep -q "^herd:   $vm: timed out waiting for ssh after 5s (last: connect refused)" "$out" ||
	    fail "$vm not named as timed out"
done

# --- snapshots: take, list, delete
h snapshot s1 >"$out" 2>&1 || fail "snapshot s1"
h snapshot --list >"$out" 2>&1 || fail "snapshot --list"
for vm in $vms; do
	grep -qx "$vm	s1" "$out" || fail "snapshot --list: no s1 for $vm"
done
h snapshot s1 >"$out" 2>&1 && fail "a second snapshot s1 was taken"
h snapshot s2 --vm lb >"$out" 2>&1 || fail "snapshot s2 --vm lb"
h snapshot --list -g web >"$out" 2>&1 || fail "snapshot --list -g web"
[ "$(cat "$out")" = "web-1	s1" ] || fail "snapshot --list -g web: $(cat "$out")"
h snapshot --list >"$out" 2>&1
grep -qx "lb	s2" "$out" || fail "no s2 for lb"
[ "$(grep -c '	s2$' "$out")" -eq 1 ] || fail "s2 on more than lb"
h snapshot --delete s2 >"$out" 2>&1 || fail "snapshot --delete s2"
grep -q 'lb: deleted s2' "$out" || fail "delete s2 message"
grep -q 'web-1: no snapshot s2' "$out" || fail "delete s2 on a VM without it"
h snapshot --delete s2 >"$out" 2>&1 && fail "deleting a snapshot no VM has succeeded"
grep -q 'no VM has snapshot s2' "$out" || fail "delete twice message"
h revert nope >"$out" 2>&1 && fail "revert to a missing snapshot succeeded"
grep -q 'no snapshot nope' "$out" || fail "revert nope message"

# --- fail fast: a VM destroyed during a wait ends the wait within seconds
h wait --for ssh --timeout 2m >"$out" 2>&1 &
wpid=$!
sleep 2
kill -0 "$wpid" 2>/dev/null || fail "wait --for ssh ended before the destroy"
v destroy t50--web-1 >/dev/null || fail "virsh destroy"
s=$(now)
wait "$wpid"
rc=$?
t=$(secs_since "$s")
[ "$rc" -eq 1 ] || fail "wait after a destroy: exit $rc, want 1"
# Until sshd answers, herd checks the port with 1.5 s TCP connects (a
# stopped guest's address stays silent); the event is seen within 0.1 s,
# before virsh returns.
le "$t" 4 || fail "wait took ${t}s after the destroy"
grep -q '^herd:   web-1: domain shut off while waiting for ssh' "$out" ||
	fail "web-1 not named as shut off"
grep -q '^herd:   lb: not ready' "$out" || fail "lb not listed as not ready"
echo "50-track: wait ended ${t}s after the destroy"

# --- revert: memory and disk come back
# Boot web-1 again (its disk's boot counter goes to 2), then revert.
v start t50--web-1 >/dev/null || fail "virsh start"
boots() { grep -c "^herd-tiny: disk vda .* boots=" "$(log web-1)"; }
two_ready() { [ "$(grep -c "^$TINY_READY" "$(log web-1)")" -ge 2 ]; }
wait_for 150 two_ready || fail "web-1 did not boot again"
grep -q "^herd-tiny: disk vda .* boots=2[^0-9]*$" "$(log web-1)" || fail "no second boot count"
v destroy t50--web-1 >/dev/null || fail "virsh destroy"
v suspend t50--db-1 >/dev/null || fail "virsh suspend"
nb=$(boots)
h revert s1 >"$out" 2>&1 || fail "revert s1"
for vm in $vms; do
	grep -q "$vm: reverted s1" "$out" || fail "revert: no line for $vm"
	[ "$(v domstate "t50--$vm")" = running ] ||
	    fail "t50--$vm is $(v domstate "t50--$vm") after revert"
done
# Running from its saved memory: it answers at once, without booting.
s=$(now)
wget_web() {
	libvirt_ns_exec curl -s -m 2 "http://$(ip_of web-1)/" >"$w/http" 2>/dev/null &&
	    grep -q '^hostname=web-1 ' "$w/http"
}
wait_for 20 wget_web || fail "web-1 does not answer after revert"
echo "50-track: web-1 answered $(secs_since "$s")s after revert"
[ "$(boots)" -eq "$nb" ] || fail "web-1 booted instead of resuming"
h status --json >"$out" || fail "status after revert"
jq -e 'all(.vms[]; .state == "running")' "$out" >/dev/null || fail "status after revert"
# Its disk is the snapshot's: the next boot counts 2 again, not 3.
v destroy t50--web-1 >/dev/null && v start t50--web-1 >/dev/null || fail "restart web-1"
third() { [ "$(boots)" -gt "$nb" ]; }
wait_for 150 third || fail "web-1 did not boot after revert"
last=$(grep "^herd-tiny: disk vda .* boots=" "$(log web-1)" | tail -n 1 | tr -d '\r')
case $last in
*boots=2) ;;
*) fail "disk not reverted: $last" ;;
esac

# --- delete, then destroy a fleet whose VMs have snapshots
h snapshot --delete s1 >"$out" 2>&1 || fail "snapshot --delete s1"
h snapshot --list >"$out" 2>&1 || fail "snapshot --list"
[ -s "$out" ] && fail "snapshots left after delete: $(cat "$out")"
h snapshot s3 >"$out" 2>&1 || fail "snapshot s3"
h destroy >"$out" 2>&1 || fail "destroy with snapshots"
[ -z "$(v list --all --name | grep '^t50--')" ] || fail "domains left: $(v list --all --name)"
h status --json >"$out" || fail "status of a destroyed fleet"
jq -e 'all(.vms[]; .state == "missing" and .stage == null)' "$out" >/dev/null ||
	fail "status of a destroyed fleet: $(cat "$out")"
h wait --for running --timeout 1m >"$out" 2>&1
[ $? -eq 1 ] || fail "wait on a destroyed fleet: want exit 1"
grep -q 'does not exist (run herd apply)' "$out" || fail "wait on a destroyed fleet: message"
echo "50-track: ok"
