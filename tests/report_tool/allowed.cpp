// SPDX-License-Identifier: BSL-1.0
// A leak scope with allow rules and a per-kind limit, as a service's request
// loop would have: a warm-up pool allowed by label, a rule that allows nothing
// (stale), and engines over their limit. Its report line carries `allowed`
// and `limits_exceeded`, which tools/lifecycle-report merges and shows
// (tests/report_tool/check.py). Run with LIFECYCLE_REPORT_FILE set.
#include <lifecycle/tracked.hpp>

#include "../../examples/stories.hpp"

#include <fcntl.h>

#include <string>
#include <vector>

int main() {
    static std::vector<lifecycle::tracked_fd> pool;
    static stories::sync_service sync;
    lifecycle::leak_scope_options o;
    o.allow.push_back(lifecycle::allow_rule::label("warm-*", "the pool lives for the process"));
    o.allow.push_back(lifecycle::allow_rule::kind("thread_pool", "one per process"));
    o.limits.push_back({"db engine", 1});
    {
        lifecycle::leak_scope scope{"request loop", o};
        for (int i = 0; i < 3; ++i) pool.emplace_back(::open("/dev/null", O_RDONLY), "warm-" + std::to_string(i));
        for (int i = 0; i < 4; ++i) sync.tick();
    }
    return 0;
}
