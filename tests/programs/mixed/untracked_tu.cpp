// SPDX-License-Identifier: BSL-1.0
// Compiled with LIFECYCLE_TRACKING=0 (see tracking_tu.cpp).
#include <lifecycle/tracked.hpp>

int use(lifecycle::tracked_fd& fd) { return fd ? 1 : 0; }
