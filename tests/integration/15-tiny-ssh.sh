#!/bin/sh
# The tiny guest speaks SSH (tests/lib/tiny-guest.sh: dropbear, keys from
# the NoCloud seed), so herd reaches the ssh stage on it.  On a private
# libvirtd in a network namespace (tests/lib/netns-libvirtd.sh):
#  - tiny-seed.awk (the guest's user-data reader) on herd's own user-data
#    and on hand-written shapes (flow lists, quoting, "- default", nesting);
#  - a fleet of 3 tiny guests (96 MiB each, ssh.user "tiny", a second
#    authorized key) through `herd up --for ssh`: each console says
#    "sshd up ... hostkey=seed users=tiny";
#  - `herd exec -- uname -n`: each VM answers its own name; `herd ssh NAME
#    -- CMD` runs CMD through a shell (cat /etc/hostname, a pipe, $?);
#    `herd ssh NAME` gives a shell, on a pty when on a terminal;
#  - OpenSSH with herd's `inventory --format ssh-config` and known_hosts
#    (StrictHostKeyChecking yes) logs in, with the fleet key and with the
#    second key; with an empty known_hosts it refuses;
#  - a 4th VM whose seed carries another host key (cloud_config ssh_keys
#    over herd's): up fails it on herd's host-key check, OpenSSH refuses
#    it too, the other 3 stay ready.
# Prints each guest's boot-to-sshd time and its qemu's VmRSS.  Every
# command that reaches a guest runs inside the namespace.
# Exit 0 pass, 77 skip, 1 fail.
here=$(cd "$(dirname "$0")/.." && pwd)
HERD=${HERD:-$here/../build/herd}
. "$here/lib/netns-libvirtd.sh"
. "$here/lib/herd-test.sh"
T=15-tiny-ssh

out=""
fail() {
	echo "$T: FAIL: $*" >&2
	[ -n "$out" ] && [ -f "$out" ] && tail -n 20 "$out" >&2
	for _l in $(find "${HERD_POOL_DIR:-/nonexistent}" -name '*.console.log' 2>/dev/null); do
		echo "--- $_l" >&2
		grep -a 'herd-tiny: \|Kernel panic\|Out of memory\|oom' "$_l" | tail -n 12 >&2
	done
	exit 1
}

herd_test_need jq ssh ssh-keygen busybox script
herd_test_guest tiny
herd_test_start

# --- the guest's user-data reader, on the host (busybox awk, as in the guest)
parse() {
	rm -rf "$w/p" && mkdir -p "$w/p" &&
	    busybox awk -v out="$w/p" -f "$here/lib/tiny-seed.awk" "$1" ||
	    fail "tiny-seed.awk on $1"
}
cat >"$w/hand.yaml" <<'EOF'
#cloud-config
users:
  - default
  - name: "alice"   # quoted, with a comment
    ssh_authorized_keys: [ "ssh-ed25519 AAAA1 a@x", 'ssh-rsa BBB, b' , ssh-ed25519 CCC c ]
  -
    name: bob
    ssh-authorized-keys:
      - ssh-ed25519 DDD d # comment
      - 'ssh-ed25519 EEE it''s'
  - name: carol
    ssh_authorized_keys: [
       "ssh-ed25519 FFF f",
       ssh-ed25519 GGG g]
write_files:
  - path: /x
    content: |
      users:
      - name: evil
ssh_keys:
    ed25519_private: |-
        -----BEGIN OPENSSH PRIVATE KEY-----
        abc

        def
        -----END OPENSSH PRIVATE KEY-----
    ed25519_public: "ssh-ed25519 PUB h"
EOF
parse "$w/hand.yaml"
printf '%s\n' '2 alice' '6 bob' '9 carol' | cmp -s - "$w/p/users" ||
    fail "hand-written users: $(cat "$w/p/users")"
printf '%s\n' 'ssh-ed25519 AAAA1 a@x' 'ssh-rsa BBB, b' 'ssh-ed25519 CCC c' |
    cmp -s - "$w/p/keys.2" || fail "flow list keys: $(cat "$w/p/keys.2")"
printf '%s\n' 'ssh-ed25519 DDD d' "ssh-ed25519 EEE it's" | cmp -s - "$w/p/keys.6" ||
    fail "block list keys: $(cat "$w/p/keys.6")"
