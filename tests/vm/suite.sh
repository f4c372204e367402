#!/usr/bin/env bash
# The VM end-to-end suite for one arch: boot once, run the guest scripts,
# then check what came back against the simulator's truth on the host.
#
# usage: suite.sh ARCH [virtual|real|smoke|kernels|debug]
#   virtual (the default): qemu -icount, the full suite, tight bounds
#         (x86_64 on qemu 10 from bookworm-backports: tests/vm/run.sh)
#   real: the full suite on the wall clock, with the TCG bounds
#   smoke: record, step and kill on the wall clock, with the TCG bounds
#   kernels: the other kernel lines, 5.10 (JetPack 5's) and 6.12, each
#         booted once for tracepoints, /dev/settle and a killed campaign
#         (arm64 in virtual time, x86_64 on the wall clock); the modes
#         above boot 6.1.  SETTLE_SUITE_KERNELS overrides the list.
#   debug (x86_64 only, make test-debug): real's scripts, the unload storm
#         and the control fuzz on a 6.1 kernel built with lockdep,
#         DEBUG_ATOMIC_SLEEP and KASAN (tests/vm/debug-kernel.sh, cached);
#         fails on any splat in dmesg.  No accuracy bounds: the
#         instrumentation changes the timing.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
arch=${1:?usage: suite.sh ARCH [virtual|real|smoke|kernels|debug]}
mode=${2:-virtual}
clock=$mode
rc=0

all="t-kernel-events.sh t-ctl.sh t-domains.sh t-sim-domains.sh t-record-stall.sh t-passive.sh t-step.sh t-gpu-emc.sh t-kill.sh t-cli.sh t-unload.sh"
# Hardening (issue 10), virtual time only: the unload storm at 25 cycles
# (make test-storm runs 100), hostile /dev/settle input, and load/unload
# rounds with the request kprobes armed.
hard="t-unload-storm.sh t-ctlfuzz.sh t-kprobe.sh"
export SETTLE_GUEST_STORM_CYCLES=${SETTLE_STORM_CYCLES:-25}
case $mode in
# Recording under load (t-storm.sh, t-diskfull.sh) runs in virtual time,
# where the storm's rate is instruction time, whatever the host's load.
# Together they add ~30 s to the suite (64 s booting both alone, 33 s
# booting t-ctl.sh alone, this machine).
virtual) out=$here/out/$arch-6.1 scripts="$all t-storm.sh t-diskfull.sh $hard"
	# t-kprobe.sh stays out on x86_64, as in its other modes
	# (Documentation/design.rst).
	[ "$arch" = x86_64 ] && scripts=${scripts/ t-kprobe.sh/} ;;
real) out=$here/out/$arch-6.1-real scripts=$all ;;
smoke) out=$here/out/$arch-6.1-smoke scripts="t-record-stall.sh t-step.sh t-kill.sh" clock=real ;;
# What differs between kernel lines is the module's side (tracepoints,
# cpufreq and misc device APIs, kill and restore), not settle's accuracy,
# which the 6.1 modes check: a short subset keeps each boot near a minute.
kernels) scripts="t-kernel-events.sh t-ctl.sh t-domains.sh t-sim-domains.sh t-kill.sh t-bpf-recursion.sh"
	[ "$arch" = x86_64 ] && clock=real || clock=virtual ;;
# Every script of the real mode plus the unload storm and the control
# fuzz (wall clock here), whose races and hostile input are where lock
# order and memory errors would hide.  t-kprobe.sh stays out, as in the
# other x86_64 modes (Documentation/design.rst).
debug) out=$here/out/$arch-6.1-debug scripts="$all t-unload-storm.sh t-ctlfuzz.sh" clock=real ;;
*) echo "suite.sh: unknown mode '$mode' (virtual, real, smoke, kernels, debug)" >&2; exit 2 ;;
esac

# Host-side checks read the guest's traces with a host build of settle.
settle=$top/build/host/settle
host_settle() {
	make -s -C "$top/user" OUT="$top/build/host" >/dev/null || { echo "FAIL: host build of settle"; exit 1; }
}

