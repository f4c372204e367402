# SIGKILL the controller mid-campaign: settle.ko must restore the policy
# and the trace must read back up to the kill (checked again on the host).
TEST=kill
. ./lib.sh
ARGS_settle="${ARGS_settle:-$DEF_settle}"
ARGS_settle_sim="${ARGS_settle_sim:-$DEF_settle_sim}"
load_modules settle_sim cpufreq_userspace settle
cpu=$CPU
d=$(cpufreq_dir $cpu)
echo 729600 > $d/scaling_max_freq
before="$(cat $d/scaling_governor) $(cat $d/scaling_min_freq) 729600"
wait_policy $cpu "$before" || die "scaling_max_freq did not become 729600: $(policy_of $cpu)"
settle step --cpu $cpu --rates 115200,1728000 --count 1000 --gap-ms 20 --warmup 0 \
	--seed 2 -o /tmp/kill 2>/tmp/kill.err &
pid=$!
# Kill once the campaign has attached and holds the CPU, plus a second of
# steps.  A fixed 2 s from the start raced settle's start-up, which takes
# about 2 s on 5.10 x86_64 under TCG: the kill came before any step.
i=0
until grep -q '^settle step: attached' /tmp/kill.err 2>/dev/null &&
	[ "$(cat $d/scaling_governor)" = userspace ]; do
	i=$((i + 1))
	if [ $i -gt 300 ] || ! kill -0 $pid 2>/dev/null; then
		cat /tmp/kill.err
		die "settle step did not start its campaign within 30 s"
	fi
	sleep 0.1
done
sleep 1
during=$(cat $d/scaling_governor)
kill -9 $pid
wait $pid
rc=$?
wait_policy $cpu "$before"
after=$(policy_of $cpu)
cat /tmp/kill.err
[ $rc -eq 137 ] || die "settle step was not killed (status $rc)"
[ "$during" = userspace ] || die "during the campaign the governor was $during, not userspace"
[ "$after" = "$before" ] || die "policy after the kill is '$after', was '$before'"
settle report /tmp/kill > /tmp/kill.report 2>&1 || { cat /tmp/kill.report; die "settle report cannot read the killed trace"; }
cat /tmp/kill.report
grep -q 'steps:' /tmp/kill.report || die "the killed trace has no steps"
emit_file kill.trace /tmp/kill
result PASS $TEST "killed mid-campaign: policy '$after' restored, trace readable"
