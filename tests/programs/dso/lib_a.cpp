// SPDX-License-Identifier: BSL-1.0
// Built with -fvisibility=hidden into liblifecycle_dso_a.so.
#include <lifecycle/tracked.hpp>
#include <lifecycle/detail/registry_core.hpp> // detail::instance(), not shown by tracked.hpp in compiled mode

#include <fcntl.h>

__attribute__((visibility("default"))) lifecycle::tracked_fd* dso_a_open() {
    return new lifecycle::tracked_fd{::open("/dev/null", O_RDONLY), "from a"};
}
__attribute__((visibility("default"))) const void* dso_a_registry() { return &lifecycle::detail::instance(); }
