// SPDX-License-Identifier: BSL-1.0
// lifecycle/scope.hpp — the standard scope API, tracked: `unique_resource`,
// `make_unique_resource_checked`, `scope_exit`, `scope_fail`, `scope_success`
// (Library Fundamentals TS v3, P0052R10, <experimental/scope>), plus what
// Boost.Scope adds: `allocated()`, resource traits, `set_active()`, condition
// functions and `defer_guard`.
//
//   #include <lifecycle/scope.hpp>
//
//   void save(const char* path, const std::string& text) {
//       auto fd = lifecycle::make_unique_resource_checked(
//           ::open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644), -1, &::close);
//       if (!fd) throw std::system_error(errno, std::generic_category(), path);
//       lifecycle::scope_fail remove_partial{[path] { ::unlink(path); }}; // only when leaving by an exception
//       write_all(fd.get(), text);                                        // throws on a short write
//   }   // fd closes here; a failing close(2) (-1) goes to the close-error handler.
//       // While fd is open, a leak scope around save() sees it: kind
//       // "unique_resource<int>", created at save (file.cpp:3).
//
// Standard code moves here by changing the namespace: every TS signature,
// noexcept specification, constraint and deduction guide is kept, and every
// clause behaves as the TS says — including the exception paths (a throwing
// copy of the resource or deleter in a constructor still releases the
// resource; a throwing copy of the exit function still runs it). Additions
// never change what a TS call means:
//   * unique_resource<R, D, Traits = void>; scope_exit<EF, Cond = always_true>,
//     scope_fail<EF, Cond = exception_checker>, scope_success<EF, Cond = exception_checker>.
//   * The (r, d) constructor, reset(r) and make_unique_resource_checked take two
//     trailing defaulted parameters, `std::string_view label = {}` and
//     `source_site site = source_site::current()`. They make the caller's
//     location the creation site; a factory forwards its own `site` parameter.
//   * The guards are `final` and `[[nodiscard]]`.
//
// Tracking (LIFECYCLE_TRACKING=1): a unique_resource that owns a resource is a
// registry record — kind "unique_resource<R>" (or `Traits::kind_name()`),
// label, creation site, identity (the value for integers, enums and pointers,
// the address of the referent for R&, else 0) — so leak scopes and reports
// see it. Moves never touch the registry; release() retires the record as
// released. Guards are not resources and are never tracked. With
// LIFECYCLE_TRACKING=0 there is no registry call and no extra member:
// sizeof(unique_resource<int, D, unallocated_resource<-1>>) == sizeof(int) for
// an empty D.
//
// Throwing and failing deleters (nothing is swallowed):
//   * The owned state is cleared before the deleter runs, so a deleter is
//     never called twice for one acquisition — not if it throws, not if it
//     re-enters reset() on the same object.
//   * reset() and the destructor are noexcept in the TS: a deleter that throws
//     there ends the program with std::terminate, as the TS has it. Before
//     terminating, the failure goes to the close-error handler
//     (lifecycle/close_error.hpp) with kind, label, site and what(). The same
//     holds for the cleanup calls the TS makes when a constructor's copy throws.
//   * A deleter's result, which the TS discards, is inspected: std::error_code
//     or an error-code enum (non-zero = failure), bool (false = failure), int,
//     long, long long or short (non-zero = failure, the convention of close(2),
//     fclose(3), munmap(2)). A failure goes to the close-error handler and is
//     counted; any other result type is ignored. Behaviour is otherwise unchanged.
//   * scope_exit, scope_fail and defer_guard have noexcept destructors (as the
//     TS): an action or condition that throws calls std::terminate.
//     scope_success's destructor is noexcept(noexcept(action()) &&
//     noexcept(cond())); its exception propagates. If copying a guard's action
//     or condition throws in a constructor, scope_exit, scope_fail and
//     defer_guard run the action (when constructed active) and rethrow;
//     scope_success does not.
//
// Not thread-safe as objects (like unique_ptr); a unique_resource may be
// reset on another thread than the one that created it.
#ifndef LIFECYCLE_SCOPE_HPP
#define LIFECYCLE_SCOPE_HPP

#include <lifecycle/config.hpp>
#include <lifecycle/close_failure.hpp>
#include <lifecycle/detail/exceptions.hpp>
#include <lifecycle/source_site.hpp>
#include <lifecycle/traits.hpp>
#include <lifecycle/detail/enrollment.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <lifecycle/detail/function.hpp> // std::reference_wrapper
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>

#include <unistd.h>

LIFECYCLE_BEGIN_NAMESPACE

// ---------------------------------------------------------------------------
// Resource traits and condition functions
// ---------------------------------------------------------------------------

/// Resource traits for unique_resource<R, D, Traits> whose unallocated state is
/// one of a few values: `Default` (what the default constructor and release()
/// store) and `Unallocated...`. The wrapper then keeps no "owns" flag.
///
///   lifecycle::unique_resource<int, decltype(&::close), lifecycle::unallocated_resource<-1>>
///       fd{::open(path, O_RDONLY), &::close};   // -1: unallocated, close() never called
template <auto Default, auto... Unallocated>
struct unallocated_resource {
    /// Returns: the value of an unallocated resource.
    static constexpr decltype(Default) make_default() noexcept { return Default; }
    /// Returns: false when `r` equals `Default` or one of `Unallocated...`.
    template <class Resource>
    static constexpr bool is_allocated(const Resource& r) noexcept {
        return !(r == Default) && (... && !(r == Unallocated));
    }
};

/// Resource traits for a POSIX file descriptor: negative values are unallocated.
struct fd_resource_traits {
    /// -1: what the default constructor and release() store.
    static constexpr int make_default() noexcept { return -1; }
    /// Non-negative: an fd to close.
    static constexpr bool is_allocated(int fd) noexcept { return fd >= 0; }
    /// Reported as "unique_resource<fd>".
    static constexpr std::string_view kind_name() noexcept { return "unique_resource<fd>"; }
    /// "fd": the same object as a tracked_fd of the same number.
    static constexpr std::string_view identity_domain() noexcept { return "fd"; } // shared with tracked_fd
    /// The fd itself (OS cross-check).
    static constexpr int native_fd(int fd) noexcept { return fd; }
};

/// The condition of scope_exit: always true.
struct always_true {
    /// Returns: true.
    constexpr bool operator()() const noexcept { return true; }
};

/// The condition of scope_fail and scope_success: true when more exceptions
/// are in flight than when the checker was constructed (the TS's
/// `uncaught_exceptions() > uncaught_on_creation`).
class exception_checker {
public:
    exception_checker() noexcept : uncaught_(std::uncaught_exceptions()) {}
    /// Returns: true when an exception thrown since construction is in flight.
    bool operator()() const noexcept { return std::uncaught_exceptions() > uncaught_; }

private:
    int uncaught_;
};

/// Returns: an exception_checker constructed now.
inline exception_checker check_exception() noexcept { return exception_checker{}; }

