// SPDX-License-Identifier: BSL-1.0
// lifecycle/traits.hpp — handle traits: what a handle is, when it is valid,
// how it closes, and what reports call it.
//
// A traits type is a struct of static members:
//
//   struct sqlite_traits {
//       using handle_type = sqlite3*;                                      // required
//       static constexpr std::string_view kind_name() { return "sqlite3"; } // required
//       static constexpr handle_type invalid() noexcept { return nullptr; } // required
//       static std::error_code close(handle_type h) noexcept {              // required
//           int rc = sqlite3_close(h);
//           return rc == SQLITE_OK ? std::error_code{} : make_sqlite_error(rc);
//       }
//       static constexpr std::string_view close_call() { return "sqlite3_close()"; } // optional
//       static bool is_valid(handle_type h) noexcept { return h != nullptr; }         // optional: != invalid()
//       static std::uint64_t weight(handle_type h) noexcept;                         // optional: bytes held, 0
//       static std::uintptr_t identity(handle_type h) noexcept;                      // optional: the handle's value
//       static constexpr std::string_view identity_domain() { return "sqlite3"; }   // optional: kind_name()
//       static int native_fd(handle_type h) noexcept;                               // optional: the fd it holds, -1
//   };
//   using tracked_db = lifecycle::tracked<sqlite_traits>;
//
// `close` may instead return void, bool (false = failure) or int (0 = success);
// it may throw, and lifecycle reports the exception. Ready traits below: POSIX
// fds and sockets, FILE*, DIR*, mmap regions, owning heap pointers, and
// pointers to objects with a close() member.
//
// Identity (a number naming the underlying object) and its domain let
// ownership diagnostics (lifecycle/ownership.hpp) see two wrappers of one
// handle: kinds with the same identity_domain() share a value space, as fds
// and sockets do ("fd"). Pointer, integer and enum handles have an identity
// by default; other handle types need `identity` to be checked.
#ifndef LIFECYCLE_TRAITS_HPP
#define LIFECYCLE_TRAITS_HPP

#include <lifecycle/config.hpp>
#include <lifecycle/errors.hpp>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>

#include <dirent.h>
#include <sys/mman.h>
#include <unistd.h>

LIFECYCLE_BEGIN_NAMESPACE

namespace detail {

template <class...>
using void_t = void;

template <class T, class = void> struct has_handle_type : std::false_type {};
template <class T> struct has_handle_type<T, void_t<typename T::handle_type>> : std::true_type {};
template <class T, class = void> struct has_kind_name : std::false_type {};
template <class T> struct has_kind_name<T, void_t<decltype(std::string_view(T::kind_name()))>> : std::true_type {};
template <class T, class = void> struct has_invalid : std::false_type {};
template <class T> struct has_invalid<T, void_t<decltype(typename T::handle_type(T::invalid()))>> : std::true_type {};
template <class T, class = void> struct has_close : std::false_type {};
template <class T> struct has_close<T, void_t<decltype(T::close(std::declval<typename T::handle_type>()))>> : std::true_type {};
template <class T, class = void> struct has_is_valid : std::false_type {};
template <class T> struct has_is_valid<T, void_t<decltype(bool(T::is_valid(std::declval<typename T::handle_type>())))>> : std::true_type {};
template <class T, class = void> struct has_close_call : std::false_type {};
template <class T> struct has_close_call<T, void_t<decltype(std::string_view(T::close_call()))>> : std::true_type {};
template <class T, class = void> struct has_weight : std::false_type {};
template <class T> struct has_weight<T, void_t<decltype(std::uint64_t(T::weight(std::declval<typename T::handle_type>())))>> : std::true_type {};
template <class T, class = void> struct has_identity : std::false_type {};
template <class T> struct has_identity<T, void_t<decltype(std::uintptr_t(T::identity(std::declval<typename T::handle_type>())))>> : std::true_type {};
template <class T, class = void> struct has_identity_domain : std::false_type {};
template <class T> struct has_identity_domain<T, void_t<decltype(std::string_view(T::identity_domain()))>> : std::true_type {};
template <class T, class = void> struct has_native_fd : std::false_type {};
template <class T> struct has_native_fd<T, void_t<decltype(int(T::native_fd(std::declval<typename T::handle_type>())))>> : std::true_type {};
template <class T, class = void> struct has_equal : std::false_type {};
template <class T> struct has_equal<T, void_t<decltype(bool(std::declval<const T&>() == std::declval<const T&>()))>> : std::true_type {};

/// Status of `close` results that are plain ints: "close returned N".
class close_status_category_impl final : public std::error_category {
public:
    const char* name() const noexcept override { return "lifecycle.close_status"; }
    std::string message(int c) const override { return "the close function returned " + std::to_string(c); }
};
inline const std::error_category& close_status_category() noexcept {
    static const close_status_category_impl category;
    return category;
}

template <class R>
std::error_code to_error_code(R&& result) noexcept {
    using T = std::decay_t<R>;
    if constexpr (std::is_same_v<T, std::error_code>) return result;
    else if constexpr (std::is_same_v<T, bool>) return result ? std::error_code{} : make_error_code(lifecycle_errc::close_returned_false);
    else if constexpr (std::is_integral_v<T>) return result == 0 ? std::error_code{} : std::error_code(static_cast<int>(result), close_status_category());
    else if constexpr (std::is_error_code_enum_v<T> || std::is_error_condition_enum_v<T>) return make_error_code(result);
    else {
        static_assert(sizeof(T) == 0, "lifecycle: a close function must return void, bool, an integer status (0 = success) or std::error_code");
        return {};
    }
}

} // namespace detail

