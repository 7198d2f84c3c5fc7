// SPDX-License-Identifier: BSL-1.0
// unique_resource and make_unique_resource_checked, clause by clause of the
// Library Fundamentals TS v3 ([scopeguard.uniqueres]), their exception paths,
// the Boost.Scope additions (allocated(), resource traits) and tracking.
#include <lifecycle/scope.hpp>

#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include "support.hpp"

using lifecycle::make_unique_resource_checked;
using lifecycle::unique_resource;
using lifecycle_test::live_of;
using lifecycle_test::stats_of;

namespace {

// What the instrumented resources and deleters below did, reset per test.
struct probe {
    std::vector<int> deleted;      // resource ids passed to a deleter, in order
    std::vector<int> deleter_tags; // the tag of the deleter that was called
    int res_copies = 0, res_moves = 0, del_copies = 0, del_moves = 0;
    bool throw_res_copy = false, throw_del_copy = false;
};
probe* current_probe = nullptr;
probe& P() { return *current_probe; }

struct probe_scope {
    probe p;
    probe_scope() { current_probe = &p; }
    ~probe_scope() { current_probe = nullptr; }
    probe_scope(const probe_scope&) = delete;
    probe_scope& operator=(const probe_scope&) = delete;
};

struct copy_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// A resource whose copies may throw; its move is noexcept when NoexceptMove.
template <bool NoexceptMove>
struct res {
    int id = 0;
    res() = default;
    explicit res(int i) noexcept : id(i) {}
    res(const res& o) : id(o.id) {
        if (P().throw_res_copy) throw copy_error("resource copy");
        ++P().res_copies;
    }
    res(res&& o) noexcept(NoexceptMove) : id(o.id) { ++P().res_moves; }
    res& operator=(const res& o) {
        if (P().throw_res_copy) throw copy_error("resource copy-assignment");
        id = o.id;
        ++P().res_copies;
        return *this;
    }
    res& operator=(res&& o) noexcept(NoexceptMove) {
        id = o.id;
        ++P().res_moves;
        return *this;
    }
};

template <bool NoexceptMove>
bool operator==(const res<NoexceptMove>& a, const res<NoexceptMove>& b) noexcept {
    return a.id == b.id;
}

// A deleter whose copies may throw; records which resource it released.
template <bool NoexceptMove>
struct del {
    int tag = 0;
    del() = default;
    explicit del(int t) noexcept : tag(t) {}
    del(const del& o) : tag(o.tag) {
        if (P().throw_del_copy) throw copy_error("deleter copy");
        ++P().del_copies;
    }
    del(del&& o) noexcept(NoexceptMove) : tag(o.tag) { ++P().del_moves; }
    del& operator=(const del& o) {
        if (P().throw_del_copy) throw copy_error("deleter copy-assignment");
        tag = o.tag;
        ++P().del_copies;
        return *this;
    }
    del& operator=(del&& o) noexcept(NoexceptMove) {
        tag = o.tag;
        ++P().del_moves;
        return *this;
    }
    template <class R>
    void operator()(const R& r) const {
        P().deleted.push_back(r.id);
        P().deleter_tags.push_back(tag);
    }
};

using res_nm = res<true>;   // nothrow move
using res_tm = res<false>;  // throwing move (copied instead)
using del_nm = del<true>;
using del_tm = del<false>;

// int deleters
int closes = 0;
std::vector<int> closed_ints;
void close_int(int v) noexcept {
    ++closes;
    closed_ints.push_back(v);
}
struct int_deleter {
    void operator()(int v) const noexcept { close_int(v); }
};
void reset_ints() {
    closes = 0;
    closed_ints.clear();
}

template <class T, class = void>
struct has_deref : std::false_type {};
template <class T>
struct has_deref<T, std::void_t<decltype(*std::declval<const T&>())>> : std::true_type {};
template <class T, class = void>
struct has_arrow : std::false_type {};
template <class T>
struct has_arrow<T, std::void_t<decltype(std::declval<const T&>().operator->())>> : std::true_type {};

} // namespace

// --- the type's properties -------------------------------------------------------

static_assert(!std::is_copy_constructible_v<unique_resource<int, int_deleter>>);
static_assert(!std::is_copy_assignable_v<unique_resource<int, int_deleter>>);
static_assert(std::is_nothrow_move_constructible_v<unique_resource<int, int_deleter>>);
static_assert(std::is_nothrow_move_assignable_v<unique_resource<int, int_deleter>>);
static_assert(std::is_same_v<unique_resource<int, int_deleter>::resource_type, int>);
static_assert(std::is_same_v<unique_resource<int, int_deleter>::deleter_type, int_deleter>);

