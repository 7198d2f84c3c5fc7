// SPDX-License-Identifier: BSL-1.0
// scope_exit, scope_fail, scope_success clause by clause of the Library
// Fundamentals TS v3 ([scopeguard.exit]), their exception paths, and the
// Boost.Scope additions: set_active()/active(), condition functions, defer_guard.
#include <lifecycle/scope.hpp>

#include <doctest/doctest.h>

#include <stdexcept>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>

using lifecycle::defer_guard;
using lifecycle::scope_exit;
using lifecycle::scope_fail;
using lifecycle::scope_success;

namespace {

struct copy_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// An exit function that counts calls, copies and moves; its copy may throw,
// its move is noexcept when NoexceptMove.
struct counters {
    int calls = 0, copies = 0, moves = 0;
    bool throw_on_copy = false;
};

template <bool NoexceptMove>
struct action {
    counters* c;
    explicit action(counters& k) noexcept : c(&k) {}
    action(const action& o) : c(o.c) {
        if (c->throw_on_copy) throw copy_error("exit function copy");
        ++c->copies;
    }
    action(action&& o) noexcept(NoexceptMove) : c(o.c) { ++c->moves; }
    void operator()() const noexcept { ++c->calls; }
};
using nothrow_move_action = action<true>;
using throwing_move_action = action<false>;

struct throwing_action {
    void operator()() const { throw std::runtime_error("exit function threw"); }
};
struct noexcept_action {
    void operator()() const noexcept {}
};

// Constructs a G and destroys it at once (guards are [[nodiscard]]: no discarded temporaries).
template <class G, class... A>
void construct(A&&... a) {
    G g{std::forward<A>(a)...};
}

int free_function_calls = 0;
void free_function() { ++free_function_calls; }

} // namespace

// --- the types' properties -----------------------------------------------------------

template <template <class, class...> class Guard>
constexpr bool check_common_properties() {
    using G = Guard<nothrow_move_action>;
    static_assert(!std::is_copy_constructible_v<G>);
    static_assert(!std::is_copy_assignable_v<G>);
    static_assert(!std::is_move_assignable_v<G>);
    static_assert(std::is_nothrow_move_constructible_v<G>);
    static_assert(!std::is_nothrow_move_constructible_v<Guard<throwing_move_action>>); // copied, may throw
    static_assert(std::is_move_constructible_v<Guard<throwing_move_action>>);
    // The constructor is explicit; noexcept when the exit function can be taken without throwing.
    static_assert(!std::is_convertible_v<nothrow_move_action, G>);
    static_assert(std::is_nothrow_constructible_v<G, nothrow_move_action>);
    static_assert(!std::is_nothrow_constructible_v<G, nothrow_move_action&>);
    static_assert(!std::is_nothrow_constructible_v<Guard<throwing_move_action>, throwing_move_action>);
    // An lvalue-reference exit function cannot bind an rvalue.
    static_assert(std::is_constructible_v<Guard<nothrow_move_action&>, nothrow_move_action&>);
    static_assert(!std::is_constructible_v<Guard<nothrow_move_action&>, nothrow_move_action>);
    static_assert(std::is_nothrow_move_constructible_v<Guard<nothrow_move_action&>>);
    // Boost.Scope: (f, active) and (f, cond, active).
    static_assert(std::is_constructible_v<G, nothrow_move_action, bool>);
    return true;
}
static_assert(check_common_properties<scope_exit>());
static_assert(check_common_properties<scope_fail>());
static_assert(check_common_properties<scope_success>());

// Destructors: noexcept for scope_exit and scope_fail; scope_success's follows the exit function.
static_assert(std::is_nothrow_destructible_v<scope_exit<throwing_action>>);
static_assert(std::is_nothrow_destructible_v<scope_fail<throwing_action>>);
static_assert(!std::is_nothrow_destructible_v<scope_success<throwing_action>>);
static_assert(std::is_nothrow_destructible_v<scope_success<noexcept_action>>);

