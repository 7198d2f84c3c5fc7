// SPDX-License-Identifier: BSL-1.0
// With LIFECYCLE_TRACKING=0: the closer still works fully (it is correctness,
// not diagnostics); a close_guard is one bool that reports nothing.
#include <lifecycle/close_guard.hpp>
#include <lifecycle/closer.hpp>
#include <lifecycle/tracked.hpp>

#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>

#include <memory>
#include <stdexcept>
#include <system_error>

#include "../support.hpp"

static_assert(LIFECYCLE_TRACKING == 0, "this file is compiled with tracking off");
static_assert(sizeof(lifecycle::close_guard) == sizeof(bool), "an untracked close_guard is one flag");
static_assert(std::is_trivially_destructible_v<lifecycle::close_guard>);

using lifecycle_test::openable;

TEST_CASE("untracked closer: aliases closed once, failures kept, LIFO, tracked handles") {
    auto shared = std::make_shared<openable>();
    openable already;
    already.close();
    lifecycle::tracked_fd fd{::open("/dev/null", O_RDONLY), "ignored label"};
    const int raw = fd.get();
    lifecycle::tracked_fd twin{raw}; // a second owner of the same fd
    lifecycle::closer closer;
    closer.add(shared, "ensemble");
    closer.add(std::move(fd), "fd");
    closer.add(*shared, "ensemble_daily");
    closer.add(already, "already");
    closer.add([] { throw std::runtime_error("injected"); }, "cache");
    closer.add(std::move(twin), "twin");
    closer.add(std::shared_ptr<openable>(), "null");

    const lifecycle::close_result r = closer.close_all();
    REQUIRE(r.entries().size() == 7);
    CHECK(r.entries()[0].name == "null");
    CHECK(r.entries()[0].outcome == lifecycle::close_outcome::empty);
    CHECK(r.find("twin")->outcome == lifecycle::close_outcome::closed);
    CHECK(r.find("fd")->outcome == lifecycle::close_outcome::alias);
    CHECK(r.find("fd")->alias_of.find("'twin'") != std::string::npos);
    CHECK_FALSE(r.find("fd")->created_at.known()); // no records when untracked
    CHECK(r.find("ensemble_daily")->outcome == lifecycle::close_outcome::closed);
    CHECK(r.find("ensemble")->outcome == lifecycle::close_outcome::alias);
    CHECK(r.find("already")->outcome == lifecycle::close_outcome::already_closed);
    REQUIRE(r.failures().size() == 1);
    CHECK(r.failures()[0].what == "injected");
    CHECK(shared->closes == 1);
    CHECK_FALSE(lifecycle_test::fd_is_open(raw));
    CHECK_THROWS_AS((closer.add([] { return false; }), closer.close_all_or_throw()), lifecycle::close_error);
}

TEST_CASE("untracked closer: the destructor still hands failures to the handler") {
    lifecycle_test::capture_close_failures failures;
    {
        lifecycle::closer closer;
        closer.add([] { return std::make_error_code(std::errc::io_error); }, "late");
    }
    REQUIRE(failures.size() == 1);
    CHECK(failures.at(0).label == "late");
}

TEST_CASE("untracked close_guard: a flag; nothing enrolled, nothing reported") {
    lifecycle_test::capture_close_failures failures;
    {
        lifecycle::close_guard g{"Dataset", "label"};
        CHECK(g.is_open());
        CHECK(g.kind().empty());
        CHECK(g.label().empty());
        lifecycle::close_guard h{std::move(g)};
        CHECK_FALSE(g.is_open()); // NOLINT(bugprone-use-after-move)
        CHECK(h.is_open());
        lifecycle::close_guard left_open{"Dataset"};
        CHECK(h.close());
        CHECK_FALSE(h.close());
    }
    CHECK(failures.size() == 0);
    lifecycle::leak_scope scope{"untracked", lifecycle::leak_policy::ignore};
    lifecycle::close_guard g{"Dataset"};
    CHECK(scope.check().empty());
    g.close();
}
