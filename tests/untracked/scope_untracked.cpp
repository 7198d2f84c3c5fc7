// SPDX-License-Identifier: BSL-1.0
// lifecycle/scope.hpp with LIFECYCLE_TRACKING=0: plain TS semantics, no
// registry, no extra member.
#include <lifecycle/scope.hpp>

#include <doctest/doctest.h>

#include <string>
#include <system_error>
#include <vector>

static_assert(LIFECYCLE_TRACKING == 0, "this file is compiled with tracking off");

namespace {
struct int_deleter {
    void operator()(int) const noexcept {}
};
struct pointer_deleter {
    void operator()(int*) const noexcept {}
};
struct empty_action {
    void operator()() const noexcept {}
};
} // namespace

// With allocation traits and an empty deleter the wrapper is exactly the handle.
static_assert(sizeof(lifecycle::unique_resource<int, int_deleter, lifecycle::unallocated_resource<-1>>) == sizeof(int));
static_assert(sizeof(lifecycle::unique_resource<int, int_deleter, lifecycle::fd_resource_traits>) == sizeof(int));
static_assert(sizeof(lifecycle::unique_resource<int*, pointer_deleter, lifecycle::unallocated_resource<nullptr>>) ==
              sizeof(int*));
// Without traits: the handle and the TS's execute_on_reset flag, nothing else.
struct int_and_flag {
    int i;
    bool b;
};
static_assert(sizeof(lifecycle::unique_resource<int, int_deleter>) == sizeof(int_and_flag));
static_assert(sizeof(lifecycle::scope_exit<empty_action>) == sizeof(bool));
static_assert(sizeof(lifecycle::defer_guard<empty_action>) == 1);

TEST_CASE("untracked unique_resource: plain RAII, no label, no site") {
    std::vector<int> closed;
    {
        lifecycle::unique_resource r{3, [&closed](int v) { closed.push_back(v); }, "ignored label"};
        CHECK(r.allocated());
        CHECK(r.label().empty());
        CHECK_FALSE(r.site().known());
        auto bad = lifecycle::make_unique_resource_checked(-1, -1, [&closed](int v) { closed.push_back(v); });
        CHECK_FALSE(bad);
    }
    CHECK(closed == std::vector<int>{3});
}

TEST_CASE("untracked unique_resource: a failure status still reaches the close-error handler") {
    std::vector<std::string> kinds;
    std::vector<std::error_code> errors;
    auto previous = lifecycle::set_close_error_handler([&](const lifecycle::close_failure& f) {
        kinds.emplace_back(f.kind);
        errors.push_back(f.error);
    });
    {
        lifecycle::unique_resource r{4, [](int) { return -1; }};
    }
    lifecycle::set_close_error_handler(previous);
    REQUIRE(kinds.size() == 1);
    CHECK(kinds[0] == "unique_resource<int>");
    CHECK(errors[0].value() == -1);
}

TEST_CASE("untracked scope guards behave as the TS says") {
    int calls = 0;
    {
        lifecycle::scope_exit e{[&calls] { ++calls; }};
        lifecycle::scope_success s{[&calls] { ++calls; }};
        lifecycle::scope_fail f{[&calls] { calls += 100; }};
    }
    CHECK(calls == 2);
}
