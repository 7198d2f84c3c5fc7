// SPDX-License-Identifier: BSL-1.0
// lifecycle/detail/group_stacks.hpp — private, report side. A group's
// distinct creation stacks as a report shows them: frames as text lines and
// as JSON, and, for the text, the stacks that differ only inside the
// standard library (an emplace_back that reallocated and one that did not)
// taken as one, with their counts summed; and one interned stack turned into
// the frames a report shows. Templates over the report's public types
// (report.hpp), so that this header needs none of them.
#ifndef LIFECYCLE_DETAIL_GROUP_STACKS_HPP
#define LIFECYCLE_DETAIL_GROUP_STACKS_HPP

#include <lifecycle/config.hpp>
#include <lifecycle/detail/formatting.hpp>
#include <lifecycle/detail/frame_line.hpp>
#include <lifecycle/detail/frames.hpp>
#if LIFECYCLE_TRACKING
#    include <lifecycle/detail/records.hpp>
#    include <lifecycle/detail/symbols.hpp>
#endif

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

LIFECYCLE_BEGIN_NAMESPACE
namespace detail {

#if LIFECYCLE_TRACKING
/// Returns: the interned stack `s` as a report shows it (a group_stack of
/// `count` members): symbolized with its inline frames, trimmed
/// (user_frames), cut at the program's `s.user_depth` frames, the library's
/// between them kept and not counted (records.hpp, stack_slack), with
/// whether the fast unwinder stopped early and where the depth cut it.
/// `*complete` = false when some frame could not be symbolized now.
/// Throws: std::bad_alloc.
template <class Stack>
Stack render_stack(const stack_entry& s, std::size_t count, bool* complete) {
    Stack out;
    out.count = count;
    const void* const* raw = const_cast<const void* const*>(s.frames);
    std::vector<frame_info> frames = user_frames(raw, s.depth, complete);
    const frame_info bottom = symbols().symbol(raw[s.depth - 1], complete);
    const bool whole = outermost_frame(bottom.function) || startup_frame(bottom);
    out.stops_early = s.broken && !whole;
    bool cut = s.user_depth != 0 && !s.broken && !whole && s.depth >= s.user_depth + stack_slack;
    std::size_t end = 0;
    for (unsigned own = 0; end < frames.size() && (s.user_depth == 0 || own < s.user_depth); ++end)
        own += !library_frame(frames[end]);
    for (std::size_t i = end; i < frames.size(); ++i) cut = cut || !library_frame(frames[i]);
    frames.resize(end);
    if (cut) out.cut_at = s.user_depth;
    for (frame_info& f : frames) {
        out.frames.emplace_back();
        auto& to = out.frames.back();
        to.function = std::move(f.function);
        to.file = std::move(f.file);
        to.line = f.line;
        to.module = std::move(f.module);
        to.offset = f.offset;
        to.address = f.address;
        to.inlined = f.inlined;
    }
    return out;
}
#endif

/// Effects: takes the stacks of `stacks` (most common first) whose frames are
/// the same return addresses once trimmed (they differed only in lifecycle's
/// or the standard library's frames above the program's first) as one, their
/// counts summed, and keeps them most common first.
/// Returns: how many stacks were taken into others. Throws: std::bad_alloc.
template <class Stack>
std::size_t merge_equal_stacks(std::vector<Stack>& stacks) {
    std::map<std::vector<const void*>, std::size_t> seen;
    std::vector<Stack> out;
    for (Stack& s : stacks) {
        std::vector<const void*> key;
        for (const auto& f : s.frames) key.push_back(f.address);
        const auto at = seen.emplace(std::move(key), out.size());
        if (!at.second) {
            out[at.first->second].count += s.count;
            out[at.first->second].stops_early = out[at.first->second].stops_early || s.stops_early;
            continue;
        }
        out.push_back(std::move(s));
    }
    const std::size_t merged = stacks.size() - out.size();
    std::stable_sort(out.begin(), out.end(), [](const Stack& a, const Stack& b) { return a.count > b.count; });
    stacks = std::move(out);
    return merged;
}

/// Effects: appends one line per frame, "<indent>#i function at file:line" (the
/// file as `paths.show` writes it, detail/source_root.hpp),
/// " in module+0xoffset" where there is no file, " (inlined)" when inlined.
template <class Frame, class Paths>
void append_frames_text(std::string& out, const std::vector<Frame>& frames, const char* indent, const Paths& paths) {
    for (std::size_t i = 0; i < frames.size(); ++i)
        append_frame_line(out, indent, i, frames[i], paths.show(frames[i].file));
}

/// Effects: appends `frames` as a JSON array (docs/report-schema.md, `frames`).
template <class Frame>
void append_frames_json(std::string& out, const std::vector<Frame>& frames) {
    out += '[';
    for (std::size_t i = 0; i < frames.size(); ++i) {
        const Frame& f = frames[i];
        if (i) out += ',';
        out += "{\"function\":";
        json_string(out, f.function);
        out += ",\"file\":";
        json_string(out, f.file);
        out += ",\"line\":" + std::to_string(f.line) + ",\"module\":";
        json_string(out, f.module);
        out += ",\"build_id\":";
        json_string(out, f.build_id);
        char off[32];
        std::snprintf(off, sizeof off, "\"0x%llx\"", static_cast<unsigned long long>(f.offset));
        out += ",\"offset\":" + std::string(off) + ",\"inlined\":" + (f.inlined ? "true" : "false") + "}";
    }
    out += ']';
}

/// Stacks of a group as the text shows them: `first`, the most common of
/// those whose frames outside lifecycle and the standard library are equal
/// (index into the group's stacks), `count` their members, `merged` how many
/// distinct stacks they are.
struct shown_stack {
    std::size_t first = 0;
    std::size_t count = 0;
    std::size_t merged = 0;
};

/// Returns: `stacks` (most common first, each with `frames` and `count`)
/// taken together where they differ only in the standard library's or
/// lifecycle's frames, most common first (ties: the order of `stacks`).
template <class Stack>
std::vector<shown_stack> collapse_stacks(const std::vector<Stack>& stacks) {
    using frame_key = std::tuple<std::string, std::string, unsigned>;
    std::vector<std::vector<frame_key>> keys;
    std::vector<shown_stack> out;
    for (std::size_t i = 0; i < stacks.size(); ++i) {
        std::vector<frame_key> k;
        for (const auto& f : stacks[i].frames)
            if (!library_frame(f.function, f.file)) k.emplace_back(f.function, f.file, f.line);
        std::size_t at = 0;
        while (at < keys.size() && keys[at] != k) ++at;
        if (at == keys.size()) {
            keys.push_back(std::move(k));
            out.push_back(shown_stack{i, 0, 0});
        }
        out[at].count += stacks[i].count;
        ++out[at].merged;
    }
    // Stable: equal counts keep the order of their most common members.
    for (std::size_t i = 1; i < out.size(); ++i)
        for (std::size_t j = i; j > 0 && out[j].count > out[j - 1].count; --j) std::swap(out[j], out[j - 1]);
    return out;
}

/// Effects: appends the text of group `g`'s stacks: the `max_shown` most
/// common (0: all) of collapse_stacks(g.stacks), each under a line with its
/// count when there are several, then one line for the rest.
template <class Group, class Paths>
void append_stacks_text(std::string& out, const Group& g, std::size_t max_shown, const Paths& paths) {
    const std::vector<shown_stack> shown = collapse_stacks(g.stacks);
    if (shown.empty()) return;
    const std::size_t n = max_shown == 0 ? shown.size() : std::min(max_shown, shown.size());
    auto merged_note = [](std::size_t merged) {
        return plural(merged, "stack", "stacks") + " that differ only inside the standard library";
    };
    if (shown.size() == 1 && g.distinct_stacks <= g.stacks.size()) {
        append_frames_text(out, g.stacks[shown[0].first].frames, "    ", paths);
        if (shown[0].merged > 1) out += "    (" + merged_note(shown[0].merged) + ", shown as one)\n";
        return;
    }
    std::size_t rest_members = g.with_stack, rest_stacks = shown.size() - n + (g.distinct_stacks - g.stacks.size());
    for (std::size_t i = 0; i < n; ++i) {
        const shown_stack& s = shown[i];
        rest_members -= s.count;
        out += "  stack " + std::to_string(i + 1) + ", " + plural(s.count, "resource", "resources");
        if (s.merged > 1) out += " (" + merged_note(s.merged) + ")";
        out += ":\n";
        append_frames_text(out, g.stacks[s.first].frames, "    ", paths);
    }
    if (rest_stacks == 0) return;
    out += "  (" + plural(rest_stacks, "more stack", "more stacks") + " of " + plural(rest_members, "resource", "resources");
    if (g.distinct_stacks <= g.stacks.size()) out += "; to_json() has every stack)\n";
    else out += "; to_json() has the " + std::to_string(g.stacks.size()) + " most common)\n";
}

} // namespace detail
LIFECYCLE_END_NAMESPACE

#endif // LIFECYCLE_DETAIL_GROUP_STACKS_HPP
