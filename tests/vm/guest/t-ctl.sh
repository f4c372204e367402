# /dev/settle below the CLI: permissions, exclusivity, bad input, restore on
# close and on SIGKILL (tests/vm/ctltest.c).
TEST=ctl
. ./lib.sh
load_modules settle_sim cpufreq_userspace settle
[ -e /lib/settle/cpufreq_performance.ko ] && insmod /lib/settle/cpufreq_performance.ko
[ -c /dev/settle ] || die "no /dev/settle"
ctltest 1 115200 729600 || die "ctltest reported failures"
rmmod settle || die "rmmod settle failed after the control tests"
