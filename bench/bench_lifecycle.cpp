// SPDX-License-Identifier: BSL-1.0
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
//                      tracked<> with capture off / site / stack (depth 32;
//                      the default unwinder, and the precise one); 1 and 2
//                      threads. Google Benchmark's frames have no frame
//                      pointers: the fast unwinder stops at the first.
//   stack/*            stack capture with the precise unwinder (LIFECYCLE_UNWIND=
//                      precise) at equal depth N (8, 32), each a create
//                      + destroy of the fake handle with a stack kept:
//                      tracked<> with capture::stack and set_stack_depth(N)
//                      (tracked_stack); lifecycle's capture alone, what the
//                      stack tier adds to a create (lifecycle_capture);
//                      boost::stacktrace::safe_dump_to and
//                      boost::stacktrace::stacktrace(0, N), called where the
//                      resource is created (see "Equal depth" below).
//   stack_pair/*       lifecycle_capture and tracked_stack against
//                      safe_dump_to, run in alternating blocks: the ratio of
//                      their times holds on a machine whose speed changes.
//   capture_pair/*     the stack tier's capture alone (unwind + interning)
//                      with the fast unwinder, the precise one and
//                      safe_dump_to, two by two in alternating blocks, each
//                      keeping exactly N frames (4, 16, 64) of a chain of user
//                      frames that all have frame pointers.
//   real_fd/*          a real open("/dev/null") + close: the raw fd, and
//                      tracked_fd with capture site, stack (fast) and stack
//                      (precise), created 6 user frames deep; real_fd_pair/*
//                      each of them against the raw fd in alternating blocks;
//                      real_socketpair_pair/* (two tracked sockets) and
//                      real_fopen_pair/* (a tracked FILE*) the same way.
//   ownership_pair/*   a fake handle's create+destroy (site) with the default
//                      ownership checks against none, in alternating blocks;
//                      with the owner stripes biased (the default) and locked.
//   memory/*           bytes per live handle (1M live, site) and per interned
//                      stack (131,072 of 16 frames), from mallinfo2().
//   stacks_interned/*  a create's stack capture with 128k other stacks interned.
//   close_all/*        closer::close_all() of 1k/10k/100k entries, half aliases.
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
// program each, longer for a function with exception handling or for a
// return address deep in its function), so "equal depth" must mean equal
// frames kept, from the same place, through the same frames. Each operation
// is one noinline function that creates a fake handle, captures its stack the
// way a user would (tracked's constructor, inlined, captures in the creating
// function's frame; the baselines call Boost there) and destroys it; one
// benchmark function runs every operation through the same runner frame, so
// every frame above the operation's own is the same, with the same return
// address. Before timing, the operation's stack and lifecycle's are captured
// at 128 frames from one call instruction, and the benchmark fails unless
// they have the same length and the same frames above the operation's.
// What differs is what is walked and thrown away: safe_dump_to skips its own
// safe_dump_to_impl frame (safe_dump_to_impl -> collect -> _Unwind_Backtrace),
// lifecycle calls collect itself (detail/stacktrace.hpp), and that frame pays
// for the interning of the stack.
//
// Environment: LIFECYCLE_BENCH_SHOW_STACKS=1 prints each operation's
// calibration stack beside lifecycle's (this symbolizes: render/cold is then
// skipped); LIFECYCLE_BENCH_SHOW_REPORT=1 prints the head of the rendered report.
#include "fake_handle.hpp"

#include <lifecycle/tracked.hpp>

#include <benchmark/benchmark.h>

#if LIFECYCLE_STACKTRACE
#    include <boost/stacktrace.hpp>
#endif

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <fcntl.h>
#include <malloc.h>
#include <sys/socket.h>
#include <unistd.h>

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
template <lifecycle::capture C, lifecycle::ownership_level O = lifecycle::ownership_level::warn_once,
          lifecycle::unwind U = lifecycle::detail::default_unwind>
void BM_tracked(benchmark::State& state) {
    lifecycle::set_capture(C);
    lifecycle::set_stack_depth(default_depth);
    lifecycle::set_ownership_level(O);
    lifecycle::set_unwind(U);
    // One handle value per thread, as real fds differ between threads: two
    // threads holding the same value would be two owners of one handle.
    const std::uintptr_t value = 0x1000 + 0x40 * static_cast<std::uintptr_t>(state.thread_index());
    for (auto _ : state) {
        tracked_fake t{bench::fake_open(value)};
    }
    lifecycle::set_capture(lifecycle::capture::site);
    lifecycle::set_ownership_level(lifecycle::ownership_level::warn_once);
    lifecycle::set_unwind(lifecycle::detail::default_unwind);
}

