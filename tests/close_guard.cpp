// SPDX-License-Identifier: BSL-1.0
// close_guard: open at construction and visible to leak scopes, retired by
// close(), reported when destroyed open; moves; use with a closer.
#include <lifecycle/close_guard.hpp>
#include <lifecycle/closer.hpp>
#include <lifecycle/tracked.hpp>

#include <doctest/doctest.h>

#include <string>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include "support.hpp"

using lifecycle::close_guard;
using lifecycle_test::live_of;
using lifecycle_test::stats_of;

static_assert(!std::is_copy_constructible_v<close_guard>);
static_assert(!std::is_copy_assignable_v<close_guard>);
static_assert(std::is_nothrow_move_constructible_v<close_guard>);
static_assert(std::is_nothrow_move_assignable_v<close_guard>);
static_assert(std::is_nothrow_default_constructible_v<close_guard>);

namespace {

// A user class with its own close(), made visible by a close_guard member.
class dataset {
public:
    dataset() = default;
    explicit dataset(std::string name, lifecycle::source_site site = lifecycle::source_site::current())
        : name_(std::move(name)), guard_{"test dataset", name_, site} {}
    dataset(dataset&&) noexcept = default;
    dataset& operator=(dataset&& other) noexcept {
        if (this != &other) {
            close(); // the owner closes its own resource before taking another's
            name_ = std::move(other.name_);
            guard_ = std::move(other.guard_);
        }
        return *this;
    }
    void close() {
        if (!guard_.is_open()) return;
        ++closes_;
        guard_.close();
    }
    bool is_open() const noexcept { return guard_.is_open(); }
    int closes() const noexcept { return closes_; }

private:
    std::string name_;
    close_guard guard_;
    int closes_ = 0;
};

} // namespace

TEST_CASE("close_guard: an open guard is seen by a leak scope; close() retires it") {
    lifecycle::leak_scope scope{"x", lifecycle::leak_policy::ignore};
    const auto live = live_of("Dataset");
    int line = 0;
    close_guard g{"Dataset", "ensemble_daily"}; line = __LINE__;
    CHECK(g.is_open());
    CHECK(live_of("Dataset") == live + 1);
    const lifecycle::leak_report r = scope.check();
    REQUIRE(r.count() == 1);
    const auto& group = r.groups().at(0);
    CHECK(group.kind == "Dataset");
    REQUIRE(group.labels.size() == 1);
    CHECK(group.labels[0] == "ensemble_daily");
    CHECK(group.site_line == static_cast<unsigned>(line));
    CHECK(group.site_file.find("close_guard.cpp") != std::string::npos);
    CHECK(group.close_call == "close()");
    CHECK(r.to_text().find("1 x Dataset 'ensemble_daily'") != std::string::npos);

    CHECK(g.kind() == "Dataset");
    CHECK(g.label() == "ensemble_daily");
    CHECK(g.site().line == static_cast<unsigned>(line));

    CHECK(g.close());
    CHECK_FALSE(g.is_open());
    CHECK_FALSE(g.close()); // closing twice does nothing
    CHECK(scope.check().empty());
    CHECK(live_of("Dataset") == live);
}

TEST_CASE("close_guard: destroyed while open, it is reported to the close-error handler with its creation site") {
    lifecycle_test::capture_close_failures failures;
    const auto before = stats_of("Dataset").close_failures;
    int line = 0;
    {
        close_guard g{"Dataset", "ensemble_trans"}; line = __LINE__;
    }
    REQUIRE(failures.size() == 1);
    const auto f = failures.at(0);
    CHECK(f.kind == "Dataset");
    CHECK(f.label == "ensemble_trans");
    CHECK(f.error == lifecycle::close_guard_errc::destroyed_open);
    CHECK(f.error.message() == "destroyed without close()");
    CHECK(f.line == static_cast<unsigned>(line));
    CHECK(f.file.find("close_guard.cpp") != std::string::npos);
    CHECK(stats_of("Dataset").close_failures == before + 1);
}

TEST_CASE("close_guard: the default handler prints the destroyed-open line on stderr") {
    lifecycle_test::capture_stderr err;
    {
        close_guard g{"Dataset", "printed"};
    }
    const std::string text = err.text();
    CHECK(text.find("lifecycle: failed to close Dataset 'printed': destroyed without close(), created at") !=
          std::string::npos);
    CHECK(text.find("close_guard.cpp:") != std::string::npos);
}

namespace {
int guard_line = 0;
// Out of line: the stack's first user frame is this function.
__attribute__((noinline)) void drop_open_guard() {
    close_guard g{"Dataset", "dropped"}; guard_line = __LINE__;
}
} // namespace

TEST_CASE("close_guard: destroyed without close(), its creation stack is printed under the line when it was captured") {
    {
        lifecycle_test::with_capture tier{lifecycle::capture::stack};
        lifecycle_test::capture_stderr err;
        drop_open_guard();
        const std::string text = err.text();
        INFO(text);
        const std::string head = "lifecycle: failed to close Dataset 'dropped': destroyed without close(), created at drop_open_guard (";
        const std::size_t at = text.find(head);
        REQUIRE(at != std::string::npos);
        const std::size_t next = text.find('\n', at) + 1;
        CHECK(text.compare(next, 7, "    #0 ") == 0); // the stack, right under the line
        CHECK(text.find("drop_open_guard", next) != std::string::npos);
        CHECK(text.find("lifecycle::v0_", next) == std::string::npos); // lifecycle's frames trimmed
        if (text.find("close_guard.cpp:", next) == std::string::npos)
            MESSAGE("this build has no line information: only the function name is checked");
        else
            CHECK(text.find("close_guard.cpp:" + std::to_string(guard_line) + "\n", next) != std::string::npos);
    }
    {
        lifecycle_test::with_capture tier{lifecycle::capture::stack};
        lifecycle_test::capture_close_failures failures;
        drop_open_guard();
        REQUIRE(failures.size() == 1);
        CHECK(failures.at(0).stack.rfind("    #0 ", 0) == 0); // handlers get it too
    }
    { // no stack captured: the line alone (the negative control)
        lifecycle_test::with_capture tier{lifecycle::capture::site};
        lifecycle_test::capture_stderr err;
        drop_open_guard();
        const std::string text = err.text();
        INFO(text);
        CHECK(text.find("destroyed without close(), created at drop_open_guard (") != std::string::npos);
        CHECK(text.find("    #0 ") == std::string::npos);
    }
}

