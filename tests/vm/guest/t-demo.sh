# make demo: a CPU campaign with `settle step` on the simulated board,
# which replays the Orin Nano profile.  The host turns the results into
# demo-out/.
TEST=demo
. ./lib.sh
# The board's defaults in virtual time (tests/vm/guest/lib.sh).
ARGS_settle="${ARGS_settle:-$DEF_settle}"
ARGS_settle_sim="${ARGS_settle_sim:-$DEF_settle_sim}"
load_modules settle_sim cpufreq_userspace settle
echo -1 > /proc/sys/kernel/sched_rt_runtime_us
settle step --cpu $CPU --rates 115200,729600,1728000 --count 5 --random-gap 60:100 \
	--seed 42 -o /tmp/demo || die "settle step failed"
cp /sys/kernel/debug/settle_sim/truth /tmp/truth.csv
emit_file trace /tmp/demo
emit_file truth-sim.csv /tmp/truth.csv
result PASS $TEST "campaign recorded"