/// Checks a traits type and supplies the optional members' defaults.
template <class Traits>
struct traits_ops {
    static_assert(detail::has_handle_type<Traits>::value,
                  "lifecycle: handle traits must declare `using handle_type = ...;` (the raw handle: int, FILE*, ...)");
    static_assert(detail::has_kind_name<Traits>::value,
                  "lifecycle: handle traits must declare `static constexpr std::string_view kind_name()` (the kind shown in reports, e.g. \"fd\")");
    static_assert(detail::has_invalid<Traits>::value,
                  "lifecycle: handle traits must declare `static handle_type invalid() noexcept` (the value of an empty handle, e.g. -1 or nullptr)");
    static_assert(detail::has_close<Traits>::value,
                  "lifecycle: handle traits must declare `static std::error_code close(handle_type)` (void, bool or int results are accepted too)");
    static_assert(std::is_nothrow_move_constructible_v<typename Traits::handle_type> &&
                      std::is_nothrow_move_assignable_v<typename Traits::handle_type>,
                  "lifecycle: a handle_type must be nothrow movable");
    static_assert(detail::has_is_valid<Traits>::value || detail::has_equal<typename Traits::handle_type>::value,
                  "lifecycle: handle traits whose handle_type has no operator== must declare `static bool is_valid(handle_type)`");

    using handle_type = typename Traits::handle_type; ///< The raw handle type of `Traits`.

    /// True when `Traits::close` is noexcept.
    static constexpr bool nothrow_close = noexcept(Traits::close(std::declval<handle_type>()));

    /// `Traits::is_valid(h)`, or else `h != Traits::invalid()`.
    static bool is_valid(const handle_type& h) noexcept {
        if constexpr (detail::has_is_valid<Traits>::value) return Traits::is_valid(h);
        else return !(h == Traits::invalid());
    }
    /// The close call named in messages: `Traits::close_call()`, or "close()".
    static std::string_view close_call() noexcept {
        if constexpr (detail::has_close_call<Traits>::value) return Traits::close_call();
        else return "close()";
    }
    /// What a handle weighs in reports (bytes, rows, ...): `Traits::weight(h)`, or 0.
    static std::uint64_t weight(const handle_type& h) noexcept {
        if constexpr (detail::has_weight<Traits>::value) return Traits::weight(h);
        else return 0;
    }
    /// True when handles have an identity: traits' `identity`, or a pointer,
    /// integer or enum handle.
    static constexpr bool has_identity = detail::has_identity<Traits>::value || std::is_pointer_v<handle_type> ||
                                         std::is_integral_v<handle_type> || std::is_enum_v<handle_type>;
    /// Handles of traits with one domain and one identity are one object:
    /// `Traits::identity_domain()`, or else the kind name.
    static std::string_view identity_domain() noexcept {
        if constexpr (detail::has_identity_domain<Traits>::value) return Traits::identity_domain();
        else return Traits::kind_name();
    }
    /// The file descriptor a handle holds (leak_scope's OS cross-check), or -1.
    static int native_fd(const handle_type& h) noexcept {
        if constexpr (detail::has_native_fd<Traits>::value) return Traits::native_fd(h);
        else return -1;
    }
    /// The object a handle names within its domain: `Traits::identity(h)`,
    /// the pointer or the integer value, or 0 (no identity).
    static std::uintptr_t identity(const handle_type& h) noexcept {
        if constexpr (detail::has_identity<Traits>::value) return Traits::identity(h);
        else if constexpr (std::is_pointer_v<handle_type>) return reinterpret_cast<std::uintptr_t>(h);
        else if constexpr (std::is_integral_v<handle_type> || std::is_enum_v<handle_type>) return static_cast<std::uintptr_t>(h);
        else return 0;
    }
    /// True when `a` and `b` are the same handle value.
    static bool same(const handle_type& a, const handle_type& b) noexcept {
        if constexpr (detail::has_equal<handle_type>::value) return a == b;
        else return identity(a) == identity(b) && identity(a) != 0;
    }
    /// Closes `h`; converts the result to an error code. Exceptions propagate.
    static std::error_code close(handle_type h) noexcept(nothrow_close) {
        if constexpr (std::is_void_v<decltype(Traits::close(std::move(h)))>) {
            Traits::close(std::move(h));
            return {};
        } else {
            return detail::to_error_code(Traits::close(std::move(h)));
        }
    }
};

