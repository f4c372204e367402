#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Packaging, no VM boot: make install (PREFIX, DESTDIR), settle(1) against
# every --help, exit codes, and dkms.conf built by Debian's dkms against the
# 6.1 VM kernel's headers (fetched by tests/vm/run.sh --build-only, with
# dkms's trees kept in a temporary directory).  Prints PASS: / FAIL: lines.
set -uo pipefail
cd "$(dirname "$0")/.."
top=$PWD
# shellcheck source=tests/stage-lib.sh
. tests/stage-lib.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

make -s -C user >/dev/null || { fail packaging-build; exit 1; }
settle=$top/user/settle
cmds=$("$settle" --help | sed -n '/^Commands:/,/^$/p' | sed '1d;/^$/d' | awk '{print $1}' | grep -v '^help$')

# make install honours PREFIX and DESTDIR
if make -s install DESTDIR="$tmp/d" PREFIX=/opt/s >/dev/null 2>"$tmp/err" &&
   [ -x "$tmp/d/opt/s/bin/settle" ] && [ -f "$tmp/d/opt/s/share/man/man1/settle.1" ] &&
   [ -f "$tmp/d/opt/s/share/doc/settle/analysis.rst" ] &&
   [ -f "$tmp/d/opt/s/share/doc/settle/README.md" ] &&
   "$tmp/d/opt/s/bin/settle" --version | grep -q '^settle v'; then
	pass install-prefix-destdir
else
	fail install-prefix-destdir "$(cat "$tmp/err"; find "$tmp/d" -type f | head)"
fi

# settle(1) is what tools/mkman.sh makes of the current --help texts
if tools/mkman.sh "$settle" | diff -u Documentation/settle.1 - >"$tmp/man.diff"; then
	pass man-page-matches-help
else
	fail man-page-matches-help "Documentation/settle.1 is stale; run tools/mkman.sh > Documentation/settle.1: $(head -20 "$tmp/man.diff")"
fi
if groff -man -ww -z Documentation/settle.1 2>"$tmp/groff" && [ ! -s "$tmp/groff" ] &&
   man -l Documentation/settle.1 2>/dev/null | grep -q 'SETTLE EXPORT'; then
	pass man-page-renders
else
	fail man-page-renders "$(cat "$tmp/groff")"
fi
bad=""
for c in $cmds; do
	sub=$c
	[ "$c" = probe ] && sub="probe cpu"
	# shellcheck disable=SC2086
	"$settle" $sub --help >"$tmp/h1" 2>&1 || bad="$bad $c(--help rc)"
	"$settle" help "$c" >"$tmp/h2" 2>&1 || true
	[ "$c" = probe ] || cmp -s "$tmp/h1" "$tmp/h2" || bad="$bad $c(help CMD differs)"
	grep -q "^\.SH \"SETTLE $(echo "$c" | tr a-z A-Z)\"" Documentation/settle.1 || bad="$bad $c(no man section)"
	grep -q '^Exit status' "$tmp/h1" || bad="$bad $c(no exit status)"
	grep -q '^Example' "$tmp/h1" || bad="$bad $c(no example)"
done
if [ -z "$bad" ]; then pass help-sections-exit-status-examples; else fail help-sections-exit-status-examples "$bad"; fi

# exit codes: 0 for help, 1 for every kind of bad usage
bad=""
for c in $cmds; do
	sub=$c
	[ "$c" = probe ] && sub="probe cpu"
	# shellcheck disable=SC2086
	"$settle" $sub --no-such-option >/dev/null 2>&1
	rc=$?
	[ $rc -eq 1 ] || bad="$bad $c:--no-such-option=$rc"
done
"$settle" >/dev/null 2>&1; rc=$?; [ $rc -eq 1 ] || bad="$bad no-args=$rc"
"$settle" frobnicate >/dev/null 2>&1; rc=$?; [ $rc -eq 1 ] || bad="$bad unknown=$rc"
"$settle" help frobnicate >/dev/null 2>&1; rc=$?; [ $rc -eq 1 ] || bad="$bad help-unknown=$rc"
"$settle" help --help >/dev/null 2>&1; rc=$?; [ $rc -eq 0 ] || bad="$bad help--help=$rc"
"$settle" report /nonexistent >/dev/null 2>&1; rc=$?; [ $rc -eq 1 ] || bad="$bad report-missing=$rc"
if [ -z "$bad" ]; then pass exit-codes; else fail exit-codes "$bad"; fi

# one version everywhere
v_dkms=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
v_make=$(sed -n 's/^SETTLE_VERSION ?= //p' user/Makefile)
v_bin=$("$settle" --version | sed -n 's/^settle v//p')
if [ "$v_dkms" = "$v_make" ] && [ "$v_make" = "$v_bin" ] && grep -q "settle $v_bin" Documentation/settle.1; then
	pass version-consistent
else
	fail version-consistent "dkms.conf $v_dkms, user/Makefile $v_make, settle $v_bin"
fi

# dkms.conf, with Debian's dkms, against the 6.1 VM kernel's headers
if ! command -v dkms >/dev/null; then
	fail dkms-build "dkms is not installed (make deps)"
elif ! tests/vm/run.sh --build-only --arch x86_64 --kernel 6.1 >"$tmp/fetch.log" 2>&1; then
	fail dkms-build "fetching the 6.1 headers failed: $(tail -3 "$tmp/fetch.log")"
else
	kd=tests/vm/.cache/kernels/v2-amd64-6.1
	rel=$(cat "$kd/release")
	hdr=$top/$kd/root/usr/src/linux-headers-$rel
	make -s install-dkms DESTDIR="$tmp/root" &&
	mkdir -p "$tmp/src" "$tmp/tree" && cp -a "$tmp/root/usr/src/settle-$v_dkms" "$tmp/src/" &&
	dkms add -m settle -v "$v_dkms" --sourcetree "$tmp/src" --dkmstree "$tmp/tree" >"$tmp/dkms.log" 2>&1 &&
	dkms build -m settle -v "$v_dkms" -k "$rel" --kernelsourcedir "$hdr" \
		--sourcetree "$tmp/src" --dkmstree "$tmp/tree" >>"$tmp/dkms.log" 2>&1
	ko=$(find "$tmp/tree/settle/$v_dkms/$rel" -name 'settle.ko*' 2>/dev/null | head -1)
	if [ -n "$ko" ] && modinfo -F vermagic "$ko" | grep -q "^$rel "; then
		pass "dkms-build settle.ko for $rel ($(modinfo -F vermagic "$ko" | cut -d' ' -f1))"
	else
		fail dkms-build "$(tail -15 "$tmp/dkms.log")"
	fi
fi
[ $fails -eq 0 ]
