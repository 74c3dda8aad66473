#!/usr/bin/env python3
"""The numbers of `make bench`: from the samples bench/bench.sh wrote (one
JSON object per measurement), for each figure and module the median over
the rounds, the spread (min-max) and the ratio Rust/C (and Rust/mirred for
forwarding); a machine-readable summary (JSON) and a plot (PNG: ns per
packet against the number of masks, both modules, the ceilings as
horizontal lines). Documentation/bench.md explains the figures.

    report.py SAMPLES [--json OUT.json] [--png OUT.png] [--table OUT.txt]
    report.py --check SAMPLES    every figure there, for both modules, with
                                 nonzero rates (exit 1 and the list if not)
    report.py --profile BASE     BASE.ips (perf script -F ip) named with
                                 BASE.kallsyms: shares by object and by
                                 symbol, Rust names demangled, into BASE.txt

Standard library only, but for the plot (matplotlib, scripts/setup).
"""
import argparse
import bisect
import collections
import json
import re
import statistics
import subprocess
import sys

C, RS = "openvswitch", "openvswitch_rs"

# figure -> (what is compared, its unit, whether more is better)
METRICS = {
    "forward": ("pps", "pkt/s", True),
    "ceiling": ("pps", "pkt/s", True),
    "upcall": ("pps", "pkt/s", True),
    "flows": ("per_s", "flows/s", True),
    "memory": ("bytes_per_flow", "B/flow", False),
    "module": ("loaded_bytes", "bytes", False),
}


def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def value(s):
    """The compared number of sample S."""
    fig = s["figure"]
    if fig == "upcall" and s["case"] == "delivered":
        return s["result"]["per_s"]
    if fig == "flows":
        r = s["result"]
        # A flush reports its time: as a rate, like the rest.
        return r["per_s"] if "per_s" in r else r["flows"] / r["seconds"] if r["seconds"] else 0
    return s[METRICS[fig][0]]


def expected_cases(samples):
    """The cases every module must have: what the run was asked to measure
    (read back from its own samples' case names)."""
    masks = sorted({c.split(",")[0][6:] for c in cases(samples, "forward") if c.startswith("masks=")},
                   key=int)
    flows = sorted({c.split(",", 1)[1] for c in cases(samples, "flows")})
    want = {"forward": ["exact"] + ["masks=%s,cache=%s" % (n, c) for n in masks
                                    for c in ("hit", "thrash", "off")],
            "upcall": ["disabled", "unread", "drained", "delivered"],
            "flows": ["%s,%s" % (op, f) for f in flows
                      for op in ("install", "dump", "dump-terse", "flush")],
            "module": ["size"]}
    return want, masks


def cases(samples, fig):
    seen = []
    for s in samples:
        if s["figure"] == fig and s["case"] not in seen:
            seen.append(s["case"])
    return seen


def check(samples):
    """What is missing or wrong, as a list of sentences."""
    bad = []
    want, masks = expected_cases(samples)
    if not masks:
        bad.append("no forwarding case with masks")
    for s in samples:
        if s["loaded"] != s["module"]:
            bad.append("%s %s round %d: /proc/modules had %s" % (
                s["figure"], s["case"], s["round"], s["loaded"]))
    rounds = sorted({s["round"] for s in samples})
    for r in rounds:
        got = {(s["figure"], s["case"], s["module"]) for s in samples if s["round"] == r}
        for fig, names in want.items():
            for case in names:
                for mod in (C, RS):
                    if (fig, case, mod) not in got:
                        bad.append("round %d: no %s %s for %s" % (r, fig, case, mod))
        for mod in (C, RS):
            if not any(f == "memory" and m == mod for f, _, m in got):
                bad.append("round %d: no memory figure for %s" % (r, mod))
        for case in ("floor", "floor-thrash", "mirred", "bridge"):
            if ("ceiling", case, "none") not in got:
                bad.append("round %d: no ceiling %s" % (r, case))
    for s in samples:
        what = "%s %s %s round %d" % (s["figure"], s["case"], s["module"], s["round"])
        # A small dump or a flush can take less than the guest clock's
        # step (4 ms under TCG): its flow count, not its rate, shows it ran.
        timed = s["figure"] != "flows" or s["case"].startswith("install")
        if timed and not value(s) > 0:
            bad.append("%s: zero %s" % (what, METRICS[s["figure"]][0]))
        forwards = s["figure"] == "forward" or s["figure"] == "ceiling" and "floor" not in s["case"]
        if forwards and not s["out_packets"] > 0:
            bad.append("%s: nothing left through the output port" % what)
        if s["figure"] == "forward" and not s["hit"] > 0:
            bad.append("%s: the datapath counted no hit" % what)
        if s["figure"] == "upcall" and s["case"] != "delivered" and not s["missed"] > 0:
            bad.append("%s: the datapath counted no miss" % what)
        if s["figure"] == "flows" and s["result"].get("flows", 0) <= 0:
            bad.append("%s: no flows" % what)
    if not rounds:
        bad.append("no samples")
    return bad


