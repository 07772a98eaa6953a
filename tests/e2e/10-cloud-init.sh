#!/bin/sh
# End to end with real Debian 12 cloud-init guests (tests/lib/debian-guest.sh)
# on a private libvirtd in a network namespace, under TCG (accel: qemu):
#  - `herd up` from nothing: 3 VMs in 2 groups on a NAT network, one with a
#    fixed IP, every one at stage cloud-init (prints the time it took);
#  - through `herd exec` and `herd ssh`: hostnames, the login user (sudo,
#    locked password, key only: OpenSSH with another key is refused), the
#    guest's host key is the one herd made (ssh-keyscan), a runcmd marker
#    and a write_files file with the rendered per-VM values, each address
#    is the planned one (`herd inventory --format json`);
#  - `herd inventory --format ansible` through `ansible-inventory --list`;
#  - growth: one more VM in a group and more memory for another: the plan
#    is exactly one create and one update, apply and wait succeed, the
#    other VMs were not restarted (same boot_id);
#  - snapshot, a change in the guests, revert: the change is gone;
#  - peers: /etc/hosts rendered from the `all` context, web back to one VM
#    (every seed changes, so every VM is reseeded, keeping its disk, and
#    one deleted; `up --restart` cold-boots them into the new seed, which
#    cloud-init runs as a new instance; db now has its 1 GiB): a file
#    written before is still there, each VM resolves every peer by name
#    (getent) and reaches its SSH port by that name (the image has no ping);
#  - destroy: nothing of the fleet is left in libvirt, while a domain, a
#    network, a pool and a volume made beforehand with virsh are untouched.
# Exit 0 pass, 77 skip, 1 fail.  The first run builds the guest image.
here=$(cd "$(dirname "$0")/.." && pwd)
HERD=${HERD:-$here/../build/herd}
. "$here/lib/netns-libvirtd.sh"
. "$here/lib/herd-test.sh"

T=10-cloud-init
t0=$(date +%s)
say() { echo "$T: $*"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# On failure: what herd said, and the end of each guest's console.
fail() {
	echo "$T: FAIL: $*" >&2
	[ -f "${out:-/nonexistent}" ] && tail -n 30 "$out" | sed 's/^/  out: /' >&2
	for l in "${HERD_POOL_DIR:-/nonexistent}"/herd-e2e/*.console.log; do
		[ -f "$l" ] || continue
		echo "  --- ${l##*/} (tail)" >&2
		tail -n 15 "$l" | tr -d '\r' | sed 's/^/  /' >&2
	done
	exit 1
}

herd_test_need ssh ssh-keygen ssh-keyscan jq ansible-inventory
herd_test_guest debian
herd_test_start
mkdir -p "$w/other" || fail "mkdir"
F=$w/e2e.yaml
# --allow-outside: the guest image lives in the test's cache
h() { "$HERD" -f "$F" -c "$HERD_TEST_URI" --state-dir "$w/state" --allow-outside "$@"; }
# Verbs that reach guests run inside the namespace.  Like ssh(1), herd
# ssh/exec join the words after -- into one remote shell command line.
hn() { libvirt_ns_exec "$HERD" -f "$F" -c "$HERD_TEST_URI" --state-dir "$w/state" \
    --allow-outside "$@"; }
# hs VM CMD: one command on one VM over `herd ssh`, bounded in time.
hs() { _vm=$1; shift; libvirt_ns_exec timeout 120 "$HERD" -f "$F" \
    -c "$HERD_TEST_URI" --state-dir "$w/state" --allow-outside ssh "$_vm" -- "$@"; }

