// SPDX-License-Identifier: BSL-1.0
// GoogleTest's suite-level set-up in automatic mode: what SetUpTestSuite or a
// global environment creates and TearDownTestSuite or the environment's
// TearDown leaves open fails the suite (or the run), blamed on it; a suite
// that closes in TearDownTestSuite what it opened passes (negative control).
#include <lifecycle/gtest.hpp>
#include <lifecycle/tracked.hpp>

#include <fcntl.h>

#include <cstdlib>

LIFECYCLE_GTEST_AUTO();

namespace {
lifecycle::tracked_fd* suite_fd = nullptr;
lifecycle::tracked_fd* environment_fd = nullptr;

struct leaking_environment : ::testing::Environment {
    void SetUp() override { environment_fd = new lifecycle::tracked_fd{::open("/dev/null", O_RDONLY), "environment cache"}; }
};
[[maybe_unused]] auto* const environment =
    std::getenv("SUITE_ENVIRONMENT_LEAKS") ? ::testing::AddGlobalTestEnvironment(new leaking_environment) : nullptr;
} // namespace

class leaky_setup : public ::testing::Test {
protected:
    static void SetUpTestSuite() { suite_fd = new lifecycle::tracked_fd{::open("/dev/null", O_RDONLY), "suite config"}; }
};
TEST_F(leaky_setup, uses_the_suite_config) { EXPECT_TRUE(*suite_fd); }

class tidy_setup : public ::testing::Test {
protected:
    static void SetUpTestSuite() { fd = new lifecycle::tracked_fd{::open("/dev/null", O_RDONLY), "tidy suite fd"}; }
    static void TearDownTestSuite() {
        delete fd;
        fd = nullptr;
    }
    static lifecycle::tracked_fd* fd;
};
lifecycle::tracked_fd* tidy_setup::fd = nullptr;
TEST_F(tidy_setup, uses_its_fd) { EXPECT_TRUE(*fd); }

TEST(plain, leaks_in_the_test) { new lifecycle::tracked_fd{::open("/dev/null", O_RDONLY), "leaked by a test"}; }