#define LC_BENCH_CREATE_DESTROY(fn, name) BENCHMARK(fn)->Name("create_destroy/" name)->Threads(1)->Threads(2)

LC_BENCH_CREATE_DESTROY(BM_raw, "raw");
LC_BENCH_CREATE_DESTROY(BM_unique_ptr_noop, "unique_ptr_noop");
LC_BENCH_CREATE_DESTROY(BM_unique_ptr_int, "unique_ptr_int_heap");
LC_BENCH_CREATE_DESTROY(BM_tracked<lifecycle::capture::off>, "tracked_off");
LC_BENCH_CREATE_DESTROY(BM_tracked<lifecycle::capture::site>, "tracked_site");
LC_BENCH_CREATE_DESTROY(BM_tracked<lifecycle::capture::stack>, "tracked_stack");
LC_BENCH_CREATE_DESTROY((BM_tracked<lifecycle::capture::stack, lifecycle::ownership_level::warn_once, lifecycle::unwind::precise>),
                        "tracked_stack_precise");
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

// Calibration: while g_calibration is set, each operation stores the frames it
// kept in it; the stacks are then captured at up to 128 frames. Out of line,
// so that the operations' own frames stay as small as a creating function's.
struct calibration {
    lifecycle::leak_scope scope{"bench calibration", lifecycle::leak_policy::ignore};
    std::vector<void*> frames;

    // lifecycle's: the stack of the one resource created inside `scope`.
    LIFECYCLE_DETAIL_NOINLINE void take_lifecycle() noexcept {
        const lifecycle::leak_report r = scope.check();
        frames.clear();
        if (r.groups().size() == 1 && r.groups()[0].raw_stack != nullptr)
            take(r.groups()[0].raw_stack->frames, r.groups()[0].raw_stack->depth);
    }
    // A baseline's: `n` frames, or up to a null frame.
    LIFECYCLE_DETAIL_NOINLINE void take(void* const* f, std::size_t n) noexcept {
        frames.clear();
        for (std::size_t i = 0; i < n && f[i] != nullptr; ++i) frames.push_back(f[i]);
    }
};
std::atomic<calibration*> g_calibration{nullptr};
// The baselines' depth. lifecycle's is set_stack_depth(). Read at every call,
// as lifecycle reads its own setting.
std::atomic<std::size_t> g_depth{default_depth};

calibration* calibrating() noexcept {
    calibration* c = g_calibration.load(std::memory_order_relaxed);
    return __builtin_expect(c != nullptr, 0) ? c : nullptr;
}

// The operations: one create + destroy of a fake handle with its creation stack
// captured; noinline, so that each is one frame, called by run_op().

LIFECYCLE_DETAIL_NOINLINE void lc_create_destroy() {
    tracked_fake t{bench::fake_open()};
    if (calibration* c = calibrating()) c->take_lifecycle();
}

// What the stack tier adds to a create: lifecycle's stack capture (the unwind,
// in the creating frame as tracked's constructor does it, and the interning)
// around the same fake handle as the baselines.
LIFECYCLE_DETAIL_NOINLINE void lc_capture() {
    bench::fake_object* h = bench::fake_open();
    const lifecycle::detail::stack_entry* stack = lifecycle::detail::instance().creation_stack();
    benchmark::DoNotOptimize(stack);
    if (calibration* c = calibrating(); c && stack) c->take(stack->frames, stack->depth);
    bench::fake_close(h);
}

// What a user would write without lifecycle: async-signal-safe raw frames into
// a buffer, where the resource is created.
LIFECYCLE_DETAIL_NOINLINE void safe_dump_create_destroy() {
    bench::fake_object* h = bench::fake_open();
    void* buffer[130];
    // Stores up to `depth` frames and a terminating null.
    const std::size_t depth = g_depth.load(std::memory_order_relaxed);
    boost::stacktrace::safe_dump_to(0, buffer, (depth + 1) * sizeof(void*));
    benchmark::DoNotOptimize(buffer);
    if (calibration* c = calibrating()) c->take(buffer, depth);
    bench::fake_close(h);
}

// The class: frames into a std::vector<frame> it allocates.
LIFECYCLE_DETAIL_NOINLINE void stacktrace_create_destroy() {
    bench::fake_object* h = bench::fake_open();
    boost::stacktrace::stacktrace st(0, g_depth.load(std::memory_order_relaxed));
    benchmark::DoNotOptimize(st.as_vector().data());
    if (calibration* c = calibrating())
        c->take(reinterpret_cast<void* const*>(st.as_vector().data()), st.size());
    bench::fake_close(h);
}

