#!/usr/bin/env python3
"""Turn a VM console log into files and a verdict.

The guest speaks a line protocol (tests/vm/guest/lib.sh).  Anything that
keeps the guest from reaching @@SETTLE-DONE -- a panic, a hang, a failed
boot -- is a failure, and the console log stays in the output directory.
"""
import argparse
import base64
import gzip
import io
import os
import re
import shutil
import sys
import tarfile
import tempfile

BAD_KERNEL = re.compile(r"(Kernel panic|BUG: |WARNING: CPU: |Oops|general protection|"
                        r"possible circular locking|unreferenced object|Call trace:|Call Trace:)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("console")
    ap.add_argument("outdir")
    ap.add_argument("--qemu-status", type=int, default=0)
    a = ap.parse_args()

    with open(a.console, "rb") as f:
        lines = f.read().decode("utf-8", "replace").replace("\r", "").split("\n")

    booted = done = False
    results, failures = [], []
    cur, buf = None, []
    for ln in lines:
        # Firmware escape sequences can precede the first protocol line.
        if "@@SETTLE-" in ln:
            ln = ln[ln.index("@@SETTLE-"):]
        if cur is not None:
            if ln.startswith("@@SETTLE-END "):
                dest = os.path.join(a.outdir, cur)
                try:
                    raw = gzip.decompress(base64.b64decode("".join(buf)))
                except (ValueError, OSError, EOFError) as e:
                    # Console output interleaved with the file's lines.
                    failures.append("file %s came back damaged (%s)" % (cur, e))
                    cur, buf = None, []
                    continue
                try:
                    # A directory: one top-level entry, renamed to the name
                    # the guest gave it.
                    with tarfile.open(fileobj=io.BytesIO(raw), mode="r:") as t:
                        tmp = tempfile.mkdtemp(dir=a.outdir)
                        t.extractall(tmp)
                        (top,) = os.listdir(tmp)
                        shutil.rmtree(dest, ignore_errors=True)
                        os.rename(os.path.join(tmp, top), dest)
                        os.rmdir(tmp)
                except tarfile.TarError:
                    with open(dest, "wb") as f:
                        f.write(raw)
                cur, buf = None, []
            else:
                buf.append(ln.strip())
            continue
        if ln.startswith("@@SETTLE-FILE "):
            cur = ln.split(" ", 1)[1].strip()
        elif ln.startswith("@@SETTLE-BOOTED"):
            booted = True
        elif ln.startswith("@@SETTLE-DONE"):
            done = True
        elif ln.startswith("@@SETTLE-RESULT "):
            parts = ln.split(" ", 3)
            st, name = parts[1], parts[2] if len(parts) > 2 else "?"
            detail = parts[3] if len(parts) > 3 else ""
            results.append((st, name, detail))
        elif BAD_KERNEL.search(ln):
            failures.append("kernel: " + ln.strip())

    dmesg = os.path.join(a.outdir, "dmesg.txt")
    if os.path.exists(dmesg):
        with open(dmesg, errors="replace") as f:
            for ln in f:
                if BAD_KERNEL.search(ln):
                    failures.append("dmesg: " + ln.strip())

    # hrtimer hang counts (run.sh's init): printed, so that a storm of
    # them (Documentation/testbed.rst, RCU stalls) shows in every run.
    hangs = os.path.join(a.outdir, "hrtimer-hangs.txt")
    if os.path.exists(hangs):
        with open(hangs, errors="replace") as f:
            txt = f.read()
        up = re.search(r"uptime ([0-9.]+)", txt)
        per_cpu = re.findall(r"nr_hangs\s*:\s*(\d+)", txt)
        print("hrtimer hangs per CPU in %s s: %s" % (up.group(1) if up else "?",
                                                   " ".join(per_cpu) or "none reported"))

    if not booted:
        failures.append("the VM never reached the test init (boot failed)")
    elif not done:
        failures.append("the guest did not finish (hang, panic or timeout; qemu status %d)"
                        % a.qemu_status)
    if cur is not None:
        failures.append("file %s was cut off" % cur)
    for st, name, detail in results:
        print("%s: %s %s" % (st, name, detail))
        if st != "PASS":
            failures.append("%s: %s" % (name, detail))
    if not results:
        failures.append("the guest reported no results")
    for f in failures:
        print("FAIL: " + f, file=sys.stderr)
    if failures:
        print("console log: %s" % a.console, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
