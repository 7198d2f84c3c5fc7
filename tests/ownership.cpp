// SPDX-License-Identifier: BSL-1.0
// Ownership diagnostics: two owners of one handle, a close through the wrong
// one, a double close that must not happen, get() after close/release/move.
#include "support.hpp"

#include <lifecycle/detail/owner_index.hpp> // the owner stripes' biasing (compiled mode: not in tracked.hpp)

#include <doctest/doctest.h>

#include <sys/socket.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

using lifecycle::ownership_issue;
using lifecycle::ownership_level;
using lifecycle_test::fd_is_open;

namespace {

/// Sets a level and collects the problems while alive.
class capture_ownership {
public:
    struct entry {
        ownership_issue issue;
        std::string kind, label, other_kind, other_label, how, message;
        std::uintptr_t identity = 0;
        unsigned created = 0, closed = 0, current = 0, other_created = 0;
        std::string current_file;
    };
    explicit capture_ownership(ownership_level level = ownership_level::warn)
        : previous_level_(lifecycle::current_ownership_level()) {
        lifecycle::set_ownership_level(level);
        lifecycle::reset_ownership_warnings();
        previous_ = lifecycle::set_ownership_handler([this](const lifecycle::ownership_problem& p) {
            entries.push_back(entry{p.issue, std::string(p.kind), std::string(p.label), std::string(p.other_kind),
                                    std::string(p.other_label), std::string(p.how), p.message(), p.identity,
                                    p.created.line, p.closed.line, p.current.line, p.other_created.line,
                                    p.current.file});
        });
    }
    ~capture_ownership() {
        lifecycle::set_ownership_handler(previous_);
        lifecycle::set_ownership_level(previous_level_);
    }
    capture_ownership(const capture_ownership&) = delete;
    capture_ownership& operator=(const capture_ownership&) = delete;

    std::vector<entry> entries;

private:
    ownership_level previous_level_;
    lifecycle::ownership_handler previous_;
};

int open_null() { return ::open("/dev/null", O_RDONLY); }

struct tag_a {
    static constexpr const char* name = "fake-a";
};
struct tag_b {
    static constexpr const char* name = "fake-b";
};

} // namespace

TEST_CASE("a second wrapper of an owned fd is reported with both creation sites") {
    capture_ownership problems;
    lifecycle::tracked_fd first{open_null(), "config"};
    const unsigned first_line = __LINE__ - 1;
    const int fd = first.get();
    int raw = ::dup(fd); // a different fd: no problem (control)
    lifecycle::tracked_fd other{raw, "copy"};
    CHECK(problems.entries.empty());

    lifecycle::tracked_fd second{first.get(), "alias"};
    const unsigned second_line = __LINE__ - 1;
    REQUIRE(problems.entries.size() == 1);
    const auto& p = problems.entries[0];
    CHECK(p.issue == ownership_issue::second_owner);
    CHECK(p.kind == "fd");
    CHECK(p.identity == static_cast<std::uintptr_t>(fd));
    CHECK(p.label == "alias");
    CHECK(p.other_label == "config");
    CHECK(p.other_created == first_line);
    CHECK(p.current == second_line);
    CHECK(p.current_file.find("ownership.cpp") != std::string::npos);
    CHECK(p.message.find("fd " + std::to_string(fd) + " is already owned by a tracked fd 'config' created at") !=
          std::string::npos);
    (void)second.release(); // one owner closes it
}

