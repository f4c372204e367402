# make demo: a CPU, a GPU and an EMC campaign with `settle step` on the
# simulated board, which replays the Orin Nano records of each domain.
# The host turns the results into demo-out/.
TEST=demo
. ./lib.sh
# The board's defaults in virtual time (tests/vm/guest/lib.sh), with the
# simulated GPU and memory clock; EMC throttles the probed CPU, so the
# memory-bound probe sees its settle.
ARGS_settle="${ARGS_settle:-$DEF_settle}"
ARGS_settle_sim="${ARGS_settle_sim:-$DEF_settle_sim gpu=1 emc=1 emc_steal_cpus=$CPU}"
load_modules settle_sim cpufreq_userspace settle
echo -1 > /proc/sys/kernel/sched_rt_runtime_us
T=/sys/kernel/debug/settle_sim/truth

# campaign DOMAIN ARGS...: one campaign, its trace and the truth it made.
campaign() {
	dom=$1
	shift
	echo 1 > $T
	settle step --domain $dom "$@" --count 5 --random-gap 60:100 --seed 42 \
		-o /tmp/demo-$dom || die "settle step --domain $dom failed"
	cp $T /tmp/truth-$dom.csv
	emit_file trace-$dom /tmp/demo-$dom
	emit_file truth-$dom.csv /tmp/truth-$dom.csv
}
campaign cpu --cpu $CPU --rates 115200,729600,1728000
campaign gpu --rates 306000,612000,1020000
campaign emc --cpu $CPU --rates 665600,2133000,3199000
result PASS $TEST "cpu, gpu and emc campaigns recorded"
