# settle.ko alone, read through ftrace: every PRE has a POST with the same
# id, and the gap covers the simulator's injected stall.
TEST=kernel-events
. ./lib.sh
load_modules settle_sim cpufreq_userspace settle
t=/sys/kernel/tracing
[ -d $t/events/settle ] || die "no settle tracepoint system in $t/events"
cpu=1
d=$(cpufreq_dir $cpu)
echo userspace > $d/scaling_governor || die "cannot select the userspace governor"
echo 1 > $t/events/settle/enable
for f in 115200 1728000 729600 1728000; do echo $f > $d/scaling_setspeed; done
echo 0 > $t/events/settle/enable
# cpu0 stays under schedutil and may add its own transitions.
n_pre=$(grep 'cpufreq_pre:' $t/trace | grep -c "cpu=$cpu ")
n_post=$(grep 'cpufreq_post:' $t/trace | grep -c "cpu=$cpu ")
ids_pre=$(grep 'cpufreq_pre:' $t/trace | grep "cpu=$cpu " | sed 's/.*id=\([0-9]*\).*/\1/' | tr '\n' ' ')
ids_post=$(grep 'cpufreq_post:' $t/trace | grep "cpu=$cpu " | sed 's/.*id=\([0-9]*\).*/\1/' | tr '\n' ' ')
emit_text ftrace.txt cat $t/trace
emit_text truth-kernel-events.csv cat /sys/kernel/debug/settle_sim/truth
[ "$n_pre" -eq 4 ] && [ "$n_post" -eq 4 ] || die "expected 4 PRE and 4 POST events, saw $n_pre and $n_post"
[ "$ids_pre" = "$ids_post" ] || die "PRE ids ($ids_pre) and POST ids ($ids_post) differ"
result PASS $TEST "4 transitions on cpu$cpu, PRE/POST paired by id ($ids_pre)"
rmmod settle || die "rmmod settle failed"
