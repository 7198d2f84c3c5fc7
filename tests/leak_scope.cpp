// SPDX-License-Identifier: BSL-1.0
// leak_scope: what a scope reports, nesting, threads, policies.
#include <lifecycle/tracked.hpp>

#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support.hpp"

using lifecycle::leak_policy;
using lifecycle::leak_scope;
using lifecycle::tracked_fd;

namespace {
tracked_fd open_null(const char* label, lifecycle::source_site site = lifecycle::source_site::current()) {
    return tracked_fd{::open("/dev/null", O_RDONLY), label, site};
}
} // namespace

TEST_CASE("a resource created in a scope and still open is reported (planted leak)") {
    leak_scope scope{"planted", leak_policy::ignore};
    tracked_fd leaked = open_null("planted fd");
    const lifecycle::leak_report r = scope.check();
    REQUIRE(r.count() == 1);
    REQUIRE(r.groups().size() == 1);
    CHECK(r.groups()[0].kind == "fd");
    CHECK(r.groups()[0].labels == std::vector<std::string>{"planted fd"});
    CHECK(r.scope() == "planted");
    CHECK_FALSE(r.empty());
}

TEST_CASE("closed resources and resources created before the scope are not reported") {
    tracked_fd before = open_null("before");
    leak_scope scope{"clean", leak_policy::ignore};
    {
        tracked_fd inside = open_null("inside, closed");
    }
    tracked_fd closed_explicitly = open_null("closed explicitly");
    CHECK_FALSE(closed_explicitly.close());
    tracked_fd released = open_null("released");
    ::close(released.release());
    const auto r = scope.check();
    CHECK(r.empty());
    CHECK(r.count() == 0);
    CHECK(r.to_text().empty());
}

TEST_CASE("moving a handle out of the scope does not hide it") {
    std::vector<tracked_fd> keep;
    leak_scope scope{"moved", leak_policy::ignore};
    tracked_fd fd = open_null("moved away");
    keep.push_back(std::move(fd));
    CHECK(scope.check().count() == 1);
}

TEST_CASE("nested scopes: the inner sees its own, the outer sees both") {
    leak_scope outer{"outer", leak_policy::ignore};
    tracked_fd a = open_null("outer's");
    std::vector<tracked_fd> inner_leaks;
    {
        leak_scope inner{"inner", leak_policy::ignore};
        inner_leaks.push_back(open_null("inner's"));
        const auto r = inner.check();
        REQUIRE(r.count() == 1);
        CHECK(r.groups()[0].labels[0] == "inner's");
        CHECK(r.groups()[0].scopes == std::vector<std::string>{"inner"});
    }
    const auto r = outer.check();
    CHECK(r.count() == 2);
}

TEST_CASE("scopes on two threads run at once; this_thread_only keeps them apart") {
    lifecycle::leak_scope_options own;
    own.policy = leak_policy::ignore;
    own.this_thread_only = true;
    leak_scope everything{"everything", leak_policy::ignore};
    std::vector<tracked_fd> main_leaks;
    tracked_fd worker_kept; // outlives the worker thread
    std::size_t worker_own = 0, worker_all = 0;
    std::thread worker([&] {
        leak_scope mine{"worker", own};
        tracked_fd leaked = open_null("worker's");
        worker_own = mine.check().count();
        leaked.reset();
        worker_all = mine.check().count();
        worker_kept = open_null("worker's kept");
    });
    leak_scope mine{"main", own};
    main_leaks.push_back(open_null("main's"));
    worker.join();
    CHECK(worker_own == 1);
    CHECK(worker_all == 0);
    const auto main_only = mine.check();
    CHECK(main_only.count() == 1);
    CHECK(main_only.groups()[0].labels[0] == "main's");
    CHECK(everything.check().count() == 2); // the worker's kept fd and main's
}

TEST_CASE("a resource closed on another thread than its creator retires") {
    leak_scope scope{"cross-thread", leak_policy::ignore};
    tracked_fd fd = open_null("crosses");
    const int raw = fd.get();
    std::thread closer([f = std::move(fd)]() mutable { CHECK_FALSE(f.close()); });
    closer.join();
    CHECK_FALSE(lifecycle_test::fd_is_open(raw));
    CHECK(scope.check().empty());
}

