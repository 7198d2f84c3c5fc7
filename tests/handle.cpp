// SPDX-License-Identifier: BSL-1.0
// tracked<Traits>: ownership, moves, close, release, reset, invalid handles.
#include <lifecycle/tracked.hpp>

#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <type_traits>
#include <vector>

#include "support.hpp"

using lifecycle::tracked_fd;
using lifecycle_test::fd_is_open;
using lifecycle_test::live_of;

static_assert(!std::is_copy_constructible_v<tracked_fd>);
static_assert(!std::is_copy_assignable_v<tracked_fd>);
static_assert(std::is_nothrow_move_constructible_v<tracked_fd>);
static_assert(std::is_nothrow_move_assignable_v<tracked_fd>);
static_assert(!std::is_convertible_v<int, tracked_fd>, "construction from a raw handle is explicit");

TEST_CASE("a tracked fd closes its descriptor when destroyed") {
    int raw = -1;
    {
        tracked_fd fd{::open("/dev/null", O_RDONLY), "devnull"};
        REQUIRE(fd);
        raw = fd.get();
        CHECK(fd_is_open(raw));
        CHECK(fd.label() == "devnull");
    }
    CHECK_FALSE(fd_is_open(raw));
}

TEST_CASE("a failed open makes an empty wrapper that is neither enrolled nor closed") {
    const auto before = live_of("fd");
    tracked_fd fd{::open("/nonexistent/lifecycle", O_RDONLY), "missing"};
    CHECK_FALSE(fd);
    CHECK(fd.get() == -1);
    CHECK(live_of("fd") == before);
    CHECK_FALSE(fd.close()); // documented no-op
    tracked_fd empty;
    CHECK_FALSE(empty);
    CHECK_FALSE(empty.close());
}

TEST_CASE("a null FILE* makes an empty tracked_file") {
    lifecycle::tracked_file f{std::fopen("/nonexistent/lifecycle", "r")};
    CHECK_FALSE(f);
    CHECK(f.get() == nullptr);
    CHECK_FALSE(f.close());
}

TEST_CASE("moving a tracked fd transfers ownership and leaves the source empty") {
    tracked_fd a{::open("/dev/null", O_RDONLY), "a"};
    const int raw = a.get();
    const auto live = live_of("fd");
    tracked_fd b{std::move(a)};
    CHECK_FALSE(a); // NOLINT(bugprone-use-after-move): moved-from is specified empty
    {
        lifecycle_test::with_ownership quiet{lifecycle::ownership_level::ignore}; // get() after a move is reported otherwise
        CHECK(a.get() == -1);
    }
    CHECK(b.get() == raw);
    CHECK(b.label() == "a");
    CHECK(live_of("fd") == live); // a move does not enroll or retire

    tracked_fd c{::open("/dev/null", O_RDONLY)};
    const int other = c.get();
    c = std::move(b); // closes c's descriptor, takes b's
    CHECK_FALSE(fd_is_open(other));
    CHECK(c.get() == raw);
    CHECK(fd_is_open(raw));
    CHECK(live_of("fd") == live);
}

TEST_CASE("self-move keeps the handle open") {
    tracked_fd a{::open("/dev/null", O_RDONLY)};
    const int raw = a.get();
    tracked_fd& alias = a;
    a = std::move(alias);
    CHECK(a.get() == raw);
    CHECK(fd_is_open(raw));
}

TEST_CASE("close() closes now, empties the wrapper first, and returns the error") {
    tracked_fd fd{::open("/dev/null", O_RDONLY)};
    const int raw = fd.get();
    CHECK_FALSE(fd.close());
    CHECK_FALSE(fd);
    CHECK_FALSE(fd_is_open(raw));
    CHECK_FALSE(fd.close()); // a second close does nothing
}

TEST_CASE("close() of an fd closed behind the wrapper's back returns EBADF and counts the failure") {
    const auto before = lifecycle_test::stats_of("fd").close_failures;
    tracked_fd fd{::open("/dev/null", O_RDONLY), "stolen"};
    ::close(fd.get());
    const std::error_code ec = fd.close();
    CHECK(ec == std::errc::bad_file_descriptor);
    CHECK_FALSE(fd);
    CHECK(lifecycle_test::stats_of("fd").close_failures == before + 1);
}

