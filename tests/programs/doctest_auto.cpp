// SPDX-License-Identifier: BSL-1.0
// doctest's automatic mode: with --lifecycle-detect-leaks or
// LIFECYCLE_DETECT_LEAKS=1 every test case runs inside a leak scope. Run by
// the doctest_auto.*.expect files with different flags and environments.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <lifecycle/doctest.hpp>
#include <lifecycle/tracked.hpp>

#include "integration_cases.hpp"

LIFECYCLE_DOCTEST_AUTO();

TEST_CASE("clean test case") { lifecycle_test::open_and_close(); }

TEST_CASE("leaking test case") { lifecycle_test::leak_config(); }

TEST_CASE("leaking test case with subcases") {
    SUBCASE("first") { lifecycle_test::open_and_close(); }
    SUBCASE("second leaks") { lifecycle_test::leak_config(); }
}

TEST_CASE("test case that leaks two big buffers") { lifecycle_test::leak_buffers(2); }

TEST_CASE("decorated opt-out" * lifecycle::doctest::allow_leaks("the cache lives for the whole run")) {
    lifecycle_test::leak_config();
}

TEST_CASE("in-test opt-out") {
    lifecycle::allow_leaks("warms a pool for later tests");
    lifecycle_test::leak_config();
}

TEST_CASE("background thread closes late") { lifecycle_test::close_on_another_thread_after(std::chrono::milliseconds(50)); }

TEST_CASE("engine re-created on every tick") { lifecycle_test::sync_ticks(6); }

TEST_CASE_FIXTURE(lifecycle::doctest::no_leaks, "fixture test case that leaks") { lifecycle_test::leak_config(); }

// Only the XML reports' tests run it (--no-skip): a name and a failure text
// with what XML must escape.
TEST_CASE("markup <in> & \"names\" 'leaks'" * doctest::skip()) { lifecycle_test::leak_markup(); }

TEST_CASE("REQUIRE failure still checked") {
    lifecycle_test::leak_config();
    REQUIRE(1 == 2);
}
