#!/usr/bin/env python3
# SPDX-License-Identifier: BSL-1.0
"""tests/report_tool/check.py — tests of tools/lifecycle-report on the reports of
real test binaries of the suite (tests/report_tool/tests.cmake registers them).

    check.py shards  --work DIR --bin NAME=PATH...   runs the binaries: two shard files
    check.py CHECK   --work DIR --tool PATH --source-root DIR [--schema FILE]

CHECK is one of merge, sarif, github, junit, compare, bad-input, html, symbolize. Each prints
what it checked; a check that cannot run here prints one "SKIP: why" line and exits
77 (CTest's SKIP_RETURN_CODE). Exit status 1 when anything did not hold.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

SKIP = 77
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what)
    return cond


def skip(why):
    print("SKIP: " + why)
    sys.exit(SKIP)


def run(cmd, env=None, expect=None):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    out, err = p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")
    if expect is not None and p.returncode != expect:
        check(False, "%s exited %d, not %d; stderr:\n%s" % (" ".join(cmd), p.returncode, expect, err))
    return p.returncode, out, err


# ---- the shards: what real binaries wrote ---------------------------------------------

# Shard 1 is a doctest process pair, shard 2 a GoogleTest one: the per-request sessions
# and the engine re-created on every tick (examples/*_stories), and the leaks of the
# automatic modes (tests/programs/*_auto), which share a creation site across both.
# tests/report_tool/allowed.cpp adds a report with allow rules and a limit exceeded.
SHARDS = {"shard-doctest.jsonl": ["doctest_stories", "doctest_auto", "allowed"],
          "shard-gtest.jsonl": ["gtest_stories", "gtest_auto", "allowed"]}
PASSING = {"allowed"}  # its leak scope prints; the others fail their leaking tests


def run_binary(path, report, extra_env=None, args=(), must_fail=True):
    env = dict(os.environ, LIFECYCLE_CAPTURE="stack", LIFECYCLE_DETECT_LEAKS="1",
               LIFECYCLE_MAX_LIVE="db engine=2", LIFECYCLE_REPORT_FILE=report)
    env.update(extra_env or {})
    code, out, err = run([path] + list(args), env=env)
    check((code != 0) == must_fail, "%s exits %d: %s" % (path, code, "its leaking tests fail" if must_fail else "0"))


def cmd_shards(a):
    bins = dict(b.split("=", 1) for b in a.bin)
    os.makedirs(a.work, exist_ok=True)
    for shard, names in SHARDS.items():
        path = os.path.join(a.work, shard)
        if os.path.exists(path):
            os.remove(path)
        for n in names:
            run_binary(bins[n], path, must_fail=n not in PASSING)
        check(os.path.getsize(path) > 0, "%s has report lines" % path)
    # compare's inputs: the doctest program limited to one leaking test case (the
    # baseline), to two (a grown group), and whole (new groups); and the same run twice.
    for name, tc in (("baseline", "leaking test case"), ("grown", "leaking test case*"), ("new", None)):
        path = os.path.join(a.work, "compare-%s.jsonl" % name)
        if os.path.exists(path):
            os.remove(path)
        run_binary(bins["doctest_auto"], path, args=["--test-case=" + tc] if tc else [])
    # Offline symbolization: the same example built without in-process symbolizing,
    # run from a copy that the symbolize check later replaces by a rebuilt binary.
    if "unsymbolized" in bins:
        d = os.path.join(a.work, "offline")
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        exe = os.path.join(d, "doctest_stories")
        shutil.copy2(bins["unsymbolized"], exe)
        shutil.copy2(bins["rebuilt"], exe + ".rebuilt")
        run_binary(exe, os.path.join(d, "offline.jsonl"))
        run_binary(bins["doctest_stories"], os.path.join(d, "in-process.jsonl"))
    # Inline frames: creations that -O2 inlined into one caller (tests/programs/inlined.cpp).
    if "inlined" in bins:
        path = os.path.join(a.work, "inlined.jsonl")
        run_binary(bins["inlined"], os.path.join(a.work, "inlined.scope.jsonl"), args=[path], must_fail=False)
        check(os.path.exists(path), "%s was written" % path)
    print("shards written to", a.work)


def lines(path):
    """The leak reports of a report file (its timeline lines, "type":"test" or "scope", left out)."""
    with open(path, encoding="utf-8", errors="replace") as f:
        return [o for o in (json.loads(l) for l in f if l.strip()) if o.get("type", "report") == "report"]


def shard_paths(a):
    paths = [os.path.join(a.work, s) for s in SHARDS]
    for p in paths:
        if not os.path.exists(p):
            skip("%s is missing: the report_tool.shards test writes it" % p)
    return paths


def merged(a, inputs=None):
    code, out, err = run(a.tool + ["merge"] + (inputs or shard_paths(a)), expect=0)
    check(err == "", "merge of real shards says nothing on stderr, said: " + err)
    return json.loads(out)


def reports_of(paths):
    return [r for p in paths for r in lines(p) if r.get("type", "report") == "report"]


# ---- checks ---------------------------------------------------------------------------------

def cmd_merge(a):
    paths = shard_paths(a)
    raw = reports_of(paths)
    m = merged(a)
    groups = m["groups"]
    fps = [g["fingerprint"] for g in groups]
    check(len(fps) == len(set(fps)), "one group per fingerprint, got %s" % fps)
    check(sorted(fps) == sorted({g["fingerprint"] for r in raw for g in r["groups"]}),
          "every fingerprint of the shards is a group")
    # Groups whose fingerprint two shards share are one, with what both saw.
    per_shard = [{g["fingerprint"] for r in lines(p) for g in r["groups"]} for p in paths]
    shared = per_shard[0] & per_shard[1]
    check(len(shared) >= 2, "the doctest and GoogleTest shards share creation sites (sessions, configs): %s" % shared)
    for g in groups:
        contributions = [(r, rg) for r in raw for rg in r["groups"] if rg["fingerprint"] == g["fingerprint"]]
        tests = sorted({r.get("test") or r["scope"] for r, _ in contributions})
        check(sorted(g["tests"]) == tests, "group %s lists the tests it appeared in: %s, not %s"
              % (g["fingerprint"], g["tests"], tests))
        check(g["reports"] == len(contributions), "group %s: %d reports" % (g["fingerprint"], len(contributions)))
        check(g["weight"] == sum(rg["weight"] for _, rg in contributions), "group %s: weights summed" % g["fingerprint"])
        if all(r.get("schema") == 1 for r, _ in contributions):  # no process identity: counts summed
            check(g["count"] == sum(rg["count"] for _, rg in contributions),
                  "group %s: counts summed, %d" % (g["fingerprint"], g["count"]))
        else:  # schema 2: a resource two scopes of one process reported is one
            distinct = {(r["host"], r["pid"], r["start_time"], o) for r, rg in contributions for o in rg["ordinals"]}
            check(g["count"] == len(distinct), "group %s: %d distinct resources, not %d"
                  % (g["fingerprint"], len(distinct), g["count"]))
            check(sorted(g["hosts"]) == sorted({r["host"] for r, _ in contributions}), "group %s: its hosts" % g["fingerprint"])
        if g["fingerprint"] in shared:
            check(len(g["processes"]) >= 2, "shared group %s names both processes: %s" % (g["fingerprint"], g["processes"]))
        # Every distinct stack of every report, equal ones as one with their counts summed.
        listed = [s for _, rg in contributions for s in rg.get("stacks", [])]
        check(all(rg.get("distinct_stacks") == len(rg.get("stacks", [])) for _, rg in contributions),
              "group %s: each report lists every distinct stack" % g["fingerprint"])
        check(sum(s["count"] for s in g["stacks"]) == sum(s["count"] for s in listed) and
              len(g["stacks"]) == len({json.dumps(s["frames"], sort_keys=True) for s in listed}) == g["distinct_stacks"],
              "group %s: %d stacks, counts summed: %s" % (g["fingerprint"], len(g["stacks"]), [s["count"] for s in g["stacks"]]))
        check([s["count"] for s in g["stacks"]] == sorted((s["count"] for s in g["stacks"]), reverse=True),
              "group %s: stacks most common first" % g["fingerprint"])
    sessions = [g for g in groups if g["kind"] == "socket"]
    check(len(sessions) == 1 and sessions[0]["count"] == 100 and sessions[0]["site"]["function"] == "send_request",
          "the per-request sessions of both shards are one group of 100 created in send_request")
    if sessions:
        check({"client sends 50 requests", "client.sends_50_requests"} <= set(sessions[0]["tests"]),
              "the session group names the doctest and the GoogleTest test")
        check([s["count"] for s in sessions[0]["stacks"]] == [50, 50],
              "the session group keeps the stack of each binary, 50 each: %s" % [s["count"] for s in sessions[0]["stacks"]])
    # Ranked as the in-process report ranks: total weight, then count.
    keys = [(g["weight"], g["count"]) for g in groups]
    check(keys == sorted(keys, reverse=True), "groups ranked by weight, then count: %s" % keys)
    check(m["count"] == sum(g["count"] for g in groups), "the total is the groups' sum")
    # Allow rules and limits: one entry per rule, their counts summed over the reports.
    rules = {}
    for r in raw:
        for al in r["allowed"]:
            rules.setdefault((al["rule"], al["reason"]), []).append(al["count"])
    check(len(rules) >= 2 and [(x["rule"], x["reason"], x["count"], x["reports"]) for x in m["allowed"]] ==
          [(k[0], k[1], sum(v), len(v)) for k, v in rules.items()], "allow rules merged with their counts: %s" % m["allowed"])
    check(any(x["count"] == 0 for x in m["allowed"]), "a rule that allowed nothing is kept (stale rules show)")
    limits = [l for r in raw for l in r["limits_exceeded"]]
    check(limits and [(x["kind"], x["count"]) for x in m["limits_exceeded"]] == [(limits[0]["kind"], sum(l["count"] for l in limits))],
          "the exceeded limit, merged: %s" % m["limits_exceeded"])
    # Merging a merged report with nothing else changes nothing; merging it twice doubles.
    again = os.path.join(a.work, "merged.json")
    with open(again, "w") as f:
        json.dump(m, f)
    m2 = merged(a, [again])
    check([(g["fingerprint"], g["count"]) for g in m2["groups"]] == [(g["fingerprint"], g["count"]) for g in groups],
          "a merged report read back is the same report")
    m3 = merged(a, [again, again])
    check([g["count"] for g in m3["groups"]] == [2 * g["count"] for g in groups], "two merged reports add up")
    # The text looks like the in-process report: count x kind, created at, stack, SUMMARY.
    code, text, err = run(a.tool + ["render", "--format", "text", "--source-root", a.source_root] + paths, expect=0)
    check(re.search(r"^100 x socket 'session 1', 'session 2', 'session 3' and 47 more$", text, re.M),
          "text: the session group's first line")
    check(re.search(r"^  created at send_request \(examples/stories\.hpp:\d+\)$", text, re.M),
          "text: its site relative to the source root")
    check(re.search(r"^    #0 stories::ipc_client::send_request\(.*\) at examples/stories\.hpp:\d+$", text, re.M),
          "text: its stack")
    check(re.search(r"^  stack 1, 50 resources:\n    #0 .*\n(    #.*\n)*  stack 2, 50 resources:$", text, re.M),
          "text: the session group's two stacks (one per binary) with their counts")
    code, one, err = run(a.tool + ["render", "--format", "text", "--max-stacks", "1", "--source-root", a.source_root] + paths,
                         expect=0)
    check(re.search(r"^  \(1 more stack of 50 resources; --max-stacks 0 shows every listed stack\)$", one, re.M)
          and not re.search(r"^  stack 2,", one, re.M), "text: --max-stacks 1 shows one and a line for the rest")
    check(re.search(r"^SUMMARY: lifecycle: %d leaked resources in %d groups" % (m["count"], len(groups)), text, re.M),
          "text: the SUMMARY line")
    # A leak scope's timeline line ("scope", record_timeline) is a point of the timeline like a test's.
    scoped = os.path.join(a.work, "scope-timeline.jsonl")
    facts = {"schema": 2, "pid": 1, "host": "h", "start_time": "2026-12-02T18:21:40Z", "executable": "/x"}
    with open(scoped, "w") as f:
        for kind, name in (("scope", "warm-up"), ("test", "after warm-up")):
            f.write(json.dumps(dict(facts, type=kind, name=name, duration_seconds=0.1,
                                    kinds=[{"kind": "fd", "live": 3, "peak": 5, "created": 4, "closed": 1}])) + "\n")
    code, out, err = run(a.tool + ["merge", scoped])
    check(code == 0 and err == "", "a scope line is read: exit %d, %s" % (code, err))
    check([t["test"] for t in json.loads(out).get("timeline", [])] == ["warm-up", "after warm-up"],
          "a scope line is a point of the timeline: %s" % out[:300])
    print("merge: %d groups from %d reports of %d files" % (len(groups), len(raw), len(paths)))


def cmd_sarif(a):
    paths = shard_paths(a)
    m = merged(a)
    code, out, err = run(a.tool + ["render", "--format", "sarif", "--source-root", a.source_root] + paths, expect=0)
    doc = json.loads(out)
    results = doc["runs"][0]["results"]
    check(len(results) == len(m["groups"]), "one result per group")
    rules = doc["runs"][0]["tool"]["driver"]["rules"]
    check(len({r["id"] for r in rules}) == len({g["kind"] for g in m["groups"]}), "one rule per kind")
    for r, g in zip(results, m["groups"]):
        check(r["partialFingerprints"]["lifecycleFingerprint/v1"] == g["fingerprint"], "the fingerprint, in rank order")
        check(rules[r["ruleIndex"]]["id"] == r["ruleId"] and g["kind"] in rules[r["ruleIndex"]]["shortDescription"]["text"],
              "result %s: its rule is its kind's" % g["fingerprint"])
        loc = r["locations"][0]["physicalLocation"]
        rel = os.path.relpath(g["site"]["file"], a.source_root)
        check(loc["artifactLocation"] == {"uri": rel, "uriBaseId": "SRCROOT"} and loc["region"]["startLine"] == g["site"]["line"],
              "result %s: the creation site %s:%d, relative to SRCROOT" % (g["fingerprint"], rel, g["site"]["line"]))
        check(str(g["count"]) in r["message"]["text"] and ("weight %d" % g["weight"]) in r["message"]["text"],
              "result %s: the count and weight in the message" % g["fingerprint"])
        flow = r["codeFlows"][0]["threadFlows"][0]["locations"]
        check([l["location"]["message"]["text"] for l in flow] == [f["function"] for f in reversed(g["frames"])],
              "result %s: the stack as a code flow, outermost first" % g["fingerprint"])
    if not a.schema or not os.path.isfile(a.schema):
        skip("SARIF not validated: no schema at '%s' (set LIFECYCLE_SARIF_SCHEMA or put it at "
             "../shared/schemas/sarif-schema-2.1.0.json beside the source tree); the rest held" % a.schema)
    try:
        import jsonschema
    except ImportError:
        skip("SARIF not validated: python3-jsonschema is not installed; the rest held")
    with open(a.schema) as f:
        schema = json.load(f)
    errors = list(jsonschema.Draft4Validator(schema).iter_errors(doc))
    check(not errors, "SARIF validates against %s: %s" % (a.schema, [e.message for e in errors[:5]]))
    # Negative control: the validator does reject a broken document.
    broken = json.loads(out)
    broken["runs"][0]["results"][0]["level"] = "fatal"
    check(list(jsonschema.Draft4Validator(schema).iter_errors(broken)), "the validator rejects an unknown level")
    print("sarif: %d results, %d rules, valid against %s" % (len(results), len(rules), a.schema))


def cmd_github(a):
    paths = shard_paths(a)
    m = merged(a)
    code, out, err = run(a.tool + ["render", "--format", "github", "--source-root", a.source_root] + paths, expect=0)
    got = out.split("\n")
    check(got[-1] == "", "annotations end with a newline")
    got = got[:-1]
    errors = [l for l in got if l.startswith("::error ")]
    check(len(errors) == len(m["groups"]) + len(m["limits_exceeded"]), "one ::error per group and per exceeded limit")
    pattern = re.compile(r"^::error file=([^,:]+),line=(\d+),title=([^:,]+)::(.+)$")
    for l, g in zip(errors, m["groups"]):
        mm = pattern.match(l)
        if not check(mm, "annotation syntax: %r" % l):
            continue
        rel = os.path.relpath(g["site"]["file"], a.source_root)
        check(mm.group(1) == rel and int(mm.group(2)) == g["site"]["line"], "%s: file=%s line=%s" % (g["fingerprint"], rel, g["site"]["line"]))
        check(os.path.isfile(os.path.join(a.source_root, mm.group(1))), "the annotated file exists in the source tree")
        body = mm.group(4)
        check("\n" not in body and "%0A" in body, "the stack is on the same line, newlines as %0A")
        decoded = body.replace("%0A", "\n").replace("%0D", "\r").replace("%25", "%")
        check(decoded.startswith("%d x %s" % (g["count"], g["kind"])), "%s: the message starts with count x kind" % g["fingerprint"])
        check(all(f["function"] in decoded for f in g["frames"]), "%s: every frame in the message" % g["fingerprint"])
    check(all(l.startswith(("::error ", "::notice ")) for l in got), "nothing but workflow commands")
    print("github: %d annotations checked line by line" % len(errors))


def cmd_junit(a):
    paths = shard_paths(a)
    m = merged(a)
    out_file = os.path.join(a.work, "leaks.junit.xml")
    run(a.tool + ["render", "--format", "junit", "--source-root", a.source_root, "-o", out_file] + paths, expect=0)
    root = ET.parse(out_file).getroot()
    cases = list(root.iter("testcase"))
    check(len(cases) == len(m["groups"]), "one test case per group")
    for c, g in zip(cases, m["groups"]):
        f = c.find("failure")
        check(f is not None and ("%d x %s" % (g["count"], g["kind"])) in f.get("message"), "%s fails with its count and kind" % g["fingerprint"])
        check(g["fingerprint"] in c.get("name"), "the test case is named with its fingerprint")
        check(c.get("file") == os.path.relpath(g["site"]["file"], a.source_root), "the test case's file")
    suite = root.find("testsuite")
    check(suite.get("failures") == str(len(m["groups"])), "the suite counts its failures")
    # No leak: one passing test case, so that a CI that reads JUnit sees a run.
    empty = os.path.join(a.work, "empty-report.jsonl")
    with open(empty, "w") as f:
        f.write(json.dumps({"schema": 1, "scope": "clean", "count": 0, "weight": 0, "capture": "stack",
                            "groups": [], "allowed": [], "limits_exceeded": []}) + "\n")
    code, out, err = run(a.tool + ["render", "--format", "junit", empty], expect=0)
    r2 = ET.fromstring(out)
    check([c.find("failure") for c in r2.iter("testcase")] == [None], "a clean run is one passing test case")
    print("junit: %d test cases parsed" % len(cases))


def cmd_compare(a):
    base, grown, new = (os.path.join(a.work, "compare-%s.jsonl" % n) for n in ("baseline", "grown", "new"))
    for p in (base, grown, new):
        if not os.path.exists(p):
            skip("%s is missing: the report_tool.shards test writes it" % p)
    code, out, err = run(a.tool + ["compare", "--baseline", base, base])
    check(code == 0 and "0 new, 0 grown" in out, "the baseline against itself passes: %d %s" % (code, out))
    code, out, err = run(a.tool + ["compare", "--baseline", grown, base])
    check(code == 0 and re.search(r"^shrunk: 2 -> 1 x fd", out, re.M), "fewer leaks than the baseline pass: %d %s" % (code, out))
    code, out, err = run(a.tool + ["compare", "--baseline", base, grown])
    check(code == 1 and re.search(r"^grown: 1 -> 2 x fd", out, re.M), "a grown group fails: %d %s" % (code, out))
    code, out, err = run(a.tool + ["compare", "--baseline", base, new])
    check(code == 1 and re.search(r"^new: .*lifecycle_test::buffer", out, re.M), "a planted new leak fails: %d %s" % (code, out))
    code, out, err = run(a.tool + ["compare", "--baseline", new, base])
    check(code == 0 and re.search(r"^gone: ", out, re.M), "gone groups pass: %d %s" % (code, out))
    # The baseline may be a merged report (what a user commits).
    mfile = os.path.join(a.work, "baseline.merged.json")
    run(a.tool + ["merge", "-o", mfile, new], expect=0)
    code, out, err = run(a.tool + ["compare", "--baseline", mfile, new])
    check(code == 0, "a merged baseline of the same run passes: %d %s %s" % (code, out, err))
    print("compare: baseline passes, grown and new fail, shrunk and gone pass")


def cmd_bad_input(a):
    paths = shard_paths(a)
    good = [json.dumps(o) for o in lines(paths[0])]  # its leak reports (timeline lines have no groups)
    d = os.path.join(a.work, "bad-input")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    older = json.loads(good[0])
    older["schema"] = 0
    damaged = json.loads(good[1])  # one group's count a string, as a hand edit may leave it
    damaged["groups"][0]["count"] = "3"
    files = {
        "truncated.jsonl": [good[0], good[1][:len(good[1]) // 2], good[2]],
        "concatenated.jsonl": [good[0] + good[1], good[2]],
        "older.jsonl": [json.dumps(older), good[1]],
        "not-a-report.json": ['{"name": "package.json", "version": "1.0"}'],
        "empty.jsonl": [],
        "text.jsonl": ["lifecycle: 1 leaked resource in scope 'x'"],
        "damaged.jsonl": [good[2], json.dumps(damaged)],
    }
    expected = {"truncated.jsonl": (2, "truncated"), "concatenated.jsonl": (1, "two JSON objects on one line"),
                "older.jsonl": (1, "schema 0 is older"), "not-a-report.json": (1, "not a lifecycle report"),
                "empty.jsonl": (1, "empty file"), "text.jsonl": (1, "not JSON"),
                "damaged.jsonl": (2, 'group 1 (%s): "count" is "3", not an integer from 0' % damaged["groups"][0]["kind"])}
    for name, content in files.items():
        with open(os.path.join(d, name), "w") as f:
            f.write("".join(l + "\n" for l in content))
    code, out, err = run(a.tool + ["merge", d])
    problems = err.strip().split("\n")
    check(code == 4, "skipped input: exit status 4, got %d" % code)
    check(problems[-1].startswith("lifecycle-report: 7 input problems skipped"), "a count of what was skipped: " + problems[-1])
    for name, (line, what) in expected.items():
        mine = [p for p in problems if p.startswith("lifecycle-report: %s:" % os.path.join(d, name))]
        check(len(mine) == 1, "one stderr line for %s: %s" % (name, mine))
        if mine:
            check(mine[0].startswith("lifecycle-report: %s:%d: " % (os.path.join(d, name), line)) and what in mine[0],
                  "%s: names line %d and says '%s': %s" % (name, line, what, mine[0]))
    # The rest is processed: every good line of the bad files is in the result.
    m = json.loads(out)
    kept = [good[0], good[2], good[2], good[1], good[2]]  # truncated: 0 and 2; concatenated: 2; older: 1; damaged: 2
    check(sum(g["reports"] for g in m["groups"]) == sum(len(json.loads(l)["groups"]) for l in kept) + len(damaged["groups"]) - 1,
          "the %d good lines of the bad files are merged, and the damaged line's other groups" % len(kept))
    # Clean input: exit 0, nothing on stderr (negative control for the status).
    code, out, err = run(a.tool + ["merge"] + paths)
    check(code == 0 and err == "", "clean input: exit 0 and a quiet stderr, got %d %r" % (code, err))
    # A missing module when symbolizing is one line too.
    frameless = json.loads(good[0])
    for g in frameless["groups"]:
        for f in g["frames"]:
            f["function"], f["file"], f["module"] = "", "", "/nonexistent/module.so"
    p = os.path.join(d, "missing-module.jsonl")
    with open(p, "w") as f:
        f.write(json.dumps(frameless) + "\n")
    code, out, err = run(a.tool + ["symbolize", p])
    check(code == 4 and err.count("module '/nonexistent/module.so' not found") == 1 and ":1: " in err,
          "a module that no longer exists: one line naming file and line, exit 4: %d %s" % (code, err))
    check(json.loads(out)["groups"] == frameless["groups"], "its frames are written back unchanged")
    check_hostile_words(a, good[0], d)
    print("bad input: %d files, one stderr line each" % len(files))


HOSTILE = "x\nlifecycle: forged\x1b[2J\x9b"  # a newline, a terminal escape, a C1 control
HOSTILE_SHOWN = "x\\nlifecycle: forged\\x1b[2J\\xc2\\x9b"


def check_hostile_words(a, good, d):
    """Every word a program or a build gave (kind, close call, labels, test names, sites,
    frames, rules) is escaped in the text outputs, as the library's own text does: a newline
    forges no line, an escape repaints no screen nor makes the JUnit XML invalid."""
    r = json.loads(good)
    r["test"] = HOSTILE
    for g in r["groups"]:
        g["kind"] = g["close_call"] = HOSTILE
        g["labels"] = [HOSTILE, HOSTILE + "y" * 300]
        g["site"] = {"file": HOSTILE + ".cpp", "line": 3, "function": HOSTILE}
        for f in g["frames"] + [f for st in g.get("stacks", []) for f in st["frames"]]:
            f["function"], f["file"], f["module"] = HOSTILE, "/src/" + HOSTILE + ".cpp", "/lib/" + HOSTILE + ".so"
        if g["frames"]:  # a frame without line information: its module is shown
            g["frames"][-1]["file"] = ""
        g.pop("stacks", None)
        g["fingerprint"] = HOSTILE
    r["allowed"] = [{"rule": "label '%s'" % HOSTILE, "reason": HOSTILE, "count": 0}]
    p = os.path.join(d, "hostile.jsonl")
    with open(p, "w") as f:
        f.write(json.dumps(r) + "\n")
    raw = lambda t: "\nlifecycle: forged" in t or "\x1b" in t or "\x9b" in t
    code, text, err = run(a.tool + ["render", "--format", "text", p], expect=0)
    check(not raw(text), "text: every hostile word escaped:\n" + text)
    check(("x " + HOSTILE_SHOWN + " '" + HOSTILE_SHOWN + "', '" + HOSTILE_SHOWN + "y") in text, "text: kind and labels shown escaped")
    cut = 200 - len((HOSTILE).encode())  # the label's y that fit in its first 200 bytes
    check(("'" + HOSTILE_SHOWN + "y" * cut + "...(%d bytes cut)'" % (300 - cut)) in text, "text: a label over 200 bytes is cut")
    check((" in /lib/" + HOSTILE_SHOWN + ".so+") in text, "text: a frame's module escaped")
    check(("  created at %s (%s.cpp:3)" % (HOSTILE_SHOWN, HOSTILE_SHOWN)) in text, "text: the site escaped")
    check(("  close with " + HOSTILE_SHOWN) in text, "text: the close call escaped")
    check(HOSTILE_SHOWN + " at /src/" + HOSTILE_SHOWN + ".cpp" in text, "text: frames escaped")
    code, xml, err = run(a.tool + ["render", "--format", "junit", p], expect=0)
    try:
        cases = list(ET.fromstring(xml).iter("testcase"))
        check(len(cases) == len(r["groups"]) and not raw(xml), "junit: valid XML, words escaped")
    except ET.ParseError as e:
        check(False, "junit: the XML does not parse: %s" % e)
    code, gh, err = run(a.tool + ["render", "--format", "github", p], expect=0)
    check(not raw(gh.replace("%0A", "\n")) and gh.count("\n") == len(gh.splitlines()), "github: words escaped, one line each")
    code, page, err = run(a.tool + ["render", "--format", "html", p], expect=0)
    check(not raw(page) and HOSTILE_SHOWN in page, "html: words escaped")
    code, sarif, err = run(a.tool + ["render", "--format", "sarif", p], expect=0)
    texts = []  # every "text" of the log: messages, descriptions, the code flows' steps
    def collect(o):
        if isinstance(o, dict):
            for k, v in o.items():
                if k == "text" and isinstance(v, str):
                    texts.append(v)
                collect(v)
        elif isinstance(o, list):
            for v in o:
                collect(v)
    collect(json.loads(sarif))
    check(texts and not any(raw(t) for t in texts), "sarif: every message text escaped")
    empty = os.path.join(d, "hostile-baseline.jsonl")  # compare: every group of the run is new
    with open(empty, "w") as f:
        f.write(json.dumps(dict(r, groups=[])) + "\n")
    code, diff, err = run(a.tool + ["compare", "--baseline", empty, p], expect=1)
    check(diff.startswith("new: ") and not raw(diff) and ("[" + HOSTILE_SHOWN + "]") in diff, "compare: words escaped")

def readelf_build_id(path):
    """The build id as binutils reads it (not as the tool does)."""
    code, out, err = run(["readelf", "-n", path])
    m = re.search(r"Build ID: ([0-9a-f]+)", out)
    return m.group(1) if m else None


def symbolizers():
    found = [s for s in ("addr2line", "llvm-symbolizer") if shutil.which(s)]
    if not found:
        skip("neither addr2line nor llvm-symbolizer is installed")
    return found


def named_frames(frames):
    return [(f["function"], f["file"], f["line"], bool(f.get("inlined"))) for f in frames]


def cmd_symbolize(a):
    paths = shard_paths(a)
    d = os.path.join(a.work, "symbolize")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    inlined_path = os.path.join(a.work, "inlined.jsonl")
    if os.path.exists(inlined_path):
        paths = paths + [inlined_path]
    reports = [r for p in paths for r in lines(p)]
    # What a build that skips symbolizing in process writes: module and offset only.
    stripped = json.loads(json.dumps(reports))
    modules = set()
    for r in stripped:
        for g in r["groups"]:
            for f in g["frames"] + [f for s in g.get("stacks", []) for f in s["frames"]]:
                f["function"], f["file"], f["line"] = "", "", 0
                modules.add(f["module"])
    check(all(os.path.isabs(m) and os.path.isfile(m) for m in modules), "the modules are files: %s" % modules)
    src = os.path.join(d, "stripped.jsonl")
    with open(src, "w") as f:
        f.write("".join(json.dumps(r) + "\n" for r in stripped))
    compared = compared_inlined = 0
    for sym in symbolizers():
        out = os.path.join(d, "symbolized.%s.jsonl" % sym)
        code, _, err = run(a.tool + ["symbolize", "--symbolizer", sym, "-o", out, src])
        check(code == 0 and err == "", "symbolize with %s: exit %d, %s" % (sym, code, err))
        for before, after in zip(reports, lines(out)):
            for g0, g1 in zip(before["groups"], after["groups"]):
                want, got = named_frames(g0["frames"]), named_frames(g1["frames"])
                # Every stack of the group too: want and got, one after the other.
                for s0, s1 in zip(g0.get("stacks", []), g1.get("stacks", [])):
                    want, got = want + named_frames(s0["frames"]), got + named_frames(s1["frames"])
                check(len(g0.get("stacks", [])) == len(g1.get("stacks", [])), "%s: the stacks stay" % g0["fingerprint"])
                if sym == "llvm-symbolizer":  # its demangler spells some types its own way
                    want = [(fn.split("(")[0], f, l, i) for fn, f, l, i in want]
                    got = [(fn.split("(")[0], f, l, i) for fn, f, l, i in got]
                check(want == got, "%s: %s's frames offline are the in-process ones:\n  %s\n  %s"
                      % (sym, g0["fingerprint"], want, got))
                compared += len(want)
                compared_inlined += sum(1 for w in want if w[3])
    if os.path.exists(inlined_path):
        check(compared_inlined >= 3, "the inline frames of %s were compared: %d" % (inlined_path, compared_inlined))
    # A build id that does not match: refused, one line naming the file and line, frames untouched.
    exe = sorted(modules)[0]
    real = readelf_build_id(exe)
    check(real, "readelf reads a build id of %s" % exe)
    for bid, refused in ((real, False), ("00" * 20, True)):
        with_ids = json.loads(json.dumps(stripped[:1]))
        for g in with_ids[0]["groups"]:
            for f in g["frames"]:
                if f["module"] == exe:
                    f["build_id"] = bid
        p = os.path.join(d, "build-id-%s.jsonl" % ("wrong" if refused else "right"))
        with open(p, "w") as f:
            f.write(json.dumps(with_ids[0]) + "\n")
        code, out, err = run(a.tool + ["symbolize", p])
        frames = [f for g in json.loads(out)["groups"] for f in g["frames"]]
        if refused:
            check(code == 4 and err.count("\n") == 2 and ("%s:1: " % p) in err and "build id" in err and bid in err,
                  "a module with another build id is refused in one line naming file and line: %d %s" % (code, err))
            check(not any(f["function"] for f in frames), "its frames stay unsymbolized")
        else:
            check(code == 0 and err == "" and all(f["function"] for f in frames),
                  "the module with its own build id is symbolized: %d %s" % (code, err))
    print("symbolize: %d frames (%d inlined) of stripped reports equal to the in-process ones (%s); a wrong build id "
          "refused" % (compared, compared_inlined, ", ".join(symbolizers())))
    cmd_symbolize_offline(a)


def cmd_symbolize_offline(a):
    """A binary whose reports have frames without names, symbolized offline, against the
    in-process report of the same source; then the binary rebuilt in its place, refused."""
    d = os.path.join(a.work, "offline")
    offline, reference = os.path.join(d, "offline.jsonl"), os.path.join(d, "in-process.jsonl")
    if not os.path.exists(offline):
        skip("no binary built without in-process symbolizing (LIFECYCLE_STACKTRACE_BACKEND=none or "
             "LIFECYCLE_COMPILED): the offline part is not run")
    raw, ref = lines(offline), lines(reference)
    exe = os.path.join(d, "doctest_stories")
    frames = [f for r in raw for g in r["groups"] for f in g["frames"]]
    check(frames and not any(f["function"] or f["file"] for f in frames),
          "the unsymbolized build's frames have no names (rendering skipped in process)")
    check(all(f["module"] == exe for f in frames[:1]), "its first frame is the program's: %s" % frames[:1])
    with_ids = all(r["schema"] >= 2 for r in raw)  # schema 1 had no build ids
    check(not with_ids or all(f.get("build_id") == readelf_build_id(exe) for f in frames if f["module"] == exe),
          "its frames carry the program's build id")
    by_fp = {g["fingerprint"]: g for r in ref for g in r["groups"]}
    compared = 0
    for sym in symbolizers():
        code, out, err = run(a.tool + ["symbolize", "--symbolizer", sym, offline])
        check(code == 0 and err == "", "symbolize %s with %s: exit %d, %s" % (offline, sym, code, err))
        for r in (json.loads(l) for l in out.split("\n") if l):
            if r.get("type", "report") != "report":
                continue  # a timeline line: nothing to symbolize
            for g in r["groups"]:
                want = by_fp.get(g["fingerprint"])
                if not check(want, "group %s is in the in-process report" % g["fingerprint"]):
                    continue
                w, got = named_frames(want["frames"]), named_frames(g["frames"])
                if sym == "llvm-symbolizer":
                    w = [(fn.split("(")[0], f, l, i) for fn, f, l, i in w]
                    got = [(fn.split("(")[0], f, l, i) for fn, f, l, i in got]
                check(w == got, "%s: the offline frames of %s are the in-process ones:\n  %s\n  %s" % (sym, g["fingerprint"], w, got))
                compared += len(w)
    if check(with_ids, "the library writes schema 2 lines, with build ids"):
        check_rebuilt_refused(a, exe, offline, frames[0])
    # The module gone: one line too.
    os.remove(exe)
    code, out, err = run(a.tool + ["symbolize", offline])
    check(code == 4 and ("module '%s' not found" % exe) in err, "a module that no longer exists: %d %s" % (code, err))
    print("symbolize offline: %d frames of a build without in-process names equal the in-process report's; "
          "the missing module named" % compared)


def check_rebuilt_refused(a, exe, offline, frame):
    """Rebuilt in place (another build id): refused, in one line naming the report's file and line."""
    shutil.copy2(exe + ".rebuilt", exe)
    check(readelf_build_id(exe) != frame.get("build_id"), "the rebuilt binary has another build id")
    code, out, err = run(a.tool + ["symbolize", offline])
    problems = [l for l in err.split("\n") if l and "input problem" not in l]
    check(code == 4 and len(problems) == 1 and problems[0].startswith("lifecycle-report: %s:1: " % offline)
          and "build id" in problems[0], "the rebuilt binary is refused, once: %d %s" % (code, err))
    check(not any(f["function"] for l in out.split("\n") if l for g in json.loads(l).get("groups", []) for f in g["frames"]),
          "nothing is symbolized with the wrong binary")
    print("symbolize offline: the rebuilt binary (build id %s, the report's %s) refused"
          % (readelf_build_id(exe), frame.get("build_id")))


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        p = shutil.which(name)
        if p:
            return p
    return None


