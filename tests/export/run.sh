#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# settle export on a synthetic campaign with a known truth (no VM): every
# format is read back by the tool its users read it with (pandas, a JSON
# parser, protoc against Perfetto's schema) and checked against the truth
# and against `settle report`.  Prints PASS: / FAIL: lines.
set -uo pipefail
cd "$(dirname "$0")/../.."
top=$PWD
# Debian's python3 with python3-pandas, not whatever python3 is first on PATH.
PY=/usr/bin/python3
SETTLE=${SETTLE:-$top/user/settle}
N=40
# shellcheck source=tests/stage-lib.sh
. tests/stage-lib.sh

make -s -C user >/dev/null || { fail export-build "make -C user"; exit 1; }
make -s -C tests/export >/dev/null || { fail export-build "make -C tests/export"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tests/export/mktrace "$tmp/trace" $N 7 >"$tmp/truth.csv" || { fail export-mktrace; exit 1; }

check export-csv "$SETTLE" export --format csv -o "$tmp/x.csv" --probe-csv "$tmp/p.csv" "$tmp/trace"
check export-csv-pandas $PY - "$tmp" $N <<'PYEOF'
import sys, pandas as pd
d, n = sys.argv[1], int(sys.argv[2])
x = pd.read_csv(d + "/x.csv")
t = pd.read_csv(d + "/truth.csv")
p = pd.read_csv(d + "/p.csv")
cols = ("domain,device,id,from_khz,to_khz,direction,warmup,t_request_ns,request_source,"
        "driver_call_ns,request_to_exit_ns,t_effective_ns,effective_settle_ns,"
        "effective_bound_ns,t_throughput_ns,throughput_settle_ns,detection_bound_ns,"
        "noise_floor_ns,workload_stall_ns,workload_stall_noise_ns,flags,parent_id").split(",")
assert list(x.columns) == cols, list(x.columns)
assert len(x) == n, len(x)
assert (x.domain == "cpu").all() and (x.device == "cpu1").all(), set(x.device)
assert x.parent_id.isna().all()     # no cross-domain link in this trace
for c in cols:
    if c not in ("domain", "device", "direction", "flags", "parent_id"):
        assert x[c].dtype.kind == "i", (c, x[c].dtype)   # every number parsed, none missing
m = x.merge(t, on="t_request_ns", suffixes=("", "_truth"))
assert len(m) == n
assert (m.driver_call_ns == m.driver_call_ns_truth).all()
assert (m.t_effective_ns == m.t_effective_ns_truth).all()
err = (m.workload_stall_ns - m.workload_stall_ns_truth).abs()
# truth within the statistic's own noise floor plus one bin
bad = m[err > m.workload_stall_noise_ns + 10000]
assert bad.empty, bad[["id", "workload_stall_ns", "workload_stall_ns_truth"]]
tp = (m.t_throughput_ns - m.t_change_ns).abs()
assert (tp <= m.detection_bound_ns).mean() >= 0.9, (tp - m.detection_bound_ns).max()
assert m.warmup.sum() == 1 and m.warmup.iloc[0] == 1
assert list(p.columns) == ["domain", "device", "t_ns", "bin_ns", "work"]
assert (p.t_ns.diff().dropna() == 10000).all() and len(p) > 100000
print("workload stall error us: max %.3f" % (err.max() / 1000))
PYEOF

check export-json "$SETTLE" export --format json -o "$tmp/r.json" "$tmp/trace"
"$SETTLE" report --json "$tmp/trace" >"$tmp/report.json"
check export-json-schema $PY - "$tmp" $N <<'PYEOF'
import sys, json
d, n = sys.argv[1], int(sys.argv[2])
r = json.load(open(d + "/r.json"))
rep = json.load(open(d + "/report.json"))
assert len(r["transitions"]) == n
assert r["pairs"] == rep["pairs"]
for g in r["pairs"]:
    assert g["stall_us"] == g["driver_call_us"]       # the alias
    for k in ("driver_call_us", "workload_stall_us", "workload_stall_noise_us",
              "effective_settle_us", "throughput_settle_us"):
        assert k in g, k
for x in r["transitions"]:
    assert x["stall_ns"] == x["driver_call_ns"]
    assert x["workload_stall_ns"] is not None
PYEOF
check export-json-against-schema $PY - "$tmp" Documentation/report.schema.json <<'PYEOF'
import sys, json, jsonschema
d, schema = sys.argv[1], json.load(open(sys.argv[2]))
jsonschema.Draft202012Validator.check_schema(schema)
for f in ("r.json", "report.json"):
    jsonschema.Draft202012Validator(schema).validate(json.load(open(d + "/" + f)))
# and the schema can fail: a renamed key is caught
bad = json.load(open(d + "/r.json"))
bad["pairs"][0]["driver_call"] = bad["pairs"][0].pop("driver_call_us")
assert not jsonschema.Draft202012Validator(schema).is_valid(bad)
PYEOF

check export-latency-table "$SETTLE" export --format latency-table -o "$tmp/lt.csv" "$tmp/trace"
check export-latency-table-json "$SETTLE" export --format latency-table-json -o "$tmp/lt.json" "$tmp/trace"
check export-latency-table-columns $PY - "$tmp" <<'PYEOF'
import sys, json, pandas as pd
d = sys.argv[1]
lt = pd.read_csv(d + "/lt.csv")
lj = json.load(open(d + "/lt.json"))
rep = json.load(open(d + "/report.json"))
cols = ["domain", "from_khz", "to_khz", "direction", "n"]
cols_end = ["device"]
for m in ("request_to_effective", "request_to_throughput", "workload_stall", "driver_call"):
    cols += [m + "_n", m + "_p50_us", m + "_p95_us", m + "_p99_us"]
cols += cols_end
assert list(lt.columns) == cols, list(lt.columns)
assert lj["schema"] == "settle-latency-table" and lj["version"] == 1
pairs = {(g["domain"], g["from_khz"], g["to_khz"]): g for g in rep["pairs"]}
assert len(lt) == len(pairs) == len(lj["rows"])
key = {"request_to_effective": "effective_settle_us", "request_to_throughput": "throughput_settle_us",
       "workload_stall": "workload_stall_us", "driver_call": "driver_call_us"}
for row, jr in zip(lt.itertuples(), lj["rows"]):
    g = pairs[(row.domain, row.from_khz, row.to_khz)]
    assert row.n == g["n"] == jr["n"]
    for m, k in key.items():
        for q in ("p50", "p95", "p99"):
            if g[k] is None:
                assert pd.isna(getattr(row, m + "_" + q + "_us")) and jr[m + "_us"] is None
            else:
                assert abs(getattr(row, m + "_" + q + "_us") - g[k][q]) < 1e-9, (m, q)
                assert abs(jr[m + "_us"][q] - g[k][q]) < 1e-9
PYEOF

check export-perfetto "$SETTLE" export --format perfetto --sample-us 50 -o "$tmp/t.pftrace" "$tmp/trace"
if protoc --proto_path=tests/export --decode=perfetto.protos.Trace \
	tests/export/perfetto_subset.proto <"$tmp/t.pftrace" >"$tmp/t.txt" 2>"$tmp/t.err"; then
	pass export-perfetto-decode-schema
else
	fail export-perfetto-decode-schema "$(cat "$tmp/t.err")"
fi
if protoc --decode_raw <"$tmp/t.pftrace" >/dev/null 2>"$tmp/raw.err"; then
	pass export-perfetto-decode-raw
else
	fail export-perfetto-decode-raw "$(cat "$tmp/raw.err")"
fi
check export-perfetto-content $PY - "$tmp" $N <<'PYEOF'
import sys, re, collections
import pandas as pd
d, n = sys.argv[1], int(sys.argv[2])
text = open(d + "/t.txt").read()
# Fields the schema does not know would print as bare numbers.
assert not re.search(r"^\s*\d+:", text, re.M), "unknown fields in the trace"
pk = text.split("\npacket {")
tracks, events = {}, []
for p in pk:
    m = re.search(r'track_descriptor \{\s*uuid: (\d+)\s*name: "([^"]*)"', p)
    if m:
        tracks[int(m.group(1))] = (m.group(2), "counter {" in p)
        continue
    ts = int(re.search(r"timestamp: (\d+)", p).group(1))
    ty = re.search(r"type: (\w+)", p).group(1)
    tr = int(re.search(r"track_uuid: (\d+)", p).group(1))
    name = re.search(r'name: "([^"]*)"', p)
    flows = [int(v) for v in re.findall(r"\bflow_ids: (\d+)", p)]
    term = [int(v) for v in re.findall(r"terminating_flow_ids: (\d+)", p)]
    events.append((ts, ty, tr, name.group(1) if name else None, flows, term))
names = {v[0]: (k, v[1]) for k, v in tracks.items()}
for want, counter in (("cpu1 requested kHz", 1), ("cpu1 effective kHz", 1),
                      ("cpu1 probe throughput", 1), ("cpu1 driver call", 0),
                      ("cpu1 effective settle", 0), ("cpu1 throughput settle", 0)):
    assert want in names and names[want][1] == bool(counter), want
for ts, ty, tr, *_ in events:
    assert tr in tracks, tr
x = pd.read_csv(d + "/x.csv")
def on(track, ty):
    u = names[track][0]
    return [e for e in events if e[2] == u and e[1] == ty]
# driver call slices: one per transition, PRE..POST from the CSV
b, e = on("cpu1 driver call", "TYPE_SLICE_BEGIN"), on("cpu1 driver call", "TYPE_SLICE_END")
assert len(b) == len(e) == n
post = x.t_request_ns + x.request_to_exit_ns
assert sorted(v[0] for v in e) == sorted(post)
assert sorted(v[0] for v in b) == sorted(post - x.driver_call_ns)
assert len(on("cpu1 effective settle", "TYPE_SLICE_BEGIN")) == x.t_effective_ns.notna().sum()
req = on("cpu1 requested kHz", "TYPE_COUNTER")
assert len(req) == n + 1
# every flow starts at a request and ends once, at a change
starts = collections.Counter(f for ev in events for f in ev[4])
ends = collections.Counter(f for ev in events for f in ev[5])
assert starts == ends and set(starts.values()) == {1}, (len(starts), len(ends))
assert len(starts) == x.t_effective_ns.notna().sum() + x.t_throughput_ns.notna().sum()
# trace_processor nests slices per track: on each, a BEGIN/END sequence in
# time order must never go below depth 0 nor overlap (depth > 1)
for name, (u, counter) in names.items():
    if counter:
        continue
    depth = 0
    for ts, ty, tr, *_ in sorted((e for e in events if e[2] == u), key=lambda e: (e[0], e[1] != "TYPE_SLICE_END")):
        depth += {"TYPE_SLICE_BEGIN": 1, "TYPE_SLICE_END": -1}.get(ty, 0)
        assert 0 <= depth <= 1, (name, ts, depth)
    assert depth == 0, name
tp = on("cpu1 probe throughput", "TYPE_COUNTER")
assert len(tp) > 1000
print("%d packets, %d tracks, %d flows" % (len(pk), len(tracks), len(starts)))
PYEOF

# Unexplained frequency changes: the injected ones, at their times, and
# none in the clean campaign (whose every change a request explains).
tests/export/mktrace "$tmp/utrace" 60 3 u >/dev/null 2>"$tmp/injected" ||
	fail report-mktrace-unexplained
"$SETTLE" report --json "$tmp/utrace" >"$tmp/u.json"
check report-unexplained $PY - "$tmp" <<'PYEOF'
import sys, json
d = sys.argv[1]
want = [(l.split()[0], int(l.split()[1])) for l in open(d + "/injected")]
got = json.load(open(d + "/u.json"))["unexplained"]
assert len(got) == len(want), (got, want)
for (kind, t), u in zip(sorted(want, key=lambda w: w[1]), got):
    assert u["kind"] == kind, (u, kind)
    # probe levels are placed to a 10 ms window: its middle
    assert abs(u["t_ns"] - t) <= (10_000_000 if kind == "probe_level" else 0), (u, t)
    if kind == "probe_level":
        assert abs(u["throughput_ratio"] - 0.5) < 0.05, u
clean = json.load(open(d + "/report.json"))
assert clean["unexplained"] == [], clean["unexplained"]
m = clean["matrix"][0]
assert m["rates_khz"] == [115200, 729600, 1728000]
assert [m["n"][i][i] for i in range(3)] == [0, 0, 0]
assert sum(map(sum, m["n"])) == sum(g["n"] for g in clean["pairs"])
PYEOF

# The streaming analyser and the whole-trace one give the same report.
same=1
for t in trace utrace; do
	"$SETTLE" report --json --transitions "$tmp/$t" >"$tmp/stream.json" &&
	"$SETTLE" report --json --transitions --whole "$tmp/$t" >"$tmp/whole.json" &&
	cmp -s "$tmp/stream.json" "$tmp/whole.json" || same=0
done
if [ $same -eq 1 ]; then pass report-streaming-equals-whole; else fail report-streaming-equals-whole; fi

# The demo's like-with-like table against the Orin reference, when present.
ref=${SETTLE_SHARED_DATA:-$top/../shared/data/orin-nano-transitions}
if [ -f "$ref/analysis_trans.txt" ]; then
	check compare-reference sh -c "$PY tools/compare_reference.py --report '$tmp/report.json' \
		--ref '$ref' | tee '$tmp/cmp.txt' | grep -c 'workload stall p50/p95 us' | grep -qx 4 &&
		cat '$tmp/cmp.txt'"
else
	echo "SKIP: compare-reference: $ref not present"
fi

# settle plot: PNGs gnuplot really drew, from the same numbers as the CSV.
check plot "$SETTLE" plot -o "$tmp/fig" "$tmp/trace"
check plot-files $PY - "$tmp" <<'PYEOF'
import sys, struct, pandas as pd
d = sys.argv[1]
for name in ("cpu-cdf", "cpu-heatmap", "cpu-timeline"):
    b = open("%s/fig/%s.png" % (d, name), "rb").read()
    assert b[:8] == b"\x89PNG\r\n\x1a\n", name
    w, h = struct.unpack(">II", b[16:24])
    assert (w, h) == (1000, 640) and len(b) > 10000, (name, w, h, len(b))
x = pd.read_csv(d + "/x.csv")
x = x[x.warmup == 0]
blocks = open(d + "/fig/cpu-cdf.dat").read().strip().split("\n\n\n")
def vals(i):
    return [float(l.split()[0]) for l in blocks[i].splitlines() if not l.startswith("#")]
assert vals(0) == sorted(round(v / 1000, 3) for v in x.driver_call_ns)
assert vals(1) == sorted(round(v / 1000, 3) for v in x.workload_stall_ns)
assert vals(3) == sorted(round(v / 1000, 3) for v in x.throughput_settle_ns)
gp = open(d + "/fig/plot.gp").read()
for mark in ("'request'", "'driver entry'", "'driver exit'", "'effective change'",
             "'detected change'"):
    assert mark in gp, mark
hm = [l.split() for l in open(d + "/fig/cpu-heatmap.dat") if not l.startswith("#")]
assert len(hm) == 6          # every ordered pair of three rates was stepped
PYEOF
check plot-transition-by-id "$SETTLE" plot --transition 7 --no-render -o "$tmp/fig7" "$tmp/trace"
if grep -q 'transition 7:' "$tmp/fig7/plot.gp" && ! compgen -G "$tmp/fig7/*.png" >/dev/null; then
	pass plot-no-render-and-id
else
	fail plot-no-render-and-id "plot.gp lacks transition 7, or PNGs were drawn"
fi
expect_fail plot-refuses-unknown-transition "no transition with id 9999" \
	"$SETTLE" plot --transition 9999 -o "$tmp/fig9" "$tmp/trace" &&
	pass plot-refuses-unknown-transition
expect_fail plot-says-gnuplot-missing "cannot run gnuplot" \
	env PATH=/nonexistent "$SETTLE" plot -o "$tmp/fig-nognuplot" "$tmp/trace" &&
	pass plot-says-gnuplot-missing

# Failures: non-zero exit, a message, and no output file left behind.
refuse() {	# refuse NAME WANT-IN-STDERR LEFTOVER ARGS...: and no LEFTOVER* file
	local name=$1 want=$2 out=$3
	shift 3
	expect_fail "$name" "$want" "$SETTLE" export "$@" || return 0
	if [ -n "$out" ] && compgen -G "$out*" >/dev/null; then
		fail "$name" "left $(compgen -G "$out*" | head -1) behind"
	else
		pass "$name"
	fi
}
refuse export-refuses-unknown-format "unknown format 'pdf'" "" --format pdf -o - "$tmp/trace"
refuse export-refuses-missing-output "-o OUT is required" "" --format csv "$tmp/trace"
refuse export-refuses-missing-trace "settle trace directory" "$tmp/none.csv" \
	--format csv -o "$tmp/none.csv" "$tmp/nonexistent"
refuse export-refuses-bad-sample "too small" "" --format perfetto --sample-us 0 -o - "$tmp/trace"
refuse export-refuses-unwritable "cannot create" "" --format csv -o "$tmp/no/such/dir/x.csv" "$tmp/trace"
refuse export-refuses-probe-csv-elsewhere "csv only" "" --format json --probe-csv "$tmp/p2" -o - "$tmp/trace"
[ $fails -eq 0 ]
