# Disk full during a recording, in the guest: settle.ko loaded, transitions
# running, the trace on a 512 KiB tmpfs that the recording itself fills.
# The recorder must say so and exit non-zero; the trace up to that point
# must stay readable and end marked truncated (checked here with settle
# report, and on the host with settle report and babeltrace2:
# tests/vm/suite.sh).
TEST=diskfull
. ./lib.sh
ARGS_settle_sim="$SIM_BASE $HEARTBEAT stall_us=0 settle_us=0 steal=0"
load_modules settle_sim cpufreq_userspace settle
dbg=/sys/kernel/debug/settle_sim
cpu=$CPU
taskset -p 1 $$ >/dev/null || die "cannot pin the test shell to cpu0"
echo userspace > $(cpufreq_dir $cpu)/scaling_governor || die "cannot select the userspace governor"
mkdir -p /mnt/full
mount -t tmpfs -o size=512k settle-full /mnt/full || die "cannot mount a 512 KiB tmpfs"
start_record /mnt/full/trace
# One transition every 20 us (~200000 records/s) until the recorder stops;
# the storm ends on its signal.
sh -c "echo '$cpu 1000000 20000' > $dbg/cpu_storm" &
storm=$!
i=0
while kill -0 $REC_PID 2>/dev/null && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
kill $storm 2>/dev/null
wait $storm
wait $REC_PID
rc=$?
cat /tmp/record.err
emit_file diskfull.trace /mnt/full/trace
echo "@@SETTLE-DISKFULL rc $rc"
[ $i -lt 100 ] || die "the recorder was still running after 10 s: the disk never filled"
[ $rc -ne 0 ] || die "settle record exited 0 on a full disk"
grep -q "No space left on device; the trace keeps its first [0-9]* bytes (whole packets), marked truncated" /tmp/record.err ||
	die "settle record did not say the disk was full and the trace truncated"
[ ! -e /mnt/full/trace/.settle-reserve ] || die "the reserve file was left behind"
settle report --json /mnt/full/trace > /tmp/full.json || die "settle report cannot read the truncated trace"
grep -q '"partial":true,"damage":{"kind":"stopped"' /tmp/full.json || die "the report does not say the trace is partial (stopped)"
umount /mnt/full
result PASS $TEST "recorder exited $rc on ENOSPC; the trace reads, marked truncated"
