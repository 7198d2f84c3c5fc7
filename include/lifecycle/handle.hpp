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
#ifndef LIFECYCLE_HANDLE_HPP
#define LIFECYCLE_HANDLE_HPP

#include <lifecycle/config.hpp>
#include <lifecycle/close_error.hpp>
#include <lifecycle/registry.hpp>
#include <lifecycle/source_site.hpp>
#include <lifecycle/traits.hpp>

#include <exception>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>

LIFECYCLE_BEGIN_NAMESPACE

namespace detail {

#if LIFECYCLE_TRACKING
/// The kind record for a traits type, registered on first use.
template <class Traits>
const kind_info* kind_of() {
    static const kind_info* k = instance().register_kind(Traits::kind_name(), traits_ops<Traits>::close_call());
    return k;
}
#endif

template <class Traits>
struct handle_closer {
    using ops = traits_ops<Traits>;
    using handle_type = typename ops::handle_type;

#if LIFECYCLE_TRACKING
    using token = record*;
#else
    struct token {};
#endif

    static token enroll(const handle_type& h, std::string_view label, const source_site& site) noexcept {
#if LIFECYCLE_TRACKING
        try {
            return instance().enroll(kind_of<Traits>(), ops::identity(h), ops::weight(h), label, site);
        } catch (...) {
            return nullptr; // the kind could not be registered (out of memory): stay untracked
        }
#else
        (void)h, (void)label, (void)site;
        return {};
#endif
    }

    static void release(token t) noexcept {
#if LIFECYCLE_TRACKING
        if (t) instance().retire(t, registry::retire_how::released);
#else
        (void)t;
#endif
    }

    static void finish(token t, const std::error_code& ec) noexcept {
#if LIFECYCLE_TRACKING
        if (t) instance().retire(t, ec ? registry::retire_how::close_failed : registry::retire_how::closed);
        else if (ec) {
            try {
                instance().count_untracked_failure(kind_of<Traits>());
            } catch (...) {
            }
        }
#else
        (void)t, (void)ec;
#endif
    }

    // Tells the handler, with what the record knows; used where no caller can
    // receive the error (destructor, reset).
    static void report(token t, const std::error_code& ec, std::string_view what) noexcept {
        close_failure f;
        f.error = ec;
        f.what = what;
#if LIFECYCLE_TRACKING
        if (t) {
            f.kind = t->kind->name;
            f.label = t->label.view();
            f.site = t->site;
        } else {
            f.kind = Traits::kind_name();
        }
#else
        (void)t;
        f.kind = Traits::kind_name();
#endif
        report_close_failure(f);
    }

    /// Closes `h`, owned by `t`; never throws; failures go to the handler.
    static void close_quietly(handle_type h, token t) noexcept {
        std::error_code ec;
        if constexpr (ops::nothrow_close) {
            ec = ops::close(std::move(h));
            if (ec) report(t, ec, {});
        } else {
            try {
                ec = ops::close(std::move(h));
                if (ec) report(t, ec, {});
            } catch (const std::exception& e) {
                ec = make_error_code(lifecycle_errc::close_threw);
                report(t, ec, e.what());
            } catch (...) {
                ec = make_error_code(lifecycle_errc::close_threw);
                report(t, ec, "an exception not derived from std::exception");
            }
        }
        finish(t, ec);
    }

    /// Closes `h`, owned by `t`; returns the error; an exception from the
    /// close function is counted as a failure and propagates.
    static std::error_code close_loudly(handle_type h, token t) noexcept(ops::nothrow_close) {
        if constexpr (ops::nothrow_close) {
            std::error_code ec = ops::close(std::move(h));
            finish(t, ec);
            return ec;
        } else {
            std::error_code ec;
            try {
                ec = ops::close(std::move(h));
            } catch (...) {
                finish(t, make_error_code(lifecycle_errc::close_threw));
                throw;
            }
            finish(t, ec);
            return ec;
        }
    }
};

} // namespace detail

/// The move-only owner of one handle described by `Traits` (lifecycle/traits.hpp).
template <class Traits>
class tracked {
    using ops = traits_ops<Traits>;
    using closer_type = detail::handle_closer<Traits>;
    using token = typename closer_type::token;

public:
    using traits_type = Traits;
    using handle_type = typename ops::handle_type;

    /// Effects: an empty handle.
    tracked() noexcept : handle_(Traits::invalid()) {}

    /// Effects: takes ownership of `h`. A valid handle is enrolled with `label`
    /// and `site` (the caller's location unless given); an invalid one (-1,
    /// nullptr, ...) makes an empty wrapper that enrolls and closes nothing.
    /// Throws: nothing; if the registry cannot allocate, the handle is owned untracked.
    explicit tracked(handle_type h, std::string_view label = {},
                     source_site site = source_site::current()) noexcept
        : handle_(std::move(h)) {
        if (ops::is_valid(handle_)) put_token(closer_type::enroll(handle_, label, site));
        else handle_ = Traits::invalid();
    }

