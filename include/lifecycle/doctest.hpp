// SPDX-License-Identifier: BSL-1.0
// lifecycle/doctest.hpp — leak checks in doctest test cases.
//
//   #include <lifecycle/doctest.hpp>
//
//   TEST_CASE_FIXTURE(lifecycle::doctest::no_leaks, "loading the config leaks nothing") {
//       load_config();
//   }   // a resource created in the test case and still open fails it, with the report
//
//   TEST_CASE("explicit scope") {
//       lifecycle::leak_scope scope{"explicit scope", lifecycle::leak_policy::ignore};
//       load_config();
//       LIFECYCLE_CHECK_NO_LEAKS(scope);    // fails the test case, continues
//       LIFECYCLE_REQUIRE_NO_LEAKS(scope);  // fails the test case, stops it
//   }
//
// Automatic mode: one line in the test program, and every test case (every
// pass through its body, with subcases) runs inside a leak scope named after
// it when the run is started with --lifecycle-detect-leaks or
// LIFECYCLE_DETECT_LEAKS=1:
//
//   #define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
//   #include <lifecycle/doctest.hpp>
//   LIFECYCLE_DOCTEST_AUTO();
//
//   TEST_CASE("parser cache" * lifecycle::doctest::allow_leaks("the cache lives for the process")) { ... }
//   TEST_CASE("warm-up") { lifecycle::allow_leaks("pool warmed for later tests"); ... }
//
// A test case that leaves resources open fails, by name, with the report; the
// run's exit code is non-zero; opt-outs are listed at the end of the run, on
// stderr.
// Thresholds, the grace period and the self-test: see
// lifecycle/detail/test_integration.hpp (--lifecycle-max-leaks=N,
// --lifecycle-max-weight=BYTES, --lifecycle-max-live=kind=N,
// --lifecycle-leak-grace-ms=T, --lifecycle-self-test, and LIFECYCLE_* variables).
// doctest ignores options it does not know; lifecycle reads its own from
// /proc/self/cmdline, or from `lifecycle::doctest::configure(argc, argv)` in
// a custom main.
//
// The fixture's scope is named after the running test case; in automatic
// mode the fixture leaves the check to the automatic one (one report, not
// two). With LIFECYCLE_TRACKING=0 the checks pass trivially. Needs doctest
// 2.4 or later; never included by lifecycle/tracked.hpp.
#ifndef LIFECYCLE_DOCTEST_HPP
#define LIFECYCLE_DOCTEST_HPP

#include <lifecycle/config.hpp>
#include <lifecycle/detail/exceptions.hpp>
#include <lifecycle/detail/test_glue.hpp>
#include <lifecycle/leak_scope.hpp>
#include <lifecycle/report.hpp>

#include <doctest/doctest.h>

#include <optional>
#include <string>

// The adapter lives outside namespace lifecycle: doctest's macros name
// `doctest::` unqualified, which inside `lifecycle` would find lifecycle::doctest.
namespace lifecycle_doctest_detail {

namespace glue = ::lifecycle::detail::testing;

// The running test case, as the listener saw it start.
inline glue::test_site& current_test() {
    static glue::test_site site{"", __FILE__, __LINE__, std::nullopt};
    return site;
}

// A failed assertion, not a message (DOCTEST_ADD_FAIL_*): doctest's JUnit
// reporter drops messages, so a leaking test case showed there as passing.
// The console shows it as `CHECK( no leaks ) is NOT correct!` with the
// report as its value; JUnit and XML as a failure of the test case.
inline void fail_as(::doctest::assertType::Enum type, const char* file, unsigned line, const std::string& text) {
    ::doctest::detail::ResultBuilder result(type, file, static_cast<int>(line), "no leaks");
    result.m_failed = true;
    result.m_decomp = ::doctest::String(text.c_str());
    if (result.log()) DOCTEST_BREAK_INTO_DEBUGGER();
    result.react(); // a REQUIRE ends the test case
}

inline void fail_check(const char* file, unsigned line, const std::string& text) {
    fail_as(::doctest::assertType::DT_CHECK, file, line, text);
}

inline void fail_require(const char* file, unsigned line, const std::string& text) {
    fail_as(::doctest::assertType::DT_REQUIRE, file, line, text);
}

struct automatic_state {
    glue::case_check check;
    ::doctest::detail::TestCase* test = nullptr; // the running test case, its function swapped
    ::doctest::detail::funcType original = nullptr;
};

inline automatic_state& automatic() {
    static automatic_state s;
    return s;
}

// One pass through a test case's body (a subcase) inside a leak scope;
// stands in for the test case's function while it runs.
inline void run_checked() {
    automatic_state& a = automatic();
    a.check.begin_pass();
    LIFECYCLE_DETAIL_TRY {
        a.original();
    } LIFECYCLE_DETAIL_CATCH_ALL {
        a.check.end_pass(&fail_check);
        LIFECYCLE_DETAIL_RETHROW;
    }
    a.check.end_pass(&fail_check);
}

struct test_name_listener : ::doctest::IReporter {
    explicit test_name_listener(const ::doctest::ContextOptions&) {}
    void report_query(const ::doctest::QueryData&) override {}
    void test_run_start() override {}
    void test_run_end(const ::doctest::TestRunStats&) override {
        if (glue::automatic_installed()) glue::print_summary();
    }
    void test_case_start(const ::doctest::TestCaseData& data) override {
        current_test() = glue::test_site{data.m_name, data.m_file.c_str(), data.m_line, std::nullopt};
        automatic_state& a = automatic();
        if (!glue::automatic_installed() || !a.check.begin_automatic(current_test())) return;
        // doctest hands its reporters the registered TestCase (a set element,
        // not a const object) and calls its function pointer right after.
        a.test = const_cast<::doctest::detail::TestCase*>(static_cast<const ::doctest::detail::TestCase*>(&data));
        a.original = a.test->m_test;
        a.test->m_test = &run_checked;
    }
    void test_case_reenter(const ::doctest::TestCaseData&) override {}
    void test_case_end(const ::doctest::CurrentTestCaseStats&) override {
        automatic_state& a = automatic();
        if (!a.test) return;
        a.test->m_test = a.original;
        a.test = nullptr;
        a.check.end();
    }
    void test_case_exception(const ::doctest::TestCaseException&) override {}
    void subcase_start(const ::doctest::SubcaseSignature&) override {}
    void subcase_end() override {}
    void log_assert(const ::doctest::AssertData&) override {}
    void log_message(const ::doctest::MessageData&) override {}
    void test_case_skipped(const ::doctest::TestCaseData&) override {}
};

// Registered once per program, whichever translation units include this header.
inline const int listener_registered =
    ::doctest::registerReporter<test_name_listener>("lifecycle-test-names", 0, false);

inline void self_test_case() {
    glue::self_test_case([](const std::string& problem) { DOCTEST_CHECK_MESSAGE(problem.empty(), problem); });
}

inline bool install_automatic_mode(const char* file, unsigned line) {
    return glue::install_automatic([file, line] {
        ::doctest::detail::regTest(::doctest::detail::TestCase(&self_test_case, file, line,
                                                               doctest_detail_test_suite_ns::getCurrentTestSuite()) *
                                   "lifecycle: self-test (a planted leak is reported)");
    });
}

} // namespace lifecycle_doctest_detail

