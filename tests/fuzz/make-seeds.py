#!/usr/bin/env python3
# SPDX-License-Identifier: BSL-1.0
# Writes the seed corpus (tests/fuzz/corpus/) from readable operation lists.
#
#   tests/fuzz/make-seeds.py            # rewrite tests/fuzz/corpus/
#   LIFECYCLE_FUZZ_TRACE=1 build/fuzz/lifecycle_fuzz tests/fuzz/corpus/*   # see what each seed does
#
# lifecycle_fuzz.cpp reads its input through FuzzedDataProvider, whose
# integers come from the END of the input, one byte each here (every range
# is below 256; a range of one value reads nothing). A seed is therefore the
# list of bytes in the order they are read, reversed. The operation numbers
# and arguments below mirror harness::step() and the op_* functions.
import os
import sys

OPS = {
    "create": 0, "second_owner": 2, "move": 3, "swap": 4, "reset": 5, "reset_fresh": 6, "reset_same": 7,
    "release": 8, "close": 9, "get": 10, "keep_alive": 11, "destroy": 12, "adopt": 13,
    "add_value": 14, "add_ref": 15, "add_callable": 16, "add_callable_pair": 17, "add_tracked_and_callable": 18,
    "obj_create": 19, "obj_close": 20, "add_obj": 21, "shared_create": 22, "shared_copy": 23, "shared_drop": 24,
    "add_shared": 25, "shared_close": 26, "obj_pair": 27, "close_all": 28, "close_all_or_throw": 30,
    "destroy_closer": 31, "scope_push": 32, "scope_pop": 33, "scope_check": 34, "pause": 35, "capture": 36,
}
# The byte mode_of() reads: < 160 succeeds, < 210 returns an error, < 240
# throws a std::exception, else throws something else.
OK, FAIL, THROW, THROW_OTHER = 0, 170, 220, 250
# Tracked slots: 0-2 fuzz.a, 3-5 fuzz.b (one identity domain with fuzz.a), 6-7 fuzz.c.

SEEDS = {
    # create, get, move, swap, reset, reset(h), release, adopt, keep_alive,
    # destroy; closes that succeed, fail, throw and throw a non-exception.
    "handles": [("create", 0, OK), ("get", 0), ("create", 1, FAIL), ("move", 1, 0), ("swap", 0, 1, 1),
                ("swap", 0, 1, 0), ("reset_fresh", 2, FAIL), ("reset_same", 2), ("close", 2), ("release", 0),
                ("adopt", 3), ("keep_alive", 3), ("destroy", 3), ("create", 6, THROW), ("close", 6),
                ("create", 7, THROW_OTHER), ("reset", 7), ("get", 6), ("create", 4, FAIL), ("destroy", 4)],
    # Second owners across the shared domain, a close through one of them,
    # the stale owners' close() (closed elsewhere), get and release.
    "ownership": [("create", 0, OK), ("second_owner", 0, 3), ("second_owner", 0, 1), ("close", 3), ("get", 0),
                  ("close", 0), ("create", 2, OK), ("release", 1), ("destroy", 2), ("create", 6, FAIL),
                  ("second_owner", 6, 7), ("reset", 7), ("get", 6)],
    # Closer entries: tracked by value and by reference, second owners in
    # one closer (aliases), a callable over a released handle, both kinds
    # of close_all and a closer's destructor.
    "closer": [("create", 0, OK), ("create", 3, FAIL), ("create", 6, THROW), ("add_value", 0, 0, 0),
               ("add_ref", 0, 3, 1), ("add_value", 0, 6, 0), ("create", 1, OK), ("second_owner", 1, 4),
               ("add_value", 1, 1, 1), ("add_value", 1, 4, 0), ("close_all", 1), ("create", 2, OK), ("release", 2),
               ("add_callable", 0, 1, 1), ("close_all_or_throw", 0), ("create", 5, FAIL), ("add_value", 1, 5, 1),
               ("destroy_closer", 1)],
    # Objects by reference, by value, by unique_ptr and by shared_ptr
    # (copied and moved, two copies: an alias), explicit closes.
    "objects": [("obj_create", 0, FAIL), ("obj_create", 1, OK), ("shared_create", 0, THROW), ("shared_copy", 0, 1),
                ("add_obj", 0, 0, 0), ("add_obj", 0, 1, 1), ("add_shared", 0, 0, 0), ("add_shared", 0, 1, 1),
                ("close_all", 0), ("obj_create", 2, OK), ("add_obj", 1, 2, 2), ("shared_create", 2, FAIL),
                ("shared_close", 2), ("obj_create", 0, THROW_OTHER), ("obj_close", 0), ("destroy_closer", 1),
                ("shared_create", 1, OK), ("shared_drop", 1)],
    # Nested scopes (plain, allow label "w?", limit fuzz.c <= 1, allow kind
    # fuzz.b, limit * <= 0) with check and render, keep_alive,
    # pause_tracking, capture tiers.
    "scopes": [("scope_push", 0), ("create", 0, OK), ("keep_alive", 0), ("scope_push", 5), ("create", 1, OK),
               ("pause", 1), ("create", 2, OK), ("scope_check", 1, 1), ("scope_check", 0, 2), ("pause", 0),
               ("scope_push", 6, 1), ("create", 6, OK), ("create", 7, OK), ("scope_check", 2, 1), ("scope_pop",),
               ("scope_pop",), ("close", 1), ("scope_check", 1), ("scope_push", 4), ("create", 3, OK),
               ("scope_push", 7, 0), ("create", 4, OK), ("capture", 7), ("create", 5, OK), ("scope_check", 2, 0),
               ("capture", 1), ("scope_pop",), ("scope_pop",), ("scope_pop",)],
    # Two callables with one identity; a tracked handle and a callable with
    # its identity, both orders.
    "callables": [("create", 0, OK), ("release", 0), ("add_callable_pair", 0), ("create", 1, FAIL),
                  ("add_tracked_and_callable", 0, 1, 1, 1), ("close_all", 0), ("create", 2, OK),
                  ("add_tracked_and_callable", 1, 2, 0, 1), ("destroy_closer", 1)],
    # Known findings (run-tests skips them with LIFECYCLE_FUZZ_SKIP, see
    # tests/fuzz/README.md): two owning objects over one object in a closer;
    # a tracked handle by reference beside a callable with its identity; a
    # stale owner's number reused, then reset(h) and a closer.
    "findings": [("obj_pair", 0, 0, 0, OK), ("obj_pair", 0, 1, 2, FAIL), ("close_all", 0),
                 ("create", 0, OK), ("add_tracked_and_callable", 0, 0, 0, 0), ("close_all", 0),
                 ("create", 1, OK), ("second_owner", 1, 4), ("close", 4), ("create", 2, OK),
                 ("add_value", 1, 2, 0), ("add_value", 1, 1, 0), ("close_all", 1), ("reset_fresh", 0, OK)],
}


# Each seed starts with a license line, which the fuzzer skips.
SPDX = b"# SPDX-License-Identifier: BSL-1.0\n"


def encode(ops, tier=1):
    read = [tier]  # the capture tier: 0 off, 15 stack, else site
    for op in ops:
        read.append(OPS[op[0]])
        read.extend(op[1:])
    return SPDX + bytes(reversed(read))


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
    os.makedirs(out, exist_ok=True)
    for name, ops in SEEDS.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(encode(ops))
    print(f"{len(SEEDS)} seeds in {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
