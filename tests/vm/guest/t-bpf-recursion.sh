# Another BPF program running on the sampler's CPU makes the kernel skip
# settle's tracepoint programs there (its recursion guard, bpf_prog_active):
# an interrupt's settle:effective inside someone's kprobe tool.  settle.ko
# numbers its events and the recorder counts the numbers its programs never
# saw, on every kernel: recorded + lost is still exactly what was generated.
TEST=bpf-recursion
. ./lib.sh
HOG_CPU=1
# The sampler on HOG_CPU, the producer, recorder and shell on cpu0: only
# effective events (from the sampler's hard-irq timer) meet the hog.
case " $DEF_settle " in
*" sample_cpu="*) ARGS_settle="$DEF_settle" ;;
*) ARGS_settle="$DEF_settle sample_cpu=$HOG_CPU" ;;
esac
# A settle time, so that every transition's effective event comes from a
# sample; no stall and no steal.
ARGS_settle_sim="$SIM_BASE $HEARTBEAT stall_us=0 settle_us=1000 steal=0"
load_modules settle_sim cpufreq_userspace settle
dbg=/sys/kernel/debug/settle_sim
n=${RECURSION_N:-200}
taskset -p 1 $$ >/dev/null || die "cannot pin the test shell to cpu0"
echo userspace > $(cpufreq_dir $CPU)/scaling_governor || die "cannot select the userspace governor"
# settle:policy of the governor switch, before recording.
echo "$CPU 2 0" > $dbg/cpu_storm || die "settle_sim has no cpu_storm"
sleep 0.1
taskset -c $HOG_CPU bpfhog 600 > /tmp/hog.out 2>&1 &
hog=$!
i=0
until grep -q attached /tmp/hog.out 2>/dev/null; do
	i=$((i + 1))
	[ $i -le 300 ] && kill -0 $hog 2>/dev/null || { cat /tmp/hog.out; die "bpfhog did not attach"; }
	sleep 0.1
done
start_record /tmp/recursion
echo 1 > $dbg/truth
# One transition every 3 ms: each settles (1 ms) before the next.
echo "$CPU $n 3000000" > $dbg/cpu_storm || die "the storm failed"
sleep 0.2
stop_record
kill $hog 2>/dev/null
wait $hog 2>/dev/null
cat /tmp/hog.out
rows=$(($(wc -l < $dbg/truth) - 1))
[ "$rows" -eq "$n" ] || die "the simulator logged $rows transitions, the storm asked for $n"
line=$(tail -n 1 /tmp/record.err)
records=$(echo "$line" | sed -n 's/^settle record: \([0-9]*\) records.*/\1/p')
lost=$(echo "$line" | sed -n 's/.*devices, \([0-9]*\) lost.*/\1/p')
[ -n "$records" ] && [ -n "$lost" ] || die "no summary line from settle record: $line"
gen=$((4 * rows))
gone=$((gen - records - lost))
skipped=$(echo "$line" | sed -n 's/.* \([0-9]*\) skipped by the kernel.*/\1/p')
[ -n "$skipped" ] || die "the summary does not say what the lost are: $line"
[ "$gone" -eq 0 ] || die "generated $gen events, recorded $records, lost $lost: $gone unaccounted"
[ "$skipped" -gt 0 ] || die "no event was skipped: the hog never held the sampler's CPU ($line)"
result PASS $TEST "$(uname -r): generated $gen (4 x $rows), recorded $records," \
	"lost $lost of which $skipped skipped by the kernel: exact"
