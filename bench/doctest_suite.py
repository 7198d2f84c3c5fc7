#!/usr/bin/env python3
# SPDX-License-Identifier: BSL-1.0
"""The 2,000-test doctest binary with lifecycle's automatic leak checks
against the same tests without lifecycle: CPU time (user + system) of each
whole run, the two run in turn (ABBA), for bench/summarize.py.

    python3 bench/doctest_suite.py BUILD_BENCH_DIR OUT.json [ROUNDS]

BUILD_BENCH_DIR holds lifecycle_bench_doctest_suite and
lifecycle_bench_doctest_suite_plain (bench/CMakeLists.txt). OUT.json is
written in Google Benchmark's format: doctest_suite/lifecycle and
doctest_suite/plain, one entry per run, CPU time per run.
"""
import json
import os
import subprocess
import sys


def cpu_of(argv, env):
    """Runs argv; returns its CPU time in ns. Fails when the run fails."""
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"{argv[0]} failed ({proc.returncode}):\n{err.decode(errors='replace')[-2000:]}")
    return (usage.ru_utime + usage.ru_stime) * 1e9


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    build, out = sys.argv[1], sys.argv[2]
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    env = dict(os.environ)
    env.pop("LIFECYCLE_DETECT_LEAKS", None)
    runs = {
        "doctest_suite/lifecycle": [os.path.join(build, "lifecycle_bench_doctest_suite"), "--lifecycle-detect-leaks"],
        "doctest_suite/plain": [os.path.join(build, "lifecycle_bench_doctest_suite_plain")],
    }
    names = list(runs)
    # The negative control: with a planted leak the leak checks fail the run.
    planted = subprocess.run(runs["doctest_suite/lifecycle"], env=dict(env, BENCH_PLANT_LEAK="1"),
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if planted.returncode == 0 or b"leak" not in planted.stderr.lower():
        sys.exit("the doctest suite with a planted leak passed: lifecycle's leak checks are not on")
    for argv in runs.values():
        cpu_of(argv, env)  # warm: page cache, first-run costs
    benchmarks = []
    for r in range(rounds):
        order = names if r % 2 == 0 else names[::-1]
        for name in order:
            ns = cpu_of(runs[name], env)
            benchmarks.append({"name": name, "run_name": name, "run_type": "iteration", "iterations": 1,
                               "cpu_time": ns, "real_time": ns, "time_unit": "ns"})
    with open(out, "w") as f:
        json.dump({"context": {}, "benchmarks": benchmarks}, f, indent=1)


if __name__ == "__main__":
    main()
