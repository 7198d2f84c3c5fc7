// SPDX-License-Identifier: BSL-1.0
// GoogleTest's automatic mode on the two stories: the per-request sessions leak
// past the test case; the re-created engines are caught by a max-live
// threshold. Run with LIFECYCLE_DETECT_LEAKS=1 LIFECYCLE_MAX_LIVE="db engine=2"
// (see gtest_stories.expect); both test cases fail, by name.
#include <lifecycle/gtest.hpp>

#include "stories.hpp"

LIFECYCLE_GTEST_AUTO();

TEST(client, sends_50_requests) {
    for (int i = 0; i < 50; ++i) stories::shared_client().send_request("ping");
}

TEST(periodic_sync, runs_10_ticks) {
    stories::sync_service sync;
    for (int i = 0; i < 10; ++i) sync.tick();
}
