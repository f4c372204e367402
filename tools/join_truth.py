#!/usr/bin/env python3
"""Give the simulator's ground truth the join key of settle's transitions.

The simulated board only sees its own ->target_index entry, not the request
that led to it.  This matches each truth row to the transition settle
recorded (same rate pair, driver window containing the entry) and writes

  domain,from_khz,to_khz,t_request_ns,stall_ns,t_settle_ns,t_entry_ns

where t_request_ns is settle's request time of that transition (the join
key with `settle report --transitions --csv`), and stall_ns, t_settle_ns
and t_entry_ns are the simulator's own truth.  Rows that match nothing keep
an empty t_request_ns and are counted on stderr; nothing is dropped.
The key is the latest request of the same rate pair at most 50 ms before
the simulator's entry.  Only truth rows of --domain (default cpu) are
joined, and when the measured CSV has a domain column only its rows of
that domain; the truth's dev, parent_dev and parent_t_request_ns columns
(cpu_emc_link) are not carried over.
"""
import argparse
import csv
import sys

# settle.ko treats an older request as not the cause of a transition.
MAX_REQ_TO_ENTRY_NS = 50 * 1000 * 1000


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--truth", required=True, help="settle_sim debugfs truth CSV")
    ap.add_argument("--measured", required=True,
                    help="settle report --transitions --csv output")
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--domain", default="cpu",
                    help="join the truth rows of this domain (default cpu)")
    a = ap.parse_args()

    with open(a.measured, newline="") as f:
        meas = [m for m in csv.DictReader(f) if m.get("stall_ns") and
                m.get("domain", a.domain) == a.domain]
    with open(a.truth, newline="") as f:
        truth = [t for t in csv.DictReader(f)
                 if t.get("domain", "cpu") == a.domain]

    unmatched = 0
    with open(a.output, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["domain", "from_khz", "to_khz", "t_request_ns", "stall_ns",
                    "t_settle_ns", "t_entry_ns"])
        for t in truth:
            entry = int(t["t_request_ns"])
            # The latest request of the same rate pair before the driver
            # was entered, if it is recent enough to have caused it.
            key = None
            for m in meas:
                if (m["from_khz"], m["to_khz"]) != (t["from_khz"], t["to_khz"]):
                    continue
                req = int(m["t_request_ns"])
                if req <= entry and entry - req <= MAX_REQ_TO_ENTRY_NS and \
                   (key is None or req > key):
                    key = req
            if key is None:
                unmatched += 1
            w.writerow([t["domain"], t["from_khz"], t["to_khz"],
                        "" if key is None else key, t["stall_ns"], t["t_settle_ns"], entry])
    if unmatched:
        print("join_truth: %d of %d truth rows match no recorded transition"
              % (unmatched, len(truth)), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
