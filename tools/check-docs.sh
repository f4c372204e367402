#!/usr/bin/env bash
# Parse every Documentation/*.rst with Debian's docutils, warnings as
# errors: a broken table or a stray |substitution| renders as garbage or
# not at all, and nobody notices in a terminal (testbed.rst went unread
# that way once).  First a known-bad snippet must fail, so that a checker
# that cannot fail (docutils missing, options ignored) is a failure too.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
PY=/usr/bin/python3
rst() {	# rst FILE: docutils' verdict, messages on stdout
	"$PY" -m docutils --halt=warning --report=warning "$1" /dev/null 2>&1
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'Title\n=====\n\nan |undefined| substitution\n' >"$tmp/bad.rst"
if out=$(rst "$tmp/bad.rst"); then
	echo "FAIL: docs-checker a known-bad file passed ($out)"
	exit 1
fi
case $out in
*undefined*) echo "PASS: docs-checker refuses a known-bad file" ;;
*) echo "FAIL: docs-checker cannot run: $out"; exit 1 ;;
esac

rc=0
n=0
for f in "$top"/Documentation/*.rst; do
	n=$((n + 1))
	if ! out=$(rst "$f"); then
		echo "FAIL: docs ${f#"$top"/}: $out"
		rc=1
	fi
done
[ $rc -eq 0 ] && echo "PASS: docs ($n reStructuredText files parse without a warning)"
exit $rc
