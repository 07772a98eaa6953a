#!/bin/sh
# Golden tests, in the style of OpenBSD's vmd regress: each bad-*.yaml beside
# this script must make `herd validate` exit 2 with its first stderr line
# equal to the .err file beside it (the golden folder's absolute path is
# written GOLDEN there, so the files do not depend on where the checkout
# lives).  A fleet file larger than 16MiB is made here (too big to keep).
# More than 20 errors print 20, then "... and N more".  Then every
# examples/*.yaml must pass with exit 0 and nothing on stderr.
# Runs build/herd-san (ASan + UBSan), or $HERD.
cd "$(dirname "$0")/../.." || exit 1
root=$(pwd)
herd=${HERD:-$root/build/herd-san}
if [ ! -x "$herd" ]; then
	echo "golden: $herd is not built (make build/herd-san)" >&2
	exit 1
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
pass=0 fail=0

# check NAME FILE WANT: validate FILE (relative to the cwd) must exit 2 and
# print WANT first on stderr.
check() {
	"$herd" -f "$2" validate >"$tmp/out" 2>"$tmp/err"
	rc=$?
	got=$(head -n 1 "$tmp/err" | sed "s|$golden|GOLDEN|g")
	if [ "$rc" -eq 2 ] && [ "$got" = "$3" ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL $1 (exit $rc)"
		echo "  want: $3"
		echo "  got:  $got"
	fi
}

cd tests/golden || exit 1
golden=$(pwd)
for y in bad-*.yaml; do
	e=${y%.yaml}.err
	if [ ! -f "$e" ]; then
		fail=$((fail + 1))
		echo "FAIL $y: no $e beside it"
		continue
	fi
	check "$y" "$y" "$(cat "$e")"
done

# Too large to keep in the tree: a sparse file just over the limit.
(cd "$tmp" && truncate -s 16777217 bad-large.yaml)
(cd "$tmp" && golden=$tmp && check bad-large.yaml bad-large.yaml \
	"bad-large.yaml: is larger than 16MiB, the most a fleet file may be (split it or use groups)"
	echo "$pass $fail" > "$tmp/counts")
read -r pass fail < "$tmp/counts"

# More than 20 errors: the first 20 in file order, then "... and N more".
{
	printf 'fleet: lab\nvms:\n'
	i=1
	while [ "$i" -le 25 ]; do printf '  vm%d: {cpus: 0}\n' "$i"; i=$((i + 1)); done
} > "$tmp/many.yaml"
"$herd" -f "$tmp/many.yaml" validate >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ "$rc" -eq 2 ] && [ "$(wc -l < "$tmp/err")" -eq 21 ] && [ ! -s "$tmp/out" ] &&
   [ "$(tail -n 1 "$tmp/err")" = "... and 5 more" ] &&
   [ "$(sed -n 20p "$tmp/err" | cut -d: -f2)" = 22 ]; then
	pass=$((pass + 1))
else
	fail=$((fail + 1))
	echo "FAIL 25 errors: want 20 lines in file order, then '... and 5 more' (exit $rc):"
	sed 's/^/  /' "$tmp/err"
fi

# Template errors count among the 20 too: validate renders the seeds of
# every entry of vms: (each with its own typo here), after the file's own
# errors.
{
	printf 'fleet: lab\nimages: {i: {url: "http://127.0.0.1/i", sha256: %s}}\n' \
		0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
	printf 'networks: {n: {cidr: 10.9.0.0/24}}\ndefaults: {image: i, networks: [n]}\nvms:\n'
	printf '  bad: {cpus: 0}\n'
	i=1
	while [ "$i" -le 24 ]; do
		printf '  vm%d: {cloud_config: {runcmd: ["echo {{typo%d}}"]}}\n' "$i" "$i"
		i=$((i + 1))
	done
} > "$tmp/typos.yaml"
"$herd" -f "$tmp/typos.yaml" validate >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ "$rc" -eq 2 ] && [ "$(wc -l < "$tmp/err")" -eq 21 ] && [ ! -s "$tmp/out" ] &&
   [ "$(head -n 1 "$tmp/err" | cut -d: -f2-)" = "6:15: vm 'bad': cpus 0 is out of range (1 to 512)" ] &&
   [ "$(sed -n 2p "$tmp/err" | cut -d: -f2-)" = "7:38: unknown variable 'typo1'" ] &&
   [ "$(tail -n 1 "$tmp/err")" = "... and 5 more" ]; then
	pass=$((pass + 1))
else
	fail=$((fail + 1))
	echo "FAIL template errors: want the file's error, 19 template errors, '... and 5 more' (exit $rc):"
	sed 's/^/  /' "$tmp/err"
fi

cd "$root" || exit 1
for x in examples/*.yaml; do
	if "$herd" -f "$x" validate >"$tmp/out" 2>"$tmp/err" && grep -q '^ok: ' "$tmp/out" &&
	   [ ! -s "$tmp/err" ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL $x does not validate:"
		sed 's/^/  /' "$tmp/err"
	fi
done

echo "golden: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
