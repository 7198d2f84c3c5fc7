// SPDX-License-Identifier: BSL-1.0
// closer: two owning entries that reach one object never close it twice. An
// owner that cannot give its object up without closing it (a value or a
// unique_ptr moved in) closes it, whatever the add order; a second such owner
// of one identity is refused, naming both entries, and stays the caller's.
#include <lifecycle/closer.hpp>
#include <lifecycle/tracked.hpp>

#include <doctest/doctest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

#include "support.hpp"

namespace {

// Backends 0..3; a wrapper over one closes it in close() and, if still
// open, in its destructor (as RAII wrappers do).
int backend_closes[4];

struct wrapper {
    int backend;
    bool open = true;
    explicit wrapper(int b) : backend(b) {}
    wrapper(wrapper&& o) noexcept : backend(o.backend), open(std::exchange(o.open, false)) {}
    wrapper& operator=(wrapper&&) = delete;
    ~wrapper() {
        if (open) ++backend_closes[backend];
    }
    std::error_code close() {
        if (open) ++backend_closes[backend];
        open = false;
        return {};
    }
    bool is_open() const noexcept { return open; }
};

struct backend_traits {
    using handle_type = int;
    static constexpr std::string_view kind_name() noexcept { return "backend"; }
    static constexpr int invalid() noexcept { return -1; }
    static std::error_code close(int b) noexcept {
        ++backend_closes[b];
        return {};
    }
};
using tracked_backend = lifecycle::tracked<backend_traits>;

void reset() {
    for (int& c : backend_closes) c = 0;
}

} // namespace

// Every wrapper over backend b is the object b, in the tracked handles' domain.
template <>
struct lifecycle::close_traits<wrapper> {
    static std::string_view kind_name() noexcept { return "wrapper"; }
    static lifecycle::identity identity_of(const wrapper& w) noexcept {
        return lifecycle::identity(backend_traits::kind_name(), static_cast<std::uintptr_t>(w.backend));
    }
};

TEST_CASE("closer: a value owner closes its object once, added before or after a tracked handle to it") {
    reset();
    SUBCASE("value first, tracked handle second") {
        {
            lifecycle::closer c;
            c.add(wrapper{1}, "value");
            c.add(tracked_backend{1}, "handle");
            const lifecycle::close_result r = c.close_all();
            CHECK(r.count(lifecycle::close_outcome::closed) == 1);
            CHECK(r.count(lifecycle::close_outcome::alias) == 1);
            REQUIRE(r.find("handle") != nullptr);
            CHECK(r.find("handle")->outcome == lifecycle::close_outcome::alias);
            CHECK(r.find("handle")->alias_of.find("'value'") != std::string::npos);
        }
        CHECK(backend_closes[1] == 1);
    }
    SUBCASE("tracked handle first, value second") {
        {
            lifecycle::closer c;
            c.add(tracked_backend{2}, "handle");
            c.add(wrapper{2}, "value");
            const lifecycle::close_result r = c.close_all();
            REQUIRE(r.find("handle") != nullptr);
            CHECK(r.find("handle")->outcome == lifecycle::close_outcome::alias);
        }
        CHECK(backend_closes[2] == 1);
    }
    SUBCASE("a reference to another wrapper over it, added last") {
        wrapper outside{3};
        {
            lifecycle::closer c;
            c.add(wrapper{3}, "value");
            c.add(outside, "reference");
            const lifecycle::close_result r = c.close_all();
            CHECK(r.find("reference")->outcome == lifecycle::close_outcome::alias);
            CHECK(r.find("value")->outcome == lifecycle::close_outcome::closed);
        }
        outside.open = false; // the caller's own second wrapper: closed through the closer's
        CHECK(backend_closes[3] == 1);
    }
}