/// A condition that is true when an error variable (std::error_code, an errno
/// copy, a bool, ...) is set at scope exit. The variable must outlive the guard.
///
///   std::error_code ec;
///   lifecycle::scope_fail undo{[&] { rollback(); }, lifecycle::check_error_code(ec)};
///   write(file, ec);   // sets ec on failure; undo runs when ec is set at scope exit
template <class Error>
class error_code_checker {
public:
    /// Effects: watches `error` (not copied; it must outlive the checker).
    explicit error_code_checker(Error& error) noexcept : error_(std::addressof(error)) {}
    /// Returns: true when the watched variable is set (`!!error`).
    bool operator()() const noexcept(noexcept(!std::declval<Error&>())) { return !!*error_; }

private:
    Error* error_;
};

/// Returns: error_code_checker<Error>(error).
template <class Error>
error_code_checker<Error> check_error_code(Error& error) noexcept {
    return error_code_checker<Error>(error);
}

// ---------------------------------------------------------------------------
// Internals
// ---------------------------------------------------------------------------

namespace detail {

template <class T>
using scope_remove_cvref_t = std::remove_cv_t<std::remove_reference_t<T>>;

template <class...>
using scope_void_t = void;

struct scope_in_place_t {};
struct scope_default_t {};
struct scope_nat; // never defined: the parameter type of a disabled move constructor

// The TS initializes a member from std::forward<U>(u) only when that cannot
// throw, and otherwise from u as an lvalue (a copy), so that the argument is
// still intact for the cleanup call when the copy throws. (When T cannot be
// built from the lvalue at all, a constraint or static_assert has already
// refused the call; forwarding then keeps the diagnostic to that one message.)
template <class T, class U>
using scope_init_arg_t =
    std::conditional_t<std::is_nothrow_constructible_v<T, U> || !std::is_constructible_v<T, U&>, U&&, U&>;
template <class T>
using scope_move_arg_t = std::conditional_t<std::is_nothrow_move_constructible_v<T>, T&&, T&>;

// Holds a T; empty classes are stored as a base (the empty base optimization,
// since [[no_unique_address]] is C++20). `Tag` keeps two boxes of one type apart.
// The constructors taking `on_failure` call it when T's constructor throws.
template <class T, class Tag, bool Ebo = std::is_class_v<T> && std::is_empty_v<T> && !std::is_final_v<T>>
class scope_box {
public:
    scope_box() noexcept(std::is_nothrow_default_constructible_v<T>) : value_() {}
    template <class A>
    scope_box(scope_in_place_t, A&& a) noexcept(std::is_nothrow_constructible_v<T, A>) : value_(static_cast<A&&>(a)) {}
    template <class A, class OnFailure>
#if LIFECYCLE_DETAIL_EXCEPTIONS
    scope_box(scope_in_place_t, A&& a, OnFailure&& on_failure) try : value_(static_cast<A&&>(a)) {
    } catch (...) {
        on_failure();
    }
#else
    scope_box(scope_in_place_t, A&& a, OnFailure&& on_failure) : value_(static_cast<A&&>(a)) { static_cast<void>(on_failure); }
#endif
    template <class OnFailure>
#if LIFECYCLE_DETAIL_EXCEPTIONS
    scope_box(scope_default_t, OnFailure&& on_failure) try : value_() {
    } catch (...) {
        on_failure();
    }
#else
    scope_box(scope_default_t, OnFailure&& on_failure) : value_() { static_cast<void>(on_failure); }
#endif
    T& get() noexcept { return value_; }
    const T& get() const noexcept { return value_; }

private:
    T value_;
};

template <class T, class Tag>
class scope_box<T, Tag, true> : private T {
public:
    scope_box() noexcept(std::is_nothrow_default_constructible_v<T>) : T() {}
    template <class A>
    scope_box(scope_in_place_t, A&& a) noexcept(std::is_nothrow_constructible_v<T, A>) : T(static_cast<A&&>(a)) {}
    template <class A, class OnFailure>
#if LIFECYCLE_DETAIL_EXCEPTIONS
    scope_box(scope_in_place_t, A&& a, OnFailure&& on_failure) try : T(static_cast<A&&>(a)) {
    } catch (...) {
        on_failure();
    }
#else
    scope_box(scope_in_place_t, A&& a, OnFailure&& on_failure) : T(static_cast<A&&>(a)) { static_cast<void>(on_failure); }
#endif
    template <class OnFailure>
#if LIFECYCLE_DETAIL_EXCEPTIONS
    scope_box(scope_default_t, OnFailure&& on_failure) try : T() {
    } catch (...) {
        on_failure();
    }
#else
    scope_box(scope_default_t, OnFailure&& on_failure) : T() { static_cast<void>(on_failure); }
#endif
    T& get() noexcept { return *this; }
    const T& get() const noexcept { return *this; }
};

// --- unique_resource internals ----------------------------------------------

template <class T, class U>
inline constexpr bool ur_constructible =
    std::is_constructible_v<T, U> && (std::is_nothrow_constructible_v<T, U> || std::is_constructible_v<T, U&>);
template <class T, class U>
inline constexpr bool ur_nothrow_init = std::is_nothrow_constructible_v<T, U> || std::is_nothrow_constructible_v<T, U&>;

// `d(r)` as the TS writes it (no std::invoke: member pointers are not deleters).
template <class Del, class Res, class = void>
struct ur_callable : std::false_type {};
template <class Del, class Res>
struct ur_callable<Del, Res, scope_void_t<decltype(std::declval<Del&>()(std::declval<Res&>()))>> : std::true_type {};

template <class T, class = void>
struct ur_has_kind_name : std::false_type {};
template <class T>
struct ur_has_kind_name<T, scope_void_t<decltype(std::string_view(T::kind_name()))>> : std::true_type {};

template <class T, class R, class = void>
struct ur_allocation_traits : std::false_type {};
template <class T, class R>
struct ur_allocation_traits<T, R, scope_void_t<decltype(R(T::make_default())),
                                               decltype(bool(T::is_allocated(std::declval<const R&>())))>>
    : std::true_type {};

template <class T, class R, class = void>
struct ur_declares_allocation : std::false_type {};
template <class T, class R>
struct ur_declares_allocation<T, R, scope_void_t<decltype(&T::make_default)>> : std::true_type {};

template <class Traits, class A, class = void>
struct ur_can_test : std::false_type {};
template <class Traits, class A>
struct ur_can_test<Traits, A, scope_void_t<decltype(bool(Traits::is_allocated(std::declval<const A&>())))>>
    : std::true_type {};

// With allocation traits, an unallocated argument is never passed to the deleter.
template <class Traits, class A>
bool ur_argument_allocated(const A& a) noexcept {
    if constexpr (ur_can_test<Traits, A>::value) return Traits::is_allocated(a);
    else return (void)a, true;
}

template <class T, class R, class = void>
struct ur_nothrow_allocation : std::false_type {};
template <class T, class R>
struct ur_nothrow_allocation<T, R, scope_void_t<decltype(T::make_default()), decltype(T::is_allocated(std::declval<const R&>()))>>
    : std::bool_constant<noexcept(T::make_default()) && noexcept(T::is_allocated(std::declval<const R&>()))> {};

// Results of a deleter that the TS discards and lifecycle reads as a status.
template <class T>
inline constexpr bool ur_status_result =
    std::is_same_v<T, std::error_code> || std::is_error_code_enum_v<T> || std::is_same_v<T, bool> ||
    std::is_same_v<T, int> || std::is_same_v<T, long> || std::is_same_v<T, long long> || std::is_same_v<T, short>;

template <class Del, class Res>
std::error_code ur_call_deleter(Del& del, Res& res) noexcept(noexcept(del(res))) {
    using result = std::decay_t<decltype(del(res))>;
    if constexpr (ur_status_result<result>) {
        return to_error_code(del(res));
    } else {
        static_cast<void>(del(res));
        return {};
    }
}

template <class T>
struct ur_is_reference_wrapper : std::false_type {};
template <class T>
struct ur_is_reference_wrapper<std::reference_wrapper<T>> : std::true_type {};

template <class T>
std::uintptr_t ur_identity(const T& v) noexcept {
    if constexpr (std::is_pointer_v<T>) return reinterpret_cast<std::uintptr_t>(v);
    else if constexpr (std::is_integral_v<T> || std::is_enum_v<T>) return static_cast<std::uintptr_t>(v);
    else if constexpr (ur_is_reference_wrapper<T>::value) return reinterpret_cast<std::uintptr_t>(std::addressof(v.get()));
    else return 0;
}

template <class T, class = void>
struct ur_has_identity_domain : std::false_type {};
template <class T>
struct ur_has_identity_domain<T, scope_void_t<decltype(std::string_view(T::identity_domain()))>> : std::true_type {};
template <class T, class R, class = void>
struct ur_has_native_fd : std::false_type {};
template <class T, class R>
struct ur_has_native_fd<T, R, scope_void_t<decltype(int(T::native_fd(std::declval<const R&>())))>> : std::true_type {};

#if LIFECYCLE_TRACKING
using ur_token = record*;
#else
using ur_token = std::nullptr_t;
#endif

template <bool Flag>
struct ur_state {};
template <>
struct ur_state<true> {
    bool owns = false; // the TS's execute_on_reset
};

struct ur_tracking {
#if LIFECYCLE_TRACKING
    record* token = nullptr;
#endif
};

struct ur_resource_tag {};
struct ur_deleter_tag {};

// Resource first, deleter second (the TS's initialization order), then the
// owns flag (absent with allocation traits) and the record (tracking only).
template <class R1, class D, bool Flag>
struct ur_storage : scope_box<R1, ur_resource_tag>, scope_box<D, ur_deleter_tag>, ur_state<Flag>, ur_tracking {
    using res_box = scope_box<R1, ur_resource_tag>;
    using del_box = scope_box<D, ur_deleter_tag>;

