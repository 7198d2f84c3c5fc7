// bench/bench_lifecycle.cpp — lifecycle's costs against their baselines, in
// one Google Benchmark binary (with bench_untracked.cpp, which is compiled
// with tracking off). Built -O2 -g -DNDEBUG with LIFECYCLE_TRACKING=1 forced
// for this file (bench/CMakeLists.txt). bench/run builds, runs and summarizes.
//
// Groups (all times are CPU time per operation; see bench/run for the table):
//
//   create_destroy/*   one create + destroy of a handle over a fake handle
//                      whose open and close cost nothing (fake_handle.hpp):
//                      raw handle, unique_ptr with a no-op deleter over the
//                      same handle, heap unique_ptr<int> (for scale), and
//                      tracked<> with capture off / site / stack (depth 32);
//                      1 and 2 threads.
//   stack/*            stack capture at equal depth N (8, 32): tracked<> with
//                      capture::stack and set_stack_depth(N) against
//                      boost::stacktrace::safe_dump_to and
//                      boost::stacktrace::stacktrace(0, N), called at the same
//                      call depth (see "Equal depth" below).
//   scope_check        leak_scope::check() with 1,000,000 live resources
//                      created before the scope and 10 inside it.
//   render/*           leak_report::to_text() of 10,000 leaks from 100 distinct
//                      creation sites with stacks: the first (cold) render of the
//                      process once, then warm renders; and the check() that
//                      builds that report.
//   untracked/*        (bench_untracked.cpp) tracked<> with tracking compiled
//                      out against the raw handle.
//
// Equal depth. An unwind costs per frame walked (an FDE lookup and a CFI
// program each), so "equal depth" must mean equal frames kept from the same
// place, not only an equal N. lifecycle captures in the frame that enrolls
// the resource (handle_closer::enroll with g++ 12 -O2, one frame below the
// creating function; trimmed when reports are rendered). A baseline called
// straight from the benchmark would start a frame higher: at N = 8 it would
// keep frames reaching one further up, and at N = 32 (more than the ~13
// frames there are) it would reach the end of the stack a frame sooner, so it
// would look cheaper for a reason that has nothing to do with the unwinder.
// So each baseline calls Boost from the bottom of a chain
// of noinline `descend` frames, K + 1 long, and K is measured at run time in
// the benchmark function's own frame: lifecycle's creation stack through
// lc_create_destroy() and the baseline's through descend(0) are both
// captured from there at depth 128, K is the difference in length, and the
// run checks that with K the two stacks have the same length and the same
// return addresses above the benchmark function (else the benchmark fails).
// Then, for any N, both unwinds keep the same frames of the same objects,
// and a frame of the capture functor, if the compiler keeps one, is counted
// by the calibration. What differs is what is walked and thrown away:
// safe_dump_to skips its own safe_dump_to_impl frame (safe_dump_to_impl ->
// collect -> _Unwind_Backtrace), lifecycle calls collect itself
// (detail/stacktrace.hpp), and that frame is most of its margin.
//
// Environment: LIFECYCLE_BENCH_SHOW_STACKS=1 prints the two stacks of the
// depth-32 comparison side by side (this symbolizes: render/cold is then
// skipped); LIFECYCLE_BENCH_SHOW_REPORT=1 prints the head of the rendered report.
#include "fake_handle.hpp"

#include <lifecycle/tracked.hpp>

#include <benchmark/benchmark.h>

#if LIFECYCLE_STACKTRACE
#    include <boost/stacktrace.hpp>
#endif

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <typeinfo>
#include <vector>

#if !LIFECYCLE_TRACKING
#    error "bench_lifecycle.cpp must be compiled with LIFECYCLE_TRACKING=1"
#endif

