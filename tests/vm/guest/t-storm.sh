# Overflow is counted exactly: an event storm larger than the ring buffer
# must end in a trace whose lost count is the events generated minus the
# events recorded.  Generated comes from the simulator's truth: every CPU
# transition of settle_sim is one truth row and, with settle.ko, exactly
# four records (request, driver_entry, driver_exit, and one effective:
# settled, timed out or superseded).  The host checks the trace again with
# babeltrace2 (tests/vm/suite.sh).
#
# The recorder shares the producer's vCPU and has a 16 KiB ring: in virtual
# time every vCPU's instructions come out of one budget, so a recorder on a
# vCPU of its own always keeps up (t-storm-rate.sh measures that).
TEST=storm
. ./lib.sh
# No stall, no settle time, no steal: transitions back to back, as fast as
# the kernel makes them.  The sampler stays on cpu1 (DEF_settle), away from
# the producer: see "Recursion" in Documentation/testbed.rst.
ARGS_settle_sim="$SIM_BASE $HEARTBEAT stall_us=0 settle_us=0 steal=0"
load_modules settle_sim cpufreq_userspace settle
dbg=/sys/kernel/debug/settle_sim
cpu=$CPU
n=${STORM_N:-4000}
taskset -p 1 $$ >/dev/null || die "cannot pin the test shell to cpu0"
echo userspace > $(cpufreq_dir $cpu)/scaling_governor || die "cannot select the userspace governor"
# settle.ko reports the governor at the first transition after a switch
# (settle:policy): make it before recording, so the storm is all there is.
echo "$cpu 2 0" > $dbg/cpu_storm || die "settle_sim has no cpu_storm"
sleep 0.1
rm -f /tmp/record.err
taskset -c 0 settle record -o /tmp/storm --ring-kib 16 2>/tmp/record.err &
REC_PID=$!
i=0
while ! grep -q '^settle record: attached' /tmp/record.err 2>/dev/null; do
	i=$((i + 1))
	[ $i -le 300 ] && kill -0 $REC_PID 2>/dev/null || { cat /tmp/record.err; die "settle record did not attach"; }
	sleep 0.1
done
echo 1 > $dbg/truth
echo "$cpu $n 0" > $dbg/cpu_storm || die "the storm failed"
# The last transition's effective event comes one sample (20 us) later.
sleep 0.2
stop_record
cp $dbg/truth /tmp/storm.truth.csv
rows=$(($(wc -l < /tmp/storm.truth.csv) - 1))
tlost=$(cat $dbg/truth_lost)
emit_file storm.trace /tmp/storm
echo "@@SETTLE-STORM rows $rows truth_lost $tlost"
[ "$rows" -eq "$n" ] && [ "$tlost" -eq 0 ] || die "the simulator logged $rows transitions (truth_lost $tlost), the storm asked for $n"
line=$(tail -n 1 /tmp/record.err)
records=$(echo "$line" | sed -n 's/^settle record: \([0-9]*\) records.*/\1/p')
lost=$(echo "$line" | sed -n 's/.*devices, \([0-9]*\) lost.*/\1/p')
gen=$((4 * rows))
[ -n "$records" ] && [ -n "$lost" ] || die "no summary line from settle record: $line"
[ "$lost" -gt 0 ] || die "no record was lost: the storm ($gen events) did not overflow the 16 KiB ring"
[ $((records + lost)) -eq $gen ] ||
	die "generated $gen events, recorded $records, lost $lost: $((gen - records - lost)) unaccounted"
result PASS $TEST "generated $gen events (4 x $rows transitions), recorded $records, lost $lost: exact"
