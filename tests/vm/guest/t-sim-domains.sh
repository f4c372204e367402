# The simulated board's GPU (devfreq sim-gpu) and EMC (clk emc) domains,
# checked through sysfs and debugfs alone (no settle.ko): the devices
# exist and move (devfreq max_freq, userspace set_freq, simple_ondemand
# from gpu_load_pct; settle_sim/emc_rate), EMC throttles emc_steal_cpus,
# cpu_emc_link nests an EMC transition in each CPU one, and every truth
# row replays the profile in force:
#   settle (t_settle_ns - t_request_ns) equals the profile entry, to the ns;
#   stall_ns lies in [entry, entry + STALL_SLACK_NS] (a CPU row whose
#   driver call issued an EMC request: >= entry and the child nested).
# The real profiles are used when the initramfs has them, else small
# synthetic ones.  Needs the devfreq governor modules in /lib/settle
# (governor_simpleondemand, and governor_userspace where Debian has it).
TEST=sim-domains
. ./lib.sh
D=/sys/kernel/debug/settle_sim
P=/sys/module/settle_sim/parameters
G=/sys/class/devfreq/sim-gpu
# A sleeping stall wakes on a timer: in virtual time within 2 ms of its
# planned end; on the wall clock TCG wakes it late by what the host's load
# allows (24 ms seen with a CI run and four other guests on two cores), so
# there the stall is only checked from below.
if [ "$SETTLE_CLOCK" = virtual ]; then
	STALL_SLACK_NS=2000000
else
	STALL_SLACK_NS=1000000000
fi
fails=0

check() {
	if [ "$1" = ok ]; then
		result PASS "$TEST-$2" "$3"
	else
		result FAIL "$TEST-$2" "$3"
		fails=$((fails + 1))
	fi
}

# wait_file FILE VALUE: poll up to 3 s (builtins only between reads).
wait_file() {
	n=0
	while [ "$(cat "$1")" != "$2" ] && [ $n -lt 300 ]; do
		usleep 10000
		n=$((n + 1))
	done
	[ "$(cat "$1")" = "$2" ]
}

# state_of DEV: "cur_khz target_khz pending steal_ppm" from settle_sim/state.
state_of() {
	awk -F, -v d="$1" '$2 == d { print $3, $4, $5, $7 }' $D/state
}

# Off the throttled CPU: at 115200 kHz with EMC low it keeps 1.4 %.
taskset -p 1 $$ >/dev/null || die "cannot pin the test shell to cpu0"
unload_all
for m in governor_simpleondemand governor_userspace; do
	[ -d /sys/module/$m ] || [ ! -f /lib/settle/$m.ko ] || insmod /lib/settle/$m.ko ||
		die "insmod $m failed"
done
[ -f /lib/settle/cpufreq_userspace.ko ] && { insmod /lib/settle/cpufreq_userspace.ko ||
	die "insmod cpufreq_userspace failed"; }

t0=$(cut -d' ' -f1 /proc/uptime)
insmod /lib/settle/settle_sim.ko $SIM_BASE $HEARTBEAT gpu=1 emc=1 emc_steal_cpus=$CPU ||
	die "insmod settle_sim gpu=1 emc=1 failed (dmesg: $(dmesg | grep settle_sim | tail -n 2))"
for g in /sys/devices/system/cpu/cpu*/cpufreq/scaling_governor; do
	echo performance > $g
done

