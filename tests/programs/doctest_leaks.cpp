// SPDX-License-Identifier: BSL-1.0
// A doctest program whose leaking test cases must fail, by name, with the
// report; its clean test case must pass.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <lifecycle/doctest.hpp>
#include <lifecycle/tracked.hpp>

#include <fcntl.h>

#include <vector>

namespace {
std::vector<lifecycle::tracked_fd> cache; // keeps what the leaking tests leak

void load_config() { lifecycle::tracked_fd fd{::open("/dev/null", O_RDONLY), "config"}; }
void leak_config() { cache.emplace_back(::open("/dev/null", O_RDONLY), "leaked config"); }
} // namespace

TEST_CASE_FIXTURE(lifecycle::doctest::no_leaks, "clean test case") { load_config(); }

TEST_CASE_FIXTURE(lifecycle::doctest::no_leaks, "fixture test case that leaks") { leak_config(); }

TEST_CASE("check macro on a leaking scope") {
    lifecycle::leak_scope scope{"checked scope", lifecycle::leak_policy::ignore};
    leak_config();
    LIFECYCLE_CHECK_NO_LEAKS(scope);
    MESSAGE("after the CHECK: still running");
}

TEST_CASE("require macro on a leaking scope") {
    lifecycle::leak_scope scope{"required scope", lifecycle::leak_policy::ignore};
    leak_config();
    LIFECYCLE_REQUIRE_NO_LEAKS(scope);
    MESSAGE("after the REQUIRE: must not be printed");
}
