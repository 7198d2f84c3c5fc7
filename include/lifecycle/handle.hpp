// SPDX-License-Identifier: BSL-1.0
// lifecycle/handle.hpp — `tracked<Traits>`: the move-only owner of one handle.
//
// A tracked handle owns a raw handle (an fd, a FILE*, a pointer, ...) and
// closes it when destroyed, like std::unique_ptr. In tracking builds it also
// enrolls the resource in the registry with its kind, label and creation site,
// so leak scopes and reports see it.
//
//   lifecycle::tracked_fd fd{::open(path, O_RDONLY), "config"};
//   if (!fd) return;                       // a failed open (-1) is empty: not enrolled, never closed
//   read(fd.get(), buf, n);
//   if (auto ec = fd.close()) log(ec);     // close now and see the error; or let the destructor do it
//
// Guarantees: moves are noexcept and never touch the registry; the owned
// state is cleared before the close function runs, so a failing or throwing
// close is never retried; a failure in the destructor or `reset()` goes to the
// close-error handler (lifecycle/close_error.hpp) and is counted. Not
// thread-safe as an object (like unique_ptr); different handles may be used
// on different threads, and a handle may close on another thread than the one
// that created it. With LIFECYCLE_TRACKING=0, sizeof(tracked<T>) ==
// sizeof(T::handle_type) and nothing but the close function runs.
//
// Ownership diagnostics (lifecycle/ownership.hpp), in tracking builds: a
// second wrapper of a handle another wrapper owns, a close through the wrong
// one, a double close (skipped: the handle is not closed twice), and get() on
// a wrapper that closed, released or gave away its handle are reported with
// their sites.
#ifndef LIFECYCLE_HANDLE_HPP
#define LIFECYCLE_HANDLE_HPP

#include <lifecycle/config.hpp>
#include <lifecycle/close_failure.hpp>
#include <lifecycle/detail/enrollment.hpp>
#include <lifecycle/detail/exceptions.hpp>
#include <lifecycle/source_site.hpp>
#include <lifecycle/traits.hpp>

#include <atomic>
#include <exception>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>

LIFECYCLE_BEGIN_NAMESPACE

namespace detail {

#if LIFECYCLE_TRACKING
/// The kind record for a traits type, registered on first use. Inlined: a
/// load and a test (the slot is constant-initialized: no guard, and no
/// exception handling in the creating function). Returns: nullptr if the
/// kind cannot be registered (out of memory).
template <class Traits>
LIFECYCLE_DETAIL_ALWAYS_INLINE const kind_info* kind_of() noexcept {
    static std::atomic<const kind_info*> slot{nullptr};
    const kind_info* k = slot.load(std::memory_order_acquire);
    if (LIFECYCLE_DETAIL_LIKELY(k != nullptr)) return k;
    k = register_kind_noexcept(Traits::kind_name(), traits_ops<Traits>::close_call(), traits_ops<Traits>::identity_domain());
    if (k) slot.store(k, std::memory_order_release);
    return k;
}
#endif

/// What `tracked<Traits>` does that depends on its traits: enrolling a
/// handle's properties and calling its close function. The rest is the
/// enrollment component's (detail/enrollment.hpp), shared by every owner.
template <class Traits>
struct handle_ops {
    using ops = traits_ops<Traits>;
    using handle_type = typename ops::handle_type;

    // Inlined into tracked's constructor, itself inlined into the creating
    // function: the stack is captured in the creator's frame, so the unwind
    // walks no frame of lifecycle's.
    LIFECYCLE_DETAIL_ALWAYS_INLINE static token enroll(const handle_type& h, std::string_view label,
                                                       const source_site& site) noexcept {
#if LIFECYCLE_TRACKING
        enrollment_of what;
        what.identity = ops::identity(h);
        what.claims = ops::has_identity;
        what.weight = ops::weight(h);
        what.os_fd = ops::native_fd(h);
        return detail::enroll(kind_of<Traits>(), what, label, site);
#else
        (void)h, (void)label, (void)site;
        return {};
#endif
    }

    static void release(token t) noexcept {
#if LIFECYCLE_TRACKING
        retire(t, ending::released);
#else
        (void)t;
#endif
    }

    static void finish(token t, const std::error_code& ec) noexcept {
#if LIFECYCLE_TRACKING
        detail::finish(t, ec && !t ? kind_of<Traits>() : nullptr, ec);
#else
        (void)t, (void)ec;
#endif
    }

    static bool closed_elsewhere(token t, const source_site& at) noexcept {
#if LIFECYCLE_TRACKING
        return detail::closed_elsewhere(t, at);
#else
        (void)t, (void)at;
        return false;
#endif
    }

