// SPDX-License-Identifier: BSL-1.0
// lifecycle/detail/report_hints.hpp — private. The lines at the end of a
// text report that say what would have made it tell more, and how to get it:
// a capture tier, a sampling rate, a stack depth, an unwinder, a symbolizing
// build, a debugger stop at the first creation of the biggest group. Each
// hint is chosen from facts about every group, shown or cut by max_groups.
#ifndef LIFECYCLE_DETAIL_REPORT_HINTS_HPP
#define LIFECYCLE_DETAIL_REPORT_HINTS_HPP

#include <lifecycle/config.hpp>
#include <lifecycle/detail/formatting.hpp>
#include <lifecycle/levels.hpp>

#include <cstdint>
#include <string>

LIFECYCLE_BEGIN_NAMESPACE
namespace detail {

/// What a report knows about all of its groups, for its hints.
struct report_facts {
    capture tier = capture::off; ///< the capture tier at the check
    bool stackable = LIFECYCLE_STACKTRACE != 0; ///< this build captures stacks (Boost.Stacktrace found)
    unsigned sample = 1;         ///< 1 stack in `sample` per thread under the stack tier, at the check
    bool tracked = false;        ///< some group was tracked by lifecycle (not only found by the OS check)
    bool site = false;           ///< some tracked group has a creation site
    bool stack = false;          ///< some tracked group has a creation stack
    bool unstacked = false;      ///< some tracked group has members without a stack
    bool framed = false;         ///< some group's stack was symbolized into frames
    bool named = false;          ///< some frame has a function or file name
    bool early = false;          ///< some stack stops at a frame without a frame pointer
    unsigned cut_at = 0;         ///< some stacks were cut at this many of the program's frames; 0: none
    std::uint64_t break_on = 0;  ///< the first ordinal of the biggest tracked group; 0: none
};

/// Effects: appends to `out` one line, after an empty one, per hint `f` calls for.
inline void append_hints(std::string& out, const report_facts& f) {
    if (f.tracked && !f.site)
        out += "\n(creation sites were not captured: set LIFECYCLE_CAPTURE=site or stack, or call lifecycle::set_capture)\n";
    else if (f.tracked && f.unstacked && f.tier == capture::stack && f.sample > 1) {
        const std::string n = std::to_string(f.sample);
        out += "\n(stacks are sampled, 1 creation in " + n + " per thread (LIFECYCLE_SAMPLE=" + n +
               "): set LIFECYCLE_SAMPLE=1, or call lifecycle::set_sample(1), for the stack of every creation)\n";
    } else if (f.tracked && !f.stack && f.tier == capture::stack && !f.stackable)
        out += "\n(this build captures no stacks: it was built without Boost.Stacktrace (LIFECYCLE_STACKTRACE=0); install "
               "libboost-stacktrace-dev and rebuild, README, \"Install and consume\")\n";
    else if (f.tracked && !f.stack && f.tier != capture::stack)
        out += "\n(creation stacks were not captured: set LIFECYCLE_CAPTURE=stack, or call "
               "lifecycle::set_capture(lifecycle::capture::stack))\n";
    // A build that cannot symbolize (header-only Boost.Stacktrace without a
    // backend, no -g) says once what names its frames.
    if (f.framed && !f.named)
        out += "\n(frames have no names: this build cannot symbolize them; compile with -g -DBOOST_STACKTRACE_LINK and "
               "link -lboost_stacktrace_backtrace -ldl, as the CMake and meson targets do; README, \"A bare -I\")\n";
    if (f.early)
        out += "\n(some stacks stop at a frame without a frame pointer: set LIFECYCLE_UNWIND=precise, or call "
               "lifecycle::set_unwind(lifecycle::unwind::precise), to capture them whole)\n";
    if (f.cut_at != 0)
        out += "\n(some stacks were cut at LIFECYCLE_STACK_DEPTH=" + std::to_string(f.cut_at) +
               " of the program's frames: set it higher (at most 128), or call lifecycle::set_stack_depth, for the rest)\n";
    if (f.break_on != 0)
        out += "\n(to stop in a debugger where the first resource of the biggest group is created: run again with "
               "LIFECYCLE_BREAK_ON=" + format_ordinal(f.break_on) + ")\n";
}

} // namespace detail
LIFECYCLE_END_NAMESPACE

#endif // LIFECYCLE_DETAIL_REPORT_HINTS_HPP