// Deduction guides.
static_assert(std::is_same_v<decltype(scope_exit{noexcept_action{}}), scope_exit<noexcept_action>>);
static_assert(std::is_same_v<decltype(scope_fail{noexcept_action{}}), scope_fail<noexcept_action>>);
static_assert(std::is_same_v<decltype(scope_success{noexcept_action{}}), scope_success<noexcept_action>>);
static_assert(std::is_same_v<decltype(scope_exit{free_function}), scope_exit<void (*)()>>);
static_assert(std::is_same_v<decltype(scope_exit{noexcept_action{}, false}), scope_exit<noexcept_action>>);
static_assert(std::is_same_v<decltype(scope_fail{noexcept_action{}, lifecycle::always_true{}}),
                             scope_fail<noexcept_action, lifecycle::always_true>>);
static_assert(std::is_same_v<decltype(scope_success{noexcept_action{}, lifecycle::always_true{}, false}),
                             scope_success<noexcept_action, lifecycle::always_true>>);

// The defer guard: never moved, never copied.
static_assert(!std::is_move_constructible_v<defer_guard<noexcept_action>>);
static_assert(!std::is_copy_constructible_v<defer_guard<noexcept_action>>);
static_assert(std::is_nothrow_destructible_v<defer_guard<throwing_action>>);

// --- scope_exit --------------------------------------------------------------------------

TEST_CASE("scope_exit runs its exit function on a normal exit and on an exception") {
    counters c;
    {
        scope_exit g{nothrow_move_action{c}};
        CHECK(c.calls == 0);
    }
    CHECK(c.calls == 1);
    try {
        scope_exit g{nothrow_move_action{c}};
        throw std::runtime_error("leaving");
    } catch (const std::runtime_error&) {
    }
    CHECK(c.calls == 2);
}

TEST_CASE("scope_exit::release() disarms the guard") {
    counters c;
    {
        scope_exit g{nothrow_move_action{c}};
        g.release();
        CHECK_FALSE(g.active());
    }
    CHECK(c.calls == 0);
}

TEST_CASE("scope guard constructor: an rvalue is moved when that cannot throw, otherwise copied; lvalues are copied") {
    counters c;
    {
        scope_exit g{nothrow_move_action{c}};
        CHECK(c.moves == 1);
        CHECK(c.copies == 0);
    }
    counters d;
    {
        scope_exit g{throwing_move_action{d}};
        CHECK(d.moves == 0);
        CHECK(d.copies == 1);
    }
    counters e;
    {
        nothrow_move_action f{e};
        scope_exit g{f};
        CHECK(e.copies == 1);
        CHECK(e.moves == 0);
    }
    CHECK(e.calls == 1);
}

TEST_CASE("scope_exit and scope_fail call f() when copying it throws; scope_success does not") {
    counters c;
    c.throw_on_copy = true;
    nothrow_move_action f{c};
    CHECK_THROWS_AS(construct<scope_exit<nothrow_move_action>>(f), copy_error);
    CHECK(c.calls == 1);
    CHECK_THROWS_AS(construct<scope_fail<nothrow_move_action>>(f), copy_error);
    CHECK(c.calls == 2);
    CHECK_THROWS_AS(construct<scope_success<nothrow_move_action>>(f), copy_error);
    CHECK(c.calls == 2);
    CHECK_THROWS_AS(construct<scope_exit<nothrow_move_action>>(f, false), copy_error); // inactive: not called
    CHECK(c.calls == 2);
}

TEST_CASE("scope guard move constructor: the source is released, the target keeps its state") {
    counters c;
    {
        scope_exit a{nothrow_move_action{c}};
        scope_exit b{std::move(a)};
        CHECK_FALSE(a.active()); // NOLINT(bugprone-use-after-move)
        CHECK(b.active());
        scope_exit released{nothrow_move_action{c}};
        released.release();
        scope_exit still_released{std::move(released)};
        CHECK_FALSE(still_released.active());
    }
    CHECK(c.calls == 1);

    counters d; // a throwing move: copied instead
    {
        scope_exit a{throwing_move_action{d}};
        d.copies = 0;
        scope_exit b{std::move(a)};
        CHECK(d.copies == 1);
        CHECK(d.moves == 0);
    }
    CHECK(d.calls == 1);

    counters e; // a throwing copy during the move leaves the source armed
    {
        scope_exit a{throwing_move_action{e}};
        e.throw_on_copy = true;
        CHECK_THROWS_AS(construct<scope_exit<throwing_move_action>>(std::move(a)), copy_error);
        CHECK(a.active()); // NOLINT(bugprone-use-after-move)
        e.throw_on_copy = false;
    }
    CHECK(e.calls == 1);
}