    static void report(token t, const std::error_code& ec, std::string_view what) noexcept {
        report_failure(t, Traits::kind_name(), ec, what);
    }

    /// Closes `h`, owned by `t`; never throws; failures go to the handler.
    static void close_quietly(handle_type h, token t, const source_site& at) noexcept {
        if (closed_elsewhere(t, at)) return finish(t, {}); // reported as an ownership problem; nothing failed to close
        std::error_code ec;
        if constexpr (ops::nothrow_close) {
            ec = ops::close(std::move(h));
            if (ec) report(t, ec, {});
        } else {
            LIFECYCLE_DETAIL_TRY {
                ec = ops::close(std::move(h));
                if (ec) report(t, ec, {});
            } LIFECYCLE_DETAIL_CATCH(const std::exception& e) {
                ec = make_error_code(lifecycle_errc::close_threw);
                report(t, ec, e.what());
            } LIFECYCLE_DETAIL_CATCH_ALL {
                ec = make_error_code(lifecycle_errc::close_threw);
                report(t, ec, "an exception not derived from std::exception");
            }
        }
        finish(t, ec);
    }

    /// Closes `h`, owned by `t`; returns the error; an exception from the
    /// close function is counted as a failure and propagates.
    static std::error_code close_loudly(handle_type h, token t, const source_site& at) noexcept(ops::nothrow_close) {
        if (closed_elsewhere(t, at)) {
            finish(t, {}); // retired as closed: the handle is closed, by the other wrapper
            return make_error_code(lifecycle_errc::closed_elsewhere);
        }
        if constexpr (ops::nothrow_close) {
            std::error_code ec = ops::close(std::move(h));
            finish(t, ec);
            return ec;
        } else {
            std::error_code ec;
            LIFECYCLE_DETAIL_TRY {
                ec = ops::close(std::move(h));
            } LIFECYCLE_DETAIL_CATCH_ALL {
                finish(t, make_error_code(lifecycle_errc::close_threw));
                LIFECYCLE_DETAIL_RETHROW;
            }
            finish(t, ec);
            return ec;
        }
    }
};

} // namespace detail

template <class Traits>
class tracked;

namespace detail {
/// Returns: true if `h` holds a handle that another wrapper already closed
/// (a stale owner: the number may belong to a new resource by now).
template <class Traits>
bool holds_stale(const tracked<Traits>& h) noexcept;
} // namespace detail

/// The move-only owner of one handle described by `Traits` (lifecycle/traits.hpp).
template <class Traits>
class tracked {
    using ops = traits_ops<Traits>;
    using closer_type = detail::handle_ops<Traits>;
    using token = detail::token;

public:
    /// The handle traits.
    using traits_type = Traits;
    /// The raw handle type (`Traits::handle_type`).
    using handle_type = typename ops::handle_type;

    /// Effects: an empty handle.
    tracked() noexcept : handle_(Traits::invalid()) {}

    /// Effects: takes ownership of `h`. A valid handle is enrolled with `label`
    /// and `site` (the caller's location unless given); an invalid one (-1,
    /// nullptr, ...) makes an empty wrapper that enrolls and closes nothing.
    /// A handle another live wrapper owns is reported (ownership.hpp).
    /// Throws: nothing; if the registry cannot allocate, the handle is owned untracked.
    LIFECYCLE_DETAIL_ALWAYS_INLINE explicit tracked(handle_type h, std::string_view label = {},
                                                    source_site site = source_site::current()) noexcept
        : handle_(std::move(h)) {
        if (ops::is_valid(handle_)) put_token(closer_type::enroll(handle_, label, site));
        else handle_ = Traits::invalid();
    }

    tracked(const tracked&) = delete;
    tracked& operator=(const tracked&) = delete;

    /// Effects: takes `other`'s handle and record; `other` is left empty (and
    /// remembers that it was moved from). The registry is not touched.
    tracked(tracked&& other) noexcept
        : handle_(std::exchange(other.handle_, Traits::invalid())) {
        take_state(other);
    }

    /// Effects: closes the handle held (failures to the handler), then takes
    /// `other`'s. Self-move does nothing.
    tracked& operator=(tracked&& other) noexcept {
        if (this != &other) {
            close_unobserved();
            handle_ = std::exchange(other.handle_, Traits::invalid());
            take_state(other);
        }
        return *this;
    }

    /// Effects: closes the handle if one is held; a failure goes to the close-error handler.
    LIFECYCLE_DETAIL_ALWAYS_INLINE ~tracked() { close_unobserved(); }

