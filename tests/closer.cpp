// SPDX-License-Identifier: BSL-1.0
// closer: LIFO close-all, identity (aliases closed once), every failure kept,
// already-closed resources, bad input, close_error, the destructor.
#include <lifecycle/closer.hpp>
#include <lifecycle/tracked.hpp>

#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>

#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>
#include <type_traits>
#include <vector>

#include "support.hpp"

using lifecycle::close_outcome;
using lifecycle_test::fd_is_open;

namespace {

// A fault-injection ledger: every close call is counted per resource id, in
// order; the `fail_at`-th call (1-based) fails in the way `mode` says.
struct ledger {
    enum class mode { error_code, returns_false, std_exception, int_exception };
    std::vector<int> order;
    std::map<int, int> closes;
    int calls = 0;
    int fail_at = 0;
    mode how = mode::error_code;

    // Records a close of `id`; returns true if this call must fail.
    bool record(int id) {
        order.push_back(id);
        ++closes[id];
        return ++calls == fail_at;
    }
};

// A resource with close(); its result type follows the ledger's mode.
struct fake {
    int id = 0;
    ledger* book = nullptr;
    std::error_code close() {
        if (!book->record(id)) return {};
        switch (book->how) {
        case ledger::mode::error_code: return std::make_error_code(std::errc::io_error);
        case ledger::mode::std_exception: throw std::runtime_error("fake " + std::to_string(id) + " exploded");
        case ledger::mode::int_exception: throw 42;
        case ledger::mode::returns_false: break;
        }
        return {};
    }
};

// The same, with a close() that returns bool (false = failure).
struct fake_bool {
    int id = 0;
    ledger* book = nullptr;
    bool close() { return !book->record(id); }
};

using lifecycle_test::openable;

} // namespace

TEST_CASE("closer: closes newest first; a second close_all closes nothing") {
    ledger book;
    fake a{1, &book}, b{2, &book}, c{3, &book};
    lifecycle::closer closer;
    closer.add(a, "a");
    closer.add(b, "b");
    closer.add(c, "c");
    CHECK(closer.size() == 3);
    const lifecycle::close_result r = closer.close_all();
    CHECK(book.order == std::vector<int>{3, 2, 1});
    REQUIRE(r.entries().size() == 3);
    CHECK(r.entries()[0].name == "c");
    CHECK(r.entries()[0].ordinal == 3);
    CHECK(r.entries()[2].name == "a");
    CHECK(r.ok());
    CHECK(r.count(close_outcome::closed) == 3);
    CHECK(closer.empty());

    const lifecycle::close_result again = closer.close_all();
    CHECK(again.empty());
    CHECK(book.calls == 3);
}

