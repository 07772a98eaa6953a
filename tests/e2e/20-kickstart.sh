#!/bin/sh
# examples/kickstart.yaml, checked as far as it can be without an installer:
# apply it on a private libvirtd (tests/lib/netns-libvirtd.sh) with the tiny
# guest's kernel and initrd standing in for AlmaLinux's, then
#  - each VM's seed volume is an ISO labelled OEMDRV (blkid) whose ks.cfg
#    (read back with bsdtar) is byte for byte what `herd render` prints,
#    with the VM's own values (hostname, address, the fleet key);
#  - each domain boots the installer kernel and initrd with the example's
#    arguments and inst.ks=hd:LABEL=OEMDRV:/ks.cfg (virsh dumpxml), onto a
#    blank disk of the planned size, with the OEMDRV ISO as a cdrom, and
#    powers off on the installer's reboot (on_reboot destroy);
#  - the "installers" power their VMs off (virsh destroy stands in) while
#    `herd up` waits: up applies once more, which redefines each VM to boot
#    its disk (no installer kernel, on_reboot restart) and starts it; the
#    next plan is empty;
#  - destroy leaves nothing.
# Exit 0 pass, 77 skip, 1 fail.
here=$(cd "$(dirname "$0")/.." && pwd)
HERD=${HERD:-$here/../build/herd}
. "$here/lib/netns-libvirtd.sh"
. "$here/lib/herd-test.sh"

T=20-kickstart
fail() {
	echo "$T: FAIL: $*" >&2
	[ -f "${out:-/nonexistent}" ] && tail -n 20 "$out" | sed 's/^/  out: /' >&2
	exit 1
}

herd_test_need blkid bsdtar xmllint
herd_test_guest tiny
herd_test_start
ex=$here/../examples
mkdir -p "$w/ks/images" "$w/ks/templates" || fail "mkdir"

# The example as it is, with real kernels in place of the placeholders.
cp "$ex/kickstart.yaml" "$w/ks/" && cp "$ex/templates/alma.ks.tmpl" "$w/ks/templates/" &&
    cp "$TINY_KERNEL" "$w/ks/images/alma-9-vmlinuz" &&
    cp "$TINY_INITRD" "$w/ks/images/alma-9-initrd.img" || fail "copy the example"
F=$w/ks/kickstart.yaml
h() { "$HERD" -f "$F" -c "$HERD_TEST_URI" --state-dir "$w/state" "$@"; }
fleet=$(awk '$1 == "fleet:" { print $2; exit }' "$F")
vms=$(h inventory --format json | jq -r '.vms[].name') || fail "inventory"
[ -n "$vms" ] || fail "no VMs in the example"

