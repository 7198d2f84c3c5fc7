// SPDX-License-Identifier: BSL-1.0
// lifecycle/close_guard.hpp — `close_guard`: a member that makes a user
// class with its own `close()` visible to leak scopes, and reports an object
// destroyed without `close()` (like Android's CloseGuard).
//
//   class dataset {
//   public:
//       explicit dataset(const std::string& path, lifecycle::source_site site = lifecycle::source_site::current())
//           : fd_(::open(path.c_str(), O_RDONLY)), guard_{"dataset", path, site} {}
//       std::error_code close() {
//           if (!guard_.is_open()) return {};                // closing twice is a no-op
//           std::error_code ec = ::close(fd_) == 0 ? std::error_code{} : std::error_code(errno, std::generic_category());
//           guard_.close(ec);                                 // retired; a failure is counted for the kind
//           return ec;
//       }
//       bool is_open() const noexcept { return guard_.is_open(); } // lets a closer see "already closed"
//   private:
//       int fd_;
//       lifecycle::close_guard guard_;
//   };
//
// A guard is open from construction until `close()` (or `release()`). While
// open, it is a live record in the registry with its kind, label and creation
// site, so `leak_scope::check()` lists it. Destroyed (or overwritten by a
// move assignment) while open, it hands the close-error handler
// (lifecycle/close_error.hpp) a failure with the error
// `close_guard_errc::destroyed_open`; the default handler prints
//
//   lifecycle: failed to close dataset '/data/a.nc': destroyed without close(), created at load (model.cpp:12)
//
// and the kind's failure count goes up. To capture it in a test, install a
// handler (`lifecycle::set_close_error_handler`) or redirect stderr.
//
// Moves: a guard is movable, so owners stay movable. A move transfers the
// open state and the record (the registry is not touched); the moved-from
// guard is closed and reports nothing. A move assignment onto an open guard
// reports the overwritten one as destroyed without close(): an owner's move
// assignment must close() its own resource before taking another's. Copies
// are deleted: one guard stands for one resource.
//
// Cost and modes: with LIFECYCLE_TRACKING=1 a guard is a record pointer and a
// flag; opening costs one registry enrollment. With LIFECYCLE_TRACKING=0 it is
// one bool: is_open(), close() and release() still work, nothing is enrolled
// or reported. Not thread-safe as an object (like tracked handles); guards
// may be created and closed on different threads. Nothing here throws.
#ifndef LIFECYCLE_CLOSE_GUARD_HPP
#define LIFECYCLE_CLOSE_GUARD_HPP

#include <lifecycle/config.hpp>
#include <lifecycle/close_failure.hpp>
#include <lifecycle/detail/enrollment.hpp>
#include <lifecycle/detail/exceptions.hpp>
#include <lifecycle/source_site.hpp>

#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>

LIFECYCLE_BEGIN_NAMESPACE

/// Errors reported by close guards.
enum class close_guard_errc {
    destroyed_open = 1, ///< the guard was destroyed, overwritten or re-opened while open
};

namespace detail {
class close_guard_category_impl final : public std::error_category {
public:
    const char* name() const noexcept override { return "lifecycle.close_guard"; }
    std::string message(int c) const override {
        return static_cast<close_guard_errc>(c) == close_guard_errc::destroyed_open ? "destroyed without close()"
                                                                                      : "unknown close_guard error";
    }
};
} // namespace detail

/// The category of `close_guard_errc`.
inline const std::error_category& close_guard_category() noexcept {
    static const detail::close_guard_category_impl category;
    return category;
}

/// Returns: `e` as a std::error_code of close_guard_category() (makes close_guard_errc an error code enum).
inline std::error_code make_error_code(close_guard_errc e) noexcept { return {static_cast<int>(e), close_guard_category()}; }

#if LIFECYCLE_TRACKING
namespace detail {
// The kind record of a guard's kind name. Guards name their kind at run time,
// so a per-thread cache of the last few kinds (compared by content) spares
// the registry's kinds mutex on the common path.
inline const kind_info* guard_kind(std::string_view name) noexcept {
    constexpr unsigned ways = 4;
    thread_local const kind_info* cache[ways] = {};
    thread_local unsigned next = 0;
    for (const kind_info* k : cache)
        if (k && name_of_kind(k) == name) return k;
    const kind_info* k = register_kind_noexcept(name, "close()", {});
    if (k) cache[next++ % ways] = k;
    return k;
}
} // namespace detail
#endif

/// Stands for one resource of the class it is a member of: open until
/// `close()`, reported when destroyed open. See the header comment.
class close_guard final {
public:
    /// Effects: a guard that is not open (a default-constructed owner that
    /// holds nothing); `open()` arms it.
    constexpr close_guard() noexcept = default;

    /// Effects: an open guard: enrolls a record of kind `kind` with `label`
    /// and `site` (the caller's location unless given), as open() does.
    explicit close_guard(std::string_view kind, std::string_view label = {},
                         source_site site = source_site::current()) noexcept {
        open(kind, label, site);
    }