TEST_CASE("closer: fault injection — the k-th close fails; every other object is closed once, every failure kept once") {
    // Objects 1..4 and a callable (id 5); six entries, two of them aliases:
    //   add order: r1 (ref o1), s2 (shared o2), s2b (shared o2 again), r3 (ref o3), cb (callable), r2 (ref o2)
    //   close order: r2 closes o2, cb, r3 closes o3, s2b alias, s2 alias, r1 closes o1.
    const std::vector<int> expected_order{2, 5, 3, 1};
    for (auto how : {ledger::mode::error_code, ledger::mode::returns_false, ledger::mode::std_exception,
                     ledger::mode::int_exception}) {
        for (int k = 1; k <= 4; ++k) {
            CAPTURE(k);
            CAPTURE(static_cast<int>(how));
            ledger book;
            book.fail_at = k;
            book.how = how;
            lifecycle::closer closer;
            fake o1{1, &book}, o3{3, &book};
            fake_bool b1{1, &book}, b3{3, &book};
            auto o2 = std::make_shared<fake>(fake{2, &book});
            auto ob2 = std::make_shared<fake_bool>(fake_bool{2, &book});
            const bool as_bool = how == ledger::mode::returns_false;
            if (as_bool) {
                closer.add(b1, "r1");
                closer.add(ob2, "s2");
                closer.add(std::shared_ptr<fake_bool>(ob2), "s2b");
                closer.add(b3, "r3");
            } else {
                closer.add(o1, "r1");
                closer.add(o2, "s2");
                closer.add(std::shared_ptr<fake>(o2), "s2b");
                closer.add(o3, "r3");
            }
            closer.add([&book]() -> std::error_code {
                if (book.record(5)) return std::make_error_code(std::errc::io_error);
                return {};
            }, "cb");
            if (as_bool) closer.add(*ob2, "r2");
            else closer.add(*o2, "r2");

            const lifecycle::close_result r = closer.close_all();

            CHECK(book.order == expected_order); // LIFO kept, failure or not
            for (int id : {1, 2, 3, 5}) CHECK(book.closes[id] == 1);
            REQUIRE(r.entries().size() == 6);
            const auto failures = r.failures();
            REQUIRE(failures.size() == 1);
            const char* names[] = {"r2", "cb", "r3", "r1"};
            const char* failed_name = names[k - 1];
            CHECK(failures[0].name == failed_name);
            if (failures[0].name == "cb") CHECK(failures[0].error == std::errc::io_error);
            else if (how == ledger::mode::error_code) CHECK(failures[0].error == std::errc::io_error);
            else if (how == ledger::mode::returns_false) CHECK(failures[0].error == lifecycle::lifecycle_errc::close_returned_false);
            else if (how == ledger::mode::std_exception) {
                CHECK(failures[0].error == lifecycle::lifecycle_errc::close_threw);
                CHECK(failures[0].what.find("exploded") != std::string::npos);
            } else {
                CHECK(failures[0].error == lifecycle::lifecycle_errc::close_threw);
                CHECK(failures[0].what == "an exception not derived from std::exception");
            }
            CHECK(failures[0].added_at.known());
            CHECK(std::string(failures[0].added_at.file).find("closer.cpp") != std::string::npos);

            const auto aliases = r.aliases();
            REQUIRE(aliases.size() == 2);
            CHECK(aliases[0].name == "s2b");
            CHECK(aliases[1].name == "s2");
            CHECK(aliases[0].alias_of.find("'r2'") != std::string::npos);
            CHECK(aliases[0].alias_of_ordinal == 6);
            CHECK(closer.empty());
        }
    }
}

TEST_CASE("closer: every failure is kept, in close order, with name, kind, identity and add site") {
    ledger book;
    book.fail_at = 1;
    fake a{1, &book};
    lifecycle::closer closer;
    closer.add(a, "first");
    const int line = __LINE__ + 1;
    closer.add([] { return false; }, "second");
    closer.add([]() -> int { return 7; }, "third");
    const lifecycle::close_result r = closer.close_all();
    const auto f = r.failures();
    REQUIRE(f.size() == 3);
    CHECK(f[0].name == "third");
    CHECK(f[0].error.value() == 7);
    CHECK(f[0].error.message() == "the close function returned 7");
    CHECK(f[0].kind == "callable");
    CHECK(f[1].name == "second");
    CHECK(f[1].error == lifecycle::lifecycle_errc::close_returned_false);
    CHECK(f[1].added_at.line == static_cast<unsigned>(line));
    CHECK(f[2].name == "first");
    CHECK(f[2].kind.find("fake") != std::string_view::npos);
    CHECK(f[2].id == lifecycle::identity::of(a));
    CHECK(f[2].id.domain() == "object");
    const std::string text = r.to_text();
    CHECK(text.find("lifecycle: closer handled 3 entries: 3 failed") == 0);
    CHECK(text.find("'second'") != std::string::npos);
    CHECK(text.find("the close function returned false") != std::string::npos);
}

