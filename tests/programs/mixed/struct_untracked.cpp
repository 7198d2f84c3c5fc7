// SPDX-License-Identifier: BSL-1.0
// Built with LIFECYCLE_TRACKING=0 (tests/programs/mixed/struct_main.cpp).
#include "programs/mixed/struct_conn.hpp"

conn* make_conn() { return new conn{lifecycle::tracked_fd{}, 7}; }