    tracked(const tracked&) = delete;
    tracked& operator=(const tracked&) = delete;

    /// Effects: takes `other`'s handle and record; `other` is left empty.
    /// The registry is not touched.
    tracked(tracked&& other) noexcept
        : handle_(std::exchange(other.handle_, Traits::invalid())) {
        put_token(other.take_token());
    }

    /// Effects: closes the handle held (failures to the handler), then takes
    /// `other`'s. Self-move does nothing.
    tracked& operator=(tracked&& other) noexcept {
        if (this != &other) {
            reset();
            handle_ = std::exchange(other.handle_, Traits::invalid());
            put_token(other.take_token());
        }
        return *this;
    }

    /// Effects: closes the handle if one is held; a failure goes to the close-error handler.
    ~tracked() { reset(); }

    /// Returns: the raw handle, or `Traits::invalid()` when empty. Ownership stays here.
    handle_type get() const noexcept { return handle_; }

    /// Returns: true when a handle is held.
    explicit operator bool() const noexcept { return ops::is_valid(handle_); }

    /// Effects: gives up ownership without closing; the record is retired as released.
    /// Returns: the handle (invalid when empty).
    [[nodiscard]] handle_type release() noexcept {
        closer_type::release(take_token());
        return std::exchange(handle_, Traits::invalid());
    }

    /// Effects: closes the handle held, if any; a failure goes to the
    /// close-error handler. Postcondition: empty.
    void reset() noexcept {
        if (!ops::is_valid(handle_)) return;
        handle_type h = std::exchange(handle_, Traits::invalid());
        closer_type::close_quietly(std::move(h), take_token());
    }

    /// Effects: if `h` is the handle already held, nothing (it is never closed
    /// twice); otherwise closes the held handle as `reset()` does and takes
    /// ownership of `h` as the constructor does.
    void reset(handle_type h, std::string_view label = {}, source_site site = source_site::current()) noexcept {
        if (ops::is_valid(handle_) && ops::same(h, handle_)) return;
        reset();
        if (ops::is_valid(h)) {
            handle_ = std::move(h);
            put_token(closer_type::enroll(handle_, label, site));
        }
    }

    /// Effects: closes the handle now; the wrapper is empty before the close
    /// function runs. On an empty wrapper: nothing, returns no error.
    /// Returns: the close function's error. Throws: what the close function throws
    /// (counted as a close failure first).
    std::error_code close() noexcept(ops::nothrow_close) {
        if (!ops::is_valid(handle_)) return {};
        handle_type h = std::exchange(handle_, Traits::invalid());
        return closer_type::close_loudly(std::move(h), take_token());
    }

    /// Effects: exchanges handles and records; the registry is not touched.
    void swap(tracked& other) noexcept {
        using std::swap;
        swap(handle_, other.handle_);
        token mine = take_token();
        put_token(other.take_token());
        other.put_token(mine);
    }
    friend void swap(tracked& a, tracked& b) noexcept { a.swap(b); }

    /// Returns: the label given at creation; empty when untracked or empty.
    std::string_view label() const noexcept {
#if LIFECYCLE_TRACKING
        if (token_) return token_->label.view();
#endif
        return {};
    }

    /// Returns: where the handle was created; unknown when untracked, empty,
    /// or created with capture off.
    source_site site() const noexcept {
#if LIFECYCLE_TRACKING
        if (token_) return token_->site;
#endif
        return {};
    }

    /// Pointer-like access for pointer handles (tracked_ptr).
    template <class H = handle_type, std::enable_if_t<std::is_pointer_v<H>, int> = 0>
    H operator->() const noexcept { return handle_; }
    template <class H = handle_type, std::enable_if_t<std::is_pointer_v<H> && !std::is_void_v<std::remove_pointer_t<H>>, int> = 0>
    std::add_lvalue_reference_t<std::remove_pointer_t<H>> operator*() const noexcept { return *handle_; }

private:
    handle_type handle_;
#if LIFECYCLE_TRACKING
    token token_ = nullptr;
    token take_token() noexcept { return std::exchange(token_, nullptr); }
    void put_token(token t) noexcept { token_ = t; }
#else
    // Compiled out: no member, so sizeof(tracked) == sizeof(handle_type).
    static token take_token() noexcept { return {}; }
    static void put_token(token) noexcept {}
#endif
};

/// A POSIX file descriptor (closes with close(2)).
using tracked_fd = tracked<fd_traits>;
/// A socket descriptor, reported as "socket".
using tracked_socket = tracked<socket_traits>;
/// A C stream (closes with fclose(3)).
using tracked_file = tracked<file_traits>;
/// A directory stream (closes with closedir(3)).
using tracked_dir = tracked<dir_traits>;
/// A memory mapping (munmap(2)); weighs its length.
using tracked_mapping = tracked<mmap_traits>;
/// An owning heap pointer (delete).
template <class T>
using tracked_ptr = tracked<pointer_traits<T>>;

LIFECYCLE_END_NAMESPACE

#endif // LIFECYCLE_HANDLE_HPP
