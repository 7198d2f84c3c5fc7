// SPDX-License-Identifier: BSL-1.0
// The at-exit report: what is still open when the process exits, except what
// statics close during static destruction and what is kept alive on purpose.
// LIFECYCLE_REPORT_AT_EXIT=1 installs it; AT_EXIT_BY_CALL=1 makes the program
// call lifecycle::report_at_exit() instead; AT_EXIT_CLEAN=1 leaks nothing.
// An atexit handler registered before lifecycle's says when it ran.
#include <lifecycle/tracked.hpp>

#include <fcntl.h>

#include <cstdio>
#include <cstdlib>

namespace {
lifecycle::tracked_fd closed_by_static_destruction{::open("/dev/null", O_RDONLY), "global"};
} // namespace

int main() {
    std::atexit([] { std::fputs("earlier atexit work ran\n", stderr); });
    if (std::getenv("AT_EXIT_BY_CALL")) lifecycle::report_at_exit();
    lifecycle::tracked_fd* leaked = nullptr;
    if (!std::getenv("AT_EXIT_CLEAN")) leaked = new lifecycle::tracked_fd{::open("/dev/null", O_RDONLY), "leaked at exit"};
    auto* kept = new lifecycle::tracked_fd{::open("/dev/null", O_RDONLY), "kept"};
    keep_alive(*kept, "lives as long as the process");
    (void)leaked;
    std::puts("main: returning");
}
