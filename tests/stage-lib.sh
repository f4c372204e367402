# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=bash
# What the no-VM test stages share: PASS:/FAIL: lines for tests/run-all.sh.
fails=0
pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1${2:+: $2}"; fails=$((fails + 1)); }

# check NAME CMD...: PASS if CMD succeeds (its output indented below).
check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		pass "$name"
		[ -z "$out" ] || echo "$out" | sed 's/^/  /'
	else
		fail "$name" "$(echo "$out" | tail -8)"
	fi
}

# expect_fail NAME WANT CMD...: CMD must exit 1 and say WANT on stderr;
# returns 0 when it did (the caller then passes or checks more).
expect_fail() {
	local name=$1 want=$2 rc err
	shift 2
	err=$("$@" 2>&1 >/dev/null)
	rc=$?
	if [ $rc -ne 1 ]; then
		fail "$name" "exit status $rc, expected 1"
		return 1
	fi
	if ! grep -q -- "$want" <<<"$err"; then
		fail "$name" "stderr lacks '$want': $err"
		return 1
	fi
	return 0
}