// noexcept of the (r, d) constructor: (nothrow R1 from RR or RR&) && (nothrow D from DD or DD&).
static_assert(std::is_nothrow_constructible_v<unique_resource<res_nm, del_nm>, res_nm, del_nm>);
static_assert(!std::is_nothrow_constructible_v<unique_resource<res_nm, del_nm>, res_nm&, del_nm>);
static_assert(!std::is_nothrow_constructible_v<unique_resource<res_tm, del_nm>, res_tm, del_nm>);
static_assert(!std::is_nothrow_constructible_v<unique_resource<res_nm, del_tm>, res_nm, del_tm>);
static_assert(std::is_nothrow_constructible_v<unique_resource<int, void (*)(int) noexcept>, int, void (*)(int) noexcept>);
// noexcept of the move constructor and move assignment.
static_assert(std::is_nothrow_move_constructible_v<unique_resource<res_nm, del_nm>>);
static_assert(!std::is_nothrow_move_constructible_v<unique_resource<res_tm, del_nm>>);
static_assert(!std::is_nothrow_move_constructible_v<unique_resource<res_nm, del_tm>>);
static_assert(std::is_nothrow_move_assignable_v<unique_resource<res_nm, del_nm>>);
static_assert(!std::is_nothrow_move_assignable_v<unique_resource<res_tm, del_nm>>);
static_assert(!std::is_nothrow_move_assignable_v<unique_resource<res_nm, del_tm>>);
// reset() and the destructor are noexcept; reset(r) is not.
static_assert(noexcept(std::declval<unique_resource<res_tm, del_tm>&>().reset()));
static_assert(std::is_nothrow_destructible_v<unique_resource<res_tm, del_tm>>);
static_assert(noexcept(std::declval<const unique_resource<res_tm, del_tm>&>().get()));
static_assert(noexcept(std::declval<const unique_resource<res_tm, del_tm>&>().get_deleter()));
static_assert(noexcept(std::declval<unique_resource<res_tm, del_tm>&>().release()));

// Constraints of the default constructor.
static_assert(std::is_nothrow_default_constructible_v<unique_resource<int, int_deleter>>);
static_assert(!std::is_default_constructible_v<unique_resource<int&, int_deleter>>);
namespace {
struct no_default_deleter {
    explicit no_default_deleter(int) {}
    void operator()(int) const {}
};
} // namespace
static_assert(!std::is_default_constructible_v<unique_resource<int, no_default_deleter>>);

// Constraints of the (r, d) constructor: no rvalue for a reference resource,
// and no rvalue that could only be taken by a throwing conversion.
static_assert(!std::is_constructible_v<unique_resource<int&, int_deleter>, int, int_deleter>);
static_assert(std::is_constructible_v<unique_resource<int&, int_deleter>, int&, int_deleter>);
namespace {
struct source {};
struct from_rvalue_only {
    from_rvalue_only() = default;
    from_rvalue_only(source&&) {} // may throw, and there is no from_rvalue_only(source&)
    from_rvalue_only(const from_rvalue_only&) = default;
};
struct deleter_of_from_rvalue_only {
    void operator()(const from_rvalue_only&) const noexcept {}
};
} // namespace
static_assert(std::is_constructible_v<from_rvalue_only, source>);
static_assert(!std::is_constructible_v<unique_resource<from_rvalue_only, deleter_of_from_rvalue_only>, source,
                                       deleter_of_from_rvalue_only>);

// operator* and operator-> exist only for pointers (operator* not for void*).
static_assert(has_deref<unique_resource<int*, void (*)(int*)>>::value);
static_assert(has_arrow<unique_resource<int*, void (*)(int*)>>::value);
static_assert(!has_deref<unique_resource<void*, void (*)(void*)>>::value);
static_assert(has_arrow<unique_resource<void*, void (*)(void*)>>::value);
static_assert(!has_deref<unique_resource<int, int_deleter>>::value);
static_assert(!has_arrow<unique_resource<int, int_deleter>>::value);
static_assert(std::is_same_v<decltype(*std::declval<unique_resource<int*, void (*)(int*)>&>()), int&>);
static_assert(std::is_same_v<decltype(std::declval<unique_resource<int*, void (*)(int*)>&>().operator->()), int*>);
static_assert(std::is_same_v<decltype(std::declval<unique_resource<int&, int_deleter>&>().get()), int&>);
static_assert(std::is_same_v<decltype(std::declval<unique_resource<int, int_deleter>&>().get()), const int&>);

// --- constructors ------------------------------------------------------------------

TEST_CASE("unique_resource default constructor: value-initialized, owns nothing") {
    probe_scope ps;
    {
        unique_resource<res_nm, del_nm> u;
        CHECK_FALSE(u.allocated());
        CHECK_FALSE(u);
        CHECK(u.get().id == 0);
        CHECK(u.get_deleter().tag == 0);
    }
    CHECK(P().deleted.empty());
}