using stack_op = void (*)();

// Not inlined, not cloned for constant arguments (which could turn a call into
// a jump): every call of these is a frame, from one call instruction.
#if defined(__GNUC__) && !defined(__clang__)
#    define LC_BENCH_ONE_FRAME __attribute__((noipa))
#else
#    define LC_BENCH_ONE_FRAME __attribute__((noinline))
#endif

// Calls `op` once (state == nullptr: calibration) or as the timed loop, always
// through this one frame.
LC_BENCH_ONE_FRAME void run_op(benchmark::State* state, stack_op op) {
    if (state == nullptr) {
        op();
        asm volatile(""); // not a tail call
        return;
    }
    for (auto _ : *state) op();
}

// Stores the frames `op` keeps, at up to 128 frames, in `out`.
LC_BENCH_ONE_FRAME void calibrate(stack_op op, std::vector<void*>& out) {
    calibration c;
    const lifecycle::capture capture = lifecycle::current_capture();
    const unsigned depth = lifecycle::detail::instance().stack_depth();
    const lifecycle::unwind unwinder = lifecycle::current_unwind();
    lifecycle::set_capture(lifecycle::capture::stack);
    lifecycle::set_unwind(lifecycle::unwind::precise); // the same frames as Boost's, through Google Benchmark's
    lifecycle::set_stack_depth(128);
    g_depth.store(128, std::memory_order_relaxed);
    g_calibration.store(&c, std::memory_order_relaxed);
    run_op(nullptr, op);
    g_calibration.store(nullptr, std::memory_order_relaxed);
    lifecycle::set_stack_depth(depth);
    lifecycle::set_unwind(unwinder);
    lifecycle::set_capture(capture);
    out = std::move(c.frames);
}

// The frames `op` keeps, at up to 128 frames, and lifecycle's create's, both
// captured from the same call instruction (`each` and `out` are hidden from
// the compiler so that it cannot unroll the loop into two calls). Checks that
// they are the same above the operation's own frame (else the benchmark
// fails), and prints them side by side with LIFECYCLE_BENCH_SHOW_STACKS=1.
// Returns: how many frames the timed operations see (0 on failure).
LC_BENCH_ONE_FRAME std::size_t check_same_frames(benchmark::State& state, const char* name, stack_op op) {
    std::vector<void*> stacks[2];
    stack_op ops[2] = {lc_create_destroy, op};
    std::vector<void*>* out = stacks;
    stack_op* each = ops;
    int n = 2;
    benchmark::DoNotOptimize(out);
    benchmark::DoNotOptimize(each);
    benchmark::DoNotOptimize(n);
    for (int i = 0; i < n; ++i) calibrate(each[i], out[i]);
    const std::vector<void*>& lc = stacks[0];
    const std::vector<void*>& mine = stacks[1];
    if (lc.size() < 3 || mine.size() != lc.size() || !std::equal(lc.begin() + 1, lc.end(), mine.begin() + 1)) {
        state.SkipWithError("the operation's stack and lifecycle's differ above the operation's frame");
        return 0;
    }
    static std::set<std::string> shown;
    if (std::getenv("LIFECYCLE_BENCH_SHOW_STACKS") && op != lc_create_destroy && shown.insert(name).second) {
        g_rendered = true; // libbacktrace's state is made now: render/cold would not be cold
        std::printf("\n%s: lifecycle's creation stack | the baseline's\n", name);
        for (std::size_t i = 0; i < lc.size(); ++i)
            std::printf("  #%-2zu %-60.60s | %.60s\n", i, boost::stacktrace::frame(lc[i]).name().c_str(),
                        boost::stacktrace::frame(mine[i]).name().c_str());
    }
    // Timed, the stacks are two frames shorter: the operation is called
    // from the benchmark function, not through this function and calibrate().
    return lc.size() - 2;
}