namespace {
struct base_a {
    virtual ~base_a() = default;
    int a = 0;
};
struct base_b {
    virtual ~base_b() = default;
    int b = 0;
    int closes = 0;
    void close() { ++closes; }
};
struct derived : base_a, base_b {};

// A wrapper type whose identity is its backend: two wrappers, one object.
struct backend {
    int closes = 0;
};
struct view {
    backend* b = nullptr;
    void close() { ++b->closes; }
};

// A type without close(), made closable through close_traits.
struct c_handle {
    int closes = 0;
};

struct fake_handle_traits {
    using handle_type = int;
    static constexpr std::string_view kind_name() noexcept { return "fake handle"; }
    static constexpr int invalid() noexcept { return -1; }
    static inline int closes = 0;
    static std::error_code close(int) noexcept {
        ++closes;
        return {};
    }
};
} // namespace

template <>
struct lifecycle::close_traits<view> {
    static lifecycle::identity identity_of(const view& v) noexcept { return lifecycle::identity::of(*v.b); }
};

template <>
struct lifecycle::close_traits<c_handle> {
    static std::string_view kind_name() noexcept { return "c handle"; }
    static void close(c_handle& h) { ++h.closes; }
};

TEST_CASE("closer: aliases through each identity path are closed once") {
    SUBCASE("the same address twice") {
        openable o;
        lifecycle::closer closer;
        closer.add(o, "one");
        closer.add(o, "two");
        const auto r = closer.close_all();
        CHECK(o.closes == 1);
        REQUIRE(r.aliases().size() == 1);
        CHECK(r.aliases()[0].name == "one");
        CHECK(r.aliases()[0].alias_of.find("'two'") != std::string::npos);
    }
    SUBCASE("two shared_ptrs to one object") {
        auto p = std::make_shared<openable>();
        std::shared_ptr<openable> q = p;
        lifecycle::closer closer;
        closer.add(p, "p");
        closer.add(std::move(q), "q");
        CHECK(p.use_count() == 3); // the closer shares ownership
        const auto r = closer.close_all();
        CHECK(p->closes == 1);
        CHECK(r.count(close_outcome::alias) == 1);
        CHECK(p.use_count() == 1); // both entries dropped their share
    }
    SUBCASE("a reference and a shared_ptr to one object") {
        auto p = std::make_shared<openable>();
        lifecycle::closer closer;
        closer.add(p, "owner");
        closer.add(*p, "ref");
        const auto r = closer.close_all();
        CHECK(p->closes == 1);
        CHECK(r.find("owner")->outcome == close_outcome::alias);
        CHECK(r.find("ref")->outcome == close_outcome::closed);
    }
    SUBCASE("a reference to a base and a shared_ptr to the derived object (most-derived address)") {
        auto d = std::make_shared<derived>();
        base_b& as_b = *d;
        REQUIRE(static_cast<void*>(&as_b) != static_cast<void*>(d.get()));
        lifecycle::closer closer;
        closer.add(std::shared_ptr<base_b>(d), "shared");
        closer.add(as_b, "base ref");
        const auto r = closer.close_all();
        CHECK(d->closes == 1);
        CHECK(r.count(close_outcome::alias) == 1);
    }
    SUBCASE("the same handle value of the same kind: one closed, the other released") {
        lifecycle_test::with_ownership quiet{lifecycle::ownership_level::ignore}; // two owners on purpose
        const int before = fake_handle_traits::closes;
        lifecycle::closer closer;
        closer.add(lifecycle::tracked<fake_handle_traits>{5, "first owner"});
        closer.add(lifecycle::tracked<fake_handle_traits>{5, "second owner"});
        closer.add(lifecycle::tracked<fake_handle_traits>{6, "other"});
        const auto r = closer.close_all();
        CHECK(fake_handle_traits::closes == before + 2);
        REQUIRE(r.aliases().size() == 1);
        CHECK(r.aliases()[0].name == "first owner"); // the label names an unnamed tracked entry
        CHECK(r.aliases()[0].id == lifecycle::identity("fake handle", 5));
        CHECK(r.find("second owner")->outcome == close_outcome::closed);
        CHECK(lifecycle_test::live_of("fake handle") == 0); // the alias was released, not leaked
    }
    SUBCASE("the same value of different kinds is not an alias") {
        const int before = fake_handle_traits::closes;
        const int fd = ::open("/dev/null", O_RDONLY);
        REQUIRE(fd >= 0);
        lifecycle::closer closer;
        closer.add(lifecycle::tracked_fd{fd, "real fd"});
        closer.add(lifecycle::tracked<fake_handle_traits>{fd, "fake with the same number"});
        const auto r = closer.close_all();
        CHECK(r.count(close_outcome::closed) == 2);
        CHECK_FALSE(fd_is_open(fd));
        CHECK(fake_handle_traits::closes == before + 1);
    }
    SUBCASE("a tracked handle moved in and a reference to another owner of the same fd") {
        lifecycle_test::with_ownership quiet{lifecycle::ownership_level::ignore}; // two owners on purpose
        lifecycle::tracked_fd owner{::open("/dev/null", O_RDONLY), "owner"};
        const int fd = owner.get();
        lifecycle::tracked_fd second{fd, "second"}; // a double owner, as in the aliased-member bug
        lifecycle::closer closer;
        closer.add(std::move(owner));
        closer.add(second);
        const auto r = closer.close_all();
        CHECK(r.ok());
        CHECK(r.count(close_outcome::closed) == 1);
        CHECK(r.count(close_outcome::alias) == 1);
        CHECK_FALSE(fd_is_open(fd));
        CHECK_FALSE(second); // the reference closed it
    }
    SUBCASE("close_traits identity_of: two wrappers over one backend") {
        backend b;
        view v1{&b}, v2{&b};
        lifecycle::closer closer;
        closer.add(v1, "v1");
        closer.add(v2, "v2");
        const auto r = closer.close_all();
        CHECK(b.closes == 1);
        CHECK(r.count(close_outcome::alias) == 1);
    }
    SUBCASE("a callable given an identity aliases a reference to the object") {
        openable o;
        lifecycle::closer closer;
        closer.add(lifecycle::identity::of(o), [&o] { o.close(); }, "callable for o");
        closer.add(o, "o");
        const auto r = closer.close_all();
        CHECK(o.closes == 1);
        CHECK(r.find("callable for o")->outcome == close_outcome::alias);
    }
    SUBCASE("callables without an identity are never aliases") {
        int calls = 0;
        auto fn = [&calls] { ++calls; };
        lifecycle::closer closer;
        closer.add(fn);
        closer.add(fn);
        const auto r = closer.close_all();
        CHECK(calls == 2);
        CHECK(r.entries()[0].id.empty());
        CHECK(r.entries()[0].describe() == "callable #2");
    }
    SUBCASE("close_traits close for a type without close()") {
        c_handle h;
        lifecycle::closer closer;
        closer.add(h, "h");
        const auto r = closer.close_all();
        CHECK(h.closes == 1);
        CHECK(r.entries()[0].kind == "c handle");
    }
}