TEST_CASE("closing through the second owner is reported, and the first owner does not close the fd again") {
    capture_ownership problems;
    lifecycle_test::capture_close_failures failures;
    std::unique_ptr<lifecycle::tracked_fd> first{new lifecycle::tracked_fd{open_null(), "owner"}};
    const unsigned owner_line = __LINE__ - 1;
    const int fd = first->get();
    lifecycle::tracked_fd second{fd, "intruder"};
    problems.entries.clear();

    CHECK_FALSE(second.close());
    const unsigned close_line = __LINE__ - 1;
    CHECK_FALSE(fd_is_open(fd));
    REQUIRE(problems.entries.size() == 1);
    CHECK(problems.entries[0].issue == ownership_issue::closed_while_owned);
    CHECK(problems.entries[0].current == close_line);
    CHECK(problems.entries[0].other_created == owner_line);
    CHECK(problems.entries[0].other_label == "owner");

    // The number is reused by the next open: the stale owner must not close it.
    const int reused = open_null();
    REQUIRE(reused == fd);
    const auto failures_before = lifecycle_test::stats_of("fd").close_failures;
    {
        lifecycle::tracked_fd innocent{reused, "innocent"}; // not a second owner: the stale one closed elsewhere
        CHECK(problems.entries.size() == 1);
    } // closing it is not "closed while owned" by the stale owner
    CHECK(problems.entries.size() == 1);
    const int reused_again = open_null();
    REQUIRE(reused_again == fd);
    first.reset(); // destroys the stale owner
    CHECK(fd_is_open(reused_again));
    ::close(reused_again);
    REQUIRE(problems.entries.size() == 2);
    CHECK(problems.entries[1].issue == ownership_issue::already_closed);
    CHECK(problems.entries[1].label == "owner");
    CHECK(problems.entries[1].created == owner_line);
    CHECK(problems.entries[1].closed == close_line);
    CHECK(problems.entries[1].message.find("not closing it again") != std::string::npos);
    CHECK(failures.size() == 0); // reported once, as an ownership problem, not also as a close failure
    CHECK(lifecycle_test::stats_of("fd").close_failures == failures_before); // nor counted as one
}

TEST_CASE("an owner that claimed its fd alone finds the second owner that came later when it closes") {
    // The first claim takes the fast path (no one else owns the number); the
    // second owner's claim must mark the first, or the first's close would
    // take the fast path too and leave the second owning a closed number.
    capture_ownership problems;
    lifecycle::tracked_fd first{open_null(), "first"};
    const int fd = first.get();
    std::unique_ptr<lifecycle::tracked_fd> second{new lifecycle::tracked_fd{fd, "second"}};
    const unsigned second_line = __LINE__ - 1;
    REQUIRE(problems.entries.size() == 1);
    CHECK(problems.entries[0].issue == ownership_issue::second_owner);

    CHECK_FALSE(first.close());
    const unsigned close_line = __LINE__ - 1;
    CHECK_FALSE(fd_is_open(fd));
    REQUIRE(problems.entries.size() == 2);
    CHECK(problems.entries[1].issue == ownership_issue::closed_while_owned);
    CHECK(problems.entries[1].label == "first");
    CHECK(problems.entries[1].other_label == "second");
    CHECK(problems.entries[1].other_created == second_line);

    const int reused = open_null(); // the number's next resource: the stale second owner must not close it
    REQUIRE(reused == fd);
    second.reset();
    CHECK(fd_is_open(reused));
    ::close(reused);
    REQUIRE(problems.entries.size() == 3);
    CHECK(problems.entries[2].issue == ownership_issue::already_closed);
    CHECK(problems.entries[2].label == "second");
    CHECK(problems.entries[2].closed == close_line);
}

TEST_CASE("close() on a handle another wrapper already closed returns closed_elsewhere and closes nothing") {
    capture_ownership problems;
    lifecycle::tracked_fd first{open_null(), "first"};
    const int fd = first.get();
    lifecycle::tracked_fd second{fd, "second"};
    CHECK_FALSE(first.close());
    const int reused = open_null();
    REQUIRE(reused == fd);
    CHECK(second.close() == lifecycle::lifecycle_errc::closed_elsewhere);
    CHECK(fd_is_open(reused));
    CHECK_FALSE(second);
    ::close(reused);
}

TEST_CASE("reset(h) of a stale owner with its old number takes h: the number's new resource, closed once") {
    capture_ownership problems;
    lifecycle::tracked_fd first{open_null(), "first"};
    const int fd = first.get();
    lifecycle::tracked_fd second{fd, "second"};
    CHECK_FALSE(second.close()); // first is stale now
    const int reused = open_null();
    REQUIRE(reused == fd);
    problems.entries.clear();
    first.reset(reused, "new"); // not "the handle already held": that one is closed
    CHECK(first.get() == reused);
    CHECK(first.label() == "new");
    REQUIRE(problems.entries.size() == 1); // the stale owner's end, as when it is destroyed
    CHECK(problems.entries[0].issue == ownership_issue::already_closed);
    CHECK(fd_is_open(reused));
    CHECK_FALSE(first.close());
    CHECK_FALSE(fd_is_open(reused)); // closed by the reset wrapper: not leaked
    CHECK(problems.entries.size() == 1);
}

TEST_CASE("reset(h) with the handle already held (not stale) closes nothing (control)") {
    lifecycle::tracked_fd a{open_null(), "a"};
    const int fd = a.get();
    a.reset(fd, "again");
    CHECK(a.get() == fd);
    CHECK(fd_is_open(fd));
}

