// SPDX-License-Identifier: BSL-1.0
// lifecycle/registry.hpp — the process-wide registry of live resources.
//
// Handles enroll a record when they take ownership and retire it when they
// close or release; leak scopes and reports read snapshots. The registry is
// one per process (also across shared objects), constructed on first use and
// never destroyed, so handles destroyed during static destruction retire
// safely.
//
// Cost: enrolling and retiring write the calling thread's own shard with no
// atomic read-modify-write (see "Shard access" below); records come from a
// free list; moving a handle never touches the registry. A record closed on
// another thread is handed back to the shard it was created in. Checking a
// scope visits only the records created after it began.
//
// Capture tiers, set in code or by environment (read once, at first use):
//   LIFECYCLE_CAPTURE=off|site|stack   off: records carry kind, label, thread;
//                                      site: + file:line:function and time;
//                                      stack: + creation stack (raw, symbolized
//                                      only when a report is rendered).
//   LIFECYCLE_STACK_DEPTH=N            frames kept per stack (1..128, default 32)
//   LIFECYCLE_UNWIND=fast|precise      fast: frame pointers (default on x86-64 and aarch64;
//                                      stops at a frame without one, and reports say so);
//                                      precise: the DWARF unwinder, every frame
//   LIFECYCLE_SAMPLE=N                 stack tier: capture the stack of 1 resource in N
//                                      per thread (1..1000000, default 1 = all)
//   LIFECYCLE_BREAK_ON=S:N             raise SIGTRAP when the resource with ordinal S:N
//                                      (as reports print it) is created; N alone is 1:N
//
//   { lifecycle::pause_tracking paused; cache.warm_up(); } // created here: not tracked
//
//   lifecycle::set_capture(lifecycle::capture::stack);
//   for (const auto& k : lifecycle::stats()) std::printf("%s: %llu live\n", k.kind.c_str(), ...);
//
// With LIFECYCLE_TRACKING=0 this header declares only the configuration
// functions, which do nothing, and `stats()`, which returns nothing.
#ifndef LIFECYCLE_REGISTRY_HPP
#define LIFECYCLE_REGISTRY_HPP

#include <lifecycle/config.hpp>
#include <lifecycle/levels.hpp>
#include <lifecycle/source_site.hpp>
#include <lifecycle/detail/text_escape.hpp>

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#if !LIFECYCLE_TRACKING
#    include <lifecycle/detail/settings.hpp> // default_unwind
#endif

LIFECYCLE_BEGIN_NAMESPACE

/// Per-kind counters, summed over all threads.
struct kind_stats {
    /// The kind ("fd", "socket", a traits' kind_name()).
    std::string kind;
    std::uint64_t live = 0;           ///< open now
    std::uint64_t peak = 0;           ///< most open at once (see README: exact per thread, an upper bound across threads)
    std::uint64_t created = 0;        ///< enrolled since the process started
    std::uint64_t closed = 0;         ///< closed by lifecycle (successfully or not)
    std::uint64_t released = 0;       ///< handed out by `release()`
    std::uint64_t close_failures = 0; ///< closes that reported an error
};

#if LIFECYCLE_TRACKING

/// Effects: sets the capture tier for resources created from now on.
LIFECYCLE_DETAIL_COLD void set_capture(capture c) noexcept;
/// Returns: the capture tier in force.
LIFECYCLE_DETAIL_COLD capture current_capture() noexcept;
/// Effects: sets how many frames a creation stack keeps (clamped to 1..128).
LIFECYCLE_DETAIL_COLD void set_stack_depth(unsigned frames) noexcept;
/// Effects: sets the unwinder of the stacks captured from now on (`fast` is
/// `precise` where there is no fast one).
LIFECYCLE_DETAIL_COLD void set_unwind(unwind u) noexcept;
/// Returns: the unwinder in force.
LIFECYCLE_DETAIL_COLD unwind current_unwind() noexcept;
/// Returns: per-kind counters, one entry per kind ever enrolled.
LIFECYCLE_DETAIL_COLD std::vector<kind_stats> stats();
/// Effects: the stack tier captures the stack of 1 resource in `n` per thread (1: all).
LIFECYCLE_DETAIL_COLD void set_sample(unsigned n) noexcept;
/// Effects: raises SIGTRAP when the resource with `ordinal` ("S:N" as reports
/// print it, parsed by `parse_ordinal`) is created; 0 turns it off.
LIFECYCLE_DETAIL_COLD void set_break_on(std::uint64_t ordinal) noexcept;

/// While alive, resources created on this thread are not tracked (they stay
/// correct RAII owners, invisible to scopes and reports): for warm-up caches
/// and other intentionally long-lived resources created in bulk.
class pause_tracking {
public:
    pause_tracking() noexcept;
    ~pause_tracking();
    pause_tracking(const pause_tracking&) = delete;
    pause_tracking& operator=(const pause_tracking&) = delete;
};

#else // LIFECYCLE_TRACKING

inline void set_capture(capture) noexcept {}
inline capture current_capture() noexcept { return capture::off; }
inline void set_stack_depth(unsigned) noexcept {}
inline void set_unwind(unwind) noexcept {}
inline unwind current_unwind() noexcept { return detail::default_unwind; }
inline std::vector<kind_stats> stats() { return {}; }
inline void set_sample(unsigned) noexcept {}
inline void set_break_on(std::uint64_t) noexcept {}
class pause_tracking {
public:
    pause_tracking() noexcept {}
    ~pause_tracking() {}
    pause_tracking(const pause_tracking&) = delete;
    pause_tracking& operator=(const pause_tracking&) = delete;
};

#endif // LIFECYCLE_TRACKING

/// Effects: writes `s` to `os` (a std::ostream) as an aligned table, one
/// line per kind. A template, so that this header needs no `<ostream>`.
template <class OStream>
OStream& print_stats(OStream& os, const std::vector<kind_stats>& s) {
    std::size_t w = 4;
    std::vector<std::string> kinds; // the traits' kind names, escaped as a report's words are
    kinds.reserve(s.size());
    for (const auto& k : s) {
        kinds.push_back(detail::text_word(k.kind));
        if (kinds.back().size() > w) w = kinds.back().size();
    }
    auto pad = [&](const std::string& t) { return t + std::string(w - t.size(), ' '); };
    char buf[160];
    os << pad("kind");
    std::snprintf(buf, sizeof buf, " %10s %10s %10s %10s %10s %10s\n", "live", "peak", "created", "closed", "released", "failures");
    os << buf;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const kind_stats& k = s[i];
        using ull = unsigned long long;
        std::snprintf(buf, sizeof buf, " %10llu %10llu %10llu %10llu %10llu %10llu\n", static_cast<ull>(k.live),
                      static_cast<ull>(k.peak), static_cast<ull>(k.created), static_cast<ull>(k.closed),
                      static_cast<ull>(k.released), static_cast<ull>(k.close_failures));
        os << pad(kinds[i]) << buf;
    }
    return os;
}

LIFECYCLE_END_NAMESPACE


#if LIFECYCLE_TRACKING && !LIFECYCLE_DETAIL_LINKED
#    include <lifecycle/detail/registry_core.hpp> // the registry itself, and the definitions of the above
#endif

#endif // LIFECYCLE_REGISTRY_HPP
