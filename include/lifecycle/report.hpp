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
//     created at send_request (examples/ipc_client.cpp:112) on thread 4711, ordinals 1:3 .. 1:52, oldest 0.8 s
//     in scope 'requests'
//     close with close()
//       #0 ipc_client::send_request(...) at examples/ipc_client.cpp:112
//       #1 main at examples/ipc_client.cpp:140
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
#include <lifecycle/detail/published.hpp>
#include <lifecycle/detail/record_fwd.hpp>
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
    std::vector<std::string> scopes; ///< distinct innermost scopes at creation
    double oldest_age_seconds = 0;   ///< age of the oldest member at check time (kernel-tick resolution)
    bool has_age = false;            ///< false when capture was off: no creation time
    std::size_t with_stack = 0;      ///< members that have a creation stack
    /// Distinct creation stacks among the members that have one.
    std::size_t distinct_stacks = 0;
    std::vector<stack_frame> stack;  ///< the most common creation stack, trimmed; filled on render
    bool stack_stops_early = false;  ///< the fast unwinder stopped at a frame without a frame pointer, above
                                     ///< the start-up code (LIFECYCLE_UNWIND=precise has the rest); filled on render
    bool tracked = true;             ///< false: found by the OS cross-check, not by lifecycle (labels say what)

#if LIFECYCLE_TRACKING
    /// Internal: the interned stack `stack` is rendered from (not part of the API).
    const detail::stack_entry* raw_stack = nullptr;
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
    /// Builds a report from registry snapshots (used by leak_scope).
    static leak_report from_records(std::string scope, std::vector<detail::record_view> records, capture tier);
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
    capture tier_ = capture::off;
    std::int64_t checked_ms_ = 0; // wall clock (ms since 1970) of the check; 0: not checked
    std::vector<allowance> allowed_;
    std::vector<limit_exceeded> exceeded_;
    std::vector<leak_group> groups_; // as built: raw stacks; never changed once returned
    detail::published<std::vector<leak_group>> rendered_;
};

namespace detail {
LIFECYCLE_DETAIL_COLD std::string human_bytes(std::uint64_t b);
LIFECYCLE_DETAIL_COLD std::string human_seconds(double s);
LIFECYCLE_DETAIL_COLD std::string format_ordinal(std::uint64_t o);
LIFECYCLE_DETAIL_COLD std::string plural(std::size_t n, const char* one, const char* many);
LIFECYCLE_DETAIL_COLD std::string fixed_decimal(double v, int decimals);
LIFECYCLE_DETAIL_COLD void json_string(std::string& out, std::string_view s);
/// The creating lines of one report's groups, whitespace removed, read once per file.
struct source_lines {
    struct file {
        std::string path;
        bool readable = false;
        std::vector<std::string> lines; // whitespace removed
    };
    std::vector<file> files;
    LIFECYCLE_DETAIL_COLD const file& of(const std::string& path);
};
LIFECYCLE_DETAIL_COLD std::uint64_t fingerprint(const leak_group& g, source_lines* cache = nullptr);
/// What tells one process from another in a merged report.
struct process_facts {
    std::string executable; // real path; empty when unknown
    long pid = 0;
    std::string start_time; // ISO 8601 UTC; empty when unknown
    std::string host;
};
LIFECYCLE_DETAIL_COLD process_facts this_process();
LIFECYCLE_DETAIL_COLD std::string iso_time(std::int64_t unix_ms, bool with_ms);
LIFECYCLE_DETAIL_COLD std::int64_t wall_clock_ms() noexcept;
} // namespace detail

LIFECYCLE_END_NAMESPACE

// ---- definitions of the cold paths (header-only, or the compiled library) ----
#if LIFECYCLE_DETAIL_DEFINE_COLD
#    include <lifecycle/detail/settings.hpp>

#    include <algorithm>
#    if LIFECYCLE_TRACKING
#        include <lifecycle/detail/anchor.hpp>
#        include <lifecycle/detail/frames.hpp>
#        include <lifecycle/detail/hooks.hpp>
#        include <lifecycle/detail/symbols.hpp>
#        include <lifecycle/detail/modules.hpp>
#        include <map>
#        include <tuple>
#    endif
#    include <cmath>
#    include <cstdlib>
#    include <cstring>
#    include <ctime>
#    include <unistd.h>