class Element:
    def __init__(self, tag, attrs):
        self.tag, self.attrs = tag, dict(attrs)

    def get(self, name):
        return self.attrs.get(name)


def dom_elements(text):
    """Every element of an HTML document, in document order."""
    from html.parser import HTMLParser

    found = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append(Element(tag, attrs))

        handle_startendtag = handle_starttag

    Collect().feed(text)
    return found


def dom_table_cells(text, table_id):
    """The rows of the table with this id, each a list of its cells' text."""
    from html.parser import HTMLParser

    rows = []

    class Cells(HTMLParser):
        inside, cell = False, None

        def handle_starttag(self, tag, attrs):
            if tag == "table" and dict(attrs).get("id") == table_id:
                self.inside = True
            elif self.inside and tag == "tr":
                rows.append([])
            elif self.inside and tag in ("td", "th"):
                self.cell = ""

        def handle_endtag(self, tag):
            if tag == "table":
                self.inside = False
            elif self.inside and tag in ("td", "th") and self.cell is not None:
                rows[-1].append(self.cell)
                self.cell = None

        def handle_data(self, data):
            if self.cell is not None:
                self.cell += data

    Cells(convert_charrefs=True).feed(text)
    return rows


def cmd_html(a):
    paths = shard_paths(a)
    m = merged(a)
    page = os.path.join(a.work, "leaks.html")
    run(a.tool + ["render", "--format", "html", "--source-root", a.source_root, "-o", page] + paths, expect=0)
    text = open(page, encoding="utf-8").read()
    # Self-contained: nothing fetched from anywhere.
    check(not re.search(r"<script[^>]*\bsrc=|<link\b|@import|url\(|<img\b|@font-face", text, re.I),
          "the page loads no script, style sheet, font or image")
    check(not re.search(r"(src|href)=\"(https?:)?//", text), "no network address")
    exe = chromium()
    if not exe:
        skip("Chromium is not installed (Debian: chromium): the page was written to %s but not opened" % page)
    profile = tempfile.mkdtemp(prefix="lifecycle-chromium-")
    flags = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--user-data-dir=" + profile, "--window-size=1100,900"]
    try:
        shot = os.path.join(a.work, "leaks.png")
        if os.path.exists(shot):
            os.remove(shot)
        code, out, err = run(flags + ["--screenshot=" + shot, "file://" + page])
        check(code == 0 and os.path.exists(shot), "Chromium took a screenshot (exit %d): %s" % (code, err[-500:]))
        if os.path.exists(shot):
            with open(shot, "rb") as f:
                check(f.read(8) == b"\x89PNG\r\n\x1a\n" and os.path.getsize(shot) > 10000, "the screenshot is a PNG with content")
        code, dom, err = run(flags + ["--dump-dom", "file://" + page])
        check(code == 0 and "</html>" in dom, "Chromium dumped the DOM (exit %d)" % code)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    # Chromium's DOM, not the file: what the browser built from it (HTML, not XML).
    elements = dom_elements(dom)
    polylines = [e for e in elements if e.tag == "polyline"]
    tests = m["timeline"] if m["timeline"] else m["report_lines"]
    kinds = sorted({k for t in m["timeline"] for k in t["kinds"]} if m["timeline"]
                   else {k for r in m["report_lines"] for k in r["counts"]})
    check(sorted(p.get("data-kind") for p in polylines) == kinds, "one line per kind: %s, not %s"
          % ([p.get("data-kind") for p in polylines], kinds))
    for p in polylines:
        n = len(p.get("points").split())
        check(n == len(tests), "line %s has %d points, one per test (%d)" % (p.get("data-kind"), n, len(tests)))
    titles = [e for e in elements if e.tag == "circle"]
    check({c.get("data-test") for c in titles} == {t["test"] for t in tests}, "hovering a point names its test")
    groups = [e for e in elements if e.tag == "details" and "group" in (e.get("class") or "").split()]
    check(len(groups) == len(m["groups"]), "every group on the page")
    biggest = max(m["groups"], key=lambda g: (g["weight"], g["count"]))
    check(groups and groups[0].get("data-fingerprint") == biggest["fingerprint"], "the biggest group is first")
    # The allow rules with their counts, as the browser shows them.
    cells = dom_table_cells(dom, "allowed")
    check(cells[1:] == [[x["rule"], x["reason"], str(x["count"]), str(x["reports"])] for x in m["allowed"]],
          "the allow rules and their counts on the page: %s" % cells)
    print("html: %d lines x %d points in Chromium's DOM, biggest group first, screenshot %s"
          % (len(polylines), len(tests), shot))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("check", choices=["shards", "merge", "sarif", "github", "junit", "compare", "bad-input", "html", "symbolize"])
    ap.add_argument("--work", required=True)
    ap.add_argument("--tool")
    ap.add_argument("--source-root")
    ap.add_argument("--schema", default=os.environ.get("LIFECYCLE_SARIF_SCHEMA"))
    ap.add_argument("--bin", action="append", default=[])
    a = ap.parse_args()
    if a.tool:
        a.tool = [sys.executable, os.path.abspath(a.tool)]
    {"shards": cmd_shards, "merge": cmd_merge, "sarif": cmd_sarif, "github": cmd_github, "junit": cmd_junit,
     "compare": cmd_compare, "bad-input": cmd_bad_input, "html": cmd_html,
     "symbolize": cmd_symbolize}[a.check](a)
    if failures:
        print("%d checks failed" % len(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
