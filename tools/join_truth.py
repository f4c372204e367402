#!/usr/bin/env python3
"""Give the simulator's ground truth the join key of settle's transitions.

The simulated board only sees its own ->target_index entry, not the request
that led to it.  This matches each truth row to the transition settle
recorded (same rate pair, driver window containing the entry) and writes

  domain,from_khz,to_khz,t_request_ns,stall_ns,t_settle_ns,t_entry_ns,device

where t_request_ns is settle's request time of that transition (the join
key with `settle report --transitions --csv`), and stall_ns, t_settle_ns
and t_entry_ns are the simulator's own truth.  Rows that match nothing keep
an empty t_request_ns and are counted on stderr; nothing is dropped.
The key is the latest request of the same domain, device and rate pair at
most 50 ms before the simulator's entry.  Truth without a domain column is
the CPU's (older simulators); the device is matched by name when both the
truth and settle's CSV name it.  --domain D joins only that domain's rows.
"""
import argparse
import csv
import sys

# settle.ko treats an older request as not the cause of a transition.
MAX_REQ_TO_ENTRY_NS = 50 * 1000 * 1000
DOMAINS = ("cpu", "gpu", "emc")


def truth_domain(t):
    return (t.get("domain") or "").strip() or "cpu"


def truth_device(t):
    return (t.get("device") or t.get("device_name") or t.get("dev") or "").strip()


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--truth", required=True, help="settle_sim debugfs truth CSV")
    ap.add_argument("--measured", required=True,
                    help="settle report --transitions --csv output")
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--domain", choices=DOMAINS, help="join only this domain's rows")
    a = ap.parse_args()

    with open(a.measured, newline="") as f:
        meas = [m for m in csv.DictReader(f) if m.get("stall_ns")]
    with open(a.truth, newline="") as f:
        truth = list(csv.DictReader(f))
    if a.domain:
        truth = [t for t in truth if truth_domain(t) == a.domain]

    unmatched = 0
    with open(a.output, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["domain", "from_khz", "to_khz", "t_request_ns", "stall_ns",
                    "t_settle_ns", "t_entry_ns", "device"])
        for t in truth:
            entry = int(t["t_request_ns"])
            # The latest request of the same rate pair before the driver
            # was entered, if it is recent enough to have caused it.
            key = None
            dom, dev = truth_domain(t), truth_device(t)
            for m in meas:
                if (m["from_khz"], m["to_khz"]) != (t["from_khz"], t["to_khz"]):
                    continue
                if (m.get("domain") or "cpu") != dom:
                    continue
                if dev and m.get("device") and m["device"] != dev:
                    continue
                req = int(m["t_request_ns"])
                if req <= entry and entry - req <= MAX_REQ_TO_ENTRY_NS and \
                   (key is None or req > key):
                    key = req
            if key is None:
                unmatched += 1
            w.writerow([dom, t["from_khz"], t["to_khz"],
                        "" if key is None else key, t["stall_ns"], t["t_settle_ns"], entry,
                        dev])
    if unmatched:
        print("join_truth: %d of %d truth rows match no recorded transition"
              % (unmatched, len(truth)), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