    ur_storage() = default;
    template <class RA>
    explicit ur_storage(scope_in_place_t, RA&& ra) : res_box(scope_in_place_t{}, static_cast<RA&&>(ra)), del_box() {}
    template <class RA, class RFail, class DA, class DFail>
    ur_storage(RA&& ra, RFail&& rfail, DA&& da, DFail&& dfail)
        : res_box(scope_in_place_t{}, static_cast<RA&&>(ra), rfail),
          del_box(scope_in_place_t{}, static_cast<DA&&>(da), [&] { dfail(res_box::get()); }) {}

    R1& res() noexcept { return res_box::get(); }
    const R1& res() const noexcept { return res_box::get(); }
    D& del() noexcept { return del_box::get(); }
    const D& del() const noexcept { return del_box::get(); }
};

template <class R, class Traits>
struct ur_ops {
    static std::string make_name() {
        if constexpr (ur_has_kind_name<Traits>::value) {
            return std::string(Traits::kind_name());
        } else {
            std::string n = "unique_resource<";
            n += type_name<R>();
            n += '>';
            return n;
        }
    }

    static std::string_view kind_name() noexcept {
        LIFECYCLE_DETAIL_TRY {
            static const std::string name = make_name();
            return name;
        } LIFECYCLE_DETAIL_CATCH_ALL {
            return "unique_resource";
        }
    }

#if LIFECYCLE_TRACKING
    static const kind_info* kind() noexcept {
        static std::atomic<const kind_info*> slot{nullptr};
        const kind_info* k = slot.load(std::memory_order_acquire);
        if (LIFECYCLE_DETAIL_LIKELY(k != nullptr)) return k;
        LIFECYCLE_DETAIL_TRY {
            const std::string name = make_name();
            std::string_view domain;
            if constexpr (ur_has_identity_domain<Traits>::value) domain = Traits::identity_domain();
            k = register_kind_noexcept(name, "reset()", domain);
        } LIFECYCLE_DETAIL_CATCH_ALL {
            return nullptr; // out of memory: untracked, and tried again next time
        }
        if (k) slot.store(k, std::memory_order_release);
        return k;
    }
#endif

    // The file descriptor a resource holds, for leak_scope's OS cross-check:
    // the traits' native_fd, or an int closed by ::close itself.
    template <class Res, class Del>
    static int native_fd(const Res& res, const Del& del) noexcept {
        if constexpr (ur_has_native_fd<Traits, Res>::value) {
            return Traits::native_fd(res);
        } else if constexpr (std::is_same_v<std::decay_t<Res>, int> && std::is_convertible_v<Del, int (*)(int)>) {
            return static_cast<int (*)(int)>(del) == &::close ? res : -1;
        } else {
            (void)res, (void)del;
            return -1;
        }
    }

    template <class Res, class Del>
    LIFECYCLE_DETAIL_ALWAYS_INLINE static ur_token enroll(const Res& res, const Del& del, std::string_view label,
                                                          const source_site& site) noexcept {
#if LIFECYCLE_TRACKING
        enrollment_of what;
        what.identity = ur_identity(res);
        what.claims = ur_has_identity_domain<Traits>::value && what.identity != 0;
        what.os_fd = native_fd(res, del);
        return detail::enroll(kind(), what, label, site);
#else
        (void)res, (void)del, (void)label, (void)site;
        return nullptr;
#endif
    }

    static void release(ur_token t) noexcept {
#if LIFECYCLE_TRACKING
        retire(t, ending::released);
#else
        (void)t;
#endif
    }

    static void finish(ur_token t, const std::error_code& ec) noexcept {
#if LIFECYCLE_TRACKING
        detail::finish(t, ec && !t ? kind() : nullptr, ec);
#else
        (void)t, (void)ec;
#endif
    }

    static void report(ur_token t, const std::error_code& ec, std::string_view what) noexcept {
        report_failure(t, kind_name(), ec, what);
    }

    [[noreturn]] static void terminate_after_throw(ur_token t, std::string_view what) noexcept {
        const std::error_code ec = make_error_code(lifecycle_errc::close_threw);
        report(t, ec, what);
        finish(t, ec);
        std::terminate(); // inside the catch block: the terminate handler still sees the exception
    }

