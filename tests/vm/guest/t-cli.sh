# The CLI against a live settle.ko: bad input gets a clear message and a
# non-zero exit, never a stuck policy.
TEST=cli
. ./lib.sh
load_modules settle_sim cpufreq_userspace settle
cpu=1
d=$(cpufreq_dir $cpu)
before=$(cat $d/scaling_governor)

# expect_fail NAME PATTERN CMD...: CMD must exit non-zero and say PATTERN.
expect_fail() {
	n=$1 pat=$2
	shift 2
	"$@" > /tmp/cli.out 2>&1
	rc=$?
	if [ $rc -eq 0 ]; then
		result FAIL cli-$n "exited 0: $(head -c 300 /tmp/cli.out)"
	elif ! grep -qi -- "$pat" /tmp/cli.out; then
		result FAIL cli-$n "no '$pat' in: $(head -c 300 /tmp/cli.out)"
	else
		result PASS cli-$n "status $rc: $(grep -i -m1 -- "$pat" /tmp/cli.out)"
	fi
}

expect_fail bad-rate 12345 settle step --cpu $cpu --rates 115200,12345 --count 1 -o /tmp/c1
expect_fail bad-cpu 'cpu' settle step --cpu 64 --rates 115200,729600 --count 1 -o /tmp/c2
expect_fail zero-count 'count' settle step --cpu $cpu --rates 115200,729600 --count 0 -o /tmp/c3
expect_fail junk-count 'count' settle step --cpu $cpu --rates 115200,729600 --count 3x -o /tmp/c4
expect_fail one-rate 'rate' settle step --cpu $cpu --rates 115200 --count 1 -o /tmp/c5
expect_fail both-gaps 'gap' settle step --cpu $cpu --rates 115200,729600 --count 1 --gap-ms 5 --random-gap 1:2 -o /tmp/c6
expect_fail bad-gap 'gap' settle step --cpu $cpu --rates 115200,729600 --count 1 --random-gap 9:2 -o /tmp/c7
# This board has no simulated GPU loaded.
expect_fail domain 'no gpu device' settle step --domain gpu --cpu $cpu --rates 1,2 --count 1 -o /tmp/c8
expect_fail not-a-trace 'metadata' settle report /tmp
mkdir -p /tmp/corrupt && echo garbage > /tmp/corrupt/metadata
expect_fail corrupt-trace 'corrupt\|not\|CTF' settle report /tmp/corrupt
# A second controller while one holds /dev/settle.
settle step --cpu $cpu --rates 115200,1728000 --count 1000 --gap-ms 20 --warmup 0 -o /tmp/c9 2>/dev/null &
holder=$!
# The holder controls /dev/settle from its first step on, after its probe
# has calibrated: wait for the policy to change hands.
i=0
while [ "$(cat $d/scaling_governor)" != userspace ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
expect_fail busy 'another controller' settle step --cpu $cpu --rates 115200,729600 --count 1 -o /tmp/c10
kill -INT $holder
wait $holder
after=$(cat $d/scaling_governor)
[ "$after" = "$before" ] || die "governor after the CLI tests is $after, was $before"
result PASS cli-policy "governor $after restored after every refusal and an interrupted run"