namespace {

using tracked_fake = lifecycle::tracked<bench::fake_traits>;
constexpr unsigned default_depth = 32; // lifecycle's default LIFECYCLE_STACK_DEPTH
bool g_rendered = false;               // something has symbolized: the symbol caches are warm

// ---- create + destroy --------------------------------------------------------

void BM_raw(benchmark::State& state) {
    for (auto _ : state) {
        bench::fake_object* h = bench::fake_open();
        if (h != nullptr) bench::fake_close(h);
    }
}

void BM_unique_ptr_noop(benchmark::State& state) {
    for (auto _ : state) {
        std::unique_ptr<bench::fake_object, bench::fake_deleter> p{bench::fake_open()};
    }
}

void BM_unique_ptr_int(benchmark::State& state) {
    for (auto _ : state) {
        auto p = std::make_unique<int>(42);
        benchmark::DoNotOptimize(p.get()); // the pointer escapes: new/delete cannot be elided
    }
}

// The default ownership level (warn-once) claims every handle's identity in
// the ownership index; `ignore` measures the registry alone.
template <lifecycle::capture C, lifecycle::ownership_level O = lifecycle::ownership_level::warn_once>
void BM_tracked(benchmark::State& state) {
    lifecycle::set_capture(C);
    lifecycle::set_stack_depth(default_depth);
    lifecycle::set_ownership_level(O);
    // One handle value per thread, as real fds differ between threads: two
    // threads holding the same value would be two owners of one handle.
    const std::uintptr_t value = 0x1000 + 0x40 * static_cast<std::uintptr_t>(state.thread_index());
    for (auto _ : state) {
        tracked_fake t{bench::fake_open(value)};
    }
    lifecycle::set_capture(lifecycle::capture::site);
    lifecycle::set_ownership_level(lifecycle::ownership_level::warn_once);
}

#define LC_BENCH_CREATE_DESTROY(fn, name) BENCHMARK(fn)->Name("create_destroy/" name)->Threads(1)->Threads(2)

LC_BENCH_CREATE_DESTROY(BM_raw, "raw");
LC_BENCH_CREATE_DESTROY(BM_unique_ptr_noop, "unique_ptr_noop");
LC_BENCH_CREATE_DESTROY(BM_unique_ptr_int, "unique_ptr_int_heap");
LC_BENCH_CREATE_DESTROY(BM_tracked<lifecycle::capture::off>, "tracked_off");
LC_BENCH_CREATE_DESTROY(BM_tracked<lifecycle::capture::site>, "tracked_site");
LC_BENCH_CREATE_DESTROY(BM_tracked<lifecycle::capture::stack>, "tracked_stack");
// An explicit close() (not the destructor) also leaves a tombstone for
// use-after-close diagnostics: a per-thread cache hit after the first time.
void BM_tracked_explicit_close(benchmark::State& state) {
    lifecycle::set_capture(lifecycle::capture::site);
    const std::uintptr_t value = 0x1000 + 0x40 * static_cast<std::uintptr_t>(state.thread_index());
    for (auto _ : state) {
        tracked_fake t{bench::fake_open(value)};
        benchmark::DoNotOptimize(t.close());
    }
}
LC_BENCH_CREATE_DESTROY(BM_tracked_explicit_close, "tracked_site_explicit_close");
LC_BENCH_CREATE_DESTROY((BM_tracked<lifecycle::capture::off, lifecycle::ownership_level::ignore>), "tracked_off_no_ownership");
LC_BENCH_CREATE_DESTROY((BM_tracked<lifecycle::capture::site, lifecycle::ownership_level::ignore>), "tracked_site_no_ownership");

// ---- stack capture at equal depth ----------------------------------------------

#if LIFECYCLE_STACKTRACE

// Reads the creation stack of the handle that lc_create_destroy() holds.
// Installed in g_probe only while calibrating (a global, not a parameter, so
// that the compiler cannot specialize lc_create_destroy for "no probe").
struct lc_probe {
    lifecycle::leak_scope scope{"bench probe", lifecycle::leak_policy::ignore};
    std::vector<void*> frames;

