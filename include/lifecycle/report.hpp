// SPDX-License-Identifier: BSL-1.0
// lifecycle/report.hpp — `leak_report`: leaked resources grouped by where they
// were created, ranked, rendered as text or JSON.
//
// A report is a value: it is built from a snapshot of the registry and never
// changes it. Stacks stay raw in the report; they are symbolized (once per
// address per process, cached) only when the report is rendered. Thread
// safety: const members may be called from any number of threads at once
// (the first render publishes a symbolized copy of the groups, lock-free; a
// render that fails, out of memory, leaves nothing behind and the next one
// starts over).
//
//   lifecycle::leak_report r = scope.check();
//   if (!r.empty()) std::cerr << r;       // or r.to_text(), r.to_json()
//
// Text format (one block per group, largest first, the first `max_groups`
// of them, then what was allowed and a SUMMARY line):
//
//   lifecycle: 50 leaked resources in scope 'requests'
//
//   50 x socket 'session 1', 'session 2', 'session 3' and 47 more
//     created at send_request (examples/ipc_client.cpp:112) on thread 4711, ordinals 1:3-1:52, oldest 0.8 s
//     close with close()
//       #0 ipc_client::send_request(...) at examples/ipc_client.cpp:112
//       #1 main at examples/ipc_client.cpp:140
//
// A group created through several stacks shows the `max_stacks` (3) most
// common, each under "  stack 1, 40 resources:", then one line for the rest;
// stacks that differ only inside the standard library count as one. The
// JSON lists every distinct stack with its count (`max_json_stacks`, 100).
//
//   2 x fd (not tracked)
//     fd 9 -> /tmp/x
//     fd 10 -> socket:[48113]
//
//   allowed: 3 by kind 'engine' (one per process), 0 by label 'warm*' (cache warm-up)
//   SUMMARY: lifecycle: 52 leaked resources in 2 groups in scope 'requests'
#ifndef LIFECYCLE_REPORT_HPP
#define LIFECYCLE_REPORT_HPP

#include <lifecycle/config.hpp>
#include <lifecycle/detail/exceptions.hpp>
#include <lifecycle/detail/fingerprint.hpp>
#include <lifecycle/detail/formatting.hpp>
#include <lifecycle/detail/provenance.hpp>
#include <lifecycle/detail/published.hpp>
#include <lifecycle/detail/record_fwd.hpp>
#include <lifecycle/detail/source_root.hpp>
#include <lifecycle/detail/text_escape.hpp>
#include <lifecycle/registry.hpp>
#include <lifecycle/source_site.hpp>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

LIFECYCLE_BEGIN_NAMESPACE

/// One symbolized stack frame.
struct stack_frame {
    std::string function; ///< demangled, empty when unknown
    std::string file;     ///< empty when the build has no line information
    /// 0 when the build has no line information.
    unsigned line = 0;
    std::string module;   ///< executable (its real path) or shared object
    std::string build_id; ///< the module's GNU build id, hex; empty when it has none (filled on render)
    std::uintptr_t offset = 0; ///< the call that was symbolized (return address - 1) relative to the
                               ///< module's load bias: what `addr2line -e module offset` takes
    const void* address = nullptr; ///< the return address
    bool inlined = false; ///< the function was inlined into the next frame's (same address), as `addr2line -i` shows
};

/// One distinct creation stack of a group.
struct group_stack {
    std::size_t count = 0;           ///< members created with this stack
    std::vector<stack_frame> frames; ///< trimmed, innermost first, as leak_group::stack
    bool stops_early = false;        ///< as leak_group::stack_stops_early
    unsigned cut_at = 0;             ///< as leak_group::stack_cut_at
};

