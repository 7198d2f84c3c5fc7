// SPDX-License-Identifier: BSL-1.0
// Three creations in three functions that -O2 inlines into one caller, each
// through the standard library (emplace_back, make_unique, optional::emplace:
// sites in system headers, so the group is named after the stack). Built -O2
// by g++ and clang++ (tests/programs/tests.cmake). The report must keep three
// groups, each at its own creating line and function, whose stacks start
// with that function marked inlined, in text and JSON. program_inlined_dropped
// is this program with the inline frames compiled out: it must fail here
// (negative control). With an argument, the report's JSON line goes to that
// file (tests/report_tool: symbolized offline, its frames must be these).
// The creators have external linkage: their DWARF names are linkage names,
// as addr2line's are.
#include <lifecycle/tracked.hpp>

#include <fcntl.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace {
std::vector<lifecycle::tracked_fd> cache;
std::vector<std::unique_ptr<lifecycle::tracked_fd>> owned;
std::optional<lifecycle::tracked_fd> spare;

struct expected {
    const char* function;
    unsigned line = 0;
};
expected want[3] = {{"open_cached"}, {"open_owned"}, {"open_spare"}};
} // namespace

__attribute__((always_inline)) inline void open_cached() {
    want[0].line = __LINE__ + 1;
    cache.emplace_back(::open("/dev/null", O_RDONLY), "cached");
}

__attribute__((always_inline)) inline void open_owned() {
    want[1].line = __LINE__ + 1;
    owned.push_back(std::make_unique<lifecycle::tracked_fd>(::open("/dev/null", O_RDONLY), "owned"));
}

__attribute__((always_inline)) inline void open_spare() {
    want[2].line = __LINE__ + 1;
    spare.emplace(::open("/dev/null", O_RDONLY), "spare");
}

// The one caller they are inlined into.
__attribute__((noinline)) void open_all() {
    open_cached();
    open_owned();
    open_spare();
}

int main(int argc, char** argv) {
    lifecycle::set_capture(lifecycle::capture::stack);
    lifecycle::leak_scope scope{"inlined"};
    open_all();
    const lifecycle::leak_report r = scope.check();
    std::fprintf(stderr, "%s", r.to_text().c_str());
    int failures = 0;
    auto fail = [&](const std::string& what) {
        std::fprintf(stderr, "inlined: FAILED: %s\n", what.c_str());
        ++failures;
    };
    if (r.groups().size() != 3) fail(std::to_string(r.groups().size()) + " groups, not 3");
    for (const expected& w : want) {
        const lifecycle::leak_group* found = nullptr;
        for (const lifecycle::leak_group& g : r.groups())
            if (g.site_line == w.line && g.site_function.find(w.function) != std::string::npos) found = &g;
        if (!found) {
            fail(std::string("no group created at ") + w.function + " line " + std::to_string(w.line));
            continue;
        }
        const auto& s = found->stack;
        if (s.empty() || s.front().function.find(w.function) == std::string::npos || s.front().line != w.line ||
            !s.front().inlined)
            fail(std::string("the stack of ") + w.function + " does not start with it, inlined, at its line");
        bool caller = false;
        for (const lifecycle::stack_frame& f : s) caller = caller || (f.function.find("open_all") != std::string::npos && !f.inlined);
        if (!caller) fail(std::string("the stack of ") + w.function + " does not show open_all as the frame it is inlined into");
    }
    if (r.to_json().find("\"inlined\":true") == std::string::npos) fail("the JSON marks no frame inlined");
    if (argc > 1) std::ofstream(argv[1]) << r.to_json() << '\n';
    if (failures == 0) std::fprintf(stderr, "inlined: 3 groups at their own lines\n");
    cache.clear();
    owned.clear();
    spare.reset();
    return failures == 0 ? 0 : 1;
}
