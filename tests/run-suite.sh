#!/bin/sh
# Run a suite: each argument is a test program or script.  Exit 0 passes,
# 77 skips (with a reason on stderr), anything else fails.  Ends with the
# plain closing line "SUITE: N passed, N failed, N skipped".
suite=$1
shift
pass=0 fail=0 skip=0 failed=""
for t in "$@"; do
	start=$(date +%s)
	case "$t" in
	*.sh) sh "$t" ;;
	*) "$t" ;;
	esac
	rc=$?
	secs=$(( $(date +%s) - start ))
	if [ "$rc" -eq 0 ]; then
		pass=$((pass + 1)); echo "PASS $t (${secs}s)"
	elif [ "$rc" -eq 77 ]; then
		skip=$((skip + 1)); echo "SKIP $t"
	else
		fail=$((fail + 1)); failed="$failed $t"; echo "FAIL $t (exit $rc, ${secs}s)"
	fi
done
[ -n "$failed" ] && echo "$suite failures:$failed"
echo "$suite: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