/// Resources created at one site (same kind, same file:line:function).
struct leak_group {
    /// The kind ("fd", "engine").
    std::string kind;
    std::string close_call;          ///< how the traits close it, e.g. "fclose()"
    std::string site_file;           ///< the creating call's file; empty when capture was off
    std::string site_function;       ///< the creating call's function
    unsigned site_line = 0;          ///< the creating call's line; 0 when capture was off
    /// Resources in the group.
    std::size_t count = 0;
    std::uint64_t total_weight = 0;  ///< bytes, from the traits' weight()
    /// The heaviest member's weight.
    std::uint64_t largest_weight = 0;
    std::vector<std::string> labels; ///< distinct labels, in creation order
    std::vector<std::uint64_t> ordinals; ///< every member's ordinal (shard << 40 | sequence), oldest first
    std::vector<int> threads;        ///< distinct creating OS threads
    std::vector<std::string> thread_names; ///< each of `threads`' name, read at its first create; "" for none of its own
    std::vector<std::string> scopes; ///< distinct innermost scopes at creation
    double oldest_age_seconds = 0;   ///< age of the oldest member at check time (kernel-tick resolution)
    bool has_age = false;            ///< false when capture was off: no creation time
    std::size_t with_stack = 0;      ///< members that have a creation stack
    /// Distinct creation stacks among the members that have one (once rendered: as trimmed,
    /// those that differed only in frames above the program's first counted once).
    std::size_t distinct_stacks = 0;
    std::vector<stack_frame> stack;  ///< the most common creation stack, trimmed; filled on render
    /// The distinct creation stacks, most common first (the first is `stack`), at most
    /// leak_report::set_max_stacks's `json` of them; filled on render.
    std::vector<group_stack> stacks;
    bool stack_stops_early = false;  ///< the fast unwinder stopped at a frame without a frame pointer, above
                                     ///< the start-up code (LIFECYCLE_UNWIND=precise has the rest); filled on render
    unsigned stack_cut_at = 0;       ///< the stack was cut at this many of the program's own frames
                                     ///< (LIFECYCLE_STACK_DEPTH), more of them not shown; 0: none; filled on render
    bool tracked = true;             ///< false: found by the OS cross-check, not by lifecycle (labels say what)

#if LIFECYCLE_TRACKING
    /// Internal: the interned stack `stack` is rendered from (not part of the API).
    const detail::stack_entry* raw_stack = nullptr;
    /// Internal: every distinct interned stack and its count, most common first.
    std::vector<std::pair<const detail::stack_entry*, std::size_t>> raw_stacks;
#endif
};

/// A rule or a reason that kept resources out of a report, and how often it fired.
struct allowance {
    std::string rule;   ///< e.g. "kind 'engine'", "label 'warm*'", "keep_alive", "limit 'engine' <= 2"
    std::string reason; ///< the reason given with the rule
    std::size_t count = 0; ///< resources it allowed in this check (0: the rule may be stale)
};

/// A per-kind limit of a scope that this check exceeded.
struct limit_exceeded {
    /// The kind whose limit was exceeded.
    std::string kind;
    std::size_t count = 0;           ///< leaked resources of the kind
    std::uint64_t weight = 0;        ///< their total weight
    std::size_t max_count = 0;       ///< the limit (SIZE_MAX: none)
    std::uint64_t max_weight = 0;    ///< the limit (UINT64_MAX: none)
};

class leak_scope;

/// Leaked resources of one check, grouped and ranked.
class leak_report {
public:
    leak_report() = default;

    /// Returns: true when nothing leaked.
    bool empty() const noexcept { return count_ == 0; }
    /// Returns: the number of leaked resources.
    std::size_t count() const noexcept { return count_; }
    /// Returns: the groups, largest total weight first, then largest count; their `stack`s
    /// symbolized (empty when out of memory or descriptors: a later call tries again).
    const std::vector<leak_group>& groups() const noexcept {
        if (const auto* done = rendered_.get()) return *done;
        return groups_or_raw();
    }
    /// Returns: the name of the scope that was checked.
    const std::string& scope() const noexcept { return scope_; }
    /// Returns: the total weight in bytes.
    std::uint64_t total_weight() const noexcept {
        std::uint64_t w = 0;
        for (const auto& g : groups_) w += g.total_weight;
        return w;
    }

