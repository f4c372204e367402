# settle step on the simulated board replaying the Orin Nano CPU profile:
# the host checks stall, effective settle and throughput settle of every
# step against the simulator's truth (tools/compare_truth.py).
TEST=step
. ./lib.sh
# TCG cannot keep a 20 us hrtimer without starving the CPU it runs on.
ARGS_settle="${ARGS_settle:-sample_period_ns=200000}"
# Exact 1 ms steal periods: the stretching that keeps an idle TCG guest
# responsive would make the throughput level at 115200 kHz a 7.5 ms pattern.
# A sleeping stall: a spinning vCPU takes the host core the probe's vCPU
# needs, which the probe would see as a throughput drop during the stall.
ARGS_settle_sim="${ARGS_settle_sim:-steal_min_idle_us=0 stall_sleep=1}"
load_modules settle_sim cpufreq_userspace settle
# The probe runs SCHED_FIFO; RT throttling would pause it 50 ms a second.
echo -1 > /proc/sys/kernel/sched_rt_runtime_us
cpu=1
gov=$(cat $(cpufreq_dir $cpu)/scaling_governor)
settle step --cpu $cpu --rates 115200,729600,1728000 --count ${STEP_COUNT:-6} \
	--gap-ms 80 --warmup 6 --seed 1 -o /tmp/step 2>/tmp/step.err
rc=$?
cat /tmp/step.err
[ $rc -eq 0 ] || die "settle step exited with $rc"
cp /sys/kernel/debug/settle_sim/truth /tmp/truth.csv
after=$(cat $(cpufreq_dir $cpu)/scaling_governor)
[ "$after" = "$gov" ] || die "governor after the campaign is $after, was $gov"
emit_file step.trace /tmp/step
emit_file step.truth.csv /tmp/truth.csv
settle report /tmp/step || die "settle report failed on the step trace"
result PASS $TEST "campaign ran, governor $gov restored"
