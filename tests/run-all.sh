#!/usr/bin/env bash
# Everything `make test` runs, with one summary line at the end.  Each stage
# prints "PASS: name" / "FAIL: name" lines (cmocka's own summary for the unit
# tests); a stage that fails without saying what counts as one failure.
set -uo pipefail
cd "$(dirname "$0")/.."

passed=0 failed=0
logdir=build/test-logs
mkdir -p "$logdir"

count() {	# count STAGE LOG RC
	local p f
	p=$(grep -cE '^(PASS: |\[       OK \] )' "$2")
	# cmocka names a failed test twice (when it fails and in its summary).
	f=$(grep -E '^(FAIL: |\[  FAILED  \] [^0-9])' "$2" | sort -u | wc -l)
	if [ "$3" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL: $1 exited with status $3 (log: $2)"
		f=1
	fi
	passed=$((passed + p)) failed=$((failed + f))
	echo "== $1: $p passed, $f failed"
}

stage() {	# stage NAME CMD...
	local name=$1 log=$logdir/$1.log rc
	shift
	echo "== $name: $*"
	"$@" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	count "$name" "$log" "$rc"
}

stage unit make -s -C tests/unit check
stage checkpatch tools/checkpatch.sh
for arch in ${SETTLE_TEST_ARCHES:-x86_64 arm64}; do
	stage "vm-$arch" tests/vm/suite.sh "$arch"
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