LIFECYCLE_BEGIN_NAMESPACE

namespace detail {

LIFECYCLE_DETAIL_COLD std::string human_bytes(std::uint64_t b) {
    static const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = static_cast<double>(b);
    int u = 0;
    for (; v >= 1024 && u < 4; ++u) v /= 1024;
    char buf[32];
    if (u == 0) std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(b));
    else return fixed_decimal(v, 1) + " " + units[u];
    return buf;
}

LIFECYCLE_DETAIL_COLD std::string human_seconds(double s) {
    if (s < 1) return fixed_decimal(s * 1000, 0) + " ms";
    if (s < 120) return fixed_decimal(s, 1) + " s";
    if (s < 7200) return fixed_decimal(s / 60, 0) + " min";
    return fixed_decimal(s / 3600, 1) + " h";
}

// printf's %f writes the locale's decimal point (a program that called
// setlocale(LC_ALL, "de_DE.UTF-8") got "0,000" in its JSON): digits from integers only.
LIFECYCLE_DETAIL_COLD std::string fixed_decimal(double v, int decimals) {
    if (!(v == v)) return "0";
    std::uint64_t scale = 1;
    for (int i = 0; i < decimals; ++i) scale *= 10;
    const bool negative = v < 0;
    const double scaled = std::fabs(v) * static_cast<double>(scale) + 0.5;
    const std::uint64_t units = scaled >= 1.8e19 ? UINT64_MAX : static_cast<std::uint64_t>(scaled);
    std::string out = negative && units != 0 ? "-" : "";
    out += std::to_string(units / scale);
    if (decimals > 0) {
        std::string frac = std::to_string(units % scale);
        out += '.' + std::string(static_cast<std::size_t>(decimals) - frac.size(), '0') + frac;
    }
    return out;
}

LIFECYCLE_DETAIL_COLD std::string format_ordinal(std::uint64_t o) {
    return std::to_string(o >> 40) + ":" + std::to_string(o & ((std::uint64_t(1) << 40) - 1));
}

LIFECYCLE_DETAIL_COLD std::string plural(std::size_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
}

// Returns: the length of the well-formed UTF-8 sequence at the start of `s`
// (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF), 0 if
// there is none.
inline std::size_t utf8_sequence(std::string_view s) noexcept {
    const auto b = [&s](std::size_t i) { return static_cast<unsigned char>(s[i]); };
    const unsigned char c = b(0);
    std::size_t n = 0;
    unsigned char lo = 0x80, hi = 0xbf; // the allowed range of the second byte
    if (c < 0x80) return 1;
    if (c >= 0xc2 && c <= 0xdf) n = 2;
    else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        if (c == 0xe0) lo = 0xa0;
        if (c == 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        if (c == 0xf0) lo = 0x90;
        if (c == 0xf4) hi = 0x8f;
    } else
        return 0;
    if (s.size() < n || b(1) < lo || b(1) > hi) return 0;
    for (std::size_t i = 2; i < n; ++i)
        if (b(i) < 0x80 || b(i) > 0xbf) return 0;
    return n;
}

// Any bytes in, valid UTF-8 out: a byte that starts no well-formed sequence
// becomes U+FFFD; control characters (and DEL) are escaped.
LIFECYCLE_DETAIL_COLD void json_string(std::string& out, std::string_view s) {
    out += '"';
    for (std::size_t i = 0; i < s.size();) {
        const char c = s[i];
        const std::size_t n = utf8_sequence(s.substr(i));
        if (n == 0) {
            out += "\\ufffd";
            ++i;
            continue;
        }
        if (n > 1) {
            out.append(s.data() + i, n);
            i += n;
            continue;
        }
        ++i;
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\t': out += "\\t"; break;
        case '\r': out += "\\r"; break;
        default:
            if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
                out += buf;
            } else {
                out += c;
            }
        }
    }
    out += '"';
}

