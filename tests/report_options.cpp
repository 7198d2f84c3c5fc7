// SPDX-License-Identifier: BSL-1.0
// What makes a report actionable: the top N groups, ages, limits per kind,
// allow rules and keep_alive, paused tracking, sampled stacks, the report
// file, the OS cross-check.
#include "support.hpp"

#include <doctest/doctest.h>

#include <sys/mman.h>

#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using lifecycle::allow_rule;
using lifecycle::leak_policy;
using lifecycle::leak_scope;
using lifecycle::leak_scope_options;
using lifecycle::tracked_fd;
using lifecycle_test::with_capture;

namespace {

int open_null() { return ::open("/dev/null", O_RDONLY); }

leak_scope_options quiet() {
    leak_scope_options o;
    o.policy = leak_policy::ignore;
    return o;
}

struct engine_tag {
    static constexpr const char* name = "engine";
};
using engine = lifecycle::tracked<lifecycle_test::fake_traits<engine_tag>>;

// A heavy resource: weighs its handle value in bytes.
struct dataset_traits {
    using handle_type = int;
    static constexpr std::string_view kind_name() noexcept { return "dataset"; }
    static constexpr int invalid() noexcept { return -1; }
    static std::uint64_t weight(int h) noexcept { return static_cast<std::uint64_t>(h) * 1024; }
    static std::error_code close(int) noexcept { return {}; }
};
using dataset = lifecycle::tracked<dataset_traits>;

__attribute__((noinline)) tracked_fd open_in_warm_cache() { return tracked_fd{open_null(), "cache"}; }

namespace pool {
// Constructed inside std::vector: the site is in a standard header; a rule on
// the qualified name matches through the creation stack.
__attribute__((noinline)) void fill(std::vector<tracked_fd>& into) { into.emplace_back(open_null(), "pooled"); }
} // namespace pool

std::size_t count_of(const std::string& s, const std::string& what) {
    std::size_t n = 0;
    for (std::size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
    return n;
}

} // namespace

TEST_CASE("the text shows the top max_groups groups and one line for the rest; JSON has them all") {
    with_capture tier{lifecycle::capture::site};
    leak_scope_options o = quiet();
    o.max_groups = 2;
    leak_scope scope{"many sites", o};
    std::vector<tracked_fd> fds; // four creating lines: four groups
    fds.push_back(tracked_fd{open_null(), "a"});
    fds.push_back(tracked_fd{open_null(), "b"});
    fds.push_back(tracked_fd{open_null(), "c"});
    fds.push_back(tracked_fd{open_null(), "d"});
    lifecycle::leak_report r = scope.check();
    REQUIRE(r.groups().size() == 4);
    std::string text = r.to_text();
    CHECK(count_of(text, "  created at ") == 2);
    CHECK(text.find("... and 2 more groups (") != std::string::npos);
    CHECK(text.find("(creation stacks were not captured: set LIFECYCLE_CAPTURE=stack") != std::string::npos); // groups cut
    CHECK(count_of(r.to_json(), "\"fingerprint\"") == 4);
    r.set_max_groups(0);
    text = r.to_text();
    CHECK(count_of(text, "  created at ") == 4);
    CHECK(text.find("more groups") == std::string::npos);
}

TEST_CASE("groups show the age of their oldest member with site capture, not with capture off") {
    {
        with_capture tier{lifecycle::capture::site};
        leak_scope scope{"aged", quiet()};
        tracked_fd fd{open_null(), "aged"};
        const auto r = scope.check();
        REQUIRE(r.groups().size() == 1);
        CHECK(r.groups()[0].has_age);
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        const auto later = scope.check();
        CHECK(later.groups()[0].oldest_age_seconds >= 0.03); // the kernel tick's resolution: a few ms
        CHECK(later.groups()[0].oldest_age_seconds < 30);
        CHECK(r.to_text().find(", oldest ") != std::string::npos);
    }
    {
        with_capture tier{lifecycle::capture::off};
        leak_scope scope{"ageless", quiet()};
        tracked_fd fd{open_null(), "ageless"};
        CHECK(scope.check().to_text().find(", oldest ") == std::string::npos);
    }
}

TEST_CASE("limits: leaks within a kind's limit are tolerated and counted; above it all are reported") {
    leak_scope_options o = quiet();
    o.limits.push_back({"engine", 1});
    leak_scope scope{"sync loop", o};
    std::vector<engine> engines;
    engines.emplace_back(8000001);
    lifecycle::leak_report r = scope.check();
    CHECK(r.empty());
    REQUIRE(r.allowed().size() == 1);
    CHECK(r.allowed()[0].rule == "limit 'engine' <= 1");
    CHECK(r.allowed()[0].count == 1);

    engines.emplace_back(8000002); // the second engine: one per sync, piling up
    r = scope.check();
    CHECK(r.count() == 2);
    REQUIRE(r.limits_exceeded().size() == 1);
    CHECK(r.limits_exceeded()[0].kind == "engine");
    CHECK(r.limits_exceeded()[0].count == 2);
    CHECK(r.to_text().find("limit exceeded: 2 x engine left open, at most 1 allowed") != std::string::npos);
    CHECK(r.to_json().find("\"limits_exceeded\":[{\"kind\":\"engine\",\"count\":2,\"weight\":0,\"max_count\":1}]") !=
          std::string::npos);
}

TEST_CASE("limits: weight per kind, and '*' for every kind without its own limit") {
    leak_scope_options o = quiet();
    o.limits.push_back({"dataset", static_cast<std::size_t>(-1), 10 * 1024});
    o.limits.push_back({"*", 0});
    leak_scope scope{"weights", o};
    dataset small{4}; // 4 KiB
    lifecycle::leak_report r = scope.check();
    CHECK(r.empty());
    dataset big{8}; // 12 KiB in total: over 10 KiB
    r = scope.check();
    CHECK(r.count() == 2);
    CHECK(r.to_text().find("limit exceeded: 2 x dataset (12.0 KiB) left open, at most 10.0 KiB allowed") != std::string::npos);
    tracked_fd fd{open_null(), "any kind"}; // "*" allows none
    CHECK(scope.check().count() == 3);
}

TEST_CASE("limits and allow rules with missing parts are rejected, naming the setting") {
    leak_scope_options o = quiet();
    o.limits.push_back({"", 1});
    CHECK_THROWS_WITH_AS(leak_scope("bad", o), doctest::Contains("limits[0].kind is empty"), std::invalid_argument);
    o.limits.clear();
    o.allow.push_back(allow_rule::kind("", "why"));
    CHECK_THROWS_WITH_AS(leak_scope("bad", o), doctest::Contains("allow[0] (kind) has an empty pattern"), std::invalid_argument);
    o.allow.clear();
    o.allow.push_back(allow_rule::label("warm*", ""));
    CHECK_THROWS_WITH_AS(leak_scope("bad", o), doctest::Contains("allow[0] (label 'warm*') has no reason"), std::invalid_argument);
}

TEST_CASE("allow rules by kind, label and creating function; each report counts every rule, stale ones too") {
    with_capture tier{lifecycle::capture::stack};
    leak_scope_options o = quiet();
    o.allow.push_back(allow_rule::kind("eng*", "one engine per process"));
    o.allow.push_back(allow_rule::label("warm-?", "cache warm-up"));
    o.allow.push_back(allow_rule::function("*open_in_warm_cache", "the cache lives for the process"));
    o.allow.push_back(allow_rule::kind("DIR*", "directory walks"));
    leak_scope scope{"allowed", o};
    engine e{8000101};
    tracked_fd warm{open_null(), "warm-1"};
    tracked_fd cached = open_in_warm_cache();
    tracked_fd leaked{open_null(), "real leak"}; // matches no rule: reported (control)
    const lifecycle::leak_report r = scope.check();
    CHECK(r.count() == 1);
    REQUIRE(r.groups().size() == 1);
    CHECK(r.groups()[0].labels == std::vector<std::string>{"real leak"});
    REQUIRE(r.allowed().size() == 4);
    CHECK(r.allowed()[0].count == 1);
    CHECK(r.allowed()[1].count == 1);
    CHECK(r.allowed()[2].count == 1);
    CHECK(r.allowed()[3].count == 0); // stale: shows as 0
    const std::string text = r.to_text();
    CHECK(text.find("allowed: 1 by kind 'eng*' (one engine per process), 1 by label 'warm-?' (cache warm-up), "
                    "1 by function '*open_in_warm_cache' (the cache lives for the process), 0 by kind 'DIR*' (directory walks)\n") !=
          std::string::npos);
}

TEST_CASE("a function rule matches the qualified name of the first user frame of the creation stack") {
    with_capture tier{lifecycle::capture::stack};
    leak_scope_options o = quiet();
    o.allow.push_back(allow_rule::function("*pool::fill", "the pool lives for the process"));
    leak_scope scope{"qualified", o};
    std::vector<tracked_fd> into;
    pool::fill(into);
    const lifecycle::leak_report r = scope.check();
    CHECK(r.empty());
    REQUIRE(r.allowed().size() == 1);
    CHECK(r.allowed()[0].count == 1);
    {
        // Site capture: the site is in <vector>, and the frames that anchor it name pool::fill.
        with_capture site{lifecycle::capture::site};
        leak_scope scope2{"site only", o};
        pool::fill(into);
        const lifecycle::leak_report r2 = scope2.check();
        CHECK(r2.empty());
        REQUIRE(r2.allowed().size() == 1);
        CHECK(r2.allowed()[0].count == 1);
    }
    with_capture off{lifecycle::capture::off}; // control: neither site nor frames, no match
    leak_scope scope3{"capture off", o};
    pool::fill(into);
    CHECK(scope3.check().count() == 1);
}

TEST_CASE("glob patterns") {
    using lifecycle::detail::glob_match;
    CHECK(glob_match("*", ""));
    CHECK(glob_match("a*c", "abbbc"));
    CHECK(glob_match("a?c", "abc"));
    CHECK_FALSE(glob_match("a?c", "ac"));
    CHECK(glob_match("*::send_request", "ipc_client::send_request"));
    CHECK_FALSE(glob_match("send", "send_request"));
    CHECK(glob_match("FILE*", "FILE*"));   // a '*' in the text
    CHECK(glob_match("*", "*abc"));
    CHECK(glob_match("x*", "x*y"));
    CHECK(glob_match("operator*", "operator*()"));
    CHECK_FALSE(glob_match("FILE?", "FILE"));
    CHECK(glob_match("*a*b*", "xxaxxbxx"));
}

TEST_CASE("keep_alive: a resource kept on purpose is counted under its reason, not reported") {
    leak_scope scope{"kept", quiet()};
    tracked_fd pool{open_null(), "pool"};
    lifecycle::keep_alive(pool, "connection pool for the process");
    tracked_fd other{open_null(), "not kept"};
    lifecycle::leak_report r = scope.check();
    CHECK(r.count() == 1);
    REQUIRE(r.allowed().size() == 1);
    CHECK(r.allowed()[0].rule == "keep_alive");
    CHECK(r.allowed()[0].reason == "connection pool for the process");
    CHECK_THROWS_AS(keep_alive(other, ""), std::invalid_argument);
    // A record reused after the kept resource closed is not kept (control).
    pool.reset();
    tracked_fd next{open_null(), "next"};
    CHECK(scope.check().count() == 2);
}

TEST_CASE("pause_tracking: resources created meanwhile on this thread are not tracked") {
    const auto live = lifecycle_test::live_of("fd");
    leak_scope scope{"paused", quiet()};
    tracked_fd before_pause{open_null(), "tracked"};
    {
        lifecycle::pause_tracking paused;
        tracked_fd a{open_null(), "untracked a"};
        {
            lifecycle::pause_tracking nested;
            tracked_fd b{open_null(), "untracked b"};
            CHECK(lifecycle_test::live_of("fd") == live + 1);
        }
        tracked_fd c{open_null(), "untracked c"};
        CHECK(c);
        CHECK(lifecycle_test::live_of("fd") == live + 1);
    }
    tracked_fd after{open_null(), "tracked again"};
    CHECK(lifecycle_test::live_of("fd") == live + 2);
    CHECK(scope.check().count() == 2);
}

TEST_CASE("sampling: the stack tier keeps 1 stack in N; groups say how many have one") {
    with_capture tier{lifecycle::capture::stack};
    lifecycle::set_sample(4);
    leak_scope scope{"sampled", quiet()};
    std::vector<tracked_fd> fds;
    for (int i = 0; i < 8; ++i) fds.push_back(tracked_fd{open_null(), "sampled"});
    lifecycle::set_sample(1);
    const auto r = scope.check();
    REQUIRE(r.groups().size() == 1);
    CHECK(r.groups()[0].with_stack == 2);
    CHECK(r.to_text().find("(2 of 8 have a stack)") != std::string::npos);
    leak_scope all{"unsampled", quiet()};
    tracked_fd one{open_null()}, two{open_null()};
    CHECK(all.check().groups()[0].with_stack == 2); // control: 1 in 1
}

TEST_CASE("sampling: the report names the sampling rate, not the capture tier, and a group without a sampled stack") {
    with_capture tier{lifecycle::capture::stack};
    lifecycle::set_sample(4);
    leak_scope scope{"sampled hint", quiet()};
    std::vector<tracked_fd> fds;
    std::thread([&fds] { // a new thread: its first creation is sampled, the next three are not
        fds.push_back(tracked_fd{open_null(), "sampled"});
        for (int i = 0; i < 3; ++i) fds.push_back(tracked_fd{open_null(), "unsampled"});
    }).join();
    const auto r = scope.check();
    lifecycle::set_sample(1);
    REQUIRE(r.groups().size() == 2);
    const std::string text = r.to_text();
    INFO(text);
    CHECK(text.find("(0 of 3 have a stack)") != std::string::npos);
    CHECK(text.find("(stacks are sampled, 1 creation in 4 per thread (LIFECYCLE_SAMPLE=4): set LIFECYCLE_SAMPLE=1") !=
          std::string::npos);
    CHECK(text.find("LIFECYCLE_CAPTURE=stack") == std::string::npos); // capture is stack already
}

TEST_CASE("LIFECYCLE_SAMPLE and LIFECYCLE_BREAK_ON are parsed; garbage warns and keeps the default") {
    using lifecycle::detail::parse_ordinal;
    using lifecycle::detail::parse_sample;
    CHECK(parse_sample("10", 1, nullptr) == 10);
    CHECK(parse_sample(nullptr, 1, nullptr) == 1);
    CHECK(parse_ordinal("3:52", "V", nullptr) == ((std::uint64_t(3) << 40) | 52));
    CHECK(parse_ordinal("52", "V", nullptr) == ((std::uint64_t(1) << 40) | 52));
    CHECK(parse_ordinal(nullptr, "V", nullptr) == 0);
    std::FILE* out = std::tmpfile();
    CHECK(parse_sample("0", 1, out) == 1);
    CHECK(parse_sample("often", 1, out) == 1);
    CHECK(parse_ordinal("1:", "LIFECYCLE_BREAK_ON", out) == 0);
    CHECK(parse_ordinal("x:3", "LIFECYCLE_BREAK_ON", out) == 0);
    std::rewind(out);
    std::string text(4096, '\0');
    text.resize(std::fread(&text[0], 1, text.size(), out));
    std::fclose(out);
    CHECK(text.find("lifecycle: ignoring LIFECYCLE_SAMPLE='0': expected a whole number from 1 to 1000000; using 1\n") !=
          std::string::npos);
    CHECK(text.find("lifecycle: ignoring LIFECYCLE_SAMPLE='often'") != std::string::npos);
    CHECK(text.find("lifecycle: ignoring LIFECYCLE_BREAK_ON='1:': expected an ordinal as reports print it, such as 1:52; "
                    "using none (no break)\n") != std::string::npos);
    CHECK(text.find("LIFECYCLE_BREAK_ON='x:3'") != std::string::npos);
}

TEST_CASE("LIFECYCLE_REPORT_FILE: each printed report is appended as one JSON line; a bad path warns and prints") {
    char path[] = "/tmp/lifecycle-report-XXXXXX";
    const int fd = ::mkstemp(path);
    REQUIRE(fd >= 0);
    ::close(fd);
    ::setenv("LIFECYCLE_REPORT_FILE", path, 1);
    {
        lifecycle_test::capture_stderr err;
        for (int i = 0; i < 2; ++i) {
            leak_scope scope{"to file"};
            static std::vector<tracked_fd> kept;
            kept.push_back(tracked_fd{open_null(), "filed"});
        }
        CHECK(count_of(err.text(), "SUMMARY: lifecycle: 1 leaked resource") == 2);
    }
    std::ifstream in(path);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    REQUIRE(lines.size() == 2);
    CHECK(lines[0].rfind("{\"schema\":2,\"type\":\"report\",\"scope\":\"to file\",\"count\":1,", 0) == 0);
    CHECK(lines[1].find("\"labels\":[\"filed\"]") != std::string::npos);
    ::unlink(path);

    // A file that cannot be opened: one warning, and the report still printed.
    auto leak_into = [](const std::string& file, const char* scope_name) {
        ::setenv("LIFECYCLE_REPORT_FILE", file.c_str(), 1);
        lifecycle_test::capture_stderr err;
        {
            leak_scope scope{scope_name};
            static tracked_fd kept;
            kept = tracked_fd{open_null(), "still printed"};
        }
        return err.text();
    };
    {
        const std::string text = leak_into("/nonexistent-dir/report.jsonl", "unwritable");
        CHECK(text.find("lifecycle: cannot append the report to LIFECYCLE_REPORT_FILE='/nonexistent-dir/report.jsonl': "
                        "No such file or directory; it is printed only") != std::string::npos);
        CHECK(text.find("1 x fd 'still printed'") != std::string::npos);
    }
    {
        // The variable's value is escaped in the warning: a path holding a newline or an escape cannot forge a line.
        const std::string text = leak_into("/nonexistent-dir/" + lifecycle_test::hostile_word, "unwritable, escaped");
        INFO(text);
        CHECK(text.find("lifecycle: cannot append the report to LIFECYCLE_REPORT_FILE='/nonexistent-dir/" +
                        lifecycle_test::hostile_word_shown + "': No such file or directory; it is printed only\n") !=
              std::string::npos);
        CHECK_FALSE(lifecycle_test::has_raw_bytes(text));
    }
    ::unsetenv("LIFECYCLE_REPORT_FILE");
}

TEST_CASE("OS cross-check: fds nobody tracks and threads still running are reported as their own groups") {
    leak_scope_options o = quiet();
    o.os_check = true;
    leak_scope scope{"os", o};
    const int raw = ::open("/dev/null", O_RDONLY); // nobody tracks it
    tracked_fd tracked{open_null(), "tracked"};
    lifecycle::tracked_file stream{std::fopen("/dev/null", "r"), "stream"}; // its fd is tracked through the FILE*
    std::atomic<bool> stop{false};
    std::thread runner([&] {
        while (!stop) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    });
    lifecycle::leak_report r = scope.check();
    stop = true;
    runner.join();
    CHECK(r.count() == 4); // fd, FILE*, the raw fd, the thread
    const std::string text = r.to_text();
    CHECK(text.find("1 x fd (not tracked)\n  fd " + std::to_string(raw) + " -> /dev/null\n") != std::string::npos);
    CHECK(text.find("1 x thread (not tracked)\n  1 more thread than when the scope began") != std::string::npos);
    CHECK(r.to_json().find("\"tracked\":false,\"kind\":\"fd\"") != std::string::npos);
    ::close(raw);
    // Control: after the raw fd closed and the thread ended, only the tracked resources remain.
    CHECK(scope.check().count() == 2);
    leak_scope without{"no os check", quiet()};
    const int raw2 = ::open("/dev/null", O_RDONLY);
    CHECK(without.check().empty());
    ::close(raw2);
}

TEST_CASE("keep_alive on a close_guard: the guarded object is counted under its reason") {
    leak_scope scope{"kept guard", quiet()};
    lifecycle::close_guard guard{"Dataset", "reference data"};
    lifecycle::keep_alive(guard, "loaded once per process");
    lifecycle::close_guard other{"Dataset", "not kept"};
    const lifecycle::leak_report r = scope.check();
    CHECK(r.count() == 1);
    REQUIRE(r.allowed().size() == 1);
    CHECK(r.allowed()[0].reason == "loaded once per process");
    CHECK_THROWS_AS(lifecycle::keep_alive(other, ""), std::invalid_argument);
    guard.close();
    other.close();
}