    /// Calls del(res) for the acquisition `t`; never throws. A failure status
    /// goes to the close-error handler; an exception ends the program (the TS
    /// calls the deleter from noexcept functions) after reporting it.
    template <class Del, class Res>
    static void dispose(Del& del, Res& res, ur_token t) noexcept {
#if LIFECYCLE_TRACKING
        // Closed through another wrapper already: not closed again (reported
        // as an ownership problem), as tracked's close does.
        if (closed_elsewhere(t, source_site{})) return finish(t, {});
#endif
        std::error_code ec;
        if constexpr (noexcept(del(res))) {
            ec = ur_call_deleter(del, res);
        } else {
            LIFECYCLE_DETAIL_TRY {
                ec = ur_call_deleter(del, res);
            } LIFECYCLE_DETAIL_CATCH(const std::exception& e) {
                terminate_after_throw(t, e.what());
            } LIFECYCLE_DETAIL_CATCH_ALL {
                terminate_after_throw(t, "an exception not derived from std::exception");
            }
        }
        if (ec) report(t, ec, {});
        finish(t, ec);
    }
};

struct ur_construct_t {};
struct ur_factory;

} // namespace detail

// ---------------------------------------------------------------------------
// unique_resource
// ---------------------------------------------------------------------------

/// Owns a resource of type R (a handle, or a reference to an object) and
/// releases it with a deleter D when destroyed, reset or move-assigned over.
/// `Traits` (optional, Boost.Scope's resource traits) may declare
/// `static R make_default() noexcept` and `static bool is_allocated(const R&)
/// noexcept` — then the wrapper stores no "owns" flag and a resource equal to
/// an unallocated value is never passed to the deleter — and/or
/// `static std::string_view kind_name()`, the kind shown in reports.
///
/// Requires (the TS's): R is an object type that is copy-constructible or
/// nothrow move-constructible, or an lvalue reference to an object type; D is
/// a function object type, copy-constructible or nothrow move-constructible,
/// and `d(r)` is well-formed for an lvalue d of type D and r of remove_reference_t<R>.
template <class R, class D, class Traits = void>
class unique_resource {
    static_assert(std::is_object_v<R> || (std::is_lvalue_reference_v<R> && std::is_object_v<std::remove_reference_t<R>>),
                  "lifecycle::unique_resource<R, D>: R must be an object type or an lvalue reference to an object type");
    static_assert(!std::is_object_v<R> ||
                      (std::is_move_constructible_v<R> &&
                       (std::is_copy_constructible_v<R> || std::is_nothrow_move_constructible_v<R>)),
                  "lifecycle::unique_resource<R, D>: R must be copy-constructible or nothrow move-constructible "
                  "(a throwing move would lose the resource)");
    static_assert(std::is_object_v<D> && std::is_destructible_v<D>,
                  "lifecycle::unique_resource<R, D>: D must be a destructible function object type");
    static_assert(std::is_move_constructible_v<D> &&
                      (std::is_copy_constructible_v<D> || std::is_nothrow_move_constructible_v<D>),
                  "lifecycle::unique_resource<R, D>: D must be copy-constructible or nothrow move-constructible");
    static_assert(detail::ur_callable<D, std::remove_reference_t<R>>::value,
                  "lifecycle::unique_resource<R, D>: the deleter must be callable as d(r) with an lvalue of the resource type");

    using R1 = std::conditional_t<std::is_reference_v<R>, std::reference_wrapper<std::remove_reference_t<R>>, R>;
    static constexpr bool has_traits = detail::ur_allocation_traits<Traits, R1>::value;

    static_assert(std::is_void_v<Traits> || has_traits || detail::ur_has_kind_name<Traits>::value,
                  "lifecycle::unique_resource<R, D, Traits>: Traits must declare `static R make_default() noexcept` and "
                  "`static bool is_allocated(const R&) noexcept`, or `static std::string_view kind_name()`, or all three");
    static_assert(!has_traits || (std::is_object_v<R> && std::is_nothrow_move_constructible_v<R> &&
                                  std::is_nothrow_move_assignable_v<R>),
                  "lifecycle::unique_resource<R, D, Traits>: allocation traits need a resource held by value that is "
                  "nothrow move-constructible and nothrow move-assignable");
    static_assert(!has_traits || detail::ur_nothrow_allocation<Traits, R1>::value,
                  "lifecycle::unique_resource<R, D, Traits>: Traits::make_default() and Traits::is_allocated() must be noexcept");
    static_assert(has_traits || std::is_void_v<Traits> || !detail::ur_declares_allocation<Traits, R1>::value,
                  "lifecycle::unique_resource<R, D, Traits>: Traits declares make_default() but not a matching "
                  "`static bool is_allocated(const R&) noexcept`, or make_default() does not return an R");

    using ops = detail::ur_ops<R, Traits>;
    using storage = detail::ur_storage<R1, D, !has_traits>;
    friend struct detail::ur_factory;

public:
    /// The resource type R (a reference type when the resource is held by reference).
    using resource_type = R;
    /// The deleter type D.
    using deleter_type = D;
    /// The allocation/tracking traits (void: none).
    using traits_type = Traits;

    /// Effects: value-initializes the resource (with traits: `Traits::make_default()`)
    /// and the deleter; owns nothing. Constraints: both are default-constructible.
    template <class RR = R1, class DD = D,
              std::enable_if_t<std::is_default_constructible_v<DD> && (has_traits || std::is_default_constructible_v<RR>), int> = 0>
    unique_resource() noexcept(std::is_nothrow_default_constructible_v<D> &&
                               (has_traits || std::is_nothrow_default_constructible_v<R1>))
        : s_(make_default_storage()) {}

    /// Effects (TS): initializes the resource from std::forward<RR>(r) if that
    /// cannot throw, else from r; then the deleter from std::forward<DD>(d) if
    /// that cannot throw, else from d. If initializing the resource throws,
    /// calls d(r); if initializing the deleter throws, calls d(resource). The
    /// object owns the resource (with traits: if it is allocated) and, in
    /// tracking builds, enrolls it with `label` and `site`.
    /// Constraints: R1 and D are constructible from RR and DD, and each from
    /// the lvalue when the rvalue construction may throw.
    /// Throws: what the initialization of the resource or deleter throws.
    template <class RR, class DD,
              std::enable_if_t<detail::ur_constructible<R1, RR> && detail::ur_constructible<D, DD>, int> = 0>
    unique_resource(RR&& r, DD&& d, std::string_view label = {}, source_site site = source_site::current()) noexcept(
        detail::ur_nothrow_init<R1, RR> && detail::ur_nothrow_init<D, DD>)
        : unique_resource(detail::ur_construct_t{}, std::forward<RR>(r), std::forward<DD>(d), true, label, site) {}

    unique_resource(const unique_resource&) = delete;
    unique_resource& operator=(const unique_resource&) = delete;