check_kill() {	# check_kill NAME: the trace of t-kill.sh's killed campaign
	if [ -d "$out/kill.trace" ] && "$settle" report "$out/kill.trace" >/dev/null; then
		echo "PASS: $1 the killed campaign's trace reads on the host"
	else
		echo "FAIL: $1 no readable trace from the killed campaign"
		rc=1
	fi
}

if [ "$mode" = kernels ]; then
	host_settle
	for k in ${SETTLE_SUITE_KERNELS:-5.10 6.12}; do
		out=$here/out/$arch-$k-kernels
		start=$SECONDS
		# shellcheck disable=SC2086
		"$here/run.sh" --arch "$arch" --kernel "$k" --clock "$clock" --timeout 300 \
			--out "$out" $scripts || { echo "FAIL: vm-$arch-$k (console: ${out#"$top"/}/console.log)"; rc=1; }
		check_kill "kill-$arch-$k"
		echo "suite: $arch $k took $((SECONDS - start)) s"
	done
	exit $rc
fi

if [ "$mode" = debug ]; then
	[ "$arch" = x86_64 ] || { echo "suite.sh: the debug kernel is x86_64 only" >&2; exit 2; }
	start=$SECONDS
	tree=$("$here/debug-kernel.sh") || { echo "FAIL: debug-kernel the debug kernel did not build"; exit 1; }
	echo "suite: debug kernel ready in $((SECONDS - start)) s (${tree##*/})"
	start=$SECONDS
	# shellcheck disable=SC2086
	"$here/run.sh" --arch "$arch" --kdir "$tree" --clock real --timeout 3600 --out "$out" $scripts ||
		{ echo "FAIL: vm-$arch-debug (console: ${out#"$top"/}/console.log)"; rc=1; }
	echo "suite: the debug kernel's run took $((SECONDS - start)) s"
	# collect.py already fails on BUG:, oopses and call traces; this
	# names every lockdep, RCU, atomic-sleep and KASAN report by its
	# headline, with the module lines of its trace.
	splat='possible circular locking|WARNING: possible|WARNING: inconsistent|WARNING: suspicious RCU'
	splat="$splat|BUG: sleeping function called from invalid context|KASAN:|BUG:|WARNING:|INFO: trying to register"
	if [ ! -f "$out/dmesg.txt" ]; then
		echo "FAIL: dmesg-$arch-debug the guest brought back no dmesg"
		rc=1
	elif ! grep -q 'KernelAddressSanitizer initialized' "$out/dmesg.txt" ||
		! grep -q 'Lock dependency validator' "$out/dmesg.txt"; then
		echo "FAIL: dmesg-$arch-debug the guest kernel did not start KASAN and lockdep (${tree##*/})"
		rc=1
	elif grep -qE "$splat" "$out/dmesg.txt"; then
		echo "FAIL: dmesg-$arch-debug the debug kernel reported (${out#"$top"/}/dmesg.txt):"
		grep -E "$splat|\[(settle|settle_sim)\]" "$out/dmesg.txt" | head -n 60 | sed 's/^/    /'
		rc=1
	else
		echo "PASS: dmesg-$arch-debug no lockdep, RCU, atomic-sleep or KASAN report in dmesg"
	fi
	host_settle
	check_kill "kill-$arch-debug"
	exit $rc
fi

# shellcheck disable=SC2086
# The virtual suite's guest runs ~8 min here (the hardening scripts
# included): 600 s was too tight.
"$here/run.sh" --arch "$arch" --clock "$clock" --timeout 1500 --out "$out" $scripts || rc=1
host_settle

# check NAME TRACE TRUTH ARGS...: report the guest's trace on the host and
# compare it with the simulator's truth (tools/compare_truth.py).
check() {
	local name=$1 trace=$2 truth=$3
	shift 3
	if [ ! -d "$trace" ] || [ ! -f "$truth" ]; then
		echo "FAIL: $name-$arch the guest brought back no trace or truth"
		rc=1
		return
	fi
	if ! "$settle" report --transitions --json "$trace" > "$trace.json"; then
		echo "FAIL: $name-$arch settle report could not read the guest trace"
		rc=1
		return
	fi
	python3 "$top/tools/compare_truth.py" --name "$name-$arch" --measured "$trace.json" \
		--truth "$truth" "$@" || rc=1
}

