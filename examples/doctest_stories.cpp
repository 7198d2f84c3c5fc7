// SPDX-License-Identifier: BSL-1.0
// doctest's automatic mode on the two stories: the per-request sessions leak
// past the test case; the re-created engines are caught by a max-live
// threshold. Run with LIFECYCLE_DETECT_LEAKS=1 LIFECYCLE_MAX_LIVE="db engine=2"
// (see doctest_stories.expect); both test cases fail, by name.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <lifecycle/doctest.hpp>

#include "stories.hpp"

LIFECYCLE_DOCTEST_AUTO();

TEST_CASE("client sends 50 requests") {
    for (int i = 0; i < 50; ++i) stories::shared_client().send_request("ping");
}

TEST_CASE("periodic sync runs 10 ticks") {
    stories::sync_service sync;
    for (int i = 0; i < 10; ++i) sync.tick();
}
