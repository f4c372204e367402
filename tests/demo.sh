#!/usr/bin/env bash
# make demo: boot Debian's arm64 kernel with the simulated board, run a CPU,
# a GPU and an EMC campaign with `settle step`, and leave the results in
# demo-out/:
#   trace-cpu/ trace-gpu/ trace-emc/   the CTF traces (babeltrace2 prints them)
#   report.txt       settle report of each
#   report-cpu.json, report-gpu.json, report-emc.json   settle report --json
#   truth.csv        the simulator's ground truth, one row per transition,
#                    all three domains
#   transitions.csv  settle's per-transition table, all three domains;
#                    joins truth.csv on t_request_ns
#   accuracy.txt     settle's error against the truth, per device and pair
#   reference.txt    each quantity beside the Orin Nano's
#   plots/DOMAIN/    CDFs, from-to heatmap, one transition's timeline
#   trace-DOMAIN.perfetto-trace, latency-table.csv   the exports
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/demo-out
vm=$top/build/demo-vm
arch=${SETTLE_DEMO_ARCH:-arm64}

echo "demo: booting the simulated board (Debian 6.1 $arch kernel, qemu in virtual time): CPU, GPU and EMC campaigns" >&2
"$top/tests/vm/run.sh" --arch "$arch" --out "$vm" --timeout 600 t-demo.sh >&2 || {
	echo "demo: the VM run failed; console log: $vm/console.log" >&2; exit 1; }

make -s -C "$top/user" OUT="$top/build/host" >/dev/null
settle=$top/build/host/settle
domains="cpu gpu emc"
rm -rf "$out" && mkdir -p "$out/plots"
: > "$out/report.txt"
for d in $domains; do
	cp -a "$vm/trace-$d" "$out/trace-$d"
	"$settle" report --json --pretty "$out/trace-$d" > "$out/report-$d.json"
	"$settle" report --transitions --csv "$out/trace-$d" > "$vm/transitions-$d.csv"
	"$settle" report --transitions --json "$out/trace-$d" > "$vm/transitions-$d.json"
	python3 "$top/tools/join_truth.py" --domain "$d" --truth "$vm/truth-$d.csv" \
		--measured "$vm/transitions-$d.csv" -o "$vm/truth-joined-$d.csv"
	"$settle" report "$out/trace-$d" | tee -a "$out/report.txt"
	echo | tee -a "$out/report.txt"
	"$settle" plot -o "$out/plots/$d" "$out/trace-$d" >/dev/null
	"$settle" export --format perfetto -o "$out/trace-$d.perfetto-trace" "$out/trace-$d"
	"$settle" export --format latency-table -o "$vm/latency-$d.csv" "$out/trace-$d"
done
# One table of each kind for all three domains: the header once.
merge() {	# merge OUT IN...
	local o=$1
	shift
	head -n 1 "$1" > "$o"
	for f in "$@"; do tail -n +2 "$f" >> "$o"; done
}
merge "$out/transitions.csv" "$vm"/transitions-{cpu,gpu,emc}.csv
merge "$out/truth.csv" "$vm"/truth-joined-{cpu,gpu,emc}.csv
merge "$out/latency-table.csv" "$vm"/latency-{cpu,gpu,emc}.csv
: > "$out/accuracy.txt"
for d in $domains; do
	python3 "$top/tools/compare_truth.py" --by-pair --domain "$d" \
		--measured "$vm/transitions-$d.json" --truth "$vm/truth-$d.csv" | tee -a "$out/accuracy.txt"
	echo | tee -a "$out/accuracy.txt"
done
cat <<'EOF' | tee -a "$out/accuracy.txt"
The VM runs in qemu's virtual time (Documentation/testbed.rst): 1 ns per
instruction, and the three vCPUs take turns, so the sampler's instructions
take time from the probe's CPU inside every settle window (13 % of it for
the CPU, 8 % for EMC).  That pulls the CPU's throughput change points by
a few hundred us, and EMC's, whose settle windows are 9-13 ms long, by up
to 2.4 ms; the tests check EMC's with a 200 us sampler.  (settle step
writes its trace in the middle of each gap, away from the transitions.)
Two runs with the same seed make the same transitions; their stall errors
agree within 7 us, effective within one sample gap.  On a board
the CPUs run side by side.  The GPU campaign has no throughput probe (no
GPU here).  EMC's throughput settle is the memory-bound probe's, on a CPU
the simulated EMC throttles; its loads in TCG do not see real memory
timing, only the simulator's stealing.
EOF
ref=$top/../shared/data/orin-nano-transitions
if [ -d "$ref" ]; then
	echo
	: > "$out/reference.txt"
	for d in $domains; do
		python3 "$top/tools/compare_reference.py" --report "$out/report-$d.json" \
			--ref "$ref" --domain "$d" | tee -a "$out/reference.txt"
	done
fi
echo
echo "demo: results in $out (trace-{cpu,gpu,emc}/, report.txt, report-*.json, accuracy.txt,"
echo "      reference.txt, truth.csv, transitions.csv, plots/, *.perfetto-trace, latency-table.csv)"
