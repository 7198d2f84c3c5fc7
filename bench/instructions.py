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

# The stack benchmarks calibrate (one capture each, at 128 frames) every time
# Google Benchmark calls them: each call of calibrate() is one collect that is
# not an operation. Its instructions stay in the total (under 1% of it).
CALIBRATE = r"calibrate\("

# (benchmark, function run once per operation, calls that are not operations:
# a number, or a function each call of which is one)
CASES = [
    ("create_destroy/unique_ptr_int_heap/threads:1", r"operator new\(unsigned long\)", 0),
    ("create_destroy/tracked_off/threads:1", r"registry::enroll\(", 0),
    ("create_destroy/tracked_site/threads:1", r"registry::enroll\(", 0),
    ("stack/boost_safe_dump_to/8", r"this_thread_frames::collect\(", CALIBRATE),
    ("stack/boost_stacktrace/8", r"this_thread_frames::collect\(", CALIBRATE),
    ("stack/lifecycle_capture/8", r"this_thread_frames::collect\(", CALIBRATE),
    ("stack/tracked_stack/8", r"this_thread_frames::collect\(", CALIBRATE),
    ("stack/boost_safe_dump_to/32", r"this_thread_frames::collect\(", CALIBRATE),
    ("stack/boost_stacktrace/32", r"this_thread_frames::collect\(", CALIBRATE),
    ("stack/lifecycle_capture/32", r"this_thread_frames::collect\(", CALIBRATE),
    ("stack/tracked_stack/32", r"this_thread_frames::collect\(", CALIBRATE),
]
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

    def calls_of(function):
        # The first call edge into `function` in the calling tree: its count.
        for line in text.splitlines():
            if re.search(r"^\s*[\d,]+ \([\d. ]+%\)\s+>\s", line) and re.search(function, line):
                m = re.search(r"\(([\d,]+)x\)", line)
                if m:
                    return int(m.group(1).replace(",", ""))
        return None

    for line in text.splitlines():
        if "PROGRAM TOTALS" in line:
            total = int(line.split()[0].replace(",", ""))
    calls = calls_of(per_op)
    if isinstance(extra_calls, str):
        extra_calls = calls_of(extra_calls)
    if not total or not calls or extra_calls is None or calls <= extra_calls:
        return None
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
