#!/usr/bin/env python3
"""Compare what settle measured against the simulated board's ground truth.

Inputs: `settle report --transitions --json TRACE` and the simulator's truth
CSV (domain,from_khz,to_khz,t_request_ns,stall_ns,t_settle_ns,cpu, where
t_request_ns is the simulator's driver entry; newer simulators add a device
name column, older ones have no domain column: their rows are domain cpu).
Each truth row is matched to the measured transition of the same domain and
device (CPU domain: the cpu column; otherwise the device name when the
truth has one) and rate pair with the latest request before that entry (at
most 50 ms before, as settle.ko assumes).  --domain D compares only that
domain's rows; every figure is per domain.  Transitions settle flags as warm-up are matched but not checked.  Checks, each printed as "PASS: name" / "FAIL: name" with the
error quantiles:

  stall       |measured - injected| <= --max-stall-err-us (all but
              --max-stall-miss-frac of them, each miss printed), median <=
              --max-p50-stall-err-us, 95th percentile <=
              --max-p95-stall-err-us, and never shorter than injected
  effective   |t_effective - t_settle| <= effective_bound + --slack-us
              (the bound is the sample gap plus the read cost), 95th
              percentile of the |error| <= --max-p95-effective-err-us
  links       with --links N: every transition the simulator issued inside
              another's driver call carries that transition's id as
              parent_id, and at least N do
  throughput  |t_throughput - t_settle| <= detection_bound + --slack-us
              for at least --min-within-frac of the transitions with a
              change point (each miss is printed); at least
              --min-throughput-frac of the matched ones must have one
              (transitions settle flags probe_no_data or no_probe, made
              while no probe ran, are left out);
              95th percentile of the |error| <= --max-p95-throughput-err-us,
              median <= --max-p50-throughput-err-us

Every check prints the quantiles of the signed error and of |error|, so a
run states the bounds it actually met.  --by-pair prints, instead of the
checks, one table row per rate pair: p50/p95/max of measured - truth for
the stall, the effective and the throughput settle (make demo shows it).
"""
import argparse
import json
import csv
import sys

MAX_REQ_TO_ENTRY_NS = 50 * 1000 * 1000
DOMAINS = ("cpu", "gpu", "emc")


def truth_domain(t):
    """The truth row's domain: truth without the column is the CPU's."""
    return (t.get("domain") or "").strip() or "cpu"


def truth_device(t):
    """The simulator's device name column (settle_sim calls it dev), if any."""
    return (t.get("device") or t.get("device_name") or t.get("dev") or "").strip()


def same_device(t, m):
    """Whether measured transition m is on truth row t's device."""
    dom = truth_domain(t)
    if m.get("domain", "cpu") != dom:
        return False
    if dom == "cpu" and (t.get("cpu") or "").strip():
        return m["cpu"] == int(t["cpu"])
    if truth_device(t):
        return m.get("device") == truth_device(t)
    return True


def match(t, meas):
    """The measured transition of truth row t: same domain, device and rate
    pair, with the latest request at most MAX_REQ_TO_ENTRY_NS before the
    simulator's driver entry."""
    entry = int(t["t_request_ns"])
    best = None
    for m in meas:
        if (m["from_khz"], m["to_khz"]) != (int(t["from_khz"]), int(t["to_khz"])) or \
           not same_device(t, m):
            continue
        req = m["t_request_ns"]
        if req <= entry and entry - req <= MAX_REQ_TO_ENTRY_NS and \
           (best is None or req > best["t_request_ns"]):
            best = m
    return best


