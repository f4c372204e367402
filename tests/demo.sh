#!/usr/bin/env bash
# make demo: boot Debian's arm64 kernel with the simulated board, run a CPU
# campaign with `settle step`, and leave the results in demo-out/:
#   trace/           the CTF trace (babeltrace2 demo-out/trace prints it)
#   report.json      settle report --json
#   report.txt       settle report
#   truth.csv        the simulator's ground truth, one row per transition
#   transitions.csv  settle's per-transition table; joins truth.csv on
#                    t_request_ns
#   accuracy.txt     settle's error against the truth, per rate pair
#   plots/           CDFs, from-to heatmap, one transition's timeline
#   trace.perfetto-trace, latency-table.csv   the exports
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/demo-out
vm=$top/build/demo-vm
arch=${SETTLE_DEMO_ARCH:-arm64}

echo "demo: booting the simulated board (Debian 6.1 $arch kernel, qemu in virtual time)" >&2
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
"$settle" report --transitions --json "$out/trace" > "$vm/transitions.json"
echo
python3 "$top/tools/compare_truth.py" --by-pair --measured "$vm/transitions.json" \
	--truth "$vm/truth-sim.csv" | tee "$out/accuracy.txt"
cat <<'EOF' | tee -a "$out/accuracy.txt"
The VM runs in qemu's virtual time (Documentation/testbed.rst): 1 ns per
instruction, and the three vCPUs take turns, so the sampler's instructions
take time from the probe's CPU inside every settle window.  That pulls the
throughput change points by a few hundred us; on a board the CPUs run side
by side.
EOF
"$settle" plot -o "$out/plots" "$out/trace" >/dev/null
"$settle" export --format perfetto -o "$out/trace.perfetto-trace" "$out/trace"
"$settle" export --format latency-table -o "$out/latency-table.csv" "$out/trace"
ref=$top/../shared/data/orin-nano-transitions
if [ -d "$ref" ]; then
	echo
	python3 "$top/tools/compare_reference.py" --report "$out/report.json" --ref "$ref"
fi
echo
echo "demo: results in $out (trace/, report.json, report.txt, accuracy.txt, truth.csv,"
echo "      transitions.csv, plots/, trace.perfetto-trace, latency-table.csv)"