    /// Returns: what allow rules, keep_alive() reasons and tolerated limits
    /// kept out of this report, one entry per rule, including rules that
    /// allowed nothing.
    const std::vector<allowance>& allowed() const noexcept { return allowed_; }
    /// Returns: the scope's per-kind limits this check exceeded.
    const std::vector<limit_exceeded>& limits_exceeded() const noexcept { return exceeded_; }

    /// Effects: the text shows the first `n` groups and one line for the
    /// rest (0: all). JSON always has every group. Default 10.
    void set_max_groups(std::size_t n) noexcept { max_groups_ = n; }
    /// Effects: the text shows the `text` most common stacks of each group (stacks that
    /// differ only inside the standard library counted as one; 0: all) and one line for
    /// the rest; groups() and the JSON keep the `json` most common (0: all). Defaults 3
    /// and 100. Requires: no render yet (groups(), to_text(), to_json()): the first keeps what it symbolized.
    void set_max_stacks(std::size_t text, std::size_t json = 100) noexcept {
        max_stacks_ = text;
        max_json_stacks_ = json;
    }

    /// Returns: the report as text (see the header comment); "" when empty.
    std::string to_text() const;
    /// Returns: the report as one JSON object, valid UTF-8 whatever the labels
    /// and the locale (docs/report-schema.md, "schema": 2).
    std::string to_json() const;

    /// Effects: writes to_text() to `os` (a std::ostream; a template, so that
    /// this header needs no `<ostream>`).
    template <class OStream, class = decltype(std::declval<OStream&>() << std::declval<const std::string&>())>
    friend OStream& operator<<(OStream& os, const leak_report& r) {
        os << r.to_text();
        return os;
    }

#if LIFECYCLE_TRACKING
    /// Builds a report from registry snapshots (used by leak_scope); ages are
    /// measured at `checked_ticks` (detail::now_ticks(), taken with the
    /// snapshot; 0: on entry, before anything is symbolized).
    static leak_report from_records(std::string scope, std::vector<detail::record_view> records, capture tier,
                                    std::int64_t checked_ticks = 0);
#endif

private:
    friend class leak_scope;
    // The groups, stacks symbolized: published by the first call that symbolized every frame, never
    // changed after; else kept in `scratch`. Throws: std::bad_alloc (nothing is kept).
    const std::vector<leak_group>& rendered(std::unique_ptr<std::vector<leak_group>>& scratch) const;
    const std::vector<leak_group>& groups_or_raw() const noexcept;

    std::string scope_;
    std::size_t count_ = 0;
    std::size_t max_groups_ = 10;
    std::size_t max_stacks_ = 3, max_json_stacks_ = 100;
    capture tier_ = capture::off;
    unsigned sample_ = 1; // the stack tier's sampling rate at the check
    std::int64_t checked_ms_ = 0; // wall clock (ms since 1970) of the check; 0: not checked
    std::vector<allowance> allowed_;
    std::vector<limit_exceeded> exceeded_;
    std::vector<leak_group> groups_; // as built: raw stacks; never changed once returned
    detail::published<std::vector<leak_group>> rendered_;
};

namespace detail {
/// Returns: the fingerprint of group `g` (detail/fingerprint.hpp).
inline std::uint64_t fingerprint(const leak_group& g, source_lines* cache = nullptr) {
    return fingerprint(g.kind, g.site_file, g.site_function, g.site_line, cache);
}
} // namespace detail

LIFECYCLE_END_NAMESPACE

// ---- definitions of the cold paths (header-only, or the compiled library) ----
#if LIFECYCLE_DETAIL_DEFINE_COLD
#    include <lifecycle/detail/report_hints.hpp>
#    include <lifecycle/detail/settings.hpp>
#    include <lifecycle/detail/site_text.hpp>

