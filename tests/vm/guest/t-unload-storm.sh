# Unload storm: STORM_CYCLES (default 100) insmod/rmmod cycles of
# settle.ko while transitions run on every domain (CPU setspeed writes,
# sim-gpu under simple_ondemand with a toggled load, EMC through
# cpu_emc_link and debugfs emc_rate), the sampler is in flight and
# recorders come and go.
#
# A recorder attached to settle:* holds a reference on settle.ko (a perf
# event on a module's tracepoint pins the module), so settle.ko cannot go
# away under it: rmmod is refused (EAGAIN) and the recording goes on.  The
# storm retries its rmmod until the recorder lets go.  Recorders started
# while settle.ko loads or unloads must attach (and pin it), fall back to
# power:* (settle.ko absent), or fail with a message: never crash, hang, or
# leave an unreadable trace.  A fallback recorder started before the
# storm must survive all of it.
TEST=unload-storm
. ./lib.sh
N=${STORM_CYCLES:-100}
S=/sys/module/settle_sim/parameters
G=/sys/class/devfreq/sim-gpu
t=/sys/kernel/tracing
# Tainted D (oops), W (warning) or L (soft lockup): survives a log overrun.
TAINT_BAD=$(((1 << 7) | (1 << 9) | (1 << 14)))
[ $(($(cat /proc/sys/kernel/tainted) & TAINT_BAD)) -eq 0 ] ||
	die "kernel already tainted before the storm: $(cat /proc/sys/kernel/tainted)"

taskset -p 1 $$ >/dev/null
# No heartbeat and no CPU stealing: they exist for timing accuracy, which
# this test does not measure, and their instructions would cost the host
# most of the storm's time (virtual time could never skip idle periods).
ARGS_settle_sim="steal=0 stall_sleep=1 gpu=1 emc=1 gpu_polling_ms=20 cpu_emc_link=1"
load_modules settle_sim cpufreq_userspace
d=$(cpufreq_dir $CPU)
echo userspace > $d/scaling_governor
[ "$(cat $G/governor)" = simple_ondemand ] || die "sim-gpu governor is $(cat $G/governor)"

# A fallback recorder (no settle.ko yet) attached for the whole storm.
settle record -o /tmp/storm-fb --force 2>/tmp/storm-fb.err &
fb=$!
i=0
until grep -q '^settle record: attached' /tmp/storm-fb.err 2>/dev/null; do
	i=$((i + 1))
	[ $i -le 300 ] && kill -0 $fb 2>/dev/null || { cat /tmp/storm-fb.err; die "fallback recorder did not attach"; }
	sleep 0.1
done

# Transitions, paced so idle time lets virtual time skip ahead: a CPU
# transition (and, linked, an EMC one) every ~4 ms, a direct EMC request
# every ~15 ms, a GPU load flip every ~40 ms (polled every 20 ms).
taskset -c 0 sh -c "while :; do for f in 115200 1728000 729600; do echo \$f > $d/scaling_setspeed; usleep 4000; done; done" &
w_cpu=$!
taskset -c 0 sh -c "while :; do for r in 665600 3199000 2133000; do echo \$r > /sys/kernel/debug/settle_sim/emc_rate; usleep 15000; done; done" &
w_emc=$!
taskset -c 0 sh -c "while :; do echo 10 > $S/gpu_load_pct; usleep 40000; echo 100 > $S/gpu_load_pct; usleep 40000; done" &
w_gpu=$!

# An attached recorder pins settle.ko: rmmod is refused, and the
# recording goes on and stays whole.
insmod /lib/settle/settle.ko $DEF_settle || die "insmod settle failed"
start_record /tmp/storm-pin
usleep 100000
if rmmod settle 2>/tmp/pin.err; then
	die "settle.ko unloaded under an attached recorder"
fi
usleep 100000
stop_record
settle report --transitions --json /tmp/storm-pin > /tmp/pin.json 2>/tmp/pin.rep ||
	{ cat /tmp/pin.rep; die "the pinned recording does not read back"; }
pinned=""
for dom in cpu gpu emc; do
	grep -q "\"domain\": *\"$dom\"" /tmp/pin.json && pinned="$pinned $dom"