namespace detail {
inline std::error_code errno_code() noexcept { return std::error_code(errno, std::generic_category()); }
} // namespace detail

/// A POSIX file descriptor, closed with close(2). On Linux an EINTR from
/// close still closes the fd, so it is not reported and never retried.
struct fd_traits {
    using handle_type = int; ///< The descriptor number.
    static constexpr std::string_view kind_name() noexcept { return "fd"; } ///< Reported as "fd".
    static constexpr std::string_view close_call() noexcept { return "close()"; } ///< Named in messages.
    /// "fd", shared with sockets: an fd and a socket of one number are one object.
    static constexpr std::string_view identity_domain() noexcept { return "fd"; }
    static constexpr int native_fd(int fd) noexcept { return fd; } ///< The fd itself (OS cross-check).
    static constexpr int invalid() noexcept { return -1; } ///< -1: no descriptor.
    static constexpr bool is_valid(int fd) noexcept { return fd >= 0; } ///< Any non-negative number.
    /// close(2); EINTR counts as closed (Linux), other errors are returned.
    static std::error_code close(int fd) noexcept {
        if (::close(fd) == 0 || errno == EINTR) return {};
        return detail::errno_code();
    }
};

/// A socket descriptor: an fd reported under its own kind.
struct socket_traits : fd_traits {
    static constexpr std::string_view kind_name() noexcept { return "socket"; } ///< Reported as "socket".
};

/// A C stream, closed with fclose(3).
struct file_traits {
    using handle_type = std::FILE*; ///< The stream.
    static constexpr std::string_view kind_name() noexcept { return "FILE*"; } ///< Reported as "FILE*".
    static constexpr std::string_view close_call() noexcept { return "fclose()"; } ///< Named in messages.
    static constexpr std::FILE* invalid() noexcept { return nullptr; } ///< nullptr: no stream.
    static int native_fd(std::FILE* f) noexcept { return ::fileno(f); } ///< fileno(3) (OS cross-check).
    /// fclose(3); its error, if any, from errno.
    static std::error_code close(std::FILE* f) noexcept {
        return std::fclose(f) == 0 ? std::error_code{} : detail::errno_code();
    }
};

/// A directory stream, closed with closedir(3).
struct dir_traits {
    using handle_type = DIR*; ///< The directory stream.
    static constexpr std::string_view kind_name() noexcept { return "DIR*"; } ///< Reported as "DIR*".
    static constexpr std::string_view close_call() noexcept { return "closedir()"; } ///< Named in messages.
    static constexpr DIR* invalid() noexcept { return nullptr; } ///< nullptr: no stream.
    static int native_fd(DIR* d) noexcept { return ::dirfd(d); } ///< dirfd(3) (OS cross-check).
    /// closedir(3); its error, if any, from errno.
    static std::error_code close(DIR* d) noexcept {
        return ::closedir(d) == 0 ? std::error_code{} : detail::errno_code();
    }
};