h apply >"$out" 2>&1 || fail "apply"
pool=$HERD_POOL_DIR/herd-$fleet
for vm in $vms; do
	dom=$fleet--$vm
	iso=$pool/$dom-seed.iso
	[ "$(blkid -o value -s LABEL "$iso")" = OEMDRV ] ||
	    fail "$vm: seed label is '$(blkid -o value -s LABEL "$iso")', not OEMDRV"
	[ "$(bsdtar -tf "$iso" | grep -vx "\\.")" = ks.cfg ] ||
	    fail "$vm: the ISO holds $(bsdtar -tf "$iso" | tr '\n' ' ')"
	bsdtar -xOf "$iso" ks.cfg >"$w/$vm.ks" || fail "$vm: read ks.cfg back"
	h render "$vm" | sed '1{/^# --- ks.cfg ---$/d}' >"$w/$vm.render" ||
	    fail "$vm: render"
	cmp -s "$w/$vm.ks" "$w/$vm.render" ||
	    fail "$vm: ks.cfg on the ISO differs from herd render: $(diff "$w/$vm.render" "$w/$vm.ks")"
	ip=$(h inventory --format json | jq -r --arg n "$vm" '.vms[] | select(.name == $n) | .ip')
	fkey=$(cut -d' ' -f1,2 "$w/state/$fleet/id_ed25519.pub")
	grep -qx "network --bootproto=dhcp --hostname=$vm --activate" "$w/$vm.ks" &&
	    grep -q "reserves $ip for" "$w/$vm.ks" &&
	    grep -qF "sshkey --username=herd \"$fkey" "$w/$vm.ks" ||
	    fail "$vm: ks.cfg lacks its own values"

	v dumpxml "$dom" >"$w/$vm.xml" || fail "$vm: dumpxml"
	x() { xmllint --xpath "$1" "$w/$vm.xml" 2>/dev/null; }
	[ "$(x 'string(/domain/os/kernel)')" = "$w/ks/images/alma-9-vmlinuz" ] ||
	    fail "$vm: kernel is '$(x 'string(/domain/os/kernel)')'"
	[ "$(x 'string(/domain/os/initrd)')" = "$w/ks/images/alma-9-initrd.img" ] ||
	    fail "$vm: initrd is '$(x 'string(/domain/os/initrd)')'"
	cmdline=$(x 'string(/domain/os/cmdline)')
	case " $cmdline " in
	*" inst.ks=hd:LABEL=OEMDRV:/ks.cfg "*) ;;
	*) fail "$vm: cmdline '$cmdline' lacks inst.ks=hd:LABEL=OEMDRV:/ks.cfg" ;;
	esac
	case " $cmdline " in
	*" inst.repo=http://10.60.0.1:8080/alma9 inst.text console=ttyS0 "*) ;;
	*) fail "$vm: cmdline '$cmdline' lacks the example's args" ;;
	esac
	[ "$(x "string(/domain/devices/disk[@device='cdrom']/source/@file)")" = "$iso" ] ||
	    fail "$vm: the OEMDRV ISO is not its cdrom"
	[ "$(x 'string(/domain/on_reboot)')" = destroy ] ||
	    fail "$vm: the installer's reboot would start it again"
	disk=$(x "string(/domain/devices/disk[@device='disk']/source/@file)")
	[ "$(qemu-img info -U --output=json "$disk" | jq '."virtual-size"')" = \
	    $((20 * 1024 * 1024 * 1024)) ] || fail "$vm: disk is not 20 GiB"
	qemu-img info -U --output=json "$disk" | jq -e '."backing-filename" == null' \
	    >/dev/null || fail "$vm: the install disk has a backing file"
	echo "$T: $vm: OEMDRV ks.cfg ($(wc -l <"$w/$vm.ks") lines), cmdline: $cmdline"
done

# The installers finish while `herd up` waits: they power their VMs off.
n=$(echo "$vms" | wc -w)
h up --for ssh --timeout 30s >"$out" 2>&1 &
upid=$!
wait_for 60 sh -c '[ "$(grep -c ": running [0-9.]*s$" "$1")" -ge "$2" ]' sh "$out" "$n" ||
    fail "up's wait did not see the installers running"
for vm in $vms; do v destroy "$fleet--$vm" >/dev/null || fail "$vm: power off"; done
wait "$upid"	# 1 in the end: the "installed" disks are blank, no ssh
grep -qxF "up: kickstart installs finished; booting their disks" "$out" ||
    fail "up did not notice the finished installs"
for vm in $vms; do
	grep -qxF "booted from its disk $fleet--$vm" "$out" || fail "$vm: up did not boot its disk"
	v dumpxml --inactive "$fleet--$vm" >"$w/$vm.xml" || fail "$vm: dumpxml"
	[ -z "$(x 'string(/domain/os/kernel)')" ] && [ "$(x 'string(/domain/os/boot/@dev)')" = hd ] ||
	    fail "$vm: still boots the installer: $(x '/domain/os')"
	[ "$(x 'string(/domain/on_reboot)')" = restart ] || fail "$vm: on_reboot is not restart"
	[ "$(v domstate "$fleet--$vm")" = running ] || fail "$vm: not started from its disk"
done
h plan >"$out" 2>&1 || fail "re-plan"
grep -qxF "Plan: 0 to create, 0 to update, 0 to recreate, 0 to delete, $n unchanged." "$out" ||
    fail "re-plan after booting the disks"
echo "$T: the installed VMs boot their disks"

h destroy >"$out" 2>&1 || fail "destroy"
[ -z "$(v list --all --name | grep "^$fleet-")" ] || fail "domains left"
v pool-list --all --name | grep -qx "herd-$fleet" && fail "pool left"
v net-list --all --name | grep -q "^herd-$fleet-" && fail "network left"
echo "$T: ok"
exit 0