TEST_CASE("closer: a resource closed elsewhere is recorded as already closed, not closed again") {
    SUBCASE("a tracked handle closed by its owner, reached through a reference") {
        lifecycle::tracked_fd fd{::open("/dev/null", O_RDONLY), "config"};
        const int raw = fd.get();
        lifecycle::closer closer;
        closer.add(fd);
        CHECK_FALSE(fd.close());
        const int reused = ::open("/dev/null", O_RDONLY); // most likely the same number
        const auto r = closer.close_all();
        REQUIRE(r.entries().size() == 1);
        CHECK(r.entries()[0].outcome == close_outcome::already_closed);
        CHECK(r.entries()[0].name == "config");
        CHECK(fd_is_open(reused)); // not closed through a stale number
        (void)raw;
        ::close(reused);
    }
#if LIFECYCLE_TRACKING
    SUBCASE("a stale tracked handle (closed through another wrapper) and the number's new owner: not aliases") {
        lifecycle_test::with_ownership warn{lifecycle::ownership_level::warn};
        int problems = 0;
        const auto previous = lifecycle::set_ownership_handler([&](const lifecycle::ownership_problem&) { ++problems; });
        lifecycle::tracked_fd stale{::open("/dev/null", O_RDONLY), "stale"};
        lifecycle::tracked_fd intruder{stale.get(), "intruder"};
        CHECK_FALSE(intruder.close()); // `stale` holds a closed number now
        lifecycle::tracked_fd fresh{::open("/dev/null", O_RDONLY), "fresh"};
        REQUIRE(fresh.get() == stale.get()); // the lowest free number
        const int n = fresh.get();
        lifecycle::closer closer;
        closer.add(std::move(fresh));
        closer.add(std::move(stale)); // the newest: it was taken for the primary, `fresh` for its alias
        const auto r = closer.close_all();
        CHECK(r.find("stale")->outcome == close_outcome::already_closed); // not "failed", not an alias
        CHECK(r.find("fresh")->outcome == close_outcome::closed);
        CHECK(r.ok());
        CHECK_FALSE(fd_is_open(n)); // the new resource is closed, not released as an alias
        CHECK(problems == 3); // the second owner, its close while owned, the stale owner's end
        lifecycle::set_ownership_handler(previous);
    }
#endif
    SUBCASE("a tracked handle by reference, aliased to a callable that closes it: released, not closed again") {
        lifecycle::tracked_fd fd{::open("/dev/null", O_RDONLY), "by ref"};
        const int n = fd.get();
        int calls = 0;
        lifecycle::closer closer;
        closer.add(fd);
        closer.add(lifecycle::identity(lifecycle::fd_traits::identity_domain(), static_cast<std::uintptr_t>(n)),
                   [&] { ++calls; return ::close(n); }, "call");
        const auto r = closer.close_all();
        CHECK(calls == 1);
        CHECK(r.find("by ref")->outcome == close_outcome::alias);
        CHECK_FALSE(fd); // it gave its handle up
        const int reused = ::open("/dev/null", O_RDONLY);
        REQUIRE(reused == n);
        fd.reset(); // nothing to close: the reused number is not touched
        CHECK(fd_is_open(reused));
        ::close(reused);
    }
    SUBCASE("an object whose is_open() says it is closed") {
        openable o;
        o.close();
        auto p = std::make_shared<openable>();
        p->close();
        lifecycle::closer closer;
        closer.add(o, "o");
        closer.add(p, "p");
        const auto r = closer.close_all();
        CHECK(o.closes == 1);
        CHECK(p->closes == 1);
        CHECK(r.count(close_outcome::already_closed) == 2);
        CHECK(r.ok());
    }
    SUBCASE("closed by an earlier entry's close function in the same pass") {
        openable o;
        lifecycle::closer closer;
        closer.add(o, "o");
        closer.add([&o] { o.close(); }, "closes o too");
        const auto r = closer.close_all();
        CHECK(o.closes == 1);
        CHECK(r.find("o")->outcome == close_outcome::already_closed);
    }
}