    /// Effects (TS): takes rhs's resource (moved if that cannot throw, else
    /// copied) and deleter (likewise); rhs then owns nothing. If copying the
    /// deleter throws after the resource was moved and rhs owned it (with
    /// traits: the moved resource is allocated, whatever the move left in rhs),
    /// the resource is released once with rhs's deleter and rhs owns nothing;
    /// if copying the resource throws, rhs still owns it. The record moves
    /// with the resource; the registry is not touched.
    unique_resource(unique_resource&& rhs) noexcept(std::is_nothrow_move_constructible_v<R1> &&
                                                    std::is_nothrow_move_constructible_v<D>)
        : s_(static_cast<detail::scope_move_arg_t<R1>>(rhs.s_.res()), [] {},
             static_cast<detail::scope_move_arg_t<D>>(rhs.s_.del()), [&rhs](R1& moved) {
                 if constexpr (std::is_nothrow_move_constructible_v<R1>) {
                     // The TS's rhs.execute_on_reset. With traits, ownership is the value, and the
                     // value is now `moved`: the move may have emptied rhs's (a moved-from handle
                     // class reads as unallocated), so asking rhs would leak the resource.
                     bool owned;
                     if constexpr (has_traits) owned = allocated_value(moved);
                     else owned = rhs.allocated();
                     if (owned) {
                         detail::ur_token t = rhs.disown();
                         ops::dispose(rhs.s_.del(), unwrap(moved), t);
                     }
                 } else {
                     (void)rhs, (void)moved; // the resource was copied: rhs still owns it
                 }
             }) {
        take_ownership_from(rhs);
    }

    /// Effects (TS): reset(); then assigns rhs's resource and deleter (moving
    /// what can be moved without throwing, copying the rest, in the TS's
    /// order); then *this owns what rhs owned and rhs owns nothing. If a copy
    /// throws, rhs is intact and *this owns nothing. As in the TS, a
    /// self-move-assignment releases the resource.
    unique_resource& operator=(unique_resource&& rhs) noexcept(std::is_nothrow_move_assignable_v<R1> &&
                                                               std::is_nothrow_move_assignable_v<D>) {
        reset();
        if constexpr (std::is_nothrow_move_assignable_v<R1>) {
            if constexpr (std::is_nothrow_move_assignable_v<D>) {
                s_.res() = std::move(rhs.s_.res());
                s_.del() = std::move(rhs.s_.del());
            } else {
                s_.del() = rhs.s_.del();
                s_.res() = std::move(rhs.s_.res());
            }
        } else {
            if constexpr (std::is_nothrow_move_assignable_v<D>) {
                s_.res() = rhs.s_.res();
                s_.del() = std::move(rhs.s_.del());
            } else {
                s_.res() = rhs.s_.res();
                s_.del() = rhs.s_.del();
            }
        }
        take_ownership_from(rhs);
        return *this;
    }

    /// Effects: reset().
    ~unique_resource() { reset(); }

    /// Effects (TS): if the resource is owned, stops owning it and then calls
    /// deleter(resource) — the owned state is cleared first, so the deleter
    /// runs once. A failure status goes to the close-error handler; an
    /// exception from the deleter is reported and then std::terminate is called.
    void reset() noexcept {
        if (!allocated()) return;
        if constexpr (has_traits) {
            R1 old(std::move(s_.res()));
            s_.res() = Traits::make_default();
            ops::dispose(s_.del(), old, take_token());
        } else {
            s_.owns = false;
            ops::dispose(s_.del(), value(), take_token());
        }
    }

    /// Effects (TS): reset(); then assigns std::forward<RR>(r) to the resource
    /// if that cannot throw, else std::as_const(r); then owns it (with traits:
    /// if allocated) and, in tracking builds, enrolls it with `label` and `site`.
    /// If the assignment throws, calls deleter(r) and rethrows (*this owns nothing).
    /// Constraints: the selected assignment is well-formed.
    template <class RR, std::enable_if_t<std::is_nothrow_assignable_v<R1&, RR> ||
                                             std::is_assignable_v<R1&, const std::remove_reference_t<RR>&>,
                                         int> = 0>
    void reset(RR&& r, std::string_view label = {}, source_site site = source_site::current()) {
        static_assert(detail::ur_callable<D, std::remove_reference_t<RR>>::value,
                      "lifecycle::unique_resource::reset(r): the deleter must be callable as deleter(r)");
        reset();
        if constexpr (std::is_nothrow_assignable_v<R1&, RR>) {
            s_.res() = std::forward<RR>(r);
        } else {
            LIFECYCLE_DETAIL_TRY {
                s_.res() = std::as_const(r);
            } LIFECYCLE_DETAIL_CATCH_ALL {
                if (detail::ur_argument_allocated<Traits>(r)) ops::dispose(s_.del(), r, nullptr);
                LIFECYCLE_DETAIL_RETHROW;
            }
        }
        acquire(label, site);
    }

    /// Effects (TS): stops owning the resource without calling the deleter
    /// (with traits: stores `Traits::make_default()`). The record is retired
    /// as released.
    void release() noexcept {
        if (!allocated()) return;
        ops::release(disown());
    }

    /// Returns: the resource (a reference to the object for R = T&).
    const R& get() const noexcept { return s_.res(); }

    /// Returns: the deleter.
    const D& get_deleter() const noexcept { return s_.del(); }

    /// Returns: *get(). Constraints: R is a pointer to a non-void type.
    template <class RR = R, std::enable_if_t<std::is_pointer_v<RR> && !std::is_void_v<std::remove_pointer_t<RR>>, int> = 0>
    std::add_lvalue_reference_t<std::remove_pointer_t<RR>> operator*() const noexcept {
        return *get();
    }

    /// Returns: get(). Constraints: R is a pointer type.
    template <class RR = R, std::enable_if_t<std::is_pointer_v<RR>, int> = 0>
    R operator->() const noexcept {
        return get();
    }

    /// Returns: true when a resource is owned (Boost.Scope's allocated()).
    bool allocated() const noexcept {
        if constexpr (has_traits) return Traits::is_allocated(s_.res());
        else return s_.owns;
    }

    /// Returns: allocated().
    explicit operator bool() const noexcept { return allocated(); }

    /// Returns: the label given at acquisition; empty when untracked or not owning.
    std::string_view label() const noexcept {
#if LIFECYCLE_TRACKING
        if (s_.token) return detail::label_of(s_.token);
#endif
        return {};
    }

    /// Returns: where the owned resource was acquired; unknown when untracked,
    /// not owning, or captured with capture::off.
    source_site site() const noexcept {
#if LIFECYCLE_TRACKING
        if (s_.token) return detail::site_of(s_.token);
#endif
        return {};
    }

private:
    template <class RR, class DD>
    unique_resource(detail::ur_construct_t, RR&& r, DD&& d, bool acquire_it, std::string_view label, source_site site)
        : s_(static_cast<detail::scope_init_arg_t<R1, RR>>(r),
             [&] {
                 if (acquire_it && detail::ur_argument_allocated<Traits>(r)) ops::dispose(d, r, nullptr);
             },
             static_cast<detail::scope_init_arg_t<D, DD>>(d),
             [&](R1& res) {
                 if (acquire_it && allocated_value(res)) ops::dispose(d, unwrap(res), nullptr);
             }) {
        static_assert(detail::ur_callable<std::remove_reference_t<DD>, std::remove_reference_t<RR>>::value,
                      "lifecycle::unique_resource(r, d): d(r) must be well-formed");
        static_assert(detail::ur_callable<std::remove_reference_t<DD>, std::remove_reference_t<R>>::value,
                      "lifecycle::unique_resource(r, d): d(resource) must be well-formed");
        if (acquire_it) acquire(label, site);
    }