// Stack capture on with `u`, `depth` frames kept, for lifecycle and the baselines.
class stack_depth_set {
public:
    explicit stack_depth_set(std::size_t depth, lifecycle::unwind u = lifecycle::unwind::precise)
        : unwinder_(lifecycle::current_unwind()) {
        lifecycle::set_capture(lifecycle::capture::stack);
        lifecycle::set_unwind(u);
        lifecycle::set_stack_depth(static_cast<unsigned>(depth));
        // lifecycle walks stack_slack frames beyond its depth (the library's,
        // which the depth does not count): the baselines walk as many.
        g_depth.store(depth + lifecycle::detail::stack_slack, std::memory_order_relaxed);
    }
    ~stack_depth_set() {
        g_depth.store(default_depth, std::memory_order_relaxed);
        lifecycle::set_stack_depth(default_depth);
        lifecycle::set_unwind(unwinder_);
        lifecycle::set_capture(lifecycle::capture::site);
    }
    stack_depth_set(const stack_depth_set&) = delete;
    stack_depth_set& operator=(const stack_depth_set&) = delete;

private:
    lifecycle::unwind unwinder_;
};

// One benchmark function for every operation (registered in main with the
// operation as an argument): above each operation's own frame, every frame
// is the same, with the same return address.
void BM_stack(benchmark::State& state, const char* name, stack_op op) {
    const auto depth = static_cast<std::size_t>(state.range(0));
    const std::size_t frames = check_same_frames(state, name, op);
    if (frames == 0) return;
    {
        stack_depth_set on(depth);
        run_op(&state, op);
    }
    state.counters["frames"] = static_cast<double>(std::min(depth + lifecycle::detail::stack_slack, frames)); // walked
}

// Runs `op` n times; both operations of a pair run through this one frame.
LC_BENCH_ONE_FRAME void run_block(stack_op op, int n) {
    for (int i = 0; i < n; ++i) op();
    asm volatile(""); // not a tail call
}

// One side of a pair: an operation and the settings it runs with (set before
// each of its blocks: one relaxed store per 64 operations).
struct paired_op {
    stack_op op;
    lifecycle::capture capture = lifecycle::capture::stack;
    lifecycle::unwind unwinder = lifecycle::unwind::precise;
    lifecycle::ownership_level ownership = lifecycle::ownership_level::warn_once;
};

// The timed loop of a pair: blocks of 64 operations, ABBA (see
// BM_stack_pair); sets the counters ratio, a_ns and b_ns.
void time_pair(benchmark::State& state, const paired_op& a, const paired_op& b) {
    constexpr int block = 64;
    const paired_op ops[2] = {a, b};
    const paired_op* each = ops;
    benchmark::DoNotOptimize(each);
    double ns[2] = {0, 0};
    std::uint64_t round = 0;
    for (auto _ : state) {
        for (int k = 0; k < 2; ++k) {
            const int which = static_cast<int>((round >> 1) & 1) ^ k; // AB, BA, AB, ...
            const auto t0 = std::chrono::steady_clock::now();
            lifecycle::set_capture(each[which].capture);
            lifecycle::set_unwind(each[which].unwinder);
            lifecycle::set_ownership_level(each[which].ownership);
            run_block(each[which].op, block);
            ns[which] += std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
        }
        ++round;
    }
    lifecycle::set_ownership_level(lifecycle::ownership_level::warn_once);
    if (round == 0) return;
    state.counters["ratio"] = ns[0] / ns[1];
    state.counters["a_ns"] = ns[0] / (double(round) * block);
    state.counters["b_ns"] = ns[1] / (double(round) * block);
}

// Paired: `a` (lifecycle's) and `b` (a baseline) in alternating blocks of 64
// operations, ABBA, each block timed on its own. This machine's speed changes
// from one second to the next (its virtual CPUs by up to 1.8x); a slow spell
// falls on both operations of a pair, so their ratio, the counter "ratio"
// (a's time / b's time), holds when the separate benchmarks' times do not.
// The iteration time is that of one block of each.
void BM_stack_pair(benchmark::State& state, const char* name, stack_op a, stack_op b) {
    const auto depth = static_cast<std::size_t>(state.range(0));
    const std::size_t frames = check_same_frames(state, name, a);
    if (frames == 0 || check_same_frames(state, name, b) == 0) return;
    {
        stack_depth_set on(depth);
        time_pair(state, paired_op{a}, paired_op{b});
    }
    state.counters["frames"] = static_cast<double>(std::min(depth + lifecycle::detail::stack_slack, frames)); // walked
}

// ---- capture at 4 / 16 / 64 frames: fast, precise, safe_dump_to ---------------

// `levels` frames of user code above `body`, each with a frame pointer (the
// fast unwinder stops at Google Benchmark's own frames, which have none).
using nested_body = void (*)(void*);
LC_BENCH_ONE_FRAME void nest(int levels, nested_body body, void* arg) {
    if (levels > 0) nest(levels - 1, body, arg);
    else body(arg);
    asm volatile(""); // not a tail call
}