printf '%s\n' 'ssh-ed25519 FFF f' 'ssh-ed25519 GGG g' | cmp -s - "$w/p/keys.9" ||
    fail "multi-line flow list: $(cat "$w/p/keys.9")"
printf '%s\n' '-----BEGIN OPENSSH PRIVATE KEY-----' abc '' def \
    '-----END OPENSSH PRIVATE KEY-----' | cmp -s - "$w/p/host_ed25519" ||
    fail "block scalar: $(cat "$w/p/host_ed25519")"
[ "$(cat "$w/p/host_ed25519.pub")" = "ssh-ed25519 PUB h" ] || fail "quoted public key"

# --- the fleet: 3 guests, a login user of its own, a second key
ssh-keygen -q -t ed25519 -N '' -C extra -f "$w/extra" || fail "ssh-keygen"
cat >"$w/t15.yaml" <<EOF
fleet: t15
accel: qemu
images:
  tiny:
    path: $TINY_DISK
    boot: {kernel: $TINY_KERNEL, initrd: $TINY_INITRD, cmdline: "$TINY_CMDLINE"}
networks:
  net: {mode: nat, cidr: 10.81.0.0/24}
ssh:
  user: tiny
  authorized_keys: ["$(cat "$w/extra.pub")"]
defaults: {image: tiny, cpus: 1, memory: 96MiB, disk: 64MiB, networks: [net]}
groups:
  web: {count: 2, name: "web-{{index}}"}
vms:
  lb: {ip: 10.81.0.50}
EOF
# --allow-outside: the tiny guest's files live in the test's cache
h() { libvirt_ns_exec "$HERD" -f "$w/t15.yaml" -c "$HERD_TEST_URI" \
    --state-dir "$w/state" --allow-outside "$@"; }
vms="lb web-1 web-2"
# The console log of a VM, found by what the guest printed (not by the
# domain's or the pool's name).
log() {
	grep -l "^herd-tiny: seed instance-id=.* local-hostname=$1" \
	    $(find "$HERD_POOL_DIR" -name '*.console.log') 2>/dev/null | head -n 1
}

# herd's own user-data, read as the guest reads it.
h render lb --only user-data >"$w/ud" || fail "render"
parse "$w/ud"
[ "$(cat "$w/p/users")" = "1 tiny" ] || fail "herd's users: $(cat "$w/p/users")"
grep -qx "$(cut -d' ' -f1-2 "$w/extra.pub") extra" "$w/p/keys.1" &&
    [ "$(wc -l <"$w/p/keys.1")" -eq 2 ] || fail "herd's keys: $(cat "$w/p/keys.1")"
chmod 600 "$w/p/host_ed25519"
[ "$(ssh-keygen -y -f "$w/p/host_ed25519" | cut -d' ' -f1-2)" = \
    "$(cut -d' ' -f1-2 "$w/p/host_ed25519.pub")" ] || fail "herd's host key pair"

# --- up to the ssh stage
h up --for ssh --timeout 4m >"$out" 2>&1 || fail "up --for ssh"
grep -q 'ready: 3 VMs at stage ssh' "$out" || fail "up did not reach ssh"
h status --json >"$w/st.json" || fail "status --json"
for vm in $vms; do
	l=$(log "$vm")
	[ -n "$l" ] || fail "no console log of $vm"
	grep -q "^herd-tiny: sshd up port 22 hostkey=seed users=tiny uptime=" "$l" ||
	    fail "$vm: no sshd line: $(grep herd-tiny "$l")"
	b=$(sed -n 's/^herd-tiny: booted uptime=\([0-9.]*\).*/\1/p' "$l" | head -n 1)
	up=$(sed -n 's/^herd-tiny: sshd up .* uptime=\([0-9.]*\).*/\1/p' "$l" | head -n 1)
	dom=$(jq -r --arg n "$vm" '.vms[] | select(.name == $n) | .domain' "$w/st.json")
	pid=$(pgrep -f "guest=$dom,.*$HERD_POOL_DIR/" | head -n 1)
	rss=$([ -n "$pid" ] && awk '$1 == "VmRSS:" {print $2 / 1024}' "/proc/$pid/status")
	echo "$T: $vm (96 MiB): kernel to /init ${b}s, to sshd up ${up}s (guest uptime); qemu VmRSS ${rss:-?} MiB"
done

