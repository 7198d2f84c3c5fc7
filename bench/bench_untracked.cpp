// SPDX-License-Identifier: BSL-1.0
// bench/bench_untracked.cpp — tracking compiled out (LIFECYCLE_TRACKING=0,
// set for this file only by bench/CMakeLists.txt), linked into the same
// binary as bench_lifecycle.cpp.
//
// Shows the zero-cost claim: tracked<fake_traits> with tracking compiled out
// against the hand-written "open; if valid, close". bench/run also compares
// the machine code of the two *_once functions below.
#include "fake_handle.hpp"

// handle.hpp, not tracked.hpp: all this file needs.
#include <lifecycle/handle.hpp>

#include <benchmark/benchmark.h>

#if LIFECYCLE_TRACKING
#    error "bench_untracked.cpp must be compiled with LIFECYCLE_TRACKING=0"
#endif

namespace {

using untracked_fake = lifecycle::tracked<bench::fake_traits>;
static_assert(sizeof(untracked_fake) == sizeof(bench::fake_object*),
              "LIFECYCLE_TRACKING=0: a tracked handle must be exactly as big as the raw handle");

void BM_untracked_raw(benchmark::State& state) {
    for (auto _ : state) {
        bench::fake_object* h = bench::fake_open();
        if (h != nullptr) bench::fake_close(h);
    }
}

void BM_untracked_tracked(benchmark::State& state) {
    for (auto _ : state) {
        untracked_fake t{bench::fake_open()};
    }
}

} // namespace

// One create+destroy each, out of line, for bench/run's code comparison
// (objdump --disassemble=<symbol>): the bodies must be the same instructions.
extern "C" __attribute__((noinline, used)) void lifecycle_bench_untracked_raw_once() {
    bench::fake_object* h = bench::fake_open();
    if (h != nullptr) bench::fake_close(h);
}
extern "C" __attribute__((noinline, used)) void lifecycle_bench_untracked_tracked_once() {
    untracked_fake t{bench::fake_open()};
}

BENCHMARK(BM_untracked_raw)->Name("untracked/raw")->Threads(1);
BENCHMARK(BM_untracked_tracked)->Name("untracked/tracked")->Threads(1);