TEST_CASE("closer: a second owner that cannot give the object up is refused, naming both entries, and stays the caller's") {
    reset();
    SUBCASE("two values") {
        // The names as given and as the message shows them: escaped, so that neither starts a line.
        struct names {
            std::string first, second, first_shown, second_shown;
        };
        for (const names& n : {names{"first", "second", "first", "second"},
                               names{"first" + lifecycle_test::hostile_word, "second\r", "first" + lifecycle_test::hostile_word_shown,
                                     "second\\r"}}) {
            reset();
            wrapper second{1};
            {
                lifecycle::closer c;
                c.add(wrapper{1}, n.first);
                std::string message;
                try {
                    c.add(std::move(second), n.second);
                } catch (const std::invalid_argument& e) {
                    message = e.what();
                }
                INFO(message);
                CHECK(message.find("'" + n.second_shown + "' (wrapper, backend 1)") != std::string::npos);
                CHECK(message.find("'" + n.first_shown + "' (wrapper, backend 1)") != std::string::npos);
                CHECK_FALSE(lifecycle_test::has_raw_bytes(message));
                CHECK(message.find('\r') == std::string::npos);
                CHECK(message.find("closer_owned_aliases.cpp") != std::string::npos); // where each was added
                CHECK(second.open); // not moved from
                CHECK(c.size() == 1);
                CHECK(c.close_all().count(lifecycle::close_outcome::closed) == 1);
            }
            CHECK(backend_closes[1] == 1);
            second.open = false;
        }
    }
    SUBCASE("a value, then a unique_ptr") {
        auto second = std::make_unique<wrapper>(2);
        {
            lifecycle::closer c;
            c.add(wrapper{2}, "first");
            CHECK_THROWS_AS(c.add(std::move(second), "second"), std::invalid_argument);
            REQUIRE(second != nullptr); // still the caller's
            CHECK(second->open);
        }
        CHECK(backend_closes[2] == 1);
        second->open = false;
    }
    SUBCASE("a unique_ptr, then a value") {
        wrapper second{3};
        {
            lifecycle::closer c;
            c.add(std::make_unique<wrapper>(3), "first");
            CHECK_THROWS_AS(c.add(std::move(second), "second"), std::invalid_argument);
            CHECK(second.open);
        }
        CHECK(backend_closes[3] == 1);
        second.open = false;
    }
    SUBCASE("after a close_all, the identity is free again") {
        lifecycle::closer c;
        c.add(wrapper{0}, "first");
        CHECK(c.close_all().ok());
        c.add(wrapper{0}, "again");
        CHECK(c.close_all().ok());
        CHECK(backend_closes[0] == 2);
    }
    SUBCASE("shared_ptrs to one object are one owner") {
        auto one = std::make_shared<wrapper>(1);
        {
            lifecycle::closer c;
            c.add(one, "a");
            c.add(std::shared_ptr<wrapper>(one), "b");
            const lifecycle::close_result r = c.close_all();
            CHECK(r.count(lifecycle::close_outcome::closed) == 1);
            CHECK(r.count(lifecycle::close_outcome::alias) == 1);
        }
        one.reset();
        CHECK(backend_closes[1] == 1);
    }
}

TEST_CASE("closer: two values moved in from one variable (a loop) are two owners: the second is refused") {
    reset();
    {
        lifecycle::closer c;
        int refused = 0;
        for (int i = 0; i < 2; ++i) {
            wrapper v{1}; // the same address each time round
            try {
                c.add(std::move(v), i ? "second" : "first");
            } catch (const std::invalid_argument&) {
                ++refused;
                v.open = false; // the caller's, given up
            }
        }
        CHECK(refused == 1);
        CHECK(c.size() == 1);
        CHECK(c.close_all().count(lifecycle::close_outcome::closed) == 1);
    }
    CHECK(backend_closes[1] == 1);
}

TEST_CASE("closer: an owner whose object closed since it was added no longer blocks its identity") {
    reset();
    SUBCASE("a shared_ptr closed by its other holder, then a unique_ptr over the backend again") {
        auto first = std::make_shared<wrapper>(2);
        {
            lifecycle::closer c;
            c.add(first, "first");
            CHECK(!first->close());
            CHECK_NOTHROW(c.add(std::make_unique<wrapper>(2), "again"));
            const lifecycle::close_result r = c.close_all();
            REQUIRE(r.find("again") != nullptr);
            CHECK(r.find("again")->outcome == lifecycle::close_outcome::closed);
            CHECK(r.find("first")->outcome == lifecycle::close_outcome::already_closed);
        }
        CHECK(backend_closes[2] == 2); // once by each object
    }
    SUBCASE("an open one still does") {
        auto first = std::make_shared<wrapper>(3);
        lifecycle::closer c;
        c.add(first, "first");
        CHECK_THROWS_AS(c.add(std::make_unique<wrapper>(3), "again"), std::invalid_argument);
        first.reset();
    }
}

// The closer's claims table (flat, open addressing): what put() stored is
// found until erase() or clear(), whatever the collisions and the shifts
// erase() makes in a probe chain.
TEST_CASE("a closer's claims table keeps every claim through erases, growth and clear") {
    lifecycle::detail::owner_claims claims;
    constexpr std::uintptr_t n = 5000;
    static int objects[n];
    auto id = [](std::uintptr_t i) { return lifecycle::identity("object", reinterpret_cast<std::uintptr_t>(&objects[i])); };
    for (int round = 0; round < 2; ++round) { // the second round reuses the cleared table
        for (std::uintptr_t i = 0; i < n; ++i) claims.put(id(i), {&objects[i], nullptr});
        for (std::uintptr_t i = 0; i < n; i += 3) claims.erase(id(i));
        claims.erase(lifecycle::identity("object", 1)); // not claimed: nothing happens
        std::size_t found = 0, right = 0;
        for (std::uintptr_t i = 0; i < n; ++i) {
            const auto* r = claims.find(id(i));
            found += r != nullptr;
            right += r != nullptr && r->owner == &objects[i] && i % 3 != 0;
        }
        CHECK(found == n - (n + 2) / 3);
        CHECK(right == found);
        CHECK(claims.find(lifecycle::identity("fd", reinterpret_cast<std::uintptr_t>(&objects[1]))) == nullptr); // another domain
        claims.clear();
        CHECK(claims.find(id(1)) == nullptr);
    }
}
