// SPDX-License-Identifier: BSL-1.0
// lifecycle/levels.hpp — the two run-time levels of lifecycle: how much a
// record captures when a resource is created (`capture`), and what ownership
// diagnostics do with a problem (`ownership_level`).
//
//   lifecycle::set_capture(lifecycle::capture::site);                    // lifecycle/registry.hpp
//   lifecycle::set_ownership_level(lifecycle::ownership_level::abort);   // lifecycle/ownership.hpp
//
// Both are also read from the environment (LIFECYCLE_CAPTURE,
// LIFECYCLE_OWNERSHIP) when the registry is first used; see
// lifecycle/detail/settings.hpp for every variable. Plain enums: this header
// includes nothing but the configuration.
#ifndef LIFECYCLE_LEVELS_HPP
#define LIFECYCLE_LEVELS_HPP

#include <lifecycle/config.hpp>

LIFECYCLE_BEGIN_NAMESPACE

/// How much a record captures when a resource is created.
enum class capture : int {
    off = 0,   ///< kind, label, identity, weight, thread: no site, no time
    site = 1,  ///< + file, line and function of the creating call, creation time
    stack = 2, ///< + the creation stack (raw return addresses, interned)
};

/// What ownership diagnostics (lifecycle/ownership.hpp) do with a problem.
enum class ownership_level {
    ignore = 0,    ///< check nothing
    warn_once = 1, ///< report each distinct problem once (default)
    warn = 2,      ///< report every occurrence
    abort = 3,     ///< report, then std::abort()
};

LIFECYCLE_END_NAMESPACE

#endif // LIFECYCLE_LEVELS_HPP
