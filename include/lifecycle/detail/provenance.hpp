// SPDX-License-Identifier: BSL-1.0
// lifecycle/detail/provenance.hpp — private. Which process and which binary
// a report came from, so that lines merged from many CI jobs can be told
// apart and symbolized later: the executable, pid, start time and host of
// the process; the loaded modules with their GNU build ids and load biases.
#ifndef LIFECYCLE_DETAIL_PROVENANCE_HPP
#define LIFECYCLE_DETAIL_PROVENANCE_HPP

#include <lifecycle/config.hpp>

#include <cstdint>
#include <string>
#include <vector>

LIFECYCLE_BEGIN_NAMESPACE
namespace detail {

/// What tells one process from another in a merged report.
struct process_facts {
    std::string executable; // real path; empty when unknown
    long pid = 0;
    std::string start_time; // ISO 8601 UTC; empty when unknown
    std::string host;
};
/// Returns: this process's facts, read now (a fork child has its own).
LIFECYCLE_DETAIL_COLD process_facts this_process();
/// Returns: `unix_ms` as ISO 8601 UTC ("2026-12-02T21:10:14.123Z").
LIFECYCLE_DETAIL_COLD std::string iso_time(std::int64_t unix_ms, bool with_ms);
/// Returns: the wall clock in milliseconds since the epoch.
LIFECYCLE_DETAIL_COLD std::int64_t wall_clock_ms() noexcept;

#if LIFECYCLE_TRACKING
/// One loaded module: the program (by its real path, not as invoked) or a
/// shared object.
struct module_identity {
    std::vector<std::uintptr_t> segments; // [begin, end) of each loaded segment, in pairs
    bool main_program = false;
    std::uintptr_t bias = 0;
    std::string path;
    std::string build_id; // GNU build id in hex; empty when it has none
};
/// Returns: the loaded modules, in one walk. Throws: std::bad_alloc.
LIFECYCLE_DETAIL_COLD std::vector<module_identity> loaded_modules();
/// Returns: the module of `modules` that holds `address`, or nullptr.
LIFECYCLE_DETAIL_COLD const module_identity* module_of(const std::vector<module_identity>& modules, std::uintptr_t address) noexcept;
#endif

} // namespace detail
LIFECYCLE_END_NAMESPACE

#if LIFECYCLE_DETAIL_DEFINE_COLD
#    include <cstdio>
#    include <cstdlib>
#    include <cstring>
#    include <ctime>
#    include <unistd.h>
#    if LIFECYCLE_TRACKING
#        include <lifecycle/detail/exceptions.hpp>
#        include <lifecycle/detail/modules.hpp>
#        include <new>
#    endif

LIFECYCLE_BEGIN_NAMESPACE
namespace detail {

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
LIFECYCLE_DETAIL_COLD std::vector<module_identity> loaded_modules() {
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
    std::vector<module_identity> out;
    out.reserve(w.modules.size());
    for (module_id& m : w.modules) {
        module_identity id;
        for (int i = 0; i < m.span.segments; ++i) {
            id.segments.push_back(m.span.lo[i]);
            id.segments.push_back(m.span.hi[i]);
        }
        id.main_program = m.span.main_program;
        id.bias = m.bias;
        id.path = m.span.main_program && !executable.empty() ? executable : std::move(m.path);
        id.build_id = std::move(m.build_id);
        out.push_back(std::move(id));
    }
    return out;
}

LIFECYCLE_DETAIL_COLD const module_identity* module_of(const std::vector<module_identity>& modules, std::uintptr_t address) noexcept {
    for (const module_identity& m : modules)
        for (std::size_t i = 0; i + 1 < m.segments.size(); i += 2)
            if (address >= m.segments[i] && address < m.segments[i + 1]) return &m;
    return nullptr;
}
#endif

} // namespace detail
LIFECYCLE_END_NAMESPACE
#endif // LIFECYCLE_DETAIL_DEFINE_COLD

#endif // LIFECYCLE_DETAIL_PROVENANCE_HPP
