// SPDX-License-Identifier: BSL-1.0
// lifecycle/detail/creation_stack.hpp — private. A record's creation stack
// as the lines printed under a close failure ("destroyed without close()"),
// as Android's CloseGuard attaches the acquisition stack: symbolized through
// the report layer's hooks (detail/hooks.hpp, so the owners below it need no
// Boost), lifecycle's and the standard library's leading frames and the C
// runtime's start-up frames trimmed, one frame a line as reports print them.
#ifndef LIFECYCLE_DETAIL_CREATION_STACK_HPP
#define LIFECYCLE_DETAIL_CREATION_STACK_HPP

#include <lifecycle/config.hpp>

#if LIFECYCLE_TRACKING
#    include <lifecycle/detail/anchor.hpp>
#    include <lifecycle/detail/frame_line.hpp>
#    include <lifecycle/detail/records.hpp>

#    include <string>
#    include <vector>

LIFECYCLE_BEGIN_NAMESPACE
namespace detail {

/// Returns: `stack` as lines "    #0 load(char const*) at model.cpp:12\n";
/// empty when there is no stack or no symbolizer in reach. Throws: std::bad_alloc.
inline std::string creation_stack_text(const stack_entry* stack) {
    std::string out;
    if (stack == nullptr) return out;
    std::size_t shown = 0;
    bool user_seen = false;
    std::vector<frame_info> chain; // the frames at one address, its inline frames first
    for (std::uint32_t i = 0; i < stack->depth; ++i) {
        if (!symbolize(stack->frames[i], chain)) return {};
        for (const frame_info& f : chain) {
            if (!user_seen && !f.function.empty() && library_frame(f)) continue;
            user_seen = true;
            if (shown > 0 && outermost_frame(f.function)) return out; // nothing of the program's lies below
            append_frame_line(out, "    ", shown++, f, f.file);
        }
    }
    return out;
}

} // namespace detail
LIFECYCLE_END_NAMESPACE
#endif // LIFECYCLE_TRACKING

#endif // LIFECYCLE_DETAIL_CREATION_STACK_HPP