#    include <lifecycle/detail/group_stacks.hpp>

#    include <algorithm>
#    if LIFECYCLE_TRACKING
#        include <lifecycle/detail/anchor.hpp>
#        include <lifecycle/detail/frames.hpp>
#        include <lifecycle/detail/hooks.hpp>
#        include <lifecycle/detail/symbols.hpp>
#        include <map>
#        include <tuple>
#    endif
#    include <cstring>

LIFECYCLE_BEGIN_NAMESPACE

namespace detail {

#if LIFECYCLE_TRACKING
/// Effects: names each frame's module by the loaded module that holds its
/// call, with its GNU build id, and its offset from that module's load bias.
LIFECYCLE_DETAIL_COLD void identify_modules(std::vector<leak_group>& groups) {
    const std::vector<module_identity> modules = loaded_modules();
    for (leak_group& g : groups)
        for (group_stack& s : g.stacks)
            for (stack_frame& f : s.frames) {
                const auto call = reinterpret_cast<std::uintptr_t>(f.address) - 1;
                if (const module_identity* m = module_of(modules, call)) {
                    if (!m->path.empty()) f.module = m->path;
                    f.build_id = m->build_id;
                    f.offset = call - m->bias;
                }
            }
}
#endif

} // namespace detail

#if LIFECYCLE_TRACKING

LIFECYCLE_DETAIL_COLD leak_report leak_report::from_records(std::string scope, std::vector<detail::record_view> records,
                                             capture tier, std::int64_t checked_ticks) {
    const std::int64_t now = checked_ticks != 0 ? checked_ticks : detail::now_ticks(); // not after symbolizing
    leak_report r;
    r.scope_ = std::move(scope);
    r.tier_ = tier;
    r.sample_ = detail::instance().sample();
    r.checked_ms_ = detail::wall_clock_ms();
    r.count_ = records.size();
    static constexpr detail::report_hooks symbolizer{nullptr, &detail::symbolize_cached};
    detail::hooks().hand_over(&symbolizer); // anchoring below symbolizes through it
    // A record whose site lies in a system header (a constructor reached
    // through emplace_back or make_unique) is grouped by the first frame of
    // its stack outside lifecycle and the standard library instead, so that
    // every user line that created resources gets its own group. This needs
    // the leading frames of those stacks symbolized (cached per address).
    std::map<const detail::stack_entry*, source_site> anchors; // one lookup per distinct stack
    auto anchor = [&](const detail::record_view& rec) -> source_site {
        if (!rec.stack || !detail::system_header(rec.site.file)) return rec.site;
        auto it = anchors.find(rec.stack);
        if (it == anchors.end()) it = anchors.emplace(rec.stack, detail::anchored_site(rec.site, rec.stack)).first;
        return it->second;
    };
    using key = std::tuple<const detail::kind_info*, std::string_view, std::string_view, unsigned>;
    std::map<key, std::size_t> index;
    std::vector<std::map<const detail::stack_entry*, std::size_t>> stacks;
    for (auto& rec : records) {
        const source_site site = anchor(rec);
        key k{rec.kind, site.file, site.function, site.line};
        auto it = index.find(k);
        if (it == index.end()) {
            it = index.emplace(k, r.groups_.size()).first;
            leak_group g;
            g.kind = rec.kind->name;
            g.close_call = rec.kind->close_call;
            g.site_file = site.file;
            g.site_function = site.function;
            g.site_line = site.line;
            r.groups_.push_back(std::move(g));
            stacks.emplace_back();
        }
        leak_group& g = r.groups_[it->second];
        ++g.count;
        g.total_weight += rec.weight;
        g.largest_weight = std::max(g.largest_weight, rec.weight);
        if (!rec.label.empty() && std::find(g.labels.begin(), g.labels.end(), rec.label) == g.labels.end())
            g.labels.push_back(std::move(rec.label));
        g.ordinals.push_back(rec.ordinal);
        if (std::find(g.threads.begin(), g.threads.end(), rec.thread) == g.threads.end()) {
            g.threads.push_back(rec.thread);
            g.thread_names.emplace_back(rec.thread_name ? rec.thread_name : "");
        }
        if (rec.scope && std::find(g.scopes.begin(), g.scopes.end(), rec.scope) == g.scopes.end()) g.scopes.emplace_back(rec.scope);
        if (rec.created_ticks != 0) {
            g.has_age = true;
            const double age = now > rec.created_ticks ? static_cast<double>(now - rec.created_ticks) / 1e9 : 0.0;
            g.oldest_age_seconds = std::max(g.oldest_age_seconds, age);
        }
        if (rec.stack && !rec.anchor_only) {
            ++g.with_stack;
            auto at = stacks[it->second].emplace(rec.stack, g.raw_stacks.size()).first;
            if (at->second == g.raw_stacks.size()) g.raw_stacks.emplace_back(rec.stack, 0);
            ++g.raw_stacks[at->second].second;
        }
    }
    for (std::size_t i = 0; i < r.groups_.size(); ++i) {
        leak_group& g = r.groups_[i];
        std::sort(g.ordinals.begin(), g.ordinals.end());
        g.distinct_stacks = g.raw_stacks.size();
        // Most common first; equal counts in the order of their first member.
        std::stable_sort(g.raw_stacks.begin(), g.raw_stacks.end(),
                         [](const auto& a, const auto& b) { return a.second > b.second; });
        if (!g.raw_stacks.empty()) g.raw_stack = g.raw_stacks.front().first;
    }
    std::stable_sort(r.groups_.begin(), r.groups_.end(), [](const leak_group& a, const leak_group& b) {
        if (a.total_weight != b.total_weight) return a.total_weight > b.total_weight;
        if (a.count != b.count) return a.count > b.count;
        return a.ordinals.front() < b.ordinals.front();
    });
    return r;
}