LIFECYCLE_BEGIN_NAMESPACE
namespace doctest {

/// A `TEST_CASE_FIXTURE` fixture: the test case runs inside a leak scope
/// named after it, and fails with the report if anything created in it is
/// still open when the body ends. Honors `lifecycle::allow_leaks`, the
/// thresholds and the grace period; in automatic mode it leaves the check to
/// the automatic one.
class no_leaks {
public:
    no_leaks()
        : scope_(lifecycle_doctest_detail::current_test().name, leak_policy::ignore),
          check_(lifecycle_doctest_detail::current_test(), &lifecycle_doctest_detail::fail_check) {}
    no_leaks(const no_leaks&) = delete;
    no_leaks& operator=(const no_leaks&) = delete;

protected:
    /// The fixture's scope, for tests that want to check before the end.
    const leak_scope& leak_scope_() const noexcept { return scope_; }

private:
    leak_scope scope_;
    detail::testing::fixture_check check_;
};

/// A test-case decorator: the test case may leave resources open in
/// automatic mode and in `no_leaks`; `reason` is listed at the end of the run.
///
///   TEST_CASE("warms the pool" * lifecycle::doctest::allow_leaks("the pool outlives the test")) { ... }
struct allow_leaks {
    /// Why the test may leak (static storage), listed at the end of the run.
    const char* reason;
    /// Effects: a decorator with reason `why` (it must outlive the run: a literal).
    explicit allow_leaks(const char* why = "no reason given") : reason(why) {}
    /// doctest's decorator hook: records the reason for the decorated test case.
    void fill(::doctest::detail::TestCase& state) const {
        detail::testing::decorate(state.m_file.c_str(), state.m_line, state.m_name, reason);
    }
};

/// Effects: reads lifecycle's settings from `argv` (instead of
/// /proc/self/cmdline) and removes lifecycle's options from it; for a custom
/// main, before `doctest::Context::applyCommandLine`.
inline void configure(int& argc, char** argv) { detail::testing::configure(&argc, argv); }

} // namespace doctest
LIFECYCLE_END_NAMESPACE

/// Fails the current test case (and continues) if `scope` has leaked resources.
#define LIFECYCLE_CHECK_NO_LEAKS(scope) \
    ::lifecycle::detail::testing::fail_on_leaks((scope).check(), __FILE__, __LINE__, &::lifecycle_doctest_detail::fail_check)

/// Fails the current test case and stops it if `scope` has leaked resources.
#define LIFECYCLE_REQUIRE_NO_LEAKS(scope) \
    ::lifecycle::detail::testing::fail_on_leaks((scope).check(), __FILE__, __LINE__, &::lifecycle_doctest_detail::fail_require)

/// Puts every test case of the program under the automatic leak check when
/// the run asks for it (--lifecycle-detect-leaks or LIFECYCLE_DETECT_LEAKS=1),
/// and registers the self-test when asked (--lifecycle-self-test or
/// LIFECYCLE_SELF_TEST=1). Write it once, at namespace scope, in any one
/// translation unit of the test program.
#define LIFECYCLE_DOCTEST_AUTO()                                                            \
    [[maybe_unused]] static const bool lifecycle_doctest_auto_installed_ =                  \
        ::lifecycle_doctest_detail::install_automatic_mode(__FILE__, __LINE__)

#endif // LIFECYCLE_DOCTEST_HPP