TEST_CASE("scope_exit holding a reference to a function object or a function") {
    counters c;
    nothrow_move_action f{c};
    {
        scope_exit<nothrow_move_action&> g{f};
        CHECK(c.copies == 0);
        scope_exit<nothrow_move_action&> moved{std::move(g)};
    }
    CHECK(c.calls == 1);
    free_function_calls = 0;
    {
        scope_exit<void (&)()> g{free_function};
    }
    CHECK(free_function_calls == 1);
}

// --- scope_fail and scope_success ------------------------------------------------------------

TEST_CASE("scope_fail runs only when the scope is left by an exception") {
    counters c;
    {
        scope_fail g{nothrow_move_action{c}};
    }
    CHECK(c.calls == 0);
    try {
        scope_fail g{nothrow_move_action{c}};
        throw std::runtime_error("failing");
    } catch (const std::runtime_error&) {
    }
    CHECK(c.calls == 1);
}

TEST_CASE("scope_success runs only when the scope is left normally") {
    counters c;
    {
        scope_success g{nothrow_move_action{c}};
    }
    CHECK(c.calls == 1);
    try {
        scope_success g{nothrow_move_action{c}};
        throw std::runtime_error("failing");
    } catch (const std::runtime_error&) {
    }
    CHECK(c.calls == 1);
}

namespace {
// Creates guards while an exception unwinds through its destructor: they
// compare against the uncaught count at their own construction.
struct unwinding_probe {
    counters* fail;
    counters* success;
    ~unwinding_probe() {
        scope_fail f{nothrow_move_action{*fail}};
        scope_success s{nothrow_move_action{*success}};
    }
};
} // namespace

TEST_CASE("scope_fail and scope_success created during unwinding compare with the count at their creation") {
    counters fail, success;
    try {
        unwinding_probe p{&fail, &success};
        throw std::runtime_error("unwinding");
    } catch (const std::runtime_error&) {
    }
    CHECK(fail.calls == 0);    // the destructor body itself did not fail
    CHECK(success.calls == 1); // and it succeeded
}

TEST_CASE("a moved scope_fail keeps the uncaught-exception count of its creation") {
    counters c;
    try {
        scope_fail a{nothrow_move_action{c}};
        scope_fail b{std::move(a)};
        throw std::runtime_error("failing");
    } catch (const std::runtime_error&) {
    }
    CHECK(c.calls == 1);
}

TEST_CASE("scope_success's exception propagates from its destructor") {
    bool caught = false;
    try {
        scope_success g{throwing_action{}};
    } catch (const std::runtime_error& e) {
        caught = std::string(e.what()) == "exit function threw";
    }
    CHECK(caught);
}

// --- Boost.Scope additions -----------------------------------------------------------------------

TEST_CASE("set_active() disarms and re-arms a guard; a guard may start inactive") {
    counters c;
    {
        scope_exit g{nothrow_move_action{c}, false};
        CHECK_FALSE(g.active());
        g.set_active(true);
        CHECK(g.active());
    }
    CHECK(c.calls == 1);
    {
        scope_fail g{nothrow_move_action{c}};
        g.release();
        g.set_active(true); // re-armed after release()
        try {
            scope_fail inner{nothrow_move_action{c}};
            inner.set_active(false);
            throw std::runtime_error("x");
        } catch (const std::runtime_error&) {
        }
    }
    CHECK(c.calls == 1);
}

