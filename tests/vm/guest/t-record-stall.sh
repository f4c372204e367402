# settle record + settle.ko + BPF on the simulated board: the recorded
# PRE-to-POST gap must match the stall the simulator injected (checked on the
# host by tools/compare_truth.py).
TEST=record-stall
. ./lib.sh
load_modules settle_sim cpufreq_userspace settle
cpu=1
d=$(cpufreq_dir $cpu)
echo userspace > $d/scaling_governor || die "cannot select the userspace governor"
# Under TCG the first transitions are slow (cold code paths): warm up.
for f in 729600 1728000 115200 1728000; do echo $f > $d/scaling_setspeed; done
echo 1 > /sys/kernel/debug/settle_sim/truth
start_record /tmp/trace
n=0
for r in 1 2 3 4 5; do
	for f in 115200 1728000 729600 1728000 115200 729600 1728000; do
		echo $f > $d/scaling_setspeed || die "scaling_setspeed $f failed"
		n=$((n + 1))
	done
done
sleep 0.3
stop_record
cp /sys/kernel/debug/settle_sim/truth /tmp/truth.csv
emit_file record-stall.trace /tmp/trace
emit_file record-stall.truth.csv /tmp/truth.csv
settle report /tmp/trace || die "settle report failed on the recorded trace"
rows=$(($(wc -l < /tmp/truth.csv) - 1))
[ "$rows" -eq "$n" ] || die "simulator saw $rows transitions, the script made $n"
result PASS $TEST "$n transitions recorded"