TEST_CASE("close_guard: a leak scope reports a guard left open, and the destructor reports it again") {
    lifecycle_test::capture_close_failures failures;
    {
        lifecycle::leak_scope scope{"guarded", lifecycle::leak_policy::ignore};
        close_guard g{"Dataset", "left open"};
        CHECK(scope.check().count() == 1); // negative control: the leak is seen
    }
    CHECK(failures.size() == 1);
}

TEST_CASE("close_guard: moves transfer the open state; the moved-from guard reports nothing") {
    lifecycle_test::capture_close_failures failures;
    const auto live = live_of("Dataset");
    {
        close_guard a{"Dataset", "moved"};
        close_guard b{std::move(a)};
        CHECK_FALSE(a.is_open()); // NOLINT(bugprone-use-after-move): specified closed
        CHECK(b.is_open());
        CHECK(b.label() == "moved");
        CHECK(live_of("Dataset") == live + 1); // a move does not touch the registry
        close_guard c;
        CHECK_FALSE(c.is_open());
        c = std::move(b); // onto a closed guard: nothing reported
        CHECK(c.is_open());
        close_guard& alias = c;
        c = std::move(alias); // self-move: nothing
        CHECK(c.is_open());
        CHECK(c.close());
    }
    CHECK(failures.size() == 0);
    CHECK(live_of("Dataset") == live);
}

TEST_CASE("close_guard: a move assignment onto an open guard reports the overwritten resource") {
    lifecycle_test::capture_close_failures failures;
    {
        close_guard a{"Dataset", "overwritten"};
        close_guard b{"Dataset", "survivor"};
        a = std::move(b);
        REQUIRE(failures.size() == 1);
        CHECK(failures.at(0).label == "overwritten");
        CHECK(a.label() == "survivor");
        a.close();
    }
    CHECK(failures.size() == 1);
}

TEST_CASE("close_guard: release() retires without a report; close(ec) counts a failure; open() re-arms") {
    lifecycle_test::capture_close_failures failures;
    const auto before = stats_of("Dataset");
    close_guard g{"Dataset", "handed off"};
    CHECK(g.release());
    CHECK_FALSE(g.is_open());
    CHECK_FALSE(g.release());
    CHECK(stats_of("Dataset").released == before.released + 1);

    g.open("Dataset", "second life");
    CHECK(g.is_open());
    CHECK(g.label() == "second life");
    CHECK(g.close(std::make_error_code(std::errc::io_error)));
    CHECK(stats_of("Dataset").close_failures == before.close_failures + 1);
    CHECK(failures.size() == 0);

    g.open("Dataset", "re-opened while open");
    g.open("Dataset", "replacement"); // the first is reported
    CHECK(failures.size() == 1);
    CHECK(failures.at(0).label == "re-opened while open");
    g.close();
}

TEST_CASE("close_guard: a movable owner class") {
    lifecycle_test::capture_close_failures failures;
    lifecycle::leak_scope scope{"owners", lifecycle::leak_policy::ignore};
    {
        std::vector<dataset> sets;
        sets.emplace_back("a");
        sets.emplace_back("b"); // reallocation moves "a": no report
        sets.emplace_back("c");
        CHECK(scope.check().count() == 3);
        dataset d{"d"};
        sets[0] = std::move(d); // the owner's assignment closes "a" first
        CHECK(scope.check().count() == 3);
        for (auto& s : sets) s.close();
        CHECK(scope.check().empty());
        dataset unopened; // a default-constructed owner holds nothing
        CHECK_FALSE(unopened.is_open());
    }
    CHECK(failures.size() == 0);
    {
        dataset forgotten{"forgotten"};
    }
    REQUIRE(failures.size() == 1);
    CHECK(failures.at(0).kind == "test dataset");
    CHECK(failures.at(0).label == "forgotten");
}

TEST_CASE("close_guard: an owner with is_open() closed before close_all is recorded as already closed") {
    dataset a{"a"}, b{"b"};
    lifecycle::closer closer;
    closer.add(a, "a");
    closer.add(b, "b");
    a.close();
    const auto r = closer.close_all();
    CHECK(r.find("a")->outcome == lifecycle::close_outcome::already_closed);
    CHECK(r.find("b")->outcome == lifecycle::close_outcome::closed);
    CHECK(a.closes() == 1);
    CHECK(b.closes() == 1);
}

TEST_CASE("close_guard: a guard itself can be added to a closer") {
    lifecycle_test::capture_close_failures failures;
    {
        close_guard g{"Dataset", "closed by a closer"};
        lifecycle::closer closer;
        closer.add(g);
        CHECK(closer.close_all().ok());
        CHECK_FALSE(g.is_open());
    }
    CHECK(failures.size() == 0);
}