struct nested_pair {
    benchmark::State* state;
    paired_op a, b;
    std::size_t depth; // frames each side must keep (0: not checked)
    bool ok = true;
};

// At the top of the chain: checks that each side keeps exactly `depth`
// frames here (the frames of lc_capture's stack, or of safe_dump_to's
// buffer), then times the pair.
void run_nested_pair(void* p) {
    auto& x = *static_cast<nested_pair*>(p);
    for (const paired_op* side : {&x.a, &x.b}) {
        if (x.depth == 0) break;
        calibration c;
        lifecycle::set_unwind(side->unwinder);
        g_calibration.store(&c, std::memory_order_relaxed);
        run_block(side->op, 1);
        g_calibration.store(nullptr, std::memory_order_relaxed);
        x.ok = x.ok && c.frames.size() == x.depth;
    }
    if (x.ok) time_pair(*x.state, x.a, x.b);
}

// Paired, `a` against `b`, at the top of `levels` + 4 frames of user code
// (the operation, run_block, run_nested_pair, nest(0), this one).
LC_BENCH_ONE_FRAME void run_nested(benchmark::State& state, const paired_op& a, const paired_op& b, int levels, std::size_t depth) {
    nested_pair x{&state, a, b, depth};
    nest(levels, &run_nested_pair, &x);
    if (!x.ok) state.SkipWithError("an operation does not keep exactly the frames asked for at this depth");
}

// The stack tier's capture alone (lc_capture: the unwind and the interning)
// with each unwinder, and safe_dump_to, keeping exactly N frames each.
void BM_capture_pair(benchmark::State& state, paired_op a, paired_op b) {
    const auto depth = static_cast<std::size_t>(state.range(0));
    {
        stack_depth_set on(depth, a.unwinder);
        // lifecycle walks stack_slack frames beyond its depth: every side walks
        // (and keeps) depth + stack_slack frames, all of them the nest's.
        const std::size_t walked = depth + lifecycle::detail::stack_slack;
        run_nested(state, a, b, static_cast<int>(walked), walked);
    }
    state.counters["frames"] = static_cast<double>(depth + lifecycle::detail::stack_slack);
}

// ---- a real open + close ---------------------------------------------------------

LIFECYCLE_DETAIL_NOINLINE void raw_open_close() {
    const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) ::close(fd);
}

LIFECYCLE_DETAIL_NOINLINE void tracked_open_close() {
    lifecycle::tracked_fd fd{::open("/dev/null", O_RDONLY | O_CLOEXEC)};
    benchmark::DoNotOptimize(fd.get());
}

// A socketpair(2) and its two closes: two tracked sockets.
LIFECYCLE_DETAIL_NOINLINE void raw_socketpair_close() {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return;
    ::close(sv[0]);
    ::close(sv[1]);
}

LIFECYCLE_DETAIL_NOINLINE void tracked_socketpair_close() {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return;
    lifecycle::tracked_socket a{sv[0]}, b{sv[1]};
    benchmark::DoNotOptimize(a.get());
    benchmark::DoNotOptimize(b.get());
}

// fopen(3) + fclose(3) of /dev/null: a tracked FILE*.
LIFECYCLE_DETAIL_NOINLINE void raw_fopen_fclose() {
    if (std::FILE* f = std::fopen("/dev/null", "re")) std::fclose(f);
}

LIFECYCLE_DETAIL_NOINLINE void tracked_fopen_fclose() {
    lifecycle::tracked_file f{std::fopen("/dev/null", "re")};
    benchmark::DoNotOptimize(f.get());
}

// `a` against its raw version `b`, created 6 frames of user code deep (the
// creating function, run_block, run_nested_pair, nest, run_nested, the
// benchmark function), with the default stack depth and ownership checks.
void BM_real_fd_pair(benchmark::State& state, paired_op a, stack_op raw) {
    const lifecycle::unwind unwinder = lifecycle::current_unwind();
    run_nested(state, a, paired_op{raw, lifecycle::capture::site}, 0, 0);
    lifecycle::set_unwind(unwinder);
    lifecycle::set_capture(lifecycle::capture::site);
}

// A fake handle's create+destroy, capture site, one thread: with the
// default ownership checks (a = warn-once: the claim and the close in the
// owner index) against none (b = ignore), in alternating blocks. Issue 14:
// the checks add <= 4 ns, with no locked instruction for a handle value no
// other thread owns (the owner stripes biased to their thread).
LIFECYCLE_DETAIL_NOINLINE void fake_create_destroy() {
    tracked_fake t{bench::fake_open(0x1000)};
    benchmark::DoNotOptimize(t.get());
}