# fleet WEB_COUNT DB_MEMORY HOSTS: write the fleet file.  HOSTS=1 renders
# /etc/hosts from the `all` context.
net=10.79.0
fleet() {
	cat >"$F" <<EOF
fleet: e2e
accel: qemu
images:
  deb:
    path: $DEBIAN_DISK
    boot: {kernel: $DEBIAN_KERNEL, initrd: $DEBIAN_INITRD, cmdline: "$DEBIAN_CMDLINE"}
networks:
  net: {mode: nat, cidr: $net.0/24}
ssh:
  user: ops
defaults:
  image: deb
  cpus: 1
  memory: 768MiB
  disk: 3GiB
  networks: [net]
  vars: {tier: none}
  cloud_config:
    write_files:
      - path: /etc/herd-e2e
        content: "name={{name}} group={{group}} n={{n}} ip={{ip}} fleet={{fleet}} tier={{vars.tier}}\n"
    runcmd:
      - "echo marker {{name}} {{ip}} {{user}} > /var/lib/herd-e2e-marker"
groups:
  web:
    count: $1
    name: "web-{{n}}"
    vars: {tier: front}
  app:
    count: 1
    vars: {tier: middle}
vms:
  db:
    ip: $net.50
    memory: $2
    vars: {tier: back}
EOF
	if [ "$3" = 1 ]; then
		# every VM: /etc/hosts from `all`, cloud-init not rewriting it
		awk '
		{ print }
		/^  cloud_config:$/ && !done {
			print "    manage_etc_hosts: false"
			done = 1
		}
		/^    write_files:$/ && !wf {
			print "      - path: /etc/hosts"
			print "        content: |"
			print "          127.0.0.1 localhost"
			print "          {{#all}}"
			print "          {{ip}} {{name}}"
			print "          {{/all}}"
			wf = 1
		}' "$F" >"$F.new" && mv "$F.new" "$F"
	fi
	h validate >/dev/null || fail "validate: $(h validate 2>&1)"
}

# The other tenants of this libvirtd, which destroy must leave alone: a
# network, a directory pool with a volume, and an untagged domain whose
# name looks like the fleet's.
cat >"$w/other/net.xml" <<EOF
<network><name>other-net</name><ip address='10.80.0.1' netmask='255.255.255.0'/></network>
EOF
cat >"$w/other/dom.xml" <<EOF
<domain type='qemu'><name>e2e--web-9</name><memory unit='MiB'>64</memory>
<os><type arch='x86_64'>hvm</type></os></domain>
EOF
v net-define "$w/other/net.xml" >/dev/null && v net-start other-net >/dev/null &&
    v pool-define-as other-pool dir --target "$w/other/pool" >/dev/null &&
    v pool-build other-pool >/dev/null && v pool-start other-pool >/dev/null &&
    v vol-create-as other-pool other.qcow2 1M --format qcow2 >/dev/null &&
    v define "$w/other/dom.xml" >/dev/null || fail "other objects"
others() {
	printf '%s|' "$(v net-list --all --name | sort)" \
	    "$(v pool-list --all --name | sort)" \
	    "$(v vol-list other-pool 2>/dev/null | awk '{print $1}')" \
	    "$(v list --all --name | grep -v '^e2e--\(web\|app\|db\)' | sort)" \
	    "$(v list --all --name | grep -c '^e2e--web-9$')"
}

# ---- up from nothing
fleet 1 768MiB 0
h plan >"$out" || fail "plan"
grep -qxF "Plan: 3 to create, 0 to update, 0 to recreate, 0 to delete, 0 unchanged." \
    "$out" || fail "first plan"
s=$(now)
libvirt_ns_exec "$HERD" -f "$F" -c "$HERD_TEST_URI" --state-dir "$w/state" \
    --allow-outside up --timeout 15m >"$out" 2>&1 || fail "herd up"
up=$(since "$s")
say "herd up: 3 VMs from nothing to cloud-init finished in ${up}s"
hn status >"$out" 2>&1 || fail "status"
sed 's/^/  /' "$out"
# The STAGE column is a quick probe (a short login timeout), which a
# loaded TCG guest may miss; state and address must be right.
for vm in app-1 db web-1; do
	grep -q "^ *$vm  *running  *$net\.[0-9]*  " "$out" || fail "status of $vm"
done
vms="app-1 db web-1"

# ---- inventory: every address is the planned one
h inventory --format json >"$w/inv.json" || fail "inventory json"
ip_of() { jq -r --arg n "$1" '.vms[] | select(.name == $n) | .ip' "$w/inv.json"; }
[ "$(ip_of db)" = "$net.50" ] || fail "db's planned address is $(ip_of db)"
hn exec -- 'ip -4 -o addr show scope global | awk "{print \$4}"' \
    >"$out" 2>&1 || fail "exec ip addr"
