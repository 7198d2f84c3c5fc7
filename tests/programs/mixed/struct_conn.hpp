// SPDX-License-Identifier: BSL-1.0
// The struct that the two files of tests/programs/mixed/struct_*.cpp share.
#include <lifecycle/tracked.hpp>

struct conn {
    lifecycle::tracked_fd fd;
    int id;
};
conn* make_conn();
