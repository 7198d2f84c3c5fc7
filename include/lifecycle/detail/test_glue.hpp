// SPDX-License-Identifier: BSL-1.0
// lifecycle/detail/test_glue.hpp — the framework-facing half of the doctest,
// GoogleTest and Catch2 integrations, written once: a checked test case (the
// `no_leaks` fixtures' and the automatic mode's), installing automatic mode,
// the self-test case's body, the end-of-run summary and the scope macros'
// failure. Private: include lifecycle/doctest.hpp, gtest.hpp or catch2.hpp.
// It includes no test framework.
//
// What an adapter supplies: where its running test case is (a `test_site`),
// a `report_failure` that fails that test at file:line with a message, and
// the framework's hooks that call the functions below.
#ifndef LIFECYCLE_DETAIL_TEST_GLUE_HPP
#define LIFECYCLE_DETAIL_TEST_GLUE_HPP

#include <lifecycle/config.hpp>
#include <lifecycle/detail/test_integration.hpp>
#include <lifecycle/report.hpp>

#include <cstdio>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

LIFECYCLE_BEGIN_NAMESPACE
namespace detail {
namespace testing {

/// Appends `r` to LIFECYCLE_REPORT_FILE; returns it for rendering.
inline const leak_report& filed(const leak_report& r) {
    append_report_file(r);
    return r;
}

/// A test case as its framework names and places it.
struct test_site {
    std::string name;
    const char* file = ""; ///< alive for the whole run (the framework's registration)
    unsigned line = 0;
    std::optional<std::string> allowed; ///< an opt-out the framework carries on the test case (a tag)
};

/// The framework's failure: the running test fails, and goes on, at file:line with `message`.
using report_failure = void (*)(const char* file, unsigned line, const std::string& message);

/// A test case under the leak check, and its passes through the body (one
/// pass, or one per doctest subcase or Catch2 leaf section). Either the
/// automatic mode's (`begin_automatic`) or a fixture's (`begin_fixture`).
class case_check {
public:
    /// Effects: when the settings turn automatic mode on, makes `t` the current test case.
    /// Returns: whether they do.
    bool begin_automatic(test_site t) {
        site_ = std::move(t);
        active_ = settings().detect;
        if (active_) begin_case(as_case(site_), true);
        return active_;
    }

    /// Effects: unless the automatic mode checks the running test case
    /// already (one report, not two), makes `t` the current test case and
    /// begins its one pass.
    void begin_fixture(test_site t) {
        if (automatic_case_running()) return;
        site_ = std::move(t);
        active_ = begin_case(as_case(site_), false);
        begin_pass();
    }

    /// Effects: begins a pass through the body inside a leak scope named after the test case.
    void begin_pass() {
        if (active_) run_.emplace(site_.name, settings(), true, site_.file, site_.line);
    }

    /// Effects: checks the pass; a failing check is `fail` at the test case's file:line.
    void end_pass(report_failure fail) {
        if (!run_) return;
        const verdict v = run_->finish();
        run_.reset();
        if (v.failed) fail(site_.file, site_.line, v.message);
    }

    /// Effects: ends the test case (counts it, lists its opt-out).
    void end() {
        if (active_) end_case();
        active_ = false;
    }

private:
    static test_case as_case(const test_site& t) { return test_case{t.name, t.file, t.line, t.allowed, false, 0}; }

    test_site site_;
    bool active_ = false;
    std::optional<checked_run> run_;
};

/// A `no_leaks` fixture's check, from its construction to its destruction.
class fixture_check {
public:
    fixture_check(test_site t, report_failure fail) : fail_(fail) { check_.begin_fixture(std::move(t)); }
    fixture_check(const fixture_check&) = delete;
    fixture_check& operator=(const fixture_check&) = delete;
    ~fixture_check() {
        check_.end_pass(fail_);
        check_.end();
    }

private:
    case_check check_;
    report_failure fail_;
};

/// What a test suite's own set-up and tear-down (GoogleTest's SetUpTestSuite
/// and TearDownTestSuite, a global environment) create outside its tests and
/// leave open at its end: in automatic mode, a failure blamed on the suite.
class suite_check {
public:
    /// Effects: in automatic mode, begins the suite's scope, named `name`.
    void begin(const std::string& name, std::string what) {
        if (!settings().detect) return;
        leak_scope_options o;
        o.policy = leak_policy::ignore;
        o.exclude_nested_scopes = true;
        what_ = std::move(what);
        scope_.emplace(name, std::move(o));
    }
    /// Effects: checks the suite's scope; what is still open is `fail` at file:line.
    void end(const char* file, unsigned line, report_failure fail) {
        if (!scope_) return;
        const leak_report r = scope_->check();
        const std::string name = scope_->name();
        scope_.reset();
        if (r.empty()) return;
        fail(file, line, "lifecycle: '" + text_word(name) + "' left " + plural(r.count(), "resource", "resources") + " open outside its tests (" +
                             what_ + ")\n" + filed(r).to_text());
    }

private:
    std::optional<leak_scope> scope_;
    std::string what_;
};

/// Effects: records that an integration's automatic mode is wired in and,
/// when the settings ask for it, calls `register_self_test()`. Returns: true
/// (for the AUTO macros' static initializer).
template <class Register>
bool install_automatic(Register register_self_test) {
    {
        state& st = global();
        std::lock_guard<std::mutex> lock(st.mutex);
        st.automatic_installed = true;
    }
    if (settings().self_test) register_self_test();
    return true;
}

inline bool automatic_installed() {
    state& st = global();
    std::lock_guard<std::mutex> lock(st.mutex);
    return st.automatic_installed;
}

/// Writes `text` to stderr after what the framework has written to stdout so
/// far, so that a reader of both streams (a terminal, `2>&1`, a CI log) sees
/// lifecycle's lines between the framework's, never inside one of them.
/// The flush is lifecycle's only touch of stdout and writes none of its
/// bytes: it sends out the framework's own buffered output, in its order.
/// Without it a fully buffered stdout (a pipe) was cut at its 4 KiB boundary
/// by the end-of-run summary (program.doctest_auto.flag, 2a34826); which
/// reader merges the two streams cannot be told from here, so it is always done.
inline void to_stderr(const char* text) {
    std::fflush(stdout);
    std::fputs(text, stderr);
    std::fflush(stderr);
}

/// The self-test case's body. `expect_empty(problem)` is the framework's own
/// assertion that nothing is wrong, so a failure reads as that framework's.
template <class Expect>
void self_test_case(Expect expect_empty) {
    const std::string problem = leak_check_self_test();
    expect_empty(problem);
    if (problem.empty()) to_stderr("lifecycle: self-test passed: a planted leak was reported with its creation site\n");
}

/// Effects: prints the counts and the opt-outs. On stderr: the test reporters own stdout.
inline void print_summary() {
    to_stderr(summary().c_str());
}

/// Effects: the scope macros' check: when `r` is not empty, files it and `fail`s at file:line with its text.
template <class Fail>
void fail_on_leaks(const leak_report& r, const char* file, unsigned line, Fail fail) {
    if (!r.empty()) fail(file, line, filed(r).to_text());
}

} // namespace testing
} // namespace detail
LIFECYCLE_END_NAMESPACE

#endif // LIFECYCLE_DETAIL_TEST_GLUE_HPP