    close_guard(const close_guard&) = delete;
    close_guard& operator=(const close_guard&) = delete;

    /// Effects: takes `other`'s open state and record; `other` is closed.
    close_guard(close_guard&& other) noexcept
        : open_(std::exchange(other.open_, false))
#if LIFECYCLE_TRACKING
        , record_(std::exchange(other.record_, nullptr))
#endif
    {
    }

    /// Effects: if this guard is open, reports it as destroyed without
    /// close(); then takes `other`'s state. Self-move does nothing.
    close_guard& operator=(close_guard&& other) noexcept {
        if (this != &other) {
            if (open_) destroyed_open();
            open_ = std::exchange(other.open_, false);
#if LIFECYCLE_TRACKING
            record_ = std::exchange(other.record_, nullptr);
#endif
        }
        return *this;
    }

#if LIFECYCLE_TRACKING
    /// Effects: if open, reports "destroyed without close()" to the
    /// close-error handler and retires the record as a failed close.
    ~close_guard() {
        if (open_) destroyed_open();
    }
#else
    ~close_guard() = default;
#endif

    /// Effects: opens the guard: enrolls a record of kind `kind` (a name such
    /// as "dataset"; reports group by it), `label` and `site`. If the guard
    /// was open, the previous resource is first reported as destroyed
    /// without close(). If the registry cannot allocate, the guard is open
    /// but untracked.
    void open(std::string_view kind, std::string_view label = {}, source_site site = source_site::current()) noexcept {
        if (open_) destroyed_open();
        open_ = true;
#if LIFECYCLE_TRACKING
        record_ = detail::enroll(detail::guard_kind(kind), detail::enrollment_of{}, label, site);
#else
        (void)kind, (void)label, (void)site;
#endif
    }

    /// Effects: marks the resource closed and retires its record; a non-empty
    /// `result` (the owner's close error) counts the close as failed for
    /// the kind. Closing a guard that is not open does nothing.
    /// Returns: true if the guard was open (this call closed it).
    bool close(const std::error_code& result = {}) noexcept {
        if (!open_) return false;
        open_ = false;
#if LIFECYCLE_TRACKING
        detail::retire(std::exchange(record_, nullptr), result ? detail::ending::close_failed : detail::ending::closed);
#else
        (void)result;
#endif
        return true;
    }

    /// Effects: gives the resource up without closing it (ownership went
    /// elsewhere); the record is retired as released, nothing is reported.
    /// Returns: true if the guard was open.
    bool release() noexcept {
        if (!open_) return false;
        open_ = false;
#if LIFECYCLE_TRACKING
        detail::retire(std::exchange(record_, nullptr), detail::ending::released);
#endif
        return true;
    }

    /// Returns: true between open and close()/release().
    [[nodiscard]] bool is_open() const noexcept { return open_; }

    /// Returns: the kind given when opened; empty when closed or untracked.
    std::string_view kind() const noexcept {
#if LIFECYCLE_TRACKING
        if (record_) return detail::name_of_kind(detail::kind_of_record(record_));
#endif
        return {};
    }

    /// Returns: the label given when opened; empty when closed or untracked.
    std::string_view label() const noexcept {
#if LIFECYCLE_TRACKING
        if (record_) return detail::label_of(record_);
#endif
        return {};
    }

    /// Returns: where the guard was opened; unknown when closed, untracked
    /// or opened with capture off.
    source_site site() const noexcept {
#if LIFECYCLE_TRACKING
        if (record_) return detail::site_of(record_);
#endif
        return {};
    }

    friend void keep_alive(const close_guard& g, std::string_view reason);

private:
    void destroyed_open() noexcept {
        open_ = false;
#if LIFECYCLE_TRACKING
        // Reported before retiring: the record's label and site are read there.
        detail::report_failure(record_, "close_guard", make_error_code(close_guard_errc::destroyed_open), {}, true);
        detail::retire(std::exchange(record_, nullptr), detail::ending::close_failed);
#endif
    }

    bool open_ = false;
#if LIFECYCLE_TRACKING
    detail::record* record_ = nullptr;
#endif
};

/// Effects: marks the object `g` guards as intentionally long-lived: leak
/// scopes and the at-exit report count it under `reason` instead of
/// reporting it (as keep_alive does for tracked handles). Nothing when closed
/// or untracked. Throws: std::invalid_argument if `reason` is empty.
inline void keep_alive(const close_guard& g, std::string_view reason) {
    if (reason.empty()) LIFECYCLE_DETAIL_THROW(std::invalid_argument("lifecycle::keep_alive: give a reason (it is printed in reports)"));
#if LIFECYCLE_TRACKING
    detail::keep(g.record_, reason);
#else
    (void)g;
#endif
}

LIFECYCLE_END_NAMESPACE

namespace std {
template <>
struct is_error_code_enum<lifecycle::close_guard_errc> : true_type {};
} // namespace std

#endif // LIFECYCLE_CLOSE_GUARD_HPP