    LIFECYCLE_DETAIL_NOINLINE void take() {
        const lifecycle::leak_report r = scope.check();
        frames.clear();
        if (r.groups().size() == 1 && r.groups()[0].raw_stack != nullptr) {
            const auto* s = r.groups()[0].raw_stack;
            void* const* f = s->frames;
            frames.assign(f, f + s->depth);
        }
    }
};
std::atomic<lc_probe*> g_probe{nullptr};

// One tracked create + destroy, out of line: the frame the stack benchmark
// and the calibration have in common.
LIFECYCLE_DETAIL_NOINLINE void lc_create_destroy() {
    tracked_fake t{bench::fake_open()};
    if (lc_probe* p = g_probe.load(std::memory_order_relaxed); __builtin_expect(p != nullptr, 0)) p->take();
}

// While alive: creation stacks are captured with up to 128 frames and
// lc_create_destroy() hands its handle's stack to `probe`. Used in the frame
// of the benchmark function itself, so that the stack read is the stack the
// timed loop captures.
class probing {
public:
    explicit probing(lc_probe& probe)
        : capture_(lifecycle::current_capture()), depth_(lifecycle::detail::instance().stack_depth()) {
        lifecycle::set_capture(lifecycle::capture::stack);
        lifecycle::set_stack_depth(128);
        g_probe.store(&probe, std::memory_order_relaxed);
    }
    ~probing() {
        g_probe.store(nullptr, std::memory_order_relaxed);
        lifecycle::set_stack_depth(depth_);
        lifecycle::set_capture(capture_);
    }
    probing(const probing&) = delete;
    probing& operator=(const probing&) = delete;

private:
    lifecycle::capture capture_;
    unsigned depth_;
};

// K + 1 frames, then f() in the last one. The asm after the call keeps the
// recursive call from becoming a jump (a tail call has no frame).
template <class F>
LIFECYCLE_DETAIL_NOINLINE std::size_t descend(int k, const F& f) {
    if (k <= 0) return f();
    std::size_t n = descend(k - 1, f);
    asm volatile("" : "+r"(n));
    return n;
}

// Async-signal-safe raw frames into a caller buffer: the public API for what lifecycle's collect_frames does.
struct safe_dump_capture {
    std::size_t depth = default_depth;
    std::vector<void*>* out = nullptr;
    std::size_t operator()() const {
        void* buffer[130];
        // Stores up to `depth` frames and a terminating null.
        const std::size_t n = boost::stacktrace::safe_dump_to(0, buffer, (depth + 1) * sizeof(void*));
        benchmark::DoNotOptimize(buffer);
        if (out)
            for (std::size_t i = 0; i < n && buffer[i] != nullptr; ++i) out->push_back(buffer[i]);
        return n;
    }
};

// The class: frames into a std::vector<frame> it allocates.
struct stacktrace_capture {
    std::size_t depth = default_depth;
    std::vector<void*>* out = nullptr;
    std::size_t operator()() const {
        boost::stacktrace::stacktrace st(0, depth);
        benchmark::DoNotOptimize(st.as_vector().data());
        if (out)
            for (const auto& f : st) out->push_back(const_cast<void*>(reinterpret_cast<const void*>(f.address())));
        return st.size();
    }
};

void BM_stack_lifecycle(benchmark::State& state) {
    const auto depth = static_cast<std::size_t>(state.range(0));
    lc_probe probe;
    {
        probing on(probe);
        lc_create_destroy(); // the stack the loop captures, up to 128 frames
    }
    lifecycle::set_capture(lifecycle::capture::stack);
    lifecycle::set_stack_depth(static_cast<unsigned>(depth));
    for (auto _ : state) lc_create_destroy();
    lifecycle::set_stack_depth(default_depth);
    lifecycle::set_capture(lifecycle::capture::site);
    state.counters["frames"] = static_cast<double>(std::min(depth, probe.frames.size()));
}

// Everything below happens in this function's own frame: lifecycle's stack
// (lc_create_destroy called from here) and the baseline's (descend called
// from here) have the frames above it in common, so their difference in
// length is the chain the baseline needs.
template <class Capture>
void BM_stack_boost(benchmark::State& state) {
    const auto depth = static_cast<std::size_t>(state.range(0));
    lc_probe probe;
    {
        probing on(probe);
        lc_create_destroy();
    }
    const std::vector<void*>& lc = probe.frames;
    Capture capture;
    std::vector<void*> b0, bk;
    capture.depth = 128;
    capture.out = &b0;
    descend(0, capture);
    if (lc.empty() || b0.size() < 3 || lc.size() < b0.size()) {
        state.SkipWithError("could not capture the stacks to compare");
        return;
    }
    const int chain = static_cast<int>(lc.size() - b0.size());
    capture.out = &bk;
    descend(chain, capture);
    capture.out = nullptr;
    if (bk.size() != lc.size()) {
        state.SkipWithError("the baseline's chain does not reach lifecycle's depth");
        return;
    }
    // The return addresses above this function (Google Benchmark, libc) are
    // the stacks' common tail; the ones into this function differ (two call
    // sites). With the chain, the common tail must not change.
    const auto common_tail = [](const std::vector<void*>& a, const std::vector<void*>& b) {
        std::size_t n = 0;
        while (n < a.size() && n < b.size() && a[a.size() - 1 - n] == b[b.size() - 1 - n]) ++n;
        return n;
    };
    const std::size_t above = common_tail(lc, b0);
    if (above == 0 || common_tail(lc, bk) != above) {
        state.SkipWithError("the stacks differ above the benchmark function");
        return;
    }
    if (std::getenv("LIFECYCLE_BENCH_SHOW_STACKS") && depth == default_depth) {
        g_rendered = true; // libbacktrace's state is made now: render/cold would not be cold
        std::printf("\n%s: lifecycle's creation stack | the baseline's stack (%d descend frames)\n",
                    typeid(Capture).name(), chain + 1);
        for (std::size_t i = 0; i < lc.size(); ++i)
            std::printf("  #%-2zu %-60.60s | %.60s\n", i, boost::stacktrace::frame(lc[i]).name().c_str(),
                        boost::stacktrace::frame(bk[i]).name().c_str());
    }
    capture.depth = depth;
    for (auto _ : state) descend(chain, capture);
    state.counters["frames"] = static_cast<double>(std::min(depth, lc.size()));
    state.counters["chain"] = chain + 1;
}

BENCHMARK(BM_stack_lifecycle)->Name("stack/tracked_stack")->Arg(8)->Arg(default_depth);
BENCHMARK(BM_stack_boost<safe_dump_capture>)->Name("stack/boost_safe_dump_to")->Arg(8)->Arg(default_depth);
BENCHMARK(BM_stack_boost<stacktrace_capture>)->Name("stack/boost_stacktrace")->Arg(8)->Arg(default_depth);

#endif // LIFECYCLE_STACKTRACE

// ---- leak_scope::check() with 1,000,000 live resources -------------------------

// Created once per process, before any scope of the benchmark; outlives
// every benchmark (freed in main).
std::vector<tracked_fake>* g_million = nullptr;

void make_million() {
    if (g_million) return;
    lifecycle::set_capture(lifecycle::capture::site);
    auto* v = new std::vector<tracked_fake>;
    v->reserve(1000000);
    for (std::uintptr_t i = 0; i < 1000000; ++i) {
        tracked_fake t{bench::fake_open(0x10000000 + 16 * i), "before"};
        v->push_back(std::move(t));
    }
    g_million = v;
}

void BM_scope_check(benchmark::State& state) {
    make_million();
    lifecycle::set_capture(lifecycle::capture::site);
    lifecycle::leak_scope scope{"bench scope", lifecycle::leak_policy::ignore};
    std::vector<tracked_fake> inside;
    for (std::uintptr_t i = 0; i < 10; ++i) {
        tracked_fake t{bench::fake_open(0x20000000 + 16 * i), "inside"};
        inside.push_back(std::move(t));
    }
    if (scope.check().count() != 10) {
        state.SkipWithError("the scope does not see exactly the 10 resources created inside it");
        return;
    }
    for (auto _ : state) {
        lifecycle::leak_report r = scope.check(); // built, not rendered
        benchmark::DoNotOptimize(r.count());
    }
    state.counters["live"] = static_cast<double>(g_million->size() + inside.size());
    state.counters["leaked"] = 10;
}

BENCHMARK(BM_scope_check)->Name("scope_check/1M_live_10_inside")->Unit(benchmark::kMicrosecond);

// ---- rendering: 10,000 leaks from 100 distinct sites ---------------------------

// 100 distinct creation sites: 100 noinline functions with distinct names (so
// distinct file:line:function keys and distinct return addresses in their
// stacks), ten to a line.
#define LC_BENCH_SITE(i)                                                                     \
    LIFECYCLE_DETAIL_NOINLINE void make_at_site_##i(std::vector<tracked_fake>& out, int n) { \
        for (int k = 0; k < n; ++k) {                                                        \
            char label[32];                                                                  \
            std::snprintf(label, sizeof label, "site %d conn %d", i, k);                     \
            tracked_fake t{bench::fake_open(0x30000000 + 16 * out.size()), label};           \
            out.push_back(std::move(t));                                                     \
        }                                                                                    \
    }