TEST_CASE("unique_resource(r, d): takes an rvalue by move when the move cannot throw, else copies it") {
    probe_scope ps;
    {
        unique_resource<res_nm, del_nm> u{res_nm{1}, del_nm{10}};
        CHECK(u.allocated());
        CHECK(u.get().id == 1);
        CHECK(u.get_deleter().tag == 10);
        CHECK(P().res_moves == 1);
        CHECK(P().res_copies == 0);
        CHECK(P().del_moves == 1);
        CHECK(P().del_copies == 0);
    }
    CHECK(P().deleted == std::vector<int>{1});
    CHECK(P().deleter_tags == std::vector<int>{10});

    probe_scope ps2;
    {
        unique_resource<res_tm, del_tm> u{res_tm{2}, del_tm{20}}; // moves may throw: copies
        CHECK(P().res_moves == 0);
        CHECK(P().res_copies == 1);
        CHECK(P().del_moves == 0);
        CHECK(P().del_copies == 1);
    }
    CHECK(P().deleted == std::vector<int>{2});
}

TEST_CASE("unique_resource(r, d): lvalues are copied") {
    probe_scope ps;
    res_nm r{3};
    del_nm d{30};
    {
        unique_resource<res_nm, del_nm> u{r, d};
        CHECK(P().res_copies == 1);
        CHECK(P().del_copies == 1);
        CHECK(P().res_moves == 0);
    }
    CHECK(P().deleted == std::vector<int>{3});
}

TEST_CASE("unique_resource(r, d): a throwing copy of the resource calls d(r) and rethrows") {
    probe_scope ps;
    P().throw_res_copy = true;
    res_tm r{4};
    CHECK_THROWS_AS((unique_resource<res_tm, del_nm>{r, del_nm{40}}), copy_error);
    CHECK(P().deleted == std::vector<int>{4});
    CHECK(P().deleter_tags == std::vector<int>{40}); // the argument deleter, d(r)
}

TEST_CASE("unique_resource(r, d): a throwing copy of the deleter calls d(resource) and rethrows") {
    probe_scope ps;
    P().throw_del_copy = true;
    del_tm d{50};
    CHECK_THROWS_AS((unique_resource<res_nm, del_tm>{res_nm{5}, d}), copy_error);
    CHECK(P().deleted == std::vector<int>{5}); // once: the failed object never owned it
    CHECK(P().deleter_tags == std::vector<int>{50});
}

// --- move construction -----------------------------------------------------------------

TEST_CASE("unique_resource move constructor: the source owns nothing afterwards") {
    probe_scope ps;
    {
        unique_resource<res_nm, del_nm> a{res_nm{6}, del_nm{60}};
        P().res_moves = P().del_moves = 0;
        unique_resource<res_nm, del_nm> b{std::move(a)};
        CHECK(P().res_moves == 1);
        CHECK(P().del_moves == 1);
        CHECK_FALSE(a.allocated()); // NOLINT(bugprone-use-after-move)
        CHECK(b.allocated());
        CHECK(b.get().id == 6);
        unique_resource<res_nm, del_nm> c{std::move(a)}; // from a non-owning source
        CHECK_FALSE(c.allocated());
    }
    CHECK(P().deleted == std::vector<int>{6});
}

TEST_CASE("unique_resource move constructor copies members whose move may throw") {
    probe_scope ps;
    {
        unique_resource<res_tm, del_tm> a{res_tm{7}, del_tm{70}};
        P().res_copies = P().del_copies = 0;
        unique_resource<res_tm, del_tm> b{std::move(a)};
        CHECK(P().res_copies == 1);
        CHECK(P().del_copies == 1);
        CHECK(P().res_moves == 0);
        CHECK_FALSE(a.allocated()); // NOLINT(bugprone-use-after-move)
    }
    CHECK(P().deleted == std::vector<int>{7});
}

TEST_CASE("unique_resource move constructor: a throwing deleter copy after the resource moved releases it with "
          "the source's deleter") {
    probe_scope ps;
    {
        unique_resource<res_nm, del_tm> a{res_nm{8}, del_tm{80}};
        P().throw_del_copy = true;
        CHECK_THROWS_AS((unique_resource<res_nm, del_tm>{std::move(a)}), copy_error);
        CHECK(P().deleted == std::vector<int>{8});
        CHECK(P().deleter_tags == std::vector<int>{80});
        CHECK_FALSE(a.allocated()); // NOLINT(bugprone-use-after-move): released by the TS's rhs.release()
        P().throw_del_copy = false;
    }
    CHECK(P().deleted == std::vector<int>{8}); // never twice

    probe_scope ps2; // a source that owns nothing: nothing is released
    {
        unique_resource<res_nm, del_tm> a{res_nm{9}, del_tm{90}};
        a.release();
        P().throw_del_copy = true;
        CHECK_THROWS_AS((unique_resource<res_nm, del_tm>{std::move(a)}), copy_error);
        P().throw_del_copy = false;
    }
    CHECK(P().deleted.empty());
}

