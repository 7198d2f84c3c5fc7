// SPDX-License-Identifier: BSL-1.0
// Live-count windows: the per-test max-live check counts the most resources
// of a kind live at once during the test, across threads, beyond those left
// by earlier tests; and the timeline lines (one per test, or per leak scope
// with record_timeline) that LIFECYCLE_REPORT_FILE receives.
#include <lifecycle/doctest.hpp>
#include <lifecycle/tracked.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support.hpp"

namespace {

namespace testing = lifecycle::detail::testing;
using lifecycle::tracked_fd;

lifecycle::test_leak_settings max_fds(std::uint64_t n) {
    lifecycle::test_leak_settings s;
    s.detect = true;
    s.max_leaks = 1000; // leaks alone fail nothing here: only max-live is under test
    s.max_live.emplace_back("fd", n);
    return s;
}

tracked_fd open_fd(const char* label) { return tracked_fd{::open("/dev/null", O_RDONLY), label}; }

/// LIFECYCLE_REPORT_FILE set to a fresh file while alive; lines() reads it.
class report_file {
public:
    report_file() : path_(std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") + "/lifecycle-timeline-" +
                          std::to_string(::getpid()) + ".jsonl") {
        std::remove(path_.c_str());
        ::setenv("LIFECYCLE_REPORT_FILE", path_.c_str(), 1);
    }
    ~report_file() {
        ::unsetenv("LIFECYCLE_REPORT_FILE");
        std::remove(path_.c_str());
    }
    std::vector<std::string> lines() const {
        std::vector<std::string> out;
        std::ifstream in(path_);
        for (std::string l; std::getline(in, l);) out.push_back(l);
        return out;
    }

private:
    std::string path_;
};

// The object `{"kind":"<kind>",...}` of a timeline line.
std::string kind_entry(const std::string& line, const std::string& kind) {
    const std::size_t at = line.find("{\"kind\":\"" + kind + "\"");
    return at == std::string::npos ? std::string() : line.substr(at, line.find('}', at) - at + 1);
}

std::uint64_t field(const std::string& entry, const std::string& key) {
    const std::size_t at = entry.find("\"" + key + "\":");
    return at == std::string::npos ? ~std::uint64_t(0) : std::stoull(entry.substr(at + key.size() + 3));
}

} // namespace

TEST_CASE("max-live: one fd at a time on each of two threads is one live at once, not two") {
    testing::checked_run run("two threads, one fd each in turn", max_fds(1), false);
    std::thread([] { tracked_fd fd = open_fd("first thread"); }).join();
    std::thread([] { tracked_fd fd = open_fd("second thread"); }).join();
    const testing::verdict v = run.finish();
    INFO(v.message);
    CHECK_FALSE(v.failed);
}

TEST_CASE("max-live: two fds open at once on two threads exceed a limit of one") {
    testing::checked_run run("two threads at once", max_fds(1), false);
    tracked_fd mine = open_fd("on the test thread");
    std::thread([] { tracked_fd fd = open_fd("meanwhile on another"); }).join();
    const testing::verdict v = run.finish();
    CHECK(v.failed);
    CHECK(v.message.find("lifecycle: 2 x fd were live at once in test 'two threads at once' (at most 1 allowed; 1 still "
                         "live at its end)") != std::string::npos);
}

TEST_CASE("max-live: the failure line escapes the test's name") {
    testing::checked_run run("two at once\nlifecycle: forged\x1b[2J\xff", max_fds(1), false);
    tracked_fd a = open_fd("a"), b = open_fd("b");
    const testing::verdict v = run.finish();
    CHECK(v.failed);
    INFO(v.message);
    CHECK(v.message.rfind("lifecycle: 2 x fd were live at once in test 'two at once\\nlifecycle: forged\\x1b[2J\\xff' (at "
                          "most 1 allowed; 2 still live at its end)\n", 0) == 0);
    CHECK_FALSE(lifecycle_test::has_raw_bytes(v.message));
}

TEST_CASE("max-live: the failure line escapes a traits' kind name") {
    using hostile_fd = lifecycle::tracked<lifecycle_test::hostile_kind_traits>;
    lifecycle::test_leak_settings s = max_fds(1);
    s.max_live.emplace_back(lifecycle_test::hostile_word, 1);
    testing::checked_run run("hostile kind", s, false);
    hostile_fd a{::open("/dev/null", O_RDONLY)}, b{::open("/dev/null", O_RDONLY)};
    const testing::verdict v = run.finish();
    CHECK(v.failed);
    INFO(v.message);
    CHECK(v.message.rfind("lifecycle: 2 x " + lifecycle_test::hostile_word_shown + " were live at once in test 'hostile kind'", 0) == 0);
    CHECK_FALSE(lifecycle_test::has_raw_bytes(v.message));
}