TEST_CASE("grace_ms: check() waits for another thread to close what it still holds, and only that long") {
    lifecycle::leak_scope_options o;
    o.policy = leak_policy::ignore;
    SUBCASE("closed within the grace period: not a leak") {
        o.grace_ms = 5000;
        leak_scope scope{"graced", o};
        tracked_fd fd = open_null("closed late");
        std::thread worker([f = std::move(fd)]() mutable {
            std::this_thread::sleep_for(std::chrono::milliseconds(30));
            f.reset();
        });
        const lifecycle::leak_report r = scope.check(); // waits for the worker, not 5 s
        worker.join();
        CHECK(r.empty());
    }
    SUBCASE("still open after it: reported (and without one, at once)") {
        o.grace_ms = 20;
        leak_scope graced{"graced", o};
        o.grace_ms = 0;
        leak_scope ungraced{"ungraced", o};
        tracked_fd fd = open_null("never closed");
        CHECK(graced.check().count() == 1);
        CHECK(ungraced.check().count() == 1);
    }
}

TEST_CASE("resources of a thread that ended are still reported and still close") {
    leak_scope scope{"orphans", leak_policy::ignore};
    tracked_fd orphan;
    std::thread([&] { orphan = open_null("orphan"); }).join();
    CHECK(scope.check().count() == 1);
    std::thread([] {
        tracked_fd reuses_a_shard = open_null("next thread"); // a later thread reuses the ended thread's shard
    }).join();
    CHECK(scope.check().count() == 1);
    orphan.reset();
    CHECK(scope.check().empty());
}

TEST_CASE("policy print writes the report to stderr when the scope ends") {
    lifecycle_test::capture_stderr err;
    tracked_fd leaked;
    {
        leak_scope scope{"printing scope"};
        leaked = open_null("printed leak");
    }
    const std::string text = err.text();
    CHECK(text.find("1 x fd 'printed leak'") != std::string::npos);
    CHECK(text.find("SUMMARY: lifecycle: 1 leaked resource in 1 group in scope 'printing scope'") != std::string::npos);
}

TEST_CASE("policy print says nothing when nothing leaked") {
    lifecycle_test::capture_stderr err;
    {
        leak_scope scope{"quiet scope"};
        tracked_fd closed = open_null("closed");
    }
    CHECK(err.text().empty());
}

TEST_CASE("policy ignore prints nothing even with leaks") {
    lifecycle_test::capture_stderr err;
    tracked_fd leaked;
    {
        leak_scope scope{"ignoring scope", leak_policy::ignore};
        leaked = open_null("ignored leak");
    }
    CHECK(err.text().empty());
}

TEST_CASE("policy call_handler hands the report to the handler, and only when something leaked") {
    std::vector<std::size_t> seen;
    tracked_fd leaked;
    {
        leak_scope scope{"handled", [&](const lifecycle::leak_report& r) { seen.push_back(r.count()); }};
        leaked = open_null("handled leak");
    }
    {
        leak_scope scope{"clean handled", [&](const lifecycle::leak_report& r) { seen.push_back(r.count()); }};
    }
    CHECK(seen == std::vector<std::size_t>{1});
}

TEST_CASE("a throwing handler does not escape the scope's destructor") {
    lifecycle_test::capture_stderr err;
    tracked_fd leaked;
    {
        leak_scope scope{"throwing handler", [](const lifecycle::leak_report&) { throw std::runtime_error("handler broke"); }};
        leaked = open_null("leak");
    }
    CHECK(err.text().find("lifecycle: leak scope 'throwing handler' could not report: handler broke") != std::string::npos);
}

TEST_CASE("a scope that could not report names itself and the exception escaped") {
    lifecycle_test::capture_stderr err;
    tracked_fd leaked;
    {
        leak_scope scope{"scope\nlifecycle: forged\x1b[2J\xff", [](const lifecycle::leak_report&) {
                             throw std::runtime_error("broke\n\x1b[2J\xff" + std::string(300, 'w'));
                         }};
        leaked = open_null("leak");
    }
    const std::string text = err.text();
    INFO(text);
    CHECK(text == "lifecycle: leak scope 'scope\\nlifecycle: forged\\x1b[2J\\xff' could not report: broke\\n\\x1b[2J\\xff" +
                      std::string(300, 'w') + "\n"); // the exception's words are never cut
}

TEST_CASE("call_handler without a handler is rejected") {
    lifecycle::leak_scope_options bad;
    bad.policy = leak_policy::call_handler;
    CHECK_THROWS_AS(leak_scope("no handler", bad), std::invalid_argument);
}

TEST_CASE("LIFECYCLE_ASSERT_NO_LEAKS passes a clean scope") {
    leak_scope scope{"asserted", leak_policy::ignore};
    { tracked_fd closed = open_null("closed"); }
    LIFECYCLE_ASSERT_NO_LEAKS(scope); // the failing case aborts: tests/programs/assert_no_leaks.cpp
    CHECK(true);
}
