// SPDX-License-Identifier: BSL-1.0
// lifecycle/detail/anchor.hpp — private. Naming the user's own frame: a
// resource created through emplace_back or make_unique has its site inside
// the standard library, and the first frame of its stack that is neither
// lifecycle's nor the standard library's says who created it. Reports and
// ownership messages both anchor sites this way; symbolizing goes through
// the report layer's hooks (detail/hooks.hpp), so this needs no Boost.
#ifndef LIFECYCLE_DETAIL_ANCHOR_HPP
#define LIFECYCLE_DETAIL_ANCHOR_HPP

#include <lifecycle/config.hpp>
#include <lifecycle/detail/exceptions.hpp>
#include <lifecycle/detail/frames.hpp>
#include <lifecycle/detail/hooks.hpp>
#include <lifecycle/detail/registry_core.hpp>
#include <lifecycle/source_site.hpp>

#include <cstddef>
#include <utility>
#include <vector>

LIFECYCLE_BEGIN_NAMESPACE
namespace detail {

/// Returns: true, with the frames at `address` (its inline frames first) in
/// `out`, if a symbolizer is in reach.
inline bool symbolize(const void* address, std::vector<frame_info>& out) noexcept {
    const report_hooks* h = report_hooks_in_reach();
    return h != nullptr && h->symbolize != nullptr && h->symbolize(address, out);
}

/// Returns: true, with the first frame of `frames` that is neither
/// lifecycle's nor the standard library's (symbolized, inline frames
/// included: an -O2 creator inlined into its caller is still the creator) in `out`.
inline bool first_user_frame(const void* const* frames, std::size_t n, frame_info& out) {
    std::vector<frame_info> chain;
    for (std::size_t i = 0; i < n; ++i) {
        if (!symbolize(frames[i], chain)) return false;
        for (frame_info& f : chain)
            if (!f.function.empty() && !library_frame(f)) {
                out = std::move(f);
                return true;
            }
    }
    return false;
}

/// Returns: the first frame of user code among `frames`, as a site with
/// interned strings; `fallback` when there is none or it has no line information.
inline source_site user_site(const void* const* frames, std::size_t n, const source_site& fallback) noexcept {
    LIFECYCLE_DETAIL_TRY {
        frame_info f;
        if (first_user_frame(frames, n, f) && !f.file.empty()) {
            registry& reg = instance();
            return source_site{reg.intern_name(f.file), reg.intern_name(qualified_name(f.function)), f.line};
        }
    } LIFECYCLE_DETAIL_CATCH_ALL {
    }
    return fallback;
}

/// Returns: `site`, unless it lies in a system header and the stack was
/// captured: then the first frame of user code of `stack`.
inline source_site anchored_site(const source_site& site, const stack_entry* stack) noexcept {
    if (!stack || !system_header(site.file)) return site;
    return user_site(const_cast<const void* const*>(stack->frames), stack->depth, site);
}

/// Returns: where the calling code is, from its stack (a slow path, for
/// diagnostics): the first frame of user code; unknown without stacks.
inline source_site current_user_site() noexcept {
    const void* frames[24];
    const std::size_t n = collect_frames(frames, 24);
    return user_site(frames, n, source_site{});
}

} // namespace detail
LIFECYCLE_END_NAMESPACE

#endif // LIFECYCLE_DETAIL_ANCHOR_HPP