TEST_CASE("unique_resource move constructor: when the resource had to be copied, a throwing deleter copy leaves "
          "the source owning it") {
    probe_scope ps;
    {
        unique_resource<res_tm, del_tm> a{res_tm{11}, del_tm{110}};
        P().throw_del_copy = true;
        CHECK_THROWS_AS((unique_resource<res_tm, del_tm>{std::move(a)}), copy_error);
        P().throw_del_copy = false;
        CHECK(P().deleted.empty());
        CHECK(a.allocated()); // NOLINT(bugprone-use-after-move)
    }
    CHECK(P().deleted == std::vector<int>{11});

    probe_scope ps2; // a throwing copy of the resource: the source still owns it
    {
        unique_resource<res_tm, del_nm> a{res_tm{12}, del_nm{120}};
        P().throw_res_copy = true;
        CHECK_THROWS_AS((unique_resource<res_tm, del_nm>{std::move(a)}), copy_error);
        P().throw_res_copy = false;
        CHECK(a.allocated()); // NOLINT(bugprone-use-after-move)
        CHECK(P().deleted.empty());
    }
    CHECK(P().deleted == std::vector<int>{12});
}

// --- move assignment -----------------------------------------------------------------------

TEST_CASE("unique_resource move assignment: resets first, then takes the source's resource and ownership") {
    probe_scope ps;
    {
        unique_resource<res_nm, del_nm> a{res_nm{13}, del_nm{130}};
        unique_resource<res_nm, del_nm> b{res_nm{14}, del_nm{140}};
        P().res_moves = P().del_moves = 0;
        b = std::move(a);
        CHECK(P().deleted == std::vector<int>{14}); // b's old resource, with b's old deleter
        CHECK(P().deleter_tags == std::vector<int>{140});
        CHECK(P().res_moves == 1);
        CHECK(P().del_moves == 1);
        CHECK(b.get().id == 13);
        CHECK(b.get_deleter().tag == 130);
        CHECK(b.allocated());
        CHECK_FALSE(a.allocated()); // NOLINT(bugprone-use-after-move)

        unique_resource<res_nm, del_nm> empty;
        b = std::move(empty); // from a non-owning source: b ends non-owning
        CHECK_FALSE(b.allocated());
        CHECK(P().deleted == (std::vector<int>{14, 13}));
    }
    CHECK(P().deleted == (std::vector<int>{14, 13}));
}

TEST_CASE("unique_resource move assignment: a throwing deleter copy leaves the source intact and the target "
          "released") {
    probe_scope ps; // nothrow-move resource, throwing deleter: the TS copies the deleter first
    {
        unique_resource<res_nm, del_tm> a{res_nm{15}, del_tm{150}};
        unique_resource<res_nm, del_tm> b{res_nm{16}, del_tm{160}};
        P().throw_del_copy = true;
        CHECK_THROWS_AS(b = std::move(a), copy_error);
        P().throw_del_copy = false;
        CHECK(P().deleted == std::vector<int>{16});
        CHECK_FALSE(b.allocated());
        CHECK(a.allocated());
        CHECK(a.get().id == 15); // the resource was not moved before the deleter copy
    }
    CHECK(P().deleted == (std::vector<int>{16, 15}));

    probe_scope ps2; // throwing resource copy: copied first
    {
        unique_resource<res_tm, del_nm> a{res_tm{17}, del_nm{170}};
        unique_resource<res_tm, del_nm> b{res_tm{18}, del_nm{180}};
        P().throw_res_copy = true;
        CHECK_THROWS_AS(b = std::move(a), copy_error);
        P().throw_res_copy = false;
        CHECK_FALSE(b.allocated());
        CHECK(a.allocated());
    }
    CHECK(P().deleted == (std::vector<int>{18, 17}));

    probe_scope ps3; // both copied
    {
        unique_resource<res_tm, del_tm> a{res_tm{19}, del_tm{190}};
        unique_resource<res_tm, del_tm> b;
        P().res_copies = P().del_copies = 0;
        b = std::move(a);
        CHECK(P().res_copies == 1);
        CHECK(P().del_copies == 1);
        CHECK(b.allocated());
        CHECK_FALSE(a.allocated()); // NOLINT(bugprone-use-after-move)
    }
    CHECK(P().deleted == std::vector<int>{19});
}

TEST_CASE("unique_resource self-move-assignment releases the resource once, as the TS's reset()-first wording does") {
    reset_ints();
    {
        unique_resource<int, int_deleter> u{21, int_deleter{}};
        auto& alias = u;
        u = std::move(alias);
        CHECK_FALSE(u.allocated());
        CHECK(closed_ints == std::vector<int>{21});
    }
    CHECK(closed_ints == std::vector<int>{21});
}