def spread(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "values": values}


def summarize(samples):
    """figure -> case -> {module: spread, ratios, extra}."""
    out = {}
    for s in samples:
        fig = out.setdefault(s["figure"], {})
        case = fig.setdefault(s["case"], {})
        case.setdefault(s["module"], []).append(s)
    mirred = out.get("ceiling", {}).get("mirred", {}).get("none")
    mirred_pps = statistics.median(value(s) for s in mirred) if mirred else None
    for fig, by_case in out.items():
        for case, by_mod in by_case.items():
            entry = {}
            for mod, ss in by_mod.items():
                entry[mod] = spread([value(s) for s in ss])
                if fig in ("forward", "ceiling", "upcall") and "ns_per_pkt" in ss[0]:
                    entry[mod]["ns_per_pkt"] = spread([s["ns_per_pkt"] for s in ss])
                    entry[mod]["probes_per_pkt"] = statistics.median(
                        s.get("probes_per_pkt", 0) for s in ss)
                if fig == "module":
                    entry[mod]["ko_text_bytes"] = ss[0]["ko_text_bytes"]
            if C in entry and RS in entry and entry[C]["median"]:
                entry["rust_over_c"] = entry[RS]["median"] / entry[C]["median"]
            if fig == "forward" and RS in entry and mirred_pps:
                entry["rust_over_mirred"] = entry[RS]["median"] / mirred_pps
                entry["c_over_mirred"] = entry[C]["median"] / mirred_pps
            by_case[case] = entry
    return out


def fmt(v):
    if v >= 100:
        return "%.0f" % v
    return "%.3g" % v


def table(summary, rounds):
    lines = ["openvswitch_rs bench: median over %d round(s) [min-max]; Rust/C > 1: "
             "Rust does more (rates) or uses more (memory, size)" % rounds]
    for fig in ("forward", "ceiling", "upcall", "flows", "memory", "module"):
        if fig not in summary:
            continue
        metric, unit, _ = METRICS[fig]
        lines.append("")
        head = "%-28s %-30s %-30s %7s" % (fig + " (" + unit + ")", "openvswitch.ko", "openvswitch_rs",
                                          "Rust/C")
        if fig == "forward":
            head += " %11s %11s %8s" % ("Rust/mirred", "C/mirred", "probes")
        if fig in ("forward", "ceiling", "upcall"):
            head += " %13s" % "ns/pkt C|Rust"
        lines.append(head)
        for case, e in summary[fig].items():
            cols = []
            for mod in ((C, RS) if fig != "ceiling" else ("none",)):
                if mod in e:
                    cols.append("%s [%s-%s]" % (fmt(e[mod]["median"]), fmt(e[mod]["min"]),
                                                fmt(e[mod]["max"])))
                else:
                    cols.append("-")
            if fig == "ceiling":
                cols.append("(no module)")
            row = "%-28s %-30s %-30s %7s" % (case, cols[0], cols[1],
                                             "%.2f" % e["rust_over_c"] if "rust_over_c" in e else "")
            if fig == "forward":
                row += " %11s %11s %8s" % (
                    "%.2f" % e.get("rust_over_mirred", 0), "%.2f" % e.get("c_over_mirred", 0),
                    "%s|%s" % (fmt(e[C]["probes_per_pkt"]), fmt(e[RS]["probes_per_pkt"])))
            if fig in ("forward", "ceiling", "upcall") and case != "delivered":
                ns = [fmt(e[m]["ns_per_pkt"]["median"]) for m in (C, RS, "none") if m in e]
                row += " %13s" % "|".join(ns)
            lines.append(row.rstrip())
        if fig == "module":
            lines.append("%-28s %-30s %-30s" % ("(.ko text bytes)", e[C]["ko_text_bytes"],
                                               e[RS]["ko_text_bytes"]))
    return "\n".join(lines) + "\n"


