# settle step on the simulated board replaying the Orin Nano CPU profile:
# the host checks stall, effective settle and throughput settle of every
# step against the simulator's truth (tools/compare_truth.py).
TEST=step
. ./lib.sh

# campaign NAME SETTLE_ARGS: one campaign on $CPU, its trace and the
# simulator's truth emitted as NAME.trace and NAME.truth.csv.
campaign() {
	name=$1
	ARGS_settle=$2
	# A sleeping stall; in virtual time the board's 100 us steal periods
	# and the heartbeat; on the wall clock exact 1 ms periods (the
	# stretching that keeps an idle TCG guest responsive would make the
	# level at 115200 kHz a 7.5 ms pattern).
	ARGS_settle_sim="$DEF_settle_sim"
	load_modules settle_sim cpufreq_userspace settle
	# The probe runs SCHED_FIFO; RT throttling would pause it 50 ms a second.
	echo -1 > /proc/sys/kernel/sched_rt_runtime_us
	gov=$(cat $(cpufreq_dir $CPU)/scaling_governor)
	settle step --cpu $CPU --rates 115200,729600,1728000 --count ${STEP_COUNT:-6} \
		--gap-ms 80 $WARMUP --seed 1 -o /tmp/$name 2>/tmp/$name.err
	rc=$?
	cat /tmp/$name.err
	[ $rc -eq 0 ] || die "settle step ($name) exited with $rc"
	# The positioning step may find the CPU where the plan starts; any
	# other refusal is a failure (the step race: EALREADY on a warm-up).
	if grep -q 'failed:' /tmp/$name.err; then
		die "a step of the $name campaign failed (see its warnings)"
	fi
	cp /sys/kernel/debug/settle_sim/truth /tmp/$name.truth.csv
	after=$(cat $(cpufreq_dir $CPU)/scaling_governor)
	[ "$after" = "$gov" ] || die "governor after the $name campaign is $after, was $gov"
	emit_file $name.trace /tmp/$name
	emit_file $name.truth.csv /tmp/$name.truth.csv
	settle report /tmp/$name || die "settle report failed on the $name trace"
	result PASS $TEST-$name "campaign ran, governor $gov restored"
}

if [ "$SETTLE_CLOCK" = virtual ]; then
	# Translation costs no guest time: only the hardware's default
	# warm-up.  First the board's defaults (20 us sampler)...
	WARMUP=
	campaign step "$DEF_settle"
	# ...then a quiet sampler: every instruction of the sampler's vCPU
	# is time the probe's vCPU does not get, which at 20 us costs the
	# probe 13 % of its time during each settle window (measured) and
	# pulls throughput change points early; at 200 us it is 1.3 %.
	campaign step-quiet "$DEF_settle sample_period_ns=200000"
else
	# The first runs of a code path are translated first and take up to
	# 1 ms of wall time.
	WARMUP="--warmup 6"
	campaign step "$DEF_settle"
fi