def check_links(name, pairs, all_truth, all_meas, want):
    """Each truth row the simulator issued inside another device's driver
    call (parent_dev, parent_t_request_ns) must be measured with parent_id
    the id of the transition measured for that parent row."""
    errs, linked = [], 0
    for t, m in pairs:
        pdev = (t.get("parent_dev") or "").strip()
        pts = int(t.get("parent_t_request_ns") or 0)
        if not pdev or not pts:
            continue
        parents = [p for p in all_truth if int(p["t_request_ns"]) == pts and
                   (p.get("dev") or "").strip() == pdev]
        pm = match(parents[0], all_meas) if parents else None
        if pm is None:
            errs.append("%s transition id %d: its parent (%s, entry %d) was not measured"
                        % (truth_domain(t), m["id"], pdev, pts))
        elif m.get("parent_id") != pm["id"]:
            errs.append("%s transition id %d: parent_id %s, the parent %s transition is id %d"
                        % (truth_domain(t), m["id"], m.get("parent_id"), pdev, pm["id"]))
        else:
            linked += 1
    print("%s: %d transitions linked to their parent, %d wrong" % (name, linked, len(errs)))
    if linked < want:
        errs.append("only %d links recovered (need %d)" % (linked, want))
    return errs


def quantile(xs, q):
    xs = sorted(xs)
    return xs[int(q * (len(xs) - 1))]


def qline(name, xs, signed=True):
    """Quantiles of xs; for signed errors also those of |xs|."""
    line = "%s: p50 %.1f  p95 %.1f  p99 %.1f  min %.1f  max %.1f" % (
        name, quantile(xs, .5), quantile(xs, .95), quantile(xs, .99), min(xs), max(xs))
    if signed:
        a = [abs(x) for x in xs]
        line += "  |err| p50 %.1f  p95 %.1f  max %.1f" % (
            quantile(a, .5), quantile(a, .95), max(a))
    return line


def abs_quantile_check(fails, what, xs, bound, q=.95):
    """Append a failure when the q quantile of |xs| exceeds bound."""
    if bound is None or not xs:
        return
    v = quantile([abs(x) for x in xs], q)
    if v > bound:
        fails.append("%d%% quantile of the %s |error| %.1f us exceeds %.1f us"
                     % (round(100 * q), what, v, bound))


