#!/usr/bin/env bash
# Lint the kernel code the way upstream would: checkpatch.pl from Debian's
# linux-source-6.1 (fetched once into the VM cache), plus the project rule
# that kernel-version tests live only in the *_compat.h headers.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cache=$top/tests/vm/.cache
cp=$cache/checkpatch/scripts/checkpatch.pl

if [ ! -x "$cp" ]; then
	deb=$("$top/tests/vm/apt-fetch.sh" "$cache" amd64 bookworm linux-source-6.1)
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards './usr/src/linux-source-*.tar.xz'
	mkdir -p "$cache/checkpatch"
	tar -xJf "$tmp"/usr/src/linux-source-*.tar.xz -C "$cache/checkpatch" --strip-components=1 \
		--wildcards '*/scripts/checkpatch.pl' '*/scripts/spelling.txt' '*/scripts/const_structs.checkpatch'
fi

rc=0
files=$(cd "$top" && ls kmod/*.[ch] kmod/uapi/*.h tests/sim/*.[ch] 2>/dev/null | grep -v "\.mod\.c$")
# The compat headers are where version tests belong; checkpatch flags them.
if ! (cd "$top" && "$cp" --no-tree --quiet --show-types \
	--ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON -f $files); then
	echo "FAIL: checkpatch"
	rc=1
else
	echo "PASS: checkpatch ($(echo "$files" | wc -w) files)"
fi
bad=$(cd "$top" && grep -l 'LINUX_VERSION_CODE\|KERNEL_VERSION(' kmod/*.c tests/sim/*.c 2>/dev/null || true)
if [ -n "$bad" ]; then
	echo "FAIL: version-checks kernel version tests outside *_compat.h: $bad"
	rc=1
else
	echo "PASS: version-checks (only in *_compat.h)"
fi
exit $rc
