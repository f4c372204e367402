# settle.ko alone, read through ftrace: every driver entry has an exit with
# the same id, and the gap covers the simulator's injected stall.
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
# Other CPUs are not stepped, but select by device anyway.
sel="domain=0 dev=$cpu "
n_pre=$(grep 'driver_entry:' $t/trace | grep -c "$sel")
n_post=$(grep 'driver_exit:' $t/trace | grep -c "$sel")
ids_pre=$(grep 'driver_entry:' $t/trace | grep "$sel" | sed 's/.* id=\([0-9]*\).*/\1/' | tr '\n' ' ')
ids_post=$(grep 'driver_exit:' $t/trace | grep "$sel" | sed 's/.* id=\([0-9]*\).*/\1/' | tr '\n' ' ')
emit_text ftrace.txt cat $t/trace
emit_text truth-kernel-events.csv cat /sys/kernel/debug/settle_sim/truth
[ "$n_pre" -eq 4 ] && [ "$n_post" -eq 4 ] || die "expected 4 entry and 4 exit events, saw $n_pre and $n_post"
[ "$ids_pre" = "$ids_post" ] || die "entry ids ($ids_pre) and exit ids ($ids_post) differ"
result PASS $TEST "4 transitions on cpu$cpu, entry/exit paired by id ($ids_pre)"
rmmod settle || die "rmmod settle failed"