# Profiles: the real ones if present, else synthetic (two entries a pair,
# so the replay has to cycle).
prof() {
	if [ -f /lib/settle/orin-nano-$1.profile ]; then
		dd if=/lib/settle/orin-nano-$1.profile of=$D/$2 bs=1M 2>/dev/null
		echo real
	else
		printf '%s\n' "$3" | dd of=$D/$2 bs=1M 2>/dev/null
		echo synthetic
	fi
}
kind_cpu=$(prof cpu profile "800 1500
1200.5 2100.25") || die "cannot load the CPU profile"
kind_gpu=$(prof gpu profile_gpu "1020000 306000 500 900
1020000 306000 650 1250.5
306000 1020000 400 700
306000 1020000 450 800
1020000 612000 300 650
612000 1020000 350 600") || die "cannot load the GPU profile"
kind_emc=$(prof emc profile_emc "3199000 665600 2000 3000
3199000 665600 2100 3300
665600 3199000 1900 2800
3199000 2133000 1500 2500
2133000 3199000 1600 2600") || die "cannot load the EMC profile"
echo 1 > $D/truth

# 1. The devices exist.
grep -q settle_sim_dev_lookup /proc/kallsyms && grep -q settle_sim_dev_read_khz /proc/kallsyms
check $([ $? = 0 ] && echo ok || echo fail) exports "settle_sim_dev_lookup, settle_sim_dev_read_khz"
[ -d $G ] && [ "$(cat $G/governor)" = simple_ondemand ] && [ "$(cat $G/cur_freq)" = 1020000000 ]
check $([ $? = 0 ] && echo ok || echo fail) gpu-devfreq "$G: $(cat $G/governor 2>&1) at $(cat $G/cur_freq 2>&1) Hz; OPPs $(cat $G/available_frequencies 2>&1)"
[ "$(cat $D/emc_rate 2>&1)" = 3199000 ]
check $([ $? = 0 ] && echo ok || echo fail) emc-clk "emc at $(cat $D/emc_rate 2>&1) kHz"

# 2. GPU through devfreq's limits (simple_ondemand at 100 % load: max).
echo 306000000 > $G/max_freq
wait_file $G/cur_freq 306000000
check $([ $? = 0 ] && echo ok || echo fail) gpu-max-freq "max_freq 306 MHz -> cur_freq $(cat $G/cur_freq)"
echo 1020000000 > $G/max_freq
wait_file $G/cur_freq 1020000000
check $([ $? = 0 ] && echo ok || echo fail) gpu-max-freq-up "max_freq 1020 MHz -> cur_freq $(cat $G/cur_freq)"

# 3. Passive: the governor moves the GPU when its load drops.
echo 10 > $P/gpu_load_pct
n=0
while [ "$(cat $G/cur_freq)" = 1020000000 ] && [ $n -lt 300 ]; do usleep 10000; n=$((n + 1)); done
low=$(cat $G/cur_freq)
echo 100 > $P/gpu_load_pct
wait_file $G/cur_freq 1020000000
rc=$?
check $([ "$low" != 1020000000 ] && [ $rc = 0 ] && echo ok) gpu-passive "load 10 %: simple_ondemand went to $low Hz, load 100 %: back to $(cat $G/cur_freq)"

# 4. userspace governor, where Debian builds it (arm64).
if grep -qw userspace $G/available_governors; then
	echo userspace > $G/governor
	echo 612000000 > $G/userspace/set_freq
	a=$(cat $G/cur_freq)
	echo 510000000 > $G/userspace/set_freq
	b=$(cat $G/cur_freq)
	echo 1020000000 > $G/userspace/set_freq
	c=$(cat $G/cur_freq)
	check $([ "$a $b $c" = "612000000 510000000 1020000000" ] && echo ok) gpu-userspace \
		"set_freq 612, 510, 1020 MHz -> cur_freq (software view, at once) $a $b $c"
	echo simple_ondemand > $G/governor
else
	result PASS "$TEST-gpu-userspace" "skipped: no devfreq userspace governor in this kernel"
fi

# 5. EMC: the rate snaps up to the table, the effective rate lags, and the
# steal on CPU $CPU follows it from the settle instant.
echo 665600 > $D/emc_rate
s_after=$(state_of emc)
n=0
while [ "$(state_of emc | cut -d' ' -f1)" != 665600 ] && [ $n -lt 300 ]; do usleep 1000; n=$((n + 1)); done
# 1 - 665600/3199000, in ppm, as the module truncates it
want=$(( (3199000 - 665600) * 1000000 / 3199000 ))
# The share changes when CPU $CPU's steal timer takes the settle instant,
# after an IPI: wait for it as for the combined share below.
n=0
until steal=$(state_of cpu$CPU | cut -d' ' -f4); [ "$steal" -ge $((want - 1)) ] && [ "$steal" -le $((want + 1)) ] ||
	[ $n -ge 300 ]; do usleep 1000; n=$((n + 1)); done
check $([ "$steal" -ge $((want - 1)) ] && [ "$steal" -le $((want + 1)) ] && echo ok) emc-steal \
	"emc 665600 kHz: state right after the write '$s_after' (cur target pending steal); cpu$CPU steal ${steal} ppm, want $want"
echo 1000000 > $D/emc_rate
r=$(cat $D/emc_rate)
echo 3199000 > $D/emc_rate
n=0
while [ "$(state_of cpu$CPU | cut -d' ' -f4)" != 0 ] && [ $n -lt 300 ]; do usleep 1000; n=$((n + 1)); done
check $([ "$r" = 2133000 ] && [ "$(state_of cpu$CPU | cut -d' ' -f4)" = 0 ] && echo ok) emc-snap \
	"1000000 kHz snapped to $r; at 3199000 cpu$CPU steal $(state_of cpu$CPU | cut -d' ' -f4)"

# 6. cpu_emc_link: each CPU step issues its EMC request inside itself.
cd_=$(cpufreq_dir $CPU)
echo 1 > $P/cpu_emc_link
echo userspace > $cd_/scaling_governor || die "no cpufreq userspace governor"
echo 115200 > $cd_/scaling_setspeed
# Both clocks low: the shares combine as 1 - prod(f/f_max), truncated per
# clock to ppm as the module does.
k=$(( (1000000 - (1728000 - 115200) * 1000000 / 1728000) *
	(1000000 - (3199000 - 665600) * 1000000 / 3199000) / 1000000 ))
want=$((1000000 - k))
n=0
while [ "$(state_of cpu$CPU | cut -d' ' -f4)" != $want ] && [ $n -lt 300 ]; do usleep 1000; n=$((n + 1)); done
steal=$(state_of cpu$CPU | cut -d' ' -f4)
check $([ "$steal" = $want ] && echo ok) steal-combined \
	"cpu$CPU at 115200 kHz, emc at $(cat $D/emc_rate) kHz: steal $steal ppm, want $want"
for f in 1728000 729600 1728000; do
	echo $f > $cd_/scaling_setspeed
done
echo performance > $cd_/scaling_governor
echo 0 > $P/cpu_emc_link
echo 3199000 > $D/emc_rate
usleep 50000

cp $D/truth /tmp/truth.csv
for f in profile profile_gpu profile_emc; do cat $D/$f > /tmp/$f.txt; done
cat $D/state > /tmp/state.csv
t1=$(cut -d' ' -f1 /proc/uptime)

awk -F, -v cpu=cpu$CPU '
	NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
	$col["domain"] == "cpu" { req[$col["t_request_ns"]] = $col["t_request_ns"] + $col["stall_ns"] }
	$col["domain"] == "emc" && $col["parent_dev"] != "" { kids[++k] = $0 }
	END {
		bad = 0
		for (i = 1; i <= k; i++) {
			split(kids[i], c, ",")
			p = c[col["parent_t_request_ns"]]; r = c[col["t_request_ns"]]
			if (c[col["parent_dev"]] != cpu || !(p in req) || r < p + 0 ||
			    r + c[col["stall_ns"]] > req[p] + 0) {
				print "not nested: " kids[i]; bad++
			}
		}
		printf "%d EMC rows with a parent, %d not nested in it\n", k, bad
		exit (k < 3 || bad)
	}' /tmp/truth.csv > /tmp/link.txt
check $([ $? = 0 ] && echo ok || echo fail) cpu-emc-link "$(tail -n 3 /tmp/link.txt | tr '\n' ' ')"

# 7. Every truth row against the profile in force (read back from debugfs),
# replayed as settle_sim does: per pair, cyclically; an unlisted pair uses
# any-pair entries, else the nearest pair of its direction.
awk -v slack=$STALL_SLACK_NS '
	function ns(s, a) { split(s, a, "."); return a[1] * 1000 + a[2] }
	function ab(x) { return x < 0 ? -x : x }
	function pick(d, from, to, k, best, bs, s, f, t) {
		best = ""; bs = -1
		for (k = 1; k <= np[d]; k++) {
			f = pf[d, k]; t = pt[d, k]
			if (f == from && t == to)
				return pk[d, k]
			if (f == 0 && t == 0)
				s = 0
			else {
				s = 1 + ab(f - from) + ab(t - to)
				if ((t > f) != (to > from))
					s += 1099511627776
			}
			if (bs < 0 || s < bs) { bs = s; best = pk[d, k] }
		}
		return best
	}
	FILENAME ~ /profile/ {
		d = FILENAME ~ /gpu/ ? "gpu" : FILENAME ~ /emc/ ? "emc" : "cpu"
		if (NF == 2) { f = 0; t = 0; st = ns($1); se = ns($2) }
		else { f = $1 + 0; t = $2 + 0; st = ns($3); se = ns($4) }
		key = d SUBSEP f SUBSEP t
		if (!(key in plen)) { np[d]++; pf[d, np[d]] = f; pt[d, np[d]] = t; pk[d, np[d]] = key }
		i = plen[key]++; pst[key, i] = st; pse[key, i] = se
		next
	}
	{ n = split($0, c, ",") }
	FNR == 1 { for (i = 1; i <= n; i++) col[c[i]] = i; hdr = $0; next }
	pass == 1 { if (c[col["parent_dev"]] != "") parent[c[col["parent_dev"]], c[col["parent_t_request_ns"]]] = 1; next }
	{
		d = c[col["domain"]]; from = c[col["from_khz"]] + 0; to = c[col["to_khz"]] + 0
		r = c[col["t_request_ns"]]; st = c[col["stall_ns"]] + 0
		key = pick(d, from, to)
		if (key == "") { print "no profile for: " $0; bad++; next }
		i = pos[key] % plen[key]; pos[key]++
		se = c[col["t_settle_ns"]] - r; rows[d]++
		haskid = (c[col["dev"]] SUBSEP r) in parent
		if (se != pse[key, i] || st < pst[key, i] || (!haskid && st > pst[key, i] + slack)) {
			printf "%s: want settle %d stall %d..%d\n", $0, pse[key, i], pst[key, i], pst[key, i] + slack
			bad++
		}
	}
	END {
		printf "rows cpu %d gpu %d emc %d, %d off the profile\n", rows["cpu"], rows["gpu"], rows["emc"], bad
		if (hdr != "domain,from_khz,to_khz,t_request_ns,stall_ns,t_settle_ns,cpu,dev,parent_dev,parent_t_request_ns") {
			print "unexpected header " hdr; bad++
		}
		exit (bad || rows["cpu"] < 4 || rows["gpu"] < 4 || rows["emc"] < 6)
	}' /tmp/profile.txt /tmp/profile_gpu.txt /tmp/profile_emc.txt \
	pass=1 /tmp/truth.csv pass=2 /tmp/truth.csv > /tmp/model.txt
check $([ $? = 0 ] && echo ok || echo fail) replay "profiles cpu $kind_cpu gpu $kind_gpu emc $kind_emc: $(tail -n 4 /tmp/model.txt | tr '\n' ' ')"

emit_file sim-domains.truth.csv /tmp/truth.csv
emit_file sim-domains.state.csv /tmp/state.csv
emit_file sim-domains.model.txt /tmp/model.txt

rmmod settle_sim || { check fail unload "rmmod settle_sim failed"; }
[ -d $G ] && check fail unload "sim-gpu still there after rmmod"
result PASS "$TEST-timing" "guest time $t0 s .. $t1 s (load to truth read, clock $SETTLE_CLOCK)"
[ $fails = 0 ] || die "$fails checks failed"
result PASS $TEST "all checks"