TEST_CASE("closer: owned entries — a tracked handle, a unique_ptr, a closable value moved in") {
    int raw = -1;
    auto u = std::make_unique<openable>();
    openable* seen = u.get();
    {
        lifecycle::closer closer;
        lifecycle::tracked_fd fd{::open("/dev/null", O_RDONLY), "owned"};
        raw = fd.get();
        closer.add(std::move(fd));
        CHECK_FALSE(fd); // NOLINT(bugprone-use-after-move): moved in
        closer.add(std::move(u), "unique");
        closer.add(openable{}, "value");
        CHECK(fd_is_open(raw));
        const auto r = closer.close_all();
        CHECK(r.count(close_outcome::closed) == 3);
        CHECK(r.find("owned")->kind == "fd");
        CHECK(r.find("owned")->id == lifecycle::identity("fd", static_cast<std::uintptr_t>(raw)));
#if LIFECYCLE_TRACKING
        CHECK(r.find("owned")->created_at.known());
#endif
        CHECK(r.find("unique")->id == lifecycle::identity::of_address(seen));
    }
    CHECK_FALSE(fd_is_open(raw));
}

TEST_CASE("closer: bad input") {
    SUBCASE("a null shared_ptr and an empty tracked handle are recorded as empty") {
        lifecycle::closer closer;
        closer.add(std::shared_ptr<openable>(), "null");
        closer.add(std::unique_ptr<openable>(), "null unique");
        closer.add(lifecycle::tracked_fd{}, "empty fd");
        closer.add(lifecycle::tracked_fd{}, "another empty fd"); // empty entries are never aliases
        const auto r = closer.close_all();
        CHECK(r.count(close_outcome::empty) == 4);
        CHECK(r.ok());
        CHECK(r.find("null")->id.empty());
    }
    SUBCASE("a callable that throws a non-std::exception type") {
        int after = 0;
        lifecycle::closer closer;
        closer.add([&after] { ++after; }, "after");
        closer.add([] { throw 3.5; }, "throws a double");
        const auto r = closer.close_all();
        CHECK(after == 1);
        REQUIRE(r.failures().size() == 1);
        CHECK(r.failures()[0].what == "an exception not derived from std::exception");
        CHECK(r.failures()[0].error == lifecycle::lifecycle_errc::close_threw);
    }
    SUBCASE("an entry added after close_all is closed by the next close_all") {
        openable a, b;
        lifecycle::closer closer;
        closer.add(a);
        CHECK(closer.close_all().count(close_outcome::closed) == 1);
        closer.add(b);
        CHECK(b.closes == 0);
        CHECK(closer.size() == 1);
        const auto r = closer.close_all();
        CHECK(r.entries().size() == 1);
        CHECK(b.closes == 1);
        CHECK(a.closes == 1);
    }
    SUBCASE("an entry added after close_all is closed by the destructor") {
        openable b;
        {
            lifecycle::closer closer;
            (void)closer.close_all();
            closer.add(b);
        }
        CHECK(b.closes == 1);
    }
    SUBCASE("close_all called from inside a close callback: no deadlock, no double close") {
        openable a, b;
        lifecycle::closer closer;
        lifecycle::close_result inner;
        closer.add(a, "a");
        closer.add([&] { inner = closer.close_all(); }, "reentrant");
        closer.add(b, "b");
        const auto r = closer.close_all();
        CHECK(a.closes == 1);
        CHECK(b.closes == 1);
        CHECK(inner.empty()); // the outer pass holds every entry
        CHECK(r.entries().size() == 3);
        CHECK(r.ok());
    }
    SUBCASE("a close callback that adds and closes: the nested pass closes only the new entry") {
        openable a, late;
        lifecycle::closer closer;
        lifecycle::close_result inner;
        closer.add(a, "a");
        closer.add([&] {
            closer.add(late, "late");
            inner = closer.close_all();
        }, "adds");
        const auto r = closer.close_all();
        CHECK(late.closes == 1);
        CHECK(a.closes == 1);
        REQUIRE(inner.entries().size() == 1);
        CHECK(inner.entries()[0].name == "late");
        CHECK(r.entries().size() == 2);
    }
    SUBCASE("a close callback that adds without closing: closed by the next pass, not this one") {
        openable late;
        lifecycle::closer closer;
        closer.add([&] { closer.add(late, "late"); }, "adds");
        const auto r = closer.close_all();
        CHECK(r.entries().size() == 1);
        CHECK(late.closes == 0);
        CHECK(closer.size() == 1);
        (void)closer.close_all();
        CHECK(late.closes == 1);
    }
}

