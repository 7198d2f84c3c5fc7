// SPDX-License-Identifier: BSL-1.0
// Handles destroyed during static destruction still retire, a close that
// fails then is still reported, and a report rendered then still prints.
#include <lifecycle/tracked.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>

namespace {
struct reporter {
    lifecycle::leak_scope scope{"static lifetime", lifecycle::leak_policy::ignore};
    ~reporter() {
        // Runs after main returned, while statics are being destroyed.
        std::fputs(scope.check().to_text().c_str(), stderr);
        std::fputs("reporter: done\n", stderr);
    }
};
reporter the_reporter; // constructed first, destroyed last
// Never destroyed: still open when the reporter runs, after every other static.
auto* kept_open = new lifecycle::tracked_fd{::open("/dev/null", O_RDONLY), "static fd"};
lifecycle::tracked_fd fails_late{::open("/dev/null", O_RDONLY), "closed behind its back"};
} // namespace

int main() {
    ::close(fails_late.get()); // its destructor's close will fail with EBADF
    std::puts("main: returning");
}