TEST_CASE("a close failure in the destructor goes to the handler with kind, label and site") {
    lifecycle_test::capture_close_failures failures;
    int line = 0;
    {
        tracked_fd fd{::open("/dev/null", O_RDONLY), "doomed"}; line = __LINE__;
        ::close(fd.get());
    }
    REQUIRE(failures.size() == 1);
    const auto& f = failures.at(0);
    CHECK(f.kind == "fd");
    CHECK(f.label == "doomed");
    CHECK(f.error == std::errc::bad_file_descriptor);
    CHECK(f.line == static_cast<unsigned>(line));
    CHECK(f.file.find("handle.cpp") != std::string::npos);
}

TEST_CASE("the default close-error handler writes one line to stderr") {
    lifecycle_test::capture_stderr err;
    {
        tracked_fd fd{::open("/dev/null", O_RDONLY), "printed"};
        ::close(fd.get());
    }
    const std::string text = err.text();
    CHECK(text.find("lifecycle: failed to close fd 'printed': Bad file descriptor, created at") != std::string::npos);
    CHECK(text.find("handle.cpp:") != std::string::npos);
}

namespace {
// An error category whose message holds a newline, a terminal escape and a
// byte that is not UTF-8, as a user's category (or strerror in a Latin-1
// locale) may.
struct hostile_category final : std::error_category {
    const char* name() const noexcept override { return "hostile"; }
    std::string message(int) const override { return lifecycle_test::hostile_word; }
};
const hostile_category& hostile() {
    static const hostile_category c;
    return c;
}
struct hostile_close_traits {
    using handle_type = int;
    static constexpr std::string_view kind_name() noexcept { return "hostile-closing"; }
    static constexpr int invalid() noexcept { return -1; }
    static std::error_code close(int) noexcept { return {1, hostile()}; }
};
} // namespace

TEST_CASE("the default close-error handler escapes the error's message: one line, whatever it holds") {
    lifecycle_test::capture_stderr err;
    { lifecycle::tracked<hostile_close_traits> h{7, "printed"}; }
    const std::string text = err.text();
    INFO(text);
    CHECK_FALSE(lifecycle_test::has_raw_bytes(text));
    CHECK(text.find("lifecycle: failed to close hostile-closing 'printed': " + lifecycle_test::hostile_word_shown +
                    ", created at ") != std::string::npos);

    lifecycle::closer closer; // close_result::to_text() writes it the same way
    closer.add([] { return std::error_code{1, hostile()}; }, "failing");
    const std::string listed = closer.close_all().to_text();
    INFO(listed);
    CHECK_FALSE(lifecycle_test::has_raw_bytes(listed));
    CHECK(listed.find("'failing' (callable): " + lifecycle_test::hostile_word_shown + ", added at ") != std::string::npos);
}

TEST_CASE("the close-error line and a closer's listing escape a traits' kind name") {
    struct failing_hostile_kind : lifecycle_test::hostile_kind_traits {
        static std::error_code close(int) noexcept { return {EBADF, std::generic_category()}; }
    };
    lifecycle_test::capture_stderr err;
    { lifecycle::tracked<failing_hostile_kind> h{7, "printed"}; }
    const std::string text = err.text();
    INFO(text);
    CHECK_FALSE(lifecycle_test::has_raw_bytes(text));
    CHECK(text.find("lifecycle: failed to close " + lifecycle_test::hostile_word_shown + " 'printed': ") != std::string::npos);

    lifecycle::closer closer;
    closer.add(lifecycle::tracked<lifecycle_test::hostile_kind_traits>{::open("/dev/null", O_RDONLY)}, "listed");
    closer.add(lifecycle::tracked<lifecycle_test::hostile_kind_traits>{::open("/dev/null", O_RDONLY)});
    const std::string listed = closer.close_all().to_text();
    INFO(listed);
    CHECK_FALSE(lifecycle_test::has_raw_bytes(listed));
    CHECK(listed.find("'listed' (" + lifecycle_test::hostile_word_shown) != std::string::npos);
    CHECK(listed.find(lifecycle_test::hostile_word_shown + " #") != std::string::npos);

    lifecycle::closer throwing; // close_error::what(): the first failure's description
    throwing.add(lifecycle::tracked<failing_hostile_kind>{8}, "first");
    try {
        throwing.close_all_or_throw();
        FAIL("close_all_or_throw() did not throw");
    } catch (const lifecycle::close_error& e) {
        const std::string what = e.what();
        INFO(what);
        CHECK_FALSE(lifecycle_test::has_raw_bytes(what));
        CHECK(what.find("'first' (" + lifecycle_test::hostile_word_shown + ", " + lifecycle_test::hostile_word_shown + " 8)") !=
              std::string::npos);
    }
}

