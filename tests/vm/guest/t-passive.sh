# Passive recording: ondemand drives the simulated board from a bursty load
# pinned on the measured CPU, and `settle record` must catch every
# transition the simulator saw (checked on the host against its truth).
TEST=passive
. ./lib.sh
ARGS_settle="${ARGS_settle:-$DEF_settle}"
# ondemand follows CPU load; the simulated throughput loss is not needed,
# and with it ondemand parks the idle CPU at 115200 kHz, where 93 % of it
# is stolen and a TCG guest crawls.
ARGS_settle_sim="${ARGS_settle_sim:-steal=0 $HEARTBEAT}"
load_modules settle_sim cpufreq_ondemand settle
cpu=1
d=$(cpufreq_dir $cpu)
taskset -p 1 $$ >/dev/null || die "cannot pin the test shell to cpu0"
start_record /tmp/passive
echo ondemand > $d/scaling_governor || die "cannot select the ondemand governor"
# Let ondemand settle from the governor switch before the truth starts.
sleep 0.5
echo 1 > /sys/kernel/debug/settle_sim/truth
# Bursts of work on the measured CPU make ondemand step it up and down.
i=0
while [ $i -lt 6 ]; do
	taskset -c $cpu sh -c 'end=$(($(date +%s) + 1)); while [ $(date +%s) -lt $end ]; do :; done' &
	load=$!
	sleep 1.2
	wait $load
	sleep 0.6
	i=$((i + 1))
done
echo performance > $d/scaling_governor
sleep 0.3
stop_record
cp /sys/kernel/debug/settle_sim/truth /tmp/truth.csv
emit_file passive.trace /tmp/passive
emit_file passive.truth.csv /tmp/truth.csv
rows=$(($(wc -l < /tmp/truth.csv) - 1))
[ "$rows" -ge 4 ] || die "ondemand made only $rows transitions: the load pattern did not drive it"
result PASS $TEST "ondemand made $rows transitions while recording"
