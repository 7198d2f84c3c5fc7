// SPDX-License-Identifier: BSL-1.0
// Prints the capture tier and stack depth the environment produced, then a
// report of one planted leak, so a test can see the tier's effect.
#include <lifecycle/tracked.hpp>
#include <lifecycle/detail/registry_core.hpp> // detail::instance(), not shown by tracked.hpp in compiled mode

#include <fcntl.h>

#include <cstdio>

int main() {
    std::printf("capture=%s depth=%u\n", lifecycle::detail::capture_name(lifecycle::current_capture()),
                lifecycle::detail::instance().stack_depth());
    lifecycle::leak_scope scope{"env", lifecycle::leak_policy::ignore};
    lifecycle::tracked_fd leaked{::open("/dev/null", O_RDONLY), "planted"};
    std::fputs(scope.check().to_text().c_str(), stdout);
}
