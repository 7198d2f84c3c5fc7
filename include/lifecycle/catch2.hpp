// SPDX-License-Identifier: BSL-1.0
// lifecycle/catch2.hpp — leak checks in Catch2 v2: automatic per-test mode,
// a fixture and assertions.
//
//   #define CATCH_CONFIG_RUNNER
//   #include <lifecycle/catch2.hpp>
//   LIFECYCLE_CATCH2_MAIN();   // main(): strips lifecycle's options, runs Catch
//
//   TEST_CASE("config loads") { load_config(); }   // with --lifecycle-detect-leaks or
//                                                  // LIFECYCLE_DETECT_LEAKS=1: fails if it leaks
//   TEST_CASE("cache warms", "[lifecycle-allow-leaks:the cache lives for the process]") { warm(); }
//   TEST_CASE("pool warms") { lifecycle::allow_leaks("pool kept for later tests"); warm(); }
//
//   TEST_CASE_METHOD(lifecycle::catch2::no_leaks, "parser parses") { parse(); }   // always checked
//
//   TEST_CASE("explicit scope") {
//       lifecycle::leak_scope scope{"explicit", lifecycle::leak_policy::ignore};
//       load_config();
//       LIFECYCLE_CHECK_NO_LEAKS(scope);     // fails the test case, continues
//       LIFECYCLE_REQUIRE_NO_LEAKS(scope);   // fails the test case, stops it
//   }
//
// Automatic mode is a Catch2 event listener: each run through a test case's
// body (one per leaf section) is inside a leak scope named after the test
// case; what it leaves open fails the test case with the report, at its
// TEST_CASE line, and the run's exit code is non-zero. Opt out with the tag
// [lifecycle-allow-leaks] or `[lifecycle-allow-leaks:<reason>]`, or with
// `lifecycle::allow_leaks(reason)`; opt-outs are listed at the end of the run,
// on stderr.
// Settings: the flags and LIFECYCLE_* variables in
// lifecycle/detail/test_integration.hpp. Catch2 rejects options it does not
// know, so the flags need LIFECYCLE_CATCH2_MAIN() or
// `lifecycle::catch2::configure(argc, argv)` before `Session::run`; with
// CATCH_CONFIG_MAIN use LIFECYCLE_CATCH2_AUTO() and the environment only.
// The listener needs Catch's reporter interfaces: put LIFECYCLE_CATCH2_AUTO()
// or LIFECYCLE_CATCH2_MAIN() in the file that defines CATCH_CONFIG_MAIN or
// CATCH_CONFIG_RUNNER. With LIFECYCLE_TRACKING=0 every check passes. Never
// included by lifecycle/tracked.hpp; cannot share a translation unit with
// lifecycle/doctest.hpp (both frameworks define CHECK, REQUIRE, ...).
#ifndef LIFECYCLE_CATCH2_HPP
#define LIFECYCLE_CATCH2_HPP

#include <lifecycle/config.hpp>
#include <lifecycle/detail/test_glue.hpp>
#include <lifecycle/leak_scope.hpp>
#include <lifecycle/report.hpp>

#include <catch2/catch.hpp>

#include <cstddef>
#include <optional>
#include <string>