    /// Returns: the raw handle, or `Traits::invalid()` when empty. Ownership stays here.
    /// In tracking builds, a call on a wrapper that closed, released or gave
    /// away its handle is reported as a use after close (ownership.hpp),
    /// then returns `Traits::invalid()` as always; a wrapper that never
    /// owned anything is not reported.
    handle_type get() const noexcept {
        check_use();
        return handle_;
    }

    /// Returns: true when a handle is held.
    explicit operator bool() const noexcept { return ops::is_valid(handle_); }

    /// Effects: gives up ownership without closing; the record is retired as released.
    /// Returns: the handle (invalid when empty).
    [[nodiscard]] handle_type release(source_site at = source_site::current()) noexcept {
        token t = take_token();
        const end_info e = ending_of(t);
        closer_type::release(t);
        remember(e, detail::ending::released, at);
        return std::exchange(handle_, Traits::invalid());
    }

    /// Effects: closes the handle held, if any; a failure goes to the
    /// close-error handler. Postcondition: empty.
    void reset(source_site at = source_site::current()) noexcept {
        if (!ops::is_valid(handle_)) return;
        handle_type h = std::exchange(handle_, Traits::invalid());
        token t = take_token();
        const end_info e = ending_of(t);
        closer_type::close_quietly(std::move(h), t, at);
        remember(e, detail::ending::closed, at);
    }

    /// Effects: if `h` is the handle already held, nothing (it is never closed
    /// twice); otherwise closes the held handle as `reset()` does and takes
    /// ownership of `h` as the constructor does. A wrapper whose handle
    /// another wrapper closed holds a number that a new resource may have
    /// by now: `h` equal to it is that new resource, and is taken.
    void reset(handle_type h, std::string_view label = {}, source_site site = source_site::current()) noexcept {
        if (ops::is_valid(handle_) && ops::same(h, handle_) && !detail::holds_stale(*this)) return;
        if (ops::is_valid(handle_)) {
            handle_type old = std::exchange(handle_, Traits::invalid());
            closer_type::close_quietly(std::move(old), take_token(), site);
        }
        if (ops::is_valid(h)) {
            handle_ = std::move(h);
            put_token(closer_type::enroll(handle_, label, site));
        }
    }

    /// Effects: closes the handle now; the wrapper is empty before the close
    /// function runs. On an empty wrapper: nothing, returns no error.
    /// Returns: the close function's error; `lifecycle_errc::closed_elsewhere`
    /// (and no close) if another wrapper already closed the same handle.
    /// Throws: what the close function throws (counted as a close failure first).
    std::error_code close(source_site at = source_site::current()) noexcept(ops::nothrow_close) {
        if (!ops::is_valid(handle_)) return {};
        handle_type h = std::exchange(handle_, Traits::invalid());
        token t = take_token();
        const end_info e = ending_of(t);
        std::error_code ec = closer_type::close_loudly(std::move(h), t, at);
        remember(e, detail::ending::closed, at);
        return ec;
    }

    /// Effects: exchanges handles and records; the registry is not touched.
    void swap(tracked& other) noexcept {
        using std::swap;
        swap(handle_, other.handle_);
#if LIFECYCLE_TRACKING
        swap(state_, other.state_);
#endif
    }
    /// Effects: a.swap(b).
    friend void swap(tracked& a, tracked& b) noexcept { a.swap(b); }

    template <class T>
    /// See the free function keep_alive().
    friend void keep_alive(const tracked<T>& h, std::string_view reason);
    template <class T>
    /// Internal (the closer asks whether another wrapper closed this handle).
    friend bool detail::holds_stale(const tracked<T>& h) noexcept;

    /// Returns: the label given at creation; empty when untracked or empty.
    std::string_view label() const noexcept {
#if LIFECYCLE_TRACKING
        if (const detail::record* r = live_record()) return detail::label_of(r);
#endif
        return {};
    }

    /// Returns: where the handle was created; unknown when untracked, empty,
    /// or created with capture off.
    source_site site() const noexcept {
#if LIFECYCLE_TRACKING
        if (const detail::record* r = live_record()) return detail::site_of(r);
#endif
        return {};
    }

    /// Pointer-like access for pointer handles (tracked_ptr).
    template <class H = handle_type, std::enable_if_t<std::is_pointer_v<H>, int> = 0>
    H operator->() const noexcept {
        check_use();
        return handle_;
    }
    /// Dereference for pointer handles to a complete type (tracked_ptr); checked
    /// like get() (a use after close is an ownership problem).
    /// Dereference for pointer handles to a complete type (tracked_ptr); checked
    /// like get() (a use after close is an ownership problem).
    template <class H = handle_type, std::enable_if_t<std::is_pointer_v<H> && !std::is_void_v<std::remove_pointer_t<H>>, int> = 0>
    std::add_lvalue_reference_t<std::remove_pointer_t<H>> operator*() const noexcept {
        check_use();
        return *handle_;
    }

private:
    // The destructor's and move-assignment's close: no site, nothing remembered.
    LIFECYCLE_DETAIL_ALWAYS_INLINE void close_unobserved() noexcept {
        if (!ops::is_valid(handle_)) return;
        handle_type h = std::exchange(handle_, Traits::invalid());
        closer_type::close_quietly(std::move(h), take_token(), source_site{});
    }

