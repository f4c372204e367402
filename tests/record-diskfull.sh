#!/usr/bin/env bash
# `settle record` on a disk that fills while it records, on the host: a
# small tmpfs is filled up behind the recorder's back, so the write of its
# packet fails with ENOSPC.  Checks that it says so, exits non-zero, and
# leaves a trace that settle report and babeltrace2 read, marked truncated.
# Needs root, BPF and tracefs (mounted here if absent); prints SKIP without.
set -uo pipefail
cd "$(dirname "$0")/.."
bin=$PWD/user/settle

skip() { echo "SKIP: record-diskfull: $*"; exit 0; }
[ "$(id -u)" = 0 ] || skip "needs root"
make -s -C user >/dev/null || { echo "FAIL: record-diskfull: building user/settle"; exit 1; }

tmp=$(mktemp -d)
mnt=$tmp/mnt trace=$tmp/mnt/trace
tracefs_mounted=
cleanup() {
	[ -n "${rec_pid:-}" ] && kill "$rec_pid" 2>/dev/null
	umount "$mnt" 2>/dev/null
	[ -n "$tracefs_mounted" ] && umount /sys/kernel/tracing 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
if [ ! -e /sys/kernel/tracing/events ] && [ ! -e /sys/kernel/debug/tracing/events ]; then
	mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null && tracefs_mounted=1 ||
		skip "no tracefs"
fi
mkdir "$mnt"
mount -t tmpfs -o size=1m,mode=0755 settle-diskfull "$mnt" || skip "cannot mount a tmpfs"

"$bin" record -o "$trace" --duration 3 >"$tmp/out" 2>"$tmp/err" &
rec_pid=$!
# Wait until the recorder holds its reserve, then take every block left.
for _ in $(seq 100); do
	[ "$(stat -c %s "$trace/.settle-reserve" 2>/dev/null)" = 65536 ] && break
	kill -0 "$rec_pid" 2>/dev/null || break
	sleep 0.05
done
if ! kill -0 "$rec_pid" 2>/dev/null; then
	wait "$rec_pid"
	grep -q "BPF\|tracepoint\|attach" "$tmp/err" && skip "cannot record here: $(head -1 "$tmp/err")"
	echo "FAIL: record-diskfull: the recorder exited before the disk was filled"
	sed 's/^/    /' "$tmp/err"
	exit 1
fi
dd if=/dev/zero of="$mnt/filler" bs=4k 2>/dev/null
wait "$rec_pid"
rc=$?
rec_pid=

fail=0
check() {	# check NAME CONDITION-CMD...
	local name=$1
	shift
	if "$@"; then echo "PASS: record-diskfull-$name"; else echo "FAIL: record-diskfull-$name"; fail=1; fi
}
check exit-status test "$rc" -ne 0
# Without cpufreq activity nothing is written before the final packet
# ("first 0 bytes"); on a machine with some, earlier packets may land.
check says-enospc grep -q "No space left on device; the trace keeps its first [0-9]* bytes (whole packets), marked truncated" "$tmp/err"
check no-reserve-left test ! -e "$trace/.settle-reserve"
"$bin" report --json "$trace" >"$tmp/report.json" 2>"$tmp/report.err"
check report-reads test $? -eq 0
check report-partial grep -q '"partial":true,"damage":{"kind":"stopped"' "$tmp/report.json"
if command -v babeltrace2 >/dev/null; then
	babeltrace2 "$trace" >"$tmp/bt" 2>&1
	check babeltrace2-reads test $? -eq 0
	check babeltrace2-truncated grep -q "truncated:" "$tmp/bt"
fi
if [ "$fail" -ne 0 ] || [ -n "${SHOW:-}" ]; then
	sed 's/^/    record: /' "$tmp/err"
	sed 's/^/    report: /' "$tmp/report.err" "$tmp/report.json"
fi
exit "$fail"