# check_storm: t-storm.sh's overflow, read on the host by another reader:
# babeltrace2's count of the recorded events plus settle report's lost
# count must be exactly 4 events per transition the simulator's truth
# logged (its row count comes back on the console), and some must be lost.
check_storm() {
	local rows rec lost
	rows=$(tr -d '\r' < "$out/console.log" | sed -n 's/^@@SETTLE-STORM rows \([0-9]*\) .*/\1/p')
	if [ -z "$rows" ] || [ ! -d "$out/storm.trace" ]; then
		echo "FAIL: storm-host-$arch the guest brought back no storm trace or truth count"
		rc=1
		return
	fi
	rec=$(babeltrace2 "$out/storm.trace" 2>/dev/null |
		grep -cE '^\[[^]]*\] \([^)]*\) [^ ]+ (request|driver_entry|driver_exit|effective): ')
	lost=$("$settle" report --json "$out/storm.trace" | grep -o '"lost_events":[0-9]*' | cut -d: -f2)
	if [ -n "$lost" ] && [ "$lost" -gt 0 ] && [ $((rec + lost)) -eq $((4 * rows)) ]; then
		echo "PASS: storm-host-$arch $((4 * rows)) events generated = $rec in the trace (babeltrace2) + $lost lost (settle report)"
	else
		echo "FAIL: storm-host-$arch $((4 * rows)) events generated, $rec in the trace (babeltrace2), ${lost:-no} lost (settle report): $((4 * rows - rec - ${lost:-0})) unaccounted"
		rc=1
	fi
}

# check_diskfull: t-diskfull.sh's trace, cut by ENOSPC: settle report reads
# it as partial ("stopped": the writer's truncated marker) with its
# transitions, and babeltrace2 reads it to the marker.
check_diskfull() {
	local t=$out/diskfull.trace
	if [ -d "$t" ] && "$settle" report --json "$t" > "$t.json" 2>/dev/null &&
		grep -q '"partial":true,"damage":{"kind":"stopped"' "$t.json" &&
		[ "$(grep -o '"unpaired_pre":[0-9]*' "$t.json" | cut -d: -f2)" = 0 ] &&
		grep -q '"n":[1-9]' "$t.json" &&
		babeltrace2 "$t" 2>/dev/null | tail -n 1 | grep -q ' truncated: '; then
		echo "PASS: diskfull-host-$arch the trace cut by ENOSPC reads on the host up to its truncated marker"
	else
		echo "FAIL: diskfull-host-$arch the guest's disk-full trace is missing, unreadable or not marked truncated"
		rc=1
	fi
}

