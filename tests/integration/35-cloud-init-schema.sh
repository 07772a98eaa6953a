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
# Fleets of more than 12 VMs are sampled: the first four (the vms: entries,
# fixed addresses, come first), every tenth, and the last.
set -u
HERD=${HERD:-build/herd}
[ -x "$HERD" ] || { echo "35-cloud-init-schema: $HERD not built" >&2; exit 1; }
command -v cloud-init >/dev/null 2>&1 || { echo "35-cloud-init-schema: skip: no cloud-init" >&2; exit 77; }
python3 -c 'import yaml' 2>/dev/null || { echo "35-cloud-init-schema: skip: no python3-yaml" >&2; exit 77; }
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
ask() { python3 -c 'import sys, yaml; d = yaml.safe_load(open(sys.argv[2])); print(eval(sys.argv[1]))' "$1" "$2"; }

# One Python run per VM checks what herd put in (a python3 start costs
# ~0.1 s and this runs for dozens of VMs); it prints one line per problem.
cat > "$T/check.py" <<'EOF'
import glob, re, sys, yaml
d, fleet, vm, state = sys.argv[1:5]
def bad(m):
    print("%s: %s" % (vm, m))
md = yaml.safe_load(open(d + "/meta-data"))
if md.get("local-hostname") != vm:
    bad("local-hostname is %r" % md.get("local-hostname"))
if not re.fullmatch(re.escape(fleet + "-" + vm + "-") + "[0-9a-f]{12}", str(md.get("instance-id"))):
    bad("instance-id is %r" % md.get("instance-id"))
text = open(d + "/user-data").read()
if text.startswith("#cloud-config\n"):
    ud = yaml.safe_load(text)
    if ud.get("hostname") != vm:
        bad("hostname is %r" % ud.get("hostname"))
    if ud.get("ssh_pwauth") is not False or ud.get("manage_etc_hosts") is not True:
        bad("ssh_pwauth/manage_etc_hosts are not the booleans false/true")
    u = ud["users"][0]
    if u.get("sudo") != "ALL=(ALL) NOPASSWD:ALL" or u.get("lock_passwd") is not True:
        bad("login user: %r" % u)
    if u["ssh_authorized_keys"][0] != open(state + "/id_ed25519.pub").read().strip():
        bad("the fleet key is not the first authorized key")
    hk = ud["ssh_keys"]
    if hk["ed25519_public"] != open(state + "/hostkeys/%s_ed25519.pub" % vm).read().strip():
        bad("ssh_keys.ed25519_public is not the state folder's host key")
    if hk["ed25519_private"] != open(state + "/hostkeys/%s_ed25519" % vm).read():
        bad("ssh_keys.ed25519_private differs from the key file")
try:
    nc = yaml.safe_load(open(d + "/network-config"))
except FileNotFoundError:
    sys.exit(0)
nd = "".join(open(f).read() for f in glob.glob(d + "/net-networkd/**/*.network", recursive=True))
for name, e in nc["ethernets"].items():
    mac = e["match"]["macaddress"]
    if "MACAddress=" + mac not in nd:
        bad("no networkd file for %s (%s)" % (name, mac))
    for a in e.get("addresses", []):
        if "Address=" + a not in nd:
            bad("networkd lacks Address=%s" % a)
    if e.get("dhcp4") is True and "DHCP=ipv4" not in nd:
        bad("networkd lacks DHCP for %s" % name)
EOF

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
	check_user_data "$d" "$3"
	[ -f "$d/network-config" ] && check_network "$d" "$3" "$4"
	python3 "$T/check.py" "$d" "$2" "$3" "$state" > "$d/check.out" 2>&1
	[ -s "$d/check.out" ] && fail "$(cat "$d/check.out")"
	if [ "$4" = 1 ]; then
		"$HERD" -f "$1" --state-dir "$T/state" render "$3" > "$d/again" 2>/dev/null
		cmp -s "$d/all" "$d/again" || fail "$3: a second render differs (keys not reused?)"
	fi
}

check_fleet() {	# FLEETFILE
	name=$(ask 'd["fleet"]' "$1") || { fail "$1: no fleet name"; return; }
	if ! "$HERD" -f "$1" render --list > "$T/vms" 2> "$T/err"; then
		fail "$1: render --list: $(cat "$T/err")"
		return
	fi
	total=$(wc -l < "$T/vms")
	awk -v n="$total" 'n <= 12 || NR <= 4 || NR % 10 == 0 || NR == n' "$T/vms" > "$T/sample"
	echo "35-cloud-init-schema: $1: $(wc -l < "$T/sample") of $total vms" >&2
	first=1
	while read -r vm; do
		check_vm "$1" "$name" "$vm" "$first"
		first=0
	done < "$T/sample"
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

echo "35-cloud-init-schema: $checked vms checked, $fails failures" >&2
[ "$fails" -eq 0 ]