done
[ "$pinned" = " cpu gpu emc" ] || die "the pinned recording has transitions of$pinned only"
rmmod settle || die "rmmod settle failed once the recorder stopped"
result PASS unload-storm-pinned "rmmod under an attached recorder: refused ($(cat /tmp/pin.err)); the recording has cpu, gpu and emc transitions and reads back"

# Recorders that come and go: each runs one second (or is refused).
rm -f /tmp/storm.stop /tmp/storm-rec.log
(
	k=0
	while [ ! -f /tmp/storm.stop ]; do
		settle record -o /tmp/storm-rec --force --duration 1 >/dev/null 2>/tmp/storm-rec.err
		rc=$?
		if [ $rc -eq 0 ] && grep -q 'source settle.ko' /tmp/storm-rec.err; then
			if settle report /tmp/storm-rec >/tmp/storm-rec.rep 2>&1; then
				echo "settle $(grep -o '[0-9]* records' /tmp/storm-rec.err | head -n1)"
			else
				echo "unreadable: $(head -n2 /tmp/storm-rec.rep | tr '\n' ' ')"
			fi
		elif [ $rc -eq 0 ]; then
			echo fallback
		elif [ $rc -eq 1 ] && grep -q '^settle: error\|^settle record:.*error\|failed\|missing' /tmp/storm-rec.err; then
			echo "refused $(grep -m1 -i 'error\|failed\|missing' /tmp/storm-rec.err)"
		else
			echo "bad rc=$rc $(tr '\n' ' ' </tmp/storm-rec.err)"
		fi
		k=$((k + 1))
		# A failed start costs a BPF load and nothing else: pace them.
		[ $rc -eq 0 ] || usleep 300000
	done >> /tmp/storm-rec.log
) &
recs=$!

# holders: what keeps settle.ko loaded.
holders() {
	echo "settle refcnt $(cat /sys/module/settle/refcnt) state $(cat /sys/module/settle/initstate)"
	for p in /proc/[0-9]*; do
		f=$(ls -l $p/fd 2>/dev/null | grep -c 'settle\|perf_event\|bpf')
		[ "$f" -gt 0 ] && echo "pid ${p#/proc/} ($(tr '\0' ' ' < $p/cmdline)): $f settle/perf/bpf fds, state $(sed -n 's/^State:\t//p' $p/status)"
	done
	tail -n 5 /tmp/storm-rec.log
	cat /tmp/storm-rec.err
}
# ftrace does not pin settle.ko, but the kernel clears its buffer when a
# module whose events were used goes away: each cycle reads it just before
# its rmmod.  A transition whose driver entry has no settle:effective yet
# is one the sampler (or the driver call) is still following.
ids() {	# ids EVENT: transition ids of one event in the snapshot
	grep " $1: " /tmp/cyc.tr | sed 's/.* id=\([0-9]*\) .*/\1/' | sort -u
}
# A 200 us sampler: the default 20 us one, busy through every transition,
# would cost most of the storm's instructions.
ARGS_settle="$DEF_settle sample_period_ns=200000"
start=$(cut -d' ' -f1 /proc/uptime)
cycles=0 refused=0 ftrace_on=0 entries=0 inflight=0 doms=""
while [ $cycles -lt $N ]; do
	insmod /lib/settle/settle.ko $ARGS_settle || die "insmod settle failed (cycle $cycles)"
	echo > $t/trace
	[ -d $t/events/settle ] && echo 1 > $t/events/settle/enable && ftrace_on=$((ftrace_on + 1))
	usleep $((5000 + (cycles % 7) * 3000))
	grep -E ' (driver_entry|effective): ' $t/trace > /tmp/cyc.tr
	ids driver_entry > /tmp/cyc.ent
	ids effective > /tmp/cyc.eff
	entries=$((entries + $(wc -l < /tmp/cyc.ent)))
	[ -n "$(grep -vxF -f /tmp/cyc.eff /tmp/cyc.ent)" ] && inflight=$((inflight + 1))
	for dom in $(grep ' driver_entry: ' /tmp/cyc.tr | sed 's/.* domain=\([0-9]\) .*/\1/' | sort -u); do
		case " $doms " in *" $dom "*) ;; *) doms="$doms $dom" ;; esac
	done
	# A recorder holds settle.ko for a second at a time; 10 s is not that.
	n=0
	until rmmod settle 2>/dev/null; do
		n=$((n + 1))
		if [ $n -ge 1000 ]; then
			holders
			die "rmmod settle refused for 10 s (cycle $cycles): $(rmmod settle 2>&1)"
		fi
		usleep 10000
	done
	[ $n -gt 0 ] && refused=$((refused + 1))
	cycles=$((cycles + 1))
	[ $((cycles % 10)) -ne 0 ] || echo "storm: $cycles cycles at $(cut -d' ' -f1 /proc/uptime) s"
