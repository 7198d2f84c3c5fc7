// SPDX-License-Identifier: BSL-1.0
// lifecycle/gtest.hpp — leak checks in GoogleTest: automatic per-test mode,
// a fixture base class and assertions.
//
//   #include <lifecycle/gtest.hpp>
//   LIFECYCLE_GTEST_AUTO();   // once per test program, at namespace scope
//
//   TEST(config, loads) { load_config(); }   // with --lifecycle-detect-leaks or
//                                            // LIFECYCLE_DETECT_LEAKS=1: fails if it leaks
//   TEST(cache, warms) { lifecycle::allow_leaks("the cache lives for the process"); warm(); }
//
//   class parser_test : public lifecycle::gtest::no_leaks {};   // always checked
//   TEST_F(parser_test, parses) { parse(); }
//
//   TEST(explicit_scope, checks) {
//       lifecycle::leak_scope scope{"explicit", lifecycle::leak_policy::ignore};
//       load_config();
//       LIFECYCLE_EXPECT_NO_LEAKS(scope);   // non-fatal failure with the report
//       LIFECYCLE_GTEST_ASSERT_NO_LEAKS(scope);  // fatal: returns from the test
//   }
//
// Automatic mode is a TestEventListener: each test runs inside a leak scope
// named "Suite.Test", from before its fixture is constructed until after it
// is destroyed; a test that leaves resources open gets a non-fatal failure at
// its TEST line with the report, so it is listed as FAILED and
// RUN_ALL_TESTS() returns 1. Opt-outs (`lifecycle::allow_leaks`) are listed
// at the end of the run, on stderr. Settings: the flags and LIFECYCLE_*
// variables in lifecycle/detail/test_integration.hpp; GoogleTest leaves
// options it does not know alone, and lifecycle reads its own from
// /proc/self/cmdline, or from `lifecycle::gtest::configure(argc, argv)` in a
// custom main. Works with gtest_main. With LIFECYCLE_TRACKING=0 every check
// passes. Never included by lifecycle/tracked.hpp.
#ifndef LIFECYCLE_GTEST_HPP
#define LIFECYCLE_GTEST_HPP

#include <lifecycle/config.hpp>
#include <lifecycle/detail/test_glue.hpp>
#include <lifecycle/leak_scope.hpp>
#include <lifecycle/report.hpp>

#include <gtest/gtest.h>

#include <optional>
#include <string>

LIFECYCLE_BEGIN_NAMESPACE
namespace gtest {

namespace detail {
namespace glue = ::lifecycle::detail::testing;

inline glue::test_site site_of(const ::testing::TestInfo& info) {
    return glue::test_site{std::string(info.test_suite_name()) + "." + info.name(), info.file(),
                           static_cast<unsigned>(info.line()), std::nullopt};
}

inline glue::test_site current_site() {
    const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
    return info ? site_of(*info) : glue::test_site{"gtest fixture", __FILE__, __LINE__, std::nullopt};
}

inline void fail(const char* file, unsigned line, const std::string& text) {
    ADD_FAILURE_AT(file, static_cast<int>(line)) << text;
}
} // namespace detail

/// The automatic mode's listener: a leak scope around every test when the
/// settings ask for it, the end-of-run summary always.
class leak_listener : public ::testing::EmptyTestEventListener {
public:
    /// Effects: begins the test's leak scope when automatic mode is on.
    void OnTestStart(const ::testing::TestInfo& info) override {
        if (check_.begin_automatic(detail::site_of(info))) check_.begin_pass();
    }
    /// Effects: checks the test's scope; a failing check is a non-fatal failure of the test.
    void OnTestEnd(const ::testing::TestInfo&) override {
        // Listeners hear OnTestEnd in reverse order, so this failure is
        // recorded before the result printer reports the test.
        check_.end_pass(&detail::fail);
        check_.end();
    }
    /// Effects: prints the counts and the opt-outs, on stderr.
    void OnTestProgramEnd(const ::testing::UnitTest&) override { detail::glue::print_summary(); }

