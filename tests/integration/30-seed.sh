#!/bin/sh
# herd seed, the cloud-localds drop-in form: the ISO has label cidata, the
# files and their bytes under both Joliet and Rock Ridge, is byte-identical
# from run to run (also a second later in another time zone), and matches
# what cloud-localds writes for the same inputs (label, names, bytes).
set -u
HERD=${HERD:-build/herd}
[ -x "$HERD" ] || { echo "30-seed: $HERD not built" >&2; exit 1; }
for tool in blkid isoinfo cloud-localds; do
	command -v "$tool" >/dev/null 2>&1 || { echo "30-seed: skip: no $tool" >&2; exit 77; }
done
HERD=$(cd "$(dirname "$HERD")" && pwd)/$(basename "$HERD")
T=$(mktemp -d /tmp/herd-30-seed.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT TERM HUP
cp "$HERD" "$T/herd" && HERD=$T/herd || exit 1	# immune to a rebuild meanwhile
cd "$T" || exit 1

fails=0
fail() { echo "30-seed: FAIL: $*" >&2; fails=$((fails + 1)); }

printf '#cloud-config\nhostname: web-1\nwrite_files:\n  - path: /etc/motd\n    content: "caf\303\251 \342\230\225"\n' > user-data
printf 'instance-id: lab-web-1-0123456789ab\nlocal-hostname: web-1\n' > meta-data
printf 'version: 2\nethernets:\n  id0:\n    match: {macaddress: "52:54:00:12:34:56"}\n    dhcp4: true\n' > network-config
head -c 5000 /dev/urandom > vendor-data	# binary, crosses a sector
FILES="meta-data network-config user-data vendor-data"

"$HERD" seed --user-data user-data --meta-data meta-data \
	--network-config network-config --vendor-data vendor-data -o a.iso
rc=$?
[ "$rc" -eq 0 ] || { echo "30-seed: FAIL: herd seed exited $rc" >&2; exit 1; }

# The label cloud-init looks for, and the file system type.
label=$(blkid -s LABEL -o value a.iso)
[ "$label" = cidata ] || fail "blkid label is '$label', want cidata"
[ "$(blkid -s TYPE -o value a.iso)" = iso9660 ] || fail "blkid type is not iso9660"
# 0600 whatever the umask: user-data often holds secrets (a fleet's seed
# holds the VM's SSH host private key)
[ "$(stat -c %a a.iso)" = 600 ] || fail "a.iso has mode $(stat -c %a a.iso), want 600"
ls -A | grep -q '^\.a\.iso\.' && fail "a temporary file was left behind"

# Names and bytes, read through Joliet and through Rock Ridge.
for ext in J R; do
	list=$(isoinfo -$ext -f -i a.iso | sed 's|^/||' | sort | tr '\n' ' ')
	[ "$list" = "$FILES " ] || fail "isoinfo -$ext lists '$list', want '$FILES '"
	for f in $FILES; do
		isoinfo -$ext -x "/$f" -i a.iso > "got.$f"
		cmp -s "got.$f" "$f" || fail "isoinfo -$ext: $f differs from its input"
	done
done
isoinfo -R -l -i a.iso | grep -q -- '-rw-r--r--.*user-data' ||
	fail "user-data is not mode 0644 in Rock Ridge"

# Byte-identical: again, a second later, in a time zone 9.5 hours away.
sleep 1
TZ=Australia/Darwin "$HERD" seed --user-data user-data --meta-data meta-data \
	--network-config network-config --vendor-data vendor-data -o b.iso ||
	fail "second herd seed failed"
cmp -s a.iso b.iso || fail "a second run wrote a different image"
"$HERD" seed --user-data user-data --meta-data meta-data \
	--network-config network-config --vendor-data vendor-data -o - > c.iso ||
	fail "herd seed -o - failed"
cmp -s a.iso c.iso || fail "-o - wrote a different image"

# cloud-localds on the same inputs: same label, names and bytes.
cloud-localds -N network-config -V vendor-data ref.iso user-data meta-data ||
	fail "cloud-localds failed"
[ "$(blkid -s LABEL -o value ref.iso)" = "$label" ] || fail "cloud-localds label differs"
for ext in J R; do
	[ "$(isoinfo -$ext -f -i ref.iso | sort)" = "$(isoinfo -$ext -f -i a.iso | sort)" ] ||
		fail "isoinfo -$ext: file list differs from cloud-localds"
done
for f in $FILES; do
	isoinfo -R -x "/$f" -i ref.iso | cmp -s - "got.$f" ||
		fail "$f differs from cloud-localds's"
done

# Failure paths: exit codes and messages that name the problem.
out=$("$HERD" seed --user-data missing --meta-data meta-data -o x.iso 2>&1)
rc=$?
[ "$rc" -eq 1 ] || fail "a missing input exited $rc, want 1"
echo "$out" | grep -q 'user-data: open missing' || fail "missing input message: $out"
[ -e x.iso ] && fail "a failed run left x.iso"
"$HERD" seed --user-data user-data -o x.iso 2>/dev/null
[ $? -eq 2 ] || fail "no --meta-data is not a usage error (2)"
"$HERD" seed --user-data user-data --meta-data meta-data 2>/dev/null
[ $? -eq 2 ] || fail "no -o is not a usage error (2)"
out=$("$HERD" seed web-1 -o x.iso 2>&1)
[ $? -eq 2 ] || fail "the fleet form without a fleet file did not exit 2"
echo "$out" | grep -q 'herd.yaml' || fail "no fleet file message: $out"
"$HERD" seed --user-data user-data --meta-data meta-data -o /nonexistent/dir/x.iso 2>/dev/null
[ $? -eq 1 ] || fail "an unwritable output did not exit 1"

[ "$fails" -eq 0 ] || exit 1
echo "30-seed: ok (label $label, 4 files via Joliet and Rock Ridge, identical runs, same as cloud-localds)"
