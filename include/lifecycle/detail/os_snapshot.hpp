// SPDX-License-Identifier: BSL-1.0
// lifecycle/detail/os_snapshot.hpp — what the OS says the process holds: open
// file descriptors with their readlink targets, and the number of threads
// (Linux /proc/self). Used by leak_scope's OS cross-check. Private.
#ifndef LIFECYCLE_DETAIL_OS_SNAPSHOT_HPP
#define LIFECYCLE_DETAIL_OS_SNAPSHOT_HPP

#include <lifecycle/config.hpp>

#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include <dirent.h>
#include <unistd.h>

LIFECYCLE_BEGIN_NAMESPACE
namespace detail {

struct os_snapshot {
    bool ok = false;                               ///< /proc/self/fd could be read
    std::vector<std::pair<int, std::string>> fds;  ///< fd and readlink target, ascending
    int threads = 0;                               ///< entries of /proc/self/task; 0 if unknown
};

// Names of a /proc directory's numeric entries, without the fd the listing
// itself uses.
LIFECYCLE_DETAIL_COLD std::vector<int> proc_numbers(const char* path);

LIFECYCLE_DETAIL_COLD os_snapshot take_os_snapshot();

} // namespace detail
LIFECYCLE_END_NAMESPACE


// ---- definitions of the cold paths (header-only, or the compiled library) ----
#if LIFECYCLE_DETAIL_DEFINE_COLD
#    include <algorithm>

LIFECYCLE_BEGIN_NAMESPACE

namespace detail {

LIFECYCLE_DETAIL_COLD std::vector<int> proc_numbers(const char* path) {
    std::vector<int> out;
    DIR* d = ::opendir(path);
    if (!d) return out;
    const int own = ::dirfd(d);
    while (const dirent* e = ::readdir(d)) {
        char* end = nullptr;
        const long n = std::strtol(e->d_name, &end, 10);
        if (end == e->d_name || *end != '\0' || n < 0) continue;
        if (static_cast<int>(n) != own) out.push_back(static_cast<int>(n));
    }
    ::closedir(d);
    return out;
}

LIFECYCLE_DETAIL_COLD os_snapshot take_os_snapshot() {
    os_snapshot s;
    DIR* probe = ::opendir("/proc/self/fd");
    if (!probe) return s;
    ::closedir(probe);
    s.ok = true;
    for (int fd : proc_numbers("/proc/self/fd")) {
        const std::string link = "/proc/self/fd/" + std::to_string(fd);
        char target[4096];
        const ssize_t n = ::readlink(link.c_str(), target, sizeof target - 1);
        if (n < 0) continue; // closed while listing
        s.fds.emplace_back(fd, std::string(target, static_cast<std::size_t>(n)));
    }
    std::sort(s.fds.begin(), s.fds.end());
    s.threads = static_cast<int>(proc_numbers("/proc/self/task").size());
    return s;
}

} // namespace detail

LIFECYCLE_END_NAMESPACE
#endif // LIFECYCLE_DETAIL_DEFINE_COLD

#endif // LIFECYCLE_DETAIL_OS_SNAPSHOT_HPP
