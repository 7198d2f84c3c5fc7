#!/usr/bin/env python3
# SPDX-License-Identifier: BSL-1.0
"""tests/programs/timeline_lines.py — the timeline a test program appends to
LIFECYCLE_REPORT_FILE in automatic mode: one "test" line per test (pass),
each valid JSON in strict UTF-8, with per-kind counts (docs/report-schema.md).

    timeline_lines.py [--tests N] [--expect 'NAME|KIND|FIELD|VALUE'...] -- PROGRAM ARGS...

Runs PROGRAM with LIFECYCLE_REPORT_FILE set to a fresh file. --tests N: at
least N "test" lines. --expect: the first "test" line named NAME has, for
KIND, FIELD (live, peak, created, closed) equal to VALUE; NAME|-|FIELD|VALUE
checks a field of the line itself (failed, allowed, leaked). Exit status 0
when all holds, 1 otherwise (each problem on stderr).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tests", type=int, default=1)
    ap.add_argument("--expect", action="append", default=[])
    ap.add_argument("command", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    command = a.command[1:] if a.command[:1] == ["--"] else a.command
    fd, path = tempfile.mkstemp(suffix=".jsonl")
    os.close(fd)
    os.remove(path)
    env = dict(os.environ, LIFECYCLE_REPORT_FILE=path)
    run = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    problems = []
    lines = []
    try:
        with open(path, "rb") as f:
            for n, raw in enumerate(f, 1):
                try:
                    lines.append(json.loads(raw.decode("utf-8", "strict")))
                except (UnicodeDecodeError, json.JSONDecodeError) as e:
                    problems.append(f"line {n} is not JSON in UTF-8: {e}")
        os.remove(path)
    except OSError as e:
        problems.append(f"no report file: {e}")
    tests = [l for l in lines if l.get("type") == "test"]
    if len(tests) < a.tests:
        problems.append(f"{len(tests)} test lines, expected at least {a.tests}")
    for t in tests:
        for key in ("schema", "name", "file", "line", "failed", "allowed", "leaked", "time", "duration_seconds",
                    "executable", "pid", "start_time", "host", "kinds"):
            if key not in t:
                problems.append(f"test line '{t.get('name')}' has no '{key}'")
        if t.get("schema") != 2 or not isinstance(t.get("duration_seconds"), (int, float)) or t["duration_seconds"] < 0:
            problems.append(f"test line '{t.get('name')}': bad schema or duration")
    for spec in a.expect:
        name, kind, field, value = spec.split("|")
        line = next((t for t in tests if t.get("name") == name), None)
        if line is None:
            problems.append(f"no test line named '{name}'; names: {[t.get('name') for t in tests]}")
            continue
        if kind == "-":
            got = line.get(field)
            if str(got).lower() != value.lower():
                problems.append(f"'{name}': {field} is {got}, expected {value}")
            continue
        entry = next((k for k in line.get("kinds", []) if k.get("kind") == kind), None)
        if entry is None:
            problems.append(f"'{name}': no kind '{kind}' in {line.get('kinds')}")
        elif str(entry.get(field)) != value:
            problems.append(f"'{name}': {kind} {field} is {entry.get(field)}, expected {value} ({entry})")
    for p in problems:
        print("timeline_lines: " + p, file=sys.stderr)
    if problems:
        print("---- the program's stderr (tail) ----\n" + run.stderr[-1500:].decode("utf-8", "replace"), file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