# --- exec: every VM answers its own name, through a shell
h exec -- uname -n >"$out" 2>&1 || fail "exec -- uname -n"
for vm in $vms; do
	grep -Eq "^$vm: +$vm\$" "$out" || fail "exec: $vm did not answer its name"
done
grep -q '3 targets: 3 ok' "$out" || fail "exec summary"
h exec -- 'echo "$(id -un) $HOME"; exit 3' >"$out" 2>&1
[ $? -eq 1 ] || fail "exec of a failing command: want exit 1"
for vm in $vms; do
	grep -Eq "^$vm: +tiny /home/tiny\$" "$out" || fail "exec: $vm did not run a shell as tiny"
done

# --- ssh NAME -- CMD
[ "$(h ssh web-2 -- cat /etc/hostname)" = web-2 ] || fail "ssh web-2 -- cat /etc/hostname"
[ "$(h ssh lb -- 'echo one two | tr a-z A-Z')" = "ONE TWO" ] || fail "ssh: no shell pipe"
h ssh lb -- 'exit 7'
[ $? -eq 7 ] || fail "ssh lb -- exit 7: status not passed on"
# A login shell: commands on stdin, and on a terminal (a pty in the guest).
[ "$(echo 'uname -n; exit 0' | h ssh web-1)" = web-1 ] || fail "ssh web-1 with a shell on stdin"
printf 'tty; exit 5\n' | libvirt_ns_exec script -qec "$HERD -f $w/t15.yaml \
    -c '$HERD_TEST_URI' --state-dir $w/state --allow-outside ssh lb" /dev/null >"$out" 2>&1
[ $? -eq 5 ] || fail "ssh lb on a terminal: exit status"
grep -q '^/dev/pts/' "$out" || fail "ssh lb on a terminal: no pty in the guest"

# --- OpenSSH with herd's ssh-config and known_hosts
h inventory --format ssh-config >"$w/ssh_config" || fail "inventory ssh-config"
o() { libvirt_ns_exec ssh -F "$w/ssh_config" -o BatchMode=yes \
    -o StrictHostKeyChecking=yes -o ConnectTimeout=20 "$@"; }
for vm in $vms; do
	[ "$(o "$vm" uname -n 2>"$out")" = "$vm" ] || fail "openssh to $vm"
done
[ "$(o -o IdentityFile="$w/extra" web-1 id -un 2>"$out")" = tiny ] ||
    fail "openssh with the second authorized key"
: >"$w/empty_known_hosts"
o -o UserKnownHostsFile="$w/empty_known_hosts" lb true >"$out" 2>&1 &&
    fail "openssh logged in with an empty known_hosts"
grep -q 'Host key verification failed' "$out" || fail "openssh: no host key failure"

# --- a 4th VM whose seed carries another host key
ssh-keygen -q -t ed25519 -N '' -C impostor -f "$w/impostor" || fail "ssh-keygen"
{
	echo '  bad:'
	echo '    cloud_config:'
	echo '      ssh_keys:'
	echo '        ed25519_private: |'
	sed 's/^/          /' "$w/impostor"
	echo "        ed25519_public: $(cat "$w/impostor.pub")"
} >>"$w/t15.yaml"
h up --for ssh --timeout 4m >"$out" 2>&1
[ $? -eq 1 ] || fail "up with an impostor host key: want exit 1"
grep -q 'bad.*host key does not match the expected key' "$out" ||
    fail "bad: no host key mismatch"
grep -q "$(ssh-keygen -lf "$w/impostor.pub" | cut -d' ' -f2)" "$out" ||
    fail "bad: the offered key is not the seed's"
grep -q '1 of 4 VMs did not reach ssh' "$out" || fail "up summary"
grep -q "^herd-tiny: sshd up port 22 hostkey=seed" "$(log bad)" ||
    fail "bad did not take its seed's key"
h inventory --format ssh-config >"$w/ssh_config" || fail "inventory ssh-config"
o bad true >"$out" 2>&1 && fail "openssh logged in to the impostor"
grep -q 'REMOTE HOST IDENTIFICATION HAS CHANGED\|Host key verification failed' "$out" ||
    fail "openssh: no host key failure for bad"
h wait --for ssh --vm lb -g web --timeout 1m >"$out" 2>&1 || fail "the 3 others are no longer ready"

echo "$T: ok (3 tiny guests at the ssh stage; exec, ssh, OpenSSH; an impostor host key refused)"
