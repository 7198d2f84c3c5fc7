// SPDX-License-Identifier: BSL-1.0
// LIFECYCLE_OWNERSHIP sets the ownership diagnostics level; garbage warns and
// keeps the default (warn-once). The same double ownership happens twice.
#include <lifecycle/tracked.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>

int main() {
    for (int i = 0; i < 2; ++i) {
        lifecycle::tracked_fd owner{::open("/dev/null", O_RDONLY), "owner"};
        lifecycle::tracked_fd alias{owner.get(), "alias"};
        (void)alias.release();
    }
    std::printf("level: %d\n", static_cast<int>(lifecycle::current_ownership_level()));
}