done
end=$(cut -d' ' -f1 /proc/uptime)
touch /tmp/storm.stop
wait $recs
kill $w_cpu $w_emc $w_gpu
wait $w_cpu $w_emc $w_gpu 2>/dev/null
kill -INT $fb
wait $fb
fbrc=$?
cat /tmp/storm-fb.err

emit_text unload-storm-dmesg.txt dmesg
echo "recorders: $(wc -l < /tmp/storm-rec.log) runs"
sort /tmp/storm-rec.log | sed 's/[0-9]* records/N records/' | uniq -c
domains=$(echo $doms | tr " " "\n" | sort | tr "\n" " ")
echo "storm: $cycles cycles in $start..$end s of guest time; $refused rmmods first refused (recorder attached)"
echo "storm: $entries driver entries seen (domains $domains); at $inflight of $cycles rmmods a transition was still unsettled"

fails=0
bad=$(dmesg | grep -cE 'Oops|WARNING:|BUG:|Call trace:|soft lockup|rcu_.*stall')
taint=$(cat /proc/sys/kernel/tainted)
if [ "$bad" -eq 0 ] && [ $((taint & TAINT_BAD)) -eq 0 ]; then
	result PASS unload-storm-kernel "$cycles cycles: 0 oops, 0 WARN, 0 BUG in dmesg, taint $taint"
else
	dmesg | grep -E -A20 'Oops|WARNING:|BUG:|Call trace:|soft lockup|rcu_.*stall' | head -n 60
	result FAIL unload-storm-kernel "$cycles cycles: $bad oops/WARN/BUG lines, taint $taint"
	fails=$((fails + 1))
fi
nbad=$(grep -c -v '^settle \|^fallback\|^refused ' /tmp/storm-rec.log)
nset=$(grep -c '^settle ' /tmp/storm-rec.log)
if [ "$nbad" -eq 0 ]; then
	result PASS unload-storm-record "$(wc -l < /tmp/storm-rec.log) recorders: $nset attached to settle.ko (traces readable; $refused rmmods waited for one), the rest fell back or were refused cleanly"
else
	grep -v '^settle \|^fallback\|^refused ' /tmp/storm-rec.log | head
	result FAIL unload-storm-record "$nbad recorders crashed or left unreadable traces; $nset attached to settle.ko; $refused rmmods refused"
	fails=$((fails + 1))
fi
settle report /tmp/storm-fb > /tmp/storm-fb.rep 2>&1
fbrep=$?
fbn=$(grep -o '[0-9]* records' /tmp/storm-fb.err | head -n1)
if [ $fbrc -eq 0 ] && [ $fbrep -eq 0 ] && [ "${fbn% records}" -ge $cycles ]; then
	result PASS unload-storm-fallback "a fallback recorder stayed attached through $cycles cycles: $fbn, trace readable"
else
	cat /tmp/storm-fb.rep
	result FAIL unload-storm-fallback "fallback recorder: status $fbrc, report status $fbrep, $fbn"
	fails=$((fails + 1))
fi
if [ $ftrace_on -eq $cycles ] && [ "$entries" -ge $cycles ] && [ "$domains" = "0 1 2 " ] && [ $inflight -ge $((cycles / 4)) ]; then
	result PASS unload-storm-transitions "$entries transitions on domains $domains during the cycles; $inflight of $cycles unloads with a transition unsettled"
else
	result FAIL unload-storm-transitions "$entries transitions on domains '$domains', events enabled in $ftrace_on of $cycles cycles"
	fails=$((fails + 1))
fi
# settle.ko still works after the storm.
insmod /lib/settle/settle.ko $DEF_settle || die "insmod after the storm failed"
ctltest emc emc || fails=$((fails + 1))
rmmod settle || die "rmmod after the storm failed"
[ $fails -eq 0 ] || die "$fails storm checks failed"
result PASS storm "$cycles insmod/rmmod cycles survived"
