#!/usr/bin/python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""settle's figures beside the real Orin Nano reference, quantity by
quantity, for make demo:

  compare_reference.py --report report.json --ref DIR

DIR is shared/data/orin-nano-transitions (Apache-2.0, see its LICENSE and
NOTICE.upstream): analysis_trans.txt (the upstream analysis) and the
<domain>_<a>_<b>.csv records of the cpu, gpu and emc domains (cpufreq kHz;
devfreq and BPMP Hz, shown here in kHz as settle reports them).  Each row pairs one quantity measured the same
way on both sides, or says how the definitions differ:

  driver call   settle: PRECHANGE->POSTCHANGE; reference: the blocking
                sysfs write (write_us), which the simulator replays as its
                driver call
  workload      settle: workload stall; reference: the harness's stall
  stall         (largest excess of a probe sample over the nearer level)
  settle        settle: throughput settle (change point of the probe's
                throughput); reference: the harness's settle (end of the
                first 3 samples within 15 % of the new level: later by
                design, by about 3 samples of the new level)
  rate seen     settle: effective settle (the hardware-facing readout);
                reference: readback of the cached rate file (software)
"""
import argparse
import csv
import glob
import json
import os
import statistics
import sys


# Rates in the records: cpufreq kHz, devfreq and BPMP Hz.
RATE_DIV = {"cpu": 1, "gpu": 1000, "emc": 1000}
ORDER = {"cpu": 0, "gpu": 1, "emc": 2}


def fmt(d, keys=("p50", "p95"), scale=1.0, digits=1):
    if not d:
        return "-"
    return " / ".join("%.*f" % (digits, d[k] / scale) for k in keys)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--report", required=True, help="settle report --json output")
    ap.add_argument("--ref", required=True, help="orin-nano-transitions directory")
    ap.add_argument("--domain", choices=sorted(RATE_DIV),
                    help="only this domain's reference rows")
    a = ap.parse_args()
    rep = json.load(open(a.report))
    pairs = {(g["domain"], g["from_khz"], g["to_khz"]): g for g in rep["pairs"]}
    ref = {}
    for line in open(os.path.join(a.ref, "analysis_trans.txt")):
        f = line.split()
        dom = f[0].split("_")[0] if f else ""
        if len(f) >= 12 and dom in RATE_DIV and f[1] in ("up", "down") and \
           (not a.domain or dom == a.domain):
            ref[(f[0], f[1])] = {"n": int(f[2]), "stall": (float(f[3]), float(f[5])),
                                 "settle": (float(f[7]), float(f[9])), "readback": float(f[10])}
    writes = {}
    for dom, div in RATE_DIV.items():
        for path in glob.glob(os.path.join(a.ref, "%s_*_*.csv" % dom)):
            for r in csv.DictReader(open(path)):
                key = (dom, int(r["from"]) // div, int(r["to"]) // div)
                writes.setdefault(key, []).append(float(r["write_us"]))
    if not ref:
        sys.exit("compare_reference: no %s rows in %s/analysis_trans.txt"
                 % (a.domain or "cpu, gpu or emc", a.ref))
    print("%-26s %-26s %-22s %s" % ("pair (kHz)", "quantity", "settle (this run)",
                                    "Orin Nano reference"))
    shown = 0
    for (name, direction), r in sorted(ref.items(),
                                       key=lambda kv: (ORDER[kv[0][0].split("_")[0]], kv[0])):
        dom = name.split("_")[0]
        hi, lo = (int(v) // RATE_DIV[dom] for v in name.split("_")[1:3])
        frm, to = (hi, lo) if direction == "down" else (lo, hi)
        g = pairs.get((dom, frm, to))
        label = "%s %d->%d" % (dom, frm, to)
        if not g:
            print("%-26s (not stepped in this run)" % label)
            continue
        shown += 1
        w = writes.get((dom, frm, to))
        rows = [
            ("driver call p50/p95 us", fmt(g.get("driver_call_us")),
             "%.1f / %.1f (write_us)" % (statistics.median(w), sorted(w)[int(0.95 * (len(w) - 1))])
             if w else "-"),
            ("workload stall p50/p95 us", fmt(g.get("workload_stall_us")),
             "%.1f / %.1f" % r["stall"]),
            ("settle p50/p95 ms", fmt(g.get("throughput_settle_us"), scale=1000, digits=2),
             "%.2f / %.2f (3-sample rule)" % r["settle"]),
            ("rate seen p50 us", fmt(g.get("effective_settle_us"), keys=("p50",)),
             "%.1f (cached readback)" % r["readback"]),
            ("n", str(g["n"]), str(r["n"])),
        ]
        for i, (q, s, o) in enumerate(rows):
            print("%-26s %-26s %-22s %s" % (label if i == 0 else "", q, s, o))
    if not shown:
        sys.exit("compare_reference: the report has none of the reference's rate pairs")


main()
