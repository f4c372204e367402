# settle.ko unloads safely at any moment: while transitions and its
# sampler are in flight, and after a recorder let go of it.  Then the
# recorder's fallback mode (no settle.ko) must say what it cannot see.
TEST=unload
. ./lib.sh
load_modules settle_sim cpufreq_userspace
cpu=1
d=$(cpufreq_dir $cpu)
echo userspace > $d/scaling_governor
# Transitions in flight on cpu1 from a writer on cpu0, for the whole test.
taskset -c 0 sh -c "while :; do for f in 115200 1728000 729600; do echo \$f > $d/scaling_setspeed; done; done" &
writer=$!
i=0
while [ $i -lt 8 ]; do
	insmod /lib/settle/settle.ko ${ARGS_settle:-} || die "insmod settle failed (round $i)"
	usleep $((20000 + i * 7000))
	rmmod settle || die "rmmod settle failed while transitions were in flight (round $i)"
	i=$((i + 1))
done
result PASS unload "8 load/unload rounds with transitions and the sampler in flight"

# Fallback: no settle.ko, only the kernel's own power:* events.
settle record -o /tmp/fallback --duration 2 2>/tmp/fb.err
rc=$?
kill $writer
wait $writer 2>/dev/null
cat /tmp/fb.err
[ $rc -eq 0 ] || die "settle record in fallback mode exited with $rc"
grep -qi 'settle.ko' /tmp/fb.err || die "the fallback recorder did not say settle.ko is missing"
settle report /tmp/fallback > /tmp/fb.report 2>&1 || { cat /tmp/fb.report; die "report on a fallback trace failed"; }
cat /tmp/fb.report
grep -qi 'unavailable\|fallback' /tmp/fb.report || die "the fallback report does not say the stall is unavailable"
result PASS fallback "record without settle.ko: warned, recorded, report says what is missing"
