// SPDX-License-Identifier: BSL-1.0
// GoogleTest's automatic mode (lifecycle/gtest.hpp), with gtest_main: run by
// the gtest_auto.*.expect files with different flags and environments.
#include <lifecycle/gtest.hpp>
#include <lifecycle/tracked.hpp>

#include "integration_cases.hpp"

LIFECYCLE_GTEST_AUTO();

TEST(clean, test_case) { lifecycle_test::open_and_close(); }

TEST(leaking, test_case) { lifecycle_test::leak_config(); }

TEST(leaking, two_big_buffers) { lifecycle_test::leak_buffers(2); }

TEST(opt_out, in_test) {
    lifecycle::allow_leaks("warms a pool for later tests");
    lifecycle_test::leak_config();
}

TEST(background, thread_closes_late) { lifecycle_test::close_on_another_thread_after(std::chrono::milliseconds(50)); }

TEST(engine, recreated_on_every_tick) { lifecycle_test::sync_ticks(6); }

// Only the XML report's test runs it (--gtest_also_run_disabled_tests): a
// failure text with what XML must escape (test names are identifiers).
TEST(markup, DISABLED_leaks) { lifecycle_test::leak_markup(); }

class leaky_fixture : public lifecycle::gtest::no_leaks {};
TEST_F(leaky_fixture, leaks) { lifecycle_test::leak_config(); }

TEST(macros, expect_no_leaks) {
    lifecycle::leak_scope scope{"expected scope", lifecycle::leak_policy::ignore};
    lifecycle_test::leak_config();
    LIFECYCLE_EXPECT_NO_LEAKS(scope) << "extra context";
    std::puts("after LIFECYCLE_EXPECT_NO_LEAKS: still running");
    LIFECYCLE_GTEST_ASSERT_NO_LEAKS(scope);
    std::puts("after LIFECYCLE_GTEST_ASSERT_NO_LEAKS: must not be printed");
}

TEST(macros, clean_scope_passes) {
    lifecycle::leak_scope scope{"clean scope", lifecycle::leak_policy::ignore};
    lifecycle_test::open_and_close();
    LIFECYCLE_EXPECT_NO_LEAKS(scope);
    LIFECYCLE_GTEST_ASSERT_NO_LEAKS(scope);
}
