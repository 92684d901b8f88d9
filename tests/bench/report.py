#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Turn one bench guest's output into results.csv, report.md and charts.

report.py OUTDIR [--smoke] [--secs-total N]

Reads OUTDIR/raw.txt (the guest's lines, see tests/bench/guest.sh), writes
OUTDIR/results.csv, OUTDIR/report.md, OUTDIR/*.png (through gnuplot, data
and scripts in OUTDIR/plots/), prints a one-screen summary, and exits 1 if
a run produced no numbers or a scenario/controller that was asked for is
missing (it asserts nothing about speed).
"""
import collections
import csv
import datetime
import math
import os
import statistics
import subprocess
import sys

# What the guest runs for each scenario: (shapes, controllers).  Kept in
# step with the s_* functions of guest.sh; a pair missing from the output
# fails the run.
PLAN = {
    "friendly": (["serial", "parallel"], ["none", "band", "band-noinject", "bfq", "iocost"]),
    "skewed": (["serial", "parallel"], ["none", "band", "band-noinject", "bfq", "iocost"]),
    "qd1": (["serial", "parallel"], ["none", "band", "band-noinject", "bfq", "iocost"]),
    "seqrand": (["parallel"], ["none", "band", "band-iosize", "bfq", "iocost"]),
    "buffered": (["buf"], ["none", "band", "band-iosize", "bfq", "iocost"]),
    "groups": (["parallel"], ["none", "band", "bfq", "iocost"]),
    "settle": (["parallel"], ["none", "band", "band-noinject", "bfq", "iocost"]),
    "overhead": (["fast"], ["raw", "linear", "band"]),
    "limits": (["parallel"], ["none", "band", "iomax"]),
}
TITLE = {
    "friendly": "1. Friendly: 3 groups 40:20:10, 3 jobs each, 4 KiB random 70% reads",
    "skewed": "2. Skewed load: 40:20:10 with 1, 2 and 6 jobs (most on the lightest)",
    "qd1": "3. A QD1 synchronous reader (weight 4) against a QD32 reader (weight 1)",
    "seqrand": "4. Sequential 256 KiB against random 4 KiB reads, equal weights",
    "buffered": "5. Buffered writes (ext4, writeback) from two cgroups, 1:4",
    "groups": "6. n groups with weights 1..n",
    "settle": "7. Settling: a group goes idle and comes back; a weight changes",
    "overhead": "8. Overhead: no device delay, the CPU is the bottleneck",
    "limits": "10. Limits and reservations: caps against io.max, a reservation against weight 1000",
}
# The per-bio cost runs (scenario cost, guest.sh's s_cost): (ctrl, variant)
# and the dm-linear run each is compared with.
COST_CONFIGS = {("linear", ""): None, ("band", "1group"): ("linear", ""),
                ("band", "1000attached"): ("linear", ""),
                ("linear", "64writers"): None, ("band", "64active"): ("linear", "64writers")}
# The split runs (scenario split, guest.sh's s_split): dm-band's fast path
# one step shorter each (tests/bench/split.py), in this order, beside
# dm-linear ("linear", "split"): each step costs its variant less the one
# before it.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from split import STEPS as SPLIT_STEPS  # noqa: E402
# Reference runs that are no controller's result: the QD1 reader alone, and
# beside a QD32 reader on a twin device (what the guest's CPU alone costs it).
REF_VARIANTS = ("alone", "beside")
CTRLS = ["none", "band", "band-noinject", "band-iosize", "bfq", "iocost", "raw", "linear", "iomax"]
# The limits runs (guest.sh's s_limits): variant -> (the group held to a
# rate, the LIMITS key of that rate, the unit: "iops" or "kbps").
LIMIT_RUNS = {"cap-alone": ("capped", "limit_iops", "iops"),
              "cap-beside": ("capped", "limit_iops", "iops"),
              "reserve": ("reserved", "reserve_iops", "iops"),
              "weights-only": ("reserved", "reserve_iops", "iops"),
              "bps-beside": ("capped", "limit_bps", "kbps"),
              "reserve-deep": ("reserved", "reserve_deep", "iops"),
              "reserve-over": ("big", "over_big", "iops")}
# Shares in bytes where request sizes differ, else in I/Os.
BYTES_SCEN = {"seqrand", "buffered"}
TOL = 0.05          # settle: within 5% (relative) of the target share
WINDOW = 1000       # settle: 1 s windows


def med(v):
    return statistics.median(v) if v else float("nan")


def rng(v):
    return (min(v), max(v)) if v else (float("nan"), float("nan"))


def fnum(x, nd=0):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    return f"{x:.{nd}f}"


def fr(v, nd=0, scale=1.0, suffix=""):
    """median [min..max] of v (one value: just it)."""
    v = [x * scale for x in v if x is not None and not math.isnan(x)]
    if not v:
        return "-"
    if len(v) == 1:
        return fnum(v[0], nd) + suffix
    lo, hi = rng(v)
    return f"{fnum(med(v), nd)}{suffix} [{fnum(lo, nd)}..{fnum(hi, nd)}]"


def fq(v, nd=0, scale=1.0, suffix=""):
    """median (IQR q1..q3) of v: for targets measured over many rounds."""
    v = [x * scale for x in v if x is not None and not math.isnan(x)]
    if len(v) < 4:
        return fr(v, nd, 1.0, suffix)
    q1, _, q3 = statistics.quantiles(v, n=4)
    return f"{fnum(med(v), nd)}{suffix} (IQR {fnum(q1, nd)}..{fnum(q3, nd)})"


def pct(x, nd=0):
    return "-" if x is None or math.isnan(x) else f"{100 * x:.{nd}f}%"


class Bench:
    def __init__(self, out):
        self.out = out
        self.info = {}
        self.devs = {}
        self.models = {}
        self.qos = {}
        self.rows = []
        self.cost = []          # per-bio cost runs (COST lines)
        self.parts = []         # the fast path's parts (PARTS lines)
        self.runs = {}          # runid -> dict
        self.errs = []
        self.ts = collections.defaultdict(list)
        self.events = collections.defaultdict(list)
        self.nruns = None
        self.limits = {}
        self.rc = None
        self.parse()

    def parse(self):
        path = os.path.join(self.out, "raw.txt")
        with open(path, errors="replace") as f:
            for line in f:
                line = line.rstrip("\r\n")
                w = line.split()
                if not w:
                    continue
                if w[0] == "BENCH":
                    self.info = dict(x.split("=", 1) for x in w[1:] if "=" in x)
                elif w[0] == "DEV" and len(w) >= 4:
                    self.devs[w[1]] = {"name": w[2], "num": w[3],
                                       **dict(x.split("=", 1) for x in w[4:])}
                elif w[0] == "MODEL" and len(w) >= 3:
                    self.models[w[1]] = " ".join(w[3:])
                elif w[0] == "QOS" and len(w) >= 3:
                    self.qos[w[1]] = " ".join(w[3:])
                elif w[0] == "RUN" and len(w) == 8:
                    self.runs[w[1]] = {"scen": w[2], "shape": w[3], "ctrl": w[4],
                                       "variant": "" if w[5] == "-" else w[5],
                                       "round": int(w[6]), "ngroups": int(w[7]),
                                       "rows": []}
                    self.cur = w[1]
                elif w[0] == "ROW" and len(w) == 2:
                    f = w[1].split(",")
                    if len(f) != 13:
                        continue
                    r = dict(zip(["scen", "shape", "ctrl", "variant", "round", "group",
                                  "weight", "jobs", "ms", "ios", "bytes", "p50", "p99"], f))
                    for k in ("round", "weight", "jobs", "ms", "ios", "bytes"):
                        r[k] = int(r[k])
                    for k in ("p50", "p99"):
                        r[k] = None if r[k] == "NA" else int(r[k])
                    secs = r["ms"] / 1000 if r["ms"] > 0 else float("nan")
                    r["iops"] = r["ios"] / secs
                    r["kbps"] = r["bytes"] / 1024 / secs
                    r["runid"] = getattr(self, "cur", "")
                    self.rows.append(r)
                    if r["runid"] in self.runs:
                        self.runs[r["runid"]]["rows"].append(r)
                elif w[0] == "COST" and len(w) >= 6:
                    kv = dict(x.split("=", 1) for x in w[5:] if "=" in x)
                    try:
                        self.cost.append({"round": int(w[1]), "ctrl": w[2],
                                          "variant": "" if w[3] == "-" else w[3],
                                          "writers": int(w[4]),
                                          "bios": int(kv["bios"]), "ns": int(kv["ns"]),
                                          "ns_per_bio": int(kv["ns_per_bio"]),
                                          "errors": int(kv["errors"])})
                    except (KeyError, ValueError):
                        self.errs.append("unreadable: " + line)
                elif w[0] == "PARTS" and len(w) >= 4:
                    kv = dict(x.split("=", 1) for x in w[2:] if "=" in x)
                    try:
                        self.parts.append({"round": int(w[1]), "err": int(kv.pop("err")),
                                           "n": int(kv.pop("n")),
                                           "ns": {k: float(v) for k, v in kv.items()}})
                    except (KeyError, ValueError):
                        self.errs.append("unreadable: " + line)
                elif w[0] == "TS":
                    self.ts[w[1]].append([int(x) for x in w[2:]])
                elif w[0] == "EVENT" and len(w) == 4:
                    self.events[w[1]].append((int(w[2]), w[3]))
                elif w[0] == "ERR":
                    self.errs.append(line[4:])
                elif w[0] == "LIMITS":
                    self.limits = {k: int(v) for k, v in
                                   (x.split("=", 1) for x in w[1:] if "=" in x)}
                elif w[0] == "RUNS":
                    self.nruns = int(w[1])
                elif w[0] == "@@@" and len(w) > 1 and w[1] == "RUN-END":
                    self.rc = w[-1].replace("rc=", "")

    # -------------------------------------------------------- checks
    def problems(self):
        """Runs without numbers, scenarios/controllers missing, errors."""
        p = []
        if self.rc != "0":
            p.append(f"the guest script did not finish (status {self.rc}); see console.log")
        for e in self.errs:
            p.append("guest: " + e)
        for rid, run in self.runs.items():
            rows = run["rows"]
            if not rows:
                p.append(f"{rid}: no numbers")
                continue
            groups = {r["group"] for r in rows}
            if len(groups) < run["ngroups"]:
                p.append(f"{rid}: numbers for {len(groups)} of {run['ngroups']} groups")
            if sum(r["ios"] for r in rows) <= 0:
                p.append(f"{rid}: no I/O measured")
            if (run["scen"] != "settle" and all(r["p50"] is None for r in rows)
                    and sum(r["ios"] for r in rows if r["group"] != "bg") > 0):
                p.append(f"{rid}: no latency from fio")
        if not self.info:
            p.append("no output from the guest")
            return p
        want = self.info.get("scenarios", "").split(":")
        seen = {(r["scen"], r["ctrl"]) for r in self.rows if r["ios"] > 0}
        for s in want:
            if s not in PLAN:
                continue
            for c in PLAN[s][1]:
                if (s, c) not in seen:
                    p.append(f"{s}/{c}: no numbers")
        for s in want:
            if s == "settle" and not self.ts:
                p.append("settle: no time series")
        if "cost" in want:
            got = {(c["ctrl"], c["variant"]) for c in self.cost}
            for k in COST_CONFIGS:
                if k not in got:
                    p.append(f"cost/{k[0]} {k[1] or '1 writer'}: no numbers")
            for c in self.cost:
                if c["errors"]:
                    p.append(f"cost/{c['ctrl']} {c['variant']}: {c['errors']} bios failed")
            if not self.parts:
                p.append("cost/parts: no numbers")
            for c in self.parts:
                if c["err"] or set(c["ns"]) != set(PARTS):
                    p.append(f"cost/parts round {c['round']}: err {c['err']}, "
                             f"parts {' '.join(c['ns']) or 'none'}")
        if "split" in want:
            got = {c["variant"] for c in self.cost}
            for v in ["split"] + ["split-" + x for x, _ in SPLIT_STEPS]:
                if v not in got:
                    p.append(f"split/{v}: no numbers")
        return p

    # -------------------------------------------------------- metrics
    def configs(self, scen):
        """{(shape, ctrl, variant): {round: [rows]}} of one scenario."""
        c = collections.defaultdict(lambda: collections.defaultdict(list))
        for r in self.rows:
            if r["scen"] == scen:
                c[(r["shape"], r["ctrl"], r["variant"])][r["round"]].append(r)
        return c

    @staticmethod
    def share_stats(rows, unit):
        """Shares, targets, max relative error and weighted Jain's index
        of one run's groups with a weight (weight 0: not competing)."""
        g = [r for r in rows if r["weight"] > 0]
        tot = sum(r[unit] for r in g)
        wsum = sum(r["weight"] for r in g)
        out = {}
        if not g or tot <= 0 or wsum <= 0:
            return out, float("nan"), float("nan")
        xs = []
        for r in g:
            s = r[unit] / tot
            t = r["weight"] / wsum
            out[r["group"]] = (s, t)
            xs.append(s / t)
        err = max(abs(x - 1) for x in xs)
        jain = sum(xs) ** 2 / (len(xs) * sum(x * x for x in xs))
        return out, err, jain


def unit_of(scen):
    return "bytes" if scen in BYTES_SCEN else "ios"


# ------------------------------------------------------------ analysis

def analyse(b):
    """Per scenario: per configuration, the per-round metrics."""
    res = {}
    for scen in PLAN:
        cfgs = b.configs(scen)
        if not cfgs:
            continue
        unit = unit_of(scen)
        sres = {}
        for key, rounds in cfgs.items():
            m = {"rounds": sorted(rounds), "err": [], "jain": [], "tot_iops": [],
                 "tot_kbps": [], "tot_unit": {}, "iops_r": {},
                 "groups": collections.OrderedDict()}
            for rd in sorted(rounds):
                rows = rounds[rd]
                shares, err, jain = b.share_stats(rows, unit)
                m["err"].append(err)
                m["jain"].append(jain)
                # The overhead rows' background ("bg") is not the jobs'.
                own = [r for r in rows if r["group"] != "bg"]
                m["tot_iops"].append(sum(r["iops"] for r in own))
                m["tot_kbps"].append(sum(r["kbps"] for r in own))
                m["tot_unit"][rd] = sum(r[unit] / max(r["ms"], 1) for r in own)
                m["iops_r"][rd] = m["tot_iops"][-1]
                for r in rows:
                    g = m["groups"].setdefault(r["group"], collections.defaultdict(list))
                    g["weight"] = r["weight"]
                    g["jobs"] = r["jobs"]
                    g["iops"].append(r["iops"])
                    g["kbps"].append(r["kbps"])
                    if r["p50"] is not None:
                        g["p50"].append(r["p50"])
                        g["p99"].append(r["p99"])
                    if r["group"] in shares:
                        g["share"].append(shares[r["group"]][0])
                        g["target"] = shares[r["group"]][1]
                        g["ratio"].append(shares[r["group"]][0] / shares[r["group"]][1])
            sres[key] = m
        # Device use: total against the same round's reference.
        for (shape, ctrl, variant), m in sres.items():
            ref = ("raw" if scen == "overhead" else "none")
            rkey = (shape, ref, variant)
            if scen == "qd1" and variant in REF_VARIANTS:
                rkey = None
            m["use"] = []
            if rkey in sres:
                for rd, tot in m["tot_unit"].items():
                    rt = sres[rkey]["tot_unit"].get(rd)
                    if rt:
                        m["use"].append(tot / rt)
        res[scen] = sres
    return res


def settle_times(b):
    """{runid: {event: seconds or None}} and 1 s window series per run."""
    out = {}
    series = {}
    targets = {"idle": [0, 20, 10], "back": [40, 20, 10], "weight": [40, 20, 40],
               "start": [40, 20, 10]}
    for rid, ts in b.ts.items():
        ev = b.events.get(rid, [])
        if not ts or not ev:
            continue
        t0 = ev[0][0]
        n = len(ts[0]) - 1
        # Windows of WINDOW ms starting at each sample.
        win = []
        j = 0
        for i in range(len(ts)):
            while j < len(ts) and ts[j][0] - ts[i][0] < WINDOW:
                j += 1
            if j >= len(ts):
                break
            d = ts[j][0] - ts[i][0]
            c = [ts[j][k + 1] - ts[i][k + 1] for k in range(n)]
            win.append((ts[i][0], ts[j][0], d, c))
        series[rid] = [((a - t0) / 1000, (e - t0) / 1000,
                        [x * 1000 / d for x in c]) for a, e, d, c in win]
        res = {}
        bounds = ev + [(10 ** 12, "eof")]
        for k in range(len(ev)):
            t, name = ev[k]
            if name not in ("idle", "back", "weight"):
                continue
            tend = bounds[k + 1][0]
            tg = targets[name]
            wsum = sum(tg)

            def ok(c):
                tot = sum(c[x] for x in range(n) if tg[x] > 0)
                if tot <= 0:
                    return False
                return all(abs((c[x] / tot) / (tg[x] / wsum) - 1) <= TOL
                           for x in range(n) if tg[x] > 0)
            found = None
            ws = [w for w in win if w[0] >= t and w[1] <= tend]
            for i, w in enumerate(ws):
                nxt = [v for v in ws[i:] if v[0] >= w[1]]
                if ok(w[3]) and nxt and ok(nxt[0][3]):
                    found = (w[0] - t) / 1000
                    break
            res[name] = (found, (tend - t) / 1000)
        out[rid] = res
    return out, series


# ------------------------------------------------------------ charts

def gnuplot(out, name, script, height=560):
    pdir = os.path.join(out, "plots")
    os.makedirs(pdir, exist_ok=True)
    gp = os.path.join(pdir, name + ".gp")
    with open(gp, "w") as f:
        f.write(f'set terminal pngcairo size 1000,{height} noenhanced font ",10"\n'
                f'set output "{os.path.join(out, name)}.png"\n' + script)
    r = subprocess.run(["gnuplot", gp], capture_output=True, text=True)
    if r.returncode != 0:
        # pngcairo may be missing (gnuplot-nox has it; older builds not).
        with open(gp) as f:
            s = f.read().replace("pngcairo", "png")
        with open(gp, "w") as f:
            f.write(s)
        r = subprocess.run(["gnuplot", gp], capture_output=True, text=True)
    return r.returncode == 0


def chart_shares(out, scen, shape, sres, title):
    """Per-group bars (median share, min..max) per controller, and the
    weight shares as the first cluster."""
    keys = [k for k in sres if k[0] == shape and k[2] in ("",)]
    keys.sort(key=lambda k: CTRLS.index(k[1]))
    if not keys:
        return None
    groups = list(sres[keys[0]]["groups"])
    pdir = os.path.join(out, "plots")
    os.makedirs(pdir, exist_ok=True)
    dat = os.path.join(pdir, f"shares-{scen}-{shape}.dat")
    with open(dat, "w") as f:
        t = [sres[keys[0]]["groups"][g].get("target", 0) * 100 for g in groups]
        f.write('"target (weights)" ' + " ".join(f"{x:.2f} {x:.2f} {x:.2f}" for x in t) + "\n")
        for k in keys:
            cols = []
            for g in groups:
                s = sres[k]["groups"].get(g, {}).get("share", [])
                if s:
                    cols.append(f"{100 * med(s):.2f} {100 * min(s):.2f} {100 * max(s):.2f}")
                else:
                    cols.append("0 0 0")
            f.write(f'"{k[1]}" ' + " ".join(cols) + "\n")
    unit = "bytes" if scen in BYTES_SCEN else "I/Os"
    plots = []
    for i, g in enumerate(groups):
        w = sres[keys[0]]["groups"][g]["weight"]
        c = 2 + 3 * i
        plots.append(f'"{dat}" using {c}:{c + 1}:{c + 2}' + (":xtic(1)" if i == 0 else "")
                     + f' title "{g} (weight {w})"')
    name = f"shares-{scen}-{shape}"
    script = (f'set title "{title} -- {shape} device: share of {unit} per group (median, min..max)"\n'
              'set style data histogram\nset style histogram errorbars gap 2 lw 1\n'
              'set style fill solid 0.7 border -1\nset ylabel "share (%)"\n'
              'set yrange [0:*]\nset grid ytics\nset key top right\n'
              "plot " + ", \\\n  ".join(plots) + "\n")
    return name if gnuplot(out, name, script) else None


def chart_groups(out, sres):
    ns = sorted({k[2] for k in sres}, key=lambda v: int(v[1:]))
    ctrls = sorted({k[1] for k in sres}, key=CTRLS.index)
    pdir = os.path.join(out, "plots")
    os.makedirs(pdir, exist_ok=True)
    lines = ['set multiplot layout 2,2 title "6. n groups, weights 1..n: share / weight share per group '
             '(median of rounds; 1 = exact)"',
             'set logscale y', 'set yrange [0.01:100]', 'set grid', 'set key top right',
             'set xlabel "weight"', 'set ylabel "share / target"']
    for n in ns:
        plots = []
        for c in ctrls:
            m = sres.get(("parallel", c, n))
            if not m:
                continue
            dat = os.path.join(pdir, f"groups-{n}-{c}.dat")
            with open(dat, "w") as f:
                for g, d in m["groups"].items():
                    r = med(d.get("ratio", [])) if d.get("ratio") else 0
                    f.write(f"{d['weight']} {max(r, 0.011):.4f}\n")
            plots.append(f'"{dat}" using 1:2 with linespoints title "{c}"')
        lines.append(f'set title "n = {n[1:]}"')
        lines.append("plot " + ", ".join(plots) + ", 1 with lines dt 2 lc rgb 'black' notitle")
    lines.append("unset multiplot")
    name = "groups"
    return name if gnuplot(out, name, "\n".join(lines) + "\n", 800) else None


def chart_settle(out, b, series):
    runs = [rid for rid, r in b.runs.items() if r["scen"] == "settle" and rid in series]
    # The first round of each controller.
    pick = {}
    for rid in runs:
        r = b.runs[rid]
        if r["ctrl"] not in pick or r["round"] < b.runs[pick[r["ctrl"]]]["round"]:
            pick[r["ctrl"]] = rid
    if not pick:
        return None
    pdir = os.path.join(out, "plots")
    os.makedirs(pdir, exist_ok=True)
    ctrls = sorted(pick, key=CTRLS.index)
    lines = [f'set multiplot layout {math.ceil(len(ctrls) / 2)},2 title '
             '"7. Settling: IOPS per group, 1 s windows (round 1); weights 40:20:10; '
             'a stops, a resumes, c 10 -> 40"',
             'set grid', 'set key top right horizontal font ",9"', 'set xlabel "seconds"',
             'set ylabel "IOPS"', 'set yrange [0:*]', 'set offsets 0, 0, graph 0.3, 0']
    for c in ctrls:
        rid = pick[c]
        dat = os.path.join(pdir, f"settle-{c}.dat")
        with open(dat, "w") as f:
            for a, e, v in series[rid]:
                f.write(f"{(a + e) / 2:.3f} " + " ".join(f"{x:.1f}" for x in v) + "\n")
        t0 = b.events[rid][0][0]
        lines.append("unset arrow")
        for t, name in b.events[rid]:
            if name in ("idle", "back", "weight"):
                x = (t - t0) / 1000
                lines.append(f"set arrow from {x:.2f}, graph 0 to {x:.2f}, graph 1 nohead dt 3")
        lines.append(f'set title "{c}"')
        lines.append(f'plot "{dat}" using 1:2 with lines lw 2 title "a (40)", '
                     f'"" using 1:3 with lines lw 2 title "b (20)", '
                     f'"" using 1:4 with lines lw 2 title "c (10, then 40)"')
    lines.append("unset multiplot")
    name = "settle"
    return name if gnuplot(out, name, "\n".join(lines) + "\n",
                           300 * math.ceil(len(ctrls) / 2)) else None


def chart_overhead(out, sres):
    order = [k[1:] for k in overhead_order(sres)]
    if not order:
        return None
    pdir = os.path.join(out, "plots")
    os.makedirs(pdir, exist_ok=True)
    dat = os.path.join(pdir, "overhead.dat")
    with open(dat, "w") as f:
        for c, v in order:
            t = sres[("fast", c, v)]["tot_iops"]
            f.write(f'"{c}{" " + v if v else ""}" {med(t):.0f} {min(t):.0f} {max(t):.0f}\n')
    script = ('set title "8. Overhead: 4 KiB random reads, 2 jobs x QD32, null_blk without delay '
              '(IOPS, median and min..max)"\n'
              'set style data histogram\nset style histogram errorbars gap 2 lw 1\n'
              'set style fill solid 0.7 border -1\nset ylabel "IOPS"\nset yrange [0:*]\n'
              'set grid ytics\nset xtics rotate by -20\nunset key\n'
              f'plot "{dat}" using 2:3:4:xtic(1)\n')
    return "overhead" if gnuplot(out, "overhead", script) else None


# ------------------------------------------------------------ report

def spread_note(v, ref=None):
    """'~' when the values' range is wider than the effect: it contains
    the reference (use, overhead), or is wider than the median (errors)."""
    v = [x for x in v if x is not None and not math.isnan(x)]
    if len(v) < 2:
        return ""
    lo, hi = min(v), max(v)
    if ref is not None:
        return "~" if lo <= ref <= hi else ""
    return "~" if hi - lo > abs(med(v)) else ""


def overhead_order(sres):
    """The overhead rows in a sensible order (not the QD1 ones)."""
    def rank(k):
        c, v = k[1], k[2]
        if v.endswith("attached"):
            return 4
        if v.endswith("flowing"):
            return 5 if c == "linear" else 6
        if v.endswith("flowing-idle"):
            return 7
        return {("raw", ""): 0, ("linear", ""): 1, ("band", "typenone"): 2,
                ("band", "1group"): 3, ("band", "1group-noinject"): 3.3,
                ("band", "1group-w1"): 3.5}.get((c, v), 8)
    return sorted([k for k in sres if k[2] != "alone"], key=rank)


def overhead_delta(sres, k):
    """Per round: dm-band's IOPS against dm-linear's with the same load."""
    if k[1] != "band":
        return None
    ref = ("fast", "linear", k[2].split("-")[0] if "flowing" in k[2] else "")
    if ref not in sres:
        return None
    a, b = sres[k]["iops_r"], sres[ref]["iops_r"]
    return [a[r] / b[r] - 1 for r in a if b.get(r)]


def summary_lines(b, res, st):
    L = []
    info = b.info
    fast = info.get("fast_rounds", info.get("rounds"))
    L.append(f"dm-band bench on {info.get('kernel', '?')}: {info.get('rounds')} round(s) x "
             f"{info.get('secs')} s per run ({fast} of overhead, cost and split); medians of rounds.")
    L.append("Cells: max share error (vs weights) / device use (vs no controller); "
             "~ = spread wider than the effect.")
    cols = ["none", "band", "band-noinject", "band-iosize", "bfq", "iocost"]
    L.append(f"{'scenario':<18}" + "".join(f"{c:<14}" for c in cols))
    for scen in PLAN:
        if scen in ("overhead", "settle", "limits") or scen not in res:
            continue
        sres = res[scen]
        for key in sorted({(k[0], k[2]) for k in sres if k[2] not in REF_VARIANTS},
                          key=lambda k: (k[0], int(k[1][1:]) if k[1].startswith("n") else 0)):
            shape, variant = key
            label = f"{scen} {shape[:4] if scen not in ('groups', 'buffered', 'seqrand') else ''}{variant}".strip()
            cells = []
            for c in cols:
                m = sres.get((shape, c, variant))
                if not m:
                    cells.append("")
                    continue
                e = pct(med(m["err"])) + spread_note(m["err"])
                if c == "none":
                    u = "ref"
                else:
                    u = pct(med(m["use"])) + spread_note(m["use"], 1.0) if m["use"] else "-"
                cells.append(f"{e}/{u}")
            L.append(f"{label:<18}" + "".join(f"{c:<14}" for c in cells))
    if "groups" in res:
        sres = res["groups"]
        ns = sorted({k[2] for k in sres}, key=lambda v: int(v[1:]))
        parts = []
        for c in cols:
            v = [sres.get(("parallel", c, n)) for n in ns]
            if any(v):
                parts.append(f"{c} " + "/".join(f"{med(m['jain']):.2f}" if m else "-" for m in v))
        L.append(f"groups, Jain's index (n = {'/'.join(n[1:] for n in ns)}): " + ", ".join(parts))
    if "qd1" in res:
        sres = res["qd1"]
        for shape in ("serial", "parallel"):
            alone = sres.get((shape, "none", "alone"))
            if not alone:
                continue
            a = alone["groups"]["qd1"]["iops"]
            parts = []
            for c in cols:
                m = sres.get((shape, c, ""))
                if not m or "qd1" not in m["groups"]:
                    continue
                fr_ = [x / y for x, y in zip(m["groups"]["qd1"]["iops"], a) if y]
                parts.append(f"{c} {pct(med(fr_))}{spread_note(fr_, 1.0)}")
            L.append(f"qd1 {shape}: QD1 reader vs alone ({med(a):.0f} IOPS): " + ", ".join(parts))
    if st:
        per = collections.defaultdict(lambda: collections.defaultdict(list))
        for rid, ev in st.items():
            c = b.runs[rid]["ctrl"]
            for name, (t, lim) in ev.items():
                per[c][name].append((t, lim))
        parts = []
        for c in sorted(per, key=CTRLS.index):
            vals = []
            for name in ("idle", "back", "weight"):
                v = per[c].get(name, [])
                vals.append(settle_fmt(v))
            parts.append(f"{c} {'/'.join(vals)}")
        L.append("settle to 5% (s; idle/back/weight): " + ", ".join(parts))
    if "overhead" in res:
        sres = res["overhead"]
        parts = []
        for k in overhead_order(sres):
            m = sres[k]
            label = k[1] + (" " + k[2] if k[2] else "")
            rel = ""
            d = overhead_delta(sres, k)
            if d:
                rel = f" ({pct(med(d))}{spread_note(d, 0.0)})"
            parts.append(f"{label} {med(m['tot_iops']) / 1000:.1f}k{rel}")
        L.append("overhead, IOPS (band: vs dm-linear with the same load):")
        for i in range(0, len(parts), 3):
            L.append("  " + ", ".join(parts[i:i + 3]))
        a = sres.get(("fast", "band", "alone"))
        al = sres.get(("fast", "linear", "alone"))
        if a and al:
            ga, gl = a["groups"]["o1"], al["groups"]["o1"]
            L.append(f"  QD1 alone: p50 linear {med(gl['p50']):.0f} us, band {med(ga['p50']):.0f} us; "
                     f"IOPS linear {med(gl['iops']):.0f}, band {med(ga['iops']):.0f}")
    L += cost_lines(b)
    L += split_lines(b)
    L += limits_lines(b, res)
    return L


def limit_fracs(b, m, variant):
    """Per round, the held group's rate over its cap or reservation."""
    g, key, unit = LIMIT_RUNS[variant]
    want = b.limits.get(key)
    if not want or g not in m["groups"]:
        return []
    want = want / 1024 if unit == "kbps" else want
    if variant == "reserve-over":
        # over the device, its share of what both got: the proportional
        # share of its reservation is the target
        small, big = b.limits.get("over_small"), want
        if not small or "small" not in m["groups"]:
            return []
        return [x / (x + y) / (big / (big + small))
                for x, y in zip(m["groups"][g][unit], m["groups"]["small"][unit]) if x + y]
    return [x / want for x in m["groups"][g][unit]]


def limits_lines(b, res):
    """The limits runs in one line each: the held group's rate against
    its cap or reservation, per controller."""
    sres = res.get("limits")
    if not sres or not b.limits:
        return []
    L = [f"limits (the held group's rate vs its cap or reservation: {b.limits.get('limit_iops')} "
         f"IOPS, {b.limits.get('limit_bps', 0) >> 20} MiB/s, {b.limits.get('reserve_iops')} IOPS reserved):"]
    names = {"cap-alone": "IOPS cap alone", "cap-beside": "IOPS cap beside weight 1",
             "reserve": "reservation at weight 1 vs 1000", "bps-beside": "bytes cap beside weight 1",
             "reserve-deep": f"{b.limits.get('reserve_deep')} IOPS reserved at weight 1 vs 1000",
             "reserve-over": f"reservations over the device, {b.limits.get('over_big')}:"
                             f"{b.limits.get('over_small')} (its proportional share)"}
    for variant, name in names.items():
        parts = []
        for c in CTRLS:
            m = sres.get(("parallel", c, variant))
            if not m:
                continue
            f = limit_fracs(b, m, variant)
            cell = f"{c} {pct(med(f))}"
            if m["use"] and c != "none":
                cell += f" (use {pct(med(m['use']))})"
            parts.append(cell)
        if variant == "reserve":
            m = sres.get(("parallel", "band", "weights-only"))
            if m:
                parts.append(f"band without it {pct(med(limit_fracs(b, m, 'weights-only')))}")
        if parts:
            L.append(f"  {name}: " + ", ".join(parts))
    return L


def ratios(a, b):
    """Per round a[r] / b[r] for dicts (or aligned lists) of figures."""
    if isinstance(a, dict):
        return [a[r] / b[r] for r in a if b.get(r)]
    return [x / y for x, y in zip(a, b) if y]


def maxmin_err(rows, unit):
    """Weighted max-min fairness, judged from the outside: the groups that
    got at least their weighted share should share the rest in proportion
    to their weights (a group below its share is taken to want no more).
    Max relative deviation of their share / target from their mean."""
    shares, _, _ = Bench.share_stats(rows, unit)
    xs = [s / t for s, t in shares.values() if t > 0 and s / t >= 1]
    if len(xs) < 2:
        return 0.0 if shares else float("nan")
    m = sum(xs) / len(xs)
    return max(abs(x / m - 1) for x in xs)


def targets_lines(b, res, st):
    """Issue 11's targets, one line each, met or missed (medians of the
    rounds, [min..max])."""
    L = ["| target | dm-band | met |", "|---|---|---|"]

    def row(what, v, ok, extra=""):
        L.append(f"| {what} | {v}{extra} | {'yes' if ok else '**no**'} |")

    q = res.get("qd1", {})
    a = q.get(("parallel", "none", "alone"))
    m = q.get(("parallel", "band", ""))
    if a and m and "qd1" in m["groups"]:
        ga, gm = a["groups"]["qd1"], m["groups"]["qd1"]
        r = ratios(gm["iops"], ga["iops"])
        row("parallel, QD1 w4 + QD32 w1: QD1 IOPS >= 90% of alone", fr(r, 0, 100, "%"), med(r) >= 0.9)
        r = ratios(gm.get("p99", []), ga.get("p99", []))
        bs = q.get(("parallel", "none", "beside"))
        floor = ""
        if bs and "qd1" in bs["groups"]:
            fl = ratios(bs["groups"]["qd1"].get("p99", []), ga.get("p99", []))
            if fl:
                floor = f" (host floor {fr(fl, 2, 1, 'x')}: QD32 on a twin device)"
        row("parallel, same: QD1 p99 <= 1.25x alone", fr(r, 2, 1, "x"), med(r) <= 1.25, floor)
        row("parallel, same: device total >= 90% of no controller",
            fr(m["use"], 0, 100, "%"), m["use"] and med(m["use"]) >= 0.9)
    m = q.get(("serial", "band", ""))
    if m:
        row("serial, same pair: shares within 5% of 80/20", fr(m["err"], 1, 100, "%"), med(m["err"]) <= 0.05)
    for scen in ("friendly", "skewed"):
        for shape in ("serial", "parallel"):
            m = res.get(scen, {}).get((shape, "band", ""))
            if not m:
                continue
            row(f"{scen}, {shape}: max share error <= 1% (vs weights)",
                fr(m["err"], 1, 100, "%"), med(m["err"]) <= 0.01)
            if scen == "skewed" and shape == "parallel":
                mm = [maxmin_err(rows, "ios") for rows in
                      b.configs(scen)[(shape, "band", "")].values()]
                row(f"{scen}, {shape}: the same, weighted max-min (groups at or above "
                    "their share, against each other)", fr(mm, 1, 100, "%"), med(mm) <= 0.01)
    o = res.get("overhead", {})
    m, lin = o.get(("fast", "band", "1group")), o.get(("fast", "linear", ""))
    if m and lin:
        r = ratios(m["iops_r"], lin["iops_r"])
        row("one busy group alone: >= 98% of dm-linear's IOPS (fast device, CPU-bound)",
            fr(r, 0, 100, "%"), med(r) >= 0.98)
    if st:
        per = collections.defaultdict(list)
        for rid, ev in st.items():
            if b.runs[rid]["ctrl"] != "band":
                continue
            for name, (t, lim) in ev.items():
                per[name].append((t, lim))
        for name, what in (("weight", "a weight change by message"),
                           ("back", "a group back from idle")):
            if per.get(name):
                v = settle_fmt(per[name])
                ok = not v.startswith(">") and v != "-" and float(v) <= 1.0
                row(f"{what}: within 5% of target in <= 1 s", v + " s", ok)
    g = res.get("groups", {})
    for n in sorted({k[2] for k in g}, key=lambda v: int(v[1:])):
        m = g.get(("parallel", "band", n))
        if m:
            row(f"{n[1:]} groups, weights 1..{n[1:]}: max share error <= 2%",
                fr(m["err"], 1, 100, "%"), med(m["err"]) <= 0.02)
    # Better than BFQ and iocost, scenario by scenario (max share error vs
    # weights; where the device cannot be saturated by the weights, qd1
    # parallel, the QD1 reader's rate and the device's use instead).
    worse = []
    n = 0
    for scen in ("friendly", "skewed", "qd1", "seqrand", "buffered", "groups"):
        sres = res.get(scen, {})
        for shape, variant in sorted({(k[0], k[2]) for k in sres if k[2] not in REF_VARIANTS}):
            ctrl = "band-iosize" if scen == "seqrand" else "band"
            m = sres.get((shape, ctrl, variant))
            if not m:
                continue
            for other in ("bfq", "iocost"):
                o_ = sres.get((shape, other, variant))
                if not o_:
                    continue
                n += 1
                if scen == "qd1" and shape == "parallel":
                    al = sres.get((shape, "none", "alone"))
                    if not al:
                        continue
                    mine = med(ratios(m["groups"]["qd1"]["iops"], al["groups"]["qd1"]["iops"]))
                    theirs = med(ratios(o_["groups"]["qd1"]["iops"], al["groups"]["qd1"]["iops"]))
                    if mine < theirs and med(m["use"]) < med(o_["use"]):
                        worse.append(f"{scen} {shape} vs {other} (QD1 {pct(mine)} vs {pct(theirs)}, "
                                     f"use {pct(med(m['use']))} vs {pct(med(o_['use']))})")
                elif med(m["err"]) > med(o_["err"]) + 0.005:
                    worse.append(f"{scen} {shape}{' ' + variant if variant else ''} vs {other} "
                                 f"({pct(med(m['err']))} vs {pct(med(o_['err']))})")
    if n:
        row("better than BFQ and iocost on every fairness scenario (a tie within "
            "0.5 points counts: 0% cannot be beaten)",
            f"{n - len(worse)} of {n} comparisons", not worse,
            ("; not: " + "; ".join(worse)) if worse else "")
    return L


def fastpath_lines(b, res):
    """Issue 13's targets: dm-band's overhead against dm-linear in the same
    guest, rounds interleaved, median and interquartile range."""
    L = ["| target | dm-band | met |", "|---|---|---|"]

    def row(what, v, ok):
        L.append(f"| {what} | {v} | {'yes' if ok else ('-' if ok is None else '**no**')} |")

    o = res.get("overhead", {})
    lin = o.get(("fast", "linear", ""))
    n = b.info.get("nflow", "1000")
    for variant, label in (("1group", "1 group"),
                           (f"{n}attached", f"{n} attached groups"),
                           (f"{n}flowing", f"{n} groups with bios flowing")):
        m = o.get(("fast", "band", variant))
        ref = lin
        if variant.endswith("flowing"):
            ref = o.get(("fast", "linear", variant))
        if not m or not ref:
            continue
        r = ratios(m["iops_r"], ref["iops_r"])
        row(f"{label}: IOPS >= 97% of dm-linear's", fq(r, 1, 100, "%"), med(r) >= 0.97)
        gm, gr = m["groups"].get("o1"), ref["groups"].get("o1")
        if gm and gr and gm.get("p99") and gr.get("p99"):
            r = ratios(gm["p99"], gr["p99"])
            row(f"{label}: the busy job's p99 <= 1.05x dm-linear's", fq(r, 2, 1, "x"), med(r) <= 1.05)
    for (ctrl, variant), ns, ratio, delta in cost_table(b):
        if ratio:
            row(f"per-bio cost, {variant} (map + end_io, synchronous reads): x dm-linear",
                fq(ratio, 3, 1, "x") + f", {med(delta):+.0f} ns", None)
    for v, what, total, step in split_rows(b):
        row(f"per-bio cost split, {v}: {what} (ns: the step; the variant vs dm-linear)",
            f"{fq(step)}; {med(total):+.0f}", None)
    return L


def cost_table(b):
    """Per cost configuration: ns per bio per round, and per round the
    ratio to and the difference from dm-linear with the same writers."""
    per = collections.defaultdict(dict)
    for c in b.cost:
        per[(c["ctrl"], c["variant"])][c["round"]] = c["ns_per_bio"]
    out = []
    for k, ref in COST_CONFIGS.items():
        if k not in per:
            continue
        v = per[k]
        ratio = delta = []
        if ref and ref in per:
            r = per[ref]
            ratio = [v[x] / r[x] for x in v if r.get(x)]
            delta = [v[x] - r[x] for x in v if x in r]
        out.append((k, list(v.values()), ratio, delta))
    return out


# The fast path's parts timed one at a time (dm-band-bench-parts.c), the
# empty loop first.
PARTS = ["loop", "clock", "counters", "percpu", "lease", "lock"]


def parts_table(b):
    """Per part: ns per iteration per round, and less the empty loop's."""
    out = []
    for part in PARTS:
        raw = [c["ns"][part] for c in b.parts if part in c["ns"]]
        own = [c["ns"][part] - c["ns"]["loop"] for c in b.parts
               if part in c["ns"] and "loop" in c["ns"]]
        if raw:
            out.append((part, raw, own))
    return out


def split_rows(b):
    """Per split step: its name, what it adds, and per round its variant
    less dm-linear and less the variant before it (ns per bio)."""
    per = collections.defaultdict(dict)
    for c in b.cost:
        if c["variant"] == "split" or c["variant"].startswith("split-"):
            per[c["variant"]][c["round"]] = c["ns_per_bio"]
    ref = per.get("split", {})
    out, prev = [], ref
    for v, what in SPLIT_STEPS:
        cur = per.get("split-" + v, {})
        total = [cur[r] - ref[r] for r in cur if r in ref]
        step = [cur[r] - prev[r] for r in cur if r in prev]
        if total and step:
            out.append((v, what, total, step))
        prev = cur
    return out


def split_lines(b):
    """The summary's lines for the split runs."""
    rows = split_rows(b)
    if not rows:
        return []
    L = ["per-bio cost split, ns (one writer; each variant vs dm-linear; its step, median (IQR)):"]
    for v, what, total, step in rows:
        L.append(f"  {v:9s} {med(total):+6.0f}  step {fq(step)}  {what}")
    return L


def cost_lines(b):
    """The summary's lines for the per-bio cost runs."""
    rows = cost_table(b)
    if not rows:
        return []
    parts = []
    for (ctrl, variant), ns, ratio, delta in rows:
        label = ctrl + (" " + variant if variant else "")
        extra = ""
        if ratio:
            extra = f" (x{med(ratio):.3f}, {med(delta):+.0f} ns)"
        parts.append(f"{label} {med(ns):.0f}{extra}")
    L = ["per-bio cost, ns (dm_band_bench, synchronous 4 KiB reads; band: vs dm-linear):"]
    for i in range(0, len(parts), 3):
        L.append("  " + ", ".join(parts[i:i + 3]))
    own = [f"{p} {med(o):.1f}" for p, _, o in parts_table(b) if p != "loop"]
    if own:
        L.append("  its parts, ns each, one CPU: " + ", ".join(own))
    return L


def settle_fmt(v):
    """Median settle time of a list of (t or None, phase length); a run
    that did not settle counts as infinitely long."""
    if not v:
        return "-"
    vals = sorted(float("inf") if t is None else t for t, _ in v)
    m = vals[(len(vals) - 1) // 2]
    return f">{min(l for _, l in v) - 2:.0f}" if m == float("inf") else f"{m:.2f}"


def group_table(scen, m, unit):
    """Markdown rows for one configuration's groups."""
    L = []
    for g, d in m["groups"].items():
        tgt = d.get("target")
        L.append(f"| {g} | {d['weight']} | {d['jobs']} | "
                 f"{pct(tgt, 1) if tgt is not None else '-'} | "
                 f"{fr(d.get('share', []), 1, 100, '%')} | {fr(d['iops'])} | {fr(d['kbps'])} | "
                 f"{fr(d.get('p50', []))} | {fr(d.get('p99', []))} |")
    return L


def write_report(b, res, st, series, charts, summary, problems, args):
    info = b.info
    L = []
    k = info.get("kernel", "?")
    date = datetime.date.today().isoformat()
    L.append(f"# dm-band bench: {k}")
    L.append("")
    dur = args.get("secs_total")
    L.append(f"Measured {date} by `make bench`{' (smoke: 1 short round)' if args.get('smoke') else ''}"
             f" on stock {k} in a QEMU TCG guest ({info.get('cpus')} vCPUs, "
             f"{info.get('mem_mb')} MiB) on {host_cpu()}; {info.get('rounds')} round(s) "
             f"({info.get('fast_rounds', info.get('rounds'))} of overhead, cost and split), "
             f"{info.get('secs')} s measured per run after {info.get('warm')} s warm-up"
             + (f"; the whole run took {dur / 60:.1f} min" if dur else "") + ".  "
             f"Source: {args.get('rev', '?')}.  Host load average (1, 5, 15 min) at the start "
             f"and end: {args.get('load', '?')}.")
    L.append("")
    if problems:
        L.append("**Problems:**")
        L.append("")
        L += [f"* {p}" for p in problems]
        L.append("")
    L.append("## Summary")
    L.append("")
    L.append("```")
    L += summary
    L.append("```")
    L.append("")
    tl = targets_lines(b, res, st)
    if len(tl) > 2 and not args.get("smoke"):
        L.append("## Targets")
        L.append("")
        L.append("The scheduler's targets (issue 11: weighted max-min fairness), medians of the "
                 "rounds [min..max].  A target missed is the report's to say, not to hide.")
        L.append("")
        L += tl
        L.append("")
    fl = fastpath_lines(b, res)
    if len(fl) > 2 and not args.get("smoke"):
        L.append("## Fast path")
        L.append("")
        L.append("Issue 13's targets: dm-band against dm-linear on the fast device "
                 "(CPU-bound), medians of the rounds (IQR: interquartile range).  "
                 "Per-bio cost rows have no target of their own (-): they say "
                 "where the overhead comes from.")
        L.append("")
        L += fl
        L.append("")
    L.append("## Method")
    L.append("")
    L.append("Devices (null_blk through configfs, completing from a timer; "
             "the device is the bottleneck except in the overhead rows):")
    L.append("")
    for s, d in b.devs.items():
        L.append(f"* **{s}** ({d['name']}): " + ", ".join(f"{x}={d[x]}" for x in d if x not in ("name", "num")))
    L.append("")
    L.append("Controllers, each on the same device in the same guest, every job in its own "
             "cgroup under /sys/fs/cgroup/bench (one fio per cgroup):")
    L.append("")
    L.append("* **none**: scheduler none, no controller.")
    L.append(f"* **band**: dm-band over the device, type cgroup, policy weight, token_base 0 (automatic), "
             f"idle={info.get('idle_us')} us (a TCG guest can leave a job unscheduled for tens of ms; "
             "8000 is the default for real machines); **band-iosize**: the same with weight-iosize.")
    L.append("* **bfq**: scheduler bfq (defaults, low_latency on), io.bfq.weight = weight x floor(1000 / max weight).")
    L.append("* **iocost**: io.cost.qos `enable=1` (other QoS parameters automatic), "
             "io.weight = weight x floor(10000 / max weight), and an io.cost.model measured from "
             "the device at the start of the same guest run (fio, device alone, twice its slots in flight):")
    L.append("")
    for s in b.models:
        L.append(f"  * {s}: `{b.models[s]}`" + (f"; qos in effect: `{b.qos[s]}`" if s in b.qos else ""))
    L.append("")
    L.append("* **raw**, **linear** (overhead rows): the device alone, dm-linear over it.")
    L.append("")
    L.append("Measurement: every group's fio starts; once every group has I/O on the device "
             "(its cgroup's `io.stat`), after a further "
             f"{info.get('warm')} s, a window of {info.get('secs')} s is timed.  Each group's I/Os and "
             "bytes in the window come from fio's own logs (averages every "
             f"{info.get('log_ms')} ms, stamped with the time of day, added up over the window), "
             "so all groups are measured over the same window however long the guest takes to "
             "read anything; buffered writes are measured from `io.stat` instead (bytes written "
             "back to the device, not bytes written into the page cache), and so are the "
             "friendly and skewed runs (each cgroup's bios on the device: fio's averaged logs "
             "count a group whose bios come in bursts unevenly at the window's edges) and the "
             "n-groups runs (over a window four times as long: their light groups do a few "
             "I/Os a second).  Latency is fio's total "
             "latency (submission to completion, so it includes time held by a controller) after "
             "fio's ramp time, p50 and p99 in microseconds.  Configurations run interleaved: "
             "each round runs every scenario and controller once (A B C A B C ...).")
    L.append("")
    L.append("Metrics: *share* = a group's part of the total (I/Os, or bytes where request sizes differ: "
             "seqrand, buffered) against its *target*, its part of the weights.  *Max share error* "
             "= max over groups of |share / target - 1|.  *Jain* = weighted Jain's index "
             "(sum x)^2 / (n sum x^2) with x = share / target (1 = exact).  *Use* = the total "
             "(same unit) over the same round's total with no controller (overhead: with the raw device).  "
             "Figures are the median of the rounds and [min..max].")
    L.append("")
    L += noise_section(res)
    for scen in PLAN:
        if scen not in res:
            continue
        L.append(f"## {TITLE[scen]}")
        L.append("")
        L += scen_text(scen, b, res, st)
        if scen == "limits":
            continue
        sres = res[scen]
        unit = unit_of(scen)
        shapes = []
        for k in sres:
            if k[0] not in shapes:
                shapes.append(k[0])
        for shape in shapes:
            variants = sorted({k[2] for k in sres if k[0] == shape},
                              key=lambda v: (int(v[1:]) if v.startswith("n") and v[1:].isdigit() else 0, v))
            for variant in variants:
                keys = sorted([k for k in sres if k[0] == shape and k[2] == variant],
                              key=lambda k: CTRLS.index(k[1]))
                head = f"### {shape} device" + (f", {variant}" if variant else "")
                L.append(head)
                L.append("")
                L.append("| controller | max share error | Jain | use | total IOPS | total KB/s |")
                L.append("|---|---|---|---|---|---|")
                for key in keys:
                    m = sres[key]
                    use = (fr(m['use'], 1, 100, '%') + spread_note(m['use'], 1.0)
                           if m['use'] and key[1] not in ("none", "raw") else "ref" if m['use'] else "-")
                    L.append(f"| {key[1]} | {fr(m['err'], 1, 100, '%')}{spread_note(m['err'])} | "
                             f"{fr(m['jain'], 3)} | {use} | "
                             f"{fr(m['tot_iops'])} | {fr(m['tot_kbps'])} |")
                L.append("")
                if scen == "groups" and variant in ("n32", "n128"):
                    L.append("(per-group figures of this many groups: see groups.png and results.csv)")
                    L.append("")
                    continue
                L.append("| controller | group | weight | jobs | target | share | IOPS | KB/s | p50 us | p99 us |")
                L.append("|---|---|---|---|---|---|---|---|---|---|")
                for key in keys:
                    for row in group_table(scen, sres[key], unit):
                        L.append(f"| {key[1]} " + row)
                L.append("")
        for c in charts.get(scen, []):
            L.append(f"![{c}]({c}.png)")
            L.append("")
    ct = cost_table(b)
    if ct:
        L.append("## 9. Per-bio cost through the real path, without fio")
        L.append("")
        L.append(f"tests/bench/kmod (dm_band_bench.ko): {b.info.get('cost_nr', '?')} synchronous 4 KiB "
                 "reads at random sectors per run, submitted in the writers' own contexts (a write "
                 "to its debugfs file runs them), on a null_blk device without delay that completes "
                 "in the submitter's context; timed in the kernel from the first bio's start to the "
                 "last one's end.  dm-band of type pid: *1group* one writer, nothing attached; "
                 "*1000attached* the same with 1000 groups attached; *64active* 64 writers, each "
                 "its own attached group.  Ratio and difference against dm-linear with the same "
                 "writers, per round.")
        L.append("")
        L.append("| device | writers | ns per bio | vs dm-linear | difference, ns |")
        L.append("|---|---|---|---|---|")
        for (ctrl, variant), ns, ratio, delta in ct:
            w = 64 if variant.startswith("64") else 1
            L.append(f"| {ctrl}{' ' + variant if variant else ''} | {w} | {fr(ns)} | "
                     f"{fr(ratio, 3) if ratio else 'ref'} | {fr(delta) if delta else '-'} |")
        L.append("")
    pt = parts_table(b)
    if pt:
        L.append(f"The fast path's parts, one at a time (dm-band-bench-parts.c): "
                 f"{b.parts[0]['n']} iterations of each in a loop on one CPU, uncontended, "
                 "per round; *own* is the part's time less the empty loop's.  *clock*: "
                 "ktime_get_ns(), read at a lease's last completion; *counters*: band_count()'s "
                 "two atomic64 adds; *percpu*: the same adds to per-CPU counters; *lease*: "
                 "band_lease_charge() and band_lease_done() on an open lease (the policy's own "
                 "code); *lock*: one uncontended spin_lock_irqsave() and unlock pair, what the "
                 "slow path takes at least twice.")
        L.append("")
        L.append("| part | ns per iteration | own, ns |")
        L.append("|---|---|---|")
        for part, raw, own in pt:
            L.append(f"| {part} | {fr(raw, 1)} | {fr(own, 1) if part != 'loop' else '-'} |")
        L.append("")
    L.append("## Files")
    L.append("")
    L.append("results.csv (one row per group per run), raw.txt (the guest's output), "
             "console.log, plots/ (chart data and gnuplot scripts), *.png.")
    with open(os.path.join(b.out, "report.md"), "w") as f:
        f.write("\n".join(L) + "\n")


def host_cpu():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip() + f" ({os.cpu_count()} host CPUs)"
    except OSError:
        pass
    return "?"


def noise_section(res):
    """How large the spread between rounds is."""
    sp = []
    for scen, sres in res.items():
        for key, m in sres.items():
            if len(m["rounds"]) < 2:
                continue
            for g, d in m["groups"].items():
                v = d["iops"]
                if med(v) > 0:
                    sp.append(((max(v) - min(v)) / med(v), f"{scen} {'/'.join(x for x in key if x)} {g}"))
            if m["use"] and len(m["use"]) > 1:
                pass
    L = ["## Noise", ""]
    if not sp:
        L.append("One round only: no spread to report (run with BENCH_ROUNDS=3 or more).")
        L.append("")
        return L
    sp.sort()
    v = [x for x, _ in sp]
    L.append(f"Spread of a group's IOPS between rounds, (max - min) / median, over {len(v)} "
             f"group figures: median {pct(med(v))}, 90th percentile {pct(v[int(0.9 * (len(v) - 1))])}, "
             f"largest {pct(v[-1])} ({sp[-1][1]}).  The guest shares a host CPU with other work, "
             "so runs differ; a figure marked ~ has a range wider than the effect it would show "
             "(a device use range containing 100%, an overhead range containing 0, an error "
             "whose range is wider than its median) and is reported as not measurable here.")
    L.append("")
    return L


def scen_text(scen, b, res, st):
    L = []
    info = b.info
    if scen == "qd1":
        sres = res[scen]
        L.append("The QD1 reader's IOPS as a fraction of what it gets alone on the same device "
                 "(no controller, same round), and the device's total against no controller:")
        L.append("")
        L.append("| device | controller | QD1 IOPS vs alone | QD1 p50 / p99 us | QD32 IOPS | QD32 p99 us | device use |")
        L.append("|---|---|---|---|---|---|---|")
        for shape in ("serial", "parallel"):
            alone = sres.get((shape, "none", "alone"))
            if not alone:
                continue
            a = alone["groups"]["qd1"]["iops"]
            L.append(f"| {shape} | alone | {fr(a)} IOPS | {fr(alone['groups']['qd1'].get('p50', []))} / "
                     f"{fr(alone['groups']['qd1'].get('p99', []))} | - | - | - |")
            bs = sres.get((shape, "none", "beside"))
            if bs and "qd1" in bs["groups"] and "qd32" in bs["groups"]:
                b1, b32 = bs["groups"]["qd1"], bs["groups"]["qd32"]
                frac = [x / y for x, y in zip(b1["iops"], a) if y]
                L.append(f"| {shape} | beside (QD32 on a twin device) | {fr(frac, 0, 100, '%')} | "
                         f"{fr(b1.get('p50', []))} / {fr(b1.get('p99', []))} | {fr(b32['iops'])} | "
                         f"{fr(b32.get('p99', []))} | - |")
            for c in CTRLS:
                m = sres.get((shape, c, ""))
                if not m:
                    continue
                q1, q32 = m["groups"].get("qd1"), m["groups"].get("qd32")
                frac = [x / y for x, y in zip(q1["iops"], a) if y]
                use = "ref" if c == "none" else fr(m['use'], 0, 100, '%') + spread_note(m['use'], 1.0)
                L.append(f"| {shape} | {c} | {fr(frac, 0, 100, '%')}{spread_note(frac, 1.0)} | "
                         f"{fr(q1.get('p50', []))} / {fr(q1.get('p99', []))} | {fr(q32['iops'])} | "
                         f"{fr(q32.get('p99', []))} | {use} |")
        L.append("")
        L.append("On the serial device the weights can be met (the QD1 reader alone fills it).  "
                 "On the parallel one it cannot use 80% (one request at a time); the ideal is the "
                 "QD1 reader near its solo rate and the device near 100% use, and the share error "
                 "below measures against the weights regardless.")
        L.append("")
    elif scen == "settle":
        L.append(f"Phases of {info.get('phase')} s each: steady, a idle (SIGSTOP: its target share "
                 "goes to b and c, 20:10), back (SIGCONT), weight (c from 10 to 40: `dmsetup message "
                 "... weight`, io.bfq.weight, io.weight).  Each group's I/Os from fio's logs in "
                 f"{info.get('sample_ms')} ms steps; settle time = the start, after the event, of the first "
                 f"1 s window that and whose next 1 s window both have every group within "
                 f"{TOL * 100:.0f}% (relative) of its target share.  Windows start every "
                 f"{info.get('sample_ms')} ms, so a time below that means at once.  "
                 "'>N' = not within the phase.")
        L.append("")
        L.append("| controller | round | idle | back | weight |")
        L.append("|---|---|---|---|---|")
        for rid in sorted(st, key=lambda r: (CTRLS.index(b.runs[r]["ctrl"]), b.runs[r]["round"])):
            ev = st[rid]
            cells = []
            for name in ("idle", "back", "weight"):
                t = ev.get(name)
                cells.append("-" if not t else (f"{t[0]:.2f} s" if t[0] is not None else f">{t[1] - 2:.0f} s"))
            L.append(f"| {b.runs[rid]['ctrl']} | {b.runs[rid]['round']} | " + " | ".join(cells) + " |")
        L.append("")
        L.append("Per-phase shares (whole phase, settling included):")
        L.append("")
    elif scen == "overhead":
        n = info.get("nflow")
        L.append(f"Device 'fast' (no delay: the guest's CPU is the bottleneck).  Two fio jobs, 32 "
                 f"in flight each, 4 KiB random reads, in cgroup o1 of {n}.  `typenone`: dm-band "
                 "of type none (scheduling without classification); `1group`: type cgroup, o1 "
                 "attached with weight 100 (like every group here and the default group); "
                 "`1group-noinject`: the same with inject=0 (the refill rule alone); `1group-w1`: o1 with weight 1, which against the default group's 100 gets two "
                 f"tokens an epoch (alone, it starts 32 epochs at once); `{n}attached`: all attached, only o1 busy; "
                 f"`{n}flowing`: all attached and a 4 KiB read in every other cgroup every 500 ms "
                 "(row `bg`: their I/O), idle=0 so that no group lingers; "
                 f"`{n}flowing-idle`: the same with the bench's idle, where the light groups "
                 "linger with unused tokens between their reads; the same background on dm-linear "
                 "for comparison.  `alone`: one synchronous reader (QD1) on dm-linear and on "
                 "dm-band (1 group).  Use is against the raw device; the summary compares dm-band "
                 "with dm-linear under the same load.")
        L.append("")
    elif scen == "groups":
        L.append("One job per group, 32 I/Os in flight in all (at least 2 per group).  With weights "
                 "1..n the lightest group's expected count in a window is small "
                 "(n = 128: 1/8256 of the total), so its share error is mostly counting noise: "
                 "compare Jain's index and the chart rather than the max error.")
        L.append("")
    elif scen == "seqrand":
        L.append("Shares are in bytes.  Under `weight` a 256 KiB bio costs what a 4 KiB one does; "
                 "under `weight-iosize` it costs 64 tokens.")
        L.append("")
    elif scen == "limits":
        sres = res[scen]
        L.append("The parallel device (4000 IOPS, 32 MiB/s), 4 KiB random reads with 8 in flight "
                 "(64 KiB with 4 in the bytes runs).  *held group*: the capped or reserved one; "
                 "*of target*: its rate over its cap or reservation (a cap is met at 100%, a "
                 "reservation at 100% or more).  *iomax*: blk-throttle's io.max on the same cgroup "
                 "(riops/wiops or rbps/wbps), the kernel's own caps; it has no reservations.  "
                 "*weights-only*: dm-band with the same weights and no reservation.  "
                 "*reserve-deep*: a reservation above the half of the device that its bios in "
                 "flight would get it.  *reserve-over*: two reservations that add up to more than "
                 "the device, at equal weights; *of target* is the big one's share of the two "
                 "over its share of the reservations (100%: they degrade in proportion).  Use: the "
                 "total over no controller's with the same jobs (a cap lowers it by design).")
        L.append("")
        L.append("| run | controller | held group | rate | of target | other group | p99 us (held) | use |")
        L.append("|---|---|---|---|---|---|---|---|")
        for variant, (g, key, unit) in LIMIT_RUNS.items():
            for c in CTRLS:
                m = sres.get(("parallel", c, variant))
                if not m or g not in m["groups"]:
                    continue
                gm = m["groups"][g]
                other = [n for n in m["groups"] if n != g]
                oc = "-"
                if other:
                    om = m["groups"][other[0]]
                    oc = f"{other[0]} {fr(om[unit])} {'KB/s' if unit == 'kbps' else 'IOPS'}"
                f = limit_fracs(b, m, variant)
                use = ("ref" if c == "none" else fr(m["use"], 0, 100, "%")) if m["use"] else "-"
                L.append(f"| {variant} | {c} | {g} | {fr(gm[unit])} {'KB/s' if unit == 'kbps' else 'IOPS'} | "
                         f"{fr(f, 1, 100, '%')} | {oc} | {fr(gm.get('p99', []))} | {use} |")
        L.append("")
    elif scen == "buffered":
        L.append("Each cgroup writes its own file (psync, 64 KiB) through the page cache; the "
                 "writeback bios carry the cgroup.  vm.dirty_bytes = 64 MiB, "
                 "vm.dirty_background_bytes = 1 MiB; shares in bytes written back.  Latency is the "
                 "write() call's (dirty throttling).")
        L.append("")
    return L


def write_csv(b):
    with open(os.path.join(b.out, "results.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["scenario", "device", "controller", "variant", "round", "group", "weight",
                    "jobs", "seconds", "ios", "bytes", "iops", "kb_per_s", "p50_us", "p99_us"])
        for r in b.rows:
            w.writerow([r["scen"], r["shape"], r["ctrl"], r["variant"], r["round"], r["group"],
                        r["weight"], r["jobs"], f"{r['ms'] / 1000:.3f}", r["ios"], r["bytes"],
                        f"{r['iops']:.1f}", f"{r['kbps']:.1f}",
                        "" if r["p50"] is None else r["p50"], "" if r["p99"] is None else r["p99"]])


def main():
    out = sys.argv[1]
    args = {"smoke": "--smoke" in sys.argv}
    for opt in ("--secs-total", "--rev", "--load"):
        if opt in sys.argv:
            args[opt[2:].replace("-", "_")] = sys.argv[sys.argv.index(opt) + 1]
    if "secs_total" in args:
        args["secs_total"] = float(args["secs_total"])
    b = Bench(out)
    write_csv(b)
    res = analyse(b)
    st, series = settle_times(b)
    charts = collections.defaultdict(list)
    for scen, sres in res.items():
        if scen == "groups":
            c = chart_groups(out, sres)
            if c:
                charts[scen].append(c)
        elif scen == "settle":
            c = chart_settle(out, b, series)
            if c:
                charts[scen].append(c)
        elif scen == "overhead":
            c = chart_overhead(out, sres)
            if c:
                charts[scen].append(c)
        elif scen == "limits":
            pass
        else:
            for shape in sorted({k[0] for k in sres}):
                c = chart_shares(out, scen, shape, sres, TITLE[scen].split(":")[0])
                if c:
                    charts[scen].append(c)
    summary = summary_lines(b, res, st)
    problems = b.problems()
    write_report(b, res, st, series, charts, summary, problems, args)
    print("\n".join(summary))
    if problems:
        print("\nProblems:")
        for p in problems:
            print("  " + p)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
