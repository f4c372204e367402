# The request kprobes (settle.ko kprobes=1) armed and disarmed while
# transitions run through the probed functions: CPU setspeed writes
# (__cpufreq_driver_target) and sim-gpu under simple_ondemand
# (devfreq_update_target; update_devfreq on 5.10).  KP_ROUNDS rounds
# (default 30).  KP_MODULE=trivial loads tests/sim/kprobe_trivial.ko on
# KP_SYMS (comma-separated) instead: kprobes with nothing of settle's in
# them, to tell the kernel's (or the emulator's) patching from settle;
# KP_MODULE=trivial+settle loads them beside settle.ko kprobes=0.
TEST=kprobe
. ./lib.sh
R=${KP_ROUNDS:-30}
MOD=${KP_MODULE:-settle}
DESC="settle.ko kprobes=1"
SYM=${KP_SYMS:-__cpufreq_driver_target}
S=/sys/module/settle_sim/parameters
t=/sys/kernel/tracing
TAINT_BAD=$(((1 << 7) | (1 << 9) | (1 << 14)))
[ -e /proc/kallsyms ] && ! grep -q ' register_kprobe$' /proc/kallsyms &&
	{ result PASS kprobe "skipped: this kernel has no kprobes"; exit 0; }

taskset -p 1 $$ >/dev/null
# As in t-unload-storm.sh: no heartbeat, no stealing; timing is not measured.
ARGS_settle_sim="steal=0 stall_sleep=1 gpu=1 emc=1 gpu_polling_ms=20"
load_modules settle_sim cpufreq_userspace
# One vCPU (run.sh --smp 1): step the only CPU there is.
[ -d "$(cpufreq_dir $CPU)" ] || CPU=0
d=$(cpufreq_dir $CPU)
echo userspace > $d/scaling_governor
# KP_GAP_US between CPU transitions (default 1000; 0: back to back).
gap=${KP_GAP_US:-1000}
nap=":"
[ "$gap" -gt 0 ] && nap="usleep $gap"
taskset -c 0 sh -c "while :; do for f in 115200 1728000 729600; do echo \$f > $d/scaling_setspeed; $nap; done; done" &
w_cpu=$!
taskset -c 0 sh -c "while :; do echo 10 > $S/gpu_load_pct; usleep 30000; echo 100 > $S/gpu_load_pct; usleep 30000; done" &
w_gpu=$!

if [ "$MOD" = settle ]; then
	# Round 0 checks that the probes work: requests timed by the kprobe
	# (source=1) on the CPU and the GPU.
	insmod /lib/settle/settle.ko $DEF_settle kprobes=1 || die "insmod settle kprobes=1 failed"
	dmesg | grep -q 'no request kprobe on' && { dmesg | grep 'request kprobe'; die "a request kprobe did not arm"; }
	# How the kernel armed them ([FTRACE]: through the function's ftrace
	# call site, as x86 does; else a breakpoint instruction).
	echo "kprobe: $(tr '\n' ';' < /sys/kernel/debug/kprobes/list)"
	echo > $t/trace
	echo 1 > $t/events/settle/request/enable
	usleep 200000
	echo 0 > $t/events/settle/request/enable
	kp=$(grep ' request: ' $t/trace | grep 'source=1' | sed 's/.* domain=\([0-9]\) .*/\1/' | sort -u | tr '\n' ' ')
	rmmod settle || die "rmmod settle failed"
	# KP_CHECK=0: a build whose handlers do nothing (an experiment).
	[ "$kp" = "0 1 " ] || [ "${KP_CHECK:-1}" = 0 ] ||
		die "kprobe-timed requests on domains '$kp', want cpu (0) and gpu (1)"
	result PASS kprobe-armed "requests timed by the kprobe on domains $kp"
	load() { insmod /lib/settle/settle.ko $DEF_settle kprobes=1; }
	unload() { rmmod settle; }
elif [ "$MOD" = trivial+settle ]; then
	# The trivial kprobes beside settle.ko kprobes=0: the same text
	# patching per round, with none of settle's handlers.
	load() { insmod /lib/settle/settle.ko $DEF_settle && insmod /lib/settle/kprobe_trivial.ko syms=$SYM; }
	unload() { rmmod kprobe_trivial && rmmod settle; }
	DESC="settle.ko kprobes=0 and trivial kprobes on $SYM"
	MOD=trivial-settle
else
	load() { insmod /lib/settle/kprobe_trivial.ko syms=$SYM; }
	unload() { rmmod kprobe_trivial; }
	DESC="trivial kprobe on $SYM"
	load && echo "kprobe: $(tr '\n' ';' < /sys/kernel/debug/kprobes/list)" && unload ||
		die "the trivial kprobes do not load and unload"
fi

start=$(cut -d' ' -f1 /proc/uptime)
i=0
while [ $i -lt $R ]; do
	load || die "load failed in round $i ($MOD)"
	usleep $((10000 + (i % 5) * 7000))
	unload || die "unload failed in round $i ($MOD)"
	i=$((i + 1))
	[ $((i % 10)) -ne 0 ] || echo "kprobe: $i rounds at $(cut -d' ' -f1 /proc/uptime) s"
done
end=$(cut -d' ' -f1 /proc/uptime)
kill $w_cpu $w_gpu
wait $w_cpu $w_gpu 2>/dev/null
[ "$MOD" = trivial ] && dmesg | grep 'kprobe_trivial:' | tail -n 2
bad=$(dmesg | grep -cE 'Oops|WARNING:|BUG:|Call trace:|soft lockup|rcu_.*stall')
taint=$(cat /proc/sys/kernel/tainted)
if [ "$bad" -eq 0 ] && [ $((taint & TAINT_BAD)) -eq 0 ]; then
	result PASS kprobe-$MOD "$i arm/disarm rounds ($DESC, $SETTLE_CLOCK clock) with transitions in flight, guest $start..$end s: 0 oops/WARN/BUG, taint $taint"
else
	dmesg | grep -E -A20 'Oops|WARNING:|BUG:|Call trace:|soft lockup|rcu_.*stall' | head -n 60
	result FAIL kprobe-$MOD "$i rounds ($DESC, $SETTLE_CLOCK clock): $bad oops/WARN/BUG lines, taint $taint"
fi
unload_all