inline std::string_view base_name(std::string_view path) {
    auto slash = path.find_last_of('/');
    return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

LIFECYCLE_DETAIL_COLD const source_lines::file& source_lines::of(const std::string& path) {
    for (const file& f : files)
        if (f.path == path) return f;
    file f;
    f.path = path;
    if (std::FILE* in = path.empty() ? nullptr : std::fopen(path.c_str(), "rb")) {
        std::string line;
        std::size_t total = 0;
        int c;
        while ((c = std::getc(in)) != EOF && total < (std::size_t(64) << 20)) {
            ++total;
            if (c == '\n') {
                f.lines.push_back(std::move(line));
                line.clear();
            } else if (c != ' ' && c != '\t' && c != '\r' && c != '\v' && c != '\f') {
                line += static_cast<char>(c);
            }
        }
        f.lines.push_back(std::move(line));
        f.readable = std::ferror(in) == 0;
        std::fclose(in);
    }
    files.push_back(std::move(f));
    return files.back();
}

/// A fingerprint that survives unrelated edits (SARIF's line hashes do the
/// same): kind, file name (not its directory: build paths differ), function,
/// and the creating line's text without whitespace, with how many lines above
/// it in the file read the same; the line number when the source is not
/// readable at report time. Inserting lines above a leak keeps it; editing
/// the creating line changes it.
LIFECYCLE_DETAIL_COLD std::uint64_t fingerprint(const leak_group& g, source_lines* cache) {
    std::uint64_t h = 1469598103934665603ull;
    auto mix = [&h](std::string_view s) {
        for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
        h = (h ^ 0xff) * 1099511628211ull;
    };
    mix(g.kind);
    mix(base_name(g.site_file));
    mix(g.site_function);
    source_lines own;
    const source_lines::file& src = (cache ? *cache : own).of(g.site_line != 0 ? g.site_file : std::string());
    if (src.readable && g.site_line <= src.lines.size()) {
        const std::string& text = src.lines[g.site_line - 1];
        const auto earlier = std::count(src.lines.begin(), src.lines.begin() + static_cast<std::ptrdiff_t>(g.site_line - 1), text);
        mix("=" + text);
        mix(std::to_string(earlier));
    } else {
        mix("#" + std::to_string(g.site_line));
    }
    return h;
}

LIFECYCLE_DETAIL_COLD std::int64_t wall_clock_ms() noexcept {
    timespec ts{};
    ::clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// UTC by arithmetic (days to civil date, proleptic Gregorian), not gmtime_r:
// glibc's takes the time-zone lock, which a fork can leave held in the child
// (a report rendered in a forked child of a threaded process hung on it).
LIFECYCLE_DETAIL_COLD std::string iso_time(std::int64_t unix_ms, bool with_ms) {
    if (unix_ms < 0) unix_ms = 0;
    const std::int64_t secs = unix_ms / 1000;
    const std::int64_t days = secs / 86400, in_day = secs % 86400;
    const std::int64_t z = days + 719468, era = z / 146097, doe = z - era * 146097;
    const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    const std::int64_t day = doy - (153 * mp + 2) / 5 + 1, month = mp < 10 ? mp + 3 : mp - 9;
    const std::int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
    char buf[48];
    std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld", static_cast<long long>(year),
                  static_cast<long long>(month), static_cast<long long>(day), static_cast<long long>(in_day / 3600),
                  static_cast<long long>(in_day / 60 % 60), static_cast<long long>(in_day % 60));
    std::string out = buf;
    if (with_ms) {
        std::snprintf(buf, sizeof buf, ".%03d", static_cast<int>(unix_ms % 1000));
        out += buf;
    }
    return out + "Z";
}

// Read at every report (not cached): a fork child has its own pid and start.
LIFECYCLE_DETAIL_COLD process_facts this_process() {
    process_facts p;
    p.pid = static_cast<long>(::getpid());
    char buf[4096];
    const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n > 0) p.executable.assign(buf, static_cast<std::size_t>(n));
    if (::gethostname(buf, sizeof buf - 1) == 0) {
        buf[sizeof buf - 1] = '\0';
        p.host = buf;
    }
    // Start: boot time (/proc/stat btime) + field 22 of /proc/self/stat (clock ticks after boot).
    unsigned long long boot = 0, ticks = 0;
    if (std::FILE* f = std::fopen("/proc/stat", "r")) {
        while (std::fgets(buf, sizeof buf, f))
            if (std::sscanf(buf, "btime %llu", &boot) == 1) break;
        std::fclose(f);
    }
    if (std::FILE* f = std::fopen("/proc/self/stat", "r")) {
        const std::size_t got = std::fread(buf, 1, sizeof buf - 1, f);
        std::fclose(f);
        buf[got] = '\0';
        if (const char* rest = std::strrchr(buf, ')')) { // the command name may hold spaces and parentheses
            int field = 2;
            for (const char* q = rest + 1; *q && field < 22; ++q)
                if (*q == ' ') {
                    if (++field == 22) ticks = std::strtoull(q + 1, nullptr, 10);
                }
        }
    }
    const long hz = ::sysconf(_SC_CLK_TCK);
    if (boot != 0 && ticks != 0 && hz > 0)
        p.start_time = iso_time(static_cast<std::int64_t>(boot * 1000 + ticks * 1000 / static_cast<unsigned long long>(hz)), false);
    return p;
}

