// SPDX-License-Identifier: BSL-1.0
// lifecycle/doctest.hpp in passing test cases; the failing ones run in a
// subprocess (tests/programs/doctest_leaks.cpp), since they must fail.
#include <lifecycle/doctest.hpp>
#include <lifecycle/tracked.hpp>

#include <fcntl.h>

#include "support.hpp"

TEST_CASE_FIXTURE(lifecycle::doctest::no_leaks, "a test case that closes what it opens passes the fixture") {
    lifecycle::tracked_fd fd{::open("/dev/null", O_RDONLY), "closed by the test"};
    CHECK(fd);
    CHECK(leak_scope_().name() == "a test case that closes what it opens passes the fixture");
}

TEST_CASE("LIFECYCLE_CHECK_NO_LEAKS and LIFECYCLE_REQUIRE_NO_LEAKS pass a clean scope") {
    lifecycle::leak_scope scope{"clean", lifecycle::leak_policy::ignore};
    { lifecycle::tracked_fd fd{::open("/dev/null", O_RDONLY)}; }
    LIFECYCLE_CHECK_NO_LEAKS(scope);
    LIFECYCLE_REQUIRE_NO_LEAKS(scope);
}