for vm in $vms; do
	grep -qxF "$vm: $(ip_of "$vm")/24" "$out" ||
	    fail "$vm does not have its planned address $(ip_of "$vm")"
done

# ---- hostnames, markers and written files, per VM values
hn exec -- 'hostname; cat /etc/herd-e2e /var/lib/herd-e2e-marker' \
    >"$out" 2>&1 || fail "exec hostname"
for vm in $vms; do
	ip=$(ip_of "$vm")
	case $vm in web-*) g=web n=${vm#web-} tier=front ;;
	app-*) g=app n=${vm#app-} tier=middle ;;
	*) g='' n=0 tier=back ;; esac
	grep -qxF "$vm: $vm" "$out" || fail "$vm: hostname"
	grep -qxF "$vm: name=$vm group=$g n=$n ip=$ip fleet=e2e tier=$tier" "$out" ||
	    fail "$vm: write_files content"
	grep -qxF "$vm: marker $vm $ip ops" "$out" || fail "$vm: runcmd marker"
done
[ "$(hs web-1 hostname)" = web-1 ] || fail "herd ssh web-1 hostname"
hs db 'exit 7'; [ $? -eq 7 ] || fail "herd ssh does not pass the exit status"

# ---- the login user: sudo, locked password, key only
hn exec -- 'id -un; sudo -n true && echo sudo-ok;
	sudo -n sshd -T | grep -i "^passwordauthentication";
	sudo -n awk -F: "\$1 == \"ops\" { print substr(\$2, 1, 1) }" /etc/shadow;
	wc -l < ~/.ssh/authorized_keys' >"$out" 2>&1 || fail "exec user checks"
for vm in $vms; do
	for want in ops sudo-ok "passwordauthentication no" "!" 1; do
		grep -qxF "$vm: $want" "$out" || fail "$vm: expected '$want'"
	done
done
key=$w/state/e2e/id_ed25519
kh=$w/state/e2e/known_hosts
[ -f "$key" ] && [ -f "$kh" ] || fail "no fleet key or known_hosts in the state dir"
ssh-keygen -q -t ed25519 -N '' -f "$w/other-key" || fail "ssh-keygen"
ossh() {	# ossh KEY IP CMD: OpenSSH, host key checked against herd's known_hosts
	_k=$1 _ip=$2; shift 2
	libvirt_ns_exec timeout 60 ssh -F /dev/null -i "$_k" -o IdentitiesOnly=yes \
	    -o BatchMode=yes -o PasswordAuthentication=no -o StrictHostKeyChecking=yes \
	    -o UserKnownHostsFile="$kh" -o ConnectTimeout=10 "ops@$_ip" "$@"
}
for vm in $vms; do
	ip=$(ip_of "$vm")
	[ "$(ossh "$key" "$ip" hostname 2>&1)" = "$vm" ] ||
	    fail "$vm: OpenSSH with the fleet key and herd's known_hosts"
	ossh "$w/other-key" "$ip" true >"$out" 2>&1 &&
	    fail "$vm: a key that is not the fleet's was let in"
	grep -q 'Permission denied' "$out" || fail "$vm: other key not refused by auth"
	# The host key the guest presents is the one herd made for it.
	libvirt_ns_exec ssh-keyscan -T 10 -t ed25519 "$ip" 2>/dev/null |
	    awk '{print $2, $3}' >"$w/scan" || fail "ssh-keyscan $vm"
	awk '{print $1, $2}' "$w/state/e2e/hostkeys/${vm}_ed25519.pub" >"$w/made"
	[ -s "$w/scan" ] && cmp -s "$w/scan" "$w/made" ||
	    fail "$vm: host key $(cat "$w/scan") is not herd's $(cat "$w/made")"
done

# ---- Ansible accepts the inventory
h inventory --format ansible >"$w/inventory.ini" || fail "inventory ansible"
ANSIBLE_LOCAL_TEMP=$w/ansible HOME=$w ansible-inventory -i "$w/inventory.ini" \
    --list >"$w/ansible.json" 2>"$out" || fail "ansible-inventory"
