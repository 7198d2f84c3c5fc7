// SPDX-License-Identifier: BSL-1.0
// A plugin built with LIFECYCLE_TRACKING=0, loaded by a program built with 1
// (tests/programs/mixed_plugin.cpp): the process must say that it mixes.
#include <lifecycle/tracked.hpp>

#include <fcntl.h>

extern "C" __attribute__((visibility("default"))) int untracked_open() {
    lifecycle::tracked_fd fd{::open("/dev/null", O_RDONLY | O_CLOEXEC), "untracked"};
    return fd.get() >= 0;
}
