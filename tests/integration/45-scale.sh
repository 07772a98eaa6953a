#!/bin/sh
# Scale: plan and apply 1,000 VMs on libvirt's test:///default driver, then
# re-plan to zero changes.
#
# test:///default keeps its objects in memory per connection, so a second
# herd process would see an empty world.  `herd apply --verify` observes
# libvirt again on the same connection after applying and fails unless the
# plan is then empty: that is the re-plan.  (The worker pool, updates and
# deletions at this scale are also covered in one process by the unit test
# tests/unit/test_apply.c.)  The VMs use bootstrap none and blank disks:
# the test driver takes no volume uploads.  Exit 0 pass, 1 fail.
here=$(cd "$(dirname "$0")/.." && pwd)
HERD=${HERD:-$here/../build/herd}
[ -x "$HERD" ] || { echo "45-scale: no $HERD (make)" >&2; exit 77; }
T=$(mktemp -d /tmp/herd-scale.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT TERM HUP
fail() { echo "45-scale: FAIL: $*" >&2; [ -f "$T/out" ] && tail -n 5 "$T/out" >&2; exit 1; }

cat >"$T/scale.yaml" <<'YAML'
fleet: scale
networks:
  net: {mode: nat, cidr: 10.90.0.0/16}
defaults: {cpus: 1, memory: 256MiB, disk: 16MiB, bootstrap: none, networks: [net]}
groups:
  n: {count: 1000, name: "n-{{index}}"}
YAML
h() { "$HERD" -f "$T/scale.yaml" -c test:///default --state-dir "$T/state" "$@"; }

h plan >"$T/out" || fail "plan"
grep -qx 'Plan: 1000 to create, 0 to update, 0 to recreate, 0 to delete, 0 unchanged.' \
	"$T/out" || fail "plan summary"
[ "$(grep -c '^+ create scale--n-' "$T/out")" -eq 1000 ] || fail "plan lines"
s=$(date +%s%N)
h apply -j 8 --verify >"$T/out" 2>"$T/err" || { cat "$T/err" >&2; fail "apply"; }
ms=$(( ($(date +%s%N) - s) / 1000000 ))
grep -qx 'Apply: 1000 created, 0 updated, 0 recreated, 0 deleted, 0 failed.' "$T/out" ||
	fail "apply summary"
grep -qx 'Verify: Plan: 0 to create, 0 to update, 0 to recreate, 0 to delete, 1000 unchanged.' \
	"$T/out" || fail "re-plan is not empty"
[ "$(grep -c '^created scale--n-' "$T/err")" -eq 1000 ] || fail "progress lines"
echo "45-scale: ok (1000 VMs planned, applied and re-planned in ${ms} ms)"
