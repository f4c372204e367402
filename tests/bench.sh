#!/usr/bin/env bash
# make bench: numbers that are ratios measured side by side in one run, so
# a noisy machine skews both sides alike.
#   1. the CPU probe's sample period, on this machine, natively;
#   1b. the memory probe's sample period next to the compute probe's, as a
#      ratio (both calibrate to the same chunk duration: far from 1 means
#      the memory calibration is off);
#   2. the analyser's throughput and peak RSS (tests/bench-analyse.sh);
#   3. settle's overhead on the transition path: sysfs-driven transitions
#      with a 100 us driver call, timed in one VM boot without settle.ko,
#      then with settle.ko and its recorder.  Both guests run in virtual
#      time, where a nanosecond is an instruction: the added ns are exact;
#   4. the event rate settle record sustains without loss, and where loss
#      starts, in the arm64 guest in virtual time (t-storm-rate.sh).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
make -s -C "$top/user" OUT="$top/build/host" >/dev/null
settle=$top/build/host/settle

echo "== probe sample period (native, this machine)"
"$settle" probe cpu --duration 2

# One JSON field of a flat `settle probe cpu --json` object.
field() { grep -o "\"$1\":[0-9]*" <<<"$2" | head -n1 | cut -d: -f2; }
echo "== memory probe vs compute probe: ns per sample (native, this machine)"
cj=$("$settle" probe cpu --duration 1 --json 2>/dev/null)
mj=$("$settle" probe cpu --kind memory --duration 1 --json 2>/dev/null)
awk -v cp="$(field period_p50_ns "$cj")" -v cn="$(field samples "$cj")" \
    -v mp="$(field period_p50_ns "$mj")" -v mn="$(field samples "$mj")" \
    -v ml="$(field iters_per_sample "$mj")" -v mb="$(field buffer_bytes "$mj")" 'BEGIN {
	cm = 1e9 / cn; mm = 1e9 / mn
	printf "  %-34s p50 %6d  mean %8.1f\n", "compute (chain)", cp, cm
	printf "  %-34s p50 %6d  mean %8.1f  %.0f MB/s\n",
	       sprintf("memory (%d lines, %d MiB buffer)", ml, mb / 1048576), mp, mm,
	       ml * 64 * 1e3 / mm
	printf "  %-34s p50 %6.3f  mean %8.3f\n", "ratio memory / compute", mp / cp, mm / cm
}'
SETTLE=$settle "$top/tests/bench-analyse.sh"

for arch in x86_64 arm64; do
	out=$top/build/bench-$arch
	"$top/tests/vm/run.sh" --arch "$arch" --out "$out" t-bench.sh >/dev/null 2>&1 || {
		echo "bench: the $arch VM run failed; console log: $out/console.log" >&2; exit 1; }
	line=$(tr -d '\r' < "$out/console.log" | grep -a '^@@SETTLE-BENCH transition')
	set -- $line
	base50=$3 mod50=$5
	echo "== transition path, $arch guest (virtual time: ns = instructions): write() to scaling_setspeed, 100 us driver call, ns"
	awk -v b50="$3" -v b90="$4" -v m50="$5" -v m90="$6" -v w50="$7" -v w90="$8" \
	    -v k50="$9" -v k90="${10}" 'BEGIN {
		printf "  %-34s p50 %9d  p90 %9d\n", "without settle.ko", b50, b90
		printf "  %-34s p50 %9d  p90 %9d  ratio p50 %6.4f  added p50 %7d\n", "settle.ko, no recorder", m50, m90, m50 / b50, m50 - b50
		printf "  %-34s p50 %9d  p90 %9d  ratio p50 %6.4f  added p50 %7d\n", "settle.ko + recorder (BPF)", w50, w90, w50 / b50, w50 - b50
		printf "  %-34s p50 %9d  p90 %9d  ratio p50 %6.4f  added p50 %7d\n", "settle.ko kprobes=1 + recorder", k50, k90, k50 / b50, k50 - b50
	}'
	# Where settle.ko's part goes: the same module with the sampler's
	# timer on the writing CPU (no IPI), then with a 10 ms sampler (the
	# path with its one synchronous sample and the arming IPI, and no
	# later sample inside the write).
	parts=$(tr -d '\r' < "$out/console.log" | grep -a '^@@SETTLE-BENCH parts') || {
		echo "bench: the $arch guest printed no breakdown; console log: $out/console.log" >&2; exit 1; }
	set -- $parts
	awk -v b50="$base50" -v m50="$mod50" -v l50="$3" -v l90="$4" -v p50="$5" -v p90="$6" 'BEGIN {
		printf "  %-34s p50 %9d  p90 %9d  ratio p50 %6.4f  added p50 %7d\n", "settle.ko, sampler timer local", l50, l90, l50 / b50, l50 - b50
		printf "  %-34s p50 %9d  p90 %9d  ratio p50 %6.4f  added p50 %7d\n", "settle.ko, 10 ms sampler", p50, p90, p50 / b50, p50 - b50
		printf "  settle.ko'"'"'s %d ns: the path, its first sample and the IPI arming the\n", m50 - b50
		printf "  sampler %d; the 20 us sampler'"'"'s later samples %d; a timer on the writing\n", p50 - b50, m50 - p50
		printf "  CPU instead of the IPI: %+d\n", l50 - m50
	}'
done

# 4. The event rate settle record sustains (tests/vm/guest/t-storm-rate.sh),
# arm64 guest in virtual time: rates are events per second of instruction
# time, producer and recorder drawing on one instruction budget.
out=$top/build/bench-storm
"$top/tests/vm/run.sh" --arch arm64 --out "$out" t-storm-rate.sh >/dev/null 2>&1 || {
	echo "bench: the storm VM run failed; console log: $out/console.log" >&2; exit 1; }
echo "== settle record under an event storm, arm64 guest (virtual time: ns = instructions)"
echo "   4 records per transition (request, driver entry/exit, effective); rate from the truth"
tr -d '\r' < "$out/console.log" | grep -a '^@@SETTLE-BENCH storm' | awk '
function row(what) {
	printf "  %-50s %7.0f events/s  %7d events  lost %6d (%5.2f %%)\n", what, rate, ev, $10, 100 * $10 / ev
}
{
	ev = 4 * $7; rate = ev / ($8 / 1e9)
	if ($3 == "own") { row("recorder on its own vCPU, 4 MiB ring, max"); own = rate; ownl = $10 }
	else if ($3 == "shared") { row("recorder on the producer'\''s vCPU, 4 MiB ring, max"); sh = rate; shl = $10 }
	else if ($3 == "ring") row(sprintf("  same vCPU, %d KiB ring, max", $5))
	else {
		row(sprintf("  same vCPU, 16 KiB ring, one per %d us", $6 / 1000))
		if ($10 == 0 && rate > z) z = rate
		if ($10 > 0 && (!l || rate < l)) l = rate
	}
}
END {
	if (!ownl && !shl)
		printf "  sustained with zero loss (4 MiB ring): %.0f events/s, the fastest storm the kernel makes; loss never started\n", own < sh ? own : sh
	else
		printf "  the default ring lost records at full rate: see above\n"
	printf "  16 KiB ring, producer'\''s vCPU: zero loss up to %.0f events/s; loss from %s events/s\n", z, l ? sprintf("%.0f", l) : "(none measured)"
}'