TEST_CASE("without ownership checks the double close happens and fails (control)") {
    capture_ownership problems{ownership_level::ignore};
    lifecycle::tracked_fd first{open_null(), "first"};
    const int fd = first.get();
    lifecycle::tracked_fd second{fd, "second"};
    CHECK_FALSE(first.close());
    CHECK(second.close() == std::errc::bad_file_descriptor);
    CHECK(problems.entries.empty());
}

TEST_CASE("a closed fd number opened again is a new resource, not a second owner") {
    capture_ownership problems;
    for (int i = 0; i < 3; ++i) {
        lifecycle::tracked_fd fd{open_null(), "again"};
        CHECK(fd);
    }
    lifecycle::tracked_fd a{open_null()};
    const int n = a.get();
    CHECK_FALSE(a.close());
    lifecycle::tracked_fd b{open_null()};
    CHECK(b.get() == n);
    CHECK(problems.entries.empty());
}

TEST_CASE("get() after close(), release() and a move is reported with where the handle went") {
    capture_ownership problems;
    lifecycle::tracked_fd fd{open_null(), "used"};
    const unsigned created = __LINE__ - 1;
    CHECK_FALSE(fd.close());
    const unsigned closed = __LINE__ - 1;
    CHECK(fd.get() == -1);
    const unsigned used = __LINE__ - 1;
    REQUIRE(problems.entries.size() == 1);
    CHECK(problems.entries[0].issue == ownership_issue::use_after_close);
    CHECK(problems.entries[0].how == "closed");
    CHECK(problems.entries[0].created == created);
    CHECK(problems.entries[0].closed == closed);
    CHECK(problems.entries[0].current == used);
    CHECK(problems.entries[0].message.find("on a tracked fd that was closed at") != std::string::npos);

    lifecycle::tracked_fd given{open_null(), "given"};
    const int raw = given.release();
    (void)given.get();
    REQUIRE(problems.entries.size() == 2);
    CHECK(problems.entries[1].how == "released");
    ::close(raw);

    lifecycle::tracked_fd source{open_null(), "source"};
    lifecycle::tracked_fd target = std::move(source);
    (void)source.get(); // NOLINT(bugprone-use-after-move): the point of the test
    REQUIRE(problems.entries.size() == 3);
    CHECK(problems.entries[2].how == "moved from");
    CHECK(target.get() >= 0); // the target is fine
    CHECK(problems.entries.size() == 3);

    lifecycle::tracked_fd reset_one{open_null(), "reset"};
    reset_one.reset();
    (void)reset_one.get();
    CHECK(problems.entries.size() == 4);

    // Moving a closed wrapper: the target never owned anything and is not blamed.
    lifecycle::tracked_fd target2 = std::move(reset_one);
    (void)target2.get();
    CHECK(problems.entries.size() == 4);
    (void)reset_one.get(); // NOLINT(bugprone-use-after-move): still the wrapper that closed
    CHECK(problems.entries.size() == 5);
}

TEST_CASE("two threads owning one fd at the same time: every overlap is reported, no race, counts right") {
    std::atomic<int> reported{0};
    const auto previous_level = lifecycle::current_ownership_level();
    lifecycle::set_ownership_level(ownership_level::warn);
    auto previous = lifecycle::set_ownership_handler([&](const lifecycle::ownership_problem& p) {
        if (p.issue == ownership_issue::second_owner) ++reported;
    });
    const int fd = open_null();
    const auto live = lifecycle_test::live_of("fd");
    constexpr int rounds = 200;
    std::atomic<int> step{0}; // 2r+1: the first thread owns it in round r; 2r+2: the second one too
    std::thread first([&] {
        for (int r = 0; r < rounds; ++r) {
            lifecycle::tracked_fd w{fd, "first"};
            step.store(2 * r + 1);
            while (step.load() != 2 * r + 2) std::this_thread::yield();
            (void)w.release(); // never closes the shared fd
        }
    });
    std::thread second([&] {
        for (int r = 0; r < rounds; ++r) {
            while (step.load() != 2 * r + 1) std::this_thread::yield();
            lifecycle::tracked_fd w{fd, "second"}; // the first thread's wrapper is live: a second owner
            (void)w.release();
            step.store(2 * r + 2);
        }
    });
    first.join();
    second.join();
    lifecycle::set_ownership_handler(previous);
    lifecycle::set_ownership_level(previous_level);
    CHECK(reported.load() == rounds);
    CHECK(fd_is_open(fd));
    CHECK(lifecycle_test::live_of("fd") == live);
    ::close(fd);
}

