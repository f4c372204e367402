# settle.ko on the simulated GPU (devfreq sim-gpu) and EMC (clock emc),
# below the settle command: the devices attach with the simulator's
# reader, passive devfreq transitions under simple_ondemand and clock
# transitions give paired entry/exit/effective events, an EMC request made
# inside a CPU transition carries that transition's id as parent_id, and
# SETTLE_IOC_STEP steps and restores both (tests/vm/ctltest.c).
TEST=domains
. ./lib.sh
t=/sys/kernel/tracing
S=/sys/module/settle_sim/parameters
G=/sys/class/devfreq/sim-gpu
fails=0

check() {	# check ok|fail NAME MESSAGE
	if [ "$1" = ok ]; then
		result PASS "$TEST-$2" "$3"
	else
		result FAIL "$TEST-$2" "$3"
		fails=$((fails + 1))
	fi
}

wait_file() {	# wait_file FILE VALUE: up to 3 s
	n=0
	while [ "$(cat "$1")" != "$2" ] && [ $n -lt 300 ]; do
		usleep 10000
		n=$((n + 1))
	done
	[ "$(cat "$1")" = "$2" ]
}

taskset -p 1 $$ >/dev/null
# The simulator's interconnect side needs icc_get() by node id (5.10 .. 6.1)
# and CONFIG_INTERCONNECT (arm64).
ICC=0
case $(uname -r) in
5.*|6.0.*|6.1.*) [ -d /sys/kernel/debug/interconnect ] && ICC=1 ;;
esac
ARGS_settle_sim="$DEF_settle_sim gpu=1 emc=1 gpu_polling_ms=20 emc_icc=$ICC"
load_modules settle_sim cpufreq_userspace settle
emit_text dmesg-domains.txt dmesg
dmesg | grep -q 'gpu sim-gpu: devfreq, reader sim' &&
	dmesg | grep -q 'emc emc: clock, 3 rates, reader sim'
check $([ $? = 0 ] && echo ok || echo fail) attach "$(dmesg | grep -E 'settle: (gpu|emc) ' | tr '\n' ';')"

echo > $t/trace
echo 1 > $t/events/settle/enable
# Passive GPU transitions: simple_ondemand follows the simulated load.
echo 10 > $S/gpu_load_pct
wait_file $G/cur_freq 306000000
echo 100 > $S/gpu_load_pct
wait_file $G/cur_freq 1020000000
# Clock transitions, each inside a CPU transition's driver call.
echo 1 > $S/cpu_emc_link
d=$(cpufreq_dir $CPU)
echo userspace > $d/scaling_governor
for f in 115200 1728000 729600 1728000; do
	echo $f > $d/scaling_setspeed
	usleep 20000
done
echo 0 > $S/cpu_emc_link
usleep 100000
cp $t/trace /tmp/ftrace-main.txt
if [ $ICC = 1 ]; then
	# As on Orin: bandwidth requests move EMC without the clock framework.
	echo > $t/trace
	for bw in 5324800 25592000 17064000; do	# 665.6, 3199, 2133 MHz x 8 B
		echo $bw > /sys/kernel/debug/settle_sim/emc_bw
		usleep 30000
	done
	echo 2 > $S/cpu_emc_link
	for f in 115200 1728000; do
		echo $f > $d/scaling_setspeed
		usleep 30000
	done
	echo 0 > $S/cpu_emc_link
	usleep 100000
	cp $t/trace /tmp/ftrace-icc.txt
fi
echo 0 > $t/events/settle/enable
emit_text ftrace-domains.txt cat /tmp/ftrace-main.txt
emit_text truth-domains.csv cat /sys/kernel/debug/settle_sim/truth

# ev EVENT DOMAIN: "id ts" of each event of a domain.
ev() {
	grep " $1: " /tmp/ftrace-main.txt | grep "domain=$2 " |
		sed 's/.* id=\([0-9]*\) ts_ns=\([0-9]*\).*/\1 \2/'
}
for dom in 1 2; do
	name=$([ $dom = 1 ] && echo gpu || echo emc)
	ent=$(ev driver_entry $dom | cut -d' ' -f1 | tr '\n' ' ')
	ext=$(ev driver_exit $dom | cut -d' ' -f1 | tr '\n' ' ')
	eff=$(grep ' effective: ' /tmp/ftrace-main.txt | grep "domain=$dom " | grep -c 'reader=2 status=0')
	n=$(echo $ent | wc -w)
	[ "$n" -ge 2 ] && [ "$ent" = "$ext" ] && [ "$eff" -eq "$n" ]
	check $([ $? = 0 ] && echo ok || echo fail) events-$name "$n transitions, entry ids ($ent) = exit ids ($ext), $eff settled through the sim reader"