// --- reset, release, observers --------------------------------------------------------------

TEST_CASE("unique_resource::reset() calls the deleter once; the owned state is cleared before it runs") {
    int calls = 0;
    bool owned_during_call = true;
    std::function<void(int)> body;
    unique_resource<int, std::function<void(int)>> u{22, [&](int) { body(22); }};
    body = [&](int) {
        ++calls;
        owned_during_call = u.allocated();
        u.reset(); // re-entering: the resource is no longer owned, so this does nothing
    };
    u.reset();
    CHECK(calls == 1);
    CHECK_FALSE(owned_during_call);
    CHECK_FALSE(u.allocated());
    u.reset();
    CHECK(calls == 1);
}

TEST_CASE("unique_resource::reset(r): releases the old resource, then owns r") {
    probe_scope ps;
    {
        unique_resource<res_nm, del_nm> u{res_nm{23}, del_nm{230}};
        P().res_moves = 0;
        u.reset(res_nm{24});
        CHECK(P().deleted == std::vector<int>{23});
        CHECK(u.get().id == 24);
        CHECK(u.allocated());
        CHECK(P().res_moves == 1); // nothrow assignable from the rvalue: moved
        u.release();
        u.reset(res_nm{25}); // from a released state
        CHECK(u.allocated());
        CHECK(P().deleted == std::vector<int>{23});
    }
    CHECK(P().deleted == (std::vector<int>{23, 25}));
}

TEST_CASE("unique_resource::reset(r): a throwing copy-assignment calls deleter(r) and leaves nothing owned") {
    probe_scope ps;
    {
        unique_resource<res_tm, del_nm> u{res_tm{26}, del_nm{260}};
        P().throw_res_copy = true;
        CHECK_THROWS_AS(u.reset(res_tm{27}), copy_error); // a move may throw: the TS copy-assigns
        P().throw_res_copy = false;
        CHECK(P().deleted == (std::vector<int>{26, 27}));
        CHECK_FALSE(u.allocated());
    }
    CHECK(P().deleted == (std::vector<int>{26, 27}));
}

TEST_CASE("unique_resource::release() gives up ownership without calling the deleter; get() still answers") {
    reset_ints();
    {
        unique_resource<int, int_deleter> u{28, int_deleter{}};
        u.release();
        CHECK_FALSE(u.allocated());
        CHECK(u.get() == 28); // the TS keeps the value
        u.release();          // twice: nothing
    }
    CHECK(closes == 0);
}

namespace {
struct widget {
    int value = 42;
};
void delete_widget(widget* w) noexcept { delete w; }
} // namespace

TEST_CASE("unique_resource observers: get, get_deleter, operator*, operator->") {
    unique_resource<widget*, void (*)(widget*) noexcept> w{new widget, &delete_widget};
    CHECK(w->value == 42);
    (*w).value = 7;
    CHECK(w.get()->value == 7);
    CHECK((w.get_deleter() == &delete_widget));
}

TEST_CASE("unique_resource<T&, D> holds a reference: get() is the object, the deleter receives it") {
    int object = 5;
    {
        unique_resource<int&, void (*)(int&)> u{object, [](int& v) { v = -1; }};
        CHECK(&u.get() == &object);
        u.get() = 6;
        CHECK(object == 6);
        unique_resource<int&, void (*)(int&)> moved{std::move(u)};
        CHECK(&moved.get() == &object);
    }
    CHECK(object == -1);
}

// --- deduction guides ----------------------------------------------------------------------------

TEST_CASE("unique_resource deduction guides decay the resource and the deleter") {
    reset_ints();
    {
        unique_resource a{30, int_deleter{}};
        static_assert(std::is_same_v<decltype(a), unique_resource<int, int_deleter>>);
        unique_resource b{31, close_int};
        static_assert(std::is_same_v<decltype(b), unique_resource<int, void (*)(int) noexcept>>);
        int value = 32;
        unique_resource c{value, &close_int}; // an lvalue is deduced as a value, not a reference
        static_assert(std::is_same_v<decltype(c), unique_resource<int, void (*)(int) noexcept>>);
        unique_resource d{33, int_deleter{}, "labelled"};
        static_assert(std::is_same_v<decltype(d), unique_resource<int, int_deleter>>);
    }
    CHECK(closes == 4);
}

// --- make_unique_resource_checked ----------------------------------------------------------------

static_assert(std::is_same_v<decltype(make_unique_resource_checked(1, -1, close_int)),
                             unique_resource<int, void (*)(int) noexcept>>);
static_assert(noexcept(make_unique_resource_checked(1, -1, int_deleter{})));
static_assert(!noexcept(make_unique_resource_checked(std::declval<res_tm&>(), res_tm{}, del_nm{})));

