#!/usr/bin/python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Probe and transition files in the jetson-latency-lab layout, with a
known injected truth, for tests/import/run.sh and make bench.

  mkjll.py DIR N [SEED]

writes DIR/cpu_729600_1728000.csv (+ .probe.csv), DIR/cpu_115200_1728000.csv
(+ .probe.csv), DIR/meta.json and DIR/truth.csv.  Each pair toggles N times
between its two rates every 250 ms, as the harness did.  The probe does a
fixed amount of work per sample: 5.2 us at 1728 MHz, scaled by 1728 / MHz
(78 us at 115.2 MHz, like the harness's quanta), +-2 % noise.  Each write
has a true change 0.8-1.6 ms after it (samples ending after it run at the
new rate; the one in flight is split) and a true workload stall of 10-60
us starting 0.05-0.3 ms after it, added to the sample in flight."""
import random
import sys

BASE_US = 5.2            # sample duration at 1728 MHz
PERIOD_NS = 250_000_000


def dur_ns(khz):
    return BASE_US * 1000.0 * 1728000 / khz


def main():
    d, n = sys.argv[1], int(sys.argv[2])
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    t = 1_000_000_000_000
    truth = ["pair,i,t_write_ns,t_change_ns,stall_ns"]
    for lo, hi in ((729600, 1728000), (115200, 1728000)):
        name = "%s/cpu_%d_%d" % (d, hi, lo)
        rows = ["i,from,to,direction,t_write_ns,write_us,readback_us,readback_timeout"]
        probe = ["end_ns,dur_ns"]
        cur = hi
        # the probe runs from 200 ms before the first write to 250 ms after the last
        clock = float(t - 200_000_000)
        events = []
        for i in range(n):
            tw = t + i * PERIOD_NS
            to = lo if cur == hi else hi
            tc = tw + rng.randint(800_000, 1_600_000)
            s0 = tw + rng.randint(50_000, 300_000)
            sd = rng.randint(10_000, 60_000)
            events.append((tw, cur, to, tc, s0, sd))
            rows.append("%d,%d,%d,%s,%d,%.2f,%.2f,0" % (
                i, cur, to, "up" if to > cur else "down", tw,
                rng.uniform(900, 1800), rng.uniform(1800, 2800)))
            truth.append("%s,%d,%d,%d,%d" % (name.rsplit("/", 1)[1], i, tw, tc, sd))
            cur = to
        end = t + n * PERIOD_NS + 50_000_000
        k = 0
        rate = hi
        while clock < end:
            while k < len(events) and clock >= events[k][3]:
                rate = events[k][2]
                k += 1
            dur = dur_ns(rate) * (1 + rng.uniform(-0.02, 0.02))
            # a change point inside this sample: the rest runs at the new rate
            if k < len(events) and clock + dur > events[k][3]:
                done = (events[k][3] - clock) / dur
                dur = events[k][3] - clock + (1 - done) * dur_ns(events[k][2])
            for e in events[max(0, k - 1):k + 1]:
                if clock <= e[4] < clock + dur:
                    dur += e[5]
            clock += dur
            probe.append("%d,%d" % (round(clock), round(dur)))
        open(name + ".csv", "w").write("\n".join(rows) + "\n")
        open(name + ".probe.csv", "w").write("\n".join(probe) + "\n")
        t = end + PERIOD_NS
    open(d + "/truth.csv", "w").write("\n".join(truth) + "\n")
    open(d + "/meta.json", "w").write('{\n  "probe_cpu": 5,\n  "settle_s": 0.25\n}\n')


main()
