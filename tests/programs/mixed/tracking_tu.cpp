// SPDX-License-Identifier: BSL-1.0
// Compiled with LIFECYCLE_TRACKING=1; calls a function defined in a
// translation unit compiled with LIFECYCLE_TRACKING=0. The two tracked_fd
// types live in different inline namespaces, so this must not link.
#include <lifecycle/tracked.hpp>

int use(lifecycle::tracked_fd& fd);

int main() {
    lifecycle::tracked_fd fd;
    return use(fd);
}