TEST_CASE("make_unique_resource_checked: an invalid value is never owned and never deleted") {
    reset_ints();
    {
        auto bad = make_unique_resource_checked(-1, -1, int_deleter{});
        CHECK_FALSE(bad.allocated());
        CHECK(bad.get() == -1);
        auto good = make_unique_resource_checked(34, -1, int_deleter{});
        CHECK(good.allocated());
    }
    CHECK(closed_ints == std::vector<int>{34});
}

TEST_CASE("make_unique_resource_checked: a throwing copy deletes a valid resource, never an invalid one") {
    probe_scope ps;
    P().throw_res_copy = true;
    const res_tm invalid{0};
    res_tm good{35};
    CHECK_THROWS_AS(make_unique_resource_checked(good, invalid, del_nm{350}), copy_error);
    CHECK(P().deleted == std::vector<int>{35});
    res_tm bad{0};
    CHECK_THROWS_AS(make_unique_resource_checked(bad, invalid, del_nm{351}), copy_error);
    CHECK(P().deleted == std::vector<int>{35});
}

// --- Boost.Scope: resource traits ---------------------------------------------------------------

namespace {
using traited_fd = unique_resource<int, int_deleter, lifecycle::unallocated_resource<-1>>;
} // namespace

static_assert(std::is_nothrow_default_constructible_v<traited_fd>);
static_assert(std::is_same_v<traited_fd::traits_type, lifecycle::unallocated_resource<-1>>);
static_assert(lifecycle::unallocated_resource<-1, -2>::is_allocated(0));
static_assert(!lifecycle::unallocated_resource<-1, -2>::is_allocated(-2));
static_assert(!lifecycle::unallocated_resource<nullptr>::is_allocated(static_cast<int*>(nullptr)));

TEST_CASE("unique_resource with unallocated_resource traits: the unallocated value is the empty state") {
    reset_ints();
    {
        traited_fd none;
        CHECK(none.get() == -1);
        CHECK_FALSE(none);
        traited_fd invalid{-1, int_deleter{}};
        CHECK_FALSE(invalid.allocated());
        traited_fd some{40, int_deleter{}};
        CHECK(some);
        traited_fd moved{std::move(some)};
        CHECK(some.get() == -1); // NOLINT(bugprone-use-after-move): the moved-from value reads as unallocated
        CHECK(moved.get() == 40);
        moved.release();
        CHECK(moved.get() == -1);
        CHECK_FALSE(moved);
        moved.reset(41);
        CHECK(moved);
        moved.reset(-1); // releases 41, then holds nothing
        CHECK_FALSE(moved);
        traited_fd target{42, int_deleter{}};
        traited_fd source{43, int_deleter{}};
        target = std::move(source);
        CHECK(source.get() == -1); // NOLINT(bugprone-use-after-move)
        CHECK(target.get() == 43);
    }
    CHECK(closed_ints == (std::vector<int>{41, 42, 43}));
}

namespace {
// A handle class whose move empties the source (id -1), as most handle classes
// do; with these traits the moved-from source reads as unallocated.
struct emptied_on_move {
    int id = -1;
    emptied_on_move() = default;
    explicit emptied_on_move(int i) noexcept : id(i) {}
    emptied_on_move(emptied_on_move&& o) noexcept : id(std::exchange(o.id, -1)) {}
    emptied_on_move& operator=(emptied_on_move&& o) noexcept {
        id = std::exchange(o.id, -1);
        return *this;
    }
};
struct emptied_on_move_traits {
    static emptied_on_move make_default() noexcept { return emptied_on_move{}; }
    static bool is_allocated(const emptied_on_move& h) noexcept { return h.id >= 0; }
    static constexpr std::string_view kind_name() noexcept { return "test emptied_on_move"; }
};
using emptied_resource = unique_resource<emptied_on_move, del_tm, emptied_on_move_traits>;
} // namespace

TEST_CASE("unique_resource with traits, move constructor: a throwing deleter copy after the resource moved "
          "disposes of the moved resource once, even when the move emptied the source") {
#if LIFECYCLE_TRACKING
    const auto before = stats_of("test emptied_on_move");
#endif
    probe_scope ps;
    {
        emptied_resource a{emptied_on_move{13}, del_tm{130}};
        REQUIRE(a.allocated());
        P().throw_del_copy = true;
        CHECK_THROWS_AS((emptied_resource{std::move(a)}), copy_error);
        P().throw_del_copy = false;
        // The TS: the deleter is invoked on the resource moved into *this, then rhs.release().
        CHECK(P().deleted == std::vector<int>{13});
        CHECK(P().deleter_tags == std::vector<int>{130});
        CHECK_FALSE(a.allocated()); // NOLINT(bugprone-use-after-move)
        CHECK(a.get().id == -1);
    }
    CHECK(P().deleted == std::vector<int>{13}); // once: a, unallocated, deletes nothing
#if LIFECYCLE_TRACKING
    const auto after = stats_of("test emptied_on_move");
    CHECK(after.live == before.live); // the record is retired, not left behind as a leak
    CHECK(after.closed == before.closed + 1);
#endif
}

