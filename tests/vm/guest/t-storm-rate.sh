# make bench, in the guest: the event rate `settle record` sustains, in
# virtual time (1 ns = 1 instruction, every vCPU's instructions from one
# budget).  settle_sim's cpu_storm makes transitions back to back or one
# every PERIOD_NS; each is 4 records (t-storm.sh).  The rate is measured
# from the truth (first to last request), the loss from the recorder.
TEST=storm-rate
. ./lib.sh
ARGS_settle_sim="$SIM_BASE $HEARTBEAT stall_us=0 settle_us=0 steal=0"
load_modules settle_sim cpufreq_userspace settle
dbg=/sys/kernel/debug/settle_sim
cpu=$CPU
taskset -p 1 $$ >/dev/null || die "cannot pin the test shell to cpu0"
echo userspace > $(cpufreq_dir $cpu)/scaling_governor || die "cannot select the userspace governor"
echo "$cpu 2 0" > $dbg/cpu_storm || die "settle_sim has no cpu_storm"
sleep 0.1
# point LABEL RECORDER_CPU RING_KIB N PERIOD_NS
point() {
	rm -f /tmp/record.err
	taskset -c $2 settle record -o /tmp/rate --force --ring-kib $3 2>/tmp/record.err &
	REC_PID=$!
	i=0
	while ! grep -q '^settle record: attached' /tmp/record.err 2>/dev/null; do
		i=$((i + 1))
		[ $i -le 300 ] && kill -0 $REC_PID 2>/dev/null || { cat /tmp/record.err; die "settle record did not attach"; }
		sleep 0.1
	done
	echo 1 > $dbg/truth
	echo "$cpu $4 $5" > $dbg/cpu_storm || die "the storm failed"
	sleep 0.2
	kill -INT $REC_PID
	wait $REC_PID || { cat /tmp/record.err; die "settle record exited with $?"; }
	line=$(tail -n 1 /tmp/record.err)
	rec=$(echo "$line" | sed -n 's/^settle record: \([0-9]*\) records.*/\1/p')
	lost=$(echo "$line" | sed -n 's/.*devices, \([0-9]*\) lost.*/\1/p')
	set -- $1 $2 $3 $4 $5 $(awk -F, 'NR == 2 { a = $4 } NR > 1 { b = $4; n++ } END { print n, b - a }' $dbg/truth)
	[ $((rec + lost)) -eq $((4 * $6)) ] || die "$1: $((4 * $6)) events generated, $rec recorded, $lost lost"
	echo "@@SETTLE-BENCH storm $1 $2 $3 $5 $6 $7 $rec $lost"
}
n=${BENCH_STORM_N:-40000}
# The recorder on a vCPU of its own, then on the producer's, default ring.
point own 2 4096 $n 0
point shared 0 4096 $n 0
# Where loss starts on the producer's vCPU: the ring size at full rate,
# then the rate with the overflow test's 16 KiB ring.
for kib in 16 64 256; do
	point ring 0 $kib 4000 0
done
for p in 10000 20000 40000 80000; do
	point rate16 0 16 4000 $p
done
result PASS $TEST "storm rates measured"