TEST_CASE("get() on an empty wrapper that never owned anything is fine (control)") {
    capture_ownership problems;
    lifecycle::tracked_fd empty;
    lifecycle::tracked_fd failed{-1};
    CHECK(empty.get() == -1);
    CHECK(failed.get() == -1);
    lifecycle::tracked_fd reopened{open_null()};
    CHECK_FALSE(reopened.close());
    reopened.reset(open_null(), "reopened"); // owns again: get() is fine
    CHECK(reopened.get() >= 0);
    lifecycle::tracked_fd a{open_null()}, b{open_null()};
    a.swap(b);
    CHECK(a.get() >= 0);
    CHECK(b.get() >= 0);
    CHECK(problems.entries.empty());
}

TEST_CASE("fds and sockets share a domain; other kinds do not") {
    capture_ownership problems;
    lifecycle::tracked_socket s{::socket(AF_UNIX, SOCK_STREAM, 0), "sock"};
    REQUIRE(s);
    lifecycle::tracked_fd as_fd{s.get(), "as fd"};
    REQUIRE(problems.entries.size() == 1);
    CHECK(problems.entries[0].kind == "fd");
    CHECK(problems.entries[0].other_kind == "socket");
    (void)as_fd.release();

    // Two handles of unrelated kinds with equal values are not owners of one thing.
    lifecycle::tracked<lifecycle_test::fake_traits<tag_a>> x{7000001};
    lifecycle::tracked<lifecycle_test::fake_traits<tag_b>> y{7000001};
    CHECK(problems.entries.size() == 1);
}

TEST_CASE("the owner index grows: among 200,000 claimed handles every second owner is found, every close once") {
    capture_ownership problems;
    using fake = lifecycle::tracked<lifecycle_test::fake_traits<tag_a>>;
    const long closes_before = lifecycle_test::fake_traits<tag_a>::closes().load();
    constexpr int n = 200000;
    std::vector<fake> owners;
    owners.reserve(n);
    for (int i = 0; i < n; ++i) owners.emplace_back(i, "owner"); // the table doubles many times meanwhile
    CHECK(problems.entries.empty());
    {
        std::vector<fake> intruders;
        for (int i = 0; i < n; i += 997) intruders.emplace_back(i, "intruder");
        CHECK(problems.entries.size() == intruders.size()); // each found through its bucket after the growth
        for (const auto& e : problems.entries) CHECK(e.issue == ownership_issue::second_owner);
        problems.entries.clear();
        for (auto& f : intruders) CHECK_FALSE(f.close()); // closed while owned: the owners become stale
        CHECK(problems.entries.size() == intruders.size());
    }
    problems.entries.clear();
    owners.clear(); // the stale owners do not close again
    CHECK(lifecycle_test::fake_traits<tag_a>::closes().load() - closes_before == n);
    CHECK(problems.entries.size() == (n + 996) / 997); // each stale owner's end: already closed
}

TEST_CASE("warn_once reports each distinct problem once; warn reports every time") {
    auto twice = [] {
        for (int i = 0; i < 2; ++i) {
            lifecycle::tracked_fd fd{open_null()};
            CHECK_FALSE(fd.close());
            (void)fd.get();
        }
    };
    {
        capture_ownership problems{ownership_level::warn_once};
        twice();
        CHECK(problems.entries.size() == 1);
        // The same second-owner bug on five different fds, from one line: one report.
        for (int i = 0; i < 5; ++i) {
            lifecycle::tracked_fd owner{open_null()};
            lifecycle::tracked_fd alias{owner.get()};
            (void)alias.release();
        }
        CHECK(problems.entries.size() == 2);
    }
    {
        capture_ownership problems{ownership_level::warn};
        twice();
        CHECK(problems.entries.size() == 2);
    }
}

TEST_CASE("the default handler prints one line naming the sites") {
    lifecycle_test::capture_stderr err;
    const auto previous = lifecycle::current_ownership_level();
    lifecycle::set_ownership_level(ownership_level::warn);
    {
        lifecycle::tracked_fd a{open_null(), "printed"};
        lifecycle::tracked_fd b{a.get(), "again"};
        (void)b.release();
    }
    lifecycle::set_ownership_level(previous);
    const std::string text = err.text();
    CHECK(text.find("lifecycle: ownership: fd ") != std::string::npos);
    CHECK(text.find("is already owned by a tracked fd 'printed' created at") != std::string::npos);
    CHECK(text.find("ownership.cpp:") != std::string::npos);
}

