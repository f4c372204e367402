#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# make bench, no VM: `settle report` on two synthetic campaigns, one four
# times the other (tests/export/mktrace: 10 us probe bins, like settle
# step), side by side.  Prints the analyser's throughput (events/s, MB/s)
# and peak RSS for each, and the RSS ratio: a streaming analyser whose
# memory is bounded by its window keeps that ratio near 1.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
settle=${SETTLE:-$top/build/host/settle}
[ -x "$settle" ] || { make -s -C "$top/user" OUT="$top/build/host" >/dev/null; }
make -s -C "$top/tests/export" >/dev/null
small=${BENCH_TRANSITIONS:-500}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# run CMD...: wall seconds and peak RSS (KiB), by GNU time (Debian's
# `time`): a Python parent would count its own pages in the child's
# ru_maxrss up to the exec.
run() {
	/usr/bin/time -f "%e %M" -o "$tmp/time" "$@" >/dev/null
	cat "$tmp/time"
}

echo "== analyser: settle report on synthetic campaigns (native, this machine)"
declare -A rss
for k in 1 4; do
	n=$((small * k))
	"$top/tests/export/mktrace" "$tmp/t$k" "$n" 1 >/dev/null
	bytes=$(du -sb "$tmp/t$k" | cut -f1)
	events=$("$settle" report --json "$tmp/t$k" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["events"])')
	read -r secs kib < <(run "$settle" report "$tmp/t$k")
	rss[$k]=$kib
	awk -v n="$n" -v b="$bytes" -v e="$events" -v s="$secs" -v r="$kib" 'BEGIN {
		printf "  %5d transitions, %7.1f MB, %9d events: %6.2f s, %10.0f events/s, %6.1f MB/s, peak RSS %7.1f MB\n",
			n, b / 1e6, e, s, e / s, b / 1e6 / s, r / 1024 }'
done
awk -v a="${rss[1]}" -v b="${rss[4]}" 'BEGIN {
	printf "  peak RSS ratio, 4x trace / 1x trace: %.2f (1.00: bounded by the window; 4.00: grows with the trace)\n", b / a }'

echo "== import: settle import --format jll of generated probe files (native)"
mkdir "$tmp/jll"
/usr/bin/python3 "$top/tests/import/mkjll.py" "$tmp/jll" "${BENCH_JLL_TRANSITIONS:-100}" 1
bytes=$(cat "$tmp/jll"/*.probe.csv | wc -c)
read -r secs kib < <(run "$settle" import --format jll "$tmp/jll" -o "$tmp/jll.trace")
awk -v b="$bytes" -v s="$secs" -v r="$kib" 'BEGIN {
	printf "  %.1f MB of probe CSV: %.2f s, %.1f MB/s, peak RSS %.1f MB\n", b / 1e6, s, b / 1e6 / s, r / 1024 }'
read -r secs kib < <(run "$settle" report --method jll "$tmp/jll.trace")
awk -v s="$secs" -v r="$kib" 'BEGIN {
	printf "  settle report --method jll on it: %.2f s, peak RSS %.1f MB\n", s, r / 1024 }'