[ "$(jq -r '._meta.hostvars | keys | join(" ")' "$w/ansible.json")" = "$vms" ] ||
    fail "ansible hosts: $(jq -c '._meta.hostvars | keys' "$w/ansible.json")"
[ "$(jq -r '._meta.hostvars.db.ansible_host' "$w/ansible.json")" = "$net.50" ] ||
    fail "ansible_host of db"
jq -e '.web.hosts == ["web-1"] and .app.hosts == ["app-1"]' "$w/ansible.json" \
    >/dev/null || fail "ansible groups: $(jq -c . "$w/ansible.json")"
say "checks on the first 3 VMs passed ($(( $(date +%s) - t0 ))s so far)"

# ---- growth: one more web VM, more memory for db
hn exec -- cat /proc/sys/kernel/random/boot_id >"$w/boot1" 2>&1 || fail "boot_id"
fleet 2 1GiB 0
h plan >"$out" || fail "plan after the change"
grep -qxF "Plan: 1 to create, 1 to update, 0 to recreate, 0 to delete, 2 unchanged." \
    "$out" || fail "plan is not exactly one create and one update"
grep -qxF "+ create e2e--web-2" "$out" || fail "plan: create web-2"
grep -q '^~ update e2e--db (memory 768MiB -> 1024MiB)' "$out" || fail "plan: update db"
# No --restart: the new memory waits for db's next start, so no VM reboots
# here (herd apply --restart is covered by integration/40-apply); db gets
# it when the peers step below restarts it.
h apply >"$out" 2>&1 || fail "apply the change"
grep -qxF "Apply: 1 created, 1 updated, 0 recreated, 0 deleted, 0 failed." "$out" ||
    fail "apply summary"
s=$(now)
hn wait --timeout 15m >"$out" 2>&1 || fail "wait after the change"
say "apply + wait after the change: web-2 ready in $(since "$s")s after apply"
hn exec -- cat /proc/sys/kernel/random/boot_id >"$w/boot2" 2>&1 || fail "boot_id"
for vm in web-1 app-1 db; do
	grep "^$vm: " "$w/boot1" >"$w/b1"; grep "^$vm: " "$w/boot2" >"$w/b2"
	[ -s "$w/b1" ] && cmp -s "$w/b1" "$w/b2" || fail "$vm was restarted"
done
v dumpxml --inactive e2e--db | grep -q "<memory unit='KiB'>1048576</memory>" ||
    fail "db's definition does not have 1 GiB"
hs web-1 cat /proc/uptime | awk '{ printf "  web-1 uptime %ds (not restarted)\n", $1 }'
[ "$(hs web-2 cat /var/lib/herd-e2e-marker)" = "marker web-2 $(h inventory \
    --format json | jq -r '.vms[] | select(.name == "web-2") | .ip') ops" ] ||
    fail "web-2's marker"
vms="app-1 db web-1 web-2"
# All that is left is db's restart for its memory, which herd keeps asking for.
h plan >"$out" || fail "re-plan"
grep -qxF "Plan: 0 to create, 1 to update, 0 to recreate, 0 to delete, 3 unchanged." \
    "$out" && grep -q '^~ restart e2e--db (memory 768MiB -> 1024MiB pending)' "$out" ||
    fail "re-plan after apply should only have db's pending restart"

# ---- snapshot, change, revert
s=$(now)
h snapshot before >"$out" 2>&1 || fail "snapshot"
hn exec -- "sudo -n sh -c 'echo changed > /etc/herd-change; sync'" >"$out" 2>&1 ||
    fail "change in the guests"
h revert before >"$out" 2>&1 || fail "revert"
hn wait --for ssh --timeout 8m >"$out" 2>&1 || fail "wait after revert"
hn exec -- 'test -e /etc/herd-change && echo still-there || echo gone' \
    >"$out" 2>&1 || fail "exec after revert"
for vm in $vms; do
	grep -qxF "$vm: gone" "$out" || fail "$vm: the change survived the revert"
done
h snapshot --list >"$out" 2>&1 || fail "snapshot --list"
grep -q before "$out" || fail "snapshot --list does not show 'before'"
say "snapshot, change, revert: ${vms} back in $(since "$s")s"

