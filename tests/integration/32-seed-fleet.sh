#!/bin/sh
# herd seed NAME -o FILE: the fleet form writes the same files `herd render`
# shows, byte-identical on a second run, with label cidata (OEMDRV for a
# kickstart VM); unknown VMs and bootstrap mistakes are clear errors.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
herd="$top/build/herd"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "32-seed-fleet: $*" >&2; exit 1; }
command -v bsdtar >/dev/null 2>&1 || command -v isoinfo >/dev/null 2>&1 || { echo "skip: no isoinfo" >&2; exit 77; }

h() { "$herd" --state-dir "$tmp/state" "$@"; }

h -f "$top/examples/lab.yaml" seed rtr-1 -o "$tmp/a.iso" || fail "seed rtr-1 failed"
h -f "$top/examples/lab.yaml" seed rtr-1 -o "$tmp/b.iso" || fail "second seed failed"
cmp -s "$tmp/a.iso" "$tmp/b.iso" || fail "two seeds of one VM differ"
[ "$(blkid -s LABEL -o value "$tmp/a.iso")" = cidata ] || fail "label is not cidata"
for f in user-data meta-data network-config; do
	h -f "$top/examples/lab.yaml" render rtr-1 --only "$f" > "$tmp/want-$f" || fail "render $f failed"
	isoinfo -i "$tmp/a.iso" -J -x "/$f" > "$tmp/got-$f" || fail "no $f in the ISO"
	cmp -s "$tmp/want-$f" "$tmp/got-$f" || fail "$f in the ISO differs from herd render"
done
head -1 "$tmp/got-user-data" | grep -qx '#cloud-config' || fail "user-data is not #cloud-config"

ks=$(h -f "$top/examples/kickstart.yaml" render --list | head -1)
h -f "$top/examples/kickstart.yaml" seed "$ks" -o "$tmp/ks.iso" || fail "kickstart seed failed"
[ "$(blkid -s LABEL -o value "$tmp/ks.iso")" = OEMDRV ] || fail "kickstart label is not OEMDRV"
isoinfo -i "$tmp/ks.iso" -J -x /ks.cfg | grep -q . || fail "no ks.cfg in the OEMDRV ISO"

h -f "$top/examples/lab.yaml" seed no-such-vm -o "$tmp/x.iso" 2>"$tmp/err"
[ $? -eq 2 ] || fail "unknown VM must exit 2"
grep -q "no VM 'no-such-vm'" "$tmp/err" || fail "unknown VM message: $(cat "$tmp/err")"
[ ! -e "$tmp/x.iso" ] || fail "an ISO was written for an unknown VM"
echo "32-seed-fleet: ok"