#define LC_BENCH_SITES_10(X, d) X(d##0) X(d##1) X(d##2) X(d##3) X(d##4) X(d##5) X(d##6) X(d##7) X(d##8) X(d##9)
LC_BENCH_SITE(0) LC_BENCH_SITE(1) LC_BENCH_SITE(2) LC_BENCH_SITE(3) LC_BENCH_SITE(4)
LC_BENCH_SITE(5) LC_BENCH_SITE(6) LC_BENCH_SITE(7) LC_BENCH_SITE(8) LC_BENCH_SITE(9)
LC_BENCH_SITES_10(LC_BENCH_SITE, 1)
LC_BENCH_SITES_10(LC_BENCH_SITE, 2)
LC_BENCH_SITES_10(LC_BENCH_SITE, 3)
LC_BENCH_SITES_10(LC_BENCH_SITE, 4)
LC_BENCH_SITES_10(LC_BENCH_SITE, 5)
LC_BENCH_SITES_10(LC_BENCH_SITE, 6)
LC_BENCH_SITES_10(LC_BENCH_SITE, 7)
LC_BENCH_SITES_10(LC_BENCH_SITE, 8)
LC_BENCH_SITES_10(LC_BENCH_SITE, 9)

#define LC_BENCH_SITE_PTR(i) make_at_site_##i,
void (*const site_makers[100])(std::vector<tracked_fake>&, int) = {
    LC_BENCH_SITE_PTR(0) LC_BENCH_SITE_PTR(1) LC_BENCH_SITE_PTR(2) LC_BENCH_SITE_PTR(3) LC_BENCH_SITE_PTR(4)
    LC_BENCH_SITE_PTR(5) LC_BENCH_SITE_PTR(6) LC_BENCH_SITE_PTR(7) LC_BENCH_SITE_PTR(8) LC_BENCH_SITE_PTR(9)
    LC_BENCH_SITES_10(LC_BENCH_SITE_PTR, 1) LC_BENCH_SITES_10(LC_BENCH_SITE_PTR, 2)
    LC_BENCH_SITES_10(LC_BENCH_SITE_PTR, 3) LC_BENCH_SITES_10(LC_BENCH_SITE_PTR, 4)
    LC_BENCH_SITES_10(LC_BENCH_SITE_PTR, 5) LC_BENCH_SITES_10(LC_BENCH_SITE_PTR, 6)
    LC_BENCH_SITES_10(LC_BENCH_SITE_PTR, 7) LC_BENCH_SITES_10(LC_BENCH_SITE_PTR, 8)
    LC_BENCH_SITES_10(LC_BENCH_SITE_PTR, 9)};

