// SPDX-License-Identifier: BSL-1.0
// Catch2's automatic mode (lifecycle/catch2.hpp): run by the
// catch2_auto.*.expect files with different flags and environments.
#define CATCH_CONFIG_RUNNER
#include <lifecycle/catch2.hpp>
#include <lifecycle/tracked.hpp>

#include "integration_cases.hpp"

LIFECYCLE_CATCH2_MAIN();

TEST_CASE("clean test case") { lifecycle_test::open_and_close(); }

TEST_CASE("leaking test case") { lifecycle_test::leak_config(); }

TEST_CASE("leaking test case with sections") {
    SECTION("first") { lifecycle_test::open_and_close(); }
    SECTION("second leaks") { lifecycle_test::leak_config(); }
}

TEST_CASE("test case that leaks two big buffers") { lifecycle_test::leak_buffers(2); }

TEST_CASE("tagged opt-out", "[lifecycle-allow-leaks:the cache lives for the whole run]") { lifecycle_test::leak_config(); }

TEST_CASE("in-test opt-out") {
    lifecycle::allow_leaks("warms a pool for later tests");
    lifecycle_test::leak_config();
}

TEST_CASE("background thread closes late") { lifecycle_test::close_on_another_thread_after(std::chrono::milliseconds(50)); }

TEST_CASE("engine re-created on every tick") { lifecycle_test::sync_ticks(6); }

TEST_CASE_METHOD(lifecycle::catch2::no_leaks, "fixture test case that leaks") { lifecycle_test::leak_config(); }

// Hidden ([.]): only the XML reports' tests run it, by its tag.
TEST_CASE("markup <in> & \"names\" 'leaks'", "[.][markup]") { lifecycle_test::leak_markup(); }

TEST_CASE("check macro on a leaking scope") {
    lifecycle::leak_scope scope{"checked scope", lifecycle::leak_policy::ignore};
    lifecycle_test::leak_config();
    LIFECYCLE_CHECK_NO_LEAKS(scope);
    std::puts("after the CHECK: still running");
    LIFECYCLE_REQUIRE_NO_LEAKS(scope);
    std::puts("after the REQUIRE: must not be printed");
}

TEST_CASE("macros pass a clean scope") {
    lifecycle::leak_scope scope{"clean scope", lifecycle::leak_policy::ignore};
    lifecycle_test::open_and_close();
    LIFECYCLE_CHECK_NO_LEAKS(scope);
    LIFECYCLE_REQUIRE_NO_LEAKS(scope);
}