TEST_CASE("scope_fail with an error-code checker runs when the error is set at scope exit") {
    counters c;
    {
        std::error_code ec;
        scope_fail g{nothrow_move_action{c}, lifecycle::check_error_code(ec)};
        static_assert(std::is_same_v<decltype(g), scope_fail<nothrow_move_action, lifecycle::error_code_checker<std::error_code>>>);
    }
    CHECK(c.calls == 0);
    {
        std::error_code ec;
        scope_fail g{nothrow_move_action{c}, lifecycle::check_error_code(ec)};
        ec = std::make_error_code(std::errc::io_error);
    }
    CHECK(c.calls == 1);
    {
        int err = 0; // an errno-style value works too
        scope_success g{nothrow_move_action{c}, lifecycle::check_error_code(err)};
        err = 5;
    }
    CHECK(c.calls == 1); // scope_success runs when the condition is false
    {
        int err = 0;
        scope_success g{nothrow_move_action{c}, lifecycle::check_error_code(err)};
    }
    CHECK(c.calls == 2);
}

TEST_CASE("scope_exit with a condition function runs only when it returns true") {
    counters c;
    bool commit = false;
    {
        scope_exit g{nothrow_move_action{c}, [&commit] { return !commit; }};
        commit = true;
    }
    CHECK(c.calls == 0);
    {
        scope_exit g{nothrow_move_action{c}, [&commit] { return commit; }, true};
    }
    CHECK(c.calls == 1);
}

namespace {
bool condition_result = false;
bool condition() noexcept { return condition_result; }
} // namespace

TEST_CASE("a pointer-to-function condition is called when passed (it has no default: tests/compile_fail)") {
    counters c;
    condition_result = false;
    {
        scope_exit g{nothrow_move_action{c}, &condition};
        static_assert(std::is_same_v<decltype(g), scope_exit<nothrow_move_action, bool (*)() noexcept>>);
    }
    CHECK(c.calls == 0);
    condition_result = true;
    {
        scope_exit a{nothrow_move_action{c}, &condition};
        scope_exit b{std::move(a)}; // the pointer moves with the guard
    }
    CHECK(c.calls == 1);
    {
        scope_fail g{nothrow_move_action{c}, &condition, true};
    }
    CHECK(c.calls == 2);
    {
        scope_success g{nothrow_move_action{c}, &condition}; // runs when the condition is false
    }
    CHECK(c.calls == 2);
}

TEST_CASE("exception_checker counts exceptions in flight since its construction") {
    lifecycle::exception_checker outside;
    CHECK_FALSE(outside());
    struct probe {
        lifecycle::exception_checker* checker;
        bool* seen;
        ~probe() { *seen = (*checker)(); }
    };
    bool seen = false;
    try {
        probe p{&outside, &seen};
        throw std::runtime_error("x");
    } catch (const std::runtime_error&) {
    }
    CHECK(seen);
}

TEST_CASE("defer_guard and LIFECYCLE_DEFER always run") {
    counters c;
    {
        defer_guard g{nothrow_move_action{c}};
        LIFECYCLE_DEFER nothrow_move_action{c};
        LIFECYCLE_DEFER [&c] { c.calls += 10; };
    }
    CHECK(c.calls == 12);
    try {
        LIFECYCLE_DEFER nothrow_move_action{c};
        throw std::runtime_error("x");
    } catch (const std::runtime_error&) {
    }
    CHECK(c.calls == 13);

    counters d; // a throwing copy runs the function and rethrows
    d.throw_on_copy = true;
    nothrow_move_action f{d};
    CHECK_THROWS_AS(construct<defer_guard<nothrow_move_action>>(f), copy_error);
    CHECK(d.calls == 1);
}

TEST_CASE("guards with empty functions are small") {
    auto empty = [] {};
    CHECK(sizeof(scope_exit<decltype(empty)>) == sizeof(bool));
    CHECK(sizeof(defer_guard<decltype(empty)>) == 1);
    CHECK(sizeof(scope_fail<decltype(empty)>) == 2 * sizeof(int)); // the uncaught count and the flag
}
