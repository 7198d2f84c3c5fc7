#!/usr/bin/env python3
# SPDX-License-Identifier: BSL-1.0
"""tests/programs/reporter_xml.py — a test framework's XML report, read by a
real XML parser, shows lifecycle's leak failures as failures of their test
cases (JUnit, doctest's and Catch2's XML, GoogleTest's XML).

    reporter_xml.py --xml stdout|FILE --fail NAME [--fail NAME...]
                    [--pass NAME...] [--reason NAME=TEXT...] [--summary] -- PROGRAM ARGS...

Runs PROGRAM with ARGS; reads the report from its stdout (--xml stdout: the
whole stdout must be one XML document, so nothing else may write there) or
from FILE, which the program writes (a reporter's output option in ARGS).
Every --fail NAME must be a test case with a failure (in one of its
subcases or sections, at least), every --pass NAME one without. A NAME matches a test case's `name`, or `classname.name` (JUnit's
and GoogleTest's suites), or its first part before '/' (sections). The
program's exit code must be non-zero when a --fail is given; --reason NAME=TEXT:
the test case NAME's failure, as the parser decodes it (text and attributes
of the test case's elements), contains TEXT; with --summary,
the automatic mode's end-of-run summary must be on stderr. Exit status: 0
when all holds, 1 otherwise (each problem on stderr).
"""
import argparse
import os
import subprocess
import sys
import xml.etree.ElementTree as ET


def decoded_text(e):
    """Every text and attribute value under `e`, as the parser decoded them."""
    parts = list(e.itertext())
    for d in e.iter():
        parts.extend(d.attrib.values())
    return "\n".join(parts)


def cases(root):
    """Yields (names a test case answers to, failed, decoded text) for each test case."""
    for e in root.iter():
        tag = e.tag
        if tag == "testcase":  # JUnit (doctest, Catch2), GoogleTest
            failed = any(c.tag in ("failure", "error") for c in e)
        elif tag == "TestCase":  # doctest -r=xml, Catch2 -r xml
            r = e.find("OverallResultsAsserts")  # doctest
            if r is not None:
                failed = r.get("test_case_success") == "false"
            else:
                r = e.find("OverallResult")  # Catch2
                failed = r is not None and r.get("success") == "false"
        else:
            continue
        name = e.get("name", "")
        names = {name, name.split("/")[0]}
        if e.get("classname"):
            names.add(e.get("classname") + "." + name)
            names.add(e.get("classname").split(".")[-1] + "." + name)
        yield names, failed, decoded_text(e)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--xml", required=True)
    ap.add_argument("--fail", action="append", default=[])
    ap.add_argument("--pass", dest="passes", action="append", default=[])
    ap.add_argument("--reason", action="append", default=[], help="NAME=TEXT: NAME's failure text contains TEXT")
    ap.add_argument("--summary", action="store_true", help="the automatic mode's summary must be on stderr")
    ap.add_argument("command", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    command = a.command[1:] if a.command[:1] == ["--"] else a.command
    if not command:
        ap.error("give the program after --")
    if a.xml != "stdout" and os.path.exists(a.xml):
        os.remove(a.xml)
    run = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    problems = []
    try:
        if a.xml == "stdout":
            root = ET.fromstring(run.stdout)
        else:
            root = ET.parse(a.xml).getroot()
    except (ET.ParseError, OSError) as e:
        head = run.stdout[:400].decode("utf-8", "replace")
        print(f"reporter_xml: the report does not parse: {e}\n---- stdout starts ----\n{head}", file=sys.stderr)
        return 1
    found = list(cases(root))
    for want, should_fail in [(n, True) for n in a.fail] + [(n, False) for n in a.passes]:
        hits = [failed for names, failed, _ in found if want in names]
        if not hits:
            problems.append(f"no test case named '{want}' in the report")
        elif (should_fail and not any(hits)) or (not should_fail and any(hits)):
            problems.append(f"'{want}' is {'passing' if should_fail else 'failing'} in the report; expected "
                            f"{'a failure' if should_fail else 'no failure'}")
    for spec in a.reason:
        want, _, text = spec.partition("=")
        texts = [t for names, failed, t in found if want in names and failed]
        if not texts:
            problems.append(f"--reason: no failing test case named '{want}' in the report")
        elif not any(text in t for t in texts):
            problems.append(f"the failure of '{want}' does not contain {text!r} once parsed; it reads:\n" + texts[0][:1500])
    if a.fail and run.returncode == 0:
        problems.append("the program exited 0 although tests failed")
    if a.summary and b"lifecycle: leak checks:" not in run.stderr:
        problems.append("lifecycle's end-of-run summary is not on stderr")
    for p in problems:
        print("reporter_xml: " + p, file=sys.stderr)
    if problems:
        print("---- the program's stderr (tail) ----\n" + run.stderr[-2000:].decode("utf-8", "replace"), file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