#if LIFECYCLE_TRACKING
/// Effects: names each frame's module by the loaded module that holds its
/// call (the program by its real path, not as invoked), with its GNU build
/// id, and its offset from that module's load bias. One walk of the modules.
LIFECYCLE_DETAIL_COLD void identify_modules(std::vector<leak_group>& groups) {
    struct module_id {
        module_span span;
        std::uintptr_t bias = 0;
        std::string path;
        std::string build_id;
    };
    struct walk {
        std::vector<module_id> modules;
        bool first = true;
        bool failed = false;
    } w;
    walk_modules(
        [](dl_phdr_info* info, std::size_t, void* data) -> int {
            auto& st = *static_cast<walk*>(data);
            const bool main_program = st.first;
            st.first = false;
            LIFECYCLE_DETAIL_TRY {
                module_id m;
                m.span = segments_of(*info, main_program);
                m.bias = info->dlpi_addr;
                if (!main_program && info->dlpi_name) m.path = info->dlpi_name;
                for_each_note(*info, [&m](const char* name, unsigned name_size, unsigned type, const char* desc, unsigned size) {
                    static const char hex[] = "0123456789abcdef";
                    if (type != 3 /* NT_GNU_BUILD_ID */ || name_size != 4 || std::memcmp(name, "GNU", 4) != 0 || !m.build_id.empty()) return;
                    for (unsigned i = 0; i < size; ++i) {
                        m.build_id += hex[static_cast<unsigned char>(desc[i]) >> 4];
                        m.build_id += hex[static_cast<unsigned char>(desc[i]) & 15];
                    }
                });
                st.modules.push_back(std::move(m));
            }
            LIFECYCLE_DETAIL_CATCH_ALL {
                st.failed = true;
                return 1;
            }
            return 0;
        },
        &w);
    if (w.failed) LIFECYCLE_DETAIL_THROW(std::bad_alloc());
    const std::string executable = this_process().executable;
    for (leak_group& g : groups)
        for (stack_frame& f : g.stack) {
            const auto call = reinterpret_cast<std::uintptr_t>(f.address) - 1;
            for (const module_id& m : w.modules) {
                if (!m.span.contains(reinterpret_cast<const void*>(call))) continue;
                if (m.span.main_program && !executable.empty()) f.module = executable;
                else if (!m.path.empty()) f.module = m.path;
                f.build_id = m.build_id;
                f.offset = call - m.bias;
                break;
            }
        }
}
#endif

} // namespace detail

#if LIFECYCLE_TRACKING