TEST_CASE("unique_resource with pointer traits and fd_resource_traits") {
    int destroyed = 0;
    auto deleter = [&destroyed](widget* w) {
        ++destroyed;
        delete w;
    };
    {
        unique_resource<widget*, decltype(deleter), lifecycle::unallocated_resource<nullptr>> p{nullptr, deleter};
        CHECK_FALSE(p);
        p.reset(new widget);
        CHECK(p);
        CHECK(p->value == 42);
    }
    CHECK(destroyed == 1);

    int fd = ::open("/dev/null", O_RDONLY);
    REQUIRE(fd >= 0);
    {
        unique_resource<int, int (*)(int), lifecycle::fd_resource_traits> f{fd, &::close};
        CHECK(f);
        CHECK(lifecycle_test::fd_is_open(fd));
        unique_resource<int, int (*)(int), lifecycle::fd_resource_traits> failed{-5, &::close};
        CHECK_FALSE(failed);
    }
    CHECK_FALSE(lifecycle_test::fd_is_open(fd));
}

// --- deleter results: failures are reported, not swallowed -------------------------------------------

TEST_CASE("a deleter's failure status goes to the close-error handler") {
    lifecycle_test::capture_close_failures failures;
    int line = 0;
    {
        unique_resource bad{-7, [](int) { return -1; }, "status"}; line = __LINE__;
        unique_resource fine{8, [](int) { return 0; }};
        unique_resource ec{9, [](int) { return std::make_error_code(std::errc::io_error); }};
        unique_resource yes{10, [](int) { return true; }};
        unique_resource no{11, [](int) { return false; }};
        unique_resource count{12, [](int) { return std::size_t{1}; }}; // not a status: ignored
    }
    REQUIRE(failures.size() == 3);
    // destroyed in reverse order: no, ec, bad
    CHECK(failures.at(0).error == lifecycle::lifecycle_errc::close_returned_false);
    CHECK(failures.at(1).error == std::errc::io_error);
    const auto& status = failures.at(2);
    CHECK(status.error.value() == -1);
    CHECK(status.kind == "unique_resource<int>");
#if LIFECYCLE_TRACKING
    CHECK(status.label == "status");
    CHECK(status.line == static_cast<unsigned>(line));
    CHECK(status.file.find("scope_unique_resource.cpp") != std::string::npos);
#else
    (void)line;
#endif
}

TEST_CASE("close(2) through unique_resource: EBADF is reported with the site") {
    lifecycle_test::capture_close_failures failures;
    {
        auto fd = make_unique_resource_checked(::open("/dev/null", O_RDONLY), -1, &::close);
        REQUIRE(fd);
        ::close(fd.get()); // closed behind its back: the wrapper's close fails
    }
    REQUIRE(failures.size() == 1);
    CHECK(failures.at(0).error.value() == -1);
    CHECK(failures.at(0).kind == "unique_resource<int>");
}