using lifecycle_test::has_raw_bytes;
using lifecycle_test::hostile_word_shown;
TEST_CASE("ownership messages escape both labels, in every kind of problem") {
    lifecycle::ownership_problem p;
    p.kind = "fd";
    p.identity = 7;
    p.label = lifecycle_test::hostile_word;
    p.other_kind = "fd";
    const std::string other = "other\r\x9b";
    p.other_label = other;
    p.how = "closed";
    for (ownership_issue issue : {ownership_issue::second_owner, ownership_issue::closed_while_owned,
                                  ownership_issue::already_closed, ownership_issue::use_after_close}) {
        p.issue = issue;
        const std::string m = p.message();
        INFO(m);
        CHECK_FALSE(has_raw_bytes(m));
        CHECK(m.find_first_of("\n\r") == std::string::npos);
        switch (issue) {
        case ownership_issue::second_owner:
            CHECK(m.find("is already owned by a tracked fd 'other\\r\\x9b' created at ") != std::string::npos);
            CHECK(m.find("; a second owner '" + hostile_word_shown + "' takes it at ") != std::string::npos);
            break;
        case ownership_issue::closed_while_owned:
            CHECK(m.find(" through a tracked fd '" + hostile_word_shown + "' created at ") != std::string::npos);
            CHECK(m.find(", but a tracked fd 'other\\r\\x9b' created at ") != std::string::npos);
            break;
        case ownership_issue::already_closed:
            CHECK(m.rfind("lifecycle: ownership: fd 7 '" + hostile_word_shown + "' created at ", 0) == 0);
            break;
        case ownership_issue::use_after_close:
            CHECK(m.find(" on a tracked fd '" + hostile_word_shown + "' that was closed at ") != std::string::npos);
            break;
        }
        lifecycle::ownership_problem k = p; // the traits' kind names are escaped as the labels are
        k.kind = k.other_kind = lifecycle_test::hostile_word;
        const std::string km = k.message();
        INFO(km);
        CHECK_FALSE(has_raw_bytes(km));
        CHECK(km.find_first_of("\n\r") == std::string::npos);
        CHECK((km.rfind("lifecycle: ownership: " + hostile_word_shown + " 7", 0) == 0 ||
               km.find(" on a tracked " + hostile_word_shown + " '") != std::string::npos));
    }
    // A label longer than 200 bytes is cut as in the reports.
    const std::string long_label(300, 'y');
    p.issue = ownership_issue::already_closed;
    p.label = long_label;
    CHECK(p.message().find(" '" + std::string(200, 'y') + "...(100 bytes cut)' created at ") != std::string::npos);
}

TEST_CASE("the default ownership handler's line escapes the labels: one line, whatever they hold") {
    lifecycle_test::capture_stderr err;
    const auto previous = lifecycle::current_ownership_level();
    lifecycle::set_ownership_level(ownership_level::warn);
    {
        lifecycle::tracked_fd a{open_null(), lifecycle_test::hostile_word};
        lifecycle::tracked_fd b{a.get(), "second\x1b[2J"};
        (void)b.release();
    }
    lifecycle::set_ownership_level(previous);
    const std::string text = err.text();
    INFO(text);
    CHECK(text.find("is already owned by a tracked fd '" + hostile_word_shown + "' created at") != std::string::npos);
    CHECK(text.find("; a second owner 'second\\x1b[2J' takes it at ") != std::string::npos);
    REQUIRE(!text.empty());
    CHECK_FALSE(has_raw_bytes(text));
    CHECK(text.find('\n') == text.size() - 1); // one line: its own newline only
    CHECK(text.back() == '\n');
}