LIFECYCLE_DETAIL_COLD const std::vector<leak_group>& leak_report::rendered(std::unique_ptr<std::vector<leak_group>>& scratch) const {
    if (const auto* done = rendered_.get()) return *done;
    if (std::none_of(groups_.begin(), groups_.end(), [](const leak_group& g) { return g.raw_stack != nullptr; }))
        return groups_;
    auto fresh = std::make_unique<std::vector<leak_group>>(groups_);
    bool complete = true; // false: out of descriptors (EMFILE), the next render tries again
    for (leak_group& g : *fresh) {
        const std::size_t n = max_json_stacks_ == 0 ? g.raw_stacks.size() : std::min(max_json_stacks_, g.raw_stacks.size());
        for (std::size_t i = 0; i < n; ++i)
            g.stacks.push_back(detail::render_stack<group_stack>(*g.raw_stacks[i].first, g.raw_stacks[i].second, &complete));
        g.distinct_stacks -= detail::merge_equal_stacks(g.stacks);
    }
    detail::identify_modules(*fresh);
    for (leak_group& g : *fresh) {
        if (g.stacks.empty()) continue;
        g.stack = g.stacks.front().frames;
        g.stack_stops_early = g.stacks.front().stops_early;
        g.stack_cut_at = g.stacks.front().cut_at;
    }
    if (!complete) return *(scratch = std::move(fresh));
    return rendered_.publish(std::move(fresh));
}

#else
LIFECYCLE_DETAIL_COLD const std::vector<leak_group>& leak_report::rendered(std::unique_ptr<std::vector<leak_group>>&) const { return groups_; }
#endif // LIFECYCLE_TRACKING

LIFECYCLE_DETAIL_COLD const std::vector<leak_group>& leak_report::groups_or_raw() const noexcept {
    LIFECYCLE_DETAIL_TRY {
        std::unique_ptr<std::vector<leak_group>> incomplete; // not kept: the raw groups then
        const std::vector<leak_group>& g = rendered(incomplete);
        if (!incomplete) return g;
    } LIFECYCLE_DETAIL_CATCH_ALL {
    }
    return groups_;
}