if [ "$clock" = virtual ]; then
	# Virtual time (Documentation/testbed.rst).  Each bound is what
	# repeated runs met (arm64 on qemu 7.2, x86_64 on qemu 10), with the
	# measured figures and their cause beside it; the tests print the
	# quantiles every time.
	#
	# Passive sysfs writes, no probe, no heartbeat: settle's own stall
	# precision.  Measured |error| 1.0-3.6 us, the notifier and BPF path
	# around the driver call.  (Back-to-back writes cut transitions
	# short, so the effective change is checked in the campaigns.)
	check record "$out/record-stall.trace" "$out/record-stall.truth.csv" --min-n 35 \
		--max-stall-err-us 10 --max-p95-stall-err-us 10 --max-p50-stall-err-us 5
	check passive "$out/passive.trace" "$out/passive.truth.csv" --min-n 4 \
		--max-stall-err-us 100000
	# Every campaign's stall bounds (causes below, at the first campaign);
	# the 200 us-sampler campaign's median bound is tighter.
	stall=(--max-stall-err-us 90 --max-p95-stall-err-us 60)
	# The campaign at the board's defaults.  Figures since settle step
	# writes its trace mid-gap (before, a flush beside a request took
	# the probe's level to 60 % for 5 ms and moved change points by up
	# to 1.8 ms), over four arm64 and three x86_64 runs.  Stall |error|
	# p95 6.3-17.6 us, max 6.8-32.9 us: qemu 7.2's -icount ends a vCPU's
	# turn only at its own timer deadlines, so a heartbeat tick on the
	# controller inside PRE->entry or exit->POST lets the other two
	# vCPUs run their turns first (up to 17 us each); both paths cut
	# that way come to 2 x (2 x 17 + 8) = 84 us (path measured <= 8
	# us), hence the 90 us bound.  The policy restore at the end of a
	# campaign runs in an unbound kworker, kept off the stepped CPU
	# (lib.sh, unbound_off_cpu): there a 93 us steal burst made one
	# restore's stall 96 us long, and a CI run failed on it.  Effective |error| p95 17.3-49.3 us,
	# always within the sample's own gap: the sampler's deadline waits
	# for its vCPU's turn (gaps p95 up to 70 us, max 120 us in the 49.3
	# us run), so p95 stays at 120 us (18-67 us in earlier runs).  The
	# sampler's instructions take 13 % of the probe's time in each
	# settle window (probe rate 0.87 of its level, measured), which
	# pulls change points early: throughput |error| p50 112-195 us, p95
	# 314-543 us, max 436-651 us, hence a p95 bound of 750 us.
	check step "$out/step.trace" "$out/step.truth.csv" --min-n 36 \
		"${stall[@]}" --max-p50-stall-err-us 30 \
		--effective --max-p95-effective-err-us 120 \
		--throughput --min-throughput-frac 0.95 --min-within-frac 0.95 \
		--max-p95-throughput-err-us 750
	# The same campaign with a 200 us sampler (1.3 % of the probe's
	# time; before the mid-gap flush p50 54-157, p95 435-1790 us).
	# x86_64: throughput |error| p50 14-34 us, p95 70-123 us, max
	# 96-553 us over ten runs, bound p95 500 us (the target).  arm64:
	# p50 62-125 us, p95 238-569 us, max 284-1205 us over ten runs of
	# t-step.sh alone (p95 148-270 us in five earlier runs, three of
	# them full suites): pairs with 1728000 kHz stay within 260 us, but
	# 115200 <-> 729600 kHz change points scatter to -1.2..+0.7 ms,
	# always inside settle's own detection bound (up to 2.7 ms there).
	# At 115200 kHz the simulator misses steal bursts on arm64: 2.6-3.5
	# % of 200 us windows of that level carry over 4x its median work
	# (p99 728-1296 against a median of 49-52 per bin), against 0-0.9 %
	# (p99 75-80) on x86_64.  A steal tick that comes late leaves the
	# probe the rest of its period at full speed (sim_tick()), and such
	# a window near a transition moves its change point.  qemu 10 on
	# arm64 does it too (1.5 %, p95 293-382 us in two runs), so why
	# arm64's ticks come late is not found (its guest counts thousands
	# of hrtimer hangs on CPUs 1-2 per run on qemu 7.2, ~150 on qemu 10
	# as on x86_64).  Hence 750 us there.  Bound p50 150 us
	# on both.  Stall |error| p50 0.9-3.9 us, p95 1.2-17.7 us, max
	# 5.2-34 us: the campaign's bounds, same causes.
	case $arch in
	arm64) quiet_p95=750 ;;
	*) quiet_p95=500 ;;
	esac
	check step-quiet "$out/step-quiet.trace" "$out/step-quiet.truth.csv" --min-n 36 \
		"${stall[@]}" --max-p50-stall-err-us 10 \
		--effective --throughput --min-throughput-frac 0.95 --min-within-frac 0.95 \
		--max-p50-throughput-err-us 150 --max-p95-throughput-err-us "$quiet_p95"
	# GPU (devfreq sim-gpu) and EMC (clock emc) campaigns replaying the
	# Orin Nano's GPU and EMC records: driver calls of 2-10 ms and
	# readbacks of 5-15 ms.  GPU stall |error| max 5.3-6.7 us, effective
	# p95 15.5-18.4 us; EMC stall max 11.1-32.4 us (heartbeat turns, as
	# for the CPU), effective p95 16.7-27.8 us, max 17.5-65.4 us, within
	# each sample's gap.  The bounds are the CPU campaign's, from the
	# same causes.
	check gpu "$out/gpu.trace" "$out/gpu.truth.csv" --domain gpu --min-n 24 \
		"${stall[@]}" --max-p50-stall-err-us 30 \
		--effective --max-p95-effective-err-us 120
	check emc "$out/emc.trace" "$out/emc.truth.csv" --domain emc --min-n 24 \
		"${stall[@]}" --max-p50-stall-err-us 30 \
		--effective --max-p95-effective-err-us 120
	# EMC's throughput is seen by the memory-bound probe on the CPU EMC
	# throttles (emc_steal_cpus): a level shift from the settle instant.
	# With the 20 us sampler the probe's vCPU loses 8 % of each 9-13 ms
	# settle window to the sampler's instructions, which before a step
	# down lies between the levels and pulls the change 2-4.4 ms early
	# (2 of 24 outside their bounds in each of two runs), so the check
	# runs on the same campaign with a 200 us sampler: |error| p50 54-128
	# us, p95 253-467 us, max 395-544 us over six runs since the mid-gap
	# flush (before it, p95 661-789 us).  Its p95 is set by 2133000 ->
	# 665600 kHz, late by 250-540 us in every run: the flush, at +40 ms,
	# lies inside EMC's post-level window (+25 to +60 ms) and lowers the
	# new level, which moves the hinge late (ending that window at +38
	# ms takes the bias away, -111 us, but makes other pairs noisier).
	# Hence p95 750 us.
	check emc-quiet "$out/emc-quiet.trace" "$out/emc-quiet.truth.csv" --domain emc --min-n 24 \
		"${stall[@]}" --max-p50-stall-err-us 30 \
		--effective \
		--throughput --min-throughput-frac 0.95 --min-within-frac 0.95 \
		--max-p95-throughput-err-us 750
	# Passive: simple_ondemand's transitions, and CPU transitions that
	# each raise EMC inside their driver call; every one of those EMC
	# transitions must name its CPU transition as parent.
	check passive-gpu "$out/passive-dom.trace" "$out/passive-dom.truth.csv" --domain gpu \
		--min-n 6 --max-stall-err-us 90 --effective
	check passive-emc "$out/passive-dom.trace" "$out/passive-dom.truth.csv" --domain emc \
		--min-n 4 --max-stall-err-us 90 --effective --links 4
	check_storm
	check_diskfull
