#!/usr/bin/env bash
# The VM end-to-end suite for one arch: boot once, run the guest scripts,
# then check what came back against the simulator's truth on the host.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
arch=${1:?usage: suite.sh ARCH}
out=$here/out/$arch-6.1
rc=0

"$here/run.sh" --arch "$arch" --out "$out" t-kernel-events.sh t-record-stall.sh || rc=1

# Host-side checks read the guest's trace with a host build of settle.
make -s -C "$top/user" OUT="$top/build/host" >/dev/null || { echo "FAIL: host build of settle"; exit 1; }
settle=$top/build/host/settle
if [ -d "$out/record-stall.trace" ]; then
	if "$settle" report --transitions --csv "$out/record-stall.trace" > "$out/record-stall.csv"; then
		# TCG: the notifier chain around ->target_index costs ~10 us, and
		# the first transitions up to 1 ms (the guest warms up first).
		python3 "$top/tools/compare_truth.py" --name "stall-$arch" \
			--measured "$out/record-stall.csv" --truth "$out/record-stall.truth.csv" \
			--max-stall-err-us "${SETTLE_STALL_TOL_US:-50}" --min-n 35 || rc=1
	else
		echo "FAIL: stall-$arch settle report could not read the guest trace"; rc=1
	fi
else
	echo "FAIL: stall-$arch the guest brought back no trace"; rc=1
fi
exit $rc
