# make bench, in the guest: the cost settle adds to a transition, measured
# side by side in one boot: sysfs writes timed without settle.ko, with
# settle.ko alone, with its recorder attached, then with the opt-in request
# kprobe.  The simulated driver call takes 100 us, as the Orin's do; in
# virtual time every figure is an exact instruction count.
TEST=bench
. ./lib.sh
ARGS_settle_sim="stall_us=${BENCH_STALL_US:-100} settle_us=0 steal=0"
load_modules settle_sim cpufreq_userspace
cpu=1
taskset -p 1 $$ >/dev/null
echo userspace > $(cpufreq_dir $cpu)/scaling_governor
n=${BENCH_N:-400}
benchw $cpu 115200 1728000 50 >/dev/null		# warm-up
base=$(benchw $cpu 115200 1728000 $n) || die "benchw failed"
insmod /lib/settle/settle.ko $DEF_settle || die "insmod settle failed"
benchw $cpu 115200 1728000 50 >/dev/null
mod=$(benchw $cpu 115200 1728000 $n) || die "benchw failed"
# Where settle.ko's instructions go, the same module with one thing
# changed each time: the sampler's timer on the writing CPU (no IPI to
# sample_cpu), then a 10 ms sampler (one sample per transition, taken on
# the path before PRE: the path alone).
P=/sys/module/settle/parameters
cpu0=$(cat $P/sample_cpu) period0=$(cat $P/sample_period_ns)
echo -1 > $P/sample_cpu || die "cannot set sample_cpu"
benchw $cpu 115200 1728000 50 >/dev/null
lcl=$(benchw $cpu 115200 1728000 $n) || die "benchw failed"
echo $cpu0 > $P/sample_cpu && echo 10000000 > $P/sample_period_ns ||
	die "cannot set sample_period_ns"
benchw $cpu 115200 1728000 50 >/dev/null
path=$(benchw $cpu 115200 1728000 $n) || die "benchw failed"
echo $period0 > $P/sample_period_ns || die "cannot restore sample_period_ns"
start_record /tmp/bench
benchw $cpu 115200 1728000 50 >/dev/null		# warm-up with settle
with=$(benchw $cpu 115200 1728000 $n) || die "benchw failed"
stop_record
# With the opt-in request kprobe (stock JetPack kernels have none).
rmmod settle || die "rmmod settle failed"
insmod /lib/settle/settle.ko $DEF_settle kprobes=1 || die "insmod settle kprobes=1 failed"
start_record /tmp/bench-nokp --force
benchw $cpu 115200 1728000 50 >/dev/null
nokp=$(benchw $cpu 115200 1728000 $n) || die "benchw failed"
stop_record
echo "@@SETTLE-BENCH transition $base $mod $with $nokp"
echo "@@SETTLE-BENCH parts $lcl $path"
result PASS $TEST "measured $n transitions without and with settle"