done

# Every EMC request of the linked run names a CPU transition as parent.
cpu_ids=" $(ev driver_entry 0 | cut -d' ' -f1 | tr '\n' ' ')"
parents=$(grep ' request: ' /tmp/ftrace-main.txt | grep 'domain=2 ' | sed 's/.*parent_id=\([0-9]*\).*/\1/' | tr '\n' ' ')
linked=0 bad=0
for p in $parents; do
	case "$cpu_ids " in
	*" $p "*) linked=$((linked + 1)) ;;
	*) bad=$((bad + 1)) ;;
	esac
done
[ $linked -ge 4 ] && [ $bad -eq 0 ]
check $([ $? = 0 ] && echo ok || echo fail) link "EMC parents ($parents) among CPU transitions ($cpu_ids): $linked linked, $bad not"

if [ $ICC = 1 ]; then
	emit_text ftrace-icc.txt cat /tmp/ftrace-icc.txt
	# Bandwidth requests: source 4, rates unknown (0), no clock events;
	# the effective change is the rate the truth says EMC went to.
	ids=$(grep ' request: ' /tmp/ftrace-icc.txt | grep 'domain=2 ' | grep 'source=4' |
		sed 's/.* id=\([0-9]*\).*/\1/' | tr '\n' ' ')
	n=$(echo $ids | wc -w)
	got=""
	for id in $ids; do
		got="$got $(grep ' effective: ' /tmp/ftrace-icc.txt | grep " id=$id " |
			sed 's/.* khz=\([0-9]*\).* status=\([0-9]*\).*/\1:\2/')"
	done
	want=$(awk -F, '$1 == "emc" { print $3 ":0" }' /sys/kernel/debug/settle_sim/truth |
		tail -n $n | tr '\n' ' ')
	# Each change lies inside its detection bound: after the last sample
	# showing another rate, before the end of the first showing the new one.
	brackets=""
	for id in $ids; do
		brackets="$brackets $(grep ' effective: ' /tmp/ftrace-icc.txt | grep " id=$id " |
			sed 's/.* ts_ns=\([0-9]*\) prev_ts_ns=\([0-9]*\) .* cost_ns=\([0-9]*\) .*/\2:\1:\3/')"
	done
	awk -F, '$1 == "emc" { print $6 }' /sys/kernel/debug/settle_sim/truth | tail -n $n > /tmp/settles
	echo "$brackets" | tr ' ' '\n' | grep . > /tmp/brackets
	inside=$(paste -d: /tmp/brackets /tmp/settles |
		awk -F: '$1 < $4 && $4 <= $2 + $3 { n++ } END { print n + 0 }')
	[ "$n" -ge 5 ] && [ "$(echo $got)" = "$(echo $want)" ] && [ "$inside" -eq "$n" ]
	check $([ $? = 0 ] && echo ok || echo fail) icc "$n bandwidth requests timed; effective khz:status ($(echo $got)), truth ($(echo $want)); $inside of $n true settles inside their detection bound"
	cpu_ids=" $(grep ' driver_entry: ' /tmp/ftrace-icc.txt | grep 'domain=0 ' |
		sed 's/.* id=\([0-9]*\).*/\1/' | tr '\n' ' ')"
	linked=0
	for p in $(grep ' request: ' /tmp/ftrace-icc.txt | grep 'domain=2 ' |
		sed 's/.*parent_id=\([0-9]*\).*/\1/'); do
		case "$cpu_ids " in *" $p "*) linked=$((linked + 1)) ;; esac
	done
	[ $linked -eq 2 ]
	check $([ $? = 0 ] && echo ok || echo fail) icc-link "$linked bandwidth requests made inside CPU transitions ($cpu_ids) carry them as parent"
fi
echo performance > $d/scaling_governor
ctltest gpu sim-gpu || fails=$((fails + 1))
ctltest emc emc || fails=$((fails + 1))
rmmod settle || die "rmmod settle failed"
[ $fails -eq 0 ] || die "$fails checks failed"