LIFECYCLE_DETAIL_COLD leak_report leak_report::from_records(std::string scope, std::vector<detail::record_view> records,
                                             capture tier) {
    leak_report r;
    r.scope_ = std::move(scope);
    r.tier_ = tier;
    r.checked_ms_ = detail::wall_clock_ms();
    r.count_ = records.size();
    auto& reg = detail::instance();
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
        if (std::find(g.threads.begin(), g.threads.end(), rec.thread) == g.threads.end()) g.threads.push_back(rec.thread);
        if (rec.scope && std::find(g.scopes.begin(), g.scopes.end(), rec.scope) == g.scopes.end()) g.scopes.emplace_back(rec.scope);
        if (rec.created_ticks != 0) {
            g.has_age = true;
            g.oldest_age_seconds = std::max(g.oldest_age_seconds, reg.age_seconds(rec.created_ticks));
        }
        if (rec.stack) {
            ++g.with_stack;
            ++stacks[it->second][rec.stack];
        }
    }
    for (std::size_t i = 0; i < r.groups_.size(); ++i) {
        leak_group& g = r.groups_[i];
        std::sort(g.ordinals.begin(), g.ordinals.end());
        g.distinct_stacks = stacks[i].size();
        std::size_t best = 0;
        for (const auto& s : stacks[i])
            if (s.second > best) {
                best = s.second;
                g.raw_stack = s.first;
            }
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
        if (!g.raw_stack) continue;
        const void* const* raw = const_cast<const void* const*>(g.raw_stack->frames);
        for (auto& f : detail::user_frames(raw, g.raw_stack->depth, &complete))
            g.stack.push_back(stack_frame{std::move(f.function), std::move(f.file), f.line, std::move(f.module), {}, f.offset, f.address});
        const detail::frame_info bottom = detail::symbols().symbol(raw[g.raw_stack->depth - 1], &complete);
        g.stack_stops_early = g.raw_stack->broken && !detail::outermost_frame(bottom.function) && !detail::startup_frame(bottom);
    }
    detail::identify_modules(*fresh);
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
    std::string out;
    const std::string scope_part = scope_.empty() ? std::string() : " in scope '" + scope_ + "'";
    out += "lifecycle: " + detail::plural(count_, "leaked resource", "leaked resources") + scope_part + "\n";
    bool any_site = false, any_stack = false, any_early = false, any_named = false;
    const std::size_t shown_groups = max_groups_ == 0 ? all.size() : std::min(max_groups_, all.size());
    for (std::size_t gi = 0; gi < shown_groups; ++gi) {
        const leak_group& g = all[gi];
        out += '\n';
        if (!g.tracked) { // found by the OS cross-check: one line per resource
            out += std::to_string(g.count) + " x " + g.kind + " (not tracked)\n";
            for (const std::string& what : g.labels) out += "  " + what + '\n';
            continue;
        }
        any_site = any_site || g.site_line != 0;
        any_stack = any_stack || !g.stack.empty();
        any_early = any_early || g.stack_stops_early;
        for (const stack_frame& f : g.stack) any_named = any_named || !f.function.empty() || !f.file.empty();
        out += std::to_string(g.count) + " x " + g.kind;
        const std::size_t shown = std::min<std::size_t>(g.labels.size(), 3);
        for (std::size_t i = 0; i < shown; ++i) out += (i == 0 ? " '" : ", '") + g.labels[i] + "'";
        if (g.labels.size() > shown) out += " and " + std::to_string(g.labels.size() - shown) + " more";
        if (g.total_weight) {
            out += ", holding " + detail::human_bytes(g.total_weight);
            if (g.count > 1) out += " (largest " + detail::human_bytes(g.largest_weight) + ")";
        }
        out += '\n';
        out += "  created at ";
        if (g.site_line != 0)
            out += g.site_function + " (" + g.site_file + ":" + std::to_string(g.site_line) + ")";
        else
            out += "an unknown site";
        out += " on thread";
        if (g.threads.size() > 1) out += 's';
        for (std::size_t i = 0; i < g.threads.size() && i < 4; ++i) out += (i ? ", " : " ") + std::to_string(g.threads[i]);
        if (g.threads.size() > 4) out += " and " + std::to_string(g.threads.size() - 4) + " more";
        out += ", ordinal";
        if (g.ordinals.size() == 1) out += " " + detail::format_ordinal(g.ordinals.front());
        else out += "s " + detail::format_ordinal(g.ordinals.front()) + " .. " + detail::format_ordinal(g.ordinals.back());
        if (g.has_age) out += ", oldest " + detail::human_seconds(g.oldest_age_seconds);
        out += '\n';
        if (!g.scopes.empty()) {
            out += "  in scope";
            for (std::size_t i = 0; i < g.scopes.size() && i < 3; ++i) out += (i ? ", '" : " '") + g.scopes[i] + "'";
            out += '\n';
        }
        out += "  close with " + g.close_call + '\n';
        for (std::size_t i = 0; i < g.stack.size(); ++i) {
            const stack_frame& f = g.stack[i];
            char num[32];
            std::snprintf(num, sizeof num, "    #%zu ", i);
            out += num;
            if (!f.function.empty()) out += f.function;
            else {
                char addr[64];
                std::snprintf(addr, sizeof addr, "%p", f.address);
                out += addr;
            }
            if (!f.file.empty()) out += " at " + f.file + ":" + std::to_string(f.line);
            else if (!f.module.empty()) {
                char off[32];
                std::snprintf(off, sizeof off, "+0x%llx", static_cast<unsigned long long>(f.offset));
                out += " in " + f.module + off;
            }
            out += '\n';
        }
        if (g.distinct_stacks > 1) out += "    (" + detail::plural(g.distinct_stacks - 1, "other stack", "other stacks") + " at this site)\n";
        if (g.with_stack && g.with_stack < g.count) out += "    (" + std::to_string(g.with_stack) + " of " + std::to_string(g.count) + " have a stack)\n";
    }
    if (shown_groups < all.size()) {
        std::size_t rest = 0;
        for (std::size_t gi = shown_groups; gi < all.size(); ++gi) rest += all[gi].count;
        out += "\n... and " + detail::plural(all.size() - shown_groups, "more group", "more groups") + " (" +
               detail::plural(rest, "resource", "resources") + "); to_json() has every group\n";
    }
    bool any_tracked = false;
    for (const leak_group& g : all) any_tracked = any_tracked || g.tracked;
    if (any_tracked && !any_site)
        out += "\n(creation sites were not captured: set LIFECYCLE_CAPTURE=site or stack, or call lifecycle::set_capture)\n";
    else if (any_tracked && !any_stack && shown_groups == all.size())
        out += "\n(creation stacks were not captured: set LIFECYCLE_CAPTURE=stack, or call lifecycle::set_capture(lifecycle::capture::stack))\n";
    // A build that cannot symbolize (header-only Boost.Stacktrace without a
    // backend, no -g) says once what names its frames.
    if (any_stack && !any_named)
        out += "\n(frames have no names: this build cannot symbolize them; compile with -g -DBOOST_STACKTRACE_LINK and "
               "link -lboost_stacktrace_backtrace -ldl, as the CMake and meson targets do; README, \"A bare -I\")\n";
    if (any_early) out += "\n(some stacks stop at a frame without a frame pointer: set LIFECYCLE_UNWIND=precise, or call "
                          "lifecycle::set_unwind(lifecycle::unwind::precise), to capture them whole)\n";
    out += '\n';
    for (const limit_exceeded& l : exceeded_) {
        out += "limit exceeded: " + std::to_string(l.count) + " x " + l.kind;
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
            out += (i ? ", " : " ") + std::to_string(allowed_[i].count) + " by " + allowed_[i].rule + " (" + allowed_[i].reason + ")";
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
        out += "},\"labels\":[";
        for (std::size_t i = 0; i < g.labels.size(); ++i) {
            if (i) out += ',';
            detail::json_string(out, g.labels[i]);
        }
        out += "],\"ordinals\":[";
        for (std::size_t i = 0; i < g.ordinals.size(); ++i) {
            if (i) out += ',';
            out += '"' + detail::format_ordinal(g.ordinals[i]) + '"';
        }
        out += "],\"threads\":[";
        for (std::size_t i = 0; i < g.threads.size(); ++i) out += (i ? "," : "") + std::to_string(g.threads[i]);
        out += "],\"scopes\":[";
        for (std::size_t i = 0; i < g.scopes.size(); ++i) {
            if (i) out += ',';
            detail::json_string(out, g.scopes[i]);
        }
        out += "],\"oldest_age_seconds\":" + (g.has_age ? detail::fixed_decimal(g.oldest_age_seconds, 3) : "null") + ",\"with_stack\":" + std::to_string(g.with_stack) +
               ",\"stack_stops_early\":" + (g.stack_stops_early ? "true" : "false") + ",\"frames\":[";
        for (std::size_t i = 0; i < g.stack.size(); ++i) {
            const stack_frame& f = g.stack[i];
            if (i) out += ',';
            out += "{\"function\":";
            detail::json_string(out, f.function);
            out += ",\"file\":";
            detail::json_string(out, f.file);
            out += ",\"line\":" + std::to_string(f.line) + ",\"module\":";
            detail::json_string(out, f.module);
            out += ",\"build_id\":";
            detail::json_string(out, f.build_id);
            char off[32];
            std::snprintf(off, sizeof off, "\"0x%llx\"", static_cast<unsigned long long>(f.offset));
            out += ",\"offset\":" + std::string(off) + "}";
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