LIFECYCLE_BEGIN_NAMESPACE
namespace catch2 {

namespace detail {
namespace glue = ::lifecycle::detail::testing;

inline void fail(const std::string& text, const char* file, std::size_t line, bool stop) {
    Catch::AssertionHandler handler(stop ? "LIFECYCLE_REQUIRE_NO_LEAKS" : "LIFECYCLE_CHECK_NO_LEAKS",
                                    Catch::SourceLineInfo(file, line), Catch::StringRef(),
                                    stop ? Catch::ResultDisposition::Normal : Catch::ResultDisposition::ContinueOnFailure);
    handler.handleMessage(Catch::ResultWas::ExplicitFailure, text);
    handler.complete();
}

inline void fail_check(const char* file, unsigned line, const std::string& text) { fail(text, file, line, false); }
inline void fail_require(const char* file, unsigned line, const std::string& text) { fail(text, file, line, true); }

/// The opt-out tag's reason, if the test case has one.
inline std::optional<std::string> tag_reason(const Catch::TestCaseInfo& info) {
    static const std::string tag = "lifecycle-allow-leaks";
    for (const std::string& t : info.tags) {
        if (t.size() >= tag.size() && Catch::toLower(t.substr(0, tag.size())) == tag) {
            if (t.size() == tag.size()) return std::string("tagged [lifecycle-allow-leaks]");
            if (t[tag.size()] == ':' || t[tag.size()] == '=') return t.substr(tag.size() + 1);
        }
    }
    return std::nullopt;
}

inline glue::test_site site_of(const Catch::TestCaseInfo& info) {
    return glue::test_site{info.name, info.lineInfo.file, static_cast<unsigned>(info.lineInfo.line), tag_reason(info)};
}

// The test case the listener saw start; null without the listener.
inline const Catch::TestCaseInfo*& current_info() {
    static const Catch::TestCaseInfo* info = nullptr;
    return info;
}

inline glue::test_site current_site() {
    if (const Catch::TestCaseInfo* info = current_info()) return site_of(*info);
    return glue::test_site{Catch::getResultCapture().getCurrentTestName(), __FILE__, __LINE__, std::nullopt};
}

inline void self_test_case() {
    glue::self_test_case([](const std::string& problem) {
        if (!problem.empty()) fail(problem, __FILE__, __LINE__, false);
    });
}

} // namespace detail

/// A `TEST_CASE_METHOD` fixture: the test case runs inside a leak scope
/// named after it and fails with the report if anything created in it is
/// still open when the fixture is destroyed. Honors `allow_leaks`, the opt-out
/// tag, the thresholds and the grace period; in automatic mode it leaves the
/// check to the automatic one.
class no_leaks {
public:
    no_leaks() : check_(detail::current_site(), &detail::fail_check) {}
    no_leaks(const no_leaks&) = delete;
    no_leaks& operator=(const no_leaks&) = delete;

private:
    detail::glue::fixture_check check_;
};

/// Effects: reads lifecycle's settings from `argv` (instead of
/// /proc/self/cmdline) and removes lifecycle's options from it; call it
/// before `Catch::Session::run(argc, argv)`.
inline void configure(int& argc, char** argv) { lifecycle::detail::testing::configure(&argc, argv); }

} // namespace catch2
LIFECYCLE_END_NAMESPACE

#if defined(LIFECYCLE_CHECK_NO_LEAKS)
#    error "lifecycle/catch2.hpp and lifecycle/doctest.hpp cannot be used in one translation unit"
#endif

/// Fails the current test case (and continues) if `scope` has leaked resources.
#define LIFECYCLE_CHECK_NO_LEAKS(scope) \
    ::lifecycle::detail::testing::fail_on_leaks((scope).check(), __FILE__, __LINE__, &::lifecycle::catch2::detail::fail_check)
/// Fails the current test case and stops it if `scope` has leaked resources.
#define LIFECYCLE_REQUIRE_NO_LEAKS(scope) \
    ::lifecycle::detail::testing::fail_on_leaks((scope).check(), __FILE__, __LINE__, &::lifecycle::catch2::detail::fail_require)

#if defined(CATCH_CONFIG_EXTERNAL_INTERFACES)

LIFECYCLE_BEGIN_NAMESPACE
namespace catch2 {

/// The automatic mode's listener: a leak scope around every run through a
/// test case's body (Catch reports each run as the test case's own section)
/// when the settings ask for it; the counts and opt-outs at the end of the
/// run, on stderr.
class leak_listener : public Catch::TestEventListenerBase {
public:
    using Catch::TestEventListenerBase::TestEventListenerBase;

