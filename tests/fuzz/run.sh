#!/usr/bin/env bash
# run.sh SECONDS TARGET...: fuzz each built target (tests/fuzz/build/) for
# SECONDS, or with 0 only replay its seed corpus.  One "PASS: fuzz-T ..." or
# "FAIL: fuzz-T ..." line per target; exit status 1 if any failed.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
secs=$1
shift
build=$here/build
mkdir -p "$build/crash" "$build/log"
failed=0 total=0

for t in "$@"; do
	bin=$build/$t seeds=$here/corpus/$t work=$build/corpus/$t log=$build/log/$t.log
	if [ ! -x "$bin" ]; then
		echo "FAIL: fuzz-$t: no such target (tests/fuzz/fuzz_$t.c)"
		failed=1
		continue
	fi
	mkdir -p "$work" "$seeds"
	# Leaks count as findings (libFuzzer's default with ASan, stated here so
	# nobody turns it off by accident); -close_fd_mask=3 silences the
	# target's own messages, not the sanitizers' or libFuzzer's reports.
	opts=(-close_fd_mask=3 -detect_leaks=1 -rss_limit_mb=2048 -timeout=10
	      -max_len=65536 -print_final_stats=1 -artifact_prefix="$build/crash/$t-")
	if [ "$secs" -gt 0 ]; then
		"$bin" "${opts[@]}" -max_total_time="$secs" "$work" "$seeds" >"$log" 2>&1
	else
		"$bin" "${opts[@]}" -runs=0 "$work" "$seeds" >"$log" 2>&1
	fi
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	execs=${execs:-0}
	if [ "$rc" -eq 0 ] && ! grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|invariant failed' "$log"; then
		echo "PASS: fuzz-$t $execs executions in ${secs}s ($(ls "$seeds" | wc -l) seeds)"
		total=$((total + execs))
	else
		echo "FAIL: fuzz-$t exit status $rc after $execs executions (log: $log)"
		grep -m5 -E 'ERROR:|runtime error:|invariant failed|SUMMARY:|Test unit written' "$log" | sed 's/^/    /'
		failed=1
	fi
done
echo "fuzz: $total executions in total"
exit "$failed"
