// SPDX-License-Identifier: BSL-1.0
// lifecycle/levels.hpp — the run-time levels of lifecycle: how much a record
// captures when a resource is created (`capture`), which unwinder walks a
// creation stack (`unwind`), and what ownership diagnostics do with a problem
// (`ownership_level`).
//
//   lifecycle::set_capture(lifecycle::capture::site);                    // lifecycle/registry.hpp
//   lifecycle::set_unwind(lifecycle::unwind::precise);                   // lifecycle/registry.hpp
//   lifecycle::set_ownership_level(lifecycle::ownership_level::abort);   // lifecycle/ownership.hpp
//
// All are also read from the environment (LIFECYCLE_CAPTURE, LIFECYCLE_UNWIND,
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

/// Which unwinder walks a creation stack (the `stack` tier). Both keep raw
/// return addresses; both are symbolized by Boost.Stacktrace when a report is
/// rendered.
enum class unwind : int {
    fast = 0,    ///< follows frame pointers: stops at the first frame without one
                 ///< (the report says so). The default on x86-64 and aarch64
    precise = 1, ///< the DWARF unwinder (_Unwind_Backtrace, as Boost.Stacktrace's
                 ///< collector): every frame, at many times the cost. The only one elsewhere
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