# ---- peers by the names the `all` context gives; web back to one VM
hn exec -- "sudo -n sh -c 'echo kept > /var/lib/herd-kept; sync'" >"$out" 2>&1 ||
    fail "write a file to keep"
fleet 1 1GiB 1
h plan >"$out" || fail "plan with /etc/hosts"
grep -qxF "Plan: 0 to create, 3 to update, 0 to recreate, 1 to delete, 0 unchanged." \
    "$out" || fail "a changed seed should reseed every VM, web-2 go"
grep -qxF -- "- delete e2e--web-2" "$out" || fail "plan: delete web-2"
grep -qxF '~ reseed e2e--web-1 (seed) [restart needed: apply --restart]' "$out" ||
    fail "plan: reseed web-1"
s=$(now)
libvirt_ns_exec "$HERD" -f "$F" -c "$HERD_TEST_URI" --state-dir "$w/state" \
    --allow-outside up --restart --timeout 15m >"$out" 2>&1 || fail "up with /etc/hosts"
say "reseed and restart of 3 VMs, delete of 1, to cloud-init finished: $(since "$s")s"
vms="app-1 db web-1"
[ -z "$(v list --all --name | grep -x e2e--web-2)" ] || fail "web-2 is still there"
hn exec -- 'cat /var/lib/herd-kept /var/lib/cloud/data/instance-id' >"$out" 2>&1 ||
    fail "exec after the reseed"
for vm in $vms; do
	grep -qxF "$vm: kept" "$out" || fail "$vm lost its disk in the reseed"
	want=$(h render "$vm" --only meta-data | awk '/^instance-id:/ {print $2}')
	grep -qxF "$vm: $want" "$out" ||
	    fail "$vm does not run the new seed's instance $want: $(grep "^$vm: " "$out")"
done
mem=$(hs db "awk '/^MemTotal/ {print int(\$2 / 1024)}' /proc/meminfo")
[ "${mem:-0}" -gt 900 ] || fail "db has ${mem:-?} MiB, not 1 GiB"
# shellcheck disable=SC2016
hn exec -- 'for p in '"$vms"'; do
	a=$(getent hosts $p | awk "{print \$1}")
	timeout 10 bash -c "echo >/dev/tcp/$p/22" 2>/dev/null &&
	    echo "peer $p $a ok" || echo "peer $p $a unreachable"
	done' >"$out" 2>&1 || fail "exec peers"
h inventory --format json >"$w/inv.json" || fail "inventory json"
for vm in $vms; do
	for p in $vms; do
		grep -qxF "$vm: peer $p $(ip_of "$p") ok" "$out" ||
		    fail "$vm does not reach $p by name"
	done
done

# ---- destroy: the fleet is gone, the others stay
before=$(others)
h destroy >"$out" 2>&1 || fail "destroy"
[ -z "$(v list --all --name | grep '^e2e--\(web-[12]\|app-1\|db\)$')" ] ||
    fail "domains left: $(v list --all --name)"
v net-list --all --name | grep -q '^herd-e2e' && fail "network left"
v pool-list --all --name | grep -qx 'herd-e2e' && fail "pool herd-e2e left"
[ -z "$(ls "$HERD_POOL_DIR/herd-e2e" 2>/dev/null)" ] ||
    fail "files left in the pool directory: $(ls "$HERD_POOL_DIR/herd-e2e")"
after=$(others)
# destroy's own objects are gone from both lists, so compare without them
[ "$(echo "$before" | tr '|' '\n' | grep -v '^herd-e2e')" = \
    "$(echo "$after" | tr '|' '\n' | grep -v '^herd-e2e')" ] ||
    fail "other objects changed: before '$before' after '$after'"
v dominfo e2e--web-9 >/dev/null && v net-info other-net >/dev/null &&
    v vol-info other.qcow2 --pool other-pool >/dev/null || fail "other objects"
h destroy >"$out" 2>&1 || fail "second destroy"

say "ok: herd up to all ready ${up}s; whole test $(( $(date +%s) - t0 ))s"
exit 0
