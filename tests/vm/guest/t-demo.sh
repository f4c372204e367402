# make demo: a CPU campaign with `settle step` on the simulated board,
# which replays the Orin Nano profile.  The host turns the results into
# demo-out/.
TEST=demo
. ./lib.sh
# TCG cannot keep settle's default 20 us sampler; exact 1 ms steal periods
# and a sleeping stall keep the VM's throughput signal clean (see
# tests/vm/guest/t-step.sh).
ARGS_settle="${ARGS_settle:-sample_period_ns=200000}"
ARGS_settle_sim="${ARGS_settle_sim:-steal_min_idle_us=0 stall_sleep=1}"
load_modules settle_sim cpufreq_userspace settle
echo -1 > /proc/sys/kernel/sched_rt_runtime_us
settle step --cpu 1 --rates 115200,729600,1728000 --count 5 --random-gap 60:100 \
	--warmup 6 --seed 42 -o /tmp/demo || die "settle step failed"
cp /sys/kernel/debug/settle_sim/truth /tmp/truth.csv
emit_file trace /tmp/demo
emit_file truth-sim.csv /tmp/truth.csv
result PASS $TEST "campaign recorded"
