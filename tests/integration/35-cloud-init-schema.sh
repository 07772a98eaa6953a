#!/bin/sh
# Seeds that real cloud-init accepts: for VMs of every examples/*.yaml and of
# a fixture fleet with hostile values, `herd render` gives user-data that
# `cloud-init schema -c` validates, network-config that `cloud-init devel
# net-convert` turns into networkd and ENI files for the VM's MAC and
# address, meta-data with the instance-id and hostname, and for kickstart
# VMs a ks.cfg with the lines Anaconda needs (pykickstart's ksvalidator is
# not packaged in Debian, so those are checked by hand).  herd's own keys
# are checked too: the login user with the fleet key and the VM's host key
# from the state folder, the same on a second render.
#
# Every VM of every example is checked: the real `cloud-init schema -c` and
# `cloud-init devel net-convert` commands run on each fleet's first VM, and
# tests/lib/cloudinit-batch.py calls the same cloud-init functions for all
# of them in one Python process (each CLI run costs seconds of start-up).
set -u
HERD=${HERD:-build/herd}
[ -x "$HERD" ] || { echo "35-cloud-init-schema: $HERD not built" >&2; exit 1; }
command -v cloud-init >/dev/null 2>&1 || { echo "35-cloud-init-schema: skip: no cloud-init" >&2; exit 77; }
CIPY=/usr/bin/python3	# the interpreter cloud-init's package installed its modules for
"$CIPY" -c 'import yaml, cloudinit' 2>/dev/null || { echo "35-cloud-init-schema: skip: no python3-yaml/cloud-init modules" >&2; exit 77; }
HERD=$(cd "$(dirname "$HERD")" && pwd)/$(basename "$HERD")
SRC=$(pwd)
T=$(mktemp -d /tmp/herd-35-ci.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT TERM HUP

fails=0 checked=0
fail() { echo "35-cloud-init-schema: FAIL: $*" >&2; fails=$((fails + 1)); }

# A fleet with what the examples may not have: values full of YAML syntax,
# a bridge network (DHCP), a raw user_data template and a kickstart VM.
mkdir -p "$T/fx"
cat > "$T/fx/t35.yaml" <<'EOF'
fleet: t35
images:
  base: {path: ./base.qcow2}
networks:
  labnet: {mode: nat, cidr: 10.77.0.0/24}
  pub: {mode: bridge, bridge: br0}
ssh:
  user: ops
  authorized_keys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl user@host"]
defaults:
  image: base
  networks: [labnet]
  vars:
    motd: "a: b # not a comment\n- not a list\n{x: [y]} 'q' \"dq\""
    flag: "true"
  cloud_config:
    packages: [curl]
    write_files:
      - path: /etc/motd
        content: "{{vars.motd}}\n"
      - path: /etc/peers
        content: |
          {{#all}}
          {{name}} {{ip}}
          {{/all}}
groups:
  web:
    count: 12
    name: "web-{{index}}"
    networks: [labnet, pub]
    cloud_config:
      runcmd: ["echo {{name}} {{index}}/{{n}} > /etc/role", "{{vars.flag}}"]
      final_message: "{{vars.motd}}"
vms:
  db:
    ip: 10.77.0.50
    user_data: ./db.sh.tmpl
  ks:
    bootstrap: kickstart
    image: ~
    install: {kernel: ./vmlinuz, initrd: ./initrd.img, args: "inst.repo=http://127.0.0.1/"}
EOF
printf '#!/bin/sh\necho "{{name}} {{ip}}" > /etc/herd-db\n' > "$T/fx/db.sh.tmpl"
: > "$T/fx/base.qcow2"; : > "$T/fx/vmlinuz"; : > "$T/fx/initrd.img"

# ask EXPR FILE: a value out of a YAML file, by a Python expression on d.
ask() { "$CIPY" -c 'import sys, yaml; d = yaml.safe_load(open(sys.argv[2])); print(eval(sys.argv[1]))' "$1" "$2"; }

check_user_data() {	# DIR VM
	head -n1 "$1/user-data" | grep -qx '#cloud-config' || return 0	# raw: script, multipart
	if ! cloud-init schema -c "$1/user-data" > "$1/schema.out" 2>&1; then
		fail "$2: cloud-init schema rejects user-data:"
		cloud-init schema -c "$1/user-data" --annotate >&2
	fi
}

check_network() {	# DIR VM FIRST (ENI, Debian's ifupdown, for a fleet's first VM only)
	kinds=networkd
	[ "$3" = 1 ] && kinds="networkd eni"
	for kind in $kinds; do
		rm -rf "$1/net-$kind"
		if ! cloud-init devel net-convert -p "$1/network-config" -k yaml \
			-d "$1/net-$kind" -D debian -O "$kind" > "$1/net.out" 2>&1; then
			fail "$2: net-convert -O $kind rejects network-config:"
			cat "$1/net.out" "$1/network-config" >&2
		fi
	done
}

check_ks() {	# DIR VM
	for re in '^text$' '^network .*--hostname=' '^user --name=' '^sshkey --username=.* "ssh-' \
		'^%packages' '^openssh-server$' '^%end$' '^reboot$'; do
		grep -q -- "$re" "$1/ks.cfg" || fail "$2: ks.cfg has no line matching $re"
	done
	grep -q '{{' "$1/ks.cfg" && fail "$2: ks.cfg has unrendered tags"
}

check_vm() {	# FLEETFILE FLEETNAME VM FIRST
	d="$T/out/$2/$3" state="$T/state/$2"
	mkdir -p "$d"
	if ! "$HERD" -f "$1" --state-dir "$T/state" render "$3" > "$d/all" 2> "$d/err"; then
		fail "$1: render $3: $(cat "$d/err")"
		return
	fi
	for f in $(sed -n 's/^# --- \([a-z.-]*\) ---$/\1/p' "$d/all"); do
		"$HERD" -f "$1" --state-dir "$T/state" render "$3" --only "$f" > "$d/$f" ||
			fail "$3: render --only $f"
	done
	checked=$((checked + 1))
	if [ -f "$d/ks.cfg" ]; then
		check_ks "$d" "$3"
		return
	fi
	[ -f "$d/user-data" ] && [ -f "$d/meta-data" ] || { fail "$3: no user-data/meta-data"; return; }
	echo "$d $2 $3 $state $4" >> "$T/batch"
	[ "$4" = 1 ] || return
	# the commands a user runs, on the fleet's first VM
	check_user_data "$d" "$3"
	[ -f "$d/network-config" ] && check_network "$d" "$3" "$4"
	"$HERD" -f "$1" --state-dir "$T/state" render "$3" > "$d/again" 2>/dev/null
	cmp -s "$d/all" "$d/again" || fail "$3: a second render differs (keys not reused?)"
}

check_fleet() {	# FLEETFILE
	name=$(ask 'd["fleet"]' "$1") || { fail "$1: no fleet name"; return; }
	if ! "$HERD" -f "$1" render --list > "$T/vms" 2> "$T/err"; then
		fail "$1: render --list: $(cat "$T/err")"
		return
	fi
	echo "35-cloud-init-schema: $1: $(wc -l < "$T/vms") vms" >&2
	first=1
	while read -r vm; do
		check_vm "$1" "$name" "$vm" "$first"
		first=0
	done < "$T/vms"
}
check_fleet "$T/fx/t35.yaml"
# the fixture's hostile values came through as the same strings
d="$T/out/t35/web-01"
if [ -f "$d/user-data" ]; then
	[ "$(ask 'd["final_message"]' "$d/user-data")" = "$(printf 'a: b # not a comment\n- not a list\n{x: [y]} '"'q'"' "dq"')" ] ||
		fail "web-01: final_message is not the motd string"
	[ "$(ask 'd["runcmd"][0] + "|" + repr(d["runcmd"][1])' "$d/user-data")" = "echo web-01 01/1 > /etc/role|'true'" ] ||
		fail "web-01: runcmd not rendered as strings"
	ask 'd["write_files"][1]["content"]' "$d/user-data" | grep -x 'db 10.77.0.50' >/dev/null || fail "web-01: peers list lacks db"
fi
grep -qx 'echo "db 10.77.0.50" > /etc/herd-db' "$T/out/t35/db/user-data" 2>/dev/null || fail "db: raw user_data not rendered"
grep -q 'dhcp4: true' "$T/out/t35/web-01/network-config" 2>/dev/null || fail "web-01: bridge NIC is not DHCP"

found=0
for ex in "$SRC"/examples/*.yaml; do
	[ -f "$ex" ] || continue
	found=$((found + 1))
	check_fleet "$ex"
done
[ "$found" -gt 0 ] || echo "35-cloud-init-schema: note: no examples/*.yaml yet" >&2

# every VM's user-data and network-config through cloud-init's own code
: >> "$T/batch"
if ! "$CIPY" "$SRC/tests/lib/cloudinit-batch.py" "$T/batch" > "$T/batch.out" 2>&1; then
	fail "cloud-init rejects what herd rendered:"
	grep -v -e '^Read input format' -e '^Wrote output format' -e '^$' "$T/batch.out" >&2
fi
grep '^cloudinit-batch:' "$T/batch.out" >&2
echo "35-cloud-init-schema: $checked vms checked, $fails failures" >&2
[ "$fails" -eq 0 ]
