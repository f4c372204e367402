# settle record + settle.ko + BPF on the simulated board: the recorded
# PRE-to-POST gap must match the stall the simulator injected (checked on the
# host by tools/compare_truth.py).
TEST=record-stall
. ./lib.sh
# No busy vCPU here, so no heartbeat: its ticks on the writer's vCPU would
# land inside the measured path.
ARGS_settle_sim="${ARGS_settle_sim:-$SIM_BASE steal=0}"
ARGS_settle="${ARGS_settle:-$DEF_settle}"
load_modules settle_sim cpufreq_userspace settle
cpu=$CPU
d=$(cpufreq_dir $cpu)
# The writer stays off the measured CPU: below f_max the simulated board
# steals most of that CPU's time, which would land inside the stall window.
taskset -p 1 $$ >/dev/null || die "cannot pin the test shell to cpu0"
echo userspace > $d/scaling_governor || die "cannot select the userspace governor"
start_record /tmp/trace
# On the wall clock the first runs of a code path (the notifiers, the
# freshly attached BPF programs) are translated first and take up to 1 ms:
# warm up with the recorder attached, then measure only what comes after.
# Translation costs no guest time in virtual time.
if [ "$SETTLE_CLOCK" = real ]; then
	for f in 729600 1728000 115200 1728000 729600 115200 1728000; do
		echo $f > $d/scaling_setspeed
	done
fi
echo 1 > /sys/kernel/debug/settle_sim/truth
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
