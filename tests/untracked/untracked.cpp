// SPDX-License-Identifier: BSL-1.0
// LIFECYCLE_TRACKING=0: plain RAII with nothing enrolled and nothing reported.
#include <lifecycle/tracked.hpp>

#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>

#include <string>

static_assert(sizeof(lifecycle::tracked_fd) == sizeof(int), "tracking compiled out: a tracked_fd is an int");
static_assert(sizeof(lifecycle::tracked_file) == sizeof(std::FILE*));
static_assert(sizeof(lifecycle::tracked_ptr<std::string>) == sizeof(std::string*));
static_assert(sizeof(lifecycle::tracked_mapping) == sizeof(lifecycle::mapping));

TEST_CASE("untracked: handles still close, move and report close failures") {
    int raw = -1;
    {
        lifecycle::tracked_fd fd{::open("/dev/null", O_RDONLY), "label ignored"};
        raw = fd.get();
        CHECK(fd);
        CHECK(fd.label().empty());
        lifecycle::tracked_fd moved{std::move(fd)};
        CHECK(moved.get() == raw);
    }
    CHECK(::fcntl(raw, F_GETFD) == -1);

    std::string seen;
    auto previous = lifecycle::set_close_error_handler([&](const lifecycle::close_failure& f) {
        seen = std::string(f.kind) + ": " + f.error.message();
    });
    {
        lifecycle::tracked_fd fd{::open("/dev/null", O_RDONLY)};
        ::close(fd.get());
    }
    lifecycle::set_close_error_handler(previous);
    CHECK(seen == "fd: Bad file descriptor");
}

TEST_CASE("untracked: leak scopes see nothing, stats are empty, the assertion compiles to nothing") {
    lifecycle::leak_scope scope{"untracked", lifecycle::leak_policy::abort};
    lifecycle::tracked_fd leaked{::open("/dev/null", O_RDONLY)};
    CHECK(scope.check().empty());
    CHECK(lifecycle::stats().empty());
    CHECK(lifecycle::current_capture() == lifecycle::capture::off);
    LIFECYCLE_ASSERT_NO_LEAKS(scope);
    CHECK(scope.name() == "untracked");
}
