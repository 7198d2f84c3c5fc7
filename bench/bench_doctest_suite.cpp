// SPDX-License-Identifier: BSL-1.0
// bench/bench_doctest_suite.cpp — a doctest binary of 2,000 test cases, each
// opening and closing 100 tracked fds (/dev/null), with lifecycle's automatic
// leak checks (LIFECYCLE_DOCTEST_AUTO, run with --lifecycle-detect-leaks) and
// the default capture (site). Built twice by bench/CMakeLists.txt: with
// lifecycle (lifecycle_bench_doctest_suite) and, with
// BENCH_WITHOUT_LIFECYCLE=1, the same tests over raw fds and without
// lifecycle's header (lifecycle_bench_doctest_suite_plain).
// bench/doctest_suite.py runs the two in turn and compares their CPU time.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#if BENCH_WITHOUT_LIFECYCLE
#    include <doctest/doctest.h>
#else
#    include <lifecycle/doctest.hpp>
#    include <lifecycle/tracked.hpp>
LIFECYCLE_DOCTEST_AUTO();
#endif

#include <cstdlib>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

namespace {

constexpr int fds_per_test = 100;

// The body of every test case: out of line, so that the 2,000 test cases
// are 2,000 small functions around one body, as a suite's helpers are.
__attribute__((noinline)) void open_and_close_fds() {
#if BENCH_WITHOUT_LIFECYCLE
    std::vector<int> fds;
    fds.reserve(fds_per_test);
    for (int i = 0; i < fds_per_test; ++i) fds.push_back(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    CHECK(fds.back() >= 0);
    for (int fd : fds)
        if (fd >= 0) ::close(fd);
#else
    std::vector<lifecycle::tracked_fd> fds;
    fds.reserve(fds_per_test);
    for (int i = 0; i < fds_per_test; ++i) fds.emplace_back(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    CHECK(fds.back().get() >= 0);
    // The negative control (bench/doctest_suite.py): one fd left open must
    // fail the run, or the leak checks were not on.
    static const bool plant = std::getenv("BENCH_PLANT_LEAK") != nullptr;
    if (plant) (void)new lifecycle::tracked_fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
#endif
}

} // namespace

#define BENCH_TEST(n) \
    TEST_CASE("suite test " #n) { open_and_close_fds(); }
#define BENCH_TESTS_10(X, d) X(d##0) X(d##1) X(d##2) X(d##3) X(d##4) X(d##5) X(d##6) X(d##7) X(d##8) X(d##9)
#define BENCH_TESTS_100(X, d) \
    BENCH_TESTS_10(X, d##0) BENCH_TESTS_10(X, d##1) BENCH_TESTS_10(X, d##2) BENCH_TESTS_10(X, d##3) \
    BENCH_TESTS_10(X, d##4) BENCH_TESTS_10(X, d##5) BENCH_TESTS_10(X, d##6) BENCH_TESTS_10(X, d##7) \
    BENCH_TESTS_10(X, d##8) BENCH_TESTS_10(X, d##9)
#define BENCH_TESTS_1000(X, d) \
    BENCH_TESTS_100(X, d##0) BENCH_TESTS_100(X, d##1) BENCH_TESTS_100(X, d##2) BENCH_TESTS_100(X, d##3) \
    BENCH_TESTS_100(X, d##4) BENCH_TESTS_100(X, d##5) BENCH_TESTS_100(X, d##6) BENCH_TESTS_100(X, d##7) \
    BENCH_TESTS_100(X, d##8) BENCH_TESTS_100(X, d##9)

BENCH_TESTS_1000(BENCH_TEST, 1)
BENCH_TESTS_1000(BENCH_TEST, 2)