TEST_CASE("max-live: what earlier tests left open does not count against a later test") {
    std::vector<tracked_fd> left_by_earlier_tests;
    for (int i = 0; i < 3; ++i) left_by_earlier_tests.push_back(open_fd("left open earlier"));
    {
        testing::checked_run run("one fd of its own", max_fds(1), false);
        tracked_fd fd = open_fd("the test's own");
        const testing::verdict v = run.finish();
        INFO(v.message);
        CHECK_FALSE(v.failed);
    }
    {
        // Earlier fds closed during the test do not make room either: two of its own are two.
        testing::checked_run run("two fds of its own", max_fds(1), false);
        left_by_earlier_tests.clear();
        tracked_fd a = open_fd("own a"), b = open_fd("own b");
        const testing::verdict v = run.finish();
        CHECK(v.failed);
        CHECK(v.message.find("2 x fd were live at once") != std::string::npos);
    }
}

TEST_CASE("timeline: a checked test appends one line with its duration and, per kind, live, peak, created, closed") {
    report_file file;
    const std::uint64_t live_before = lifecycle_test::live_of("fd");
    {
        lifecycle::test_leak_settings s;
        s.detect = true;
        s.max_leaks = 1000;
        testing::checked_run run("timeline <test> \"one\"", s, true, "timeline.cpp", 7);
        tracked_fd kept = open_fd("kept to the end");
        { tracked_fd a = open_fd("a"), b = open_fd("b"); }
        run.finish();
    }
    const std::vector<std::string> lines = file.lines();
    REQUIRE(lines.size() == 1);
    const std::string& line = lines[0];
    INFO(line);
    CHECK(line.rfind("{\"schema\":2,\"type\":\"test\",\"name\":\"timeline <test> \\\"one\\\"\",\"file\":\"timeline.cpp\","
                     "\"line\":7,\"failed\":false,\"allowed\":false,\"leaked\":1,\"time\":\"", 0) == 0);
    CHECK(line.find("\"duration_seconds\":") != std::string::npos);
    CHECK(line.find("\"pid\":" + std::to_string(::getpid())) != std::string::npos);
    const std::string fd = kind_entry(line, "fd");
    REQUIRE(!fd.empty());
    CHECK(field(fd, "created") == 3);
    CHECK(field(fd, "closed") == 2);
    CHECK(field(fd, "peak") == live_before + 3);
    CHECK(field(fd, "live") == live_before + 1);
}

TEST_CASE("timeline: nothing is appended without LIFECYCLE_REPORT_FILE, nor for a detached run") {
    std::vector<std::string> lines;
    {
        report_file file;
        lifecycle::test_leak_settings s;
        testing::checked_run detached("detached", s, false);
        detached.finish();
        lines = file.lines();
    }
    CHECK(lines.empty());
}

TEST_CASE("timeline: a leak scope with record_timeline appends a scope line at its end") {
    report_file file;
    {
        lifecycle::leak_scope_options o;
        o.policy = lifecycle::leak_policy::ignore;
        o.record_timeline = true;
        lifecycle::leak_scope scope{"recorded scope", o};
        std::thread([] { tracked_fd a = open_fd("a"); }).join();
        std::thread([] { tracked_fd b = open_fd("b"); }).join();
    }
    {
        lifecycle::leak_scope scope{"not recorded", lifecycle::leak_policy::ignore}; // the option off: no line
        tracked_fd c = open_fd("c");
    }
    const std::vector<std::string> lines = file.lines();
    REQUIRE(lines.size() == 1);
    INFO(lines[0]);
    CHECK(lines[0].rfind("{\"schema\":2,\"type\":\"scope\",\"name\":\"recorded scope\",", 0) == 0);
    const std::string fd = kind_entry(lines[0], "fd");
    CHECK(field(fd, "created") == 2);
    CHECK(field(fd, "closed") == 2);
    CHECK(field(fd, "peak") == lifecycle_test::live_of("fd") + 1); // one at a time, on two threads
}
