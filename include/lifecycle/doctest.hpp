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
// The fixture's scope is named after the running test case. With
// LIFECYCLE_TRACKING=0 the checks pass trivially. Needs doctest 2.4 or later;
// never included by lifecycle/tracked.hpp.
#ifndef LIFECYCLE_DOCTEST_HPP
#define LIFECYCLE_DOCTEST_HPP

#include <lifecycle/config.hpp>
#include <lifecycle/leak_scope.hpp>
#include <lifecycle/report.hpp>

#include <doctest/doctest.h>

#include <string>

// The glue lives outside namespace lifecycle: doctest's macros name
// `doctest::` unqualified, which inside `lifecycle` would find lifecycle::doctest.
namespace lifecycle_doctest_detail {

struct test_case_info {
    std::string name;
    std::string file;
    int line = 0;
};

inline test_case_info& current_test() {
    static test_case_info info;
    return info;
}

struct test_name_listener : ::doctest::IReporter {
    explicit test_name_listener(const ::doctest::ContextOptions&) {}
    void report_query(const ::doctest::QueryData&) override {}
    void test_run_start() override {}
    void test_run_end(const ::doctest::TestRunStats&) override {}
    void test_case_start(const ::doctest::TestCaseData& data) override {
        current_test() = test_case_info{data.m_name, data.m_file.c_str(), static_cast<int>(data.m_line)};
    }
    void test_case_reenter(const ::doctest::TestCaseData&) override {}
    void test_case_end(const ::doctest::CurrentTestCaseStats&) override {}
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

inline void fail_check(const ::lifecycle::leak_report& r, const char* file, int line) {
    DOCTEST_ADD_FAIL_CHECK_AT(file, line, r.to_text());
}

inline void fail_require(const ::lifecycle::leak_report& r, const char* file, int line) {
    DOCTEST_ADD_FAIL_AT(file, line, r.to_text());
}

} // namespace lifecycle_doctest_detail

LIFECYCLE_BEGIN_NAMESPACE
namespace doctest {

/// A `TEST_CASE_FIXTURE` fixture: the test case runs inside a leak scope
/// named after it, and fails with the report if anything created in it is
/// still open when the body ends.
class no_leaks {
public:
    no_leaks() : scope_(lifecycle_doctest_detail::current_test().name, leak_policy::ignore) {}
    no_leaks(const no_leaks&) = delete;
    no_leaks& operator=(const no_leaks&) = delete;
    ~no_leaks() {
        const leak_report r = scope_.check();
        if (r.empty()) return;
        const auto& test = lifecycle_doctest_detail::current_test();
        lifecycle_doctest_detail::fail_check(r, test.file.empty() ? __FILE__ : test.file.c_str(),
                                             test.file.empty() ? __LINE__ : test.line);
    }

protected:
    /// The fixture's scope, for tests that want to check before the end.
    const leak_scope& leak_scope_() const noexcept { return scope_; }

private:
    leak_scope scope_;
};

} // namespace doctest
LIFECYCLE_END_NAMESPACE

/// Fails the current test case (and continues) if `scope` has leaked resources.
#define LIFECYCLE_CHECK_NO_LEAKS(scope)                                                       \
    do {                                                                                      \
        const ::lifecycle::leak_report lifecycle_detail_report_ = (scope).check();            \
        if (!lifecycle_detail_report_.empty())                                                \
            ::lifecycle_doctest_detail::fail_check(lifecycle_detail_report_, __FILE__, __LINE__); \
    } while (false)

/// Fails the current test case and stops it if `scope` has leaked resources.
#define LIFECYCLE_REQUIRE_NO_LEAKS(scope)                                                       \
    do {                                                                                        \
        const ::lifecycle::leak_report lifecycle_detail_report_ = (scope).check();              \
        if (!lifecycle_detail_report_.empty())                                                  \
            ::lifecycle_doctest_detail::fail_require(lifecycle_detail_report_, __FILE__, __LINE__); \
    } while (false)

#endif // LIFECYCLE_DOCTEST_HPP
