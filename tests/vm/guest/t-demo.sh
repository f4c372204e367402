# make demo: a CPU campaign on the simulated board, replaying the Orin Nano
# profile, recorded by settle.  The host turns the results into demo-out/.
TEST=demo
. ./lib.sh
ARGS_settle="${ARGS_settle:-sample_period_ns=200000}"
load_modules settle_sim cpufreq_userspace settle
cpu=1
taskset -p 1 $$ >/dev/null || die "cannot pin the demo shell to cpu0"
echo "demo: stepping cpu$cpu through 115200, 729600 and 1728000 kHz"
start_record /tmp/trace
d=$(cpufreq_dir $cpu)
echo userspace > $d/scaling_governor || die "cannot select the userspace governor"
for f in 729600 1728000 115200 1728000; do echo $f > $d/scaling_setspeed; done
echo 1 > /sys/kernel/debug/settle_sim/truth
for r in 1 2 3 4 5 6; do
	for f in 115200 1728000 729600 1728000 115200 729600 1728000; do
		echo $f > $d/scaling_setspeed || die "scaling_setspeed $f failed"
		usleep 20000
	done
done
stop_record
cp /sys/kernel/debug/settle_sim/truth /tmp/truth.csv
emit_file trace /tmp/trace
emit_file truth-sim.csv /tmp/truth.csv
result PASS $TEST "campaign recorded"