    handle_type handle_;
#if LIFECYCLE_TRACKING
    // A live record, or a tombstone (closed, released, moved from) tagged
    // with the low bit, or 0.
    std::uintptr_t state_ = 0;

    struct end_info {
        const detail::kind_info* kind = nullptr;
        source_site created{};
    };
    static end_info ending_of(token t) noexcept {
        return t ? end_info{detail::kind_of_record(t), detail::site_of(t)} : end_info{};
    }

    const detail::record* live_record() const noexcept {
        return (state_ & 1) ? nullptr : reinterpret_cast<const detail::record*>(state_);
    }
    token take_token() noexcept {
        const std::uintptr_t s = std::exchange(state_, 0);
        return (s & 1) ? nullptr : reinterpret_cast<token>(s);
    }
    void put_token(token t) noexcept { state_ = reinterpret_cast<std::uintptr_t>(t); }
    // A live record moves, and the source remembers it was moved from; a
    // tombstone stays with the wrapper that closed (the target did nothing).
    void take_state(tracked& other) noexcept {
        if (other.state_ != 0 && !(other.state_ & 1)) {
            state_ = std::exchange(other.state_, reinterpret_cast<std::uintptr_t>(&detail::moved_from_marker) | 1);
        } else {
            state_ = 0;
        }
    }
    // After an explicit close, release or reset of an enrolled handle: keep a
    // tombstone, so a later get() can say where the handle went.
    void remember(const end_info& e, detail::ending how, const source_site& at) noexcept {
        if (const detail::tombstone* t = detail::remember(e.kind, how, e.created, at))
            state_ = reinterpret_cast<std::uintptr_t>(t) | 1;
    }
    void check_use() const noexcept {
        if (LIFECYCLE_DETAIL_UNLIKELY(state_ & 1)) used_after_end();
    }
    // The use site comes from the stack: get() stays a plain accessor.
    void used_after_end() const noexcept {
        detail::report_use_after_end(reinterpret_cast<const detail::tombstone*>(state_ & ~std::uintptr_t(1)));
    }
#else
    // Compiled out: no member, so sizeof(tracked) == sizeof(handle_type).
    struct end_info {};
    static end_info ending_of(token) noexcept { return {}; }
    static token take_token() noexcept { return {}; }
    static void put_token(token) noexcept {}
    static void take_state(tracked&) noexcept {}
    static void remember(const end_info&, detail::ending, const source_site&) noexcept {}
    static void check_use() noexcept {}
#endif
};

template <class Traits>
bool detail::holds_stale(const tracked<Traits>& h) noexcept {
#if LIFECYCLE_TRACKING
    return h && detail::stale(h.live_record());
#else
    (void)h;
    return false;
#endif
}

/// Effects: marks the resource `h` holds as intentionally long-lived: leak
/// scopes and the at-exit report count it under `reason` instead of
/// reporting it. Nothing when empty or untracked.
/// Throws: std::invalid_argument if `reason` is empty.
template <class Traits>
void keep_alive(const tracked<Traits>& h, std::string_view reason) {
    if (reason.empty()) LIFECYCLE_DETAIL_THROW(std::invalid_argument("lifecycle::keep_alive: give a reason (it is printed in reports)"));
#if LIFECYCLE_TRACKING
    if (const detail::record* r = h.live_record()) detail::keep(const_cast<detail::record*>(r), reason);
#else
    (void)h;
#endif
}

/// A POSIX file descriptor (closes with close(2)).
using tracked_fd = tracked<fd_traits>;
/// A socket descriptor, reported as "socket".
using tracked_socket = tracked<socket_traits>;
/// A C stream (closes with fclose(3)).
using tracked_file = tracked<file_traits>;
/// A directory stream (closes with closedir(3)).
using tracked_dir = tracked<dir_traits>;
/// A memory mapping (munmap(2)); weighs its length.
using tracked_mapping = tracked<mapping_traits>;
/// An owning heap pointer (delete).
template <class T>
using tracked_ptr = tracked<heap_traits<T>>;

LIFECYCLE_END_NAMESPACE

#endif // LIFECYCLE_HANDLE_HPP