constexpr std::size_t render_sites = 100;
constexpr int render_per_site = 100;
constexpr std::size_t render_leaks = render_sites * render_per_site;

// The 10,000 leaks with stacks (depth 32), inside a scope, and the report of
// that scope, built once and never rendered (each benchmark renders copies).
// Created on first use: after scope_check's scopes have ended.
struct render_fixture {
    lifecycle::leak_scope scope{"render", lifecycle::leak_policy::ignore};
    std::vector<tracked_fake> leaks;
    lifecycle::leak_report report;

    render_fixture() {
        lifecycle::set_capture(lifecycle::capture::stack);
        lifecycle::set_stack_depth(default_depth);
        leaks.reserve(render_leaks);
        for (auto make : site_makers) make(leaks, render_per_site);
        lifecycle::set_capture(lifecycle::capture::site);
        report = scope.check();
    }
};
render_fixture* g_render = nullptr;

render_fixture& render() {
    if (!g_render) g_render = new render_fixture;
    return *g_render;
}

bool render_fixture_ok(benchmark::State& state, const render_fixture& fx) {
    if (fx.report.count() != render_leaks || fx.report.groups().size() != render_sites) {
        state.SkipWithError("the render fixture does not hold 10,000 leaks in 100 groups");
        return false;
    }
    return true;
}

