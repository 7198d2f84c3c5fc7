// SPDX-License-Identifier: BSL-1.0
// lifecycle/source_site.hpp — where a resource was created: file, line, function.
//
// `source_site::current()` used as a default argument captures the caller's
// location for free (the compiler folds it into constants), which is how every
// lifecycle constructor learns its creation site. A factory function can take
// `source_site site = source_site::current()` itself and pass it on, so the
// report names the factory's caller instead of the factory.
//
//   lifecycle::tracked_fd open_config(lifecycle::source_site s = lifecycle::source_site::current()) {
//       return lifecycle::tracked_fd{::open("/etc/hostname", O_RDONLY), "config", s};
//   }
#ifndef LIFECYCLE_SOURCE_SITE_HPP
#define LIFECYCLE_SOURCE_SITE_HPP

#include <lifecycle/config.hpp>

LIFECYCLE_BEGIN_NAMESPACE

/// A source location with static storage duration strings (never owned).
struct source_site {
    /// The file name as the compiler spells it (`__builtin_FILE()`); "" when unknown.
    const char* file = "";
    /// The enclosing function's name; "" when unknown.
    const char* function = "";
    /// The line; 0 when unknown.
    unsigned line = 0;

    /// Effects: the location of the call that evaluates the default argument.
    static constexpr source_site current(const char* file = __builtin_FILE(),
                                         const char* function = __builtin_FUNCTION(),
                                         unsigned line = __builtin_LINE()) noexcept {
        return source_site{file, function, line};
    }

    /// True when a location was captured.
    constexpr bool known() const noexcept { return line != 0; }
};

LIFECYCLE_END_NAMESPACE

#endif // LIFECYCLE_SOURCE_SITE_HPP