    static storage make_default_storage() {
        if constexpr (has_traits) return storage(detail::scope_in_place_t{}, Traits::make_default());
        else return storage();
    }

    static std::remove_reference_t<R>& unwrap(R1& r) noexcept {
        if constexpr (std::is_reference_v<R>) return r.get();
        else return r;
    }
    std::remove_reference_t<R>& value() noexcept { return unwrap(s_.res()); }

    static bool allocated_value(const R1& r) noexcept {
        if constexpr (has_traits) return Traits::is_allocated(r);
        else return (void)r, true;
    }

    // Marks the resource owned and enrolls it.
    void acquire(std::string_view label, const source_site& site) noexcept {
        if constexpr (has_traits) {
            if (!Traits::is_allocated(s_.res())) return;
        } else {
            s_.owns = true;
        }
        put_token(ops::enroll(s_.res(), s_.del(), label, site));
    }

    // Clears the owned state; returns the record, which the caller retires.
    detail::ur_token disown() noexcept {
        if constexpr (has_traits) s_.res() = Traits::make_default();
        else s_.owns = false;
        return take_token();
    }

    void take_ownership_from(unique_resource& rhs) noexcept {
        if constexpr (has_traits) {
            // Allocation is in the value: the moved-from value must read as unallocated.
            if (&rhs != this) rhs.s_.res() = Traits::make_default();
        } else {
            s_.owns = std::exchange(rhs.s_.owns, false);
        }
        put_token(rhs.take_token());
    }

#if LIFECYCLE_TRACKING
    detail::ur_token take_token() noexcept { return std::exchange(s_.token, nullptr); }
    void put_token(detail::ur_token t) noexcept { s_.token = t; }
#else
    // Compiled out: no member, no registry call.
    static detail::ur_token take_token() noexcept { return nullptr; }
    static void put_token(detail::ur_token) noexcept {}
#endif

    storage s_;
};

/// Deduction guide (the TS's and Boost.Scope's).
template <class R, class D>
unique_resource(R, D) -> unique_resource<R, D>;
/// Deduction guide (the TS's and Boost.Scope's).
template <class R, class D>
unique_resource(R, D, std::string_view) -> unique_resource<R, D>;
/// Deduction guide (the TS's and Boost.Scope's).
template <class R, class D>
unique_resource(R, D, std::string_view, source_site) -> unique_resource<R, D>;

namespace detail {
struct ur_factory {
    template <class U, class RR, class DD>
    static U make(RR&& r, DD&& d, bool acquire, std::string_view label, const source_site& site) {
        return U(ur_construct_t{}, std::forward<RR>(r), std::forward<DD>(d), acquire, label, site);
    }
};

template <class R, class S, class = void>
struct ur_comparable : std::false_type {};
template <class R, class S>
struct ur_comparable<R, S, scope_void_t<decltype(std::declval<R&>() == std::declval<const S&>() ? true : false)>>
    : std::true_type {};
} // namespace detail

/// Effects (TS): a unique_resource<decay_t<R>, decay_t<D>> initialized from
/// std::forward<R>(resource) and std::forward<D>(d) that owns the resource
/// unless `resource == invalid`. For an invalid resource the deleter is never
/// called, not even when a copy throws. `label` and `site` (the caller, by
/// default) are the record's.
/// Throws: what the construction of the resource or deleter throws.
template <class R, class D, class S = std::decay_t<R>>
unique_resource<std::decay_t<R>, std::decay_t<D>> make_unique_resource_checked(
    R&& resource, const S& invalid, D&& d, std::string_view label = {},
    source_site site = source_site::current()) noexcept(std::is_nothrow_constructible_v<std::decay_t<R>, R> &&
                                                         std::is_nothrow_constructible_v<std::decay_t<D>, D>) {
    static_assert(detail::ur_comparable<std::remove_reference_t<R>, S>::value,
                  "lifecycle::make_unique_resource_checked: `resource == invalid` must be well-formed");
    static_assert(detail::ur_constructible<std::decay_t<R>, R> && detail::ur_constructible<std::decay_t<D>, D>,
                  "lifecycle::make_unique_resource_checked: the resource and the deleter must be constructible from "
                  "the arguments, and from lvalues when that may throw (as for unique_resource(r, d))");
    bool bad = false;
    if constexpr (detail::ur_comparable<std::remove_reference_t<R>, S>::value) bad = resource == invalid ? true : false;
    return detail::ur_factory::make<unique_resource<std::decay_t<R>, std::decay_t<D>>>(
        std::forward<R>(resource), std::forward<D>(d), !bad, label, site);
}

// ---------------------------------------------------------------------------
// Scope guards
// ---------------------------------------------------------------------------

namespace detail {

enum class scope_guard_kind { exit, fail, success };

struct scope_guard_fn_tag {};
struct scope_guard_cond_tag {};
struct scope_guard_init_t {};

template <class C>
using scope_condition_t = std::enable_if_t<std::is_invocable_r_v<bool, C&>, int>;

template <class EF, class Cond, scope_guard_kind Kind>
class basic_scope_guard : scope_box<EF, scope_guard_fn_tag>, scope_box<Cond, scope_guard_cond_tag> {
    static_assert(std::is_object_v<EF> ||
                      (std::is_lvalue_reference_v<EF> && (std::is_function_v<std::remove_reference_t<EF>> ||
                                                          std::is_object_v<std::remove_reference_t<EF>>)),
                  "lifecycle scope guard: the exit function must be a function object type, or an lvalue reference "
                  "to a function or function object");
    static_assert(!std::is_object_v<EF> || std::is_destructible_v<EF>,
                  "lifecycle scope guard: the exit function must be destructible");
    static_assert(std::is_invocable_v<std::remove_reference_t<EF>&>,
                  "lifecycle scope guard: the exit function must be callable with no arguments");
    static_assert(std::is_object_v<Cond> && std::is_invocable_r_v<bool, Cond&>,
                  "lifecycle scope guard: the condition must be a function object callable with no arguments and "
                  "returning something convertible to bool");

    using fn_box = scope_box<EF, scope_guard_fn_tag>;
    using cond_box = scope_box<Cond, scope_guard_cond_tag>;

    static constexpr bool runs_on_construction_failure = Kind != scope_guard_kind::success;
    static constexpr bool movable = (std::is_nothrow_move_constructible_v<EF> || std::is_copy_constructible_v<EF>) &&
                                    (std::is_nothrow_move_constructible_v<Cond> || std::is_copy_constructible_v<Cond>);
    static constexpr bool nothrow_destructor =
        Kind != scope_guard_kind::success || (std::is_nothrow_invocable_v<std::remove_reference_t<EF>&> &&
                                        std::is_nothrow_invocable_v<Cond&>);