/// A memory mapping from mmap(2); its weight is its length.
struct mapping {
    void* address = MAP_FAILED; ///< What mmap(2) returned; MAP_FAILED: none.
    std::size_t length = 0;     ///< The length passed to mmap(2), in bytes.
    /// Same address and length.
    friend bool operator==(const mapping& a, const mapping& b) noexcept { return a.address == b.address && a.length == b.length; }
    /// Not the same address and length.
    friend bool operator!=(const mapping& a, const mapping& b) noexcept { return !(a == b); }
};

/// A memory mapping (`mapping`), unmapped with munmap(2); reported as
/// "mapping" with its length as its weight; its identity is its address.
struct mapping_traits {
    using handle_type = mapping; ///< Address and length.
    static constexpr std::string_view kind_name() noexcept { return "mapping"; } ///< Reported as "mapping".
    static constexpr std::string_view close_call() noexcept { return "munmap()"; } ///< Named in messages.
    static mapping invalid() noexcept { return mapping{}; } ///< MAP_FAILED, length 0.
    /// Neither MAP_FAILED nor null.
    static bool is_valid(const mapping& m) noexcept { return m.address != MAP_FAILED && m.address != nullptr; }
    static std::uint64_t weight(const mapping& m) noexcept { return m.length; } ///< The length in bytes.
    /// The address: two mappings at one address are one object.
    static std::uintptr_t identity(const mapping& m) noexcept { return reinterpret_cast<std::uintptr_t>(m.address); }
    /// munmap(2); its error, if any, from errno.
    static std::error_code close(const mapping& m) noexcept {
        return ::munmap(m.address, m.length) == 0 ? std::error_code{} : detail::errno_code();
    }
};

namespace detail {
/// The name of T as the compiler spells it, without RTTI.
template <class T>
std::string_view type_name() noexcept {
    std::string_view p = __PRETTY_FUNCTION__;
    // g++: "... type_name() [with T = X; std::string_view = ...]"; clang: "... type_name() [T = X]"
    auto start = p.find("T = ");
    if (start == std::string_view::npos) return "object";
    start += 4;
    auto end = p.find_first_of(";]", start);
    return p.substr(start, end - start);
}
} // namespace detail

/// An owning pointer to a heap object, deleted on close; reported under the
/// type's name with a weight of sizeof(T).
template <class T>
struct heap_traits {
    static_assert(!std::is_array_v<T>, "lifecycle: heap_traits<T[]> is not supported; use a container");
    using handle_type = T*; ///< The owning pointer.
    static std::string_view kind_name() noexcept { return detail::type_name<T>(); } ///< T's name.
    static constexpr std::string_view close_call() noexcept { return "delete"; } ///< Named in messages.
    static constexpr T* invalid() noexcept { return nullptr; } ///< nullptr: no object.
    static std::uint64_t weight(T*) noexcept { return sizeof(T); } ///< sizeof(T).
    static void close(T* p) noexcept { delete p; } ///< `delete p`.
};

/// A non-owning pointer to an object with a `close()` member (returning void,
/// bool, an int status or std::error_code); closing calls `p->close()` and does
/// not delete the object.
template <class T>
struct close_member_traits {
    using handle_type = T*; ///< The object, not owned.
    static std::string_view kind_name() noexcept { return detail::type_name<T>(); } ///< T's name.
    static constexpr std::string_view close_call() noexcept { return "close()"; } ///< Named in messages.
    static constexpr T* invalid() noexcept { return nullptr; } ///< nullptr: no object.
    /// `p->close()`; its result (void, bool, int status, std::error_code) is the close's.
    static auto close(T* p) noexcept(noexcept(p->close())) { return p->close(); }
};

/// Deprecated names, for one release: `mmap_traits` is `mapping_traits`
/// (one name, "mapping", for the concept); `pointer_traits` is `heap_traits`
/// (it shadowed std::pointer_traits in code that uses both namespaces).
using mmap_traits [[deprecated("use lifecycle::mapping_traits")]] = mapping_traits;
/// Deprecated: `heap_traits<T>` (removed in the next release).
template <class T>
using pointer_traits [[deprecated("use lifecycle::heap_traits")]] = heap_traits<T>;

LIFECYCLE_END_NAMESPACE

#endif // LIFECYCLE_TRAITS_HPP