// With `biased` false, the owner stripes take their lock every time (the
// fallback of ThreadSanitizer builds and of systems without membarrier).
void BM_ownership_pair(benchmark::State& state, bool biased) {
    using lifecycle::ownership_level;
    auto& index = lifecycle::detail::owners();
    index.set_biasing(biased);
    if (biased && !index.biasing()) state.SkipWithError("owner stripes cannot be biased here (no membarrier)");
    else
        time_pair(state, {fake_create_destroy, lifecycle::capture::site, lifecycle::unwind::fast, ownership_level::warn_once},
                  {fake_create_destroy, lifecycle::capture::site, lifecycle::unwind::fast, ownership_level::ignore});
    index.set_biasing(true);
    lifecycle::set_capture(lifecycle::capture::site);
}

void register_stack_benchmarks() {
    benchmark::RegisterBenchmark("ownership_pair/warn_once_vs_ignore", BM_ownership_pair, true);
    benchmark::RegisterBenchmark("ownership_pair/locked_warn_once_vs_ignore", BM_ownership_pair, false);
    const std::pair<const char*, stack_op> ops[] = {{"stack/tracked_stack", lc_create_destroy},
                                                    {"stack/lifecycle_capture", lc_capture},
                                                    {"stack/boost_safe_dump_to", safe_dump_create_destroy},
                                                    {"stack/boost_stacktrace", stacktrace_create_destroy}};
    for (const auto& [name, op] : ops) benchmark::RegisterBenchmark(name, BM_stack, name, op)->Arg(8)->Arg(default_depth);
    const std::pair<const char*, stack_op> pairs[] = {{"stack_pair/lifecycle_capture_vs_safe_dump_to", lc_capture},
                                                      {"stack_pair/tracked_stack_vs_safe_dump_to", lc_create_destroy}};
    for (const auto& [name, op] : pairs)
        benchmark::RegisterBenchmark(name, BM_stack_pair, name, op, safe_dump_create_destroy)->Arg(8)->Arg(default_depth);
    using lifecycle::capture;
    using lifecycle::unwind;
    const paired_op fast{lc_capture, capture::stack, unwind::fast}, precise{lc_capture, capture::stack, unwind::precise},
        dump{safe_dump_create_destroy, capture::stack, unwind::precise};
    const std::tuple<const char*, paired_op, paired_op> captures[] = {
        {"capture_pair/fast_vs_safe_dump_to", fast, dump},
        {"capture_pair/precise_vs_safe_dump_to", precise, dump},
        {"capture_pair/fast_vs_precise", fast, precise}};
    for (const auto& [name, a, b] : captures)
        benchmark::RegisterBenchmark(name, BM_capture_pair, a, b)->Arg(4)->Arg(16)->Arg(64);
    const std::tuple<const char*, paired_op, stack_op> fds[] = {
        {"real_fd_pair/tracked_site_vs_raw", {tracked_open_close, capture::site, unwind::fast}, raw_open_close},
        {"real_fd_pair/tracked_stack_vs_raw", {tracked_open_close, capture::stack, unwind::fast}, raw_open_close},
        {"real_fd_pair/tracked_stack_precise_vs_raw", {tracked_open_close, capture::stack, unwind::precise}, raw_open_close},
        {"real_socketpair_pair/tracked_site_vs_raw", {tracked_socketpair_close, capture::site, unwind::fast}, raw_socketpair_close},
        {"real_socketpair_pair/tracked_stack_vs_raw", {tracked_socketpair_close, capture::stack, unwind::fast}, raw_socketpair_close},
        {"real_fopen_pair/tracked_site_vs_raw", {tracked_fopen_fclose, capture::site, unwind::fast}, raw_fopen_fclose},
        {"real_fopen_pair/tracked_stack_vs_raw", {tracked_fopen_fclose, capture::stack, unwind::fast}, raw_fopen_fclose}};
    for (const auto& [name, a, raw] : fds) benchmark::RegisterBenchmark(name, BM_real_fd_pair, a, raw);
}

#else
void register_stack_benchmarks() {}
#endif // LIFECYCLE_STACKTRACE

// ---- create + destroy with N claimed handles live (issue 14: flat at 1M) --------