// The first render of the process: libbacktrace reads the debug information
// and every frame is symbolized for the first time. Measured once.
void BM_render_cold(benchmark::State& state) {
    render_fixture& fx = render();
    if (!render_fixture_ok(state, fx)) return;
    if (g_rendered) {
        state.SkipWithError("the symbol caches are already warm (run this benchmark before render/warm)");
        return;
    }
    lifecycle::leak_report r = fx.report;
    std::size_t bytes = 0;
    for (auto _ : state) {
        std::string text = r.to_text();
        bytes = text.size();
        benchmark::DoNotOptimize(text.data());
    }
    g_rendered = true;
    state.counters["bytes"] = static_cast<double>(bytes);
}

// Renders with warm caches: every frame already symbolized in the registry's
// cache; each iteration renders a fresh copy of the report (the copy is not timed).
void BM_render_warm(benchmark::State& state) {
    render_fixture& fx = render();
    if (!render_fixture_ok(state, fx)) return;
    {
        lifecycle::leak_report warm = fx.report;
        benchmark::DoNotOptimize(warm.to_text().size());
        g_rendered = true;
    }
    std::size_t bytes = 0;
    for (auto _ : state) {
        state.PauseTiming();
        lifecycle::leak_report r = fx.report;
        state.ResumeTiming();
        std::string text = r.to_text();
        bytes = text.size();
        benchmark::DoNotOptimize(text.data());
    }
    state.counters["bytes"] = static_cast<double>(bytes);
    static bool shown = false;
    if (!shown && std::getenv("LIFECYCLE_BENCH_SHOW_REPORT")) {
        shown = true;
        lifecycle::leak_report r = fx.report;
        const std::string text = r.to_text();
        std::printf("\n%.1500s\n...\n%s\n", text.c_str(), text.substr(text.rfind("\nSUMMARY")).c_str());
    }
}

// For scale: building that report (leak_scope::check() of 10,000 leaks).
void BM_render_check(benchmark::State& state) {
    render_fixture& fx = render();
    if (!render_fixture_ok(state, fx)) return;
    for (auto _ : state) {
        lifecycle::leak_report r = fx.scope.check();
        benchmark::DoNotOptimize(r.count());
    }
}

BENCHMARK(BM_render_cold)->Name("render/cold_first_to_text")->Iterations(1)->Repetitions(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_render_warm)->Name("render/warm_to_text")->Unit(benchmark::kMillisecond);
BENCHMARK(BM_render_check)->Name("render/check_10000")->Unit(benchmark::kMillisecond);

} // namespace

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::AddCustomContext("lifecycle.version", std::to_string(LIFECYCLE_VERSION));
    benchmark::AddCustomContext("lifecycle.stacktrace", LIFECYCLE_STACKTRACE ? "boost" : "none");
    benchmark::AddCustomContext("lifecycle.lock_free_owners",
                                lifecycle::detail::instance().lock_free_owners() ? "yes (membarrier)" : "no (shard locks)");
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    delete g_render; // its scope is the innermost one of this thread: end it first
    delete g_million;
    return 0;
}