TEST_CASE("LIFECYCLE_OWNERSHIP values are parsed; garbage warns and keeps the default") {
    using lifecycle::detail::parse_ownership;
    CHECK(parse_ownership(nullptr, ownership_level::warn_once, nullptr) == ownership_level::warn_once);
    CHECK(parse_ownership("ignore", ownership_level::warn_once, nullptr) == ownership_level::ignore);
    CHECK(parse_ownership("warn", ownership_level::warn_once, nullptr) == ownership_level::warn);
    CHECK(parse_ownership("warn-once", ownership_level::warn, nullptr) == ownership_level::warn_once);
    CHECK(parse_ownership("warn_once", ownership_level::warn, nullptr) == ownership_level::warn_once);
    CHECK(parse_ownership("abort", ownership_level::warn_once, nullptr) == ownership_level::abort);
    std::FILE* out = std::tmpfile();
    CHECK(parse_ownership("loud", ownership_level::warn_once, out) == ownership_level::warn_once);
    std::rewind(out);
    char line[256] = {};
    CHECK(std::fgets(line, sizeof line, out) != nullptr);
    std::fclose(out);
    CHECK(std::string(line) ==
          "lifecycle: ignoring LIFECYCLE_OWNERSHIP='loud': expected ignore, warn-once, warn or abort; using warn-once\n");
}

TEST_CASE("a handler that throws does not lose the problem") {
    lifecycle_test::capture_stderr err;
    const auto previous_level = lifecycle::current_ownership_level();
    lifecycle::set_ownership_level(ownership_level::warn);
    auto previous = lifecycle::set_ownership_handler([](const lifecycle::ownership_problem&) { throw 42; });
    {
        lifecycle::tracked_fd a{open_null(), "thrown"};
        lifecycle::tracked_fd b{a.get()};
        (void)b.release();
    }
    lifecycle::set_ownership_handler(previous);
    lifecycle::set_ownership_level(previous_level);
    const std::string text = err.text();
    CHECK(text.find("the ownership handler threw") != std::string::npos);
    CHECK(text.find("already owned by a tracked fd 'thrown'") != std::string::npos);
}

namespace {

// One scripted run of every ownership problem over fake handles, on this
// thread; returns what was reported (issue, value, label, the sites' lines)
// and how many closes happened, so two runs can be compared.
std::vector<std::string> ownership_script() {
    capture_ownership problems;
    using fake = lifecycle::tracked<lifecycle_test::fake_traits<tag_b>>;
    const long closes_before = lifecycle_test::fake_traits<tag_b>::closes().load();
    {
        std::vector<fake> owners;
        for (int i = 0; i < 3000; ++i) owners.emplace_back(8000000 + i, "owner");
        std::vector<fake> intruders;
        for (int i = 0; i < 3000; i += 7) intruders.emplace_back(8000000 + i, "intruder"); // second owners
        for (std::size_t i = 0; i < intruders.size(); i += 2) (void)intruders[i].close(); // closed while owned
        fake moved{8100000, "moved"};
        fake taken = std::move(moved);
        (void)taken.close();
        (void)taken.get(); // use after close
    } // the stale owners' ends: already closed, not closed again
    std::vector<std::string> out;
    for (const auto& e : problems.entries)
        out.push_back(std::to_string(static_cast<int>(e.issue)) + ' ' + std::to_string(e.identity) + ' ' + e.label + ' ' +
                      e.other_label + ' ' + std::to_string(e.created) + ' ' + std::to_string(e.current) + ' ' +
                      std::to_string(e.other_created) + ' ' + std::to_string(e.closed));
    out.push_back("closes " + std::to_string(lifecycle_test::fake_traits<tag_b>::closes().load() - closes_before));
    return out;
}

} // namespace

TEST_CASE("biased owner stripes (no locked instruction on one thread) and the locked fallback report the same") {
    auto& index = lifecycle::detail::owners();
    index.set_biasing(false); // the fallback, as under ThreadSanitizer
    const std::vector<std::string> locked = ownership_script();
    CHECK(index.stripes_biased_here() == 0);
    index.set_biasing(true);
    const std::vector<std::string> biased = ownership_script();
    if (index.biasing()) CHECK(index.stripes_biased_here() > 0); // this thread's claims took the fast path
    else CHECK(index.stripes_biased_here() == 0); // ThreadSanitizer, or no membarrier: always locked
    CHECK(locked.size() > 1000);
    CHECK(biased == locked);

    // Another thread's claim revokes the bias: its second owner is still found.
    capture_ownership problems;
    using fake = lifecycle::tracked<lifecycle_test::fake_traits<tag_b>>;
    fake mine{8200000, "mine"};
    std::thread([] {
        fake theirs{8200000, "theirs"};
        (void)theirs.release();
    }).join();
    REQUIRE(problems.entries.size() == 1);
    CHECK(problems.entries[0].issue == ownership_issue::second_owner);
    CHECK(problems.entries[0].other_label == "mine");
}
