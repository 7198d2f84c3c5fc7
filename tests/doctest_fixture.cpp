// SPDX-License-Identifier: BSL-1.0
// lifecycle/doctest.hpp in passing test cases; the failing ones run in a
// subprocess (tests/programs/doctest_leaks.cpp), since they must fail.
#include <lifecycle/doctest.hpp>
#include <lifecycle/tracked.hpp>

#include <fcntl.h>

#include <mutex>
#include <string>
#include <utility>

#include "support.hpp"

TEST_CASE_FIXTURE(lifecycle::doctest::no_leaks, "a test case that closes what it opens passes the fixture") {
    lifecycle::tracked_fd fd{::open("/dev/null", O_RDONLY), "closed by the test"};
    CHECK(fd);
    CHECK(leak_scope_().name() == "a test case that closes what it opens passes the fixture");
}

TEST_CASE("LIFECYCLE_CHECK_NO_LEAKS and LIFECYCLE_REQUIRE_NO_LEAKS pass a clean scope") {
    lifecycle::leak_scope scope{"clean", lifecycle::leak_policy::ignore};
    { lifecycle::tracked_fd fd{::open("/dev/null", O_RDONLY)}; }
    LIFECYCLE_CHECK_NO_LEAKS(scope);
    LIFECYCLE_REQUIRE_NO_LEAKS(scope);
}

// The integrations' own lines escape the words a program gives: test and
// suite names, opt-out reasons, the name of an unknown flag.
namespace {
namespace testing = lifecycle::detail::testing;

using lifecycle_test::has_raw_bytes;
const std::string& hostile = lifecycle_test::hostile_word;
const std::string& hostile_shown = lifecycle_test::hostile_word_shown;

std::string suite_failure; // what suite_check::end reported
void record_suite_failure(const char*, unsigned, const std::string& message) { suite_failure = message; }
} // namespace

TEST_CASE("integrations: a failing test's first line escapes the test's name") {
    lifecycle::test_leak_settings strict;
    strict.detect = true;
    testing::checked_run run(hostile, strict, false);
    lifecycle::tracked_fd fd{::open("/dev/null", O_RDONLY), "left open"};
    const testing::verdict v = run.finish();
    REQUIRE(v.failed);
    INFO(v.message);
    CHECK(v.message.rfind("lifecycle: test '" + hostile_shown + "' left 1 resource open; ", 0) == 0);
    CHECK_FALSE(has_raw_bytes(v.message));
}

TEST_CASE("integrations: an unknown flag is named escaped") {
    lifecycle_test::capture_stderr err;
    lifecycle::test_leak_settings s;
    const std::string flag = "--lifecycle-" + hostile + "=1";
    testing::apply_flags(s, {"program", flag});
    const std::string text = err.text();
    INFO(text);
    CHECK(text.rfind("lifecycle: ignoring unknown option --lifecycle-" + hostile_shown + "; lifecycle's options are --", 0) == 0);
    CHECK_FALSE(has_raw_bytes(text));
}

TEST_CASE("integrations: the end-of-run summary escapes the names and reasons of tests allowed to leak") {
    auto& st = testing::global();
    {
        std::lock_guard<std::mutex> lock(st.mutex);
        st.opt_outs.push_back(testing::opt_out{"test " + hostile, "t" + hostile + ".cpp", "reason " + hostile, 12, 1});
    }
    const std::string text = testing::summary();
    {
        std::lock_guard<std::mutex> lock(st.mutex);
        st.opt_outs.pop_back();
    }
    INFO(text);
    CHECK(text.find("  'test " + hostile_shown + "' (t" + hostile_shown + ".cpp:12): reason " + hostile_shown +
                    " — left 1 resource open\n") !=
          std::string::npos);
    CHECK_FALSE(has_raw_bytes(text));
}

TEST_CASE("integrations: what a suite leaves open outside its tests is reported with its name escaped") {
    (void)testing::settings(); // read once, before they are changed here
    auto& st = testing::global();
    bool detect = false;
    {
        std::lock_guard<std::mutex> lock(st.mutex);
        detect = std::exchange(st.settings.detect, true);
    }
    lifecycle::tracked_fd fd;
    {
        testing::suite_check suite;
        suite.begin("suite " + hostile, "its set-up");
        fd = lifecycle::tracked_fd{::open("/dev/null", O_RDONLY), "suite's"};
        suite_failure.clear();
        suite.end("f.cpp", 1, &record_suite_failure);
    }
    {
        std::lock_guard<std::mutex> lock(st.mutex);
        st.settings.detect = detect;
    }
    INFO(suite_failure);
    CHECK(suite_failure.rfind("lifecycle: 'suite " + hostile_shown + "' left 1 resource open outside its tests (its set-up)\n",
                              0) == 0);
    CHECK_FALSE(has_raw_bytes(suite_failure));
}
