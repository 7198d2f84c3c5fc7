#!/usr/bin/env python3
# SPDX-License-Identifier: BSL-1.0
"""Summarize lifecycle_bench's JSON output (--benchmark_out) as a table of
ratios against the baselines and a list of the targets met.

    python3 bench/summarize.py build/bench/bench/results.json [more.json ...]

Uses CPU time per operation (Google Benchmark divides the CPU time of all
threads by the iterations of all threads, so threads:2 is per operation as a
thread sees it). Each benchmark shows the minimum and the median over its
repetitions; ratios and targets use the medians (the minima in brackets).
Needs the per-repetition entries: run with --benchmark_display_aggregates_only
(not --benchmark_report_aggregates_only); with aggregates only it falls back to
the medians and shows no minimum.
"""
import json
import math
import statistics
import sys

UNIT_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


def fmt(ns):
    if ns is None:
        return "-"
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.2f} us"
    return f"{ns:.2f} ns"


def signed(ns):
    """A difference of times with its sign: "+1.20 ns", "-3.40 ns" (never "+-")."""
    return ("+" if ns >= 0 else "-") + fmt(abs(ns))


def growth_exponent(points):
    """The slope of log(time) over log(n), least squares: 1.0 is linear."""
    if len(points) < 2:
        return None
    xs = [math.log10(n) for n, _ in points]
    ys = [math.log10(t) for _, t in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


def load(paths):
    data = {}
    benchmarks = []
    for path in paths:
        with open(path) as f:
            this = json.load(f)
        if this.get("context") or not data:
            data = this  # the context of the last file that has one
        benchmarks += this.get("benchmarks", [])
    runs, medians, errors, counters, series = {}, {}, {}, {}, {}
    for b in benchmarks:
        name = b.get("run_name", b["name"])
        if b.get("error_occurred"):
            errors[name] = b.get("error_message", "error")
            continue
        scale = UNIT_NS[b.get("time_unit", "ns")]
        if b.get("run_type") == "aggregate":
            if b.get("aggregate_name") == "median":
                medians[name] = (b["real_time"] if name.endswith("/manual_time") else b["cpu_time"]) * scale
            continue
        # Manual time (close_all: only the call is timed, not the set-up of
        # each iteration) is the real time of what the benchmark timed.
        t = b["real_time"] if name.endswith("/manual_time") else b["cpu_time"]
        runs.setdefault(name, []).append(t * scale)
        for key in ("frames", "bytes", "bytes_each", "record_struct"):
            if key in b:
                counters.setdefault(name, {})[key] = b[key]
        for key in ("ratio", "a_ns", "b_ns"):  # the paired stack benchmarks: one value per repetition
            if key in b:
                series.setdefault(name, {}).setdefault(key, []).append(b[key])
    stats = {}
    for name, times in runs.items():
        stats[name] = (min(times), statistics.median(times), len(times))
    for name, med in medians.items():
        if name not in stats:
            stats[name] = (None, med, 0)
    return data.get("context", {}), stats, errors, counters, series


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    context, stats, errors, counters, series = load(sys.argv[1:])

    def get(name):
        return stats.get(name)

    def ratio(a, b, idx):
        if a is None or b is None or a[idx] is None or b[idx] is None or b[idx] == 0:
            return None
        return a[idx] / b[idx]

    def rtxt(a, b):
        med, mn = ratio(a, b, 1), ratio(a, b, 0)
        if med is None:
            return "-"
        return f"{med:.2f}x" + (f" [{mn:.2f}x]" if mn is not None else "")

    rows = []  # (name, stats, comparisons)
    for threads in (1, 2):
        raw = get(f"create_destroy/raw/threads:{threads}")
        heap = get(f"create_destroy/unique_ptr_int_heap/threads:{threads}")
        for what in ("raw", "unique_ptr_noop", "unique_ptr_int_heap", "tracked_off", "tracked_off_no_ownership",
                     "tracked_site", "tracked_site_no_ownership", "tracked_site_explicit_close", "tracked_stack",
                     "tracked_stack_precise"):
            name = f"create_destroy/{what}/threads:{threads}"
            s = get(name)
            if s is None:
                continue
            comp = []
            if what != "raw":
                comp.append(f"{rtxt(s, raw)} raw")
                if raw and s[1] is not None and raw[1] is not None:
                    delta = s[1] - raw[1]
                    comp.append(signed(delta))
            if what.startswith("tracked"):
                comp.append(f"{rtxt(s, heap)} new/delete")
            rows.append((name, s, comp))
    stack_depths = sorted({int(n.rsplit("/", 1)[1]) for n in stats if n.startswith("stack/")})
    for depth in stack_depths:
        base = get(f"stack/boost_safe_dump_to/{depth}")
        for what in ("boost_safe_dump_to", "boost_stacktrace", "lifecycle_capture", "tracked_stack"):
            name = f"stack/{what}/{depth}"
            s = get(name)
            if s is None:
                continue
            comp = []
            if what != "boost_safe_dump_to":
                comp.append(f"{rtxt(s, base)} safe_dump_to")
            c = counters.get(name, {})
            if "frames" in c:
                comp.append(f"{int(c['frames'])} frames")
            rows.append((name, s, comp))
    # Paired: lifecycle's operation and safe_dump_to's in alternating blocks;
    # the ratio of their times in each repetition (see BM_stack_pair).
    def paired(prefix):
        # (what, depth or 0) -> (min ratio, median ratio, reps, median a ns, median b ns)
        out = {}
        for name, values in series.items():
            if not name.startswith(prefix) or "ratio" not in values:
                continue
            parts = name.split("/")
            depth = int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else 0
            r = values["ratio"]
            out[(parts[1], depth)] = (min(r), statistics.median(r), len(r), statistics.median(values.get("a_ns", [0])),
                                      statistics.median(values.get("b_ns", [0])))
        return out

    pairs = paired("stack_pair/")
    captures = paired("capture_pair/")  # fast / precise / safe_dump_to, exactly N frames each
    real_fd = paired("real_fd_pair/")  # open("/dev/null") + close, against the raw fd
    owner_pair = paired("ownership_pair/")  # default ownership checks against none, fake handle
    real_other = {"socketpair": paired("real_socketpair_pair/"), "fopen": paired("real_fopen_pair/")}

    for name in ("stacks_interned/1", "stacks_interned/131072"):
        s = get(name)
        if s is not None:
            rows.append((name, s, [f"{rtxt(s, get('stacks_interned/1'))} one stack"] if name.endswith("131072") else []))
    for n in (1000, 10000, 100000):
        name = f"close_all/{n}/manual_time"
        s = get(name)
        if s is not None:
            rows.append((name, s, [f"{fmt(s[1] / n)} per entry"]))
    for name in ("scope_check/1M_live_10_inside", "render/check_10000", "render/cold_first_to_text/iterations:1/repeats:1",
                 "render/warm_to_text"):
        s = get(name)
        if s is not None:
            c = counters.get(name, {})
            rows.append((name, s, [f"{int(c['bytes'])} bytes of text"] if "bytes" in c else []))
    suite, plain = get("doctest_suite/lifecycle"), get("doctest_suite/plain")
    if plain:
        rows.append(("doctest_suite/plain", plain, ["2,000 tests x 100 fds, without lifecycle"]))
    if suite:
        rows.append(("doctest_suite/lifecycle", suite, [f"{rtxt(suite, plain)} without lifecycle (CPU of the whole run)"]))
    raw_u = get("untracked/raw/threads:1")
    trk_u = get("untracked/tracked/threads:1")
    if raw_u:
        rows.append(("untracked/raw/threads:1", raw_u, []))
    if trk_u:
        rows.append(("untracked/tracked/threads:1", trk_u, [f"{rtxt(trk_u, raw_u)} raw"]))

    width = max([len(r[0]) for r in rows] + [9])
    print("CPU time per operation; min and median over repetitions; ratios: median [min]")
    print(f"{'benchmark':<{width}}  {'reps':>4}  {'min':>10}  {'median':>10}  vs baseline")
    print("-" * (width + 50))
    for name, (mn, med, n), comp in rows:
        print(f"{name:<{width}}  {n:>4}  {fmt(mn):>10}  {fmt(med):>10}  {'; '.join(comp)}")
    for name, msg in errors.items():
        print(f"{name:<{width}}  ERROR: {msg}")
    def print_pairs(title, table):
        if not table:
            return
        print()
        print(title)
        for (what, depth), (mn, med, n, a_ns, b_ns) in sorted(table.items()):
            label = what + ("/" + str(depth) if depth else "")
            print(f"  {label:<45} {n:>2} reps  {med:.3f}x [{mn:.3f}x]  a {fmt(a_ns)}, b {fmt(b_ns)} per operation")

    print_pairs("paired, alternating blocks (a = lifecycle, precise unwinder, b = safe_dump_to, same frames kept); "
                "ratio a/b: median [min]", pairs)
    print_pairs("stack capture alone, exactly N frames of user code kept, paired (a_vs_b); ratio a/b: median [min]",
                captures)
    print_pairs("real open(\"/dev/null\") + close, 6 user frames deep, paired against the raw fd; ratio: median [min]",
                real_fd)
    print_pairs("fake handle create+destroy, site, 1 thread: default ownership checks (a) against none (b); "
                "ratio: median [min]", owner_pair)
    print_pairs("real socketpair() + 2 closes (two tracked sockets), paired against the raw calls; ratio: median [min]",
                real_other["socketpair"])
    print_pairs("real fopen(\"/dev/null\") + fclose (a tracked FILE*), paired against the raw calls; ratio: median [min]",
                real_other["fopen"])

    # ---- targets ------------------------------------------------------------
    print()
    print("targets (verdict on the median; the minimum in brackets)")

    def verdict(ok_med, ok_min):
        if ok_med:
            return "MET"
        return "NOT MET (met by the minimum)" if ok_min else "NOT MET"

    def target_abs(label, name, limit_ns):
        s = get(name)
        if s is None:
            print(f"  {label}: not measured")
            return
        mn, med, _ = s
        ok_min = mn is not None and mn <= limit_ns
        print(f"  {label}: {fmt(med)} [{fmt(mn)}] <= {fmt(limit_ns)}: {verdict(med <= limit_ns, ok_min)}")

    # The targets are the registry's (issue #2: enroll + retire, capture
    # site); the ownership checks of issue #3, on by default, come on top.
    target_abs("site create+destroy, 1 thread ", "create_destroy/tracked_site_no_ownership/threads:1", 15)
    target_abs("site create+destroy, 2 threads", "create_destroy/tracked_site_no_ownership/threads:2", 30)
    for threads in (1, 2):
        d = get(f"create_destroy/tracked_site/threads:{threads}")
        if d:
            print(f"  (with the default ownership checks, {threads} thread{'s' if threads > 1 else ''}: {fmt(d[1])} [{fmt(d[0])}])")
    # The stack target: what the stack tier adds to a create (lifecycle's
    # capture: the unwind and the interning) against safe_dump_to, paired; the
    # whole create+destroy with its stack beside it.
    for depth in sorted({d for (_, d) in pairs} | set(stack_depths)):
        p = pairs.get(("lifecycle_capture_vs_safe_dump_to", depth))
        if p is None:
            print(f"  stack capture <= safe_dump_to at depth {depth}: not measured")
            continue
        mn, med = p[0], p[1]
        v = verdict(med <= 1.0, mn <= 1.0)
        if med > 1.0 and med <= 1.02:
            v += " (within 2%: the pairing's noise here)"
        print(f"  stack capture <= safe_dump_to at depth {depth} (paired): {med:.3f}x [{mn:.3f}x]: {v}")
        whole = pairs.get(("tracked_stack_vs_safe_dump_to", depth))
        if whole:
            print(f"    (the whole create+destroy with its stack, against safe_dump_to alone: {whole[1]:.3f}x [{whole[0]:.3f}x])")
    # Issue 14: the default ownership checks add <= 4 ns to a fake handle's
    # create+destroy on one thread (no locked instruction for a value no one
    # else owns); a - b of the pair, in each repetition's own blocks.
    for what in ("warn_once_vs_ignore", "locked_warn_once_vs_ignore"):
        p = owner_pair.get((what, 0))
        if p is None:
            continue
        extra = [a - b for a, b in zip(series[f"ownership_pair/{what}"]["a_ns"], series[f"ownership_pair/{what}"]["b_ns"])]
        med, mn = statistics.median(extra), min(extra)
        text = f"{signed(med)} [{signed(mn)}] ({fmt(p[3])} vs {fmt(p[4])})"
        if what.startswith("locked"):
            print(f"    (the same with every stripe locked, as under ThreadSanitizer: {text})")
        else:
            print(f"  default ownership checks, 1 thread, fake handle (paired): {text} <= +4.00 ns: "
                  f"{verdict(med <= 4, mn <= 4)}")
    # Issue 14: the fast unwinder at least 10x cheaper than safe_dump_to at 16
    # frames and more; the real open+close with a stack within 1.10x of the raw fd.
    for depth in sorted({d for (_, d) in captures}):
        p = captures.get(("fast_vs_safe_dump_to", depth))
        if p is None:
            continue
        goal = f"<= 0.10x (10x cheaper): {verdict(p[1] <= 0.10, p[0] <= 0.10)}" if depth >= 16 else "stated"
        print(f"  fast capture vs safe_dump_to, {depth} frames (paired): {p[1]:.3f}x [{p[0]:.3f}x] "
              f"({fmt(p[3])} vs {fmt(p[4])}): {goal}")
        q = captures.get(("fast_vs_precise", depth))
        if q:
            print(f"    (fast vs precise: {q[1]:.3f}x [{q[0]:.3f}x], {fmt(q[3])} vs {fmt(q[4])})")
    for what, goal in (("tracked_site_vs_raw", 1.02), ("tracked_stack_vs_raw", 1.10), ("tracked_stack_precise_vs_raw", None)):
        p = real_fd.get((what, 0))
        if p is None:
            continue
        v = f"<= {goal:.2f}x: {verdict(p[1] <= goal, p[0] <= goal)}" if goal else "stated"
        print(f"  real open+close, {what} (paired): {p[1]:.3f}x [{p[0]:.3f}x] "
              f"({signed(p[3] - p[4])} per operation): {v}")
    for call, table in real_other.items():
        for what, goal in (("tracked_site_vs_raw", 1.02), ("tracked_stack_vs_raw", 1.10)):
            p = table.get((what, 0))
            if p is None:
                continue
            print(f"  real {call}, {what} (paired): {p[1]:.3f}x [{p[0]:.3f}x] "
                  f"({signed(p[3] - p[4])} per operation): <= {goal:.2f}x: {verdict(p[1] <= goal, p[0] <= goal)}")
    # Issue 14: create+destroy with 1,000,000 claimed handles live within
    # 1.2x of the same with none; the growth exponent over 1k..1M.
    claimed = {n: get(f"claimed_live/{n}") for n in (0, 1000, 10000, 100000, 1000000)}
    if claimed[0] and claimed[1000000]:
        r_med = claimed[1000000][1] / claimed[0][1]
        r_min = claimed[1000000][0] / claimed[0][0]
        pts = [(n, claimed[n][1]) for n in (1000, 10000, 100000, 1000000) if claimed[n]]
        slope = growth_exponent(pts)
        exponent = f", growth exponent over 1k..1M {slope:.2f}" if slope is not None else ""
        print(f"  create+destroy, 1M claimed live vs none: {fmt(claimed[1000000][1])} vs {fmt(claimed[0][1])} = "
              f"{r_med:.2f}x [{r_min:.2f}x]{exponent}: <= 1.20x: {verdict(r_med <= 1.2, r_min <= 1.2)}")
    # Issue 14: memory. A live record in site mode <= 96 B with its share of
    # the tables (1M live); an interned stack <= 8 B a frame + 32 B.
    rec = counters.get("memory/live_record_site_1M/iterations:1/repeats:1", {})
    if "bytes_each" in rec:
        b = rec["bytes_each"]
        print(f"  memory per live handle, 1M live, site capture: {b:.0f} B (the record struct {rec.get('record_struct', 0):.0f} B) "
              f"<= 96 B: {verdict(b <= 96, b <= 96)}")
    st = counters.get("memory/interned_stack_16_frames/iterations:1/repeats:1", {})
    if "bytes_each" in st:
        b, f = st["bytes_each"], st.get("frames", 16)
        print(f"  memory per interned stack of {f:.0f} frames (131,072 distinct): {b:.0f} B <= {8 * f + 32:.0f} B "
              f"(8 B a frame + 32 B): {verdict(b <= 8 * f + 32, b <= 8 * f + 32)}")
    # Issue 14: a create's stack found among 128k distinct stacks within
    # 1.5x of the same with only its own stack interned.
    one, many = get("stacks_interned/1"), get("stacks_interned/131072")
    if one and many:
        print(f"  create's stack capture, 128k distinct stacks interned vs 1: {fmt(many[1])} vs {fmt(one[1])} = "
              f"{rtxt(many, one)} <= 1.50x: {verdict(many[1] <= 1.5 * one[1], many[0] <= 1.5 * one[0])}")
    # Issue 14: closer::close_all() of 100k entries, half of them aliases,
    # within 50 ms; time per entry flat (growth exponent over 1k..100k).
    closes = {n: get(f"close_all/{n}/manual_time") for n in (1000, 10000, 100000)}
    if closes[100000]:
        mn, med, _ = closes[100000]
        pts = [(n, closes[n][1]) for n in (1000, 10000, 100000) if closes[n]]
        pts_min = [(n, closes[n][0]) for n in (1000, 10000, 100000) if closes[n] and closes[n][0]]
        slope, slope_min = growth_exponent(pts), growth_exponent(pts_min)
        ok_t, ok_t_min = med <= 50e6, mn is not None and mn <= 50e6
        ok_s = slope is not None and slope <= 1.1
        ok_s_min = slope_min is not None and slope_min <= 1.1
        print(f"  close_all(), 100k entries, half aliases: {fmt(med)} [{fmt(mn)}] <= 50 ms: {verdict(ok_t, ok_t_min)}; "
              f"growth exponent over 1k..100k {slope:.2f} [{slope_min:.2f}] <= 1.10: {verdict(ok_s, ok_s_min)}")
    # Issue 14: a doctest binary of 2,000 tests x 100 tracked fds, automatic
    # leak checks on, CPU within 1.15x of the same binary without lifecycle.
    if suite and plain:
        print(f"  doctest binary, 2,000 tests x 100 tracked fds, automatic leak checks, CPU vs without lifecycle: "
              f"{fmt(suite[1])} vs {fmt(plain[1])} = {rtxt(suite, plain)} <= 1.15x: "
              f"{verdict(suite[1] <= 1.15 * plain[1], suite[0] <= 1.15 * plain[0])}")
    target_abs("scope check, 1M live + 10 inside", "scope_check/1M_live_10_inside", 10e3)
    target_abs("render 10,000 leaks / 100 sites, warm", "render/warm_to_text", 50e6)
    cold = get("render/cold_first_to_text/iterations:1/repeats:1")
    if cold:
        print(f"  (first render of the process, cold symbol caches, measured once: {fmt(cold[1])})")
    if raw_u and trk_u:
        print(f"  tracking compiled out: tracked/raw = {rtxt(trk_u, raw_u)} (see the code comparison above)")
    load_avg = context.get("load_avg")
    if load_avg:
        print(f"\nload average during the run: {', '.join(f'{x:.1f}' for x in load_avg)} "
              f"on {context.get('num_cpus', '?')} CPUs")


if __name__ == "__main__":
    main()