    /// Effects: begins the scope of the suite's own set-up and tear-down.
    void OnTestSuiteStart(const ::testing::TestSuite& suite) override {
        suite_.begin(suite.name(), "created in SetUpTestSuite or TearDownTestSuite");
    }
    /// Effects: what the suite's set-up and tear-down left open fails the suite.
    void OnTestSuiteEnd(const ::testing::TestSuite& suite) override {
        const ::testing::TestInfo* first = suite.total_test_count() > 0 ? suite.GetTestInfo(0) : nullptr;
        suite_.end(first ? first->file() : "", first ? static_cast<unsigned>(first->line()) : 0, &detail::fail);
    }
    /// Effects: begins the scope of the global environments' set-up and tear-down.
    void OnEnvironmentsSetUpStart(const ::testing::UnitTest&) override {
        environments_.begin("global test environment", "created by an Environment's SetUp or TearDown");
    }
    /// Effects: what the environments left open fails the run.
    void OnEnvironmentsTearDownEnd(const ::testing::UnitTest&) override { environments_.end("", 0, &detail::fail); }

private:
    detail::glue::case_check check_;
    detail::glue::suite_check suite_, environments_;
};

/// A fixture base class: the test runs inside a leak scope named after it and
/// fails (non-fatally) with the report if anything created in it is still open
/// when the fixture is destroyed. Honors `allow_leaks`, the thresholds and the
/// grace period; in automatic mode it leaves the check to the automatic one.
class no_leaks : public ::testing::Test {
protected:
    no_leaks() : check_(detail::current_site(), &detail::fail) {}

private:
    detail::glue::fixture_check check_;
};

/// Effects: reads lifecycle's settings from `argv` (instead of
/// /proc/self/cmdline) and removes lifecycle's options from it.
inline void configure(int& argc, char** argv) { lifecycle::detail::testing::configure(&argc, argv); }

namespace detail {
class self_test : public ::testing::Test {
    void TestBody() override {
        glue::self_test_case([](const std::string& problem) { EXPECT_TRUE(problem.empty()) << problem; });
    }
};

inline bool install_automatic_mode(const char* file, int line) {
    ::testing::UnitTest::GetInstance()->listeners().Append(new leak_listener);
    return glue::install_automatic([file, line] {
        ::testing::RegisterTest("lifecycle", "self_test", nullptr, nullptr, file, line,
                                []() -> ::testing::Test* { return new self_test; });
    });
}
} // namespace detail

} // namespace gtest
LIFECYCLE_END_NAMESPACE

/// Installs the automatic mode's listener (and the self-test when asked:
/// --lifecycle-self-test or LIFECYCLE_SELF_TEST=1, test "lifecycle.self_test").
/// Write it once, at namespace scope, in any one translation unit of the test program.
#define LIFECYCLE_GTEST_AUTO()                                                 \
    [[maybe_unused]] static const bool lifecycle_gtest_auto_installed_ =       \
        ::lifecycle::gtest::detail::install_automatic_mode(__FILE__, __LINE__)

// `if (...) ; else` keeps `LIFECYCLE_EXPECT_NO_LEAKS(s) << "more";` working
// and an enclosing if/else unambiguous.
#define LIFECYCLE_DETAIL_GTEST_NO_LEAKS(scope, fail)                                              \
    switch (0)                                                                                    \
    case 0:                                                                                       \
    default:                                                                                      \
        if (const ::lifecycle::leak_report lifecycle_detail_report_ = (scope).check();            \
            lifecycle_detail_report_.empty())                                                     \
            ;                                                                                     \
        else                                                                                      \
            fail() << ::lifecycle::detail::testing::filed(lifecycle_detail_report_).to_text()

/// A non-fatal failure with the report if `scope` has leaked resources.
#define LIFECYCLE_EXPECT_NO_LEAKS(scope) LIFECYCLE_DETAIL_GTEST_NO_LEAKS(scope, ADD_FAILURE)

/// A fatal failure with the report (returns from the test function) if
/// `scope` has leaked resources. (LIFECYCLE_ASSERT_NO_LEAKS is the debug-build
/// abort of lifecycle/leak_scope.hpp.)
#define LIFECYCLE_GTEST_ASSERT_NO_LEAKS(scope) LIFECYCLE_DETAIL_GTEST_NO_LEAKS(scope, GTEST_FAIL)

#endif // LIFECYCLE_GTEST_HPP