LIFECYCLE_DETAIL_COLD std::string leak_report::to_text() const {
    if (empty()) return {};
    std::unique_ptr<std::vector<leak_group>> scratch;
    const std::vector<leak_group>& all = rendered(scratch);
    detail::path_style paths; // one path style per report (detail/source_root.hpp)
    for (const leak_group& g : all) {
        paths.add(g.site_file);
        for (const group_stack& st : g.stacks)
            for (const stack_frame& f : st.frames) paths.add(f.file);
    }
    paths.settle(detail::build_source_root());
    std::string out;
    using detail::text_word; // user-given words: control characters escaped, cut at 200 bytes
    const std::string scope_part = scope_.empty() ? std::string() : " in scope '" + text_word(scope_) + "'";
    out += "lifecycle: " + detail::plural(count_, "leaked resource", "leaked resources") + scope_part + "\n";
    detail::report_facts facts;
    facts.tier = tier_;
    facts.sample = sample_;
    for (const leak_group& g : all) { // every group, shown or not
        if (!g.tracked) continue;
        if (!facts.tracked && !g.ordinals.empty()) facts.break_on = g.ordinals.front(); // sorted: the biggest first
        facts.tracked = true;
        facts.site = facts.site || g.site_line != 0;
        facts.stack = facts.stack || g.with_stack != 0;
        facts.unstacked = facts.unstacked || g.with_stack < g.count;
        facts.framed = facts.framed || !g.stack.empty();
        for (const group_stack& s : g.stacks) {
            facts.early = facts.early || s.stops_early;
            facts.cut_at = std::max(facts.cut_at, s.cut_at);
            for (const stack_frame& f : s.frames) facts.named = facts.named || !f.function.empty() || !f.file.empty();
        }
    }
    const std::size_t shown_groups = max_groups_ == 0 ? all.size() : std::min(max_groups_, all.size());
    for (std::size_t gi = 0; gi < shown_groups; ++gi) {
        const leak_group& g = all[gi];
        out += '\n';
        if (!g.tracked) { // found by the OS cross-check: one line per resource
            out += std::to_string(g.count) + " x " + text_word(g.kind) + " (not tracked)\n";
            for (const std::string& what : g.labels) out += "  " + text_word(what) + '\n';
            continue;
        }
        out += std::to_string(g.count) + " x " + text_word(g.kind); // the traits' words: escaped as labels are
        const std::size_t shown = std::min<std::size_t>(g.labels.size(), 3);
        for (std::size_t i = 0; i < shown; ++i) out += (i == 0 ? " '" : ", '") + text_word(g.labels[i]) + "'";
        if (g.labels.size() > shown) out += " and " + std::to_string(g.labels.size() - shown) + " more";
        if (g.total_weight) {
            out += ", holding " + detail::human_bytes(g.total_weight);
            if (g.count > 1) out += " (largest " + detail::human_bytes(g.largest_weight) + ")";
        }
        out += '\n';
        out += "  created at ";
        detail::append_site(out, g.site_function, paths.show(g.site_file), g.site_line);
        out += " on thread";
        if (g.threads.size() > 1) out += 's';
        for (std::size_t i = 0; i < g.threads.size() && i < 4; ++i) {
            out += (i ? ", " : " ") + std::to_string(g.threads[i]);
            if (i < g.thread_names.size() && !g.thread_names[i].empty()) out += " '" + text_word(g.thread_names[i]) + "'";
        }
        if (g.threads.size() > 4) out += " and " + std::to_string(g.threads.size() - 4) + " more";
        out += (g.ordinals.size() == 1 ? ", ordinal " : ", ordinals ") + detail::format_ordinal_runs(g.ordinals.data(), g.ordinals.size());
        if (g.has_age) out += ", oldest " + detail::human_seconds(g.oldest_age_seconds);
        out += '\n';
        // Under a group only where it tells something: a scope other than the report's.
        if (!g.scopes.empty() && !(g.scopes.size() == 1 && g.scopes.front() == scope_)) {
            out += "  in scope";
            for (std::size_t i = 0; i < g.scopes.size() && i < 3; ++i) out += (i ? ", '" : " '") + text_word(g.scopes[i]) + "'";
            out += '\n';
        }
        out += "  close with " + text_word(g.close_call) + '\n';
        detail::append_stacks_text(out, g, max_stacks_, paths);
        if (g.with_stack < g.count && (g.with_stack != 0 || (tier_ == capture::stack && facts.stackable))) out += "    (" + std::to_string(g.with_stack) + " of " + std::to_string(g.count) + " have a stack)\n";
    }
    if (shown_groups < all.size()) {
        std::size_t rest = 0;
        for (std::size_t gi = shown_groups; gi < all.size(); ++gi) rest += all[gi].count;
        out += "\n... and " + detail::plural(all.size() - shown_groups, "more group", "more groups") + " (" +
               detail::plural(rest, "resource", "resources") + "); to_json() has every group\n";
    }
    detail::append_hints(out, facts);
    out += '\n';
    for (const limit_exceeded& l : exceeded_) {
        out += "limit exceeded: " + std::to_string(l.count) + " x " + text_word(l.kind);
        if (l.weight) out += " (" + detail::human_bytes(l.weight) + ")";
        out += " left open, at most ";
        if (l.max_count != static_cast<std::size_t>(-1)) out += std::to_string(l.max_count);
        if (l.max_count != static_cast<std::size_t>(-1) && l.max_weight != static_cast<std::uint64_t>(-1)) out += " and ";
        if (l.max_weight != static_cast<std::uint64_t>(-1)) out += detail::human_bytes(l.max_weight);
        out += " allowed\n";
    }
    if (!allowed_.empty()) {
        out += "allowed:";
        for (std::size_t i = 0; i < allowed_.size(); ++i)
            out += (i ? ", " : " ") + std::to_string(allowed_[i].count) + " by " + text_word(allowed_[i].rule) + " (" + text_word(allowed_[i].reason) + ")";
        out += '\n';
    }
    out += "SUMMARY: lifecycle: " + detail::plural(count_, "leaked resource", "leaked resources") + " in " +
           detail::plural(all.size(), "group", "groups");
    if (total_weight()) out += " (" + detail::human_bytes(total_weight()) + ")";
    out += scope_part + "\n";
    return out;
}