    template <class EFP>
    static constexpr bool accepts =
        !std::is_base_of_v<basic_scope_guard, scope_remove_cvref_t<EFP>> && std::is_constructible_v<EF, EFP>;
    template <class EFP>
    static constexpr bool nothrow_from = std::is_nothrow_constructible_v<EF, EFP> || std::is_nothrow_constructible_v<EF, EFP&>;
    template <class CFP>
    static constexpr bool accepts_condition =
        !std::is_same_v<scope_remove_cvref_t<CFP>, bool> && std::is_constructible_v<Cond, CFP>;
    template <class CFP>
    static constexpr bool nothrow_condition_from =
        std::is_nothrow_constructible_v<Cond, CFP> || std::is_nothrow_constructible_v<Cond, CFP&>;

public:
    template <class EFP, std::enable_if_t<accepts<EFP> && std::is_default_constructible_v<Cond>, int> = 0>
    explicit basic_scope_guard(EFP&& f) noexcept(nothrow_from<EFP> && std::is_nothrow_default_constructible_v<Cond>)
        : basic_scope_guard(scope_guard_init_t{}, std::forward<EFP>(f), true) {}

    template <class EFP, std::enable_if_t<accepts<EFP> && std::is_default_constructible_v<Cond>, int> = 0>
    basic_scope_guard(EFP&& f, bool active) noexcept(nothrow_from<EFP> && std::is_nothrow_default_constructible_v<Cond>)
        : basic_scope_guard(scope_guard_init_t{}, std::forward<EFP>(f), active) {}

    template <class EFP, class CFP, std::enable_if_t<accepts<EFP> && accepts_condition<CFP>, int> = 0>
    basic_scope_guard(EFP&& f, CFP&& c, bool active = true) noexcept(nothrow_from<EFP> && nothrow_condition_from<CFP>)
        : fn_box(scope_in_place_t{}, static_cast<scope_init_arg_t<EF, EFP>>(f),
                 [&] {
                     if (runs_on_construction_failure && active) f();
                 }),
          cond_box(scope_in_place_t{}, static_cast<scope_init_arg_t<Cond, CFP>>(c),
                   [&] {
                       if (runs_on_construction_failure && active) fn_box::get()();
                   }),
          active_(active) {
        static_assert(std::is_nothrow_constructible_v<EF, EFP> || std::is_constructible_v<EF, EFP&>,
                      "lifecycle scope guard: this exit function can only be taken by a move that may throw; pass an "
                      "lvalue (it is copied) or make its move constructor noexcept");
        static_assert(std::is_nothrow_constructible_v<Cond, CFP> || std::is_constructible_v<Cond, CFP&>,
                      "lifecycle scope guard: this condition can only be taken by a move that may throw; pass an "
                      "lvalue (it is copied) or make its move constructor noexcept");
    }

    basic_scope_guard(const basic_scope_guard&) = delete;
    basic_scope_guard& operator=(const basic_scope_guard&) = delete;
    basic_scope_guard& operator=(basic_scope_guard&&) = delete;

    // A move constructor only when the TS allows one (nothrow move or copy).
    basic_scope_guard(std::conditional_t<movable, basic_scope_guard&&, scope_nat&&> rhs) noexcept(
        (std::is_nothrow_move_constructible_v<EF> || std::is_nothrow_copy_constructible_v<EF>) &&
        (std::is_nothrow_move_constructible_v<Cond> || std::is_nothrow_copy_constructible_v<Cond>))
        : fn_box(scope_in_place_t{}, static_cast<scope_move_arg_t<EF>>(rhs.fn_box::get())),
          cond_box(scope_in_place_t{}, static_cast<scope_move_arg_t<Cond>>(rhs.cond_box::get())),
          active_(rhs.active_) {
        rhs.active_ = false;
    }

    ~basic_scope_guard() noexcept(nothrow_destructor) {
        if (active_ && should_run()) fn_box::get()();
    }

    void release() noexcept { active_ = false; }
    void set_active(bool active) noexcept { active_ = active; }
    bool active() const noexcept { return active_; }

private:
    template <class EFP>
    basic_scope_guard(scope_guard_init_t, EFP&& f, bool active)
        : fn_box(scope_in_place_t{}, static_cast<scope_init_arg_t<EF, EFP>>(f),
                 [&] {
                     if (runs_on_construction_failure && active) f();
                 }),
          cond_box(scope_default_t{}, [&] {
              if (runs_on_construction_failure && active) fn_box::get()();
          }),
          active_(active) {
        static_assert(std::is_nothrow_constructible_v<EF, EFP> || std::is_constructible_v<EF, EFP&>,
                      "lifecycle scope guard: this exit function can only be taken by a move that may throw; pass an "
                      "lvalue (it is copied) or make its move constructor noexcept");
        // Boost.Scope refuses these too: a value-initialized pointer is null.
        static_assert(!std::is_pointer_v<Cond>,
                      "lifecycle scope guard: a condition of pointer type must be passed to the constructor, as in "
                      "(f, cond) or (f, cond, active): its default, a null pointer, cannot be called at scope exit");
    }

    bool should_run() noexcept(nothrow_destructor) {
        if constexpr (Kind == scope_guard_kind::success) return !static_cast<bool>(cond_box::get()());
        else return static_cast<bool>(cond_box::get()());
    }

    bool active_;
};

} // namespace detail

/// Calls its exit function when the scope ends, however it ends (TS
/// scope_exit) — and, with a condition function `Cond`, only if Cond returns true.
///
/// Constructors: `scope_exit(f)` (TS, explicit), `scope_exit(f, active)`,
/// `scope_exit(f, cond, active = true)`. The first two value-initialize the
/// condition: they require a default-constructible Cond that is not a
/// pointer, since a null pointer to function cannot be called; a pointer
/// condition must be passed (as in Boost.Scope; a static_assert says so).
/// Effects (TS): the exit function is initialized from std::forward<EFP>(f) if
/// that cannot throw, else from f (a copy); if that initialization (or the
/// condition's) throws, calls f() when `active` and rethrows.
/// Constraints: EF is constructible from EFP and EFP is not a scope_exit.
/// An rvalue that could only be moved with a throwing move is refused.
/// Move (TS): moves the exit function if that cannot throw, else copies it;
/// the source is released. Not copyable, not assignable.
/// Destructor (TS: noexcept): calls the exit function if active and Cond()
/// is true; an exception from it calls std::terminate.
/// release() (TS), set_active(bool), active() (Boost.Scope).
template <class EF, class Cond = always_true>
class [[nodiscard]] scope_exit final : private detail::basic_scope_guard<EF, Cond, detail::scope_guard_kind::exit> {
    using base = detail::basic_scope_guard<EF, Cond, detail::scope_guard_kind::exit>;

public:
    using base::base;
    using base::active;
    using base::release;
    using base::set_active;
};