    /// Catch2 hook: a test case starts (its leak check begins).
    void testCaseStarting(const Catch::TestCaseInfo& info) override {
        Catch::TestEventListenerBase::testCaseStarting(info);
        detail::current_info() = &info;
        depth_ = 0;
        check_.begin_automatic(detail::site_of(info));
    }
    /// Catch2 hook: a run through the test case's body starts at its outermost section.
    void sectionStarting(const Catch::SectionInfo& section) override {
        Catch::TestEventListenerBase::sectionStarting(section);
        if (depth_++ == 0) check_.begin_pass();
    }
    /// Catch2 hook: a run through the body ends; its leaks fail the test case.
    void sectionEnded(const Catch::SectionStats& stats) override {
        // Listeners hear this before the reporter does, and the test case is
        // still the current one: a failure here fails it, under its name.
        if (--depth_ == 0) check_.end_pass(&detail::fail_check);
        Catch::TestEventListenerBase::sectionEnded(stats);
    }
    /// Catch2 hook: the test case ends.
    void testCaseEnded(const Catch::TestCaseStats& stats) override {
        check_.end();
        detail::current_info() = nullptr;
        Catch::TestEventListenerBase::testCaseEnded(stats);
    }
    /// Catch2 hook: the run ends; prints the summary and the opt-outs to stderr.
    void testRunEnded(const Catch::TestRunStats& stats) override {
        detail::glue::print_summary();
        Catch::TestEventListenerBase::testRunEnded(stats);
    }

private:
    detail::glue::case_check check_;
    int depth_ = 0;
};

namespace detail {
inline bool install_automatic_mode() {
    return glue::install_automatic([] {
        Catch::getMutableRegistryHub().registerTest(Catch::makeTestCase(
            Catch::makeTestInvoker(&self_test_case), "", Catch::NameAndTags{"lifecycle: self-test", "[lifecycle]"},
            Catch::SourceLineInfo(__FILE__, static_cast<std::size_t>(__LINE__))));
    });
}
} // namespace detail

} // namespace catch2
LIFECYCLE_END_NAMESPACE

/// The listener's name for CATCH_REGISTER_LISTENER (which needs an unqualified name).
using lifecycle_catch2_leak_listener = ::lifecycle::catch2::leak_listener;

/// Registers the automatic mode's listener (and the self-test, "lifecycle:
/// self-test", when asked: --lifecycle-self-test or LIFECYCLE_SELF_TEST=1).
/// Once, at namespace scope, in the file that defines CATCH_CONFIG_MAIN or
/// CATCH_CONFIG_RUNNER.
#    define LIFECYCLE_CATCH2_AUTO()                                       \
        CATCH_REGISTER_LISTENER(lifecycle_catch2_leak_listener)           \
        [[maybe_unused]] static const bool lifecycle_catch2_auto_installed_ = \
            ::lifecycle::catch2::detail::install_automatic_mode()

/// LIFECYCLE_CATCH2_AUTO() and a main() that takes lifecycle's options off the
/// command line before Catch2 parses it. Needs CATCH_CONFIG_RUNNER.
#    define LIFECYCLE_CATCH2_MAIN()                                       \
        LIFECYCLE_CATCH2_AUTO();                                          \
        int main(int argc, char* argv[]) {                                \
            ::lifecycle::catch2::configure(argc, argv);                   \
            return Catch::Session().run(argc, argv);                      \
        }                                                                 \
        static_assert(true, "")

#else

#    define LIFECYCLE_CATCH2_AUTO()                                                                           \
        static_assert(false && sizeof(int), "LIFECYCLE_CATCH2_AUTO() goes in the file that defines "          \
                                            "CATCH_CONFIG_MAIN or CATCH_CONFIG_RUNNER before including lifecycle/catch2.hpp")
#    define LIFECYCLE_CATCH2_MAIN() LIFECYCLE_CATCH2_AUTO()

#endif // CATCH_CONFIG_EXTERNAL_INTERFACES

#endif // LIFECYCLE_CATCH2_HPP
