// SPDX-License-Identifier: BSL-1.0
// What works, and what aborts instead of throwing, without exceptions and RTTI:
// tracked handles and leak scopes, the closer (aliases, failures kept), the
// scope guards, identity of polymorphic objects; close_all_or_throw(), a
// refused closer::add and keep_alive("") print what they would have thrown,
// then abort.
#include <lifecycle/tracked.hpp>

#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <system_error>

#include "../child.hpp"
#include "../support.hpp"

using lifecycle_test::fd_is_open;
using lifecycle_test::run_child;

namespace {

bool contains(const std::string& text, const char* what) { return text.find(what) != std::string::npos; }

struct dataset {
    int closes = 0;
    std::error_code close() {
        ++closes;
        return {};
    }
};

struct failing {
    std::error_code close() { return std::make_error_code(std::errc::io_error); }
};

// Two objects over one backend session: one object to a closer.
struct session {
    int id = 0;
    void close() {}
};

struct base {
    virtual ~base() = default;
    int closes = 0;
    void close() { ++closes; }
};
struct other_base {
    virtual ~other_base() = default;
    int x = 0;
};
struct derived : other_base, base {};

} // namespace

template <>
struct lifecycle::close_traits<session> {
    static lifecycle::identity identity_of(const session& s) noexcept {
        return lifecycle::identity("session", static_cast<std::uintptr_t>(s.id));
    }
};

TEST_CASE("a leak scope reports the fd left open, and nothing once it is closed") {
    lifecycle::leak_scope scope{"no-exceptions scope", lifecycle::leak_policy::ignore};
    lifecycle::tracked_fd fd{::open("/dev/null", O_RDONLY), "kept"};
    REQUIRE(fd);
    const lifecycle::leak_report leaked = scope.check();
    CHECK(leaked.count() == 1);
    CHECK(contains(leaked.to_text(), "1 x fd 'kept'"));
    CHECK(contains(leaked.to_json(), "\"kind\":\"fd\""));
    const int raw = fd.get();
    CHECK_FALSE(fd.close());
    CHECK_FALSE(fd_is_open(raw));
    CHECK(scope.check().empty());
}

TEST_CASE("the closer closes an aliased object once and keeps a failure without stopping") {
    auto d = std::make_shared<dataset>();
    failing f;
    lifecycle::tracked_fd fd{::open("/dev/null", O_RDONLY), "index"};
    const int raw = fd.get();
    lifecycle::closer c;
    c.add(d, "ensemble");
    c.add(d, "ensemble_daily");
    c.add(f, "failing");
    c.add(std::move(fd), "index");
    const lifecycle::close_result r = c.close_all();
    CHECK(d->closes == 1);
    CHECK(r.aliases().size() == 1);
    REQUIRE(r.failures().size() == 1);
    CHECK(r.failures().front().name == "failing");
    CHECK(r.failures().front().error == std::errc::io_error);
    CHECK_FALSE(fd_is_open(raw));
}

TEST_CASE("without RTTI a reference to a base and a shared_ptr to the derived object are one identity") {
    auto p = std::make_shared<derived>();
    base& b = *p;
    CHECK(lifecycle::identity::of(b) == lifecycle::identity::of(*p));
    lifecycle::closer c;
    c.add(p, "owner");
    c.add(b, "through the base");
    const lifecycle::close_result r = c.close_all();
    CHECK(p->closes == 1);
    CHECK(r.aliases().size() == 1);
}

TEST_CASE("the scope guards run as the TS says, where no exception can be in flight") {
    int exits = 0, fails = 0, successes = 0, defers = 0;
    {
        lifecycle::scope_exit e{[&] { ++exits; }};
        lifecycle::scope_fail f{[&] { ++fails; }};
        lifecycle::scope_success s{[&] { ++successes; }};
        LIFECYCLE_DEFER [&] { ++defers; };
    }
    CHECK(exits == 1);
    CHECK(fails == 0);
    CHECK(successes == 1);
    CHECK(defers == 1);

    int raw = -1;
    {
        auto fd = lifecycle::make_unique_resource_checked(::open("/dev/null", O_RDONLY), -1, &::close);
        raw = fd.get();
        CHECK(fd_is_open(raw));
    }
    CHECK_FALSE(fd_is_open(raw));
}

TEST_CASE("close_all_or_throw prints every failure and aborts") {
    const auto r = run_child([] {
        failing f1, f2;
        lifecycle::closer c;
        c.add(f1, "first failing");
        c.add(f2, "second failing");
        c.close_all_or_throw();
        std::fputs("not reached\n", stderr);
    });
    CHECK(r.aborted);
    CHECK(contains(r.err, "built with -fno-exceptions: aborting instead of throwing"));
    CHECK(contains(r.err, "first failing"));
    CHECK(contains(r.err, "second failing"));
    CHECK_FALSE(contains(r.err, "not reached"));
}

TEST_CASE("close_all_or_throw with nothing failed returns") {
    const auto r = run_child([] {
        dataset d;
        lifecycle::closer c;
        c.add(d, "fine");
        c.close_all_or_throw();
    });
    CHECK(r.clean);
}

TEST_CASE("a closer::add that would close one object twice aborts with the reason") {
    const auto r = run_child([] {
        lifecycle::closer c;
        c.add(session{7}, "first owner");
        c.add(std::make_unique<session>(session{7}), "second owner");
        std::fputs("not reached\n", stderr);
    });
    CHECK(r.aborted);
    CHECK(contains(r.err, "lifecycle::closer::add: "));
    CHECK(contains(r.err, "is another owner of the object of"));
    CHECK_FALSE(contains(r.err, "not reached"));
}

TEST_CASE("keep_alive without a reason aborts with the reason for the reason") {
    const auto r = run_child([] {
        lifecycle::tracked_fd fd{::open("/dev/null", O_RDONLY), "cached"};
        lifecycle::keep_alive(fd, "");
    });
    CHECK(r.aborted);
    CHECK(contains(r.err, "lifecycle::keep_alive: give a reason"));
}
