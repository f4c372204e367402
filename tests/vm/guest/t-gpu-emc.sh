# settle step, record and report on the simulated GPU (devfreq sim-gpu)
# and EMC (clock emc), replaying the Orin Nano records.  The host checks
# each campaign's stall and effective change (and EMC's throughput change,
# seen by the memory-bound probe on a CPU that EMC throttles) against the
# simulator's truth (tools/compare_truth.py --domain gpu|emc), the passive
# capture under simple_ondemand, and the cpu -> emc links in the report.
# In the guest: a killed GPU campaign leaves devfreq's limits as they were.
TEST=gpu-emc
. ./lib.sh
G=/sys/class/devfreq/sim-gpu
S=/sys/module/settle_sim/parameters
T=/sys/kernel/debug/settle_sim/truth

wait_file() {	# wait_file FILE VALUE: up to 3 s
	n=0
	while [ "$(cat "$1")" != "$2" ] && [ $n -lt 300 ]; do
		usleep 10000
		n=$((n + 1))
	done
	[ "$(cat "$1")" = "$2" ]
}
gpu_state() { echo "$(cat $G/governor) $(cat $G/min_freq) $(cat $G/max_freq)"; }

taskset -p 1 $$ >/dev/null || die "cannot pin the test shell to cpu0"
ARGS_settle="${ARGS_settle:-$DEF_settle}"
ARGS_settle_sim="$DEF_settle_sim gpu=1 emc=1 emc_steal_cpus=$CPU gpu_polling_ms=20"
load_modules settle_sim cpufreq_userspace settle
echo -1 > /proc/sys/kernel/sched_rt_runtime_us
settle devices > /tmp/devices.txt 2>&1 || { cat /tmp/devices.txt; die "settle devices failed"; }
cat /tmp/devices.txt
grep -q sim-gpu /tmp/devices.txt && grep -q emc /tmp/devices.txt ||
	die "settle devices does not list sim-gpu and emc"

# campaign NAME DOMAIN RATES ARGS...: a campaign, its trace and truth emitted.
campaign() {
	name=$1 dom=$2 rates=$3
	shift 3
	before=$(gpu_state)
	echo 1 > $T
	settle step --domain $dom --rates $rates --count ${STEP_COUNT:-4} --gap-ms 80 \
		--seed 1 -o /tmp/$name "$@" 2>/tmp/$name.err
	rc=$?
	cat /tmp/$name.err
	[ $rc -eq 0 ] || die "settle step --domain $dom exited with $rc"
	grep -q 'failed:' /tmp/$name.err && die "a step of the $name campaign failed"
	cp $T /tmp/$name.truth.csv
	wait_file $G/max_freq "${before##* }"
	[ "$(gpu_state)" = "$before" ] || die "after the $name campaign sim-gpu is '$(gpu_state)', was '$before'"
	emit_file $name.trace /tmp/$name
	emit_file $name.truth.csv /tmp/$name.truth.csv
	settle report /tmp/$name || die "settle report failed on the $name trace"
	result PASS $TEST-$name "campaign ran, sim-gpu '$before' as before"
}
campaign gpu gpu 306000,612000,1020000
campaign emc emc 665600,2133000,3199000 --cpu $CPU
# The same EMC campaign with a 200 us sampler, for its throughput.  In
# virtual time the sampler's instructions are taken from the probe's vCPU:
# at 20 us 8 % of each 9-13 ms settle window (measured), which before a
# step down lies between the two levels, where no fit can tell it from an
# early change (Documentation/testbed.rst).  At 200 us it is 0.8 %.
if [ "$SETTLE_CLOCK" = virtual ]; then
	ARGS_settle="$DEF_settle sample_period_ns=200000"
	load_modules settle_sim cpufreq_userspace settle
	campaign emc-quiet emc 665600,2133000,3199000 --cpu $CPU
	ARGS_settle="$DEF_settle"
	load_modules settle_sim cpufreq_userspace settle
fi

# Passive: simple_ondemand follows the simulated load; then CPU
# transitions that each raise EMC inside their driver call.
echo 1 > $T
start_record /tmp/passive-dom
for i in 1 2 3; do
	echo 10 > $S/gpu_load_pct
	wait_file $G/cur_freq 306000000 || die "simple_ondemand did not lower sim-gpu"
	echo 100 > $S/gpu_load_pct
	wait_file $G/cur_freq 1020000000 || die "simple_ondemand did not raise sim-gpu"
done
d=$(cpufreq_dir $CPU)
echo 1 > $S/cpu_emc_link
echo userspace > $d/scaling_governor
for f in 115200 1728000 729600 1728000; do
	echo $f > $d/scaling_setspeed
	sleep 0.1
done
echo 0 > $S/cpu_emc_link
echo performance > $d/scaling_governor
sleep 0.2
stop_record
cp $T /tmp/passive-dom.truth.csv
emit_file passive-dom.trace /tmp/passive-dom
emit_file passive-dom.truth.csv /tmp/passive-dom.truth.csv
result PASS $TEST-passive "recorded simple_ondemand and linked transitions"

# A GPU campaign killed mid-way: devfreq's limits come back.
echo 612000000 > $G/max_freq
wait_file $G/max_freq 612000000
before=$(gpu_state)
settle step --domain gpu --rates 306000,1020000 --count 1000 --gap-ms 20 --warmup 0 \
	--seed 2 -o /tmp/gkill 2>/tmp/gkill.err &
pid=$!
sleep 2
kill -9 $pid
wait $pid
rc=$?
wait_file $G/max_freq 612000000
after=$(gpu_state)
[ $rc -eq 137 ] || { cat /tmp/gkill.err; die "settle step --domain gpu was not killed (status $rc)"; }
[ "$after" = "$before" ] || die "sim-gpu after the kill is '$after', was '$before'"
settle report /tmp/gkill > /tmp/gkill.report 2>&1 || { cat /tmp/gkill.report; die "cannot read the killed GPU trace"; }
result PASS $TEST-kill "killed GPU campaign: sim-gpu '$after' restored, trace readable"
rmmod settle || die "rmmod settle failed"
