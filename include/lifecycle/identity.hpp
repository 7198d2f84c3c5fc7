// SPDX-License-Identifier: BSL-1.0
// lifecycle/identity.hpp — what makes two handles or objects "the same
// object": a domain and a value. The one identity of lifecycle: the closer
// finds aliases by it, and ownership checks find a second owner by the same
// pair (a tracked handle's domain is its traits' identity_domain(), so an fd
// and a socket of one number are one object).
//
//   lifecycle::identity a = lifecycle::identity::of(*dataset);        // "object 0x55d2..."
//   lifecycle::identity b{"fd", 7};                                    // "fd 7"
//
// A value type; nothing here allocates but to_string().
#ifndef LIFECYCLE_IDENTITY_HPP
#define LIFECYCLE_IDENTITY_HPP

#include <lifecycle/config.hpp>
#include <lifecycle/detail/text_escape.hpp>

#include <charconv>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>

LIFECYCLE_BEGIN_NAMESPACE

/// What makes two closer entries "the same object": a domain and a value.
/// Addresses of objects share the domain "object", so a reference and a
/// shared_ptr to one object are equal; tracked handles use their traits'
/// identity_domain() as the domain and the handle value (or the traits'
/// `identity`) as the value.
/// An empty identity equals no other entry's: the entry is always closed.
class identity {
public:
    /// The domain of object addresses.
    static constexpr std::string_view object_domain = "object";

    /// Effects: an empty identity (never an alias of anything).
    constexpr identity() noexcept = default;

    /// Effects: the identity `value` within `domain`.
    /// Requires: `domain` has static storage duration (a literal, a kind_name()).
    constexpr identity(std::string_view domain, std::uintptr_t value) noexcept
        : domain_(domain), value_(value), set_(true) {}

    /// Returns: the identity of the address `p`; empty if `p` is null.
    static identity of_address(const volatile void* p) noexcept {
        return p ? identity(object_domain, reinterpret_cast<std::uintptr_t>(p)) : identity();
    }

    /// Returns: the identity of `object`'s address. For a polymorphic type,
    /// the address of the most-derived object, so a reference to a base and a
    /// shared_ptr to the derived object are the same identity.
    template <class T>
    static identity of(const T& object) noexcept {
        if constexpr (std::is_polymorphic_v<T>) return of_address(dynamic_cast<const volatile void*>(std::addressof(object)));
        else return of_address(std::addressof(object));
    }

    /// True for the empty identity (no object): never equal to another identity's object, never an alias.
    constexpr bool empty() const noexcept { return !set_; }
    /// True when not empty().
    constexpr explicit operator bool() const noexcept { return set_; }
    /// The domain ("fd", "object", a traits' identity_domain()); empty when empty().
    constexpr std::string_view domain() const noexcept { return domain_; }
    /// The value within the domain (a handle number, an address); 0 when empty().
    constexpr std::uintptr_t value() const noexcept { return value_; }

    /// Returns: "fd 7", "object 0x7ffc2a1b3c40" (values from 65536 up in hex), or "" when empty.
    /// The domain is written as a text report writes a word: control characters
    /// and bytes that are not UTF-8 escaped, cut at 200 bytes.
    std::string to_string() const {
        std::string s;
        append_to(s);
        return s;
    }

    /// Effects: appends to_string() to `out` (one allocation at most: a
    /// closer describes every alias of a pass this way).
    void append_to(std::string& out) const {
        if (!set_) return;
        char buf[24];
        char* p = buf;
        *p++ = ' ';
        if (value_ >= 65536) {
            *p++ = '0';
            *p++ = 'x';
        }
        p = std::to_chars(p, buf + sizeof buf, value_, value_ < 65536 ? 10 : 16).ptr;
        detail::append_text_word(out, domain_); // a traits' domain may hold any byte: escaped, as a label is
        out.append(buf, static_cast<std::size_t>(p - buf));
    }

    /// Equal: both empty, or the same domain and value.
    friend bool operator==(const identity& a, const identity& b) noexcept {
        return a.set_ == b.set_ && (!a.set_ || (a.value_ == b.value_ && a.domain_ == b.domain_));
    }
    /// Not equal.
    friend bool operator!=(const identity& a, const identity& b) noexcept { return !(a == b); }

private:
    std::string_view domain_{};
    std::uintptr_t value_ = 0;
    bool set_ = false;
};

LIFECYCLE_END_NAMESPACE

#endif // LIFECYCLE_IDENTITY_HPP