TEST_CASE("closer: close_all_or_throw throws close_error carrying every failure") {
    lifecycle::closer closer;
    int closed = 0;
    closer.add([] { throw std::runtime_error("disk gone"); }, "oldest");
    closer.add([&closed] { ++closed; }, "fine");
    const int line = __LINE__ + 1;
    closer.add([] { return std::make_error_code(std::errc::io_error); }, "newest");
    bool thrown = false;
    try {
        (void)closer.close_all_or_throw();
    } catch (const lifecycle::close_error& e) {
        thrown = true;
        CHECK(e.failures().size() == 2);
        CHECK(e.primary().name == "newest");
        CHECK(e.primary().added_at.line == static_cast<unsigned>(line));
        CHECK(e.code() == std::errc::io_error);
        CHECK(e.failures()[1].name == "oldest");
        CHECK(e.failures()[1].what == "disk gone");
        CHECK(e.result().entries().size() == 3);
        const std::string what = e.what();
        CHECK(what.find("2 of 3 entries failed to close; first 'newest'") != std::string::npos);
        CHECK(what.find("closer.cpp:" + std::to_string(line)) != std::string::npos);
        CHECK(what.find("and 1 more") != std::string::npos);
        const lifecycle::close_error copy = e; // noexcept copy, shared data
        CHECK(&copy.primary() == &e.primary());
    }
    CHECK(thrown);
    CHECK(closed == 1);
    static_assert(std::is_base_of_v<std::system_error, lifecycle::close_error>);
    static_assert(std::is_nothrow_copy_constructible_v<lifecycle::close_error>);

    closer.add([] {});
    const auto r = closer.close_all_or_throw(); // no failure: the result comes back
    CHECK(r.count(close_outcome::closed) == 1);
}