else
	# Wall-clock TCG: the notifier path costs tens of us and
	# the guest's shell can be preempted inside a stall (8.7 ms seen once
	# on arm64), so up to 5 % of the transitions may exceed the bound.
	# Under TCG the probe's vCPU slows by up to 60 % while the
	# controller's works, which the truth does not model: 80 % of the
	# change points within their bound, half of the transitions with one.
	case $arch in
	x86_64) tol=1000 ;;
	*) tol=1500 ;;
	esac
	check record-$mode "$out/record-stall.trace" "$out/record-stall.truth.csv" --min-n 35 \
		--max-stall-err-us "$tol" --max-p50-stall-err-us 200 --max-stall-miss-frac 0.05
	if [ "$mode" = real ]; then
		# ondemand's work runs on the measured CPU, so stall times there
		# carry the guest's scheduling; this checks that every transition
		# is caught.
		check passive "$out/passive.trace" "$out/passive.truth.csv" --min-n 4 \
			--max-stall-err-us 100000
	fi
	check step-$mode "$out/step.trace" "$out/step.truth.csv" --min-n 36 \
		--max-stall-err-us "$tol" --max-p50-stall-err-us 200 --max-stall-miss-frac 0.05 \
		--effective --throughput --min-within-frac 0.8 --min-throughput-frac 0.5
	if [ "$mode" = real ]; then
		check gpu-$mode "$out/gpu.trace" "$out/gpu.truth.csv" --domain gpu --min-n 24 \
			--max-stall-err-us "$tol" --max-p50-stall-err-us 200 \
			--max-stall-miss-frac 0.05 --effective
		check emc-$mode "$out/emc.trace" "$out/emc.truth.csv" --domain emc --min-n 24 \
			--max-stall-err-us "$tol" --max-p50-stall-err-us 200 \
			--max-stall-miss-frac 0.05 --effective
		check passive-emc-$mode "$out/passive-dom.trace" "$out/passive-dom.truth.csv" \
			--domain emc --min-n 4 --max-stall-err-us 100000 --links 4
	fi
fi
check_kill "kill-$arch-$mode"
exit $rc
