# Hostile control input (tests/vm/ctlfuzz.c): random ioctls, payloads and
# pointers on /dev/settle, open/close/step races from several processes,
# controllers killed mid-step, and access without privilege.  Afterwards
# the kernel is healthy, settle.ko unloads, and every policy settle could
# have touched is what it was before: each CPU's governor and limits,
# sim-gpu's governor and min/max_freq, and EMC's rate.
# FUZZ_SEED (SETTLE_GUEST_FUZZ_SEED on the host) repeats a run; FUZZ_CALLS
# and FUZZ_PROCS size it.
TEST=ctlfuzz
. ./lib.sh
seed=${FUZZ_SEED:-$(($(date +%s) % 100000 * 32768 + RANDOM))}
calls=${FUZZ_CALLS:-1500}
procs=${FUZZ_PROCS:-4}
G=/sys/class/devfreq/sim-gpu
E=/sys/kernel/debug/clk/emc/clk_rate
TAINT_BAD=$(((1 << 7) | (1 << 9) | (1 << 14)))

taskset -p 1 $$ >/dev/null
# No heartbeat, no stealing (as in t-unload-storm.sh): a CPU a broken restore left
# slow would otherwise stall the guest instead of failing the check.
ARGS_settle_sim="steal=0 stall_sleep=1 gpu=1 emc=1 gpu_polling_ms=20"
load_modules settle_sim cpufreq_userspace settle
# Policies that are not the defaults, so a restore to defaults is caught:
# CPU 1 under userspace at a set speed, the others capped; sim-gpu with
# user limits; EMC at its middle rate.
for c in $(ls -d /sys/devices/system/cpu/cpu[0-9]* | sed 's/.*cpu//'); do
	echo 1497600 > $(cpufreq_dir $c)/scaling_max_freq
	echo 422400 > $(cpufreq_dir $c)/scaling_min_freq
done
echo userspace > $(cpufreq_dir 1)/scaling_governor
echo 729600 > $(cpufreq_dir 1)/scaling_setspeed
echo 408000000 > $G/min_freq
echo 918000000 > $G/max_freq
echo 2133000 > /sys/kernel/debug/settle_sim/emc_rate

# snapshot: every policy, one line each.
snapshot() {
	for c in $(ls -d /sys/devices/system/cpu/cpu[0-9]* | sed 's/.*cpu//'); do
		pd=$(cpufreq_dir $c)
		sp=""
		[ "$(cat $pd/scaling_governor)" = userspace ] && sp=" setspeed $(cat $pd/scaling_setspeed)"
		echo "cpu$c $(cat $pd/scaling_governor) $(cat $pd/scaling_min_freq) $(cat $pd/scaling_max_freq)$sp"
	done
	echo "sim-gpu $(cat $G/governor) $(cat $G/min_freq) $(cat $G/max_freq)"
	echo "emc $(cat $E)"
}
usleep 200000
snapshot > /tmp/before
cat /tmp/before

ctlfuzz $seed $calls $procs > /tmp/ctlfuzz.out 2>&1
frc=$?
cat /tmp/ctlfuzz.out
# ctlfuzz's own verdicts (EPERM, expected errnos) go to the console as is.
grep '^@@SETTLE-RESULT' /tmp/ctlfuzz.out >/dev/null || die "ctlfuzz reported nothing (status $frc)"
ncalls=$(sed -n 's/^ctlfuzz: \([0-9]*\) ioctl calls.*/\1/p' /tmp/ctlfuzz.out)

# Limits reach cpufreq through a work item: poll up to 2 s.
n=0
while ! snapshot | cmp -s - /tmp/before && [ $n -lt 200 ]; do
	usleep 10000
	n=$((n + 1))
done
snapshot > /tmp/after
if cmp -s /tmp/before /tmp/after; then
	result PASS ctlfuzz-policy "seed $seed: every policy as before ($(wc -l < /tmp/after) devices)"
else
	diff /tmp/before /tmp/after
	result FAIL ctlfuzz-policy "seed $seed: policies differ after the fuzz (diff above)"
fi
rmmod settle
rrc=$?
bad=$(dmesg | grep -cE 'Oops|WARNING:|BUG:|Call trace:|soft lockup|rcu_.*stall')
taint=$(cat /proc/sys/kernel/tainted)
if [ $rrc -eq 0 ] && [ "$bad" -eq 0 ] && [ $((taint & TAINT_BAD)) -eq 0 ]; then
	result PASS ctlfuzz-health "seed $seed: $ncalls calls; settle.ko unloaded; 0 oops/WARN/BUG, taint $taint"
else
	dmesg | grep -E -A20 'Oops|WARNING:|BUG:|Call trace:|soft lockup|rcu_.*stall' | head -n 60
	result FAIL ctlfuzz-health "seed $seed: rmmod status $rrc, $bad oops/WARN/BUG lines, taint $taint"
fi
# Back to the defaults for the scripts after this one.
echo 408000000 > $G/min_freq 2>/dev/null
unload_all
