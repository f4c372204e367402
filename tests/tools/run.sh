#!/usr/bin/env bash
# tools/compare_truth.py, the VM tests' judge, on synthetic inputs whose
# verdicts are known: a judge that passes everything would pass the VM
# suite too.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/tests/stage-lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# mk NAME STEPS [OPTION...]: NAME.json and NAME.truth.csv, STEPS CPU steps
# 80 ms apart (stall 1 ms + 5 us measured, settle 2 ms, change points 100
# us late, bounds 300 us), then the policy restore with no probe data.
# Options: restore-unflagged, miss N (step N has no change point),
# late N (step N's change point 400 us late), stall N (step N's stall
# 120 us long).
mk() {
	python3 - "$tmp/$1" "$@" <<'PY'
import json, sys
out, name, steps, opts = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
opt = {opts[i]: opts[i + 1] if i + 1 < len(opts) and opts[i + 1].isdigit() else None
       for i in range(len(opts)) if not opts[i].isdigit()}
rates = (115200, 729600, 1728000)
meas, truth = [], ["domain,from_khz,to_khz,t_request_ns,stall_ns,t_settle_ns,cpu,dev"]
for i in range(steps + 1):
    f, t = rates[i % 3], rates[(i + 1) % 3]
    req = 10**9 + i * 80 * 10**6
    entry = req + 2000
    stall, settle = 10**6, entry + 2 * 10**6
    restore = i == steps
    m = {"domain": "cpu", "cpu": 2, "device": "cpu2", "id": i + 1, "from_khz": f, "to_khz": t,
         "t_request_ns": req, "stall_ns": stall + 5000, "request_to_exit_ns": 2000 + stall + 5000,
         "t_effective_ns": settle + 10000, "effective_bound_ns": 20000,
         "t_throughput_ns": settle + 100000, "detection_bound_ns": 300000, "flags": []}
    if opt.get("stall") == str(i):
        m["stall_ns"] += 120000
    if opt.get("late") == str(i):
        m["t_throughput_ns"] = settle + 400000
    if opt.get("miss") == str(i) or restore:
        m["t_throughput_ns"] = m["detection_bound_ns"] = None
    if restore and "restore-unflagged" not in opt:
        m["flags"] = ["request_at_notifier", "probe_no_data"]
    meas.append(m)
    truth.append("cpu,%d,%d,%d,%d,%d,2,cpu2" % (f, t, entry, stall, settle))
json.dump({"transitions": meas}, open(out + ".json", "w"))
open(out + ".truth.csv", "w").write("\n".join(truth) + "\n")
PY
}

# judge NAME ARGS...: compare_truth on NAME's files; its output in $tmp/NAME.out.
judge() {
	local n=$1
	shift
	python3 "$top/tools/compare_truth.py" --name "$n" --measured "$tmp/$n.json" \
		--truth "$tmp/$n.truth.csv" "$@" > "$tmp/$n.out" 2>&1
}

# expect NAME WANT_RC PATTERN ARGS...: judge NAME, whose exit status must be
# WANT_RC and whose output must match PATTERN.
expect() {
	local n=$1 want=$2 pat=$3 rc
	shift 3
	judge "$n" "$@"
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		fail "compare-truth-$n" "exit status $rc, expected $want: $(tail -3 "$tmp/$n.out")"
	elif ! grep -q -- "$pat" "$tmp/$n.out"; then
		fail "compare-truth-$n" "output lacks '$pat': $(tail -3 "$tmp/$n.out")"
	else
		pass "compare-truth-$n exit status $rc, says '$pat'"
	fi
}

thr=(--throughput --min-throughput-frac 0.95 --min-within-frac 0.95)
mk clean 10
expect clean 0 "10 of 10 transitions with probe data have" --min-n 11 \
	--max-stall-err-us 10 --effective "${thr[@]}"
if grep -q "1 of 11 transitions without probe data (not counted for throughput): id 11" \
	"$tmp/clean.out"; then
	pass "compare-truth-restore-named the restore after the probe is named and left out"
else
	fail "compare-truth-restore-named" "the restore is not named as left out"
fi
# Without the flag the restore counts: 10 of 11 is under 95 %.
mk unflagged 10 restore-unflagged
expect unflagged 1 "only 10 of 11 transitions with probe data" "${thr[@]}"
mk miss 10 miss 4
expect miss 1 "only 9 of 10 transitions with probe data" "${thr[@]}"
mk late 10 late 3
expect late 1 "1 of 10 throughput change points lie outside their bound" "${thr[@]}"
mk median 10
expect median 1 "50% quantile of the throughput |error| 100.0 us exceeds 50.0 us" \
	--throughput --max-p50-throughput-err-us 50
mk stall 10 stall 2
expect stall 1 "1 of 11 stall errors exceed 90.0 us" --max-stall-err-us 90
exit $((fails > 0))
