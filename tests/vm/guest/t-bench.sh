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
result PASS $TEST "measured $n transitions without and with settle"
