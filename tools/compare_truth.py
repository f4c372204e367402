#!/usr/bin/env python3
"""Compare what settle measured against the simulated board's ground truth.

Inputs: `settle report --transitions --csv` output and the simulator's truth
CSV (tests/sim: domain,from_khz,to_khz,t_request_ns,stall_ns,t_settle_ns,cpu).
Each truth row is matched to the measured transition of the same CPU and rate
pair whose driver-entry..driver-exit window contains the simulator's request
instant (its ->target_index entry).  Prints the error quantiles and
"PASS: name" / "FAIL: name" lines; exits non-zero on any failure.
"""
import argparse
import csv
import sys


def quantile(xs, q):
    xs = sorted(xs)
    return xs[int(q * (len(xs) - 1))]


def load(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def num(row, key, path):
    try:
        return int(row[key])
    except (KeyError, TypeError, ValueError):
        sys.exit("compare_truth: %s: row %r has no integer %s" % (path, row, key))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--measured", required=True, help="settle report --transitions --csv output")
    ap.add_argument("--truth", required=True, help="simulator truth CSV")
    ap.add_argument("--name", default="stall", help="test name prefix")
    ap.add_argument("--max-stall-err-us", type=float, required=True,
                    help="largest allowed |measured - injected| stall, us")
    ap.add_argument("--max-p50-stall-err-us", type=float, default=None,
                    help="largest allowed median |measured - injected| stall, us")
    ap.add_argument("--min-n", type=int, default=1, help="transitions that must be matched")
    a = ap.parse_args()

    meas = load(a.measured)
    truth = load(a.truth)
    fails = []
    errs = []
    unmatched = 0
    for t in truth:
        cpu = num(t, "cpu", a.truth)
        t_req = num(t, "t_request_ns", a.truth)
        hit = None
        for m in meas:
            if m.get("stall_ns", "") == "":
                continue
            if num(m, "cpu", a.measured) != cpu:
                continue
            if (num(m, "from_khz", a.measured), num(m, "to_khz", a.measured)) != \
               (num(t, "from_khz", a.truth), num(t, "to_khz", a.truth)):
                continue
            start = num(m, "t_request_ns", a.measured)
            if start <= t_req <= start + num(m, "stall_ns", a.measured):
                hit = m
                break
        if hit is None:
            unmatched += 1
            continue
        errs.append((num(hit, "stall_ns", a.measured) - num(t, "stall_ns", a.truth)) / 1000.0)

    print("%s: %d truth rows, %d matched, %d unmatched, %d measured rows"
          % (a.name, len(truth), len(errs), unmatched, len(meas)))
    if unmatched:
        fails.append("%d truth transitions have no measured transition" % unmatched)
    if len(errs) < a.min_n:
        fails.append("only %d transitions matched (need %d)" % (len(errs), a.min_n))
    if errs:
        print("%s: stall error us (measured - injected): p50 %.1f  p95 %.1f  p99 %.1f  "
              "min %.1f  max %.1f" % (a.name, quantile(errs, .5), quantile(errs, .95),
                                     quantile(errs, .99), min(errs), max(errs)))
        worst = max(errs, key=abs)
        if abs(worst) > a.max_stall_err_us:
            fails.append("stall error %.1f us exceeds %.1f us" % (worst, a.max_stall_err_us))
        p50 = quantile([abs(e) for e in errs], .5)
        if a.max_p50_stall_err_us is not None and p50 > a.max_p50_stall_err_us:
            fails.append("median stall error %.1f us exceeds %.1f us" % (p50, a.max_p50_stall_err_us))
        if min(errs) < 0:
            fails.append("a measured stall is shorter than the injected one (%.1f us):"
                         " the timestamps are wrong" % min(errs))
    for f in fails:
        print("FAIL: %s %s" % (a.name, f))
    if not fails:
        print("PASS: %s (%d transitions within %.1f us)" % (a.name, len(errs), a.max_stall_err_us))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