// N handles claimed in the ownership index (default level, warn-once) stay
// live while the loop creates and destroys one more; they are made before
// the timed loop and destroyed after it, so each run starts from an empty
// index (which keeps the other benchmarks' figures independent of this one).
// bench/run prints the 1M run against the 0 run, and the growth exponent.
void BM_claimed_live(benchmark::State& state) {
    const auto n = static_cast<std::uintptr_t>(state.range(0));
    lifecycle::set_capture(lifecycle::capture::site);
    lifecycle::set_ownership_level(lifecycle::ownership_level::warn_once);
    std::vector<tracked_fake> live;
    live.reserve(n);
    for (std::uintptr_t i = 0; i < n; ++i) live.emplace_back(bench::fake_open(0x20000000 + 16 * i));
    for (auto _ : state) {
        tracked_fake t{bench::fake_open(0x1000)};
    }
    state.counters["live"] = static_cast<double>(n);
}
BENCHMARK(BM_claimed_live)->Name("claimed_live")->Arg(0)->Arg(1000)->Arg(10000)->Arg(100000)->Arg(1000000);

// ---- memory: a live record, an interned stack (issue 14) ------------------------

// Bytes the allocator hands out (in use, from the heap and from mmap).
std::size_t heap_bytes() noexcept {
    const struct mallinfo2 m = ::mallinfo2();
    return m.uordblks + m.hblkhd;
}

// 1,000,000 live handles, capture site, default ownership checks (each
// claims its value in the owner index): the heap grown per live handle, all
// of lifecycle's tables included (the record, its shard's chunk, the owner
// index's buckets), the benchmark's vector of handles excluded (reserved
// before). Meaningful only in a process whose shards hold no free records
// yet: bench/run runs memory/* first, in a process of its own.
void BM_memory_live_record(benchmark::State& state) {
    constexpr std::size_t n = 1000000;
    lifecycle::set_capture(lifecycle::capture::site);
    lifecycle::set_ownership_level(lifecycle::ownership_level::warn_once);
    double each = 0;
    for (auto _ : state) {
        std::vector<tracked_fake> live;
        live.reserve(n);
        const std::size_t before = heap_bytes();
        for (std::uintptr_t i = 0; i < n; ++i) live.emplace_back(bench::fake_open(0x40000000 + 16 * i));
        each = double(heap_bytes() - before) / double(n);
    }
    state.counters["bytes_each"] = each;
    state.counters["record_struct"] = static_cast<double>(sizeof(lifecycle::detail::record));
}

// 131,072 distinct stacks of 16 frames interned in a stack table of their
// own: the heap grown per stack (the entry and its share of the table of
// 32-bit slots, replaced tables included: they are never freed; and of the
// blocks' directory). Every byte of it comes from malloc or calloc, which
// mallinfo2() counts (big blocks in hblkhd).
void BM_memory_stack(benchmark::State& state) {
    constexpr std::size_t n = 131072, depth = 16;
    double each = 0;
    for (auto _ : state) {
        const std::size_t before = heap_bytes();
        auto* table = new lifecycle::detail::stack_table; // never freed, as the registry's
        std::uintptr_t x = 0x2545f4914f6cdd1dull;
        for (std::size_t i = 0; i < n; ++i) {
            const void* frames[depth];
            for (auto& f : frames) {
                x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                f = reinterpret_cast<const void*>(0x400000 + (x & 0xffffff));
            }
            benchmark::DoNotOptimize(table->intern(frames, depth));
        }
        each = double(heap_bytes() - before) / double(n);
    }
    state.counters["bytes_each"] = each;
    state.counters["frames"] = depth;
}
BENCHMARK(BM_memory_live_record)->Name("memory/live_record_site_1M")->Iterations(1)->Repetitions(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_memory_stack)->Name("memory/interned_stack_16_frames")->Iterations(1)->Repetitions(1)->Unit(benchmark::kMillisecond);

// ---- a create's stack among 128k distinct stacks interned (issue 14) -----------

// The stack tier's part of a create (the fast unwind of the creating frame
// and the interning: what registry::creation_stack() does) against a stack
// table of its own holding N other distinct stacks (16 frames, addresses
// spread over 16 MB as a large program's are), made before the timed loop.
// bench/run prints the 128k run against the 1 run (no other stack).
LIFECYCLE_DETAIL_NOINLINE const lifecycle::detail::stack_entry* intern_here(lifecycle::detail::stack_table& table) {
    const void* frames[default_depth];
    bool broken = false;
    const std::size_t n = lifecycle::detail::collect_frames(frames, default_depth, lifecycle::unwind::fast, broken);
    return table.intern(frames, n, broken);
}

