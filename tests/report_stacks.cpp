// SPDX-License-Identifier: BSL-1.0
// leak_report: every distinct creation stack of a group. The text shows the
// most common ones with their counts (leak_scope_options::max_stacks) and
// takes stacks that differ only inside the standard library as one; groups()
// and the JSON keep every distinct stack with its count (max_json_stacks).
#include <lifecycle/tracked.hpp>

#include <doctest/doctest.h>

#include <fcntl.h>

#include <functional>
#include <string>
#include <vector>

#include "support.hpp"

using lifecycle::leak_scope;
using lifecycle::leak_scope_options;
using lifecycle::tracked_fd;
using lifecycle_test::with_capture;

namespace {

leak_scope_options quiet() {
    leak_scope_options o;
    o.policy = lifecycle::leak_policy::ignore;
    return o;
}

std::size_t count_of(const std::string& s, const std::string& what) {
    std::size_t n = 0;
    for (std::size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
    return n;
}

// One site (emplace_back: the group is named after this function), reached
// from four callers: four distinct stacks that differ in the user's frames.
__attribute__((noinline)) void create_into(std::vector<tracked_fd>& into, const char* label) {
    into.emplace_back(::open("/dev/null", O_RDONLY), label);
}
__attribute__((noinline)) void from_a(std::vector<tracked_fd>& v, int n) {
    for (int i = 0; i < n; ++i) create_into(v, "a");
}
__attribute__((noinline)) void from_b(std::vector<tracked_fd>& v, int n) {
    for (int i = 0; i < n; ++i) create_into(v, "b");
}
__attribute__((noinline)) void from_c(std::vector<tracked_fd>& v, int n) {
    for (int i = 0; i < n; ++i) create_into(v, "c");
}
__attribute__((noinline)) void from_d(std::vector<tracked_fd>& v, int n) {
    for (int i = 0; i < n; ++i) create_into(v, "d");
}

// Calls `f` through std::function or through std::invoke, from one line.
template <class F>
__attribute__((noinline)) void call_through(F& f, bool wrapped) {
    wrapped ? std::function<void()>(f)() : std::invoke(f);
}

// 4 x from_a, 3 x from_b, 2 x from_c, 1 x from_d, without reallocating
// (a reallocation would add stacks that differ inside the standard library).
void four_stacks(std::vector<tracked_fd>& v) {
    v.reserve(16);
    from_c(v, 2);
    from_a(v, 4);
    from_d(v, 1);
    from_b(v, 3);
}

// The report of a scope around four_stacks (quiet: v still holds them).
lifecycle::leak_report four_stacks_report(std::vector<tracked_fd>& v, const leak_scope_options& o = quiet()) {
    leak_scope scope{"four stacks", o};
    four_stacks(v);
    return scope.check();
}

// The caller of create_into in each stack the text shows, in order.
std::vector<std::string> callers_in_text(const std::string& text) {
    std::vector<std::string> out;
    for (std::size_t at = text.find("  stack "); at != std::string::npos; at = text.find("  stack ", at + 1)) {
        const std::size_t frame = text.find("#1 ", at);
        const std::string line = text.substr(frame, text.find('\n', frame) - frame);
        for (const char* c : {"from_a", "from_b", "from_c", "from_d"})
            if (line.find(c) != std::string::npos) out.emplace_back(c);
    }
    return out;
}

} // namespace

TEST_CASE("the text shows a group's three most common stacks with their counts, and one line for the rest") {
    with_capture tier{lifecycle::capture::stack};
    std::vector<tracked_fd> v;
    const lifecycle::leak_report r = four_stacks_report(v);
    REQUIRE(r.groups().size() == 1);
    const std::string text = r.to_text();
    INFO(text);
    CHECK(r.groups()[0].distinct_stacks == 4);
    CHECK(text.find("  stack 1, 4 resources:\n") != std::string::npos);
    CHECK(text.find("  stack 2, 3 resources:\n") != std::string::npos);
    CHECK(text.find("  stack 3, 2 resources:\n") != std::string::npos);
    CHECK(text.find("  stack 4") == std::string::npos);
    CHECK(text.find("  (1 more stack of 1 resource; to_json() has every stack)\n") != std::string::npos);
    CHECK(callers_in_text(text) == std::vector<std::string>{"from_a", "from_b", "from_c"});
    CHECK(text.find("other stack") == std::string::npos);
}

TEST_CASE("groups() and the JSON list every distinct stack of a group with its count, most common first") {
    with_capture tier{lifecycle::capture::stack};
    std::vector<tracked_fd> v;
    const lifecycle::leak_report r = four_stacks_report(v);
    REQUIRE(r.groups().size() == 1);
    const lifecycle::leak_group& g = r.groups()[0];
    REQUIRE(g.stacks.size() == 4);
    const char* callers[] = {"from_a", "from_b", "from_c", "from_d"};
    for (std::size_t i = 0; i < 4; ++i) {
        CHECK(g.stacks[i].count == 4 - i);
        REQUIRE(g.stacks[i].frames.size() >= 2);
        CHECK(g.stacks[i].frames[0].function.find("create_into") != std::string::npos);
        CHECK(g.stacks[i].frames[1].function.find(callers[i]) != std::string::npos);
    }
    CHECK(g.stack.size() == g.stacks[0].frames.size());
    const std::string json = r.to_json();
    CHECK(json.find("\"distinct_stacks\":4,\"stacks\":[{\"count\":4,") != std::string::npos);
    CHECK(count_of(json, "{\"count\":") == 4);
    for (const char* c : callers) CHECK(count_of(json, c) >= 1);
}

TEST_CASE("max_stacks and max_json_stacks bound the stacks of the text and of the JSON") {
    with_capture tier{lifecycle::capture::stack};
    std::vector<tracked_fd> v;
    leak_scope_options o = quiet();
    o.max_stacks = 1;
    o.max_json_stacks = 2;
    const lifecycle::leak_report r = four_stacks_report(v, o);
    REQUIRE(r.groups().size() == 1);
    const std::string text = r.to_text();
    INFO(text);
    CHECK(text.find("  stack 1, 4 resources:\n") != std::string::npos);
    CHECK(text.find("  stack 2") == std::string::npos);
    CHECK(text.find("  (3 more stacks of 6 resources; to_json() has the 2 most common)\n") != std::string::npos);
    CHECK(r.groups()[0].distinct_stacks == 4);
    CHECK(r.groups()[0].stacks.size() == 2);
    CHECK(count_of(r.to_json(), "{\"count\":") == 2);
}

TEST_CASE("stacks that differ only above the program's first frame are one stack, in the text and the JSON") {
    with_capture tier{lifecycle::capture::stack};
    std::vector<tracked_fd> v;
    leak_scope scope{"reallocation", quiet()};
    // From one line: the first emplace_back reallocates (_M_realloc_insert),
    // the next two do not: two raw stacks, the same once trimmed.
    for (int i = 0; i < 3; ++i) {
        if (i == 1) v.reserve(8);
        from_a(v, 1);
    }
    const lifecycle::leak_report r = scope.check();
    REQUIRE(r.groups().size() == 1);
    const lifecycle::leak_group& g = r.groups()[0];
    INFO(r.to_text());
    CHECK(g.distinct_stacks == 1);
    REQUIRE(g.stacks.size() == 1);
    CHECK(g.stacks[0].count == 3);
    CHECK(r.to_json().find("\"distinct_stacks\":1,\"stacks\":[{\"count\":3,") != std::string::npos);
    CHECK(r.to_text().find("  stack 1") == std::string::npos);
}

TEST_CASE("stacks that differ only inside the standard library are one in the text, and apart in the JSON") {
    with_capture tier{lifecycle::capture::stack};
    std::vector<tracked_fd> v;
    v.reserve(8);
    leak_scope scope{"through the standard library", quiet()};
    auto create = [&v] { create_into(v, "through"); };
    // One call through std::function, two through std::invoke, from one line:
    // the user's frames are equal, the standard library's between them are not.
    for (int i = 0; i < 3; ++i) call_through(create, i == 0);
    const lifecycle::leak_report r = scope.check();
    REQUIRE(r.groups().size() == 1);
    const lifecycle::leak_group& g = r.groups()[0];
    const std::string text = r.to_text();
    INFO(text);
    CHECK(g.distinct_stacks == 2);
    REQUIRE(g.stacks.size() == 2);
    CHECK(g.stacks[0].count == 2);
    CHECK(g.stacks[1].count == 1);
    CHECK(count_of(r.to_json(), "{\"count\":") == 2);
    CHECK(text.find("  stack 1") == std::string::npos);
    CHECK(text.find("    (2 stacks that differ only inside the standard library, shown as one)\n") != std::string::npos);
    CHECK(count_of(text, "    #0 ") == 1);
}