TEST_CASE("release() gives the handle up without closing it") {
    const auto before = lifecycle_test::stats_of("fd");
    tracked_fd fd{::open("/dev/null", O_RDONLY)};
    const int raw = fd.release();
    CHECK_FALSE(fd);
    CHECK(fd_is_open(raw));
    CHECK(lifecycle_test::stats_of("fd").released == before.released + 1);
    CHECK(lifecycle_test::stats_of("fd").live == before.live);
    ::close(raw);
}

TEST_CASE("reset() closes; reset(h) adopts; reset to the handle held does nothing") {
    tracked_fd fd{::open("/dev/null", O_RDONLY)};
    const int first = fd.get();
    fd.reset(first); // the same handle: never closed
    CHECK(fd_is_open(first));
    CHECK(fd.get() == first);

    const int second = ::open("/dev/null", O_RDONLY);
    fd.reset(second, "second");
    CHECK_FALSE(fd_is_open(first));
    CHECK(fd.get() == second);
    CHECK(fd.label() == "second");

    fd.reset();
    CHECK_FALSE(fd);
    CHECK_FALSE(fd_is_open(second));

    fd.reset(-1); // invalid: stays empty
    CHECK_FALSE(fd);
}

TEST_CASE("swap exchanges handles and labels") {
    tracked_fd a{::open("/dev/null", O_RDONLY), "a"};
    tracked_fd b{::open("/dev/null", O_RDONLY), "b"};
    const int ra = a.get(), rb = b.get();
    swap(a, b);
    CHECK(a.get() == rb);
    CHECK(b.get() == ra);
    CHECK(a.label() == "b");
    CHECK(b.label() == "a");
}

TEST_CASE("tracked_file closes with fclose") {
    lifecycle::tracked_file f{std::fopen("/dev/null", "r"), "null stream"};
    REQUIRE(f);
    CHECK_FALSE(f.close());
}

TEST_CASE("tracked_dir and tracked_mapping") {
    lifecycle::tracked_dir d{::opendir("/")};
    CHECK(d);
    const std::size_t len = 1 << 16;
    void* p = ::mmap(nullptr, len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    lifecycle::tracked_mapping m{lifecycle::mapping{p, len}, "buffer"};
    REQUIRE(m);
    CHECK(m.get().length == len);
    lifecycle::tracked_mapping failed{lifecycle::mapping{MAP_FAILED, len}};
    CHECK_FALSE(failed);
    CHECK_FALSE(m.close());
}

namespace {
struct widget {
    int value = 42;
    static inline int destroyed = 0;
    ~widget() { ++destroyed; }
};
} // namespace

TEST_CASE("tracked_ptr owns a heap object, deletes it once, and gives pointer access") {
    widget::destroyed = 0;
    {
        lifecycle::tracked_ptr<widget> p{new widget, "w"};
        CHECK(p->value == 42);
        CHECK((*p).value == 42);
        lifecycle::tracked_ptr<widget> q{std::move(p)};
        CHECK_FALSE(p); // NOLINT(bugprone-use-after-move)
    }
    CHECK(widget::destroyed == 1);
    CHECK(live_of(lifecycle::heap_traits<widget>::kind_name()) == 0);
}

TEST_CASE("a close-error handler that throws does not lose the failure: the default line is printed") {
    lifecycle_test::capture_stderr err;
    auto previous = lifecycle::set_close_error_handler([](const lifecycle::close_failure&) { throw 42; });
    {
        tracked_fd fd{::open("/dev/null", O_RDONLY), "thrown away"};
        ::close(fd.get()); // the destructor's close fails with EBADF
    }
    lifecycle::set_close_error_handler(previous);
    const std::string text = err.text();
    CHECK(text.find("lifecycle: the close-error handler threw; what it was given is printed instead") != std::string::npos);
    CHECK(text.find("lifecycle: failed to close fd 'thrown away': Bad file descriptor") != std::string::npos);
}

// The names renamed in 0.2 still work, deprecated, for one release.
#if defined(__GNUC__)
#    pragma GCC diagnostic push
#    pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#endif
static_assert(std::is_same_v<lifecycle::mmap_traits, lifecycle::mapping_traits>);
static_assert(std::is_same_v<lifecycle::pointer_traits<int>, lifecycle::heap_traits<int>>);
#if defined(__GNUC__)
#    pragma GCC diagnostic pop
#endif