namespace {
// Runs `body` in a child process; returns its exit status and what it wrote to `fd`.
template <class Body>
std::pair<int, std::string> in_child(Body body) {
    int pipe_fds[2];
    REQUIRE(::pipe(pipe_fds) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::close(pipe_fds[0]);
        body(pipe_fds[1]);
        ::_exit(0);
    }
    ::close(pipe_fds[1]);
    std::string out;
    char buf[512];
    ssize_t n;
    while ((n = ::read(pipe_fds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
    ::close(pipe_fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

int child_fd = -1;
int throwing_deleter_calls = 0;
void write_child(const std::string& s) {
    if (::write(child_fd, s.data(), s.size()) < 0) ::_exit(99);
}
} // namespace

TEST_CASE("a deleter that throws in the destructor is reported, called once, then std::terminate ends the program") {
    auto [status, out] = in_child([](int fd) {
        child_fd = fd;
        lifecycle::set_close_error_handler([](const lifecycle::close_failure& f) {
            write_child("handler:" + std::string(f.kind) + ":" + std::string(f.label) + ":" + std::string(f.what) + ";");
        });
        std::set_terminate([] {
            write_child("terminate:" + std::to_string(throwing_deleter_calls) + ";");
            ::_exit(42);
        });
        {
            unique_resource r{1, [](int) {
                                  ++throwing_deleter_calls;
                                  throw std::runtime_error("deleter failed");
                              },
                              "thrower"};
        }
        write_child("survived;");
    });
    CHECK(status == 42);
#if LIFECYCLE_TRACKING
    CHECK(out == "handler:unique_resource<int>:thrower:deleter failed;terminate:1;");
#else
    CHECK(out == "handler:unique_resource<int>::deleter failed;terminate:1;");
#endif
}

// --- tracking -----------------------------------------------------------------------------------

#if LIFECYCLE_TRACKING

namespace {
struct named_traits {
    static constexpr std::string_view kind_name() noexcept { return "test session"; }
};
unique_resource<int, int_deleter> open_session(lifecycle::source_site site = lifecycle::source_site::current()) {
    return unique_resource<int, int_deleter>{50, int_deleter{}, "session", site};
}
} // namespace

TEST_CASE("a tracked unique_resource is enrolled with kind, label and the caller's site; moves do not touch the "
          "registry") {
    const auto before = stats_of("unique_resource<int>");
    int line = 0;
    {
        unique_resource<int, int_deleter> u{44, int_deleter{}, "config"}; line = __LINE__;
        CHECK(u.label() == "config");
        CHECK(u.site().line == static_cast<unsigned>(line));
        CHECK(std::string(u.site().file).find("scope_unique_resource.cpp") != std::string::npos);
        CHECK(live_of("unique_resource<int>") == before.live + 1);
        unique_resource<int, int_deleter> moved{std::move(u)};
        CHECK(moved.label() == "config");
        CHECK(u.label().empty()); // NOLINT(bugprone-use-after-move)
        CHECK(live_of("unique_resource<int>") == before.live + 1);
        const auto created = stats_of("unique_resource<int>").created;
        unique_resource<int, int_deleter> assigned;
        assigned = std::move(moved);
        CHECK(stats_of("unique_resource<int>").created == created);
        CHECK(live_of("unique_resource<int>") == before.live + 1);
    }
    const auto after = stats_of("unique_resource<int>");
    CHECK(after.live == before.live);
    CHECK(after.closed == before.closed + 1);
}

TEST_CASE("make_unique_resource_checked and reset(r) record their caller's site; invalid values are not enrolled") {
    const auto before = live_of("unique_resource<int>");
    auto bad = make_unique_resource_checked(-1, -1, int_deleter{});
    CHECK(live_of("unique_resource<int>") == before);
    CHECK(bad.site().line == 0);

    auto good = make_unique_resource_checked(45, -1, int_deleter{}, "checked"); const int line = __LINE__;
    CHECK(good.site().line == static_cast<unsigned>(line));
    CHECK(good.label() == "checked");
    CHECK(live_of("unique_resource<int>") == before + 1);

    good.reset(46, "reset"); const int reset_line = __LINE__;
    CHECK(good.site().line == static_cast<unsigned>(reset_line));
    CHECK(good.label() == "reset");
    CHECK(live_of("unique_resource<int>") == before + 1);

    auto made = open_session(); const int factory_line = __LINE__;
    CHECK(made.site().line == static_cast<unsigned>(factory_line)); // a factory forwards its caller's site
}

TEST_CASE("release() retires the record as released") {
    const auto before = stats_of("unique_resource<int>");
    unique_resource<int, int_deleter> u{47, int_deleter{}};
    u.release();
    const auto after = stats_of("unique_resource<int>");
    CHECK(after.live == before.live);
    CHECK(after.released == before.released + 1);
    CHECK(u.label().empty());
}

TEST_CASE("a leak scope sees a unique_resource kept alive past its check (planted leak)") {
    unique_resource<int, int_deleter> kept;
    {
        lifecycle::leak_scope scope{"scope.hpp planted leak", lifecycle::leak_policy::ignore};
        kept = unique_resource<int, int_deleter>{48, int_deleter{}, "planted"};
        unique_resource<int, int_deleter> closed_in_time{49, int_deleter{}};
        closed_in_time.reset();
        auto released = make_unique_resource_checked(51, -1, int_deleter{});
        released.release();
        const lifecycle::leak_report report = scope.check();
        CHECK(report.count() == 1);
        const std::string text = report.to_text();
        CHECK(text.find("unique_resource<int>") != std::string::npos);
        CHECK(text.find("planted") != std::string::npos);
        CHECK(text.find("scope_unique_resource.cpp") != std::string::npos);
        kept.reset();
        CHECK(scope.check().empty());
    }
}

TEST_CASE("resource traits may name the kind") {
    const auto before = live_of("test session");
    unique_resource<int, int_deleter, named_traits> s{52, int_deleter{}};
    CHECK(live_of("test session") == before + 1);
    s.reset();
    CHECK(live_of("test session") == before);
}

TEST_CASE("tracking adds one pointer; traits remove the owns flag") {
    struct int_and_pointer {
        int i;
        void* p;
    };
    CHECK(sizeof(unique_resource<int, int_deleter, lifecycle::unallocated_resource<-1>>) == sizeof(int_and_pointer));
    CHECK(sizeof(unique_resource<int, int_deleter>) == sizeof(int_and_pointer)); // the flag fits in the padding
}

#endif // LIFECYCLE_TRACKING
