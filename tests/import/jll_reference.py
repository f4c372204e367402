#!/usr/bin/python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""The jetson-latency-lab harness's analysis as its README states it
(shared/data/orin-nano-transitions/README.md, "How the upstream analysis
computes analysis_trans.txt"), independently of settle's C code, so the
test can compare `settle report --method jll` with it.

  jll_reference.py DIR   prints JSON: {"<pair> <direction>": {...},
                         "transitions": [{t_write_ns, stall_ns, settle_ns}]}"""
import bisect
import csv
import glob
import json
import statistics
import sys


def p95(xs):
    xs = sorted(xs)
    return xs[int(0.95 * (len(xs) - 1))]


def main():
    out = {}
    per = []
    for path in sorted(glob.glob(sys.argv[1] + "/cpu_*_*.csv")):
        if path.endswith(".probe.csv"):
            continue
        pair = path.rsplit("/", 1)[1][:-4]
        ends, durs = [], []
        with open(path[:-4] + ".probe.csv") as f:
            for r in csv.DictReader(f):
                ends.append(int(r["end_ns"]))
                durs.append(int(r["dur_ns"]))

        def win(lo, hi):
            return range(bisect.bisect_left(ends, lo), bisect.bisect_left(ends, hi))

        res = {}
        for r in csv.DictReader(open(path)):
            t = int(r["t_write_ns"])
            pre, tr, post = win(t - 120_000_000, t), win(t, t + 100_000_000), \
                win(t + 100_000_000, t + 200_000_000)
            if not pre or not tr or not post:
                continue
            lp = statistics.median(durs[i] for i in pre)
            lq = statistics.median(durs[i] for i in post)
            stall = max(durs[i] - min((lp, lq), key=lambda lv: abs(durs[i] - lv)) for i in tr)
            noise = max(durs[i] - lq for i in post)
            settle = None
            if abs(lp - lq) >= 0.2 * max(lp, lq):
                run = 0
                for i in win(t, t + 200_000_000):
                    run = run + 1 if abs(durs[i] - lq) <= 0.15 * lq else 0
                    if run == 3:
                        settle = ends[i] - t
                        break
            per.append({"t_write_ns": t, "stall_ns": stall, "settle_ns": settle})
            d = res.setdefault(r["direction"], {"stall": [], "noise": [], "settle": []})
            d["stall"].append(stall)
            d["noise"].append(noise)
            if settle is not None:
                d["settle"].append(settle)
        for direction, d in res.items():
            out["%s %s" % (pair, direction)] = {
                "n": len(d["stall"]),
                "stall_p50_us": statistics.median(d["stall"]) / 1000,
                "stall_p95_us": p95(d["stall"]) / 1000,
                "noise_p95_us": p95(d["noise"]) / 1000,
                "settle_p50_us": statistics.median(d["settle"]) / 1000 if d["settle"] else None,
                "settle_p95_us": p95(d["settle"]) / 1000 if d["settle"] else None,
            }
    out["transitions"] = per
    json.dump(out, sys.stdout, indent=1, sort_keys=True)


main()