using lifecycle_test::has_raw_bytes;
using lifecycle_test::hostile_word_shown;

TEST_CASE("closer: to_text() and describe() escape names, what() and aliases; a what() is never cut") {
    openable o;
    lifecycle::closer closer;
    closer.add(o, "alias " + lifecycle_test::hostile_word);
    closer.add(o, lifecycle_test::hostile_word);
    const std::string long_what = lifecycle_test::hostile_word + std::string(300, 'w'); // longer than a label: kept whole
    const int line = __LINE__ + 1;
    closer.add([&long_what] { throw std::runtime_error(long_what); }, "thrower " + lifecycle_test::hostile_word);
    const lifecycle::close_result r = closer.close_all();
    REQUIRE(r.entries().size() == 3);
    CHECK(r.entries()[0].describe() == "'thrower " + hostile_word_shown + "' (callable)");
    CHECK(r.entries()[0].what == long_what); // the value keeps the bytes; the text escapes them
    const std::string text = r.to_text();
    INFO(text);
    CHECK_FALSE(has_raw_bytes(text));
    CHECK(text.find("  failed          'thrower " + hostile_word_shown + "' (callable): the close function threw an exception (" +
                    hostile_word_shown + std::string(300, 'w') + "), added at ") != std::string::npos);
    CHECK(text.find("closer.cpp:" + std::to_string(line) + ")\n") != std::string::npos);
    CHECK(text.find("  closed          '" + hostile_word_shown + "' (") != std::string::npos);
    CHECK(text.find("  alias           'alias " + hostile_word_shown + "' (") != std::string::npos);
    CHECK(text.find(": same object as '" + hostile_word_shown + "' (") != std::string::npos);
    std::size_t lines = 0;
    for (char c : text) lines += c == '\n';
    CHECK(lines == 4); // the summary and one line an entry

    // A name longer than 200 bytes is cut in the description, as labels are in the reports.
    lifecycle::closer named;
    named.add([] {}, std::string(250, 'n'));
    CHECK(named.close_all().entries()[0].describe() == "'" + std::string(200, 'n') + "...(50 bytes cut)' (callable)");
}

TEST_CASE("closer: close_error's what() escapes the name and the exception's words") {
    lifecycle::closer closer;
    closer.add([] { throw std::runtime_error(lifecycle_test::hostile_word); }, lifecycle_test::hostile_word);
    std::string what;
    try {
        (void)closer.close_all_or_throw();
    } catch (const lifecycle::close_error& e) {
        what = e.what();
    }
    INFO(what);
    CHECK_FALSE(has_raw_bytes(what));
    CHECK(what.find("1 of 1 entries failed to close; first '" + hostile_word_shown + "' (callable), added at ") !=
          std::string::npos);
    CHECK(what.find(", threw '" + hostile_word_shown + "'") != std::string::npos);
}

