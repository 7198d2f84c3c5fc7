// SPDX-License-Identifier: BSL-1.0
// A plugin that creates handles and hands them to its loader, which unloads
// it while they are live (tests/programs/unload.cpp).
#include <lifecycle/tracked.hpp>

#include <fcntl.h>

namespace {
__attribute__((noinline)) lifecycle::tracked_fd* open_in_plugin(int i) {
    return new lifecycle::tracked_fd{::open("/dev/null", O_RDONLY | O_CLOEXEC), "plugin handle " + std::to_string(i)};
}
} // namespace

// Returns: a new lifecycle::tracked_fd, as void*: a loader that does not use
// lifecycle (plugins_only.cpp) calls it through a pointer to this very type
// (UBSan's -fsanitize=function checks it).
extern "C" __attribute__((visibility("default"))) void* plugin_open(int i) { return open_in_plugin(i); }

// The live fds in the stats of the registry this plugin uses.
extern "C" __attribute__((visibility("default"))) unsigned long long plugin_live_fds() {
    for (const lifecycle::kind_stats& k : lifecycle::stats())
        if (k.kind == "fd") return k.live;
    return 0;
}
