#!/usr/bin/env python3
# SPDX-License-Identifier: BSL-1.0
"""Instructions per operation under callgrind: the noise-free check of the
ratios bench/run measures in time (use it when the machine is loaded).

    python3 bench/instructions.py [build/bench/bench/lifecycle_bench]

Runs each benchmark once under valgrind --tool=callgrind, counting only inside
the benchmark function, and divides by the number of calls of a function that
runs once per operation (Google Benchmark's iteration counts do not cover its
estimation runs). Instructions are not time: a locked instruction or rdtsc
counts 1 here and costs 10-40 cycles; compare like with like.
"""
import os
import re
import subprocess
import sys
import tempfile

# The stack benchmarks check their frames every time Google Benchmark calls
# them (check_same_frames: a capture of 128 frames by each side, the first
# walk of the unwinder): its instructions and the operations it runs are
# taken out; lifecycle's own create runs in every check too.
CHECK = r"check_same_frames\("

# (benchmark, function run once per operation, calls that are not operations:
# 0, or (a function whose cost is taken out, the operations each call runs))
CASES = [
    ("create_destroy/unique_ptr_int_heap/threads:1", r"operator new\(unsigned long\)", 0),
    ("create_destroy/tracked_off/threads:1", r"registry::enroll\(", 0),
    ("create_destroy/tracked_site/threads:1", r"registry::enroll\(", 0),
]
for depth in (8, 32):
    for bench, op in (("boost_safe_dump_to", r"safe_dump_create_destroy\(\)"),
                      ("boost_stacktrace", r"stacktrace_create_destroy\(\)"), ("lifecycle_capture", r"lc_capture\(\)"),
                      ("tracked_stack", r"lc_create_destroy\(\)")):
        CASES.append((f"stack/{bench}/{depth}", op, (CHECK, 2 if bench == "tracked_stack" else 1)))
BASELINE = {
    "create_destroy/tracked_off/threads:1": "create_destroy/unique_ptr_int_heap/threads:1",
    "create_destroy/tracked_site/threads:1": "create_destroy/unique_ptr_int_heap/threads:1",
    "stack/boost_stacktrace/8": "stack/boost_safe_dump_to/8",
    "stack/lifecycle_capture/8": "stack/boost_safe_dump_to/8",
    "stack/tracked_stack/8": "stack/boost_safe_dump_to/8",
    "stack/boost_stacktrace/32": "stack/boost_safe_dump_to/32",
    "stack/lifecycle_capture/32": "stack/boost_safe_dump_to/32",
    "stack/tracked_stack/32": "stack/boost_safe_dump_to/32",
}


def measure(binary, name, per_op, extra_calls, tmp):
    out = os.path.join(tmp, "cg.out")
    subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", "--toggle-collect=*BM_*",
                    binary, f"--benchmark_filter=^{re.escape(name)}$", "--benchmark_min_time=0.2"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    text = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--tree=calling", "--threshold=100", out], check=True,
                          capture_output=True, text=True).stdout
    total = None

    def edges_into(function):
        # Every call edge into `function` (one line under each caller): the
        # calls and their inclusive instructions, summed.
        calls = cost = 0
        for line in text.splitlines():
            m = re.match(r"^\s*([\d,]+) \([\d. ]+%\)\s+>\s+(.*)\(([\d,]+)x\)", line)
            if m and re.search(function, m.group(2)):
                cost += int(m.group(1).replace(",", ""))
                calls += int(m.group(3).replace(",", ""))
        return calls, cost

    for line in text.splitlines():
        if "PROGRAM TOTALS" in line:
            total = int(line.split()[0].replace(",", ""))
    calls = edges_into(per_op)[0]
    if isinstance(extra_calls, tuple) and total:
        checks, cost = edges_into(extra_calls[0])
        total -= cost
        extra_calls = checks * extra_calls[1]
    return total / (calls - extra_calls)


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "build", "bench", "bench", "lifecycle_bench")
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, per_op, extra in CASES:
            results[name] = measure(binary, name, per_op, extra, tmp)
            base = BASELINE.get(name)
            ratio = ""
            if base and results.get(base) and results[name]:
                ratio = f"{results[name] / results[base]:.2f}x {base.split('/')[1]}"
            ir = f"{results[name]:,.0f}" if results[name] else "?"
            print(f"{name:<46} {ir:>8} instructions/op  {ratio}", flush=True)


if __name__ == "__main__":
    main()
