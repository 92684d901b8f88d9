#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Judge one guest run.

parse-results.py OUTDIR LABEL [EXPECTED_TEST...]

Reads OUTDIR/results.log (written by tests/vm/run.sh through the guest's
second serial port) and OUTDIR/console.log, and prints one line per result:

    PASS|FAIL <tab> <name> <tab> <seconds> <tab> <detail>

Results: every KUnit case; every integration test (TAP: passes when the
script exits 0, prints at least one "ok", no "not ok", no "# SKIP", and as
many results as its plan says); "kernel-log" (no BUG/WARNING/Oops/KASAN/
lockdep/hung task/kmemleak report anywhere in the console or the kernel
log); and "guest" (the guest ran to the end and powered off).
"""
import re
import sys

# What fails a run even when every test passed.
BAD_LOG = re.compile(
    r"BUG:|WARNING:|Oops|KASAN|UBSAN|general protection fault|Kernel panic"
    r"|possible circular locking|possible recursive locking"
    r"|inconsistent lock state|blocked for more than \d+ seconds"
    r"|suspected memory leak|Call Trace:")
KMSG = re.compile(r"^\s*\[\s*\d+\.\d+\]")
RESULT = re.compile(r"^(\s*)(ok|not ok) (\d+)(?: -)? ([^#]*?)\s*(#.*)?$")


def sections(lines):
    """Yield (kind, header, body lines) for each @@@ X-BEGIN ... X-END."""
    cur = None
    for line in lines:
        if line.startswith("@@@ "):
            words = line.split()
            tag = words[1]
            if tag.endswith("-BEGIN"):
                cur = (tag[:-6], words[2:], [])
                continue
            if tag.endswith("-END") and cur and tag[:-4] == cur[0]:
                yield cur[0], cur[1], words[2:], cur[2]
                cur = None
                continue
        if cur:
            cur[2].append(line)


def judge_tap(body, rc):
    oks = fails = 0
    plan = None
    why = []
    for line in body:
        if re.match(r"^1\.\.(\d+)\s*$", line):
            plan = int(line[3:])
        m = RESULT.match(line)
        if not m or m.group(1):
            continue
        if m.group(2) == "not ok":
            fails += 1
            why.append(line.strip())
        elif m.group(5) and "SKIP" in m.group(5).upper():
            fails += 1
            why.append("skipped: " + line.strip())
        else:
            oks += 1
    if rc != 0:
        why.insert(0, "exit status %d" % rc)
    if oks == 0 and not why:
        why.append("no test results")
    if plan is not None and plan != oks + fails:
        why.append("planned %d, ran %d" % (plan, oks + fails))
    return not why, "%d ok, %d not ok" % (oks, fails), why


def main_tap():
    """parse-results.py --tap NAME RC SECS < output: judge one host test."""
    name, rc, secs = sys.argv[2], int(sys.argv[3]), sys.argv[4]
    ok, summary, why = judge_tap([l.rstrip("\r\n") for l in sys.stdin], rc)
    print("%s\t%s\t%s\t%s" % ("PASS" if ok else "FAIL", name, secs,
                               summary if ok else "; ".join(why[:3])))


def main():
    if sys.argv[1] == "--tap":
        return main_tap()
    outdir, label = sys.argv[1], sys.argv[2]
    expected = sys.argv[3:]
    try:
        with open(outdir + "/results.log", errors="replace") as f:
            res = [l.rstrip("\r\n") for l in f]
    except OSError:
        res = []
    try:
        with open(outdir + "/console.log", errors="replace") as f:
            console = [l.rstrip("\r\n") for l in f]
    except OSError:
        console = []

    out = []

    def report(ok, name, secs, detail):
        out.append("%s\t%s/%s\t%s\t%s" % ("PASS" if ok else "FAIL", label,
                                            name, secs, detail))

    seen = set()
    leftovers = {l.split()[2]: l for l in res if l.startswith("@@@ LEFTOVER ")}
    dmesg = []
    kmemleak = []
    for kind, head, tail, body in sections(res):
        if kind == "TEST":
            name = head[0]
            seen.add(name)
            info = dict(w.split("=", 1) for w in tail if "=" in w)
            ok, summary, why = judge_tap(body, int(info.get("rc", "1")))
            if name in leftovers:
                ok = False
                why.append("left devices behind: " + leftovers[name])
            report(ok, "integration/" + name, info.get("secs", "?"),
                   summary if ok else "; ".join(why[:3]))
        elif kind == "KUNIT":
            # KTAP: suites at one indentation, their cases one deeper;
            # "# <suite>: pass:P fail:F skip:S total:T" closes each suite.
            module = head[0]
            suite = None
            cases = {}
            for line in body:
                m = re.match(r"^\s*# Subtest: (\S+)", line)
                if m:
                    suite = m.group(1)
                    cases[suite] = 0
                    continue
                m = re.match(r"^\s*# (\S+): pass:(\d+) fail:(\d+) skip:(\d+) total:(\d+)", line)
                if m and m.group(1) in cases:
                    total = int(m.group(5))
                    if cases[m.group(1)] != total:
                        report(False, "kunit/%s" % m.group(1), "-",
                               "parsed %d cases of %d" % (cases[m.group(1)], total))
                    continue
                m = RESULT.match(line)
                if not m or not suite or not m.group(1) or len(m.group(1)) > 4:
                    continue
                cases[suite] += 1
                skip = m.group(5) and "SKIP" in m.group(5).upper()
                ok = m.group(2) == "ok" and not skip
                report(ok, "kunit/%s.%s" % (suite, m.group(4)), "-",
                       "" if ok else line.strip())
            if not cases or not sum(cases.values()):
                report(False, "kunit/" + module, "-", "no KUnit cases found")
        elif kind == "DMESG":
            dmesg = body
        elif kind == "KMEMLEAK":
            kmemleak = [l for l in body if l.strip()]

    for l in res:
        if l.startswith("@@@ KUNIT-LOAD-FAILED"):
            report(False, "kunit/" + l.split()[2], "-", "module did not load")
    for name in expected:
        if name not in seen:
            report(False, "integration/" + name, "-", "not run")

    done = "@@@ DONE" in res
    report(done, "guest", "-",
           "ran to the end" if done else "guest did not finish (timeout, panic or hang): see console.log")

    # Only kernel messages ("[ seconds.micro] ..."): the console also
    # carries the tests' own output (LVM prints "WARNING: ..." lines).
    bad = [l.strip() for l in console + dmesg
           if KMSG.match(l) and BAD_LOG.search(l)]
    if kmemleak:
        bad += ["kmemleak: " + l.strip() for l in kmemleak[:3]]
    report(not bad, "kernel-log", "-",
           "clean" if not bad else "; ".join(bad[:4]))

    print("\n".join(out))


if __name__ == "__main__":
    main()
