# Helpers for guest test scripts (busybox sh).  The host reads everything
# back from the console: lines starting with @@SETTLE- are protocol.

# SETTLE_CLOCK: virtual (qemu -icount) or real, as run.sh --clock chose.
. ./env

# What each clock needs; Documentation/testbed.rst says why.
#   CPU        the stepped (and probed) CPU
#   DEF_settle, DEF_settle_sim   module arguments scripts start from
#   SIM_BASE   DEF_settle_sim without the heartbeat
#   HEARTBEAT  the settle_sim arguments that bound a vCPU's turn
# load_modules uses DEF_<module> when a script sets no ARGS_<module>.
if [ "$SETTLE_CLOCK" = virtual ]; then
	# Three vCPUs: controller 0, settle's sampler 1, stepped CPU 2.  The
	# board's defaults otherwise: a 20 us sampler, 100 us steal periods,
	# no stretching (stretching lengthens the bursts that bound the
	# campaign stall: Documentation/testbed.rst, "RCU stalls").  The stall
	# sleeps, as a firmware wait would: a spinning vCPU would take
	# instruction time from the probe's.
	CPU=2
	HEARTBEAT="heartbeat_cpus=0-2"
	DEF_settle="sample_cpu=1"
	SIM_BASE="steal_period_us=100 steal_min_idle_us=0 stall_sleep=1 spin_yield=1"
else
	# TCG on the wall clock cannot keep a 20 us hrtimer without starving
	# the vCPU it runs on, and delivers timers below ~1 ms irregularly.
	CPU=1
	DEF_settle="sample_period_ns=200000"
	SIM_BASE="steal_min_idle_us=0 stall_sleep=1"
	HEARTBEAT=""
fi
DEF_settle_sim="$SIM_BASE $HEARTBEAT"

# result PASS|FAIL NAME DETAIL...
result() {
	st=$1 name=$2
	shift 2
	echo "@@SETTLE-RESULT $st $name $*"
}

# emit_file NAME PATH: a file or directory, tar+gzip+base64 on the console.
emit_file() {
	echo "@@SETTLE-FILE $1"
	if [ -d "$2" ]; then
		tar -C "$(dirname "$2")" -czf - "$(basename "$2")" | base64
	else
		gzip -c "$2" | base64
	fi
	echo "@@SETTLE-END $1"
}

# emit_text NAME CMD...: the output of a command, as a file.
emit_text() {
	n=$1
	shift
	"$@" > "/tmp/.emit.$$" 2>&1
	emit_file "$n" "/tmp/.emit.$$"
	rm -f "/tmp/.emit.$$"
}

die() {
	result FAIL "${TEST:-guest}" "$*"
	exit 1
}

# Each script starts from a clean slate: what an earlier one left loaded
# (with its own parameters) is unloaded first.
unload_all() {
	for m in settle settle_sim cpufreq_ondemand cpufreq_userspace; do
		[ -d /sys/module/$m ] && { rmmod $m || die "rmmod $m failed"; }
	done
	return 0
}

# unbound_off_cpu: unbound kworkers on every CPU but the stepped one, as
# one isolates a probed CPU on a board.  The simulator slows a CPU by
# stealing it in bursts (93 us of each 100 us at 115200 kHz), so kernel
# work that lands there is stretched by whole bursts.  settle.ko restores
# the policy from an unbound kworker when settle step closes /dev/settle;
# where that kworker ran on the stepped CPU, a burst fell between the
# cpufreq PRE notifier and the simulator's driver entry, which the
# simulator's truth does not count: the restore's stall came out 96.1 us
# long (x86_64, 1 of 40 restores; 0.7-6.4 us in the others; 0.8-8.1 us in
# 55 restores since).
unbound_off_cpu() {
	n=$(grep -c ^processor /proc/cpuinfo)
	[ "$n" -gt 1 ] || return 0
	printf '%x\n' $(((1 << n) - 1 - (1 << CPU))) > /sys/devices/virtual/workqueue/cpumask ||
		die "cannot keep unbound workqueues off cpu$CPU"
}

load_modules() {
	unload_all
	for m in "$@"; do
		# sim-gpu's governors come from the kernel's own modules.
		if [ $m = settle_sim ]; then
			for g in governor_simpleondemand governor_userspace; do
				[ -d /sys/module/$g ] || [ ! -f /lib/settle/$g.ko ] ||
					insmod /lib/settle/$g.ko || die "insmod $g failed"
			done
		fi
		# Per-module parameters: ARGS_settle_sim="stall_us=50" and so on.
		eval "args=\${ARGS_$m-\${DEF_$m:-}}"
		insmod "/lib/settle/$m.ko" $args || die "insmod $m $args failed"
		# The simulated board steals CPU time below f_max; a governor
		# left by an earlier script could park idle CPUs low and slow
		# the whole VM (run.sh boots with performance).  Tests step one
		# CPU.
		if [ $m = settle_sim ]; then
			for g in /sys/devices/system/cpu/cpu*/cpufreq/scaling_governor; do
				echo performance > $g
			done
			unbound_off_cpu
			# The replay profile must arrive in one write().
			dd if=/lib/settle/orin-nano-cpu.profile of=/sys/kernel/debug/settle_sim/profile \
				bs=1M 2>/dev/null || die "cannot load the replay profile"
			for dom in gpu emc; do
				[ -f /lib/settle/orin-nano-$dom.profile ] || continue
				dd if=/lib/settle/orin-nano-$dom.profile \
					of=/sys/kernel/debug/settle_sim/profile_$dom bs=1M 2>/dev/null ||
					die "cannot load the $dom replay profile"
			done
			echo 1 > /sys/kernel/debug/settle_sim/truth
		fi
	done
}

# policy_of CPU: "governor min max", as sysfs shows it.
policy_of() {
	pd=$(cpufreq_dir $1)
	echo "$(cat $pd/scaling_governor) $(cat $pd/scaling_min_freq) $(cat $pd/scaling_max_freq)"
}

# wait_policy CPU "governor min max": limits reach the policy through a
# work item, so a read right after a write may be stale; poll up to 2 s.
wait_policy() {
	n=0
	while [ "$(policy_of $1)" != "$2" ] && [ $n -lt 200 ]; do
		usleep 10000
		n=$((n + 1))
	done
	[ "$(policy_of $1)" = "$2" ]
}

cpufreq_dir() {
	echo "/sys/devices/system/cpu/cpu$1/cpufreq"
}

# start_record OUT ARGS...: run `settle record` in the background and wait
# until it has attached, so no transition is missed.
start_record() {
	o=$1
	shift
	# A second recording would otherwise find the first one's "attached"
	# line before its own shell has truncated the file.
	rm -f /tmp/record.err
	settle record -o "$o" "$@" 2>/tmp/record.err &
	REC_PID=$!
	i=0
	while ! grep -q '^settle record: attached' /tmp/record.err 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 300 ] || ! kill -0 $REC_PID 2>/dev/null; then
			cat /tmp/record.err
			die "settle record did not attach"
		fi
		sleep 0.1
	done
}

stop_record() {
	kill -INT $REC_PID
	wait $REC_PID
	rc=$?
	cat /tmp/record.err
	[ $rc -eq 0 ] || die "settle record exited with $rc"
}