def by_pair(pairs, unmatched, warmup):
    """One row per (from, to): how far settle's figures lie from the truth."""
    def cell(xs):
        if not xs:
            return "%21s" % "-"
        return "%6.0f %6.0f %7.0f" % (quantile(xs, .5), quantile(xs, .95),
                                      max(xs, key=abs))
    groups = {}
    for t, m in pairs:
        key = (m.get("domain", "cpu"), m.get("device", ""), m["from_khz"], m["to_khz"])
        groups.setdefault(key, []).append((t, m))
    print("settle's error against the simulator's truth, measured - truth, us"
          " (p50 p95 max|.|):")
    print("%-30s %3s  %-21s  %-21s  %-21s" % ("", "", "stall (driver call)",
                                          "effective settle", "throughput settle"))
    print("%-30s %3s  %s  %s  %s" % ("device pair, kHz", "n",
                                     *(["%6s %6s %7s" % ("p50", "p95", "max")] * 3)))
    for (dom, dev, f, to), rows in sorted(groups.items()):
        st = [(m["stall_ns"] - int(t["stall_ns"])) / 1000.0
              for t, m in rows if m.get("stall_ns") is not None]
        ef = [(m["t_effective_ns"] - int(t["t_settle_ns"])) / 1000.0
              for t, m in rows if m.get("t_effective_ns") is not None]
        tp = [(m["t_throughput_ns"] - int(t["t_settle_ns"])) / 1000.0
              for t, m in rows if m.get("t_throughput_ns") is not None]
        print("%-30s %3d  %s  %s  %s" % ("%s %s %d->%d" % (dom, dev or "-", f, to),
                                         len(rows), cell(st), cell(ef), cell(tp)))
    print("(%d warm-up transitions not compared, %d truth rows unmatched)"
          % (warmup, unmatched))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--measured", required=True, help="settle report --transitions --json output")
    ap.add_argument("--truth", required=True, help="simulator truth CSV")
    ap.add_argument("--name", default="sim", help="test name prefix")
    ap.add_argument("--domain", choices=DOMAINS,
                    help="compare only this domain's truth rows and transitions")
    ap.add_argument("--min-n", type=int, default=1, help="transitions that must be matched")
    ap.add_argument("--max-stall-err-us", type=float, help="check stalls with this bound")
    ap.add_argument("--max-p50-stall-err-us", type=float)
    ap.add_argument("--max-p95-stall-err-us", type=float)
    ap.add_argument("--max-p95-effective-err-us", type=float)
    ap.add_argument("--max-p95-throughput-err-us", type=float)
    ap.add_argument("--max-p50-throughput-err-us", type=float)
    ap.add_argument("--max-stall-miss-frac", type=float, default=0.0,
                    help="fraction of stalls allowed beyond --max-stall-err-us (each is printed)")
    ap.add_argument("--effective", action="store_true", help="check effective settle")
    ap.add_argument("--throughput", action="store_true", help="check throughput settle")
    ap.add_argument("--min-throughput-frac", type=float, default=0.8,
                    help="fraction of matched transitions that must have a change point")
    ap.add_argument("--min-within-frac", type=float, default=1.0,
                    help="fraction of change points that must lie within their bound")
    ap.add_argument("--links", type=int, metavar="N",
                    help="check parent links: at least N, and every one right")
    ap.add_argument("--by-pair", action="store_true",
                    help="print the per-pair accuracy table only, check nothing")
    ap.add_argument("--slack-us", type=float, default=0.0,
                    help="added to the effective/throughput bounds (timer delivery)")
    a = ap.parse_args()

    try:
        with open(a.measured) as f:
            meas = json.load(f).get("transitions")
        with open(a.truth, newline="") as f:
            truth = list(csv.DictReader(f))
    except (OSError, ValueError) as e:
        print("FAIL: %s cannot read inputs: %s" % (a.name, e))
        return 1
    if meas is None:
        print("FAIL: %s the report has no transitions (run it with --transitions --json)" % a.name)
        return 1

    all_truth, all_meas = truth, meas
    if a.domain:
        truth = [t for t in truth if truth_domain(t) == a.domain]
        meas = [m for m in meas if m.get("domain", "cpu") == a.domain]
    pairs, unmatched, warmup = [], 0, 0
    for t in truth:
        best = match(t, meas)
        if best is None:
            unmatched += 1
        elif "warmup" in best.get("flags", []):
            warmup += 1
        else:
            pairs.append((t, best))

    if a.by_pair:
        by_pair(pairs, unmatched, warmup)
        return 0

    fails = []
    print("%s: %d truth rows, %d matched, %d warm-up (not checked), %d unmatched, "
          "%d measured rows" % (a.name, len(truth), len(pairs), warmup, unmatched, len(meas)))
    for dom in DOMAINS:
        n = sum(1 for t, m in pairs if truth_domain(t) == dom)
        if n and n != len(pairs):
            print("%s: %s: %d matched" % (a.name, dom, n))
    if unmatched:
        fails.append("%d truth transitions have no measured transition" % unmatched)
    if len(pairs) < a.min_n:
        fails.append("only %d transitions matched (need %d)" % (len(pairs), a.min_n))

    def verdict(check, errs):
        if errs:
            for e in errs:
                print("FAIL: %s-%s %s" % (a.name, check, e))
        else:
            print("PASS: %s-%s" % (a.name, check))
        return not errs

    ok = verdict("match", fails)

    if a.links is not None:
        ok = verdict("links", check_links(a.name, pairs, all_truth, all_meas, a.links)) and ok

    if a.max_stall_err_us is not None:
        errs, fails = [], []
        for t, m in pairs:
            if m.get("stall_ns") is None:
                fails.append("transition id %d has no stall" % m["id"])
                continue
            errs.append((m["stall_ns"] - int(t["stall_ns"])) / 1000.0)
        if errs:
            print(qline("%s: stall error us (measured - injected)" % a.name, errs))
            out = [e for e in errs if abs(e) > a.max_stall_err_us]
            for e in out:
                print("%s: stall error %.1f us beyond %.1f us" % (a.name, e, a.max_stall_err_us))
            if len(out) > a.max_stall_miss_frac * len(errs):
                fails.append("%d of %d stall errors exceed %.1f us (allowed: %.0f %%)"
                             % (len(out), len(errs), a.max_stall_err_us,
                                100 * a.max_stall_miss_frac))
            p50 = quantile([abs(e) for e in errs], .5)
            if a.max_p50_stall_err_us is not None and p50 > a.max_p50_stall_err_us:
                fails.append("median stall error %.1f us exceeds %.1f us"
                             % (p50, a.max_p50_stall_err_us))
            abs_quantile_check(fails, "stall", errs, a.max_p95_stall_err_us)
            if min(errs) < 0:
                fails.append("a measured stall is %.1f us shorter than the injected one"
                             % -min(errs))
        ok = verdict("stall", fails) and ok

    slack = a.slack_us * 1000
    if a.effective:
        errs, bounds, fails = [], [], []
        for t, m in pairs:
            if m.get("t_effective_ns") is None:
                fails.append("transition id %d has no effective change (status %s)"
                             % (m["id"], m.get("effective_status")))
                continue
            err = m["t_effective_ns"] - int(t["t_settle_ns"])
            errs.append(err / 1000.0)
            bounds.append(m["effective_bound_ns"] / 1000.0)
            # The change lies in (prev sample start, this sample's read
            # end]: the sample may start just before it, by up to its cost.
            if abs(err) > m["effective_bound_ns"] + slack:
                fails.append("id %d: effective change %.1f us from the true settle, "
                             "bound %.1f us" % (m["id"], err / 1000.0,
                                                m["effective_bound_ns"] / 1000.0))
        if errs:
            print(qline("%s: effective error us (sampled - true settle)" % a.name, errs))
            print(qline("%s: effective bound us (sample gap + read cost)" % a.name, bounds, False))
            abs_quantile_check(fails, "effective", errs, a.max_p95_effective_err_us)
        ok = verdict("effective", fails) and ok

    if a.throughput:
        errs, bounds, fails, misses = [], [], [], []
        # A transition after the probe stopped (the policy restore when
        # settle step closes /dev/settle) cannot have a change point:
        # counting it would hold the detected fraction below 100 %.
        unseen = [m for t, m in pairs
                  if set(m.get("flags", [])) & {"probe_no_data", "no_probe"}]
        if unseen:
            print("%s: %d of %d transitions without probe data (not counted for "
                  "throughput): %s" % (a.name, len(unseen), len(pairs),
                                       ", ".join("id %d" % m["id"] for m in unseen)))
        seen = len(pairs) - len(unseen)
        for t, m in pairs:
            if m.get("t_throughput_ns") is None or m in unseen:
                continue
            err = m["t_throughput_ns"] - int(t["t_settle_ns"])
            errs.append(err / 1000.0)
            bounds.append(m["detection_bound_ns"] / 1000.0)
            if abs(err) > m["detection_bound_ns"] + slack:
                misses.append("id %d (%d -> %d kHz): throughput change %.1f us from the "
                              "true settle, bound %.1f us" % (
                                  m["id"], m["from_khz"], m["to_khz"], err / 1000.0,
                                  m["detection_bound_ns"] / 1000.0))
        for miss in misses:
            print("%s: outside the bound: %s" % (a.name, miss))
        if errs and len(errs) - len(misses) < a.min_within_frac * len(errs):
            fails.append("%d of %d throughput change points lie outside their bound "
                         "(allowed: %.0f %%)" % (len(misses), len(errs),
                                                  100 * (1 - a.min_within_frac)))
        if errs:
            print(qline("%s: throughput error us (change point - true settle)" % a.name, errs))
            print(qline("%s: throughput detection bound us" % a.name, bounds, False))
            abs_quantile_check(fails, "throughput", errs, a.max_p95_throughput_err_us)
            abs_quantile_check(fails, "throughput", errs, a.max_p50_throughput_err_us, .5)
        print("%s: %d of %d transitions with probe data have a throughput change point"
              % (a.name, len(errs), seen))
        if len(errs) < a.min_throughput_frac * max(1, seen):
            fails.append("only %d of %d transitions with probe data have a throughput "
                         "change point" % (len(errs), seen))
        ok = verdict("throughput", fails) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