/// Calls its exit function when the scope ends by an exception (TS
/// scope_fail: more uncaught exceptions than at construction) — or, with a
/// condition function, when Cond returns true (e.g. check_error_code(ec)).
/// Constructors, move, release(), set_active(), active(): as scope_exit.
/// Destructor (TS: noexcept): an exception from the exit function calls std::terminate.
template <class EF, class Cond = exception_checker>
class [[nodiscard]] scope_fail final : private detail::basic_scope_guard<EF, Cond, detail::scope_guard_kind::fail> {
    using base = detail::basic_scope_guard<EF, Cond, detail::scope_guard_kind::fail>;

public:
    using base::base;
    using base::active;
    using base::release;
    using base::set_active;
};

/// Calls its exit function when the scope ends normally (TS scope_success: no
/// more uncaught exceptions than at construction) — or, with a condition
/// function, when Cond returns false.
/// Constructors, move, release(), set_active(), active(): as scope_exit,
/// except that a throwing copy of f in a constructor does not call f (TS).
/// Destructor (TS): noexcept(noexcept(exit_function()) && noexcept(cond()));
/// an exception from the exit function propagates.
template <class EF, class Cond = exception_checker>
class [[nodiscard]] scope_success final : private detail::basic_scope_guard<EF, Cond, detail::scope_guard_kind::success> {
    using base = detail::basic_scope_guard<EF, Cond, detail::scope_guard_kind::success>;

public:
    using base::base;
    using base::active;
    using base::release;
    using base::set_active;
};

/// Deduction guide (the TS's and Boost.Scope's).
template <class EF>
scope_exit(EF) -> scope_exit<EF>;
/// Deduction guide (the TS's and Boost.Scope's).
template <class EF>
scope_exit(EF, bool) -> scope_exit<EF>;
/// Deduction guide (the TS's and Boost.Scope's).
template <class EF, class Cond, detail::scope_condition_t<Cond> = 0>
scope_exit(EF, Cond) -> scope_exit<EF, Cond>;
/// Deduction guide (the TS's and Boost.Scope's).
template <class EF, class Cond>
scope_exit(EF, Cond, bool) -> scope_exit<EF, Cond>;

/// Deduction guide (the TS's and Boost.Scope's).
template <class EF>
scope_fail(EF) -> scope_fail<EF>;
/// Deduction guide (the TS's and Boost.Scope's).
template <class EF>
scope_fail(EF, bool) -> scope_fail<EF>;
/// Deduction guide (the TS's and Boost.Scope's).
template <class EF, class Cond, detail::scope_condition_t<Cond> = 0>
scope_fail(EF, Cond) -> scope_fail<EF, Cond>;
/// Deduction guide (the TS's and Boost.Scope's).
template <class EF, class Cond>
scope_fail(EF, Cond, bool) -> scope_fail<EF, Cond>;

/// Deduction guide (the TS's and Boost.Scope's).
template <class EF>
scope_success(EF) -> scope_success<EF>;
/// Deduction guide (the TS's and Boost.Scope's).
template <class EF>
scope_success(EF, bool) -> scope_success<EF>;
/// Deduction guide (the TS's and Boost.Scope's).
template <class EF, class Cond, detail::scope_condition_t<Cond> = 0>
scope_success(EF, Cond) -> scope_success<EF, Cond>;
/// Deduction guide (the TS's and Boost.Scope's).
template <class EF, class Cond>
scope_success(EF, Cond, bool) -> scope_success<EF, Cond>;

/// The defer guard (Boost.Scope's defer_guard): calls its exit function when
/// the scope ends, always. It cannot be released, moved or copied, so it
/// holds nothing but the function: sizeof(defer_guard<F>) == sizeof(F) for a
/// non-empty F. The constructor is implicit so that LIFECYCLE_DEFER can use
/// copy-initialization; a throwing copy of f calls f() and rethrows. The
/// destructor is noexcept: an exception from the exit function calls std::terminate.
///
///   LIFECYCLE_DEFER [&] { std::fclose(f); };
template <class EF>
class [[nodiscard]] defer_guard final : private detail::scope_box<EF, detail::scope_guard_fn_tag> {
    static_assert(std::is_object_v<EF> ||
                      (std::is_lvalue_reference_v<EF> && (std::is_function_v<std::remove_reference_t<EF>> ||
                                                          std::is_object_v<std::remove_reference_t<EF>>)),
                  "lifecycle::defer_guard: the exit function must be a function object type, or an lvalue reference "
                  "to a function or function object");
    static_assert(std::is_invocable_v<std::remove_reference_t<EF>&>,
                  "lifecycle::defer_guard: the exit function must be callable with no arguments");
    using fn_box = detail::scope_box<EF, detail::scope_guard_fn_tag>;

public:
    template <class EFP, std::enable_if_t<!std::is_same_v<detail::scope_remove_cvref_t<EFP>, defer_guard> &&
                                              std::is_constructible_v<EF, EFP>,
                                          int> = 0>
    /// Effects: takes `f` (moved if that cannot throw, else copied); if that throws, calls `f()` and rethrows.
    defer_guard(EFP&& f) noexcept(std::is_nothrow_constructible_v<EF, EFP> || std::is_nothrow_constructible_v<EF, EFP&>)
        : fn_box(detail::scope_in_place_t{}, static_cast<detail::scope_init_arg_t<EF, EFP>>(f), [&] { f(); }) {
        static_assert(std::is_nothrow_constructible_v<EF, EFP> || std::is_constructible_v<EF, EFP&>,
                      "lifecycle::defer_guard: this exit function can only be taken by a move that may throw; pass an "
                      "lvalue (it is copied) or make its move constructor noexcept");
    }

    defer_guard(const defer_guard&) = delete;
    defer_guard& operator=(const defer_guard&) = delete;

    ~defer_guard() noexcept { fn_box::get()(); }
};

/// Deduction guide (the TS's and Boost.Scope's).
template <class EF>
defer_guard(EF) -> defer_guard<EF>;

LIFECYCLE_END_NAMESPACE

#define LIFECYCLE_DETAIL_SCOPE_CAT_(a, b) a##b
#define LIFECYCLE_DETAIL_SCOPE_CAT(a, b) LIFECYCLE_DETAIL_SCOPE_CAT_(a, b)
#ifdef __COUNTER__
#    define LIFECYCLE_DETAIL_SCOPE_UNIQUE(prefix) LIFECYCLE_DETAIL_SCOPE_CAT(prefix, __COUNTER__)
#else
#    define LIFECYCLE_DETAIL_SCOPE_UNIQUE(prefix) LIFECYCLE_DETAIL_SCOPE_CAT(prefix, __LINE__)
#endif

/// Runs the callable that follows when the enclosing scope ends:
/// `LIFECYCLE_DEFER [&] { cleanup(); };` declares an unnamed defer_guard.
#define LIFECYCLE_DEFER ::lifecycle::defer_guard LIFECYCLE_DETAIL_SCOPE_UNIQUE(lifecycle_defer_guard_) =

#endif // LIFECYCLE_SCOPE_HPP