void BM_stacks_interned(benchmark::State& state) {
    const auto others = static_cast<std::size_t>(state.range(0)) - 1;
    auto* table = new lifecycle::detail::stack_table; // never freed, as the registry's
    std::uintptr_t x = 0x9e3779b97f4a7c15ull;
    for (std::size_t i = 0; i < others; ++i) {
        const void* frames[16];
        for (auto& f : frames) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17; // xorshift
            f = reinterpret_cast<const void*>(0x400000 + (x & 0xffffff));
        }
        benchmark::DoNotOptimize(table->intern(frames, 16));
    }
    const lifecycle::detail::stack_entry* mine = nullptr; // interned by the first iteration (one call site)
    for (auto _ : state) {
        const lifecycle::detail::stack_entry* e = intern_here(*table);
        if (mine == nullptr) mine = e;
        if (e != mine || e == nullptr) {
            state.SkipWithError("the same stack was interned twice");
            return;
        }
    }
    state.counters["stacks"] = static_cast<double>(others + 1);
}
BENCHMARK(BM_stacks_interned)->Name("stacks_interned")->Arg(1)->Arg(131072);

// ---- closer::close_all() over N entries, half of them aliases (issue 14) -------

// What a closer closes here: an object with a close() that costs nothing.
struct bench_dataset {
    int closes = 0;
    void close() noexcept { ++closes; }
};

// N entries: N/2 shared_ptrs to distinct objects, each object added a second
// time by reference (an alias: closed once, through the shared_ptr). Only
// close_all() is timed (manual time: the adds and the objects' destruction
// are not); bench/run prints the 100k run against the goal and the growth
// exponent over 1k..100k.
void BM_close_all(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    std::vector<std::shared_ptr<bench_dataset>> objects;
    for (auto _ : state) {
        objects.clear();
        lifecycle::closer c;
        for (std::size_t i = 0; i < n / 2; ++i) {
            objects.push_back(std::make_shared<bench_dataset>());
            c.add(objects.back());
            c.add(*objects.back());
        }
        const auto t0 = std::chrono::steady_clock::now();
        lifecycle::close_result r = c.close_all();
        const auto t1 = std::chrono::steady_clock::now();
        state.SetIterationTime(std::chrono::duration<double>(t1 - t0).count());
        if (r.entries().size() != n || objects.front()->closes != 1 || objects.back()->closes != 1) {
            state.SkipWithError("close_all() did not close each object exactly once");
            return;
        }
    }
    state.counters["entries"] = static_cast<double>(n);
}
BENCHMARK(BM_close_all)->Name("close_all")->Arg(1000)->Arg(10000)->Arg(100000)->UseManualTime()->Unit(benchmark::kMillisecond);

// ---- leak_scope::check() with 1,000,000 live resources -------------------------

// Created once per process, before any scope of the benchmark; outlives
// every benchmark (freed in main).
std::vector<tracked_fake>* g_million = nullptr;

// Created with the ownership checks off: the million are the registry's
// concern here, not the ownership index's (claimed_live measures that).
void make_million() {
    if (g_million) return;
    lifecycle::set_capture(lifecycle::capture::site);
    lifecycle::set_ownership_level(lifecycle::ownership_level::ignore);
    auto* v = new std::vector<tracked_fake>;
    v->reserve(1000000);
    for (std::uintptr_t i = 0; i < 1000000; ++i) {
        tracked_fake t{bench::fake_open(0x10000000 + 16 * i), "before"};
        v->push_back(std::move(t));
    }
    lifecycle::set_ownership_level(lifecycle::ownership_level::warn_once);
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
// Created on first use: after scope_check's scopes have ended, and after the
// million resources of scope_check, which would otherwise be created inside
// this scope when the interleaved repetitions run scope_check later (and
// render/check would then build a report of a million leaks).
struct render_fixture {
    lifecycle::leak_scope scope{"render", lifecycle::leak_policy::ignore};
    std::vector<tracked_fake> leaks;
    lifecycle::leak_report report;

    // Precise stacks: every frame up to main symbolized (the fast unwinder
    // would stop at Google Benchmark's first frame).
    render_fixture() {
        lifecycle::set_capture(lifecycle::capture::stack);
        lifecycle::set_unwind(lifecycle::unwind::precise);
        lifecycle::set_stack_depth(default_depth);
        leaks.reserve(render_leaks);
        for (auto make : site_makers) make(leaks, render_per_site);
        lifecycle::set_unwind(lifecycle::detail::default_unwind);
        lifecycle::set_capture(lifecycle::capture::site);
        report = scope.check();
    }
};
render_fixture* g_render = nullptr;

render_fixture& render() {
    make_million();
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
    register_stack_benchmarks();
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
