// SPDX-License-Identifier: BSL-1.0
// Policies that abort: run in a forked child, whose exit and stderr are checked.
#include <lifecycle/tracked.hpp>

#include <doctest/doctest.h>

#include "child.hpp"
#include "support.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <csignal>
#include <string>

using lifecycle_test::run_child;

TEST_CASE("LIFECYCLE_ASSERT_NO_LEAKS aborts with the report when something leaked") {
    const auto r = run_child([] {
        lifecycle::leak_scope scope{"asserted scope", lifecycle::leak_policy::ignore};
        static lifecycle::tracked_fd leaked;
        leaked = lifecycle::tracked_fd{::open("/dev/null", O_RDONLY), "asserted leak"};
        LIFECYCLE_ASSERT_NO_LEAKS(scope);
    });
    CHECK(r.aborted);
    CHECK(r.err.find("1 x fd 'asserted leak'") != std::string::npos);
    CHECK(r.err.find("  created at operator() (") != std::string::npos); // the lambda that created it
    CHECK(r.err.find("LIFECYCLE_ASSERT_NO_LEAKS(scope) failed") != std::string::npos);
}

TEST_CASE("leak_policy::abort prints the report and aborts when the scope ends with leaks") {
    const auto r = run_child([] {
        static lifecycle::tracked_fd leaked;
        lifecycle::leak_scope scope{"aborting scope", lifecycle::leak_policy::abort};
        leaked = lifecycle::tracked_fd{::open("/dev/null", O_RDONLY), "fatal leak"};
    });
    CHECK(r.aborted);
    CHECK(r.err.find("SUMMARY: lifecycle: 1 leaked resource in 1 group in scope 'aborting scope'") != std::string::npos);
}

TEST_CASE("leak_policy::abort does nothing when nothing leaked (control)") {
    const auto r = run_child([] {
        lifecycle::leak_scope scope{"clean aborting scope", lifecycle::leak_policy::abort};
        lifecycle::tracked_fd closed{::open("/dev/null", O_RDONLY)};
    });
    CHECK(r.clean);
    CHECK(r.err.empty());
}

TEST_CASE("ownership level abort reports the problem, then aborts") {
    const auto r = run_child([] {
        lifecycle::set_ownership_level(lifecycle::ownership_level::abort);
        lifecycle::tracked_fd a{::open("/dev/null", O_RDONLY), "first owner"};
        lifecycle::tracked_fd b{a.get(), "second owner"};
        (void)b.release();
    });
    CHECK(r.aborted);
    CHECK(r.err.find("is already owned by a tracked fd 'first owner'") != std::string::npos);
    CHECK(r.err.find("aborting (LIFECYCLE_OWNERSHIP=abort)") != std::string::npos);
}

TEST_CASE("LIFECYCLE_ASSERT_LIVE_AT_MOST aborts with the live resources of the kind when there are too many") {
    const auto r = run_child([] {
        static lifecycle::tracked_fd a{::open("/dev/null", O_RDONLY), "engine one"};
        static lifecycle::tracked_fd b{::open("/dev/null", O_RDONLY), "engine two"};
        LIFECYCLE_ASSERT_LIVE_AT_MOST("fd", 1000); // control: passes
        std::fputs("first assertion passed\n", stderr);
        LIFECYCLE_ASSERT_LIVE_AT_MOST("fd", 1);
    });
    CHECK(r.aborted);
    CHECK(r.err.find("first assertion passed") != std::string::npos);
    CHECK(r.err.find("lifecycle: more than 1 fd live; where they were created:") != std::string::npos);
    CHECK(r.err.find("1 x fd 'engine one'") != std::string::npos);
    CHECK(r.err.find("1 x fd 'engine two'") != std::string::npos);
    CHECK(r.err.find("LIFECYCLE_ASSERT_LIVE_AT_MOST(\"fd\", 1) failed: ") != std::string::npos);
}

TEST_CASE("LIFECYCLE_ASSERT_LIVE_AT_MOST writes a traits' kind name escaped") {
    const auto r = run_child([] {
        static lifecycle::tracked<lifecycle_test::hostile_kind_traits> a{::open("/dev/null", O_RDONLY)};
        static lifecycle::tracked<lifecycle_test::hostile_kind_traits> b{::open("/dev/null", O_RDONLY)};
        LIFECYCLE_ASSERT_LIVE_AT_MOST(lifecycle_test::hostile_word, 1);
    });
    CHECK(r.aborted);
    INFO(r.err);
    CHECK(r.err.find("lifecycle: more than 1 " + lifecycle_test::hostile_word_shown + " live; where they were created:") !=
          std::string::npos);
    CHECK_FALSE(lifecycle_test::has_raw_bytes(r.err));
}

TEST_CASE("set_break_on raises SIGTRAP when the resource with that ordinal is created, and not before") {
    const auto r = run_child([] {
        std::signal(SIGTRAP, SIG_DFL);
        lifecycle::leak_scope scope{"ordinals", lifecycle::leak_policy::ignore};
        lifecycle::tracked_fd first{::open("/dev/null", O_RDONLY), "first"};
        const std::uint64_t ordinal = scope.check().groups().at(0).ordinals.at(0);
        lifecycle::set_break_on(ordinal + 2); // the one after next
        lifecycle::tracked_fd second{::open("/dev/null", O_RDONLY), "second"};
        std::fputs("second created\n", stderr);
        lifecycle::tracked_fd third{::open("/dev/null", O_RDONLY), "third"};
        std::fputs("third created\n", stderr);
    });
#ifndef LIFECYCLE_TEST_TSAN
    CHECK(r.signal == SIGTRAP);
#endif
    const std::string& err = r.err;
    CHECK(err.find("second created") != std::string::npos);
    CHECK(err.find("lifecycle: LIFECYCLE_BREAK_ON: creating resource ") != std::string::npos);
    CHECK(err.find("third created") == std::string::npos);
}
