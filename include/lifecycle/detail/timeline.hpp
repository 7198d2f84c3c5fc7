// SPDX-License-Identifier: BSL-1.0
// lifecycle/detail/timeline.hpp — private. The timeline of a run: for a
// stretch of it (a test, a leak scope), what each kind did, as one JSON line
// of LIFECYCLE_REPORT_FILE (docs/report-schema.md, "type":"test"/"scope").
// Tracking builds only.
#ifndef LIFECYCLE_DETAIL_TIMELINE_HPP
#define LIFECYCLE_DETAIL_TIMELINE_HPP

#include <lifecycle/config.hpp>
#include <lifecycle/registry.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#if LIFECYCLE_TRACKING

LIFECYCLE_BEGIN_NAMESPACE
namespace detail {

/// A stretch of the run (a test, a scope) as the timeline records it: what
/// each kind did from its start to now. Opens a live-count window
/// (registry::open_window) for the exact peak across threads.
class timeline_window {
public:
    LIFECYCLE_DETAIL_COLD timeline_window();
    LIFECYCLE_DETAIL_COLD ~timeline_window();
    timeline_window(const timeline_window&) = delete;
    timeline_window& operator=(const timeline_window&) = delete;

    struct kind_line {
        std::string kind;
        std::uint64_t live = 0;    ///< live now, process-wide
        std::uint64_t peak = 0;    ///< most live at once since the start, process-wide
        std::uint64_t growth = 0;  ///< most live at once beyond those live at the start (the max-live check's)
        std::uint64_t created = 0, closed = 0; ///< since the start (closed: closed or released)
        std::uint64_t still_open = 0; ///< of those beyond the start, still live now
    };
    /// Returns: every kind, now.
    LIFECYCLE_DETAIL_COLD std::vector<kind_line> kinds() const;
    /// Returns: the timeline line, `extra` (`"key":value,...` or empty) after the name.
    LIFECYCLE_DETAIL_COLD std::string json(const char* type, std::string_view name, const std::string& extra) const;

private:
    std::vector<kind_stats> before_;
    std::int64_t start_ns_ = 0;
    bool outermost_ = false;
};

} // namespace detail
LIFECYCLE_END_NAMESPACE

#if LIFECYCLE_DETAIL_DEFINE_COLD
#    include <lifecycle/detail/formatting.hpp>
#    include <lifecycle/detail/provenance.hpp>

#    include <algorithm>
#    include <ctime>
#    include <utility>

LIFECYCLE_BEGIN_NAMESPACE
namespace detail {

inline std::int64_t monotonic_ns() noexcept {
    timespec t{};
    ::clock_gettime(CLOCK_MONOTONIC, &t);
    return static_cast<std::int64_t>(t.tv_sec) * 1000000000 + t.tv_nsec;
}

LIFECYCLE_DETAIL_COLD timeline_window::timeline_window() {
    outermost_ = instance().open_window();
    before_ = ::lifecycle::stats();
    start_ns_ = monotonic_ns();
}

LIFECYCLE_DETAIL_COLD timeline_window::~timeline_window() { instance().close_window(); }

LIFECYCLE_DETAIL_COLD std::vector<timeline_window::kind_line> timeline_window::kinds() const {
    std::vector<std::pair<std::uint64_t, std::int64_t>> windows; // by kind id: growth, live beyond the start
    instance().for_each_window([&windows](const kind_info& k, std::uint64_t peak, std::int64_t live) {
        if (windows.size() <= k.id) windows.resize(k.id + 1);
        windows[k.id] = {peak, live};
    });
    std::vector<kind_line> out;
    const std::vector<kind_stats> now = ::lifecycle::stats(); // registration order: kind id order
    for (std::size_t i = 0; i < now.size(); ++i) {
        const kind_stats& n = now[i];
        const kind_stats was = i < before_.size() ? before_[i] : kind_stats{};
        kind_line k;
        k.kind = n.kind;
        k.live = n.live;
        k.created = n.created - was.created;
        k.closed = (n.closed + n.released) - (was.closed + was.released);
        if (i < windows.size()) {
            k.growth = windows[i].first;
            k.still_open = windows[i].second > 0 ? static_cast<std::uint64_t>(windows[i].second) : 0;
        }
        // Nested in another window, the counts started with the outer one: the peak is then a lower bound.
        k.peak = std::max(outermost_ ? was.live + k.growth : 0, std::max(was.live, n.live));
        out.push_back(std::move(k));
    }
    return out;
}

LIFECYCLE_DETAIL_COLD std::string timeline_window::json(const char* type, std::string_view name, const std::string& extra) const {
    const process_facts proc = this_process();
    std::string out = "{\"schema\":2,\"type\":\"" + std::string(type) + "\",\"name\":";
    json_string(out, name);
    if (!extra.empty()) out += "," + extra;
    out += ",\"time\":";
    json_string(out, iso_time(wall_clock_ms(), true));
    out += ",\"duration_seconds\":" + fixed_decimal(static_cast<double>(monotonic_ns() - start_ns_) / 1e9, 6);
    out += ",\"executable\":";
    json_string(out, proc.executable);
    out += ",\"pid\":" + std::to_string(proc.pid) + ",\"start_time\":";
    json_string(out, proc.start_time);
    out += ",\"host\":";
    json_string(out, proc.host);
    out += ",\"kinds\":[";
    bool first = true;
    for (const kind_line& k : kinds()) {
        out += first ? "{\"kind\":" : ",{\"kind\":";
        first = false;
        json_string(out, k.kind);
        out += ",\"live\":" + std::to_string(k.live) + ",\"peak\":" + std::to_string(k.peak) +
               ",\"created\":" + std::to_string(k.created) + ",\"closed\":" + std::to_string(k.closed) + "}";
    }
    return out + "]}\n";
}

} // namespace detail
LIFECYCLE_END_NAMESPACE
#endif // LIFECYCLE_DETAIL_DEFINE_COLD
#endif // LIFECYCLE_TRACKING

#endif // LIFECYCLE_DETAIL_TIMELINE_HPP