LIFECYCLE_DETAIL_COLD std::string leak_report::to_json() const {
    std::unique_ptr<std::vector<leak_group>> scratch;
    const std::vector<leak_group>& all = rendered(scratch);
    std::string out = "{\"schema\":2,\"type\":\"report\",\"scope\":";
    detail::json_string(out, scope_);
    out += ",\"count\":" + std::to_string(count_) + ",\"weight\":" + std::to_string(total_weight());
    const detail::process_facts proc = detail::this_process();
    out += ",\"time\":";
    detail::json_string(out, detail::iso_time(checked_ms_ ? checked_ms_ : detail::wall_clock_ms(), true));
    out += ",\"executable\":";
    detail::json_string(out, proc.executable);
    out += ",\"pid\":" + std::to_string(proc.pid) + ",\"start_time\":";
    detail::json_string(out, proc.start_time);
    out += ",\"host\":";
    detail::json_string(out, proc.host);
    out += ",\"capture\":\"" + std::string(detail::capture_name(tier_)) + "\",\"groups\":[";
    bool first_group = true;
    detail::source_lines sources;
    for (const leak_group& g : all) {
        if (!first_group) out += ',';
        first_group = false;
        char fp[24];
        std::snprintf(fp, sizeof fp, "%016llx", static_cast<unsigned long long>(detail::fingerprint(g, &sources)));
        out += "{\"fingerprint\":\"" + std::string(fp) + "\",\"tracked\":" + (g.tracked ? "true" : "false") + ",\"kind\":";
        detail::json_string(out, g.kind);
        out += ",\"close_call\":";
        detail::json_string(out, g.close_call);
        out += ",\"count\":" + std::to_string(g.count) + ",\"weight\":" + std::to_string(g.total_weight) +
               ",\"largest_weight\":" + std::to_string(g.largest_weight) + ",\"site\":{\"file\":";
        detail::json_string(out, g.site_file);
        out += ",\"line\":" + std::to_string(g.site_line) + ",\"function\":";
        detail::json_string(out, g.site_function);
        out += "},\"labels\":";
        detail::json_strings(out, g.labels.data(), g.labels.size());
        out += ",\"ordinals\":[";
        for (std::size_t i = 0; i < g.ordinals.size(); ++i) {
            if (i) out += ',';
            out += '"' + detail::format_ordinal(g.ordinals[i]) + '"';
        }
        out += "],\"threads\":[";
        for (std::size_t i = 0; i < g.threads.size(); ++i) out += (i ? "," : "") + std::to_string(g.threads[i]);
        out += "],\"thread_names\":";
        detail::json_strings(out, g.thread_names.data(), g.thread_names.size());
        out += ",\"scopes\":";
        detail::json_strings(out, g.scopes.data(), g.scopes.size());
        out += ",\"oldest_age_seconds\":" + (g.has_age ? detail::fixed_decimal(g.oldest_age_seconds, 3) : "null") + ",\"with_stack\":" + std::to_string(g.with_stack) +
               ",\"stack_stops_early\":" + (g.stack_stops_early ? "true" : "false") +
               ",\"stack_cut_at\":" + std::to_string(g.stack_cut_at) + ",\"frames\":";
        detail::append_frames_json(out, g.stack);
        out += ",\"distinct_stacks\":" + std::to_string(g.distinct_stacks) + ",\"stacks\":[";
        for (std::size_t i = 0; i < g.stacks.size(); ++i) {
            out += i ? ",{\"count\":" : "{\"count\":";
            out += std::to_string(g.stacks[i].count) + ",\"stops_early\":" + (g.stacks[i].stops_early ? "true" : "false") +
                   ",\"cut_at\":" + std::to_string(g.stacks[i].cut_at) + ",\"frames\":";
            detail::append_frames_json(out, g.stacks[i].frames);
            out += '}';
        }
        out += "]}";
    }
    out += "],\"allowed\":[";
    for (std::size_t i = 0; i < allowed_.size(); ++i) {
        if (i) out += ',';
        out += "{\"rule\":";
        detail::json_string(out, allowed_[i].rule);
        out += ",\"reason\":";
        detail::json_string(out, allowed_[i].reason);
        out += ",\"count\":" + std::to_string(allowed_[i].count) + "}";
    }
    out += "],\"limits_exceeded\":[";
    for (std::size_t i = 0; i < exceeded_.size(); ++i) {
        const limit_exceeded& l = exceeded_[i];
        if (i) out += ',';
        out += "{\"kind\":";
        detail::json_string(out, l.kind);
        out += ",\"count\":" + std::to_string(l.count) + ",\"weight\":" + std::to_string(l.weight);
        if (l.max_count != static_cast<std::size_t>(-1)) out += ",\"max_count\":" + std::to_string(l.max_count);
        if (l.max_weight != static_cast<std::uint64_t>(-1)) out += ",\"max_weight\":" + std::to_string(l.max_weight);
        out += '}';
    }
    out += "]}";
    return out;
}

LIFECYCLE_END_NAMESPACE

#endif // LIFECYCLE_DETAIL_DEFINE_COLD

#endif // LIFECYCLE_REPORT_HPP
