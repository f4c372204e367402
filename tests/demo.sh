#!/usr/bin/env bash
# make demo: boot Debian's arm64 kernel with the simulated board, run a CPU
# campaign with `settle step`, and leave the results in demo-out/:
#   trace/           the CTF trace (babeltrace2 demo-out/trace prints it)
#   report.json      settle report --json
#   report.txt       settle report
#   truth.csv        the simulator's ground truth, one row per transition
#   transitions.csv  settle's per-transition table; joins truth.csv on
#                    t_request_ns
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/demo-out
vm=$top/build/demo-vm
arch=${SETTLE_DEMO_ARCH:-arm64}

echo "demo: booting the simulated board (Debian 6.1 $arch kernel under qemu TCG)" >&2
"$top/tests/vm/run.sh" --arch "$arch" --out "$vm" --timeout 600 t-demo.sh >&2 || {
	echo "demo: the VM run failed; console log: $vm/console.log" >&2; exit 1; }

make -s -C "$top/user" OUT="$top/build/host" >/dev/null
settle=$top/build/host/settle
rm -rf "$out" && mkdir -p "$out"
cp -a "$vm/trace" "$out/trace"
"$settle" report --json --pretty "$out/trace" > "$out/report.json"
"$settle" report --transitions --csv "$out/trace" > "$out/transitions.csv"
python3 "$top/tools/join_truth.py" --truth "$vm/truth-sim.csv" \
	--measured "$out/transitions.csv" -o "$out/truth.csv"
"$settle" report "$out/trace" | tee "$out/report.txt"
ref=$top/../shared/data/orin-nano-transitions/analysis_trans.txt
if [ -f "$ref" ]; then
	echo
	echo "Reference: the real Orin Nano Super (upstream analysis of the records the"
	echo "simulator replays; Apache-2.0, see tools/profiles/NOTICE).  Its settle is"
	echo "what a probe saw, measured from the sysfs write:"
	grep -E '^(pair|cpu)' "$ref"
fi
echo
echo "demo: results in $out (trace/, report.json, report.txt, truth.csv, transitions.csv)"