TEST_CASE("closer: the destructor closes what is left and hands failures to the close-error handler") {
    lifecycle_test::capture_close_failures failures;
    openable o;
    int line = 0;
    {
        lifecycle::closer closer;
        closer.add(o, "o");
        line = __LINE__ + 1;
        closer.add([] { throw std::runtime_error("flush failed"); }, "cache");
        closer.add([] { throw 1; }, "weird");
    }
    CHECK(o.closes == 1);
    REQUIRE(failures.size() == 2);
    CHECK(failures.at(0).label == "weird");
    CHECK(failures.at(0).what == "an exception not derived from std::exception");
    CHECK(failures.at(1).label == "cache");
    CHECK(failures.at(1).kind == "callable");
    CHECK(failures.at(1).what == "flush failed");
    CHECK(failures.at(1).error == lifecycle::lifecycle_errc::close_threw);
    CHECK(failures.at(1).added_at.line == static_cast<unsigned>(line)); // where add() was called
    CHECK(std::string(failures.at(1).added_at.file).find("closer.cpp") != std::string::npos);
    CHECK(failures.at(1).line == 0); // a callable has no creation site: add()'s is not one
}

TEST_CASE("closer: the default handler prints a destructor's failure on stderr") {
    lifecycle_test::capture_stderr err;
    {
        lifecycle::closer closer;
        closer.add([] { return std::make_error_code(std::errc::io_error); }, "ensemble_trans");
    }
    const std::string text = err.text();
    INFO(text);
    CHECK(text.find("lifecycle: failed to close callable 'ensemble_trans': Input/output error, added at ") !=
          std::string::npos);
    CHECK(text.find("created at") == std::string::npos); // add()'s site is not where anything was created
}

TEST_CASE("closer: the destructor's failure line names a tracked entry's creation and its add() apart") {
    lifecycle_test::capture_stderr err;
    int created = 0, added = 0;
    {
        lifecycle::closer closer;
        lifecycle::tracked_fd fd{::open("/dev/null", O_RDONLY), "stolen in the destructor"}; created = __LINE__;
        ::close(fd.get());
        closer.add(std::move(fd)); added = __LINE__;
    }
    const std::string text = err.text();
    INFO(text);
    CHECK(text.find("failed to close fd 'stolen in the destructor': Bad file descriptor") != std::string::npos);
#if LIFECYCLE_TRACKING
    CHECK(text.find("closer.cpp:" + std::to_string(created) + "), added at ") != std::string::npos);
#else
    (void)created;
#endif
    CHECK(text.find(", added at ") != std::string::npos);
    CHECK(text.find("closer.cpp:" + std::to_string(added) + ")\n") != std::string::npos);
}

TEST_CASE("closer: a tracked handle's close failure names its creation site") {
    lifecycle::closer closer;
    int line = 0;
    lifecycle::tracked_fd fd{::open("/dev/null", O_RDONLY), "stolen"}; line = __LINE__;
    ::close(fd.get());
    closer.add(std::move(fd));
    const auto r = closer.close_all();
    REQUIRE(r.failures().size() == 1);
    CHECK(r.failures()[0].error == std::errc::bad_file_descriptor);
#if LIFECYCLE_TRACKING
    CHECK(r.failures()[0].created_at.line == static_cast<unsigned>(line));
    CHECK(r.to_text().find("created at") != std::string::npos);
#else
    (void)line;
#endif
}

TEST_CASE("closer: identity values") {
    openable o;
    CHECK(lifecycle::identity::of(o) == lifecycle::identity::of_address(&o));
    CHECK(lifecycle::identity() == lifecycle::identity());
    CHECK(lifecycle::identity::of_address(nullptr).empty());
    CHECK(lifecycle::identity("fd", 7) != lifecycle::identity("socket", 7));
    CHECK(lifecycle::identity("fd", 7).to_string() == "fd 7");
    CHECK(lifecycle::identity::of(o).to_string().rfind("object 0x", 0) == 0);
    CHECK(lifecycle::to_string(close_outcome::already_closed) == "already closed");
}