def plot(summary, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fwd = summary.get("forward", {})
    fig, ax = plt.subplots(figsize=(9, 6), dpi=110)
    colours = {C: "tab:blue", RS: "tab:orange"}
    styles = {"hit": "-", "thrash": "--", "off": ":"}
    for mod, label in ((C, "openvswitch.ko"), (RS, "openvswitch_rs")):
        for cache, style in styles.items():
            pts = sorted((int(c.split(",")[0][6:]), e[mod]["ns_per_pkt"])
                         for c, e in fwd.items()
                         if c.startswith("masks=") and c.endswith("cache=" + cache) and mod in e)
            if not pts:
                continue
            xs = [p[0] for p in pts]
            ys = [p[1]["median"] for p in pts]
            err = [[p[1]["median"] - p[1]["min"] for p in pts],
                   [p[1]["max"] - p[1]["median"] for p in pts]]
            ax.errorbar(xs, ys, yerr=err, color=colours[mod], linestyle=style, marker="o",
                        capsize=3, label="%s, mask cache %s" % (label, cache))
        if "exact" in fwd and mod in fwd["exact"]:
            ax.plot([1], [fwd["exact"][mod]["ns_per_pkt"]["median"]], marker="*",
                    markersize=14, color=colours[mod], linestyle="none",
                    label="%s, one exact megaflow" % label)
    greys = {"floor": "0.55", "floor-thrash": "0.75", "mirred": "tab:green",
             "bridge": "tab:purple"}
    names = {"floor": "no handler (floor)", "floor-thrash": "no handler, new 5-tuple each",
             "mirred": "tc mirred redirect", "bridge": "Linux bridge"}
    for case, e in summary.get("ceiling", {}).items():
        ns = e["none"]["ns_per_pkt"]["median"]
        ax.axhline(ns, color=greys.get(case, "0.3"), linewidth=1.2, linestyle="-.",
                   label="ceiling: %s, %.0f ns" % (names.get(case, case), ns))
    ax.set_xscale("log")
    ax.set_xlabel("masks (one flow each; the packet matches the last one)")
    ax.set_ylabel("ns per packet (pktgen netif_receive, median, min-max)")
    ax.set_title("64-byte UDP forwarding through a two-port datapath (QEMU TCG)")
    # Log: a walk over 1,000 masks costs 50 times a cache hit.
    ax.set_yscale("log")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    fig.savefig(path)


def demangle(names):
    """Rust symbols readable (c++filt), without their crate hashes."""
    try:
        out = subprocess.run(["c++filt", "--format=rust"], input="\n".join(names),
                             capture_output=True, text=True, check=True).stdout.split("\n")
    except (OSError, subprocess.CalledProcessError):
        out = names
    return [re.sub(r"\[[0-9a-f]{16}\]", "", n) for n in out[:len(names)]]


def profile(base, limit=40):
    """Each sample's address named by the nearest kernel symbol at or below
    it (/proc/kallsyms has every module's exact text addresses)."""
    syms = []
    with open(base + ".kallsyms") as f:
        for line in f:
            p = line.split()
            if len(p) >= 3 and p[1] in "tTwW" and int(p[0], 16):
                syms.append((int(p[0], 16), p[2], p[3].strip("[]") if len(p) > 3 else "vmlinux"))
    syms.sort()
    addrs = [a for a, _, _ in syms]
    by_obj, by_sym = collections.Counter(), collections.Counter()
    with open(base + ".ips") as f:
        for line in f:
            if not line.strip():
                continue
            ip = int(line.split()[0], 16)
            i = bisect.bisect_right(addrs, ip) - 1
            if ip < 1 << 63:
                obj, name = "user space", "(user space)"
            elif i < 0:
                obj, name = "?", hex(ip)
            else:
                obj, name = syms[i][2], syms[i][1]
            by_obj[obj] += 1
            by_sym[(obj, name)] += 1
    total = sum(by_obj.values()) or 1
    top = by_sym.most_common(limit)
    names = demangle([n for (_, n), _ in top])
    lines = ["# %d samples; by object:" % total]
    lines += ["#   %6.2f%%  %s" % (100 * c / total, o) for o, c in by_obj.most_common()]
    lines.append("# by symbol (top %d):" % limit)
    lines += ["%7.2f%%  %-16s %s" % (100 * c / total, "[%s]" % o, n)
              for ((o, _), c), n in zip(top, names)]
    with open(base + ".txt", "w") as f:
        f.write("\n".join(lines) + "\n")
    return lines


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("samples", help="samples.jsonl, or with --profile the BASE of BASE.ips")
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--json")
    ap.add_argument("--png")
    ap.add_argument("--table")
    args = ap.parse_args(argv)
    if args.profile:
        print("\n".join(profile(args.samples)[:30]))
        return 0
    samples = load(args.samples)
    bad = check(samples)
    if args.check:
        for b in bad:
            print("bench check: " + b)
        print("bench check: %d samples, %d problem(s)" % (len(samples), len(bad)))
        return 1 if bad else 0
    for b in bad:
        print("warning: " + b, file=sys.stderr)
    summary = summarize(samples)
    rounds = len({s["round"] for s in samples})
    text = table(summary, rounds)
    sys.stdout.write(text)
    if args.table:
        with open(args.table, "w") as f:
            f.write(text)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"rounds": rounds, "problems": bad, "figures": summary}, f, indent=1,
                      sort_keys=True)
    if args.png:
        plot(summary, args.png)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
